//! Durable named alarms. An alarm set in a turn exists once the turn
//! commits, survives restarts, and runs [`Actor::on_alarm`](crate::Actor::on_alarm)
//! at or after its time (at least once: a failed alarm turn is retried with
//! backoff).

use crate::Error;
use crate::bindings::microlith::actor::alarms as host;
use crate::bindings::microlith::actor::types::AlarmError;

fn refused(e: AlarmError) -> Error {
    match e {
        AlarmError::InvalidName(max) => Error::bad_request(format!("alarm names are 1 to {max} bytes")),
        AlarmError::TooMany(max) => Error::failed(format!("an actor may have at most {max} alarms")),
    }
}

/// Sets (or moves) alarm `name` to fire at `at_ms` (ms since the Unix epoch).
pub fn set(name: &str, at_ms: u64) -> Result<(), Error> {
    host::set_alarm(name, at_ms).map_err(refused)
}

/// Sets alarm `name` to fire `delay_ms` after this turn's start time.
pub fn set_in(name: &str, delay_ms: u64) -> Result<(), Error> {
    set(name, crate::context::turn_time_ms().saturating_add(delay_ms))
}

/// Cancels alarm `name` (a missing alarm is fine).
pub fn cancel(name: &str) {
    host::cancel_alarm(name);
}

/// When alarm `name` is due, if it is set.
pub fn get(name: &str) -> Option<u64> {
    host::get_alarm(name)
}
