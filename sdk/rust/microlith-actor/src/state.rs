//! Transactional per-actor key-value state.
//!
//! Keys are UTF-8 strings ordered by their bytes; values are bytes. Reads see
//! the turn's own earlier writes, and all writes of a turn commit atomically
//! when [`Actor::handle`](crate::Actor::handle) returns `Ok`; none commit when
//! it returns `Err` or traps.
//!
//! The `*_json` helpers store values as JSON.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Error;
use crate::bindings::microlith::actor::state as host;
use crate::bindings::microlith::actor::types::StateError;

/// Page size [`scan_all`] asks for. The host may cap it lower.
pub const SCAN_PAGE: u32 = 256;

/// Returns the value stored under `key`, if any.
pub fn get(key: &str) -> Option<Vec<u8>> {
    host::get(key)
}

/// Stores `value` under `key`, replacing any earlier value.
///
/// A refusal by the host (key or value too large, turn write budget spent)
/// becomes [`Error::Failed`] describing the limit.
pub fn set(key: &str, value: &[u8]) -> Result<(), Error> {
    host::set(key, value).map_err(|e| refused(key, value.len(), e))
}

/// Removes `key`; removing a missing key is not an error.
pub fn delete(key: &str) {
    host::delete(key)
}

/// Returns up to `limit` entries whose keys start with `prefix`, in key
/// order, starting after `start_after` when given.
///
/// The host caps `limit` at its own page size, so a page shorter than
/// `limit` does not mean the scan is complete; only an empty page does.
/// [`scan_all`] pages for you.
pub fn scan(prefix: &str, start_after: Option<&str>, limit: u32) -> Vec<(String, Vec<u8>)> {
    host::scan(prefix, start_after, limit).into_iter().map(|e| (e.key, e.value)).collect()
}

/// Returns every entry whose key starts with `prefix`, in key order, by
/// calling [`scan`] page after page until a page comes back empty.
pub fn scan_all(prefix: &str) -> Vec<(String, Vec<u8>)> {
    let mut all: Vec<(String, Vec<u8>)> = Vec::new();
    loop {
        let after = all.last().map(|(k, _)| k.as_str());
        let page = scan(prefix, after, SCAN_PAGE);
        if page.is_empty() {
            return all;
        }
        all.extend(page);
    }
}

/// Reads `key` as JSON. A stored value that is not valid JSON for `T` is
/// [`Error::Failed`].
pub fn get_json<T: DeserializeOwned>(key: &str) -> Result<Option<T>, Error> {
    get(key).map(|bytes| decode(key, &bytes)).transpose()
}

/// Stores `value` under `key` as JSON.
pub fn set_json<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<(), Error> {
    let bytes = serde_json::to_vec(value)
        .map_err(|e| Error::failed(format!("cannot encode state value for key {key:?}: {e}")))?;
    set(key, &bytes)
}

/// Like [`scan`], decoding each value as JSON.
pub fn scan_json<T: DeserializeOwned>(
    prefix: &str,
    start_after: Option<&str>,
    limit: u32,
) -> Result<Vec<(String, T)>, Error> {
    decode_all(scan(prefix, start_after, limit))
}

/// Like [`scan_all`], decoding each value as JSON.
pub fn scan_all_json<T: DeserializeOwned>(prefix: &str) -> Result<Vec<(String, T)>, Error> {
    decode_all(scan_all(prefix))
}

fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(bytes)
        .map_err(|e| Error::failed(format!("state value under key {key:?} is not the expected JSON: {e}")))
}

fn decode_all<T: DeserializeOwned>(entries: Vec<(String, Vec<u8>)>) -> Result<Vec<(String, T)>, Error> {
    entries.into_iter().map(|(k, v)| decode(&k, &v).map(|t| (k, t))).collect()
}

fn refused(key: &str, value_len: usize, e: StateError) -> Error {
    Error::Failed(match e {
        StateError::KeyTooLarge(max) => {
            format!("state key of {} bytes exceeds the host limit of {max} bytes", key.len())
        }
        StateError::ValueTooLarge(max) => {
            format!("state value of {value_len} bytes for key {key:?} exceeds the host limit of {max} bytes")
        }
        StateError::TurnQuotaExceeded(max) => {
            format!("writing key {key:?} would exceed the turn's write budget of {max} bytes")
        }
    })
}
