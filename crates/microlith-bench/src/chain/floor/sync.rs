//! (ws): the floor with every import and export bound synchronously.
//!
//! The same engine and host as [`super::Floor`], but bindgen's sync
//! bindings: a `handle` call runs on the caller's native stack (no fiber),
//! an import is a plain function call, and `actors.call` calls straight
//! into the callee's store. An actor's turn lock is a `std::sync::Mutex`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use microlith_wit::types::{ActorRef, AlarmError, CallError, StateError};
use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Engine, Store};

use super::{Memory, ShopData, Slots, call_result};

#[allow(missing_docs)]
mod bindings {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "actor",
        imports: { default: trappable },
        with: { "microlith:actor/types": microlith_wit::types },
    });
}

use bindings::microlith::actor::{actors, alarms, context, log, state};

struct Instance {
    store: Store<SyncHost>,
    actor: bindings::Actor,
}

/// The shop's classes on bare wasmtime, called synchronously.
pub struct SyncFloor {
    engine: Engine,
    classes: HashMap<String, bindings::ActorPre<SyncHost>>,
    actors: Slots<Mutex<Option<Instance>>>,
    me: Weak<SyncFloor>,
}

/// What one actor's store holds.
pub struct SyncHost {
    floor: Weak<SyncFloor>,
    mem: Memory,
}

impl SyncFloor {
    /// Compiles `components` (class, bytes) on an engine built like the
    /// runtime's.
    pub fn new(config: &microlith_runtime::RuntimeConfig, components: &[(&str, Vec<u8>)]) -> anyhow::Result<Arc<Self>> {
        let (engine, _) = microlith_runtime::build_engine(config)?;
        let mut linker = Linker::<SyncHost>::new(&engine);
        bindings::Actor::add_to_linker::<SyncHost, HasSelf<SyncHost>>(&mut linker, |h| h)?;
        let classes = super::compile(&linker, components, bindings::ActorPre::new)?;
        Ok(Arc::new_cyclic(|me| Self { engine, classes, actors: Slots::new(), me: me.clone() }))
    }

    /// Runs `method` on `(class, key)` on this thread.
    pub fn call(&self, class: &str, key: &str, method: &str, payload: &[u8]) -> Result<Vec<u8>, CallError> {
        let slot = self.actors.get(class, key);
        let mut turn = slot.lock().unwrap_or_else(|p| p.into_inner());
        let inst = match &mut *turn {
            Some(inst) => inst,
            empty => empty.insert(self.instantiate(class, key)?),
        };
        inst.store.set_epoch_deadline(u64::MAX / 2);
        let outcome = inst.actor.call_handle(&mut inst.store, method, payload);
        if outcome.is_err() {
            *turn = None;
        }
        call_result(outcome)
    }

    fn instantiate(&self, class: &str, key: &str) -> Result<Instance, CallError> {
        let pre = self.classes.get(class).ok_or_else(|| CallError::UnknownClass(class.to_string()))?;
        let mut store = Store::new(&self.engine, SyncHost { floor: self.me.clone(), mem: Memory::new(class, key) });
        store.set_epoch_deadline(u64::MAX / 2);
        let actor = pre.instantiate(&mut store).map_err(|e| CallError::Trapped(format!("{e:#}")))?;
        Ok(Instance { store, actor })
    }

    /// Seeds `data` through the same calls as the runtime's seeding.
    pub async fn seed(&self, data: &ShopData) -> anyhow::Result<()> {
        super::seed(data, |class, key, method, body| std::future::ready(self.call(class, &key, method, &body))).await
    }
}

impl microlith_wit::types::Host for SyncHost {}

floor_host!(SyncHost, , call = |floor, target, method, payload| floor.call(&target.class, &target.key, &method, &payload));
