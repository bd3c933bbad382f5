//! `GET /v1/ws`: the WebSocket protocol (`docs/protocol.md`).
//!
//! One task per connection reads frames; one writer task drains a bounded
//! queue ([`OUT_QUEUE`] frames) of replies into the socket, sending
//! heartbeat pings meanwhile. Calls run as tasks of their own (at most
//! [`MAX_CALLS_IN_FLIGHT`] per connection; beyond that the reader stops
//! reading until one finishes), and each subscription has a forwarder task
//! that writes its feed's updates into the socket itself: the socket's sink
//! is shared behind a lock ([`Sink`]), so a delta costs one task wake-up,
//! not a hand-off to the writer and a second wake-up (this is the fan-out's
//! per-subscriber cost). A forwarder whose socket does not drain waits on
//! it, falls behind in its feed's bounded ring and then sends one combined
//! patch from the last view it sent (see `views`).
//!
//! Every frame from the client is untrusted: it is decoded by
//! `ClientFrame::decode`, and every failure is answered with an error frame
//! or a close code, never a panic.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use microlith_core::ActorId;
use microlith_protocol::v1::ErrorCode;
use microlith_protocol::ws::{CallFrame, ClientFrame, PROTOCOL_VERSION, ResultFrame, Resume, ServerFrame};
use microlith_runtime::CallOptions;
use serde::Deserialize;
use serde_json::value::RawValue;
use tokio::sync::{Semaphore, broadcast, mpsc};
use tokio::task::JoinHandle;

use crate::AppState;
use crate::auth;
use crate::error::ApiError;
use crate::views::{Shown, Start, Subscription, Update};

/// Frames queued for the socket per connection.
pub const OUT_QUEUE: usize = 64;
/// Calls one connection may have running.
pub const MAX_CALLS_IN_FLIGHT: usize = 256;
/// Largest frame accepted from a client.
pub const MAX_FRAME_BYTES: usize = 1 << 20;
/// Bytes tungstenite reads from the socket at a time.
const READ_BUFFER_BYTES: usize = 4 << 10;
/// Bytes tungstenite buffers before writing to the socket (a flush writes
/// everything anyway).
const WRITE_BUFFER_BYTES: usize = 8 << 10;
/// How long a new connection may take to say hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// Interval of the server's pings; three without any sign of life close
/// the connection.
const HEARTBEAT: Duration = Duration::from_secs(15);
/// How long a subscribe waits for the actor's first render.
const FIRST_VIEW_WAIT: Duration = Duration::from_secs(30);

/// Query parameters of the upgrade request.
#[derive(Debug, Deserialize)]
pub struct WsQuery {
    token: Option<String>,
}

/// Upgrades to a protocol session.
pub async fn upgrade(
    State(state): State<AppState>,
    Query(query): Query<WsQuery>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let token = query.token.or_else(|| auth::bearer(&headers).map(str::to_string));
    // Small buffers: tungstenite's defaults (128 KiB each) made an idle
    // connection cost ~134 KiB; frames larger than the read buffer are still
    // read whole (up to MAX_FRAME_BYTES), in more reads.
    ws.max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .on_failed_upgrade(|e| tracing::debug!(error = %e, "websocket upgrade failed"))
        .on_upgrade(move |socket| session(state, socket, token))
}

/// What the reader hands the writer.
enum Out {
    Text(String),
    /// Close with this code after sending what is queued.
    Close(u16, &'static str),
}

/// The sending half of a connection, cheap to clone.
#[derive(Clone)]
struct Outbox(mpsc::Sender<Out>);

/// The socket's sink, shared by the writer and the forwarders. Each frame
/// is written whole under the lock (tungstenite buffers a frame before it
/// writes any of it), so frames never interleave; one subscription's frames
/// keep their order because its forwarder writes them one after another.
#[derive(Clone)]
struct Sink(Arc<tokio::sync::Mutex<futures::stream::SplitSink<WebSocket, Message>>>);

impl Sink {
    async fn send_text(&self, text: String) -> Result<(), ()> {
        self.0.lock().await.send(Message::Text(Utf8Bytes::from(text))).await.map_err(drop)
    }

    async fn send(&self, frame: &ServerFrame) -> Result<(), ()> {
        self.send_text(frame.encode()).await
    }

    async fn error(&self, id: Option<u64>, sub: Option<u64>, e: &ApiError) -> Result<(), ()> {
        self.send(&error_frame(id, sub, e)).await
    }

    /// Sends a close frame; nothing can be sent after it.
    async fn close(&self, code: u16, reason: &'static str) {
        let frame = CloseFrame { code, reason: Utf8Bytes::from_static(reason) };
        let _ = self.0.lock().await.send(Message::Close(Some(frame))).await;
    }
}

fn error_frame(id: Option<u64>, sub: Option<u64>, e: &ApiError) -> ServerFrame {
    ServerFrame::Error { id, sub, code: e.code, message: e.message.clone() }
}

impl Outbox {
    /// Queues a frame, waiting while the queue is full. Fails when the
    /// connection is gone.
    async fn send(&self, frame: &ServerFrame) -> Result<(), ()> {
        self.0.send(Out::Text(frame.encode())).await.map_err(drop)
    }

    async fn error(&self, id: Option<u64>, sub: Option<u64>, e: &ApiError) -> Result<(), ()> {
        self.send(&error_frame(id, sub, e)).await
    }

    async fn close(&self, code: u16, reason: &'static str) {
        let _ = self.0.send(Out::Close(code, reason)).await;
    }
}

async fn session(state: AppState, socket: WebSocket, query_token: Option<String>) {
    let (sink, mut stream) = socket.split();
    let sink = Sink(Arc::new(tokio::sync::Mutex::new(sink)));
    let (tx, rx) = mpsc::channel(OUT_QUEUE);
    let out = Outbox(tx);
    let last_heard = Arc::new(std::sync::Mutex::new(Instant::now()));
    let writer = tokio::spawn(writer(sink.clone(), rx, last_heard.clone()));

    let principal = match hello(&state, &mut stream, &out, query_token).await {
        Some(p) => p,
        None => {
            drop(out);
            let _ = writer.await;
            return;
        }
    };
    let mut conn = Connection {
        state: state.clone(),
        out: out.clone(),
        sink,
        principal,
        subs: HashMap::new(),
        calls: Arc::new(Semaphore::new(MAX_CALLS_IN_FLIGHT)),
    };
    let stop = state.shutdown.clone();
    loop {
        let msg = tokio::select! {
            msg = stream.next() => msg,
            () = stop.cancelled() => {
                let _ = out.send(&ServerFrame::Goodbye { reason: "shutting_down".into(), message: None }).await;
                out.close(1001, "server shutting down").await;
                break;
            }
        };
        if let Ok(mut t) = last_heard.lock() {
            *t = Instant::now();
        }
        match msg {
            Some(Ok(Message::Text(text))) => {
                if conn.frame(text.as_str()).await.is_err() {
                    break;
                }
            }
            Some(Ok(Message::Binary(_))) => {
                let e = ApiError::new(ErrorCode::InvalidFrame, "binary messages are not part of the protocol");
                let _ = out.error(None, None, &e).await;
                out.close(1003, "binary messages are not accepted").await;
                break;
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            Some(Ok(Message::Close(_))) | None => break,
            Some(Err(e)) => {
                // Oversize frames and protocol violations end up here.
                tracing::debug!(error = %e, "websocket read failed");
                let text = e.to_string();
                if text.contains("too long") || text.contains("too big") || text.contains("Space limit") {
                    out.close(1009, "frame too large").await;
                }
                break;
            }
        }
    }
    for (_, h) in conn.subs.drain() {
        h.abort();
    }
    drop(conn);
    drop(out);
    let _ = writer.await;
}

/// Waits for `hello`; answers `welcome` and returns the principal, or
/// answers the refusal and returns `None`.
async fn hello(
    state: &AppState,
    stream: &mut futures::stream::SplitStream<WebSocket>,
    out: &Outbox,
    query_token: Option<String>,
) -> Option<Option<String>> {
    let first = match tokio::time::timeout(HELLO_TIMEOUT, stream.next()).await {
        Ok(Some(Ok(Message::Text(t)))) => t,
        Ok(Some(Ok(Message::Binary(_)))) => {
            out.close(1003, "binary messages are not accepted").await;
            return None;
        }
        Ok(_) => return None,
        Err(_) => {
            out.close(1008, "no hello in time").await;
            return None;
        }
    };
    let (protocol, token) = match ClientFrame::decode(first.as_str()) {
        Ok(ClientFrame::Hello { protocol, token }) => (protocol, token),
        Ok(_) => {
            let e = ApiError::new(ErrorCode::HelloRequired, "the first frame must be hello");
            let _ = out.error(None, None, &e).await;
            out.close(1008, "hello required").await;
            return None;
        }
        Err((e, id)) => {
            let _ = out.error(id, None, &ApiError::new(e.code(), e.to_string())).await;
            out.close(1008, "hello required").await;
            return None;
        }
    };
    if protocol != PROTOCOL_VERSION {
        let message = Some(format!("this server speaks protocol {PROTOCOL_VERSION}, not {protocol}"));
        let _ = out.send(&ServerFrame::Goodbye { reason: "unsupported_protocol".into(), message }).await;
        out.close(1008, "unsupported protocol").await;
        return None;
    }
    match state.auth.principal(token.or(query_token).as_deref()) {
        Ok(principal) => {
            let welcome = ServerFrame::Welcome {
                protocol: PROTOCOL_VERSION,
                principal: principal.clone(),
                heartbeat_ms: HEARTBEAT.as_millis() as u64,
                max_frame_bytes: MAX_FRAME_BYTES,
            };
            out.send(&welcome).await.ok()?;
            Some(principal)
        }
        Err(e) => {
            let goodbye = ServerFrame::Goodbye { reason: "unauthorized".into(), message: Some(e.message) };
            let _ = out.send(&goodbye).await;
            out.close(4401, "unauthorized").await;
            None
        }
    }
}

/// Writes queued frames, pings, and closes.
async fn writer(sink: Sink, mut rx: mpsc::Receiver<Out>, last_heard: Arc<std::sync::Mutex<Instant>>) {
    let mut ping = tokio::time::interval(HEARTBEAT);
    ping.tick().await;
    loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(Out::Text(t)) => {
                    if sink.send_text(t).await.is_err() {
                        return;
                    }
                }
                Some(Out::Close(code, reason)) => {
                    sink.close(code, reason).await;
                    return;
                }
                None => {
                    let _ = sink.0.lock().await.close().await;
                    return;
                }
            },
            _ = ping.tick() => {
                let silent = last_heard.lock().map(|t| t.elapsed()).unwrap_or_default();
                if silent > HEARTBEAT * 3 {
                    sink.close(1001, "no heartbeat").await;
                    return;
                }
                if sink.0.lock().await.send(Message::Ping(Default::default())).await.is_err() {
                    return;
                }
            }
        }
    }
}

struct Connection {
    state: AppState,
    out: Outbox,
    sink: Sink,
    principal: Option<String>,
    subs: HashMap<u64, JoinHandle<()>>,
    calls: Arc<Semaphore>,
}

impl Connection {
    /// Handles one text frame. `Err` ends the session.
    async fn frame(&mut self, text: &str) -> Result<(), ()> {
        self.subs.retain(|_, h| !h.is_finished());
        let frame = match ClientFrame::decode(text) {
            Ok(f) => f,
            Err((e, id)) => return self.out.error(id, None, &ApiError::new(e.code(), e.to_string())).await,
        };
        match frame {
            ClientFrame::Hello { .. } => {
                let e = ApiError::new(ErrorCode::InvalidFrame, "hello was already said");
                self.out.error(None, None, &e).await
            }
            ClientFrame::Ping { id } => self.out.send(&ServerFrame::Pong { id }).await,
            ClientFrame::Call(call) => self.call(call).await,
            ClientFrame::Subscribe { id, actor, resume } => self.subscribe(id, &actor, resume).await,
            ClientFrame::Unsubscribe { id, sub } => match self.subs.remove(&sub) {
                Some(h) => {
                    h.abort();
                    self.out.send(&ServerFrame::Result(ResultFrame { id, payload: null() })).await
                }
                None => {
                    let e = ApiError::new(ErrorCode::UnknownSubscription, format!("no subscription {sub}"));
                    self.out.error(Some(id), None, &e).await
                }
            },
        }
    }

    async fn call(&mut self, call: CallFrame) -> Result<(), ()> {
        let CallFrame { id, actor, method, payload, idempotency_key } = call;
        let actor = match parse_actor(&actor) {
            Ok(a) => a,
            Err(e) => return self.out.error(Some(id), None, &e).await,
        };
        // Waiting here stops reading from the client: backpressure on calls.
        let Ok(permit) = self.calls.clone().acquire_owned().await else { return Err(()) };
        let runtime = self.state.runtime.clone();
        let out = self.out.clone();
        let options = CallOptions { principal: self.principal.clone(), idempotency_key };
        let payload = payload.map(|p| p.get().as_bytes().to_vec()).unwrap_or_default();
        tokio::spawn(async move {
            let frame = match runtime.call_with(&actor, &method, payload, options).await {
                Ok(reply) => reply_frame(id, reply),
                Err(e) => error_frame(Some(id), None, &ApiError::from(e)),
            };
            let _ = out.send(&frame).await;
            drop(permit);
        });
        Ok(())
    }

    async fn subscribe(&mut self, id: u64, actor: &str, resume: Option<Resume>) -> Result<(), ()> {
        if self.subs.contains_key(&id) {
            let e = ApiError::new(ErrorCode::DuplicateId, format!("subscription {id} is live"));
            return self.out.error(Some(id), None, &e).await;
        }
        let actor = match parse_actor(actor) {
            Ok(a) => a,
            Err(e) => return self.out.error(Some(id), None, &e).await,
        };
        let feeds = self.state.feeds.clone();
        let principal = self.principal.clone();
        let out = self.sink.clone();
        // Subscribing may wait for the actor's first render: not on the
        // reader's path.
        let handle = tokio::spawn(async move {
            let resume = resume.as_ref().map(|r| (r.epoch.as_str(), r.seq));
            match feeds.subscribe(&actor, principal, resume, FIRST_VIEW_WAIT).await {
                Ok(sub) => forward(id, sub, out).await,
                Err(e) => {
                    let _ = out.error(Some(id), Some(id), &e).await;
                }
            }
        });
        self.subs.insert(id, handle);
        Ok(())
    }
}

fn parse_actor(actor: &str) -> Result<ActorId, ApiError> {
    let (class, key) = actor
        .split_once('/')
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidName, format!("actor must be class/key, got {actor:?}")))?;
    Ok(ActorId::parse(class, key)?)
}

fn null() -> Box<RawValue> {
    RawValue::NULL.to_owned()
}

fn reply_frame(id: u64, reply: Vec<u8>) -> ServerFrame {
    if reply.is_empty() {
        return ServerFrame::Result(ResultFrame { id, payload: null() });
    }
    let raw = String::from_utf8(reply).ok().and_then(|s| RawValue::from_string(s).ok());
    match raw {
        Some(payload) => ServerFrame::Result(ResultFrame { id, payload }),
        None => ServerFrame::Error {
            id: Some(id),
            sub: None,
            code: ErrorCode::BadReply,
            message: "the actor's reply is not JSON".into(),
        },
    }
}

/// Where a subscription is: the last view it sent.
struct Position {
    seq: u64,
    view: Arc<serde_json::Value>,
}

/// Writes a subscription's updates to the socket until the connection or
/// the subscription ends.
async fn forward(sub: u64, mut s: Subscription, out: Sink) {
    let epoch = s.feed.epoch.clone();
    let mut pos = match std::mem::replace(&mut s.start, Start::Resumed(Vec::new())) {
        Start::Snapshot(u) => match snapshot(sub, &epoch, &u, &out).await {
            Some(p) => p,
            None => return,
        },
        Start::Resumed(missed) => {
            let Some(latest) = s.feed.latest() else { return };
            let from = missed.first().map_or(latest.seq, |u| u.base);
            if out.send(&ServerFrame::Resumed { sub, epoch: epoch.clone(), seq: from }).await.is_err() {
                return;
            }
            let mut pos = None;
            for u in &missed {
                if !send_delta(sub, &epoch, u, &out).await {
                    return;
                }
                pos = view_of(u).map(|view| Position { seq: u.seq, view });
            }
            match pos.or_else(|| view_of(&latest).map(|view| Position { seq: latest.seq, view })) {
                Some(p) => p,
                None => return,
            }
        }
    };
    loop {
        let update = match s.rx.recv().await {
            Ok(u) => u,
            Err(broadcast::error::RecvError::Lagged(_)) => {
                // Too slow: skip to the current view in one patch.
                let Some(latest) = s.feed.latest() else { return };
                if latest.seq <= pos.seq {
                    continue;
                }
                match view_of(&latest) {
                    Some(view) => {
                        let patch = crate::views::diff(&pos.view, &view);
                        let frame = delta_text(sub, &epoch, pos.seq, latest.seq, &patch);
                        if out.send_text(frame).await.is_err() {
                            return;
                        }
                        pos = Position { seq: latest.seq, view };
                        continue;
                    }
                    None => latest,
                }
            }
            Err(broadcast::error::RecvError::Closed) => return,
        };
        if update.seq <= pos.seq {
            continue;
        }
        if update.base == pos.seq && update.patch.is_some() {
            if !send_delta(sub, &epoch, &update, &out).await {
                return;
            }
            if let Some(view) = view_of(&update) {
                pos = Position { seq: update.seq, view };
            }
            continue;
        }
        // A fresh snapshot (after a failure) or a failure.
        match snapshot(sub, &epoch, &update, &out).await {
            Some(p) => pos = p,
            None => return,
        }
    }
}

fn view_of(u: &Update) -> Option<Arc<serde_json::Value>> {
    match &u.shown {
        Shown::View(v) => Some(v.clone()),
        Shown::Failed(..) => None,
    }
}

/// Sends `u` as a snapshot; a failed view ends the subscription with an
/// error (returns `None`).
async fn snapshot(sub: u64, epoch: &str, u: &Update, out: &Sink) -> Option<Position> {
    match (&u.shown, u.view_json()) {
        (Shown::View(v), Some(text)) => {
            out.send_text(snapshot_text(sub, epoch, u.seq, &text)).await.ok()?;
            Some(Position { seq: u.seq, view: v.clone() })
        }
        (Shown::Failed(code, message), _) => {
            let e = ApiError::new(*code, message.clone());
            let _ = out.error(None, Some(sub), &e).await;
            None
        }
        _ => None,
    }
}

async fn send_delta(sub: u64, epoch: &str, u: &Update, out: &Sink) -> bool {
    let Some(patch) = &u.patch else { return false };
    out.send_text(delta_text(sub, epoch, u.base, u.seq, patch)).await.is_ok()
}

/// A delta frame's text (what `ServerFrame::Delta` encodes to), built
/// around the feed's shared, already serialized patch without parsing it
/// again: this runs once per subscriber and change. `epoch` is hex.
fn delta_text(sub: u64, epoch: &str, base: u64, seq: u64, patch: &str) -> String {
    let mut s = String::with_capacity(80 + epoch.len() + patch.len());
    s.push_str(r#"{"op":"delta","sub":"#);
    s.push_str(itoa::Buffer::new().format(sub));
    s.push_str(r#","epoch":""#);
    s.push_str(epoch);
    s.push_str(r#"","base":"#);
    s.push_str(itoa::Buffer::new().format(base));
    s.push_str(r#","seq":"#);
    s.push_str(itoa::Buffer::new().format(seq));
    s.push_str(r#","patch":"#);
    s.push_str(patch);
    s.push('}');
    s
}

/// A snapshot frame's text, like [`delta_text`].
fn snapshot_text(sub: u64, epoch: &str, seq: u64, view: &str) -> String {
    format!(r#"{{"op":"snapshot","sub":{sub},"epoch":"{epoch}","seq":{seq},"view":{view}}}"#)
}

#[cfg(test)]
mod tests {
    use microlith_protocol::ws::{DeltaFrame, SnapshotFrame};

    use super::*;

    #[test]
    fn prebuilt_frames_decode_as_server_frames() {
        let d = ServerFrame::decode(&delta_text(3, "00ff", 4, 5, r#"[{"op":"remove","path":"/a"}]"#));
        assert!(matches!(d, Ok(ServerFrame::Delta(DeltaFrame { sub: 3, base: 4, seq: 5, .. }))), "{d:?}");
        let big = delta_text(u64::MAX, "00ff", u64::MAX - 1, u64::MAX, "[]");
        let d = ServerFrame::decode(&big);
        assert!(
            matches!(d, Ok(ServerFrame::Delta(DeltaFrame { sub: u64::MAX, base, seq: u64::MAX, .. })) if base == u64::MAX - 1),
            "{d:?}"
        );
        let s = ServerFrame::decode(&snapshot_text(3, "00ff", 0, r#"{"items":[]}"#));
        assert!(matches!(s, Ok(ServerFrame::Snapshot(SnapshotFrame { sub: 3, seq: 0, .. }))), "{s:?}");
    }
}
