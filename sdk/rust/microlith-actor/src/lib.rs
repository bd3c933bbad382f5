//! Guest SDK for Microlith actors written in Rust.
//!
//! An actor class is a WebAssembly component implementing the
//! `microlith:actor@0.1.0` world `actor-full` (the `actor` world plus the
//! optional `view` and `upgrade` exports). This crate owns the generated WIT
//! bindings and wraps them in a small API:
//!
//! - [`Actor`] and [`export_actor!`]: the one function a class implements.
//! - [`Request`]: the method name and payload, with JSON decoding.
//! - [`reply`]: helpers that build reply bytes.
//! - [`Actor::view`] and [`view`]: what the actor shows to live subscribers.
//! - [`Actor::SCHEMA`], [`Actor::migrate`], [`Actor::self_check`]: live
//!   upgrades (state migration when a new version takes over).
//! - [`Error`]: the turn's failure, mapped onto the WIT `handle-error`.
//! - [`state`], [`context`], [`log`]: the host imports.
//! - [`actors`]: calls and one-way messages to other actors, in-process.
//! - [`alarms`]: durable timers that run [`Actor::on_alarm`].
//!
//! A turn that returns `Err` (or traps) commits none of its state writes.
//!
//! # Example
//!
//! ```no_run
//! use microlith_actor::{reply, state, Actor, Error, Request};
//! use serde::Deserialize;
//!
//! struct Counter;
//!
//! #[derive(Deserialize)]
//! struct Incr {
//!     by: u64,
//! }
//!
//! impl Actor for Counter {
//!     fn handle(req: Request) -> Result<Vec<u8>, Error> {
//!         match req.method() {
//!             "incr" => {
//!                 // An empty payload decodes as JSON `null`, i.e. `None`.
//!                 let by = req.json::<Option<Incr>>()?.map_or(1, |i| i.by);
//!                 let value = state::get_json::<u64>("n")?.unwrap_or(0) + by;
//!                 state::set_json("n", &value)?;
//!                 reply::json(&value)
//!             }
//!             _ => Err(req.unknown_method()),
//!         }
//!     }
//! }
//!
//! microlith_actor::export_actor!(Counter);
//! ```
//!
//! # Live views
//!
//! A class can show a JSON *view* of itself to WebSocket subscribers (see
//! `docs/protocol.md`). After every turn that changed the actor's state, the
//! host calls [`Actor::view`] once for each distinct subscribed viewer (the
//! subscriber's principal, `None` for anonymous subscribers) and streams the
//! difference to the previous view as a JSON Patch. The default shows nothing
//! (`Ok(None)`), so classes without a view need no code.
//!
//! The view may differ per viewer, which is how an actor keeps one viewer
//! from another's data; an `Err` refuses the viewer (its subscription fails
//! with the message). `view` runs as a **read-only** turn: it may read
//! [`state`] and [`context`], but a state write, a call, a send or an alarm
//! change traps it.
//!
//! ```no_run
//! use microlith_actor::{reply, state, view, Actor, Error, Request};
//! use serde::Serialize;
//!
//! struct Counter;
//!
//! #[derive(Serialize)]
//! struct Shown {
//!     value: u64,
//! }
//!
//! impl Actor for Counter {
//!     fn handle(req: Request) -> Result<Vec<u8>, Error> {
//!         match req.method() {
//!             "incr" => {
//!                 let value = state::get_json::<u64>("n")?.unwrap_or(0) + 1;
//!                 state::set_json("n", &value)?;
//!                 reply::json(&value)
//!             }
//!             _ => Err(req.unknown_method()),
//!         }
//!     }
//!
//!     // Every viewer sees `{"value": n}`; a refusal would be `Err(..)`.
//!     fn view(_viewer: Option<&str>) -> Result<Option<Vec<u8>>, Error> {
//!         view::json(&Shown { value: state::get_json("n")?.unwrap_or(0) })
//!     }
//! }
//!
//! microlith_actor::export_actor!(Counter);
//! ```
//!
//! # Live upgrades
//!
//! A deploy swaps the code of running actors at their next turn. When the
//! new code reads its state differently, raise [`Actor::SCHEMA`] and write
//! [`Actor::migrate`]: before an actor's first turn on the new code, the
//! host runs `migrate(from)` as a turn of its own, `from` being the schema
//! the actor's state was last written under. Its writes commit atomically
//! with the new schema number; an `Err` (or a panic) commits nothing and the
//! actor stays on the version it ran, its state untouched. After a rollback
//! the older code is asked to migrate from the newer schema: accept it if
//! you can read it, or return an error to keep the actor on the newer code.
//!
//! ```no_run
//! use microlith_actor::{reply, state, Actor, Error, Request};
//!
//! struct Counter;
//!
//! impl Actor for Counter {
//!     // Schema 1 stored the count under "n"; schema 2 under "count".
//!     const SCHEMA: u32 = 2;
//!
//!     fn handle(req: Request) -> Result<Vec<u8>, Error> {
//!         let value = state::get_json::<u64>("count")?.unwrap_or(0) + 1;
//!         state::set_json("count", &value)?;
//!         reply::json(&value)
//!     }
//!
//!     fn migrate(from: u32) -> Result<(), Error> {
//!         if from < 2 {
//!             if let Some(n) = state::get_json::<u64>("n")? {
//!                 state::set_json("count", &n)?;
//!                 state::delete("n");
//!             }
//!         }
//!         Ok(())
//!     }
//! }
//!
//! microlith_actor::export_actor!(Counter);
//! ```
//!
//! # Building
//!
//! Build with `cargo build --target wasm32-unknown-unknown --release`, then
//! turn the core module into a component with `wasm-tools component new`
//! (see `scripts/build-guests` in the Microlith repository).

use std::fmt;

use serde::de::DeserializeOwned;

pub mod actors;
pub mod alarms;
pub mod context;
pub mod log;
pub mod state;

#[doc(hidden)]
#[allow(missing_docs, unsafe_op_in_unsafe_fn, clippy::all)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../../wit",
        world: "actor-full",
        pub_export_macro: true,
        export_macro_name: "__export_actor_world",
        default_bindings_module: "$crate::bindings",
    });
}

/// An actor class: one function that handles one message per turn.
///
/// The host runs turns of one actor one at a time, so `handle` never runs
/// concurrently with itself for the same actor. Keep durable data in
/// [`state`]; memory may be discarded between turns.
pub trait Actor {
    /// Handles `req` and returns the reply bytes (JSON by convention).
    fn handle(req: Request) -> Result<Vec<u8>, Error>;

    /// Runs when alarm `name` fires, as a turn of its own. The alarm is
    /// cleared when this turn commits, unless it sets the alarm again. An
    /// error commits nothing and the alarm is retried with backoff.
    /// The default ignores alarms.
    fn on_alarm(name: &str) -> Result<(), Error> {
        let _ = name;
        Ok(())
    }

    /// Renders what `viewer` sees of this actor as UTF-8 JSON bytes, or
    /// `Ok(None)` when there is nothing to show (the default).
    ///
    /// `viewer` is the subscriber's principal (`None` for anonymous
    /// subscribers). The host calls this after every turn that changed
    /// state, once per distinct subscribed viewer, and sends subscribers the
    /// delta to the previous view. Show each viewer only what it may see; an
    /// `Err` refuses the viewer (its subscription fails with the message).
    ///
    /// This runs as a read-only turn: read [`state`] and [`context`] only.
    /// A state write, a call, a send or an alarm change traps it. Build the
    /// bytes with [`view::json`].
    fn view(viewer: Option<&str>) -> Result<Option<Vec<u8>>, Error> {
        let _ = viewer;
        Ok(None)
    }

    /// The version of the state layout this code reads and writes (default
    /// 0). Raise it when a new version stores its state differently, and
    /// migrate older state in [`Actor::migrate`].
    const SCHEMA: u32 = 0;

    /// Rewrites this actor's state from schema `from` to [`Actor::SCHEMA`];
    /// runs as a turn of its own before the actor's first turn on this code
    /// whenever its state was last written under another schema.
    ///
    /// An `Err` or a panic commits nothing and keeps the actor on the
    /// version it ran before. It may use [`state`] and [`alarms`]; calls
    /// and sends trap. The default accepts older state as it is and refuses
    /// state written by a newer schema (after a rollback), which keeps such
    /// actors on the newer code.
    fn migrate(from: u32) -> Result<(), Error> {
        if from > Self::SCHEMA {
            return Err(Error::failed(format!(
                "state has schema {from}, newer than this code's {}; write `migrate` to read it",
                Self::SCHEMA
            )));
        }
        Ok(())
    }

    /// Checks a newly deployed version before it serves anything, in a
    /// fresh instance whose actor has no state; writes are discarded. An
    /// `Err` refuses the deploy with its message. The default passes.
    fn self_check() -> Result<(), String> {
        Ok(())
    }
}

/// Exports a type implementing [`Actor`] as the component's `handle`,
/// `on-alarm`, `view.render` and `upgrade` (the `actor-full` world).
///
/// Use it exactly once, at the root of a `cdylib` crate:
///
/// ```ignore
/// microlith_actor::export_actor!(MyActor);
/// ```
#[macro_export]
macro_rules! export_actor {
    ($ty:ty) => {
        const _: () = {
            type __MicrolithActorExport = $crate::__private::Adapter<$ty>;
            $crate::bindings::__export_actor_world!(
                __MicrolithActorExport with_types_in $crate::bindings
            );
        };
    };
}

#[doc(hidden)]
pub mod __private {
    use std::marker::PhantomData;

    use crate::bindings::exports::microlith::actor::upgrade::Guest as UpgradeGuest;
    use crate::bindings::exports::microlith::actor::view::Guest as ViewGuest;
    use crate::bindings::{Guest, HandleError};
    use crate::{Actor, Request};

    /// Connects a user's [`Actor`] to the generated `Guest` trait.
    pub struct Adapter<A>(PhantomData<A>);

    impl<A: Actor> Guest for Adapter<A> {
        fn handle(method: String, payload: Vec<u8>) -> Result<Vec<u8>, HandleError> {
            crate::log::install_panic_hook();
            A::handle(Request::new(method, payload)).map_err(HandleError::from)
        }

        fn on_alarm(name: String) -> Result<(), HandleError> {
            crate::log::install_panic_hook();
            A::on_alarm(&name).map_err(HandleError::from)
        }
    }

    impl<A: Actor> ViewGuest for Adapter<A> {
        fn render(viewer: Option<String>) -> Result<Option<Vec<u8>>, HandleError> {
            crate::log::install_panic_hook();
            A::view(viewer.as_deref()).map_err(HandleError::from)
        }
    }

    impl<A: Actor> UpgradeGuest for Adapter<A> {
        fn schema_version() -> u32 {
            A::SCHEMA
        }

        fn migrate(from: u32) -> Result<(), HandleError> {
            crate::log::install_panic_hook();
            A::migrate(from).map_err(HandleError::from)
        }

        fn self_check() -> Result<(), String> {
            crate::log::install_panic_hook();
            A::self_check()
        }
    }
}

/// One message: the method name and its payload bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    method: String,
    payload: Vec<u8>,
}

impl Request {
    /// Creates a request, e.g. to unit-test an [`Actor`] off-host.
    pub fn new(method: impl Into<String>, payload: impl Into<Vec<u8>>) -> Self {
        Self { method: method.into(), payload: payload.into() }
    }

    /// The method name.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The raw payload bytes.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Takes the raw payload bytes.
    pub fn into_payload(self) -> Vec<u8> {
        self.payload
    }

    /// Decodes the payload as JSON.
    ///
    /// An empty (or all-whitespace) payload decodes as `null`, so `()` and
    /// `Option<T>` accept a missing argument. Failures become
    /// [`Error::BadRequest`] naming the method.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let bytes: &[u8] = if self.payload.iter().all(u8::is_ascii_whitespace) { b"null" } else { &self.payload };
        serde_json::from_slice(bytes)
            .map_err(|e| Error::bad_request(format!("invalid payload for `{}`: {e}", self.method)))
    }

    /// The error to return for a method this class does not know.
    pub fn unknown_method(&self) -> Error {
        Error::UnknownMethod(self.method.clone())
    }
}

/// Helpers that build reply bytes.
pub mod reply {
    use serde::Serialize;

    use crate::Error;

    /// Serialises `value` as a JSON reply.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
        serde_json::to_vec(value).map_err(|e| Error::failed(format!("cannot encode reply: {e}")))
    }

    /// An empty reply.
    pub fn empty() -> Result<Vec<u8>, Error> {
        Ok(Vec::new())
    }
}

/// Helpers that build view bytes for [`Actor::view`].
pub mod view {
    use serde::Serialize;

    use crate::Error;

    /// Serialises `value` as the JSON view.
    ///
    /// An encoding failure is [`Error::Failed`], like [`reply::json`](crate::reply::json).
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Option<Vec<u8>>, Error> {
        serde_json::to_vec(value).map(Some).map_err(|e| Error::failed(format!("cannot encode view: {e}")))
    }

    /// No view: the actor shows nothing to this viewer (the default).
    pub fn none() -> Result<Option<Vec<u8>>, Error> {
        Ok(None)
    }
}

/// Why a turn failed; the host commits nothing for a failed turn.
///
/// Maps one-to-one onto the WIT `handle-error` variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The method name is not one this class understands.
    UnknownMethod(String),
    /// The payload could not be decoded or was invalid for the method.
    BadRequest(String),
    /// The request was understood but the actor refused or failed it.
    Failed(String),
}

impl Error {
    /// [`Error::UnknownMethod`] for `method`.
    pub fn unknown_method(method: impl Into<String>) -> Self {
        Self::UnknownMethod(method.into())
    }

    /// [`Error::BadRequest`] with `message`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest(message.into())
    }

    /// [`Error::Failed`] with `message`.
    pub fn failed(message: impl Into<String>) -> Self {
        Self::Failed(message.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownMethod(m) => write!(f, "unknown method `{m}`"),
            Self::BadRequest(m) => write!(f, "bad request: {m}"),
            Self::Failed(m) => write!(f, "failed: {m}"),
        }
    }
}

impl std::error::Error for Error {}

/// JSON errors met while handling a request are treated as bad input.
/// ([`reply::json`] reports its own encoding errors as [`Error::Failed`].)
impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Self::BadRequest(e.to_string())
    }
}

impl From<Error> for bindings::HandleError {
    fn from(e: Error) -> Self {
        match e {
            Error::UnknownMethod(m) => Self::UnknownMethod(m),
            Error::BadRequest(m) => Self::BadRequest(m),
            Error::Failed(m) => Self::Failed(m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_payload_is_null() {
        let req = Request::new("m", Vec::new());
        assert_eq!(req.json::<Option<u64>>(), Ok(None));
        assert_eq!(req.json::<()>(), Ok(()));
        assert_eq!(Request::new("m", " \n").json::<Option<u64>>(), Ok(None));
        assert_eq!(Request::new("m", "7").json::<Option<u64>>(), Ok(Some(7)));
    }

    #[test]
    fn bad_payload_is_bad_request() {
        let err = Request::new("incr", "{").json::<u64>().unwrap_err();
        assert!(matches!(err, Error::BadRequest(ref m) if m.contains("`incr`")), "{err:?}");
        assert!(matches!(Request::new("m", "").json::<u64>(), Err(Error::BadRequest(_))));
    }

    #[test]
    fn view_helpers() {
        assert_eq!(view::json(&serde_json::json!({"value": 3})), Ok(Some(br#"{"value":3}"#.to_vec())));
        assert_eq!(view::none(), Ok(None));
        // A map with non-string keys cannot be JSON: a failure, not a panic.
        let bad: std::collections::BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into();
        assert!(matches!(view::json(&bad), Err(Error::Failed(m)) if m.contains("view")));
    }

    struct Quiet;
    impl Actor for Quiet {
        fn handle(req: Request) -> Result<Vec<u8>, Error> {
            Err(req.unknown_method())
        }
    }

    #[test]
    fn default_view_is_none() {
        assert_eq!(Quiet::view(None), Ok(None));
        assert_eq!(Quiet::view(Some("alice")), Ok(None));
    }

    #[test]
    fn default_upgrade_accepts_older_and_refuses_newer_schemas() {
        struct V3;
        impl Actor for V3 {
            const SCHEMA: u32 = 3;
            fn handle(req: Request) -> Result<Vec<u8>, Error> {
                Err(req.unknown_method())
            }
        }
        assert_eq!(Quiet::SCHEMA, 0);
        assert_eq!(V3::migrate(0), Ok(()));
        assert_eq!(V3::migrate(3), Ok(()));
        assert!(matches!(V3::migrate(4), Err(Error::Failed(m)) if m.contains("schema 4")));
        assert_eq!(V3::self_check(), Ok(()));
    }

    #[test]
    fn errors_map_to_wit() {
        let e: bindings::HandleError = Error::failed("x").into();
        assert!(matches!(e, bindings::HandleError::Failed(m) if m == "x"));
    }
}
