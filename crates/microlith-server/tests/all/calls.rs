//! Calls to example actors and the errors bad inputs get.

use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn counter_counts_and_todo_keeps_a_list() {
    let s = TestServer::start().await;
    s.deploy_ok("counter", counter_wasm()).await;
    s.deploy_ok("todo", todo_wasm()).await;
    assert_eq!(s.ok("counter/a", "incr", json!(null)).await, json!({"value": 1}));
    assert_eq!(s.ok("counter/a", "incr", json!({"by": 41})).await, json!({"value": 42}));
    assert_eq!(s.ok("counter/b", "get", json!(null)).await, json!({"value": 0}));
    assert_eq!(s.ok("counter/a", "get", json!(null)).await, json!({"value": 42}));

    let first = s.ok("todo/me", "add", json!({"title": "write tests"})).await;
    assert_eq!(first["title"], "write tests");
    for i in 0..30 {
        s.ok("todo/me", "add", json!({"title": format!("item {i}")})).await;
    }
    let toggled = s.ok("todo/me", "toggle", json!({"id": first["id"]})).await;
    assert_eq!(toggled["done"], true);
    let list = s.ok("todo/me", "list", json!(null)).await;
    assert_eq!(list.as_array().map(Vec::len), Some(31));
    assert_eq!(list[0]["done"], true);
    assert_eq!(s.ok("todo/me", "clear-done", json!(null)).await, json!({"removed": 1}));
    assert_eq!(s.ok("todo/me", "list", json!(null)).await.as_array().map(Vec::len), Some(30));
    assert_error(&s.call("todo/me", "add", json!({"title": "  "})).await, 400, "bad_request");
    assert_error(&s.call("todo/me", "toggle", json!({"id": 999})).await, 422, "guest_error");
}

/// A component that uses an async built-in of the component model.
const ASYNC_ABI_COMPONENT: &str = r#"
(component
  (core module $m (func (export "f")))
  (core func $inc (canon backpressure.inc))
  (core instance $i (instantiate $m))
)
"#;

#[tokio::test]
async fn bad_inputs_get_clear_errors() {
    let s = TestServer::start_with(|c| c.actors.max_payload_bytes = 1024).await;
    s.deploy_ok("counter", counter_wasm()).await;
    assert_error(&s.call("nosuch/a", "incr", json!(null)).await, 404, "unknown_class");
    assert_error(&s.call("counter/a", "explode", json!(null)).await, 404, "unknown_method");
    assert_error(&s.call_raw("counter/a/incr", "{not json").await, 400, "invalid_json");
    assert_error(&s.call("counter/a", "incr", json!({"by": "many"})).await, 400, "bad_request");
    assert_error(&s.call_raw("counter/a/incr", vec![b' '; 4096]).await, 413, "payload_too_large");
    assert_error(&s.call("Counter/a", "incr", json!(null)).await, 400, "invalid_name");
    assert_error(&s.deploy("counter", b"\0asm not really".to_vec()).await, 400, "invalid_component");
    assert_error(&s.deploy("counter", Vec::new()).await, 400, "invalid_component");
    // A core module is wasm but not a component of our world.
    assert_error(&s.deploy("counter", b"\0asm\x01\0\0\0".to_vec()).await, 400, "invalid_component");
    // The engine runs without the component model's async ABI (guests use the
    // synchronous one): a component that uses it is refused as it compiles, saying why.
    let async_abi = wat::parse_str(ASYNC_ABI_COMPONENT).expect("wat");
    let reply = s.deploy("counter", async_abi).await;
    assert_error(&reply, 400, "invalid_component");
    assert!(reply.1["error"]["message"].as_str().is_some_and(|m| m.contains("async")), "{}", reply.1);
    assert_error(&s.deploy("Bad Name", counter_wasm()).await, 400, "invalid_name");
    let (status, body) = s.get_json("/v1/nowhere").await;
    assert_error(&(status, body), 404, "not_found");
    // Nothing of the above touched the counter.
    assert_eq!(s.ok("counter/a", "get", json!(null)).await, json!({"value": 0}));
    // The reply to a payload that is not JSON by content type is passed through.
    let resp = s
        .http
        .post(format!("{}/v1/actors/counter/a/incr", s.url))
        .header("content-type", "application/octet-stream")
        .body("")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 200);
}

#[tokio::test]
async fn state_rolls_back_on_guest_error_and_on_trap() {
    let s = TestServer::start().await;
    s.deploy_ok("probe", probe_wasm()).await;
    s.ok("probe/x", "set", json!({"key": "k", "value": "committed"})).await;
    assert_error(&s.call("probe/x", "set-then-error", json!({"key": "k", "value": "lost"})).await, 422, "guest_error");
    assert_eq!(s.ok("probe/x", "get", json!({"key": "k"})).await, json!({"value": "committed"}));
    assert_error(&s.call("probe/x", "set-then-trap", json!({"key": "k", "value": "lost"})).await, 500, "guest_trap");
    assert_eq!(s.ok("probe/x", "get", json!({"key": "k"})).await, json!({"value": "committed"}));
    // The replaced instance serves on, and the rollback survives a restart.
    s.ok("probe/x", "set", json!({"key": "k2", "value": "v2"})).await;
    let s = s.restart().await;
    assert_eq!(s.ok("probe/x", "get", json!({"key": "k"})).await, json!({"value": "committed"}));
    assert_eq!(s.ok("probe/x", "get", json!({"key": "k2"})).await, json!({"value": "v2"}));
}

#[tokio::test]
async fn host_context_and_scan_reach_the_guest() {
    let s = TestServer::start().await;
    s.deploy_ok("probe", probe_wasm()).await;
    let me = s.ok("probe/who%20am%20i", "whoami", json!(null)).await;
    assert_eq!((me["class"].as_str(), me["key"].as_str()), (Some("probe"), Some("who am i")));
    assert!(me["turn_time"].as_u64().is_some_and(|t| t > 1_600_000_000_000), "{me}");
    for i in 0..12 {
        s.ok("probe/scan", "set", json!({"key": format!("p/{i:02}"), "value": i.to_string()})).await;
    }
    s.ok("probe/scan", "set", json!({"key": "q", "value": "other"})).await;
    let page = s.ok("probe/scan", "scan", json!({"prefix": "p/", "limit": 5})).await;
    let keys: Vec<_> =
        page.as_array().expect("array").iter().map(|e| e["key"].as_str().unwrap_or("").to_string()).collect();
    assert_eq!(keys, ["p/00", "p/01", "p/02", "p/03", "p/04"]);
    let page = s.ok("probe/scan", "scan", json!({"prefix": "p/", "start_after": "p/09", "limit": 5})).await;
    assert_eq!(page.as_array().map(Vec::len), Some(2));
    s.ok("probe/scan", "log", json!({"message": "hello from the guest"})).await;
    assert_eq!(s.ok("probe/scan", "echo", json!({"a": [1, 2]})).await, json!({"a": [1, 2]}));
}

#[tokio::test]
async fn state_limits_are_enforced_as_guest_visible_errors() {
    let s = TestServer::start_with(|c| c.actors.max_value_bytes = 1000).await;
    s.deploy_ok("probe", probe_wasm()).await;
    s.ok("probe/lim", "write-bytes", json!({"key": "small", "size": 1000})).await;
    let big = s.call("probe/lim", "write-bytes", json!({"key": "big", "size": 1001})).await;
    assert_error(&big, 422, "guest_error");
    let long_key = "k".repeat(2000);
    assert_error(&s.call("probe/lim", "set", json!({"key": long_key, "value": "v"})).await, 422, "guest_error");
    assert_eq!(s.ok("probe/lim", "get", json!({"key": "big"})).await, json!({"value": null}));
}

#[tokio::test]
async fn concurrent_clients_on_one_actor_lose_no_update() {
    let s = TestServer::start().await;
    s.deploy_ok("counter", counter_wasm()).await;
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let http = s.http.clone();
        let url = format!("{}/v1/actors/counter/hot/incr", s.url);
        tasks.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            for _ in 0..25 {
                let r = http.post(&url).send().await.expect("send");
                assert_eq!(r.status().as_u16(), 200);
                let v: serde_json::Value = r.json().await.expect("json");
                seen.push(v["value"].as_u64().expect("value"));
            }
            seen
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    all.sort_unstable();
    // Every increment got a distinct value: 1..=800, no update lost.
    assert_eq!(all, (1..=800).collect::<Vec<u64>>());
    let s = s.restart().await;
    assert_eq!(s.ok("counter/hot", "get", json!(null)).await, json!({"value": 800}));
}
