//! The storage contract of Microlith.
//!
//! The runtime keeps every actor's durable state, and the registry of deployed
//! classes, behind the [`Store`] trait. A backend implements it; the runtime
//! never names a backend crate.
//!
//! * [`Store`] — point reads, ordered prefix scans, and [`Store::commit`],
//!   which enqueues one turn's writes and returns a [`CommitTicket`] that
//!   resolves once the writes are durable.
//! * [`group`] — the group-commit pipeline shared by backends: one writer
//!   thread drains the commit queue and writes many turns' commits (of many
//!   actors) in one durable transaction.
//! * [`memory`] — an in-memory backend (for tests and benchmarks; not durable).
//! * `testing` (feature) — the conformance suite every backend must pass.
//!
//! Start with [`Store`], then [`group::GroupCommitter`].

mod error;
pub mod group;
mod keys;
pub mod memory;
mod types;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use error::{CommitError, StoreError};
pub use group::CommitTicket;
pub use keys::{actor_prefix, meta_range, prefix_successor, scan_range, split_state_key, state_key};
pub use types::{ClassRecord, Commit, MetaEntry, MetaWrite, StateEntry, VersionRecord, Write};

use async_trait::async_trait;
use microlith_core::{ActorId, ClassName, VersionId};

/// Largest page a single [`Store::scan`] returns, whatever the caller asks.
pub const MAX_SCAN_PAGE: usize = 1000;

/// The incarnation of host bookkeeping commits, which no failure poisons.
pub const SYSTEM_INCARNATION: u64 = 0;

/// A durable home for actor state and the class registry.
///
/// Implementations must be safe to share between tasks. Reads may block on
/// IO internally but must not block the async caller (use a blocking pool).
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Reads one key of one actor's state, as of the last durable commit.
    async fn get(&self, actor: &ActorId, key: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Returns up to `limit` (capped at [`MAX_SCAN_PAGE`]) entries of `actor`
    /// whose keys start with `prefix`, in key order, after `start_after`.
    async fn scan(
        &self,
        actor: &ActorId,
        prefix: &str,
        start_after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StateEntry>, StoreError>;

    /// Reads one metadata key, as of the last durable commit.
    async fn meta_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;

    /// Returns up to `limit` (capped at [`MAX_SCAN_PAGE`]) metadata entries
    /// whose keys start with `prefix`, in key order, after `start_after`.
    async fn meta_scan(
        &self,
        prefix: &[u8],
        start_after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<MetaEntry>, StoreError>;

    /// Enqueues one turn's writes (state and metadata). Never blocks; the returned ticket resolves
    /// when the writes are durable or the commit failed. Commits are applied
    /// in the order they were enqueued.
    fn commit(&self, commit: Commit) -> CommitTicket;

    /// Waits until every commit enqueued before this call is durable.
    async fn flush(&self) -> Result<(), StoreError>;

    /// Stops accepting commits and waits until the queued ones resolved.
    async fn close(&self);

    /// Stores a component's bytes and records `version` of `class`; when
    /// `make_current` is set the class's current version becomes `version`.
    /// Durable when it returns.
    async fn put_version(
        &self,
        class: &ClassName,
        version: VersionRecord,
        component: &[u8],
        make_current: bool,
    ) -> Result<(), StoreError>;

    /// Makes an already stored `version` the current one of `class`.
    async fn set_current(&self, class: &ClassName, version: VersionId) -> Result<(), StoreError>;

    /// Lists every class with its versions.
    async fn list_classes(&self) -> Result<Vec<ClassRecord>, StoreError>;

    /// Reads the bytes of a stored component.
    async fn get_component(&self, version: &VersionId) -> Result<Option<Vec<u8>>, StoreError>;

    /// Lists keys of actors of `class` that have stored state, in order, after
    /// `start_after`, at most `limit`.
    async fn list_actors(
        &self,
        class: &ClassName,
        start_after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError>;
}
