//! Loading the server configuration: defaults → TOML file →
//! `MICROLITH__SECTION__KEY` environment variables → command-line flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use microlith_server::ServerConfig;

/// Flags that override configuration values.
#[derive(Debug, Default, clap::Args)]
pub struct Overrides {
    /// Address to listen on, e.g. 127.0.0.1:7070.
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Data directory (store and compiled-artifact cache).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Admin bearer token required for deploys and inspection.
    #[arg(long, env = "MICROLITH_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Storage backend: redb or fjall (embedded, durable) or memory.
    #[arg(long, value_enum)]
    pub storage: Option<StorageKind>,
}

/// Storage backends selectable by flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StorageKind {
    /// Embedded redb store.
    Redb,
    /// Embedded fjall store.
    Fjall,
    /// In memory; nothing survives a restart.
    Memory,
}

/// Builds the configuration from `base` defaults, an optional file, the
/// environment and `flags`.
pub fn load(base: ServerConfig, file: Option<&Path>, flags: &Overrides) -> anyhow::Result<ServerConfig> {
    let mut fig = Figment::from(Serialized::defaults(base));
    if let Some(file) = file {
        if !file.exists() {
            anyhow::bail!("config file {} does not exist", file.display());
        }
        fig = fig.merge(Toml::file(file));
    }
    fig = fig.merge(Env::prefixed("MICROLITH__").split("__"));
    let mut config: ServerConfig = fig.extract().context("reading the configuration")?;
    if let Some(listen) = flags.listen {
        config.listen = listen;
    }
    if let Some(dir) = &flags.data_dir {
        config.data_dir = dir.clone();
    }
    if let Some(token) = &flags.admin_token {
        config.admin_token = Some(token.clone());
    }
    if let Some(kind) = flags.storage {
        config.storage = match kind {
            StorageKind::Redb => microlith_server::StorageConfig::Redb,
            StorageKind::Fjall => microlith_server::StorageConfig::Fjall,
            StorageKind::Memory => microlith_server::StorageConfig::Memory,
        };
    }
    config.runtime_config().context("checking the configuration")?;
    Ok(config)
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closures return figment::Error
mod tests {
    use super::*;

    #[test]
    fn file_env_and_flags_layer_in_order() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "m.toml",
                "listen = \"127.0.0.1:9000\"\n[actors]\nmax_active = 5\nturn_deadline_ms = 100\n",
            )?;
            jail.set_env("MICROLITH__ACTORS__MAX_ACTIVE", "7");
            let flags = Overrides { data_dir: Some("/tmp/x".into()), ..Default::default() };
            let c = load(ServerConfig::default(), Some(Path::new("m.toml")), &flags).map_err(|e| e.to_string())?;
            assert_eq!(c.listen.port(), 9000);
            assert_eq!(c.actors.max_active, 7);
            assert_eq!(c.actors.turn_deadline_ms, 100);
            assert_eq!(c.data_dir, PathBuf::from("/tmp/x"));
            Ok(())
        });
    }

    #[test]
    fn unknown_fields_are_rejected() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("m.toml", "[actors]\nmax_actve = 5\n")?;
            let err = load(ServerConfig::default(), Some(Path::new("m.toml")), &Overrides::default())
                .err()
                .map(|e| format!("{e:#}"))
                .unwrap_or_default();
            assert!(err.contains("max_actve"), "{err}");
            Ok(())
        });
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closures return figment::Error
mod sample {
    use super::*;

    #[test]
    fn sample_config_matches_the_defaults() {
        // Inside a Jail: it serializes tests that touch the environment.
        figment::Jail::expect_with(|_| {
            let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../config/microlith.toml");
            let loaded =
                load(ServerConfig::default(), Some(&sample), &Overrides::default()).map_err(|e| format!("{e:#}"));
            assert_eq!(loaded, Ok(ServerConfig::default()), "config/microlith.toml drifted from the defaults");
            Ok(())
        });
    }
}
