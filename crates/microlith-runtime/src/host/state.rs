//! `microlith:actor/state`: transactional per-actor key-value state.
//!
//! Reads look in this turn's writes, then in the actor's cache of latest
//! values (which includes earlier turns whose commits are still in flight),
//! then in the store. Writes go to the turn's write set only; the actor task
//! commits them when the turn succeeds.

use microlith_storage::MAX_SCAN_PAGE;
use microlith_wit::state::{Entry, Host};
use microlith_wit::types::StateError;

use super::HostState;

impl HostState {
    fn check_key(&self, key: &str) -> Result<(), StateError> {
        if key.len() > self.limits.max_key_len {
            return Err(StateError::KeyTooLarge(u32::try_from(self.limits.max_key_len).unwrap_or(u32::MAX)));
        }
        Ok(())
    }

    fn record_write(&mut self, key: String, value: Option<Vec<u8>>) -> Result<(), StateError> {
        let size = (key.len() + value.as_ref().map_or(0, Vec::len)) as u64;
        if self.turn.write_bytes + size > self.limits.max_turn_write_bytes {
            return Err(StateError::TurnQuotaExceeded(self.limits.max_turn_write_bytes));
        }
        self.turn.write_bytes += size;
        self.turn.writes.insert(key, value);
        Ok(())
    }
}

impl Host for HostState {
    async fn get(&mut self, key: String) -> wasmtime::Result<Option<Vec<u8>>> {
        if let Some(v) = self.turn.writes.get(&key) {
            return Ok(v.clone());
        }
        if let Some(v) = self.cache.get(&key) {
            return Ok(v.clone());
        }
        if key.len() > self.limits.max_key_len {
            return Ok(None);
        }
        let value = self.store.get(&self.actor, &key).await?;
        self.cache.insert(key, value.clone());
        Ok(value)
    }

    fn set(&mut self, key: String, value: Vec<u8>) -> wasmtime::Result<Result<(), StateError>> {
        self.turn.check_writable("state.set")?;
        if let Err(e) = self.check_key(&key) {
            return Ok(Err(e));
        }
        if value.len() > self.limits.max_value_len {
            return Ok(Err(StateError::ValueTooLarge(u32::try_from(self.limits.max_value_len).unwrap_or(u32::MAX))));
        }
        Ok(self.record_write(key, Some(value)))
    }

    fn delete(&mut self, key: String) -> wasmtime::Result<()> {
        self.turn.check_writable("state.delete")?;
        if key.len() > self.limits.max_key_len {
            return Ok(()); // such a key cannot exist
        }
        // A delete that would exceed the quota is dropped with the turn's
        // other writes only if the guest goes on to fail; record it anyway so
        // reads stay consistent within the turn.
        let size = key.len() as u64;
        self.turn.write_bytes = self.turn.write_bytes.saturating_add(size);
        self.turn.writes.insert(key, None);
        Ok(())
    }

    async fn scan(&mut self, prefix: String, start_after: Option<String>, limit: u32) -> wasmtime::Result<Vec<Entry>> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX).min(MAX_SCAN_PAGE);
        if limit == 0 {
            return Ok(Vec::new());
        }
        // Overlay: cached latest values and this turn's writes, in range.
        let in_range = |k: &str| k.starts_with(prefix.as_str()) && start_after.as_deref().is_none_or(|a| k > a);
        let mut overlay = self.cache.range_overlay(&prefix, start_after.as_deref());
        for (k, v) in &self.turn.writes {
            if in_range(k) {
                overlay.insert(k.clone(), v.clone());
            }
        }
        let mut out: Vec<Entry> = Vec::new();
        let mut cursor = start_after.clone();
        let mut pending = overlay.into_iter().peekable();
        'pages: loop {
            let page = self.store.scan(&self.actor, &prefix, cursor.as_deref(), limit).await?;
            let exhausted = page.len() < limit;
            for e in page {
                // Overlay keys that sort before this stored key come first.
                while let Some((k, _)) = pending.peek() {
                    if k.as_str() >= e.key.as_str() {
                        break;
                    }
                    if let Some((k, Some(v))) = pending.next() {
                        out.push(Entry { key: k, value: v });
                        if out.len() == limit {
                            break 'pages;
                        }
                    }
                }
                cursor = Some(e.key.clone());
                let value = match pending.peek() {
                    Some((k, _)) if *k == e.key => pending.next().and_then(|(_, v)| v),
                    _ => Some(e.value),
                };
                if let Some(value) = value {
                    out.push(Entry { key: e.key, value });
                    if out.len() == limit {
                        break 'pages;
                    }
                }
            }
            if exhausted {
                for (k, v) in pending.by_ref() {
                    if let Some(v) = v {
                        out.push(Entry { key: k, value: v });
                        if out.len() == limit {
                            break;
                        }
                    }
                }
                break;
            }
        }
        Ok(out)
    }
}
