//! A misbehaving guest hurts only its own turn.

use std::time::{Duration, Instant};

use microlith_runtime::MemoryLayout;
use serde_json::json;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn infinite_loop_hits_the_deadline_while_others_keep_serving() {
    let s = TestServer::start_with(|c| c.actors.turn_deadline_ms = 500).await;
    s.deploy_ok("probe", probe_wasm()).await;
    s.deploy_ok("counter", counter_wasm()).await;
    s.ok("probe/loop", "set", json!({"key": "k", "value": "before"})).await;
    let spinner = {
        let http = s.http.clone();
        let url = format!("{}/v1/actors/probe/loop/spin", s.url);
        tokio::spawn(async move {
            let r = http.post(url).send().await.expect("send");
            (r.status().as_u16(), r.json::<serde_json::Value>().await.expect("json"))
        })
    };
    // While the guest spins, other actors answer, each well within the deadline.
    let started = Instant::now();
    let mut served = 0;
    while !spinner.is_finished() && started.elapsed() < Duration::from_secs(10) {
        s.ok("counter/busy", "incr", json!(null)).await;
        served += 1;
    }
    let reply = spinner.await.expect("spinner");
    assert_error(&reply, 504, "deadline_exceeded");
    assert!(served > 0, "no other actor was served while one spun");
    // The spinning actor is replaced and serves again with its state intact.
    assert_eq!(s.ok("probe/loop", "get", json!({"key": "k"})).await, json!({"value": "before"}));
}

/// The memory cap and memory bounds hold in both pool layouts: guard pages (a small pool,
/// as in tests) and explicit bounds checks (a pool too big for 4 GiB slots).
#[tokio::test]
async fn memory_bomb_fails_alone() {
    for (max_active, layout) in [(1_000, MemoryLayout::GuardPages), (20_000, MemoryLayout::Explicit)] {
        let s = TestServer::start_with(|c| {
            c.actors.memory_limit_mib = 16;
            c.actors.max_active = max_active;
        })
        .await;
        assert_eq!(s.runtime().memory_layout(), layout);
        let metrics = s.http.get(format!("{}/metrics", s.url)).send().await.expect("send").text().await.expect("text");
        let gauge = u8::from(layout == MemoryLayout::GuardPages);
        assert!(metrics.contains(&format!("\nmicrolith_memory_guard_pages {gauge}\n")), "{metrics}");
        s.deploy_ok("probe", probe_wasm()).await;
        s.ok("probe/bomb", "set", json!({"key": "k", "value": "safe"})).await;
        s.ok("probe/bystander", "set", json!({"key": "k", "value": "fine"})).await;
        assert_error(&s.call("probe/bomb", "alloc-bomb", json!(null)).await, 500, "memory_limit_exceeded");
        assert_eq!(s.ok("probe/bomb", "get", json!({"key": "k"})).await, json!({"value": "safe"}));
        assert_eq!(s.ok("probe/bystander", "get", json!({"key": "k"})).await, json!({"value": "fine"}));
        // It can be done again: the pool slot was returned.
        assert_error(&s.call("probe/bomb", "alloc-bomb", json!(null)).await, 500, "memory_limit_exceeded");
        // A load past the end of memory traps (a guard page's fault or an
        // explicit check), and the actor's state is intact.
        assert_error(&s.call("probe/bomb", "read-out-of-bounds", json!(null)).await, 500, "guest_trap");
        assert_eq!(s.ok("probe/bomb", "get", json!({"key": "k"})).await, json!({"value": "safe"}));
        assert_eq!(s.runtime().stats().traps.load(std::sync::atomic::Ordering::Relaxed), 3);
    }
}

#[tokio::test]
async fn a_full_mailbox_pushes_back_with_overloaded() {
    let s = TestServer::start_with(|c| {
        c.actors.mailbox_capacity = 2;
        c.actors.turn_deadline_ms = 300;
    })
    .await;
    s.deploy_ok("probe", probe_wasm()).await;
    // Active, so that clients wait for its turn lock rather than queue.
    s.ok("probe/slow", "get", json!({"key": "warm"})).await;
    // Send several slow turns to one actor: two callers may wait (the
    // mailbox's capacity); the rest are refused at once instead of waiting
    // without bound.
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let http = s.http.clone();
        let url = format!("{}/v1/actors/probe/slow/spin", s.url);
        tasks.push(tokio::spawn(async move {
            let r = http.post(url).send().await.expect("send");
            let status = r.status().as_u16();
            let body: serde_json::Value = r.json().await.expect("json");
            (status, body["error"]["code"].as_str().unwrap_or("").to_string())
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.expect("task"));
    }
    assert!(codes.iter().any(|(s, c)| *s == 503 && c == "overloaded"), "{codes:?}");
    assert!(codes.iter().all(|(_, c)| c == "overloaded" || c == "deadline_exceeded"), "{codes:?}");
}
