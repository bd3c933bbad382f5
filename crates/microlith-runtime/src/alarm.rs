//! Durable alarms: the in-memory schedule of every actor's alarms and the
//! task that fires them.
//!
//! The durable record of an alarm is its metadata key (`a/...`, see
//! [`crate::meta`]), written in the commit of the turn that set it. The
//! schedule is a cache of those records: loaded at start-up, then kept up to
//! date by each committed turn ([`Schedule::set`], [`Schedule::cancel`]). An
//! entry remembers the commit that created it and fires only once that commit
//! is durable; if the commit failed, the entry is dropped.
//!
//! Firing sends the actor an alarm message. The actor's turn checks the
//! alarm still exists with that due time, runs `on-alarm`, and deletes the
//! alarm in the same commit (unless the turn set it again). If the turn
//! fails, the alarm fires again after a backoff that doubles from
//! `alarm_retry_base`; after `alarm_max_retries` retries the actor deletes it
//! without running the guest, and the failure is logged. So an alarm runs at
//! least once (a crash between `on-alarm` and its commit fires it again).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use microlith_core::ActorId;
use microlith_storage::CommitTicket;
use tokio::sync::Notify;

use crate::Inner;
use crate::actor::{Body, Origin};
use crate::error::CallError;
use crate::meta;

/// Milliseconds since the Unix epoch, now.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

struct Entry {
    actor: ActorId,
    name: String,
    due: u64,
    /// When to fire next (the due time, or later when retrying).
    fire_at: u64,
    retries: u32,
    ticket: Option<CommitTicket>,
}

#[derive(Default)]
struct Queue {
    /// (fire_at, seq), earliest first.
    order: BTreeSet<(u64, u64)>,
    entries: HashMap<u64, Entry>,
    /// The live entry of each (actor, alarm name); an entry that is firing
    /// stays here until its outcome is known.
    by_name: HashMap<(ActorId, String), u64>,
    next_seq: u64,
}

/// Every actor's pending alarms.
#[derive(Default)]
pub(crate) struct Schedule {
    // Short critical sections, no await: std Mutex.
    queue: Mutex<Queue>,
    changed: Notify,
}

impl Schedule {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records that `actor`'s alarm `name` is due at `due`, once `ticket`
    /// (the commit that set it) is durable.
    pub fn set(&self, actor: &ActorId, name: &str, due: u64, ticket: Option<CommitTicket>) {
        let mut q = self.lock();
        let seq = q.next_seq;
        q.next_seq += 1;
        if let Some(old) = q.by_name.insert((actor.clone(), name.to_string()), seq)
            && let Some(e) = q.entries.remove(&old)
        {
            q.order.remove(&(e.fire_at, old));
        }
        q.entries
            .insert(seq, Entry { actor: actor.clone(), name: name.to_string(), due, fire_at: due, retries: 0, ticket });
        q.order.insert((due, seq));
        drop(q);
        self.changed.notify_one();
    }

    /// Forgets `actor`'s alarm `name`.
    pub fn cancel(&self, actor: &ActorId, name: &str) {
        let mut q = self.lock();
        if let Some(seq) = q.by_name.remove(&(actor.clone(), name.to_string()))
            && let Some(e) = q.entries.remove(&seq)
        {
            q.order.remove(&(e.fire_at, seq));
        }
    }

    /// Number of scheduled alarms.
    pub fn len(&self) -> usize {
        self.lock().by_name.len()
    }

    /// Takes the entries due at `now`; returns them and the next fire time.
    fn take_due(&self, now: u64) -> (Vec<(u64, Entry)>, Option<u64>) {
        let mut q = self.lock();
        let mut due = Vec::new();
        while let Some(&(at, seq)) = q.order.first() {
            if at > now {
                return (due, Some(at));
            }
            q.order.pop_first();
            if let Some(e) = q.entries.remove(&seq) {
                due.push((seq, e));
            }
        }
        (due, None)
    }

    /// Puts a failed entry back for another try, unless the alarm was
    /// replaced or cancelled meanwhile.
    fn retry(&self, seq: u64, mut entry: Entry, fire_at: u64) {
        let mut q = self.lock();
        if q.by_name.get(&(entry.actor.clone(), entry.name.clone())) != Some(&seq) {
            return;
        }
        entry.fire_at = fire_at;
        entry.retries += 1;
        entry.ticket = None;
        q.order.insert((fire_at, seq));
        q.entries.insert(seq, entry);
        drop(q);
        self.changed.notify_one();
    }

    /// Forgets a fired entry if it is still the live one for its name.
    fn settle(&self, seq: u64, actor: &ActorId, name: &str) {
        let mut q = self.lock();
        let key = (actor.clone(), name.to_string());
        if q.by_name.get(&key) == Some(&seq) {
            q.by_name.remove(&key);
        }
    }
}

/// Loads every stored alarm into the schedule.
pub(crate) async fn load(rt: &Arc<Inner>) -> Result<usize, CallError> {
    let mut after: Option<Vec<u8>> = None;
    let mut count = 0;
    loop {
        let page = rt.store.meta_scan(meta::ALARMS, after.as_deref(), microlith_storage::MAX_SCAN_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.key.clone());
        for entry in page {
            match (meta::parse_alarm_key(&entry.key), meta::decode_due(&entry.value)) {
                (Some((actor, name)), Some(due)) => {
                    rt.alarms.set(&actor, &name, due, None);
                    count += 1;
                }
                _ => tracing::error!(key = ?entry.key, "undecodable alarm record ignored"),
            }
        }
    }
    Ok(count)
}

/// Fires alarms as they come due, until shutdown.
pub(crate) async fn run(rt: Arc<Inner>) {
    loop {
        let (due, next) = rt.alarms.take_due(now_ms());
        for (seq, entry) in due {
            crate::task::spawn_tracked(&rt.tasks, fire(rt.clone(), seq, entry));
        }
        let wait = next.map_or(Duration::from_secs(3600), |at| Duration::from_millis(at.saturating_sub(now_ms())));
        tokio::select! {
            () = rt.shutdown.cancelled() => return,
            () = rt.alarms.changed.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

async fn fire(rt: Arc<Inner>, seq: u64, entry: Entry) {
    if let Some(ticket) = &entry.ticket
        && ticket.clone().await.is_err()
    {
        rt.alarms.settle(seq, &entry.actor, &entry.name);
        return;
    }
    let give_up = entry.retries > rt.config.alarm_max_retries;
    let body = Body::Alarm { name: entry.name.clone(), due: entry.due, give_up };
    let origin = Origin::default();
    match crate::request(&rt, &entry.actor, body, origin).await {
        Ok(_) => rt.alarms.settle(seq, &entry.actor, &entry.name),
        Err(CallError::ShuttingDown) => {}
        Err(e) => {
            let backoff = rt.config.alarm_retry_base.saturating_mul(1 << entry.retries.min(16));
            tracing::warn!(actor = %entry.actor, alarm = %entry.name, retry = entry.retries + 1, backoff_ms = backoff.as_millis() as u64, error = %e, "alarm failed; will retry");
            let at = now_ms().saturating_add(u64::try_from(backoff.as_millis()).unwrap_or(u64::MAX));
            rt.alarms.retry(seq, entry, at);
        }
    }
}
