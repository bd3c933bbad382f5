//! Storage errors.

use std::sync::Arc;

/// A storage operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The underlying engine reported an error.
    #[error("storage engine error: {0}")]
    Engine(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Stored data could not be decoded.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// Referenced data does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The store has shut down.
    #[error("the store is closed")]
    Closed,
    /// A commit failed.
    #[error(transparent)]
    Commit(#[from] CommitError),
}

impl StoreError {
    /// Wraps any engine error.
    pub fn engine(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Engine(Box::new(e))
    }
}

/// Why a commit did not become durable. Cheap to clone: one failure is
/// reported to every reply that waited on the commit.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum CommitError {
    /// The durable write failed; nothing of this commit was stored.
    #[error("durable write failed: {0}")]
    WriteFailed(Arc<str>),
    /// An earlier commit of the same actor incarnation failed, so this one,
    /// which may depend on it, was rejected.
    #[error("rejected: an earlier commit of this actor failed")]
    Poisoned,
    /// The store shut down before the commit was written.
    #[error("the store is closed")]
    Closed,
}
