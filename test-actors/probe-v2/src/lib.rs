//! `probe-v2`: the probe with state schema 2, so a deploy over `probe`
//! migrates (see `../probe/src/probe.rs`).

/// The state schema of this build.
const SCHEMA: u32 = 2;
/// What `self-check` returns.
const SELF_CHECK: Result<(), &str> = Ok(());

#[path = "../../probe/src/probe.rs"]
mod probe;
