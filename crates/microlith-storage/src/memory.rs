//! An in-memory [`Store`]: same semantics as a durable backend (ordered
//! commits through the group-commit pipeline), but nothing survives the
//! process. For tests and for benchmarks that isolate the runtime from disk.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use microlith_core::{ActorId, ClassName, VersionId};

use crate::group::{BatchWriter, GroupCommitter};
use crate::{
    ClassRecord, Commit, CommitTicket, MAX_SCAN_PAGE, MetaEntry, StateEntry, Store, StoreError, VersionRecord,
    actor_prefix, meta_range, prefix_successor, scan_range, split_state_key, state_key,
};

#[derive(Default)]
struct Data {
    state: BTreeMap<Vec<u8>, Vec<u8>>,
    meta: BTreeMap<Vec<u8>, Vec<u8>>,
    classes: BTreeMap<ClassName, ClassRecord>,
    components: BTreeMap<VersionId, Vec<u8>>,
}

/// The in-memory store.
pub struct MemoryStore {
    // Short critical sections with no await: std RwLock.
    data: Arc<RwLock<Data>>,
    committer: GroupCommitter,
}

struct MemoryWriter(Arc<RwLock<Data>>);

impl BatchWriter for MemoryWriter {
    fn write_batch(&mut self, batch: &[Commit]) -> Result<(), StoreError> {
        let mut data = self.0.write().map_err(|_| StoreError::Corrupt("poisoned lock".into()))?;
        for commit in batch {
            for w in &commit.writes {
                let k = state_key(&commit.actor, &w.key);
                match &w.value {
                    Some(v) => data.state.insert(k, v.clone()),
                    None => data.state.remove(&k),
                };
            }
            for w in &commit.meta {
                match &w.value {
                    Some(v) => data.meta.insert(w.key.clone(), v.clone()),
                    None => data.meta.remove(&w.key),
                };
            }
        }
        Ok(())
    }
}

impl MemoryStore {
    /// A new, empty store.
    pub fn new() -> Result<Self, StoreError> {
        let data = Arc::new(RwLock::new(Data::default()));
        let committer = GroupCommitter::start("memory", MemoryWriter(data.clone())).map_err(StoreError::engine)?;
        Ok(Self { data, committer })
    }

    fn read(&self) -> Result<std::sync::RwLockReadGuard<'_, Data>, StoreError> {
        self.data.read().map_err(|_| StoreError::Corrupt("poisoned lock".into()))
    }

    fn write(&self) -> Result<std::sync::RwLockWriteGuard<'_, Data>, StoreError> {
        self.data.write().map_err(|_| StoreError::Corrupt("poisoned lock".into()))
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn get(&self, actor: &ActorId, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.read()?.state.get(&state_key(actor, key)).cloned())
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
        let data = self.read()?;
        data.state
            .range((start, end))
            .take(limit.min(MAX_SCAN_PAGE))
            .map(|(k, v)| {
                let key = std::str::from_utf8(&k[base..]).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok(StateEntry { key: key.to_string(), value: v.clone() })
            })
            .collect()
    }

    async fn meta_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.read()?.meta.get(key).cloned())
    }

    async fn meta_scan(
        &self,
        prefix: &[u8],
        start_after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<MetaEntry>, StoreError> {
        let data = self.read()?;
        Ok(data
            .meta
            .range(meta_range(prefix, start_after))
            .take(limit.min(MAX_SCAN_PAGE))
            .map(|(k, v)| MetaEntry { key: k.clone(), value: v.clone() })
            .collect())
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
        let mut data = self.write()?;
        data.components.insert(version.id, component.to_vec());
        let id = version.id;
        let record = data.classes.entry(class.clone()).or_insert_with(|| ClassRecord {
            name: class.clone(),
            current: id,
            versions: Vec::new(),
        });
        if !record.versions.iter().any(|v| v.id == id) {
            record.versions.push(version);
        }
        if make_current {
            record.current = id;
        }
        Ok(())
    }

    async fn set_current(&self, class: &ClassName, version: VersionId) -> Result<(), StoreError> {
        let mut data = self.write()?;
        let record = data.classes.get_mut(class).ok_or_else(|| StoreError::NotFound(format!("class {class}")))?;
        if !record.versions.iter().any(|v| v.id == version) {
            return Err(StoreError::NotFound(format!("version {version} of class {class}")));
        }
        record.current = version;
        Ok(())
    }

    async fn list_classes(&self) -> Result<Vec<ClassRecord>, StoreError> {
        Ok(self.read()?.classes.values().cloned().collect())
    }

    async fn get_component(&self, version: &VersionId) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.read()?.components.get(version).cloned())
    }

    async fn list_actors(
        &self,
        class: &ClassName,
        start_after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let data = self.read()?;
        let mut lo = class.as_str().as_bytes().to_vec();
        lo.push(0);
        let hi = prefix_successor(&lo).map_or(Bound::Unbounded, Bound::Excluded);
        let mut out: Vec<String> = Vec::new();
        for (k, _) in data.state.range((Bound::Included(lo), hi)) {
            if out.len() >= limit.min(MAX_SCAN_PAGE) {
                break;
            }
            let Some((_, key, _)) = split_state_key(k) else { continue };
            if start_after.is_some_and(|a| key <= a) || out.last().is_some_and(|l| l == key) {
                continue;
            }
            out.push(key.to_string());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn memory_store_passes_conformance() {
        crate::testing::conformance_suite(|_| super::MemoryStore::new(), false).await;
    }
}
