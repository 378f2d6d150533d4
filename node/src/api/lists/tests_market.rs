//! The market's lists and the statement over HTTP, against the contracts' records.

use super::world::{ARBITER, At, BUYER, EXCHANGE, HEALTH, OPENING, ORGS, STATS, TRANSPORT, World};
use shulian_api::lists::{ListingRow, ListingState, OrderRow, StatementRow};
use shulian_api::records::OrderStatus;
use shulian_contracts::market::{self, ListingStatus};
use shulian_contracts::settlement;
use shulian_runtime::test_utils::account;

async fn check<R: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(w: &World, path: &str, expected: &[R]) {
    let sep = if path.contains('?') { '&' } else { '?' };
    let one = w.page::<R>(&format!("{path}{sep}limit=500")).await;
    assert_eq!(one.rows, expected, "{path}: one page");
    assert_eq!(w.all::<R>(path, 2).await, expected, "{path}: pages of 2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_and_orders_match_the_records_filtered_in_the_test() {
    let w = World::story().await;
    let s = w.chain.store();
    let listings: Vec<(market::Listing, At)> =
        w.listings.iter().map(|(l, at)| (market::get_listing(s, l).expect("read").expect("listing"), *at)).collect();
    let state = |l: &market::Listing| match (&l.status, l.frozen.is_some()) {
        (ListingStatus::PendingReview, _) => ListingState::PendingReview,
        (ListingStatus::Approved, false) => ListingState::Active,
        (ListingStatus::Approved, true) => ListingState::Frozen,
        (ListingStatus::Rejected { .. }, _) => ListingState::Rejected,
        (ListingStatus::Withdrawn, _) => ListingState::Withdrawn,
    };
    let row = |l: &market::Listing, at: &At| ListingRow {
        height: at.height,
        tx_hash: at.tx_hash,
        time_ms: at.time_ms,
        listing: l.id,
        seller: l.seller,
        dataset: l.product.dataset(),
        price: l.price,
        max_uses: l.max_uses,
        state: state(l),
        delivery_window_ms: l.delivery_window_ms,
        acceptance_window_ms: l.acceptance_window_ms,
    };
    let all: Vec<ListingRow> = listings.iter().map(|(l, at)| row(l, at)).collect();
    check(&w, "/api/lists/listings", &all).await;
    for (st, name) in [
        (ListingState::PendingReview, "pending_review"),
        (ListingState::Active, "active"),
        (ListingState::Frozen, "frozen"),
        (ListingState::Rejected, "rejected"),
        (ListingState::Withdrawn, "withdrawn"),
    ] {
        let expected: Vec<ListingRow> = all.iter().filter(|r| r.state == st).cloned().collect();
        assert!(!expected.is_empty(), "the story leaves a listing {name}");
        check(&w, &format!("/api/lists/listings?state={name}"), &expected).await;
        let mine: Vec<ListingRow> = expected.iter().filter(|r| r.seller == account(STATS)).cloned().collect();
        check(&w, &format!("/api/lists/listings?state={name}&seller={}", account(STATS)), &mine).await;
    }

    let orders: Vec<(market::Order, At)> =
        w.orders.iter().map(|(o, at)| (market::get_order(s, o).expect("read").expect("order"), *at)).collect();
    let status_name = |o: &market::Order| o.status.to_string();
    let row = |o: &market::Order, at: &At| OrderRow {
        height: at.height,
        tx_hash: at.tx_hash,
        time_ms: at.time_ms,
        order: o.id,
        listing: o.listing,
        buyer: o.buyer,
        seller: o.seller,
        dataset: o.dataset,
        price: o.price,
        fee: o.fee,
        status: serde_json::from_value::<OrderStatus>(serde_json::Value::String(o.status.to_string())).expect("status"),
        delivery_deadline_ms: o.delivery_deadline_ms,
        acceptance_deadline_ms: o.acceptance_deadline_ms,
    };
    check(&w, "/api/lists/orders", &orders.iter().map(|(o, at)| row(o, at)).collect::<Vec<_>>()).await;
    let mut seen = std::collections::BTreeSet::new();
    for (o, _) in &orders {
        seen.insert(status_name(o));
    }
    assert_eq!(seen.len(), 7, "the story leaves an order in every status: {seen:?}");
    for name in &seen {
        for org in [HEALTH, STATS, TRANSPORT, BUYER] {
            let a = account(org);
            for (role, keep) in [("", 0), ("&role=buyer", 1), ("&role=seller", 2)] {
                let expected: Vec<OrderRow> = orders
                    .iter()
                    .filter(|(o, _)| status_name(o) == *name)
                    .filter(|(o, _)| match keep {
                        1 => o.buyer == a,
                        2 => o.seller == a,
                        _ => o.buyer == a || o.seller == a,
                    })
                    .map(|(o, at)| row(o, at))
                    .collect();
                check(&w, &format!("/api/lists/orders?state={name}&org={a}{role}"), &expected).await;
            }
        }
    }
    // The department's delivery inbox.
    let inbox =
        w.all::<OrderRow>(&format!("/api/lists/orders?org={}&role=seller&state=placed", account(HEALTH)), 10).await;
    assert!(!inbox.is_empty() && inbox.iter().all(|r| r.seller == account(HEALTH) && r.status == OrderStatus::Placed));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_statement_sums_to_the_balance_at_the_head() {
    let w = World::story().await;
    let s = w.chain.store();
    // Every organization, the exchange center (fees) and the escrow's counterparts included.
    for org in ORGS {
        let a = account(org);
        let rows = w.all::<StatementRow>(&format!("/api/lists/statement?org={a}"), 3).await;
        let one = w.page::<StatementRow>(&format!("/api/lists/statement?org={a}&limit=500")).await.rows;
        assert_eq!(rows, one, "paged as in one page");
        let credit: u64 = rows.iter().map(|r| r.credit.0).sum();
        let debit: u64 = rows.iter().map(|r| r.debit.0).sum();
        let balance = settlement::balance_of(s, &a).expect("read").0;
        // The genesis balance is the opening balance; the statement lists every movement since.
        assert_eq!(OPENING + credit - debit, balance, "org {org}: {rows:#?}");
        assert!(rows.iter().all(|r| (r.credit.0 == 0) != (r.debit.0 == 0)), "one side per row");
    }
    let buyer = w.all::<StatementRow>(&format!("/api/lists/statement?org={}", account(BUYER)), 50).await;
    let kinds: std::collections::BTreeSet<&str> = buyer.iter().map(|r| r.kind.as_str()).collect();
    for k in ["deposited", "transferred", "order_placed", "dispute_arbitrated", "order_cancelled"] {
        assert!(kinds.contains(k), "the buyer's statement has {k}: {kinds:?}");
    }
    let exchange = w.all::<StatementRow>(&format!("/api/lists/statement?org={}", account(EXCHANGE)), 50).await;
    assert!(exchange.iter().any(|r| r.kind == "settlement_claimed"), "fees reach the exchange: {exchange:?}");
    // The reviewer earns the fee of an order another exchange center arbitrated, though the
    // arbitration's event does not name it.
    let arbitrated = w
        .orders
        .iter()
        .map(|(o, _)| market::get_order(s, o).expect("read").expect("order"))
        .find(|o| o.status == market::OrderStatus::Arbitrated)
        .expect("an arbitrated order");
    let fee_row = exchange.iter().find(|r| r.kind == "dispute_arbitrated").expect("the fee row");
    assert_eq!((fee_row.order, fee_row.credit), (Some(arbitrated.id), arbitrated.fee));
    let arbiter = w.all::<StatementRow>(&format!("/api/lists/statement?org={}", account(ARBITER)), 50).await;
    assert!(arbiter.is_empty(), "ruling pays the arbiter nothing: {arbiter:?}");
    // A window of ledger time: the movements inside it only.
    let (since, until) = (buyer[1].time_ms, buyer[4].time_ms);
    let inside: Vec<StatementRow> = buyer.iter().filter(|r| r.time_ms >= since && r.time_ms < until).cloned().collect();
    check(&w, &format!("/api/lists/statement?org={}&since_ms={since}&until_ms={until}", account(BUYER)), &inside).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merged_source_reads_each_event_once_in_order_across_full_batches() {
    use crate::api::view::{Source, View, Window, page};
    use shulian_runtime::call::{CatalogCall, Classification, SettlementCall, SharingAttribute};
    use shulian_runtime::events::Subject;
    use shulian_runtime::{Call, EventKind, Fen};
    let mut w = World::empty().await;
    let pay = |to: u8| Call::Settlement(SettlementCall::Transfer { to: account(to), amount: Fen(1) });
    for b in 0..4 {
        // Health's transfers and registrations and stats' transfers, interleaved: the subject and
        // the kind overlap in part, and each is more than one batch.
        let mut calls = Vec::new();
        for i in 0..30 {
            calls.push((HEALTH, pay(TRANSPORT)));
            calls.push((STATS, pay(BUYER)));
            if i % 10 == 0 {
                let spec =
                    super::world::spec(&format!("d{b}{i}"), Classification::General, SharingAttribute::Conditional);
                calls.push((HEALTH, Call::Catalog(CatalogCall::Register { dataset: spec })));
            }
        }
        w.block(calls);
    }
    let s = w.chain.store();
    let health = Subject::Account(account(HEALTH));
    let mut expected: Vec<Vec<u8>> =
        s.events(&health, None, 10_000).expect("read").into_iter().map(|(c, _)| c).collect();
    expected.extend(s.events_of_type(EventKind::Transferred, None, 10_000).expect("read").into_iter().map(|(c, _)| c));
    expected.sort();
    expected.dedup();
    assert_eq!(expected.len(), 4 * (30 + 30 + 3), "every transfer and health's registrations");
    let view = View {
        name: "merged",
        columns: &[],
        source: Source::Both(health, EventKind::Transferred),
        window: Window::default(),
        // Rows for a third of the events, so a page reads past full batches before it is full.
        row: Box::new(|_, rec, _| {
            Ok((rec.tx_index % 3 == 0).then(|| {
                [rec.height.0.to_be_bytes().as_slice(), &rec.tx_index.to_be_bytes(), &rec.event_index.to_be_bytes()]
                    .concat()
            }))
        }),
    };
    let tx_index = |c: &Vec<u8>| u32::from_be_bytes([c[8], c[9], c[10], c[11]]);
    expected.retain(|c| tx_index(c) % 3 == 0);
    for limit in [1, 7, 60, 500] {
        let (mut got, mut after) = (Vec::new(), None);
        loop {
            let (rows, next) = page(&w.chain, &view, after, limit).expect("page");
            got.extend(rows);
            match next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        assert_eq!(got, expected, "pages of {limit}");
    }
}
