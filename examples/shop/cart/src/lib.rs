//! `cart`: one shopping cart per user (the actor key).
//!
//! | method   | payload                  | reply                                        |
//! |----------|--------------------------|----------------------------------------------|
//! | `add`    | `{"sku": s, "qty": n}`   | the items                                    |
//! | `remove` | `{"sku": s}`             | the items                                    |
//! | `get`    | ignored                  | the items                                    |
//! | `clear`  | ignored                  | `[]`                                         |
//! | `quote`  | ignored                  | `{"items", "availability"}` (asks inventory) |
//!
//! `quote` (called by the gateway) and the stored items are encoded by
//! [`shop_wire`]: JSON, or postcard in the benchmark's binary-hops build.

use microlith_actor::context::ActorRef;
use microlith_actor::{Actor, Error, Request, reply, state};
use serde::{Deserialize, Serialize};
use shop_model::{Availability, Item, Items};

const ITEMS: &str = "items";

#[derive(Deserialize)]
struct Sku {
    sku: String,
}

#[derive(Serialize)]
struct CartQuote {
    items: Vec<Item>,
    availability: Availability,
}

fn items() -> Result<Vec<Item>, Error> {
    Ok(shop_wire::get(ITEMS)?.unwrap_or_default())
}

struct Cart;

impl Actor for Cart {
    fn handle(req: Request) -> Result<Vec<u8>, Error> {
        match req.method() {
            "add" => {
                let item: Item = req.json()?;
                if item.qty == 0 {
                    return Err(Error::bad_request("qty must be at least 1"));
                }
                let mut items = items()?;
                shop_model::add_item(&mut items, &item.sku, item.qty);
                shop_wire::set(ITEMS, &items)?;
                reply::json(&items)
            }
            "remove" => {
                let Sku { sku } = req.json()?;
                let mut items = items()?;
                items.retain(|i| i.sku != sku);
                shop_wire::set(ITEMS, &items)?;
                reply::json(&items)
            }
            "get" => reply::json(&items()?),
            "clear" => {
                state::delete(ITEMS);
                reply::json(&Vec::<Item>::new())
            }
            "quote" => {
                let items = items()?;
                let availability: Availability =
                    shop_wire::call(&ActorRef::new("inventory", "main"), "check", &Items { items: items.clone() })?;
                shop_wire::reply(&CartQuote { items, availability })
            }
            _ => Err(req.unknown_method()),
        }
    }
}

microlith_actor::export_actor!(Cart);
