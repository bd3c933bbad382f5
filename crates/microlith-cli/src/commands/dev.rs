//! `microlith dev`: a development server with the example actors deployed.

use std::path::PathBuf;

use anyhow::Context as _;
use microlith_server::ServerConfig;

use super::serve::{announce, finish, init_logging, start, wait_for_signal};
use crate::examples::EXAMPLES;
use crate::settings::{self, Overrides};

/// Flags of `dev`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// TOML configuration file.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub overrides: Overrides,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    init_logging();
    let config = settings::load(ServerConfig::default(), args.config.as_deref(), &args.overrides)?;
    let server = start(&config).await?;
    for (class, bytes) in EXAMPLES {
        let out = server
            .runtime()
            .deploy(class, bytes.to_vec())
            .await
            .with_context(|| format!("deploying example {class}"))?;
        tracing::info!(class, version = %out.version.short(), "example deployed");
    }
    if config.admin_token.is_none() {
        tracing::warn!("DEV MODE: the admin API is open to anyone who can reach {}", server.local_addr());
    }
    announce(&server);
    let url = format!("http://{}", server.local_addr());
    println!("\nMicrolith dev server on {url} (data in {})", config.data_dir.display());
    println!("  curl -X POST {url}/v1/actors/counter/demo/incr");
    println!("  curl -X POST {url}/v1/actors/todo/mine/add -d '{{\"title\":\"try microlith\"}}'");
    println!("  curl -X POST {url}/v1/actors/todo/mine/list");
    println!("Ctrl-C to stop.\n");
    wait_for_signal().await;
    finish(server).await
}
