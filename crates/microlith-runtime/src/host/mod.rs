//! What a guest instance can reach: the data of its wasmtime `Store` and the
//! implementations of the WIT imports, one file per interface.
//!
//! Host functions use two channels (see STYLE.md): a guest-visible error
//! declared in WIT (`Ok(Err(state-error))`) for refusals the guest can handle,
//! and `Err(trap)` for broken host invariants and storage failures, which
//! abort the turn.

mod context;
mod log;
mod state;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use microlith_core::{ActorId, VersionId};
use microlith_storage::Store;
use microlith_wit::types;

use crate::cache::StateCache;
use crate::config::StateLimits;

/// The data of one actor instance's wasmtime store.
pub(crate) struct HostState {
    pub actor: ActorId,
    pub version: VersionId,
    pub store: Arc<dyn Store>,
    pub limits: Arc<StateLimits>,
    /// Latest known values of keys read or written by earlier turns. Kept
    /// across instance replacement; dropped when a commit fails.
    pub cache: StateCache,
    pub turn: Turn,
    pub memory: MemoryCap,
}

/// The state of the turn in progress.
#[derive(Default)]
pub(crate) struct Turn {
    pub id: u64,
    pub caller: Option<String>,
    pub time_ms: u64,
    pub started: Option<Instant>,
    /// This turn's writes; `None` deletes.
    pub writes: BTreeMap<String, Option<Vec<u8>>>,
    pub write_bytes: u64,
}

impl Turn {
    pub fn begin(&mut self, id: u64, caller: Option<String>, time_ms: u64) {
        self.id = id;
        self.caller = caller;
        self.time_ms = time_ms;
        self.started = Some(Instant::now());
        self.writes.clear();
        self.write_bytes = 0;
    }
}

/// A memory cap that remembers that it was hit, so a trap caused by it can
/// be reported as a memory-limit error rather than a generic crash.
pub(crate) struct MemoryCap {
    pub max: u64,
    pub hit: bool,
}

/// The error a trap carries when the memory cap was hit.
#[derive(Debug, thiserror::Error)]
#[error("memory limit of {0} bytes exceeded")]
pub(crate) struct MemoryLimitExceeded(pub u64);

impl wasmtime::ResourceLimiter for MemoryCap {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if u64::try_from(desired).unwrap_or(u64::MAX) > self.max {
            self.hit = true;
            return Err(MemoryLimitExceeded(self.max).into());
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        // Tables hold references, 8+ bytes each; a million is far beyond any
        // real guest and still bounded.
        Ok(desired <= 1_000_000)
    }
}

impl types::Host for HostState {}

/// Links every import of the `actor` world into `linker`.
pub(crate) fn add_to_linker(linker: &mut wasmtime::component::Linker<HostState>) -> wasmtime::Result<()> {
    microlith_wit::Actor::add_to_linker::<HostState, wasmtime::component::HasSelf<HostState>>(linker, |s| s)
}
