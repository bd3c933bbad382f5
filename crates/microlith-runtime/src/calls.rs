//! Call chains and deadlock detection for actor-to-actor calls.
//!
//! A *chain* is everything that happens on behalf of one external message
//! (client call, alarm, one-way message): the actor handling it may call
//! another actor, which may call a third, and so on. A [`Chain`] knows the
//! actors of the chain that are suspended in a call (each call links one
//! more onto its caller's chain, so extending it allocates once). A call to
//! one of them is *reentrant*: it runs inside that actor's suspended turn
//! (see `host::actors`) instead of queueing behind it.
//!
//! Any other call queues in the target's mailbox, so the caller waits for
//! everything the target's current turn waits for. [`WaitGraph`] records
//! "actor X waits for actor Y" edges; before adding one it looks for a path
//! from Y back to X. Such a path means that no turn on it can finish: the
//! call is refused with the cycle instead of hanging. Edges are added and
//! the search runs under one lock, so of two calls that close a cycle at
//! the same time exactly one sees it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use microlith_core::ActorId;
use smallvec::SmallVec;

/// The actors one actor waits for: one, unless it serves reentrant calls
/// that call out too. Inline, so recording an edge allocates nothing.
type Targets = SmallVec<[ActorId; 2]>;

/// One call chain, as one of its turns sees it. The default is chain 0
/// with nobody waiting (turns outside any chain: views, migrations).
#[derive(Debug, Default)]
pub(crate) struct Chain {
    /// Identifies the chain (for reentry routing).
    pub id: u64,
    /// The innermost actor suspended in a call, and the chain as that
    /// actor's turn saw it; `None` at the chain's start.
    caller: Option<(ActorId, Arc<Chain>)>,
    /// How many actors are suspended in a call.
    depth: usize,
}

impl Chain {
    /// A chain that starts with the turn `id` is for.
    pub fn start(id: u64) -> Arc<Self> {
        Arc::new(Self { id, caller: None, depth: 0 })
    }

    /// How many actors of the chain are suspended in a call.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Whether a call to `target` in this chain reenters a waiting actor.
    pub fn reenters(&self, target: &ActorId) -> bool {
        let mut link = &self.caller;
        while let Some((actor, outer)) = link {
            if actor == target {
                return true;
            }
            link = &outer.caller;
        }
        false
    }

    /// The chain as seen by the callee of `caller`.
    pub fn extended(self: &Arc<Self>, caller: &ActorId) -> Arc<Self> {
        Arc::new(Self { id: self.id, caller: Some((caller.clone(), self.clone())), depth: self.depth + 1 })
    }
}

/// Who waits for whom, across all chains.
#[derive(Default)]
pub(crate) struct WaitGraph {
    // Short critical sections with no await: std Mutex.
    edges: Mutex<HashMap<ActorId, Targets>>,
}

/// Removes its edge from the graph when dropped.
pub(crate) struct WaitGuard<'a> {
    graph: &'a WaitGraph,
    from: ActorId,
    to: ActorId,
}

impl Drop for WaitGuard<'_> {
    fn drop(&mut self) {
        let mut edges = self.graph.edges.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(targets) = edges.get_mut(&self.from) {
            if let Some(i) = targets.iter().position(|t| *t == self.to) {
                targets.swap_remove(i);
            }
            if targets.is_empty() {
                edges.remove(&self.from);
            }
        }
    }
}

impl WaitGraph {
    /// Records that `from` waits for `to`. Unless the call is `reentrant`,
    /// first checks that `to` does not (transitively) wait for `from`, and
    /// returns the cycle `[from, to, ..]` if it does.
    pub fn wait(&self, from: &ActorId, to: &ActorId, reentrant: bool) -> Result<WaitGuard<'_>, Vec<ActorId>> {
        let mut edges = self.edges.lock().unwrap_or_else(PoisonError::into_inner);
        if !reentrant && let Some(path) = path_between(&edges, to, from) {
            let mut cycle = Vec::with_capacity(path.len() + 1);
            cycle.push(from.clone());
            cycle.extend(path.into_iter().take_while(|a| a != from));
            return Err(cycle);
        }
        edges.entry(from.clone()).or_default().push(to.clone());
        Ok(WaitGuard { graph: self, from: from.clone(), to: to.clone() })
    }
}

/// A path of edges from `start` to `goal` (both included), if any.
fn path_between(edges: &HashMap<ActorId, Targets>, start: &ActorId, goal: &ActorId) -> Option<Vec<ActorId>> {
    if start == goal {
        return Some(vec![start.clone()]);
    }
    // The usual case: the callee waits for nobody (it is idle or running).
    if !edges.contains_key(start) {
        return None;
    }
    let mut seen: HashSet<&ActorId> = HashSet::from([start]);
    // Depth-first, keeping the path on the stack.
    let mut stack: Vec<(&ActorId, usize)> = vec![(start, 0)];
    while let Some((node, next)) = stack.last_mut() {
        let targets = edges.get(*node).map_or(&[][..], Targets::as_slice);
        let Some(t) = targets.get(*next) else {
            stack.pop();
            continue;
        };
        *next += 1;
        if t == goal {
            let mut path: Vec<ActorId> = stack.iter().map(|(a, _)| (*a).clone()).collect();
            path.push(goal.clone());
            return Some(path);
        }
        if seen.insert(t) {
            stack.push((t, 0));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(k: &str) -> ActorId {
        ActorId::parse("t", k).expect("valid")
    }

    #[test]
    fn a_cycle_is_refused_and_named_in_order() {
        let g = WaitGraph::default();
        let _ab = g.wait(&a("a"), &a("b"), false).expect("no cycle yet");
        let _bc = g.wait(&a("b"), &a("c"), false).expect("no cycle yet");
        let cycle = g.wait(&a("c"), &a("a"), false).err().expect("c -> a closes a cycle");
        assert_eq!(cycle, vec![a("c"), a("a"), a("b")]);
        // A reentrant call is not checked: it does not queue.
        let _ca = g.wait(&a("c"), &a("a"), true).expect("reentrant");
    }

    #[test]
    fn edges_go_away_with_their_guards() {
        let g = WaitGraph::default();
        {
            let _ab = g.wait(&a("a"), &a("b"), false).expect("ok");
        }
        let _ba = g.wait(&a("b"), &a("a"), false).expect("the a -> b edge is gone");
        assert!(g.wait(&a("a"), &a("a"), false).is_err(), "waiting for oneself queued is a cycle");
    }

    #[test]
    fn diamonds_are_not_cycles() {
        let g = WaitGraph::default();
        let _ab = g.wait(&a("a"), &a("b"), false).expect("ok");
        let _ac = g.wait(&a("a"), &a("c"), false).expect("ok");
        let _bd = g.wait(&a("b"), &a("d"), false).expect("ok");
        let _cd = g.wait(&a("c"), &a("d"), false).expect("ok");
        assert!(g.wait(&a("e"), &a("a"), false).is_ok());
    }
}
