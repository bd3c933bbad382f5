//! Calls and one-way messages to other actors, in the same process.
//!
//! [`call`] waits for the target's reply; the target runs the message as a
//! turn of its own and commits on its own. [`send`] records a message that
//! is delivered only if (and once) the current turn commits.
//!
//! ```no_run
//! use microlith_actor::{actors, context::ActorRef, Error};
//!
//! fn price_of(sku: &str) -> Result<u64, Error> {
//!     let pricing = ActorRef::new("pricing", "eu");
//!     let price: u64 = actors::call_json(&pricing, "price", &sku)?;
//!     Ok(price)
//! }
//! ```

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Error;
use crate::bindings::microlith::actor::actors as host;
use crate::bindings::microlith::actor::types;
use crate::context::ActorRef;

/// Why a call or send failed. Mirrors the WIT `call-error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// No class of that name is deployed.
    UnknownClass(String),
    /// The callee does not know the method.
    UnknownMethod(String),
    /// The callee rejected the payload.
    BadRequest(String),
    /// The callee's turn returned an error (it committed nothing).
    Failed(String),
    /// The callee's turn trapped or ran out of time or memory.
    Trapped(String),
    /// The call would deadlock; the actors of the cycle, in order.
    Cycle(Vec<ActorRef>),
    /// No reply within this many milliseconds.
    Timeout(u32),
    /// The callee cannot take messages now; retry later.
    Unavailable(String),
    /// Invalid address or payload, or a per-turn limit was reached.
    Invalid(String),
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownClass(c) => write!(f, "unknown class `{c}`"),
            Self::UnknownMethod(m) => write!(f, "unknown method `{m}`"),
            Self::BadRequest(m) => write!(f, "bad request: {m}"),
            Self::Failed(m) => write!(f, "failed: {m}"),
            Self::Trapped(m) => write!(f, "trapped: {m}"),
            Self::Cycle(actors) => {
                write!(f, "deadlock cycle: ")?;
                for a in actors {
                    write!(f, "{}/{} -> ", a.class, a.key)?;
                }
                match actors.first() {
                    Some(a) => write!(f, "{}/{}", a.class, a.key),
                    None => Ok(()),
                }
            }
            Self::Timeout(ms) => write!(f, "no reply within {ms} ms"),
            Self::Unavailable(m) => write!(f, "unavailable: {m}"),
            Self::Invalid(m) => write!(f, "invalid: {m}"),
        }
    }
}

impl std::error::Error for CallError {}

/// A failed call fails the caller's turn unless it handles the error: the
/// callee's refusal of the input stays a bad request, anything else becomes
/// a failure of this turn.
impl From<CallError> for Error {
    fn from(e: CallError) -> Self {
        match e {
            CallError::BadRequest(m) => Error::BadRequest(m),
            other => Error::Failed(other.to_string()),
        }
    }
}

impl From<types::CallError> for CallError {
    fn from(e: types::CallError) -> Self {
        use types::CallError as W;
        match e {
            W::UnknownClass(s) => Self::UnknownClass(s),
            W::UnknownMethod(s) => Self::UnknownMethod(s),
            W::BadRequest(s) => Self::BadRequest(s),
            W::Failed(s) => Self::Failed(s),
            W::Trapped(s) => Self::Trapped(s),
            W::Cycle(actors) => {
                Self::Cycle(actors.into_iter().map(|a| ActorRef { class: a.class, key: a.key }).collect())
            }
            W::Timeout(ms) => Self::Timeout(ms),
            W::Unavailable(s) => Self::Unavailable(s),
            W::Invalid(s) => Self::Invalid(s),
        }
    }
}

fn wit_ref(target: &ActorRef) -> types::ActorRef {
    types::ActorRef { class: target.class.clone(), key: target.key.clone() }
}

/// Calls `method` on `target` with raw payload bytes and waits for the
/// reply, up to the host's default call timeout.
pub fn call(target: &ActorRef, method: &str, payload: &[u8]) -> Result<Vec<u8>, CallError> {
    host::call(&wit_ref(target), method, payload, None).map_err(CallError::from)
}

/// Like [`call`], with its own timeout in milliseconds.
pub fn call_with_timeout(
    target: &ActorRef,
    method: &str,
    payload: &[u8],
    timeout_ms: u32,
) -> Result<Vec<u8>, CallError> {
    host::call(&wit_ref(target), method, payload, Some(timeout_ms)).map_err(CallError::from)
}

/// Calls `method` on `target` with a JSON argument and decodes the JSON
/// reply. Errors become the caller's turn error (see `From<CallError>`).
pub fn call_json<A: Serialize + ?Sized, R: DeserializeOwned>(
    target: &ActorRef,
    method: &str,
    arg: &A,
) -> Result<R, Error> {
    let payload = serde_json::to_vec(arg).map_err(|e| Error::failed(format!("cannot encode call payload: {e}")))?;
    let reply = call(target, method, &payload)?;
    serde_json::from_slice(&reply)
        .map_err(|e| Error::failed(format!("invalid reply from {}/{} `{method}`: {e}", target.class, target.key)))
}

/// Sends `method(payload)` to `target` once this turn commits; does not wait.
pub fn send(target: &ActorRef, method: &str, payload: &[u8]) -> Result<(), CallError> {
    host::send(&wit_ref(target), method, payload).map_err(CallError::from)
}

/// [`send`] with a JSON argument.
pub fn send_json<A: Serialize + ?Sized>(target: &ActorRef, method: &str, arg: &A) -> Result<(), Error> {
    let payload = serde_json::to_vec(arg).map_err(|e| Error::failed(format!("cannot encode message: {e}")))?;
    Ok(send(target, method, &payload)?)
}
