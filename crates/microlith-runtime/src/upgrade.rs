//! Live upgrades: deploying a version while actors serve, canaries,
//! promotion, rollback (explicit and automatic), the guest's `self-check`,
//! and dry runs of a migration.
//!
//! A deploy validates the component (compiles, exports the `actor` world,
//! instantiates, passes its optional `self-check`) before anything runs
//! on it, then records the class's [`Rollout`] durably and installs it in
//! the registry. Actors move lazily: each one, at its next turn boundary,
//! compares the version it runs with the one the registry names for it
//! (`actor::Activation::ensure_instance`). If the new version's state schema
//! differs from the one recorded beside the actor's state, the actor first
//! runs the new version's `migrate(from)` as a turn of its own; a failed
//! migration pins the actor to the version it ran and counts against the
//! deploy, which rolls back once `max_failures` migrations failed. Watched
//! actors are told to switch at once, so their subscribers get the new
//! view as one delta.
//!
//! See `docs/design/0005-hot-swap.md`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use microlith_core::{ActorId, ClassName, VersionId};
use microlith_storage::{Commit, MetaWrite, SYSTEM_INCARNATION, VersionRecord};
use serde::{Deserialize, Serialize};

use crate::actor::{self, Body, Origin};
use crate::alarm::now_ms;
use crate::error::{CallError, DeployError};
use crate::host::{Turn, TurnMode};
use crate::registry::LoadedVersion;
use crate::{Inner, meta};

/// Which actors a canary serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every actor.
    All,
    /// Actors whose key hashes into the first `n` of 100 buckets (stable
    /// across restarts; a 10 % canary's actors are in the 50 % one too).
    Percent(u8),
    /// Exactly these keys.
    Keys(BTreeSet<String>),
}

/// A version serving part of a class's actors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Canary {
    /// The new version.
    pub version: VersionId,
    /// The actors it serves.
    pub scope: Scope,
}

/// What happened last to a class's rollout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// A version was deployed to every actor.
    Live,
    /// A version was deployed as a canary.
    Canary,
    /// The canary was promoted to every actor.
    Promoted,
    /// The canary was aborted.
    Aborted,
    /// The class went back to its previous version (on request, or because
    /// too many migrations failed).
    RolledBack,
}

/// One rollout event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployEvent {
    /// The version the event concerns (deployed, promoted, rolled back).
    pub version: VersionId,
    /// The stable version before the event, if there was one.
    pub from: Option<VersionId>,
    /// What happened.
    pub phase: Phase,
    /// Why, for rollbacks and aborts.
    pub reason: Option<String>,
    /// When, in milliseconds since the Unix epoch.
    pub at_ms: u64,
}

/// Where a class's deploy stands; recorded durably.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rollout {
    /// The version actors outside the canary run.
    pub stable: VersionId,
    /// The stable version before the latest deploy or promotion, which
    /// `rollback` returns to.
    pub previous: Option<VersionId>,
    /// The canary, while one runs.
    pub canary: Option<Canary>,
    /// Failed migrations after which the deploy rolls back by itself.
    pub max_failures: u64,
    /// The latest event.
    pub last: Option<DeployEvent>,
}

impl Rollout {
    /// The version the latest forward deploy (live, canary or promotion)
    /// brought, whose failed migrations count towards a rollback.
    fn rolling_out(&self) -> Option<VersionId> {
        let last = self.last.as_ref()?;
        matches!(last.phase, Phase::Live | Phase::Canary | Phase::Promoted).then_some(last.version)
    }
}

/// How [`Runtime::deploy_with`](crate::Runtime::deploy_with) rolls a version out.
#[derive(Debug, Clone, Default)]
pub struct DeployOptions {
    /// Serve only these actors with the new version until it is promoted;
    /// `None` deploys to every actor.
    pub canary: Option<Scope>,
    /// Failed migrations after which the deploy rolls back by itself
    /// (default: the runtime's `deploy_max_failures`).
    pub max_failures: Option<u64>,
}

/// A class's deploy status, for the admin API.
#[derive(Debug, Clone, Serialize)]
pub struct DeployStatus {
    /// The class.
    pub class: ClassName,
    /// Its rollout.
    #[serde(flatten)]
    pub rollout: Rollout,
    /// Versions loaded now (stable, canary, old ones still in use).
    pub loaded: Vec<VersionId>,
    /// Actors kept on the version they ran because their migration failed.
    pub pinned: usize,
    /// Migrations committed since the latest deploy (this process).
    pub migrated: u64,
    /// Migrations failed since the latest deploy (this process).
    pub failed: u64,
    /// The latest migration failure, `key: error`.
    pub last_error: Option<String>,
}

/// What a dry run found.
#[derive(Debug, Clone, Serialize)]
pub struct DryRunReport {
    /// The version tried.
    pub version: VersionId,
    /// Its state schema.
    pub schema: u32,
    /// Actors whose state was tried.
    pub sampled: usize,
    /// Actors already at the version's schema (nothing to migrate).
    pub up_to_date: usize,
    /// Actors whose migration succeeded.
    pub migrated: usize,
    /// State writes those migrations would commit.
    pub writes: usize,
    /// Actors whose migration would fail.
    pub failed: Vec<DryRunFailure>,
}

/// One actor a migration would fail on.
#[derive(Debug, Clone, Serialize)]
pub struct DryRunFailure {
    /// The actor's key.
    pub key: String,
    /// The schema its state has.
    pub from: u32,
    /// The error.
    pub error: String,
}

/// Compiles (or loads from cache) and links a component; detects its
/// optional exports and reads its schema.
pub(crate) async fn load_version(
    inner: &Arc<Inner>,
    id: VersionId,
    bytes: Vec<u8>,
) -> Result<(Arc<LoadedVersion>, bool, Duration), DeployError> {
    let rt = inner.clone();
    let compiled = tokio::task::spawn_blocking(move || rt.artifacts.load_or_compile(&rt.engine, &id, &bytes))
        .await
        .map_err(|e| DeployError::Internal(format!("compile task failed: {e}")))??;
    let pre = inner
        .linker
        .instantiate_pre(&compiled.component)
        .map_err(|e| DeployError::InvalidComponent(format!("{e:#}")))?;
    let view = microlith_wit::view::GuestIndices::new(&pre).ok();
    let upgrade = microlith_wit::upgrade::GuestIndices::new(&pre).ok();
    let pre = microlith_wit::ActorPre::new(pre).map_err(|e| {
        DeployError::InvalidComponent(format!("it does not implement the microlith:actor/actor world: {e:#}"))
    })?;
    let mut loaded = Arc::new(LoadedVersion { id, pre, view, upgrade, schema: 0 });
    if loaded.upgrade.is_some() {
        let (schema, _) = isolated(inner, &loaded, check_actor()?, Isolated::Schema)
            .await
            .map_err(|e| DeployError::InvalidComponent(format!("upgrade.schema-version failed: {e}")))?;
        // The instance that answered is gone: this is the only reference.
        Arc::get_mut(&mut loaded)
            .ok_or_else(|| DeployError::Internal("a version was shared while loading".into()))?
            .schema = schema;
    }
    Ok((loaded, compiled.from_cache, compiled.took))
}

/// Loads a stored version of `class` that is not loaded (a pin to an old
/// version, a rollback target) and remembers it.
pub(crate) async fn load_stored(
    inner: &Arc<Inner>,
    class: &ClassName,
    id: VersionId,
) -> Result<Arc<LoadedVersion>, DeployError> {
    if let Some(v) = inner.registry.loaded(class, &id) {
        return Ok(v);
    }
    let bytes = inner
        .store
        .get_component(&id)
        .await?
        .ok_or_else(|| DeployError::UnknownVersion { class: class.clone(), version: id.to_string() })?;
    let (loaded, from_cache, took) = load_version(inner, id, bytes).await?;
    tracing::info!(%class, version = %id.short(), from_cache, ms = took.as_millis() as u64, "old version loaded");
    Ok(inner.registry.remember(class, loaded))
}

/// The actor the deploy-time checks run as; it never has state.
fn check_actor() -> Result<ActorId, DeployError> {
    ActorId::parse("deploy-check", "deploy-check").map_err(|e| DeployError::Internal(e.to_string()))
}

/// What an isolated turn runs.
enum Isolated {
    Schema,
    SelfCheck,
    Migrate(u32),
}

/// Runs an `upgrade` export in a fresh instance serving `actor`, whose
/// reads see durable state; writes are returned, never committed. Returns
/// the schema (for `Schema`) and the finished turn.
async fn isolated(
    inner: &Arc<Inner>,
    loaded: &Arc<LoadedVersion>,
    actor: ActorId,
    what: Isolated,
) -> Result<(u32, Turn), CallError> {
    let Some(indices) = loaded.upgrade.as_ref() else {
        return match what {
            // As an actor would find (`actor::Activation::guest_turn`).
            Isolated::Migrate(from) => {
                Err(CallError::Guest(format!("this version has no upgrade export, and the state has schema {from}")))
            }
            Isolated::Schema | Isolated::SelfCheck => Ok((0, Turn::default())),
        };
    };
    let mut store = actor::new_store(inner, actor, loaded.clone());
    let during = match what {
        Isolated::Schema => "schema-version",
        Isolated::SelfCheck => "self-check",
        Isolated::Migrate(_) => "a dry run",
    };
    {
        let data = store.data_mut();
        data.turn.begin(0, &Origin::default(), Arc::default(), now_ms());
        data.turn.mode = TurnMode::Isolated(during);
    }
    let trap = |e: wasmtime::Error, hit: bool| actor::classify_trap(&e, hit, inner.config.memory_limit);
    let instance = match loaded.pre.instance_pre().instantiate_async(&mut store).await {
        Ok(i) => i,
        Err(e) => return Err(CallError::Trap(format!("instantiation failed: {e:#}"))),
    };
    let guest = indices.load(&mut store, &instance).map_err(|e| CallError::Internal(format!("{e:#}")))?;
    let outcome = match what {
        Isolated::Schema => guest.call_schema_version(&mut store).await.map(Ok),
        Isolated::SelfCheck => guest.call_self_check(&mut store).await.map(|r| r.map(|()| 0).map_err(CallError::Guest)),
        Isolated::Migrate(from) => guest
            .call_migrate(&mut store, from)
            .await
            .map(|r| r.map(|()| 0).map_err(|e| actor::handle_error(e, "migrate"))),
    };
    let hit = store.data().memory.hit;
    let turn = std::mem::take(&mut store.data_mut().turn);
    match outcome {
        Ok(Ok(schema)) => Ok((schema, turn)),
        Ok(Err(e)) => Err(e),
        Err(e) => Err(trap(e, hit)),
    }
}

/// Instantiates a fresh copy (so a component whose start-up traps is
/// refused at deploy time rather than on every call) and runs its
/// `self-check`.
async fn check(inner: &Arc<Inner>, loaded: &Arc<LoadedVersion>) -> Result<(), DeployError> {
    let mut store = actor::new_store(inner, check_actor()?, loaded.clone());
    // Start-up code runs under the same deadline as a turn.
    store.data_mut().turn.started = Some(Instant::now());
    loaded
        .pre
        .instantiate_async(&mut store)
        .await
        .map_err(|e| DeployError::InvalidComponent(format!("instantiation failed: {e:#}")))?;
    match isolated(inner, loaded, check_actor()?, Isolated::SelfCheck).await {
        Ok(_) => Ok(()),
        Err(CallError::Guest(msg)) => Err(DeployError::SelfCheckFailed(msg)),
        Err(e) => Err(DeployError::SelfCheckFailed(e.to_string())),
    }
}

/// Records `rollout` durably.
async fn persist(inner: &Arc<Inner>, class: &ClassName, rollout: &Rollout) -> Result<(), DeployError> {
    let value = serde_json::to_vec(rollout).map_err(|e| DeployError::Internal(format!("encoding the rollout: {e}")))?;
    let actor = ActorId::parse(class.as_str(), "rollout").map_err(|e| DeployError::Internal(e.to_string()))?;
    let commit = Commit {
        actor,
        incarnation: SYSTEM_INCARNATION,
        writes: Vec::new(),
        meta: vec![MetaWrite { key: meta::rollout_key(class), value: Some(value) }],
    };
    inner.store.commit(commit).await.map_err(|e| DeployError::Internal(format!("recording the rollout: {e}")))
}

/// Loads every class's stable version and rollout at start.
pub(crate) async fn load_classes(inner: &Arc<Inner>) -> Result<(), DeployError> {
    for class in inner.store.list_classes().await? {
        let recorded = match inner.store.meta_get(&meta::rollout_key(&class.name)).await? {
            Some(bytes) => serde_json::from_slice::<Rollout>(&bytes)
                .map_err(|e| tracing::warn!(class = %class.name, error = %e, "unreadable rollout record; ignoring it"))
                .ok(),
            None => None,
        };
        let mut rollout = recorded.unwrap_or(Rollout {
            stable: class.current,
            previous: None,
            canary: None,
            max_failures: inner.config.deploy_max_failures,
            last: None,
        });
        // The store's current version wins (it is written first): the
        // record is from before a deploy, promotion or rollback that did not
        // finish recording, whose canary (if any) is gone.
        if rollout.stable != class.current {
            rollout.previous = Some(rollout.stable);
            rollout.stable = class.current;
            rollout.canary = None;
        }
        let bytes = inner.store.get_component(&class.current).await?.ok_or_else(|| {
            DeployError::Internal(format!(
                "component {} of class {} is missing from the store",
                class.current, class.name
            ))
        })?;
        let (stable, from_cache, took) = load_version(inner, class.current, bytes).await?;
        let canary = match &rollout.canary {
            Some(c) => match inner.store.get_component(&c.version).await? {
                Some(bytes) => Some(load_version(inner, c.version, bytes).await?.0),
                None => None,
            },
            None => None,
        };
        if canary.is_none() {
            rollout.canary = None;
        }
        tracing::info!(class = %class.name, version = %class.current.short(), canary = canary.is_some(), from_cache, ms = took.as_millis() as u64, "class loaded");
        inner.registry.install(class.name, rollout, stable, canary, true);
    }
    Ok(())
}

/// The result of a deploy.
#[derive(Debug, Clone)]
pub struct DeployOutcome {
    /// The class.
    pub class: ClassName,
    /// The content address of the deployed component.
    pub version: VersionId,
    /// Whether this version was new to the class.
    pub created: bool,
    /// Whether the compiled artifact came from the disk cache.
    pub from_cache: bool,
    /// Time spent compiling or loading the artifact.
    pub compile_time: Duration,
    /// The state schema of the version.
    pub schema: u32,
    /// The class's rollout after the deploy.
    pub rollout: Rollout,
}

/// Validates `component` and rolls it out to `class` as `options` say.
pub(crate) async fn deploy(
    inner: &Arc<Inner>,
    class: &str,
    component: Vec<u8>,
    options: DeployOptions,
) -> Result<DeployOutcome, DeployError> {
    let class = ClassName::new(class)?;
    let max = inner.config.max_component_size;
    if component.len() > max {
        return Err(DeployError::TooLarge { len: component.len(), max });
    }
    if let Some(Scope::Percent(p)) = options.canary
        && p > 100
    {
        return Err(DeployError::NoRollout(format!("a canary covers 0 to 100 percent of actors, not {p}")));
    }
    let id = VersionId::of(&component);
    let size = component.len() as u64;
    let started = Instant::now();
    let (loaded, from_cache, compile_time) = load_version(inner, id, component.clone()).await?;
    check(inner, &loaded).await?;
    let _serial = inner.deploys.lock().await;
    let prior = inner.registry.with(&class, |e| e.rollout.clone());
    let existing = inner.store.list_classes().await?;
    let created = !existing.iter().any(|c| c.name == class && c.versions.iter().any(|v| v.id == id));
    let record = VersionRecord { id, deployed_at_ms: now_ms(), size };
    let max_failures = options.max_failures.unwrap_or(inner.config.deploy_max_failures);
    let event = |phase, from| Some(DeployEvent { version: id, from, phase, reason: None, at_ms: now_ms() });
    let (rollout, stable, canary) = match (prior, options.canary) {
        (Some(prior), Some(scope)) if prior.stable != id => {
            inner.store.put_version(&class, record, &component, false).await?;
            let stable = inner
                .registry
                .current(&class)
                .ok_or_else(|| DeployError::Internal(format!("class {class} has no stable version loaded")))?;
            let rollout = Rollout {
                stable: prior.stable,
                previous: prior.previous,
                canary: Some(Canary { version: id, scope }),
                max_failures,
                last: event(Phase::Canary, Some(prior.stable)),
            };
            (rollout, stable, Some(loaded.clone()))
        }
        (prior, _) => {
            // A first deploy, a full deploy, or a canary of the stable
            // version itself (which is the stable version everywhere).
            inner.store.put_version(&class, record, &component, true).await?;
            let from = prior.as_ref().map(|p| p.stable);
            let previous = match &prior {
                Some(p) if p.stable != id => Some(p.stable),
                Some(p) => p.previous,
                None => None,
            };
            let rollout = Rollout { stable: id, previous, canary: None, max_failures, last: event(Phase::Live, from) };
            (rollout, loaded.clone(), None)
        }
    };
    persist(inner, &class, &rollout).await?;
    inner.registry.install(class.clone(), rollout.clone(), stable, canary, true);
    refresh(inner, &class);
    tracing::info!(%class, version = %id.short(), schema = loaded.schema, canary = rollout.canary.is_some(), created, from_cache, compile_ms = compile_time.as_millis() as u64, total_ms = started.elapsed().as_millis() as u64, "deployed");
    Ok(DeployOutcome { class, version: id, created, from_cache, compile_time, schema: loaded.schema, rollout })
}

/// Makes the canary of `class` its stable version.
pub(crate) async fn promote(inner: &Arc<Inner>, class: &ClassName) -> Result<Rollout, DeployError> {
    let _serial = inner.deploys.lock().await;
    let prior =
        inner.registry.with(class, |e| e.rollout.clone()).ok_or_else(|| DeployError::UnknownClass(class.clone()))?;
    let Some(canary) = prior.canary.clone() else {
        return Err(DeployError::NoRollout(format!("class {class} has no canary to promote")));
    };
    let loaded = load_stored(inner, class, canary.version).await?;
    inner.store.set_current(class, canary.version).await?;
    let rollout = Rollout {
        stable: canary.version,
        previous: Some(prior.stable),
        canary: None,
        max_failures: prior.max_failures,
        last: Some(DeployEvent {
            version: canary.version,
            from: Some(prior.stable),
            phase: Phase::Promoted,
            reason: None,
            at_ms: now_ms(),
        }),
    };
    persist(inner, class, &rollout).await?;
    // Failures and pins of the canary keep counting: it is the same deploy.
    inner.registry.install(class.clone(), rollout.clone(), loaded, None, false);
    refresh(inner, class);
    tracing::info!(%class, version = %canary.version.short(), "canary promoted");
    Ok(rollout)
}

/// Aborts the canary of `class`, or returns it to its previous stable
/// version. With `only_if_rolling_out`, does so only while that version is
/// still the one being rolled out (an automatic rollback that lost a race
/// with another deploy does nothing).
pub(crate) async fn rollback(
    inner: &Arc<Inner>,
    class: &ClassName,
    reason: &str,
    only_if_rolling_out: Option<VersionId>,
) -> Result<Rollout, DeployError> {
    let _serial = inner.deploys.lock().await;
    let prior =
        inner.registry.with(class, |e| e.rollout.clone()).ok_or_else(|| DeployError::UnknownClass(class.clone()))?;
    if let Some(v) = only_if_rolling_out
        && prior.rolling_out() != Some(v)
    {
        return Ok(prior);
    }
    let event = |version, phase| {
        Some(DeployEvent {
            version,
            from: Some(prior.stable),
            phase,
            reason: Some(reason.to_string()),
            at_ms: now_ms(),
        })
    };
    let (rollout, stable) = if let Some(canary) = &prior.canary {
        let stable = load_stored(inner, class, prior.stable).await?;
        let phase = if only_if_rolling_out.is_some() { Phase::RolledBack } else { Phase::Aborted };
        (Rollout { canary: None, last: event(canary.version, phase), ..prior.clone() }, stable)
    } else if let Some(previous) = prior.previous {
        let stable = load_stored(inner, class, previous).await?;
        inner.store.set_current(class, previous).await?;
        let rollout = Rollout {
            stable: previous,
            previous: None,
            canary: None,
            max_failures: prior.max_failures,
            last: event(prior.stable, Phase::RolledBack),
        };
        (rollout, stable)
    } else {
        return Err(DeployError::NoRollout(format!(
            "class {class} has no canary and no previous version to roll back to"
        )));
    };
    persist(inner, class, &rollout).await?;
    inner.registry.install(class.clone(), rollout.clone(), stable, None, true);
    refresh(inner, class);
    tracing::warn!(%class, to = %rollout.stable.short(), reason, "rolled back");
    Ok(rollout)
}

/// Counts a failed migration of `actor` to `target`, pins it to
/// `fallback`, and starts an automatic rollback once the deploy's failures
/// reach its limit.
pub(crate) fn migration_failed(
    inner: &Arc<Inner>,
    actor: &ActorId,
    target: VersionId,
    fallback: VersionId,
    error: &CallError,
) {
    let msg = error.to_string();
    tracing::warn!(%actor, to = %target.short(), stays_on = %fallback.short(), error = %msg, "migration failed");
    let Some((rollout, failed)) = inner.registry.migration_failed(actor, target, fallback, &msg) else { return };
    if rollout.rolling_out() == Some(target) && failed >= rollout.max_failures.max(1) {
        let (rt, class) = (inner.clone(), actor.class.clone());
        let reason =
            format!("{failed} migration(s) failed (limit {}); last: {actor}: {msg}", rollout.max_failures.max(1));
        crate::task::spawn_tracked(&inner.tasks, async move {
            if let Err(e) = rollback(&rt, &class, &reason, Some(target)).await {
                tracing::error!(%class, error = %e, "automatic rollback failed");
            }
        });
    }
}

/// Tells every watched actor of `class` to switch versions now, so its
/// subscribers see the new version's view without waiting for a message.
fn refresh(inner: &Arc<Inner>, class: &ClassName) {
    for actor in inner.views.watched(class) {
        if let Err(e) = crate::enqueue(inner, &actor, Body::Refresh, Origin::default()) {
            tracing::debug!(%actor, error = %e, "could not refresh a watched actor");
        }
    }
}

/// The deploy status of `class`.
pub(crate) fn status(inner: &Arc<Inner>, class: &ClassName) -> Option<DeployStatus> {
    inner.registry.with(class, |e| DeployStatus {
        class: class.clone(),
        rollout: e.rollout.clone(),
        loaded: e.loaded_versions(),
        pinned: e.pinned(),
        migrated: e.migrated,
        failed: e.failed,
        last_error: e.last_error.clone(),
    })
}

/// Runs `component`'s migration against the durable state of up to
/// `sample` actors of `class`, committing nothing.
pub(crate) async fn dry_run(
    inner: &Arc<Inner>,
    class: &str,
    component: Vec<u8>,
    sample: usize,
) -> Result<DryRunReport, DeployError> {
    let class = ClassName::new(class)?;
    if inner.registry.current(&class).is_none() {
        return Err(DeployError::UnknownClass(class));
    }
    let max = inner.config.max_component_size;
    if component.len() > max {
        return Err(DeployError::TooLarge { len: component.len(), max });
    }
    let id = VersionId::of(&component);
    let (loaded, _, _) = load_version(inner, id, component).await?;
    check(inner, &loaded).await?;
    // Reads see durable state: let what is in flight land first.
    inner.store.flush().await?;
    let mut report = DryRunReport {
        version: id,
        schema: loaded.schema,
        sampled: 0,
        up_to_date: 0,
        migrated: 0,
        writes: 0,
        failed: Vec::new(),
    };
    let mut after: Option<String> = None;
    while report.sampled < sample {
        let page = (sample - report.sampled).min(microlith_storage::MAX_SCAN_PAGE);
        let keys = inner.store.list_actors(&class, after.as_deref(), page).await?;
        let Some(last) = keys.last().cloned() else { break };
        for key in keys {
            report.sampled += 1;
            let actor = ActorId::parse(class.as_str(), &key).map_err(|e| DeployError::Internal(e.to_string()))?;
            let from = match inner.store.meta_get(&meta::schema_key(&actor)).await? {
                Some(rec) => meta::decode_schema(&rec).map_or(0, |(s, _)| s),
                None => 0,
            };
            if from == loaded.schema {
                report.up_to_date += 1;
                continue;
            }
            match isolated(inner, &loaded, actor, Isolated::Migrate(from)).await {
                Ok((_, turn)) => {
                    report.migrated += 1;
                    report.writes += turn.writes.len();
                }
                Err(e) => report.failed.push(DryRunFailure { key, from, error: e.to_string() }),
            }
        }
        after = Some(last);
    }
    Ok(report)
}
