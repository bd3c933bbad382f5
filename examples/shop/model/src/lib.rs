//! The shop's domain: the messages its services exchange and the work each
//! one does, with no I/O. The shop's actors (`examples/shop/*`) and the
//! HTTP micro-services baseline of the call benchmark
//! (`crates/microlith-bench`) both call these functions, so the two
//! measure the same work per hop and differ only in how the hop is made.
//!
//! The checkout-quote chain: gateway → cart (the user's items) → inventory
//! (what is missing) → pricing (line prices, volume discount).

use serde::{Deserialize, Serialize};

/// A quantity of one SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Stock-keeping unit.
    pub sku: String,
    /// How many.
    pub qty: u32,
}

/// Lines of one quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLine {
    /// The SKU.
    pub sku: String,
    /// How many.
    pub qty: u32,
    /// Price of one, in cents.
    pub unit_cents: u64,
    /// Price of the line after discount, in cents.
    pub total_cents: u64,
}

/// `pricing.quote` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// One line per item.
    pub lines: Vec<QuoteLine>,
    /// Sum of the lines, in cents.
    pub total_cents: u64,
}

/// `inventory.check` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Availability {
    /// Whether every item is in stock.
    pub available: bool,
    /// Items short, with the quantity missing.
    pub missing: Vec<Item>,
    /// The price of the items.
    pub quote: Quote,
}

/// `gateway.checkout-quote` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The user.
    pub user: String,
    /// Number of distinct items in the cart.
    pub items: usize,
    /// Total in cents.
    pub total_cents: u64,
    /// Whether everything is in stock.
    pub available: bool,
    /// SKUs short.
    pub missing: Vec<String>,
}

/// Argument of `pricing.quote`, `inventory.check` and `inventory.reserve`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Items {
    /// The items.
    pub items: Vec<Item>,
}

/// Argument of `gateway.checkout-quote` and `gateway.checkout`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The user (the key of their cart).
    pub user: String,
}

/// Lines of at least this many units get [`VOLUME_DISCOUNT_PERCENT`] off.
pub const VOLUME_THRESHOLD: u32 = 10;
/// Discount on volume lines, in percent.
pub const VOLUME_DISCOUNT_PERCENT: u64 = 10;

/// Prices `items`; `price_of` gives the unit price of a SKU. Fails naming
/// the first SKU without a price.
pub fn quote(items: &[Item], mut price_of: impl FnMut(&str) -> Option<u64>) -> Result<Quote, String> {
    let mut lines = Vec::with_capacity(items.len());
    let mut total_cents: u64 = 0;
    for item in items {
        let unit_cents = price_of(&item.sku).ok_or_else(|| format!("no price for sku {}", item.sku))?;
        let gross = unit_cents.saturating_mul(u64::from(item.qty));
        let line_total =
            if item.qty >= VOLUME_THRESHOLD { gross - gross * VOLUME_DISCOUNT_PERCENT / 100 } else { gross };
        total_cents = total_cents.saturating_add(line_total);
        lines.push(QuoteLine { sku: item.sku.clone(), qty: item.qty, unit_cents, total_cents: line_total });
    }
    Ok(Quote { lines, total_cents })
}

/// The items of `items` not fully in stock; `stock_of` gives the units of
/// a SKU on hand.
pub fn missing(items: &[Item], mut stock_of: impl FnMut(&str) -> u32) -> Vec<Item> {
    items
        .iter()
        .filter_map(|i| {
            let have = stock_of(&i.sku);
            (have < i.qty).then(|| Item { sku: i.sku.clone(), qty: i.qty - have })
        })
        .collect()
}

/// The availability of `items` given what is missing and their quote.
pub fn availability(missing: Vec<Item>, quote: Quote) -> Availability {
    Availability { available: missing.is_empty(), missing, quote }
}

/// The gateway's summary of a user's cart.
pub fn summarize(user: &str, items: &[Item], a: &Availability) -> Summary {
    Summary {
        user: user.to_string(),
        items: items.len(),
        total_cents: a.quote.total_cents,
        available: a.available,
        missing: a.missing.iter().map(|i| i.sku.clone()).collect(),
    }
}

/// Adds `qty` of `sku` to `items` (merging with an existing line).
pub fn add_item(items: &mut Vec<Item>, sku: &str, qty: u32) {
    match items.iter_mut().find(|i| i.sku == sku) {
        Some(line) => line.qty = line.qty.saturating_add(qty),
        None => items.push(Item { sku: sku.to_string(), qty }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(sku: &str, qty: u32) -> Item {
        Item { sku: sku.into(), qty }
    }

    #[test]
    fn quotes_apply_the_volume_discount() {
        let q = quote(&[item("a", 2), item("b", 10)], |s| Some(if s == "a" { 150 } else { 100 })).expect("priced");
        assert_eq!(q.lines[0].total_cents, 300);
        assert_eq!(q.lines[1].total_cents, 900);
        assert_eq!(q.total_cents, 1200);
        assert_eq!(quote(&[item("x", 1)], |_| None), Err("no price for sku x".into()));
    }

    #[test]
    fn missing_items_are_the_shortfall() {
        let m = missing(&[item("a", 5), item("b", 1)], |s| if s == "a" { 3 } else { 9 });
        assert_eq!(m, vec![item("a", 2)]);
        let mut items = vec![item("a", 1)];
        add_item(&mut items, "a", 2);
        add_item(&mut items, "c", 1);
        assert_eq!(items, vec![item("a", 3), item("c", 1)]);
    }
}
