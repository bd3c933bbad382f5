//! One actor activation: the task that owns the actor's wasmtime store and
//! runs its turns one at a time.
//!
//! Life cycle: the directory spawns the task on the first message; the task
//! instantiates the class's current version lazily, runs each message as a
//! turn, commits the turn's effects (state writes, alarm changes, outgoing
//! messages) through the store's group-commit queue without waiting
//! (pipelining), and hands the caller its reply together with the [`Gate`]
//! it must pass before leaving the process. It passivates after an idle
//! timeout, when the directory asks it to (LRU cap), or at shutdown — always
//! after its in-flight commits resolved, so a successor activation reads
//! final state.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use microlith_core::ActorId;
use microlith_storage::{Commit, CommitError, CommitTicket, MetaWrite, Write};
use microlith_wit::types::HandleError;
use tokio::sync::{mpsc, oneshot};
use tracing::Instrument;

use crate::Inner;
use crate::alarm::now_ms;
use crate::cache::StateCache;
use crate::calls::Chain;
use crate::directory::{ActorShared, Claim};
use crate::error::CallError;
use crate::host::{HostState, MemoryCap, MemoryLimitExceeded, Turn, TurnMode};
use crate::meta::{self, MsgId};
use crate::outbox::{OutMsg, Pump};
use crate::registry::{LoadedVersion, Target};
use crate::view::{ActorViews, View, ViewState, Viewer};

/// A message for an actor.
pub(crate) struct Envelope {
    pub body: Body,
    pub origin: Origin,
    pub reply: oneshot::Sender<Gated>,
}

/// What an actor is asked to do.
pub(crate) enum Body {
    /// Run `handle(method, payload)`; with an idempotency key, at most
    /// once per key.
    Call { method: String, payload: Vec<u8>, idempotency: Option<String> },
    /// Run `on-alarm(name)` if the alarm is still due at `due`; when
    /// `give_up` is set, delete it instead (its retries are exhausted).
    Alarm { name: String, due: u64, give_up: bool },
    /// Render the view of a newly watched `viewer` and publish it.
    View { viewer: Viewer },
    /// Switch to the version the registry names now (after a deploy or a
    /// rollback), migrating if needed, and re-render the watched views.
    Refresh,
    /// Delete the actor's idempotency records made before `before_ms` (at
    /// most [`MAX_SWEPT_PER_TURN`]); runs no guest code and replies with the
    /// number deleted (u64 big-endian).
    Sweep { before_ms: u64 },
}

/// Where a message comes from.
#[derive(Default, Clone)]
pub(crate) struct Origin {
    /// The principal on whose behalf the chain runs.
    pub principal: Option<String>,
    /// The sending actor, for actor-to-actor messages.
    pub actor: Option<ActorId>,
    /// The call chain, for calls from actors; `None` starts a new chain.
    pub chain: Option<Arc<Chain>>,
    /// Set for one-way messages from an outbox.
    pub delivery: Option<Delivery>,
}

/// A one-way message's identity at its target.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Delivery {
    pub id: MsgId,
    /// Whether the message may have been run already (a redelivery), so the
    /// target checks its delivery marker first.
    pub check: bool,
}

/// The commits an output depends on. It may leave the process only once
/// all of them are durable.
#[derive(Default, Clone, Debug)]
pub(crate) struct Gate(Vec<CommitTicket>);

impl Gate {
    /// Adds `ticket` unless it already resolved successfully.
    pub fn push(&mut self, ticket: CommitTicket) {
        if !matches!(ticket.peek(), Some(Ok(()))) {
            self.0.push(ticket);
        }
    }

    pub fn extend(&mut self, other: Gate) {
        for t in other.0 {
            self.push(t);
        }
    }

    /// Whether every commit already is durable.
    pub fn is_passed(&self) -> bool {
        self.0.iter().all(|t| matches!(t.peek(), Some(Ok(()))))
    }

    /// Waits until every commit is durable; fails if one failed.
    pub async fn pass(self) -> Result<(), CommitError> {
        for t in self.0 {
            t.await?;
        }
        Ok(())
    }
}

/// A turn's outcome and the gate its output must pass.
pub(crate) struct Gated {
    pub result: Result<Vec<u8>, CallError>,
    pub gate: Gate,
}

impl Gated {
    /// A failure that depends on no commit.
    pub fn failed(e: CallError) -> Self {
        Self { result: Err(e), gate: Gate::default() }
    }
}

/// The trap a turn gets when it runs out of time.
#[derive(Debug, thiserror::Error)]
#[error("turn deadline of {0} ms exceeded")]
struct DeadlineExceeded(u64);

struct Instance {
    store: wasmtime::Store<HostState>,
    bindings: microlith_wit::Actor,
    view: Option<microlith_wit::view::Guest>,
    upgrade: Option<microlith_wit::upgrade::Guest>,
}

/// A state-schema record: the schema and the version that wrote it.
type SchemaRecord = (u32, microlith_core::VersionId);

/// What a successful turn leaves behind.
struct Effects {
    turn: Turn,
    /// The one-way message this turn ran, whose delivery marker it writes.
    delivered: Option<MsgId>,
    /// The idempotency key of the call and its reply, to record.
    idempotent: Option<(String, Vec<u8>)>,
    /// The state schema to record (a migration).
    schema: Option<SchemaRecord>,
    /// Expired idempotency records to delete.
    swept: Vec<String>,
}

/// Idempotency records one sweep turn deletes at most (one commit).
pub(crate) const MAX_SWEPT_PER_TURN: usize = 4096;

/// Turns after which dirty views are rendered even if more messages wait.
const MAX_DIRTY_TURNS: u32 = 64;

/// Replies of idempotent calls kept in memory beyond those whose commits
/// are still in flight (those are always kept: the store has not got them).
const MAX_RECENT_IDEMPOTENT: usize = 256;

pub(crate) struct Activation {
    rt: Arc<Inner>,
    actor: ActorId,
    instance: Option<Instance>,
    cache: StateCache,
    alarms: Option<BTreeMap<String, u64>>,
    reentry: Option<mpsc::UnboundedReceiver<Envelope>>,
    incarnation: u64,
    in_flight: VecDeque<CommitTicket>,
    pump: Option<Pump>,
    /// The actor's watched viewers, if any (shared with the view hub).
    views: Option<Arc<ActorViews>>,
    /// Turns that changed state since the views were last rendered.
    dirty_turns: u32,
    /// What this activation last published per viewer.
    last_views: HashMap<Viewer, View>,
    /// Replies of recent idempotent calls, with the time of their turn
    /// (ms since the epoch, for the TTL) and their commits.
    recent_idempotent: HashMap<String, (u64, Vec<u8>, CommitTicket)>,
    /// The actor's state-schema record as last read or written (`None`
    /// until read; `Some(None)`: it has none).
    schema: Option<Option<SchemaRecord>>,
    /// A schema to record with the next commit that writes state: a new
    /// actor of a class with a schema.
    record_schema: Option<SchemaRecord>,
    /// Set by a turn after which the actor should passivate (it was
    /// activated only to sweep its records).
    passivate_soon: bool,
}

/// Runs the actor until it passivates.
pub(crate) async fn run(
    rt: Arc<Inner>,
    actor: ActorId,
    shared: Arc<ActorShared>,
    mut rx: mpsc::Receiver<Envelope>,
    reentry: mpsc::UnboundedReceiver<Envelope>,
) {
    rt.stats.activations.fetch_add(1, Ordering::Relaxed);
    // However the task ends, even dropped with the runtime.
    let _end = EndGuard(shared.clone());
    let views = rt.views.get(&actor);
    *shared.slot.lock().await = Some(Activation {
        incarnation: rt.next_incarnation.fetch_add(1, Ordering::Relaxed),
        rt: rt.clone(),
        actor,
        instance: None,
        cache: StateCache::default(),
        alarms: None,
        reentry: Some(reentry),
        in_flight: VecDeque::new(),
        pump: None,
        views,
        dirty_turns: 0,
        last_views: HashMap::new(),
        recent_idempotent: HashMap::new(),
        schema: None,
        record_schema: None,
        passivate_soon: false,
    });
    let idle = rt.config.idle_timeout;
    loop {
        let handoffs = shared.handoffs.load(Ordering::Acquire);
        // Cancel safety: `recv` loses nothing when another branch wins; the
        // other branches are level-triggered signals re-checked each pass.
        let stop = tokio::select! {
            biased;
            msg = rx.recv() => match msg {
                Some(env) => {
                    let mut slot = shared.slot.lock().await;
                    // Holding the turn lock: a claim can no longer overtake it.
                    shared.queued.fetch_sub(1, Ordering::AcqRel);
                    let Some(act) = slot.as_mut() else { break };
                    act.turn(env, !rx.is_empty()).await;
                    std::mem::take(&mut act.passivate_soon) || shared.stop.load(Ordering::Acquire)
                }
                None => true,
            },
            () = rt.shutdown.cancelled() => true,
            () = shared.wake.notified() => {
                if shared.render.swap(false, Ordering::AcqRel)
                    && let Some(act) = shared.slot.lock().await.as_mut()
                    && act.dirty_turns > 0
                {
                    act.render_views(None).await;
                }
                shared.stop.load(Ordering::Acquire)
            }
            // Idle unless callers ran turns meanwhile.
            () = tokio::time::sleep(idle) => shared.handoffs.load(Ordering::Acquire) == handoffs,
        };
        if stop {
            let mut slot = shared.slot.lock().await;
            let Some(act) = slot.as_mut() else { break };
            if act.try_passivate(&shared, &rx).await {
                *slot = None;
                break;
            }
        }
    }
    rt.stats.passivations.fetch_add(1, Ordering::Relaxed);
}

/// Ends the activation when its task ends (see [`ActorShared::end`]).
struct EndGuard(Arc<ActorShared>);

impl Drop for EndGuard {
    fn drop(&mut self) {
        self.0.end();
    }
}

/// Runs a claimed activation's turn on the caller's task (see
/// `crate::handoff`); views it leaves dirty are rendered by the
/// activation's own task.
pub(crate) async fn run_claimed(mut claim: Claim, body: Body, origin: Origin) -> Gated {
    let shared = claim.shared.clone();
    let Some(act) = claim.activation.as_mut() else {
        return Gated::failed(CallError::Internal("the activation ended".into()));
    };
    shared.handoffs.fetch_add(1, Ordering::AcqRel);
    act.rt.stats.handoffs.fetch_add(1, Ordering::Relaxed);
    let gated = act.step(body, origin).await;
    if act.dirty_turns > 0 && act.views.is_some() {
        shared.render.store(true, Ordering::Release);
        shared.wake.notify_one();
    }
    gated
}

/// A wasmtime store for one instance of `actor`: memory cap, and an epoch
/// callback that yields to Tokio at every tick and traps once the current
/// turn (`turn.started`) is older than the turn deadline.
pub(crate) fn new_store(rt: &Arc<Inner>, actor: ActorId, loaded: Arc<LoadedVersion>) -> wasmtime::Store<HostState> {
    let data = HostState {
        rt: rt.clone(),
        actor,
        version: loaded.id,
        loaded,
        store: rt.store.clone(),
        limits: rt.limits.clone(),
        cache: StateCache::default(),
        alarms: None,
        reentry: None,
        turn: Turn::default(),
        memory: MemoryCap { max: rt.config.memory_limit, hit: false },
        wasi: None,
        table: wasmtime::component::ResourceTable::new(),
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
        self.alarms = None;
        self.in_flight.clear();
        self.recent_idempotent.clear();
        self.schema = None;
        self.record_schema = None;
        // What was published reflects durable state only; render afresh.
        self.last_views.clear();
        self.dirty_turns = 1;
        self.incarnation = self.rt.next_incarnation.fetch_add(1, Ordering::Relaxed);
    }

    fn read_gate(&self) -> Gate {
        let mut gate = Gate::default();
        if let Some(t) = self.in_flight.back() {
            gate.push(t.clone());
        }
        gate
    }

    /// Runs one message; `more_queued` says whether others wait behind it
    /// (views are rendered once the mailbox is empty).
    async fn turn(&mut self, env: Envelope, more_queued: bool) {
        let Envelope { body, origin, reply } = env;
        let gated = self.step(body, origin).await;
        // The caller may have gone away; its reply is simply dropped.
        let _ = reply.send(gated);
        if self.dirty_turns > 0 && (!more_queued || self.dirty_turns >= MAX_DIRTY_TURNS) {
            self.render_views(None).await;
        }
    }

    /// Runs one message as a turn and commits its effects; returns the
    /// reply with the gate it must pass.
    async fn step(&mut self, body: Body, origin: Origin) -> Gated {
        self.reap();
        if self.in_flight.len() >= self.rt.config.max_pipelined_commits
            && let Some(oldest) = self.in_flight.front().cloned()
        {
            let _ = oldest.await;
            self.reap();
        }
        let turn_id = self.rt.next_turn.fetch_add(1, Ordering::Relaxed);
        self.rt.stats.turns.fetch_add(1, Ordering::Relaxed);
        let span = tracing::debug_span!("turn", actor = %self.actor, turn = turn_id);
        let result = self.run(turn_id, body, origin).instrument(span).await;
        let gated = match result {
            Ok((bytes, Some(effects))) => {
                if !effects.turn.writes.is_empty() {
                    self.dirty_turns += 1;
                }
                Gated { result: Ok(bytes), gate: self.commit(effects) }
            }
            Ok((bytes, None)) => Gated { result: Ok(bytes), gate: self.read_gate() },
            Err((e, deps)) => {
                let mut gate = self.read_gate();
                gate.extend(deps);
                Gated { result: Err(e), gate }
            }
        };
        if self.cache.bytes() > self.rt.limits.max_cache_bytes && self.in_flight.iter().all(|t| t.peek().is_some()) {
            self.in_flight.clear();
            self.cache.clear();
        }
        gated
    }

    /// Runs one message; on success returns the reply and the effects to
    /// commit (if any), on failure the error and the commits it depends on.
    async fn run(
        &mut self,
        turn_id: u64,
        body: Body,
        origin: Origin,
    ) -> Result<(Vec<u8>, Option<Effects>), (CallError, Gate)> {
        let no_deps = |e| (e, Gate::default());
        if let Some(d) = origin.delivery
            && d.check
            && self
                .rt
                .store
                .meta_get(&meta::inbox_key(&self.actor, d.id))
                .await
                .map_err(|e| no_deps(e.into()))?
                .is_some()
        {
            // Already run before a crash or a retry: acknowledge only.
            return Ok((Vec::new(), None));
        }
        let chain =
            origin.chain.clone().unwrap_or_else(|| Chain::start(self.rt.next_chain.fetch_add(1, Ordering::Relaxed)));
        match body {
            Body::Call { method, payload, idempotency } => {
                tracing::debug!(%method, "call");
                if let Some(key) = &idempotency
                    && let Some(reply) = self.recorded_reply(key).await.map_err(no_deps)?
                {
                    tracing::debug!(key = %key, "idempotent call answered from its record");
                    return Ok((reply, None));
                }
                self.ensure_instance().await.map_err(no_deps)?;
                let turn = self.guest_turn(turn_id, &origin, chain, Entry::Handle(&method, &payload)).await?;
                let (reply, turn) = turn;
                let delivered = origin.delivery.map(|d| d.id);
                let idempotent = idempotency.map(|k| (k, reply.clone()));
                let effects = (turn.has_effects() || delivered.is_some() || idempotent.is_some()).then_some(Effects {
                    turn,
                    delivered,
                    idempotent,
                    schema: None,
                    swept: Vec::new(),
                });
                Ok((reply, effects))
            }
            Body::View { viewer } => {
                self.views = self.rt.views.get(&self.actor);
                self.render_views(Some(viewer)).await;
                Ok((Vec::new(), None))
            }
            Body::Refresh => {
                self.ensure_instance().await.map_err(no_deps)?;
                Ok((Vec::new(), None))
            }
            Body::Sweep { before_ms } => {
                let swept = self.expired_records(before_ms).await.map_err(no_deps)?;
                if self.instance.is_none() && self.views.is_none() {
                    // Woken only for this: leave again at once.
                    self.passivate_soon = true;
                }
                // The reply is the number of records deleted (u64 BE).
                let count = (swept.len() as u64).to_be_bytes().to_vec();
                Ok((
                    count,
                    (!swept.is_empty()).then(|| Effects {
                        turn: Turn::default(),
                        delivered: None,
                        idempotent: None,
                        schema: None,
                        swept,
                    }),
                ))
            }
            Body::Alarm { name, due, give_up } => {
                if self.alarm_table().await.map_err(no_deps)?.get(&name) != Some(&due) {
                    return Ok((Vec::new(), None)); // cancelled or moved since
                }
                let mut turn = if give_up {
                    tracing::error!(actor = %self.actor, alarm = %name, "alarm failed too often; deleting it");
                    Turn::default()
                } else {
                    self.ensure_instance().await.map_err(no_deps)?;
                    self.guest_turn(turn_id, &origin, chain, Entry::Alarm(&name)).await?.1
                };
                // A fired alarm is done, unless the turn set it again.
                turn.alarm_ops.entry(name).or_insert(None);
                Ok((
                    Vec::new(),
                    Some(Effects { turn, delivered: None, idempotent: None, schema: None, swept: Vec::new() }),
                ))
            }
        }
    }

    async fn alarm_table(&mut self) -> Result<&BTreeMap<String, u64>, CallError> {
        if self.alarms.is_none() {
            self.alarms = Some(crate::host::load_alarms(self.rt.store.as_ref(), &self.actor).await?);
        }
        Ok(self.alarms.get_or_insert_default())
    }

    /// Enqueues the commit of a successful turn and applies its effects to
    /// the actor's in-memory view; returns the gate of the turn's output.
    fn commit(&mut self, effects: Effects) -> Gate {
        let Effects { turn, delivered, idempotent, mut schema, swept } = effects;
        let mut meta_writes: Vec<MetaWrite> = Vec::new();
        if schema.is_none() && !turn.writes.is_empty() {
            schema = self.record_schema.take();
        }
        if let Some((number, version)) = schema {
            meta_writes.push(MetaWrite {
                key: meta::schema_key(&self.actor),
                value: Some(meta::encode_schema(number, &version)),
            });
            self.schema = Some(Some((number, version)));
        }
        for (name, op) in &turn.alarm_ops {
            meta_writes.push(MetaWrite { key: meta::alarm_key(&self.actor, name), value: op.map(meta::encode_due) });
        }
        meta_writes.extend(turn.sends.iter().map(OutMsg::record));
        if let Some(id) = delivered {
            meta_writes.push(MetaWrite { key: meta::inbox_key(&self.actor, id), value: Some(Vec::new()) });
        }
        if let Some((key, reply)) = &idempotent {
            let record = meta::encode_idempotent(turn.time_ms, reply);
            meta_writes.push(MetaWrite { key: meta::idempotency_key(&self.actor, key), value: Some(record) });
        }
        for key in &swept {
            meta_writes.push(MetaWrite { key: meta::idempotency_key(&self.actor, key), value: None });
            self.recent_idempotent.remove(key);
        }
        self.cache.apply(turn.writes.iter().map(|(k, v)| (k.clone(), v.clone())));
        let writes = turn.writes.into_iter().map(|(key, value)| Write { key, value }).collect();
        let commit = Commit { actor: self.actor.clone(), incarnation: self.incarnation, writes, meta: meta_writes };
        let ticket = self.rt.store.commit(commit);
        self.in_flight.push_back(ticket.clone());
        if let Some((key, reply)) = idempotent {
            if self.recent_idempotent.len() >= MAX_RECENT_IDEMPOTENT {
                // Records whose commits are durable can be read back.
                self.recent_idempotent.retain(|_, (_, _, t)| t.peek().is_none());
            }
            self.recent_idempotent.insert(key, (turn.time_ms, reply, ticket.clone()));
        }
        for (name, op) in turn.alarm_ops {
            match op {
                Some(due) => {
                    self.rt.alarms.set(&self.actor, &name, due, Some(ticket.clone()));
                    if let Some(t) = self.alarms.as_mut() {
                        t.insert(name, due);
                    }
                }
                None => {
                    self.rt.alarms.cancel(&self.actor, &name);
                    if let Some(t) = self.alarms.as_mut() {
                        t.remove(&name);
                    }
                }
            }
        }
        if !turn.sends.is_empty() {
            self.pump.get_or_insert_with(|| Pump::start(&self.rt)).push(ticket.clone(), turn.sends);
        }
        let mut gate = turn.deps;
        gate.push(ticket);
        gate
    }

    /// Makes sure the actor runs the version the registry names for it,
    /// migrating its state first when the schemas differ. A failed
    /// migration keeps the actor on the version it ran (see `upgrade`).
    async fn ensure_instance(&mut self) -> Result<(), CallError> {
        let target = self.target().await?;
        if self.instance.as_ref().is_some_and(|i| i.store.data().version == target.id) {
            return Ok(());
        }
        let running = self.instance.take().map(|i| i.store.data().loaded.clone());
        self.record_schema = None;
        let from = self.migration_needed(&target).await?;
        self.instance = Some(self.instantiate(&target).await?);
        if let Some(from) = from {
            match self.migrate(from, &target).await {
                Ok(()) => self.rt.registry.migrated(&self.actor),
                Err(e) => {
                    self.instance = None;
                    // Nothing else to run on: the turn fails with the migration's error.
                    let Ok(fallback) = self.fallback(running, target.id, from).await else { return Err(e) };
                    crate::upgrade::migration_failed(&self.rt, &self.actor, target.id, fallback.id, &e);
                    self.instance = Some(self.instantiate(&fallback).await?);
                }
            }
        }
        // A new activation or another version may show something else.
        if self.views.is_some() {
            self.dirty_turns = self.dirty_turns.max(1);
        }
        Ok(())
    }

    /// The version the registry names for this actor, loaded.
    async fn target(&mut self) -> Result<Arc<LoadedVersion>, CallError> {
        match self.rt.registry.target(&self.actor) {
            None => Err(CallError::UnknownClass(self.actor.class.to_string())),
            Some(Target::Loaded(v)) => Ok(v),
            Some(Target::Unloaded(id)) => crate::upgrade::load_stored(&self.rt, &self.actor.class, id)
                .await
                .map_err(|e| CallError::Internal(format!("loading version {}: {e}", id.short()))),
        }
    }

    /// Instantiates `version` for this actor.
    async fn instantiate(&mut self, version: &Arc<LoadedVersion>) -> Result<Instance, CallError> {
        let mut store = new_store(&self.rt, self.actor.clone(), version.clone());
        let instance = version.pre.instance_pre().instantiate_async(&mut store).await.map_err(instantiation_error)?;
        let bindings = microlith_wit::Actor::new(&mut store, &instance)
            .map_err(|e| CallError::Internal(format!("loading the exports: {e:#}")))?;
        let view = match &version.view {
            Some(indices) => Some(
                indices
                    .load(&mut store, &instance)
                    .map_err(|e| CallError::Internal(format!("loading the view export: {e:#}")))?,
            ),
            None => None,
        };
        let upgrade = match &version.upgrade {
            Some(indices) => Some(
                indices
                    .load(&mut store, &instance)
                    .map_err(|e| CallError::Internal(format!("loading the upgrade export: {e:#}")))?,
            ),
            None => None,
        };
        Ok(Instance { store, bindings, view, upgrade })
    }

    /// The schema `target` must migrate this actor's state from, if any.
    async fn migration_needed(&mut self, target: &LoadedVersion) -> Result<Option<u32>, CallError> {
        if self.schema.is_none() {
            let record = self.rt.store.meta_get(&meta::schema_key(&self.actor)).await?;
            self.schema = Some(record.as_deref().and_then(meta::decode_schema));
        }
        match self.schema.flatten() {
            Some((schema, _)) => Ok((schema != target.schema).then_some(schema)),
            None if target.schema == 0 => Ok(None),
            // State written before the class had a schema is schema 0; a
            // new actor starts at the target's schema.
            None if self.has_state().await? => Ok(Some(0)),
            None => {
                self.record_schema = Some((target.schema, target.id));
                Ok(None)
            }
        }
    }

    /// Whether the actor has any state (durable or in flight).
    async fn has_state(&mut self) -> Result<bool, CallError> {
        let overlay = self.cache.range_overlay("", None);
        if overlay.values().any(Option::is_some) {
            return Ok(true);
        }
        let stored = self.rt.store.scan(&self.actor, "", None, overlay.len() + 1).await?;
        Ok(stored.iter().any(|e| !overlay.contains_key(&e.key)))
    }

    /// Runs `migrate(from)` on the (new) instance and commits its writes
    /// with the new schema record.
    async fn migrate(&mut self, from: u32, target: &Arc<LoadedVersion>) -> Result<(), CallError> {
        let turn_id = self.rt.next_turn.fetch_add(1, Ordering::Relaxed);
        let chain = Chain::start(self.rt.next_chain.fetch_add(1, Ordering::Relaxed));
        let span = tracing::debug_span!("migrate", actor = %self.actor, from, to = target.schema);
        let (_, turn) = self
            .guest_turn(turn_id, &Origin::default(), chain, Entry::Migrate(from))
            .instrument(span)
            .await
            .map_err(|(e, _)| e)?;
        let schema = Some((target.schema, target.id));
        drop(self.commit(Effects { turn, delivered: None, idempotent: None, schema, swept: Vec::new() }));
        tracing::info!(actor = %self.actor, from, to = target.schema, version = %target.id.short(), "migrated");
        Ok(())
    }

    /// The version to keep the actor on when its migration to `target`
    /// failed: one that reads state of `schema` as it is — the one it ran,
    /// else the class's other current version (stable beside a canary, the
    /// previous one after a full deploy), else the one that wrote its state.
    async fn fallback(
        &mut self,
        running: Option<Arc<LoadedVersion>>,
        target: microlith_core::VersionId,
        schema: u32,
    ) -> Result<Arc<LoadedVersion>, CallError> {
        let recorded = self.schema.flatten().map(|(_, v)| v);
        let (stable, previous, canary) = self
            .rt
            .registry
            .with(&self.actor.class, |e| {
                (e.rollout.stable, e.rollout.previous, e.rollout.canary.as_ref().map(|c| c.version))
            })
            .ok_or_else(|| CallError::UnknownClass(self.actor.class.to_string()))?;
        let other = if canary == Some(target) { Some(stable) } else { previous };
        let mut tried = vec![target];
        for id in [running.as_ref().map(|v| v.id), other, recorded, Some(stable)].into_iter().flatten() {
            if tried.contains(&id) {
                continue;
            }
            tried.push(id);
            let version = match running.as_ref().filter(|v| v.id == id) {
                Some(v) => v.clone(),
                None => match crate::upgrade::load_stored(&self.rt, &self.actor.class, id).await {
                    Ok(v) => v,
                    Err(e) => {
                        tracing::warn!(actor = %self.actor, version = %id.short(), error = %e, "cannot load a fallback version");
                        continue;
                    }
                },
            };
            if version.schema == schema {
                return Ok(version);
            }
        }
        Err(CallError::Internal(format!("no deployed version reads this actor's state (schema {schema})")))
    }

    /// The idempotency keys of this actor's records made before
    /// `before_ms`, at most [`MAX_SWEPT_PER_TURN`].
    async fn expired_records(&mut self, before_ms: u64) -> Result<Vec<String>, CallError> {
        let prefix = meta::idempotency_of(&self.actor);
        let mut after: Option<Vec<u8>> = None;
        let mut out = Vec::new();
        while out.len() < MAX_SWEPT_PER_TURN {
            let page = self.rt.store.meta_scan(&prefix, after.as_deref(), microlith_storage::MAX_SCAN_PAGE).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.key.clone());
            for entry in &page {
                if meta::made_before(&entry.value, before_ms)
                    && let Some((_, key)) = meta::parse_idempotency_key(&entry.key)
                {
                    out.push(key);
                }
            }
        }
        out.truncate(MAX_SWEPT_PER_TURN);
        Ok(out)
    }

    /// The recorded reply of a committed call with idempotency key `key`.
    async fn recorded_reply(&mut self, key: &str) -> Result<Option<Vec<u8>>, CallError> {
        let ttl = u64::try_from(self.rt.config.idempotency_ttl.as_millis()).unwrap_or(u64::MAX);
        let live = |at_ms: u64| now_ms().saturating_sub(at_ms) <= ttl;
        if let Some((at_ms, reply, _)) = self.recent_idempotent.get(key) {
            // An expired record is as good as swept, in memory as in the store.
            return Ok(live(*at_ms).then(|| reply.clone()));
        }
        let Some(record) = self.rt.store.meta_get(&meta::idempotency_key(&self.actor, key)).await? else {
            return Ok(None);
        };
        let Some((at_ms, reply)) = meta::decode_idempotent(&record) else { return Ok(None) };
        Ok(live(at_ms).then(|| reply.to_vec()))
    }

    /// Renders the watched views (or only `only`, a newly watched viewer,
    /// which is published even if unchanged) and publishes the changed ones
    /// once the commits they reflect are durable.
    async fn render_views(&mut self, only: Option<Viewer>) {
        let Some(views) = self.views.clone() else {
            self.dirty_turns = 0;
            return;
        };
        let viewers = match &only {
            Some(v) => vec![v.clone()],
            None => {
                self.dirty_turns = 0;
                views.viewers()
            }
        };
        if viewers.is_empty() {
            // Nobody watches any more: forget what was shown.
            self.last_views.clear();
            return;
        }
        // Switch versions (and migrate) before taking the gate, so a view
        // of migrated state waits for the migration's commit. A failure
        // shows in the rendered view.
        let _ = self.ensure_instance().await;
        let gate = self.read_gate();
        let mut rendered = Vec::with_capacity(viewers.len());
        for viewer in viewers {
            let turn = self.rt.next_turn.fetch_add(1, Ordering::Relaxed);
            let view = self.render(turn, &viewer).await;
            if only.is_none() && self.last_views.get(&viewer).is_some_and(|v| v.same_as(&view)) {
                continue;
            }
            self.last_views.insert(viewer.clone(), view.clone());
            rendered.push((viewer, ViewState { turn, view }));
        }
        if rendered.is_empty() {
            return;
        }
        let publish = move || {
            for (viewer, state) in rendered {
                views.publish(&viewer, state);
            }
        };
        if gate.is_passed() {
            publish();
        } else {
            crate::task::spawn_tracked(&self.rt.tasks, async move {
                // A failed commit publishes nothing: the durable view stands.
                if gate.pass().await.is_ok() {
                    publish();
                }
            });
        }
    }

    /// Runs the guest's `view.render(viewer)` as a read-only turn.
    async fn render(&mut self, turn_id: u64, viewer: &Viewer) -> View {
        if let Err(e) = self.ensure_instance().await {
            return View::Failed(Arc::new(e));
        }
        let Some(inst) = self.instance.as_mut() else {
            return View::Failed(Arc::new(CallError::Internal("no instance".into())));
        };
        let Some(view) = inst.view.as_ref() else { return View::Empty };
        {
            let data = inst.store.data_mut();
            data.cache = std::mem::take(&mut self.cache);
            data.alarms = self.alarms.take();
            let origin = Origin { principal: viewer.clone(), ..Origin::default() };
            data.turn.begin(turn_id, &origin, Arc::default(), now_ms());
            data.turn.mode = TurnMode::View;
            data.memory.hit = false;
        }
        inst.store.set_epoch_deadline(1);
        let outcome = view.call_render(&mut inst.store, viewer.as_deref()).await;
        let data = inst.store.data_mut();
        self.cache = std::mem::take(&mut data.cache);
        self.alarms = data.alarms.take();
        data.turn = Turn::default();
        let memory_hit = data.memory.hit;
        let max = self.rt.limits.max_view_len;
        match outcome {
            Ok(Ok(Some(bytes))) if bytes.len() > max => {
                View::Failed(Arc::new(CallError::TooLarge { what: "view", len: bytes.len(), max }))
            }
            Ok(Ok(Some(bytes))) => View::Json(Arc::from(bytes)),
            Ok(Ok(None)) => View::Empty,
            Ok(Err(e)) => View::Failed(Arc::new(handle_error(e, "view"))),
            Err(trap) => {
                self.instance = None;
                self.rt.stats.traps.fetch_add(1, Ordering::Relaxed);
                View::Failed(Arc::new(classify_trap(&trap, memory_hit, self.rt.config.memory_limit)))
            }
        }
    }

    /// Runs one guest export as a turn; returns its reply and the finished
    /// turn (with its effects), or the error and the commits it depends on.
    async fn guest_turn(
        &mut self,
        turn_id: u64,
        origin: &Origin,
        chain: Arc<Chain>,
        entry: Entry<'_>,
    ) -> Result<(Vec<u8>, Turn), (CallError, Gate)> {
        let Some(inst) = self.instance.as_mut() else {
            return Err((CallError::Internal("no instance".into()), Gate::default()));
        };
        {
            let data = inst.store.data_mut();
            data.cache = std::mem::take(&mut self.cache);
            data.alarms = self.alarms.take();
            data.reentry = self.reentry.take();
            data.turn.begin(turn_id, origin, chain, now_ms());
            if let Entry::Migrate(_) = entry {
                data.turn.mode = TurnMode::Isolated("migrate");
            }
            data.memory.hit = false;
        }
        inst.store.set_epoch_deadline(1);
        let outcome = match entry {
            Entry::Handle(method, payload) => inst.bindings.call_handle(&mut inst.store, method, payload).await,
            Entry::Alarm(name) => {
                inst.bindings.call_on_alarm(&mut inst.store, name).await.map(|r| r.map(|()| Vec::new()))
            }
            Entry::Migrate(from) => match &inst.upgrade {
                Some(upgrade) => upgrade.call_migrate(&mut inst.store, from).await.map(|r| r.map(|()| Vec::new())),
                None => Ok(Err(HandleError::Failed(format!(
                    "this version has no upgrade export, and the state has schema {from}"
                )))),
            },
        };
        let data = inst.store.data_mut();
        self.cache = std::mem::take(&mut data.cache);
        self.alarms = data.alarms.take();
        self.reentry = data.reentry.take();
        let mut turn = std::mem::take(&mut data.turn);
        turn.started = None;
        let memory_hit = data.memory.hit;
        let deps = std::mem::take(&mut turn.deps);
        match outcome {
            Ok(Ok(reply)) => {
                let max = self.rt.limits.max_reply_len;
                if reply.len() > max {
                    return Err((CallError::TooLarge { what: "reply", len: reply.len(), max }, deps));
                }
                turn.deps = deps;
                Ok((reply, turn))
            }
            Ok(Err(e)) => Err((handle_error(e, entry.name()), deps)),
            Err(trap) => {
                // A trapped instance cannot be entered again: replace it.
                self.instance = None;
                self.rt.stats.traps.fetch_add(1, Ordering::Relaxed);
                Err((classify_trap(&trap, memory_hit, self.rt.config.memory_limit), deps))
            }
        }
    }
}

/// Which export a turn runs.
#[derive(Clone, Copy)]
enum Entry<'a> {
    Handle(&'a str, &'a [u8]),
    Alarm(&'a str),
    Migrate(u32),
}

impl Entry<'_> {
    fn name(&self) -> &str {
        match self {
            Entry::Handle(method, _) => method,
            Entry::Alarm(_) => "on-alarm",
            Entry::Migrate(_) => "migrate",
        }
    }
}

fn instantiation_error(e: wasmtime::Error) -> CallError {
    let msg = format!("{e:#}");
    if msg.contains("pooling") || msg.contains("concurrent") || msg.contains("limit") {
        CallError::Overloaded(format!("no instance slot free: {msg}"))
    } else {
        CallError::Trap(format!("instantiation failed: {msg}"))
    }
}

/// The runtime error for a guest's `handle-error`.
pub(crate) fn handle_error(e: HandleError, method: &str) -> CallError {
    match e {
        HandleError::UnknownMethod(m) => CallError::UnknownMethod(if m.is_empty() { method.to_string() } else { m }),
        HandleError::BadRequest(m) => CallError::BadRequest(m),
        HandleError::Failed(m) => CallError::Guest(m),
    }
}

/// The runtime error for a trap.
pub(crate) fn classify_trap(trap: &wasmtime::Error, memory_hit: bool, memory_limit: u64) -> CallError {
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
