//! Host-side bindings of the `microlith:actor@0.1.0` WIT package in `wit/`.
//!
//! This is the only crate that runs `wasmtime::component::bindgen!`. Imports
//! the host serves are `async` (state reads may wait on storage) except the
//! pure ones; calls, sends and alarm operations are async too (they wait
//! on other actors or load the actor's alarms); the exports are called asynchronously so that a guest
//! can be suspended at epoch deadlines.
//!
//! Two worlds are bound: `actor` (what every class must export, [`Actor`])
//! and `actor-full`, which adds the optional exports `view` ([`view`]) and
//! `upgrade` ([`upgrade`]); its imports are the `actor` world's, shared
//! through `with`. The runtime looks the optional exports up per component.
//!
//! The runtime implements the generated `Host` traits in
//! `microlith-runtime/src/host/`.

#[allow(missing_docs)]
mod generated {
    wasmtime::component::bindgen!({
    path: "../../wit",
    world: "actor",
    imports: {
        "microlith:actor/state.get": async | trappable,
        "microlith:actor/state.scan": async | trappable,
        "microlith:actor/actors.call": async | trappable,
        "microlith:actor/actors.send": async | trappable,
        "microlith:actor/alarms.set-alarm": async | trappable,
        "microlith:actor/alarms.cancel-alarm": async | trappable,
        "microlith:actor/alarms.get-alarm": async | trappable,
        default: trappable,
    },
    exports: { default: async },
    });
}

#[allow(missing_docs)]
mod optional {
    wasmtime::component::bindgen!({
    path: "../../wit",
    world: "actor-full",
    with: {
        "microlith:actor/types": crate::generated::microlith::actor::types,
        "microlith:actor/state": crate::generated::microlith::actor::state,
        "microlith:actor/context": crate::generated::microlith::actor::context,
        "microlith:actor/actors": crate::generated::microlith::actor::actors,
        "microlith:actor/alarms": crate::generated::microlith::actor::alarms,
        "microlith:actor/log": crate::generated::microlith::actor::log,
    },
    exports: { default: async },
    });
}

pub use generated::*;

pub use generated::microlith::actor::{actors, alarms, context, log, state, types};

/// The optional `view` export: `Guest` (call `render`) and `GuestIndices`
/// (look it up in a component; fails if the component does not export it).
pub use optional::exports::microlith::actor::view;

/// The optional `upgrade` export (`schema-version`, `migrate`,
/// `self-check`): `Guest` and `GuestIndices`, as for [`view`].
pub use optional::exports::microlith::actor::upgrade;

/// The WIT package version this crate was generated from.
pub const WIT_PACKAGE: &str = "microlith:actor@0.1.0";
