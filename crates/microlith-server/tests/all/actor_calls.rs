//! Actor-to-actor calls through the real server: in-process hand-off,
//! reentrancy, deadlock cycles, timeouts, and how a callee's failure stays
//! the callee's.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::*;

fn target(key: &str) -> Value {
    json!({"class": "probe", "key": key})
}

fn call(key: &str, method: &str, payload: Value) -> Value {
    json!({"target": target(key), "method": method, "payload": payload})
}

async fn probe_server() -> TestServer {
    let s = TestServer::start().await;
    s.deploy_ok("probe", probe_wasm()).await;
    s
}

#[tokio::test]
async fn a_call_returns_the_callees_reply_and_both_commit() {
    let s = probe_server().await;
    let reply = s
        .ok(
            "probe/a",
            "call",
            json!({"set_before": {"key": "mine", "value": "a"}, "calls": [
                call("b", "set", json!({"key": "theirs", "value": "b"})),
                call("b", "get", json!({"key": "theirs"})),
                call("b", "caller-actor", json!(null)),
            ]}),
        )
        .await;
    assert_eq!(reply[0], json!({"ok": {"ok": true}}));
    assert_eq!(reply[1], json!({"ok": {"value": "b"}}));
    assert_eq!(reply[2]["ok"]["caller_actor"], "probe/a");
    assert_eq!(s.ok("probe/a", "get", json!({"key": "mine"})).await, json!({"value": "a"}));
    assert_eq!(s.ok("probe/b", "get", json!({"key": "theirs"})).await, json!({"value": "b"}));
    // Survives a restart: both turns were durable before the client's reply.
    let s = s.restart().await;
    assert_eq!(s.ok("probe/b", "get", json!({"key": "theirs"})).await, json!({"value": "b"}));
    assert_eq!(s.ok("probe/a", "get", json!({"key": "mine"})).await, json!({"value": "a"}));
}

#[tokio::test]
async fn a_callees_error_rolls_back_only_the_callee_and_the_caller_decides() {
    let s = probe_server().await;
    let reply = s
        .ok(
            "probe/a",
            "call",
            json!({"set_before": {"key": "k", "value": "caller"}, "calls": [
                call("b", "set-then-error", json!({"key": "k", "value": "callee"})),
                call("b", "set-then-trap", json!({"key": "k", "value": "callee"})),
                call("b", "no-such-method", json!(null)),
                json!({"target": {"class": "nope", "key": "x"}, "method": "get"}),
                json!({"target": {"class": "probe", "key": ""}, "method": "get"}),
                json!({"target": {"class": "Not A Class", "key": "x"}, "method": "get"}),
                json!({"target": {"class": "nope", "key": ""}, "method": "get"}),
            ]}),
        )
        .await;
    assert_eq!(reply[0]["error"], "failed", "{reply}");
    assert_eq!(reply[1]["error"], "trapped", "{reply}");
    assert_eq!(reply[2]["error"], "unknown-method", "{reply}");
    assert_eq!(reply[3]["error"], "unknown-class", "{reply}");
    assert_eq!(reply[4]["error"], "invalid", "{reply}");
    assert_eq!(reply[5]["error"], "invalid", "{reply}");
    assert_eq!(reply[6]["error"], "invalid", "a bad key is invalid whatever the class: {reply}");
    // The caller handled the errors and committed; the callee committed nothing.
    assert_eq!(s.ok("probe/a", "get", json!({"key": "k"})).await, json!({"value": "caller"}));
    assert_eq!(s.ok("probe/b", "get", json!({"key": "k"})).await, json!({"value": null}));
}

#[tokio::test]
async fn a_call_back_into_a_waiting_actor_runs_inside_its_turn() {
    let s = probe_server().await;
    // a -> b -> a: the nested turn sees a's uncommitted write and its own
    // write joins a's turn.
    let inner = json!({"calls": [
        call("a", "get", json!({"key": "outer"})),
        call("a", "set", json!({"key": "nested", "value": "from-b"})),
    ]});
    let reply = s
        .ok(
            "probe/a",
            "call",
            json!({"set_before": {"key": "outer", "value": "x"}, "calls": [call("b", "call", inner)]}),
        )
        .await;
    let nested = &reply[0]["ok"];
    assert_eq!(nested[0], json!({"ok": {"value": "x"}}), "{reply}");
    assert_eq!(nested[1], json!({"ok": {"ok": true}}), "{reply}");
    assert_eq!(s.ok("probe/a", "get", json!({"key": "nested"})).await, json!({"value": "from-b"}));
    // A self-call is reentrant too.
    let reply = s.ok("probe/c", "call", json!({"calls": [call("c", "set", json!({"key": "s", "value": "1"}))]})).await;
    assert_eq!(reply[0], json!({"ok": {"ok": true}}));
    assert_eq!(s.ok("probe/c", "get", json!({"key": "s"})).await, json!({"value": "1"}));
}

#[tokio::test]
async fn a_nested_turn_that_fails_leaves_the_outer_turn_intact() {
    let s = probe_server().await;
    let inner = json!({"calls": [call("a", "set-then-error", json!({"key": "k", "value": "nested"}))]});
    let reply = s
        .ok(
            "probe/a",
            "call",
            json!({"set_before": {"key": "k", "value": "outer"}, "calls": [call("b", "call", inner)]}),
        )
        .await;
    assert_eq!(reply[0]["ok"][0]["error"], "failed", "{reply}");
    assert_eq!(s.ok("probe/a", "get", json!({"key": "k"})).await, json!({"value": "outer"}));
}

#[tokio::test]
async fn a_deadlock_between_two_chains_is_refused_with_the_cycle() {
    let s = probe_server().await;
    // Chain 1: x waits (polling a flag) until chain 2 has started, then calls y.
    // Chain 2: y raises the flag, then calls x. Each actor is busy in its own
    // chain's turn, so one of the two calls closes a cycle.
    let chain1 = s.ok(
        "probe/x",
        "poll-then-call",
        json!({
            "poll": call("flag", "get", json!({"key": "go"})),
            "until": {"value": "1"},
            "max_polls": 100000,
            "then": call("y", "get", json!({"key": "k"})),
        }),
    );
    let chain2 = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        s.ok(
            "probe/y",
            "call",
            json!({"calls": [
                call("flag", "set", json!({"key": "go", "value": "1"})),
                call("x", "get", json!({"key": "k"})),
            ]}),
        )
        .await
    };
    let (r1, r2) = tokio::time::timeout(Duration::from_secs(20), async { tokio::join!(chain1, chain2) })
        .await
        .expect("no hang: the cycle is detected");
    let last1 = &r1["then"];
    let last2 = &r2[1];
    let cycles: Vec<&Value> = [last1, last2].into_iter().filter(|r| r["error"] == "cycle").collect();
    assert_eq!(cycles.len(), 1, "exactly one chain sees the cycle: {r1} / {r2}");
    let named = cycles[0]["cycle"].as_array().expect("cycle names actors");
    let mut names: Vec<&str> = named.iter().filter_map(Value::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["probe/x", "probe/y"], "{}", cycles[0]);
    // The other call went through once the refused chain finished.
    let other = if last1["error"] == "cycle" { last2 } else { last1 };
    assert_eq!(other["ok"], json!({"value": null}), "{other}");
}

#[tokio::test]
async fn a_call_times_out_while_the_callee_keeps_its_turn() {
    let s = TestServer::start_with(|c| c.actors.turn_deadline_ms = 2000).await;
    s.deploy_ok("probe", probe_wasm()).await;
    let mut spec = call("slow", "spin", json!(null));
    spec["timeout_ms"] = json!(100);
    let started = std::time::Instant::now();
    let reply = s.ok("probe/a", "call", json!({"calls": [spec]})).await;
    assert_eq!(reply[0]["error"], "timeout", "{reply}");
    assert!(started.elapsed() < Duration::from_millis(1900), "timed out before the callee's deadline");
    // Waiting in a call does not count against the caller's own deadline.
    let mut spec = call("slow2", "spin", json!(null));
    spec["timeout_ms"] = json!(1500);
    let s2 = TestServer::start_with(|c| c.actors.turn_deadline_ms = 1000).await;
    s2.deploy_ok("probe", probe_wasm()).await;
    let reply = s2.ok("probe/a", "call", json!({"calls": [spec]})).await;
    assert_eq!(reply[0]["error"], "trapped", "the callee hit its deadline, the caller did not: {reply}");
}

#[tokio::test]
async fn the_principal_flows_down_the_chain() {
    let s = probe_server().await;
    let reply = s.ok("probe/a", "call", json!({"calls": [call("b", "caller-actor", json!(null))]})).await;
    assert_eq!(reply[0]["ok"]["caller_actor"], "probe/a");
    assert_eq!(s.ok("probe/b", "caller-actor", json!(null)).await["caller_actor"], Value::Null);
}
