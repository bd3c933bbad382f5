//! Live views: the latest *durable* view of an actor for each viewer that
//! watches it.
//!
//! A class may export `view.render(viewer)` (see `wit/world.wit`). Whoever
//! wants to follow an actor's view — the WebSocket layer, for each distinct
//! `(actor, principal)` it has subscribers for — calls
//! [`Runtime::watch`](crate::Runtime::watch) and gets a [`ViewWatch`]: a
//! `tokio::sync::watch` receiver of the latest [`ViewState`]. Watchers of
//! the same viewer share one entry, so one `render` serves them all.
//!
//! The hub ([`ViewHub`]) lives outside the activations: an actor may
//! passivate and come back while it is watched, and the entry (with the last
//! published view) stays. An activation fetches its actor's [`ActorViews`]
//! when it starts and when it is told of a new viewer (`Body::View`), marks
//! its views dirty after every turn that wrote state or after switching to
//! another version, and renders every watched viewer once its mailbox is
//! empty (so a burst of turns costs one render per viewer, not one per turn).
//! A rendered view is published only after the commits it reflects are
//! durable (the output gate), and only if it differs from what was
//! published. Each state carries the id of the turn that rendered it, so a
//! late publication never overwrites a newer one.
//!
//! This module knows nothing of JSON: deltas, sequence numbers and resume
//! are the WebSocket layer's business (`microlith-server`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use microlith_core::ActorId;
use tokio::sync::watch;

use crate::error::CallError;

/// Whose view: a principal, or `None` for anonymous viewers.
pub type Viewer = Option<String>;

/// One version of an actor's view for one viewer.
#[derive(Debug, Clone)]
pub enum View {
    /// Not rendered yet.
    Pending,
    /// The class exports no view, or `render` returned none.
    Empty,
    /// The view, as the guest's UTF-8 JSON bytes (not validated here).
    Json(Arc<[u8]>),
    /// `render` failed, trapped or refused this viewer.
    Failed(Arc<CallError>),
}

impl View {
    pub(crate) fn same_as(&self, other: &View) -> bool {
        match (self, other) {
            (View::Pending, View::Pending) | (View::Empty, View::Empty) => true,
            (View::Json(a), View::Json(b)) => a == b,
            (View::Failed(a), View::Failed(b)) => a.to_string() == b.to_string(),
            _ => false,
        }
    }
}

/// A view and the turn that rendered it (later turns have larger ids).
#[derive(Debug, Clone)]
pub struct ViewState {
    /// The rendering turn's id (0 before the first render).
    pub turn: u64,
    /// The view.
    pub view: View,
}

/// Follows one actor's view for one viewer. Dropping it stops the watch
/// (the last watcher of a viewer removes its entry).
pub struct ViewWatch {
    rx: watch::Receiver<ViewState>,
    _registration: Registration,
}

impl ViewWatch {
    /// Waits until a newer view than the last one seen is published.
    /// Fails only if the runtime dropped the entry (it never does while a
    /// watch is alive, so treat it as the end).
    pub async fn changed(&mut self) -> Result<(), watch::error::RecvError> {
        self.rx.changed().await
    }

    /// The latest published view, marking it seen.
    pub fn latest(&mut self) -> ViewState {
        self.rx.borrow_and_update().clone()
    }
}

impl std::fmt::Debug for ViewWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ViewWatch").field("actor", &self._registration.actor).finish()
    }
}

/// Every watched actor's views.
#[derive(Default)]
pub(crate) struct ViewHub {
    // Short critical sections, no await: std Mutex. Lock order: this map,
    // then an `ActorViews` map.
    actors: Arc<Mutex<HashMap<ActorId, Arc<ActorViews>>>>,
}

/// The watched viewers of one actor.
#[derive(Default)]
pub(crate) struct ActorViews {
    viewers: Mutex<HashMap<Viewer, Entry>>,
}

struct Entry {
    tx: watch::Sender<ViewState>,
    watchers: usize,
}

struct Registration {
    hub: Arc<Mutex<HashMap<ActorId, Arc<ActorViews>>>>,
    actor: ActorId,
    viewer: Viewer,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut actors = self.hub.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(views) = actors.get(&self.actor).cloned() else { return };
        let mut viewers = views.viewers.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(e) = viewers.get_mut(&self.viewer) {
            e.watchers = e.watchers.saturating_sub(1);
            if e.watchers == 0 {
                viewers.remove(&self.viewer);
            }
        }
        if viewers.is_empty() {
            drop(viewers);
            actors.remove(&self.actor);
        }
    }
}

impl ViewHub {
    /// The watched viewers of `actor`, if any.
    pub fn get(&self, actor: &ActorId) -> Option<Arc<ActorViews>> {
        self.actors.lock().unwrap_or_else(PoisonError::into_inner).get(actor).cloned()
    }

    /// The watched actors of `class`.
    pub fn watched(&self, class: &microlith_core::ClassName) -> Vec<ActorId> {
        let actors = self.actors.lock().unwrap_or_else(PoisonError::into_inner);
        actors.keys().filter(|a| a.class == *class).cloned().collect()
    }

    /// Registers a watcher of `viewer` on `actor`. Returns the watch and
    /// whether the viewer is new (the actor must then be told to render it).
    pub fn watch(&self, actor: &ActorId, viewer: Viewer) -> (ViewWatch, bool) {
        let mut actors = self.actors.lock().unwrap_or_else(PoisonError::into_inner);
        let views = actors.entry(actor.clone()).or_default().clone();
        let mut viewers = views.viewers.lock().unwrap_or_else(PoisonError::into_inner);
        let mut created = false;
        let entry = viewers.entry(viewer.clone()).or_insert_with(|| {
            created = true;
            Entry { tx: watch::Sender::new(ViewState { turn: 0, view: View::Pending }), watchers: 0 }
        });
        entry.watchers += 1;
        let rx = entry.tx.subscribe();
        drop(viewers);
        drop(actors);
        let registration = Registration { hub: self.actors.clone(), actor: actor.clone(), viewer };
        (ViewWatch { rx, _registration: registration }, created)
    }
}

impl ActorViews {
    /// The viewers watched now.
    pub fn viewers(&self) -> Vec<Viewer> {
        self.viewers.lock().unwrap_or_else(PoisonError::into_inner).keys().cloned().collect()
    }

    /// Publishes `state` for `viewer` unless a newer one is already there or
    /// it shows the same. Returns whether watchers were notified.
    pub fn publish(&self, viewer: &Viewer, state: ViewState) -> bool {
        let viewers = self.viewers.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(entry) = viewers.get(viewer) else { return false };
        entry.tx.send_if_modified(|cur| {
            if state.turn < cur.turn || state.view.same_as(&cur.view) {
                return false;
            }
            *cur = state;
            true
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor() -> ActorId {
        ActorId::parse("c", "k").expect("valid")
    }

    fn json(s: &str) -> View {
        View::Json(Arc::from(s.as_bytes()))
    }

    #[test]
    fn watchers_of_one_viewer_share_an_entry_that_goes_away_with_the_last() {
        let hub = ViewHub::default();
        let (a, new_a) = hub.watch(&actor(), Some("ann".into()));
        let (b, new_b) = hub.watch(&actor(), Some("ann".into()));
        let (c, new_c) = hub.watch(&actor(), None);
        assert!(new_a && !new_b && new_c);
        let views = hub.get(&actor()).expect("watched");
        assert_eq!(views.viewers().len(), 2);
        drop(a);
        drop(c);
        assert_eq!(views.viewers(), vec![Some("ann".to_string())]);
        drop(b);
        assert!(hub.get(&actor()).is_none());
    }

    #[tokio::test]
    async fn older_or_equal_views_are_not_published() {
        let hub = ViewHub::default();
        let (mut w, _) = hub.watch(&actor(), None);
        let views = hub.get(&actor()).expect("watched");
        assert!(views.publish(&None, ViewState { turn: 5, view: json("1") }));
        w.changed().await.expect("changed");
        assert!(matches!(w.latest().view, View::Json(ref b) if &b[..] == b"1"));
        assert!(!views.publish(&None, ViewState { turn: 4, view: json("0") }), "older");
        assert!(!views.publish(&None, ViewState { turn: 6, view: json("1") }), "same");
        assert!(views.publish(&None, ViewState { turn: 7, view: json("2") }));
        assert!(!views.publish(&Some("x".into()), ViewState { turn: 8, view: json("3") }), "not watched");
    }
}
