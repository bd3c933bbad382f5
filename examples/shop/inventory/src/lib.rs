//! `inventory`: stock per SKU (one actor per warehouse, e.g. `main`).
//!
//! | method    | payload                       | reply                               |
//! |-----------|-------------------------------|-------------------------------------|
//! | `restock` | `{"sku": s, "qty": n}`        | `{"sku": s, "qty": units on hand}`  |
//! | `stock`   | `{"sku": s}`                  | `{"sku": s, "qty": units on hand}`  |
//! | `check`   | `{"items": [...]}`            | `Availability` (asks `pricing/eu`)  |
//! | `reserve` | `{"order": id, "items": [...]}` | `{"ok": true}`, or fails if short |
//! | `release` | `{"order": id}`               | `{"ok": true}` (the stock is back)  |
//! | `settle`  | `{"order": id}`               | `{"ok": true}` (the record is gone) |
//! | `reservation` | `{"order": id}`           | `{"order": id, "held": [...] or null}` |
//!
//! `reserve` takes the stock for one order, once: the reservation is kept
//! under `reserved/<order>` in the same turn, and a second `reserve` for
//! that order answers `{"ok": true}` without taking anything. (`orders`
//! asks again when the server crashed after this turn committed but before
//! the order's own turn did: the outbox then delivers `place` again.)
//! `release` puts an order's reserved stock back, once, and leaves an empty
//! reservation behind, so a late `reserve` for that order takes nothing.
//! `settle` forgets a shipped order's reservation (its stock stays taken):
//! `orders` sends it once the order has shipped, when no `reserve` for the
//! order can come any more (only an order's first `place` turn reserves; a
//! `place` delivered again finds the order placed and does not ask), so a
//! shipped order leaves no record. Released and refused reservations keep
//! theirs. This relies on that rule of `orders`: a `reserve` after `settle`
//! would take the stock again. `reservation` shows what is held for an
//! order: its items, `[]` once released, `null` when there is no record
//! (never reserved, or settled); `orders` asks before it ships.
//!
//! `check` (called by carts) and the stored stock are encoded by
//! [`shop_wire`]: JSON, or postcard in the benchmark's binary-hops build.
//! `reserve` is JSON in both: the C `orders` class calls it.

use microlith_actor::context::ActorRef;
use microlith_actor::{Actor, Error, Request, reply, state};
use serde::{Deserialize, Serialize};
use shop_model::{Item, Items, Quote};

#[derive(Deserialize)]
struct Sku {
    sku: String,
}

#[derive(Serialize)]
struct Stock {
    sku: String,
    qty: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Reserve {
    order: String,
    items: Vec<Item>,
}

/// The payload of `release`, `settle` and `reservation`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderRef {
    order: String,
}

#[derive(Serialize)]
struct Ack {
    ok: bool,
}

#[derive(Serialize)]
struct Held {
    order: String,
    held: Option<Vec<Item>>,
}

/// The order a `release`, `settle` or `reservation` names (not empty).
fn order_of(req: &Request) -> Result<String, Error> {
    let OrderRef { order } = req.json()?;
    if order.is_empty() {
        return Err(Error::bad_request("order must not be empty"));
    }
    Ok(order)
}

fn key(sku: &str) -> String {
    format!("stock/{sku}")
}

fn on_hand(sku: &str) -> Result<u32, Error> {
    Ok(shop_wire::get(&key(sku))?.unwrap_or(0))
}

/// Units on hand of each SKU (storage errors fail the turn).
fn missing(items: &[Item]) -> Result<Vec<Item>, Error> {
    let mut err = None;
    let missing = shop_model::missing(items, |sku| {
        on_hand(sku).unwrap_or_else(|e| {
            err = Some(e);
            0
        })
    });
    err.map_or(Ok(missing), Err)
}

struct Inventory;

impl Actor for Inventory {
    fn handle(req: Request) -> Result<Vec<u8>, Error> {
        match req.method() {
            "restock" => {
                let item: Item = req.json()?;
                let qty = on_hand(&item.sku)?.saturating_add(item.qty);
                shop_wire::set(&key(&item.sku), &qty)?;
                reply::json(&Stock { sku: item.sku, qty })
            }
            "stock" => {
                let Sku { sku } = req.json()?;
                let qty = on_hand(&sku)?;
                reply::json(&Stock { sku, qty })
            }
            "check" => {
                let Items { items } = shop_wire::arg(&req)?;
                let missing = missing(&items)?;
                let quote: Quote = shop_wire::call(&ActorRef::new("pricing", "eu"), "quote", &Items { items })?;
                shop_wire::reply(&shop_model::availability(missing, quote))
            }
            "reserve" => {
                let Reserve { order, items } = req.json()?;
                if order.is_empty() {
                    return Err(Error::bad_request("order must not be empty"));
                }
                let held = format!("reserved/{order}");
                if shop_wire::get::<Vec<Item>>(&held)?.is_some() {
                    return reply::json(&Ack { ok: true });
                }
                if let Some(short) = missing(&items)?.first() {
                    return Err(Error::failed(format!("{} short of {}", short.qty, short.sku)));
                }
                for item in &items {
                    shop_wire::set(&key(&item.sku), &(on_hand(&item.sku)? - item.qty))?;
                }
                shop_wire::set(&held, &items)?;
                reply::json(&Ack { ok: true })
            }
            "release" => {
                let order = order_of(&req)?;
                let held = format!("reserved/{order}");
                let items = shop_wire::get::<Vec<Item>>(&held)?.unwrap_or_default();
                for item in &items {
                    shop_wire::set(&key(&item.sku), &on_hand(&item.sku)?.saturating_add(item.qty))?;
                }
                shop_wire::set(&held, &Vec::<Item>::new())?;
                reply::json(&Ack { ok: true })
            }
            "settle" => {
                let order = order_of(&req)?;
                state::delete(&format!("reserved/{order}"));
                reply::json(&Ack { ok: true })
            }
            "reservation" => {
                let order = order_of(&req)?;
                let held = shop_wire::get::<Vec<Item>>(&format!("reserved/{order}"))?;
                reply::json(&Held { order, held })
            }
            _ => Err(req.unknown_method()),
        }
    }
}

microlith_actor::export_actor!(Inventory);
