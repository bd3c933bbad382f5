//! Microlith storage-engine choice benchmark.
//!
//! Compares redb, fjall and SQLite (rusqlite, bundled) for the Microlith
//! workload: one writer thread doing *group commit* (many small actor commits
//! drained from a queue and written in ONE fsync'd transaction), plus point
//! gets and ordered prefix scans by (actor, key).
//!
//! Key layout: `"counter\0actor-NNNNNNNN\0"` (actor id, 23 bytes) + user key,
//! padded to 64 bytes, so one actor's state is one contiguous key range.
//! Values are 64 pseudo-random (incompressible) bytes.
//!
//! All engines are opened at once and every phase is run engine after engine
//! (throughput runs are interleaved run-by-run) so that background load on
//! the machine hits all of them alike.
//!
//! See README.md for the command line.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

type Res<T> = Result<T, Box<dyn std::error::Error>>;
type Kv = (Vec<u8>, Vec<u8>);

const KEY_LEN: usize = 64;
const VAL_LEN: usize = 64;
const KEYS_PER_ACTOR: u64 = 100;
const CACHE_BYTES: usize = 64 << 20;

// ---------------------------------------------------------------- helpers --

fn actor_prefix(actor: u64) -> Vec<u8> {
    format!("counter\0actor-{actor:08}\0").into_bytes()
}

fn make_key(actor: u64, k: u64) -> Vec<u8> {
    let mut v = actor_prefix(actor);
    v.extend_from_slice(format!("k{k:010}").as_bytes());
    v.resize(KEY_LEN, b'.');
    v
}

/// Exclusive upper bound of a prefix range (the prefix ends in `\0`, so no carry).
fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut e = prefix.to_vec();
    *e.last_mut().unwrap() += 1;
    e
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn value(&mut self) -> Vec<u8> {
        let mut v = Vec::with_capacity(VAL_LEN);
        while v.len() < VAL_LEN {
            v.extend_from_slice(&self.next().to_le_bytes());
        }
        v.truncate(VAL_LEN);
        v
    }
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[idx]
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v
}

/// Bytes this process has passed to write(2)/pwrite(2) so far (all threads).
fn wchar() -> u64 {
    std::fs::read_to_string("/proc/self/io")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("wchar:").map(|v| v.trim().parse().ok()))
                .flatten()
        })
        .unwrap_or(0)
}

fn dir_size(p: &Path) -> u64 {
    let mut total = 0;
    if let Ok(rd) = std::fs::read_dir(p) {
        for e in rd.flatten() {
            let Ok(md) = e.metadata() else { continue };
            if md.is_dir() {
                total += dir_size(&e.path());
            } else {
                total += md.len();
            }
        }
    }
    total
}

// ----------------------------------------------------------------- engine --

trait Engine {
    fn name(&self) -> &'static str;
    fn durability(&self) -> String;
    /// One durable (fsync'd before return) transaction containing `batch`.
    fn commit(&mut self, batch: &[Kv]) -> Res<()>;
    /// Self-contained point read (its own read transaction / snapshot).
    fn get(&mut self, key: &[u8]) -> Res<usize>;
    /// Point reads inside ONE read transaction / snapshot; per-get latency in ns.
    fn get_shared(&mut self, keys: &[Vec<u8>], lat_ns: &mut Vec<f64>) -> Res<usize>;
    /// Ordered scan of all entries with `prefix` (own read txn); returns entries seen.
    fn scan(&mut self, prefix: &[u8]) -> Res<usize>;
}

#[cfg(feature = "redb")]
mod redb_engine {
    use super::*;
    use redb::{Database, Durability, ReadableDatabase, TableDefinition};

    const T: TableDefinition<&[u8], &[u8]> = TableDefinition::new("kv");

    pub struct E {
        db: Database,
    }

    pub fn open(dir: &Path) -> Res<E> {
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(dir.join("redb.db"))?;
        let w = db.begin_write()?;
        w.open_table(T)?;
        w.commit()?;
        Ok(E { db })
    }

    impl Engine for E {
        fn name(&self) -> &'static str {
            "redb"
        }
        fn durability(&self) -> String {
            "Durability::Immediate (1-phase commit + checksums; fdatasync per commit)".into()
        }
        fn commit(&mut self, batch: &[Kv]) -> Res<()> {
            let mut w = self.db.begin_write()?;
            w.set_durability(Durability::Immediate)?;
            {
                let mut t = w.open_table(T)?;
                for (k, v) in batch {
                    t.insert(k.as_slice(), v.as_slice())?;
                }
            }
            w.commit()?;
            Ok(())
        }
        fn get(&mut self, key: &[u8]) -> Res<usize> {
            let r = self.db.begin_read()?;
            let t = r.open_table(T)?;
            Ok(t.get(key)?.map(|g| g.value().len()).unwrap_or(0))
        }
        fn get_shared(&mut self, keys: &[Vec<u8>], lat_ns: &mut Vec<f64>) -> Res<usize> {
            let r = self.db.begin_read()?;
            let t = r.open_table(T)?;
            let mut n = 0;
            for k in keys {
                let s = Instant::now();
                n += t.get(k.as_slice())?.map(|g| g.value().len()).unwrap_or(0);
                lat_ns.push(s.elapsed().as_nanos() as f64);
            }
            Ok(n)
        }
        fn scan(&mut self, prefix: &[u8]) -> Res<usize> {
            let end = prefix_end(prefix);
            let r = self.db.begin_read()?;
            let t = r.open_table(T)?;
            let mut n = 0;
            for item in t.range::<&[u8]>(prefix..end.as_slice())? {
                let (k, v) = item?;
                black_box((k.value().len(), v.value().len()));
                n += 1;
            }
            Ok(n)
        }
    }
}

#[cfg(feature = "fjall")]
mod fjall_engine {
    use super::*;
    use fjall::{Database, Keyspace, KeyspaceCreateOptions, PersistMode, Readable};

    pub struct E {
        db: Database,
        ks: Keyspace,
    }

    pub fn open(dir: &Path) -> Res<E> {
        let db = Database::builder(dir.join("fjall"))
            .cache_size(CACHE_BYTES as u64)
            .open()?;
        let ks = db.keyspace("kv", KeyspaceCreateOptions::default)?;
        Ok(E { db, ks })
    }

    impl Engine for E {
        fn name(&self) -> &'static str {
            "fjall"
        }
        fn durability(&self) -> String {
            "WriteBatch::durability(Some(PersistMode::SyncAll)) (journal fsync per commit)".into()
        }
        fn commit(&mut self, batch: &[Kv]) -> Res<()> {
            let mut b = self.db.batch().durability(Some(PersistMode::SyncAll));
            for (k, v) in batch {
                b.insert(&self.ks, k.as_slice(), v.as_slice());
            }
            b.commit()?;
            Ok(())
        }
        fn get(&mut self, key: &[u8]) -> Res<usize> {
            Ok(self.ks.get(key)?.map(|v| v.len()).unwrap_or(0))
        }
        fn get_shared(&mut self, keys: &[Vec<u8>], lat_ns: &mut Vec<f64>) -> Res<usize> {
            let snap = self.db.snapshot();
            let mut n = 0;
            for k in keys {
                let s = Instant::now();
                n += snap.get(&self.ks, k)?.map(|v| v.len()).unwrap_or(0);
                lat_ns.push(s.elapsed().as_nanos() as f64);
            }
            Ok(n)
        }
        fn scan(&mut self, prefix: &[u8]) -> Res<usize> {
            let mut n = 0;
            for g in self.ks.prefix(prefix) {
                let (k, v) = g.into_inner()?;
                black_box((k.len(), v.len()));
                n += 1;
            }
            Ok(n)
        }
    }
}

#[cfg(feature = "sqlite")]
mod sqlite_engine {
    use super::*;
    use rusqlite::{Connection, params};

    pub struct E {
        conn: Connection,
        mode: String,
        sync: i64,
    }

    pub fn open(dir: &Path) -> Res<E> {
        let conn = Connection::open(dir.join("sqlite.db"))?;
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "cache_size", -((CACHE_BYTES / 1024) as i64))?;
        let sync: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
        if mode != "wal" || sync != 2 {
            return Err(format!("sqlite: journal_mode={mode} synchronous={sync}").into());
        }
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID",
        )?;
        Ok(E { conn, mode, sync })
    }

    impl Engine for E {
        fn name(&self) -> &'static str {
            "sqlite"
        }
        fn durability(&self) -> String {
            format!(
                "journal_mode={} synchronous={} (FULL; WAL fsync per commit), SQLite {}",
                self.mode,
                self.sync,
                rusqlite::version()
            )
        }
        fn commit(&mut self, batch: &[Kv]) -> Res<()> {
            let tx = self.conn.transaction()?;
            {
                let mut st =
                    tx.prepare_cached("INSERT OR REPLACE INTO kv (k, v) VALUES (?1, ?2)")?;
                for (k, v) in batch {
                    st.execute(params![k.as_slice(), v.as_slice()])?;
                }
            }
            tx.commit()?;
            Ok(())
        }
        fn get(&mut self, key: &[u8]) -> Res<usize> {
            let mut st = self.conn.prepare_cached("SELECT v FROM kv WHERE k = ?1")?;
            let mut rows = st.query([key])?;
            Ok(match rows.next()? {
                Some(r) => r.get_ref(0)?.as_blob()?.len(),
                None => 0,
            })
        }
        fn get_shared(&mut self, keys: &[Vec<u8>], lat_ns: &mut Vec<f64>) -> Res<usize> {
            self.conn.execute_batch("BEGIN")?;
            let mut n = 0;
            {
                let mut st = self.conn.prepare_cached("SELECT v FROM kv WHERE k = ?1")?;
                for k in keys {
                    let s = Instant::now();
                    let mut rows = st.query([k.as_slice()])?;
                    if let Some(r) = rows.next()? {
                        n += r.get_ref(0)?.as_blob()?.len();
                    }
                    drop(rows);
                    lat_ns.push(s.elapsed().as_nanos() as f64);
                }
            }
            self.conn.execute_batch("COMMIT")?;
            Ok(n)
        }
        fn scan(&mut self, prefix: &[u8]) -> Res<usize> {
            let end = prefix_end(prefix);
            let mut st = self
                .conn
                .prepare_cached("SELECT k, v FROM kv WHERE k >= ?1 AND k < ?2 ORDER BY k")?;
            let mut rows = st.query([prefix, end.as_slice()])?;
            let mut n = 0;
            while let Some(r) = rows.next()? {
                black_box((r.get_ref(0)?.as_blob()?.len(), r.get_ref(1)?.as_blob()?.len()));
                n += 1;
            }
            Ok(n)
        }
    }
}

fn open_engine(name: &str, dir: &Path) -> Res<Box<dyn Engine>> {
    std::fs::create_dir_all(dir)?;
    Ok(match name {
        #[cfg(feature = "redb")]
        "redb" => Box::new(redb_engine::open(dir)?),
        #[cfg(feature = "fjall")]
        "fjall" => Box::new(fjall_engine::open(dir)?),
        #[cfg(feature = "sqlite")]
        "sqlite" => Box::new(sqlite_engine::open(dir)?),
        other => return Err(format!("unknown or not compiled-in engine: {other}").into()),
    })
}

// ------------------------------------------------------------------- args --

struct Args {
    engines: Vec<String>,
    dir: PathBuf,
    keys: u64,
    latency_commits: usize,
    batches: Vec<usize>,
    runs: usize,
    secs: f64,
    scans: usize,
    fsync_check: Option<usize>,
    keep: bool,
}

fn parse_args() -> Res<Args> {
    let mut a = Args {
        engines: vec!["redb".into(), "fjall".into(), "sqlite".into()],
        // <repo>/.bench-tmp: same filesystem as the real data dir (/work).
        dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.bench-tmp"),
        keys: 100_000,
        latency_commits: 300,
        batches: vec![32, 256, 1024],
        runs: 3,
        secs: 2.0,
        scans: 2_000,
        fsync_check: None,
        keep: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--engines" => a.engines = val()?.split(',').map(str::to_owned).collect(),
            "--dir" => a.dir = PathBuf::from(val()?),
            "--keys" => a.keys = val()?.parse()?,
            "--latency-commits" => a.latency_commits = val()?.parse()?,
            "--batches" => {
                a.batches = val()?.split(',').map(str::parse).collect::<Result<_, _>>()?
            }
            "--runs" => a.runs = val()?.parse()?,
            "--secs" => a.secs = val()?.parse()?,
            "--scans" => a.scans = val()?.parse()?,
            "--fsync-check" => a.fsync_check = Some(val()?.parse()?),
            "--keep" => a.keep = true,
            "-h" | "--help" => {
                println!(
                    "engine-choice [--engines redb,fjall,sqlite] [--dir PATH] [--keys 100000] \
                     [--latency-commits 300] [--batches 32,256,1024] [--runs 3] [--secs 2] \
                     [--scans 2000] [--fsync-check N] [--keep]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    Ok(a)
}

// ------------------------------------------------------------------- main --

#[derive(Default)]
struct Row {
    preload_s: f64,
    get_us: f64,
    get_shared_us: f64,
    scan_us: f64,
    lat_med_ms: f64,
    lat_p99_ms: f64,
    tput: Vec<Vec<f64>>, // [batch idx][run] writes/s
    txn_ms: Vec<Vec<f64>>, // [batch idx] every group-commit txn's latency, all runs
    bytes_per_commit1: f64,
    bytes_per_commit1024: f64,
    disk_mb: f64,
}

fn main() -> Res<()> {
    let args = parse_args()?;
    let created_root = !args.dir.exists();
    let run_dir = args.dir.join(format!("engine-choice-{}", std::process::id()));
    std::fs::create_dir_all(&run_dir)?;
    let result = run(&args, &run_dir);
    if !args.keep {
        let _ = std::fs::remove_dir_all(&run_dir);
        if created_root {
            let _ = std::fs::remove_dir(&args.dir); // only if empty
        }
    }
    result
}

fn run(args: &Args, run_dir: &Path) -> Res<()> {
    let mut engines: Vec<Box<dyn Engine>> = Vec::new();
    for e in &args.engines {
        engines.push(open_engine(e, &run_dir.join(e))?);
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);

    // -- strace helper mode: only N single-write durable commits, nothing else.
    if let Some(n) = args.fsync_check {
        for eng in engines.iter_mut() {
            for i in 0..n as u64 {
                eng.commit(&[(make_key(i % 1000, i), rng.value())])?;
            }
            eprintln!("{}: {n} single-write durable commits done", eng.name());
        }
        return Ok(());
    }

    let canon = std::fs::canonicalize(run_dir)?;
    eprintln!("data dir: {}", canon.display());
    let mut rows: Vec<Row> = engines
        .iter()
        .map(|_| Row {
            tput: vec![Vec::new(); args.batches.len()],
            txn_ms: vec![Vec::new(); args.batches.len()],
            ..Default::default()
        })
        .collect();
    let t_all = Instant::now();

    // -- preload: keys/100 actors x 100 keys, random insertion order, durable batches of 10k.
    let actors = (args.keys / KEYS_PER_ACTOR).max(1);
    let mut keys: Vec<Vec<u8>> = (0..actors)
        .flat_map(|a| (0..KEYS_PER_ACTOR).map(move |k| make_key(a, k)))
        .collect();
    for i in (1..keys.len()).rev() {
        keys.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let preload: Vec<Kv> = keys.iter().map(|k| (k.clone(), rng.value())).collect();
    for (eng, row) in engines.iter_mut().zip(rows.iter_mut()) {
        let s = Instant::now();
        for chunk in preload.chunks(10_000) {
            eng.commit(chunk)?;
        }
        row.preload_s = s.elapsed().as_secs_f64();
        eprintln!("{}: preloaded {} keys in {:.2}s", eng.name(), preload.len(), row.preload_s);
    }

    // -- reads (hot): warm every key once, then time each get in random order.
    for (eng, row) in engines.iter_mut().zip(rows.iter_mut()) {
        let mut found = 0;
        for k in &keys {
            found += (eng.get(k)? == VAL_LEN) as usize;
        }
        assert_eq!(found, keys.len(), "{}: missing keys after preload", eng.name());
        let mut lat = Vec::with_capacity(keys.len());
        for k in &keys {
            let s = Instant::now();
            black_box(eng.get(k)?);
            lat.push(s.elapsed().as_nanos() as f64);
        }
        row.get_us = pct(&sorted(lat), 0.5) / 1e3;
        let mut lat = Vec::with_capacity(keys.len());
        black_box(eng.get_shared(&keys, &mut lat)?);
        row.get_shared_us = pct(&sorted(lat), 0.5) / 1e3;
        // prefix scans of whole actors (100 entries each)
        let mut lat = Vec::with_capacity(args.scans);
        for i in 0..args.scans + 100 {
            let p = actor_prefix(rng.below(actors));
            let s = Instant::now();
            let n = eng.scan(&p)?;
            let ns = s.elapsed().as_nanos() as f64;
            assert_eq!(n as u64, KEYS_PER_ACTOR, "{}: scan saw {n} entries", eng.name());
            if i >= 100 {
                lat.push(ns); // first 100 are warm-up
            }
        }
        row.scan_us = pct(&sorted(lat), 0.5) / 1e3;
        eprintln!(
            "{}: get {:.2}us, get(shared snapshot) {:.2}us, scan100 {:.1}us",
            eng.name(),
            row.get_us,
            row.get_shared_us,
            row.scan_us
        );
    }

    // -- durable single-write commit latency.
    for (eng, row) in engines.iter_mut().zip(rows.iter_mut()) {
        let mut lat = Vec::with_capacity(args.latency_commits);
        let mut w0 = 0;
        for i in 0..args.latency_commits + 10 {
            if i == 10 {
                w0 = wchar();
            }
            let kv = (make_key(rng.below(actors), rng.below(1000)), rng.value());
            let s = Instant::now();
            eng.commit(std::slice::from_ref(&kv))?;
            if i >= 10 {
                lat.push(s.elapsed().as_secs_f64() * 1e3);
            }
        }
        row.bytes_per_commit1 = (wchar() - w0) as f64 / args.latency_commits as f64;
        // bytes handed to the OS by one 1024-write commit (mean of 5)
        let w1 = wchar();
        for _ in 0..5 {
            let b: Vec<Kv> = (0..1024)
                .map(|_| (make_key(rng.below(actors), rng.below(1000)), rng.value()))
                .collect();
            eng.commit(&b)?;
        }
        row.bytes_per_commit1024 = (wchar() - w1) as f64 / 5.0;
        let lat = sorted(lat);
        row.lat_med_ms = pct(&lat, 0.5);
        row.lat_p99_ms = pct(&lat, 0.99);
        eprintln!(
            "{}: commit(1 write) median {:.3}ms p99 {:.3}ms",
            eng.name(),
            row.lat_med_ms,
            row.lat_p99_ms
        );
    }

    // -- group-commit throughput: runs interleaved across engines.
    let dur = Duration::from_secs_f64(args.secs);
    for run in 0..args.runs {
        for (bi, &bs) in args.batches.iter().enumerate() {
            for (eng, row) in engines.iter_mut().zip(rows.iter_mut()) {
                let mut batch: Vec<Kv> = Vec::with_capacity(bs);
                let mut writes = 0u64;
                let mut txns = 0u64;
                let s = Instant::now();
                while s.elapsed() < dur {
                    batch.clear();
                    for _ in 0..bs {
                        batch.push((make_key(rng.below(actors), rng.below(1000)), rng.value()));
                    }
                    let t = Instant::now();
                    eng.commit(&batch)?;
                    row.txn_ms[bi].push(t.elapsed().as_secs_f64() * 1e3);
                    writes += bs as u64;
                    txns += 1;
                }
                let el = s.elapsed().as_secs_f64();
                let wps = writes as f64 / el;
                row.tput[bi].push(wps);
                eprintln!(
                    "run {}: {} batch={bs}: {:.0} writes/s ({:.0} fsync'd txns/s)",
                    run + 1,
                    eng.name(),
                    wps,
                    txns as f64 / el
                );
            }
        }
    }
    for (eng, row) in engines.iter().zip(rows.iter_mut()) {
        row.disk_mb = dir_size(&run_dir.join(eng.name())) as f64 / (1 << 20) as f64;
    }
    let total = t_all.elapsed().as_secs_f64();

    // -- report (markdown).
    let names: Vec<&str> = engines.iter().map(|e| e.name()).collect();
    println!("\n## Results ({} keys preloaded, key {KEY_LEN} B, value {VAL_LEN} B)\n", args.keys);
    println!("| metric | {} |", names.join(" | "));
    println!("|---|{}", "---|".repeat(names.len()));
    let line = |label: &str, f: &dyn Fn(&Row) -> String| {
        let cells: Vec<String> = rows.iter().map(f).collect();
        println!("| {label} | {} |", cells.join(" | "));
    };
    line(&format!("commit 1 write, median ms (n={})", args.latency_commits), &|r| {
        format!("{:.3}", r.lat_med_ms)
    });
    line("commit 1 write, p99 ms", &|r| format!("{:.3}", r.lat_p99_ms));
    for (bi, bs) in args.batches.iter().enumerate() {
        line(
            &format!("group commit {bs}/txn, writes/s (median of {})", args.runs),
            &|r| format!("{:.0}", pct(&sorted(r.tput[bi].clone()), 0.5)),
        );
    }
    for (bi, bs) in args.batches.iter().enumerate() {
        line(&format!("group commit {bs}/txn, txn latency median / p99 ms"), &|r| {
            let v = sorted(r.txn_ms[bi].clone());
            format!("{:.1} / {:.1}", pct(&v, 0.5), pct(&v, 0.99))
        });
    }
    line("point get, median µs (own read txn)", &|r| format!("{:.2}", r.get_us));
    line("point get, median µs (shared snapshot)", &|r| format!("{:.2}", r.get_shared_us));
    line("bytes written per commit, 1 write (KiB)", &|r| {
        format!("{:.1}", r.bytes_per_commit1 / 1024.0)
    });
    line("bytes written per commit, 1024 writes (KiB)", &|r| {
        format!("{:.0}", r.bytes_per_commit1024 / 1024.0)
    });
    line(&format!("prefix scan 100 of {}, median µs", args.keys), &|r| format!("{:.1}", r.scan_us));
    line(&format!("preload {} keys (10k/txn), s", args.keys), &|r| format!("{:.2}", r.preload_s));
    line("disk use at end, MiB", &|r| format!("{:.0}", r.disk_mb));
    println!("\nDurability settings:");
    for e in &engines {
        println!("- {}: {}", e.name(), e.durability());
    }
    println!("\nraw writes/s per run:");
    for (e, r) in engines.iter().zip(rows.iter()) {
        for (bi, bs) in args.batches.iter().enumerate() {
            let v: Vec<String> = r.tput[bi].iter().map(|x| format!("{x:.0}")).collect();
            println!("- {} batch={bs}: {}", e.name(), v.join(", "));
        }
    }
    println!("\ntotal measuring time: {total:.1}s");
    Ok(())
}
