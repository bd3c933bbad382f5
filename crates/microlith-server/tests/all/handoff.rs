//! The direct hand-off: a call to an idle, active actor runs on the
//! caller's task (`microlith_runtime::handoff`), and so does a client's call
//! to a busy one, once the running turn is done. Each test checks that the
//! hand-off path was taken (the runtime counts it) and that the turn it ran
//! behaves like one the actor's own task runs: same results, one turn at a
//! time, committed even when the caller gives up, reentrant, and its view
//! changes published.

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::*;
use crate::ws::{Client, SECRET, apply};

fn call(key: &str, method: &str, payload: Value) -> Value {
    json!({"target": {"class": "probe", "key": key}, "method": method, "payload": payload})
}

fn handoffs(s: &TestServer) -> u64 {
    s.runtime().stats().handoffs.load(Ordering::Relaxed)
}

async fn probe_server_with(tweak: impl FnOnce(&mut microlith_server::ServerConfig)) -> TestServer {
    let s = TestServer::start_with(tweak).await;
    s.deploy_ok("probe", probe_wasm()).await;
    s
}

/// `a` sets and reads back `n` keys on `b`; returns the replies.
async fn round_trips(s: &TestServer, n: usize) -> Vec<Value> {
    let mut replies = Vec::new();
    for i in 0..n {
        let reply = s
            .ok(
                "probe/a",
                "call",
                json!({"calls": [
                    call("b", "set", json!({"key": format!("k{i}"), "value": format!("v{i}")})),
                    call("b", "get", json!({"key": format!("k{i}")})),
                ]}),
            )
            .await;
        replies.push(reply);
    }
    replies
}

#[tokio::test]
async fn calls_to_an_idle_actor_run_on_the_callers_task_with_the_same_results() {
    let s = probe_server_with(|_| {}).await;
    // Activate both: the first call to an actor always goes through its
    // mailbox (it has no activation to lend yet).
    s.ok("probe/a", "get", json!({"key": "warm"})).await;
    s.ok("probe/b", "get", json!({"key": "warm"})).await;
    let before = handoffs(&s);
    let replies = round_trips(&s, 10).await;
    // 10 client calls to a, 20 calls from a to b: all ran on a caller's task.
    assert!(handoffs(&s) - before >= 30, "{} hand-offs, wanted 30", handoffs(&s) - before);
    let metrics = s.http.get(format!("{}/metrics", s.url)).send().await.expect("send").text().await.expect("text");
    assert!(metrics.contains(&format!("microlith_handoffs_total {}", handoffs(&s))), "{metrics}");

    // The same calls with the hand-off turned off: every call queued.
    let queued = probe_server_with(|c| c.actors.handoff = false).await;
    assert_eq!(round_trips(&queued, 10).await, replies);
    assert_eq!(handoffs(&queued), 0);

    // What the hand-off turns committed survives a restart.
    let s = s.restart().await;
    assert_eq!(s.ok("probe/b", "get", json!({"key": "k9"})).await, json!({"value": "v9"}));
}

#[tokio::test]
async fn a_handoff_turn_its_caller_stops_waiting_for_still_finishes_and_commits() {
    let s = probe_server_with(|_| {}).await;
    s.ok("probe/slow", "get", json!({"key": "warm"})).await;
    let before = handoffs(&s);
    // slow's turn sets `k`, then waits (up to 1.5 s) on a callee that spins
    // into its 1 s deadline, handles the trap and commits. Its caller stops
    // waiting after 100 ms.
    let mut spin = call("spinner", "spin", json!(null));
    spin["timeout_ms"] = json!(1500);
    let mut slow = call("slow", "call", json!({"set_before": {"key": "k", "value": "done"}, "calls": [spin]}));
    slow["timeout_ms"] = json!(100);
    let reply = s.ok("probe/a", "call", json!({"calls": [slow]})).await;
    assert_eq!(reply[0]["error"], "timeout", "{reply}");
    assert!(handoffs(&s) > before, "slow's turn ran on a's task");
    // The next message for slow queues behind the rest of that turn, which
    // moved to a task of its own, and sees its commit.
    assert_eq!(s.ok("probe/slow", "get", json!({"key": "k"})).await, json!({"value": "done"}));
    let s = s.restart().await;
    assert_eq!(s.ok("probe/slow", "get", json!({"key": "k"})).await, json!({"value": "done"}));
}

#[tokio::test]
async fn a_call_back_into_the_caller_of_a_handoff_runs_inside_its_turn() {
    let s = probe_server_with(|_| {}).await;
    s.ok("probe/a", "get", json!({"key": "warm"})).await;
    s.ok("probe/b", "get", json!({"key": "warm"})).await;
    let before = handoffs(&s);
    // a -> b (on a's task) -> a (reentrant: a's waiting turn serves it).
    let inner = json!({"calls": [
        call("a", "get", json!({"key": "outer"})),
        call("a", "set", json!({"key": "nested", "value": "from-b"})),
    ]});
    let reply = tokio::time::timeout(
        Duration::from_secs(20),
        s.ok(
            "probe/a",
            "call",
            json!({"set_before": {"key": "outer", "value": "x"}, "calls": [call("b", "call", inner)]}),
        ),
    )
    .await
    .expect("no hang: the reentrant call is served while b's turn runs on a's task");
    assert_eq!(reply[0]["ok"][0], json!({"ok": {"value": "x"}}), "{reply}");
    assert_eq!(reply[0]["ok"][1], json!({"ok": {"ok": true}}), "{reply}");
    assert!(handoffs(&s) - before >= 2, "the client's call to a and a's call to b were hand-offs");
    assert_eq!(s.ok("probe/a", "get", json!({"key": "nested"})).await, json!({"value": "from-b"}));
}

#[tokio::test]
async fn turns_stay_one_at_a_time_when_callers_and_the_mailbox_race() {
    let s = probe_server_with(|_| {}).await;
    s.ok("probe/list", "get", json!({"key": "warm"})).await;
    let before = handoffs(&s);
    // Eight clients append to one list, half directly and half through an
    // actor of their own: the list's turns run on its task or on a caller's,
    // whichever gets there first. A lost update would lose an entry.
    let clients = (0..8).map(|c| {
        let s = &s;
        async move {
            for i in 0..25 {
                let entry = json!({"key": "l", "value": format!("{c}-{i}")});
                if c % 2 == 0 {
                    s.ok("probe/list", "append", entry).await;
                } else {
                    let r =
                        s.ok(&format!("probe/via{c}"), "call", json!({"calls": [call("list", "append", entry)]})).await;
                    assert!(r[0]["ok"].is_number(), "{r}");
                }
            }
        }
    });
    futures::future::join_all(clients).await;
    let list = s.ok("probe/list", "get", json!({"key": "l"})).await;
    let list: Vec<String> = serde_json::from_str(list["value"].as_str().expect("stored JSON")).expect("a list");
    let mut sorted = list.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!((list.len(), sorted.len()), (200, 200), "every append once");
    assert!(handoffs(&s) > before);
}

#[tokio::test]
async fn clients_of_a_busy_actor_wait_for_its_turn_lock_and_run_their_turns_themselves() {
    let s = probe_server_with(|_| {}).await;
    s.ok("probe/list", "get", json!({"key": "warm"})).await;
    let stats = s.runtime().stats();
    let (before, activations) = (handoffs(&s), stats.activations.load(Ordering::Relaxed));
    // Eight clients append to one list at once: whenever one's turn runs,
    // the others wait for the turn lock rather than the mailbox, so every
    // turn runs on its client's task, one at a time.
    let clients = (0..8).map(|c| {
        let s = &s;
        async move {
            for i in 0..25 {
                s.ok("probe/list", "append", json!({"key": "l", "value": format!("{c}-{i}")})).await;
            }
        }
    });
    futures::future::join_all(clients).await;
    assert_eq!(handoffs(&s) - before, 200, "every client's turn ran on its own task");
    assert_eq!(stats.activations.load(Ordering::Relaxed), activations, "one activation served them all");
    let list = s.ok("probe/list", "get", json!({"key": "l"})).await;
    let list: Vec<String> = serde_json::from_str(list["value"].as_str().expect("stored JSON")).expect("a list");
    for c in 0..8 {
        let mine: Vec<String> = list.iter().filter(|e| e.starts_with(&format!("{c}-"))).cloned().collect();
        let want: Vec<String> = (0..25).map(|i| format!("{c}-{i}")).collect();
        assert_eq!(mine, want, "client {c}'s appends, each once and in its order");
    }
}

#[tokio::test]
async fn a_handoff_turns_view_change_reaches_subscribers() {
    let s = probe_server_with(|c| {
        c.auth.jwt_secret = Some(SECRET.into());
        c.auth.dev_tokens = true;
    })
    .await;
    s.ok("probe/a", "get", json!({"key": "warm"})).await;
    s.ok("probe/b", "get", json!({"key": "warm"})).await;
    let mut c = Client::connect(&s.url, None).await;
    c.send(json!({"op": "subscribe", "id": 1, "actor": "probe/b"})).await;
    let snap = c.recv().await;
    assert_eq!(snap["op"], "snapshot", "{snap}");
    let mut view = snap["view"].clone();
    let before = handoffs(&s);
    for n in 1..=3 {
        s.ok("probe/a", "call", json!({"calls": [call("b", "set", json!({"key": "v/n", "value": n.to_string()}))]}))
            .await;
        let d = c.recv().await;
        assert_eq!(d["op"], "delta", "{d}");
        apply(&mut view, &d["patch"]);
        assert_eq!(view["state"]["n"], json!(n), "{view}");
    }
    assert!(handoffs(&s) - before >= 3, "b's turns ran on a's task");
}

#[tokio::test]
async fn an_actor_busy_only_with_handoffs_stays_active_then_passivates() {
    let s = probe_server_with(|c| c.actors.idle_timeout_ms = 1000).await;
    s.ok("probe/a", "get", json!({"key": "warm"})).await;
    s.ok("probe/b", "get", json!({"key": "warm"})).await;
    let stats = s.runtime().stats();
    let activations = stats.activations.load(Ordering::Relaxed);
    let before = handoffs(&s);
    // 2.5 s of calls, each a hand-off: neither actor's own task runs a turn,
    // yet both count as busy and neither passivates.
    let started = std::time::Instant::now();
    let mut i = 0;
    while started.elapsed() < Duration::from_millis(2500) {
        i += 1;
        s.ok("probe/a", "call", json!({"calls": [call("b", "set", json!({"key": "i", "value": i.to_string()}))]}))
            .await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(handoffs(&s) - before >= 2 * i, "every call was a hand-off");
    assert_eq!(stats.activations.load(Ordering::Relaxed), activations, "no actor passivated while in use");
    // Once idle they passivate, having committed everything.
    eventually(|| s.runtime().active_actors() == 0, "both actors to passivate").await;
    assert_eq!(s.ok("probe/b", "get", json!({"key": "i"})).await, json!({"value": i.to_string()}));
}

/// `relay` through `d1` … `d<to>`.
fn relay_path(to: usize) -> Value {
    json!({"path": (1..=to).map(|i| format!("d{i}")).collect::<Vec<_>>()})
}

#[tokio::test]
async fn a_deep_chain_of_idle_actors_runs_on_one_task_up_to_the_depth_limit() {
    let s = probe_server_with(|_| {}).await;
    for i in 0..=70 {
        s.ok(&format!("probe/d{i}"), "set", json!({"key": "end", "value": format!("end-{i}")})).await;
    }
    let before = handoffs(&s);
    // d0 → d1 → … → d60, every hop a hand-off: each turn's wasm runs on its
    // own fiber stack, so the chain grows no one stack without bound.
    assert_eq!(s.ok("probe/d0", "relay", relay_path(60)).await, json!({"end": "end-60"}));
    assert!(handoffs(&s) - before >= 61, "the client's call and every hop were hand-offs");
    // Deeper than the limit (64 actors waiting): the 65th call is refused
    // with a clear error, and every turn before it unwinds normally.
    let reply = s.ok("probe/d0", "relay", relay_path(70)).await;
    assert_eq!(reply["error"], "invalid", "{reply}");
    assert!(reply["message"].as_str().is_some_and(|m| m.contains("deeper than 64")), "{reply}");
    assert_eq!(reply["at"], "d64", "{reply}");
    assert_eq!(s.ok("probe/d0", "relay", relay_path(3)).await, json!({"end": "end-3"}));
}
