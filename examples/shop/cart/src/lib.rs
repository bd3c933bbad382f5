//! `cart`: one shopping cart per user (the actor key).
//!
//! | method   | payload                  | reply                                        |
//! |----------|--------------------------|----------------------------------------------|
//! | `add`    | `{"sku": s, "qty": n}`   | the items                                    |
//! | `remove` | `{"sku": s}`             | the items                                    |
//! | `get`    | ignored                  | the items                                    |
//! | `clear`  | ignored                  | `[]`                                         |
//! | `quote`  | ignored                  | `{"items", "availability"}` (asks inventory) |

use microlith_actor::context::ActorRef;
use microlith_actor::{Actor, Error, Request, actors, reply, state};
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
    Ok(state::get_json(ITEMS)?.unwrap_or_default())
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
                state::set_json(ITEMS, &items)?;
                reply::json(&items)
            }
            "remove" => {
                let Sku { sku } = req.json()?;
                let mut items = items()?;
                items.retain(|i| i.sku != sku);
                state::set_json(ITEMS, &items)?;
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
                    actors::call_json(&ActorRef::new("inventory", "main"), "check", &Items { items: items.clone() })?;
                reply::json(&CartQuote { items, availability })
            }
            _ => Err(req.unknown_method()),
        }
    }
}

microlith_actor::export_actor!(Cart);
