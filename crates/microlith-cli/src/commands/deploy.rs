//! `microlith deploy <class> <file.wasm>`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;

use super::ServerFlags;

/// Flags of `deploy`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Class name.
    pub class: String,
    /// Component file.
    pub file: PathBuf,
    #[command(flatten)]
    pub server: ServerFlags,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let bytes = std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let client = args.server.client()?;
    let progress = indicatif::ProgressBar::new_spinner();
    progress.set_message(format!(
        "uploading and compiling {} ({} KiB) as class {}",
        args.file.display(),
        bytes.len() / 1024,
        args.class
    ));
    progress.enable_steady_tick(Duration::from_millis(100));
    let result = client.deploy(&args.class, bytes).await;
    progress.finish_and_clear();
    let out = result.with_context(|| format!("deploying to {}", args.server.server))?;
    println!(
        "deployed {} version {} ({}; {} in {} ms)",
        out.class,
        &out.version[..12.min(out.version.len())],
        if out.created { "new" } else { "already known" },
        if out.from_cache { "loaded from cache" } else { "compiled" },
        out.compile_ms
    );
    Ok(())
}
