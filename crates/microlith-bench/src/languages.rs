//! The per-language cost table: for the `counter` example of every guest
//! language, component size, compile time (cold, and from the on-disk
//! artifact cache after a restart), first call on a fresh actor
//! (instantiation plus one turn), warm turn time, and resident memory per
//! active instance.
//!
//! Rust components are the committed ones; the others come from
//! `scripts/build-lang-guests` (`target/guests/lang/<language>/counter.wasm`);
//! a language whose component is missing is reported as not built.
//! The store is in memory so that the figures are the guest's and the
//! host's, not the disk's.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use microlith_core::ActorId;
use microlith_runtime::{Runtime, RuntimeConfig};
use microlith_storage::memory::MemoryStore;

use crate::Opts;

const LANGUAGES: &[&str] = &["rust", "c", "zig", "assemblyscript", "js", "python"];

fn component_path(lang: &str) -> PathBuf {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    match lang {
        "rust" => repo.join("examples/wasm/counter.wasm"),
        _ => repo.join(format!("target/guests/lang/{lang}/counter.wasm")),
    }
}

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn config(artifacts: &std::path::Path, actors: usize) -> RuntimeConfig {
    RuntimeConfig {
        artifact_dir: Some(artifacts.to_path_buf()),
        // Python components hold ~13 core instances each; the pool sizes
        // core-instance slots at 4 per actor, so leave room.
        max_active_actors: actors * 8,
        memory_limit: 128 << 20,
        ..RuntimeConfig::default()
    }
}

async fn open(artifacts: &std::path::Path, actors: usize) -> anyhow::Result<Runtime> {
    Ok(Runtime::open(config(artifacts, actors), Arc::new(MemoryStore::new()?)).await?)
}

struct Row {
    size: usize,
    compile_cold: Duration,
    compile_cached: Duration,
    first_call: Duration,
    turn_get: Duration,
    turn_incr: Duration,
    rss_per_instance: u64,
}

async fn measure(wasm: Vec<u8>, actors: usize) -> anyhow::Result<Row> {
    let artifacts = tempfile::tempdir()?;
    let size = wasm.len();
    let rt = open(artifacts.path(), actors).await?;
    let cold = rt.deploy("counter", wasm.clone()).await?;
    anyhow::ensure!(!cold.from_cache, "a fresh artifact directory cannot hit the cache");
    rt.shutdown(Duration::from_secs(5)).await;
    // A restart: the compiled artifact comes from disk.
    let rt = open(artifacts.path(), actors).await?;
    let cached = rt.deploy("counter", wasm).await?;
    anyhow::ensure!(cached.from_cache, "the restarted runtime should load the cached artifact");
    let before = rss_bytes();
    let mut first = Vec::with_capacity(actors);
    for i in 0..actors {
        let id = ActorId::parse("counter", &format!("k{i}"))?;
        let t = Instant::now();
        rt.call(&id, "incr", Vec::new(), None).await?;
        first.push(t.elapsed());
    }
    let rss_per_instance = rss_bytes().saturating_sub(before) / actors as u64;
    let hot = ActorId::parse("counter", "k0")?;
    let mut get = Vec::new();
    let mut incr = Vec::new();
    for _ in 0..2000 {
        let t = Instant::now();
        rt.call(&hot, "get", Vec::new(), None).await?;
        get.push(t.elapsed());
        let t = Instant::now();
        rt.call(&hot, "incr", Vec::new(), None).await?;
        incr.push(t.elapsed());
    }
    rt.shutdown(Duration::from_secs(5)).await;
    Ok(Row {
        size,
        compile_cold: cold.compile_time,
        compile_cached: cached.compile_time,
        first_call: median(first),
        turn_get: median(get),
        turn_incr: median(incr),
        rss_per_instance,
    })
}

/// Prints the cost table (markdown).
pub async fn run(opts: &Opts) -> anyhow::Result<()> {
    let actors = opts.actors.min(200);
    println!("\n== guest languages: the counter example ({actors} actors activated; in-memory store; no HTTP)");
    println!(
        "| language | component | compile (cold) | compile (cached) | first call (instantiate + turn) p50 | turn `get` p50 | turn `incr` p50 | RSS per active instance |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for lang in LANGUAGES {
        let path = component_path(lang);
        let Ok(wasm) = std::fs::read(&path) else {
            println!("| {lang} | not built ({}) | | | | | | |", path.display());
            continue;
        };
        let r = measure(wasm, actors).await?;
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        println!(
            "| {lang} | {:.1} KiB | {:.0} ms | {:.1} ms | {:.0} µs | {:.1} µs | {:.1} µs | {:.0} KiB |",
            r.size as f64 / 1024.0,
            r.compile_cold.as_secs_f64() * 1e3,
            r.compile_cached.as_secs_f64() * 1e3,
            us(r.first_call),
            us(r.turn_get),
            us(r.turn_incr),
            r.rss_per_instance as f64 / 1024.0
        );
    }
    Ok(())
}
