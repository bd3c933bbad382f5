//! The chain's floor, (w) and (wb): the shop's components on bare wasmtime.
//!
//! What the in-process chain would cost if the runtime did nothing but
//! wasmtime's part: the same components, on an engine built exactly like
//! the runtime's ([`microlith_runtime::build_engine`]), called the same way
//! (bindgen's async `handle`, one store and instance per actor), with a
//! host that only does the least each import needs. `state.get` clones a
//! value out of the actor's `HashMap`; `actors.call` locks the callee's
//! instance and calls its `handle` directly, on the caller's task. There
//! is no storage, no transaction, no commit, no turn bookkeeping, no call
//! graph, no deadline and no view: nothing survives a crash, and a
//! reentrant call would deadlock. It is a measuring stick, not a runtime:
//! (ab) minus (wb) is what Microlith adds to wasmtime and the guests.
//!
//! (ws) is the binary floor with every import and export bound
//! synchronously (`sync`): no fiber, no future, a nested call is a plain
//! native call into the callee's store. The runtime cannot work this way
//! (a turn waits on storage, on a busy callee and on epoch yields), but it
//! measures what wasmtime's async calls themselves cost.

/// Both floors' hosts: the same imports over two bindings of the WIT, one
/// async (`$asyncness` is `async`) and one sync (empty). `$host` has a
/// `mem` ([`Memory`]) and a `floor` (`Weak` of a floor whose `call`
/// `$call` invokes); the bindings' interface modules are in scope.
macro_rules! floor_host {
    ($host:ty, $($asyncness:ident)?, call = |$floor:ident, $target:ident, $method:ident, $payload:ident| $call:expr) => {
        impl state::Host for $host {
            $($asyncness)? fn get(&mut self, key: String) -> wasmtime::Result<Option<Vec<u8>>> {
                Ok(self.mem.state.get(&key).cloned())
            }

            fn set(&mut self, key: String, value: Vec<u8>) -> wasmtime::Result<Result<(), StateError>> {
                self.mem.state.insert(key, value);
                Ok(Ok(()))
            }

            fn delete(&mut self, key: String) -> wasmtime::Result<()> {
                self.mem.state.remove(&key);
                Ok(())
            }

            $($asyncness)? fn scan(
                &mut self,
                prefix: String,
                start_after: Option<String>,
                limit: u32,
            ) -> wasmtime::Result<Vec<state::Entry>> {
                let entries = self.mem.scan(&prefix, start_after.as_deref(), limit);
                Ok(entries.map(|(key, value)| state::Entry { key, value }).collect())
            }
        }

        impl context::Host for $host {
            fn self_ref(&mut self) -> wasmtime::Result<ActorRef> {
                Ok(self.mem.me.clone())
            }

            fn caller(&mut self) -> wasmtime::Result<Option<String>> {
                Ok(None)
            }

            fn turn_time(&mut self) -> wasmtime::Result<u64> {
                Ok(crate::chain::floor::now_ms())
            }

            fn caller_actor(&mut self) -> wasmtime::Result<Option<ActorRef>> {
                Ok(None)
            }
        }

        impl actors::Host for $host {
            $($asyncness)? fn call(
                &mut self,
                $target: ActorRef,
                $method: String,
                $payload: Vec<u8>,
                _timeout_ms: Option<u32>,
            ) -> wasmtime::Result<Result<Vec<u8>, CallError>> {
                let Some($floor) = self.floor.upgrade() else {
                    return Ok(Err(CallError::Unavailable("the floor is gone".into())));
                };
                Ok($call)
            }

            $($asyncness)? fn send(
                &mut self,
                _target: ActorRef,
                _method: String,
                _payload: Vec<u8>,
            ) -> wasmtime::Result<Result<(), CallError>> {
                Ok(Err(CallError::Unavailable("the floor does not send".into())))
            }
        }

        impl alarms::Host for $host {
            $($asyncness)? fn set_alarm(&mut self, _name: String, _at_ms: u64) -> wasmtime::Result<Result<(), AlarmError>> {
                Ok(Ok(()))
            }

            $($asyncness)? fn cancel_alarm(&mut self, _name: String) -> wasmtime::Result<()> {
                Ok(())
            }

            $($asyncness)? fn get_alarm(&mut self, _name: String) -> wasmtime::Result<Option<u64>> {
                Ok(None)
            }
        }

        impl log::Host for $host {
            fn write(&mut self, _level: log::Level, _message: String) -> wasmtime::Result<()> {
                Ok(())
            }
        }
    };
}

mod sync;

pub use sync::SyncFloor;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{SystemTime, UNIX_EPOCH};

use microlith_wit::types::{ActorRef, AlarmError, CallError, HandleError, StateError};
use microlith_wit::{ActorPre, actors, alarms, context, log, state, types};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Engine, Store};

use super::ShopData;
use shop_model::Item;

/// One actor's instance: its own store, as in the runtime.
struct Instance {
    store: Store<Host>,
    actor: microlith_wit::Actor,
}

/// The shop's classes on bare wasmtime. An actor's slot holds its
/// instance once activated; the slot's lock is the actor's turn lock.
pub struct Floor {
    engine: Engine,
    classes: HashMap<String, ActorPre<Host>>,
    actors: Slots<tokio::sync::Mutex<Option<Instance>>>,
    me: Weak<Floor>,
}

/// What one actor's store holds: its state, in memory only.
pub struct Host {
    floor: Weak<Floor>,
    mem: Memory,
}

/// An actor's name and state: what both floors' imports read and write.
struct Memory {
    me: ActorRef,
    state: HashMap<String, Vec<u8>>,
}

impl Memory {
    fn new(class: &str, key: &str) -> Self {
        Self { me: ActorRef { class: class.to_string(), key: key.to_string() }, state: HashMap::new() }
    }

    /// (key, value) pairs under `prefix` after `start_after`, in key order.
    fn scan(&self, prefix: &str, start_after: Option<&str>, limit: u32) -> impl Iterator<Item = (String, Vec<u8>)> {
        let mut keys: Vec<&String> =
            self.state.keys().filter(|k| k.starts_with(prefix) && start_after.is_none_or(|s| k.as_str() > s)).collect();
        keys.sort();
        keys.truncate(limit as usize);
        keys.into_iter().map(|k| (k.clone(), self.state[k].clone()))
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// class → key → an actor's slot.
struct Slots<S>(Mutex<HashMap<String, HashMap<String, Arc<S>>>>);

impl<S: Default> Slots<S> {
    fn new() -> Self {
        Self(Mutex::new(HashMap::new()))
    }

    fn get(&self, class: &str, key: &str) -> Arc<S> {
        let mut actors = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let keys = actors.entry(class.to_string()).or_default();
        match keys.get(key) {
            Some(slot) => slot.clone(),
            None => keys.entry(key.to_string()).or_default().clone(),
        }
    }
}

/// Compiles `components` (class, bytes) for `linker`; `pre` wraps each
/// instance-pre in its bindings.
fn compile<T, P>(
    linker: &Linker<T>,
    components: &[(&str, Vec<u8>)],
    pre: impl Fn(wasmtime::component::InstancePre<T>) -> wasmtime::Result<P>,
) -> anyhow::Result<HashMap<String, P>> {
    let mut classes = HashMap::new();
    for (class, wasm) in components {
        let component = Component::new(linker.engine(), wasm)?;
        classes.insert(class.to_string(), pre(linker.instantiate_pre(&component)?)?);
    }
    Ok(classes)
}

/// A `handle` result as a caller sees it.
fn call_result(outcome: wasmtime::Result<Result<Vec<u8>, HandleError>>) -> Result<Vec<u8>, CallError> {
    match outcome {
        Ok(Ok(reply)) => Ok(reply),
        Ok(Err(HandleError::UnknownMethod(m))) => Err(CallError::UnknownMethod(m)),
        Ok(Err(HandleError::BadRequest(m))) => Err(CallError::BadRequest(m)),
        Ok(Err(HandleError::Failed(m))) => Err(CallError::Failed(m)),
        Err(trap) => Err(CallError::Trapped(format!("{trap:#}"))),
    }
}

/// Seeds `data` through `call` (class, key, method, payload), with the
/// same calls as the runtime's seeding.
async fn seed<F, Fut>(data: &ShopData, call: F) -> anyhow::Result<()>
where
    F: Fn(&'static str, String, &'static str, Vec<u8>) -> Fut,
    Fut: Future<Output = Result<Vec<u8>, CallError>>,
{
    let fail = |e: CallError| anyhow::anyhow!("seeding the floor: {e:?}");
    for (sku, cents) in &data.prices {
        let body = serde_json::to_vec(&serde_json::json!({ "sku": sku, "cents": cents }))?;
        call("pricing", "eu".into(), "set-price", body).await.map_err(fail)?;
    }
    for (sku, qty) in &data.stock {
        let body = serde_json::to_vec(&Item { sku: sku.clone(), qty: *qty })?;
        call("inventory", "main".into(), "restock", body).await.map_err(fail)?;
    }
    for (user, adds) in &data.carts {
        for add in adds {
            call("cart", user.clone(), "add", serde_json::to_vec(add)?).await.map_err(fail)?;
        }
    }
    Ok(())
}

impl Floor {
    /// Compiles `components` (class, bytes) on an engine built like the
    /// runtime's (`config`'s pool, memory layout and epoch checks).
    pub fn new(config: &microlith_runtime::RuntimeConfig, components: &[(&str, Vec<u8>)]) -> anyhow::Result<Arc<Self>> {
        let (engine, _) = microlith_runtime::build_engine(config)?;
        let mut linker = Linker::<Host>::new(&engine);
        microlith_wit::Actor::add_to_linker::<Host, HasSelf<Host>>(&mut linker, |h| h)?;
        let classes = compile(&linker, components, ActorPre::new)?;
        Ok(Arc::new_cyclic(|me| Self { engine, classes, actors: Slots::new(), me: me.clone() }))
    }

    /// Runs `method` on `(class, key)`: one `handle` call, one at a time
    /// per actor, instantiating the actor on first use.
    pub async fn call(&self, class: &str, key: &str, method: &str, payload: &[u8]) -> Result<Vec<u8>, CallError> {
        let slot = self.actors.get(class, key);
        let mut turn = slot.lock().await;
        let inst = match &mut *turn {
            Some(inst) => inst,
            empty => empty.insert(self.instantiate(class, key).await?),
        };
        // No epoch deadline in the floor: the ticker never runs for this engine.
        inst.store.set_epoch_deadline(u64::MAX / 2);
        let outcome = inst.actor.call_handle(&mut inst.store, method, payload).await;
        if outcome.is_err() {
            *turn = None; // a trapped instance cannot be entered again
        }
        call_result(outcome)
    }

    async fn instantiate(&self, class: &str, key: &str) -> Result<Instance, CallError> {
        let pre = self.classes.get(class).ok_or_else(|| CallError::UnknownClass(class.to_string()))?;
        let host = Host { floor: self.me.clone(), mem: Memory::new(class, key) };
        let mut store = Store::new(&self.engine, host);
        store.set_epoch_deadline(u64::MAX / 2);
        let actor = pre.instantiate_async(&mut store).await.map_err(|e| CallError::Trapped(format!("{e:#}")))?;
        Ok(Instance { store, actor })
    }

    /// Seeds `data` through the same calls as the runtime's seeding.
    pub async fn seed(&self, data: &ShopData) -> anyhow::Result<()> {
        seed(data, |class, key, method, body| async move { self.call(class, &key, method, &body).await }).await
    }
}

impl types::Host for Host {}

// The call recurses into another store's `handle`: boxed.
floor_host!(
    Host,
    async,
    call = |floor, target, method, payload| Box::pin(floor.call(&target.class, &target.key, &method, &payload)).await
);
