//! Text for the data exchange: market and settlement events in domain words, listings, orders
//! with their history, and settlement balances.

use super::ledger::event_entry;
use super::{line, list, window};
use crate::args::when::{show_span, show_time};
use shulian_api::ledger::{EventRecord, ListingResponse};
use shulian_api::records::{ListingStatus, Order};
use shulian_runtime::call::{Product, Ruling};
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

/// A listing from `GET /api/listing/{id}`.
pub fn listing(v: &ListingResponse) -> String {
    let l = &v.listing;
    let mut out = line("listing", l.id);
    out += &line("seller", l.seller);
    let product = match &l.product {
        Product::Dataset(d) => format!("data set {d}"),
        Product::OffCatalog { name, metadata_hash } => {
            format!("{name} (off catalog, description {metadata_hash})")
        }
    };
    out += &line("product", product);
    out += &line("price", format!("{} plus the exchange fee", fen(l.price.0)));
    out += &line("licence terms", l.licence_terms_hash);
    out += &line("delivery", &l.delivery_method);
    out += &line("purpose", &l.purpose);
    out += &line("field scope", list(&l.fields));
    out += &line("grant valid", window(&l.validity));
    out += &line("uses", format!("{} per order", l.max_uses));
    out += &line(
        "windows",
        format!(
            "{} to deliver, then {} to accept or dispute",
            show_span(l.delivery_window_ms),
            show_span(l.acceptance_window_ms)
        ),
    );
    let status = match &l.status {
        ListingStatus::Approved => {
            format!("approved by exchange center {}", l.reviewed_by.map_or_else(|| "?".to_string(), |a| a.to_string()))
        }
        ListingStatus::Rejected { reason } => format!("rejected: {reason}"),
        ListingStatus::PendingReview => "pending review".to_string(),
        ListingStatus::Withdrawn => "withdrawn".to_string(),
    };
    out += &line("status", status);
    let frozen = match &l.frozen {
        Some(reason) => format!("yes, by a regulator: {reason}"),
        None => "no".to_string(),
    };
    out += &line("frozen", frozen);
    out + &line("submitted", format!("at height {}", l.submitted_at))
}

/// An order from `GET /api/order/{id}` and its events, oldest first.
pub fn order(o: &Order, events: &[EventRecord]) -> String {
    let mut out = line("order", o.id);
    out += &line("listing", o.listing);
    out += &line("buyer", o.buyer);
    out += &line("seller", o.seller);
    if let Some(d) = o.dataset {
        out += &line("data set", d);
    }
    out += &line("price", fen(o.price.0));
    out += &line("exchange fee", format!("{} to {}", fen(o.fee.0), o.exchange));
    out += &line("status", o.status.as_str());
    out += &line("deliver by", format!("before {}", show_time(o.delivery_deadline_ms)));
    if let Some(h) = o.delivery_hash {
        out += &line("delivered", h);
        let deadline = o.acceptance_deadline_ms.map_or_else(|| "?".to_string(), show_time);
        out += &line("dispute by", format!("before {deadline}"));
    }
    if let Some(reason) = &o.dispute {
        out += &line("dispute", reason);
    }
    if let Some(r) = &o.ruling {
        out += &line("ruling", ruling_words(r));
    }
    if let Some(g) = o.grant {
        out += &line("grant", g);
    }
    let steps: Vec<String> = o.history.iter().map(|(h, s)| format!("{} at {h}", s.as_str())).collect();
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
    use shulian_api::records::{Listing, OrderStatus};
    use shulian_runtime::call::Validity;
    use shulian_runtime::{Fen, GrantId, Hash, Height, ListingId, OrderId};

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

    fn listing_record(status: ListingStatus, frozen: Option<String>) -> Listing {
        Listing {
            id: ListingId([0x10; 32]),
            seller: AccountId([0x11; 32]),
            product: Product::Dataset(DatasetId([0xdd; 32])),
            price: Fen(12345),
            licence_terms_hash: Hash([1; 32]),
            delivery_method: "sftp".into(),
            purpose: "research".into(),
            validity: Validity { from_ms: 0, until_ms: 1_798_761_600_000 },
            fields: vec!["a".into(), "b".into()],
            max_uses: 3,
            delivery_window_ms: 7 * 86_400_000,
            acceptance_window_ms: 36 * 3_600_000,
            status,
            frozen,
            reviewed_by: Some(AccountId([0xee; 32])),
            submitted_at: Height(4),
        }
    }

    #[test]
    fn listing_shows_price_status_and_freeze() {
        let text = listing(&ListingResponse { listing: listing_record(ListingStatus::Approved, Some("audit".into())) });
        assert!(text.contains(&format!("data set {}", DatasetId([0xdd; 32]))), "{text}");
        assert!(text.contains("12345 fen (123.45 yuan) plus the exchange fee"), "{text}");
        assert!(text.contains(&format!("approved by exchange center {}", AccountId([0xee; 32]))), "{text}");
        assert!(text.contains("yes, by a regulator: audit"), "{text}");
        assert!(text.contains("at once until 2027-01-01 08:00:00 +08:00"), "{text}");
        assert!(text.contains("7d to deliver, then 36h to accept or dispute"), "{text}");
        let pending = listing(&ListingResponse { listing: listing_record(ListingStatus::PendingReview, None) });
        assert!(pending.contains("pending review") && pending.contains("frozen        no"), "{pending}");
    }

    #[test]
    fn order_lists_its_steps_and_events() {
        let (a, g) = (AccountId([3; 32]), GrantId([0x66; 32]));
        let o = Order {
            id: OrderId([1; 32]),
            listing: ListingId([2; 32]),
            buyer: a,
            seller: a,
            dataset: None,
            price: Fen(100),
            fee: Fen(1),
            exchange: a,
            status: OrderStatus::Accepted,
            placed_at: Height(3),
            placed_at_ms: 1_798_761_600_000,
            acceptance_window_ms: 3 * 86_400_000,
            delivery_deadline_ms: 1_798_761_600_000 + 7 * 86_400_000,
            delivery_hash: Some(Hash([7; 32])),
            acceptance_deadline_ms: Some(1_798_761_600_000 + 10 * 86_400_000),
            dispute: None,
            ruling: None,
            grant: Some(g),
            history: vec![
                (Height(3), OrderStatus::Placed),
                (Height(5), OrderStatus::Delivered),
                (Height(6), OrderStatus::Accepted),
            ],
        };
        let cancelled = Event::OrderCancelled {
            order: o.id,
            listing: o.listing,
            buyer: a,
            seller: a,
            dataset: None,
            refund: Fen(101),
        };
        let events = [EventRecord {
            height: Height(3),
            tx_index: 0,
            tx_hash: "abc0".repeat(16).parse().expect("hash"),
            event_index: 0,
            event: cancelled.clone(),
        }];
        let text = order(&o, &events);
        assert!(text.contains("placed at 3 -> delivered at 5 -> accepted at 6"), "{text}");
        assert!(text.contains("deliver by    before 2027-01-08 08:00:00 +08:00"), "{text}");
        assert!(text.contains("dispute by    before 2027-01-11 08:00:00 +08:00"), "{text}");
        assert!(text.contains(&format!("grant         {g}")), "{text}");
        let what = describe(&cancelled).expect("known");
        assert!(
            text.ends_with(&format!("history\n       3  abc0abc0abc0  order_cancelled         {what}\n")),
            "{text}"
        );
        assert!(!text.contains("ruling"), "{text}");
    }

    #[test]
    fn yuan_has_two_decimals() {
        assert_eq!(fen(5), "5 fen (0.05 yuan)");
        assert_eq!(balance(&AccountId([0; 32]), 100).lines().nth(1), Some("balance       100 fen (1.00 yuan)"));
    }
}
