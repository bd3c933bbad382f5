//! `microlith build [dir]`: builds a guest project into a component, and
//! with `--deploy` deploys it.

use std::path::PathBuf;

use crate::commands::ServerFlags;
use crate::guest::{self, Project};

/// Flags of `microlith build`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The project directory (with a microlith.toml).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Where to write the component (default: <dir>/target/<name>.wasm).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Deploy the component as class <name> (or --class) after building.
    #[arg(long)]
    pub deploy: bool,
    /// The class to deploy as (default: the project's name).
    #[arg(long)]
    pub class: Option<String>,
    #[command(flatten)]
    pub server: ServerFlags,
}

/// Builds (and deploys).
pub async fn run(args: Args) -> anyhow::Result<()> {
    let project = Project::load(&args.dir)?;
    let out = args.out.unwrap_or_else(|| project.dir.join("target").join(format!("{}.wasm", project.name)));
    let started = std::time::Instant::now();
    let (p, o) = (project.clone(), out.clone());
    tokio::task::spawn_blocking(move || guest::build(&p, &o)).await??;
    let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    println!(
        "built {} ({}) → {} ({size} bytes, {:.1} s)",
        project.name,
        project.language,
        out.display(),
        started.elapsed().as_secs_f64()
    );
    if args.deploy {
        let class = args.class.unwrap_or_else(|| project.name.clone());
        let bytes = std::fs::read(&out)?;
        let deployed = args.server.client()?.deploy(&class, bytes).await?;
        println!("deployed {class} version {}", deployed.version);
    }
    Ok(())
}
