//! The embedded, single-node Microlith store, on [fjall](https://docs.rs/fjall).
//!
//! fjall is a pure-Rust LSM tree: writes are appended to a journal and to
//! in-memory memtables, which background workers flush to immutable sorted
//! files and compact. `docs/design/0001-embedded-store.md` records why it was
//! chosen over redb and SQLite: under group commit it measured 4–6× their
//! write throughput, because a batch costs a journal append of about its own
//! size instead of rewriting B-tree pages.
//!
//! Layout: one fjall database in the directory `fjall/` ([`DB_DIR`]) of the
//! data directory, with four keyspaces (the same keys and values as the
//! redb backend's tables):
//! * `state`: `class 0 key 0 user-key` → value bytes (one actor = one range,
//!   see [`microlith_storage::state_key`]);
//! * `meta`: host metadata key → value bytes (alarms, outbox, delivery
//!   markers; the key layout is the runtime's), written in the same fjall
//!   batch as the state writes of the commit that carries it;
//! * `versions`: `class 0 version-hex` → `deployed_at_ms u64 LE, size u64 LE`,
//!   plus `class 0 "current"` → 32-byte version id;
//! * `components`: 32-byte version id → component bytes.
//!
//! Durability: all writes of actor state and metadata go through the
//! group-commit writer thread ([`microlith_storage::group`]). It turns each
//! drained batch into one fjall `WriteBatch` across the `state` and `meta`
//! keyspaces, keeping only each key's last write, and commits it with
//! `PersistMode::SyncAll`, so the journal is written and `fsync`'d before any
//! ticket of the batch resolves. A batch is atomic: after a crash, reopening
//! replays the journal and sees either all of it or none of it. Registry
//! writes ([`Store::put_version`], [`Store::set_current`]) are single batches
//! across keyspaces, also `SyncAll`, and are serialised by a mutex so that
//! their read-check-write is not interleaved with another registry write.
//! If an `fsync` fails, fjall poisons the database and refuses every later
//! write; the store then fails every commit until it is reopened.
//!
//! Resources: fjall runs flush and compaction on its own worker threads; this
//! store limits them to [`WORKER_THREADS`] (one) so that compaction does not
//! compete with actors for both cores of a small node. The block cache is
//! [`CACHE_BYTES`] (64 MiB); the journal may grow to fjall's default 512 MiB
//! before memtables are forced to disk, which bounds recovery time.
//!
//! Reads and registry writes run on Tokio's blocking pool. This module is the
//! only place with blocking IO. The database directory is locked while open:
//! a second [`FjallStore::open`] of the same directory fails.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use fjall::{Database, Keyspace, KeyspaceCreateOptions, PersistMode, Readable};
use microlith_core::{ActorId, ClassName, VersionId};
use microlith_storage::group::{BatchWriter, GroupCommitter};
use microlith_storage::{
    ClassRecord, Commit, CommitTicket, MAX_SCAN_PAGE, MetaEntry, StateEntry, Store, StoreError, VersionRecord,
    actor_prefix, meta_range, prefix_successor, split_state_key, state_key,
};

const STATE: &str = "state";
/// Host metadata, committed atomically with actor state.
const META: &str = "meta";
const VERSIONS: &str = "versions";
const COMPONENTS: &str = "components";
const CURRENT: &[u8] = b"current";

/// Name of the database directory inside the data directory.
pub const DB_DIR: &str = "fjall";

/// fjall's flush and compaction worker threads (its default is
/// min(cores, 4), which on a 2-core node lets compaction take both cores).
pub const WORKER_THREADS: usize = 1;

/// Size of fjall's block cache, in bytes.
pub const CACHE_BYTES: u64 = 64 << 20;

/// Longest key fjall can store: it panics on longer ones, so they are
/// rejected (writes) or known to be absent (reads) before reaching it.
const MAX_KEY_LEN: usize = u16::MAX as usize;

/// Longest value fjall can store (it panics on longer ones).
const MAX_VALUE_LEN: usize = u32::MAX as usize;

fn engine(e: fjall::Error) -> StoreError {
    StoreError::engine(e)
}

fn check_sizes(key: &[u8], value: Option<&[u8]>) -> Result<(), StoreError> {
    if key.len() > MAX_KEY_LEN {
        return Err(StoreError::engine(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("stored key of {} bytes exceeds fjall's limit of {MAX_KEY_LEN}", key.len()),
        )));
    }
    if let Some(v) = value
        && v.len() > MAX_VALUE_LEN
    {
        return Err(StoreError::engine(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("value of {} bytes exceeds fjall's limit of {MAX_VALUE_LEN}", v.len()),
        )));
    }
    Ok(())
}

/// The lower bound of a range read starting at or after `key`. fjall panics
/// on bounds longer than [`MAX_KEY_LEN`]; such a bound is replaced by
/// excluding its first [`MAX_KEY_LEN`] bytes, which selects exactly the same
/// stored keys (no stored key is longer than that, so none lies strictly
/// between the truncated and the full bound).
fn lower_bound(mut key: Vec<u8>, inclusive: bool) -> Bound<Vec<u8>> {
    if key.len() > MAX_KEY_LEN {
        key.truncate(MAX_KEY_LEN);
        Bound::Excluded(key)
    } else if inclusive {
        Bound::Included(key)
    } else {
        Bound::Excluded(key)
    }
}

/// The open database and its keyspaces.
struct Db {
    db: Database,
    state: Keyspace,
    meta: Keyspace,
    versions: Keyspace,
    components: Keyspace,
    /// Serialises registry writes (read-check-write; fjall's plain
    /// `Database` has no read-write transactions).
    registry: Mutex<()>,
}

/// The fjall-backed store.
pub struct FjallStore {
    committer: GroupCommitter,
    db: Arc<Db>,
}

/// The group-commit [`BatchWriter`]: one `SyncAll` write batch per group.
struct FjallWriter {
    db: Database,
    state: Keyspace,
    meta: Keyspace,
}

impl BatchWriter for FjallWriter {
    fn write_batch(&mut self, batch: &[Commit]) -> Result<(), StoreError> {
        // The batch is one atomic write, so only each key's last write
        // matters: a hot actor's 500 increments become one insert. This is
        // also needed for correctness, not just speed: every item of a fjall
        // batch gets the same sequence number, so two writes of one key in
        // one batch would collide in the memtable.
        // State and metadata are deduplicated separately (distinct keyspaces).
        let mut last: BTreeMap<Vec<u8>, Option<&[u8]>> = BTreeMap::new();
        let mut last_meta: BTreeMap<&[u8], Option<&[u8]>> = BTreeMap::new();
        for commit in batch {
            let prefix = actor_prefix(&commit.actor);
            for w in &commit.writes {
                let mut key = Vec::with_capacity(prefix.len() + w.key.len());
                key.extend_from_slice(&prefix);
                key.extend_from_slice(w.key.as_bytes());
                // fjall panics on oversized keys or values; fail the batch
                // instead of killing the writer thread.
                check_sizes(&key, w.value.as_deref())?;
                last.insert(key, w.value.as_deref());
            }
            for w in &commit.meta {
                check_sizes(&w.key, w.value.as_deref())?;
                last_meta.insert(w.key.as_slice(), w.value.as_deref());
            }
        }
        let mut wb = self.db.batch().durability(Some(PersistMode::SyncAll));
        for (key, value) in last {
            match value {
                Some(v) => wb.insert(&self.state, key, v),
                None => wb.remove(&self.state, key),
            }
        }
        for (key, value) in last_meta {
            match value {
                Some(v) => wb.insert(&self.meta, key, v),
                None => wb.remove(&self.meta, key),
            }
        }
        // Appends the batch to the journal, fsyncs it, then applies it to
        // the memtables; an empty batch is a no-op.
        wb.commit().map_err(engine)
    }
}

impl FjallStore {
    /// Opens (or creates) the store in `dir`. Blocking: call it at start-up
    /// or from a blocking thread.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(StoreError::engine)?;
        let db = Database::builder(dir.join(DB_DIR))
            .worker_threads(WORKER_THREADS)
            .cache_size(CACHE_BYTES)
            .open()
            .map_err(engine)?;
        let state = db.keyspace(STATE, KeyspaceCreateOptions::default).map_err(engine)?;
        let meta = db.keyspace(META, KeyspaceCreateOptions::default).map_err(engine)?;
        let versions = db.keyspace(VERSIONS, KeyspaceCreateOptions::default).map_err(engine)?;
        let components = db.keyspace(COMPONENTS, KeyspaceCreateOptions::default).map_err(engine)?;
        let writer = FjallWriter { db: db.clone(), state: state.clone(), meta: meta.clone() };
        let committer = GroupCommitter::start("fjall", writer).map_err(StoreError::engine)?;
        Ok(Self { committer, db: Arc::new(Db { db, state, meta, versions, components, registry: Mutex::new(()) }) })
    }

    /// Group-commit counters.
    pub fn commit_stats(&self) -> &microlith_storage::group::Stats {
        self.committer.stats()
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Db) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || f(&db)).await.map_err(StoreError::engine)?
    }
}

fn version_key(class: &ClassName, suffix: &[u8]) -> Vec<u8> {
    let mut k = class.as_str().as_bytes().to_vec();
    k.push(0);
    k.extend_from_slice(suffix);
    k
}

fn version_meta(v: &[u8]) -> Result<(u64, u64), StoreError> {
    let corrupt = || StoreError::Corrupt("version meta".into());
    let (at, size) = v.split_at_checked(8).ok_or_else(corrupt)?;
    let at = u64::from_le_bytes(at.try_into().map_err(|_| corrupt())?);
    let size = u64::from_le_bytes(size.try_into().map_err(|_| corrupt())?);
    Ok((at, size))
}

#[async_trait]
impl Store for FjallStore {
    async fn get(&self, actor: &ActorId, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let k = state_key(actor, key);
        if k.len() > MAX_KEY_LEN {
            return Ok(None);
        }
        self.blocking(move |db| Ok(db.state.get(&k).map_err(engine)?.map(|v| v.to_vec()))).await
    }

    async fn scan(
        &self,
        actor: &ActorId,
        prefix: &str,
        start_after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StateEntry>, StoreError> {
        let base = actor_prefix(actor).len();
        let lo = state_key(actor, prefix);
        if lo.len() > MAX_KEY_LEN {
            return Ok(Vec::new()); // no stored key is that long
        }
        let start = match start_after {
            Some(after) if after.as_bytes() >= prefix.as_bytes() => lower_bound(state_key(actor, after), false),
            _ => Bound::Included(lo.clone()),
        };
        let end = prefix_successor(&lo).map_or(Bound::Unbounded, Bound::Excluded);
        let limit = limit.min(MAX_SCAN_PAGE);
        self.blocking(move |db| {
            let mut out = Vec::new();
            for item in db.state.range((start, end)).take(limit) {
                let (k, v) = item.into_inner().map_err(engine)?;
                let key = k
                    .get(base..)
                    .and_then(|k| std::str::from_utf8(k).ok())
                    .ok_or_else(|| StoreError::Corrupt("state key".into()))?;
                out.push(StateEntry { key: key.to_string(), value: v.to_vec() });
            }
            Ok(out)
        })
        .await
    }

    async fn meta_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        if key.len() > MAX_KEY_LEN {
            return Ok(None); // no stored key is that long
        }
        let k = key.to_vec();
        self.blocking(move |db| Ok(db.meta.get(&k).map_err(engine)?.map(|v| v.to_vec()))).await
    }

    async fn meta_scan(
        &self,
        prefix: &[u8],
        start_after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<MetaEntry>, StoreError> {
        if prefix.len() > MAX_KEY_LEN {
            return Ok(Vec::new()); // no stored key is that long
        }
        let (start, end) = meta_range(prefix, start_after);
        // The end bound is no longer than the prefix; only `start_after` can
        // be oversized.
        let start = match start {
            Bound::Excluded(after) => lower_bound(after, false),
            other => other,
        };
        let limit = limit.min(MAX_SCAN_PAGE);
        self.blocking(move |db| {
            let mut out = Vec::new();
            for item in db.meta.range((start, end)).take(limit) {
                let (k, v) = item.into_inner().map_err(engine)?;
                out.push(MetaEntry { key: k.to_vec(), value: v.to_vec() });
            }
            Ok(out)
        })
        .await
    }

    fn commit(&self, commit: Commit) -> CommitTicket {
        self.committer.commit(commit)
    }

    async fn flush(&self) -> Result<(), StoreError> {
        self.committer.flush().await
    }

    async fn close(&self) {
        self.committer.close().await;
    }

    async fn put_version(
        &self,
        class: &ClassName,
        version: VersionRecord,
        component: &[u8],
        make_current: bool,
    ) -> Result<(), StoreError> {
        let class = class.clone();
        let component = component.to_vec();
        self.blocking(move |db| {
            check_sizes(version.id.as_bytes(), Some(&component))?;
            let _guard = db.registry.lock().unwrap_or_else(PoisonError::into_inner);
            let mut wb = db.db.batch().durability(Some(PersistMode::SyncAll));
            wb.insert(&db.components, version.id.as_bytes().as_slice(), component);
            let vkey = version_key(&class, version.id.to_string().as_bytes());
            if !db.versions.contains_key(&vkey).map_err(engine)? {
                let mut meta = version.deployed_at_ms.to_le_bytes().to_vec();
                meta.extend_from_slice(&version.size.to_le_bytes());
                wb.insert(&db.versions, vkey, meta);
            }
            let ckey = version_key(&class, CURRENT);
            if make_current || !db.versions.contains_key(&ckey).map_err(engine)? {
                wb.insert(&db.versions, ckey, version.id.as_bytes().as_slice());
            }
            wb.commit().map_err(engine)
        })
        .await
    }

    async fn set_current(&self, class: &ClassName, version: VersionId) -> Result<(), StoreError> {
        let class = class.clone();
        self.blocking(move |db| {
            let _guard = db.registry.lock().unwrap_or_else(PoisonError::into_inner);
            let vkey = version_key(&class, version.to_string().as_bytes());
            if !db.versions.contains_key(&vkey).map_err(engine)? {
                return Err(StoreError::NotFound(format!("version {version} of class {class}")));
            }
            let mut wb = db.db.batch().durability(Some(PersistMode::SyncAll));
            wb.insert(&db.versions, version_key(&class, CURRENT), version.as_bytes().as_slice());
            wb.commit().map_err(engine)
        })
        .await
    }

    async fn list_classes(&self) -> Result<Vec<ClassRecord>, StoreError> {
        self.blocking(|db| {
            let snapshot = db.db.snapshot();
            let mut out: Vec<ClassRecord> = Vec::new();
            let mut current: Option<VersionId> = None;
            let mut list: Vec<VersionRecord> = Vec::new();
            let mut name: Option<String> = None;
            let mut finish = |name: Option<String>, current: Option<VersionId>, list: &mut Vec<VersionRecord>| {
                if let (Some(name), Some(current)) = (name, current) {
                    let name = ClassName::new(name).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    list.sort_by_key(|v| (v.deployed_at_ms, v.id));
                    out.push(ClassRecord { name, current, versions: std::mem::take(list) });
                }
                list.clear();
                Ok::<(), StoreError>(())
            };
            for item in snapshot.iter(&db.versions) {
                let (k, v) = item.into_inner().map_err(engine)?;
                let split = k.iter().position(|b| *b == 0).ok_or_else(|| StoreError::Corrupt("version key".into()))?;
                let class = String::from_utf8_lossy(&k[..split]).to_string();
                if name.as_deref() != Some(class.as_str()) {
                    finish(name.take(), current.take(), &mut list)?;
                    name = Some(class);
                }
                let suffix = &k[split + 1..];
                if suffix == CURRENT {
                    let bytes =
                        <[u8; 32]>::try_from(&v[..]).map_err(|_| StoreError::Corrupt("current version".into()))?;
                    current = Some(VersionId::from_bytes(bytes));
                } else {
                    let id = std::str::from_utf8(suffix)
                        .ok()
                        .and_then(|s| s.parse::<VersionId>().ok())
                        .ok_or_else(|| StoreError::Corrupt("version id".into()))?;
                    let (at, size) = version_meta(&v)?;
                    list.push(VersionRecord { id, deployed_at_ms: at, size });
                }
            }
            finish(name, current, &mut list)?;
            Ok(out)
        })
        .await
    }

    async fn get_component(&self, version: &VersionId) -> Result<Option<Vec<u8>>, StoreError> {
        let id = *version;
        self.blocking(move |db| Ok(db.components.get(id.as_bytes()).map_err(engine)?.map(|v| v.to_vec()))).await
    }

    async fn list_actors(
        &self,
        class: &ClassName,
        start_after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let mut lo = class.as_str().as_bytes().to_vec();
        lo.push(0);
        let hi = prefix_successor(&lo);
        let mut start = Bound::Included(lo);
        if let Some(after) = start_after {
            let mut k = class.as_str().as_bytes().to_vec();
            k.push(0);
            k.extend_from_slice(after.as_bytes());
            k.push(1); // skip every key of `after` itself (its keys start with `after 0`)
            start = lower_bound(k, true);
        }
        let limit = limit.min(MAX_SCAN_PAGE);
        self.blocking(move |db| {
            // One snapshot, so the page is consistent across the jumps.
            let snapshot = db.db.snapshot();
            let mut out: Vec<String> = Vec::new();
            let mut start = start;
            // Jump from actor to actor instead of walking every key.
            while out.len() < limit {
                let end = hi.clone().map_or(Bound::Unbounded, Bound::Excluded);
                let Some(item) = snapshot.range(&db.state, (start, end)).next() else { break };
                let k = item.key().map_err(engine)?;
                let (class, key, _) = split_state_key(&k).ok_or_else(|| StoreError::Corrupt("state key".into()))?;
                out.push(key.to_string());
                let mut next =
                    actor_prefix(&ActorId::parse(class, key).map_err(|e| StoreError::Corrupt(e.to_string()))?);
                if let Some(last) = next.last_mut() {
                    *last = 1;
                }
                start = Bound::Included(next);
            }
            Ok(out)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use microlith_storage::{CommitError, MetaWrite, Write};

    fn actor(class: &str, key: &str) -> ActorId {
        ActorId::parse(class, key).expect("valid")
    }

    fn set(key: &str, value: &str) -> Write {
        Write { key: key.into(), value: Some(value.as_bytes().to_vec()) }
    }

    fn meta(key: &[u8], value: Option<&[u8]>) -> MetaWrite {
        MetaWrite { key: key.to_vec(), value: value.map(<[u8]>::to_vec) }
    }

    async fn get(s: &FjallStore, a: &ActorId, key: &str) -> Option<String> {
        s.get(a, key).await.expect("get").map(|v| String::from_utf8(v).expect("utf8"))
    }

    #[tokio::test]
    async fn fjall_store_passes_conformance() {
        microlith_storage::testing::conformance_suite(FjallStore::open, true).await;
    }

    #[tokio::test]
    async fn batch_keeps_last_write_of_each_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = FjallStore::open(dir.path()).expect("open");
        let a = actor("hot", "a");
        let b = actor("hot", "b");
        // One batch, written directly so that all of it is one fjall batch.
        let mut batch: Vec<Commit> =
            (0..500).map(|i| Commit::state(a.clone(), 1, vec![set("n", &i.to_string())])).collect();
        batch.push(Commit::state(
            b.clone(),
            2,
            vec![set("x", "1"), Write { key: "x".into(), value: None }, set("y", "1"), set("y", "2")],
        ));
        batch.push(Commit::state(b.clone(), 2, vec![Write { key: "y".into(), value: None }]));
        batch.push(Commit::state(b.clone(), 2, vec![set("x", "last")]));
        // Metadata keys are deduplicated the same way, independently of state.
        let mut c = Commit::state(b.clone(), 2, Vec::new());
        c.meta = vec![meta(b"x", Some(b"1")), meta(b"x", None), meta(b"y", Some(b"1")), meta(b"y", Some(b"2"))];
        batch.push(c);
        let mut c = Commit::state(b.clone(), 2, Vec::new());
        c.meta = vec![meta(b"y", None), meta(b"x", Some(b"last"))];
        batch.push(c);
        let mut writer =
            FjallWriter { db: store.db.db.clone(), state: store.db.state.clone(), meta: store.db.meta.clone() };
        writer.write_batch(&batch).expect("write batch");
        assert_eq!(get(&store, &a, "n").await.as_deref(), Some("499"));
        assert_eq!(get(&store, &b, "x").await.as_deref(), Some("last"));
        assert_eq!(get(&store, &b, "y").await, None);
        assert_eq!(store.meta_get(b"x").await.expect("meta get"), Some(b"last".to_vec()));
        assert_eq!(store.meta_get(b"y").await.expect("meta get"), None);

        // The same through the pipeline: enqueue many commits of one key at once.
        let tickets: Vec<_> =
            (0..1000).map(|i| store.commit(Commit::state(a.clone(), 3, vec![set("n", &i.to_string())]))).collect();
        for t in tickets {
            t.await.expect("commit");
        }
        assert_eq!(get(&store, &a, "n").await.as_deref(), Some("999"));
        assert!(store.commit_stats().batches.load(std::sync::atomic::Ordering::Relaxed) < 1000);
        store.close().await;
    }

    #[tokio::test]
    async fn reopen_after_close_sees_every_acknowledged_write() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = FjallStore::open(dir.path()).expect("open");
        let actors: Vec<ActorId> = (0..20).map(|i| actor("durable", &format!("a{i:02}"))).collect();
        let mut tickets = Vec::new();
        for round in 0..50 {
            for (i, a) in actors.iter().enumerate() {
                let writes = vec![set("round", &round.to_string()), set(&format!("k{round:03}"), &i.to_string())];
                tickets.push(store.commit(Commit::state(a.clone(), i as u64, writes)));
            }
        }
        for t in tickets {
            t.await.expect("acknowledged");
        }
        let class = ClassName::new("durable").expect("valid");
        let v = VersionRecord { id: VersionId::of(b"c1"), deployed_at_ms: 5, size: 2 };
        store.put_version(&class, v.clone(), b"c1", true).await.expect("put");
        store.close().await;
        assert!(matches!(
            store.commit(Commit::state(actors[0].clone(), 0, vec![set("late", "x")])).await,
            Err(CommitError::Closed)
        ));
        drop(store);

        let store = FjallStore::open(dir.path()).expect("reopen");
        for (i, a) in actors.iter().enumerate() {
            assert_eq!(get(&store, a, "round").await.as_deref(), Some("49"));
            let page = store.scan(a, "k", None, 1000).await.expect("scan");
            assert_eq!(page.len(), 50);
            assert!(page.iter().all(|e| e.value == i.to_string().as_bytes()));
            assert_eq!(get(&store, a, "late").await, None);
        }
        let listed = store.list_actors(&class, None, 1000).await.expect("list");
        assert_eq!(listed, actors.iter().map(|a| a.key.as_str().to_string()).collect::<Vec<_>>());
        assert_eq!(store.list_actors(&class, Some("a09"), 3).await.expect("list"), vec!["a10", "a11", "a12"]);
        let classes = store.list_classes().await.expect("classes");
        let rec = classes.iter().find(|c| c.name == class).expect("class survives");
        assert_eq!((rec.current, rec.versions.clone()), (v.id, vec![v.clone()]));
        assert_eq!(store.get_component(&v.id).await.expect("component"), Some(b"c1".to_vec()));
        store.close().await;
    }

    #[tokio::test]
    async fn directory_is_locked_while_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = FjallStore::open(dir.path()).expect("open");
        assert!(FjallStore::open(dir.path()).is_err());
        store.close().await;
        drop(store);
        FjallStore::open(dir.path()).expect("reopen after drop");
    }

    #[tokio::test]
    async fn oversized_key_fails_its_batch_but_not_the_store() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = FjallStore::open(dir.path()).expect("open");
        let a = actor("big", "a");
        let huge = "k".repeat(MAX_KEY_LEN + 1);
        let result = store.commit(Commit::state(a.clone(), 1, vec![set(&huge, "v")])).await;
        assert!(matches!(result, Err(CommitError::WriteFailed(_))));
        // Reads with oversized keys or bounds do not reach fjall.
        assert_eq!(get(&store, &a, &huge).await, None);
        assert!(store.scan(&a, &huge, None, 10).await.expect("scan").is_empty());
        // The writer thread survived: other incarnations still commit.
        store.commit(Commit::state(a.clone(), 2, vec![set("k", "v")])).await.expect("commit");
        assert_eq!(store.scan(&a, "", Some(&format!("j{huge}")), 10).await.expect("scan").len(), 1);
        assert_eq!(store.scan(&a, "", Some(&format!("l{huge}")), 10).await.expect("scan").len(), 0);
        let class = ClassName::new("big").expect("valid");
        assert_eq!(store.list_actors(&class, Some(&format!("0{huge}")), 10).await.expect("list"), vec!["a"]);
        assert!(store.list_actors(&class, Some(&format!("b{huge}")), 10).await.expect("list").is_empty());
        store.close().await;
    }

    #[tokio::test]
    async fn oversized_meta_key_fails_its_batch_and_reads_as_absent() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = FjallStore::open(dir.path()).expect("open");
        let a = actor("bigmeta", "a");
        let huge = vec![b'm'; MAX_KEY_LEN + 1];
        let mut c = Commit::state(a.clone(), 1, vec![set("k", "v")]);
        c.meta = vec![meta(&huge, Some(b"v"))];
        assert!(matches!(store.commit(c).await, Err(CommitError::WriteFailed(_))));
        // Atomic: the state write of the failed commit is absent too.
        assert_eq!(get(&store, &a, "k").await, None);
        assert_eq!(store.meta_get(&huge).await.expect("meta get"), None);
        assert!(store.meta_scan(&huge, None, 10).await.expect("meta scan").is_empty());
        // The writer survived; oversized `start_after` bounds do not reach fjall.
        let mut c = Commit::state(a.clone(), 2, Vec::new());
        c.meta = vec![meta(b"m", Some(b"1"))];
        store.commit(c).await.expect("commit");
        let mut before = b"l".to_vec();
        before.extend_from_slice(&huge);
        let mut after = b"m".to_vec();
        after.extend_from_slice(&huge);
        assert_eq!(store.meta_scan(b"", Some(&before), 10).await.expect("meta scan").len(), 1);
        assert!(store.meta_scan(b"", Some(&after), 10).await.expect("meta scan").is_empty());
        store.close().await;
    }
}
