//! The Microlith server: the HTTP edge and the composition root.
//!
//! [`Server::start`] opens the configured store, starts the runtime (which
//! loads deployed classes) and serves the HTTP API (see
//! `microlith_protocol::v1` for routes) on a listener until shutdown, then
//! drains: in-flight requests finish, actors finish their queued turns, and
//! every pending commit lands before the store closes.
//!
//! Clients also connect over WebSocket (`ws`, `docs/protocol.md`): calls,
//! and live views of actors fanned out by `views` (one render and one JSON
//! Patch per change and viewer, shared by all subscribers), authenticated
//! by signed tokens (`auth`).
//!
//! This is the only crate that picks a storage backend and the only one that
//! knows HTTP. Start with [`Server`], then [`routes`], `ws` and `views`.

pub mod auth;
mod config;
mod error;
pub mod routes;
pub mod views;
mod ws;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use microlith_runtime::{Runtime, RuntimeConfig};
use microlith_storage::Store;
use microlith_storage::memory::MemoryStore;
use microlith_storage_fjall::FjallStore;
use microlith_storage_redb::RedbStore;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use config::{ActorsConfig, AuthConfig, ConfigError, ServerConfig, StorageConfig, WebConfig};
pub use error::ApiError;

/// Shared state of the HTTP handlers.
#[derive(Clone)]
pub struct AppState {
    /// The runtime.
    pub runtime: Runtime,
    /// The admin bearer token, if the admin API is guarded.
    pub admin_token: Option<Arc<str>>,
    /// Size limits the routes enforce before the runtime sees a request.
    pub limits: Arc<RouteLimits>,
    /// Client token verification.
    pub auth: auth::Auth,
    /// Live view feeds of WebSocket subscribers.
    pub feeds: views::Feeds,
    /// Cancelled when the server shuts down (WebSocket sessions say goodbye).
    pub shutdown: CancellationToken,
    /// Whether the demo web app is served at `/`.
    pub demo: bool,
}

/// What the HTTP edge needs besides the runtime.
#[derive(Debug, Clone)]
pub struct EdgeConfig {
    /// The admin bearer token, if the admin API is guarded.
    pub admin_token: Option<String>,
    /// Client token verification.
    pub auth: auth::Auth,
    /// Serve the demo web app at `/`.
    pub demo: bool,
    /// How long a view feed outlives its last subscriber (for resuming).
    pub view_retention: Duration,
    /// How long shutdown waits for in-flight work.
    pub shutdown_timeout: Duration,
}

impl EdgeConfig {
    /// The edge settings of `config`.
    pub fn of(config: &ServerConfig) -> Self {
        let a = &config.auth;
        Self {
            admin_token: config.admin_token.clone(),
            auth: auth::Auth::new(a.jwt_secret.as_deref(), a.allow_anonymous, a.dev_tokens),
            demo: config.web.demo,
            view_retention: Duration::from_millis(config.web.view_retention_ms),
            shutdown_timeout: Duration::from_millis(config.shutdown_timeout_ms),
        }
    }
}

/// Body size limits of the routes.
#[derive(Debug, Clone)]
pub struct RouteLimits {
    /// Largest actor payload.
    pub max_payload_len: usize,
    /// Largest component.
    pub max_component_size: usize,
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The store could not be opened.
    #[error("opening the store in {dir}: {source}")]
    Store {
        /// The data directory.
        dir: String,
        /// The cause.
        #[source]
        source: microlith_storage::StoreError,
    },
    /// The runtime could not start.
    #[error("starting the runtime: {0}")]
    Runtime(#[from] microlith_runtime::DeployError),
    /// Listening or serving failed.
    #[error("serving HTTP: {0}")]
    Io(#[from] std::io::Error),
}

/// A running server.
pub struct Server {
    runtime: Runtime,
    addr: SocketAddr,
    stop: CancellationToken,
    serve: tokio::task::JoinHandle<Result<(), std::io::Error>>,
    shutdown_timeout: Duration,
}

/// Opens the store `config` names.
pub async fn open_store(config: &ServerConfig) -> Result<Arc<dyn Store>, ServerError> {
    let dir = config.data_dir.clone();
    match config.storage {
        StorageConfig::Redb => open_embedded(dir, RedbStore::open).await,
        StorageConfig::Fjall => open_embedded(dir, FjallStore::open).await,
        StorageConfig::Memory => {
            Ok(Arc::new(MemoryStore::new().map_err(|source| ServerError::Store { dir: "memory".into(), source })?))
        }
    }
}

/// Opens an embedded backend in `dir` on a blocking thread.
async fn open_embedded<S: Store>(
    dir: PathBuf,
    open: fn(&Path) -> Result<S, microlith_storage::StoreError>,
) -> Result<Arc<dyn Store>, ServerError> {
    let d = dir.clone();
    let opened =
        tokio::task::spawn_blocking(move || open(&d)).await.map_err(|e| ServerError::Io(std::io::Error::other(e)))?;
    Ok(Arc::new(opened.map_err(|source| ServerError::Store { dir: dir.display().to_string(), source })?))
}

impl Server {
    /// Opens the store, starts the runtime and serves on `listener`.
    pub async fn start(config: &ServerConfig, listener: TcpListener) -> Result<Self, ServerError> {
        let rt_config = config.runtime_config()?;
        let store = open_store(config).await?;
        let runtime = Runtime::open(rt_config.clone(), store).await?;
        let edge = EdgeConfig::of(config);
        if edge.auth.allows_anonymous() {
            tracing::warn!("anonymous clients are allowed: they act with no principal ([auth] allow_anonymous)");
        }
        Ok(Self::serve(runtime, &rt_config, edge, listener)?)
    }

    /// Serves `runtime` on `listener` (for embedders and benchmarks that
    /// build the runtime themselves).
    pub fn serve(
        runtime: Runtime,
        rt_config: &RuntimeConfig,
        edge: EdgeConfig,
        listener: TcpListener,
    ) -> Result<Self, std::io::Error> {
        let addr = listener.local_addr()?;
        let stop = CancellationToken::new();
        let state = AppState {
            runtime: runtime.clone(),
            admin_token: edge.admin_token.map(Arc::from),
            limits: Arc::new(RouteLimits {
                max_payload_len: rt_config.limits.max_payload_len,
                max_component_size: rt_config.max_component_size,
            }),
            auth: edge.auth,
            feeds: views::Feeds::new(runtime.clone(), edge.view_retention, stop.clone()),
            shutdown: stop.clone(),
            demo: edge.demo,
        };
        let shutdown_timeout = edge.shutdown_timeout;
        let app = routes::router(state);
        let graceful = stop.clone();
        // TCP_NODELAY on every connection: replies and deltas are small
        // writes that must leave now, not wait for the peer's delayed ACK
        // of the previous one (Nagle's algorithm; up to 40 ms on Linux).
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp: &mut tokio::net::TcpStream| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "could not set TCP_NODELAY");
            }
        });
        let serve = tokio::spawn(async move {
            axum::serve(listener, app).with_graceful_shutdown(async move { graceful.cancelled().await }).await
        });
        tracing::info!(%addr, memory_layout = ?runtime.memory_layout(), "listening");
        Ok(Self { runtime, addr, stop, serve, shutdown_timeout })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The runtime behind the server.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// Stops accepting connections, lets in-flight requests finish, drains
    /// the actors and lands every pending commit (bounded by the shutdown
    /// timeout). Returns whether everything drained in time.
    pub async fn shutdown(self) -> bool {
        self.stop.cancel();
        let http_done = tokio::time::timeout(self.shutdown_timeout, self.serve).await.is_ok();
        let drained = self.runtime.shutdown(self.shutdown_timeout).await;
        http_done && drained
    }
}
