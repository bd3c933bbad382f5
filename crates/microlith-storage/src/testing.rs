//! The conformance suite every [`Store`] backend must pass.
//!
//! Call [`conformance_suite`] from a backend's tests with a function that
//! opens the backend in a directory. Durable backends are also reopened in
//! the same directory to check that commits and the registry survive.

use std::path::Path;

use microlith_core::{ActorId, ClassName, VersionId};

use crate::{Commit, CommitError, MetaWrite, SYSTEM_INCARNATION, Store, StoreError, VersionRecord, Write};

fn actor(class: &str, key: &str) -> ActorId {
    ActorId::parse(class, key).expect("test names are valid")
}

fn set(key: &str, value: &str) -> Write {
    Write { key: key.into(), value: Some(value.as_bytes().to_vec()) }
}

fn del(key: &str) -> Write {
    Write { key: key.into(), value: None }
}

async fn commit<S: Store>(store: &S, actor: &ActorId, writes: Vec<Write>) -> Result<(), CommitError> {
    store.commit(Commit::state(actor.clone(), 1, writes)).await
}

async fn get<S: Store>(store: &S, a: &ActorId, key: &str) -> Option<String> {
    let v = store.get(a, key).await.expect("get");
    v.map(|v| String::from_utf8(v).expect("utf8"))
}

async fn keys<S: Store>(store: &S, a: &ActorId, prefix: &str, after: Option<&str>, limit: usize) -> Vec<String> {
    let page = store.scan(a, prefix, after, limit).await.expect("scan");
    page.into_iter().map(|e| e.key).collect()
}

/// Runs every case. `open` must open (or reopen) the backend stored in `dir`;
/// `durable` says whether data survives reopening.
pub async fn conformance_suite<S, F>(open: F, durable: bool)
where
    S: Store,
    F: Fn(&Path) -> Result<S, StoreError>,
{
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path()).expect("open");
    reads_see_committed_writes(&store).await;
    actors_are_isolated(&store).await;
    scans_are_ordered_paged_and_prefixed(&store).await;
    commits_apply_in_order(&store).await;
    registry_round_trips(&store).await;
    meta_commits_with_state(&store).await;
    if durable {
        store.close().await;
        drop(store);
        let store = open(dir.path()).expect("reopen");
        commits_survive_reopen(&store).await;
    }
}

async fn reads_see_committed_writes<S: Store>(s: &S) {
    let a = actor("counter", "one");
    assert_eq!(get(s, &a, "n").await, None);
    commit(s, &a, vec![set("n", "1"), set("m", "x")]).await.expect("commit");
    assert_eq!(get(s, &a, "n").await.as_deref(), Some("1"));
    commit(s, &a, vec![del("m"), set("n", "2")]).await.expect("commit");
    assert_eq!(get(s, &a, "m").await, None);
    assert_eq!(get(s, &a, "n").await.as_deref(), Some("2"));
    // Deleting a missing key is fine.
    commit(s, &a, vec![del("never")]).await.expect("commit");
    s.flush().await.expect("flush");
}

async fn actors_are_isolated<S: Store>(s: &S) {
    let a = actor("iso", "a");
    let ab = actor("iso", "ab");
    let other = actor("iso2", "a");
    commit(s, &a, vec![set("k", "a")]).await.expect("commit");
    commit(s, &ab, vec![set("k", "ab")]).await.expect("commit");
    commit(s, &other, vec![set("k", "other")]).await.expect("commit");
    assert_eq!(get(s, &a, "k").await.as_deref(), Some("a"));
    assert_eq!(keys(s, &a, "", None, 100).await, vec!["k"]);
    assert_eq!(get(s, &ab, "k").await.as_deref(), Some("ab"));
    let class = ClassName::new("iso").expect("valid");
    assert_eq!(s.list_actors(&class, None, 10).await.expect("list"), vec!["a", "ab"]);
    assert_eq!(s.list_actors(&class, Some("a"), 10).await.expect("list"), vec!["ab"]);
}

async fn scans_are_ordered_paged_and_prefixed<S: Store>(s: &S) {
    let a = actor("scan", "x");
    let writes =
        (0..25).rev().map(|i| set(&format!("item/{i:03}"), &i.to_string())).chain([set("itemz", "z"), set("a", "a")]);
    commit(s, &a, writes.collect()).await.expect("commit");
    let page1 = keys(s, &a, "item/", None, 10).await;
    assert_eq!(page1.first().map(String::as_str), Some("item/000"));
    assert_eq!(page1.len(), 10);
    let page3 = keys(s, &a, "item/", Some("item/019"), 10).await;
    assert_eq!(page3, (20..25).map(|i| format!("item/{i:03}")).collect::<Vec<_>>());
    assert_eq!(keys(s, &a, "", None, 1000).await.len(), 27);
    assert_eq!(keys(s, &a, "item", Some("item/024"), 10).await, vec!["itemz"]);
    // A start-after before the prefix starts at the prefix.
    assert_eq!(keys(s, &a, "item/", Some("a"), 1).await, vec!["item/000"]);
    assert!(keys(s, &a, "nothing", None, 10).await.is_empty());
    let e = s.scan(&a, "item/00", None, 1).await.expect("scan");
    assert_eq!(e[0].value, b"0");
}

async fn commits_apply_in_order<S: Store>(s: &S) {
    let a = actor("order", "x");
    let tickets: Vec<_> =
        (0..200).map(|i| s.commit(Commit::state(a.clone(), 7, vec![set("n", &i.to_string())]))).collect();
    for t in tickets {
        t.await.expect("commit");
    }
    assert_eq!(get(s, &a, "n").await.as_deref(), Some("199"));
}

async fn registry_round_trips<S: Store>(s: &S) {
    let class = ClassName::new("reg").expect("valid");
    let v1 = VersionRecord { id: VersionId::of(b"one"), deployed_at_ms: 1, size: 3 };
    let v2 = VersionRecord { id: VersionId::of(b"two"), deployed_at_ms: 2, size: 3 };
    s.put_version(&class, v1.clone(), b"one", true).await.expect("put");
    s.put_version(&class, v2.clone(), b"two", false).await.expect("put");
    let classes = s.list_classes().await.expect("list");
    let rec = classes.iter().find(|c| c.name == class).expect("class listed");
    assert_eq!(rec.current, v1.id);
    assert_eq!(rec.versions, vec![v1.clone(), v2.clone()]);
    s.set_current(&class, v2.id).await.expect("set current");
    assert!(s.set_current(&class, VersionId::of(b"missing")).await.is_err());
    assert_eq!(s.get_component(&v2.id).await.expect("get"), Some(b"two".to_vec()));
    assert_eq!(s.get_component(&VersionId::of(b"nope")).await.expect("get"), None);
    // Re-putting an existing version is idempotent.
    s.put_version(&class, v1.clone(), b"one", true).await.expect("put again");
    let classes = s.list_classes().await.expect("list");
    let rec = classes.iter().find(|c| c.name == class).expect("class listed");
    assert_eq!((rec.current, rec.versions.len()), (v1.id, 2));
}

fn meta(key: &[u8], value: Option<&[u8]>) -> MetaWrite {
    MetaWrite { key: key.to_vec(), value: value.map(<[u8]>::to_vec) }
}

async fn meta_keys<S: Store>(s: &S, prefix: &[u8], after: Option<&[u8]>, limit: usize) -> Vec<Vec<u8>> {
    s.meta_scan(prefix, after, limit).await.expect("meta scan").into_iter().map(|e| e.key).collect()
}

async fn meta_commits_with_state<S: Store>(s: &S) {
    let a = actor("meta", "a");
    // State and metadata of one commit land together.
    let mut c = Commit::state(a.clone(), 11, vec![set("k", "v")]);
    c.meta = vec![meta(b"alarm/a/x", Some(b"1")), meta(b"alarm/a/y", Some(b"2")), meta(b"outbox/1", Some(b"m"))];
    s.commit(c).await.expect("commit");
    assert_eq!(get(s, &a, "k").await.as_deref(), Some("v"));
    assert_eq!(s.meta_get(b"alarm/a/x").await.expect("get"), Some(b"1".to_vec()));
    assert_eq!(s.meta_get(b"alarm/a/z").await.expect("get"), None);
    // Metadata is invisible to state reads and listings.
    assert_eq!(keys(s, &a, "", None, 100).await, vec!["k"]);
    assert_eq!(meta_keys(s, b"alarm/", None, 10).await, vec![b"alarm/a/x".to_vec(), b"alarm/a/y".to_vec()]);
    assert_eq!(meta_keys(s, b"alarm/", Some(b"alarm/a/x"), 10).await, vec![b"alarm/a/y".to_vec()]);
    assert_eq!(meta_keys(s, b"alarm/", Some(b"a"), 1).await, vec![b"alarm/a/x".to_vec()]);
    assert_eq!(meta_keys(s, b"", None, 10).await.len(), 3);
    // A bookkeeping commit with metadata only, under the system incarnation.
    let mut c = Commit::state(a.clone(), SYSTEM_INCARNATION, Vec::new());
    c.meta = vec![meta(b"outbox/1", None), meta(b"alarm/a/y", Some(b"3"))];
    s.commit(c).await.expect("meta-only commit");
    assert_eq!(meta_keys(s, b"outbox/", None, 10).await, Vec::<Vec<u8>>::new());
    assert_eq!(s.meta_get(b"alarm/a/y").await.expect("get"), Some(b"3".to_vec()));
    // Binary keys order by bytes.
    let mut c = Commit::state(a.clone(), SYSTEM_INCARNATION, Vec::new());
    c.meta = vec![meta(&[b'b', 0xFF, 0], Some(b"hi")), meta(&[b'b', 0x00, 1], Some(b"lo"))];
    s.commit(c).await.expect("commit");
    assert_eq!(meta_keys(s, b"b", None, 10).await, vec![vec![b'b', 0x00, 1], vec![b'b', 0xFF, 0]]);
}

async fn commits_survive_reopen<S: Store>(s: &S) {
    let a = actor("counter", "one");
    assert_eq!(get(s, &a, "n").await.as_deref(), Some("2"));
    assert_eq!(get(s, &actor("order", "x"), "n").await.as_deref(), Some("199"));
    assert_eq!(s.meta_get(b"alarm/a/y").await.expect("get"), Some(b"3".to_vec()));
    assert_eq!(meta_keys(s, b"alarm/", None, 10).await.len(), 2);
    let classes = s.list_classes().await.expect("list");
    let rec = classes.iter().find(|c| c.name.as_str() == "reg").expect("class survives");
    assert_eq!(rec.current, VersionId::of(b"one"));
    assert_eq!(s.get_component(&rec.current).await.expect("get"), Some(b"one".to_vec()));
}
