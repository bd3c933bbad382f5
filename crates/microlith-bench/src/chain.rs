//! The call benchmarks: Microlith's central claim, the raw call rate and
//! alarm precision.
//!
//! * `chain` — the shop's checkout-quote chain, client → gateway → cart →
//!   inventory → pricing and back, made (a) as in-process actor calls
//!   (`Runtime::call` into `gateway`, three actor-to-actor hops) and (b) as
//!   four HTTP+JSON micro-services on loopback (`services`). Both do the
//!   same `shop_model` work per hop and run in this process side by side;
//!   a request is 4 hops in both (the client's entry hop + 3). Beside
//!   them: (a') one gateway per user, (aq) every call queued (no hand-off),
//!   and (ab) the shop built with binary hops (`shop-wire`'s postcard
//!   feature, `examples/wasm/shop-binary`), which prices JSON in the hops.
//!   Below them, the floor (`floor`): (w) and (wb), the same components
//!   on bare wasmtime with a host that does only the least each import
//!   needs, which shows what wasmtime and the guests cost by themselves.
//! * `calls`, `alarms` — see `probe`.
//!
//! CPU is the whole process's user + sys time (`CLOCK_PROCESS_CPUTIME_ID`,
//! every thread) over a phase divided by the requests it completed: the
//! bench client, the services or actors, and the storage engine's threads
//! are all counted, for both variants alike.

mod floor;
mod probe;
mod services;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use microlith_core::ActorId;
use microlith_runtime::Runtime;
use microlith_server::{ServerConfig, StorageConfig};
use shop_model::{Item, Summary, User};
use tokio::task::JoinSet;

use crate::Opts;

const GATEWAY: &[u8] = include_bytes!("../../../examples/wasm/shop/gateway.wasm");
const CART: &[u8] = include_bytes!("../../../examples/wasm/shop/cart.wasm");
const INVENTORY: &[u8] = include_bytes!("../../../examples/wasm/shop/inventory.wasm");
const PRICING: &[u8] = include_bytes!("../../../examples/wasm/shop/pricing.wasm");
/// The same four classes with postcard in the internal hops and state.
const BINARY: [(&str, &[u8]); 4] = [
    ("gateway", include_bytes!("../../../examples/wasm/shop-binary/gateway.wasm")),
    ("cart", include_bytes!("../../../examples/wasm/shop-binary/cart.wasm")),
    ("inventory", include_bytes!("../../../examples/wasm/shop-binary/inventory.wasm")),
    ("pricing", include_bytes!("../../../examples/wasm/shop-binary/pricing.wasm")),
];

/// Hops per checkout-quote request: client → gateway → cart → inventory → pricing.
const HOPS: f64 = 4.0;
/// Users (carts) in the shop.
const USERS: usize = 64;
/// SKUs with a price and stock.
const SKUS: usize = 20;
/// Sequential requests of the concurrency-1 phase.
const SEQUENTIAL: usize = 2_000;
/// Sequential requests before measuring.
const WARMUP: usize = 300;

/// Process CPU time so far (user + sys, all threads).
pub(crate) fn cpu_now() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    Duration::new(u64::try_from(t.tv_sec).unwrap_or(0), u32::try_from(t.tv_nsec).unwrap_or(0))
}

/// Opens a runtime (no HTTP edge) on `storage` in `dir`, configured like
/// the server's defaults but with `max_active` actors (`--max-active`; the
/// few hundred these benches touch fit the default 2,000). The pool is sized to `max_active`, and each slot costs memory maps:
/// two runtimes side by side at 20,000 each pass Linux's default
/// `vm.max_map_count` (65,530) and wasmtime fails with ENOMEM.
/// `handoff`: whether calls to idle actors run on the caller's task
/// (the default), or every call queues in the target's mailbox.
pub(crate) async fn open_runtime(
    dir: &Path,
    storage: StorageConfig,
    handoff: bool,
    max_active: usize,
) -> anyhow::Result<Runtime> {
    let cfg = server_config(dir, storage, max_active);
    let store = microlith_server::open_store(&cfg).await?;
    let config = microlith_runtime::RuntimeConfig { handoff, ..cfg.runtime_config()? };
    Ok(Runtime::open(config, store).await?)
}

/// The server's default configuration with `max_active` actors.
fn server_config(dir: &Path, storage: StorageConfig, max_active: usize) -> ServerConfig {
    let mut cfg = ServerConfig { data_dir: dir.to_path_buf(), storage, ..ServerConfig::default() };
    cfg.actors.max_active = max_active;
    cfg.actors.mailbox_capacity = 4096;
    cfg
}

/// Sorted samples → the `q` quantile.
pub(crate) fn quantile<T: Copy + Default>(sorted: &[T], q: f64) -> T {
    let i = ((sorted.len() as f64 * q) as usize).min(sorted.len().saturating_sub(1));
    sorted.get(i).copied().unwrap_or_default()
}

/// The median of `xs`.
pub(crate) fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// The shop's data: the same for both variants.
pub struct ShopData {
    /// (sku, unit price in cents).
    pub prices: Vec<(String, u64)>,
    /// (sku, units on hand).
    pub stock: Vec<(String, u32)>,
    /// (user, the `add`s made to their cart, in order).
    pub carts: Vec<(String, Vec<Item>)>,
}

fn shop_data() -> ShopData {
    let sku = |i: usize| format!("sku-{i:02}");
    let prices = (0..SKUS).map(|i| (sku(i), 199 + 37 * i as u64)).collect();
    // Every fifth SKU is short, so some carts miss items.
    let stock = (0..SKUS).map(|i| (sku(i), if i % 5 == 0 { 4 } else { 1_000 })).collect();
    let carts = (0..USERS)
        .map(|u| {
            let adds =
                (0..3 + u % 3).map(|j| Item { sku: sku((u * 7 + j * 3) % SKUS), qty: 1 + ((u + j) % 12) as u32 });
            (format!("u{u}"), adds.collect())
        })
        .collect();
    ShopData { prices, stock, carts }
}

/// What `checkout-quote` must return for `user`, computed directly.
fn expected(data: &ShopData, user: &str, adds: &[Item]) -> anyhow::Result<Summary> {
    let mut items = Vec::new();
    for a in adds {
        shop_model::add_item(&mut items, &a.sku, a.qty);
    }
    let price = |s: &str| data.prices.iter().find(|(k, _)| k == s).map(|(_, c)| *c);
    let stock = |s: &str| data.stock.iter().find(|(k, _)| k == s).map_or(0, |(_, q)| *q);
    let quote = shop_model::quote(&items, price).map_err(anyhow::Error::msg)?;
    let a = shop_model::availability(shop_model::missing(&items, stock), quote);
    Ok(shop_model::summarize(user, &items, &a))
}

/// The shop's four classes: the committed components, or those in `dir`.
fn shop_components(dir: Option<&Path>) -> anyhow::Result<Vec<(&'static str, Vec<u8>)>> {
    let committed = [("gateway", GATEWAY), ("cart", CART), ("inventory", INVENTORY), ("pricing", PRICING)];
    committed
        .into_iter()
        .map(|(class, wasm)| match dir {
            None => Ok((class, wasm.to_vec())),
            Some(dir) => {
                let path = dir.join(format!("{class}.wasm"));
                let bytes = std::fs::read(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                Ok((class, bytes))
            }
        })
        .collect()
}

/// Deploys the shop's four classes and seeds `data` through calls.
async fn seed_microlith(rt: &Runtime, components: &[(&str, Vec<u8>)], data: &ShopData) -> anyhow::Result<()> {
    for (class, wasm) in components {
        rt.deploy(class, wasm.clone()).await?;
    }
    let mut set = JoinSet::new();
    let pricing = ActorId::parse("pricing", "eu")?;
    for (sku, cents) in &data.prices {
        let (rt, id) = (rt.clone(), pricing.clone());
        let body = serde_json::to_vec(&serde_json::json!({ "sku": sku, "cents": cents }))?;
        set.spawn(async move { rt.call(&id, "set-price", body, None).await.map(drop) });
    }
    let inventory = ActorId::parse("inventory", "main")?;
    for (sku, qty) in &data.stock {
        let (rt, id) = (rt.clone(), inventory.clone());
        let body = serde_json::to_vec(&Item { sku: sku.clone(), qty: *qty })?;
        set.spawn(async move { rt.call(&id, "restock", body, None).await.map(drop) });
    }
    for (user, adds) in &data.carts {
        let (rt, id) = (rt.clone(), ActorId::parse("cart", user)?);
        let bodies = adds.iter().map(serde_json::to_vec).collect::<Result<Vec<_>, _>>()?;
        set.spawn(async move {
            for body in bodies {
                rt.call(&id, "add", body, None).await?;
            }
            Ok(())
        });
    }
    while let Some(r) = set.join_next().await {
        r??;
    }
    Ok(())
}

/// A runtime in a fresh directory with the shop's `components` deployed
/// and `data` seeded.
async fn open_seeded(
    max_active: usize,
    handoff: bool,
    components: &[(&str, Vec<u8>)],
    data: &ShopData,
) -> anyhow::Result<(tempfile::TempDir, Runtime)> {
    let dir = tempfile::tempdir()?;
    let rt = open_runtime(dir.path(), StorageConfig::Fjall, handoff, max_active).await?;
    seed_microlith(&rt, components, data).await?;
    Ok((dir, rt))
}

/// One way of making the chain.
#[derive(Clone)]
enum Variant {
    /// In-process actor calls; `per_user` picks `gateway/<user>` instead of
    /// `gateway/main`.
    Microlith { rt: Runtime, per_user: bool },
    /// HTTP+JSON micro-services; the bench client's own pooled client.
    Http { client: reqwest::Client, url: Arc<str> },
    /// The same components on bare wasmtime (`floor`).
    Floor(Arc<floor::Floor>),
    /// The same, every import and export bound synchronously.
    SyncFloor(Arc<floor::SyncFloor>),
}

impl Variant {
    async fn checkout(&self, user: &str) -> anyhow::Result<Summary> {
        let body = serde_json::to_vec(&User { user: user.to_string() })?;
        let floor_failed = |e| anyhow::anyhow!("the floor's checkout-quote: {e:?}");
        let reply = match self {
            Self::Microlith { rt, per_user } => {
                let id = ActorId::parse("gateway", if *per_user { user } else { "main" })?;
                rt.call(&id, "checkout-quote", body, None).await?
            }
            Self::Http { client, url } => return services::checkout(client, url, user).await,
            Self::Floor(floor) => floor.call("gateway", "main", "checkout-quote", &body).await.map_err(floor_failed)?,
            Self::SyncFloor(floor) => floor.call("gateway", "main", "checkout-quote", &body).map_err(floor_failed)?,
        };
        Ok(serde_json::from_slice(&reply)?)
    }
}

/// What one phase measured.
#[derive(Debug, Clone, Default)]
struct Phase {
    rps: f64,
    p50: Duration,
    p99: Duration,
    cpu_per_req: Duration,
    errors: u64,
}

impl Phase {
    fn new(mut lat: Vec<Duration>, elapsed: Duration, cpu: Duration, errors: u64) -> Self {
        lat.sort_unstable();
        let requests = lat.len() as f64;
        Self {
            rps: requests / elapsed.as_secs_f64(),
            p50: quantile(&lat, 0.5),
            p99: quantile(&lat, 0.99),
            cpu_per_req: Duration::from_secs_f64(cpu.as_secs_f64() / requests.max(1.0)),
            errors,
        }
    }

    /// The per-metric medians of `runs`.
    fn median(runs: &[Phase]) -> Phase {
        let m = |f: &dyn Fn(&Phase) -> f64| median(runs.iter().map(f).collect());
        Phase {
            rps: m(&|p| p.rps),
            p50: Duration::from_secs_f64(m(&|p| p.p50.as_secs_f64())),
            p99: Duration::from_secs_f64(m(&|p| p.p99.as_secs_f64())),
            cpu_per_req: Duration::from_secs_f64(m(&|p| p.cpu_per_req.as_secs_f64())),
            errors: runs.iter().map(|p| p.errors).sum(),
        }
    }
}

/// Concurrency 1: `n` requests one after the other, cycling over the users.
async fn sequential(v: &Variant, users: &Arc<Vec<String>>, n: usize) -> anyhow::Result<Phase> {
    let (v, users) = (v.clone(), users.clone());
    tokio::spawn(async move {
        let mut lat = Vec::with_capacity(n);
        let (cpu0, t0) = (cpu_now(), Instant::now());
        for i in 0..n {
            let t = Instant::now();
            v.checkout(&users[i % users.len()]).await?;
            lat.push(t.elapsed());
        }
        Ok(Phase::new(lat, t0.elapsed(), cpu_now() - cpu0, 0))
    })
    .await?
}

/// Closed loop: `tasks` clients for `dur`, each cycling over the users.
async fn loaded(v: &Variant, users: &Arc<Vec<String>>, tasks: usize, dur: Duration) -> anyhow::Result<Phase> {
    let (cpu0, t0) = (cpu_now(), Instant::now());
    let deadline = t0 + dur;
    let mut set = JoinSet::new();
    for c in 0..tasks {
        let (v, users) = (v.clone(), users.clone());
        set.spawn(async move {
            let mut lat = Vec::with_capacity(50_000);
            let (mut errors, mut first_error) = (0u64, None);
            let mut i = c;
            while Instant::now() < deadline {
                let t = Instant::now();
                match v.checkout(&users[i % users.len()]).await {
                    Ok(_) => lat.push(t.elapsed()),
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert(e);
                    }
                }
                i += tasks;
            }
            (lat, errors, first_error)
        });
    }
    let (mut all, mut errors) = (Vec::new(), 0);
    while let Some(r) = set.join_next().await {
        let (lat, e, first) = r?;
        all.extend(lat);
        errors += e;
        if let Some(first) = first {
            eprintln!("  (an error under load: {first:#})");
        }
    }
    let elapsed = t0.elapsed();
    Ok(Phase::new(all, elapsed, cpu_now() - cpu0, errors))
}

/// Checks every user's summary against the directly computed one, then
/// warms up (sequentially, then with `tasks` clients to fill the pools).
async fn verify_and_warm(v: &Variant, data: &ShopData, users: &Arc<Vec<String>>, tasks: usize) -> anyhow::Result<()> {
    for (user, adds) in &data.carts {
        let got = v.checkout(user).await?;
        let want = expected(data, user, adds)?;
        anyhow::ensure!(got == want, "wrong summary for {user}: got {got:?}, want {want:?}");
    }
    sequential(v, users, WARMUP).await?;
    loaded(v, users, tasks, Duration::from_millis(300)).await?;
    Ok(())
}

fn row(name: &str, p: &Phase) {
    println!(
        "  {name:<34} {:>8.1} {:>8.1} {:>8.1} {:>9.0} {:>9.1} {:>9.1} {:>6}",
        us(p.p50),
        us(p.p99),
        us(p.p50) / HOPS,
        p.rps,
        us(p.cpu_per_req),
        us(p.cpu_per_req) / HOPS,
        p.errors
    );
}

fn ratio_line(name: &str, a: &Phase, b: &Phase) {
    let lat = b.p50.as_secs_f64() / a.p50.as_secs_f64();
    let cpu = b.cpu_per_req.as_secs_f64() / a.cpu_per_req.as_secs_f64();
    let verdict = |r: f64| if r >= 20.0 { "≥ 20× ✓" } else { "< 20× ✗" };
    println!("  {name:<56} latency p50 {lat:>6.1}× ({})   CPU/request {cpu:>6.1}× ({})", verdict(lat), verdict(cpu));
}

async fn chain(opts: &Opts) -> anyhow::Result<()> {
    let data = shop_data();
    let users = Arc::new(data.carts.iter().map(|(u, _)| u.clone()).collect::<Vec<_>>());
    let tasks = opts.connections.max(1);
    let dur = Duration::from_secs_f64(opts.seconds);

    const LABELS: [&str; 8] = ["a", "a'", "b", "aq", "ab", "w", "wb", "ws"];
    let chosen = |label: &str| opts.only.is_empty() || opts.only.iter().any(|o| o == label);
    anyhow::ensure!(LABELS.iter().any(|l| chosen(l)), "--only {:?} names no chain variant {LABELS:?}", opts.only);
    // Only the runtimes a chosen variant needs are opened: each reserves its
    // pool's address space, and the guard-page budget is per process.
    let components = shop_components(opts.shop_wasm.as_deref())?;
    let binary_components = BINARY.iter().map(|(class, wasm)| (*class, wasm.to_vec())).collect::<Vec<_>>();
    let open = |handoff, components| open_seeded(opts.max_active, handoff, components, &data);
    let json = if chosen("a") || chosen("a'") { Some(open(true, &components).await?) } else { None };
    let queued = if chosen("aq") { Some(open(false, &components).await?) } else { None };
    let binary = if chosen("ab") { Some(open(true, &binary_components).await?) } else { None };
    let svc = if chosen("b") { Some(services::start(&data).await?) } else { None };
    let floor_config = server_config(Path::new("."), StorageConfig::Fjall, opts.max_active).runtime_config()?;
    let open_floor = |components: &[(&str, Vec<u8>)]| floor::Floor::new(&floor_config, components);
    let floor_json = if chosen("w") { Some(open_floor(&components)?) } else { None };
    let floor_binary = if chosen("wb") { Some(open_floor(&binary_components)?) } else { None };
    for floor in [&floor_json, &floor_binary].into_iter().flatten() {
        floor.seed(&data).await?;
    }
    let floor_sync = if chosen("ws") { Some(floor::SyncFloor::new(&floor_config, &binary_components)?) } else { None };
    if let Some(floor) = &floor_sync {
        floor.seed(&data).await?;
    }

    let microlith = |label, name, rt: &Option<(tempfile::TempDir, Runtime)>, per_user| {
        rt.as_ref().map(|(_, rt)| (label, name, Variant::Microlith { rt: rt.clone(), per_user }))
    };
    let http = match &svc {
        Some(svc) => Some((
            "b",
            "(b)  HTTP+JSON micro-services",
            Variant::Http { client: services::client()?, url: svc.checkout_url.as_str().into() },
        )),
        None => None,
    };
    let all = [
        microlith("a", "(a)  microlith, gateway/main", &json, false),
        microlith("a'", "(a') microlith, gateway/<user>", &json, true),
        http,
        microlith("aq", "(aq) (a), every call queued", &queued, false),
        microlith("ab", "(ab) (a), binary hops (postcard)", &binary, false),
        floor_json.clone().map(|f| ("w", "(w)  floor: bare wasmtime, JSON hops", Variant::Floor(f))),
        floor_binary.clone().map(|f| ("wb", "(wb) floor: bare wasmtime, binary", Variant::Floor(f))),
        floor_sync.clone().map(|f| ("ws", "(ws) (wb), all bound sync (no fiber)", Variant::SyncFloor(f))),
    ];
    let variants: Vec<_> = all.into_iter().flatten().filter(|(label, ..)| chosen(label)).collect();
    let layouts: Vec<String> = [("a", &json), ("aq", &queued), ("ab", &binary)]
        .into_iter()
        .filter_map(|(label, rt)| rt.as_ref().map(|(_, rt)| format!("({label}) {:?}", rt.memory_layout())))
        .collect();
    for (.., v) in &variants {
        verify_and_warm(v, &data, &users, tasks).await?;
    }
    // What the process burns idle (epoch ticker, storage threads), which
    // every phase below includes.
    let (cpu0, t0) = (cpu_now(), Instant::now());
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = (cpu_now() - cpu0).as_secs_f64() / t0.elapsed().as_secs_f64();

    // The sync floor's calls block their worker thread: a closed loop of
    // many clients would measure nothing comparable.
    let skips_load = |label: &str| label == "ws" && tasks > 1;
    let n = variants.len();
    let (mut seq, mut load) = (vec![Vec::new(); n], vec![Vec::new(); n]);
    for _ in 0..opts.runs.max(1) {
        // Interleave the variants so drift in the machine hits all alike.
        for (i, (.., v)) in variants.iter().enumerate() {
            seq[i].push(sequential(v, &users, SEQUENTIAL).await?);
        }
        for (i, (label, _, v)) in variants.iter().enumerate() {
            if !skips_load(label) {
                load[i].push(loaded(v, &users, tasks, dur).await?);
            }
        }
    }
    let seq: Vec<Phase> = seq.iter().map(|r| Phase::median(r)).collect();
    let load: Vec<Phase> =
        load.iter().map(|r| if r.is_empty() { Phase::default() } else { Phase::median(r) }).collect();

    println!(
        "chain: checkout-quote, {HOPS} hops per request (client → gateway → cart → inventory → pricing), \
         {USERS} users, {SKUS} SKUs, fjall store, max_active {} (memories: {})",
        opts.max_active,
        layouts.join(", ")
    );
    println!(
        "  counted: latency = wall time at the bench client; CPU = whole process (user + sys, all threads: client,"
    );
    println!("  services/actors, storage), same process for both variants; per hop = per request / {HOPS}.");
    println!("  idle process CPU (included below): {:.1} ms/s", idle * 1e3);
    println!(
        "  {:<34} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9} {:>6}",
        "", "p50 µs", "p99 µs", "p50/hop", "req/s", "CPU µs/rq", "CPU/hop", "errors"
    );
    println!("  concurrency 1: {SEQUENTIAL} sequential requests, median of {} run(s)", opts.runs.max(1));
    for ((_, name, _), p) in variants.iter().zip(&seq) {
        row(name, p);
    }
    println!("  concurrency {tasks}: closed loop for {} s, median of {} run(s)", opts.seconds, opts.runs.max(1));
    for ((label, name, _), p) in variants.iter().zip(&load) {
        if skips_load(label) {
            println!("  {name:<34} (not run: its blocking calls would hold the worker threads)");
        } else {
            row(name, p);
        }
    }
    let at = |label: &str| variants.iter().position(|(l, ..)| *l == label);
    if let (Some(b), true) = (at("b"), ["a", "a'", "ab"].iter().any(|l| at(l).is_some())) {
        println!("  ratios (b)/(a), target ≥ 20× (per hop = per request: both make 4 hops):");
        for (label, gateway) in [("a", "gateway/main"), ("a'", "gateway/<user>"), ("ab", "gateway/main, binary hops")] {
            if let Some(a) = at(label) {
                ratio_line(&format!("sequential, {gateway}"), &seq[a], &seq[b]);
                ratio_line(&format!("closed loop, {tasks} client(s), {gateway}"), &load[a], &load[b]);
            }
        }
    }
    if let Some(b) = at("b")
        && ["w", "wb", "ws"].iter().any(|l| at(l).is_some())
    {
        println!("  ratios (b)/(w): what bare wasmtime and these guests reach with no runtime at all:");
        let floors = [("w", "the floor, JSON hops"), ("wb", "the floor, binary hops"), ("ws", "the floor, sync")];
        for (label, what) in floors {
            if let Some(w) = at(label) {
                ratio_line(&format!("sequential, {what}"), &seq[w], &seq[b]);
                if !skips_load(label) {
                    ratio_line(&format!("closed loop, {tasks} client(s), {what}"), &load[w], &load[b]);
                }
            }
        }
    }
    for (a, w, what) in [("a", "w", "JSON hops"), ("ab", "wb", "binary hops")] {
        if let (Some(a), Some(w)) = (at(a), at(w)) {
            let lat = seq[a].p50.as_secs_f64() / seq[w].p50.as_secs_f64();
            let cpu = seq[a].cpu_per_req.as_secs_f64() / seq[w].cpu_per_req.as_secs_f64();
            println!(
                "  Microlith over its floor, {what}, sequential: latency p50 {lat:.2}×, CPU/request {cpu:.2}× \
                 ({:.1} µs and {:.1} µs per request more)",
                us(seq[a].p50) - us(seq[w].p50),
                us(seq[a].cpu_per_req) - us(seq[w].cpu_per_req)
            );
        }
    }
    println!(
        "  note: inventory/main and pricing/eu are single actors in both gateway designs, so under load every \
         request still serialises through them."
    );

    println!(
        "  (aq) is (a) with hand-off off: every call goes through the callee's mailbox and task \
         (how all calls ran before 2026-12-02)."
    );
    println!(
        "  (ab) is (a) with the shop's internal hops and state values in postcard instead of JSON \
         (client-facing JSON unchanged; examples/wasm/shop-binary)."
    );
    println!(
        "  (w), (wb) are the floor: the components of (a), (ab) on bare wasmtime (an engine built like the \
         runtime's) with a host that keeps state in a HashMap and calls the callee's handle directly: no \
         storage, commit, turn bookkeeping or call graph (chain/floor.rs). (ws) is (wb) with sync bindings: \
         no fibers or futures, a nested call is a native call into the callee's store."
    );

    if let Some(svc) = svc {
        svc.stop();
    }
    for (_, rt) in [json, queued, binary].into_iter().flatten() {
        rt.shutdown(Duration::from_secs(10)).await;
    }
    Ok(())
}

/// Runs `chain`, `calls` and `alarms` as selected.
pub async fn run(opts: &Opts) -> anyhow::Result<()> {
    let want = |n: &str| opts.which == "all" || opts.which == n;
    if want("chain") {
        chain(opts).await?;
    }
    if want("calls") {
        probe::calls(opts).await?;
    }
    if want("alarms") {
        probe::alarms(opts).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The floors answer every user's checkout-quote as the shop's model
    /// does, for both builds of the shop (what `verify_and_warm` checks
    /// before each run, kept working by CI).
    #[tokio::test]
    async fn the_floors_answer_like_the_shop() -> anyhow::Result<()> {
        let data = shop_data();
        let config = server_config(Path::new("."), StorageConfig::Fjall, 16).runtime_config()?;
        let json = shop_components(None)?;
        let binary: Vec<_> = BINARY.iter().map(|(class, wasm)| (*class, wasm.to_vec())).collect();
        let (floor_json, floor_binary) = (floor::Floor::new(&config, &json)?, floor::Floor::new(&config, &binary)?);
        let floor_sync = floor::SyncFloor::new(&config, &binary)?;
        floor_json.seed(&data).await?;
        floor_binary.seed(&data).await?;
        floor_sync.seed(&data).await?;
        for v in [Variant::Floor(floor_json), Variant::Floor(floor_binary), Variant::SyncFloor(floor_sync)] {
            for (user, adds) in &data.carts {
                assert_eq!(v.checkout(user).await?, expected(&data, user, adds)?, "{user}");
            }
        }
        Ok(())
    }
}
