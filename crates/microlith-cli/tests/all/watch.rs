//! Live views end to end: `microlith_client::ws` and `microlith watch`
//! against the real server (`dev`), including a `kill -9` and restart.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use microlith_client::ClientError;
use microlith_client::ws::{Event, Subscription, WsClient, ws_url};
use serde_json::{Value, json};

use crate::support::*;

const WAIT: Duration = Duration::from_secs(20);

async fn next_event(sub: &mut Subscription) -> Event {
    match tokio::time::timeout(WAIT, sub.next()).await {
        Ok(Some(Ok(e))) => e,
        other => panic!("expected an event, got {other:?}"),
    }
}

/// Reads events until the view shows `value`, checking each delta follows
/// the last (the client checks base == seq too) and values never go back.
async fn until_value(sub: &mut Subscription, value: u64) {
    let deadline = Instant::now() + WAIT;
    let mut last = sub.view()["value"].as_u64().unwrap_or(0);
    while sub.view()["value"].as_u64() != Some(value) {
        assert!(Instant::now() < deadline, "the view never showed {value}: {}", sub.view());
        match next_event(sub).await {
            Event::Delta { base, seq, .. } => assert!(seq > base),
            Event::Snapshot { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
        let now = sub.view()["value"].as_u64().unwrap_or(0);
        assert!(now >= last, "the view went back from {last} to {now}");
        last = now;
    }
}

/// `microlith dev` on a fixed address (so a restart keeps the URL).
fn start_dev_at(dir: &Path, addr: &str) -> Proc {
    let mut child = bin()
        .args(["dev", "--listen", addr, "--data-dir"])
        .arg(dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn microlith");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(url) = line.strip_prefix("microlith listening on ") {
                let _ = tx.send(url.trim().to_string());
            }
        }
    });
    let url = rx.recv_timeout(Duration::from_secs(120)).expect("server printed its address");
    Proc { child, url }
}

fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    format!("127.0.0.1:{}", addr.port())
}

/// A `microlith watch` child whose stdout lines arrive on a channel.
struct Watch {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Watch {
    fn start(server: &str, actor: &str, extra: &[&str]) -> Self {
        let mut child = bin()
            .args(["watch", actor, "--server", server])
            .args(extra)
            .env_remove("MICROLITH_TOKEN")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn microlith watch");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self { child, lines }
    }

    /// Collects stdout until a line satisfies `done`; returns every line read.
    fn until(&self, what: &str, done: impl Fn(&str) -> bool) -> Vec<String> {
        let deadline = Instant::now() + WAIT;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let hit = done(&line);
                    seen.push(line);
                    if hit {
                        return seen;
                    }
                }
                Err(_) => panic!("watch never printed {what}; it printed:\n{}", seen.join("\n")),
            }
        }
    }

    /// The values of the pretty-printed `{"value": n}` views in `lines`.
    fn values(lines: &[String]) -> Vec<u64> {
        lines.iter().filter_map(|l| l.trim().strip_prefix("\"value\": ")?.parse().ok()).collect()
    }

    /// SIGINT (Ctrl-C) and wait for the exit status.
    fn interrupt(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-INT", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            assert!(Instant::now() < deadline, "watch did not exit on Ctrl-C");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn value_line(n: u64) -> impl Fn(&str) -> bool {
    move |l: &str| l.trim() == format!("\"value\": {n}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ws_client_calls_and_receives_snapshot_and_deltas() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = Proc::start("dev", dir.path(), &[]);
    let client = WsClient::connect(&ws_url(&p.url).expect("url"), None).await.expect("connect");
    assert_eq!(client.principal(), None, "dev allows anonymous clients");
    client.ping().await.expect("ping");

    let mut sub = client.subscribe("counter/x", None).await.expect("subscribe");
    let Event::Snapshot { seq: first_seq, view, .. } = next_event(&mut sub).await else { panic!("no snapshot") };
    assert_eq!(view, json!({"value": 0}));

    for n in 1..=3u64 {
        let reply = client.call("counter/x", "incr", &Value::Null, None).await.expect("incr");
        assert_eq!(reply["value"], n, "reply {reply}");
        until_value(&mut sub, n).await;
    }
    let (_, seq) = sub.position().expect("position");
    assert!(seq > first_seq);

    // Idempotency: the same key runs once.
    let a = client.call("counter/x", "incr", &json!({"by": 10}), Some("once")).await.expect("incr");
    let b = client.call("counter/x", "incr", &json!({"by": 10}), Some("once")).await.expect("incr");
    assert_eq!(a, b);
    assert_eq!(a["value"], 13);
    until_value(&mut sub, 13).await;

    // Many calls in flight on one connection.
    let calls = (0..20).map(|_| client.call("counter/y", "incr", &Value::Null, None));
    let mut values: Vec<u64> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.expect("incr")["value"].as_u64().expect("value"))
        .collect();
    values.sort_unstable();
    assert_eq!(values, (1..=20).collect::<Vec<_>>());

    match client.call("counter/x", "no-such-method", &Value::Null, None).await {
        Err(ClientError::Remote { code, .. }) => {
            assert_eq!(code, microlith_protocol::v1::ErrorCode::UnknownMethod)
        }
        other => panic!("unexpected {other:?}"),
    }
    match client.subscribe("no-such-class/x", None).await {
        Err(ClientError::Remote { .. }) => {}
        other => panic!("unexpected {other:?}"),
    }
    client.unsubscribe(sub).await.expect("unsubscribe");
    client.ping().await.expect("ping after unsubscribe");
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_prints_the_view_after_every_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = Proc::start("dev", dir.path(), &[]);
    let http = reqwest::Client::new();
    let views = Watch::start(&p.url, "counter/w", &[]);
    let patches = Watch::start(&p.url, "counter/w", &["--patches"]);
    views.until("the snapshot", value_line(0));
    patches.until("the snapshot", value_line(0));

    for _ in 0..3 {
        let (status, _) = post(&http, &format!("{}/v1/actors/counter/w/incr", p.url), "").await.expect("incr");
        assert_eq!(status, 200);
    }
    let seen = views.until("value 3", value_line(3));
    let values = Watch::values(&seen);
    assert!(values.windows(2).all(|w| w[0] < w[1]), "values go up: {values:?}");

    // --patches: one JSON Patch per line, the last setting the value to 3.
    let lines = patches.until("a patch to 3", |l| {
        serde_json::from_str::<Value>(l)
            .is_ok_and(|p| p.as_array().is_some_and(|ops| ops.iter().any(|op| op["value"] == 3)))
    });
    let patch: Value = serde_json::from_str(lines.last().expect("a line")).expect("a JSON patch");
    assert_eq!(patch[0]["path"], "/value");

    assert!(views.interrupt().success(), "watch exits cleanly on Ctrl-C");
    assert!(patches.interrupt().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_survive_kill_9_and_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let addr = free_addr();
    let p = start_dev_at(dir.path(), &addr);
    let url = ws_url(&p.url).expect("url");
    let watch = Watch::start(&p.url, "counter/k", &[]);
    watch.until("the snapshot", value_line(0));

    let client = WsClient::connect(&url, None).await.expect("connect");
    let mut sub = client.subscribe("counter/k", None).await.expect("subscribe");
    assert!(matches!(next_event(&mut sub).await, Event::Snapshot { .. }));
    for n in 1..=3u64 {
        assert_eq!(client.call("counter/k", "incr", &Value::Null, None).await.expect("incr")["value"], n);
    }
    until_value(&mut sub, 3).await;
    watch.until("value 3", value_line(3));

    p.kill9();
    match tokio::time::timeout(WAIT, sub.next()).await {
        Ok(Some(Err(ClientError::Disconnected(_)))) => {}
        other => panic!("expected a disconnect, got {other:?}"),
    }
    let resume = sub.resume_point().expect("a resume point");
    assert_eq!(resume.view, json!({"value": 3}));
    assert!(matches!(client.call("counter/k", "incr", &Value::Null, None).await, Err(ClientError::Disconnected(_))));

    let p = start_dev_at(dir.path(), &addr);
    let client = WsClient::connect(&url, None).await.expect("reconnect");
    let mut sub = client.subscribe("counter/k", Some(resume.clone())).await.expect("resubscribe");
    match next_event(&mut sub).await {
        // A restart starts a new epoch, so this is a snapshot; a resumed
        // subscription would do too, as long as the view is where we were.
        Event::Snapshot { epoch, view, .. } => {
            assert_ne!(epoch, resume.epoch, "a restarted server has a new epoch");
            assert_eq!(view, json!({"value": 3}), "every acknowledged increment survived");
        }
        Event::Resumed { .. } => assert_eq!(sub.view(), &json!({"value": 3})),
        other => panic!("unexpected {other:?}"),
    }
    for n in 4..=5u64 {
        assert_eq!(client.call("counter/k", "incr", &Value::Null, None).await.expect("incr")["value"], n);
    }
    until_value(&mut sub, 5).await;

    // The watch reconnected by itself and shows the same.
    let seen = watch.until("value 5 after the restart", value_line(5));
    let values = Watch::values(&seen);
    // It reconnects on its own schedule: its first view after the restart
    // may already include the new increments, but never less than what
    // was acknowledged before the crash.
    assert!(values.iter().all(|v| *v >= 3), "it re-showed the durable view after reconnecting: {values:?}");
    assert!(values.windows(2).all(|w| w[0] <= w[1]), "values never go back: {values:?}");
    assert!(watch.interrupt().success());
    client.close().await;
    drop(p);
}
