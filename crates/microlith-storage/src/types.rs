//! Plain data exchanged with a [`Store`](crate::Store).

use microlith_core::{ActorId, ClassName, VersionId};

/// One write of a turn: set a key to a value, or delete it (`None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    /// The state key.
    pub key: String,
    /// The new value, or `None` to delete.
    pub value: Option<Vec<u8>>,
}

/// One write to the host's own metadata (alarms, outbox, delivery markers),
/// which lives beside actor state but in a keyspace guests cannot reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaWrite {
    /// The metadata key (layout owned by the runtime).
    pub key: Vec<u8>,
    /// The new value, or `None` to delete.
    pub value: Option<Vec<u8>>,
}

/// All writes of one turn of one actor, committed atomically.
#[derive(Debug, Clone)]
pub struct Commit {
    /// Whose state changes.
    pub actor: ActorId,
    /// The activation that produced the writes. If a commit of an incarnation
    /// fails, later commits of the same incarnation are rejected, because they
    /// may have read the failed commit's writes. Incarnation
    /// [`SYSTEM_INCARNATION`](crate::SYSTEM_INCARNATION) is never poisoned:
    /// the host uses it for bookkeeping commits that depend on nothing.
    pub incarnation: u64,
    /// The writes, applied in order.
    pub writes: Vec<Write>,
    /// Metadata writes that commit in the same transaction (e.g. an alarm
    /// set by the turn, or the turn's outgoing messages).
    pub meta: Vec<MetaWrite>,
}

impl Commit {
    /// A commit of state writes only.
    pub fn state(actor: ActorId, incarnation: u64, writes: Vec<Write>) -> Self {
        Self { actor, incarnation, writes, meta: Vec::new() }
    }

    /// Bytes of keys and values this commit writes.
    pub fn payload_bytes(&self) -> usize {
        let state: usize = self.writes.iter().map(|w| w.key.len() + w.value.as_ref().map_or(0, Vec::len)).sum();
        let meta: usize = self.meta.iter().map(|w| w.key.len() + w.value.as_ref().map_or(0, Vec::len)).sum();
        state + meta
    }
}

/// One key and value of the host's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaEntry {
    /// The key.
    pub key: Vec<u8>,
    /// The value.
    pub value: Vec<u8>,
}

/// One key and value of an actor's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateEntry {
    /// The key.
    pub key: String,
    /// The value.
    pub value: Vec<u8>,
}

/// A deployed version of a class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRecord {
    /// Content address of the component.
    pub id: VersionId,
    /// Deploy time, milliseconds since the Unix epoch.
    pub deployed_at_ms: u64,
    /// Component size in bytes.
    pub size: u64,
}

/// A class and its versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassRecord {
    /// The class name.
    pub name: ClassName,
    /// The version new turns run on.
    pub current: VersionId,
    /// Every stored version, oldest first.
    pub versions: Vec<VersionRecord>,
}
