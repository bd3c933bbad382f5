//! The Microlith actor runtime.
//!
//! It hosts classes of durable virtual actors as WebAssembly components on
//! wasmtime: [`Runtime::deploy`] validates, compiles (with an on-disk
//! artifact cache) and records a content-addressed version;
//! [`Runtime::call`] delivers a message to `(class, key)`, activating the
//! actor on first use. Each actor runs one turn at a time on its own task;
//! a turn's state writes commit atomically through the store's group-commit
//! queue, and the reply leaves only after that commit is durable (the output
//! gate) while the actor already runs its next turn.
//!
//! Actors call each other in-process (`calls`, `host::actors`), send
//! one-way messages through a transactional outbox (`outbox`), and set
//! durable alarms (`alarm`). Watchers follow an actor's rendered view
//! ([`Runtime::watch`], `view`), published only once durable; calls may
//! carry an idempotency key whose reply is recorded in the turn's commit.
//!
//! It is *not* an HTTP server (see `microlith-server`) and names no storage
//! backend: it gets an `Arc<dyn Store>`.
//!
//! Reading order: [`Runtime`] → `directory` (activation and passivation) →
//! `actor` (turns, commits, gating) → `host` (the WIT imports) → `calls`,
//! `outbox`, `alarm` → `engine` (wasmtime config, deadlines, artifact cache).

mod actor;
mod alarm;
mod cache;
mod calls;
mod config;
mod directory;
mod engine;
mod error;
mod handoff;
mod host;
mod meta;
mod outbox;
mod registry;
mod sweep;
mod task;
mod upgrade;
mod view;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use microlith_core::{ActorId, ClassName};
use microlith_storage::{ClassRecord, StateEntry, Store};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use config::{RuntimeConfig, StateLimits};
pub use engine::{EPOCH_TICK, MemoryLayout, PERFMAP_ENV, build_engine};
pub use error::{CallError, DeployError};
pub use upgrade::{
    Canary, DeployEvent, DeployOptions, DeployOutcome, DeployStatus, DryRunFailure, DryRunReport, Phase, Rollout, Scope,
};
pub use view::{View, ViewState, ViewWatch, Viewer};

use actor::{Body, Envelope, Gated, Origin};
use calls::WaitGraph;
use directory::{Directory, Dispatched};
use engine::ArtifactCache;
use host::HostState;
use registry::Registry;

/// Puts a message in `actor`'s mailbox (activating it if needed) and
/// returns where its gated reply will arrive.
pub(crate) fn enqueue(
    rt: &Arc<Inner>,
    actor: &ActorId,
    body: Body,
    origin: Origin,
) -> Result<oneshot::Receiver<Gated>, CallError> {
    if !rt.registry.contains(&actor.class) {
        return Err(CallError::UnknownClass(actor.class.to_string()));
    }
    let (reply, rx) = oneshot::channel();
    let env = Envelope { body, origin, reply };
    if let Dispatched::Spawn(shared, mailbox, reentry) = rt.directory.dispatch(actor, env)? {
        task::spawn_tracked(&rt.tasks, actor::run(rt.clone(), actor.clone(), shared, mailbox, reentry));
    }
    Ok(rx)
}

/// Waits for a queued message's reply and for its gate.
pub(crate) async fn await_reply(rx: oneshot::Receiver<Gated>) -> Result<Vec<u8>, CallError> {
    await_pending(handoff::Pending::Queued(rx)).await
}

/// Waits for a reply and for its gate: the result may leave the process.
async fn await_pending(pending: handoff::Pending) -> Result<Vec<u8>, CallError> {
    let Gated { result, gate } =
        pending.await.map_err(|()| CallError::Internal("the actor dropped the reply".into()))?;
    gate.pass().await?;
    result
}

/// Runs `body` on `actor` (on this task when the actor is idle, see
/// `handoff`) and waits for its gated reply.
pub(crate) async fn request(
    rt: &Arc<Inner>,
    actor: &ActorId,
    body: Body,
    origin: Origin,
) -> Result<Vec<u8>, CallError> {
    await_pending(handoff::start(rt, actor, body, origin)?).await
}

/// A handle to the runtime. Cheap to clone.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    config: RuntimeConfig,
    limits: Arc<StateLimits>,
    engine: wasmtime::Engine,
    memory_layout: MemoryLayout,
    linker: wasmtime::component::Linker<HostState>,
    artifacts: ArtifactCache,
    store: Arc<dyn Store>,
    registry: Registry,
    directory: Directory,
    next_incarnation: AtomicU64,
    next_turn: AtomicU64,
    next_chain: AtomicU64,
    waits: WaitGraph,
    alarms: alarm::Schedule,
    msg_ids: outbox::MsgIds,
    views: view::ViewHub,
    /// Serialises deploys, promotions and rollbacks.
    deploys: tokio::sync::Mutex<()>,
    shutdown: CancellationToken,
    tasks: TaskTracker,
    stats: Stats,
}

/// Counters since start.
#[derive(Debug, Default)]
pub struct Stats {
    /// Actors activated.
    pub activations: AtomicU64,
    /// Actors passivated.
    pub passivations: AtomicU64,
    /// Turns started.
    pub turns: AtomicU64,
    /// Turns that trapped.
    pub traps: AtomicU64,
    /// Expired idempotency records deleted (durably).
    pub idempotency_swept: AtomicU64,
    /// Sweeps of idempotency records completed.
    pub idempotency_sweeps: AtomicU64,
    /// Turns run on the caller's task (hand-offs to idle actors).
    pub handoffs: AtomicU64,
}

/// Longest idempotency key, in bytes.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 200;

/// Options of [`Runtime::call_with`].
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    /// The principal on whose behalf the call runs (`context.caller()`).
    pub principal: Option<String>,
    /// Run at most once per key and actor; see [`Runtime::call_with`].
    pub idempotency_key: Option<String>,
}

impl Runtime {
    /// Starts a runtime over `store` and loads every deployed class's current
    /// version (from the artifact cache when possible).
    pub async fn open(config: RuntimeConfig, store: Arc<dyn Store>) -> Result<Self, DeployError> {
        let (engine, memory_layout) = engine::build_engine(&config)?;
        tracing::debug!(?memory_layout, "wasmtime engine built");
        engine::start_epoch_ticker(&engine);
        let mut linker = wasmtime::component::Linker::new(&engine);
        host::add_to_linker(&mut linker).map_err(|e| DeployError::Internal(format!("linking host imports: {e:#}")))?;
        let artifacts = ArtifactCache::new(config.artifact_dir.as_deref(), &engine);
        let inner = Arc::new(Inner {
            limits: Arc::new(config.limits.clone()),
            directory: Directory::new(config.max_active_actors, config.mailbox_capacity),
            config,
            engine,
            memory_layout,
            linker,
            artifacts,
            store,
            registry: Registry::default(),
            next_incarnation: AtomicU64::new(1),
            next_turn: AtomicU64::new(1),
            next_chain: AtomicU64::new(1),
            waits: WaitGraph::default(),
            alarms: alarm::Schedule::default(),
            msg_ids: outbox::MsgIds::new(),
            views: view::ViewHub::default(),
            deploys: tokio::sync::Mutex::new(()),
            shutdown: CancellationToken::new(),
            tasks: TaskTracker::new(),
            stats: Stats::default(),
        });
        let rt = Self { inner };
        upgrade::load_classes(&rt.inner).await?;
        let alarms = alarm::load(&rt.inner).await.map_err(|e| DeployError::Internal(format!("loading alarms: {e}")))?;
        task::spawn_tracked(&rt.inner.tasks, alarm::run(rt.inner.clone()));
        task::spawn_tracked(&rt.inner.tasks, sweep::run(rt.inner.clone()));
        let replayed =
            outbox::replay(&rt.inner).await.map_err(|e| DeployError::Internal(format!("replaying the outbox: {e}")))?;
        tracing::info!(alarms, replayed, "runtime started");
        Ok(rt)
    }

    /// Validates and deploys `component` as the new current version of
    /// `class` (to every actor). Live actors switch to it at their next
    /// turn, migrating their state if its schema changed.
    pub async fn deploy(&self, class: &str, component: Vec<u8>) -> Result<DeployOutcome, DeployError> {
        self.deploy_with(class, component, DeployOptions::default()).await
    }

    /// Validates `component` (it compiles, implements the `actor` world,
    /// instantiates and passes its optional `self-check`), records it, and
    /// rolls it out as `options` say: to every actor, or as a canary to
    /// some of them until [`Runtime::promote`] or [`Runtime::rollback`].
    pub async fn deploy_with(
        &self,
        class: &str,
        component: Vec<u8>,
        options: DeployOptions,
    ) -> Result<DeployOutcome, DeployError> {
        upgrade::deploy(&self.inner, class, component, options).await
    }

    /// Makes the canary of `class` its version for every actor.
    pub async fn promote(&self, class: &ClassName) -> Result<Rollout, DeployError> {
        upgrade::promote(&self.inner, class).await
    }

    /// Aborts the canary of `class`, or (without one) returns the class to
    /// the version it had before its latest deploy. Actors migrated by the
    /// version rolled back from are migrated back by the older one's
    /// `migrate`; those it cannot migrate stay where they are.
    pub async fn rollback(&self, class: &ClassName, reason: &str) -> Result<Rollout, DeployError> {
        upgrade::rollback(&self.inner, class, reason, None).await
    }

    /// Where the deploy of `class` stands, if it is deployed.
    pub fn deploy_status(&self, class: &ClassName) -> Option<DeployStatus> {
        upgrade::status(&self.inner, class)
    }

    /// Tries `component`'s migration on the durable state of up to `sample`
    /// actors of `class`, committing nothing.
    pub async fn dry_run(&self, class: &str, component: Vec<u8>, sample: usize) -> Result<DryRunReport, DeployError> {
        upgrade::dry_run(&self.inner, class, component, sample).await
    }

    /// Sends `method(payload)` to `actor` and waits for the reply, which is
    /// released only once every write it depends on is durable.
    pub async fn call(
        &self,
        actor: &ActorId,
        method: &str,
        payload: Vec<u8>,
        caller: Option<String>,
    ) -> Result<Vec<u8>, CallError> {
        self.call_with(actor, method, payload, CallOptions { principal: caller, idempotency_key: None }).await
    }

    /// [`Runtime::call`] with options: the principal, and an idempotency
    /// key — if a call with the same key to the same actor committed (within
    /// `idempotency_ttl`), its recorded reply is returned and the method
    /// does not run again. The record commits with the turn.
    pub async fn call_with(
        &self,
        actor: &ActorId,
        method: &str,
        payload: Vec<u8>,
        options: CallOptions,
    ) -> Result<Vec<u8>, CallError> {
        let max = self.inner.limits.max_payload_len;
        if payload.len() > max {
            return Err(CallError::TooLarge { what: "payload", len: payload.len(), max });
        }
        if let Some(key) = &options.idempotency_key
            && (key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_LEN)
        {
            return Err(CallError::TooLarge { what: "idempotency key", len: key.len(), max: MAX_IDEMPOTENCY_KEY_LEN });
        }
        let origin = Origin { principal: options.principal, ..Origin::default() };
        let body = Body::Call { method: method.to_string(), payload, idempotency: options.idempotency_key };
        request(&self.inner, actor, body, origin).await
    }

    /// Follows the view `actor` renders for `viewer`. The watch sees the
    /// latest view whose writes are durable, starting with a render of the
    /// current state. Watchers of the same viewer share one render.
    pub fn watch(&self, actor: &ActorId, viewer: Viewer) -> Result<ViewWatch, CallError> {
        if !self.inner.registry.contains(&actor.class) {
            return Err(CallError::UnknownClass(actor.class.to_string()));
        }
        let (watch, created) = self.inner.views.watch(actor, viewer.clone());
        if created {
            // The reply only says the render was queued; the view itself
            // arrives through the watch.
            drop(enqueue(&self.inner, actor, Body::View { viewer }, Origin::default())?);
        }
        Ok(watch)
    }

    /// Number of alarms scheduled (set and not yet fired or cancelled).
    pub fn scheduled_alarms(&self) -> usize {
        self.inner.alarms.len()
    }

    /// Every deployed class with its versions.
    pub async fn classes(&self) -> Result<Vec<ClassRecord>, CallError> {
        Ok(self.inner.store.list_classes().await?)
    }

    /// Whether `class` is deployed.
    pub fn has_class(&self, class: &ClassName) -> bool {
        self.inner.registry.contains(class)
    }

    /// Keys of actors of `class` with stored state.
    pub async fn actors(
        &self,
        class: &ClassName,
        start_after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, CallError> {
        Ok(self.inner.store.list_actors(class, start_after, limit).await?)
    }

    /// The durable state of `actor` under `prefix` (for inspection).
    pub async fn state(
        &self,
        actor: &ActorId,
        prefix: &str,
        start_after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StateEntry>, CallError> {
        self.inner.store.flush().await?;
        Ok(self.inner.store.scan(actor, prefix, start_after, limit).await?)
    }

    /// Number of deployed classes.
    pub fn class_count(&self) -> usize {
        self.inner.registry.len()
    }

    /// Number of active (instantiated or starting) actors.
    pub fn active_actors(&self) -> usize {
        self.inner.directory.len()
    }

    /// How guest memories are laid out (which decides whether compiled guest
    /// code checks bounds explicitly).
    pub fn memory_layout(&self) -> MemoryLayout {
        self.inner.memory_layout
    }

    /// Counters since start.
    pub fn stats(&self) -> &Stats {
        &self.inner.stats
    }

    /// Stops taking messages, lets active actors finish what is queued and
    /// their commits land (bounded by `deadline`), then closes the store.
    /// Returns whether everything drained in time.
    pub async fn shutdown(&self, deadline: Duration) -> bool {
        self.inner.directory.close();
        self.inner.shutdown.cancel();
        self.inner.tasks.close();
        let drained = tokio::time::timeout(deadline, self.inner.tasks.wait()).await.is_ok();
        if let Err(e) = self.inner.store.flush().await {
            tracing::error!(error = %e, "final flush failed");
        }
        self.inner.store.close().await;
        let s = &self.inner.stats;
        tracing::info!(
            drained,
            turns = s.turns.load(Ordering::Relaxed),
            activations = s.activations.load(Ordering::Relaxed),
            "runtime stopped"
        );
        drained
    }
}
