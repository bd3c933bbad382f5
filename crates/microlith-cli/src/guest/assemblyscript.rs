//! AssemblyScript guests: the SDK in `sdk/assemblyscript` (canonical-ABI
//! glue written by hand, since there is no wit-bindgen for AssemblyScript,
//! plus a small JSON reader and writer), compiled by `asc` into a core
//! module that `wasm-tools component embed` and `component new` wrap into a
//! component. The component imports no WASI.
//!
//! A project's actor lives in `assembly/index.ts`; `asc` compiles it
//! together with the SDK's `entry.ts`, which exports `handle`, `on-alarm`,
//! `view.render` and `upgrade` (world `actor-full`; the default
//! `Actor.view` shows none, which the host treats as no view, and the
//! default `schema`, `migrate` and `selfCheck` are schema 0, accept older
//! state, pass) and the ABI's helpers, and
//! resolves `import ... from "microlith"` through `--path <sdk>`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;

use super::{Project, tools};

/// The `assemblyscript` npm package the recipe is tested with.
pub const ASC_VERSION: &str = "0.28.20";

const SDK_FILES: &[(&str, &str)] = &[
    ("README.md", include_str!("../../../../sdk/assemblyscript/README.md")),
    ("entry.ts", include_str!("../../../../sdk/assemblyscript/entry.ts")),
    ("transform.mjs", include_str!("../../../../sdk/assemblyscript/transform.mjs")),
    ("microlith/index.ts", include_str!("../../../../sdk/assemblyscript/microlith/index.ts")),
    ("microlith/abi.ts", include_str!("../../../../sdk/assemblyscript/microlith/abi.ts")),
    ("microlith/actor.ts", include_str!("../../../../sdk/assemblyscript/microlith/actor.ts")),
    ("microlith/host.ts", include_str!("../../../../sdk/assemblyscript/microlith/host.ts")),
    ("microlith/json.ts", include_str!("../../../../sdk/assemblyscript/microlith/json.ts")),
];

/// The scaffold's actor: the counter of `examples/assemblyscript/counter`.
const INDEX_TS: &str = include_str!("../../../../examples/assemblyscript/counter/assembly/index.ts");

/// The files of a new project named `name`.
pub fn files(_name: &str) -> Vec<(PathBuf, String)> {
    let mut out = vec![
        (PathBuf::from("assembly/index.ts"), INDEX_TS.to_string()),
        (PathBuf::from(".gitignore"), "/target\n".to_string()),
    ];
    for (path, text) in SDK_FILES {
        out.push((Path::new("microlith/sdk").join(path), (*text).to_string()));
    }
    out
}

/// Builds the project into `out`.
pub fn build(project: &Project, out: &Path) -> anyhow::Result<()> {
    let install = format!(
        "npm install --prefix {} assemblyscript@{ASC_VERSION}   (and Node.js: apt-get install -y nodejs npm)",
        tools::toolchain_dir().display()
    );
    let asc = tools::find("asc", &[], &install)?;
    let wasm_tools = tools::wasm_tools()?;
    let entry = project.dir.join("assembly/index.ts");
    if !entry.is_file() {
        anyhow::bail!("{} is missing: an AssemblyScript actor lives in assembly/index.ts", entry.display());
    }
    let work = project.dir.join("target/microlith");
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    let core = work.join("core.wasm");
    let embedded = work.join("embedded.wasm");
    super::run(
        Command::new(&asc)
            .current_dir(&project.dir)
            .arg(project.sdk.join("entry.ts"))
            .arg(&entry)
            .arg("--path")
            .arg(&project.sdk)
            .arg("--transform")
            .arg(project.sdk.join("transform.mjs"))
            .args(["--runtime", "minimal", "--use", "abort=", "-O3", "--noColors"])
            .arg("-o")
            .arg(&core),
        "asc",
    )?;
    super::run(
        Command::new(&wasm_tools)
            .args(["component", "embed"])
            .arg(&project.wit)
            .args(["--world", "actor-full"])
            .arg(&core)
            .arg("-o")
            .arg(&embedded),
        "wasm-tools component embed",
    )?;
    super::run(
        Command::new(&wasm_tools).args(["component", "new"]).arg(&embedded).arg("-o").arg(out),
        "wasm-tools component new",
    )
}
