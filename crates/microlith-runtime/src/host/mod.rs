//! What a guest instance can reach: the data of its wasmtime `Store` and the
//! implementations of the WIT imports, one file per interface.
//!
//! Host functions use two channels (see STYLE.md): a guest-visible error
//! declared in WIT (`Ok(Err(state-error))`) for refusals the guest can handle,
//! and `Err(trap)` for broken host invariants and storage failures, which
//! abort the turn.

mod actors;
mod alarms;
mod context;
mod log;
mod state;
mod wasi;

pub(crate) use alarms::load_alarms;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use microlith_core::{ActorId, VersionId};
use microlith_storage::Store;
use microlith_wit::types;
use tokio::sync::mpsc;

use crate::Inner;
use crate::actor::{Envelope, Gate, Origin};
use crate::cache::StateCache;
use crate::calls::Chain;
use crate::config::StateLimits;
use crate::outbox::OutMsg;
use crate::registry::LoadedVersion;

/// The data of one actor instance's wasmtime store.
pub(crate) struct HostState {
    pub rt: Arc<Inner>,
    pub actor: ActorId,
    pub version: VersionId,
    pub loaded: Arc<LoadedVersion>,
    pub store: Arc<dyn Store>,
    pub limits: Arc<StateLimits>,
    /// Latest known values of keys read or written by earlier turns. Kept
    /// across instance replacement; dropped when a commit fails. Lent to the
    /// store for the length of a turn.
    pub cache: StateCache,
    /// The actor's alarms as of its latest turn (`None` until loaded). Lent
    /// like the cache.
    pub alarms: Option<BTreeMap<String, u64>>,
    /// Reentrant calls for this actor arrive here while it waits in a call.
    /// Lent like the cache.
    pub reentry: Option<mpsc::UnboundedReceiver<Envelope>>,
    pub turn: Turn,
    pub memory: MemoryCap,
    /// WASI context, created on the first WASI call (see `wasi`).
    pub wasi: Option<wasmtime_wasi::WasiCtx>,
    /// Resources (streams, …) WASI hands out.
    pub table: wasmtime::component::ResourceTable,
}

/// The state of the turn in progress: where its message came from, and
/// every effect it will commit if it succeeds.
#[derive(Default)]
pub(crate) struct Turn {
    pub id: u64,
    /// The principal of the chain (client identity), if known.
    pub principal: Option<String>,
    /// The actor that sent the message, if it came from one.
    pub caller_actor: Option<ActorId>,
    pub chain: Arc<Chain>,
    pub time_ms: u64,
    /// When guest execution started, moved forward by time spent waiting in
    /// calls, so the deadline counts only the guest's own running time.
    pub started: Option<Instant>,
    /// This turn's writes; `None` deletes.
    pub writes: BTreeMap<String, Option<Vec<u8>>>,
    pub write_bytes: u64,
    /// One-way messages to deliver once the turn is durable.
    pub sends: Vec<OutMsg>,
    /// Alarms set (`Some(due)`) or cancelled (`None`) by this turn.
    pub alarm_ops: BTreeMap<String, Option<u64>>,
    /// Commits of other actors whose uncommitted results this turn saw (the
    /// replies of its calls); its own outputs wait for them too.
    pub deps: Gate,
    /// What kind of turn this is; views and isolated turns may not do
    /// everything ([`Turn::check_writable`], [`Turn::check_messaging`]).
    pub mode: TurnMode,
}

/// The kinds of turn, by what they may do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum TurnMode {
    /// A message or an alarm: anything.
    #[default]
    Normal,
    /// Rendering a view: reads only.
    View,
    /// A turn that must not reach other actors: `migrate`, `self-check`,
    /// a dry run. Writes and alarm changes are allowed (and committed or
    /// discarded by the host); calls and sends trap.
    Isolated(&'static str),
}

impl Turn {
    pub fn begin(&mut self, id: u64, origin: &Origin, chain: Arc<Chain>, time_ms: u64) {
        *self = Self {
            id,
            principal: origin.principal.clone(),
            caller_actor: origin.actor.clone(),
            chain,
            time_ms,
            started: Some(Instant::now()),
            ..Self::default()
        };
    }

    /// A reentrant turn nested in this one: it sees this turn's effects so
    /// far and, if it succeeds, its effects replace them ([`Turn::absorb`]).
    pub fn nested(&self, id: u64, origin: &Origin, chain: Arc<Chain>) -> Self {
        Self {
            id,
            principal: origin.principal.clone(),
            caller_actor: origin.actor.clone(),
            chain,
            time_ms: self.time_ms,
            started: Some(Instant::now()),
            writes: self.writes.clone(),
            write_bytes: self.write_bytes,
            sends: self.sends.clone(),
            alarm_ops: self.alarm_ops.clone(),
            deps: Gate::default(),
            mode: self.mode,
        }
    }

    /// Takes over the effects of a successful nested turn.
    pub fn absorb(&mut self, nested: Self) {
        self.writes = nested.writes;
        self.write_bytes = nested.write_bytes;
        self.sends = nested.sends;
        self.alarm_ops = nested.alarm_ops;
        self.deps.extend(nested.deps);
    }

    /// Traps (returns `Err`) if the turn is read-only; `what` names the
    /// refused operation.
    pub fn check_writable(&self, what: &str) -> wasmtime::Result<()> {
        if self.mode == TurnMode::View {
            return Err(wasmtime::Error::msg(format!("{what} is not allowed while rendering a view")));
        }
        Ok(())
    }

    /// Traps if the turn may not reach other actors (a view or an isolated
    /// turn); `what` names the refused operation.
    pub fn check_messaging(&self, what: &str) -> wasmtime::Result<()> {
        self.check_writable(what)?;
        if let TurnMode::Isolated(during) = self.mode {
            return Err(wasmtime::Error::msg(format!("{what} is not allowed during {during}")));
        }
        Ok(())
    }

    /// Whether the turn has anything to commit.
    pub fn has_effects(&self) -> bool {
        !self.writes.is_empty() || !self.sends.is_empty() || !self.alarm_ops.is_empty()
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
/// WASI preview 2 is linked too, with a capability-free context (see `wasi`).
pub(crate) fn add_to_linker(linker: &mut wasmtime::component::Linker<HostState>) -> wasmtime::Result<()> {
    microlith_wit::Actor::add_to_linker::<HostState, wasmtime::component::HasSelf<HostState>>(linker, |s| s)?;
    wasmtime_wasi::p2::add_to_linker_async(linker)
}
