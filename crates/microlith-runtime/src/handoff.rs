//! Direct hand-off: a call to an active actor runs on the caller's task.
//!
//! A call normally goes into the target's mailbox; the target's task wakes,
//! runs the turn and wakes the caller with the reply. Each of those wake-ups
//! may cross to another worker thread, and at one call per hop they cost
//! more than the turn itself. When the target is active and nothing waits
//! in its mailbox, the caller instead borrows the activation
//! ([`crate::directory::Directory::lend`]) and runs the turn itself: at
//! once when no turn is running, so a chain of calls through idle actors
//! runs on one task with no wake-up at all. The turn is the same one the
//! actor's task would run — it takes the same turn lock, commits the same
//! way and hands back the same gated reply — so the actor still runs one
//! turn at a time, in order.
//!
//! A client's call (one that starts a chain: no actor waits on it) to a
//! busy actor waits for the turn lock instead of the mailbox and then runs
//! its turn itself: one wake-up (the lock's) instead of two (the target
//! task's and the reply's), and the woken caller usually runs on the thread
//! that released the lock. A caller that waited and finds the activation
//! gone (it ended meanwhile) queues its message instead, which activates
//! the actor again. An actor's call to a busy actor still queues. Were
//! actors' calls to wait too, a shared callee (the shop's `inventory/main`)
//! would convoy: a released turn lock goes to the next waiter, and sits
//! idle until that waiter's task is polled, often only once the releasing
//! task has finished the rest of its own actors' turns. Measured, that
//! cost 30 % of the throughput the callee's own task keeps by running its
//! mailbox back to back (docs/benchmarks.md, 2026-12-07). A client's task
//! has little to do after its turn (pass the reply on), so a lock it
//! releases idles only briefly.
//!
//! A hand-off turn is never cut short by its caller: when the caller stops
//! waiting (a call timeout, or the caller's own future dropped), the turn
//! finishes on a task of its own ([`Handoff`]'s `Drop`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use microlith_core::ActorId;
use tokio::sync::oneshot;

use crate::Inner;
use crate::actor::{self, Body, Gated, Origin};
use crate::directory::{Claim, Lent, Waiting};
use crate::error::CallError;

type Turn = Pin<Box<dyn Future<Output = Gated> + Send>>;

/// A turn running on the caller's task; finishes on its own task if
/// dropped before it is done.
pub(crate) struct Handoff {
    rt: Arc<Inner>,
    turn: Option<Turn>,
}

impl Future for Handoff {
    type Output = Gated;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Gated> {
        let Some(turn) = self.turn.as_mut() else {
            return Poll::Ready(Gated::failed(CallError::Internal("a hand-off was polled after it finished".into())));
        };
        let gated = std::task::ready!(turn.as_mut().poll(cx));
        self.turn = None;
        Poll::Ready(gated)
    }
}

impl Drop for Handoff {
    fn drop(&mut self) {
        if let Some(turn) = self.turn.take()
            && tokio::runtime::Handle::try_current().is_ok()
        {
            crate::task::spawn_tracked(&self.rt.tasks, async move {
                drop(turn.await);
            });
        }
    }
}

/// Where a call's gated reply comes from.
pub(crate) enum Pending {
    /// The target's task runs it.
    Queued(oneshot::Receiver<Gated>),
    /// The caller runs it.
    Handoff(Handoff),
}

impl Future for Pending {
    /// `Err`: the target dropped the message unanswered.
    type Output = Result<Gated, ()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Pending::Queued(rx) => Pin::new(rx).poll(cx).map_err(drop),
            Pending::Handoff(h) => Pin::new(h).poll(cx).map(Ok),
        }
    }
}

/// Starts a call: runs it on the caller's task when the target is active
/// and nothing waits in its mailbox, else queues it (activating the target
/// if needed). A call that reenters an actor waiting in its own chain
/// always goes to that actor's reentry channel.
pub(crate) fn start(rt: &Arc<Inner>, target: &ActorId, body: Body, origin: Origin) -> Result<Pending, CallError> {
    let reenters = origin.chain.as_ref().is_some_and(|c| c.reenters(target));
    if matches!(body, Body::Call { .. })
        && !reenters
        && rt.config.handoff
        && rt.registry.contains(&target.class)
        && let Some(lent) = rt.directory.lend(target, origin.chain.is_none())
    {
        let turn: Turn = match lent {
            Lent::Now(claim) => Box::pin(actor::run_claimed(claim, body, origin)),
            Lent::After(waiting) => Box::pin(run_after(rt.clone(), waiting, target.clone(), body, origin)),
        };
        return Ok(Pending::Handoff(Handoff { rt: rt.clone(), turn: Some(turn) }));
    }
    crate::enqueue(rt, target, body, origin).map(Pending::Queued)
}

/// Waits for the turn lock, then runs the turn as a claim; queues the
/// message instead if the activation ended meanwhile.
async fn run_after(rt: Arc<Inner>, waiting: Waiting, target: ActorId, body: Body, origin: Origin) -> Gated {
    let activation = waiting.shared.slot.clone().lock_owned().await;
    let shared = waiting.shared.clone();
    drop(waiting);
    if activation.is_some() {
        return actor::run_claimed(Claim { activation, shared }, body, origin).await;
    }
    drop(activation);
    match crate::enqueue(&rt, &target, body, origin) {
        Ok(rx) => rx
            .await
            .unwrap_or_else(|_| Gated::failed(CallError::Internal("the actor dropped the call unanswered".into()))),
        Err(e) => Gated::failed(e),
    }
}
