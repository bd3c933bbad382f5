//! Live upgrades of Python, JavaScript, C and AssemblyScript actors against
//! the real server:
//! the Python `todo` (schema 0, with a view) replaced by the Python
//! `todo-v2` (schema 2, whose `migrate` renames `title` to `text` and adds
//! `due`) while a subscriber watches; the same `todo-v2` deployed over the
//! Rust `todo` (the state layout is the same in every language); and the
//! JavaScript, C and AssemblyScript `todo-v2` over their own language's and
//! the Rust `todo`, then rolled back to code whose default migration
//! refuses the newer state (the C and AssemblyScript tests also fail one
//! actor's migration on an item v1 could not have written).
//!
//! The components are built by `scripts/build-lang-guests <language>` into
//! `target/guests/lang/<language>/`. Like the conformance suite, the tests
//! run unless `MICROLITH_CONFORMANCE_LANGS` is set without their language,
//! and a missing component fails them with the command that builds it.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{TestServer, lang_component, probe_wasm, todo_wasm};

/// Whether `MICROLITH_CONFORMANCE_LANGS` lets `lang` run (printing why
/// not when it does not).
fn enabled(lang: &str, test: &str) -> bool {
    match std::env::var("MICROLITH_CONFORMANCE_LANGS") {
        Ok(list) if !list.trim().is_empty() && !list.split(',').any(|l| l.trim() == lang) => {
            eprintln!("{test}: skipped, MICROLITH_CONFORMANCE_LANGS={list} excludes {lang}");
            false
        }
        _ => true,
    }
}

fn python(name: &str) -> Vec<u8> {
    lang_component("python", name)
}

/// A WebSocket session that keeps reading (and so answering the server's
/// heartbeat pings) while the test waits for deploys, like a real client:
/// a task owns the socket and hands over the text frames.
struct Session {
    out: mpsc::UnboundedSender<Value>,
    frames: mpsc::UnboundedReceiver<Result<Value, String>>,
    _task: tokio::task::JoinHandle<()>,
}

impl Session {
    /// Opens an anonymous session and subscribes to `actor`; returns the
    /// session and the snapshot frame.
    async fn subscribe(ts: &TestServer, actor: &str) -> (Self, Value) {
        let url = format!("{}/v1/ws", ts.url.replace("http://", "ws://"));
        let (ws, _) = tokio_tungstenite::connect_async(url).await.expect("connect");
        let (out, mut outgoing) = mpsc::unbounded_channel::<Value>();
        let (incoming, frames) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            let mut ws = ws;
            loop {
                tokio::select! {
                    frame = outgoing.recv() => {
                        let Some(frame) = frame else { return };
                        if let Err(e) = ws.send(Message::text(frame.to_string())).await {
                            let _ = incoming.send(Err(format!("send: {e}")));
                            return;
                        }
                    }
                    msg = ws.next() => match msg {
                        Some(Ok(Message::Text(t))) => {
                            let _ = incoming.send(Ok(serde_json::from_str(t.as_str()).expect("server frames are JSON")));
                        }
                        Some(Ok(Message::Close(frame))) => {
                            let _ = incoming.send(Err(format!("the server closed the connection: {frame:?}")));
                            return;
                        }
                        Some(Ok(_)) => {}
                        Some(Err(e)) => {
                            let _ = incoming.send(Err(format!("read: {e}")));
                            return;
                        }
                        None => {
                            let _ = incoming.send(Err("the connection ended".into()));
                            return;
                        }
                    },
                }
            }
        });
        let mut session = Self { out, frames, _task: task };
        session.send(json!({"op": "hello", "protocol": 1}));
        let welcome = session.next("welcome").await;
        assert_eq!(welcome["op"], "welcome", "{welcome}");
        session.send(json!({"op": "subscribe", "id": 1, "actor": actor}));
        let snap = session.next("snapshot").await;
        assert_eq!(snap["op"], "snapshot", "{snap}");
        (session, snap)
    }

    fn send(&self, frame: Value) {
        self.out.send(frame).expect("the session task runs");
    }

    /// The next text frame (20 s at most), awaited for `what`.
    async fn next(&mut self, what: &str) -> Value {
        match tokio::time::timeout(Duration::from_secs(20), self.frames.recv()).await {
            Ok(Some(Ok(frame))) => frame,
            Ok(Some(Err(e))) => panic!("{what}: {e}"),
            Ok(None) => panic!("{what}: the session task ended"),
            Err(_) => panic!("{what}: no frame within 20 s"),
        }
    }

    /// Asserts that the next frame is a delta on top of `seq` and applies
    /// it to `view`; returns the delta's sequence number.
    async fn apply_next_delta(&mut self, view: &mut Value, seq: &Value, what: &str) -> Value {
        let d = self.next(what).await;
        assert_eq!(d["op"], "delta", "{what}: a delta, not a new snapshot: {d}");
        assert_eq!(d["base"], *seq, "{what}: the delta follows the last view: {d}");
        let patch: json_patch::Patch = serde_json::from_value(d["patch"].clone()).expect("a JSON Patch");
        json_patch::patch(view, &patch).expect("the patch applies");
        d["seq"].clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_todo_lists_migrate_to_v2_while_a_subscriber_watches() {
    if !enabled("python", "python_todo_lists_migrate_to_v2_while_a_subscriber_watches") {
        return;
    }
    let ts = TestServer::start().await;
    let v1 = ts.deploy_ok("todo-py", python("todo")).await;
    assert_eq!(v1["schema"], 0, "the default SCHEMA: {v1}");
    ts.ok("todo-py/home", "add", json!({"title": "milk"})).await;
    ts.ok("todo-py/home", "add", json!({"title": "bread"})).await;
    ts.ok("todo-py/home", "toggle", json!({"id": 2})).await;
    ts.ok("todo-py/work", "add", json!({"title": "ship it"})).await;
    // The hooks are not methods.
    for hook in ["view", "migrate", "self-check", "self_check", "SCHEMA"] {
        let (code, body) = ts.call("todo-py/home", hook, json!(null)).await;
        assert_eq!((code, body["error"]["code"].as_str()), (404, Some("unknown_method")), "{hook}: {body}");
    }

    // The Python view, then a delta per change.
    let (mut sub, snap) = Session::subscribe(&ts, "todo-py/home").await;
    let mut view = snap["view"].clone();
    assert_eq!(
        view,
        json!({"items": [
            {"id": 1, "title": "milk", "done": false},
            {"id": 2, "title": "bread", "done": true},
        ]})
    );
    ts.ok("todo-py/home", "add", json!({"title": "eggs"})).await;
    let seq = sub.apply_next_delta(&mut view, &snap["seq"], "add on v1").await;
    assert_eq!(view["items"][2], json!({"id": 3, "title": "eggs", "done": false}));

    // v2 over v1: the watched actor migrates at once, and its subscriber
    // sees the migrated items as one delta on the same subscription.
    let v2 = ts.deploy_ok("todo-py", python("todo-v2")).await;
    assert_eq!(v2["schema"], 2, "{v2}");
    let seq = sub.apply_next_delta(&mut view, &seq, "the deploy").await;
    let migrated = json!([
        {"id": 1, "text": "milk", "done": false, "due": null},
        {"id": 2, "text": "bread", "done": true, "due": null},
        {"id": 3, "text": "eggs", "done": false, "due": null},
    ]);
    assert_eq!(view, json!({"items": migrated}));

    // The new methods on the migrated state; the deltas keep coming.
    assert_eq!(ts.ok("todo-py/home", "list", json!(null)).await, migrated);
    let set = ts.ok("todo-py/home", "set-due", json!({"id": 1, "due": "2026-12-24"})).await;
    assert_eq!(set, json!({"id": 1, "text": "milk", "done": false, "due": "2026-12-24"}));
    let seq = sub.apply_next_delta(&mut view, &seq, "set-due on v2").await;
    assert_eq!(view["items"][0]["due"], "2026-12-24");
    let (code, body) = ts.call("todo-py/home", "set-due", json!({"id": 1, "due": "2026-13-01"})).await;
    assert_eq!((code, body["error"]["code"].as_str()), (400, Some("bad_request")), "{body}");
    let overdue = ts.ok("todo-py/home", "overdue", json!({"today": "2026-12-31"})).await;
    assert_eq!(overdue, json!([{"id": 1, "text": "milk", "done": false, "due": "2026-12-24"}]));
    let added = ts.ok("todo-py/home", "add", json!({"text": "tea", "due": "2027-01-02"})).await;
    assert_eq!(added["id"], 4, "next-id carried over: {added}");
    sub.apply_next_delta(&mut view, &seq, "add on v2").await;
    assert_eq!(view["items"][3], added);

    // An actor nobody watched migrates at its next turn.
    assert_eq!(
        ts.ok("todo-py/work", "list", json!(null)).await,
        json!([{"id": 1, "text": "ship it", "done": false, "due": null}])
    );
    // A new list starts on schema 2.
    ts.ok("todo-py/new", "add", json!({"text": "x"})).await;
    assert_eq!(ts.ok("todo-py/new", "list", json!(null)).await[0]["due"], Value::Null);

    let status = ts.status("todo-py").await;
    assert_eq!((status["failed"].as_u64(), status["pinned"].as_u64()), (Some(0), Some(0)), "{status}");
    assert_eq!(status["migrated"].as_u64(), Some(2), "home and work migrated: {status}");
    // Still the same live connection.
    sub.send(json!({"op": "ping", "id": 9}));
    assert_eq!(sub.next("pong").await, json!({"op": "pong", "id": 9}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_todo_v2_migrates_rust_todo_lists_and_refuses_what_v1_never_wrote() {
    if !enabled("python", "python_todo_v2_migrates_rust_todo_lists_and_refuses_what_v1_never_wrote") {
        return;
    }
    let ts = TestServer::start().await;

    // Rust v1, Python v2: the same state layout.
    ts.deploy_ok("todo-rs", todo_wasm()).await;
    ts.ok("todo-rs/mixed", "add", json!({"title": "rust wrote this"})).await;
    ts.ok("todo-rs/mixed", "add", json!({"title": "and this"})).await;
    ts.ok("todo-rs/mixed", "toggle", json!({"id": 1})).await;
    let v2 = ts.deploy_ok("todo-rs", python("todo-v2")).await;
    assert_eq!(v2["schema"], 2, "{v2}");
    assert_eq!(
        ts.ok("todo-rs/mixed", "list", json!(null)).await,
        json!([
            {"id": 1, "text": "rust wrote this", "done": true, "due": null},
            {"id": 2, "text": "and this", "done": false, "due": null},
        ])
    );
    let set = ts.ok("todo-rs/mixed", "set-due", json!({"id": 2, "due": "2027-03-01"})).await;
    assert_eq!(set["due"], "2027-03-01");
    assert_eq!(ts.ok("todo-rs/mixed", "add", json!({"text": "python"})).await["id"], 3);
    let status = ts.status("todo-rs").await;
    assert_eq!((status["migrated"].as_u64(), status["failed"].as_u64()), (Some(1), Some(0)), "{status}");

    // An item v1 could not have written fails the Python migration.
    an_item_v1_never_wrote_fails_its_migration(&ts, python("todo-v2"), "not an item").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn js_todo_v2_migrates_js_and_rust_lists_and_v1_refuses_the_newer_state() {
    if !enabled("js", "js_todo_v2_migrates_js_and_rust_lists_and_v1_refuses_the_newer_state") {
        return;
    }
    let ts = TestServer::start().await;
    let v1 = ts.deploy_ok("todo-js", lang_component("js", "todo")).await;
    assert_eq!(v1["schema"], 0, "no `schema`: schema 0: {v1}");
    ts.ok("todo-js/home", "add", json!({"title": "milk"})).await;
    ts.ok("todo-js/home", "add", json!({"title": "bread"})).await;
    ts.ok("todo-js/home", "toggle", json!({"id": 2})).await;
    ts.ok("todo-js/work", "add", json!({"title": "ship it"})).await;
    let (mut sub, snap) = Session::subscribe(&ts, "todo-js/home").await;
    let mut view = snap["view"].clone();
    assert_eq!(view["items"][1], json!({"id": 2, "title": "bread", "done": true}), "{view}");

    // v2 over v1: `schema: 2` and `migrate(fromSchema)` from the JS SDK;
    // the self-check passes; the watched list migrates at once.
    let v2 = ts.deploy_ok("todo-js", lang_component("js", "todo-v2")).await;
    assert_eq!(v2["schema"], 2, "{v2}");
    let seq = sub.apply_next_delta(&mut view, &snap["seq"], "the deploy").await;
    let migrated = json!([
        {"id": 1, "text": "milk", "done": false, "due": null},
        {"id": 2, "text": "bread", "done": true, "due": null},
    ]);
    assert_eq!(view, json!({"items": migrated}));
    assert_eq!(ts.ok("todo-js/home", "list", json!(null)).await, migrated);
    let set = ts.ok("todo-js/home", "set-due", json!({"id": 1, "due": "2026-12-24"})).await;
    assert_eq!(set, json!({"id": 1, "text": "milk", "done": false, "due": "2026-12-24"}));
    sub.apply_next_delta(&mut view, &seq, "set-due on v2").await;
    assert_eq!(view["items"][0]["due"], "2026-12-24");
    let (code, body) = ts.call("todo-js/home", "set-due", json!({"id": 1, "due": "2026-13-01"})).await;
    assert_eq!((code, body["error"]["code"].as_str()), (400, Some("bad_request")), "{body}");
    assert_eq!(ts.ok("todo-js/home", "add", json!({"text": "tea"})).await["id"], 3, "next-id carried over");
    // The hooks are not methods.
    for hook in ["schema", "migrate", "selfCheck", "view"] {
        let (code, body) = ts.call("todo-js/home", hook, json!(null)).await;
        assert_eq!((code, body["error"]["code"].as_str()), (404, Some("unknown_method")), "{hook}: {body}");
    }
    let status = ts.status("todo-js").await;
    assert_eq!((status["migrated"].as_u64(), status["failed"].as_u64()), (Some(1), Some(0)), "{status}");

    // Back to v1 code (deployed anew, so its default migration runs): it
    // refuses state of schema 2, so the migrated list stays on v2 with its
    // state, while the list nobody touched since v1 runs v1 as it was.
    let (code, body) = ts.put("/v1/classes/todo-js?max_failures=5", lang_component("js", "todo")).await;
    assert_eq!((code, body["schema"].as_u64()), (200, Some(0)), "{body}");
    let home = ts.ok("todo-js/home", "list", json!(null)).await;
    assert_eq!(home[0], json!({"id": 1, "text": "milk", "done": false, "due": "2026-12-24"}), "{home}");
    assert_eq!(ts.ok("todo-js/work", "list", json!(null)).await, json!([{"id": 1, "title": "ship it", "done": false}]));
    let status = ts.status("todo-js").await;
    assert_eq!((status["failed"].as_u64(), status["pinned"].as_u64()), (Some(1), Some(1)), "{status}");

    // The JS v2 over the Rust v1: the same state layout.
    ts.deploy_ok("todo-rs", todo_wasm()).await;
    ts.ok("todo-rs/mixed", "add", json!({"title": "rust wrote this"})).await;
    ts.deploy_ok("todo-rs", lang_component("js", "todo-v2")).await;
    assert_eq!(
        ts.ok("todo-rs/mixed", "list", json!(null)).await,
        json!([{"id": 1, "text": "rust wrote this", "done": false, "due": null}])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c_todo_v2_migrates_c_and_rust_lists_refuses_odd_items_and_v1_refuses_the_newer_state() {
    if enabled("c", "c_todo_v2_migrates_c_and_rust_lists_refuses_odd_items_and_v1_refuses_the_newer_state") {
        todo_v2_over_v1("c", "c").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assemblyscript_todo_v2_migrates_as_and_rust_lists_refuses_odd_items_and_v1_refuses_the_newer_state() {
    let test = "assemblyscript_todo_v2_migrates_as_and_rust_lists_refuses_odd_items_and_v1_refuses_the_newer_state";
    if enabled("assemblyscript", test) {
        todo_v2_over_v1("assemblyscript", "as").await;
    }
}

/// A C or AssemblyScript class whose self-check fails is refused with its
/// message (the SDK lowers `result<_, string>`), and the class it was to
/// replace keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusing_c_or_assemblyscript_self_check_refuses_the_deploy_with_its_message() {
    let ts = TestServer::start().await;
    for (lang, name) in [("c", "C"), ("assemblyscript", "AssemblyScript")] {
        if !enabled(lang, "a_refusing_c_or_assemblyscript_self_check_refuses_the_deploy_with_its_message") {
            continue;
        }
        let class = format!("refuses-{lang}");
        ts.deploy_ok(&class, probe_wasm()).await;
        ts.ok(&format!("{class}/a"), "set", json!({"key": "x", "value": "1"})).await;
        let (code, body) = ts.deploy(&class, lang_component(lang, "refuses-deploy")).await;
        assert_eq!((code, body["error"]["code"].as_str()), (422, Some("self_check_failed")), "{lang}: {body}");
        let want = format!("the {name} refuses-deploy class refuses to serve");
        assert!(body["error"]["message"].as_str().unwrap_or("").contains(&want), "{lang}: {body}");
        let got = ts.ok(&format!("{class}/a"), "get", json!({"key": "x"})).await;
        assert_eq!(got["value"], "1", "{lang}: the probe still serves: {got}");
    }
}

/// `lang`'s `todo-v2` (schema 2 from the SDK's schema hook, a migration
/// of its own) over `lang`'s `todo` (the SDK's defaults: schema 0, a
/// migration that refuses newer state) while a subscriber watches, then
/// rolled back to v1, then over the Rust `todo`, then over a list holding
/// an item v1 could not have written. Classes are named `todo-<short>`.
async fn todo_v2_over_v1(lang: &str, short: &str) {
    let component = |name: &str| lang_component(lang, name);
    let class = format!("todo-{short}");
    let (home, work) = (format!("{class}/home"), format!("{class}/work"));
    let ts = TestServer::start().await;
    let v1 = ts.deploy_ok(&class, component("todo")).await;
    assert_eq!(v1["schema"], 0, "the SDK's default schema: {v1}");
    ts.ok(&home, "add", json!({"title": "milk"})).await;
    ts.ok(&home, "add", json!({"title": "bread"})).await;
    ts.ok(&home, "toggle", json!({"id": 2})).await;
    ts.ok(&work, "add", json!({"title": "ship it"})).await;
    let (mut sub, snap) = Session::subscribe(&ts, &home).await;
    let mut view = snap["view"].clone();
    assert_eq!(view["items"][1], json!({"id": 2, "title": "bread", "done": true}), "{view}");

    // v2 over v1: the schema and the migration from the SDK's hooks; the
    // default self-check passes; the watched list migrates at once.
    let v2 = ts.deploy_ok(&class, component("todo-v2")).await;
    assert_eq!(v2["schema"], 2, "{v2}");
    let seq = sub.apply_next_delta(&mut view, &snap["seq"], "the deploy").await;
    let migrated = json!([
        {"id": 1, "text": "milk", "done": false, "due": null},
        {"id": 2, "text": "bread", "done": true, "due": null},
    ]);
    assert_eq!(view, json!({"items": migrated}));
    assert_eq!(ts.ok(&home, "list", json!(null)).await, migrated);
    let set = ts.ok(&home, "set-due", json!({"id": 1, "due": "2026-12-24"})).await;
    assert_eq!(set, json!({"id": 1, "text": "milk", "done": false, "due": "2026-12-24"}));
    sub.apply_next_delta(&mut view, &seq, "set-due on v2").await;
    assert_eq!(view["items"][0]["due"], "2026-12-24");
    for bad in [json!({"id": 1, "due": "2026-13-01"}), json!({"id": 1, "due": "tomorrow"}), json!({"due": null})] {
        let (code, body) = ts.call(&home, "set-due", bad.clone()).await;
        assert_eq!((code, body["error"]["code"].as_str()), (400, Some("bad_request")), "{bad}: {body}");
    }
    let overdue = ts.ok(&home, "overdue", json!({"today": "2026-12-31"})).await;
    assert_eq!(overdue, json!([{"id": 1, "text": "milk", "done": false, "due": "2026-12-24"}]));
    let tea = ts.ok(&home, "add", json!({"text": " tea ", "due": "2027-01-02"})).await;
    assert_eq!(tea, json!({"id": 3, "text": "tea", "done": false, "due": "2027-01-02"}), "next-id carried over");
    // The hooks are not methods.
    for hook in ["schema", "migrate", "self-check", "selfCheck", "mlt_migrate", "view"] {
        let (code, body) = ts.call(&home, hook, json!(null)).await;
        assert_eq!((code, body["error"]["code"].as_str()), (404, Some("unknown_method")), "{hook}: {body}");
    }
    let status = ts.status(&class).await;
    assert_eq!((status["migrated"].as_u64(), status["failed"].as_u64()), (Some(1), Some(0)), "{status}");

    // Back to v1 code: its default migration refuses state of schema 2,
    // so the migrated list stays on v2 with its state, while the list
    // nobody touched since v1 runs v1 as it was.
    let (code, body) = ts.put(&format!("/v1/classes/{class}?max_failures=5"), component("todo")).await;
    assert_eq!((code, body["schema"].as_u64()), (200, Some(0)), "{body}");
    let listed = ts.ok(&home, "list", json!(null)).await;
    assert_eq!(listed[0], json!({"id": 1, "text": "milk", "done": false, "due": "2026-12-24"}), "{listed}");
    assert_eq!(ts.ok(&work, "list", json!(null)).await, json!([{"id": 1, "title": "ship it", "done": false}]));
    let status = ts.status(&class).await;
    assert_eq!((status["failed"].as_u64(), status["pinned"].as_u64()), (Some(1), Some(1)), "{status}");
    let err = status["last_error"].as_str().unwrap_or("");
    assert!(err.contains("newer than this code's 0"), "the SDK's default refusal, not a trap: {status}");

    // v2 over the Rust v1: the same state layout.
    ts.deploy_ok("todo-rs", todo_wasm()).await;
    ts.ok("todo-rs/mixed", "add", json!({"title": "rust wrote this"})).await;
    ts.deploy_ok("todo-rs", component("todo-v2")).await;
    assert_eq!(
        ts.ok("todo-rs/mixed", "list", json!(null)).await,
        json!([{"id": 1, "text": "rust wrote this", "done": false, "due": null}])
    );

    // An item v1 could not have written fails the migration.
    let status =
        an_item_v1_never_wrote_fails_its_migration(&ts, component("todo-v2"), r#"{"id": 2, "done": false}"#).await;
    let err = status["last_error"].as_str().unwrap_or("");
    assert!(err.contains("is not a v1 item"), "the migration's own refusal, not a trap: {status}");
}

/// Deploys `v2` (a `todo-v2`) over the probe's `odd/good`, holding an item
/// v1 could have written, and `odd/bad`, holding the same item and then
/// `bad` under the next item key: `bad`'s migration fails, so that actor
/// stays on the version it ran, its state untouched (the good item not
/// migrated either), while `good` moves on. Returns the class's status.
async fn an_item_v1_never_wrote_fails_its_migration(ts: &TestServer, v2: Vec<u8>, bad: &str) -> Value {
    ts.deploy_ok("odd", probe_wasm()).await;
    let v1_item = json!({"id": 1, "title": "fine", "done": false}).to_string();
    for actor in ["odd/good", "odd/bad"] {
        ts.ok(actor, "set", json!({"key": "item/00000000000000000001", "value": v1_item})).await;
    }
    ts.ok("odd/bad", "set", json!({"key": "item/00000000000000000002", "value": bad})).await;
    // More failures allowed than the default 1, so the deploy stays.
    let (code, body) = ts.put("/v1/classes/odd?max_failures=5", v2).await;
    assert_eq!((code, body["schema"].as_u64()), (200, Some(2)), "{body}");
    assert_eq!(
        ts.ok("odd/good", "list", json!(null)).await,
        json!([{"id": 1, "text": "fine", "done": false, "due": null}])
    );
    // `bad` is still served by the probe, on its untouched state.
    let got = ts.ok("odd/bad", "get", json!({"key": "item/00000000000000000002"})).await;
    assert_eq!(got["value"], bad, "{got}");
    let got = ts.ok("odd/bad", "get", json!({"key": "item/00000000000000000001"})).await;
    assert_eq!(got["value"], v1_item, "the good item before it is not migrated either: {got}");
    let status = ts.status("odd").await;
    assert_eq!(
        (status["migrated"].as_u64(), status["failed"].as_u64(), status["pinned"].as_u64()),
        (Some(1), Some(1), Some(1)),
        "{status}"
    );
    status
}
