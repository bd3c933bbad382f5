//! The admin API: deploy, list, inspect, health, metrics, credentials.

use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn admin_api_lists_and_inspects() {
    let s = TestServer::start().await;
    let deployed = s.deploy_ok("counter", counter_wasm()).await;
    assert_eq!(deployed["class"], "counter");
    assert_eq!(deployed["version"].as_str().map(str::len), Some(64));
    for k in ["b", "a", "c"] {
        s.ok(&format!("counter/{k}"), "incr", json!(null)).await;
    }
    let (status, actors) = s.get_json("/v1/classes/counter/actors").await;
    assert_eq!(status, 200);
    assert_eq!(actors, json!({"actors": ["a", "b", "c"]}));
    let (_, page) = s.get_json("/v1/classes/counter/actors?after=a&limit=1").await;
    assert_eq!(page, json!({"actors": ["b"]}));
    let (status, state) = s.get_json("/v1/actors/counter/a/state").await;
    assert_eq!(status, 200);
    assert_eq!(state, json!({"entries": [{"key": "value", "value": "1", "bytes": 1}]}));
    let (status, health) = s.get_json("/healthz").await;
    assert_eq!((status, health["status"].as_str(), health["classes"].as_u64()), (200, Some("ok"), Some(1)));
    let metrics = s.http.get(format!("{}/metrics", s.url)).send().await.expect("send").text().await.expect("text");
    assert!(metrics.contains("microlith_turns_total 3"), "{metrics}");
    let (status, _) = s.get_json("/v1/classes/nosuch/actors").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn admin_token_guards_deploys_but_not_calls() {
    let s = TestServer::start_with(|c| c.admin_token = Some("s3cret".into())).await;
    assert_error(&s.deploy("counter", counter_wasm()).await, 401, "unauthorized");
    let resp = s
        .http
        .put(format!("{}/v1/classes/counter", s.url))
        .bearer_auth("wrong")
        .body(counter_wasm())
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 401);
    let resp = s
        .http
        .put(format!("{}/v1/classes/counter", s.url))
        .bearer_auth("s3cret")
        .body(counter_wasm())
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(s.ok("counter/x", "incr", json!(null)).await, json!({"value": 1}));
    let (status, _) = s.get_json("/v1/actors/counter/x/state").await;
    assert_eq!(status, 401);
}
