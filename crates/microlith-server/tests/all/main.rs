//! API tests: a real server on 127.0.0.1 with real components built from
//! `examples/` and `test-actors/`, driven over HTTP.

mod support;

mod actor_calls;
mod admin;
mod alarms;
mod calls;
mod conformance;
mod handoff;
mod isolation;
mod lifecycle;
mod sends;
mod shop;
mod upgrade;
mod upgrade_langs;
mod ws;
