//! Logging into the host's log, tagged by the host with class, key and turn.
//!
//! Use the functions with a `&str`, or the [`info!`](crate::info)-style
//! macros with `format!` arguments. The host truncates long messages.

use std::sync::Once;

use crate::bindings::microlith::actor::log::{Level, write};

/// Logs `message` at trace level.
pub fn trace(message: &str) {
    write(Level::Trace, message)
}

/// Logs `message` at debug level.
pub fn debug(message: &str) {
    write(Level::Debug, message)
}

/// Logs `message` at info level.
pub fn info(message: &str) {
    write(Level::Info, message)
}

/// Logs `message` at warn level.
pub fn warn(message: &str) {
    write(Level::Warn, message)
}

/// Logs `message` at error level.
pub fn error(message: &str) {
    write(Level::Error, message)
}

/// Logs a panic's message at error level before the guest traps, so the
/// host log explains the trap. Installed on the first turn.
pub(crate) fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| error(&format!("guest panicked: {info}"))));
    });
}

/// Logs a `format!` message at trace level.
#[macro_export]
macro_rules! trace {
    ($($arg:tt)*) => { $crate::log::trace(&::std::format!($($arg)*)) };
}

/// Logs a `format!` message at debug level.
#[macro_export]
macro_rules! debug {
    ($($arg:tt)*) => { $crate::log::debug(&::std::format!($($arg)*)) };
}

/// Logs a `format!` message at info level.
#[macro_export]
macro_rules! info {
    ($($arg:tt)*) => { $crate::log::info(&::std::format!($($arg)*)) };
}

/// Logs a `format!` message at warn level.
#[macro_export]
macro_rules! warn {
    ($($arg:tt)*) => { $crate::log::warn(&::std::format!($($arg)*)) };
}

/// Logs a `format!` message at error level.
#[macro_export]
macro_rules! error {
    ($($arg:tt)*) => { $crate::log::error(&::std::format!($($arg)*)) };
}
