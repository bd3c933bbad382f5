//! `deploy --dry-run`, `deploy --keys`/`--canary`, `status`, `promote` and
//! `rollback` as a user runs them against `serve`.

use serde_json::json;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canary_is_tried_promoted_and_rolled_back_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = Proc::start("serve", dir.path(), &["--admin-token", "tok"]);
    let run = |args: &[&str]| {
        let out = bin().args(args).args(["--server", &p.url, "--token", "tok"]).output().expect("run");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.success(), text)
    };
    let path = |rel: &str| repo_file(rel).to_str().expect("utf8 path").to_string();
    let (v1, v2) = (path("examples/wasm/todo.wasm"), path("examples/wasm/todo-v2.wasm"));
    let (ok, text) = run(&["deploy", "todo", &v1]);
    assert!(ok && text.contains("schema 0"), "{text}");
    let http = reqwest::Client::new();
    // One key needs escaping in a URL (`&`, `#`, `+`, a space, `%`).
    let odd = "q&a #1+ 100%";
    for list in ["home", "work", odd] {
        let url = format!("{}/v1/actors/todo/{}/add", p.url, microlith_client::percent_encode(list));
        assert_eq!(post(&http, &url, r#"{"title":"milk"}"#).await.expect("call").0, 200);
    }

    let (ok, text) = run(&["deploy", "todo", &v2, "--dry-run"]);
    assert!(ok, "{text}");
    assert!(
        text.contains("on 3 actor(s) of todo") && text.contains("3 would migrate") && text.contains("0 would fail"),
        "{text}"
    );

    let (ok, text) = run(&["deploy", "todo", &v2, "--keys", &format!("home,{odd}")]);
    assert!(ok && text.contains("canary") && text.contains(&format!("keys home,{odd}")), "{text}");
    let list = |key: &str| {
        let url = format!("{}/v1/actors/todo/{}/list", p.url, microlith_client::percent_encode(key));
        let http = http.clone();
        async move { post(&http, &url, "").await.expect("call").1 }
    };
    assert_eq!(list("home").await[0]["text"], "milk", "the canary's actor migrated");
    assert_eq!(list(odd).await[0]["text"], "milk", "so did the one whose key needs escaping");
    assert_eq!(list("work").await[0]["title"], "milk", "the others did not");
    let (ok, text) = run(&["status", "todo"]);
    assert!(ok && text.contains("canary") && text.contains("migrated  2 actor(s), 0 failed"), "{text}");

    let (ok, text) = run(&["promote", "todo"]);
    assert!(ok && text.contains("last      promoted"), "{text}");
    assert_eq!(list("work").await[0], json!({"id": 1, "text": "milk", "done": false, "due": null}));

    // Back to v1: it cannot read schema 2, so the migrated lists stay on v2
    // (nothing is lost) and the status says so.
    let (ok, text) = run(&["rollback", "todo", "--reason", "changed my mind"]);
    assert!(ok && text.contains("rolled_back") && text.contains("changed my mind"), "{text}");
    assert_eq!(list("home").await[0]["text"], "milk");
    let (ok, text) = run(&["status", "todo"]);
    assert!(ok && text.contains("(1 kept on the version they ran)") && text.contains("newer than this code"), "{text}");
    let (ok, text) = run(&["promote", "todo"]);
    assert!(!ok && text.contains("no canary"), "{text}");
}
