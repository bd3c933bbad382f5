//! A commit that fails resets the actor: the failed turn's reply reports the
//! failure, and the next turn sees only durable state.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use microlith_core::{ActorId, ClassName, VersionId};
use microlith_runtime::{CallError, Runtime, RuntimeConfig};
use microlith_storage::memory::MemoryStore;
use microlith_storage::{
    ClassRecord, Commit, CommitError, CommitTicket, MetaEntry, StateEntry, Store, StoreError, VersionRecord,
};

/// A memory store whose commits fail while `fail` is set.
struct FlakyStore {
    inner: MemoryStore,
    fail: AtomicBool,
}

#[async_trait]
impl Store for FlakyStore {
    async fn get(&self, actor: &ActorId, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get(actor, key).await
    }
    async fn scan(&self, a: &ActorId, p: &str, s: Option<&str>, l: usize) -> Result<Vec<StateEntry>, StoreError> {
        self.inner.scan(a, p, s, l).await
    }
    async fn meta_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.meta_get(key).await
    }
    async fn meta_scan(&self, p: &[u8], s: Option<&[u8]>, l: usize) -> Result<Vec<MetaEntry>, StoreError> {
        self.inner.meta_scan(p, s, l).await
    }
    fn commit(&self, commit: Commit) -> CommitTicket {
        if self.fail.load(Ordering::SeqCst) {
            return CommitTicket::resolved(Err(CommitError::WriteFailed("injected disk failure".into())));
        }
        self.inner.commit(commit)
    }
    async fn flush(&self) -> Result<(), StoreError> {
        self.inner.flush().await
    }
    async fn close(&self) {
        self.inner.close().await
    }
    async fn put_version(&self, c: &ClassName, v: VersionRecord, b: &[u8], m: bool) -> Result<(), StoreError> {
        self.inner.put_version(c, v, b, m).await
    }
    async fn set_current(&self, c: &ClassName, v: VersionId) -> Result<(), StoreError> {
        self.inner.set_current(c, v).await
    }
    async fn list_classes(&self) -> Result<Vec<ClassRecord>, StoreError> {
        self.inner.list_classes().await
    }
    async fn get_component(&self, v: &VersionId) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get_component(v).await
    }
    async fn list_actors(&self, c: &ClassName, s: Option<&str>, l: usize) -> Result<Vec<String>, StoreError> {
        self.inner.list_actors(c, s, l).await
    }
}

pub(crate) fn counter_wasm() -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/wasm/counter.wasm");
    std::fs::read(path).expect("examples/wasm/counter.wasm (run scripts/build-guests)")
}

#[tokio::test]
async fn a_failed_commit_fails_the_reply_and_resets_the_actor() {
    let store = Arc::new(FlakyStore { inner: MemoryStore::new().expect("store"), fail: AtomicBool::new(false) });
    let rt = Runtime::open(RuntimeConfig { max_active_actors: 16, ..RuntimeConfig::default() }, store.clone())
        .await
        .expect("runtime");
    rt.deploy("counter", counter_wasm()).await.expect("deploy");
    let a = ActorId::parse("counter", "flaky").expect("id");
    assert_eq!(rt.call(&a, "incr", Vec::new(), None).await.expect("incr"), br#"{"value":1}"#);
    store.fail.store(true, Ordering::SeqCst);
    let failed = rt.call(&a, "incr", Vec::new(), None).await;
    assert!(matches!(failed, Err(CallError::CommitFailed(_))), "{failed:?}");
    store.fail.store(false, Ordering::SeqCst);
    // The uncommitted 2 is gone: the actor was reset and re-read durable state.
    assert_eq!(rt.call(&a, "get", Vec::new(), None).await.expect("get"), br#"{"value":1}"#);
    assert_eq!(rt.call(&a, "incr", Vec::new(), None).await.expect("incr"), br#"{"value":2}"#);
    assert!(rt.shutdown(std::time::Duration::from_secs(5)).await);
}

#[tokio::test]
async fn a_view_of_a_failed_commit_is_never_published() {
    use microlith_runtime::View;
    let store = Arc::new(FlakyStore { inner: MemoryStore::new().expect("store"), fail: AtomicBool::new(false) });
    let rt = Runtime::open(RuntimeConfig { max_active_actors: 16, ..RuntimeConfig::default() }, store.clone())
        .await
        .expect("runtime");
    rt.deploy("counter", counter_wasm()).await.expect("deploy");
    let a = ActorId::parse("counter", "viewed").expect("id");
    let mut watch = rt.watch(&a, None).expect("watch");
    let json = |w: &mut microlith_runtime::ViewWatch| match w.latest().view {
        View::Json(b) => String::from_utf8_lossy(&b).into_owned(),
        other => format!("{other:?}"),
    };
    let first = tokio::time::timeout(std::time::Duration::from_secs(10), watch.changed()).await;
    assert!(matches!(first, Ok(Ok(()))), "the first render arrives");
    assert_eq!(json(&mut watch), r#"{"value":0}"#);
    rt.call(&a, "incr", Vec::new(), None).await.expect("incr");
    watch.changed().await.expect("changed");
    assert_eq!(json(&mut watch), r#"{"value":1}"#);

    // The turn runs and renders {"value":2}, but its commit fails: watchers
    // never see it, they keep the durable view.
    store.fail.store(true, Ordering::SeqCst);
    assert!(matches!(rt.call(&a, "incr", Vec::new(), None).await, Err(CallError::CommitFailed(_))));
    store.fail.store(false, Ordering::SeqCst);
    rt.call(&a, "get", Vec::new(), None).await.expect("get");
    assert_eq!(json(&mut watch), r#"{"value":1}"#, "the failed turn's view was not published");
    // The next durable change is.
    assert_eq!(rt.call(&a, "incr", Vec::new(), None).await.expect("incr"), br#"{"value":2}"#);
    tokio::time::timeout(std::time::Duration::from_secs(10), watch.changed()).await.expect("in time").expect("changed");
    assert_eq!(json(&mut watch), r#"{"value":2}"#);
    drop(watch);
    assert!(rt.shutdown(std::time::Duration::from_secs(5)).await);
}
