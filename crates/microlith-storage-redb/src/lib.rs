//! The embedded, single-node Microlith store, on [redb](https://docs.rs/redb).
//!
//! redb is a pure-Rust, copy-on-write B-tree with ACID transactions and a
//! crash-safe commit protocol; `docs/design/0001-embedded-store.md` records
//! why it was chosen over fjall and SQLite, with measurements.
//!
//! Layout: one database file `state.redb` with four tables (see
//! `docs/formats/redb-store.md`):
//! * `state`: `class 0 key 0 user-key` → value bytes (one actor = one range);
//! * `meta`: host metadata key → value bytes (alarms, outbox, delivery
//!   markers; the key layout is the runtime's), written in the same
//!   transaction as the state writes of the commit that carries it;
//! * `versions`: `class 0 version-hex` → `deployed_at_ms u64 LE, size u64 LE`,
//!   plus `class 0 "current"` → 32-byte version id;
//! * `components`: 32-byte version id → component bytes.
//!
//! All writes of actor state and metadata go through the group-commit writer
//! thread ([`microlith_storage::group`]), which writes each batch in one
//! `Durability::Immediate` transaction. Reads and registry writes run on
//! Tokio's blocking pool. This module is the only place with blocking IO.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use microlith_core::{ActorId, ClassName, VersionId};
use microlith_storage::group::{BatchWriter, GroupCommitter};
use microlith_storage::{
    ClassRecord, Commit, CommitTicket, MAX_SCAN_PAGE, MetaEntry, StateEntry, Store, StoreError, VersionRecord,
    actor_prefix, meta_range, prefix_successor, scan_range, split_state_key, state_key,
};
use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition};

const STATE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("state");
/// Host metadata, committed atomically with actor state.
const META: TableDefinition<&[u8], &[u8]> = TableDefinition::new("meta");
const VERSIONS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("versions");
const COMPONENTS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("components");
const CURRENT: &[u8] = b"current";

/// Name of the database file inside the data directory.
pub const DB_FILE: &str = "state.redb";

fn engine(e: impl Into<redb::Error>) -> StoreError {
    StoreError::engine(e.into())
}

/// The redb-backed store.
pub struct RedbStore {
    db: Arc<Database>,
    committer: GroupCommitter,
}

struct RedbWriter(Arc<Database>);

impl BatchWriter for RedbWriter {
    fn write_batch(&mut self, batch: &[Commit]) -> Result<(), StoreError> {
        // The batch is one atomic transaction, so only each key's last write
        // matters: a hot actor's 500 increments become one insert. Applying
        // the survivors in key order also keeps B-tree page visits local.
        // State and metadata are deduplicated separately (distinct tables).
        let mut last: BTreeMap<Vec<u8>, Option<&[u8]>> = BTreeMap::new();
        let mut last_meta: BTreeMap<&[u8], Option<&[u8]>> = BTreeMap::new();
        for commit in batch {
            let prefix = actor_prefix(&commit.actor);
            for w in &commit.writes {
                let mut key = Vec::with_capacity(prefix.len() + w.key.len());
                key.extend_from_slice(&prefix);
                key.extend_from_slice(w.key.as_bytes());
                last.insert(key, w.value.as_deref());
            }
            for w in &commit.meta {
                last_meta.insert(w.key.as_slice(), w.value.as_deref());
            }
        }
        let mut txn = self.0.begin_write().map_err(engine)?;
        txn.set_durability(Durability::Immediate).map_err(engine)?;
        {
            let mut table = txn.open_table(STATE).map_err(engine)?;
            apply(&mut table, last.iter().map(|(k, v)| (k.as_slice(), *v)))?;
        }
        if !last_meta.is_empty() {
            let mut table = txn.open_table(META).map_err(engine)?;
            apply(&mut table, last_meta.into_iter())?;
        }
        txn.commit().map_err(engine)
    }
}

/// Inserts (`Some`) or removes (`None`) each key of `writes` in `table`.
fn apply<'a>(
    table: &mut redb::Table<'_, &'static [u8], &'static [u8]>,
    writes: impl Iterator<Item = (&'a [u8], Option<&'a [u8]>)>,
) -> Result<(), StoreError> {
    for (key, value) in writes {
        match value {
            Some(v) => {
                table.insert(key, v).map_err(engine)?;
            }
            None => {
                table.remove(key).map_err(engine)?;
            }
        }
    }
    Ok(())
}

impl RedbStore {
    /// Opens (or creates) the store in `dir`. Blocking: call it at start-up
    /// or from a blocking thread.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(StoreError::engine)?;
        let db = Arc::new(Database::create(dir.join(DB_FILE)).map_err(engine)?);
        // Create the tables so that read transactions can always open them.
        let txn = db.begin_write().map_err(engine)?;
        for def in [STATE, META, VERSIONS, COMPONENTS] {
            txn.open_table(def).map_err(engine)?;
        }
        txn.commit().map_err(engine)?;
        let committer = GroupCommitter::start("redb", RedbWriter(db.clone())).map_err(StoreError::engine)?;
        Ok(Self { db, committer })
    }

    /// Group-commit counters.
    pub fn commit_stats(&self) -> &microlith_storage::group::Stats {
        self.committer.stats()
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Database) -> Result<T, StoreError> + Send + 'static,
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

#[async_trait]
impl Store for RedbStore {
    async fn get(&self, actor: &ActorId, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let k = state_key(actor, key);
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(engine)?;
            let table = txn.open_table(STATE).map_err(engine)?;
            Ok(table.get(k.as_slice()).map_err(engine)?.map(|v| v.value().to_vec()))
        })
        .await
    }

    async fn scan(
        &self,
        actor: &ActorId,
        prefix: &str,
        start_after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StateEntry>, StoreError> {
        let base = actor_prefix(actor).len();
        let (start, end) = scan_range(actor, prefix, start_after);
        let limit = limit.min(MAX_SCAN_PAGE);
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(engine)?;
            let table = txn.open_table(STATE).map_err(engine)?;
            let start = start.as_ref().map(Vec::as_slice);
            let end = end.as_ref().map(Vec::as_slice);
            let mut out = Vec::new();
            for item in table.range::<&[u8]>((start, end)).map_err(engine)?.take(limit) {
                let (k, v) = item.map_err(engine)?;
                let key = std::str::from_utf8(&k.value()[base..]).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                out.push(StateEntry { key: key.to_string(), value: v.value().to_vec() });
            }
            Ok(out)
        })
        .await
    }

    async fn meta_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let k = key.to_vec();
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(engine)?;
            let table = txn.open_table(META).map_err(engine)?;
            Ok(table.get(k.as_slice()).map_err(engine)?.map(|v| v.value().to_vec()))
        })
        .await
    }

    async fn meta_scan(
        &self,
        prefix: &[u8],
        start_after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<MetaEntry>, StoreError> {
        let (start, end) = meta_range(prefix, start_after);
        let limit = limit.min(MAX_SCAN_PAGE);
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(engine)?;
            let table = txn.open_table(META).map_err(engine)?;
            let start = start.as_ref().map(Vec::as_slice);
            let end = end.as_ref().map(Vec::as_slice);
            let mut out = Vec::new();
            for item in table.range::<&[u8]>((start, end)).map_err(engine)?.take(limit) {
                let (k, v) = item.map_err(engine)?;
                out.push(MetaEntry { key: k.value().to_vec(), value: v.value().to_vec() });
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
            let mut txn = db.begin_write().map_err(engine)?;
            txn.set_durability(Durability::Immediate).map_err(engine)?;
            {
                let mut components = txn.open_table(COMPONENTS).map_err(engine)?;
                components.insert(version.id.as_bytes().as_slice(), component.as_slice()).map_err(engine)?;
                let mut versions = txn.open_table(VERSIONS).map_err(engine)?;
                let vkey = version_key(&class, version.id.to_string().as_bytes());
                if versions.get(vkey.as_slice()).map_err(engine)?.is_none() {
                    let mut meta = version.deployed_at_ms.to_le_bytes().to_vec();
                    meta.extend_from_slice(&version.size.to_le_bytes());
                    versions.insert(vkey.as_slice(), meta.as_slice()).map_err(engine)?;
                }
                let ckey = version_key(&class, CURRENT);
                if make_current || versions.get(ckey.as_slice()).map_err(engine)?.is_none() {
                    versions.insert(ckey.as_slice(), version.id.as_bytes().as_slice()).map_err(engine)?;
                }
            }
            txn.commit().map_err(engine)
        })
        .await
    }

    async fn set_current(&self, class: &ClassName, version: VersionId) -> Result<(), StoreError> {
        let class = class.clone();
        self.blocking(move |db| {
            let mut txn = db.begin_write().map_err(engine)?;
            txn.set_durability(Durability::Immediate).map_err(engine)?;
            {
                let mut versions = txn.open_table(VERSIONS).map_err(engine)?;
                let vkey = version_key(&class, version.to_string().as_bytes());
                if versions.get(vkey.as_slice()).map_err(engine)?.is_none() {
                    return Err(StoreError::NotFound(format!("version {version} of class {class}")));
                }
                let ckey = version_key(&class, CURRENT);
                versions.insert(ckey.as_slice(), version.as_bytes().as_slice()).map_err(engine)?;
            }
            txn.commit().map_err(engine)
        })
        .await
    }

    async fn list_classes(&self) -> Result<Vec<ClassRecord>, StoreError> {
        self.blocking(|db| {
            let txn = db.begin_read().map_err(engine)?;
            let versions = txn.open_table(VERSIONS).map_err(engine)?;
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
            for item in versions.iter().map_err(engine)? {
                let (k, v) = item.map_err(engine)?;
                let k = k.value();
                let split = k.iter().position(|b| *b == 0).ok_or_else(|| StoreError::Corrupt("version key".into()))?;
                let class = String::from_utf8_lossy(&k[..split]).to_string();
                if name.as_deref() != Some(class.as_str()) {
                    finish(name.take(), current.take(), &mut list)?;
                    name = Some(class);
                }
                let suffix = &k[split + 1..];
                let v = v.value();
                if suffix == CURRENT {
                    let bytes: [u8; 32] = v.try_into().map_err(|_| StoreError::Corrupt("current version".into()))?;
                    current = Some(VersionId::from_bytes(bytes));
                } else {
                    let id = std::str::from_utf8(suffix)
                        .ok()
                        .and_then(|s| s.parse::<VersionId>().ok())
                        .ok_or_else(|| StoreError::Corrupt("version id".into()))?;
                    let (at, size) = v.split_at_checked(8).ok_or_else(|| StoreError::Corrupt("version meta".into()))?;
                    let at = u64::from_le_bytes(at.try_into().map_err(|_| StoreError::Corrupt("version meta".into()))?);
                    let size =
                        u64::from_le_bytes(size.try_into().map_err(|_| StoreError::Corrupt("version meta".into()))?);
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
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(engine)?;
            let table = txn.open_table(COMPONENTS).map_err(engine)?;
            Ok(table.get(id.as_bytes().as_slice()).map_err(engine)?.map(|v| v.value().to_vec()))
        })
        .await
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
            start = Bound::Included(k);
        }
        let limit = limit.min(MAX_SCAN_PAGE);
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(engine)?;
            let table = txn.open_table(STATE).map_err(engine)?;
            let mut out: Vec<String> = Vec::new();
            let mut start = start;
            // Jump from actor to actor instead of walking every key.
            while out.len() < limit {
                let s = start.as_ref().map(Vec::as_slice);
                let e = hi.as_ref().map_or(Bound::Unbounded, |h| Bound::Excluded(h.as_slice()));
                let Some(item) = table.range::<&[u8]>((s, e)).map_err(engine)?.next() else { break };
                let (k, _) = item.map_err(engine)?;
                let k = k.value();
                let (_, key, _) = split_state_key(k).ok_or_else(|| StoreError::Corrupt("state key".into()))?;
                out.push(key.to_string());
                let mut next =
                    actor_prefix(&ActorId::parse(class_of(k), key).map_err(|e| StoreError::Corrupt(e.to_string()))?);
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

fn class_of(stored: &[u8]) -> &str {
    split_state_key(stored).map_or("", |(c, _, _)| c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use microlith_storage::{MetaWrite, Write};

    fn meta(key: &[u8], value: Option<&[u8]>) -> MetaWrite {
        MetaWrite { key: key.to_vec(), value: value.map(<[u8]>::to_vec) }
    }

    #[tokio::test]
    async fn redb_store_passes_conformance() {
        microlith_storage::testing::conformance_suite(RedbStore::open, true).await;
    }

    #[tokio::test]
    async fn batch_applies_state_and_meta_in_commit_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = RedbStore::open(dir.path()).expect("open");
        let a = ActorId::parse("hot", "a").expect("valid");
        // One batch, written directly so that all of it is one transaction.
        let mut first = Commit::state(a.clone(), 1, vec![Write { key: "n".into(), value: Some(b"1".to_vec()) }]);
        first.meta = vec![meta(b"x", Some(b"1")), meta(b"x", None), meta(b"y", Some(b"1")), meta(b"y", Some(b"2"))];
        let mut second = Commit::state(a.clone(), 1, vec![Write { key: "n".into(), value: None }]);
        second.meta = vec![meta(b"y", None), meta(b"x", Some(b"last"))];
        RedbWriter(store.db.clone()).write_batch(&[first, second]).expect("write batch");
        assert_eq!(store.get(&a, "n").await.expect("get"), None);
        assert_eq!(store.meta_get(b"x").await.expect("meta get"), Some(b"last".to_vec()));
        assert_eq!(store.meta_get(b"y").await.expect("meta get"), None);
        let all = store.meta_scan(b"", None, 10).await.expect("meta scan");
        assert_eq!(all, vec![MetaEntry { key: b"x".to_vec(), value: b"last".to_vec() }]);
        store.close().await;
    }
}
