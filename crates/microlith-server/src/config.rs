//! The operator's server configuration.
//!
//! One [`ServerConfig`], deserialized with unknown fields rejected. The CLI
//! layers defaults → TOML file → `MICROLITH__SECTION__KEY` environment →
//! flags into it; this crate only validates and converts it into the
//! runtime's typed config. `config/microlith.toml` shows every field with its
//! default.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use microlith_runtime::{RuntimeConfig, StateLimits};
use serde::{Deserialize, Serialize};

/// Everything the server needs to start.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Directory for the embedded store and the compiled-artifact cache.
    pub data_dir: PathBuf,
    /// Bearer token required by the admin API (deploy, inspect). `None`
    /// leaves the admin API open, which only `dev` should do.
    pub admin_token: Option<String>,
    /// Where state lives.
    pub storage: StorageConfig,
    /// Actor limits.
    pub actors: ActorsConfig,
    /// How long shutdown waits for in-flight turns and commits, in ms.
    pub shutdown_timeout_ms: u64,
    /// Client authentication.
    pub auth: AuthConfig,
    /// The WebSocket and web edge.
    pub web: WebConfig,
}

/// How clients authenticate (see `docs/protocol.md`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Secret of the HMAC-SHA256 (HS256) JWTs clients present; their `sub`
    /// is the principal. `None`: no client can authenticate.
    pub jwt_secret: Option<String>,
    /// Whether clients without a token are served (with no principal).
    pub allow_anonymous: bool,
    /// Development only: `POST /v1/dev/token` mints tokens for any subject.
    pub dev_tokens: bool,
}

/// The WebSocket and web edge.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct WebConfig {
    /// Serve the demo web app (a live todo board) at `/`.
    pub demo: bool,
    /// How long a live view outlives its last subscriber, so reconnecting
    /// clients resume with the missed deltas instead of a snapshot, in ms.
    pub view_retention_ms: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self { jwt_secret: None, allow_anonymous: true, dev_tokens: false }
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        Self { demo: false, view_retention_ms: 60_000 }
    }
}

/// The storage backend.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum StorageConfig {
    /// The embedded redb store in `data_dir` (durable, single node).
    Redb,
    /// The embedded fjall (LSM) store in `data_dir` (durable, single node).
    Fjall,
    /// In memory only: nothing survives a restart. For experiments.
    Memory,
}

/// Limits applied to every actor.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct ActorsConfig {
    /// Most actors instantiated at once (LRU beyond). Up to about 10,500
    /// (the default included), guest code also runs without explicit bounds
    /// checks (guard pages).
    pub max_active: usize,
    /// Passivate an actor idle for this many ms.
    pub idle_timeout_ms: u64,
    /// Messages that may queue per actor before callers get `overloaded`.
    pub mailbox_capacity: usize,
    /// Wall-clock budget of one turn, in ms.
    pub turn_deadline_ms: u64,
    /// Linear-memory cap per actor instance, in MiB.
    pub memory_limit_mib: u64,
    /// Largest request payload, in bytes.
    pub max_payload_bytes: usize,
    /// Largest state value, in bytes.
    pub max_value_bytes: usize,
    /// Largest state key, in bytes.
    pub max_key_bytes: usize,
    /// Largest component accepted by a deploy, in MiB.
    pub max_component_mib: usize,
    /// Default timeout of an actor-to-actor call, in ms.
    pub call_timeout_ms: u64,
    /// Most one-way messages one turn may send.
    pub max_sends_per_turn: usize,
    /// Most alarms one actor may have set.
    pub max_alarms_per_actor: usize,
    /// First retry delay of a failed alarm, in ms (doubles per retry).
    pub alarm_retry_base_ms: u64,
    /// Retries of a failing alarm before it is deleted.
    pub alarm_max_retries: u32,
    /// Failed migrations after which a deploy rolls back by itself (a
    /// deploy may give its own `max_failures`).
    pub deploy_max_failures: u64,
    /// Run a call to an idle actor on the caller's task (a direct hand-off)
    /// instead of waking the actor's own; `false` queues every call.
    pub handoff: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 7070)),
            data_dir: PathBuf::from(".microlith"),
            admin_token: None,
            storage: StorageConfig::Fjall,
            actors: ActorsConfig::default(),
            shutdown_timeout_ms: 10_000,
            auth: AuthConfig::default(),
            web: WebConfig::default(),
        }
    }
}

impl Default for ActorsConfig {
    fn default() -> Self {
        let rt = RuntimeConfig::default();
        Self {
            max_active: rt.max_active_actors,
            idle_timeout_ms: rt.idle_timeout.as_millis() as u64,
            mailbox_capacity: rt.mailbox_capacity,
            turn_deadline_ms: rt.turn_deadline.as_millis() as u64,
            memory_limit_mib: rt.memory_limit >> 20,
            max_payload_bytes: rt.limits.max_payload_len,
            max_value_bytes: rt.limits.max_value_len,
            max_key_bytes: rt.limits.max_key_len,
            max_component_mib: rt.max_component_size >> 20,
            call_timeout_ms: rt.call_timeout.as_millis() as u64,
            max_sends_per_turn: rt.max_sends_per_turn,
            max_alarms_per_actor: rt.max_alarms_per_actor,
            alarm_retry_base_ms: rt.alarm_retry_base.as_millis() as u64,
            alarm_max_retries: rt.alarm_max_retries,
            deploy_max_failures: rt.deploy_max_failures,
            handoff: rt.handoff,
        }
    }
}

/// A configuration value out of range.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(pub String);

impl ServerConfig {
    /// Checks ranges and builds the runtime's config.
    pub fn runtime_config(&self) -> Result<RuntimeConfig, ConfigError> {
        let a = &self.actors;
        let positive = |name: &str, v: u64| {
            if v == 0 { Err(ConfigError(format!("actors.{name} must be greater than 0"))) } else { Ok(v) }
        };
        positive("max_active", a.max_active as u64)?;
        positive("mailbox_capacity", a.mailbox_capacity as u64)?;
        positive("turn_deadline_ms", a.turn_deadline_ms)?;
        positive("idle_timeout_ms", a.idle_timeout_ms)?;
        positive("memory_limit_mib", a.memory_limit_mib)?;
        positive("call_timeout_ms", a.call_timeout_ms)?;
        positive("alarm_retry_base_ms", a.alarm_retry_base_ms)?;
        positive("deploy_max_failures", a.deploy_max_failures)?;
        if a.memory_limit_mib > 4096 {
            return Err(ConfigError("actors.memory_limit_mib must be at most 4096 (wasm32 address space)".into()));
        }
        let defaults = StateLimits::default();
        Ok(RuntimeConfig {
            artifact_dir: Some(self.data_dir.join("artifacts")),
            max_active_actors: a.max_active,
            idle_timeout: Duration::from_millis(a.idle_timeout_ms),
            mailbox_capacity: a.mailbox_capacity,
            turn_deadline: Duration::from_millis(a.turn_deadline_ms),
            memory_limit: a.memory_limit_mib << 20,
            limits: StateLimits {
                max_key_len: a.max_key_bytes,
                max_value_len: a.max_value_bytes,
                max_payload_len: a.max_payload_bytes,
                ..defaults
            },
            max_component_size: a.max_component_mib << 20,
            call_timeout: Duration::from_millis(a.call_timeout_ms),
            max_sends_per_turn: a.max_sends_per_turn,
            max_alarms_per_actor: a.max_alarms_per_actor,
            alarm_retry_base: Duration::from_millis(a.alarm_retry_base_ms),
            alarm_max_retries: a.alarm_max_retries,
            deploy_max_failures: a.deploy_max_failures,
            handoff: a.handoff,
            ..RuntimeConfig::default()
        })
    }
}
