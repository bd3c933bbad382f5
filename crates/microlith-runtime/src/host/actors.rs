//! `microlith:actor/actors`: calls and one-way sends to other actors.
//!
//! A call hands the message to the target's mailbox (or, when the target is
//! waiting earlier in the same chain, to its reentry channel; or, when the
//! target is idle, runs the target's turn itself: `crate::handoff`) and
//! suspends the caller until the reply comes. The reply is handed over at once, with
//! the callee's commit ticket; the caller's own outputs later wait for it
//! (see `Gate`). While suspended, the caller serves reentrant calls of its
//! chain: each runs as a nested turn on a fresh instance of the same
//! version, sees the suspended turn's writes, and on success its effects
//! join that turn's (they commit or roll back with it).
//!
//! A send only records the message in the turn; see `crate::outbox`.

use std::future::{pending, poll_fn};
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use microlith_core::{ActorId, ActorKey, ClassName, NameError};
use microlith_wit::actors::Host;
use microlith_wit::types::{ActorRef, CallError as WitCallError};
use tokio::sync::mpsc;

use super::HostState;
use crate::actor::{Body, Envelope, Gated, Origin, classify_trap, handle_error};
use crate::error::CallError;
use crate::handoff::Pending;
use crate::outbox::OutMsg;

fn actor_ref(a: &ActorId) -> ActorRef {
    ActorRef { class: a.class.to_string(), key: a.key.to_string() }
}

/// How a runtime error looks to the calling guest.
fn to_wit(e: CallError) -> WitCallError {
    match e {
        CallError::UnknownClass(c) => WitCallError::UnknownClass(c),
        CallError::UnknownMethod(m) => WitCallError::UnknownMethod(m),
        CallError::BadRequest(m) => WitCallError::BadRequest(m),
        CallError::Guest(m) => WitCallError::Failed(m),
        e @ (CallError::Trap(_) | CallError::DeadlineExceeded(_) | CallError::MemoryLimit(_)) => {
            WitCallError::Trapped(e.to_string())
        }
        e @ (CallError::Overloaded(_) | CallError::ShuttingDown) => WitCallError::Unavailable(e.to_string()),
        e @ (CallError::TooLarge { .. } | CallError::InvalidName(_)) => WitCallError::Invalid(e.to_string()),
        e => WitCallError::Failed(e.to_string()),
    }
}

async fn next_reentry(rx: &mut Option<mpsc::UnboundedReceiver<Envelope>>) -> Envelope {
    match rx {
        Some(rx) => match rx.recv().await {
            Some(env) => env,
            None => pending().await,
        },
        None => pending().await,
    }
}

impl HostState {
    /// The actor `target` names, if its class is deployed. The class name
    /// is the registry's own (shared, not copied).
    fn target(&self, target: ActorRef) -> Result<ActorId, WitCallError> {
        let invalid = |e: NameError| WitCallError::Invalid(e.to_string());
        let Some(class) = self.rt.registry.class_name(&target.class) else {
            let class = ClassName::new(target.class).map_err(invalid)?;
            ActorKey::new(target.key).map_err(invalid)?;
            return Err(WitCallError::UnknownClass(class.to_string()));
        };
        Ok(ActorId::new(class, ActorKey::new(target.key).map_err(invalid)?))
    }

    fn check_payload(&self, payload: &[u8]) -> Result<(), WitCallError> {
        let max = self.limits.max_payload_len;
        if payload.len() > max {
            return Err(to_wit(CallError::TooLarge { what: "payload", len: payload.len(), max }));
        }
        Ok(())
    }

    /// Waits for `rx`, serving reentrant calls meanwhile. `Ok(None)` is a
    /// timeout; `Err` means the callee dropped the message unanswered.
    async fn wait_reply(&mut self, mut rx: Pending, timeout: Duration) -> Result<Option<Gated>, ()> {
        // A hand-off to a turn that does not wait for anything is done at
        // its first poll: no timer to arm and disarm for it.
        let first = poll_fn(|cx| Poll::Ready(Pin::new(&mut rx).poll(cx))).await;
        if let Poll::Ready(reply) = first {
            return reply.map(Some);
        }
        let sleep = tokio::time::sleep(timeout);
        tokio::pin!(sleep);
        let mut reentry = self.reentry.take();
        let outcome = loop {
            tokio::select! {
                reply = &mut rx => break reply.map(Some),
                env = next_reentry(&mut reentry) => {
                    self.reentry = reentry.take();
                    Box::pin(self.run_nested(env)).await;
                    reentry = self.reentry.take();
                }
                () = &mut sleep => break Ok(None),
            }
        };
        self.reentry = reentry;
        outcome
    }

    /// Runs a reentrant call as a turn nested in the current one.
    async fn run_nested(&mut self, env: Envelope) {
        let result = match env.body {
            Body::Call { method, payload, .. } => match env.origin.chain.clone() {
                Some(chain) if chain.id == self.turn.chain.id => {
                    self.nested_turn(&env.origin, chain, &method, &payload).await
                }
                _ => Err(CallError::Overloaded("a reentrant call arrived after its chain moved on".into())),
            },
            Body::Alarm { .. } | Body::View { .. } | Body::Refresh | Body::Sweep { .. } => {
                Err(CallError::Internal("only calls can be reentrant".into()))
            }
        };
        let _ = env.reply.send(Gated { result, gate: Default::default() });
    }

    async fn nested_turn(
        &mut self,
        origin: &Origin,
        chain: std::sync::Arc<crate::calls::Chain>,
        method: &str,
        payload: &[u8],
    ) -> Result<Vec<u8>, CallError> {
        let rt = self.rt.clone();
        let turn_id = rt.next_turn.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut store = crate::actor::new_store(&rt, self.actor.clone(), self.loaded.clone());
        {
            let d = store.data_mut();
            d.cache = std::mem::take(&mut self.cache);
            d.alarms = self.alarms.take();
            d.reentry = self.reentry.take();
            d.turn = self.turn.nested(turn_id, origin, chain);
        }
        let outcome = match self.loaded.pre.instantiate_async(&mut store).await {
            Ok(bindings) => bindings.call_handle(&mut store, method, payload).await,
            Err(e) => Err(e),
        };
        let d = store.data_mut();
        self.cache = std::mem::take(&mut d.cache);
        self.alarms = d.alarms.take();
        self.reentry = d.reentry.take();
        let memory_hit = d.memory.hit;
        match outcome {
            Ok(Ok(reply)) => {
                self.turn.absorb(std::mem::take(&mut d.turn));
                Ok(reply)
            }
            Ok(Err(e)) => Err(handle_error(e, method)),
            Err(trap) => Err(classify_trap(&trap, memory_hit, rt.config.memory_limit)),
        }
    }
}

impl Host for HostState {
    async fn call(
        &mut self,
        target: ActorRef,
        method: String,
        payload: Vec<u8>,
        timeout_ms: Option<u32>,
    ) -> wasmtime::Result<Result<Vec<u8>, WitCallError>> {
        self.turn.check_messaging("actors.call")?;
        let target = match self.target(target).and_then(|t| self.check_payload(&payload).map(|()| t)) {
            Ok(t) => t,
            Err(e) => return Ok(Err(e)),
        };
        let rt = self.rt.clone();
        if self.turn.chain.depth() >= rt.config.max_call_depth {
            return Ok(Err(WitCallError::Invalid(format!(
                "call chain deeper than {} actors",
                rt.config.max_call_depth
            ))));
        }
        let chain = self.turn.chain.extended(&self.actor);
        let reentrant = chain.reenters(&target);
        let guard = match rt.waits.wait(&self.actor, &target, reentrant) {
            Ok(g) => g,
            Err(cycle) => {
                tracing::warn!(actor = %self.actor, %target, "call refused: it would deadlock");
                return Ok(Err(WitCallError::Cycle(cycle.iter().map(actor_ref).collect())));
            }
        };
        let origin = Origin {
            principal: self.turn.principal.clone(),
            actor: Some(self.actor.clone()),
            chain: Some(chain),
            delivery: None,
        };
        let rx = match crate::handoff::start(&rt, &target, Body::Call { method, payload, idempotency: None }, origin) {
            Ok(rx) => rx,
            Err(e) => return Ok(Err(to_wit(e))),
        };
        let timeout = timeout_ms.map_or(rt.config.call_timeout, |ms| Duration::from_millis(u64::from(ms)));
        let waited = Instant::now();
        let reply = self.wait_reply(rx, timeout).await;
        drop(guard);
        // Time spent waiting does not count against this turn's deadline.
        if let Some(started) = self.turn.started.as_mut() {
            *started += waited.elapsed();
        }
        let Gated { result, gate } = match reply {
            Ok(Some(gated)) => gated,
            Ok(None) => return Ok(Err(WitCallError::Timeout(u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX)))),
            Err(()) => {
                return Ok(Err(WitCallError::Unavailable(format!("{target} dropped the call without answering"))));
            }
        };
        self.turn.deps.extend(gate);
        Ok(result.map_err(to_wit))
    }

    async fn send(
        &mut self,
        target: ActorRef,
        method: String,
        payload: Vec<u8>,
    ) -> wasmtime::Result<Result<(), WitCallError>> {
        self.turn.check_messaging("actors.send")?;
        let target = match self.target(target).and_then(|t| self.check_payload(&payload).map(|()| t)) {
            Ok(t) => t,
            Err(e) => return Ok(Err(e)),
        };
        let max = self.rt.config.max_sends_per_turn;
        if self.turn.sends.len() >= max {
            return Ok(Err(WitCallError::Invalid(format!("more than {max} messages sent in one turn"))));
        }
        let size = (method.len() + payload.len() + 64) as u64;
        if self.turn.write_bytes + size > self.limits.max_turn_write_bytes {
            return Ok(Err(WitCallError::Invalid(format!(
                "the turn's writes and messages exceed {} bytes",
                self.limits.max_turn_write_bytes
            ))));
        }
        self.turn.write_bytes += size;
        let msg = OutMsg {
            id: self.rt.msg_ids.next(),
            from: self.actor.clone(),
            to: target,
            method,
            payload,
            principal: self.turn.principal.clone(),
        };
        self.turn.sends.push(msg);
        Ok(Ok(()))
    }
}
