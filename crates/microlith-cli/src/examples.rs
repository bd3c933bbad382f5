//! The example actors `microlith dev` deploys, built from `examples/` and
//! committed as components (`scripts/build-guests --check` proves they match
//! their sources).

/// `(class, component bytes)` of every example.
pub const EXAMPLES: &[(&str, &[u8])] = &[
    ("counter", include_bytes!("../../../examples/wasm/counter.wasm")),
    ("todo", include_bytes!("../../../examples/wasm/todo.wasm")),
];
