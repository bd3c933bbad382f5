//! The language-independent conformance suite (`conformance/cases.json`,
//! specified in `conformance/README.md`), run through a real server against
//! the `counter`, `todo` and `conformance` components of every guest
//! language.
//!
//! Rust components are committed (`examples/wasm`, `test-actors/wasm`);
//! the other languages' are built by `scripts/build-lang-guests` into
//! `target/guests/lang/<language>/`. `MICROLITH_CONFORMANCE_LANGS` (a comma
//! list) limits the run to some languages; by default every language in
//! [`LANGUAGES`] runs, and a missing component fails the test with the
//! command that builds it.
//!
//! Live views are checked over a real WebSocket (`docs/protocol.md`) with
//! the protocol client of the `ws` tests: a `subscribe` step opens a
//! subscription (as an anonymous viewer or with a token for `viewer`) and
//! checks its snapshot or its error; a `deltas` step applies the deltas
//! that subscription receives until its view is the expected one.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::*;
use crate::ws::{Client, apply, token};

/// Languages whose components the suite runs by default.
const LANGUAGES: &[&str] = &["rust", "assemblyscript", "c", "zig", "python", "js"];

/// Languages whose components import no WASI (so `ambient` reports
/// `{"wasi": false}`).
const WITHOUT_WASI: &[&str] = &["rust", "c", "zig", "assemblyscript"];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Expands `{"repeat": s, "times": n}` into `s` repeated `n` times and
/// `$KEY` into the case's actor key, anywhere in `v`.
fn expand(v: &Value, key: &str) -> Value {
    match v {
        Value::String(s) => Value::String(s.replace("$KEY", key)),
        Value::Array(a) => Value::Array(a.iter().map(|x| expand(x, key)).collect()),
        Value::Object(o) => {
            if let (Some(Value::String(s)), Some(n)) = (o.get("repeat"), o.get("times").and_then(Value::as_u64))
                && o.len() == 2
            {
                return Value::String(s.repeat(usize::try_from(n).expect("small")));
            }
            Value::Object(o.iter().map(|(k, x)| (k.clone(), expand(x, key))).collect())
        }
        other => other.clone(),
    }
}

struct Call {
    status: u16,
    bytes: Vec<u8>,
}

async fn call(s: &TestServer, class: &str, key: &str, method: &str, step: &Value) -> Call {
    let url = format!("{}/v1/actors/{class}/{key}/{method}", s.url);
    let req = if let Some(raw) = step.get("raw") {
        let raw = expand(raw, key);
        s.http.post(url).header("content-type", "application/octet-stream").body(raw.as_str().expect("raw").to_string())
    } else {
        let payload = step.get("payload").map(|p| expand(p, key)).unwrap_or(Value::Null);
        let body = if payload.is_null() { Vec::new() } else { serde_json::to_vec(&payload).expect("json") };
        s.http.post(url).header("content-type", "application/json").body(body)
    };
    let resp = req.send().await.expect("send");
    let status = resp.status().as_u16();
    Call { status, bytes: resp.bytes().await.expect("body").to_vec() }
}

fn check(lang: &str, case: &str, i: usize, expect: &Value, got: &Call, key: &str) {
    let json: Value = serde_json::from_slice(&got.bytes).unwrap_or(Value::Null);
    let ctx = format!("[{lang}] {case}, step {i}: got {} {}", got.status, String::from_utf8_lossy(&got.bytes));
    assert_eq!(Some(u64::from(got.status)), expect["status"].as_u64(), "{ctx}");
    if let Some(body) = expect.get("body") {
        assert_eq!(json, expand(body, key), "{ctx}");
    }
    if let Some(code) = expect.get("code") {
        assert_eq!(json["error"]["code"], *code, "{ctx}");
    }
    if let Some(raw) = expect.get("raw") {
        assert_eq!(got.bytes, expand(raw, key).as_str().expect("raw").as_bytes(), "{ctx}");
    }
    if expect.get("ambient").is_some() {
        if WITHOUT_WASI.contains(&lang) {
            assert_eq!(json, serde_json::json!({"wasi": false}), "{ctx}");
        } else {
            assert_eq!(json["wasi"], true, "{ctx}");
            assert_eq!(json["file"], "denied", "{ctx}");
            assert_eq!(json["env"], serde_json::json!([]), "{ctx}");
            assert_eq!(json["socket"], "denied", "{ctx}");
        }
    }
}

/// One open view subscription of a case: its connection, the view it has
/// put together from its snapshot and deltas, and that view's sequence number.
struct Sub {
    client: Client,
    view: Value,
    seq: u64,
}

/// How long a subscription may wait for its next frame.
const FRAME_TIMEOUT: Duration = Duration::from_secs(8);

/// The next frame of `sub`, or a failure naming the step.
async fn next_frame(sub: &mut Sub, ctx: &str) -> Value {
    match tokio::time::timeout(FRAME_TIMEOUT, sub.client.recv()).await {
        Ok(frame) => frame,
        Err(_) => panic!("{ctx}: no frame within {FRAME_TIMEOUT:?}; the view is still {}", sub.view),
    }
}

/// `{"subscribe": name, "viewer": principal?, "expect": {"view": v} | {"error": code}}`:
/// subscribes to the case's actor and checks the snapshot (or the error
/// that ends the subscription). Keeps the subscription under `name`.
async fn subscribe(s: &TestServer, subs: &mut HashMap<String, Sub>, class: &str, key: &str, step: &Value, ctx: &str) {
    let name = step["subscribe"].as_str().expect("subscribe: a name");
    let viewer = step.get("viewer").and_then(Value::as_str).map(token);
    let mut client = Client::connect(&s.url, viewer.as_deref()).await;
    client.send(json!({"op": "subscribe", "id": 1, "actor": format!("{class}/{key}")})).await;
    let mut sub = Sub { client, view: Value::Null, seq: 0 };
    let frame = next_frame(&mut sub, ctx).await;
    let expect = &step["expect"];
    if let Some(code) = expect.get("error") {
        assert_eq!((frame["op"].as_str(), &frame["code"]), (Some("error"), code), "{ctx}: got {frame}");
        assert!(frame["message"].as_str().is_some_and(|m| !m.is_empty()), "{ctx}: an error says why: {frame}");
        return;
    }
    assert_eq!(frame["op"], "snapshot", "{ctx}: got {frame}");
    sub.view = frame["view"].clone();
    sub.seq = frame["seq"].as_u64().expect("snapshot seq");
    assert_eq!(sub.view, expand(&expect["view"], key), "{ctx}: snapshot");
    subs.insert(name.to_string(), sub);
}

/// `{"deltas": name, "expect": {"view": v}}`: applies the deltas the
/// subscription `name` receives until its view is `v` (each delta must
/// follow the previous view; a snapshot or an error fails the step).
async fn deltas(subs: &mut HashMap<String, Sub>, key: &str, step: &Value, ctx: &str) {
    let name = step["deltas"].as_str().expect("deltas: a name");
    let sub = subs.get_mut(name).unwrap_or_else(|| panic!("{ctx}: no open subscription {name:?}"));
    let want = expand(&step["expect"]["view"], key);
    let mut seen = 0;
    while sub.view != want || seen == 0 {
        let frame = next_frame(sub, ctx).await;
        assert_eq!(frame["op"], "delta", "{ctx}: expected a delta towards {want}, got {frame}");
        assert_eq!(frame["base"].as_u64(), Some(sub.seq), "{ctx}: a delta from another view: {frame}");
        apply(&mut sub.view, &frame["patch"]);
        sub.seq = frame["seq"].as_u64().expect("delta seq");
        seen += 1;
    }
}

async fn run_language(lang: &str, spec: &Value) {
    let server = &spec["server"];
    let mut s = TestServer::start_with(|c| {
        c.actors.max_value_bytes = server["max_value_bytes"].as_u64().expect("max_value_bytes") as usize;
        c.actors.turn_deadline_ms = server["turn_deadline_ms"].as_u64().expect("turn_deadline_ms");
        c.actors.memory_limit_mib = server["memory_limit_mib"].as_u64().expect("memory_limit_mib");
        // Viewers with a principal connect with a token signed by this secret.
        c.auth.jwt_secret = Some(crate::ws::SECRET.into());
    })
    .await;
    for class in ["counter", "todo", "conformance"] {
        s.deploy_ok(class, lang_component(lang, class)).await;
    }
    for (n, case) in spec["cases"].as_array().expect("cases").iter().enumerate() {
        let name = case["name"].as_str().expect("name");
        let class = case["class"].as_str().expect("class");
        let key = format!("case-{n}");
        let mut subs = HashMap::new();
        for (i, step) in case["steps"].as_array().expect("steps").iter().enumerate() {
            let ctx = format!("[{lang}] {name}, step {i}");
            if step.get("restart").is_some() {
                subs.clear();
                s = s.restart().await;
            } else if step.get("subscribe").is_some() {
                subscribe(&s, &mut subs, class, &key, step, &ctx).await;
            } else if step.get("deltas").is_some() {
                deltas(&mut subs, &key, step, &ctx).await;
            } else if let Some(ev) = step.get("eventually") {
                let want = expand(&ev["body"], &key);
                let mut last = Value::Null;
                for _ in 0..500 {
                    let got =
                        call(&s, ev["class"].as_str().expect("class"), &key, ev["method"].as_str().expect("m"), ev)
                            .await;
                    last = serde_json::from_slice(&got.bytes).unwrap_or(Value::Null);
                    if last == want {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                assert_eq!(last, want, "[{lang}] {name}, step {i}: never reached");
            } else {
                let method = step["method"].as_str().expect("method");
                let got = call(&s, class, &key, method, step).await;
                check(lang, name, i, &step["expect"], &got, &key);
            }
        }
    }
}

#[tokio::test]
async fn every_language_passes_the_conformance_suite() {
    let spec: Value =
        serde_json::from_slice(&std::fs::read(repo().join("conformance/cases.json")).expect("cases.json"))
            .expect("json");
    let langs: Vec<String> = match std::env::var("MICROLITH_CONFORMANCE_LANGS") {
        Ok(list) if !list.trim().is_empty() => list.split(',').map(|l| l.trim().to_string()).collect(),
        _ => LANGUAGES.iter().map(|l| l.to_string()).collect(),
    };
    for lang in &langs {
        run_language(lang, &spec).await;
    }
}
