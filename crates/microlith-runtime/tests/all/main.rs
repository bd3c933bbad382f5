//! Runtime tests below the HTTP layer: failure paths that need a store that
//! can be told to fail, and the sweep of expired idempotency records, which
//! needs to look into the store.

mod commit_failure;
mod idempotency_sweep;
