//! The example actors `microlith dev` deploys, built from `examples/` and
//! committed as components (`scripts/build-guests --check` proves they match
//! their sources).

/// `(class, component bytes)` of every example.
pub const EXAMPLES: &[(&str, &[u8])] = &[
    ("counter", include_bytes!("../../../examples/wasm/counter.wasm")),
    ("todo", include_bytes!("../../../examples/wasm/todo.wasm")),
    // Per-viewer live views: each player sees only its own hand.
    ("cards", include_bytes!("../../../examples/wasm/cards.wasm")),
    // The shop: five services that call each other in-process.
    ("gateway", include_bytes!("../../../examples/wasm/shop/gateway.wasm")),
    ("cart", include_bytes!("../../../examples/wasm/shop/cart.wasm")),
    ("inventory", include_bytes!("../../../examples/wasm/shop/inventory.wasm")),
    ("pricing", include_bytes!("../../../examples/wasm/shop/pricing.wasm")),
    ("orders", include_bytes!("../../../examples/wasm/shop/orders.wasm")),
];
