//! Version 1 of the HTTP API.
//!
//! Routes:
//! * `POST /v1/actors/{class}/{key}/{method}` — body is the payload (JSON
//!   unless `Content-Type` says otherwise); the reply body is the actor's reply.
//! * `PUT /v1/classes/{class}` — body is a component; replies [`DeployResponse`].
//! * `GET /v1/classes` — [`ClassList`].
//! * `GET /v1/classes/{class}/actors` — [`ActorList`].
//! * `GET /v1/actors/{class}/{key}/state` — [`StateDump`].
//! * `GET /healthz` — [`Health`].
//!
//! Every error is an [`ErrorBody`] with a stable [`ErrorCode`].

use serde::{Deserialize, Serialize};

/// Stable, machine-readable error codes. New codes may be added; existing
/// ones never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// No class of that name is deployed.
    UnknownClass,
    /// The actor does not know the method.
    UnknownMethod,
    /// A class name, actor key or version id is malformed.
    InvalidName,
    /// The request body is not valid JSON.
    InvalidJson,
    /// The actor rejected the payload.
    BadRequest,
    /// The payload (or a reply) is larger than allowed.
    PayloadTooLarge,
    /// The uploaded component is not a valid actor component.
    InvalidComponent,
    /// The actor returned an error; its state is unchanged.
    GuestError,
    /// The actor crashed; its state is unchanged.
    GuestTrap,
    /// The turn ran past its deadline; its state is unchanged.
    DeadlineExceeded,
    /// The actor ran out of its memory allowance; its state is unchanged.
    MemoryLimitExceeded,
    /// A queue is full; retry later.
    Overloaded,
    /// The turn's writes could not be made durable.
    CommitFailed,
    /// The server is shutting down.
    ShuttingDown,
    /// Missing or wrong credentials.
    Unauthorized,
    /// No such route or resource.
    NotFound,
    /// Unexpected server failure.
    Internal,
    /// WebSocket: the frame is not a JSON object of a known shape.
    InvalidFrame,
    /// WebSocket: the frame's `op` is unknown.
    UnknownOp,
    /// WebSocket: the first frame was not `hello`.
    HelloRequired,
    /// WebSocket: a subscription with this id is already live.
    DuplicateId,
    /// WebSocket: no subscription with this id.
    UnknownSubscription,
    /// WebSocket: the actor's reply is not JSON.
    BadReply,
    /// A deploy's `self-check` refused the component.
    SelfCheckFailed,
    /// The rollout operation does not apply now (promote without a canary,
    /// rollback without a previous version).
    NoRollout,
}

impl ErrorCode {
    /// The HTTP status that goes with the code.
    pub fn http_status(self) -> u16 {
        match self {
            Self::UnknownClass | Self::UnknownMethod | Self::NotFound => 404,
            Self::InvalidName
            | Self::InvalidJson
            | Self::BadRequest
            | Self::InvalidComponent
            | Self::InvalidFrame
            | Self::UnknownOp
            | Self::HelloRequired
            | Self::DuplicateId
            | Self::UnknownSubscription => 400,
            Self::SelfCheckFailed => 422,
            Self::NoRollout => 409,
            Self::BadReply => 502,
            Self::PayloadTooLarge => 413,
            Self::GuestError => 422,
            Self::GuestTrap | Self::Internal | Self::MemoryLimitExceeded => 500,
            Self::DeadlineExceeded => 504,
            Self::Overloaded | Self::CommitFailed | Self::ShuttingDown => 503,
            Self::Unauthorized => 401,
        }
    }

    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnknownClass => "unknown_class",
            Self::UnknownMethod => "unknown_method",
            Self::InvalidName => "invalid_name",
            Self::InvalidJson => "invalid_json",
            Self::BadRequest => "bad_request",
            Self::PayloadTooLarge => "payload_too_large",
            Self::InvalidComponent => "invalid_component",
            Self::GuestError => "guest_error",
            Self::GuestTrap => "guest_trap",
            Self::DeadlineExceeded => "deadline_exceeded",
            Self::MemoryLimitExceeded => "memory_limit_exceeded",
            Self::Overloaded => "overloaded",
            Self::CommitFailed => "commit_failed",
            Self::ShuttingDown => "shutting_down",
            Self::Unauthorized => "unauthorized",
            Self::NotFound => "not_found",
            Self::Internal => "internal",
            Self::InvalidFrame => "invalid_frame",
            Self::UnknownOp => "unknown_op",
            Self::HelloRequired => "hello_required",
            Self::DuplicateId => "duplicate_id",
            Self::UnknownSubscription => "unknown_subscription",
            Self::BadReply => "bad_reply",
            Self::SelfCheckFailed => "self_check_failed",
            Self::NoRollout => "no_rollout",
        }
    }
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// An error's code and human-readable message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable code.
    pub code: ErrorCode,
    /// Human-readable explanation.
    pub message: String,
}

impl ErrorBody {
    /// Builds an error body.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { error: ErrorDetail { code, message: message.into() } }
    }
}

/// Reply to a deploy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployResponse {
    /// The class.
    pub class: String,
    /// The version id (sha256 of the component, hex).
    pub version: String,
    /// Whether the version was new.
    pub created: bool,
    /// Whether the compiled artifact came from the cache.
    pub from_cache: bool,
    /// Milliseconds spent compiling or loading.
    pub compile_ms: u64,
    /// The version's state schema (0 without an `upgrade` export).
    pub schema: u32,
    /// The class's rollout after the deploy.
    pub rollout: RolloutInfo,
}

/// Where a class's deploy stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolloutInfo {
    /// The version actors outside the canary run.
    pub stable: String,
    /// The stable version before the latest deploy, which a rollback returns to.
    pub previous: Option<String>,
    /// The canary, while one runs.
    pub canary: Option<CanaryInfo>,
    /// Failed migrations after which the deploy rolls back by itself.
    pub max_failures: u64,
    /// The latest rollout event.
    pub last: Option<DeployEventInfo>,
}

/// A canary: a new version serving some actors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanaryInfo {
    /// The canary's version.
    pub version: String,
    /// `all`, `<n>%` or `keys`.
    pub scope: String,
    /// The keys, for a key-list canary.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
}

/// One rollout event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployEventInfo {
    /// The version concerned.
    pub version: String,
    /// The stable version before it.
    pub from: Option<String>,
    /// `live`, `canary`, `promoted`, `aborted` or `rolled_back`.
    pub phase: String,
    /// Why (rollbacks and aborts).
    pub reason: Option<String>,
    /// When, in ms since the Unix epoch.
    pub at_ms: u64,
}

/// `GET /v1/classes/{class}/deploy`, and the reply to promote and rollback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployStatusResponse {
    /// The class.
    pub class: String,
    /// Its rollout.
    pub rollout: RolloutInfo,
    /// Versions loaded now.
    pub loaded: Vec<String>,
    /// Actors kept on the version they ran because their migration failed.
    pub pinned: usize,
    /// Migrations committed since the latest deploy (this server process).
    pub migrated: u64,
    /// Migrations failed since the latest deploy (this server process).
    pub failed: u64,
    /// The latest migration failure, `key: error`.
    pub last_error: Option<String>,
}

/// Reply to a dry run (`POST /v1/classes/{class}/dry-run`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DryRunResponse {
    /// The version tried.
    pub version: String,
    /// Its state schema.
    pub schema: u32,
    /// Actors whose state was tried.
    pub sampled: usize,
    /// Actors already at that schema.
    pub up_to_date: usize,
    /// Actors whose migration succeeded.
    pub migrated: usize,
    /// State writes those migrations would commit.
    pub writes: usize,
    /// Actors whose migration would fail.
    pub failed: Vec<DryRunFailureInfo>,
}

/// An actor a migration would fail on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DryRunFailureInfo {
    /// The actor's key.
    pub key: String,
    /// The schema of its state.
    pub from: u32,
    /// The error.
    pub error: String,
}

/// A deployed version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    /// Version id (hex sha256).
    pub id: String,
    /// Deploy time, ms since the Unix epoch.
    pub deployed_at_ms: u64,
    /// Component size in bytes.
    pub size: u64,
}

/// A deployed class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassInfo {
    /// Class name.
    pub name: String,
    /// Current version id.
    pub current: String,
    /// All versions, oldest first.
    pub versions: Vec<VersionInfo>,
}

/// Reply to `GET /v1/classes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassList {
    /// The classes.
    pub classes: Vec<ClassInfo>,
}

/// Reply to `GET /v1/classes/{class}/actors`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorList {
    /// Keys of actors with stored state, in order.
    pub actors: Vec<String>,
}

/// One state entry, for inspection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateEntry {
    /// The key.
    pub key: String,
    /// The value as UTF-8 (lossy).
    pub value: String,
    /// The value's length in bytes.
    pub bytes: usize,
}

/// Reply to `GET /v1/actors/{class}/{key}/state`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateDump {
    /// The entries, in key order.
    pub entries: Vec<StateEntry>,
}

/// Reply to `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `"ok"`.
    pub status: String,
    /// Deployed classes.
    pub classes: usize,
    /// Active actors.
    pub active_actors: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_serialize_as_their_wire_names() {
        for code in [ErrorCode::UnknownClass, ErrorCode::PayloadTooLarge, ErrorCode::MemoryLimitExceeded] {
            let json = serde_json::to_string(&code).expect("serialize");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
        let body = ErrorBody::new(ErrorCode::Overloaded, "busy");
        let json = serde_json::to_value(&body).expect("serialize");
        assert_eq!(json, serde_json::json!({"error": {"code": "overloaded", "message": "busy"}}));
    }
}
