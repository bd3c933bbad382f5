//! Spawning the real binary and talking to it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub fn repo_file(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(rel)
}

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_microlith"))
}

/// A server process.
pub struct Proc {
    pub child: Child,
    pub url: String,
}

impl Proc {
    /// Starts `microlith <cmd> --listen 127.0.0.1:0 --data-dir <dir> <extra>`
    /// and waits for it to print its address.
    pub fn start(cmd: &str, dir: &Path, extra: &[&str]) -> Self {
        let mut child = bin()
            .arg(cmd)
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir)
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn microlith");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if !sent && let Some(url) = line.strip_prefix("microlith listening on ") {
                    let _ = tx.send(url.trim().to_string());
                    sent = true;
                }
            }
        });
        let url = rx.recv_timeout(Duration::from_secs(120)).expect("server printed its address");
        Self { child, url }
    }

    /// SIGKILL: no chance to flush anything.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then wait for a clean exit.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        self.child.wait().expect("wait")
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn post(http: &reqwest::Client, url: &str, body: &str) -> Result<(u16, serde_json::Value), reqwest::Error> {
    let r = http.post(url).header("content-type", "application/json").body(body.to_string()).send().await?;
    let status = r.status().as_u16();
    let bytes = r.bytes().await?;
    Ok((status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null)))
}
