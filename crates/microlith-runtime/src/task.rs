//! The one place the runtime spawns Tokio tasks: every task is tracked, so
//! shutdown can wait for all of them, and named in traces by its span.

use std::future::Future;

use tokio_util::task::TaskTracker;

/// Spawns `fut` on `tracker`.
pub(crate) fn spawn_tracked<F>(tracker: &TaskTracker, fut: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    drop(tracker.spawn(fut));
}
