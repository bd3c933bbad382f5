//! How the shop's services encode what they send each other and what they
//! keep in state — one place, so the format of the internal hops is a build
//! choice, not something spread over every handler.
//!
//! * Default: JSON, through the SDK's own helpers (`Request::json`,
//!   `reply::json`, `actors::call_json`, `state::{get,set}_json`), so the
//!   committed shop is curl-able end to end and its C `orders` class can
//!   call into it.
//! * Feature `postcard`: the same values in [postcard], a compact binary
//!   serde format. `scripts/build-guests` builds gateway, cart, inventory
//!   and pricing this way into `examples/wasm/shop-binary/`, which the call
//!   benchmark runs as its `(ab)` variant to price JSON in the hops.
//!
//! Only the hops *inside* the checkout-quote chain (`cart.quote`,
//! `inventory.check`, `pricing.quote`) and the state values go through this
//! crate. What clients send and receive (`cart.add`, `gateway.checkout-quote`,
//! ...) is JSON in both builds, and so is `inventory.reserve`, which the C
//! `orders` class calls. Both builds of a class must not share stored state:
//! a postcard build cannot read values a JSON build wrote (it fails the
//! turn, naming the key).
//!
//! [postcard]: https://docs.rs/postcard

use microlith_actor::context::ActorRef;
use microlith_actor::{Error, Request};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The name of the format this build uses (`"json"` or `"postcard"`).
pub const FORMAT: &str = if cfg!(feature = "postcard") { "postcard" } else { "json" };

/// Decodes a request's payload. Failures are [`Error::BadRequest`] naming
/// the method.
pub fn arg<T: DeserializeOwned>(req: &Request) -> Result<T, Error> {
    #[cfg(feature = "postcard")]
    {
        postcard::from_bytes(req.payload())
            .map_err(|e| Error::bad_request(format!("invalid payload for `{}`: {e}", req.method())))
    }
    #[cfg(not(feature = "postcard"))]
    {
        req.json()
    }
}

/// Encodes a reply.
pub fn reply<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    #[cfg(feature = "postcard")]
    {
        postcard::to_allocvec(value).map_err(|e| Error::failed(format!("cannot encode reply: {e}")))
    }
    #[cfg(not(feature = "postcard"))]
    {
        microlith_actor::reply::json(value)
    }
}

/// Calls `method` on `target` and decodes its reply; errors become the
/// caller's turn error, as with `actors::call_json`.
pub fn call<A: Serialize + ?Sized, R: DeserializeOwned>(target: &ActorRef, method: &str, arg: &A) -> Result<R, Error> {
    #[cfg(feature = "postcard")]
    {
        let payload =
            postcard::to_allocvec(arg).map_err(|e| Error::failed(format!("cannot encode call payload: {e}")))?;
        let reply = microlith_actor::actors::call(target, method, &payload)?;
        postcard::from_bytes(&reply)
            .map_err(|e| Error::failed(format!("invalid reply from {}/{} `{method}`: {e}", target.class, target.key)))
    }
    #[cfg(not(feature = "postcard"))]
    {
        microlith_actor::actors::call_json(target, method, arg)
    }
}

/// Reads the state value under `key`. A value this build cannot decode is
/// [`Error::Failed`] naming the key.
pub fn get<T: DeserializeOwned>(key: &str) -> Result<Option<T>, Error> {
    #[cfg(feature = "postcard")]
    {
        microlith_actor::state::get(key)
            .map(|bytes| {
                postcard::from_bytes(&bytes).map_err(|e| {
                    Error::failed(format!("state value under key {key:?} is not the expected postcard: {e}"))
                })
            })
            .transpose()
    }
    #[cfg(not(feature = "postcard"))]
    {
        microlith_actor::state::get_json(key)
    }
}

/// Stores `value` under `key`.
pub fn set<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<(), Error> {
    #[cfg(feature = "postcard")]
    {
        let bytes = postcard::to_allocvec(value)
            .map_err(|e| Error::failed(format!("cannot encode state value for key {key:?}: {e}")))?;
        microlith_actor::state::set(key, &bytes)
    }
    #[cfg(not(feature = "postcard"))]
    {
        microlith_actor::state::set_json(key, value)
    }
}
