//! Deployed classes and their loaded (compiled, linked) current versions.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use microlith_core::{ClassName, VersionId};

use crate::host::HostState;

/// A compiled, linked version, ready to instantiate.
pub(crate) struct LoadedVersion {
    pub id: VersionId,
    pub pre: microlith_wit::ActorPre<HostState>,
    /// The optional `view` export, if the component has it.
    pub view: Option<microlith_wit::view::GuestIndices>,
}

/// Current version of every deployed class.
#[derive(Default)]
pub(crate) struct Registry {
    // Read on every turn, written on deploy: std RwLock, never held across await.
    classes: RwLock<HashMap<ClassName, Arc<LoadedVersion>>>,
}

impl Registry {
    pub fn current(&self, class: &ClassName) -> Option<Arc<LoadedVersion>> {
        self.classes.read().ok()?.get(class).cloned()
    }

    pub fn set_current(&self, class: ClassName, version: Arc<LoadedVersion>) {
        if let Ok(mut map) = self.classes.write() {
            map.insert(class, version);
        }
    }

    pub fn len(&self) -> usize {
        self.classes.read().map_or(0, |m| m.len())
    }
}
