//! `microlith:actor/log`: guest log records go to the host's tracing output,
//! tagged with the actor, its version and the turn.

use microlith_wit::log::{Host, Level};

use super::HostState;

/// Longest guest log message kept, in bytes.
const MAX_LOG_MESSAGE: usize = 4096;

impl Host for HostState {
    fn write(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        let mut message = message;
        if message.len() > MAX_LOG_MESSAGE {
            let mut cut = MAX_LOG_MESSAGE;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
            message.push('…');
        }
        let class = self.actor.class.as_str();
        let key = self.actor.key.as_str();
        let version = self.version.short();
        let turn = self.turn.id;
        macro_rules! emit {
            ($lvl:expr) => {
                tracing::event!(target: "microlith::guest", $lvl, class, key, version, turn, "{message}")
            };
        }
        match level {
            Level::Trace => emit!(tracing::Level::TRACE),
            Level::Debug => emit!(tracing::Level::DEBUG),
            Level::Info => emit!(tracing::Level::INFO),
            Level::Warn => emit!(tracing::Level::WARN),
            Level::Error => emit!(tracing::Level::ERROR),
        }
        Ok(())
    }
}
