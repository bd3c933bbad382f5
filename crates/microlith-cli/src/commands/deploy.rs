//! `microlith deploy <class> <file.wasm>`: deploy to every actor, as a
//! canary (`--canary 10%`, `--keys a,b`), or try the migration first
//! (`--dry-run`).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;

use super::ServerFlags;
use super::rollout::print_rollout;

/// Flags of `deploy`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Class name.
    pub class: String,
    /// Component file.
    pub file: PathBuf,
    /// Deploy as a canary serving this percentage of actors (by a stable
    /// hash of their keys), e.g. `10%`, until `microlith promote`.
    #[arg(long, conflicts_with = "keys")]
    pub canary: Option<String>,
    /// Deploy as a canary serving exactly these actor keys (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub keys: Vec<String>,
    /// Failed migrations after which the deploy rolls back by itself.
    #[arg(long)]
    pub max_failures: Option<u64>,
    /// Run the migration against copies of a sample of live actors' state
    /// and report what would fail; deploys and commits nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Actors a dry run samples.
    #[arg(long, default_value_t = 100, requires = "dry_run")]
    pub sample: usize,
    #[command(flatten)]
    pub server: ServerFlags,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let bytes = std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let client = args.server.client()?;
    let progress = indicatif::ProgressBar::new_spinner();
    progress.set_message(format!(
        "uploading and compiling {} ({} KiB) for class {}",
        args.file.display(),
        bytes.len() / 1024,
        args.class
    ));
    progress.enable_steady_tick(Duration::from_millis(100));
    if args.dry_run {
        let result = client.dry_run(&args.class, bytes, args.sample).await;
        progress.finish_and_clear();
        let r = result.with_context(|| format!("dry run on {}", args.server.server))?;
        println!(
            "dry run of version {} (schema {}) on {} actor(s) of {}: {} up to date, {} would migrate ({} writes), {} would fail",
            short(&r.version),
            r.schema,
            r.sampled,
            args.class,
            r.up_to_date,
            r.migrated,
            r.writes,
            r.failed.len()
        );
        for f in &r.failed {
            println!("  {} (schema {}): {}", f.key, f.from, f.error);
        }
        if !r.failed.is_empty() {
            anyhow::bail!("the migration would fail on {} of {} sampled actor(s)", r.failed.len(), r.sampled);
        }
        return Ok(());
    }
    let mut query = Vec::new();
    if let Some(c) = &args.canary {
        query.push(format!("canary={}", c.trim_end_matches('%')));
    }
    if !args.keys.is_empty() {
        // Each key is escaped (keys may hold `&`, `#`, `%`, spaces…); the
        // commas between them are the API's separator.
        let keys: Vec<String> = args.keys.iter().map(|k| microlith_client::percent_encode(k)).collect();
        query.push(format!("canary=keys&keys={}", keys.join(",")));
    }
    if let Some(n) = args.max_failures {
        query.push(format!("max_failures={n}"));
    }
    let result = client.deploy_with(&args.class, bytes, &query.join("&")).await;
    progress.finish_and_clear();
    let out = result.with_context(|| format!("deploying to {}", args.server.server))?;
    println!(
        "deployed {} version {} (schema {}; {}; {} in {} ms)",
        out.class,
        short(&out.version),
        out.schema,
        if out.created { "new" } else { "already known" },
        if out.from_cache { "loaded from cache" } else { "compiled" },
        out.compile_ms
    );
    print_rollout(&out.rollout);
    Ok(())
}

/// The first 12 digits of a version id.
pub fn short(version: &str) -> &str {
    &version[..12.min(version.len())]
}
