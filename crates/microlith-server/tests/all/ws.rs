//! The WebSocket protocol (`docs/protocol.md`) against the real server:
//! views with per-viewer privacy, deltas after durable turns, resume,
//! coalescing for slow consumers, idempotent calls, and bad input.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::support::{TestServer, counter_wasm, fixture, probe_wasm};

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The JWT secret of [`server`] (the conformance suite uses it too).
pub(crate) const SECRET: &str = "test-secret";

async fn server() -> TestServer {
    TestServer::start_with(|c| {
        c.auth.jwt_secret = Some(SECRET.into());
        c.auth.dev_tokens = true;
    })
    .await
}

/// A client token for principal `sub`, signed with [`SECRET`].
pub(crate) fn token(sub: &str) -> String {
    microlith_server::auth::Auth::new(Some(SECRET), true, true).mint(sub, 3600).expect("mint")
}

/// A raw protocol client.
pub(crate) struct Client {
    ws: Ws,
}

impl Client {
    async fn open(url: &str) -> Self {
        let url = format!("{}/v1/ws", url.replace("http://", "ws://"));
        let (ws, _) = tokio_tungstenite::connect_async(url).await.expect("connect");
        Self { ws }
    }

    /// Connects and says hello (with a token, if given).
    pub(crate) async fn connect(url: &str, token: Option<&str>) -> Self {
        let mut c = Self::open(url).await;
        let mut hello = json!({"op": "hello", "protocol": 1});
        if let Some(t) = token {
            hello["token"] = json!(t);
        }
        c.send(hello).await;
        let welcome = c.recv().await;
        assert_eq!(welcome["op"], "welcome", "{welcome}");
        c
    }

    pub(crate) async fn send(&mut self, frame: Value) {
        self.ws.send(Message::text(frame.to_string())).await.expect("send");
    }

    async fn send_text(&mut self, text: &str) {
        self.ws.send(Message::text(text.to_string())).await.expect("send");
    }

    /// The next text frame as JSON (10 s at most).
    pub(crate) async fn recv(&mut self) -> Value {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(10), self.ws.next())
                .await
                .expect("a frame within 10 s")
                .expect("connection open")
                .expect("frame");
            match msg {
                Message::Text(t) => return serde_json::from_str(t.as_str()).expect("server frames are JSON"),
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    /// The close code the server ends with.
    async fn closed(&mut self) -> Option<CloseCode> {
        loop {
            match tokio::time::timeout(Duration::from_secs(10), self.ws.next()).await.expect("close within 10 s") {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| f.code),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }

    async fn call(&mut self, id: u64, actor: &str, method: &str, payload: Value) -> Value {
        self.send(json!({"op": "call", "id": id, "actor": actor, "method": method, "payload": payload})).await;
        self.recv().await
    }
}

/// Applies an RFC 6902 patch.
pub(crate) fn apply(view: &mut Value, patch: &Value) {
    let patch: json_patch::Patch = serde_json::from_value(patch.clone()).expect("a JSON Patch");
    json_patch::patch(view, &patch).expect("the patch applies");
}

#[tokio::test]
async fn a_subscription_gets_the_view_then_a_delta_per_durable_change() {
    let ts = server().await;
    ts.deploy_ok("counter", counter_wasm()).await;
    let mut c = Client::connect(&ts.url, None).await;
    c.send(json!({"op": "subscribe", "id": 1, "actor": "counter/a"})).await;
    let snap = c.recv().await;
    assert_eq!(snap["op"], "snapshot", "{snap}");
    assert_eq!((snap["sub"].as_u64(), snap["seq"].as_u64()), (Some(1), Some(0)));
    assert_eq!(snap["view"], json!({"value": 0}));
    let mut view = snap["view"].clone();

    // A change over HTTP reaches the subscriber as a patch.
    ts.ok("counter/a", "incr", json!({"by": 5})).await;
    let d = c.recv().await;
    assert_eq!(d["op"], "delta", "{d}");
    assert_eq!((d["base"].as_u64(), d["seq"].as_u64()), (Some(0), Some(1)));
    assert_eq!(d["epoch"], snap["epoch"]);
    apply(&mut view, &d["patch"]);
    assert_eq!(view, json!({"value": 5}));

    // A call over the socket: its result, then its delta.
    let mut frames = vec![c.call(2, "counter/a", "incr", json!({})).await, c.recv().await];
    frames.sort_by_key(|f| f["op"].as_str().map(str::to_string));
    assert_eq!(frames[1]["op"], "result", "{frames:?}");
    assert_eq!(frames[1]["payload"], json!({"value": 6}));
    assert_eq!(frames[0]["op"], "delta");
    apply(&mut view, &frames[0]["patch"]);
    assert_eq!(view, json!({"value": 6}));

    // A read-only call changes nothing and sends no delta; ping still works.
    assert_eq!(c.call(3, "counter/a", "get", json!(null)).await["payload"], json!({"value": 6}));
    c.send(json!({"op": "ping", "id": 4})).await;
    assert_eq!(c.recv().await, json!({"op": "pong", "id": 4}));

    c.send(json!({"op": "unsubscribe", "id": 5, "sub": 1})).await;
    assert_eq!(c.recv().await, json!({"op": "result", "id": 5, "payload": null}));
    ts.ok("counter/a", "incr", json!({})).await;
    c.send(json!({"op": "ping", "id": 6})).await;
    assert_eq!(c.recv().await["op"], "pong", "no delta after unsubscribe");
}

#[tokio::test]
async fn each_player_sees_only_their_own_hand() {
    let ts = server().await;
    ts.deploy_ok("cards", fixture("examples/wasm/cards.wasm")).await;
    let (alice, bob) = (token("alice"), token("bob"));
    let mut a = Client::connect(&ts.url, Some(&alice)).await;
    let mut b = Client::connect(&ts.url, Some(&bob)).await;
    let mut anon = Client::connect(&ts.url, None).await;
    assert_eq!(a.call(1, "cards/t", "join", json!(null)).await["op"], "result");
    assert_eq!(b.call(1, "cards/t", "join", json!(null)).await["op"], "result");
    let dealt = a.call(2, "cards/t", "deal", json!({"cards": 5})).await;
    assert_eq!(dealt["op"], "result", "{dealt}");

    let mut views = Vec::new();
    for c in [&mut a, &mut b, &mut anon] {
        c.send(json!({"op": "subscribe", "id": 10, "actor": "cards/t"})).await;
        let snap = c.recv().await;
        assert_eq!(snap["op"], "snapshot", "{snap}");
        views.push(snap["view"].clone());
    }
    let hand = |v: &Value| v["hand"].as_array().cloned().unwrap_or_default();
    let (ha, hb) = (hand(&views[0]), hand(&views[1]));
    assert_eq!((ha.len(), hb.len()), (5, 5), "{views:?}");
    assert!(ha.iter().all(|c| !hb.contains(c)), "hands are disjoint");
    assert!(views[2].get("hand").is_none(), "anonymous viewers see no hand: {}", views[2]);
    for card in &ha {
        assert!(!views[1].to_string().contains(&card.to_string()), "bob's view shows none of alice's cards");
    }

    // Alice plays: everyone gets a delta; bob's never carries alice's hand.
    let played = ha[0].clone();
    let r = a.call(3, "cards/t", "play", json!({"card": played})).await;
    let (mut da, mut db) = if r["op"] == "result" { (a.recv().await, b.recv().await) } else { (r, b.recv().await) };
    if da["op"] == "result" {
        da = a.recv().await;
    }
    if db["op"] == "result" {
        db = b.recv().await;
    }
    assert_eq!((da["op"].as_str(), db["op"].as_str()), (Some("delta"), Some("delta")), "{da} {db}");
    for card in &ha[1..] {
        assert!(!db.to_string().contains(&card.to_string()), "bob's delta leaks alice's hand: {db}");
    }
    let mut va = views[0].clone();
    apply(&mut va, &da["patch"]);
    assert_eq!(hand(&va).len(), 4);
}

#[tokio::test]
async fn a_reconnecting_client_gets_exactly_the_missed_deltas_or_a_snapshot_after_restart() {
    let ts = server().await;
    ts.deploy_ok("counter", counter_wasm()).await;
    let mut c = Client::connect(&ts.url, None).await;
    c.send(json!({"op": "subscribe", "id": 1, "actor": "counter/r"})).await;
    let snap = c.recv().await;
    let epoch = snap["epoch"].clone();
    ts.ok("counter/r", "incr", json!({})).await;
    let d1 = c.recv().await;
    assert_eq!(d1["seq"], 1);
    drop(c);

    for _ in 0..3 {
        ts.ok("counter/r", "incr", json!({})).await;
    }
    let mut c = Client::connect(&ts.url, None).await;
    c.send(json!({"op": "subscribe", "id": 7, "actor": "counter/r", "resume": {"epoch": epoch, "seq": 1}})).await;
    let resumed = c.recv().await;
    assert_eq!(resumed, json!({"op": "resumed", "sub": 7, "epoch": epoch, "seq": 1}));
    let mut view = json!({"value": 1});
    for want in 2..=4u64 {
        let d = c.recv().await;
        assert_eq!(
            (d["op"].as_str(), d["base"].as_u64(), d["seq"].as_u64()),
            (Some("delta"), Some(want - 1), Some(want))
        );
        apply(&mut view, &d["patch"]);
    }
    assert_eq!(view, json!({"value": 4}));
    // Nothing more is pending: no duplicate.
    c.send(json!({"op": "ping", "id": 8})).await;
    assert_eq!(c.recv().await["op"], "pong");
    // Live deltas continue the chain.
    ts.ok("counter/r", "incr", json!({})).await;
    let d = c.recv().await;
    assert_eq!((d["base"].as_u64(), d["seq"].as_u64()), (Some(4), Some(5)));
    drop(c);

    // After a restart the epoch is gone: a fresh snapshot of the durable state.
    let ts = ts.restart().await;
    let mut c = Client::connect(&ts.url, None).await;
    c.send(json!({"op": "subscribe", "id": 1, "actor": "counter/r", "resume": {"epoch": epoch, "seq": 5}})).await;
    let snap = c.recv().await;
    assert_eq!(snap["op"], "snapshot", "{snap}");
    assert_ne!(snap["epoch"], epoch);
    assert_eq!(snap["view"], json!({"value": 5}));
}

#[tokio::test]
async fn a_slow_consumer_gets_one_combined_delta_instead_of_every_change() {
    let ts = server().await;
    ts.deploy_ok("probe", probe_wasm()).await;
    let mut c = Client::connect(&ts.url, None).await;
    c.send(json!({"op": "subscribe", "id": 1, "actor": "probe/slow"})).await;
    let snap = c.recv().await;
    assert_eq!(snap["op"], "snapshot", "{snap}");
    let mut view = snap["view"].clone();

    // The client stops reading while the view changes by 64 KiB, 300 times:
    // far more than the socket buffers and the connection's queue hold.
    let changes = 300;
    for i in 0..changes {
        let blob = format!("{i:06}{}", "x".repeat(64 << 10));
        ts.ok("probe/slow", "set", json!({"key": "v/blob", "value": blob})).await;
    }
    ts.ok("probe/slow", "set", json!({"key": "v/done", "value": "true"})).await;

    // Now it reads: the chain of deltas is unbroken and ends at the final
    // view, but intermediate views were skipped.
    let mut deltas = 0;
    let mut seq = snap["seq"].as_u64().expect("seq");
    while view["state"]["done"] != json!(true) {
        let d = c.recv().await;
        assert_eq!(d["op"], "delta", "{}", &d.to_string()[..200.min(d.to_string().len())]);
        assert_eq!(d["base"].as_u64(), Some(seq), "no gap");
        seq = d["seq"].as_u64().expect("seq");
        apply(&mut view, &d["patch"]);
        deltas += 1;
    }
    assert!(view["state"]["blob"].as_str().is_some_and(|b| b.starts_with(&format!("{:06}", changes - 1))));
    assert!(deltas < changes, "intermediate views were coalesced ({deltas} deltas for {changes} changes)");
}

#[tokio::test]
async fn a_call_retried_with_its_idempotency_key_runs_once_even_across_a_restart() {
    let ts = server().await;
    ts.deploy_ok("counter", counter_wasm()).await;
    let mut c = Client::connect(&ts.url, None).await;
    let call = json!({"op": "call", "id": 1, "actor": "counter/i", "method": "incr", "payload": {"by": 10},
                      "idempotency_key": "order-17"});
    c.send(call.clone()).await;
    assert_eq!(c.recv().await["payload"], json!({"value": 10}));
    c.send(call.clone()).await;
    assert_eq!(c.recv().await["payload"], json!({"value": 10}), "the recorded reply");
    assert_eq!(ts.ok("counter/i", "get", json!(null)).await, json!({"value": 10}));
    drop(c);

    let ts = ts.restart().await;
    let mut c = Client::connect(&ts.url, None).await;
    c.send(call).await;
    assert_eq!(c.recv().await["payload"], json!({"value": 10}), "the record survived the restart");
    // Another key runs; HTTP takes the key as a header.
    let send = |key: &'static str| {
        ts.http.post(format!("{}/v1/actors/counter/i/incr", ts.url)).header("idempotency-key", key).body("{}").send()
    };
    let r1: Value = send("http-1").await.expect("send").json().await.expect("json");
    let r2: Value = send("http-1").await.expect("send").json().await.expect("json");
    assert_eq!((r1.clone(), r2), (json!({"value": 11}), json!({"value": 11})));
    assert_eq!(ts.ok("counter/i", "get", json!(null)).await, json!({"value": 11}));
}

#[tokio::test]
async fn bad_frames_get_errors_and_the_connection_survives_them() {
    let ts = server().await;
    ts.deploy_ok("counter", counter_wasm()).await;
    let mut c = Client::connect(&ts.url, None).await;
    for (text, code, id) in [
        ("not json", "invalid_frame", Value::Null),
        ("[1,2,3]", "invalid_frame", Value::Null),
        (r#"{"op":"fly","id":3}"#, "unknown_op", json!(3)),
        (r#"{"op":"call","id":4,"actor":"counter/a"}"#, "invalid_frame", json!(4)),
        (r#"{"op":"call","id":5,"actor":"nokey","method":"get"}"#, "invalid_name", json!(5)),
        (r#"{"op":"call","id":6,"actor":"nope/a","method":"get"}"#, "unknown_class", json!(6)),
        (r#"{"op":"call","id":7,"actor":"counter/a","method":"fly"}"#, "unknown_method", json!(7)),
        (r#"{"op":"unsubscribe","id":8,"sub":99}"#, "unknown_subscription", json!(8)),
        (r#"{"op":"subscribe","id":9,"actor":"nope/a"}"#, "unknown_class", json!(9)),
        (r#"{"op":"hello","protocol":1}"#, "invalid_frame", Value::Null),
    ] {
        c.send_text(text).await;
        let e = c.recv().await;
        assert_eq!(e["op"], "error", "{text} -> {e}");
        assert_eq!(e["code"], code, "{text} -> {e}");
        assert_eq!(e.get("id").cloned().unwrap_or(Value::Null), id, "{text} -> {e}");
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert_eq!(c.call(10, "counter/a", "incr", json!({})).await["payload"], json!({"value": 1}), "still serving");

    // A frame larger than allowed closes with 1009; a binary one with 1003.
    c.send_text(&format!(r#"{{"op":"ping","id":1,"pad":"{}"}}"#, "x".repeat(2 << 20))).await;
    assert_eq!(c.closed().await, Some(CloseCode::Size));
    let mut c = Client::connect(&ts.url, None).await;
    c.ws.send(Message::binary(vec![1, 2, 3])).await.expect("send");
    let e = c.recv().await;
    assert_eq!(e["code"], "invalid_frame");
    assert_eq!(c.closed().await, Some(CloseCode::Unsupported));
}

#[tokio::test]
async fn sessions_must_start_with_a_valid_hello() {
    let ts = TestServer::start_with(|c| {
        c.auth.jwt_secret = Some(SECRET.into());
        c.auth.allow_anonymous = false;
    })
    .await;
    // Not a hello first.
    let mut c = Client::open(&ts.url).await;
    c.send(json!({"op": "ping", "id": 1})).await;
    assert_eq!(c.recv().await["code"], "hello_required");
    assert_eq!(c.closed().await, Some(CloseCode::Policy));
    // Anonymous refused here; a forged token too.
    for t in [None, Some("e30.e30.sig".to_string()), Some(token("x") + "tampered")] {
        let mut c = Client::open(&ts.url).await;
        let mut hello = json!({"op": "hello", "protocol": 1});
        if let Some(t) = &t {
            hello["token"] = json!(t);
        }
        c.send(hello).await;
        let bye = c.recv().await;
        assert_eq!((bye["op"].as_str(), bye["reason"].as_str()), (Some("goodbye"), Some("unauthorized")), "{bye}");
        assert_eq!(c.closed().await, Some(CloseCode::Library(4401)));
    }
    // A protocol this server does not speak.
    let mut c = Client::open(&ts.url).await;
    c.send(json!({"op": "hello", "protocol": 2, "token": token("x")})).await;
    assert_eq!(c.recv().await["reason"], "unsupported_protocol");
    // A good token: the principal reaches the actor.
    ts.deploy_ok("probe", probe_wasm()).await;
    let mut c = Client::open(&ts.url).await;
    c.send(json!({"op": "hello", "protocol": 1, "token": token("carol")})).await;
    assert_eq!(c.recv().await["principal"], "carol");
    let who = c.call(1, "probe/p", "whoami", json!(null)).await;
    assert!(who["payload"].to_string().contains("carol"), "{who}");
    // HTTP calls need the token too; a bad one is refused.
    let r = ts.http.post(format!("{}/v1/actors/probe/p/whoami", ts.url)).send().await.expect("send");
    assert_eq!(r.status().as_u16(), 401);
    let r = ts
        .http
        .post(format!("{}/v1/actors/probe/p/whoami", ts.url))
        .bearer_auth(token("dave"))
        .send()
        .await
        .expect("send");
    assert!(r.text().await.expect("body").contains("dave"));
}

#[tokio::test]
async fn a_view_that_writes_traps_and_a_refusing_view_ends_the_subscription() {
    let ts = server().await;
    ts.deploy_ok("probe", probe_wasm()).await;
    ts.ok("probe/w", "set", json!({"key": "view-mode", "value": "write"})).await;
    let mut c = Client::connect(&ts.url, None).await;
    c.send(json!({"op": "subscribe", "id": 1, "actor": "probe/w"})).await;
    let e = c.recv().await;
    assert_eq!(
        (e["op"].as_str(), e["code"].as_str(), e["sub"].as_u64()),
        (Some("error"), Some("guest_trap"), Some(1)),
        "{e}"
    );
    // The render's write did not happen.
    let dump = ts.get_json("/v1/actors/probe/w/state").await.1;
    assert_eq!(dump["entries"].as_array().map(Vec::len), Some(1), "{dump}");

    ts.ok("probe/d", "set", json!({"key": "view-mode", "value": "deny:eve"})).await;
    let mut eve = Client::connect(&ts.url, Some(&token("eve"))).await;
    eve.send(json!({"op": "subscribe", "id": 2, "actor": "probe/d"})).await;
    let e = eve.recv().await;
    assert_eq!((e["code"].as_str(), e["sub"].as_u64()), (Some("guest_error"), Some(2)), "{e}");
    let mut fred = Client::connect(&ts.url, Some(&token("fred"))).await;
    fred.send(json!({"op": "subscribe", "id": 2, "actor": "probe/d"})).await;
    assert_eq!(fred.recv().await["op"], "snapshot");
}
