//! Group commit: one writer thread turns many commits into one durable write.
//!
//! Backends implement [`BatchWriter`] (write a batch of commits in one
//! transaction and make it durable) and hand it to a [`GroupCommitter`].
//! Callers enqueue commits without blocking and get a [`CommitTicket`] each.
//! The writer thread takes everything that queued up while the previous batch
//! was being made durable, so under load one fsync covers hundreds of turns
//! of many actors, and an idle system still commits a lone turn at once.
//!
//! Ordering: commits are written in the order they were enqueued and tickets
//! resolve in that order. If a batch fails, every commit in it fails, and any
//! later commit of an incarnation that had a commit in it is rejected with
//! [`CommitError::Poisoned`], since it may have been computed from the failed
//! writes.
//!
//! Blocking IO happens only on the writer thread, never on an async worker.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, mpsc};
use std::task::{Context, Poll};
use std::thread::JoinHandle;

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use tokio::sync::oneshot;

use crate::{Commit, CommitError, SYSTEM_INCARNATION, StoreError};

/// Most commits written in one batch.
pub const MAX_BATCH_COMMITS: usize = 8192;
/// Most payload bytes written in one batch (soft: one commit may exceed it).
pub const MAX_BATCH_BYTES: usize = 32 << 20;

/// Writes a batch of commits as one durable, all-or-nothing transaction.
pub trait BatchWriter: Send + 'static {
    /// Applies `batch` in order and makes it durable before returning `Ok`.
    fn write_batch(&mut self, batch: &[Commit]) -> Result<(), StoreError>;
}

/// Resolves when a commit is durable (`Ok`) or failed. Cloneable, so several
/// gated outputs can wait on the same commit.
#[derive(Clone)]
pub struct CommitTicket(Shared<BoxFuture<'static, Result<(), CommitError>>>);

impl CommitTicket {
    /// A ticket that is already resolved with `result`.
    pub fn resolved(result: Result<(), CommitError>) -> Self {
        Self(futures::future::ready(result).boxed().shared())
    }

    fn from_receiver(rx: oneshot::Receiver<Result<(), CommitError>>) -> Self {
        Self(rx.map(|r| r.unwrap_or(Err(CommitError::Closed))).boxed().shared())
    }

    /// The outcome, if the commit has already resolved.
    pub fn peek(&self) -> Option<Result<(), CommitError>> {
        self.0.peek().cloned()
    }
}

impl Future for CommitTicket {
    type Output = Result<(), CommitError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl std::fmt::Debug for CommitTicket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommitTicket").field("resolved", &self.peek()).finish()
    }
}

enum Request {
    Commit(Commit, oneshot::Sender<Result<(), CommitError>>),
    Flush(oneshot::Sender<()>),
}

/// The queue in front of a [`BatchWriter`] and the thread that drains it.
pub struct GroupCommitter {
    tx: Mutex<Option<mpsc::Sender<Request>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    stats: Arc<Stats>,
}

/// Counters of the group-commit pipeline.
#[derive(Debug, Default)]
pub struct Stats {
    /// Durable batches written.
    pub batches: std::sync::atomic::AtomicU64,
    /// Commits written.
    pub commits: std::sync::atomic::AtomicU64,
}

impl GroupCommitter {
    /// Starts the writer thread over `writer`.
    pub fn start(name: &str, writer: impl BatchWriter) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel();
        let stats = Arc::new(Stats::default());
        let thread_stats = stats.clone();
        let thread = std::thread::Builder::new()
            .name(format!("{name}-commit"))
            .spawn(move || writer_loop(writer, rx, &thread_stats))?;
        Ok(Self { tx: Mutex::new(Some(tx)), thread: Mutex::new(Some(thread)), stats })
    }

    /// Enqueues `commit`. Never blocks.
    pub fn commit(&self, commit: Commit) -> CommitTicket {
        let (done, rx) = oneshot::channel();
        if !self.send(Request::Commit(commit, done)) {
            return CommitTicket::resolved(Err(CommitError::Closed));
        }
        CommitTicket::from_receiver(rx)
    }

    /// Waits until every commit enqueued before this call has resolved.
    pub async fn flush(&self) -> Result<(), StoreError> {
        let (done, rx) = oneshot::channel();
        if !self.send(Request::Flush(done)) {
            return Err(StoreError::Closed);
        }
        rx.await.map_err(|_| StoreError::Closed)
    }

    /// Pipeline counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Stops accepting commits, lets the writer finish the queue, and waits
    /// for its thread (on a blocking thread, not on the caller's worker).
    pub async fn close(&self) {
        let tx = self.tx.lock().map(|mut g| g.take()).ok().flatten();
        drop(tx);
        let handle = self.thread.lock().map(|mut g| g.take()).ok().flatten();
        if let Some(handle) = handle {
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
    }

    fn send(&self, req: Request) -> bool {
        // Short critical section, no await: std Mutex.
        match self.tx.lock() {
            Ok(guard) => guard.as_ref().is_some_and(|tx| tx.send(req).is_ok()),
            Err(_) => false,
        }
    }
}

impl Drop for GroupCommitter {
    fn drop(&mut self) {
        // Dropping the sender lets the writer drain the queue and exit; joining
        // it makes sure the backend (e.g. a file lock) is released when the
        // store is dropped. Prefer `close()` from async code.
        if let Ok(mut g) = self.tx.lock() {
            g.take();
        }
        if let Some(handle) = self.thread.lock().ok().and_then(|mut g| g.take()) {
            let _ = handle.join();
        }
    }
}

fn writer_loop(mut writer: impl BatchWriter, rx: mpsc::Receiver<Request>, stats: &Stats) {
    use std::sync::atomic::Ordering::Relaxed;
    let mut poisoned: HashSet<u64> = HashSet::new();
    let mut batch: Vec<Commit> = Vec::new();
    let mut waiters: Vec<oneshot::Sender<Result<(), CommitError>>> = Vec::new();
    let mut flushes: Vec<oneshot::Sender<()>> = Vec::new();
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        let mut bytes = 0usize;
        while let Some(req) = next.take() {
            match req {
                Request::Commit(commit, done) => {
                    if poisoned.contains(&commit.incarnation) {
                        let _ = done.send(Err(CommitError::Poisoned));
                    } else {
                        bytes += commit.payload_bytes();
                        batch.push(commit);
                        waiters.push(done);
                    }
                }
                Request::Flush(done) => flushes.push(done),
            }
            if batch.len() >= MAX_BATCH_COMMITS || bytes >= MAX_BATCH_BYTES {
                break;
            }
            next = rx.try_recv().ok();
        }
        if !batch.is_empty() {
            let result = writer.write_batch(&batch);
            stats.batches.fetch_add(1, Relaxed);
            stats.commits.fetch_add(batch.len() as u64, Relaxed);
            let outcome = match result {
                Ok(()) => Ok(()),
                Err(e) => {
                    tracing::error!(error = %e, commits = batch.len(), "group commit failed");
                    poisoned.extend(batch.iter().map(|c| c.incarnation).filter(|i| *i != SYSTEM_INCARNATION));
                    Err(CommitError::WriteFailed(e.to_string().into()))
                }
            };
            for done in waiters.drain(..) {
                let _ = done.send(outcome.clone());
            }
            batch.clear();
        }
        for done in flushes.drain(..) {
            let _ = done.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Write;
    use microlith_core::ActorId;

    struct FailOn(Arc<Mutex<Vec<u64>>>);
    impl BatchWriter for FailOn {
        fn write_batch(&mut self, batch: &[Commit]) -> Result<(), StoreError> {
            if batch.iter().any(|c| c.writes.first().is_some_and(|w| w.key == "fail")) {
                return Err(StoreError::Corrupt("injected".into()));
            }
            let mut seen = self.0.lock().map_err(|_| StoreError::Closed)?;
            seen.extend(batch.iter().map(|c| c.incarnation));
            Ok(())
        }
    }

    fn commit(inc: u64, key: &str) -> Commit {
        Commit::state(
            ActorId::parse("c", "k").expect("valid"),
            inc,
            vec![Write { key: key.into(), value: Some(vec![1]) }],
        )
    }

    #[tokio::test]
    async fn failed_commit_poisons_later_commits_of_same_incarnation() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let gc = GroupCommitter::start("t", FailOn(seen.clone())).expect("thread");
        assert!(gc.commit(commit(1, "a")).await.is_ok());
        assert!(matches!(gc.commit(commit(1, "fail")).await, Err(CommitError::WriteFailed(_))));
        assert!(matches!(gc.commit(commit(1, "b")).await, Err(CommitError::Poisoned)));
        assert!(gc.commit(commit(2, "b")).await.is_ok());
        gc.flush().await.expect("flush");
        assert_eq!(*seen.lock().expect("lock"), vec![1, 2]);
        gc.close().await;
        assert!(matches!(gc.commit(commit(3, "c")).await, Err(CommitError::Closed)));
    }
}
