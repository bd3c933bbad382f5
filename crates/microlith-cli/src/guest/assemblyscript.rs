//! assemblyscript guests: not supported yet.

use std::path::{Path, PathBuf};

use super::Project;

/// The files of a new project.
pub fn files(_name: &str) -> Vec<(PathBuf, String)> {
    Vec::new()
}

/// Builds the project.
pub fn build(_project: &Project, _out: &Path) -> anyhow::Result<()> {
    anyhow::bail!("building assemblyscript guests is not supported yet")
}
