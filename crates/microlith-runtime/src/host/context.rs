//! `microlith:actor/context`: facts about the current turn.

use microlith_wit::context::Host;
use microlith_wit::types::ActorRef;

use super::HostState;

impl Host for HostState {
    fn self_ref(&mut self) -> wasmtime::Result<ActorRef> {
        Ok(ActorRef { class: self.actor.class.to_string(), key: self.actor.key.to_string() })
    }

    fn caller(&mut self) -> wasmtime::Result<Option<String>> {
        Ok(self.turn.principal.clone())
    }

    fn caller_actor(&mut self) -> wasmtime::Result<Option<ActorRef>> {
        Ok(self.turn.caller_actor.as_ref().map(|a| ActorRef { class: a.class.to_string(), key: a.key.to_string() }))
    }

    fn turn_time(&mut self) -> wasmtime::Result<u64> {
        Ok(self.turn.time_ms)
    }
}
