//! `microlith_client::ws` against a tiny in-test server that speaks the
//! protocol (`docs/protocol.md`): a counter actor per key whose view is
//! `{"value": n}`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{SinkExt as _, StreamExt as _};
use microlith_client::ClientError;
use microlith_client::ws::{Event, WsClient};
use microlith_protocol::v1::ErrorCode;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

#[derive(Default)]
struct View {
    value: u64,
    seq: u64,
    /// (base, seq, patch) of every delta.
    log: Vec<(u64, u64, Value)>,
}

#[derive(Default)]
struct State {
    epoch: String,
    views: HashMap<String, View>,
    /// (connection, sub, actor)
    subs: Vec<(mpsc::UnboundedSender<Message>, u64, String)>,
    /// Frames the server received, for inspection.
    received: Vec<Value>,
}

type Shared = Arc<Mutex<State>>;

fn lock(s: &Shared) -> std::sync::MutexGuard<'_, State> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

fn text(v: Value) -> Message {
    Message::text(v.to_string())
}

async fn start_server(epoch: &str) -> (String, Shared) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("ws://{}/v1/ws", listener.local_addr().expect("addr"));
    let state: Shared = Arc::new(Mutex::new(State { epoch: epoch.into(), ..State::default() }));
    let s = state.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            tokio::spawn(serve_conn(tcp, s.clone()));
        }
    });
    (url, state)
}

async fn serve_conn(tcp: tokio::net::TcpStream, state: Shared) {
    let Ok(ws) = tokio_tungstenite::accept_async(tcp).await else { return };
    let (mut sink, mut stream) = ws.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Message>();
    tokio::spawn(async move {
        while let Some(m) = rx.recv().await {
            let close = matches!(m, Message::Close(_));
            if sink.send(m).await.is_err() || close {
                break;
            }
        }
    });
    let mut hello = false;
    while let Some(Ok(msg)) = stream.next().await {
        let Message::Text(t) = msg else {
            if matches!(msg, Message::Close(_)) {
                break;
            }
            continue;
        };
        let frame: Value = serde_json::from_str(&t).expect("client sent JSON");
        lock(&state).received.push(frame.clone());
        let op = frame["op"].as_str().unwrap_or("");
        let id = frame["id"].clone();
        if !hello {
            assert_eq!(op, "hello", "the first frame is a hello");
            assert_eq!(frame["protocol"], 1);
            match frame["token"].as_str() {
                Some("bad") => {
                    let _ = tx.send(text(json!({"op":"goodbye","reason":"unauthorized","message":"bad token"})));
                    let _ =
                        tx.send(Message::Close(Some(CloseFrame { code: CloseCode::from(4401), reason: "".into() })));
                    break;
                }
                token => {
                    let _ = tx.send(text(json!({"op":"welcome","protocol":1,"principal":token,
                        "heartbeat_ms":15000,"max_frame_bytes":1048576})));
                }
            }
            hello = true;
            continue;
        }
        match op {
            "ping" => {
                let _ = tx.send(text(json!({"op":"pong","id":id})));
            }
            "call" => {
                let actor = frame["actor"].as_str().unwrap_or("").to_string();
                match frame["method"].as_str().unwrap_or("") {
                    "incr" => {
                        let by = frame["payload"]["by"].as_u64().unwrap_or(1);
                        let mut st = lock(&state);
                        let epoch = st.epoch.clone();
                        let v = st.views.entry(actor.clone()).or_default();
                        v.value += by;
                        let (base, seq, value) = (v.seq, v.seq + 1, v.value);
                        v.seq = seq;
                        let patch = json!([{"op":"replace","path":"/value","value":value}]);
                        v.log.push((base, seq, patch.clone()));
                        let _ = tx.send(text(json!({"op":"result","id":id,"payload":{"value":value}})));
                        st.subs.retain(|(c, sub, a)| {
                            a != &actor
                                || c.send(text(json!({"op":"delta","sub":sub,"epoch":epoch,"base":base,
                                    "seq":seq,"patch":patch})))
                                    .is_ok()
                        });
                    }
                    "echo" => {
                        // Answers after `delay_ms`, so answers overtake each other.
                        let delay = frame["payload"]["delay_ms"].as_u64().unwrap_or(0);
                        let (tx, payload) = (tx.clone(), frame["payload"].clone());
                        tokio::spawn(async move {
                            tokio::time::sleep(Duration::from_millis(delay)).await;
                            let _ = tx.send(text(json!({"op":"result","id":id,"payload":payload})));
                        });
                    }
                    "gap" => {
                        // A delta that does not follow anything.
                        let st = lock(&state);
                        for (c, sub, a) in &st.subs {
                            if a == &actor {
                                let _ = c.send(text(json!({"op":"delta","sub":sub,"epoch":st.epoch,
                                    "base":1000,"seq":1001,"patch":[]})));
                            }
                        }
                        let _ = tx.send(text(json!({"op":"result","id":id,"payload":null})));
                    }
                    "refuse-view" => {
                        let st = lock(&state);
                        for (c, sub, a) in &st.subs {
                            if a == &actor {
                                let _ = c.send(text(json!({"op":"error","sub":sub,"code":"guest_error",
                                    "message":"render failed"})));
                            }
                        }
                        let _ = tx.send(text(json!({"op":"result","id":id,"payload":null})));
                    }
                    m => {
                        let _ = tx.send(text(json!({"op":"error","id":id,"code":"unknown_method",
                            "message":format!("counter has no method {m:?}")})));
                    }
                }
            }
            "subscribe" => {
                let actor = frame["actor"].as_str().unwrap_or("").to_string();
                if actor.starts_with("nope/") {
                    let _ = tx.send(text(json!({"op":"error","id":id,"code":"unknown_class","message":"no class"})));
                    continue;
                }
                let mut st = lock(&state);
                let epoch = st.epoch.clone();
                let v = st.views.entry(actor.clone()).or_default();
                let resume = &frame["resume"];
                let resumable = resume["epoch"].as_str() == Some(epoch.as_str())
                    && resume["seq"].as_u64().is_some_and(|s| s <= v.seq);
                if resumable {
                    let from = resume["seq"].as_u64().unwrap_or(0);
                    let _ = tx.send(text(json!({"op":"resumed","sub":id,"epoch":epoch,"seq":from})));
                    for (base, seq, patch) in v.log.iter().filter(|(b, _, _)| *b >= from) {
                        let _ = tx.send(text(json!({"op":"delta","sub":id,"epoch":epoch,"base":base,
                            "seq":seq,"patch":patch})));
                    }
                } else {
                    let _ = tx.send(text(json!({"op":"snapshot","sub":id,"epoch":epoch,"seq":v.seq,
                        "view":{"value":v.value}})));
                }
                let sub = id.as_u64().unwrap_or(0);
                st.subs.push((tx.clone(), sub, actor));
            }
            "unsubscribe" => {
                let sub = frame["sub"].as_u64();
                let mut st = lock(&state);
                let before = st.subs.len();
                st.subs.retain(|(c, s, _)| !(c.same_channel(&tx) && Some(*s) == sub));
                if st.subs.len() < before {
                    let _ = tx.send(text(json!({"op":"result","id":id,"payload":null})));
                } else {
                    let _ = tx.send(text(json!({"op":"error","id":id,"code":"unknown_subscription",
                        "message":"no such subscription"})));
                }
            }
            other => {
                let _ = tx.send(text(json!({"op":"error","id":id,"code":"unknown_op","message":other})));
            }
        }
    }
    lock(&state).subs.retain(|(c, _, _)| !c.same_channel(&tx));
}

async fn next_event(sub: &mut microlith_client::ws::Subscription) -> Event {
    match tokio::time::timeout(Duration::from_secs(5), sub.next()).await {
        Ok(Some(Ok(e))) => e,
        other => panic!("expected an event, got {other:?}"),
    }
}

#[tokio::test]
async fn handshake_calls_and_ping() {
    let (url, state) = start_server("e1").await;
    let client = WsClient::connect(&url, Some("alice".into())).await.expect("connect");
    assert_eq!(client.principal(), Some("alice"));
    let anon = WsClient::connect(&url, None).await.expect("connect");
    assert_eq!(anon.principal(), None);

    let r = client.call("counter/x", "incr", &json!({"by": 5}), Some("key-1")).await.expect("call");
    assert_eq!(r, json!({"value": 5}));
    let r = client.call("counter/x", "incr", &Value::Null, None).await.expect("call");
    assert_eq!(r, json!({"value": 6}));
    match client.call("counter/x", "fly", &Value::Null, None).await {
        Err(ClientError::Remote { code: ErrorCode::UnknownMethod, message }) => assert!(message.contains("fly")),
        other => panic!("unexpected {other:?}"),
    }
    client.ping().await.expect("ping");

    // What went over the wire, as the spec writes it.
    let received = lock(&state).received.clone();
    assert_eq!(received[0], json!({"op":"hello","protocol":1,"token":"alice"}));
    assert_eq!(received[1], json!({"op":"hello","protocol":1}));
    let call = &received[2];
    assert_eq!(call["op"], "call");
    assert_eq!(call["actor"], "counter/x");
    assert_eq!(call["method"], "incr");
    assert_eq!(call["payload"], json!({"by": 5}));
    assert_eq!(call["idempotency_key"], "key-1");
    assert!(call["id"].is_u64());
    assert!(received[3].get("payload").is_none(), "a null payload is omitted: {}", received[3]);
    assert!(received[3].get("idempotency_key").is_none());
    client.close().await;
}

#[tokio::test]
async fn a_bad_token_is_rejected() {
    let (url, _) = start_server("e1").await;
    match WsClient::connect(&url, Some("bad".into())).await {
        Err(ClientError::Rejected { reason, message }) => {
            assert_eq!(reason, "unauthorized");
            assert_eq!(message, "bad token");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(matches!(WsClient::connect("http://127.0.0.1:1/v1/ws", None).await, Err(ClientError::Url(_))));
    assert!(matches!(WsClient::connect("ws://127.0.0.1:1/v1/ws", None).await, Err(ClientError::WebSocket(_))));
}

#[tokio::test]
async fn many_calls_in_flight_get_their_own_answers() {
    let (url, _) = start_server("e1").await;
    let client = Arc::new(WsClient::connect(&url, None).await.expect("connect"));
    let mut tasks = Vec::new();
    for i in 0..50u64 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            // Later calls answer first.
            let payload = json!({"i": i, "delay_ms": 100 - 2 * i});
            let r = client.call("echo/a", "echo", &payload, None).await.expect("call");
            assert_eq!(r, payload);
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
}

#[tokio::test]
async fn subscription_applies_deltas_and_resumes() {
    let (url, _) = start_server("e1").await;
    let writer = WsClient::connect(&url, None).await.expect("connect");
    writer.call("counter/x", "incr", &json!({"by": 2}), None).await.expect("incr");

    let client = WsClient::connect(&url, None).await.expect("connect");
    let mut sub = client.subscribe("counter/x", None).await.expect("subscribe");
    assert_eq!(next_event(&mut sub).await, Event::Snapshot { epoch: "e1".into(), seq: 1, view: json!({"value": 2}) });
    for expect in 3..6u64 {
        writer.call("counter/x", "incr", &Value::Null, None).await.expect("incr");
        match next_event(&mut sub).await {
            Event::Delta { base, seq, patch } => {
                assert_eq!(seq, base + 1);
                assert_eq!(seq, expect - 1);
                assert_eq!(patch.0.len(), 1);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(sub.view(), &json!({"value": expect}));
    }
    assert_eq!(sub.position(), Some(("e1", 4)));

    // The connection drops; the subscription says so once, then ends.
    client.close().await;
    match tokio::time::timeout(Duration::from_secs(5), sub.next()).await {
        Ok(Some(Err(ClientError::Disconnected(_)))) => {}
        other => panic!("unexpected {other:?}"),
    }
    assert!(sub.next().await.is_none());
    let resume = sub.resume_point().expect("resume point");
    assert_eq!(resume.seq, 4);

    // Missed while away.
    writer.call("counter/x", "incr", &Value::Null, None).await.expect("incr");
    writer.call("counter/x", "incr", &Value::Null, None).await.expect("incr");

    let client = WsClient::connect(&url, None).await.expect("reconnect");
    let mut sub = client.subscribe("counter/x", Some(resume.clone())).await.expect("resubscribe");
    assert_eq!(next_event(&mut sub).await, Event::Resumed { epoch: "e1".into(), seq: 4 });
    assert!(matches!(next_event(&mut sub).await, Event::Delta { base: 4, seq: 5, .. }));
    assert!(matches!(next_event(&mut sub).await, Event::Delta { base: 5, seq: 6, .. }));
    assert_eq!(sub.view(), &json!({"value": 7}));

    // Unsubscribe is confirmed; later changes are not delivered.
    client.unsubscribe(sub).await.expect("unsubscribe");

    // A resume from an epoch the server no longer has gets a snapshot.
    let stale = microlith_client::ws::Resume { epoch: "old".into(), seq: 99, view: json!({"value": 0}) };
    let mut sub = client.subscribe("counter/x", Some(stale)).await.expect("resubscribe");
    assert_eq!(next_event(&mut sub).await, Event::Snapshot { epoch: "e1".into(), seq: 6, view: json!({"value": 7}) });
}

#[tokio::test]
async fn gaps_view_errors_and_failed_subscribes() {
    let (url, _) = start_server("e1").await;
    let client = WsClient::connect(&url, None).await.expect("connect");
    match client.subscribe("nope/x", None).await {
        Err(ClientError::Remote { code: ErrorCode::UnknownClass, .. }) => {}
        other => panic!("unexpected {other:?}"),
    }

    let mut sub = client.subscribe("counter/g", None).await.expect("subscribe");
    assert!(matches!(next_event(&mut sub).await, Event::Snapshot { .. }));
    client.call("counter/g", "gap", &Value::Null, None).await.expect("gap");
    match tokio::time::timeout(Duration::from_secs(5), sub.next()).await {
        Ok(Some(Err(ClientError::Gap { have: 0, base: 1000, .. }))) => {}
        other => panic!("unexpected {other:?}"),
    }
    assert!(sub.next().await.is_none());

    let mut sub = client.subscribe("counter/v", None).await.expect("subscribe");
    assert!(matches!(next_event(&mut sub).await, Event::Snapshot { .. }));
    client.call("counter/v", "refuse-view", &Value::Null, None).await.expect("refuse");
    assert_eq!(
        next_event(&mut sub).await,
        Event::Error { code: ErrorCode::GuestError, message: "render failed".into() }
    );
    assert!(sub.next().await.is_none());
    // The connection is still fine.
    client.ping().await.expect("ping");
}
