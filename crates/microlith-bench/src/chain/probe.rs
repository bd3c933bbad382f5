//! Benchmarks through the probe test actor (`test-actors/probe`):
//!
//! * `calls`  — the raw actor-to-actor call rate: one `call` turn of
//!   `probe/caller-<i>` makes [`PER_TURN`] `echo` calls to
//!   `probe/callee-<i>` in order; one caller, then 8 caller/callee pairs
//!   concurrently.
//! * `alarms` — alarm precision: [`ALARMS`] alarms over [`ALARM_ACTORS`]
//!   actors, due 200–2,000 ms after they are set; lateness is the firing
//!   turn's start time (`fired-at/<name>`, ms) minus the due time.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use microlith_core::ActorId;
use microlith_runtime::Runtime;
use microlith_server::StorageConfig;
use serde_json::{Value as Json, json};
use tokio::task::JoinSet;

use super::{cpu_now, median, open_runtime, quantile};
use crate::Opts;

const PROBE: &[u8] = include_bytes!("../../../../test-actors/wasm/probe.wasm");

/// Actor-to-actor calls per caller turn.
const PER_TURN: usize = 100;
/// Alarms set per run.
const ALARMS: usize = 500;
/// Actors they are spread over.
const ALARM_ACTORS: usize = 100;

async fn probe_runtime(dir: &std::path::Path, handoff: bool, max_active: usize) -> anyhow::Result<Runtime> {
    let rt = open_runtime(dir, StorageConfig::Fjall, handoff, max_active).await?;
    rt.deploy("probe", PROBE.to_vec()).await?;
    Ok(rt)
}

/// The `call` payload: [`PER_TURN`] echoes to `probe/<callee>`.
fn calls_payload(callee: &str) -> anyhow::Result<Vec<u8>> {
    let calls: Vec<Json> = (0..PER_TURN)
        .map(|n| json!({"target": {"class": "probe", "key": callee}, "method": "echo", "payload": {"n": n}}))
        .collect();
    Ok(serde_json::to_vec(&json!({ "calls": calls }))?)
}

/// Checks a `call` reply: every call returned its payload.
fn check_calls_reply(reply: &[u8]) -> anyhow::Result<()> {
    let results: Vec<Json> = serde_json::from_slice(reply)?;
    anyhow::ensure!(results.len() == PER_TURN, "{} results, want {PER_TURN}", results.len());
    for (n, r) in results.iter().enumerate() {
        anyhow::ensure!(r == &json!({"ok": {"n": n}}), "call {n} returned {r}");
    }
    Ok(())
}

struct CallRate {
    calls_per_s: f64,
    /// Median caller turn time / [`PER_TURN`].
    per_call: Duration,
    cpu_per_call: Duration,
}

async fn call_rate(rt: &Runtime, callers: usize, dur: Duration) -> anyhow::Result<CallRate> {
    let (cpu0, t0) = (cpu_now(), Instant::now());
    let deadline = t0 + dur;
    let mut set = JoinSet::new();
    for c in 0..callers {
        let rt = rt.clone();
        let caller = ActorId::parse("probe", &format!("caller-{c}"))?;
        let payload = calls_payload(&format!("callee-{c}"))?;
        set.spawn(async move {
            let mut turns = Vec::new();
            let mut last = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                last = rt.call(&caller, "call", payload.clone(), None).await?;
                turns.push(t.elapsed());
            }
            check_calls_reply(&last)?;
            Ok::<_, anyhow::Error>(turns)
        });
    }
    let mut turns = Vec::new();
    while let Some(r) = set.join_next().await {
        turns.extend(r??);
    }
    let (elapsed, cpu) = (t0.elapsed(), cpu_now() - cpu0);
    let calls = (turns.len() * PER_TURN) as f64;
    turns.sort_unstable();
    Ok(CallRate {
        calls_per_s: calls / elapsed.as_secs_f64(),
        per_call: quantile(&turns, 0.5) / PER_TURN as u32,
        cpu_per_call: Duration::from_secs_f64(cpu.as_secs_f64() / calls.max(1.0)),
    })
}

/// `calls`: actor-to-actor call rate, with hand-off (calls to idle
/// actors run on the caller's task) and with every call queued, the two
/// runtimes alternating run by run.
pub async fn calls(opts: &Opts) -> anyhow::Result<()> {
    let (dir, queued_dir) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let runtimes = [
        ("hand-off", probe_runtime(dir.path(), true, opts.max_active).await?),
        ("queued", probe_runtime(queued_dir.path(), false, opts.max_active).await?),
    ];
    let dur = Duration::from_secs_f64(opts.seconds);
    println!(
        "calls: probe/caller-<i> `call` turns of {PER_TURN} `echo` calls to probe/callee-<i> (no HTTP, fjall), \
         median of {} run(s); hand-off = calls to idle actors run on the caller's task, queued = every call \
         through the callee's mailbox",
        opts.runs.max(1)
    );
    for callers in [1, 8] {
        let mut runs: [Vec<CallRate>; 2] = [Vec::new(), Vec::new()];
        for (_, rt) in &runtimes {
            call_rate(rt, callers, Duration::from_millis(300)).await?;
        }
        for _ in 0..opts.runs.max(1) {
            for (i, (_, rt)) in runtimes.iter().enumerate() {
                runs[i].push(call_rate(rt, callers, dur).await?);
            }
        }
        for ((name, _), runs) in runtimes.iter().zip(&runs) {
            let rate = median(runs.iter().map(|r| r.calls_per_s).collect());
            let per_call = median(runs.iter().map(|r| r.per_call.as_secs_f64()).collect());
            let cpu = median(runs.iter().map(|r| r.cpu_per_call.as_secs_f64()).collect());
            println!(
                "  {:<42} {rate:>10.0} calls/s   {:>6.2} µs/call (turn p50 / {PER_TURN})   CPU {:>6.2} µs/call",
                format!("{callers} caller(s) → {callers} callee(s), {name}"),
                per_call * 1e6,
                cpu * 1e6
            );
        }
    }
    for (_, rt) in &runtimes {
        rt.shutdown(Duration::from_secs(10)).await;
    }
    Ok(())
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// A small deterministic generator (splitmix64).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

struct Precision {
    fired: usize,
    p50: i64,
    p99: i64,
    max: i64,
    set_took: Duration,
}

/// One round: sets [`ALARMS`] alarms named `r<round>-<j>`, waits for them
/// and reads back when each fired.
async fn alarm_round(rt: &Runtime, round: usize) -> anyhow::Result<Precision> {
    let mut rng = SplitMix(0x5EED ^ round as u64);
    // (actor, name, ms after setting) per alarm; actor j % ALARM_ACTORS.
    let mut plan: Vec<Vec<(String, u64)>> = vec![Vec::new(); ALARM_ACTORS];
    for j in 0..ALARMS {
        plan[j % ALARM_ACTORS].push((format!("r{round}-{j}"), 200 + rng.next() % 1_801));
    }
    let started = Instant::now();
    let mut set = JoinSet::new();
    for (a, alarms) in plan.into_iter().enumerate() {
        let rt = rt.clone();
        let id = ActorId::parse("probe", &format!("alarm-{a}"))?;
        set.spawn(async move {
            let mut due = Vec::new();
            for (name, in_ms) in alarms {
                let at = now_ms() + in_ms;
                let body = serde_json::to_vec(&json!({"name": name, "at_ms": at}))?;
                let reply: Json = serde_json::from_slice(&rt.call(&id, "set-alarm", body, None).await?)?;
                anyhow::ensure!(reply == json!({"due": at}), "set-alarm replied {reply}");
                due.push((name, at));
            }
            Ok((id, due))
        });
    }
    let mut all: Vec<(ActorId, Vec<(String, u64)>)> = Vec::new();
    while let Some(r) = set.join_next().await {
        all.push(r??);
    }
    let set_took = started.elapsed();
    let last_due = all.iter().flat_map(|(_, d)| d.iter().map(|(_, at)| *at)).max().unwrap_or(0);
    tokio::time::sleep(Duration::from_millis(last_due.saturating_sub(now_ms()) + 300)).await;

    let give_up = Instant::now() + Duration::from_secs(10);
    loop {
        let mut lateness = Vec::with_capacity(ALARMS);
        for (id, due) in &all {
            for (name, at) in due {
                let body = serde_json::to_vec(&json!({ "name": name }))?;
                let fired: Json = serde_json::from_slice(&rt.call(id, "fired", body, None).await?)?;
                if fired["count"].as_u64().unwrap_or(0) >= 1
                    && let Some(t) = fired["at"].as_u64()
                {
                    lateness.push(t as i64 - *at as i64);
                }
            }
        }
        if lateness.len() == ALARMS || Instant::now() > give_up {
            lateness.sort_unstable();
            return Ok(Precision {
                fired: lateness.len(),
                p50: quantile(&lateness, 0.5),
                p99: quantile(&lateness, 0.99),
                max: lateness.last().copied().unwrap_or(0),
                set_took,
            });
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `alarms`: alarm precision.
pub async fn alarms(opts: &Opts) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let rt = probe_runtime(dir.path(), true, opts.max_active).await?;
    let mut runs = Vec::new();
    for round in 0..opts.runs.max(1) {
        runs.push(alarm_round(&rt, round).await?);
    }
    let m = |f: &dyn Fn(&Precision) -> f64| median(runs.iter().map(f).collect());
    let fired: usize = runs.iter().map(|r| r.fired).sum();
    let want = ALARMS * runs.len();
    println!(
        "alarms: {ALARMS} alarms over {ALARM_ACTORS} probe actors, due 200–2000 ms ahead (fjall), median of {} run(s)",
        runs.len()
    );
    println!(
        "  lateness (firing turn start − due)  p50 {:>5.0} ms   p99 {:>5.0} ms   max {:>5.0} ms   fired {fired}/{want}{}   \
         (setting them took {:.0} ms)",
        m(&|r| r.p50 as f64),
        m(&|r| r.p99 as f64),
        runs.iter().map(|r| r.max).max().unwrap_or(0) as f64,
        if fired == want { "" } else { "  ✗ MISSING" },
        m(&|r| r.set_took.as_secs_f64() * 1e3)
    );
    rt.shutdown(Duration::from_secs(10)).await;
    anyhow::ensure!(fired == want, "only {fired} of {want} alarms fired");
    Ok(())
}
