//! Live view benchmarks (issue 4): WebSocket fan-out latency and the
//! server's memory per idle WebSocket connection.
//!
//! * `fanout` — the server in this process (fjall, durable) with the
//!   `counter` class; `--subscribers` anonymous WebSocket clients (default
//!   1,000) say hello and subscribe to `counter/fan`, so they share one view.
//!   One thread reads every connection (`--readers poll`: epoll through
//!   mio, tungstenite's sync API), off the server's Tokio runtime, so the
//!   clients cost what an efficient client process would; `--readers
//!   tasks` reads each with its own task in the server's runtime instead
//!   (what a Tokio client does, and what the figures before 2026-12-02
//!   used). A round records t0, makes one
//!   change (HTTP `POST …/counter/fan/incr`) and waits until every
//!   subscriber has received the delta for it; per-subscriber latency is
//!   its delta's arrival − t0, a round's latency the largest of those.
//!   `--rounds` rounds per run (default 40), `--runs` runs. Then a
//!   sustained phase of `--seconds`: back-to-back `incr`s, counting the
//!   deltas all subscribers receive per second (slow readers get combined
//!   deltas, so deltas ≤ changes × subscribers).
//! * `idle` — the server as a separate process (`microlith dev`, next to
//!   this binary in the target directory or `--server-bin`), its `VmRSS`
//!   read from `/proc/<pid>/status` before and after opening
//!   `--idle-connections` WebSocket connections (default 10,000) from this
//!   process (hello done), and again after each subscribed to `counter/idle`.
//!
//! `views` runs both.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::{SinkExt as _, StreamExt as _};
use microlith_server::{Server, StorageConfig};
use serde::Deserialize;
use tokio::io::AsyncBufReadExt as _;
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::{self, Message, protocol::WebSocketConfig};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::Opts;
use crate::chain::{median, quantile};

const COUNTER: &[u8] = include_bytes!("../../../examples/wasm/counter.wasm");

/// Connections being opened at once.
const CONNECT_CONCURRENCY: usize = 64;
/// How long one fan-out round may take before the run fails.
const ROUND_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause between rounds, so rounds do not overlap.
const ROUND_GAP: Duration = Duration::from_millis(10);

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The fields of a server frame the benchmark looks at.
#[derive(Deserialize)]
struct Frame {
    op: String,
    #[serde(default)]
    seq: Option<u64>,
}

fn parse(msg: &Message) -> Option<Frame> {
    match msg {
        Message::Text(t) => serde_json::from_str(t.as_str()).ok(),
        _ => None,
    }
}

/// The seq of a delta frame (`None` for any other message).
fn delta_seq(msg: &Message) -> Option<u64> {
    parse(msg).filter(|f| f.op == "delta")?.seq
}

/// Reads frames until one whose `op` is `want` arrives; fails on `goodbye`,
/// `error`, close or timeout.
async fn expect(ws: &mut Ws, want: &str) -> anyhow::Result<Frame> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .map_err(|_| anyhow::anyhow!("timed out waiting for {want}"))?
            .ok_or_else(|| anyhow::anyhow!("connection closed waiting for {want}"))??;
        if let Some(f) = parse(&msg) {
            if f.op == want {
                return Ok(f);
            }
            if f.op == "goodbye" || f.op == "error" {
                anyhow::bail!("server answered {msg:?} waiting for {want}");
            }
        }
    }
}

/// Small buffers, like the server's: tungstenite zero-fills its read
/// buffer to capacity before each read (128 KiB by default).
fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(4 << 10).write_buffer_size(4 << 10)
}

/// Opens a connection, says hello and (if `actor`) subscribes; returns the
/// stream and the snapshot's seq.
async fn open(addr: SocketAddr, actor: Option<&str>) -> anyhow::Result<(Ws, u64)> {
    // `true`: TCP_NODELAY.
    let (mut ws, _) =
        tokio_tungstenite::connect_async_with_config(format!("ws://{addr}/v1/ws"), Some(ws_config()), true).await?;
    ws.send(Message::text(r#"{"op":"hello","protocol":1}"#)).await?;
    expect(&mut ws, "welcome").await?;
    let mut seq = 0;
    if let Some(actor) = actor {
        subscribe(&mut ws, actor).await?;
        seq = expect(&mut ws, "snapshot").await?.seq.unwrap_or(0);
    }
    Ok((ws, seq))
}

async fn subscribe(ws: &mut Ws, actor: &str) -> anyhow::Result<()> {
    let frame = serde_json::json!({"op": "subscribe", "id": 1, "actor": actor});
    ws.send(Message::text(frame.to_string())).await?;
    Ok(())
}

/// Opens `n` connections, `CONNECT_CONCURRENCY` at a time, in index order.
async fn open_many(addr: SocketAddr, n: usize, actor: Option<&'static str>) -> anyhow::Result<Vec<(Ws, u64)>> {
    let gate = Arc::new(Semaphore::new(CONNECT_CONCURRENCY));
    let mut set = JoinSet::new();
    for i in 0..n {
        let gate = gate.clone();
        set.spawn(async move {
            let _permit = gate.acquire_owned().await?;
            anyhow::Ok((i, open(addr, actor).await?))
        });
    }
    let mut out: Vec<Option<(Ws, u64)>> = (0..n).map(|_| None).collect();
    while let Some(r) = set.join_next().await {
        let (i, c) = r??;
        out[i] = Some(c);
    }
    Ok(out.into_iter().flatten().collect())
}

/// Raises the soft open-files limit to the hard one.
fn raise_nofile() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut l = getrlimit(Resource::Nofile);
    if l.current < l.maximum {
        l.current = l.maximum;
        let _ = setrlimit(Resource::Nofile, l);
    }
}

/// A delta received: (subscriber, its seq, arrival).
type Arrival = (usize, u64, Instant);

struct FanRun {
    /// Per round: time until the last subscriber had the delta.
    all: Vec<Duration>,
    /// Every subscriber of every round.
    each: Vec<Duration>,
    /// Per round: time until the first subscriber had the delta.
    first: Vec<Duration>,
    /// Per round: the `incr` request's latency (durable commit included).
    post: Vec<Duration>,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

async fn fanout(opts: &Opts) -> anyhow::Result<()> {
    let (n, rounds, runs) = (opts.subscribers.max(1), opts.rounds.max(1), opts.runs.max(1));
    for writers in [1, 2] {
        let floor = tokio::task::spawn_blocking(move || tcp_floor(n, writers, rounds, runs)).await??;
        println!(
            "{:<44} all have it p50 {:.2} ms p99 {:.2} ms (median of {runs}; no WebSocket, no server)",
            format!("fanout floor: {n} TCP writes, {writers} writer(s)"),
            median(floor.iter().map(|r| ms(quantile(r, 0.5))).collect()),
            median(floor.iter().map(|r| ms(quantile(r, 0.99))).collect()),
        );
    }
    let dir = tempfile::tempdir()?;
    let mut cfg = crate::scenarios::config(dir.path(), StorageConfig::Fjall, 1);
    cfg.listen = "127.0.0.1:0".parse()?;
    let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
    let server = Server::start(&cfg, listener).await?;
    server.runtime().deploy("counter", COUNTER.to_vec()).await?;
    let result = fanout_clients(server.local_addr(), opts).await;
    server.shutdown().await;
    result
}

/// The client side of `fanout`: connects, runs the rounds and the
/// sustained phase, prints the figures.
async fn fanout_clients(addr: SocketAddr, opts: &Opts) -> anyhow::Result<()> {
    let n = opts.subscribers.max(1);
    let http = reqwest::Client::new();
    let url = format!("http://{addr}/v1/actors/counter/fan/incr");
    // Make the actor and its first state before anyone watches.
    http.post(&url).send().await?.error_for_status()?;

    let t = Instant::now();
    let (tx, mut rx) = mpsc::unbounded_channel::<Arrival>();
    let (readers, start_seq) = match opts.readers.as_str() {
        "tasks" => {
            let conns = open_many(addr, n, Some("counter/fan")).await?;
            let seq = same_seq(conns.iter().map(|(_, s)| *s))?;
            (Readers::tasks(conns, tx), seq)
        }
        "poll" => {
            let conns = open_many_sync(addr, n, "counter/fan").await?;
            let seq = same_seq(conns.iter().map(|(_, s)| *s))?;
            (Readers::poll(conns.into_iter().map(|(ws, _)| ws).collect(), tx)?, seq)
        }
        other => anyhow::bail!("--readers must be poll or tasks, not {other:?}"),
    };
    println!(
        "fanout: {n} subscribers of counter/fan connected in {:.1} s, read by {}",
        t.elapsed().as_secs_f64(),
        if opts.readers == "poll" { "one polling thread" } else { "one task each" }
    );

    let mut seq = start_seq;
    let mut runs = Vec::new();
    for run in 0..opts.runs.max(1) {
        let mut r =
            FanRun { all: Vec::new(), each: Vec::with_capacity(n * opts.rounds), first: Vec::new(), post: Vec::new() };
        for _ in 0..opts.rounds.max(1) {
            seq += 1;
            let t0 = Instant::now();
            let resp = http.post(&url).send().await?.error_for_status()?;
            let _ = resp.bytes().await?;
            r.post.push(t0.elapsed());
            let mut got = vec![false; n];
            let mut left = n;
            let mut last = t0;
            let mut first: Option<Instant> = None;
            let deadline = tokio::time::Instant::now() + ROUND_TIMEOUT;
            while left > 0 {
                let (i, s, at) = tokio::time::timeout_at(deadline, rx.recv())
                    .await
                    .map_err(|_| anyhow::anyhow!("round timed out: {left} subscribers without seq {seq}"))?
                    .ok_or_else(|| anyhow::anyhow!("all readers ended"))?;
                if s >= seq && !got[i] {
                    got[i] = true;
                    left -= 1;
                    let d = at.saturating_duration_since(t0);
                    r.each.push(d);
                    last = last.max(at);
                    first = Some(first.map_or(at, |f| f.min(at)));
                }
            }
            r.all.push(last.saturating_duration_since(t0));
            r.first.push(first.unwrap_or(t0).saturating_duration_since(t0));
            tokio::time::sleep(ROUND_GAP).await;
        }
        r.all.sort();
        r.each.sort();
        r.first.sort();
        r.post.sort();
        println!(
            "  run {}: {} rounds; all {n} have it p50 {:.2} ms p99 {:.2} ms; per subscriber p50 {:.2} ms p99 {:.2} ms; \
             first p50 {:.2} ms; incr reply p50 {:.2} ms",
            run + 1,
            r.all.len(),
            ms(quantile(&r.all, 0.5)),
            ms(quantile(&r.all, 0.99)),
            ms(quantile(&r.each, 0.5)),
            ms(quantile(&r.each, 0.99)),
            ms(quantile(&r.first, 0.5)),
            ms(quantile(&r.post, 0.5)),
        );
        runs.push(r);
    }
    let med = |f: &dyn Fn(&FanRun) -> Duration| median(runs.iter().map(|r| ms(f(r))).collect());
    let all50 = med(&|r| quantile(&r.all, 0.5));
    println!(
        "{:<44} all have it p50 {:.2} ms p99 {:.2} ms; per subscriber p50 {:.2} ms p99 {:.2} ms (target p50 < 5 ms)",
        format!("fanout: 1 change → {n} subscribers (median of {})", runs.len()),
        all50,
        med(&|r| quantile(&r.all, 0.99)),
        med(&|r| quantile(&r.each, 0.5)),
        med(&|r| quantile(&r.each, 0.99)),
    );
    println!(
        "{:<44} first subscriber p50 {:.2} ms; incr HTTP reply p50 {:.2} ms",
        "",
        med(&|r| quantile(&r.first, 0.5)),
        med(&|r| quantile(&r.post, 0.5)),
    );
    println!(
        "{:<44} {:.0} deltas/s (1 change, {n} deltas / p50 time until all have it)",
        "  burst fan-out rate",
        n as f64 / (all50 / 1e3)
    );

    // Sustained: back-to-back changes for `seconds`, one writer. The
    // server may combine changes that arrive while it renders (one view
    // per render, so seq counts views, not changes): count what arrives.
    while rx.try_recv().is_ok() {}
    let dur = Duration::from_secs_f64(opts.seconds);
    let t = Instant::now();
    let mut changes = 0u64;
    let mut deltas = 0u64;
    let mut top = seq;
    while t.elapsed() < dur {
        let resp = http.post(&url).send().await?.error_for_status()?;
        let _ = resp.bytes().await?;
        changes += 1;
        while let Ok((_, s, _)) = rx.try_recv() {
            deltas += 1;
            top = top.max(s);
        }
    }
    let secs = t.elapsed().as_secs_f64();
    // Drain until quiet (late deltas of the window are counted, not timed).
    while let Ok(Some((_, s, _))) = tokio::time::timeout(Duration::from_millis(300), rx.recv()).await {
        deltas += 1;
        top = top.max(s);
    }
    println!(
        "{:<44} {:.0} changes/s → {:.0} views/s ({} renders), {:.0} deltas/s delivered to {n} subscribers",
        format!("fanout: sustained, 1 writer, {:.0} s", opts.seconds),
        changes as f64 / secs,
        (top - seq) as f64 / secs,
        top - seq,
        deltas as f64 / secs,
    );

    readers.stop().await
}

/// The one seq every subscriber's snapshot had.
fn same_seq(mut seqs: impl Iterator<Item = u64>) -> anyhow::Result<u64> {
    let first = seqs.next().unwrap_or(0);
    if seqs.any(|s| s != first) {
        anyhow::bail!("subscribers started at different seqs");
    }
    Ok(first)
}

/// What reads the subscribers' sockets and reports each delta's arrival.
enum Readers {
    /// One Tokio task per connection, in the runtime the server runs on.
    Tasks { set: JoinSet<()>, stop: watch::Sender<bool> },
    /// One thread for all connections, off the server's runtime.
    Poll { thread: std::thread::JoinHandle<anyhow::Result<()>>, stop: Arc<AtomicBool> },
}

impl Readers {
    fn tasks(conns: Vec<(Ws, u64)>, tx: mpsc::UnboundedSender<Arrival>) -> Self {
        let (stop, stop_rx) = watch::channel(false);
        let mut set = JoinSet::new();
        for (i, (mut ws, _)) in conns.into_iter().enumerate() {
            let tx = tx.clone();
            let mut stop = stop_rx.clone();
            set.spawn(async move {
                loop {
                    tokio::select! {
                        msg = ws.next() => {
                            let Some(Ok(msg)) = msg else { return };
                            let now = Instant::now();
                            if let Some(seq) = delta_seq(&msg)
                                && tx.send((i, seq, now)).is_err()
                            {
                                return;
                            }
                        }
                        _ = stop.changed() => {
                            let _ = ws.close(None).await;
                            return;
                        }
                    }
                }
            });
        }
        Self::Tasks { set, stop }
    }

    fn poll(conns: Vec<SyncWs>, tx: mpsc::UnboundedSender<Arrival>) -> anyhow::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread =
            std::thread::Builder::new().name("fanout-readers".into()).spawn(move || poll_all(conns, &tx, &flag))?;
        Ok(Self::Poll { thread, stop })
    }

    /// Closes every connection and waits for the readers to end.
    async fn stop(self) -> anyhow::Result<()> {
        match self {
            Self::Tasks { mut set, stop } => {
                let _ = stop.send(true);
                while set.join_next().await.is_some() {}
                Ok(())
            }
            Self::Poll { thread, stop } => {
                stop.store(true, Ordering::Release);
                tokio::task::spawn_blocking(move || thread.join())
                    .await?
                    .map_err(|_| anyhow::anyhow!("the reader thread panicked"))?
            }
        }
    }
}

type SyncWs = tungstenite::WebSocket<std::net::TcpStream>;

/// Reads every connection until `stop`: epoll readiness (edge-triggered),
/// then tungstenite's sync `read` until the socket would block.
fn poll_all(mut conns: Vec<SyncWs>, tx: &mpsc::UnboundedSender<Arrival>, stop: &AtomicBool) -> anyhow::Result<()> {
    use std::os::fd::AsRawFd as _;
    let mut poll = mio::Poll::new()?;
    for (i, ws) in conns.iter_mut().enumerate() {
        ws.get_mut().set_nonblocking(true)?;
        let fd = ws.get_ref().as_raw_fd();
        poll.registry().register(&mut mio::unix::SourceFd(&fd), mio::Token(i), mio::Interest::READABLE)?;
    }
    let mut events = mio::Events::with_capacity(1024);
    let mut alive = vec![true; conns.len()];
    while !stop.load(Ordering::Acquire) {
        if let Err(e) = poll.poll(&mut events, Some(Duration::from_millis(50))) {
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e.into());
        }
        for ev in &events {
            let i = ev.token().0;
            let Some(ws) = conns.get_mut(i).filter(|_| alive[i]) else { continue };
            loop {
                match ws.read() {
                    Ok(msg) => {
                        let now = Instant::now();
                        if let Some(seq) = delta_seq(&msg)
                            && tx.send((i, seq, now)).is_err()
                        {
                            return Ok(());
                        }
                    }
                    Err(tungstenite::Error::Io(e)) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(_) => {
                        alive[i] = false;
                        break;
                    }
                }
            }
        }
    }
    for ws in &mut conns {
        let _ = ws.close(None);
        let _ = ws.flush();
    }
    Ok(())
}

/// [`open`] with tungstenite's sync API on a blocking socket (for
/// [`poll_all`]).
fn open_sync(addr: SocketAddr, actor: &str) -> anyhow::Result<(SyncWs, u64)> {
    let stream = std::net::TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    let (mut ws, _) = tungstenite::client::client_with_config(format!("ws://{addr}/v1/ws"), stream, Some(ws_config()))
        .map_err(|e| anyhow::anyhow!("websocket handshake: {e}"))?;
    ws.send(Message::text(r#"{"op":"hello","protocol":1}"#))?;
    expect_sync(&mut ws, "welcome")?;
    let frame = serde_json::json!({"op": "subscribe", "id": 1, "actor": actor});
    ws.send(Message::text(frame.to_string()))?;
    let seq = expect_sync(&mut ws, "snapshot")?.seq.unwrap_or(0);
    ws.get_mut().set_read_timeout(None)?;
    Ok((ws, seq))
}

/// [`expect`] for a blocking socket (its read timeout bounds the wait).
fn expect_sync(ws: &mut SyncWs, want: &str) -> anyhow::Result<Frame> {
    loop {
        let msg = ws.read()?;
        if let Some(f) = parse(&msg) {
            if f.op == want {
                return Ok(f);
            }
            if f.op == "goodbye" || f.op == "error" {
                anyhow::bail!("server answered {msg:?} waiting for {want}");
            }
        }
    }
}

/// [`open_many`] with [`open_sync`], on blocking threads.
async fn open_many_sync(addr: SocketAddr, n: usize, actor: &'static str) -> anyhow::Result<Vec<(SyncWs, u64)>> {
    let gate = Arc::new(Semaphore::new(CONNECT_CONCURRENCY));
    let mut set = JoinSet::new();
    for i in 0..n {
        let permit = gate.clone().acquire_owned().await?;
        set.spawn_blocking(move || {
            let _permit = permit;
            anyhow::Ok((i, open_sync(addr, actor)?))
        });
    }
    let mut out: Vec<Option<(SyncWs, u64)>> = (0..n).map(|_| None).collect();
    while let Some(r) = set.join_next().await {
        let (i, c) = r??;
        out[i] = Some(c);
    }
    Ok(out.into_iter().flatten().collect())
}

/// The floor under `fanout` on this machine: `n` loopback TCP connections,
/// `writers_n` threads writing a delta-sized frame (120 bytes) to their
/// share of them with blocking `write`s (TCP_NODELAY), one thread reading
/// them all through epoll like [`poll_all`]. A round is t0 (just before
/// the writers are told to go) until the last socket has read its frame;
/// per run, the sorted round times.
fn tcp_floor(n: usize, writers_n: usize, rounds: usize, runs: usize) -> anyhow::Result<Vec<Vec<Duration>>> {
    use std::io::{Read as _, Write as _};
    use std::os::fd::AsRawFd as _;
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let mut readers = Vec::with_capacity(n);
    let mut writers = Vec::with_capacity(n);
    let mut poll = mio::Poll::new()?;
    for i in 0..n {
        let r = std::net::TcpStream::connect(addr)?;
        let (w, _) = listener.accept()?;
        w.set_nodelay(true)?;
        r.set_nonblocking(true)?;
        poll.registry().register(&mut mio::unix::SourceFd(&r.as_raw_fd()), mio::Token(i), mio::Interest::READABLE)?;
        readers.push(r);
        writers.push(w);
    }
    // Each writer thread writes its share of the sockets when told to.
    let mut go = Vec::new();
    let mut threads = Vec::new();
    let share = n.div_ceil(writers_n.max(1));
    while !writers.is_empty() {
        let mut mine: Vec<_> = writers.drain(..share.min(writers.len())).collect();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        go.push(tx);
        threads.push(std::thread::spawn(move || -> std::io::Result<()> {
            let frame = [b'x'; 120];
            for () in rx {
                for w in &mut mine {
                    w.write_all(&frame)?;
                }
            }
            Ok(())
        }));
    }
    let mut events = mio::Events::with_capacity(1024);
    let mut buf = [0u8; 4096];
    let mut out = Vec::with_capacity(runs);
    for _ in 0..runs {
        let mut times = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let t0 = Instant::now();
            for tx in &go {
                tx.send(()).map_err(|_| anyhow::anyhow!("a floor writer ended"))?;
            }
            let mut got = vec![false; n];
            let (mut left, mut last) = (n, Instant::now());
            let deadline = Instant::now() + ROUND_TIMEOUT;
            while left > 0 {
                if Instant::now() > deadline {
                    anyhow::bail!("floor round timed out: {left} sockets without their frame");
                }
                poll.poll(&mut events, Some(Duration::from_millis(100)))?;
                for ev in &events {
                    let i = ev.token().0;
                    let Some(r) = readers.get_mut(i) else { continue };
                    loop {
                        match r.read(&mut buf) {
                            Ok(0) => anyhow::bail!("a floor connection closed"),
                            Ok(_) if !got[i] => {
                                got[i] = true;
                                left -= 1;
                                last = Instant::now();
                            }
                            Ok(_) => {}
                            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                            Err(e) => return Err(e.into()),
                        }
                    }
                }
            }
            times.push(last.saturating_duration_since(t0));
            std::thread::sleep(ROUND_GAP);
        }
        times.sort();
        out.push(times);
    }
    drop(go);
    for t in threads {
        t.join().map_err(|_| anyhow::anyhow!("a floor writer panicked"))??;
    }
    Ok(out)
}

/// The `VmRSS` of process `pid`, in KiB.
fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no VmRSS in /proc/{pid}/status"))
}

/// The `microlith` binary: `--server-bin`, or next to this one.
fn server_bin(opts: &Opts) -> anyhow::Result<PathBuf> {
    if let Some(p) = &opts.server_bin {
        return Ok(p.clone());
    }
    let exe = std::env::current_exe()?;
    let p = exe.with_file_name("microlith");
    if p.exists() {
        Ok(p)
    } else {
        anyhow::bail!(
            "{} not found: build it (cargo build --release -p microlith-cli) or pass --server-bin",
            p.display()
        )
    }
}

/// Starts `microlith dev` on 127.0.0.1 (a free port) in `dir`; returns the
/// child (killed on drop) and its address.
async fn start_server(bin: &Path, dir: &Path) -> anyhow::Result<(tokio::process::Child, SocketAddr)> {
    let mut child = tokio::process::Command::new(bin)
        .args(["dev", "--listen", "127.0.0.1:0", "--storage", "fjall", "--data-dir"])
        .arg(dir)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let stdout = child.stdout.take().ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let addr = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await? {
            if let Some(rest) = line.split("dev server on http://").nth(1) {
                let a = rest.split_whitespace().next().unwrap_or_default();
                return Ok(a.parse::<SocketAddr>()?);
            }
        }
        anyhow::bail!("the server exited before announcing its address")
    })
    .await
    .map_err(|_| anyhow::anyhow!("the server did not start within 60 s"))??;
    // Keep draining stdout so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((child, addr))
}

/// RSS in KiB (baseline, after hello, subscribed), KiB per connection
/// (after hello, subscribed).
type IdleRun = (u64, u64, u64, f64, f64);

async fn idle(opts: &Opts) -> anyhow::Result<()> {
    let n = opts.idle_connections.max(1);
    let bin = server_bin(opts)?;
    let mut lines: Vec<IdleRun> = Vec::new();
    for run in 0..opts.runs.max(1) {
        let dir = tempfile::tempdir()?;
        let (mut child, addr) = start_server(&bin, dir.path()).await?;
        let pid = child.id().ok_or_else(|| anyhow::anyhow!("server exited"))?;
        // Warm the server (the counter class, HTTP, one WebSocket) so the
        // baseline holds what a running server holds anyway.
        let http = reqwest::Client::new();
        http.post(format!("http://{addr}/v1/actors/counter/idle/incr")).send().await?.error_for_status()?;
        let (mut warm, _) = open(addr, Some("counter/idle")).await?;
        warm.close(None).await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let base = rss_kib(pid)?;

        let t = Instant::now();
        let conns = open_many(addr, n, None).await?;
        let connect_s = t.elapsed().as_secs_f64();
        // Every connection read by its own task (answers pings), which
        // subscribes on request and closes at the end.
        let (sub_tx, sub_rx) = watch::channel(false);
        let (stop_tx, stop_rx) = watch::channel(false);
        let (snap_tx, mut snap_rx) = mpsc::unbounded_channel::<()>();
        let mut tasks = JoinSet::new();
        for (mut ws, _) in conns {
            let (mut sub, mut stop, snap) = (sub_rx.clone(), stop_rx.clone(), snap_tx.clone());
            tasks.spawn(async move {
                loop {
                    tokio::select! {
                        msg = ws.next() => {
                            let Some(Ok(msg)) = msg else { return };
                            if parse(&msg).is_some_and(|f| f.op == "snapshot") {
                                let _ = snap.send(());
                            }
                        }
                        r = sub.changed() => {
                            if r.is_err() || subscribe(&mut ws, "counter/idle").await.is_err() {
                                return;
                            }
                        }
                        _ = stop.changed() => {
                            let _ = ws.close(None).await;
                            return;
                        }
                    }
                }
            });
        }
        drop(snap_tx);
        tokio::time::sleep(Duration::from_secs(1)).await;
        let hello = rss_kib(pid)?;

        let _ = sub_tx.send(true);
        let mut snaps = 0;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while snaps < n {
            match tokio::time::timeout_at(deadline, snap_rx.recv()).await {
                Ok(Some(())) => snaps += 1,
                _ => break,
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let subscribed = rss_kib(pid)?;

        let _ = stop_tx.send(true);
        while tasks.join_next().await.is_some() {}
        let _ = child.kill().await;
        let per = |kib: u64| kib.saturating_sub(base) as f64 / n as f64;
        println!(
            "  run {}: {n} connections in {connect_s:.1} s; RSS {base} KiB idle server → {hello} KiB after hello \
             ({:.1} KiB/conn) → {subscribed} KiB subscribed, {snaps} snapshots ({:.1} KiB/conn)",
            run + 1,
            per(hello),
            per(subscribed),
        );
        lines.push((base, hello, subscribed, per(hello), per(subscribed)));
    }
    let med = |f: &dyn Fn(&IdleRun) -> f64| median(lines.iter().map(f).collect());
    println!(
        "{:<44} hello only: +{:.1} MiB, {:.1} KiB/conn; + 1 subscription each: +{:.1} MiB, {:.1} KiB/conn \
         (server baseline {:.1} MiB)",
        format!("idle: {n} WebSocket connections (median of {})", lines.len()),
        med(&|l| l.1.saturating_sub(l.0) as f64 / 1024.0),
        med(&|l| l.3),
        med(&|l| l.2.saturating_sub(l.0) as f64 / 1024.0),
        med(&|l| l.4),
        med(&|l| l.0 as f64 / 1024.0),
    );
    Ok(())
}

/// Runs `fanout` and `idle` as selected (`views`: both).
pub async fn run(opts: &Opts) -> anyhow::Result<()> {
    let want = |n: &str| opts.which == "views" || opts.which == n;
    if want("fanout") || want("idle") {
        raise_nofile();
    }
    if want("fanout") {
        fanout(opts).await?;
    }
    if want("idle") {
        idle(opts).await?;
    }
    Ok(())
}
