//! `swap`: what a hot swap costs the requests in flight.
//!
//! 32 closed-loop HTTP connections write to 100 `probe` actors (a durable
//! `set` per request) for `--seconds` (at least 4 s). A quarter in, the
//! class is deployed to `probe-v2`, whose state schema differs, so every
//! actor runs a migration turn before its next request; half-way, the
//! deploy is rolled back (every actor migrates back). Requests are bucketed
//! by when they started: *steady* (outside the swap windows) and *swap*
//! (from the deploy or rollback call until 250 ms after it returned); and
//! each actor's first request after a swap (the one that waits for the
//! actor's migration) is reported on its own. Reported per run: p50/p99/max of both, the extra p99
//! a swap adds, migrations done, and failed requests (which must be 0).
//! The median run by swap p99 is printed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use microlith_server::{Server, StorageConfig};

use crate::Opts;
use crate::scenarios::config;

const PROBE: &[u8] = include_bytes!("../../../test-actors/wasm/probe.wasm");
const PROBE_V2: &[u8] = include_bytes!("../../../test-actors/wasm/probe-v2.wasm");
const ACTORS: usize = 100;
const CONNECTIONS: usize = 32;

/// One request: when it started (since the run began), how long it took,
/// whether it succeeded, which actor.
type Sample = (Duration, Duration, bool, usize);

async fn client(addr: SocketAddr, c: usize, origin: Instant, stop: Arc<AtomicBool>) -> anyhow::Result<Vec<Sample>> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let mut out = Vec::with_capacity(50_000);
    let mut i = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let actor = (c + i as usize * CONNECTIONS) % ACTORS;
        let body = format!(r#"{{"key":"w/{c}-{i}","value":"1"}}"#);
        let req = Request::post(format!("/v1/actors/p/a{actor}/set"))
            .header("host", "bench")
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))?;
        let t = Instant::now();
        let resp = send.send_request(req).await?;
        let ok = resp.status().is_success();
        resp.into_body().collect().await?;
        out.push((t - origin, t.elapsed(), ok, actor));
        i += 1;
    }
    Ok(out)
}

/// What one run measured.
#[derive(Debug, Clone)]
struct Run {
    steady: Stats,
    swap: Stats,
    /// Each actor's first request after each swap (the one that migrates).
    first: Stats,
    deploy_ms: f64,
    rollback_ms: f64,
    migrated: u64,
    failed_requests: usize,
}

#[derive(Debug, Clone, Default)]
struct Stats {
    n: usize,
    p50: Duration,
    p99: Duration,
    max: Duration,
}

fn stats(mut lat: Vec<Duration>) -> Stats {
    lat.sort_unstable();
    let pick = |q: f64| lat.get(((lat.len() as f64 * q) as usize).min(lat.len().saturating_sub(1))).copied();
    Stats {
        n: lat.len(),
        p50: pick(0.5).unwrap_or_default(),
        p99: pick(0.99).unwrap_or_default(),
        max: lat.last().copied().unwrap_or_default(),
    }
}

async fn one(opts: &Opts) -> anyhow::Result<Run> {
    let dir = tempfile::tempdir()?;
    let cfg = config(dir.path(), StorageConfig::Fjall, ACTORS);
    let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
    let server = Server::start(&cfg, listener).await?;
    let rt = server.runtime().clone();
    rt.deploy("p", PROBE.to_vec()).await?;
    // Warm the artifact cache for v2 so the deploy measures the swap, not
    // compilation (a deploy compiles before it swaps anything).
    rt.deploy("warm", PROBE_V2.to_vec()).await?;
    let addr = server.local_addr();
    let origin = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CONNECTIONS).map(|c| tokio::spawn(client(addr, c, origin, stop.clone()))).collect();
    let total = Duration::from_secs_f64(opts.seconds.max(4.0));
    tokio::time::sleep(total / 4).await;
    let d0 = origin.elapsed();
    rt.deploy("p", PROBE_V2.to_vec()).await?;
    let d1 = origin.elapsed();
    let class = microlith_core::ClassName::new("p")?;
    tokio::time::sleep(total / 4).await;
    let migrated_forward = rt.deploy_status(&class).map_or(0, |s| s.migrated);
    let r0 = origin.elapsed();
    rt.rollback(&class, "bench").await?;
    let r1 = origin.elapsed();
    tokio::time::sleep(total / 2).await;
    stop.store(true, Ordering::Relaxed);
    let mut samples = Vec::new();
    for c in clients {
        samples.extend(c.await??);
    }
    let migrated = migrated_forward + rt.deploy_status(&class).map_or(0, |s| s.migrated);
    server.shutdown().await;
    let window = Duration::from_millis(250);
    let in_swap = |t: Duration| (t >= d0 && t <= d1 + window) || (t >= r0 && t <= r1 + window);
    let failed_requests = samples.iter().filter(|s| !s.2).count();
    samples.sort_by_key(|s| s.0);
    let mut first = Vec::new();
    for after in [d1, r1] {
        let mut seen = [false; ACTORS];
        for s in samples.iter().filter(|s| s.0 >= after) {
            if !seen[s.3] {
                seen[s.3] = true;
                first.push(s.1);
            }
        }
    }
    let (swap, steady): (Vec<Sample>, Vec<Sample>) = samples.into_iter().partition(|s| in_swap(s.0));
    Ok(Run {
        steady: stats(steady.iter().map(|s| s.1).collect()),
        swap: stats(swap.iter().map(|s| s.1).collect()),
        first: stats(first),
        deploy_ms: (d1 - d0).as_secs_f64() * 1e3,
        rollback_ms: (r1 - r0).as_secs_f64() * 1e3,
        migrated,
        failed_requests,
    })
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Runs `swap` `--runs` times and prints each run and the median.
pub async fn run(opts: &Opts) -> anyhow::Result<()> {
    if !matches!(opts.which.as_str(), "all" | "swap") {
        return Ok(());
    }
    println!("\n== swap: deploy (schema 0 → 2) and rollback under load, {ACTORS} actors, {CONNECTIONS} connections");
    let mut runs = Vec::new();
    for i in 0..opts.runs.max(1) {
        let r = one(opts).await?;
        println!(
            "run {i}: steady p50 {:>6.0} µs p99 {:>6.0} µs ({} req) | within 250 ms of a swap p50 {:>6.0} µs p99 {:>6.0} µs max {:>6.0} µs ({} req) | first request per actor after a swap p50 {:>6.0} µs p99 {:>6.0} µs | deploy {:.0} ms, rollback {:.0} ms, {} migrations, {} failed requests",
            us(r.steady.p50),
            us(r.steady.p99),
            r.steady.n,
            us(r.swap.p50),
            us(r.swap.p99),
            us(r.swap.max),
            r.swap.n,
            us(r.first.p50),
            us(r.first.p99),
            r.deploy_ms,
            r.rollback_ms,
            r.migrated,
            r.failed_requests
        );
        runs.push(r);
    }
    runs.sort_by_key(|r| r.swap.p99);
    let m = &runs[runs.len() / 2];
    println!(
        "swap (median of {}): p99 steady {:.0} µs, within 250 ms of a swap {:.0} µs (+{:.0} µs, ×{:.2}), first request per actor after a swap {:.0} µs; failed requests {} (all runs: {})",
        runs.len(),
        us(m.steady.p99),
        us(m.swap.p99),
        us(m.swap.p99.saturating_sub(m.steady.p99)),
        us(m.swap.p99) / us(m.steady.p99).max(1.0),
        us(m.first.p99),
        m.failed_requests,
        runs.iter().map(|r| r.failed_requests).sum::<usize>()
    );
    Ok(())
}
