//! End-to-end benchmarks of Microlith, run side by side in one process so
//! their ratios are meaningful on a noisy machine.
//!
//! Run with: `cargo run --release -p microlith-bench -- all`
//! (or one of `hot`, `spread`, `edge`, `cold`, `raw`, `chain`, `calls`,
//! `alarms`, `swap`, `fanout`, `idle`, `views`; `--help` for knobs).
//!
//! * `edge`   — a bare axum handler with an in-memory counter: the HTTP ceiling.
//! * `hot`    — one hot actor, durable `incr` over HTTP, N connections.
//! * `spread` — durable `incr` spread over 1,000 actors over HTTP.
//! * `cold`   — activation of a stored, passivated actor (no HTTP).
//! * `raw`    — turn rate through `Runtime::call` without HTTP.
//! * `chain`  — the shop's 4-hop checkout-quote chain (gateway → cart →
//!   inventory → pricing) as in-process actor calls vs the same chain as
//!   four HTTP+JSON micro-services on loopback: latency and CPU per hop.
//! * `calls`  — raw actor-to-actor call rate (probe, 100 calls per turn).
//! * `alarms` — alarm precision: lateness of 500 alarms over 100 actors.
//! * `fanout` — live views: one change fanned out to 1,000 WebSocket
//!   subscribers of one view; time until all have the delta (`views`).
//! * `idle`   — the server's memory per idle WebSocket connection (10,000,
//!   server as a separate `microlith dev` process).
//! * `views`  — `fanout` and `idle` (not part of `all`).
//! * `swap`   — a deploy (with a state migration) and a rollback under
//!   load on 100 actors: extra latency (p99) and failed requests.
//! * `languages` — the per-language cost table of the `counter` example
//!   (size, compile cold and cached, first call, turn time, memory).
//!
//! The server runs in this process on 127.0.0.1, with the embedded (redb)
//! store in a temp directory; load comes from keep-alive HTTP/1.1
//! connections (hyper) on the same machine. `chain`, `calls` and `alarms`
//! use the runtime directly (default fjall store, no HTTP edge).

mod chain;
mod languages;
mod load;
mod scenarios;
mod swap;
mod views;

use clap::Parser;

/// Benchmark selection and knobs.
#[derive(Debug, Clone, Parser)]
#[command(name = "microlith-bench")]
pub struct Opts {
    /// Which benchmark: all, edge, hot, spread, cold, raw, chain, calls, alarms, swap, languages,
    /// fanout, idle, views (fanout + idle; not in all).
    #[arg(default_value = "all")]
    pub which: String,
    /// Seconds each load phase runs.
    #[arg(long, default_value_t = 5.0)]
    pub seconds: f64,
    /// Concurrent HTTP connections (or tasks for `raw`).
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
    /// Concurrent HTTP connections for `spread` (many actors want many
    /// clients: a closed loop's throughput is concurrency / latency).
    #[arg(long, default_value_t = 256)]
    pub spread_connections: usize,
    /// Actors for `spread` and `cold`.
    #[arg(long, default_value_t = 1000)]
    pub actors: usize,
    /// Repetitions of each load phase; the median is reported.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// WebSocket subscribers of one view for `fanout`.
    #[arg(long, default_value_t = 1000)]
    pub subscribers: usize,
    /// How `fanout` reads its subscribers' sockets: `poll` (one thread,
    /// epoll through mio, tungstenite's sync API) or `tasks` (one Tokio
    /// task per connection, in the server's runtime).
    #[arg(long, default_value = "poll")]
    pub readers: String,
    /// Changes (rounds) per run of `fanout`.
    #[arg(long, default_value_t = 40)]
    pub rounds: usize,
    /// Idle WebSocket connections for `idle`.
    #[arg(long, default_value_t = 10_000)]
    pub idle_connections: usize,
    /// `chain`: run only these variants (comma-separated: a, a', b, aq, ab), e.g.
    /// `--only a` to profile the in-process chain alone.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// `chain`, `calls`: the runtimes' `max_active` (it sizes the instance
    /// pool, which decides the memory layout: guard pages up to ~10,500).
    #[arg(long, default_value_t = 2_000)]
    pub max_active: usize,
    /// `chain`: load the shop's components (gateway.wasm, cart.wasm,
    /// inventory.wasm, pricing.wasm) from this directory instead of the
    /// committed ones, e.g. to compare guest build settings.
    #[arg(long)]
    pub shop_wasm: Option<std::path::PathBuf>,
    /// The `microlith` binary `idle` starts (default: next to this one).
    #[arg(long)]
    pub server_bin: Option<std::path::PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let opts = Opts::parse();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async {
        scenarios::run(opts.clone()).await?;
        chain::run(&opts).await?;
        views::run(&opts).await?;
        swap::run(&opts).await?;
        if opts.which == "all" || opts.which == "languages" {
            languages::run(&opts).await?;
        }
        Ok(())
    })
}
