//! The benchmark scenarios and the report.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path as UrlPath, State};
use microlith_core::ActorId;
use microlith_server::{Server, ServerConfig, StorageConfig};

use crate::Opts;
use crate::load::{self, LoadResult, median_by};

const COUNTER: &[u8] = include_bytes!("../../../examples/wasm/counter.wasm");

pub(crate) fn config(dir: &Path, storage: StorageConfig, actors: usize) -> ServerConfig {
    let mut c = ServerConfig {
        listen: "127.0.0.1:0".parse().expect("literal address"),
        data_dir: dir.to_path_buf(),
        storage,
        ..ServerConfig::default()
    };
    c.actors.max_active = actors.max(1000) * 2;
    c.actors.mailbox_capacity = 4096;
    c
}

async fn start(dir: &Path, storage: StorageConfig, actors: usize) -> anyhow::Result<Server> {
    let cfg = config(dir, storage, actors);
    let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
    let server = Server::start(&cfg, listener).await?;
    server.runtime().deploy("counter", COUNTER.to_vec()).await?;
    Ok(server)
}

async fn phases(opts: &Opts, mut one: impl AsyncFnMut() -> anyhow::Result<LoadResult>) -> anyhow::Result<LoadResult> {
    let mut results = Vec::new();
    for _ in 0..opts.runs.max(1) {
        results.push(one().await?);
    }
    median_by(&results, |r| r.rps).ok_or_else(|| anyhow::anyhow!("no runs"))
}

fn line(name: &str, r: &LoadResult) {
    println!(
        "{name:<44} {:>10.0} req/s   p50 {:>8.1} µs   p99 {:>8.1} µs   errors {}",
        r.rps,
        r.p50.as_secs_f64() * 1e6,
        r.p99.as_secs_f64() * 1e6,
        r.errors
    );
}

type Counters = Arc<Mutex<HashMap<String, u64>>>;

async fn bare_incr(
    State(c): State<Counters>,
    UrlPath((class, key, _m)): UrlPath<(String, String, String)>,
) -> axum::Json<serde_json::Value> {
    let value = {
        let mut map = c.lock().unwrap_or_else(|e| e.into_inner());
        let v = map.entry(format!("{class}/{key}")).or_insert(0);
        *v += 1;
        *v
    };
    axum::Json(serde_json::json!({ "value": value }))
}

async fn edge(opts: &Opts) -> anyhow::Result<LoadResult> {
    let app = axum::Router::new()
        .route("/v1/actors/{class}/{key}/{method}", axum::routing::post(bare_incr))
        .with_state(Counters::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let dur = Duration::from_secs_f64(opts.seconds);
    let r = phases(opts, async || {
        load::run(addr, opts.connections, dur, |_, _| "/v1/actors/counter/hot/incr".into()).await
    })
    .await?;
    server.abort();
    Ok(r)
}

async fn http_counter(
    opts: &Opts,
    actors: usize,
    connections: usize,
    storage: StorageConfig,
) -> anyhow::Result<LoadResult> {
    let dir = tempfile::tempdir()?;
    let server = start(dir.path(), storage, actors).await?;
    let addr = server.local_addr();
    let dur = Duration::from_secs_f64(opts.seconds);
    let n = actors as u64;
    let r = phases(opts, async || {
        load::run(addr, connections, dur, move |c, i| {
            // Spread connections and requests over the actors.
            let k = (c as u64).wrapping_mul(7919).wrapping_add(i.wrapping_mul(104_729)) % n;
            format!("/v1/actors/counter/k{k}/incr")
        })
        .await
    })
    .await?;
    server.shutdown().await;
    Ok(r)
}

struct Cold {
    p50: Duration,
    p99: Duration,
    warm_p50: Duration,
}

async fn cold(opts: &Opts, storage: StorageConfig) -> anyhow::Result<Cold> {
    let dir = tempfile::tempdir()?;
    let n = opts.actors;
    {
        let server = start(dir.path(), storage.clone(), n).await?;
        let rt = server.runtime().clone();
        let mut tasks = Vec::new();
        for chunk in 0..8 {
            let rt = rt.clone();
            tasks.push(tokio::spawn(async move {
                for i in (chunk..n).step_by(8) {
                    let id = ActorId::parse("counter", &format!("k{i}"))?;
                    rt.call(&id, "incr", Vec::new(), None).await?;
                }
                Ok::<_, anyhow::Error>(())
            }));
        }
        for t in tasks {
            t.await??;
        }
        server.shutdown().await;
    }
    // A fresh server: every actor is stored but none is active.
    let server = start(dir.path(), storage, n).await?;
    let rt = server.runtime().clone();
    let mut cold = Vec::with_capacity(n);
    let mut warm = Vec::with_capacity(n);
    for i in 0..n {
        let id = ActorId::parse("counter", &format!("k{i}"))?;
        let t = Instant::now();
        let reply = rt.call(&id, "get", Vec::new(), None).await?;
        cold.push(t.elapsed());
        anyhow::ensure!(reply == b"{\"value\":1}", "actor k{i} lost its state: {}", String::from_utf8_lossy(&reply));
        let t = Instant::now();
        rt.call(&id, "get", Vec::new(), None).await?;
        warm.push(t.elapsed());
    }
    server.shutdown().await;
    cold.sort_unstable();
    warm.sort_unstable();
    Ok(Cold { p50: cold[n / 2], p99: cold[n * 99 / 100], warm_p50: warm[n / 2] })
}

async fn raw(opts: &Opts, storage: StorageConfig, actors: usize, tasks_n: usize) -> anyhow::Result<f64> {
    let dir = tempfile::tempdir()?;
    let server = start(dir.path(), storage, actors).await?;
    let rt = server.runtime().clone();
    let dur = Duration::from_secs_f64(opts.seconds);
    let mut rates = Vec::new();
    for _ in 0..opts.runs.max(1) {
        let deadline = Instant::now() + dur;
        let mut tasks = Vec::new();
        for c in 0..tasks_n {
            let rt = rt.clone();
            tasks.push(tokio::spawn(async move {
                let mut done = 0u64;
                let mut i = c as u64;
                while Instant::now() < deadline {
                    let id = ActorId::parse("counter", &format!("k{}", i % actors as u64))?;
                    rt.call(&id, "incr", Vec::new(), None).await?;
                    done += 1;
                    i = i.wrapping_add(opts_stride(actors));
                }
                Ok::<_, anyhow::Error>(done)
            }));
        }
        let started = Instant::now();
        let mut total = 0;
        for t in tasks {
            total += t.await??;
        }
        rates.push(total as f64 / started.elapsed().as_secs_f64());
    }
    server.shutdown().await;
    rates.sort_by(f64::total_cmp);
    Ok(rates[rates.len() / 2])
}

fn opts_stride(actors: usize) -> u64 {
    if actors <= 1 { 0 } else { 7919 }
}

/// Runs the selected scenarios and prints a report.
pub async fn run(opts: Opts) -> anyhow::Result<()> {
    let all = opts.which == "all";
    let want = |n: &str| all || opts.which == n;
    println!(
        "microlith-bench: {} s per phase, median of {} run(s), {} connections, {} cores",
        opts.seconds,
        opts.runs,
        opts.connections,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let mut edge_rps = None;
    if want("edge") {
        let r = edge(&opts).await?;
        line("edge: bare axum + in-memory counter", &r);
        edge_rps = Some(r.rps);
    }
    let engines = [("redb", StorageConfig::Redb), ("fjall", StorageConfig::Fjall)];
    if want("hot") {
        for (engine, storage) in engines.clone() {
            let r = http_counter(&opts, 1, opts.connections, storage).await?;
            line(&format!("hot: 1 actor, durable incr over HTTP ({engine})"), &r);
            if let Some(e) = edge_rps {
                println!("{:<44} {:>10.2} (target ≥ 0.5)", "  hot / edge ratio", r.rps / e);
            }
        }
    }
    if want("spread") {
        for conns in [opts.connections, opts.spread_connections] {
            for (engine, storage) in engines.clone() {
                let r = http_counter(&opts, opts.actors, conns, storage).await?;
                line(&format!("spread: {} actors, {conns} conns, HTTP ({engine})", opts.actors), &r);
            }
        }
    }
    if want("cold") {
        for (engine, storage) in engines.clone() {
            let c = cold(&opts, storage).await?;
            println!(
                "{:<44} p50 {:>8.1} µs   p99 {:>8.1} µs   (warm call p50 {:.1} µs)",
                format!("cold: activation of {} stored actors ({engine})", opts.actors),
                c.p50.as_secs_f64() * 1e6,
                c.p99.as_secs_f64() * 1e6,
                c.warm_p50.as_secs_f64() * 1e6
            );
        }
    }
    if want("raw") {
        let (c, sc) = (opts.connections, opts.spread_connections);
        for (name, storage, actors, tasks) in [
            (format!("raw: 1 actor, memory store, {c} tasks"), StorageConfig::Memory, 1, c),
            (format!("raw: 1 actor, durable (redb), {c} tasks"), StorageConfig::Redb, 1, c),
            (format!("raw: 1 actor, durable (fjall), {c} tasks"), StorageConfig::Fjall, 1, c),
            (format!("raw: 1,000 actors, memory, {sc} tasks"), StorageConfig::Memory, 1000, sc),
            (format!("raw: 1,000 actors, durable (redb), {sc} tasks"), StorageConfig::Redb, 1000, sc),
            (format!("raw: 1,000 actors, durable (fjall), {sc} tasks"), StorageConfig::Fjall, 1000, sc),
        ] {
            let rate = raw(&opts, storage, actors, tasks).await?;
            println!("{name:<44} {rate:>10.0} turns/s");
        }
    }
    Ok(())
}
