//! `pricing`: unit prices and quotes (one actor per price list, e.g. `eu`).
//!
//! | method      | payload                         | reply                  |
//! |-------------|---------------------------------|------------------------|
//! | `set-price` | `{"sku": s, "cents": n}`        | `{"ok": true}`         |
//! | `quote`     | `{"items": [{"sku", "qty"}]}`   | `Quote` (see model)    |
//!
//! `quote` (called by inventory) and the stored prices are encoded by
//! [`shop_wire`]: JSON, or postcard in the benchmark's binary-hops build.

use microlith_actor::{Actor, Error, Request, reply};
use serde::{Deserialize, Serialize};
use shop_model::Items;

#[derive(Deserialize)]
struct SetPrice {
    sku: String,
    cents: u64,
}

#[derive(Serialize)]
struct Ack {
    ok: bool,
}

struct Pricing;

impl Actor for Pricing {
    fn handle(req: Request) -> Result<Vec<u8>, Error> {
        match req.method() {
            "set-price" => {
                let p: SetPrice = req.json()?;
                shop_wire::set(&format!("price/{}", p.sku), &p.cents)?;
                reply::json(&Ack { ok: true })
            }
            "quote" => {
                let Items { items } = shop_wire::arg(&req)?;
                let mut failed = None;
                let quote = shop_model::quote(&items, |sku| match shop_wire::get::<u64>(&format!("price/{sku}")) {
                    Ok(price) => price,
                    Err(e) => {
                        failed = Some(e);
                        None
                    }
                });
                if let Some(e) = failed {
                    return Err(e);
                }
                shop_wire::reply(&quote.map_err(Error::bad_request)?)
            }
            _ => Err(req.unknown_method()),
        }
    }
}

microlith_actor::export_actor!(Pricing);
