//! One-way messages: delivered only after the sender's turn commits, never
//! when it fails, in order, and exactly once in effect across restarts.

use serde_json::{Value, json};

use crate::support::*;

fn send(key: &str, method: &str, payload: Value) -> Value {
    json!({"target": {"class": "probe", "key": key}, "method": method, "payload": payload})
}

async fn list_len(s: &TestServer, actor: &str, key: &str) -> usize {
    let v = s.ok(actor, "get", json!({"key": key})).await;
    v["value"].as_str().map_or(0, |l| serde_json::from_str::<Vec<String>>(l).expect("list").len())
}

#[tokio::test]
async fn sends_are_delivered_in_order_after_the_commit() {
    let s = TestServer::start().await;
    s.deploy_ok("probe", probe_wasm()).await;
    for i in 0..20 {
        let sends: Vec<Value> =
            (0..5).map(|j| send("inbox", "append", json!({"key": "log", "value": format!("{i}-{j}")}))).collect();
        s.ok("probe/sender", "send", json!({"sends": sends})).await;
    }
    let rt = s.runtime().clone();
    let mut n = 0;
    for _ in 0..500 {
        n = list_len(&s, "probe/inbox", "log").await;
        if n == 100 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(n, 100, "every message arrived once");
    let log = s.ok("probe/inbox", "get", json!({"key": "log"})).await;
    let items: Vec<String> = serde_json::from_str(log["value"].as_str().expect("list")).expect("json");
    let expected: Vec<String> = (0..20).flat_map(|i| (0..5).map(move |j| format!("{i}-{j}"))).collect();
    assert_eq!(items, expected, "in send order");
    drop(rt);
}

#[tokio::test]
async fn a_failed_turn_sends_nothing() {
    let s = TestServer::start().await;
    s.deploy_ok("probe", probe_wasm()).await;
    let r = s
        .call(
            "probe/sender",
            "send",
            json!({"sends": [send("inbox", "append", json!({"key": "log", "value": "x"}))], "fail_after": true}),
        )
        .await;
    assert_error(&r, 422, "guest_error");
    // A later successful send proves delivery works and the failed one never came.
    s.ok("probe/sender", "send", json!({"sends": [send("inbox", "append", json!({"key": "log", "value": "y"}))]}))
        .await;
    for _ in 0..500 {
        if list_len(&s, "probe/inbox", "log").await == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let log = s.ok("probe/inbox", "get", json!({"key": "log"})).await;
    assert_eq!(log["value"], r#"["y"]"#);
}

#[tokio::test]
async fn bad_sends_are_refused_at_once() {
    let s = TestServer::start().await;
    s.deploy_ok("probe", probe_wasm()).await;
    let r = s
        .call("probe/sender", "send", json!({"sends": [{"target": {"class": "missing", "key": "k"}, "method": "m"}]}))
        .await;
    assert_error(&r, 422, "guest_error");
    assert!(r.1["error"]["message"].as_str().is_some_and(|m| m.contains("missing")), "{}", r.1);
}

#[tokio::test]
async fn messages_left_in_the_outbox_are_delivered_after_a_restart() {
    // The target's mailbox holds one message and the target spins, so the
    // sends cannot be handed over before shutdown: they stay in the outbox.
    let s = TestServer::start_with(|c| {
        c.actors.mailbox_capacity = 1;
        c.actors.turn_deadline_ms = 1500;
    })
    .await;
    s.deploy_ok("probe", probe_wasm()).await;
    let busy = s.call("probe/inbox", "spin", json!(null));
    let sender = async {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let sends: Vec<Value> =
            (0..3).map(|i| send("inbox", "append", json!({"key": "log", "value": i.to_string()}))).collect();
        s.ok("probe/sender", "send", json!({"sends": sends})).await
    };
    let (spun, _) = tokio::join!(busy, sender);
    assert_error(&spun, 504, "deadline_exceeded");
    let s = s.restart().await;
    for _ in 0..500 {
        if list_len(&s, "probe/inbox", "log").await == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(list_len(&s, "probe/inbox", "log").await, 3, "each message ran exactly once");
}
