//! C guests (clang-19 or Zig): not supported yet.

use std::path::{Path, PathBuf};

use super::Project;

/// Which C compiler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compiler {
    /// Debian's clang-19 with wasi-libc.
    Clang,
    /// `python3 -m ziglang cc`.
    Zig,
}

/// The files of a new project.
pub fn files(_name: &str, _compiler: Compiler) -> Vec<(PathBuf, String)> {
    Vec::new()
}

/// Builds the project.
pub fn build(_project: &Project, _out: &Path, _compiler: Compiler) -> anyhow::Result<()> {
    anyhow::bail!("building C guests is not supported yet")
}
