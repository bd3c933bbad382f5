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

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::support::*;

/// Languages whose components the suite runs by default.
const LANGUAGES: &[&str] = &["rust", "assemblyscript", "c", "zig", "python", "js"];

/// Languages whose components import no WASI (so `ambient` reports
/// `{"wasi": false}`).
const WITHOUT_WASI: &[&str] = &["rust", "c", "zig", "assemblyscript"];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn component(lang: &str, class: &str) -> Vec<u8> {
    let path = match (lang, class) {
        ("rust", "conformance") => repo().join("test-actors/wasm/conformance.wasm"),
        ("rust", _) => repo().join(format!("examples/wasm/{class}.wasm")),
        _ => repo().join(format!("target/guests/lang/{lang}/{class}.wasm")),
    };
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{} missing ({e}): build it with `scripts/build-lang-guests {lang}` \
             (or limit the languages with MICROLITH_CONFORMANCE_LANGS)",
            path.display()
        )
    })
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

async fn run_language(lang: &str, spec: &Value) {
    let server = &spec["server"];
    let mut s = TestServer::start_with(|c| {
        c.actors.max_value_bytes = server["max_value_bytes"].as_u64().expect("max_value_bytes") as usize;
        c.actors.turn_deadline_ms = server["turn_deadline_ms"].as_u64().expect("turn_deadline_ms");
        c.actors.memory_limit_mib = server["memory_limit_mib"].as_u64().expect("memory_limit_mib");
    })
    .await;
    for class in ["counter", "todo", "conformance"] {
        s.deploy_ok(class, component(lang, class)).await;
    }
    for (n, case) in spec["cases"].as_array().expect("cases").iter().enumerate() {
        let name = case["name"].as_str().expect("name");
        let class = case["class"].as_str().expect("class");
        let key = format!("case-{n}");
        for (i, step) in case["steps"].as_array().expect("steps").iter().enumerate() {
            if step.get("restart").is_some() {
                s = s.restart().await;
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
