//! End-to-end tests of the `microlith` binary: real processes, real
//! sockets, real crashes (SIGKILL) and restarts.

mod support;
mod watch;

mod commands;
mod crash;
mod dev_watch;
mod languages;
mod rollout;
