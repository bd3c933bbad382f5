//! One module per subcommand.

pub mod build;
pub mod call;
pub mod classes;
pub mod deploy;
pub mod dev;
pub mod dev_watch;
pub mod new;
pub mod rollout;
pub mod serve;
pub mod watch;

/// Default server URL for client commands.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:7070";

/// Flags shared by the client commands.
#[derive(Debug, clap::Args)]
pub struct ServerFlags {
    /// Server URL.
    #[arg(long, env = "MICROLITH_SERVER", default_value = DEFAULT_SERVER)]
    pub server: String,
    /// Admin bearer token.
    #[arg(long, env = "MICROLITH_ADMIN_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

impl ServerFlags {
    /// A client for the flags' server.
    pub fn client(&self) -> anyhow::Result<microlith_client::Client> {
        Ok(microlith_client::Client::new(&self.server, self.token.clone())?)
    }
}
