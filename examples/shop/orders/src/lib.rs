//! `orders`: one actor per order. Created by the gateway's one-way `place`;
//! reserves the stock, then ships on a durable alarm.
//!
//! | method  | payload                                  | reply       |
//! |---------|------------------------------------------|-------------|
//! | `place` | `{"user", "items", "total_cents"}`        | the order   |
//! | `get`   | ignored                                  | the order, or `null` |
//!
//! Status: `placed` → (`reserve` fails) `rejected`, or `reserved` →
//! (alarm `ship`, [`SHIP_AFTER_MS`] later) `shipped`.

use microlith_actor::context::{self, ActorRef};
use microlith_actor::{Actor, Error, Request, actors, alarms, log, reply, state};
use serde::{Deserialize, Serialize};
use shop_model::{Item, Items};

/// Delay between reservation and shipping.
const SHIP_AFTER_MS: u64 = 1000;
const ORDER: &str = "order";

#[derive(Serialize, Deserialize)]
struct Order {
    user: String,
    items: Vec<Item>,
    total_cents: u64,
    status: String,
    placed_at_ms: u64,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
struct Place {
    user: String,
    items: Vec<Item>,
    total_cents: u64,
}

fn load() -> Result<Option<Order>, Error> {
    state::get_json(ORDER)
}

struct Orders;

impl Actor for Orders {
    fn handle(req: Request) -> Result<Vec<u8>, Error> {
        match req.method() {
            "place" => {
                if let Some(existing) = load()? {
                    return reply::json(&existing); // placing twice changes nothing
                }
                let p: Place = req.json()?;
                let mut order = Order {
                    user: p.user,
                    items: p.items,
                    total_cents: p.total_cents,
                    status: "placed".into(),
                    placed_at_ms: context::turn_time_ms(),
                    note: None,
                };
                let reserve = Items { items: order.items.clone() };
                match actors::call(&ActorRef::new("inventory", "main"), "reserve", &to_json(&reserve)?) {
                    Ok(_) => {
                        order.status = "reserved".into();
                        alarms::set_in("ship", SHIP_AFTER_MS)?;
                    }
                    Err(e) => {
                        order.status = "rejected".into();
                        order.note = Some(e.to_string());
                    }
                }
                state::set_json(ORDER, &order)?;
                reply::json(&order)
            }
            "get" => reply::json(&load()?),
            _ => Err(req.unknown_method()),
        }
    }

    fn on_alarm(name: &str) -> Result<(), Error> {
        if name != "ship" {
            return Ok(());
        }
        if let Some(mut order) = load()? {
            order.status = "shipped".into();
            log::info(&format!("order of {} shipped", order.user));
            state::set_json(ORDER, &order)?;
        }
        Ok(())
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    reply::json(value)
}

microlith_actor::export_actor!(Orders);
