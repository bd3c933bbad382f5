//! JavaScript (and TypeScript) guests: the SDK in `sdk/js` (imported as
//! `microlith-actor`), bundled with the actor by esbuild into one ES module,
//! which componentize-js (SpiderMonkey in StarlingMonkey, snapshotted by
//! Wizer) turns into a component.
//!
//! The recipe, all under `<project>/target/microlith/`:
//!
//! 1. `entry.js` imports the default export of `src/actor.ts` (or `.js`,
//!    `.mjs`) and exports `handle`, `onAlarm` and the `view` and `upgrade`
//!    interfaces through the SDK's `serve` (an actor without `view(viewer)`
//!    renders none, which the host shows as no view; one without `schema`
//!    and `migrate` has schema 0 and the default migration).
//! 2. `esbuild entry.js --bundle` resolves `microlith-actor` to the SDK,
//!    strips TypeScript types and leaves the `microlith:actor/*` imports to
//!    componentize-js: `actor.bundle.js`.
//! 3. `componentize-js actor.bundle.js --wit <wit> --world-name
//!    actor-full -d http fetch-event`: without `-d http fetch-event`
//!    the component would import `wasi:http`, which the host does not
//!    link. It still imports WASI
//!    stdio, clocks, random and filesystem, which the host links with an
//!    empty context (nothing to open, nothing in the environment).
//!
//! `jco componentize` is not used: it fails reading the WIT (its
//! preview2-shim grants no filesystem), while the `componentize-js` CLI of
//! the same packages works when @bytecodealliance/preview2-shim 0.25 sits
//! next to it (0.23.0 imports the shim without declaring it).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use super::{Project, tools};

/// The pinned npm packages the recipe runs (see `scripts/lang/js.sh`).
const NPM_PACKAGES: &str =
    "@bytecodealliance/componentize-js@0.23.0 @bytecodealliance/preview2-shim@0.25.0 esbuild@0.28.2";

const SDK_FILES: &[(&str, &str)] = &[
    ("package.json", include_str!("../../../../sdk/js/package.json")),
    ("index.js", include_str!("../../../../sdk/js/index.js")),
    ("index.d.ts", include_str!("../../../../sdk/js/index.d.ts")),
    ("README.md", include_str!("../../../../sdk/js/README.md")),
    ("types/actor-full.d.ts", include_str!("../../../../sdk/js/types/actor-full.d.ts")),
    (
        "types/interfaces/microlith-actor-actors.d.ts",
        include_str!("../../../../sdk/js/types/interfaces/microlith-actor-actors.d.ts"),
    ),
    (
        "types/interfaces/microlith-actor-alarms.d.ts",
        include_str!("../../../../sdk/js/types/interfaces/microlith-actor-alarms.d.ts"),
    ),
    (
        "types/interfaces/microlith-actor-context.d.ts",
        include_str!("../../../../sdk/js/types/interfaces/microlith-actor-context.d.ts"),
    ),
    (
        "types/interfaces/microlith-actor-log.d.ts",
        include_str!("../../../../sdk/js/types/interfaces/microlith-actor-log.d.ts"),
    ),
    (
        "types/interfaces/microlith-actor-state.d.ts",
        include_str!("../../../../sdk/js/types/interfaces/microlith-actor-state.d.ts"),
    ),
    (
        "types/interfaces/microlith-actor-types.d.ts",
        include_str!("../../../../sdk/js/types/interfaces/microlith-actor-types.d.ts"),
    ),
    (
        "types/interfaces/microlith-actor-upgrade.d.ts",
        include_str!("../../../../sdk/js/types/interfaces/microlith-actor-upgrade.d.ts"),
    ),
    (
        "types/interfaces/microlith-actor-view.d.ts",
        include_str!("../../../../sdk/js/types/interfaces/microlith-actor-view.d.ts"),
    ),
];

const ACTOR_JS: &str = r#"// A counter actor: `incr` (optionally `{"by": n}`), `get`, `reset`.
//
// Each method gets the request and returns the reply (sent as JSON). Throw
// BadRequest or Failed to fail the turn; nothing it wrote is committed.
import { defineActor, state, Failed } from 'microlith-actor';

const KEY = 'value';

function current() {
  return state.getJson(KEY) ?? 0;
}

export default defineActor({
  incr(req) {
    const { by = 1 } = req.json({ by: 'uint?' });
    const value = current() + by;
    if (!Number.isSafeInteger(value)) throw new Failed('counter would overflow');
    state.setJson(KEY, value);
    return { value };
  },

  get() {
    return { value: current() };
  },

  reset() {
    state.delete(KEY);
    return { value: 0 };
  },
});
"#;

const TSCONFIG: &str = r#"{
  "compilerOptions": {
    "target": "es2022",
    "module": "esnext",
    "moduleResolution": "bundler",
    "allowJs": true,
    "checkJs": true,
    "strict": true,
    "noEmit": true,
    "paths": { "microlith-actor": ["./microlith/sdk/index.d.ts"] }
  },
  "include": ["src"]
}
"#;

/// The files of a new project named `name`.
pub fn files(name: &str) -> Vec<(PathBuf, String)> {
    let package = format!(
        r#"{{
  "name": "{name}",
  "version": "0.1.0",
  "private": true,
  "type": "module",
  "description": "A Microlith actor: `microlith build` makes target/{name}.wasm from src/actor.js",
  "dependencies": {{
    "microlith-actor": "file:microlith/sdk"
  }}
}}
"#
    );
    let mut out = vec![
        (PathBuf::from("package.json"), package),
        (PathBuf::from("tsconfig.json"), TSCONFIG.to_string()),
        (PathBuf::from("src/actor.js"), ACTOR_JS.to_string()),
        (PathBuf::from(".gitignore"), "/target\n/node_modules\n".to_string()),
    ];
    for (path, text) in SDK_FILES {
        out.push((Path::new("microlith/sdk").join(path), (*text).to_string()));
    }
    out
}

/// The actor module of `project`: `src/actor.ts`, `.js` or `.mjs`.
fn actor_source(project: &Project) -> anyhow::Result<PathBuf> {
    let candidates = ["actor.ts", "actor.js", "actor.mjs"].map(|f| project.dir.join("src").join(f));
    match candidates.iter().find(|p| p.is_file()) {
        Some(p) => Ok(p.clone()),
        None => bail!(
            "{} has no src/actor.ts or src/actor.js (the module that default-exports the actor)",
            project.dir.display()
        ),
    }
}

/// `path` as a string for a JS import (forward slashes, quoted).
fn js_string(path: &Path) -> anyhow::Result<String> {
    let s = path.to_str().with_context(|| format!("{} is not valid UTF-8", path.display()))?;
    Ok(serde_json::to_string(&s.replace('\\', "/"))?)
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    if path.is_absolute() {
        return Ok(path.to_path_buf());
    }
    Ok(std::env::current_dir().context("reading the current directory")?.join(path))
}

/// Builds the project into `out`.
pub fn build(project: &Project, out: &Path) -> anyhow::Result<()> {
    let install = format!(
        "npm install --prefix {} --save-exact {NPM_PACKAGES}   (or scripts/lang/js.sh install in the Microlith repository; needs node and npm)",
        tools::toolchain_dir().display()
    );
    let esbuild = tools::find("esbuild", &[], &install)?;
    let componentize = tools::find("componentize-js", &[], &install)?;
    let source = actor_source(project)?;
    let sdk = project.sdk.join("index.js");
    if !sdk.is_file() {
        bail!("the JS SDK is missing: {} (microlith.toml `sdk`)", sdk.display());
    }
    let out = absolute(out)?;
    let work = project.dir.join("target/microlith");
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;

    let entry = work.join("entry.js");
    let entry_text = format!(
        "// Written by `microlith build`: the component's exports for the actor module.\n\
         import actor from {};\n\
         import {{ serve }} from 'microlith-actor';\n\
         const exported = serve(actor);\n\
         export function handle(method, payload) {{\n  return exported.handle(method, payload);\n}}\n\
         export function onAlarm(name) {{\n  return exported.onAlarm(name);\n}}\n\
         export const view = {{\n  render(viewer) {{\n    return exported.view.render(viewer);\n  }},\n}};\n\
         export const upgrade = {{\n  schemaVersion() {{\n    return exported.upgrade.schemaVersion();\n  }},\n  \
         migrate(oldSchema) {{\n    return exported.upgrade.migrate(oldSchema);\n  }},\n  \
         selfCheck() {{\n    return exported.upgrade.selfCheck();\n  }},\n}};\n",
        js_string(&source)?
    );
    std::fs::write(&entry, entry_text).with_context(|| format!("writing {}", entry.display()))?;

    let bundle = work.join("actor.bundle.js");
    super::run(
        Command::new(&esbuild)
            .current_dir(&work)
            .arg("entry.js")
            .args(["--bundle", "--format=esm", "--platform=neutral", "--log-level=warning", "--external:microlith:*"])
            .arg(format!("--alias:microlith-actor={}", sdk.display()))
            .arg(format!("--outfile={}", bundle.display())),
        "esbuild (bundling the actor with the SDK)",
    )?;

    // componentize-js maps its working directory to `/` while it snapshots
    // the module, so it runs where the bundle is.
    super::run(
        Command::new(&componentize)
            .current_dir(&work)
            .arg("actor.bundle.js")
            .arg("--wit")
            .arg(&project.wit)
            .args(["--world-name", "actor-full", "-d", "http", "fetch-event", "-o"])
            .arg(&out),
        "componentize-js",
    )
}
