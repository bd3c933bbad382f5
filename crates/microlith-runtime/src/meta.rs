//! Layout of the host's metadata keys (the store's `meta` keyspace, which
//! guests cannot reach).
//!
//! * `a/ <actor prefix> <name>` → due time (u64 big-endian ms): one alarm.
//! * `o/ <message id>` → an encoded [`OutMsg`](crate::outbox::OutMsg): a
//!   one-way message committed by its sender and not yet delivered.
//! * `i/ <actor prefix> <message id>` → empty: the receiver ran the message
//!   (written with the receiver's turn, removed with the outbox entry).
//!
//! * `d/ <actor prefix> <idempotency key>` → record time (u64 big-endian
//!   ms) followed by the reply: a call with that key committed (written
//!   with the call's turn; deleted by the actor once older than the
//!   idempotency TTL, see [`crate::sweep`]).
//!
//! * `s/ <actor prefix>` → state schema (u32 big-endian) followed by the
//!   32-byte id of the version that wrote it: the layout of the actor's
//!   state (written with a migration, or with the first commit of a new
//!   actor of a class with a schema).
//! * `r/ <class>` → JSON [`Rollout`](crate::upgrade::Rollout): where the
//!   class's deploy stands (canary, previous version, last event).
//!
//! `<actor prefix>` is `class 0 key 0` (see `microlith_storage::actor_prefix`),
//! so one actor's alarms are one contiguous range.

use microlith_core::ActorId;
use microlith_storage::actor_prefix;

/// Prefix of every alarm key.
pub(crate) const ALARMS: &[u8] = b"a/";
/// Prefix of every outbox key.
pub(crate) const OUTBOX: &[u8] = b"o/";
/// Prefix of every delivery marker.
const INBOX: &[u8] = b"i/";
/// Prefix of every idempotency record.
pub(crate) const IDEMPOTENCY: &[u8] = b"d/";

/// Prefix of every state-schema record.
const SCHEMA: &[u8] = b"s/";
/// Prefix of every rollout record.
const ROLLOUT: &[u8] = b"r/";

/// The key of `actor`'s state-schema record.
pub(crate) fn schema_key(actor: &ActorId) -> Vec<u8> {
    with_prefix(SCHEMA, actor, &[])
}

/// A state-schema record: the schema and the version that wrote it.
pub(crate) fn encode_schema(schema: u32, version: &microlith_core::VersionId) -> Vec<u8> {
    let mut out = schema.to_be_bytes().to_vec();
    out.extend_from_slice(version.as_bytes());
    out
}

/// Reads a state-schema record.
pub(crate) fn decode_schema(bytes: &[u8]) -> Option<(u32, microlith_core::VersionId)> {
    let (schema, version) = bytes.split_first_chunk::<4>()?;
    let version: [u8; 32] = version.try_into().ok()?;
    Some((u32::from_be_bytes(*schema), microlith_core::VersionId::from_bytes(version)))
}

/// The key of `class`'s rollout record.
pub(crate) fn rollout_key(class: &microlith_core::ClassName) -> Vec<u8> {
    let mut out = ROLLOUT.to_vec();
    out.extend_from_slice(class.as_str().as_bytes());
    out
}

/// A one-way message's id: send time in ms (high 64 bits) and a process-wide
/// sequence (low 64 bits), so outbox keys replay in send order.
pub(crate) type MsgId = u128;

fn with_prefix(tag: &[u8], actor: &ActorId, tail: &[u8]) -> Vec<u8> {
    let mut out = tag.to_vec();
    out.extend_from_slice(&actor_prefix(actor));
    out.extend_from_slice(tail);
    out
}

/// The prefix of `actor`'s alarm keys.
pub(crate) fn alarms_of(actor: &ActorId) -> Vec<u8> {
    with_prefix(ALARMS, actor, &[])
}

/// The key of `actor`'s alarm `name`.
pub(crate) fn alarm_key(actor: &ActorId, name: &str) -> Vec<u8> {
    with_prefix(ALARMS, actor, name.as_bytes())
}

/// Splits an alarm key into its actor and alarm name.
pub(crate) fn parse_alarm_key(key: &[u8]) -> Option<(ActorId, String)> {
    let rest = key.strip_prefix(ALARMS)?;
    let (class, key, name) = microlith_storage::split_state_key(rest)?;
    Some((ActorId::parse(class, key).ok()?, name.to_string()))
}

/// The key of `actor`'s record of the call with idempotency key `key`.
pub(crate) fn idempotency_key(actor: &ActorId, key: &str) -> Vec<u8> {
    with_prefix(IDEMPOTENCY, actor, key.as_bytes())
}

/// The prefix of `actor`'s idempotency records.
pub(crate) fn idempotency_of(actor: &ActorId) -> Vec<u8> {
    with_prefix(IDEMPOTENCY, actor, &[])
}

/// Splits an idempotency record's key into its actor and idempotency key.
pub(crate) fn parse_idempotency_key(key: &[u8]) -> Option<(ActorId, String)> {
    let rest = key.strip_prefix(IDEMPOTENCY)?;
    let (class, key, idem) = microlith_storage::split_state_key(rest)?;
    Some((ActorId::parse(class, key).ok()?, idem.to_string()))
}

/// Whether an idempotency record was made before `before_ms` (an
/// undecodable one counts as expired).
pub(crate) fn made_before(record: &[u8], before_ms: u64) -> bool {
    decode_idempotent(record).is_none_or(|(at_ms, _)| at_ms < before_ms)
}

/// Encodes an idempotency record: when it was made, and the reply.
pub(crate) fn encode_idempotent(at_ms: u64, reply: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + reply.len());
    out.extend_from_slice(&at_ms.to_be_bytes());
    out.extend_from_slice(reply);
    out
}

/// Decodes an idempotency record into its time and reply.
pub(crate) fn decode_idempotent(value: &[u8]) -> Option<(u64, &[u8])> {
    let (at, reply) = value.split_first_chunk::<8>()?;
    Some((u64::from_be_bytes(*at), reply))
}

/// Encodes an alarm's due time.
pub(crate) fn encode_due(due_ms: u64) -> Vec<u8> {
    due_ms.to_be_bytes().to_vec()
}

/// Decodes an alarm's due time.
pub(crate) fn decode_due(value: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(value.try_into().ok()?))
}

/// The outbox key of message `id`.
pub(crate) fn outbox_key(id: MsgId) -> Vec<u8> {
    let mut out = OUTBOX.to_vec();
    out.extend_from_slice(&id.to_be_bytes());
    out
}

/// The marker recording that `actor` ran message `id`.
pub(crate) fn inbox_key(actor: &ActorId, id: MsgId) -> Vec<u8> {
    with_prefix(INBOX, actor, &id.to_be_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alarm_keys_round_trip_and_group_by_actor() {
        let a = ActorId::parse("shop", "k1").expect("valid");
        let key = alarm_key(&a, "tick/1");
        assert!(key.starts_with(&alarms_of(&a)));
        assert_eq!(parse_alarm_key(&key), Some((a.clone(), "tick/1".to_string())));
        let other = ActorId::parse("shop", "k10").expect("valid");
        assert!(!alarm_key(&other, "x").starts_with(&alarms_of(&a)));
        assert_eq!(decode_due(&encode_due(42)), Some(42));
        assert_eq!(decode_due(b"short"), None);
    }

    #[test]
    fn outbox_keys_sort_by_id() {
        assert!(outbox_key(1 << 64) > outbox_key(u128::from(u64::MAX)));
    }
}
