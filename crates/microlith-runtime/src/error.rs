//! Errors the runtime reports to callers.

use microlith_core::{ClassName, NameError};
use microlith_storage::{CommitError, StoreError};

/// Why a call to an actor failed. Each variant maps to one stable wire code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// No class of that name is deployed.
    #[error("unknown class {0:?}")]
    UnknownClass(String),
    /// The actor address is invalid.
    #[error(transparent)]
    InvalidName(#[from] NameError),
    /// The guest does not know the method.
    #[error("unknown method: {0}")]
    UnknownMethod(String),
    /// The guest rejected the payload.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The guest returned an error.
    #[error("actor error: {0}")]
    Guest(String),
    /// The guest trapped (crashed); the turn committed nothing.
    #[error("actor trapped: {0}")]
    Trap(String),
    /// The turn ran past its deadline and was stopped.
    #[error("turn exceeded its deadline of {0} ms")]
    DeadlineExceeded(u64),
    /// The guest tried to use more memory than its cap.
    #[error("actor exceeded its memory limit of {0} bytes")]
    MemoryLimit(u64),
    /// A payload or reply is larger than allowed.
    #[error("{what} of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The actor's mailbox or the instance pool is full; retry later.
    #[error("overloaded: {0}")]
    Overloaded(String),
    /// The turn's writes could not be made durable; the actor was reset.
    #[error("commit failed: {0}")]
    CommitFailed(#[from] CommitError),
    /// Storage failed while the turn ran.
    #[error("storage error: {0}")]
    Storage(#[from] StoreError),
    /// The runtime is shutting down.
    #[error("the runtime is shutting down")]
    ShuttingDown,
    /// Any other host failure (a bug or broken invariant).
    #[error("internal error: {0}")]
    Internal(String),
}

/// Why a deploy was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeployError {
    /// The class name is invalid.
    #[error(transparent)]
    InvalidName(#[from] NameError),
    /// The bytes are not a valid actor component.
    #[error("invalid component: {0}")]
    InvalidComponent(String),
    /// The component is too large.
    #[error("component of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The named version does not exist.
    #[error("class {class} has no version {version}")]
    UnknownVersion {
        /// The class.
        class: ClassName,
        /// The version asked for.
        version: String,
    },
    /// The component's `self-check` export refused it.
    #[error("self-check failed: {0}")]
    SelfCheckFailed(String),
    /// No class of that name is deployed.
    #[error("no class named {0} is deployed")]
    UnknownClass(ClassName),
    /// The rollout operation does not apply to the class's rollout now
    /// (promote without a canary, rollback without a previous version).
    #[error("{0}")]
    NoRollout(String),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StoreError),
    /// Any other host failure.
    #[error("internal error: {0}")]
    Internal(String),
}
