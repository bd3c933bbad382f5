//! One-way messages (`send`): the transactional outbox and its delivery.
//!
//! A turn's sends are written into the store's metadata (`o/<id>`, see
//! [`crate::meta`]) in the same commit as the turn's state, so they exist if
//! and only if the turn committed. Once that commit is durable, the sender's
//! [`Pump`] hands each message to its target's mailbox, in send order. When
//! the target has run it (or refused it for good), one bookkeeping commit
//! deletes the outbox entry together with the target's delivery marker.
//!
//! At-least-once: a crash before that deletion leaves the entry, and the
//! runtime replays the outbox at start-up ([`replay`]). Run-at-most-once:
//! the target writes the marker `i/<actor><id>` in the same commit as the
//! turn that ran the message, and a redelivered message whose marker exists
//! is acknowledged without running again.
//!
//! Messages from one sender to one target arrive in send order, except that
//! a message retried after its target was overloaded may arrive after later
//! ones.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use microlith_core::ActorId;
use microlith_storage::{Commit, CommitTicket, MetaWrite, SYSTEM_INCARNATION};
use tokio::sync::mpsc;

use crate::Inner;
use crate::actor::{Body, Delivery, Origin};
use crate::error::CallError;
use crate::meta::{self, MsgId};

/// A committed one-way message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutMsg {
    pub id: MsgId,
    pub from: ActorId,
    pub to: ActorId,
    pub method: String,
    pub payload: Vec<u8>,
    /// The principal of the chain that sent it.
    pub principal: Option<String>,
}

/// Allocates message ids: milliseconds since the epoch and a sequence seeded
/// from the clock's nanoseconds at start, so ids of different runs differ.
pub(crate) struct MsgIds(AtomicU64);

impl MsgIds {
    pub fn new() -> Self {
        let seed = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        Self(AtomicU64::new(seed))
    }

    pub fn next(&self) -> MsgId {
        let ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        (u128::from(ms) << 64) | u128::from(self.0.fetch_add(1, Ordering::Relaxed))
    }
}

const FORMAT: u8 = 1;

fn put(out: &mut Vec<u8>, field: &[u8]) {
    out.extend_from_slice(&(field.len() as u32).to_le_bytes());
    out.extend_from_slice(field);
}

fn take<'a>(input: &mut &'a [u8]) -> Option<&'a [u8]> {
    let (len, rest) = input.split_first_chunk::<4>()?;
    let len = usize::try_from(u32::from_le_bytes(*len)).ok()?;
    if rest.len() < len {
        return None;
    }
    let (field, rest) = rest.split_at(len);
    *input = rest;
    Some(field)
}

fn take_str(input: &mut &[u8]) -> Option<String> {
    String::from_utf8(take(input)?.to_vec()).ok()
}

impl OutMsg {
    /// The stored form: a format byte, then length-prefixed fields. Written
    /// by hand because it is six fields and the format must stay stable
    /// across releases, which a derived encoding would not promise.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.method.len() + self.payload.len());
        out.push(FORMAT);
        for field in [
            self.from.class.as_str().as_bytes(),
            self.from.key.as_str().as_bytes(),
            self.to.class.as_str().as_bytes(),
            self.to.key.as_str().as_bytes(),
            self.method.as_bytes(),
            &self.payload,
        ] {
            put(&mut out, field);
        }
        match &self.principal {
            Some(p) => {
                out.push(1);
                put(&mut out, p.as_bytes());
            }
            None => out.push(0),
        }
        out
    }

    /// Decodes a stored message with id `id`.
    pub fn decode(id: MsgId, bytes: &[u8]) -> Option<Self> {
        let (&format, mut input) = bytes.split_first()?;
        if format != FORMAT {
            return None;
        }
        let from = ActorId::parse(&take_str(&mut input)?, &take_str(&mut input)?).ok()?;
        let to = ActorId::parse(&take_str(&mut input)?, &take_str(&mut input)?).ok()?;
        let method = take_str(&mut input)?;
        let payload = take(&mut input)?.to_vec();
        let (&flag, mut rest) = input.split_first()?;
        let principal = if flag == 1 { Some(take_str(&mut rest)?) } else { None };
        Some(Self { id, from, to, method, payload, principal })
    }

    /// The metadata write that records this message in its sender's commit.
    pub fn record(&self) -> MetaWrite {
        MetaWrite { key: meta::outbox_key(self.id), value: Some(self.encode()) }
    }
}

/// Delivers one sender's committed messages in order. Lives as long as the
/// sender's activation holds it, then drains what is queued.
pub(crate) struct Pump(mpsc::UnboundedSender<(CommitTicket, Vec<OutMsg>)>);

impl Pump {
    pub fn start(rt: &Arc<Inner>) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<(CommitTicket, Vec<OutMsg>)>();
        let task_rt = rt.clone();
        crate::task::spawn_tracked(&rt.tasks, async move {
            while let Some((ticket, msgs)) = rx.recv().await {
                // Not durable, not sent: a failed commit never existed.
                if ticket.await.is_err() {
                    continue;
                }
                for msg in msgs {
                    hand_over(&task_rt, msg, false);
                }
            }
        });
        Self(tx)
    }

    /// Queues `msgs`, to be delivered once `ticket` resolves successfully.
    pub fn push(&self, ticket: CommitTicket, msgs: Vec<OutMsg>) {
        // The pump task only ends when this sender is dropped.
        let _ = self.0.send((ticket, msgs));
    }
}

/// Puts `msg` in its target's mailbox now (keeping send order) and follows
/// it up on a task of its own: retries while the target is unavailable,
/// then removes the outbox entry.
fn hand_over(rt: &Arc<Inner>, msg: OutMsg, redelivery: bool) {
    let first = crate::enqueue(rt, &msg.to, envelope_body(&msg), origin(&msg, redelivery));
    let rt2 = rt.clone();
    crate::task::spawn_tracked(&rt.tasks, async move {
        let mut outcome = match first {
            Ok(rx) => crate::await_reply(rx).await,
            Err(e) => Err(e),
        };
        let mut backoff = Duration::from_millis(20);
        loop {
            match outcome {
                Err(ref e) if retryable(e) => {
                    if rt2.shutdown.is_cancelled() {
                        // Stays in the outbox; replayed at the next start.
                        return;
                    }
                    tracing::debug!(to = %msg.to, error = %e, "send delivery will be retried");
                    tokio::select! {
                        () = tokio::time::sleep(backoff) => {}
                        () = rt2.shutdown.cancelled() => return,
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                    outcome = crate::request(&rt2, &msg.to, envelope_body(&msg), origin(&msg, true)).await;
                }
                _ => break,
            }
        }
        if let Err(e) = &outcome {
            tracing::warn!(from = %msg.from, to = %msg.to, method = %msg.method, error = %e, "one-way message failed at its target");
        }
        let done = Commit {
            actor: msg.to.clone(),
            incarnation: SYSTEM_INCARNATION,
            writes: Vec::new(),
            meta: vec![
                MetaWrite { key: meta::outbox_key(msg.id), value: None },
                MetaWrite { key: meta::inbox_key(&msg.to, msg.id), value: None },
            ],
        };
        if let Err(e) = rt2.store.commit(done).await {
            tracing::warn!(error = %e, "could not clear a delivered message; it will be redelivered and deduplicated");
        }
    });
}

fn envelope_body(msg: &OutMsg) -> Body {
    Body::Call { method: msg.method.clone(), payload: msg.payload.clone(), idempotency: None }
}

fn origin(msg: &OutMsg, redelivery: bool) -> Origin {
    Origin {
        principal: msg.principal.clone(),
        actor: Some(msg.from.clone()),
        chain: None,
        delivery: Some(Delivery { id: msg.id, check: redelivery }),
    }
}

/// Whether delivery should be tried again: the target could not take the
/// message, or its result could not be made durable.
fn retryable(e: &CallError) -> bool {
    matches!(
        e,
        CallError::Overloaded(_)
            | CallError::ShuttingDown
            | CallError::CommitFailed(_)
            | CallError::Storage(_)
            | CallError::Internal(_)
    )
}

/// Redelivers every message left in the outbox by an earlier run, in send
/// order. Each is checked against its target's delivery marker.
pub(crate) async fn replay(rt: &Arc<Inner>) -> Result<usize, CallError> {
    let mut after: Option<Vec<u8>> = None;
    let mut count = 0;
    loop {
        let page = rt.store.meta_scan(meta::OUTBOX, after.as_deref(), microlith_storage::MAX_SCAN_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.key.clone());
        for entry in page {
            let id =
                entry.key.get(meta::OUTBOX.len()..).and_then(|b| <[u8; 16]>::try_from(b).ok()).map(u128::from_be_bytes);
            match id.and_then(|id| OutMsg::decode(id, &entry.value)) {
                Some(msg) => {
                    hand_over(rt, msg, true);
                    count += 1;
                }
                None => tracing::error!(key = ?entry.key, "undecodable outbox entry left in place"),
            }
        }
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip() {
        let msg = OutMsg {
            id: 7,
            from: ActorId::parse("cart", "u1").expect("valid"),
            to: ActorId::parse("orders", "o-9").expect("valid"),
            method: "place".into(),
            payload: b"{\"n\":1}".to_vec(),
            principal: Some("alice".into()),
        };
        let bytes = msg.encode();
        assert_eq!(OutMsg::decode(7, &bytes), Some(msg.clone()));
        let anon = OutMsg { principal: None, payload: Vec::new(), ..msg };
        assert_eq!(OutMsg::decode(7, &anon.encode()), Some(anon));
        assert_eq!(OutMsg::decode(7, &bytes[..bytes.len() - 3]), None);
        assert_eq!(OutMsg::decode(7, &[9]), None);
    }

    #[test]
    fn ids_increase() {
        let ids = MsgIds::new();
        let (a, b) = (ids.next(), ids.next());
        assert!(b > a);
    }
}
