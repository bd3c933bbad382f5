//! A client of the WebSocket protocol (`docs/protocol.md`, version 1):
//! calls and live view subscriptions multiplexed over one connection.
//!
//! [`WsClient::connect`] opens the connection and does the `hello` /
//! `welcome` handshake. Any number of [`WsClient::call`]s may be in flight
//! at once (a reader task hands each answer to its caller by request id).
//! [`WsClient::subscribe`] returns a [`Subscription`] that yields [`Event`]s
//! and keeps a local copy of the view up to date by applying the deltas'
//! RFC 6902 patches; [`Subscription::resume_point`] is what to pass to
//! `subscribe` after a reconnect to get only the missed deltas.
//!
//! ```no_run
//! # async fn demo() -> Result<(), microlith_client::ClientError> {
//! use microlith_client::ws::{Event, WsClient};
//!
//! let url = microlith_client::ws::ws_url("http://127.0.0.1:7070")?; // ws://127.0.0.1:7070/v1/ws
//! let client = WsClient::connect(&url, None).await?;
//! let mut sub = client.subscribe("counter/demo", None).await?;
//! let reply = client.call("counter/demo", "incr", &serde_json::json!({"by": 2}), None).await?;
//! println!("incr replied {reply}");
//! while let Some(event) = sub.next().await {
//!     match event? {
//!         Event::Snapshot { .. } | Event::Delta { .. } => println!("view: {}", sub.view()),
//!         Event::Resumed { .. } => {}
//!         Event::Error { code, message } => eprintln!("{code:?}: {message}"),
//!     }
//! }
//! // The connection dropped: resume where we left off (or get a fresh snapshot).
//! let resume = sub.resume_point();
//! let client = WsClient::connect(&url, None).await?;
//! let sub = client.subscribe("counter/demo", resume).await?;
//! # let _ = sub; Ok(()) }
//! ```

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures::{SinkExt as _, StreamExt as _};
use microlith_protocol::v1::ErrorCode;
use microlith_protocol::ws::{CallFrame, ClientFrame, DeltaFrame, PROTOCOL_VERSION, ServerFrame, SnapshotFrame};
use serde::Deserialize;
use serde_json::value::RawValue;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

pub use json_patch;

use crate::ClientError;

/// How long [`WsClient::connect`] waits for the server's `welcome`.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Outgoing frames queued before `call` waits for the writer.
const OUTGOING_QUEUE: usize = 256;

/// The WebSocket URL of the server at an HTTP base URL:
/// `http://h:p` → `ws://h:p/v1/ws`, `https://…` → `wss://…/v1/ws`.
/// A `ws://` or `wss://` URL is returned as it is.
pub fn ws_url(server: &str) -> Result<String, ClientError> {
    let server = server.trim();
    if server.starts_with("ws://") || server.starts_with("wss://") {
        return Ok(server.to_string());
    }
    let base = server.trim_end_matches('/');
    if let Some(rest) = base.strip_prefix("http://") {
        Ok(format!("ws://{rest}/v1/ws"))
    } else if let Some(rest) = base.strip_prefix("https://") {
        Ok(format!("wss://{rest}/v1/ws"))
    } else {
        Err(ClientError::Url(server.to_string()))
    }
}

/// Where a subscription left off: pass it to [`WsClient::subscribe`] after
/// a reconnect. Carries the view at `seq`, so that the missed deltas can be
/// applied to it when the server answers `resumed`.
#[derive(Debug, Clone, PartialEq)]
pub struct Resume {
    /// The epoch of the view history.
    pub epoch: String,
    /// The last sequence number applied.
    pub seq: u64,
    /// The view at `seq`.
    pub view: serde_json::Value,
}

/// What a subscription reports. The local view ([`Subscription::view`]) is
/// already updated when an event is returned.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The whole view (a new subscription, or a resume the server could not honour).
    Snapshot {
        /// The history `seq` counts in.
        epoch: String,
        /// The view's sequence number.
        seq: u64,
        /// The view (`null` when the actor shows nothing).
        view: serde_json::Value,
    },
    /// The resume was honoured: the missed deltas follow.
    Resumed {
        /// The epoch.
        epoch: String,
        /// The sequence number the subscription resumed at.
        seq: u64,
    },
    /// The view changed from `base` to `seq`.
    Delta {
        /// The sequence number the patch applied to.
        base: u64,
        /// The sequence number after the patch.
        seq: u64,
        /// The RFC 6902 patch that was applied.
        patch: json_patch::Patch,
    },
    /// The view failed (the actor's render failed or refused this viewer);
    /// the subscription has ended.
    Error {
        /// Stable error code.
        code: ErrorCode,
        /// Message.
        message: String,
    },
}

/// What the reader hands to a waiting request.
enum Reply {
    Payload(Box<RawValue>),
    Pong,
}

/// What the reader hands to a subscription.
enum SubFrame {
    Snapshot(SnapshotFrame),
    Resumed { epoch: String, seq: u64 },
    Delta(DeltaFrame),
    Error { code: ErrorCode, message: String },
}

#[derive(Default)]
struct Routes {
    pending: HashMap<u64, oneshot::Sender<Result<Reply, ClientError>>>,
    subs: HashMap<u64, mpsc::UnboundedSender<SubFrame>>,
    /// Why the connection ended, once it has.
    closed: Option<String>,
}

struct Shared {
    next_id: AtomicU64,
    routes: Mutex<Routes>,
    max_frame_bytes: AtomicU64,
}

impl Shared {
    fn routes(&self) -> MutexGuard<'_, Routes> {
        // A panic while holding the lock cannot leave the maps inconsistent
        // (each update is a single insert or remove), so poisoning is ignored.
        self.routes.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Ends every request and subscription: the connection is gone.
    fn close(&self, reason: String) {
        let mut r = self.routes();
        if r.closed.is_none() {
            r.closed = Some(reason.clone());
        }
        for (_, tx) in r.pending.drain() {
            let _ = tx.send(Err(ClientError::Disconnected(reason.clone())));
        }
        // Dropping the senders makes each subscription see the end.
        r.subs.clear();
    }
}

struct Conn {
    shared: Arc<Shared>,
    out: mpsc::Sender<Message>,
}

impl Conn {
    async fn send(&self, frame: &ClientFrame) -> Result<(), ClientError> {
        let text = serde_json::to_string(frame).map_err(|e| ClientError::Decode(e.to_string()))?;
        let max = self.shared.max_frame_bytes.load(Ordering::Relaxed);
        if text.len() as u64 > max {
            return Err(ClientError::FrameTooLarge { len: text.len(), max });
        }
        self.out.send(Message::text(text)).await.map_err(|_| self.disconnected())
    }

    fn disconnected(&self) -> ClientError {
        let reason = self.shared.routes().closed.clone();
        ClientError::Disconnected(reason.unwrap_or_else(|| "the connection is closed".into()))
    }

    /// Sends `frame` (built with a fresh id) and waits for its answer.
    async fn request(&self, frame: impl FnOnce(u64) -> ClientFrame) -> Result<Reply, ClientError> {
        let id = self.shared.id();
        let (tx, rx) = oneshot::channel();
        {
            let mut r = self.shared.routes();
            if let Some(reason) = &r.closed {
                return Err(ClientError::Disconnected(reason.clone()));
            }
            r.pending.insert(id, tx);
        }
        if let Err(e) = self.send(&frame(id)).await {
            self.shared.routes().pending.remove(&id);
            return Err(e);
        }
        rx.await.map_err(|_| self.disconnected())?
    }
}

/// A connection to a Microlith server's `/v1/ws` endpoint.
///
/// Share it by reference (or in an `Arc`) across tasks: every method takes
/// `&self`. The connection closes when the client and every
/// [`Subscription`] of it are dropped, or with [`close`](Self::close).
pub struct WsClient {
    conn: Arc<Conn>,
    principal: Option<String>,
    heartbeat: Duration,
    reader: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for WsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsClient").field("principal", &self.principal).field("heartbeat", &self.heartbeat).finish()
    }
}

/// Small socket buffers: tungstenite zero-fills its read buffer up to its
/// capacity before every read, so the default 128 KiB costs a 128 KiB
/// memset per frame received. Larger frames are still read whole.
fn ws_config() -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
    tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(8 << 10)
        .write_buffer_size(8 << 10)
}

impl WsClient {
    /// Connects to `url` (`ws://host:port/v1/ws`; see [`ws_url`] to derive
    /// it from the HTTP URL), sends `hello` with `token` (a JWT; `None`:
    /// anonymous) and waits for `welcome`.
    pub async fn connect(url: &str, token: Option<String>) -> Result<Self, ClientError> {
        if !(url.starts_with("ws://") || url.starts_with("wss://")) {
            return Err(ClientError::Url(url.to_string()));
        }
        let (mut ws, _response) = tokio::time::timeout(
            HANDSHAKE_TIMEOUT,
            tokio_tungstenite::connect_async_with_config(url, Some(ws_config()), true),
        )
        .await
        .map_err(|_| ClientError::Timeout("connecting"))?
        .map_err(ws_error)?;
        let hello = ClientFrame::Hello { protocol: PROTOCOL_VERSION, token };
        let text = serde_json::to_string(&hello).map_err(|e| ClientError::Decode(e.to_string()))?;
        ws.send(Message::text(text)).await.map_err(ws_error)?;

        let deadline = Instant::now() + HANDSHAKE_TIMEOUT;
        let welcome = loop {
            let msg = tokio::time::timeout_at(deadline.into(), ws.next())
                .await
                .map_err(|_| ClientError::Timeout("waiting for the welcome"))?;
            let text = match msg {
                None => return Err(ClientError::Disconnected("the server closed before its welcome".into())),
                Some(Err(e)) => return Err(ws_error(e)),
                Some(Ok(Message::Text(t))) => t,
                Some(Ok(Message::Close(frame))) => return Err(ClientError::Disconnected(close_reason(frame))),
                Some(Ok(Message::Binary(_))) => {
                    return Err(ClientError::Protocol("a binary message instead of the welcome".into()));
                }
                Some(Ok(_)) => continue, // ping, pong
            };
            match decode_server(&text)? {
                Some(ServerFrame::Welcome { protocol, principal, heartbeat_ms, max_frame_bytes }) => {
                    if protocol != PROTOCOL_VERSION {
                        return Err(ClientError::Protocol(format!("the server speaks protocol {protocol}")));
                    }
                    break (principal, heartbeat_ms, max_frame_bytes);
                }
                Some(ServerFrame::Goodbye { reason, message }) => {
                    return Err(ClientError::Rejected { reason, message: message.unwrap_or_default() });
                }
                Some(ServerFrame::Error { code, message, .. }) => return Err(ClientError::Remote { code, message }),
                Some(other) => {
                    return Err(ClientError::Protocol(format!("expected a welcome, got {}", other.encode())));
                }
                None => continue, // an op of a later version
            }
        };
        let (principal, heartbeat_ms, max_frame_bytes) = welcome;
        let heartbeat = Duration::from_millis(heartbeat_ms.max(1));

        let shared = Arc::new(Shared {
            next_id: AtomicU64::new(1),
            routes: Mutex::new(Routes::default()),
            max_frame_bytes: AtomicU64::new(max_frame_bytes as u64),
        });
        let (sink, stream) = ws.split();
        let (out, out_rx) = mpsc::channel(OUTGOING_QUEUE);
        tokio::spawn(write_loop(sink, out_rx, shared.clone()));
        let reader = tokio::spawn(read_loop(stream, shared.clone(), out.clone(), heartbeat));
        Ok(Self { conn: Arc::new(Conn { shared, out }), principal, heartbeat, reader })
    }

    /// The connection's principal (the token's `sub`; `None`: anonymous).
    pub fn principal(&self) -> Option<&str> {
        self.principal.as_deref()
    }

    /// The interval of the server's heartbeat pings.
    pub fn heartbeat(&self) -> Duration {
        self.heartbeat
    }

    /// Whether the connection has ended.
    pub fn is_closed(&self) -> bool {
        self.conn.shared.routes().closed.is_some()
    }

    /// Calls `method` of `actor` (`class/key`) with `payload` (`null`: no
    /// payload) and returns the JSON reply. With an `idempotency_key`, a
    /// call that already committed is answered with its recorded reply.
    pub async fn call(
        &self,
        actor: &str,
        method: &str,
        payload: &serde_json::Value,
        idempotency_key: Option<&str>,
    ) -> Result<serde_json::Value, ClientError> {
        let payload = if payload.is_null() {
            None
        } else {
            Some(serde_json::value::to_raw_value(payload).map_err(|e| ClientError::Decode(e.to_string()))?)
        };
        let reply = self
            .conn
            .request(|id| {
                ClientFrame::Call(CallFrame {
                    id,
                    actor: actor.to_string(),
                    method: method.to_string(),
                    payload,
                    idempotency_key: idempotency_key.map(str::to_string),
                })
            })
            .await?;
        match reply {
            Reply::Payload(p) => serde_json::from_str(p.get()).map_err(|e| ClientError::Decode(e.to_string())),
            Reply::Pong => Err(ClientError::Protocol("a pong answered a call".into())),
        }
    }

    /// Subscribes to the view of `actor` (`class/key`). With `resume` (from
    /// [`Subscription::resume_point`] of an earlier subscription), the
    /// server sends only the missed deltas if it still can, else a fresh
    /// snapshot. Waits for the server's first answer: a view that cannot be
    /// rendered is an error here.
    pub async fn subscribe(&self, actor: &str, resume: Option<Resume>) -> Result<Subscription, ClientError> {
        let id = self.conn.shared.id();
        let (tx, mut rx) = mpsc::unbounded_channel();
        {
            let mut r = self.conn.shared.routes();
            if let Some(reason) = &r.closed {
                return Err(ClientError::Disconnected(reason.clone()));
            }
            r.subs.insert(id, tx);
        }
        let wire_resume =
            resume.as_ref().map(|r| microlith_protocol::ws::Resume { epoch: r.epoch.clone(), seq: r.seq });
        let frame = ClientFrame::Subscribe { id, actor: actor.to_string(), resume: wire_resume };
        if let Err(e) = self.conn.send(&frame).await {
            self.conn.shared.routes().subs.remove(&id);
            return Err(e);
        }
        let first = match rx.recv().await {
            Some(SubFrame::Error { code, message }) => return Err(ClientError::Remote { code, message }),
            Some(f) => f,
            None => return Err(self.conn.disconnected()),
        };
        let (epoch, seq, view) = match resume {
            Some(r) => (Some(r.epoch), Some(r.seq), r.view),
            None => (None, None, serde_json::Value::Null),
        };
        Ok(Subscription {
            id,
            actor: actor.to_string(),
            conn: self.conn.clone(),
            rx,
            first: Some(first),
            resume_epoch: epoch,
            resume_seq: seq,
            epoch: None,
            seq: None,
            view,
            ended: false,
        })
    }

    /// Ends `sub` and waits for the server to confirm.
    pub async fn unsubscribe(&self, mut sub: Subscription) -> Result<(), ClientError> {
        sub.ended = true;
        self.conn.shared.routes().subs.remove(&sub.id);
        let sub_id = sub.id;
        match self.conn.request(|id| ClientFrame::Unsubscribe { id, sub: sub_id }).await? {
            Reply::Payload(_) => Ok(()),
            Reply::Pong => Err(ClientError::Protocol("a pong answered an unsubscribe".into())),
        }
    }

    /// Sends a `ping` frame and returns the round-trip time.
    pub async fn ping(&self) -> Result<Duration, ClientError> {
        let start = Instant::now();
        match self.conn.request(|id| ClientFrame::Ping { id }).await? {
            Reply::Pong => Ok(start.elapsed()),
            Reply::Payload(_) => Err(ClientError::Protocol("a result answered a ping".into())),
        }
    }

    /// Closes the connection (a WebSocket close, code 1000) and waits
    /// briefly for the server to acknowledge it.
    pub async fn close(self) {
        let _ = self.conn.out.send(Message::Close(None)).await;
        let reader = self.reader;
        let abort = reader.abort_handle();
        if tokio::time::timeout(Duration::from_secs(2), reader).await.is_err() {
            abort.abort();
        }
    }
}

/// A live subscription to an actor's view.
///
/// [`next`](Self::next) returns events in order and keeps
/// [`view`](Self::view) current. It returns `Some(Err(_))` once when the
/// connection drops ([`ClientError::Disconnected`]) or a delta cannot be
/// applied ([`ClientError::Gap`], [`ClientError::Patch`]) and `None`
/// afterwards; then subscribe again, with [`resume_point`](Self::resume_point).
/// Dropping a subscription unsubscribes without waiting.
pub struct Subscription {
    id: u64,
    actor: String,
    conn: Arc<Conn>,
    rx: mpsc::UnboundedReceiver<SubFrame>,
    first: Option<SubFrame>,
    /// What the subscribe asked to resume from.
    resume_epoch: Option<String>,
    resume_seq: Option<u64>,
    /// Where the view is (`None` before the first snapshot or resumed).
    epoch: Option<String>,
    seq: Option<u64>,
    view: serde_json::Value,
    ended: bool,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .field("actor", &self.actor)
            .field("epoch", &self.epoch)
            .field("seq", &self.seq)
            .field("ended", &self.ended)
            .finish()
    }
}

impl Subscription {
    /// The subscription id (the `id` of its `subscribe` frame).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The actor, `class/key`.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// The view as of the last event returned (`null` before the first).
    pub fn view(&self) -> &serde_json::Value {
        &self.view
    }

    /// The epoch and sequence number of [`view`](Self::view), once known.
    pub fn position(&self) -> Option<(&str, u64)> {
        Some((self.epoch.as_deref()?, self.seq?))
    }

    /// Whether the subscription has ended (error, gap, unsubscribed or disconnected).
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// Where to resume from after a reconnect: the last applied position
    /// and its view (`None` before the first snapshot).
    pub fn resume_point(&self) -> Option<Resume> {
        let (epoch, seq) = self.position()?;
        Some(Resume { epoch: epoch.to_string(), seq, view: self.view.clone() })
    }

    /// The next event; see the type's docs for errors and the end.
    pub async fn next(&mut self) -> Option<Result<Event, ClientError>> {
        if self.ended {
            return None;
        }
        let frame = match self.first.take() {
            Some(f) => f,
            None => match self.rx.recv().await {
                Some(f) => f,
                None => {
                    self.ended = true;
                    return Some(Err(self.conn.disconnected()));
                }
            },
        };
        let result = self.apply(frame);
        if result.is_err() {
            self.end();
        }
        Some(result)
    }

    fn apply(&mut self, frame: SubFrame) -> Result<Event, ClientError> {
        match frame {
            SubFrame::Snapshot(s) => {
                let view: serde_json::Value =
                    serde_json::from_str(s.view.get()).map_err(|e| ClientError::Decode(e.to_string()))?;
                self.epoch = Some(s.epoch.clone());
                self.seq = Some(s.seq);
                self.view = view.clone();
                Ok(Event::Snapshot { epoch: s.epoch, seq: s.seq, view })
            }
            SubFrame::Resumed { epoch, seq } => {
                if self.resume_epoch.as_deref() != Some(epoch.as_str()) || self.resume_seq != Some(seq) {
                    return Err(ClientError::Protocol(format!(
                        "resumed at {epoch:?}/{seq}, but the resume asked for {:?}/{:?}",
                        self.resume_epoch, self.resume_seq
                    )));
                }
                self.epoch = Some(epoch.clone());
                self.seq = Some(seq);
                Ok(Event::Resumed { epoch, seq })
            }
            SubFrame::Delta(d) => {
                let (Some(epoch), Some(seq)) = (self.epoch.as_deref(), self.seq) else {
                    return Err(ClientError::Protocol("a delta before the snapshot".into()));
                };
                if d.epoch != epoch || d.base != seq || d.seq <= d.base {
                    return Err(ClientError::Gap {
                        epoch: epoch.to_string(),
                        have: seq,
                        delta_epoch: d.epoch,
                        base: d.base,
                        seq: d.seq,
                    });
                }
                let patch: json_patch::Patch =
                    serde_json::from_str(d.patch.get()).map_err(|e| ClientError::Patch(e.to_string()))?;
                json_patch::patch(&mut self.view, &patch.0).map_err(|e| ClientError::Patch(e.to_string()))?;
                self.seq = Some(d.seq);
                Ok(Event::Delta { base: d.base, seq: d.seq, patch })
            }
            SubFrame::Error { code, message } => {
                self.end();
                Ok(Event::Error { code, message })
            }
        }
    }

    /// Stops routing and tells the server, without waiting.
    fn end(&mut self) {
        if self.ended {
            return;
        }
        self.ended = true;
        let live = self.conn.shared.routes().subs.remove(&self.id).is_some();
        if live {
            let frame = ClientFrame::Unsubscribe { id: self.conn.shared.id(), sub: self.id };
            if let Ok(text) = serde_json::to_string(&frame) {
                let _ = self.conn.out.try_send(Message::text(text));
            }
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.end();
    }
}

/// Writes queued messages; ends (closing the connection) when every
/// handle is gone or the socket fails.
async fn write_loop<S>(mut sink: S, mut rx: mpsc::Receiver<Message>, shared: Arc<Shared>)
where
    S: futures::Sink<Message, Error = tokio_tungstenite::tungstenite::Error> + Unpin,
{
    while let Some(msg) = rx.recv().await {
        let closing = matches!(msg, Message::Close(_));
        if let Err(e) = sink.send(msg).await {
            shared.close(format!("sending failed: {e}"));
            return;
        }
        if closing {
            return;
        }
    }
    let _ = sink.send(Message::Close(None)).await;
}

/// Reads server frames and routes them; on the end of the stream (or when
/// nothing, not even a heartbeat, arrived for three heartbeat intervals)
/// fails every waiting request and ends every subscription.
async fn read_loop<S>(mut stream: S, shared: Arc<Shared>, out: mpsc::Sender<Message>, heartbeat: Duration)
where
    S: futures::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    // The writer must not keep the connection alive for the reader's sake.
    let out = out.downgrade();
    let silence = heartbeat.saturating_mul(3) + Duration::from_secs(1);
    let mut goodbye: Option<String> = None;
    let reason = loop {
        let msg = match tokio::time::timeout(silence, stream.next()).await {
            Err(_) => break format!("nothing arrived from the server for {} ms", silence.as_millis()),
            Ok(None) => break goodbye.unwrap_or_else(|| "the server closed the connection".into()),
            Ok(Some(Err(e))) => break goodbye.unwrap_or_else(|| format!("the connection failed: {e}")),
            Ok(Some(Ok(m))) => m,
        };
        let text = match msg {
            Message::Text(t) => t,
            Message::Close(frame) => break goodbye.unwrap_or_else(|| close_reason(frame)),
            Message::Binary(_) => {
                if let Some(out) = out.upgrade() {
                    let _ = out.try_send(Message::Close(None));
                }
                break "the server sent a binary message".into();
            }
            _ => continue, // ping (answered by tungstenite), pong, raw frames
        };
        let frame = match decode_server(&text) {
            Ok(Some(f)) => f,
            Ok(None) => continue, // an op of a later protocol version
            Err(e) => break format!("undecodable frame from the server: {e}"),
        };
        route(&shared, frame, &mut goodbye);
    };
    shared.close(reason);
}

fn route(shared: &Shared, frame: ServerFrame, goodbye: &mut Option<String>) {
    let mut r = shared.routes();
    let to_pending = |r: &mut Routes, id: u64, reply: Result<Reply, ClientError>| {
        if let Some(tx) = r.pending.remove(&id) {
            let _ = tx.send(reply);
        }
    };
    let to_sub = |r: &mut Routes, sub: u64, f: SubFrame| {
        if let Some(tx) = r.subs.get(&sub)
            && tx.send(f).is_err()
        {
            r.subs.remove(&sub);
        }
    };
    match frame {
        ServerFrame::Result(res) => to_pending(&mut r, res.id, Ok(Reply::Payload(res.payload))),
        ServerFrame::Pong { id } => to_pending(&mut r, id, Ok(Reply::Pong)),
        ServerFrame::Snapshot(s) => to_sub(&mut r, s.sub, SubFrame::Snapshot(s)),
        ServerFrame::Resumed { sub, epoch, seq } => to_sub(&mut r, sub, SubFrame::Resumed { epoch, seq }),
        ServerFrame::Delta(d) => to_sub(&mut r, d.sub, SubFrame::Delta(d)),
        ServerFrame::Error { id, sub, code, message } => {
            if let Some(id) = id
                && r.pending.contains_key(&id)
            {
                to_pending(&mut r, id, Err(ClientError::Remote { code, message }));
            } else if let Some(sub) = sub.or(id)
                && let Some(tx) = r.subs.remove(&sub)
            {
                // The subscription has ended (or never started).
                let _ = tx.send(SubFrame::Error { code, message });
            }
            // Errors addressed to nothing we wait for are dropped.
        }
        ServerFrame::Goodbye { reason, message } => {
            *goodbye = Some(match message {
                Some(m) if !m.is_empty() => format!("goodbye: {reason}: {m}"),
                _ => format!("goodbye: {reason}"),
            });
        }
        ServerFrame::Welcome { .. } => {}
    }
}

/// Decodes a server frame; `Ok(None)` for ops this client does not know
/// (a later minor version). Error codes this client does not know become
/// [`ErrorCode::Internal`] with the code in the message.
fn decode_server(text: &str) -> Result<Option<ServerFrame>, ClientError> {
    const KNOWN: [&str; 8] = ["welcome", "result", "error", "snapshot", "resumed", "delta", "pong", "goodbye"];
    match ServerFrame::decode(text) {
        Ok(f) => Ok(Some(f)),
        Err(e) => {
            #[derive(Deserialize)]
            struct Loose {
                op: String,
                #[serde(default)]
                id: Option<u64>,
                #[serde(default)]
                sub: Option<u64>,
                #[serde(default)]
                code: Option<String>,
                #[serde(default)]
                message: Option<String>,
            }
            let loose: Loose = serde_json::from_str(text).map_err(|e| ClientError::Protocol(e.to_string()))?;
            if !KNOWN.contains(&loose.op.as_str()) {
                return Ok(None);
            }
            match (loose.op.as_str(), loose.code) {
                ("error", Some(code)) => Ok(Some(ServerFrame::Error {
                    id: loose.id,
                    sub: loose.sub,
                    code: ErrorCode::Internal,
                    message: format!("{code}: {}", loose.message.unwrap_or_default()),
                })),
                _ => Err(ClientError::Protocol(format!("invalid {:?} frame: {e}", loose.op))),
            }
        }
    }
}

fn close_reason(frame: Option<CloseFrame>) -> String {
    match frame {
        Some(f) if f.reason.is_empty() => format!("closed by the server (code {})", u16::from(f.code)),
        Some(f) => format!("closed by the server (code {}): {}", u16::from(f.code), f.reason),
        None => "closed by the server".into(),
    }
}

fn ws_error(e: tokio_tungstenite::tungstenite::Error) -> ClientError {
    ClientError::WebSocket(Box::new(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ws_urls() {
        assert_eq!(ws_url("http://127.0.0.1:7070").ok().as_deref(), Some("ws://127.0.0.1:7070/v1/ws"));
        assert_eq!(ws_url("https://h/").ok().as_deref(), Some("wss://h/v1/ws"));
        assert_eq!(ws_url("ws://h/x").ok().as_deref(), Some("ws://h/x"));
        assert!(ws_url("ftp://h").is_err());
    }

    #[test]
    fn unknown_ops_and_codes_are_tolerated() {
        assert!(matches!(decode_server(r#"{"op":"future","x":1}"#), Ok(None)));
        match decode_server(r#"{"op":"error","id":3,"code":"brand_new","message":"m"}"#) {
            Ok(Some(ServerFrame::Error { id: Some(3), code: ErrorCode::Internal, message, .. })) => {
                assert_eq!(message, "brand_new: m");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(decode_server(r#"{"op":"delta","sub":1}"#).is_err());
        assert!(decode_server("nope").is_err());
    }
}
