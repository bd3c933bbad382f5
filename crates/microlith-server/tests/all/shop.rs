//! The shop example end to end: five independently deployed classes that
//! call each other in-process, a one-way order placement through the
//! outbox, and shipping on a durable alarm — in the committed build (JSON
//! hops) and in the binary-hops build the call benchmark runs (postcard in
//! the internal hops and state, `examples/wasm/shop-binary`).

use serde_json::{Value, json};

use crate::support::*;

/// Calls `actor`'s `method` with `payload` every 10 ms, for up to ~5 s,
/// until `done` holds for the reply; returns the last reply.
async fn poll(s: &TestServer, actor: &str, method: &str, payload: Value, done: impl Fn(&Value) -> bool) -> Value {
    let mut reply = Value::Null;
    for _ in 0..500 {
        reply = s.ok(actor, method, payload.clone()).await;
        if done(&reply) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    reply
}

/// Polls `order`'s status until it is `want`; returns the last seen.
async fn status_within(s: &TestServer, order: &str, want: &str) -> String {
    let reply = poll(s, order, "get", json!(null), |r| r["status"] == want).await;
    reply["status"].as_str().unwrap_or("").to_string()
}

/// Polls `inventory/main`'s reservation for `order` until it is settled
/// (the ship turn's `settle` arrives through the outbox).
async fn settled_within(s: &TestServer, order: &Value) -> Value {
    poll(s, "inventory/main", "reservation", json!({"order": order}), |r| r["held"].is_null()).await
}

async fn shop() -> TestServer {
    shop_built("examples/wasm/shop").await
}

/// The shop with its four Rust classes from `dir` (the C `orders` class is
/// the same in both builds).
async fn shop_built(dir: &str) -> TestServer {
    let s = TestServer::start().await;
    for class in ["gateway", "cart", "inventory", "pricing"] {
        s.deploy_ok(class, fixture(&format!("{dir}/{class}.wasm"))).await;
    }
    s.deploy_ok("orders", fixture("examples/wasm/shop/orders.wasm")).await;
    for (sku, cents, qty) in [("apple", 50, 100), ("pear", 80, 3), ("fig", 200, 0)] {
        s.ok("pricing/eu", "set-price", json!({"sku": sku, "cents": cents})).await;
        s.ok("inventory/main", "restock", json!({"sku": sku, "qty": qty})).await;
    }
    s
}

#[tokio::test]
async fn a_checkout_quote_walks_the_whole_chain() {
    checkout_quote_walks_the_whole_chain(shop().await).await;
}

async fn checkout_quote_walks_the_whole_chain(s: TestServer) {
    s.ok("cart/ann", "add", json!({"sku": "apple", "qty": 10})).await;
    s.ok("cart/ann", "add", json!({"sku": "pear", "qty": 5})).await;
    let q = s.ok("gateway/main", "checkout-quote", json!({"user": "ann"})).await;
    // 10 apples at 50 with 10% volume discount + 5 pears at 80.
    assert_eq!(
        q,
        json!({"user": "ann", "items": 2, "total_cents": 450 + 400, "available": false, "missing": ["pear"]})
    );
    let r = s.call("gateway/main", "checkout", json!({"user": "ann"})).await;
    assert_error(&r, 422, "guest_error");
    assert!(r.1["error"]["message"].as_str().is_some_and(|m| m.contains("pear")), "{}", r.1);
    // An unknown SKU is the client's mistake, reported through the chain.
    s.ok("cart/bob", "add", json!({"sku": "kiwi", "qty": 1})).await;
    let r = s.call("gateway/main", "checkout-quote", json!({"user": "bob"})).await;
    assert_error(&r, 400, "bad_request");
}

#[tokio::test]
async fn a_checkout_places_an_order_that_reserves_stock_and_ships() {
    let s = shop().await;
    s.ok("cart/cy", "add", json!({"sku": "pear", "qty": 2})).await;
    let placed = s.ok("gateway/main", "checkout", json!({"user": "cy"})).await;
    assert_eq!(placed["total_cents"], 160);
    let order = format!("orders/{}", placed["order"].as_str().expect("order id"));
    assert_eq!(s.ok("cart/cy", "get", json!(null)).await, json!([]), "cart cleared");
    assert_eq!(status_within(&s, &order, "shipped").await, "shipped");
    assert_eq!(s.ok("inventory/main", "stock", json!({"sku": "pear"})).await, json!({"sku": "pear", "qty": 1}));
    // Shipping settles the reservation: inventory forgets it (its stock
    // stays taken), so records last only while orders are in flight.
    let id = placed["order"].clone();
    assert_eq!(settled_within(&s, &id).await, json!({"order": id, "held": null}));
    assert_eq!(s.ok("inventory/main", "stock", json!({"sku": "pear"})).await["qty"], 1);
}

/// `orders` is the shop's C class: it checks its payload strictly, records
/// a refused reservation in the order, and places an order once however
/// often the outbox delivers `place`.
#[tokio::test]
async fn the_c_orders_class_checks_input_records_refusals_and_places_once() {
    let s = shop().await;
    let bad = [
        json!({"user": "x", "items": {}, "total_cents": 1}),
        json!({"user": "x", "items": [{"sku": "apple"}], "total_cents": 1}),
        json!({"user": "x", "items": [{"sku": "apple", "qty": 1, "extra": true}], "total_cents": 1}),
        json!({"user": "x", "items": [{"sku": "apple", "qty": 4_294_967_296_u64}], "total_cents": 1}),
        json!({"user": "x", "items": [], "total_cents": -1}),
        json!({"user": "x", "items": []}),
        json!([1, 2]),
    ];
    for payload in bad {
        let r = s.call("orders/o-bad", "place", payload.clone()).await;
        assert_error(&r, 400, "bad_request");
        assert!(r.1["error"]["message"].as_str().is_some_and(|m| m.contains("invalid payload")), "{payload}: {}", r.1);
    }
    let r = s.call_raw("orders/o-bad/place", "{\"user\": \"x\", \"items\": [1,").await;
    assert_eq!(r.0, 400, "truncated JSON: {}", r.1);
    assert_eq!(s.ok("orders/o-bad", "get", json!(null)).await, json!(null), "a refused place stores nothing");
    assert_error(&s.call("orders/o-bad", "refund", json!(null)).await, 404, "unknown_method");
    assert_error(&s.call("orders/o-bad", "cancel", json!(null)).await, 422, "guest_error");

    // Only 3 pears in stock: inventory refuses, its turn rolls back, and
    // the order records why.
    let place = json!({"user": "dee", "items": [{"sku": "pear", "qty": 5}], "total_cents": 400});
    let o = s.ok("orders/o1", "place", place).await;
    assert_eq!(o["status"], "rejected", "{o}");
    assert_eq!(o["note"], "failed: 2 short of pear", "{o}");
    assert_eq!(o["user"], "dee");
    assert_eq!(o["items"], json!([{"sku": "pear", "qty": 5}]));
    assert_eq!(s.ok("inventory/main", "stock", json!({"sku": "pear"})).await["qty"], 3);
    // The ship alarm, set before the reservation, was cancelled with it.
    assert_eq!(s.runtime().scheduled_alarms(), 0, "a rejected order does not ship");

    // A second delivery (or any later place) returns the recorded order.
    let again = json!({"user": "dee", "items": [{"sku": "apple", "qty": 1}], "total_cents": 50});
    assert_eq!(s.ok("orders/o1", "place", again).await, o);
    assert_eq!(s.ok("orders/o1", "get", json!(null)).await, o);
    assert_eq!(s.ok("inventory/main", "stock", json!({"sku": "apple"})).await["qty"], 100);
}

/// The benchmark's binary-hops build behaves like the committed one at the
/// edge (JSON in and out, orders placed and shipped), while its internal
/// hops really are postcard.
#[tokio::test]
async fn the_binary_hops_build_serves_the_same_shop_with_postcard_inside() {
    checkout_quote_walks_the_whole_chain(shop_built("examples/wasm/shop-binary").await).await;

    let s = shop_built("examples/wasm/shop-binary").await;
    // pricing.quote of 10 apples, by hand in postcard: a 1-item Vec, the
    // 5-byte SKU, qty 10 (varints throughout).
    let arg = [&[1u8, 5][..], b"apple", &[10]].concat();
    let (status, reply) = s.call_bytes("pricing/eu/quote", "application/octet-stream", arg).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
    // Quote { lines: [{sku, qty 10, unit 50, total 450}], total 450 }; 450 is
    // the varint 0xc2 0x03.
    let want = [&[1u8, 5][..], b"apple", &[10, 50, 0xc2, 0x03, 0xc2, 0x03]].concat();
    assert_eq!(reply, want);
    // JSON sent to an internal hop is refused, clearly, and changes nothing.
    let r = s.call("pricing/eu", "quote", json!({"items": [{"sku": "apple", "qty": 10}]})).await;
    assert_error(&r, 400, "bad_request");
    assert!(r.1["error"]["message"].as_str().is_some_and(|m| m.contains("invalid payload for `quote`")), "{}", r.1);

    // A whole checkout through the C orders class (JSON `place`, JSON
    // `reserve`, postcard stock) reserves and ships.
    s.ok("cart/cy", "add", json!({"sku": "pear", "qty": 2})).await;
    let placed = s.ok("gateway/main", "checkout", json!({"user": "cy"})).await;
    assert_eq!(placed["total_cents"], 160);
    let order = format!("orders/{}", placed["order"].as_str().expect("order id"));
    assert_eq!(status_within(&s, &order, "shipped").await, "shipped");
    assert_eq!(s.ok("inventory/main", "stock", json!({"sku": "pear"})).await, json!({"sku": "pear", "qty": 1}));
}

/// `inventory.reserve` takes the stock once per order: the outbox delivers
/// `place` at least once, so after a crash between inventory's commit and
/// the order's, the order asks again, and must not take twice.
#[tokio::test]
async fn a_reservation_is_taken_once_per_order_however_often_it_is_asked() {
    let s = shop().await;
    let reserve = json!({"order": "o7", "items": [{"sku": "apple", "qty": 30}]});
    assert_eq!(s.ok("inventory/main", "reserve", reserve.clone()).await, json!({"ok": true}));
    assert_eq!(s.ok("inventory/main", "reserve", reserve).await, json!({"ok": true}));
    assert_eq!(s.ok("inventory/main", "stock", json!({"sku": "apple"})).await["qty"], 70, "taken once");

    // As if an earlier attempt of orders/o8 reserved, then the server
    // crashed before the order committed: the redelivered place finds the
    // reservation and takes nothing more.
    let items = json!([{"sku": "apple", "qty": 20}]);
    s.ok("inventory/main", "reserve", json!({"order": "o8", "items": items})).await;
    let o = s.ok("orders/o8", "place", json!({"user": "eve", "items": items, "total_cents": 900})).await;
    assert_eq!(o["status"], "reserved", "{o}");
    assert_eq!(s.ok("inventory/main", "stock", json!({"sku": "apple"})).await["qty"], 50, "o8 taken once");

    // A reservation must name its order.
    for bad in [json!({"items": items}), json!({"order": "", "items": items})] {
        assert_error(&s.call("inventory/main", "reserve", bad).await, 400, "bad_request");
    }
    assert_eq!(s.ok("inventory/main", "stock", json!({"sku": "apple"})).await["qty"], 50);
}

/// A reserved order can be cancelled: inventory gets its stock back once,
/// the ship alarm goes, and a late `reserve` for the order takes nothing.
#[tokio::test]
async fn a_reserved_order_is_cancelled_and_its_stock_released_once() {
    let s = shop().await;
    let items = json!([{"sku": "apple", "qty": 40}]);
    let o = s.ok("orders/c1", "place", json!({"user": "fay", "items": items, "total_cents": 1800})).await;
    assert_eq!(o["status"], "reserved", "{o}");
    assert_eq!(s.ok("inventory/main", "stock", json!({"sku": "apple"})).await["qty"], 60);
    let held = s.ok("inventory/main", "reservation", json!({"order": "c1"})).await;
    assert_eq!(held, json!({"order": "c1", "held": items}));
    assert_eq!(s.runtime().scheduled_alarms(), 1);

    let c = s.ok("orders/c1", "cancel", json!(null)).await;
    assert_eq!(c["status"], "cancelled", "{c}");
    assert_eq!(s.runtime().scheduled_alarms(), 0, "the ship alarm is cancelled");
    assert_eq!(s.ok("inventory/main", "stock", json!({"sku": "apple"})).await["qty"], 100);
    // Again: the same cancelled order, no second release.
    assert_eq!(s.ok("orders/c1", "cancel", json!(null)).await, c);
    s.ok("inventory/main", "release", json!({"order": "c1"})).await;
    assert_eq!(s.ok("inventory/main", "stock", json!({"sku": "apple"})).await["qty"], 100, "released once");
    // A reserve arriving after the release (a late redelivery) takes nothing.
    s.ok("inventory/main", "reserve", json!({"order": "c1", "items": items})).await;
    assert_eq!(s.ok("inventory/main", "stock", json!({"sku": "apple"})).await["qty"], 100);
    let held = s.ok("inventory/main", "reservation", json!({"order": "c1"})).await;
    assert_eq!(held, json!({"order": "c1", "held": []}), "released, not forgotten");

    // A shipped order cannot be cancelled, and keeps its stock taken.
    s.ok("orders/c2", "place", json!({"user": "fay", "items": [{"sku": "pear", "qty": 1}], "total_cents": 80})).await;
    assert_eq!(status_within(&s, "orders/c2", "shipped").await, "shipped");
    let r = s.call("orders/c2", "cancel", json!(null)).await;
    assert_error(&r, 422, "guest_error");
    assert!(r.1["error"]["message"].as_str().is_some_and(|m| m.contains("shipped")), "{}", r.1);
    assert_eq!(s.ok("inventory/main", "stock", json!({"sku": "pear"})).await["qty"], 2);
    // Once settled, a stray release for the shipped order returns nothing.
    assert_eq!(settled_within(&s, &json!("c2")).await["held"], Value::Null);
    s.ok("inventory/main", "release", json!({"order": "c2"})).await;
    assert_eq!(s.ok("inventory/main", "stock", json!({"sku": "pear"})).await["qty"], 2, "shipped stock stays taken");
    // A release the order never heard of (its cancel's release call timed
    // out, say): the ship turn finds the stock released and cancels the
    // order instead of shipping goods it no longer holds.
    s.ok("orders/c3", "place", json!({"user": "fay", "items": [{"sku": "pear", "qty": 2}], "total_cents": 160})).await;
    assert_eq!(s.ok("inventory/main", "stock", json!({"sku": "pear"})).await["qty"], 0);
    s.ok("inventory/main", "release", json!({"order": "c3"})).await;
    assert_eq!(status_within(&s, "orders/c3", "cancelled").await, "cancelled");
    let c3 = s.ok("orders/c3", "get", json!(null)).await;
    assert_eq!(c3["note"], "inventory released the stock", "{c3}");
    assert_eq!(s.ok("inventory/main", "stock", json!({"sku": "pear"})).await["qty"], 2, "released once, not shipped");
    assert_eq!(s.runtime().scheduled_alarms(), 0);
    for method in ["release", "settle", "reservation"] {
        for bad in [json!({"order": 7}), json!({}), json!({"order": ""}), json!({"order": "c2", "x": 1})] {
            assert_error(&s.call("inventory/main", method, bad).await, 400, "bad_request");
        }
    }
}
