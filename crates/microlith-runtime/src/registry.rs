//! Deployed classes: which loaded (compiled, linked) version each actor
//! runs, and where each class's rollout stands.
//!
//! A class has a *stable* version, at most one *canary* serving the actors
//! its [`Scope`] covers, and actors *pinned* to the version they ran because
//! their migration to the new one failed. Other versions stay loaded only
//! while an instance uses them (the registry keeps a weak reference), so a
//! version no actor runs any more is unloaded; its compiled artifact stays in
//! the on-disk cache.

use std::collections::HashMap;
use std::sync::{Arc, RwLock, Weak};

use microlith_core::{ActorId, ClassName, VersionId};

use crate::host::HostState;
use crate::upgrade::{Rollout, Scope};

/// A compiled, linked version, ready to instantiate.
pub(crate) struct LoadedVersion {
    pub id: VersionId,
    pub pre: microlith_wit::ActorPre<HostState>,
    /// The optional `view` export, if the component has it.
    pub view: Option<microlith_wit::view::GuestIndices>,
    /// The optional `upgrade` export, if the component has it.
    pub upgrade: Option<microlith_wit::upgrade::GuestIndices>,
    /// The state schema this version reads and writes (0 without `upgrade`).
    pub schema: u32,
}

/// Which version an actor should run now.
pub(crate) enum Target {
    /// Loaded: instantiate it.
    Loaded(Arc<LoadedVersion>),
    /// Not loaded any more (a pin to an old version): load it first.
    Unloaded(VersionId),
}

/// One deployed class.
pub(crate) struct ClassEntry {
    pub rollout: Rollout,
    stable: Arc<LoadedVersion>,
    canary: Option<Arc<LoadedVersion>>,
    /// Every other version that was loaded, alive while instances use it.
    others: HashMap<VersionId, Weak<LoadedVersion>>,
    /// Actors kept on a version after their migration away from it failed.
    pinned: HashMap<String, VersionId>,
    /// Migrations of the current deploy that committed, and that failed.
    pub migrated: u64,
    pub failed: u64,
    pub last_error: Option<String>,
}

impl ClassEntry {
    fn loaded(&self, id: &VersionId) -> Option<Arc<LoadedVersion>> {
        if self.stable.id == *id {
            return Some(self.stable.clone());
        }
        if let Some(c) = self.canary.as_ref().filter(|c| c.id == *id) {
            return Some(c.clone());
        }
        self.others.get(id).and_then(Weak::upgrade)
    }

    /// Versions loaded now (stable, canary, and old ones still in use).
    pub fn loaded_versions(&self) -> Vec<VersionId> {
        let mut out = vec![self.stable.id];
        out.extend(self.canary.as_ref().map(|c| c.id));
        out.extend(self.others.iter().filter(|(_, w)| w.strong_count() > 0).map(|(id, _)| *id));
        out.sort();
        out.dedup();
        out
    }

    /// Actors pinned to the version they ran (their migration failed).
    pub fn pinned(&self) -> usize {
        self.pinned.len()
    }
}

/// Every deployed class.
#[derive(Default)]
pub(crate) struct Registry {
    // Read on every version check, written on deploys: std RwLock, never
    // held across await.
    classes: RwLock<HashMap<ClassName, ClassEntry>>,
}

impl Registry {
    /// Whether `class` is deployed.
    pub fn contains(&self, class: &ClassName) -> bool {
        self.classes.read().is_ok_and(|map| map.contains_key(class))
    }

    /// The registered name of the deployed class `name` (a shared string,
    /// so a caller naming it allocates nothing), if deployed.
    pub fn class_name(&self, name: &str) -> Option<ClassName> {
        Some(self.classes.read().ok()?.get_key_value(name)?.0.clone())
    }

    /// The stable version of `class` (what a new actor outside any canary runs).
    pub fn current(&self, class: &ClassName) -> Option<Arc<LoadedVersion>> {
        Some(self.classes.read().ok()?.get(class)?.stable.clone())
    }

    /// The version `actor` should run: its pin, else the canary if it
    /// covers the actor, else the stable version.
    pub fn target(&self, actor: &ActorId) -> Option<Target> {
        let map = self.classes.read().ok()?;
        let entry = map.get(&actor.class)?;
        if let Some(id) = entry.pinned.get(actor.key.as_str()) {
            return Some(entry.loaded(id).map_or(Target::Unloaded(*id), Target::Loaded));
        }
        if let (Some(canary), Some(c)) = (&entry.canary, &entry.rollout.canary)
            && c.scope.covers(actor.key.as_str())
        {
            return Some(Target::Loaded(canary.clone()));
        }
        Some(Target::Loaded(entry.stable.clone()))
    }

    /// A loaded version of `class`, if it is loaded.
    pub fn loaded(&self, class: &ClassName, id: &VersionId) -> Option<Arc<LoadedVersion>> {
        self.classes.read().ok()?.get(class)?.loaded(id)
    }

    /// Remembers a version loaded on demand (weakly); if another copy of
    /// it got loaded meanwhile, returns that one so all share one copy.
    pub fn remember(&self, class: &ClassName, version: Arc<LoadedVersion>) -> Arc<LoadedVersion> {
        let Ok(mut map) = self.classes.write() else { return version };
        let Some(entry) = map.get_mut(class) else { return version };
        if let Some(live) = entry.loaded(&version.id) {
            return live;
        }
        entry.others.retain(|_, w| w.strong_count() > 0);
        entry.others.insert(version.id, Arc::downgrade(&version));
        version
    }

    /// Installs a class's rollout: `stable` and the canary's version (which
    /// must match `rollout`). Versions replaced stay loaded while in use.
    /// Pins and counters are reset when `reset_counts` is set (a new deploy
    /// or a rollback).
    pub fn install(
        &self,
        class: ClassName,
        rollout: Rollout,
        stable: Arc<LoadedVersion>,
        canary: Option<Arc<LoadedVersion>>,
        reset_counts: bool,
    ) {
        let Ok(mut map) = self.classes.write() else { return };
        match map.get_mut(&class) {
            Some(entry) => {
                for old in [Some(entry.stable.clone()), entry.canary.clone()].into_iter().flatten() {
                    entry.others.insert(old.id, Arc::downgrade(&old));
                }
                entry.others.retain(|_, w| w.strong_count() > 0);
                entry.rollout = rollout;
                entry.stable = stable;
                entry.canary = canary;
                if reset_counts {
                    entry.pinned.clear();
                    entry.migrated = 0;
                    entry.failed = 0;
                    entry.last_error = None;
                }
            }
            None => {
                map.insert(
                    class,
                    ClassEntry {
                        rollout,
                        stable,
                        canary,
                        others: HashMap::new(),
                        pinned: HashMap::new(),
                        migrated: 0,
                        failed: 0,
                        last_error: None,
                    },
                );
            }
        }
    }

    /// Counts a committed migration of `actor` to `version`.
    pub fn migrated(&self, actor: &ActorId) {
        if let Ok(mut map) = self.classes.write()
            && let Some(entry) = map.get_mut(&actor.class)
        {
            entry.migrated += 1;
        }
    }

    /// Counts a failed migration to `target` and pins `actor` to
    /// `fallback` — unless the registry no longer names `target` for the
    /// actor (a newer deploy or a rollback came in meanwhile: its migration
    /// will be tried instead). Returns the rollout as it stands and the
    /// number of failures of the current deploy, so the caller can decide on
    /// an automatic rollback.
    pub fn migration_failed(
        &self,
        actor: &ActorId,
        target: VersionId,
        fallback: VersionId,
        error: &str,
    ) -> Option<(Rollout, u64)> {
        let mut map = self.classes.write().ok()?;
        let entry = map.get_mut(&actor.class)?;
        let key = actor.key.as_str();
        let canary_target =
            entry.canary.as_ref().filter(|_| entry.rollout.canary.as_ref().is_some_and(|c| c.scope.covers(key)));
        let current = canary_target.map_or(entry.stable.id, |c| c.id);
        if current != target {
            return None;
        }
        entry.pinned.insert(actor.key.as_str().to_string(), fallback);
        entry.failed += 1;
        entry.last_error = Some(format!("{}: {error}", actor.key.as_str()));
        Some((entry.rollout.clone(), entry.failed))
    }

    /// Reads one class's entry.
    pub fn with<R>(&self, class: &ClassName, f: impl FnOnce(&ClassEntry) -> R) -> Option<R> {
        Some(f(self.classes.read().ok()?.get(class)?))
    }

    pub fn len(&self) -> usize {
        self.classes.read().map_or(0, |m| m.len())
    }
}

impl Scope {
    /// Whether this scope covers the actor with key `key`.
    pub fn covers(&self, key: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Percent(p) => bucket(key) < u64::from(*p),
            Scope::Keys(keys) => keys.contains(key),
        }
    }
}

/// The key's stable bucket in 0..100 (64-bit FNV-1a: fixed across builds,
/// platforms and restarts, unlike `std`'s hasher, so a canary keeps the
/// same actors).
pub(crate) fn bucket(key: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h % 100
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_scopes_are_stable_and_roughly_proportional() {
        let keys: Vec<String> = (0..10_000).map(|i| format!("k{i}")).collect();
        let ten = keys.iter().filter(|k| Scope::Percent(10).covers(k)).count();
        assert!((800..1200).contains(&ten), "{ten} of 10000 in a 10% canary");
        // Nested: a key in the 10% canary is in the 50% one too.
        assert!(keys.iter().filter(|k| Scope::Percent(10).covers(k)).all(|k| Scope::Percent(50).covers(k)));
        assert_eq!(keys.iter().filter(|k| Scope::Percent(0).covers(k)).count(), 0);
        assert_eq!(keys.iter().filter(|k| Scope::Percent(100).covers(k)).count(), keys.len());
        assert_eq!(bucket("k1"), bucket("k1"));
        let listed = Scope::Keys(["a".to_string()].into());
        assert!(listed.covers("a") && !listed.covers("b"));
    }
}
