//! Python guests: the `microlith` SDK (`sdk/python`), built into a
//! component by componentize-py (PyPI `componentize-py`, pinned by
//! `scripts/lang/python.sh`). The project's `app.py` holds the actor class;
//! the SDK's `microlith_world` module imports it and exports the
//! `actor-full` world (`handle`, `on-alarm`, `view`, `upgrade`, with the
//! SDK's defaults for hooks the class leaves out). The component imports
//! the `wasi:*` interfaces that CPython needs, which the host satisfies
//! with a capability-free WASI.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Project, tools};

/// The componentize-py version the SDK is built and checked with.
pub const COMPONENTIZE_PY: &str = "0.25.1";

const SDK_FILES: &[(&str, &str)] = &[
    ("microlith_world.py", include_str!("../../../../sdk/python/microlith_world.py")),
    ("microlith/__init__.py", include_str!("../../../../sdk/python/microlith/__init__.py")),
    ("microlith/_dispatch.py", include_str!("../../../../sdk/python/microlith/_dispatch.py")),
    ("microlith/actors.py", include_str!("../../../../sdk/python/microlith/actors.py")),
    ("microlith/alarms.py", include_str!("../../../../sdk/python/microlith/alarms.py")),
    ("microlith/context.py", include_str!("../../../../sdk/python/microlith/context.py")),
    ("microlith/errors.py", include_str!("../../../../sdk/python/microlith/errors.py")),
    ("microlith/log.py", include_str!("../../../../sdk/python/microlith/log.py")),
    ("microlith/payload.py", include_str!("../../../../sdk/python/microlith/payload.py")),
    ("microlith/state.py", include_str!("../../../../sdk/python/microlith/state.py")),
];

const APP_PY: &str = r#""""A counter actor: `incr` (optionally `{"by": n}`), `get`, `reset`; its
live view is `{"value": n}`.

Public methods of the `@actor` class handle the methods of the same name
(`_` becomes `-`; `@method("name")` sets any name). The payload parameter's
annotation says how the JSON payload is decoded. `view`, `on_alarm`,
`migrate` and `self_check` are hooks the host calls, not methods, and
`SCHEMA` numbers the state layout; see microlith/sdk/README.md.
"""

from dataclasses import dataclass
from typing import Optional

from microlith import U64, Failed, actor, state


@dataclass
class Incr:
    by: U64 = 1


@actor
class Counter:
    def incr(self, args: Optional[Incr]):
        value = state.get_json("value", 0) + (args.by if args else 1)
        if value >= 2**64:
            raise Failed("overflow")
        state.set_json("value", value)
        return {"value": value}

    def get(self):
        return {"value": state.get_json("value", 0)}

    def reset(self):
        state.delete("value")
        return {"value": 0}

    def view(self, viewer: Optional[str]):
        # What subscribers see (`microlith watch <class>/<key>`), as JSON.
        return {"value": state.get_json("value", 0)}
"#;

const README: &str = include_str!("../../../../sdk/python/README.md");

/// The files of a new project named `_name`.
pub fn files(_name: &str) -> Vec<(PathBuf, String)> {
    let mut out = vec![
        (PathBuf::from("app.py"), APP_PY.to_string()),
        (PathBuf::from(".gitignore"), "__pycache__/\n*.wasm\n".to_string()),
        (PathBuf::from("microlith/sdk/README.md"), README.to_string()),
    ];
    for (path, text) in SDK_FILES {
        out.push((Path::new("microlith/sdk").join(path), (*text).to_string()));
    }
    out
}

/// Builds the project into `out`.
pub fn build(project: &Project, out: &Path) -> anyhow::Result<()> {
    let venv = tools::toolchain_dir().join("venv");
    let install =
        format!("python3 -m venv {0} && {0}/bin/pip install componentize-py=={COMPONENTIZE_PY}", venv.display());
    let componentize = tools::find("componentize-py", &[], &install)?;
    if !project.dir.join("app.py").is_file() {
        anyhow::bail!("{} has no app.py (the module with the @microlith.actor class)", project.dir.display());
    }
    super::run(
        Command::new(&componentize)
            .current_dir(&project.dir)
            .arg("-d")
            .arg(&project.wit)
            .args(["-w", "actor-full", "componentize", "microlith_world"])
            // The SDK first: a vendored `microlith/` folder in the project is
            // not a package and must not shadow it.
            .arg("-p")
            .arg(&project.sdk)
            .arg("-p")
            .arg(&project.dir)
            .arg("-o")
            .arg(out),
        "componentize-py",
    )
}
