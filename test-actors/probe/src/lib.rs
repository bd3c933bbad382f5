//! `probe`: an actor that exercises the host's edges for tests (the code
//! is in `probe.rs`, shared with `probe-v2` and `probe-broken`).
//!
//! Payloads and replies are JSON; see `test-actors/README.md` for the table.

/// The state schema of this build.
const SCHEMA: u32 = 0;
/// What `self-check` returns.
const SELF_CHECK: Result<(), &str> = Ok(());

mod probe;
