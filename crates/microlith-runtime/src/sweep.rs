//! Deletes idempotency records once they are older than the idempotency
//! TTL, so they do not pile up in the store forever.
//!
//! A record is written with its call's turn and read back while the TTL
//! lasts (`Activation::recorded_reply`); after that it is dead weight. Every
//! [`RuntimeConfig::idempotency_sweep_interval`](crate::RuntimeConfig) this
//! task scans the `d/` metadata range in key order (so one actor's records
//! are adjacent) and asks each actor with expired records to delete them
//! (`Body::Sweep`). The actor does it in a turn of its own, so the deletes
//! are ordered with its other commits: a record written by a newer call with
//! the same key can never be deleted by a sweep that read the old one. The
//! sweep turn runs no guest code; an actor woken only for it passivates right
//! after. An actor with more than one turn's worth of expired records is
//! asked again as the scan reaches the rest.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use microlith_core::ActorId;

use crate::actor::{Body, MAX_SWEPT_PER_TURN, Origin};
use crate::alarm::now_ms;
use crate::{CallError, Inner, meta};

/// Sweeps every `idempotency_sweep_interval` until shutdown.
pub(crate) async fn run(rt: Arc<Inner>) {
    loop {
        tokio::select! {
            () = rt.shutdown.cancelled() => return,
            () = tokio::time::sleep(rt.config.idempotency_sweep_interval) => {}
        }
        let result = pass(&rt).await;
        if result.is_ok() {
            rt.stats.idempotency_sweeps.fetch_add(1, Ordering::Relaxed);
        }
        match result {
            Ok(0) => {}
            Ok(n) => tracing::debug!(actors = n, "swept expired idempotency records"),
            Err(CallError::ShuttingDown) => return,
            Err(e) => tracing::warn!(error = %e, "sweeping idempotency records failed; will retry"),
        }
    }
}

/// One pass over every record; returns how many actors were asked to sweep.
async fn pass(rt: &Arc<Inner>) -> Result<usize, CallError> {
    let ttl = u64::try_from(rt.config.idempotency_ttl.as_millis()).unwrap_or(u64::MAX);
    let before_ms = now_ms().saturating_sub(ttl);
    let mut after: Option<Vec<u8>> = None;
    let mut asked = 0;
    // The actor asked last and how many expired records were seen since.
    let mut current: Option<(ActorId, usize)> = None;
    loop {
        let page = rt.store.meta_scan(meta::IDEMPOTENCY, after.as_deref(), microlith_storage::MAX_SCAN_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.key.clone());
        for entry in page {
            if !meta::made_before(&entry.value, before_ms) {
                continue;
            }
            let Some((actor, _)) = meta::parse_idempotency_key(&entry.key) else { continue };
            match &mut current {
                // Already asked, and that turn covered this record.
                Some((a, seen)) if *a == actor && *seen < MAX_SWEPT_PER_TURN => *seen += 1,
                _ => {
                    sweep(rt, &actor, before_ms).await?;
                    asked += 1;
                    current = Some((actor, 1));
                }
            }
        }
    }
    Ok(asked)
}

/// Asks `actor` to delete its records made before `before_ms`. An actor
/// that cannot run (its class is gone, say) is skipped, not fatal.
async fn sweep(rt: &Arc<Inner>, actor: &ActorId, before_ms: u64) -> Result<(), CallError> {
    match crate::request(rt, actor, Body::Sweep { before_ms }, Origin::default()).await {
        Ok(reply) => {
            // Counted once the deletes are durable (the reply is gated).
            let n = reply.first_chunk::<8>().map_or(0, |b| u64::from_be_bytes(*b));
            rt.stats.idempotency_swept.fetch_add(n, Ordering::Relaxed);
            Ok(())
        }
        Err(CallError::ShuttingDown) => Err(CallError::ShuttingDown),
        Err(e) => {
            tracing::warn!(%actor, error = %e, "could not sweep the actor's idempotency records");
            Ok(())
        }
    }
}
