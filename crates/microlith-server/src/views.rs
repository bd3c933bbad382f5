//! View feeds: sequence numbers, JSON Patch deltas, the resume log and the
//! fan-out of one actor's view for one viewer to every subscriber of it.
//!
//! The runtime publishes the latest durable view of `(actor, viewer)` on a
//! [`ViewWatch`]. A [`Feed`] owns that watch: its task parses each new view,
//! computes one RFC 6902 patch from the previous view (the `json-patch`
//! crate), gives it the next sequence number of the feed's epoch, keeps the
//! last [`LOG_LEN`] updates for resuming clients, and broadcasts it. Every
//! subscription of every connection reads the same `Arc<Update>`: one
//! render, one diff and one patch serialization per change, whatever the
//! number of subscribers.
//!
//! Slow subscribers cannot grow memory: the broadcast ring is bounded, and a
//! subscriber that fell behind gets one combined patch from the last view it
//! received (which it holds as an `Arc`) to the current one.
//!
//! A feed without subscribers lingers for [`Feeds::retention`], so a client
//! that reconnects resumes where it left off; then it is dropped, and the
//! next subscriber starts a new epoch with a snapshot.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use microlith_core::ActorId;
use microlith_protocol::v1::ErrorCode;
use microlith_runtime::{Runtime, View, ViewWatch, Viewer};
use serde_json::Value;
use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;

use crate::error::ApiError;

/// Updates kept per feed for resuming clients.
pub const LOG_LEN: usize = 256;
/// Updates a subscriber may fall behind before it gets a combined patch.
const RING_LEN: usize = 16;

/// What a view is at one sequence number.
#[derive(Debug, Clone)]
pub enum Shown {
    /// The view (`Null` when the actor shows nothing).
    View(Arc<Value>),
    /// Rendering failed or refused the viewer.
    Failed(ErrorCode, String),
}

/// One step of a feed.
#[derive(Debug)]
pub struct Update {
    /// Sequence number before this update.
    pub base: u64,
    /// Sequence number after it.
    pub seq: u64,
    /// The view after it.
    pub shown: Shown,
    /// The patch from `base` to `seq`, serialized (`None` for the first
    /// view and for failures).
    pub patch: Option<Arc<str>>,
    snapshot: OnceLock<Arc<str>>,
}

impl Update {
    /// The full view as JSON text, serialized once per update.
    pub fn view_json(&self) -> Option<Arc<str>> {
        let Shown::View(v) = &self.shown else { return None };
        Some(self.snapshot.get_or_init(|| Arc::from(v.to_string())).clone())
    }
}

/// One `(actor, viewer)` stream.
pub struct Feed {
    /// Names the history `seq` counts in.
    pub epoch: String,
    inner: Mutex<FeedState>,
    tx: broadcast::Sender<Arc<Update>>,
    /// The latest update, for subscribers waiting for the first view.
    current: watch::Sender<Option<Arc<Update>>>,
    subscribers: AtomicUsize,
}

struct FeedState {
    log: VecDeque<Arc<Update>>,
    idle_since: Option<Instant>,
}

/// How a new subscription starts.
pub enum Start {
    /// From scratch: this update is the snapshot.
    Snapshot(Arc<Update>),
    /// Resumed: these are the missed updates, in order (maybe none).
    Resumed(Vec<Arc<Update>>),
}

/// A live subscription to a feed; leaving counts the subscriber out.
pub struct Subscription {
    /// The feed.
    pub feed: Arc<Feed>,
    /// Later updates.
    pub rx: broadcast::Receiver<Arc<Update>>,
    /// Where it starts.
    pub start: Start,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if self.feed.subscribers.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.feed.lock().idle_since = Some(Instant::now());
        }
    }
}

impl Feed {
    fn lock(&self) -> std::sync::MutexGuard<'_, FeedState> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The latest update.
    pub fn latest(&self) -> Option<Arc<Update>> {
        self.current.borrow().clone()
    }
}

/// Names a feed.
type FeedKey = (ActorId, Viewer);

/// Every feed of the server.
#[derive(Clone)]
pub struct Feeds {
    runtime: Runtime,
    map: Arc<Mutex<HashMap<FeedKey, Arc<Feed>>>>,
    retention: Duration,
    /// Ends every feed task (they hold the runtime) at server shutdown.
    stop: CancellationToken,
}

impl Feeds {
    /// Feeds over `runtime`, kept `retention` after their last subscriber,
    /// all ended when `stop` is cancelled.
    pub fn new(runtime: Runtime, retention: Duration, stop: CancellationToken) -> Self {
        Self { runtime, map: Arc::default(), retention, stop }
    }

    /// How long a feed outlives its last subscriber.
    pub fn retention(&self) -> Duration {
        self.retention
    }

    /// Number of live feeds.
    pub fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Whether there are no feeds.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Subscribes to `actor`'s view for `viewer`, resuming at
    /// `(epoch, seq)` when the feed still has everything after it. Waits for
    /// the first view of a new feed at most `wait`.
    pub async fn subscribe(
        &self,
        actor: &ActorId,
        viewer: Viewer,
        resume: Option<(&str, u64)>,
        wait: Duration,
    ) -> Result<Subscription, ApiError> {
        // `feed` counted us in; from here on `guard` counts us out again.
        let feed = self.feed(actor, viewer)?;
        let mut guard = Subscription { feed: feed.clone(), rx: feed.tx.subscribe(), start: Start::Resumed(Vec::new()) };
        let mut first = feed.current.subscribe();
        // (The borrow `wait_for` returns is dropped at once: it must not be
        // held while taking the feed's lock below.)
        let ready = matches!(tokio::time::timeout(wait, first.wait_for(Option::is_some)).await, Ok(Ok(_)));
        if !ready {
            return Err(ApiError::new(ErrorCode::Overloaded, "the actor did not render its view in time"));
        }
        let state = feed.lock();
        // Subscribe under the lock the feed task publishes under, so no
        // update falls between the start and the live stream.
        guard.rx = feed.tx.subscribe();
        let Some(latest) = feed.latest() else {
            return Err(ApiError::new(ErrorCode::Internal, "the feed lost its view"));
        };
        guard.start = match resume {
            Some((epoch, seq)) if epoch == feed.epoch && seq == latest.seq => Start::Resumed(Vec::new()),
            Some((epoch, seq)) if epoch == feed.epoch && seq < latest.seq => {
                let missed: Vec<_> = state.log.iter().filter(|u| u.seq > seq).cloned().collect();
                if missed.first().is_some_and(|u| u.base == seq) {
                    Start::Resumed(missed)
                } else {
                    Start::Snapshot(latest)
                }
            }
            _ => Start::Snapshot(latest),
        };
        drop(state);
        Ok(guard)
    }

    /// The feed of `(actor, viewer)`, created if needed, with one more
    /// subscriber counted under the map lock (so it cannot expire between
    /// lookup and use).
    fn feed(&self, actor: &ActorId, viewer: Viewer) -> Result<Arc<Feed>, ApiError> {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(f) = map.get(&(actor.clone(), viewer.clone())) {
            f.subscribers.fetch_add(1, Ordering::AcqRel);
            return Ok(f.clone());
        }
        let watch = self.runtime.watch(actor, viewer.clone())?;
        let epoch = format!("{:016x}", RandomState::new().hash_one(Instant::now()));
        let feed = Arc::new(Feed {
            epoch,
            inner: Mutex::new(FeedState { log: VecDeque::new(), idle_since: Some(Instant::now()) }),
            tx: broadcast::channel(RING_LEN).0,
            current: watch::Sender::new(None),
            subscribers: AtomicUsize::new(1),
        });
        map.insert((actor.clone(), viewer.clone()), feed.clone());
        tokio::spawn(run_feed(self.clone(), (actor.clone(), viewer), feed.clone(), watch));
        Ok(feed)
    }

    /// Drops `feed` if it has had no subscriber for the retention time.
    fn expire(&self, key: &FeedKey, feed: &Arc<Feed>) -> bool {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        let idle = feed.lock().idle_since.is_some_and(|t| t.elapsed() >= self.retention);
        if idle && feed.subscribers.load(Ordering::Acquire) == 0 {
            if map.get(key).is_some_and(|f| Arc::ptr_eq(f, feed)) {
                map.remove(key);
            }
            return true;
        }
        false
    }
}

/// The feed's task: turns each published view into the next update.
async fn run_feed(feeds: Feeds, key: FeedKey, feed: Arc<Feed>, mut watch: ViewWatch) {
    let mut seq = 0u64;
    let mut prev: Option<Shown> = None;
    loop {
        let changed = tokio::select! {
            changed = tokio::time::timeout(feeds.retention, watch.changed()) => changed,
            () = feeds.stop.cancelled() => break,
        };
        match changed {
            Ok(Ok(())) => {}
            Ok(Err(_)) => break,
            Err(_) => {
                if feeds.expire(&key, &feed) {
                    break;
                }
                continue;
            }
        }
        let shown = match watch.latest().view {
            View::Pending => continue,
            View::Empty => Shown::View(Arc::new(Value::Null)),
            View::Json(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                Ok(v) => Shown::View(Arc::new(v)),
                Err(e) => Shown::Failed(ErrorCode::BadReply, format!("the actor's view is not JSON: {e}")),
            },
            View::Failed(e) => {
                let api = ApiError::from(e.as_ref());
                Shown::Failed(api.code, api.message)
            }
        };
        let patch = match (&prev, &shown) {
            (Some(Shown::View(a)), Shown::View(b)) => {
                let p = json_patch::diff(a, b);
                if p.0.is_empty() {
                    continue;
                }
                Some(Arc::from(serde_json::to_string(&p).unwrap_or_else(|_| "[]".into())))
            }
            (Some(Shown::Failed(c1, m1)), Shown::Failed(c2, m2)) if c1 == c2 && m1 == m2 => continue,
            _ => None,
        };
        let update = Arc::new(Update {
            base: if prev.is_some() { seq } else { 0 },
            seq: if prev.is_some() { seq + 1 } else { 0 },
            shown: shown.clone(),
            patch,
            snapshot: OnceLock::new(),
        });
        seq = update.seq;
        prev = Some(shown);
        let mut state = feed.lock();
        if update.patch.is_some() {
            if state.log.len() == LOG_LEN {
                state.log.pop_front();
            }
            state.log.push_back(update.clone());
        } else {
            // A snapshot or a failure breaks the chain of patches.
            state.log.clear();
        }
        feed.current.send_replace(Some(update.clone()));
        // No receiver is fine: nobody listens right now.
        let _ = feed.tx.send(update);
        drop(state);
    }
}

/// The patch from `from` to `to`, serialized.
pub fn diff(from: &Value, to: &Value) -> String {
    serde_json::to_string(&json_patch::diff(from, to)).unwrap_or_else(|_| "[]".into())
}
