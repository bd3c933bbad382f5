//! Runtime tests below the HTTP layer: failure paths that need a store that
//! can be told to fail.

mod commit_failure;
