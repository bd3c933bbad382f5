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

/// All writes of one turn of one actor, committed atomically.
#[derive(Debug, Clone)]
pub struct Commit {
    /// Whose state changes.
    pub actor: ActorId,
    /// The activation that produced the writes. If a commit of an incarnation
    /// fails, later commits of the same incarnation are rejected, because they
    /// may have read the failed commit's writes.
    pub incarnation: u64,
    /// The writes, applied in order.
    pub writes: Vec<Write>,
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
