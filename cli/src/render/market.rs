//! Text for the data exchange: market and settlement events in domain words, listings, orders
//! with their history, and settlement balances.

use super::ledger::event_entry;
use super::{bound, field, line, list};
use serde_json::Value;
use shulian_runtime::call::Ruling;
use shulian_runtime::events::Event;
use shulian_runtime::{AccountId, DatasetId};

/// A market or settlement event in words; `None` for the other contracts' events.
pub fn describe(e: &Event) -> Option<String> {
    Some(match e {
        Event::Deposited { to, amount, bank_ref, clearing, supply } => {
            format!("deposit of {amount} to {to} cleared by {clearing} (bank ref {bank_ref}); supply now {supply}")
        }
        Event::Withdrawn { from, amount, bank_ref, clearing, supply } => format!(
            "withdrawal of {amount} from {from} cleared by {clearing} (bank ref {bank_ref}); supply now {supply}"
        ),
        Event::ListingSubmitted { listing, seller, dataset, price, max_uses } => format!(
            "listing {listing} submitted by seller {seller}{}: price {price}, {max_uses} uses",
            of_dataset(dataset)
        ),
        Event::ListingReviewed { listing, reviewer, approved: true, reason, .. } => {
            format!("listing {listing} approved by exchange center {reviewer}{}", note(reason))
        }
        Event::ListingReviewed { listing, reviewer, approved: false, reason, .. } => {
            format!("listing {listing} rejected by exchange center {reviewer}{}", note(reason))
        }
        Event::ListingFrozen { listing, regulator, reason, .. } => {
            format!("listing {listing} frozen by regulator {regulator}: {reason}")
        }
        Event::ListingUnfrozen { listing, regulator, reason, .. } => {
            format!("listing {listing} unfrozen by regulator {regulator}: {reason}")
        }
        Event::ListingWithdrawn { listing, seller, .. } => format!("listing {listing} withdrawn by seller {seller}"),
        Event::OrderPlaced { order, listing, buyer, price, fee, .. } => {
            format!("order {order} placed by buyer {buyer} on listing {listing}: price {price} + fee {fee} into escrow")
        }
        Event::DeliveryConfirmed { order, seller, delivery_hash, .. } => {
            format!("order {order} delivered by seller {seller}, delivery hash {delivery_hash}")
        }
        Event::DeliveryAccepted { order, buyer, seller, to_seller, fee, .. } => {
            format!("order {order} accepted by buyer {buyer}: seller {seller} paid {to_seller}, exchange fee {fee}")
        }
        Event::DisputeOpened { order, buyer, reason, .. } => {
            format!("order {order} disputed by buyer {buyer}: {reason}")
        }
        Event::DisputeArbitrated { order, arbiter, ruling, to_buyer, to_seller, fee, .. } => format!(
            "order {order} ruled {} by exchange center {arbiter}: buyer gets back {to_buyer}, seller paid \
             {to_seller}, exchange fee {fee}",
            ruling_words(ruling)
        ),
        Event::OrderCancelled { order, buyer, refund, .. } => {
            format!("order {order} cancelled by buyer {buyer}: {refund} refunded")
        }
        Event::SettlementClaimed { order, seller, to_seller, fee, .. } => format!(
            "order {order} claimed by seller {seller} after the acceptance window: paid {to_seller}, exchange fee {fee}"
        ),
        Event::FeeRateSet { by, old_bps, new_bps } => {
            format!("exchange fee rate changed from {} to {} by {by}", percent(*old_bps), percent(*new_bps))
        }
        _ => return None,
    })
}

fn of_dataset(d: &Option<DatasetId>) -> String {
    d.map(|d| format!(" for data set {d}")).unwrap_or_default()
}

fn note(reason: &str) -> String {
    if reason.trim().is_empty() { String::new() } else { format!(": {reason}") }
}

/// Basis points as a percentage, e.g. `1.00%`.
fn percent(bps: u16) -> String {
    format!("{}.{:02}%", bps / 100, bps % 100)
}

fn ruling_words(r: &Ruling) -> String {
    match r {
        Ruling::Refund => "refund to the buyer".to_string(),
        Ruling::Pay => "pay the seller".to_string(),
        Ruling::Split { buyer_bps } => format!("split ({} of the price to the buyer)", percent(*buyer_bps)),
    }
}

/// An amount of fen with its value in yuan, e.g. `12345 fen (123.45 yuan)`.
pub fn fen(n: u64) -> String {
    format!("{n} fen ({}.{:02} yuan)", n / 100, n % 100)
}

fn fen_field(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_u64).map_or_else(|| "?".to_string(), fen)
}

/// A listing from `GET /api/listing/{id}`.
pub fn listing(v: &Value) -> String {
    let l = v.get("listing").unwrap_or(v);
    let mut out = line("listing", field(l, "id"));
    out += &line("seller", field(l, "seller"));
    let product = match l.get("product") {
        Some(p) if p.get("dataset").is_some() => format!("data set {}", field(p, "dataset")),
        Some(p) => match p.get("off_catalog") {
            Some(o) => format!("{} (off catalog, description {})", field(o, "name"), field(o, "metadata_hash")),
            None => p.to_string(),
        },
        None => "?".to_string(),
    };
    out += &line("product", product);
    out += &line("price", format!("{} plus the exchange fee", fen_field(l, "price")));
    out += &line("licence terms", field(l, "licence_terms_hash"));
    out += &line("delivery", field(l, "delivery_method"));
    out += &line("purpose", field(l, "purpose"));
    out += &line("field scope", list(l, "fields"));
    let validity = l.get("validity");
    out += &line(
        "grant valid",
        format!(
            "from {} until {}",
            bound(validity.and_then(|w| w.get("from"))),
            bound(validity.and_then(|w| w.get("until")))
        ),
    );
    out += &line("uses", format!("{} per order", field(l, "max_uses")));
    let status = l.get("status").cloned().unwrap_or(Value::Null);
    let status = match status.get("status").and_then(Value::as_str) {
        Some("approved") => format!("approved by exchange center {}", field(l, "reviewed_by")),
        Some("rejected") => format!("rejected: {}", field(&status, "reason")),
        Some(s) => s.replace('_', " "),
        None => "?".to_string(),
    };
    out += &line("status", status);
    let frozen = match l.get("frozen") {
        Some(Value::String(reason)) => format!("yes, by a regulator: {reason}"),
        _ => "no".to_string(),
    };
    out += &line("frozen", frozen);
    out + &line("submitted", format!("at height {}", field(l, "submitted_at")))
}

/// An order from `GET /api/order/{id}` (its `order` object) and its events, oldest first.
pub fn order(o: &Value, events: &[Value]) -> String {
    let mut out = line("order", field(o, "id"));
    for (label, key) in [("listing", "listing"), ("buyer", "buyer"), ("seller", "seller")] {
        out += &line(label, field(o, key));
    }
    if let Some(d) = o.get("dataset").and_then(Value::as_str) {
        out += &line("data set", d);
    }
    out += &line("price", fen_field(o, "price"));
    out += &line("exchange fee", format!("{} to {}", fen_field(o, "fee"), field(o, "exchange")));
    out += &line("status", field(o, "status"));
    out += &line("deliver by", format!("before height {}", field(o, "delivery_deadline")));
    if let Some(h) = o.get("delivery_hash").and_then(Value::as_str) {
        out += &line("delivered", h);
        out += &line("dispute by", format!("before height {}", field(o, "acceptance_deadline")));
    }
    if let Some(reason) = o.get("dispute").and_then(Value::as_str) {
        out += &line("dispute", reason);
    }
    if let Some(r) = o.get("ruling").filter(|r| !r.is_null()) {
        let words = serde_json::from_value::<Ruling>(r.clone()).map_or_else(|_| r.to_string(), |r| ruling_words(&r));
        out += &line("ruling", words);
    }
    if let Some(g) = o.get("grant").and_then(Value::as_str) {
        out += &line("grant", g);
    }
    let steps: Vec<String> = o
        .get("history")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|step| match (step.get(0).and_then(Value::as_u64), step.get(1).and_then(Value::as_str)) {
            (Some(h), Some(s)) => format!("{s} at {h}"),
            _ => step.to_string(),
        })
        .collect();
    out += &line("steps", if steps.is_empty() { "?".to_string() } else { steps.join(" -> ") });
    out += "history\n";
    out + &events.iter().map(event_entry).collect::<String>()
}

/// A settlement balance.
pub fn balance(account: &AccountId, balance: u64) -> String {
    line("account", account) + &line("balance", fen(balance))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use shulian_runtime::{Fen, ListingId, OrderId};

    #[test]
    fn market_events_are_told_in_domain_words() {
        let (o, l, a) = (OrderId([1; 32]), ListingId([2; 32]), AccountId([3; 32]));
        let placed = Event::OrderPlaced {
            order: o,
            listing: l,
            buyer: a,
            seller: a,
            dataset: None,
            price: Fen(1_000),
            fee: Fen(10),
        };
        let text = describe(&placed).expect("known");
        assert!(text.contains("placed by buyer") && text.contains("price 1000 fen + fee 10 fen into escrow"), "{text}");
        let ruled = Event::DisputeArbitrated {
            order: o,
            listing: l,
            buyer: a,
            seller: a,
            dataset: None,
            arbiter: a,
            ruling: Ruling::Split { buyer_bps: 2_500 },
            to_buyer: Fen(250),
            to_seller: Fen(750),
            fee: Fen(10),
        };
        let text = describe(&ruled).expect("known");
        assert!(text.contains("split (25.00% of the price to the buyer)"), "{text}");
        assert!(text.contains("buyer gets back 250 fen, seller paid 750 fen"), "{text}");
        let frozen =
            Event::ListingFrozen { listing: l, seller: a, dataset: None, regulator: a, reason: "audit".into() };
        assert_eq!(describe(&frozen), Some(format!("listing {l} frozen by regulator {a}: audit")));
    }

    #[test]
    fn listing_shows_price_status_and_freeze() {
        let text = listing(&json!({"listing":{"id":"l","seller":"s","product":{"dataset":"d"},"price":12345,
            "fields":["a","b"],"validity":{"from":{"height":0},"until":{"height":99}},"max_uses":3,
            "status":{"status":"approved"},"reviewed_by":"x","frozen":"audit","submitted_at":4}}));
        assert!(text.contains("data set d"), "{text}");
        assert!(text.contains("12345 fen (123.45 yuan) plus the exchange fee"), "{text}");
        assert!(text.contains("approved by exchange center x"), "{text}");
        assert!(text.contains("yes, by a regulator: audit"), "{text}");
        assert!(text.contains("from height 0 until height 99"), "{text}");
        let pending = listing(&json!({"listing":{"status":{"status":"pending_review"},"frozen":null}}));
        assert!(pending.contains("pending review") && pending.contains("frozen        no"), "{pending}");
    }

    #[test]
    fn order_lists_its_steps_and_events() {
        let o = json!({"id":"o","price":100,"fee":1,"status":"accepted","history":[[3,"placed"],[5,"delivered"],[6,"accepted"]],
            "delivery_hash":"h","ruling":null,"grant":"g"});
        let events = [json!({"height":3,"tx_hash":"abc","event":{"type":"future"}})];
        let text = order(&o, &events);
        assert!(text.contains("placed at 3 -> delivered at 5 -> accepted at 6"), "{text}");
        assert!(text.contains("grant         g"), "{text}");
        assert!(text.ends_with("history\n       3  abc  future                  {\"type\":\"future\"}\n"), "{text}");
        assert!(!text.contains("ruling"), "{text}");
    }

    #[test]
    fn yuan_has_two_decimals() {
        assert_eq!(fen(5), "5 fen (0.05 yuan)");
        assert_eq!(balance(&AccountId([0; 32]), 100).lines().nth(1), Some("balance       100 fen (1.00 yuan)"));
    }
}
