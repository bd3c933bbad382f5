//! The directory of active actors: at most one activation per actor id.
//!
//! Invariant: every send into an actor's mailbox and every removal of an
//! actor from the directory happen under the directory lock. An activation
//! removes itself only when its mailbox is empty (checked under the lock), so
//! no message is ever left in a mailbox nobody reads, and a new activation
//! for the same id can only start after the old one is gone.
//!
//! A message in a call chain addressed to an actor that is waiting in that
//! same chain goes to the actor's reentry channel instead of its mailbox:
//! the waiting turn serves it (see `host::actors`).
//!
//! An actor's turn may also run on the caller's task instead of its own (a
//! *hand-off*, see `crate::handoff`): [`Directory::lend`] lends the caller
//! the activation itself when no message waits in the mailbox — at once if
//! no turn is running, else (for a client's call, see `crate::handoff`)
//! once the running turn and the callers that already wait are done: the
//! caller then waits in the turn lock's queue (FIFO) instead of the
//! mailbox, and runs its turn itself, which spares one of the two task
//! wake-ups a queued call costs. The count of queued messages
//! is kept beside the mailbox, under the same lock, and drops only once the
//! activation holds the message's turn lock, so a lent turn can never
//! overtake a message that was queued before it. The callers waiting for
//! the turn lock are counted too: they count against the mailbox's
//! capacity, and an actor does not passivate while any wait.
//!
//! The directory is an LRU list. When it holds more than `max_active` actors,
//! the least recently used ones are asked to passivate; one that is busy
//! finishes its queue first, so the cap is soft.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use lru::LruCache;
use microlith_core::ActorId;
use tokio::sync::{Notify, OwnedMutexGuard, mpsc};

use crate::actor::{Activation, Envelope};
use crate::error::CallError;

/// Signals shared between the directory and one activation.
#[derive(Default)]
pub(crate) struct ActorShared {
    /// Set when the directory wants the actor to passivate; cleared when a
    /// new message arrives for it.
    pub stop: AtomicBool,
    pub wake: Notify,
    /// The activation, locked by whoever runs its turn: its own task, or
    /// a caller that claimed it (`None` before the task starts and after
    /// it ended).
    pub slot: Arc<tokio::sync::Mutex<Option<Activation>>>,
    /// Messages put in the mailbox whose turns have not taken `slot` yet.
    pub queued: AtomicUsize,
    /// Callers waiting for `slot` to run their turn themselves
    /// ([`Lent::After`]).
    pub waiting: AtomicUsize,
    /// Turns run by callers; the activation's idle timer restarts when it
    /// moved.
    pub handoffs: AtomicU64,
    /// Set after a caller's turn left views to render; the activation's
    /// task renders them when woken.
    pub render: AtomicBool,
    /// Set when the activation's task has ended (or was dropped with the
    /// runtime): whoever holds `slot` then drops the activation, which
    /// holds the runtime — kept, it would keep the runtime alive.
    pub ended: AtomicBool,
}

impl ActorShared {
    /// Marks the activation's task ended and drops the activation unless
    /// a claim holds it (that claim drops it when it ends).
    pub fn end(&self) {
        self.ended.store(true, Ordering::SeqCst);
        if let Ok(mut slot) = self.slot.try_lock() {
            *slot = None;
        }
    }
}

/// An activation lent to a caller for one turn (see [`Directory::lend`]).
pub(crate) struct Claim {
    pub activation: OwnedMutexGuard<Option<Activation>>,
    pub shared: Arc<ActorShared>,
}

impl Drop for Claim {
    fn drop(&mut self) {
        if self.shared.ended.load(Ordering::SeqCst) {
            *self.activation = None;
        }
    }
}

/// A caller's place among those waiting for an activation's turn lock;
/// counted in [`ActorShared::waiting`] until dropped.
pub(crate) struct Waiting {
    pub shared: Arc<ActorShared>,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.shared.waiting.fetch_sub(1, Ordering::AcqRel);
    }
}

/// What [`Directory::lend`] gives a caller.
pub(crate) enum Lent {
    /// The activation, for one turn, now.
    Now(Claim),
    /// The activation is running a turn: wait for its turn lock.
    After(Waiting),
}

struct Handle {
    tx: mpsc::Sender<Envelope>,
    /// Unbounded: only actors waiting in the sender's own chain get these,
    /// and each waiting caller sends one at a time.
    reentry: mpsc::UnboundedSender<Envelope>,
    shared: Arc<ActorShared>,
}

struct Inner {
    actors: LruCache<ActorId, Handle>,
    closed: bool,
}

/// Active actors.
pub(crate) struct Directory {
    // Held only for non-blocking map operations and `try_send`; never across
    // an await: std Mutex.
    inner: Mutex<Inner>,
    max_active: usize,
    mailbox_capacity: usize,
}

/// What the caller must do after a dispatch.
pub(crate) enum Dispatched {
    /// The message is in an existing actor's mailbox.
    Queued,
    /// A new activation must be started with these receivers (mailbox and
    /// reentry channel).
    Spawn(Arc<ActorShared>, mpsc::Receiver<Envelope>, mpsc::UnboundedReceiver<Envelope>),
}

impl Directory {
    pub fn new(max_active: usize, mailbox_capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Inner { actors: LruCache::unbounded(), closed: false }),
            max_active: max_active.max(1),
            mailbox_capacity: mailbox_capacity.max(1),
        }
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>, CallError> {
        self.inner.lock().map_err(|_| CallError::Internal("directory lock poisoned".into()))
    }

    /// Puts `env` into `actor`'s mailbox, creating the activation if needed.
    pub fn dispatch(&self, actor: &ActorId, env: Envelope) -> Result<Dispatched, CallError> {
        let mut inner = self.lock()?;
        if inner.closed {
            return Err(CallError::ShuttingDown);
        }
        if let Some(h) = inner.actors.get(actor) {
            h.shared.stop.store(false, Ordering::Release);
            let reenters = env.origin.chain.as_ref().is_some_and(|c| c.reenters(actor));
            let waiting = h.shared.waiting.load(Ordering::Acquire);
            if !reenters && waiting > 0 && waiting + h.shared.queued.load(Ordering::Acquire) >= self.mailbox_capacity {
                return Err(CallError::Overloaded(format!("the mailbox of {actor} is full")));
            }
            if reenters {
                return match h.reentry.send(env) {
                    Ok(()) => Ok(Dispatched::Queued),
                    Err(_) => Err(CallError::Internal(format!("the activation of {actor} is gone"))),
                };
            }
            return match h.tx.try_send(env) {
                Ok(()) => {
                    h.shared.queued.fetch_add(1, Ordering::AcqRel);
                    Ok(Dispatched::Queued)
                }
                Err(mpsc::error::TrySendError::Full(_)) => {
                    Err(CallError::Overloaded(format!("the mailbox of {actor} is full")))
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    Err(CallError::Internal(format!("the activation of {actor} is gone")))
                }
            };
        }
        if inner.actors.len() >= self.max_active {
            let excess = 1 + inner.actors.len() - self.max_active;
            evict(&mut inner, excess);
        }
        let (tx, rx) = mpsc::channel(self.mailbox_capacity);
        let (reentry, reentry_rx) = mpsc::unbounded_channel();
        let shared = Arc::new(ActorShared::default());
        if tx.try_send(env).is_err() {
            return Err(CallError::Internal("a new mailbox refused its first message".into()));
        }
        shared.queued.store(1, Ordering::Release);
        inner.actors.put(actor.clone(), Handle { tx, reentry, shared: shared.clone() });
        Ok(Dispatched::Spawn(shared, rx, reentry_rx))
    }

    /// Lends `actor`'s activation to the caller for one turn if it is
    /// active and no message waits for it: now if no turn is running, else
    /// (if the caller `may_wait`) once the caller holds the turn lock.
    /// `None`: the message must go through [`Directory::dispatch`] (the
    /// actor is not active, messages wait for it, a turn runs and the
    /// caller may not wait, or as many callers wait as its mailbox would
    /// hold).
    pub fn lend(&self, actor: &ActorId, may_wait: bool) -> Option<Lent> {
        let mut inner = self.inner.lock().ok()?;
        if inner.closed {
            return None;
        }
        let h = inner.actors.get(actor)?;
        if h.shared.queued.load(Ordering::Acquire) != 0 {
            return None;
        }
        let lent = match h.shared.slot.clone().try_lock_owned() {
            Ok(activation) => {
                activation.as_ref()?;
                Lent::Now(Claim { activation, shared: h.shared.clone() })
            }
            Err(_) => {
                if !may_wait || h.shared.waiting.load(Ordering::Acquire) >= self.mailbox_capacity {
                    return None;
                }
                h.shared.waiting.fetch_add(1, Ordering::AcqRel);
                Lent::After(Waiting { shared: h.shared.clone() })
            }
        };
        h.shared.stop.store(false, Ordering::Release);
        Some(lent)
    }

    /// Removes `actor` if `shared` is its current activation, its mailbox
    /// is empty and no caller waits for its turn lock. Returns whether it
    /// was removed (and the activation may end).
    pub fn remove_if_idle(&self, actor: &ActorId, shared: &Arc<ActorShared>, rx: &mpsc::Receiver<Envelope>) -> bool {
        let Ok(mut inner) = self.inner.lock() else { return true };
        if !rx.is_empty() || shared.waiting.load(Ordering::Acquire) != 0 {
            return false;
        }
        if inner.actors.peek(actor).is_some_and(|h| Arc::ptr_eq(&h.shared, shared)) {
            inner.actors.pop(actor);
        }
        true
    }

    /// Refuses new messages and asks every activation to stop.
    pub fn close(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.closed = true;
            for (_, h) in inner.actors.iter() {
                h.shared.stop.store(true, Ordering::Release);
                h.shared.wake.notify_one();
            }
        }
    }

    /// Number of active actors.
    pub fn len(&self) -> usize {
        self.inner.lock().map_or(0, |i| i.actors.len())
    }
}

/// Asks up to `n` least recently used actors that are not already stopping
/// to passivate.
fn evict(inner: &mut Inner, n: usize) {
    let mut asked = 0;
    for (_, h) in inner.actors.iter().rev() {
        if asked >= n {
            break;
        }
        if !h.shared.stop.swap(true, Ordering::AcqRel) {
            h.shared.wake.notify_one();
            asked += 1;
        }
    }
}
