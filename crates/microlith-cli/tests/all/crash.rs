//! Crash consistency: SIGKILL the server under load, restart, and check
//! that every acknowledged increment survived — over several rounds.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use crate::support::*;

const ACTORS: usize = 8;
const CLIENTS_PER_ACTOR: usize = 4;
const ROUNDS: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_increments_survive_kill_9_on_redb() {
    crash_rounds("redb").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_increments_survive_kill_9_on_fjall() {
    crash_rounds("fjall").await;
}

async fn crash_rounds(storage: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let http = reqwest::Client::new();
    // Highest value acknowledged per actor, over all rounds.
    let acked: Arc<Vec<AtomicU64>> = Arc::new((0..ACTORS).map(|_| AtomicU64::new(0)).collect());
    let mut sent_total = [0u64; ACTORS];

    for round in 0..ROUNDS {
        let p = Proc::start("serve", dir.path(), &["--storage", storage]);
        if round == 0 {
            let wasm = std::fs::read(repo_file("examples/wasm/counter.wasm")).expect("fixture");
            let r = http.put(format!("{}/v1/classes/counter", p.url)).body(wasm).send().await.expect("deploy");
            assert_eq!(r.status().as_u16(), 200);
        }
        // Everything acknowledged before the last crash is still there.
        for (i, a) in acked.iter().enumerate() {
            let (status, v) = post(&http, &format!("{}/v1/actors/counter/c{i}/get", p.url), "").await.expect("get");
            assert_eq!(status, 200);
            let value = v["value"].as_u64().expect("value");
            let acked = a.load(Ordering::SeqCst);
            assert!(value >= acked, "round {round}: actor c{i} has {value} but {acked} was acknowledged");
            assert!(
                value <= sent_total[i],
                "round {round}: actor c{i} has {value} but only {} were sent",
                sent_total[i]
            );
        }
        let stop = Arc::new(AtomicBool::new(false));
        let sent: Arc<Vec<AtomicU64>> = Arc::new((0..ACTORS).map(|_| AtomicU64::new(0)).collect());
        let mut clients = Vec::new();
        for c in 0..ACTORS * CLIENTS_PER_ACTOR {
            let i = c % ACTORS;
            let (http, url) = (http.clone(), format!("{}/v1/actors/counter/c{i}/incr", p.url));
            let (stop, acked, sent) = (stop.clone(), acked.clone(), sent.clone());
            clients.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    sent[i].fetch_add(1, Ordering::SeqCst);
                    match post(&http, &url, "").await {
                        Ok((200, v)) => {
                            let value = v["value"].as_u64().expect("value");
                            acked[i].fetch_max(value, Ordering::SeqCst);
                        }
                        // The server died under us: stop.
                        _ => break,
                    }
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(400 + 200 * round as u64)).await;
        p.kill9();
        stop.store(true, Ordering::Relaxed);
        for c in clients {
            c.await.expect("client");
        }
        for (i, s) in sent.iter().enumerate() {
            sent_total[i] += s.load(Ordering::SeqCst);
        }
        let acked_now: u64 = acked.iter().map(|a| a.load(Ordering::SeqCst)).sum();
        assert!(acked_now > 0, "round {round}: no increment was acknowledged before the kill");
    }
    // Final check after the last crash.
    let p = Proc::start("serve", dir.path(), &["--storage", storage]);
    for (i, a) in acked.iter().enumerate() {
        let (_, v) = post(&http, &format!("{}/v1/actors/counter/c{i}/get", p.url), "").await.expect("get");
        let value = v["value"].as_u64().expect("value");
        assert!(value >= a.load(Ordering::SeqCst), "actor c{i}: {value} < acknowledged");
    }
}

/// One-way messages across `kill -9`: every message of an acknowledged turn
/// is delivered after the restart (at-least-once, through the outbox), and
/// none runs twice at its target (delivery markers).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_sends_are_delivered_exactly_once_across_kill_9() {
    const SENDERS: usize = 8;
    const INBOXES: usize = 4;
    let dir = tempfile::tempdir().expect("tempdir");
    let http = reqwest::Client::new();
    let acked: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let mut sent: Vec<String> = Vec::new();
    for round in 0..2 {
        let p = Proc::start("serve", dir.path(), &["--storage", "fjall"]);
        if round == 0 {
            let wasm = std::fs::read(repo_file("test-actors/wasm/probe.wasm")).expect("fixture");
            let r = http.put(format!("{}/v1/classes/probe", p.url)).body(wasm).send().await.expect("deploy");
            assert_eq!(r.status().as_u16(), 200);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let mut clients = Vec::new();
        for c in 0..SENDERS {
            let (http, url) = (http.clone(), format!("{}/v1/actors/probe/s{c}/send", p.url));
            let (stop, acked) = (stop.clone(), acked.clone());
            clients.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let id = format!("r{round}-s{c}-{n}");
                    n += 1;
                    mine.push(id.clone());
                    let body = serde_json::json!({"sends": [{
                        "target": {"class": "probe", "key": format!("inbox{}", c % INBOXES)},
                        "method": "append",
                        "payload": {"key": "log", "value": id},
                    }]});
                    match post(&http, &url, &body.to_string()).await {
                        Ok((200, _)) => acked.lock().expect("lock").push(id),
                        _ => break,
                    }
                }
                mine
            }));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        p.kill9();
        stop.store(true, Ordering::Relaxed);
        for c in clients {
            sent.extend(c.await.expect("client"));
        }
    }
    let acked = acked.lock().expect("lock").clone();
    assert!(!acked.is_empty(), "some sends were acknowledged");
    let p = Proc::start("serve", dir.path(), &["--storage", "fjall"]);
    let mut delivered: Vec<String> = Vec::new();
    for _ in 0..200 {
        delivered.clear();
        for i in 0..INBOXES {
            let url = format!("{}/v1/actors/probe/inbox{i}/get", p.url);
            let (status, v) = post(&http, &url, r#"{"key": "log"}"#).await.expect("get");
            assert_eq!(status, 200);
            if let Some(list) = v["value"].as_str() {
                delivered.extend(serde_json::from_str::<Vec<String>>(list).expect("list"));
            }
        }
        if acked.iter().all(|id| delivered.contains(id)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let missing: Vec<&String> = acked.iter().filter(|id| !delivered.contains(id)).collect();
    assert!(missing.is_empty(), "acknowledged but never delivered: {missing:?}");
    let mut seen = std::collections::HashSet::new();
    let twice: Vec<&String> = delivered.iter().filter(|id| !seen.insert(*id)).collect();
    assert!(twice.is_empty(), "delivered twice: {twice:?}");
    assert!(delivered.iter().all(|id| sent.contains(id)), "only sent messages arrive");
}
