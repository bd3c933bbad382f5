//! `microlith dev`: a development server with the example actors deployed,
//! the demo web app at `/`, anonymous clients allowed and dev tokens
//! (`POST /v1/dev/token`) signed with a secret kept in the data directory,
//! so tokens survive restarts. With `--watch <project>` it also rebuilds
//! and redeploys guest projects as their sources change ([`dev_watch`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use microlith_server::{AuthConfig, ServerConfig, WebConfig};

use super::dev_watch::{self, Deploy, Deployed};
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
    /// Guest project directories (with a microlith.toml) to build, deploy
    /// as class <name>, and rebuild and redeploy whenever a source changes.
    #[arg(long, value_name = "PROJECT_DIR", num_args = 1..)]
    pub watch: Vec<PathBuf>,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    init_logging();
    let base = ServerConfig {
        auth: AuthConfig { dev_tokens: true, allow_anonymous: true, jwt_secret: None },
        web: WebConfig { demo: true, ..WebConfig::default() },
        ..ServerConfig::default()
    };
    let mut config = settings::load(base, args.config.as_deref(), &args.overrides)?;
    let projects = dev_watch::load(&args.watch)?;
    if config.auth.jwt_secret.is_none() {
        config.auth.jwt_secret = Some(dev_secret(&config.data_dir)?);
    }
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
    if config.auth.dev_tokens {
        tracing::warn!("DEV MODE: POST /v1/dev/token signs a client token for any name you ask for");
    }
    announce(&server);
    let url = format!("http://{}", server.local_addr());
    println!("\nMicrolith dev server on {url} (data in {})", config.data_dir.display());
    println!("  curl -X POST {url}/v1/actors/counter/demo/incr");
    println!("  curl -X POST {url}/v1/actors/todo/mine/add -d '{{\"title\":\"try microlith\"}}'");
    println!("  curl -X POST {url}/v1/actors/todo/mine/list");
    println!("  open {url}/ for the live todo board; microlith watch todo/board");
    for p in &projects {
        println!(
            "  watching {} ({}): rebuilt and redeployed as class {} on every change",
            p.dir.display(),
            p.language,
            p.name
        );
    }
    println!("Ctrl-C to stop.\n");
    let runtime = server.runtime().clone();
    let deploy: Deploy = Arc::new(move |class, bytes| {
        let runtime = runtime.clone();
        Box::pin(async move {
            let out = runtime.deploy(&class, bytes).await?;
            Ok(Deployed { version: out.version.short(), schema: out.schema })
        })
    });
    let watchers = dev_watch::spawn(projects, deploy);
    wait_for_signal().await;
    watchers.stop().await;
    finish(server).await
}

/// The dev token secret stored in `data_dir` (made on first use).
fn dev_secret(data_dir: &Path) -> anyhow::Result<String> {
    use std::hash::{BuildHasher, RandomState};
    let path = data_dir.join("dev-jwt-secret");
    if let Ok(s) = std::fs::read_to_string(&path)
        && !s.trim().is_empty()
    {
        return Ok(s.trim().to_string());
    }
    let secret: String = (0..4).map(|i| format!("{:016x}", RandomState::new().hash_one(i))).collect();
    std::fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
    std::fs::write(&path, &secret).with_context(|| format!("writing {}", path.display()))?;
    Ok(secret)
}
