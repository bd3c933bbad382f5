//! `probe-broken`: the probe whose `self-check` fails, so its deploy is
//! refused (see `../probe/src/probe.rs`).

/// The state schema of this build.
const SCHEMA: u32 = 3;
/// What `self-check` returns.
const SELF_CHECK: Result<(), &str> = Err("probe-broken refuses to serve");

#[path = "../../probe/src/probe.rs"]
mod probe;
