//! One actor activation: the task that owns the actor's wasmtime store and
//! runs its turns one at a time.
//!
//! Life cycle: the directory spawns the task on the first message; the task
//! instantiates the class's current version lazily, runs each message as a
//! turn, commits the turn's writes through the store's group-commit queue
//! without waiting (pipelining), and hands the caller its reply together with
//! the commit ticket that gates it. It passivates after an idle timeout, when
//! the directory asks it to (LRU cap), or at shutdown — always after its
//! in-flight commits resolved, so a successor activation reads final state.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{SystemTime, UNIX_EPOCH};

use microlith_core::{ActorId, VersionId};
use microlith_storage::{Commit, CommitTicket, Write};
use microlith_wit::types::HandleError;
use tokio::sync::{mpsc, oneshot};
use tracing::Instrument;

use crate::Inner;
use crate::cache::StateCache;
use crate::directory::ActorShared;
use crate::error::CallError;
use crate::host::{HostState, MemoryCap, MemoryLimitExceeded, Turn};
use crate::registry::LoadedVersion;

/// A message for an actor.
pub(crate) struct Envelope {
    pub method: String,
    pub payload: Vec<u8>,
    pub caller: Option<String>,
    pub reply: oneshot::Sender<Gated>,
}

/// A turn's outcome and the commit it must wait for before leaving the
/// process (the output gate).
pub(crate) struct Gated {
    pub result: Result<Vec<u8>, CallError>,
    pub gate: Option<CommitTicket>,
}

/// The trap a turn gets when it runs out of time.
#[derive(Debug, thiserror::Error)]
#[error("turn deadline of {0} ms exceeded")]
struct DeadlineExceeded(u64);

struct Instance {
    store: wasmtime::Store<HostState>,
    bindings: microlith_wit::Actor,
    version: Arc<LoadedVersion>,
}

struct Activation {
    rt: Arc<Inner>,
    actor: ActorId,
    instance: Option<Instance>,
    cache: StateCache,
    incarnation: u64,
    in_flight: VecDeque<CommitTicket>,
}

/// Runs the actor until it passivates.
pub(crate) async fn run(rt: Arc<Inner>, actor: ActorId, shared: Arc<ActorShared>, mut rx: mpsc::Receiver<Envelope>) {
    rt.stats.activations.fetch_add(1, Ordering::Relaxed);
    let mut act = Activation {
        incarnation: rt.next_incarnation.fetch_add(1, Ordering::Relaxed),
        rt: rt.clone(),
        actor,
        instance: None,
        cache: StateCache::default(),
        in_flight: VecDeque::new(),
    };
    let idle = rt.config.idle_timeout;
    loop {
        // Cancel safety: `recv` loses nothing when another branch wins; the
        // other branches are level-triggered signals re-checked each pass.
        let stop = tokio::select! {
            biased;
            msg = rx.recv() => match msg {
                Some(env) => {
                    act.turn(env).await;
                    shared.stop.load(Ordering::Acquire)
                }
                None => true,
            },
            () = rt.shutdown.cancelled() => true,
            () = shared.wake.notified() => shared.stop.load(Ordering::Acquire),
            () = tokio::time::sleep(idle) => true,
        };
        if stop && act.try_passivate(&shared, &rx).await {
            break;
        }
    }
    rt.stats.passivations.fetch_add(1, Ordering::Relaxed);
}

/// A wasmtime store for one instance of `actor`: memory cap, and an epoch
/// callback that yields to Tokio at every tick and traps once the current
/// turn (`turn.started`) is older than the turn deadline.
pub(crate) fn new_store(rt: &Inner, actor: ActorId, version: VersionId) -> wasmtime::Store<HostState> {
    let data = HostState {
        actor,
        version,
        store: rt.store.clone(),
        limits: rt.limits.clone(),
        cache: StateCache::default(),
        turn: Turn::default(),
        memory: MemoryCap { max: rt.config.memory_limit, hit: false },
    };
    let mut store = wasmtime::Store::new(&rt.engine, data);
    store.limiter(|s| &mut s.memory);
    let deadline = rt.config.turn_deadline;
    store.epoch_deadline_callback(move |ctx| {
        if ctx.data().turn.started.is_some_and(|t| t.elapsed() > deadline) {
            return Err(DeadlineExceeded(u64::try_from(deadline.as_millis()).unwrap_or(u64::MAX)).into());
        }
        Ok(wasmtime::UpdateDeadline::Yield(1))
    });
    store.set_epoch_deadline(1);
    store
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Activation {
    /// Waits for in-flight commits, then leaves the directory if no message
    /// is waiting. Returns whether the task should end.
    async fn try_passivate(&mut self, shared: &Arc<ActorShared>, rx: &mpsc::Receiver<Envelope>) -> bool {
        while let Some(t) = self.in_flight.pop_front() {
            let _ = t.await;
        }
        self.rt.directory.remove_if_idle(&self.actor, shared, rx)
    }

    /// Drops resolved tickets; on a failed commit resets the actor.
    fn reap(&mut self) {
        while let Some(t) = self.in_flight.front() {
            match t.peek() {
                None => break,
                Some(Ok(())) => {
                    self.in_flight.pop_front();
                }
                Some(Err(e)) => {
                    tracing::warn!(actor = %self.actor, error = %e, "commit failed; resetting actor");
                    self.reset();
                    break;
                }
            }
        }
    }

    fn reset(&mut self) {
        self.instance = None;
        self.cache.clear();
        self.in_flight.clear();
        self.incarnation = self.rt.next_incarnation.fetch_add(1, Ordering::Relaxed);
    }

    fn read_gate(&self) -> Option<CommitTicket> {
        self.in_flight.back().filter(|t| t.peek().is_none()).cloned()
    }

    async fn turn(&mut self, env: Envelope) {
        self.reap();
        if self.in_flight.len() >= self.rt.config.max_pipelined_commits
            && let Some(oldest) = self.in_flight.front().cloned()
        {
            let _ = oldest.await;
            self.reap();
        }
        let turn_id = self.rt.next_turn.fetch_add(1, Ordering::Relaxed);
        self.rt.stats.turns.fetch_add(1, Ordering::Relaxed);
        let result = match self.ensure_instance().await {
            Ok(()) => {
                let span = tracing::debug_span!("turn", actor = %self.actor, turn = turn_id, method = %env.method);
                self.run_turn(turn_id, env.method, env.payload, env.caller).instrument(span).await
            }
            Err(e) => Err(e),
        };
        let gated = match result {
            Ok((reply, Some(commit))) => {
                let ticket = self.rt.store.commit(commit);
                self.in_flight.push_back(ticket.clone());
                Gated { result: Ok(reply), gate: Some(ticket) }
            }
            Ok((reply, None)) => Gated { result: Ok(reply), gate: self.read_gate() },
            Err(e) => Gated { result: Err(e), gate: self.read_gate() },
        };
        if self.cache.bytes() > self.rt.limits.max_cache_bytes && self.in_flight.iter().all(|t| t.peek().is_some()) {
            self.in_flight.clear();
            self.cache.clear();
        }
        // The caller may have gone away; its reply is simply dropped.
        let _ = env.reply.send(gated);
    }

    async fn ensure_instance(&mut self) -> Result<(), CallError> {
        let current = self
            .rt
            .registry
            .current(&self.actor.class)
            .ok_or_else(|| CallError::UnknownClass(self.actor.class.to_string()))?;
        if self.instance.as_ref().is_some_and(|i| i.version.id == current.id) {
            return Ok(());
        }
        self.instance = None;
        let mut store = new_store(&self.rt, self.actor.clone(), current.id);
        let bindings = current.pre.instantiate_async(&mut store).await.map_err(|e| {
            let msg = format!("{e:#}");
            if msg.contains("pooling") || msg.contains("concurrent") || msg.contains("limit") {
                CallError::Overloaded(format!("no instance slot free: {msg}"))
            } else {
                CallError::Trap(format!("instantiation failed: {msg}"))
            }
        })?;
        self.instance = Some(Instance { store, bindings, version: current });
        Ok(())
    }

    /// Runs the guest's `handle`; returns the reply and the commit to make.
    async fn run_turn(
        &mut self,
        turn_id: u64,
        method: String,
        payload: Vec<u8>,
        caller: Option<String>,
    ) -> Result<(Vec<u8>, Option<Commit>), CallError> {
        let Some(inst) = self.instance.as_mut() else {
            return Err(CallError::Internal("no instance".into()));
        };
        {
            let data = inst.store.data_mut();
            data.cache = std::mem::take(&mut self.cache);
            data.turn.begin(turn_id, caller, now_ms());
            data.memory.hit = false;
        }
        inst.store.set_epoch_deadline(1);
        let outcome = inst.bindings.call_handle(&mut inst.store, &method, &payload).await;
        let data = inst.store.data_mut();
        self.cache = std::mem::take(&mut data.cache);
        data.turn.started = None;
        let writes = std::mem::take(&mut data.turn.writes);
        let memory_hit = data.memory.hit;
        match outcome {
            Ok(Ok(reply)) => {
                let max = self.rt.limits.max_reply_len;
                if reply.len() > max {
                    return Err(CallError::TooLarge { what: "reply", len: reply.len(), max });
                }
                if writes.is_empty() {
                    return Ok((reply, None));
                }
                self.cache.apply(writes.iter().map(|(k, v)| (k.clone(), v.clone())));
                let writes = writes.into_iter().map(|(key, value)| Write { key, value }).collect();
                let commit = Commit::state(self.actor.clone(), self.incarnation, writes);
                Ok((reply, Some(commit)))
            }
            Ok(Err(e)) => Err(match e {
                HandleError::UnknownMethod(m) => CallError::UnknownMethod(if m.is_empty() { method } else { m }),
                HandleError::BadRequest(m) => CallError::BadRequest(m),
                HandleError::Failed(m) => CallError::Guest(m),
            }),
            Err(trap) => {
                // A trapped instance cannot be entered again: replace it.
                self.instance = None;
                self.rt.stats.traps.fetch_add(1, Ordering::Relaxed);
                Err(classify_trap(&trap, memory_hit, self.rt.config.memory_limit))
            }
        }
    }
}

fn classify_trap(trap: &wasmtime::Error, memory_hit: bool, memory_limit: u64) -> CallError {
    if let Some(d) = trap.downcast_ref::<DeadlineExceeded>() {
        return CallError::DeadlineExceeded(d.0);
    }
    if memory_hit || trap.downcast_ref::<MemoryLimitExceeded>().is_some() {
        return CallError::MemoryLimit(memory_limit);
    }
    if let Some(e) = trap.downcast_ref::<microlith_storage::StoreError>() {
        return CallError::Internal(format!("storage failed during the turn: {e}"));
    }
    // The first line names the trap; the rest is a wasm backtrace for logs.
    let full = format!("{trap:#}");
    tracing::debug!(trap = %full, "guest trapped");
    let short = trap
        .downcast_ref::<wasmtime::Trap>()
        .map_or_else(|| full.lines().next().unwrap_or("").to_string(), |t| t.to_string());
    CallError::Trap(short)
}
