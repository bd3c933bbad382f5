//! `microlith:actor/alarms`: durable named timers.
//!
//! A turn's alarm operations are recorded in the turn ([`super::Turn`]) and
//! committed with its writes; the actor task then updates its alarm table
//! and the runtime's schedule (see `crate::alarm`). Reads see the turn's own
//! operations first, then the actor's table, which is loaded from the store
//! on first use.

use std::collections::BTreeMap;

use microlith_storage::MAX_SCAN_PAGE;
use microlith_wit::alarms::Host;
use microlith_wit::types::AlarmError;

use super::HostState;
use crate::meta;

impl HostState {
    /// Loads the actor's alarms if this activation has not yet.
    pub(crate) async fn load_alarms(&mut self) -> wasmtime::Result<&BTreeMap<String, u64>> {
        if self.alarms.is_none() {
            self.alarms = Some(load_alarms(self.store.as_ref(), &self.actor).await?);
        }
        Ok(self.alarms.get_or_insert_default())
    }

    fn valid_name(&self, name: &str) -> Result<(), AlarmError> {
        let max = self.rt.config.max_alarm_name_len;
        if name.is_empty() || name.len() > max {
            return Err(AlarmError::InvalidName(u32::try_from(max).unwrap_or(u32::MAX)));
        }
        Ok(())
    }
}

/// Reads every alarm of `actor` from the store.
pub(crate) async fn load_alarms(
    store: &dyn microlith_storage::Store,
    actor: &microlith_core::ActorId,
) -> Result<BTreeMap<String, u64>, microlith_storage::StoreError> {
    let prefix = meta::alarms_of(actor);
    let mut out = BTreeMap::new();
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = store.meta_scan(&prefix, after.as_deref(), MAX_SCAN_PAGE).await?;
        let full = page.len() == MAX_SCAN_PAGE;
        for e in page {
            if let (Some((_, name)), Some(due)) = (meta::parse_alarm_key(&e.key), meta::decode_due(&e.value)) {
                out.insert(name, due);
            }
            after = Some(e.key);
        }
        if !full {
            return Ok(out);
        }
    }
}

impl Host for HostState {
    async fn set_alarm(&mut self, name: String, at_ms: u64) -> wasmtime::Result<Result<(), AlarmError>> {
        self.turn.check_writable("alarms.set-alarm")?;
        if let Err(e) = self.valid_name(&name) {
            return Ok(Err(e));
        }
        let max = self.rt.config.max_alarms_per_actor;
        let ops = std::mem::take(&mut self.turn.alarm_ops);
        let table = self.load_alarms().await;
        let count = table.map(|t| {
            let mut names: Vec<&String> = t.keys().filter(|k| !matches!(ops.get(*k), Some(None))).collect();
            names.extend(ops.iter().filter(|(k, v)| v.is_some() && !t.contains_key(*k)).map(|(k, _)| k));
            (names.len(), names.contains(&&name))
        });
        self.turn.alarm_ops = ops;
        let (count, exists) = count?;
        if !exists && count >= max {
            return Ok(Err(AlarmError::TooMany(u32::try_from(max).unwrap_or(u32::MAX))));
        }
        self.turn.alarm_ops.insert(name, Some(at_ms));
        Ok(Ok(()))
    }

    async fn cancel_alarm(&mut self, name: String) -> wasmtime::Result<()> {
        self.turn.check_writable("alarms.cancel-alarm")?;
        if self.valid_name(&name).is_ok() {
            self.turn.alarm_ops.insert(name, None);
        }
        Ok(())
    }

    async fn get_alarm(&mut self, name: String) -> wasmtime::Result<Option<u64>> {
        if let Some(op) = self.turn.alarm_ops.get(&name) {
            return Ok(*op);
        }
        Ok(self.load_alarms().await?.get(&name).copied())
    }
}
