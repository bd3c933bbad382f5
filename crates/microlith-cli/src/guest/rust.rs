//! Rust guests: the `microlith-actor` SDK (`sdk/rust`), built for
//! `wasm32-unknown-unknown` by Debian's rustc-web with `-Zbuild-std`, then
//! wrapped into a component by `wasm-tools component new`. The same recipe
//! as `scripts/build-guests`, minus its byte-for-byte reproducibility
//! measures.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;

use super::{Project, tools};

const SDK_FILES: &[(&str, &str)] = &[
    ("Cargo.toml", include_str!("../../../../sdk/rust/microlith-actor/Cargo.toml")),
    ("src/lib.rs", include_str!("../../../../sdk/rust/microlith-actor/src/lib.rs")),
    ("src/actors.rs", include_str!("../../../../sdk/rust/microlith-actor/src/actors.rs")),
    ("src/alarms.rs", include_str!("../../../../sdk/rust/microlith-actor/src/alarms.rs")),
    ("src/context.rs", include_str!("../../../../sdk/rust/microlith-actor/src/context.rs")),
    ("src/log.rs", include_str!("../../../../sdk/rust/microlith-actor/src/log.rs")),
    ("src/state.rs", include_str!("../../../../sdk/rust/microlith-actor/src/state.rs")),
];

const LIB_RS: &str = r#"//! A counter actor: `incr` (optionally `{"by": n}`), `get`, `reset`.

use microlith_actor::{Actor, Error, Request, reply, state};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Incr {
    by: u64,
}

#[derive(Serialize)]
struct Value {
    value: u64,
}

struct Counter;

impl Actor for Counter {
    fn handle(req: Request) -> Result<Vec<u8>, Error> {
        let current = state::get_json::<u64>("value")?.unwrap_or(0);
        let value = match req.method() {
            "incr" => {
                let by = req.json::<Option<Incr>>()?.map_or(1, |i| i.by);
                let value = current.checked_add(by).ok_or_else(|| Error::failed("overflow"))?;
                state::set_json("value", &value)?;
                value
            }
            "get" => current,
            "reset" => {
                state::delete("value");
                0
            }
            _ => return Err(req.unknown_method()),
        };
        reply::json(&Value { value })
    }
}

microlith_actor::export_actor!(Counter);
"#;

/// The files of a new project named `name`.
pub fn files(name: &str) -> Vec<(PathBuf, String)> {
    let cargo = format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

[lib]
crate-type = ["cdylib"]

[dependencies]
microlith-actor = {{ path = "microlith/sdk" }}
serde = {{ version = "1", default-features = false, features = ["std", "derive"] }}

[workspace]

[profile.release]
opt-level = "s"
lto = true
codegen-units = 1
panic = "abort"
strip = true
"#
    );
    let mut out = vec![
        (PathBuf::from("Cargo.toml"), cargo),
        (PathBuf::from("src/lib.rs"), LIB_RS.to_string()),
        (PathBuf::from(".gitignore"), "/target\n".to_string()),
    ];
    for (path, text) in SDK_FILES {
        // The vendored SDK finds the WIT package next to it.
        let text = text.replace("path: \"../../../wit\"", "path: \"../wit\"");
        out.push((Path::new("microlith/sdk").join(path), text));
    }
    out
}

/// The package name in `dir/Cargo.toml`.
fn package_name(dir: &Path) -> anyhow::Result<String> {
    #[derive(serde::Deserialize)]
    struct Package {
        name: String,
    }
    let path = dir.join("Cargo.toml");
    let package: Package =
        figment::Figment::from(<figment::providers::Toml as figment::providers::Format>::file(&path))
            .extract_inner("package")
            .with_context(|| format!("reading [package] of {}", path.display()))?;
    Ok(package.name)
}

/// Builds the project into `out`.
pub fn build(project: &Project, out: &Path) -> anyhow::Result<()> {
    const APT: &str = "apt-get install -y rustc-web cargo-web rust-web-src lld-19";
    let cargo = tools::find("cargo", &["/usr/bin/cargo"], APT)?;
    let rustc = tools::find("rustc", &["/usr/bin/rustc"], APT)?;
    let linker = tools::find("wasm-ld-19", &["/usr/bin/wasm-ld-19"], APT)?;
    if !Path::new("/usr/lib/rustlib/src/rust/library/std").is_dir() {
        anyhow::bail!("the Rust std sources are missing (needed by -Zbuild-std). Install them with:\n    {APT}");
    }
    let wasm_tools = tools::wasm_tools()?;
    let target_dir = project.dir.join("target/microlith");
    let crate_name = package_name(&project.dir)?.replace('-', "_");
    super::run(
        Command::new(&cargo)
            .current_dir(&project.dir)
            .args(["build", "--release", "--target", "wasm32-unknown-unknown", "-Zbuild-std=std,panic_abort"])
            .arg("--target-dir")
            .arg(&target_dir)
            .env("RUSTC", &rustc)
            .env("RUSTC_BOOTSTRAP", "1")
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER", &linker)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_TARGET_DIR"),
        "cargo build",
    )?;
    let core = target_dir.join("wasm32-unknown-unknown/release").join(format!("{crate_name}.wasm"));
    super::run(
        Command::new(&wasm_tools).arg("component").arg("new").arg(&core).arg("-o").arg(out),
        "wasm-tools component new",
    )
}
