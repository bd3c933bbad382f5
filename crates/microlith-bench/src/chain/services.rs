//! The baseline: the shop's checkout-quote chain as four HTTP+JSON
//! micro-services (axum servers on 127.0.0.1, ephemeral ports) in this
//! process. Each keeps its data in memory and calls the next with its own
//! pooled, keep-alive `reqwest::Client`; the work per hop is the same
//! `shop_model` code the actors run.
//!
//! gateway `POST /checkout-quote {user}` → cart `POST /quote {user}` →
//! inventory `POST /check {items}` → pricing `POST /quote {items}`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::serve::ListenerExt;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use shop_model::{Availability, Item, Items, Quote, Summary, User};
use tokio::task::JoinHandle;

use super::ShopData;

/// A handler's failure: status and message.
type Failure = (StatusCode, String);

fn upstream(e: reqwest::Error) -> Failure {
    (StatusCode::BAD_GATEWAY, e.to_string())
}

/// A client for calls between services: pooled keep-alive connections.
pub fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder().no_proxy().tcp_nodelay(true).build()?)
}

/// POSTs `body` as JSON to `url` and decodes the JSON reply.
async fn post_json<B: Serialize, R: for<'de> Deserialize<'de>>(
    client: &reqwest::Client,
    url: &str,
    body: &B,
) -> Result<R, reqwest::Error> {
    client.post(url).json(body).send().await?.error_for_status()?.json().await
}

// ---- pricing ----

struct Pricing {
    prices: RwLock<HashMap<String, u64>>,
}

async fn pricing_quote(
    State(s): State<Arc<Pricing>>,
    Json(Items { items }): Json<Items>,
) -> Result<Json<Quote>, Failure> {
    let prices = s.prices.read().unwrap_or_else(|e| e.into_inner());
    let quote = shop_model::quote(&items, |sku| prices.get(sku).copied());
    quote.map(Json).map_err(|e| (StatusCode::BAD_REQUEST, e))
}

// ---- inventory ----

struct Inventory {
    stock: RwLock<HashMap<String, u32>>,
    client: reqwest::Client,
    pricing: String,
}

async fn inventory_check(
    State(s): State<Arc<Inventory>>,
    Json(Items { items }): Json<Items>,
) -> Result<Json<Availability>, Failure> {
    let missing = {
        let stock = s.stock.read().unwrap_or_else(|e| e.into_inner());
        shop_model::missing(&items, |sku| stock.get(sku).copied().unwrap_or(0))
    };
    let quote: Quote = post_json(&s.client, &s.pricing, &Items { items }).await.map_err(upstream)?;
    Ok(Json(shop_model::availability(missing, quote)))
}

// ---- cart ----

struct Cart {
    carts: RwLock<HashMap<String, Vec<Item>>>,
    client: reqwest::Client,
    inventory: String,
}

/// `cart.quote` reply (as the cart actor's).
#[derive(Serialize, Deserialize)]
struct CartQuote {
    items: Vec<Item>,
    availability: Availability,
}

async fn cart_quote(State(s): State<Arc<Cart>>, Json(User { user }): Json<User>) -> Result<Json<CartQuote>, Failure> {
    let items = s.carts.read().unwrap_or_else(|e| e.into_inner()).get(&user).cloned().unwrap_or_default();
    let availability: Availability =
        post_json(&s.client, &s.inventory, &Items { items: items.clone() }).await.map_err(upstream)?;
    Ok(Json(CartQuote { items, availability }))
}

// ---- gateway ----

struct Gateway {
    client: reqwest::Client,
    cart: String,
}

async fn gateway_checkout_quote(
    State(s): State<Arc<Gateway>>,
    Json(User { user }): Json<User>,
) -> Result<Json<Summary>, Failure> {
    let q: CartQuote = post_json(&s.client, &s.cart, &User { user: user.clone() }).await.map_err(upstream)?;
    Ok(Json(shop_model::summarize(&user, &q.items, &q.availability)))
}

/// The four running services.
pub struct Services {
    /// `POST` here with `{"user": u}` for a `Summary`.
    pub checkout_url: String,
    servers: Vec<JoinHandle<std::io::Result<()>>>,
}

impl Services {
    /// Stops the servers.
    pub fn stop(self) {
        for s in self.servers {
            s.abort();
        }
    }
}

async fn serve(app: Router) -> anyhow::Result<(SocketAddr, JoinHandle<std::io::Result<()>>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let listener = listener.tap_io(|tcp| {
        // As the clients do; a failure would only cost latency.
        let _ = tcp.set_nodelay(true);
    });
    Ok((addr, tokio::spawn(async move { axum::serve(listener, app).await })))
}

/// Starts pricing, inventory, cart and gateway, seeded with `data`.
pub async fn start(data: &ShopData) -> anyhow::Result<Services> {
    let mut servers = Vec::new();

    let pricing = Arc::new(Pricing { prices: RwLock::new(data.prices.iter().cloned().collect()) });
    let (addr, s) = serve(Router::new().route("/quote", post(pricing_quote)).with_state(pricing)).await?;
    servers.push(s);

    let inventory = Arc::new(Inventory {
        stock: RwLock::new(data.stock.iter().cloned().collect()),
        client: client()?,
        pricing: format!("http://{addr}/quote"),
    });
    let (addr, s) = serve(Router::new().route("/check", post(inventory_check)).with_state(inventory)).await?;
    servers.push(s);

    let mut carts: HashMap<String, Vec<Item>> = HashMap::new();
    for (user, adds) in &data.carts {
        let items = carts.entry(user.clone()).or_default();
        for add in adds {
            shop_model::add_item(items, &add.sku, add.qty);
        }
    }
    let cart =
        Arc::new(Cart { carts: RwLock::new(carts), client: client()?, inventory: format!("http://{addr}/check") });
    let (addr, s) = serve(Router::new().route("/quote", post(cart_quote)).with_state(cart)).await?;
    servers.push(s);

    let gateway = Arc::new(Gateway { client: client()?, cart: format!("http://{addr}/quote") });
    let (addr, s) =
        serve(Router::new().route("/checkout-quote", post(gateway_checkout_quote)).with_state(gateway)).await?;
    servers.push(s);

    Ok(Services { checkout_url: format!("http://{addr}/checkout-quote"), servers })
}

/// The bench client's side: `checkout-quote` for `user` over HTTP.
pub async fn checkout(client: &reqwest::Client, url: &str, user: &str) -> anyhow::Result<Summary> {
    Ok(post_json(client, url, &User { user: user.to_string() }).await?)
}
