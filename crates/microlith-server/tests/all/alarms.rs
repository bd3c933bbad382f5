//! Durable alarms through the real server: firing, cancelling, moving,
//! retrying with backoff, and surviving a restart between set and fire.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::*;

async fn fired(s: &TestServer, actor: &str, name: &str) -> Value {
    s.ok(actor, "fired", json!({"name": name})).await
}

async fn wait_fired(s: &TestServer, actor: &str, name: &str, count: u64) -> Value {
    for _ in 0..1000 {
        let f = fired(s, actor, name).await;
        if f["count"].as_u64() >= Some(count) {
            return f;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("alarm {name} of {actor} did not fire {count} times");
}

#[tokio::test]
async fn an_alarm_fires_once_at_its_time_and_is_cleared() {
    let s = TestServer::start().await;
    s.deploy_ok("probe", probe_wasm()).await;
    let due = s.ok("probe/a", "set-alarm", json!({"name": "t", "in_ms": 200})).await["due"].as_u64().expect("due");
    assert_eq!(s.ok("probe/a", "get-alarm", json!({"name": "t"})).await, json!({"due": due}));
    let f = wait_fired(&s, "probe/a", "t", 1).await;
    assert!(f["at"].as_u64().expect("fired at") >= due, "not early: {f}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(fired(&s, "probe/a", "t").await["count"], 1, "fired once");
    assert_eq!(s.ok("probe/a", "get-alarm", json!({"name": "t"})).await, json!({"due": null}));
    assert_eq!(s.runtime().scheduled_alarms(), 0);
}

#[tokio::test]
async fn cancelled_and_moved_alarms() {
    let s = TestServer::start().await;
    s.deploy_ok("probe", probe_wasm()).await;
    s.ok("probe/a", "set-alarm", json!({"name": "gone", "in_ms": 150})).await;
    s.ok("probe/a", "cancel-alarm", json!({"name": "gone"})).await;
    s.ok("probe/a", "set-alarm", json!({"name": "moved", "in_ms": 100})).await;
    s.ok("probe/a", "set-alarm", json!({"name": "moved", "in_ms": 400})).await;
    // An alarm that re-arms itself in on-alarm fires again.
    s.ok("probe/a", "set-alarm", json!({"name": "again-1", "in_ms": 10})).await;
    wait_fired(&s, "probe/a", "again-1", 2).await;
    let f = wait_fired(&s, "probe/a", "moved", 1).await;
    assert_eq!(f["count"], 1);
    assert_eq!(fired(&s, "probe/a", "gone").await["count"], 0);
    // Invalid names are refused.
    let r = s.call("probe/a", "set-alarm", json!({"name": "", "in_ms": 1})).await;
    assert_error(&r, 400, "bad_request");
}

#[tokio::test]
async fn an_alarm_set_before_a_restart_fires_after_it() {
    let s = TestServer::start().await;
    s.deploy_ok("probe", probe_wasm()).await;
    for i in 0..5 {
        s.ok(&format!("probe/r{i}"), "set-alarm", json!({"name": "later", "in_ms": 600})).await;
    }
    let s = s.restart().await;
    assert_eq!(s.runtime().scheduled_alarms(), 5, "loaded from the store");
    for i in 0..5 {
        wait_fired(&s, &format!("probe/r{i}"), "later", 1).await;
    }
}

#[tokio::test]
async fn a_failing_alarm_is_retried_with_backoff_until_it_succeeds() {
    let s = TestServer::start_with(|c| c.actors.alarm_retry_base_ms = 50).await;
    s.deploy_ok("probe", probe_wasm()).await;
    s.ok("probe/a", "set-alarm", json!({"name": "flaky", "in_ms": 0, "fail": true, "witness": "w"})).await;
    // Each attempt calls probe/w, whose commit stands although the alarm turn fails.
    for _ in 0..1000 {
        let v = s.ok("probe/w", "get", json!({"key": "attempts/flaky"})).await;
        if v["value"].as_str().is_some_and(|l| serde_json::from_str::<Vec<String>>(l).expect("list").len() >= 3) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(fired(&s, "probe/a", "flaky").await["count"], 0, "failed attempts commit nothing");
    s.ok("probe/a", "set", json!({"key": "alarm-fail/flaky", "value": "false"})).await;
    wait_fired(&s, "probe/a", "flaky", 1).await;
    assert_eq!(s.ok("probe/a", "get-alarm", json!({"name": "flaky"})).await, json!({"due": null}));
}

#[tokio::test]
async fn an_alarm_that_keeps_failing_is_dropped_after_its_retries() {
    let s = TestServer::start_with(|c| {
        c.actors.alarm_retry_base_ms = 10;
        c.actors.alarm_max_retries = 2;
    })
    .await;
    s.deploy_ok("probe", probe_wasm()).await;
    s.ok("probe/a", "set-alarm", json!({"name": "doomed", "in_ms": 0, "fail": true, "witness": "w"})).await;
    let rt = s.runtime().clone();
    eventually(|| rt.scheduled_alarms() == 0, "the alarm is given up").await;
    assert_eq!(s.ok("probe/a", "get-alarm", json!({"name": "doomed"})).await, json!({"due": null}));
    let v = s.ok("probe/w", "get", json!({"key": "attempts/doomed"})).await;
    let attempts: Vec<String> = serde_json::from_str(v["value"].as_str().expect("list")).expect("json");
    assert_eq!(attempts.len(), 3, "the first try and two retries");
}
