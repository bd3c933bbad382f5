//! The per-actor cache of latest state values.
//!
//! An actor is the only writer of its state, so whatever it last wrote or
//! read is the current value — even while the commit carrying it is still on
//! its way to disk. The cache therefore gives later turns read-your-writes
//! across pipelined commits without asking the store, and makes the hot path
//! of a busy actor free of storage reads.

use std::collections::BTreeMap;

/// Latest known values; `None` records a known-absent key.
#[derive(Default)]
pub(crate) struct StateCache {
    map: BTreeMap<String, Option<Vec<u8>>>,
    bytes: usize,
}

fn cost(key: &str, value: &Option<Vec<u8>>) -> usize {
    key.len() + value.as_ref().map_or(0, Vec::len) + 48
}

impl StateCache {
    pub fn get(&self, key: &str) -> Option<&Option<Vec<u8>>> {
        self.map.get(key)
    }

    /// Applies a successful turn's writes.
    pub fn apply(&mut self, writes: impl IntoIterator<Item = (String, Option<Vec<u8>>)>) {
        for (k, v) in writes {
            self.insert(k, v);
        }
    }

    /// Records the latest value of `key` (read from the store or written).
    pub fn insert(&mut self, key: String, value: Option<Vec<u8>>) {
        self.bytes += cost(&key, &value);
        if let Some(old) = self.map.insert(key.clone(), value) {
            self.bytes -= cost(&key, &old);
        }
    }

    /// Entries whose keys start with `prefix` and sort after `start_after`.
    pub fn range_overlay(&self, prefix: &str, start_after: Option<&str>) -> BTreeMap<String, Option<Vec<u8>>> {
        use std::ops::Bound;
        let lo = match start_after {
            Some(a) if a >= prefix => Bound::Excluded(a),
            _ => Bound::Included(prefix),
        };
        self.map
            .range::<str, _>((lo, Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Approximate memory held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Forgets everything. Only safe when no commit of this actor is in
    /// flight (then the store has every value).
    pub fn clear(&mut self) {
        self.map.clear();
        self.bytes = 0;
    }
}
