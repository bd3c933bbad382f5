//! `microlith dev --watch` end to end: scaffold a C counter with
//! `microlith new`, serve it from `dev --watch`, edit its source and see the
//! new behaviour served, then break the build and see the old version stay.
//!
//! Needs the C toolchain (`scripts/lang/c.sh install`, part of
//! `scripts/install-guest-toolchain`).

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::*;

/// Bound on each wait for a build and deploy (a C build takes a second or
/// two; a loaded machine may take much longer).
const WAIT: Duration = Duration::from_secs(120);

const CLASS: &str = "count-w";

/// `microlith dev --watch` whose stdout lines are collected.
struct Dev {
    proc: Proc,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Dev {
    fn start(data: &Path, project: &Path) -> Self {
        let mut child = bin()
            .args(["dev", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data)
            .arg("--watch")
            .arg(project)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn microlith");
        let stdout = child.stdout.take().expect("stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix("microlith listening on ") {
                    let _ = tx.send(url.trim().to_string());
                }
                sink.lock().expect("lines").push(line);
            }
        });
        let url = rx.recv_timeout(WAIT).expect("server printed its address");
        Self { proc: Proc { child, url }, lines }
    }

    fn output(&self) -> String {
        self.lines.lock().expect("lines").join("\n")
    }

    /// Waits until a line starts with `prefix`; the output on a timeout.
    fn wait_for_line(&self, prefix: &str) -> Result<(), String> {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if self.lines.lock().expect("lines").iter().any(|l| l.starts_with(prefix)) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(self.output())
    }

    async fn call(&self, http: &reqwest::Client, method: &str) -> (u16, Value) {
        let url = format!("{}/v1/actors/{CLASS}/a/{method}", self.proc.url);
        post(http, &url, "").await.expect("call")
    }

    /// Calls `method` until `done` holds for the reply; panics with the
    /// server's output on a timeout.
    async fn call_until(&self, http: &reqwest::Client, method: &str, done: impl Fn(u16, &Value) -> bool) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let (status, v) = self.call(http, method).await;
            if done(status, &v) {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "no matching reply to {method} within {WAIT:?} (last {status} {v}); output:\n{}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read source");
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replace(from, to)).expect("write source");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_watch_redeploys_on_save_and_keeps_the_old_version_when_the_build_breaks() {
    let started = Instant::now();
    let work = tempfile::tempdir().expect("tempdir");
    let project = work.path().join(CLASS);
    let out = bin().args(["new", "c", CLASS, "--dir"]).arg(&project).output().expect("run new");
    assert!(out.status.success(), "microlith new c: {}", String::from_utf8_lossy(&out.stderr));
    let source = project.join("main.c");
    let data = tempfile::tempdir().expect("tempdir");
    let dev = Dev::start(data.path(), &project);
    let http = reqwest::Client::new();

    // Deployed once at start-up, after the examples.
    if let Err(output) = dev.wait_for_line(&format!("built {CLASS} in ")) {
        panic!(
            "the project was not built and deployed at start-up (C toolchain: scripts/lang/c.sh install):\n{output}"
        );
    }
    assert_eq!(dev.call(&http, "incr").await, (200, serde_json::json!({"value": 1})));
    let (status, _) = post(&http, &format!("{}/v1/actors/counter/demo/incr", dev.proc.url), "").await.expect("call");
    assert_eq!(status, 200, "the examples are served too");

    // A save rebuilds and redeploys; the actor's state carries over.
    edit(
        &source,
        r#"mlt_buf_puts(&reply->body, "{\"value\":");"#,
        r#"mlt_buf_puts(&reply->body, "{\"edited\":true,\"value\":");"#,
    );
    let v = dev.call_until(&http, "get", |s, v| s == 200 && v["edited"] == true).await;
    assert_eq!(v["value"], 1, "state survives the redeploy: {v}");
    assert!(dev.output().contains(&format!("rebuilt {CLASS} in ")), "{}", dev.output());
    assert!(dev.output().contains("deployed version "), "{}", dev.output());

    // A broken build is reported and the previous version keeps serving.
    let text = std::fs::read_to_string(&source).expect("read source");
    std::fs::write(&source, format!("{text}\nthis is not C\n")).expect("write source");
    if let Err(output) = dev.wait_for_line(&format!("build of {CLASS} failed; still serving the previous version")) {
        panic!("no build failure was reported:\n{output}");
    }
    assert!(dev.output().contains("main.c:"), "the compiler's message is printed: {}", dev.output());
    let (status, v) = dev.call(&http, "incr").await;
    assert_eq!((status, &v["edited"], &v["value"]), (200, &Value::Bool(true), &serde_json::json!(2)), "{v}");

    // Fixing it deploys again.
    std::fs::write(&source, text.replace("edited", "fixed")).expect("write source");
    let v = dev.call_until(&http, "get", |s, v| s == 200 && v["fixed"] == true).await;
    assert_eq!(v["value"], 2, "{v}");

    assert_eq!(dev.proc.terminate().code(), Some(0), "dev stops cleanly");
    eprintln!("dev --watch round trip took {:.1} s", started.elapsed().as_secs_f64());
}
