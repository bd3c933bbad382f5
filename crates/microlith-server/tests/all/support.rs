//! The test harness: start a server on a loopback port in a temp directory,
//! deploy fixtures, call actors.

use std::path::PathBuf;
use std::time::Duration;

use microlith_server::{Server, ServerConfig};
use serde_json::Value;

/// Path of a committed component (built by `scripts/build-guests`).
pub fn fixture(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(rel);
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("fixture {} missing ({e}); run scripts/build-guests", path.display()))
}

pub fn counter_wasm() -> Vec<u8> {
    fixture("examples/wasm/counter.wasm")
}

pub fn todo_wasm() -> Vec<u8> {
    fixture("examples/wasm/todo.wasm")
}

pub fn probe_wasm() -> Vec<u8> {
    fixture("test-actors/wasm/probe.wasm")
}

/// A conformance-language component: Rust's are committed, the other
/// languages' are built by `scripts/build-lang-guests <lang>` into
/// `target/guests/lang/<lang>/`.
pub fn lang_component(lang: &str, class: &str) -> Vec<u8> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = match (lang, class) {
        ("rust", "conformance") => repo.join("test-actors/wasm/conformance.wasm"),
        ("rust", _) => repo.join(format!("examples/wasm/{class}.wasm")),
        _ => repo.join(format!("target/guests/lang/{lang}/{class}.wasm")),
    };
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{} missing ({e}): build it with `scripts/build-lang-guests {lang}` \
             (or limit the languages with MICROLITH_CONFORMANCE_LANGS)",
            path.display()
        )
    })
}

/// A running server in its own temp directory.
pub struct TestServer {
    pub server: Option<Server>,
    pub config: ServerConfig,
    pub url: String,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
}

/// A test configuration: embedded store in a fresh temp dir, short deadlines.
pub fn config(dir: &tempfile::TempDir) -> ServerConfig {
    let mut c = ServerConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        data_dir: dir.path().to_path_buf(),
        ..ServerConfig::default()
    };
    c.actors.turn_deadline_ms = 1000;
    c.actors.memory_limit_mib = 32;
    // Each engine maps a pool slot (memory, stack, guard pages) per
    // potential actor; tests that restart servers in one process would run
    // into the kernel's map-count limit with the default 10,000.
    c.actors.max_active = 1000;
    c
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut ServerConfig)) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut cfg = config(&dir);
        tweak(&mut cfg);
        Self::start_in(dir, cfg).await
    }

    pub async fn start_in(dir: tempfile::TempDir, config: ServerConfig) -> Self {
        let listener = tokio::net::TcpListener::bind(config.listen).await.expect("bind");
        let server = Server::start(&config, listener).await.expect("server starts");
        let url = format!("http://{}", server.local_addr());
        Self { server: Some(server), config, url, http: reqwest::Client::new(), dir }
    }

    /// Stops the server cleanly and starts a new one on the same data.
    pub async fn restart(mut self) -> Self {
        if let Some(s) = self.server.take() {
            assert!(s.shutdown().await, "clean shutdown");
        }
        let mut cfg = self.config.clone();
        cfg.listen = "127.0.0.1:0".parse().expect("addr");
        Self::start_in(self.dir, cfg).await
    }

    pub fn runtime(&self) -> &microlith_runtime::Runtime {
        self.server.as_ref().expect("running").runtime()
    }

    pub async fn deploy(&self, class: &str, wasm: Vec<u8>) -> (u16, Value) {
        let resp = self.http.put(format!("{}/v1/classes/{class}", self.url)).body(wasm).send().await.expect("send");
        let status = resp.status().as_u16();
        (status, resp.json().await.expect("json reply"))
    }

    pub async fn deploy_ok(&self, class: &str, wasm: Vec<u8>) -> Value {
        let (status, body) = self.deploy(class, wasm).await;
        assert_eq!(status, 200, "deploy {class}: {body}");
        body
    }

    /// PUTs `wasm` to `path` (a deploy with query options, say).
    pub async fn put(&self, path: &str, wasm: Vec<u8>) -> (u16, Value) {
        let resp = self.http.put(format!("{}{path}", self.url)).body(wasm).send().await.expect("send");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// Where the deploy of `class` stands (`GET /v1/classes/{class}/deploy`).
    pub async fn status(&self, class: &str) -> Value {
        let (code, body) = self.get_json(&format!("/v1/classes/{class}/deploy")).await;
        assert_eq!(code, 200, "{body}");
        body
    }

    /// POSTs `body` to `/v1/actors/{path}` with `content_type`; returns
    /// status and the reply bytes.
    pub async fn call_bytes(&self, path: &str, content_type: &str, body: impl Into<reqwest::Body>) -> (u16, Vec<u8>) {
        let resp = self
            .http
            .post(format!("{}/v1/actors/{path}", self.url))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("send");
        let status = resp.status().as_u16();
        (status, resp.bytes().await.expect("body").to_vec())
    }

    /// POSTs raw bytes with a JSON content type; returns status and the body
    /// parsed as JSON (or as a string when it is not JSON).
    pub async fn call_raw(&self, path: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
        let (status, bytes) = self.call_bytes(path, "application/json", body).await;
        let value =
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        (status, value)
    }

    pub async fn call(&self, actor: &str, method: &str, payload: Value) -> (u16, Value) {
        let body = if payload.is_null() { Vec::new() } else { serde_json::to_vec(&payload).expect("json") };
        self.call_raw(&format!("{actor}/{method}"), body).await
    }

    /// Calls and asserts success.
    pub async fn ok(&self, actor: &str, method: &str, payload: Value) -> Value {
        let (status, body) = self.call(actor, method, payload).await;
        assert_eq!(status, 200, "{actor} {method}: {body}");
        body
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let resp = self.http.get(format!("{}{path}", self.url)).send().await.expect("send");
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.expect("body");
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }
}

/// Asserts an error reply with `code` and `status`.
#[track_caller]
pub fn assert_error(reply: &(u16, Value), status: u16, code: &str) {
    assert_eq!(reply.0, status, "status of {}", reply.1);
    assert_eq!(reply.1["error"]["code"], code, "code of {}", reply.1);
    assert!(reply.1["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "message in {}", reply.1);
}

/// Polls `cond` until true, for at most 10 s.
pub async fn eventually(mut cond: impl FnMut() -> bool, what: &str) {
    for _ in 0..1000 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}
