//! `gateway`: the shop's front door (one actor, key `main`, or one per
//! region). It holds no state of its own; it composes the other services.
//!
//! | method           | payload         | reply                                          |
//! |------------------|-----------------|------------------------------------------------|
//! | `checkout-quote` | `{"user": u}`   | `Summary` (cart → inventory → pricing)         |
//! | `checkout`       | `{"user": u}`   | `{"order": id, "total_cents": n}`; fails if short |
//!
//! The call to `cart.quote` is encoded by [`shop_wire`] (JSON, or postcard
//! in the benchmark's binary-hops build). `checkout` sends `place` to
//! `orders/<id>` one-way: the order is created once this turn commits, even
//! if the server crashes right after.

use microlith_actor::context::{self, ActorRef};
use microlith_actor::{Actor, Error, Request, actors, reply};
use serde::{Deserialize, Serialize};
use shop_model::{Item, User};

#[derive(Deserialize)]
struct CartQuote {
    items: Vec<Item>,
    availability: shop_model::Availability,
}

#[derive(Serialize)]
struct Placed {
    order: String,
    total_cents: u64,
}

#[derive(Serialize)]
struct Place<'a> {
    user: &'a str,
    items: &'a [Item],
    total_cents: u64,
}

fn cart_quote(user: &str) -> Result<CartQuote, Error> {
    shop_wire::call(&ActorRef::new("cart", user), "quote", &())
}

struct Gateway;

impl Actor for Gateway {
    fn handle(req: Request) -> Result<Vec<u8>, Error> {
        match req.method() {
            "checkout-quote" => {
                let User { user } = req.json()?;
                let q = cart_quote(&user)?;
                reply::json(&shop_model::summarize(&user, &q.items, &q.availability))
            }
            "checkout" => {
                let User { user } = req.json()?;
                let q = cart_quote(&user)?;
                if q.items.is_empty() {
                    return Err(Error::bad_request("the cart is empty"));
                }
                if !q.availability.available {
                    let skus: Vec<&str> = q.availability.missing.iter().map(|i| i.sku.as_str()).collect();
                    return Err(Error::failed(format!("out of stock: {}", skus.join(", "))));
                }
                let order = format!("{user}-{}", context::turn_time_ms());
                let total_cents = q.availability.quote.total_cents;
                let place = Place { user: &user, items: &q.items, total_cents };
                actors::send_json(&ActorRef::new("orders", &order), "place", &place)?;
                actors::call(&ActorRef::new("cart", &user), "clear", b"")?;
                reply::json(&Placed { order, total_cents })
            }
            _ => Err(req.unknown_method()),
        }
    }
}

microlith_actor::export_actor!(Gateway);
