//! Hot swap (`docs/design/0005-hot-swap.md`) against the real server:
//! deploys and rollbacks under load, migrations and their failures,
//! automatic rollback, canaries, promotion, live subscriptions across a
//! swap, self-checks, dry runs, and unloading of unused versions.
//!
//! The probe comes in three builds of the same code: `probe` (schema 0),
//! `probe-v2` (schema 2) and `probe-broken` (whose self-check fails). Its
//! `migrate` obeys the state key `migrate-mode` and records `migrated-from`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::support::{TestServer, fixture, probe_wasm, todo_wasm};

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next text frame as JSON (20 s at most).
async fn next_text(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("a frame in time")
            .expect("connection open")
            .expect("frame");
        if let Message::Text(t) = msg {
            return serde_json::from_str(t.as_str()).expect("server frames are JSON");
        }
    }
}

fn probe_v2() -> Vec<u8> {
    fixture("test-actors/wasm/probe-v2.wasm")
}

impl TestServer {
    async fn post(&self, path: &str, body: Vec<u8>) -> (u16, Value) {
        let resp = self.http.post(format!("{}{path}", self.url)).body(body).send().await.expect("send");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, actor: &str, key: &str) -> Option<String> {
        self.ok(actor, "get", json!({"key": key})).await["value"].as_str().map(str::to_string)
    }

    async fn set(&self, actor: &str, key: &str, value: &str) {
        self.ok(actor, "set", json!({"key": key, "value": value})).await;
    }
}

/// What a writer saw: acknowledged (actor, write) pairs, and failures.
type LoadOutcome = (Vec<(usize, u64)>, Vec<String>);

/// Concurrent writers on `actors` actors of class `p`, each write a unique
/// key, until `stop`; returns (acknowledged keys per actor, failures).
fn load(
    ts: &TestServer,
    actors: usize,
    tasks: usize,
    stop: Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<LoadOutcome>> {
    let sent = Arc::new(AtomicU64::new(0));
    (0..tasks)
        .map(|t| {
            let (url, http, stop, sent) = (ts.url.clone(), ts.http.clone(), stop.clone(), sent.clone());
            tokio::spawn(async move {
                let (mut acked, mut failed) = (Vec::new(), Vec::new());
                let mut i = t;
                // Bounded: stops when told, after 60 s, or after 200,000
                // writes in all (a count the test never needs: it stops the
                // load once it has seen what it waits for).
                let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
                while !stop.load(Ordering::Relaxed)
                    && tokio::time::Instant::now() < deadline
                    && sent.fetch_add(1, Ordering::Relaxed) < 200_000
                {
                    let actor = i % actors;
                    let n = i as u64;
                    let body = json!({"key": format!("w/{n:08}"), "value": "1"}).to_string();
                    let resp = http.post(format!("{url}/v1/actors/p/a{actor}/set")).body(body).send().await;
                    match resp {
                        Ok(r) if r.status().is_success() => acked.push((actor, n)),
                        Ok(r) => {
                            failed.push(format!("a{actor}: {} {}", r.status(), r.text().await.unwrap_or_default()))
                        }
                        Err(e) => failed.push(format!("a{actor}: {e}")),
                    }
                    i += tasks;
                }
                (acked, failed)
            })
        })
        .collect()
}

/// Waits (at most 30 s, polling the deploy status while the load runs)
/// until class `p` has counted more than `count` migrations; returns that
/// status.
async fn migrated_beyond(ts: &TestServer, count: u64) -> Value {
    let mut status = ts.status("p").await;
    for _ in 0..300 {
        if status["migrated"].as_u64().unwrap_or(0) > count {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        status = ts.status("p").await;
    }
    panic!("no more than {count} actors migrated under load within 30 s: {status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_deploy_and_a_rollback_under_load_fail_no_request_and_lose_no_write() {
    let ts = TestServer::start().await;
    let v1 = ts.deploy_ok("p", probe_wasm()).await;
    const ACTORS: usize = 100;
    for a in 0..ACTORS {
        ts.set(&format!("p/a{a}"), "seed", "1").await;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let tasks = load(&ts, ACTORS, 16, stop.clone());
    tokio::time::sleep(Duration::from_millis(300)).await;

    // v2 has another schema: every actor migrates at its next turn.
    let v2 = ts.deploy_ok("p", probe_v2()).await;
    assert_eq!(v2["schema"], 2, "{v2}");
    assert_eq!(v2["rollout"]["last"]["phase"], "live");
    let mid = migrated_beyond(&ts, 0).await;
    assert_eq!(mid["failed"], 0, "{mid}");

    // Back to v1, which migrates from schema 2 back again.
    let (code, back) = ts.post("/v1/classes/p/rollback?reason=test", Vec::new()).await;
    assert_eq!(code, 200, "{back}");
    assert_eq!(back["rollout"]["stable"], v1["version"], "{back}");
    assert_eq!(back["rollout"]["last"]["phase"], "rolled_back");
    // The load runs on through the rollback (it stops only when told).
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);

    let (mut acked, mut failed) = (Vec::new(), Vec::new());
    for t in tasks {
        let (a, f) = t.await.expect("load task");
        acked.extend(a);
        failed.extend(f);
    }
    assert!(
        failed.is_empty(),
        "{} requests failed during the swap, e.g. {:?}",
        failed.len(),
        &failed[..failed.len().min(3)]
    );
    assert!(acked.len() > 100, "the load ran ({} writes)", acked.len());
    for (actor, n) in &acked {
        assert_eq!(
            ts.get(&format!("p/a{actor}"), &format!("w/{n:08}")).await.as_deref(),
            Some("1"),
            "write {n} on a{actor} lost"
        );
    }
    // Every actor ends on v1's schema; those that ran under v2 migrated back.
    let mut back_from_2 = 0;
    for a in 0..ACTORS {
        let actor = format!("p/a{a}");
        assert_eq!(ts.get(&actor, "seed").await.as_deref(), Some("1"));
        if ts.get(&actor, "migrated-from").await.as_deref() == Some("2") {
            back_from_2 += 1;
            assert_eq!(ts.get(&actor, "v/schema").await.as_deref(), Some("0"), "{actor}");
        }
    }
    assert!(back_from_2 > 0, "some actors were migrated to v2 and back");
    let end = ts.status("p").await;
    assert_eq!((end["failed"].as_u64(), end["pinned"].as_u64()), (Some(0), Some(0)), "{end}");
}

#[tokio::test]
async fn a_failing_migration_keeps_its_actor_on_the_old_version_and_rolls_the_deploy_back() {
    let ts = TestServer::start().await;
    let v1 = ts.deploy_ok("p", probe_wasm()).await;
    for a in ["good", "bad", "idle"] {
        ts.set(&format!("p/{a}"), "x", "1").await;
    }
    ts.set("p/bad", "migrate-mode", "fail").await;

    let v2 = ts.deploy_ok("p", probe_v2()).await;
    assert_eq!(v2["rollout"]["max_failures"], 1);
    assert_eq!(ts.get("p/good", "migrated-from").await.as_deref(), Some("0"), "good migrated to v2");
    // bad's migration fails: its call is served by v1 on untouched state.
    assert_eq!(ts.get("p/bad", "x").await.as_deref(), Some("1"));
    assert_eq!(ts.get("p/bad", "migrated-from").await, None, "a failed migration commits nothing");
    // One failure is the default limit: the deploy rolls back by itself.
    let mut status = Value::Null;
    for _ in 0..500 {
        status = ts.status("p").await;
        if status["rollout"]["last"]["phase"] == "rolled_back" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(status["rollout"]["last"]["phase"], "rolled_back", "{status}");
    assert_eq!(status["rollout"]["stable"], v1["version"]);
    let reason = status["rollout"]["last"]["reason"].as_str().unwrap_or("");
    assert!(reason.contains("bad") && reason.contains("refused by migrate-mode"), "{reason}");
    // good goes back to v1 (which migrates it from schema 2); idle never moved.
    assert_eq!(ts.get("p/good", "migrated-from").await.as_deref(), Some("2"));
    assert_eq!(ts.get("p/idle", "migrated-from").await, None);
    assert_eq!(ts.get("p/bad", "x").await.as_deref(), Some("1"));

    // With a higher limit, a trap or a call in `migrate` only pins the actor.
    ts.set("p/bad", "migrate-mode", "trap").await;
    ts.set("p/idle", "migrate-mode", "call").await;
    let (code, v2) = ts.put("/v1/classes/p?max_failures=5", probe_v2()).await;
    assert_eq!(code, 200, "{v2}");
    assert_eq!(ts.get("p/bad", "x").await.as_deref(), Some("1"));
    assert_eq!(ts.get("p/idle", "x").await.as_deref(), Some("1"));
    assert_eq!(ts.get("p/good", "migrated-from").await.as_deref(), Some("0"));
    let status = ts.status("p").await;
    assert_eq!((status["failed"].as_u64(), status["pinned"].as_u64()), (Some(2), Some(2)), "{status}");
    assert_eq!(status["rollout"]["last"]["phase"], "live", "two failures stay under the limit of 5");
    assert_eq!(status["rollout"]["stable"], v2["version"]);
    assert!(
        status["loaded"].as_array().is_some_and(|l| l.len() == 2),
        "v1 stays loaded for the pinned actors: {status}"
    );
    let err = status["last_error"].as_str().unwrap_or("");
    assert!(err.contains("not allowed during migrate") || err.contains("trap") || err.contains("unreachable"), "{err}");
}

#[tokio::test]
async fn a_canary_moves_only_its_actors_until_promoted_and_survives_a_restart() {
    let ts = TestServer::start().await;
    let v1 = ts.deploy_ok("p", probe_wasm()).await;
    let keys: Vec<String> = (0..10).map(|i| format!("k{i}")).collect();
    for k in &keys {
        ts.set(&format!("p/{k}"), "x", "1").await;
    }
    let (code, c) = ts.put("/v1/classes/p?canary=keys&keys=k1,k2", probe_v2()).await;
    assert_eq!(code, 200, "{c}");
    assert_eq!(c["rollout"]["stable"], v1["version"]);
    assert_eq!(c["rollout"]["canary"]["keys"], json!(["k1", "k2"]));
    for k in &keys {
        let expect = if k == "k1" || k == "k2" { Some("0") } else { None };
        assert_eq!(ts.get(&format!("p/{k}"), "migrated-from").await.as_deref(), expect, "{k}");
    }
    // A new actor outside the canary runs v1 too.
    ts.set("p/fresh", "x", "1").await;
    assert_eq!(ts.get("p/fresh", "v/schema").await, None);

    // The canary is recorded: it survives a restart.
    let ts = ts.restart().await;
    let status = ts.status("p").await;
    assert_eq!(status["rollout"]["canary"]["version"], c["version"], "{status}");
    assert_eq!(ts.get("p/k3", "migrated-from").await, None);

    let (code, promoted) = ts.post("/v1/classes/p/promote", Vec::new()).await;
    assert_eq!(code, 200, "{promoted}");
    assert_eq!(promoted["rollout"]["stable"], c["version"]);
    assert_eq!(promoted["rollout"]["previous"], v1["version"]);
    assert_eq!(promoted["rollout"]["last"]["phase"], "promoted");
    for k in &keys {
        assert_eq!(ts.get(&format!("p/{k}"), "v/schema").await.as_deref(), Some("2"), "{k} on v2 after promote");
    }
    // Promote without a canary, or a bad canary, is refused clearly.
    let (code, body) = ts.post("/v1/classes/p/promote", Vec::new()).await;
    assert_eq!((code, body["error"]["code"].as_str()), (409, Some("no_rollout")), "{body}");
    let (code, body) = ts.put("/v1/classes/p?canary=150", probe_wasm()).await;
    assert_eq!((code, body["error"]["code"].as_str()), (400, Some("bad_request")), "{body}");
    let (code, body) = ts.put("/v1/classes/p?canary=keys", probe_wasm()).await;
    assert_eq!((code, body["error"]["code"].as_str()), (400, Some("bad_request")), "{body}");

    // A percentage canary, then an abort: its actors go back.
    let (code, c50) = ts.put("/v1/classes/p?canary=50", probe_wasm()).await;
    assert_eq!(code, 200, "{c50}");
    assert_eq!(c50["rollout"]["canary"]["scope"], "50%");
    let mut on_v1 = 0;
    for k in &keys {
        if ts.get(&format!("p/{k}"), "v/schema").await.as_deref() == Some("0") {
            on_v1 += 1;
        }
    }
    assert!((1..keys.len()).contains(&on_v1), "a 50% canary moved {on_v1} of {} actors", keys.len());
    let (code, aborted) = ts.post("/v1/classes/p/rollback", Vec::new()).await;
    assert_eq!(code, 200, "{aborted}");
    assert_eq!(aborted["rollout"]["last"]["phase"], "aborted");
    assert!(aborted["rollout"]["canary"].is_null());
    for k in &keys {
        assert_eq!(ts.get(&format!("p/{k}"), "v/schema").await.as_deref(), Some("2"), "{k} back on v2");
    }
}

#[tokio::test]
async fn subscribers_stay_connected_across_a_deploy_and_a_rollback_and_get_one_delta_each() {
    let ts = TestServer::start().await;
    ts.deploy_ok("p", probe_wasm()).await;
    ts.set("p/s", "v/x", "1").await;
    let url = format!("{}/v1/ws", ts.url.replace("http://", "ws://"));
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("connect");
    let send = |v: Value| Message::text(v.to_string());
    ws.send(send(json!({"op": "hello", "protocol": 1}))).await.expect("hello");
    assert_eq!(next_text(&mut ws).await["op"], "welcome");
    ws.send(send(json!({"op": "subscribe", "id": 1, "actor": "p/s"}))).await.expect("subscribe");
    let snap = next_text(&mut ws).await;
    assert_eq!(snap["op"], "snapshot", "{snap}");
    assert_eq!(snap["view"]["state"], json!({"x": 1}));

    // The deploy moves the watched actor at once: its migration writes
    // v/schema, and the subscriber gets that as one delta.
    ts.deploy_ok("p", probe_v2()).await;
    let d = next_text(&mut ws).await;
    assert_eq!(d["op"], "delta", "a delta, not a new snapshot: {d}");
    assert_eq!(d["base"], snap["seq"]);
    let mut view = snap["view"].clone();
    let patch: json_patch::Patch = serde_json::from_value(d["patch"].clone()).expect("patch");
    json_patch::patch(&mut view, &patch).expect("applies");
    assert_eq!(view["state"], json!({"x": 1, "schema": 2}));

    // The rollback: one more delta on the same subscription.
    let (code, _) = ts.post("/v1/classes/p/rollback", Vec::new()).await;
    assert_eq!(code, 200);
    let d2 = next_text(&mut ws).await;
    assert_eq!(d2["op"], "delta", "{d2}");
    assert_eq!(d2["base"], d["seq"]);
    let patch: json_patch::Patch = serde_json::from_value(d2["patch"].clone()).expect("patch");
    json_patch::patch(&mut view, &patch).expect("applies");
    assert_eq!(view["state"], json!({"x": 1, "schema": 0}));
    // Still the same live connection.
    ws.send(send(json!({"op": "ping", "id": 9}))).await.expect("ping");
    assert_eq!(next_text(&mut ws).await, json!({"op": "pong", "id": 9}));
}

#[tokio::test]
async fn a_failing_self_check_or_a_bad_component_is_refused_and_the_class_keeps_serving() {
    let ts = TestServer::start().await;
    let v1 = ts.deploy_ok("p", probe_wasm()).await;
    ts.set("p/a", "x", "1").await;
    let (code, body) = ts.deploy("p", fixture("test-actors/wasm/probe-broken.wasm")).await;
    assert_eq!((code, body["error"]["code"].as_str()), (422, Some("self_check_failed")), "{body}");
    assert!(body["error"]["message"].as_str().unwrap_or("").contains("probe-broken refuses to serve"), "{body}");
    let (code, body) = ts.deploy("p", b"not wasm".to_vec()).await;
    assert_eq!((code, body["error"]["code"].as_str()), (400, Some("invalid_component")), "{body}");
    assert_eq!(ts.status("p").await["rollout"]["stable"], v1["version"]);
    assert_eq!(ts.get("p/a", "x").await.as_deref(), Some("1"));
    let (code, body) = ts.post("/v1/classes/nope/rollback", Vec::new()).await;
    assert_eq!((code, body["error"]["code"].as_str()), (404, Some("unknown_class")), "{body}");
    let (code, body) = ts.post("/v1/classes/p/rollback", Vec::new()).await;
    assert_eq!((code, body["error"]["code"].as_str()), (409, Some("no_rollout")), "nothing to roll back to: {body}");
}

#[tokio::test]
async fn a_dry_run_reports_what_would_fail_and_commits_nothing() {
    let ts = TestServer::start().await;
    let v1 = ts.deploy_ok("p", probe_wasm()).await;
    for a in ["a", "b", "c"] {
        ts.set(&format!("p/{a}"), "x", "1").await;
    }
    ts.set("p/b", "migrate-mode", "fail").await;
    let (code, r) = ts.post("/v1/classes/p/dry-run?sample=10", probe_v2()).await;
    assert_eq!(code, 200, "{r}");
    assert_eq!(
        (r["sampled"].as_u64(), r["migrated"].as_u64(), r["up_to_date"].as_u64()),
        (Some(3), Some(2), Some(0)),
        "{r}"
    );
    assert_eq!(r["schema"], 2);
    assert_eq!(r["failed"].as_array().map(Vec::len), Some(1), "{r}");
    assert_eq!(r["failed"][0]["key"], "b");
    assert_eq!(r["failed"][0]["from"], 0);
    assert!(r["writes"].as_u64().unwrap_or(0) >= 4, "{r}");
    // Nothing was committed or deployed.
    assert_eq!(ts.get("p/a", "migrated-from").await, None);
    assert_eq!(ts.status("p").await["rollout"]["stable"], v1["version"]);
    let (code, _) = ts.post("/v1/classes/p/dry-run?sample=0", probe_v2()).await;
    assert_eq!(code, 400);
    let (code, _) = ts.post("/v1/classes/none/dry-run", probe_v2()).await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn todo_lists_migrate_to_v2_with_due_dates_and_stay_migrated_after_a_restart() {
    let ts = TestServer::start().await;
    ts.deploy_ok("todo", todo_wasm()).await;
    ts.ok("todo/home", "add", json!({"title": "milk"})).await;
    ts.ok("todo/home", "add", json!({"title": "bread"})).await;
    ts.ok("todo/home", "toggle", json!({"id": 2})).await;
    let v2 = ts.deploy_ok("todo", fixture("examples/wasm/todo-v2.wasm")).await;
    assert_eq!(v2["schema"], 2);
    let list = ts.ok("todo/home", "list", json!(null)).await;
    assert_eq!(
        list,
        json!([
            {"id": 1, "text": "milk", "done": false, "due": null},
            {"id": 2, "text": "bread", "done": true, "due": null},
        ])
    );
    ts.ok("todo/home", "set-due", json!({"id": 1, "due": "2026-12-24"})).await;
    let added = ts.ok("todo/home", "add", json!({"text": "tea", "due": "2027-01-02"})).await;
    assert_eq!(added["id"], 3);
    let (code, body) = ts.call("todo/home", "set-due", json!({"id": 1, "due": "next week"})).await;
    assert_eq!(code, 400, "{body}");
    let overdue = ts.ok("todo/home", "overdue", json!({"today": "2026-12-31"})).await;
    assert_eq!(overdue.as_array().map(Vec::len), Some(1), "{overdue}");
    // A new list on v2 starts at schema 2 (no migration of nothing).
    ts.ok("todo/new", "add", json!({"text": "x"})).await;
    let ts = ts.restart().await;
    let list = ts.ok("todo/home", "list", json!(null)).await;
    assert_eq!(list[0], json!({"id": 1, "text": "milk", "done": false, "due": "2026-12-24"}));
    assert_eq!(ts.ok("todo/new", "list", json!(null)).await[0]["text"], "x");
    let status = ts.status("todo").await;
    assert_eq!(
        (status["migrated"].as_u64(), status["failed"].as_u64()),
        (Some(0), Some(0)),
        "no second migration: {status}"
    );
}

#[tokio::test]
async fn a_version_no_actor_runs_any_more_is_unloaded() {
    let ts = TestServer::start_with(|c| c.actors.idle_timeout_ms = 300).await;
    ts.deploy_ok("p", probe_wasm()).await;
    ts.set("p/old", "x", "1").await;
    let (code, _) = ts.put("/v1/classes/p?canary=keys&keys=new", probe_v2()).await;
    assert_eq!(code, 200);
    ts.set("p/new", "x", "1").await;
    let loaded = |s: &Value| s["loaded"].as_array().map_or(0, Vec::len);
    assert_eq!(loaded(&ts.status("p").await), 2);
    let (code, _) = ts.post("/v1/classes/p/promote", Vec::new()).await;
    assert_eq!(code, 200);
    // v1 is neither stable nor canary now; once `old` passivates nothing
    // runs it and it is unloaded (its artifact stays cached on disk).
    let mut status = Value::Null;
    for _ in 0..300 {
        status = ts.status("p").await;
        if loaded(&status) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(loaded(&status), 1, "{status}");
    // A rollback loads it again from the store.
    let (code, back) = ts.post("/v1/classes/p/rollback", Vec::new()).await;
    assert_eq!(code, 200, "{back}");
    assert_eq!(ts.get("p/old", "x").await.as_deref(), Some("1"));
}
