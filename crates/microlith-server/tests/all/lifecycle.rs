//! Activation, passivation, the active-actor cap, restarts and redeploys.

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn idle_actors_passivate_and_reactivate_with_their_state() {
    let s = TestServer::start_with(|c| c.actors.idle_timeout_ms = 100).await;
    s.deploy_ok("counter", counter_wasm()).await;
    s.ok("counter/p", "incr", json!({"by": 5})).await;
    assert_eq!(s.runtime().active_actors(), 1);
    let rt = s.runtime().clone();
    eventually(|| rt.active_actors() == 0, "passivation").await;
    assert_eq!(s.ok("counter/p", "incr", json!(null)).await, json!({"value": 6}));
    assert_eq!(rt.stats().activations.load(Ordering::Relaxed), 2);
}

#[tokio::test]
async fn the_active_cap_evicts_least_recently_used_actors() {
    let s = TestServer::start_with(|c| c.actors.max_active = 4).await;
    s.deploy_ok("counter", counter_wasm()).await;
    for round in 1..=3u64 {
        for i in 0..20 {
            assert_eq!(s.ok(&format!("counter/k{i}"), "incr", json!(null)).await, json!({"value": round}));
        }
    }
    let rt = s.runtime().clone();
    eventually(|| rt.active_actors() <= 5, "eviction down to the cap").await;
    assert!(rt.stats().passivations.load(Ordering::Relaxed) >= 50);
}

#[tokio::test]
async fn state_and_classes_survive_a_restart() {
    let s = TestServer::start().await;
    s.deploy_ok("counter", counter_wasm()).await;
    s.ok("counter/r", "incr", json!({"by": 7})).await;
    let s = s.restart().await;
    // The class is loaded from the store, its compiled code from the cache.
    assert_eq!(s.ok("counter/r", "incr", json!(null)).await, json!({"value": 8}));
    let again = s.deploy_ok("counter", counter_wasm()).await;
    assert_eq!(again["created"], false);
    assert_eq!(again["from_cache"], true);
}

#[tokio::test]
async fn a_new_version_takes_over_live_actors_at_the_next_turn() {
    let s = TestServer::start().await;
    s.deploy_ok("svc", counter_wasm()).await;
    s.ok("svc/x", "incr", json!({"by": 3})).await;
    // Swap the class to the probe component: the live actor moves at its next
    // turn and sees the same state (the counter stored "value" as JSON).
    let v2 = s.deploy_ok("svc", probe_wasm()).await;
    assert_eq!(v2["created"], true);
    assert_eq!(s.ok("svc/x", "get", json!({"key": "value"})).await, json!({"value": "3"}));
    let (_, classes) = s.get_json("/v1/classes").await;
    assert_eq!(classes["classes"][0]["versions"].as_array().map(Vec::len), Some(2));
    assert_eq!(classes["classes"][0]["current"], v2["version"]);
}

#[tokio::test]
async fn shutdown_drains_queued_turns_before_closing() {
    let s = TestServer::start().await;
    s.deploy_ok("counter", counter_wasm()).await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let http = s.http.clone();
        let url = format!("{}/v1/actors/counter/drain/incr", s.url);
        tasks.push(tokio::spawn(async move { http.post(url).send().await.map(|r| r.status().as_u16()) }));
    }
    tokio::time::sleep(Duration::from_millis(5)).await;
    let s = s.restart().await;
    let acked = {
        let mut n = 0u64;
        for t in tasks {
            if let Ok(Ok(200)) = t.await {
                n += 1;
            }
        }
        n
    };
    let value = s.ok("counter/drain", "get", json!(null)).await["value"].as_u64().expect("value");
    // Everything acknowledged is there; nothing unacknowledged ran twice.
    assert!(value >= acked, "value {value} < acknowledged {acked}");
    assert!(value <= 50);
}
