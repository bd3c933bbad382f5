//! Facts about the current turn.

use crate::bindings::microlith::actor::context as host;

/// The address of an actor: its class and its key within the class.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ActorRef {
    /// Class name, e.g. `chat`.
    pub class: String,
    /// Key inside the class, e.g. `room-42`.
    pub key: String,
}

impl ActorRef {
    /// The actor `key` of `class`.
    pub fn new(class: impl Into<String>, key: impl Into<String>) -> Self {
        Self { class: class.into(), key: key.into() }
    }
}

/// The actor this instance serves.
pub fn self_ref() -> ActorRef {
    let r = host::self_ref();
    ActorRef { class: r.class, key: r.key }
}

/// The principal that sent the current message, if known.
pub fn caller() -> Option<String> {
    host::caller()
}

/// The actor that sent the current message, when it came from another
/// actor rather than from a client or an alarm.
pub fn caller_actor() -> Option<ActorRef> {
    host::caller_actor().map(|r| ActorRef { class: r.class, key: r.key })
}

/// The turn's start time in milliseconds since the Unix epoch; constant
/// during a turn. Guests have no other clock.
pub fn turn_time_ms() -> u64 {
    host::turn_time()
}
