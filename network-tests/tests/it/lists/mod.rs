//! The paged lists of issue 19 (`/api/lists/*`, `/api/grant/{id}/receipts`, the wallet's
//! `catalog`, `inbox`, `requests`, `grants`, `listings`, `orders`, `statement`, `regulator ...`)
//! on one dev node: paging returns every item exactly once and in chain order while blocks are
//! committed; a filtered list equals a full scan filtered here; the wallet prints the same items
//! as the API (`--json` equal to the API's pages, the text naming the same ids); a regulator's
//! CSV export from the wallet equals the API's.
//!
//! The items are made with signed transactions in batches (`shulian_network_tests::calls`: one
//! block per step instead of one wallet run per item), so the test stays fast.

// The determinism rules of clippy.toml bind runtime/ and contracts/ only; a test's deadlines read
// the clock like an operator would.
#![allow(clippy::disallowed_methods)]

mod wallet;

use anyhow::ensure;
use serde::Serialize;
use serde_json::Value;
use shulian_api::lists::{CatalogRow, GrantState, RequestState};
use shulian_api::records::OrderStatus;
use shulian_api::regulator::{ViewPage, ViewQuery};
use shulian_client::lists::collect_pages;
use shulian_network_tests::calls::{COMMIT_WAIT, Signer, ids};
use shulian_network_tests::scenario::Scenario;
use shulian_network_tests::wallet::refused;
use shulian_runtime::call::{
    CatalogCall, Classification, DatasetSpec, GrantsCall, MarketCall, Product, ReceiptsCall, SharingAttribute,
    TradeWindows, Validity,
};
use shulian_runtime::events::Event;
use shulian_runtime::{AccountId, Call, DatasetId, Fen, GrantId, Hash, OrderId};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Page size of the paging checks: small, so every list spans several pages.
const PAGE: usize = 7;
/// Data sets health registers (every third one core, every third important).
const HEALTH_DATASETS: usize = 40;
/// Data sets transport registers before paging starts (with health's: 60+ catalog items).
const TRANSPORT_DATASETS: usize = 24;
/// Requests transport files on health's data sets.
const REQUESTS: usize = 12;
/// Data sets each background batch registers while the catalog is paged.
const BACKGROUND_BATCH: usize = 2;
/// Rows a full scan gathers at most: far above what the test makes.
const SCAN_CAP: usize = 10_000;

fn dataset_of(e: &Event) -> Option<DatasetId> {
    if let Event::DatasetRegistered { dataset, .. } = e { Some(*dataset) } else { None }
}

/// A data set `name` of 3 fields with `classification`, shared on approval.
fn register(name: String, classification: Classification) -> Call {
    let hash = Hash([0xab; 32]);
    Call::Catalog(CatalogCall::Register {
        dataset: DatasetSpec {
            name,
            metadata_hash: hash,
            schema_hash: hash,
            fields: vec!["district".into(), "visits".into(), "age_band".into()],
            category: "health".into(),
            classification,
            sharing: SharingAttribute::Conditional,
            update_frequency: "daily".into(),
        },
    })
}

/// Every row of a list, followed page by page with `limit`.
pub(super) fn scan<R>(
    limit: usize,
    q: &ViewQuery,
    get: impl Fn(&ViewQuery) -> Result<ViewPage<R>, shulian_client::ClientError>,
) -> anyhow::Result<Vec<R>> {
    let q = ViewQuery { limit: Some(limit), ..q.clone() };
    Ok(collect_pages(None, SCAN_CAP, |after| get(&ViewQuery { after: after.map(String::from), ..q.clone() }))?.rows)
}

/// `v` as JSON, to compare the wallet's output with the API's page.
pub(super) fn json<T: Serialize>(v: &T) -> anyhow::Result<Value> {
    Ok(serde_json::to_value(v)?)
}

/// What the setup made, for the checks.
struct World {
    health: AccountId,
    transport: AccountId,
    trader: AccountId,
    /// The data sets registered before paging, in chain order.
    before_paging: Vec<DatasetId>,
    /// The grants issued on approval (0 and 1 revoked, 2 used three times).
    grants: Vec<GrantId>,
    /// Transport's signer, for the background registrations.
    by_transport: Signer,
}

#[test]
fn lists_page_every_item_once_filter_like_a_scan_and_the_wallet_prints_the_apis_items() -> anyhow::Result<()> {
    let started = Instant::now();
    let net = Scenario::dev().start()?;
    let node = net.node(0);
    let client = node.client()?;
    let world = setup(&net, &client)?;
    let setup_time = started.elapsed();
    let (health, transport, trader, grants) = (world.health, world.transport, world.trader, world.grants.clone());
    let pages = paging_while_committing(&client, world)?;
    filtered_lists_equal_a_filtered_scan(&client, health, trader, transport)?;
    wallet::wallet_prints_the_apis_pages(node, &client, health, transport, trader, grants[2])?;
    wallet::inbox_and_export(&net, &client, health, transport)?;

    // Bad arguments are usage errors (exit code 2) before anything is asked.
    refused(node, &["grants", "--state", "revoked", "--within", "7d"], 2)?;
    refused(node, &["catalog", "--limit", "0"], 2)?;
    refused(node, &["regulator", "suspended", "--since", "last week"], 2)?;
    // The node's own refusals keep their exit code (3).
    refused(node, &["grant", "receipts", &"00".repeat(32)], 3)?;

    eprintln!("lists: setup {setup_time:?}, {pages} pages while committing, total {:?}", started.elapsed());
    Ok(())
}

/// 64 data sets (40 of health's: a third core, a third important), 12 requests answered in every
/// way, grants revoked and used, 3 data sets on the negative list, a market of 3 listings (2
/// approved) and 3 orders (one delivered, one disputed).
fn setup(net: &shulian_network_tests::scenario::Net, client: &shulian_client::NodeClient) -> anyhow::Result<World> {
    let (health, transport, trader) = (net.account("health")?, net.account("transport")?, net.account("trader")?);
    let mut by_health = Signer::new(client, net.demo_key("health")?)?;
    let mut by_transport = Signer::new(client, net.demo_key("transport")?)?;
    let mut by_trader = Signer::new(client, net.demo_key("trader")?)?;
    let mut by_exchange = Signer::new(client, net.demo_key("exchange")?)?;
    let mut by_regulator = Signer::new(client, net.demo_key("regulator")?)?;
    let class = |i: usize| match i % 3 {
        0 => Classification::Core,
        1 => Classification::Important,
        _ => Classification::General,
    };

    // 64 data sets, in chain order by (height, index).
    let mut registered =
        by_health.commit((0..HEALTH_DATASETS).map(|i| register(format!("health {i}"), class(i))).collect())?;
    registered.extend(by_transport.commit(
        (0..TRANSPORT_DATASETS).map(|i| register(format!("transport {i}"), Classification::General)).collect(),
    )?);
    registered.sort_by_key(|(_, at)| *at);
    let before_paging = ids(&registered, dataset_of)?;
    let health_sets: Vec<DatasetId> = registered
        .iter()
        .filter_map(|(events, _)| match events.first() {
            Some(Event::DatasetRegistered { dataset, owner, .. }) if *owner == health => Some(*dataset),
            _ => None,
        })
        .collect();
    ensure!(health_sets.len() == HEALTH_DATASETS, "{} of health's data sets", health_sets.len());

    // Requests from transport on the first health data sets (core ones need a co-approval too),
    // answered in several ways; uses under two grants; a negative list; a market.
    let fields = || vec!["district".to_string(), "visits".to_string()];
    let window = Validity { from_ms: 0, until_ms: u64::MAX / 2 };
    let filed = by_transport.commit(
        health_sets[..REQUESTS]
            .iter()
            .map(|d| {
                Call::Grants(GrantsCall::Request {
                    dataset: *d,
                    purpose: "route planning".into(),
                    fields: fields(),
                    valid_from_ms: window.from_ms,
                    valid_until_ms: window.until_ms,
                    max_uses: 5,
                })
            })
            .collect(),
    )?;
    let requests = ids(&filed, |e| if let Event::RequestFiled { request, .. } = e { Some(*request) } else { None })?;
    // Approve 0..6 (0 and 3 are core: they wait for a regulator), reject 6 and 7, leave 8.. waiting.
    let mut answers: Vec<Call> =
        requests[..6].iter().map(|r| Call::Grants(GrantsCall::Approve { request: *r })).collect();
    answers.extend(
        requests[6..8].iter().map(|r| Call::Grants(GrantsCall::Reject { request: *r, reason: "not now".into() })),
    );
    let answered = by_health.commit(answers)?;
    let grants: Vec<GrantId> = answered
        .iter()
        .flat_map(|(events, _)| events.iter())
        .filter_map(|e| if let Event::GrantIssued { grant, .. } = e { Some(*grant) } else { None })
        .collect();
    ensure!(grants.len() == 4, "4 grants on general and important data, got {}", grants.len());
    by_health.commit(
        grants[..2]
            .iter()
            .map(|g| Call::Grants(GrantsCall::Revoke { grant: *g, reason: "purpose ended".into() }))
            .collect(),
    )?;
    let use_of = |grant: GrantId, n: u8| {
        Call::Receipts(ReceiptsCall::Record {
            grant,
            query_hash: Hash([n; 32]),
            result_hash: Hash([n; 32]),
            row_count: u64::from(n),
            fields_used: fields(),
        })
    };
    by_transport.commit((1..=3).map(|n| use_of(grants[2], n)).collect())?;
    let mut by_regulator_calls: Vec<Call> = health_sets[30..33]
        .iter()
        .map(|d| Call::Catalog(CatalogCall::NegativeList { dataset: *d, reason: "quality".into() }))
        .collect();
    by_regulator_calls.push(Call::Grants(GrantsCall::CoApprove { request: requests[0] }));
    by_regulator.commit(by_regulator_calls)?;
    let listing_of = |d: DatasetId| {
        Call::Market(MarketCall::SubmitListing {
            product: Product::Dataset(d),
            price: Fen(1_000),
            licence_terms_hash: Hash([0xcd; 32]),
            delivery_method: "sftp".into(),
            purpose: "insurance pricing".into(),
            validity: window,
            fields: fields(),
            max_uses: 5,
            windows: TradeWindows { delivery_ms: None, acceptance_ms: None },
        })
    };
    let submitted = by_health.commit(vec![
        listing_of(health_sets[20]),
        listing_of(health_sets[23]),
        listing_of(health_sets[26]),
    ])?;
    let listings =
        ids(&submitted, |e| if let Event::ListingSubmitted { listing, .. } = e { Some(*listing) } else { None })?;
    by_exchange.commit(
        listings[..2]
            .iter()
            .map(|l| Call::Market(MarketCall::ReviewListing { listing: *l, approve: true, reason: "ok".into() }))
            .collect(),
    )?;
    let placed = by_trader.commit(
        [listings[0], listings[0], listings[1]]
            .iter()
            .map(|l| Call::Market(MarketCall::PlaceOrder { listing: *l }))
            .collect(),
    )?;
    let orders: Vec<OrderId> =
        ids(&placed, |e| if let Event::OrderPlaced { order, .. } = e { Some(*order) } else { None })?;
    let deliver = |order: OrderId| Call::Market(MarketCall::ConfirmDelivery { order, delivery_hash: Hash([9; 32]) });
    by_health.commit(vec![deliver(orders[0]), deliver(orders[2])])?;
    by_trader
        .commit(vec![Call::Market(MarketCall::OpenDispute { order: orders[2], reason: "rows missing".into() })])?;
    Ok(World { health, transport, trader, before_paging, grants, by_transport })
}

/// Pages through the catalog with a small limit while a background signer keeps registering
/// data sets, each page read only after one more of its batches is committed: every data set
/// appears once, those registered before paging in chain order, and every one committed before
/// the last page was read. Answers the number of pages.
fn paging_while_committing(client: &shulian_client::NodeClient, world: World) -> anyhow::Result<usize> {
    let World { before_paging, mut by_transport, .. } = world;
    let stop = Arc::new(AtomicBool::new(false));
    let added: Arc<Mutex<Vec<DatasetId>>> = Arc::new(Mutex::new(Vec::new()));
    let background = {
        let (stop, added) = (stop.clone(), added.clone());
        std::thread::spawn(move || -> anyhow::Result<()> {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                let calls =
                    (0..BACKGROUND_BATCH).map(|i| register(format!("late {n} {i}"), Classification::General)).collect();
                let done = by_transport.commit(calls)?;
                added.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.extend(ids(&done, dataset_of)?);
                n += 1;
            }
            Ok(())
        })
    };
    let added_count = || added.lock().map(|a| a.len()).unwrap_or(0);
    let mut rows: Vec<CatalogRow> = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    let committed_before_last_page = loop {
        let seen = added_count();
        let deadline = Instant::now() + COMMIT_WAIT;
        while added_count() == seen {
            ensure!(Instant::now() < deadline && !background.is_finished(), "the background signer stopped");
            std::thread::sleep(Duration::from_millis(20));
        }
        let committed = added.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.clone();
        let page =
            client.list_catalog(&ViewQuery { after: after.clone(), limit: Some(PAGE), ..ViewQuery::default() })?;
        ensure!(page.rows.len() <= PAGE, "a page of {} rows for limit {PAGE}", page.rows.len());
        rows.extend(page.rows);
        pages += 1;
        ensure!(pages < 200, "the catalog did not end: {} rows in {pages} pages", rows.len());
        match page.next {
            Some(n) => after = Some(n),
            None => break committed,
        }
    };
    stop.store(true, Ordering::SeqCst);
    background.join().map_err(|_| anyhow::anyhow!("the background signer panicked"))??;
    let paged: Vec<DatasetId> = rows.iter().map(|r| r.dataset).collect();
    let mut unique = paged.clone();
    unique.sort_by_key(|d| d.0);
    unique.dedup();
    assert_eq!(unique.len(), paged.len(), "a data set appeared twice across pages");
    let in_paged_order: Vec<DatasetId> = paged.iter().filter(|d| before_paging.contains(d)).copied().collect();
    assert_eq!(in_paged_order, before_paging, "every data set registered before paging, once, in chain order");
    for d in &committed_before_last_page {
        assert!(paged.contains(d), "data set {d}, committed before the last page was read, is missing");
    }
    assert!(rows.windows(2).all(|w| w[0].height <= w[1].height), "rows in chain order");
    assert!(pages >= (before_paging.len() / PAGE), "{pages} pages");
    Ok(pages)
}

/// A filtered list equals a full scan filtered here: the catalog, grants and orders by state,
/// requests awaiting their owner.
fn filtered_lists_equal_a_filtered_scan(
    client: &shulian_client::NodeClient,
    health: AccountId,
    trader: AccountId,
    transport: AccountId,
) -> anyhow::Result<()> {
    let catalog = scan(50, &ViewQuery::default(), |q| client.list_catalog(q))?;
    for (owner, classification, negative) in [
        (Some(health), Some(Classification::Core), Some(false)),
        (None, None, Some(true)),
        (Some(transport), None, None),
    ] {
        let q = ViewQuery {
            owner: owner.map(|o| o.to_string()),
            classification,
            negative_listed: negative,
            ..ViewQuery::default()
        };
        let filtered = scan(PAGE, &q, |q| client.list_catalog(q))?;
        let expected: Vec<CatalogRow> = catalog
            .iter()
            .filter(|r| owner.is_none_or(|o| r.owner == o))
            .filter(|r| classification.is_none_or(|c| r.classification == c))
            .filter(|r| negative.is_none_or(|n| r.negative_listed == n))
            .cloned()
            .collect();
        assert!(!expected.is_empty(), "the filter {q:?} selects something");
        assert_eq!(filtered, expected, "catalog filtered by {q:?}");
    }
    let all_grants = scan(50, &ViewQuery::default(), |q| client.list_grants(q))?;
    for state in [GrantState::Revoked, GrantState::Active] {
        let name = serde_json::to_value(state)?.as_str().map(String::from);
        let filtered = scan(2, &ViewQuery { state: name, ..ViewQuery::default() }, |q| client.list_grants(q))?;
        let expected: Vec<_> = all_grants.iter().filter(|g| g.state == state).cloned().collect();
        assert!(!expected.is_empty(), "some grants are {state:?}");
        assert_eq!(filtered, expected, "grants {state:?}");
    }
    assert_eq!(all_grants.len(), 5, "4 grants on approval and 1 on co-approval");
    let all_orders = scan(50, &ViewQuery::default(), |q| client.list_orders(q))?;
    for status in [OrderStatus::Placed, OrderStatus::Delivered] {
        let q =
            ViewQuery { state: Some(status.as_str().into()), org: Some(trader.to_string()), ..ViewQuery::default() };
        let filtered = scan(1, &q, |q| client.list_orders(q))?;
        let expected: Vec<_> = all_orders.iter().filter(|o| o.status == status && o.buyer == trader).cloned().collect();
        assert!(!expected.is_empty(), "some orders are {status:?}");
        assert_eq!(filtered, expected, "orders {status:?}");
    }
    let all_requests = scan(50, &ViewQuery::default(), |q| client.list_requests(q))?;
    let q = ViewQuery { owner: Some(health.to_string()), state: Some("awaiting_owner".into()), ..ViewQuery::default() };
    let awaiting = scan(3, &q, |q| client.list_requests(q))?;
    let expected: Vec<_> =
        all_requests.iter().filter(|r| r.owner == health && r.state == RequestState::AwaitingOwner).cloned().collect();
    assert_eq!(awaiting.len(), REQUESTS - 8, "requests 8.. wait for health");
    assert_eq!(awaiting, expected, "health's inbox of requests");
    Ok(())
}
