//! `microlith serve`: run the server until Ctrl-C or SIGTERM.

use std::path::PathBuf;

use anyhow::Context as _;
use microlith_server::{Server, ServerConfig};

use crate::settings::{self, Overrides};

/// Flags of `serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// TOML configuration file.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub overrides: Overrides,
}

/// Installs the log subscriber (RUST_LOG overrides the default filter).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,wasmtime=warn,cranelift=warn,fjall=warn,lsm_tree=warn")
    });
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).try_init();
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    init_logging();
    let config = settings::load(ServerConfig::default(), args.config.as_deref(), &args.overrides)?;
    if config.admin_token.is_none() {
        tracing::warn!("no admin token configured: anyone who can reach the server can deploy code");
    }
    let server = start(&config).await?;
    announce(&server);
    wait_for_signal().await;
    finish(server).await
}

/// Binds and starts a server for `config`.
pub async fn start(config: &ServerConfig) -> anyhow::Result<Server> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    Server::start(config, listener).await.context("starting the server")
}

/// Prints the bound address once the server is ready (tools and tests read
/// it from here; `--listen 127.0.0.1:0` picks a free port).
pub fn announce(server: &Server) {
    println!("microlith listening on http://{}", server.local_addr());
}

/// Drains and stops `server`.
pub async fn finish(server: Server) -> anyhow::Result<()> {
    tracing::info!("shutting down: draining requests, turns and commits");
    if server.shutdown().await {
        tracing::info!("stopped cleanly");
        Ok(())
    } else {
        anyhow::bail!("shutdown timed out before everything drained")
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn wait_for_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
