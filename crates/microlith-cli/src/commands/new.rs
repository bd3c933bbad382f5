//! `microlith new <language> <name>`: scaffolds a guest project.

use std::path::PathBuf;

use anyhow::{Context, bail};

use crate::guest::{self, Language};

/// Flags of `microlith new`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// rust, js (JavaScript/TypeScript), python, c, zig or assemblyscript.
    pub language: Language,
    /// The actor class name (a-z, 0-9, '-', '_', starting with a letter).
    pub name: String,
    /// Where to create the project (default: ./<name>).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// Writes the project files.
pub async fn run(args: Args) -> anyhow::Result<()> {
    microlith_core::ClassName::new(args.name.as_str())?;
    let dir = args.dir.unwrap_or_else(|| PathBuf::from(&args.name));
    if dir.exists() && std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?.next().is_some() {
        bail!("{} exists and is not empty", dir.display());
    }
    let files = guest::scaffold(args.language, &args.name);
    for (path, text) in &files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    println!("created a {} actor in {} ({} files)", args.language, dir.display(), files.len());
    println!("next:\n    cd {}\n    microlith build --deploy", dir.display());
    Ok(())
}
