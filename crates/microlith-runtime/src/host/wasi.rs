//! WASI preview 2 for guests that import it (componentize-py and
//! componentize-js components do), with a capability-free context: no
//! preopened directories, no environment variables or arguments, no network
//! (TCP, UDP and name lookup all refused), stdin closed, stdout and stderr
//! discarded. A guest can read the clocks and WASI's random numbers, which
//! reach nothing outside its own instance.
//!
//! The context is built on the first WASI call of an instance, so guests
//! without WASI imports (Rust, C, Zig, AssemblyScript) never pay for it.

use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::HostState;

fn empty_context() -> WasiCtx {
    WasiCtxBuilder::new().allow_tcp(false).allow_udp(false).allow_ip_name_lookup(false).build()
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        let ctx = self.wasi.get_or_insert_with(empty_context);
        WasiCtxView { ctx, table: &mut self.table }
    }
}
