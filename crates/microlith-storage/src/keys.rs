//! Byte layout of state keys shared by ordered backends.
//!
//! A state key is `class 0x00 actor-key 0x00 user-key`. Class names and actor
//! keys never contain `0x00` (see `microlith_core`), so one actor's state is
//! one contiguous key range and no actor's range contains another's.

use std::ops::Bound;

use microlith_core::ActorId;

/// The prefix of every state key of `actor`.
pub fn actor_prefix(actor: &ActorId) -> Vec<u8> {
    let mut out = Vec::with_capacity(actor.class.as_str().len() + actor.key.as_str().len() + 2);
    out.extend_from_slice(actor.class.as_str().as_bytes());
    out.push(0);
    out.extend_from_slice(actor.key.as_str().as_bytes());
    out.push(0);
    out
}

/// The full stored key of `key` in `actor`'s state.
pub fn state_key(actor: &ActorId, key: &str) -> Vec<u8> {
    let mut out = actor_prefix(actor);
    out.extend_from_slice(key.as_bytes());
    out
}

/// Splits a stored key into `(class, actor key, user key)`.
pub fn split_state_key(stored: &[u8]) -> Option<(&str, &str, &str)> {
    let mut parts = stored.splitn(3, |b| *b == 0);
    let class = std::str::from_utf8(parts.next()?).ok()?;
    let key = std::str::from_utf8(parts.next()?).ok()?;
    let user = std::str::from_utf8(parts.next()?).ok()?;
    Some((class, key, user))
}

/// The stored-key range of `actor`'s entries whose keys start with `prefix`
/// and sort after `start_after` (a `start_after` before the prefix is
/// ignored), as (start, end) bounds for an ordered engine.
pub fn scan_range(actor: &ActorId, prefix: &str, start_after: Option<&str>) -> (Bound<Vec<u8>>, Bound<Vec<u8>>) {
    let lo = state_key(actor, prefix);
    let end = prefix_successor(&lo).map_or(Bound::Unbounded, Bound::Excluded);
    let start = match start_after {
        Some(after) if after.as_bytes() >= prefix.as_bytes() => Bound::Excluded(state_key(actor, after)),
        _ => Bound::Included(lo),
    };
    (start, end)
}

/// The key range of metadata entries starting with `prefix` and sorting
/// after `start_after` (one before the prefix is ignored).
pub fn meta_range(prefix: &[u8], start_after: Option<&[u8]>) -> (Bound<Vec<u8>>, Bound<Vec<u8>>) {
    let end = prefix_successor(prefix).map_or(Bound::Unbounded, Bound::Excluded);
    let start = match start_after {
        Some(after) if after >= prefix => Bound::Excluded(after.to_vec()),
        _ => Bound::Included(prefix.to_vec()),
    };
    (start, end)
}

/// The smallest byte string greater than every string starting with
/// `prefix`, or `None` if there is none (the prefix is all `0xFF`).
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut out = prefix.to_vec();
    while let Some(last) = out.pop() {
        if last < 0xFF {
            out.push(last + 1);
            return Some(out);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_ranges_do_not_overlap() {
        let a = ActorId::parse("c", "a").expect("valid");
        let ab = ActorId::parse("c", "ab").expect("valid");
        let pa = actor_prefix(&a);
        assert!(!state_key(&ab, "x").starts_with(&pa));
        assert_eq!(split_state_key(&state_key(&a, "k/1")), Some(("c", "a", "k/1")));
    }

    #[test]
    fn successor_of_prefix() {
        assert_eq!(prefix_successor(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_successor(&[1, 0xFF]), Some(vec![2]));
        assert_eq!(prefix_successor(&[0xFF, 0xFF]), None);
    }
}
