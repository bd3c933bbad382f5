//! A Rust client for the Microlith HTTP API (`microlith_protocol::v1`) and,
//! in [`ws`], for the WebSocket protocol (calls and live view subscriptions).
//!
//! ```no_run
//! # async fn demo() -> Result<(), microlith_client::ClientError> {
//! let client = microlith_client::Client::new("http://127.0.0.1:7070", None)?;
//! let reply: serde_json::Value = client.call_json("counter", "demo", "incr", &serde_json::json!({})).await?;
//! # Ok(()) }
//! ```

pub mod ws;

use microlith_protocol::v1::{ClassList, DeployResponse, DeployStatusResponse, DryRunResponse, ErrorBody, ErrorCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A failed request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server answered with an error.
    #[error("{code:?} (HTTP {status}): {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// Stable error code.
        code: ErrorCode,
        /// Message.
        message: String,
    },
    /// The request did not complete.
    #[error("request failed: {0}")]
    Http(#[from] reqwest::Error),
    /// The server's answer could not be decoded.
    #[error("unexpected response: {0}")]
    Decode(String),
    /// The base URL is invalid.
    #[error("invalid server URL {0:?}")]
    Url(String),
    /// WebSocket: the server answered a request with an `error` frame.
    #[error("{code:?}: {message}")]
    Remote {
        /// Stable error code.
        code: ErrorCode,
        /// Message.
        message: String,
    },
    /// WebSocket: the connection could not be opened or failed.
    #[error("websocket: {0}")]
    WebSocket(Box<tokio_tungstenite::tungstenite::Error>),
    /// WebSocket: the server refused the session (`goodbye` during the handshake).
    #[error("the server refused the connection: {reason}: {message}")]
    Rejected {
        /// The goodbye's reason (`unauthorized`, `unsupported_protocol`, …).
        reason: String,
        /// Details.
        message: String,
    },
    /// WebSocket: the connection has ended; requests in flight get this.
    #[error("disconnected: {0}")]
    Disconnected(String),
    /// WebSocket: the server sent something the protocol does not allow.
    #[error("protocol violation: {0}")]
    Protocol(String),
    /// WebSocket: a wait ran out of time.
    #[error("timed out {0}")]
    Timeout(&'static str),
    /// WebSocket: a frame is larger than the server's `max_frame_bytes`.
    #[error("the frame is {len} bytes, the server accepts at most {max}")]
    FrameTooLarge {
        /// The frame's length.
        len: usize,
        /// The server's limit.
        max: u64,
    },
    /// WebSocket: a delta does not apply to the local view (another epoch,
    /// or a base other than the view's seq); subscribe again.
    #[error("delta {delta_epoch}/{base}→{seq} does not follow the view at {epoch}/{have}")]
    Gap {
        /// The local view's epoch.
        epoch: String,
        /// The local view's seq.
        have: u64,
        /// The delta's epoch.
        delta_epoch: String,
        /// The delta's base.
        base: u64,
        /// The delta's seq.
        seq: u64,
    },
    /// WebSocket: a delta's patch is invalid or does not apply to the view.
    #[error("the patch does not apply: {0}")]
    Patch(String),
}

/// A client of one server.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Client {
    /// A client for the server at `base` (e.g. `http://127.0.0.1:7070`),
    /// sending `token` as the admin bearer token when given.
    pub fn new(base: &str, token: Option<String>) -> Result<Self, ClientError> {
        let base = base.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ClientError::Url(base));
        }
        Ok(Self { http: reqwest::Client::new(), base, token })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn auth(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    async fn check(resp: reqwest::Response) -> Result<bytes::Bytes, ClientError> {
        let status = resp.status().as_u16();
        let body = resp.bytes().await?;
        if (200..300).contains(&status) {
            return Ok(body);
        }
        match serde_json::from_slice::<ErrorBody>(&body) {
            Ok(e) => Err(ClientError::Api { status, code: e.error.code, message: e.error.message }),
            Err(_) => Err(ClientError::Decode(format!("HTTP {status}: {}", String::from_utf8_lossy(&body)))),
        }
    }

    /// Sends raw JSON bytes to `class/key`'s `method`; returns the raw reply.
    pub async fn call_raw(
        &self,
        class: &str,
        key: &str,
        method: &str,
        payload: Vec<u8>,
    ) -> Result<bytes::Bytes, ClientError> {
        let url = self.url(&format!(
            "/v1/actors/{}/{}/{}",
            percent_encode(class),
            percent_encode(key),
            percent_encode(method)
        ));
        let resp = self.http.post(url).header("content-type", "application/json").body(payload).send().await?;
        Self::check(resp).await
    }

    /// Sends `payload` as JSON and decodes the JSON reply.
    pub async fn call_json<P: Serialize, R: DeserializeOwned>(
        &self,
        class: &str,
        key: &str,
        method: &str,
        payload: &P,
    ) -> Result<R, ClientError> {
        let body = serde_json::to_vec(payload).map_err(|e| ClientError::Decode(e.to_string()))?;
        let reply = self.call_raw(class, key, method, body).await?;
        serde_json::from_slice(&reply).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// Deploys `component` as the new version of `class`.
    pub async fn deploy(&self, class: &str, component: Vec<u8>) -> Result<DeployResponse, ClientError> {
        let req = self.http.put(self.url(&format!("/v1/classes/{}", percent_encode(class)))).body(component);
        let body = Self::check(self.auth(req).send().await?).await?;
        serde_json::from_slice(&body).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// Deploys `component` to `class` as a canary or with a failure limit;
    /// `query` is the deploy's query string (e.g. `canary=10%&max_failures=3`,
    /// see `docs/http-api.md`), empty for a plain deploy.
    pub async fn deploy_with(
        &self,
        class: &str,
        component: Vec<u8>,
        query: &str,
    ) -> Result<DeployResponse, ClientError> {
        let mut url = self.url(&format!("/v1/classes/{}", percent_encode(class)));
        if !query.is_empty() {
            url = format!("{url}?{query}");
        }
        let body = Self::check(self.auth(self.http.put(url).body(component)).send().await?).await?;
        serde_json::from_slice(&body).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// Where the deploy of `class` stands.
    pub async fn deploy_status(&self, class: &str) -> Result<DeployStatusResponse, ClientError> {
        let req = self.http.get(self.url(&format!("/v1/classes/{}/deploy", percent_encode(class))));
        let body = Self::check(self.auth(req).send().await?).await?;
        serde_json::from_slice(&body).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// Promotes the canary of `class` to every actor.
    pub async fn promote(&self, class: &str) -> Result<DeployStatusResponse, ClientError> {
        let req = self.http.post(self.url(&format!("/v1/classes/{}/promote", percent_encode(class))));
        let body = Self::check(self.auth(req).send().await?).await?;
        serde_json::from_slice(&body).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// Aborts the canary of `class`, or returns it to its previous version.
    pub async fn rollback(&self, class: &str, reason: Option<&str>) -> Result<DeployStatusResponse, ClientError> {
        let mut url = self.url(&format!("/v1/classes/{}/rollback", percent_encode(class)));
        if let Some(r) = reason {
            url = format!("{url}?reason={}", percent_encode(r));
        }
        let req = self.http.post(url);
        let body = Self::check(self.auth(req).send().await?).await?;
        serde_json::from_slice(&body).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// Runs `component`'s migration against copies of up to `sample`
    /// actors' state of `class`, committing nothing.
    pub async fn dry_run(&self, class: &str, component: Vec<u8>, sample: usize) -> Result<DryRunResponse, ClientError> {
        let url = self.url(&format!("/v1/classes/{}/dry-run?sample={sample}", percent_encode(class)));
        let req = self.http.post(url).body(component);
        let body = Self::check(self.auth(req).send().await?).await?;
        serde_json::from_slice(&body).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// Lists deployed classes.
    pub async fn classes(&self) -> Result<ClassList, ClientError> {
        let body = Self::check(self.auth(self.http.get(self.url("/v1/classes"))).send().await?).await?;
        serde_json::from_slice(&body).map_err(|e| ClientError::Decode(e.to_string()))
    }
}

/// Percent-encodes one path segment or query value: everything but
/// RFC 3986's unreserved characters is escaped.
pub fn percent_encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
