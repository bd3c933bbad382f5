//! Idempotency records are deleted once older than the TTL, by their actor
//! (woken for it if dormant), and never while the TTL lasts.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use microlith_core::ActorId;
use microlith_runtime::{CallOptions, Runtime, RuntimeConfig};
use microlith_storage::Store;
use microlith_storage::memory::MemoryStore;

use crate::commit_failure::counter_wasm;

async fn runtime(ttl: Duration, store: Arc<MemoryStore>) -> Runtime {
    let config = RuntimeConfig {
        max_active_actors: 16,
        idempotency_ttl: ttl,
        idempotency_sweep_interval: Duration::from_millis(50),
        idle_timeout: Duration::from_millis(100),
        ..RuntimeConfig::default()
    };
    let rt = Runtime::open(config, store).await.expect("runtime");
    rt.deploy("counter", counter_wasm()).await.expect("deploy");
    rt
}

async fn incr(rt: &Runtime, actor: &ActorId, key: &str) -> Vec<u8> {
    let options = CallOptions { idempotency_key: Some(key.into()), ..CallOptions::default() };
    rt.call_with(actor, "incr", Vec::new(), options).await.expect("incr")
}

/// The idempotency record keys in the store.
async fn records(store: &MemoryStore) -> Vec<Vec<u8>> {
    store.meta_scan(b"d/", None, 1000).await.expect("scan").into_iter().map(|e| e.key).collect()
}

/// Waits (at most 30 s) until `counter` reaches `at_least`.
async fn wait_for(counter: &AtomicU64, at_least: u64) {
    for _ in 0..600 {
        if counter.load(Ordering::Relaxed) >= at_least {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("counter stayed at {}, wanted {at_least}", counter.load(Ordering::Relaxed));
}

#[tokio::test]
async fn records_younger_than_the_ttl_survive_sweeps() {
    let store = Arc::new(MemoryStore::new().expect("store"));
    let rt = runtime(Duration::from_secs(3600), store.clone()).await;
    let a = ActorId::parse("counter", "kept").expect("id");
    assert_eq!(incr(&rt, &a, "order-1").await, br#"{"value":1}"#);
    let before = rt.stats().idempotency_sweeps.load(Ordering::Relaxed);
    wait_for(&rt.stats().idempotency_sweeps, before + 3).await;
    assert_eq!(records(&store).await.len(), 1);
    assert_eq!(rt.stats().idempotency_swept.load(Ordering::Relaxed), 0);
    assert_eq!(incr(&rt, &a, "order-1").await, br#"{"value":1}"#, "still answered from the record");
    assert!(rt.shutdown(Duration::from_secs(5)).await);
}

#[tokio::test]
async fn expired_records_are_deleted_by_their_actor_even_when_it_is_dormant() {
    let store = Arc::new(MemoryStore::new().expect("store"));
    let rt = runtime(Duration::from_millis(200), store.clone()).await;
    let (a, b) = (ActorId::parse("counter", "a").expect("id"), ActorId::parse("counter", "b").expect("id"));
    for key in ["k1", "k2", "k3"] {
        incr(&rt, &a, key).await;
    }
    assert_eq!(incr(&rt, &b, "k1").await, br#"{"value":1}"#);
    assert_eq!(incr(&rt, &b, "k1").await, br#"{"value":1}"#, "a retry within the TTL runs once");
    assert_eq!(records(&store).await.len(), 4);

    // Both actors passivate (idle 100 ms); the sweep wakes them to delete.
    wait_for(&rt.stats().idempotency_swept, 4).await;
    assert!(records(&store).await.is_empty(), "{:?}", records(&store).await);
    assert_eq!(rt.call(&a, "get", Vec::new(), None).await.expect("get"), br#"{"value":3}"#, "state untouched");
    // Woken only to sweep, an actor leaves again at once.
    for _ in 0..200 {
        if rt.active_actors() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(rt.active_actors(), 0);
    // After the TTL the key is new: the call runs again and is recorded anew.
    assert_eq!(incr(&rt, &b, "k1").await, br#"{"value":2}"#);
    assert_eq!(records(&store).await.len(), 1);
    assert!(rt.shutdown(Duration::from_secs(5)).await);
}

#[tokio::test]
async fn an_active_actor_does_not_answer_from_an_expired_record() {
    // The actor stays active (long idle timeout) and no sweep runs, so only
    // the TTL check on the in-memory record stands between the retry and a
    // stale reply.
    let store = Arc::new(MemoryStore::new().expect("store"));
    let config = RuntimeConfig {
        idempotency_ttl: Duration::from_millis(200),
        idempotency_sweep_interval: Duration::from_secs(3600),
        idle_timeout: Duration::from_secs(3600),
        ..RuntimeConfig::default()
    };
    let rt = Runtime::open(config, store.clone()).await.expect("runtime");
    rt.deploy("counter", counter_wasm()).await.expect("deploy");
    let a = ActorId::parse("counter", "stays").expect("id");
    assert_eq!(incr(&rt, &a, "order-1").await, br#"{"value":1}"#);
    assert_eq!(incr(&rt, &a, "order-1").await, br#"{"value":1}"#, "a retry within the TTL runs once");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(incr(&rt, &a, "order-1").await, br#"{"value":2}"#, "past the TTL the key is new again");
    assert_eq!(incr(&rt, &a, "order-1").await, br#"{"value":2}"#, "and recorded again");
    assert!(rt.shutdown(Duration::from_secs(5)).await);
}
