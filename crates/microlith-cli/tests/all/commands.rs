//! `dev`, `serve`, `deploy`, `call` and `classes` as a user runs them.

use serde_json::json;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_serves_the_examples() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = Proc::start("dev", dir.path(), &[]);
    let http = reqwest::Client::new();
    let r = post(&http, &format!("{}/v1/actors/counter/demo/incr", p.url), "").await.expect("call");
    assert_eq!(r, (200, json!({"value": 1})));
    let r = post(&http, &format!("{}/v1/actors/todo/mine/add", p.url), r#"{"title":"try it"}"#).await.expect("call");
    assert_eq!(r.0, 200);
    assert_eq!(p.terminate().code(), Some(0));
    // A second `dev` on the same directory keeps the state.
    let p = Proc::start("dev", dir.path(), &[]);
    let r = post(&http, &format!("{}/v1/actors/counter/demo/incr", p.url), "").await.expect("call");
    assert_eq!(r, (200, json!({"value": 2})));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_call_and_classes_commands_work_against_serve() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = Proc::start("serve", dir.path(), &["--admin-token", "tok"]);
    let wasm = repo_file("examples/wasm/counter.wasm");
    let run = |args: &[&str]| {
        let out = bin().args(args).args(["--server", &p.url, "--token", "tok"]).output().expect("run");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (ok, stdout, stderr) = run(&["deploy", "counter", wasm.to_str().expect("utf8 path")]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("deployed counter version"), "{stdout}");
    let (ok, stdout, stderr) = run(&["call", "counter/cli", "incr", r#"{"by": 2}"#]);
    assert!(ok, "{stderr}");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&stdout).expect("json"), json!({"value": 2}));
    let (ok, stdout, _) = run(&["classes"]);
    assert!(ok && stdout.starts_with("counter"), "{stdout}");
    // Errors are explained, with a failing exit code.
    let (ok, _, stderr) = run(&["call", "counter/cli", "incr", "{nope"]);
    assert!(!ok && stderr.contains("not valid JSON"), "{stderr}");
    let (ok, _, stderr) = run(&["call", "nosuch/x", "incr"]);
    assert!(!ok && stderr.contains("UnknownClass"), "{stderr}");
    let out = bin().args(["deploy", "counter"]).arg(&wasm).args(["--server", &p.url]).output().expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Unauthorized"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_reads_a_config_file_and_rejects_unknown_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[actors]\nmax_actve = 3\n").expect("write");
    let out = bin().args(["serve", "--config"]).arg(&bad).output().expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("max_actve"));
    let good = dir.path().join("good.toml");
    std::fs::write(&good, "admin_token = \"from-file\"\n[actors]\nturn_deadline_ms = 250\n").expect("write");
    let p = Proc::start("serve", dir.path(), &["--config", good.to_str().expect("utf8")]);
    let http = reqwest::Client::new();
    let r = http.put(format!("{}/v1/classes/counter", p.url)).body(vec![1]).send().await.expect("send");
    assert_eq!(r.status().as_u16(), 401, "the token from the file guards deploys");
}
