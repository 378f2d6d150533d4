//! The dashboard and the names lookup over HTTP, on the lists' story: every day count, use count
//! and refusal equals what the test counts itself by reading every block's outcomes (not the
//! event index the dashboard reads), what waits for a regulator equals the records, and both
//! routes refuse unbounded or malformed queries.

use super::world::{DAY, HEALTH, REGULATOR, World};
use shulian_api::dashboard::{DashboardResponse, MAX_DASHBOARD_DAYS};
use shulian_api::names::NamesResponse;
use shulian_api::regulator::{SearchKind, SearchResponse};
use shulian_contracts::{grants, market};
use shulian_runtime::call::{CatalogCall, Classification, GrantsCall, SharingAttribute};
use shulian_runtime::exec::TxStatus;
use shulian_runtime::genesis::Role;
use shulian_runtime::test_utils::account;
use shulian_runtime::{Call, Event, Height};
use std::collections::BTreeMap;

async fn dashboard(w: &World, query: &str) -> DashboardResponse {
    let r = w.get(&format!("/api/dashboard{query}")).await;
    assert_eq!(r.status, 200, "{query}: {}", r.body);
    serde_json::from_str(&r.body).expect("a DashboardResponse")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_counts_equal_the_blocks_outcomes_and_the_records() {
    let mut w = World::story().await;
    // Two refusals: revoking a grant twice, and a use of that revoked grant.
    let revoked = w
        .grants
        .iter()
        .map(|(g, _)| grants::get_grant(w.chain.store(), g).expect("read").expect("grant"))
        .find(|g| g.revoked.is_some())
        .expect("the story revokes a grant");
    let again = Call::Grants(GrantsCall::Revoke { grant: revoked.id, reason: "twice".into() });
    let code = w.refused(HEALTH, again);
    assert!(code.starts_with("grants."), "{code}");

    let head = w.chain.head();
    let since = w.chain.store().block_time(Height(1)).expect("read").expect("time") - DAY;
    let d = dashboard(&w, &format!("?since_ms={since}&until_ms={}", head.timestamp_ms + 1)).await;
    assert!(!d.verified, "the dashboard never claims its counts are proven");
    assert!(d.complete && d.blocks.complete && d.waiting.complete);
    assert_eq!((d.height, d.time_ms), (head.height, head.timestamp_ms));
    assert_eq!((d.from_height, d.to_height), (Some(Height(1)), Some(head.height)));

    // Counted here from every block's outcomes.
    let (mut uses, mut issued, mut revoked_n, mut orders, mut disputes, mut failed) = (0, 0, 0, 0, 0, BTreeMap::new());
    let mut by_dataset: BTreeMap<_, u64> = BTreeMap::new();
    for h in 1..=head.height.0 {
        for o in w.chain.store().outcomes(Height(h)).expect("read").expect("block") {
            if let TxStatus::Failed { error } = &o.status {
                *failed.entry(error.code.clone()).or_insert(0u64) += 1;
            }
            for e in &o.events {
                match e {
                    Event::ReceiptRecorded { dataset, .. } => {
                        uses += 1;
                        *by_dataset.entry(*dataset).or_default() += 1;
                    }
                    Event::GrantIssued { .. } => issued += 1,
                    Event::GrantRevoked { .. } => revoked_n += 1,
                    Event::OrderPlaced { .. } => orders += 1,
                    Event::DisputeOpened { .. } => disputes += 1,
                    _ => {}
                }
            }
        }
    }
    let sum = |f: fn(&shulian_api::dashboard::DayCounts) -> u64| d.days.iter().map(f).sum::<u64>();
    assert!(uses >= 8 && issued >= 4 && orders >= 1 && disputes >= 1, "the story has activity");
    assert_eq!(sum(|x| x.uses), uses);
    assert_eq!(sum(|x| x.grants_issued), issued);
    assert_eq!(sum(|x| x.grants_revoked), revoked_n);
    assert_eq!(sum(|x| x.orders_placed), orders);
    assert_eq!(sum(|x| x.disputes_opened), disputes);
    assert_eq!(sum(|x| x.blocks), head.height.0, "every block falls on one day");
    assert_eq!(d.uses.iter().map(|u| u.uses).sum::<u64>(), uses);
    let failures: BTreeMap<String, u64> = d.blocks.failures.iter().map(|r| (r.code.clone(), r.count)).collect();
    assert_eq!(failures, failed);
    assert_eq!(failures.get(&code), Some(&1));
    let top = &d.top_datasets[0];
    assert_eq!(Some(&top.uses), by_dataset.values().max());
    assert_eq!(top.owner_name, "health", "the owner's name is read from its record");
    assert_eq!(d.blocks.rounds.iter().map(|r| r.blocks).sum::<u64>(), head.height.0);

    // What waits for a regulator, from the records.
    let co = w
        .requests
        .iter()
        .map(|(r, _)| grants::get_request(w.chain.store(), r).expect("read").expect("request"))
        .filter(|r| r.status == grants::RequestStatus::Pending && r.needs_co_approval && r.co_approved_by.is_none())
        .count() as u64;
    let open = w
        .orders
        .iter()
        .filter(|(o, _)| {
            market::get_order(w.chain.store(), o).expect("read").expect("order").status == market::OrderStatus::Disputed
        })
        .count() as u64;
    assert!(co > 0, "the story leaves requests waiting for co-approval");
    assert_eq!((d.waiting.co_approvals, d.waiting.open_disputes), (co, open));
    let listed: Vec<shulian_api::lists::RequestRow> =
        w.all("/api/lists/requests?state=awaiting_co_approval", 500).await;
    assert_eq!(d.waiting.co_approvals, listed.len() as u64, "the count is the regulator's list's length");

    // A period before the chain holds nothing.
    let before = dashboard(&w, &format!("?since_ms={}&until_ms={}", since - 3 * DAY, since - DAY)).await;
    assert_eq!((before.from_height, before.days.iter().map(|x| x.uses + x.blocks).sum::<u64>()), (None, 0));
    // Two days of ledger time from 08:00 UTC+8 touch three calendar days of the city.
    assert_eq!(
        before.days.iter().map(|x| x.day.as_str()).collect::<Vec<_>>(),
        ["2025-12-28", "2025-12-29", "2025-12-30"]
    );

    // Unbounded or reversed periods are refused.
    for q in [format!("?since_ms=0&until_ms={}", (MAX_DASHBOARD_DAYS + 1) * DAY), "?since_ms=10&until_ms=5".to_string()]
    {
        assert_eq!(w.get(&format!("/api/dashboard{q}")).await.status, 400, "{q}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_resolve_orgs_data_sets_grants_and_orders_find_chinese_names_and_refuse_long_lists() {
    let w = World::story().await;
    let s = w.chain.store();
    let (dataset, _) = w.datasets[0];
    let (grant, _) = w.grants[0];
    let (order, _) = w.orders[0];
    let g = grants::get_grant(s, &grant).expect("read").expect("grant");
    let unknown = "ab".repeat(32);
    let ids = [account(REGULATOR).to_string(), dataset.to_string(), grant.to_string(), order.to_string(), unknown];
    let r = w.get(&format!("/api/names?ids={}", ids.join(","))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let n: NamesResponse = serde_json::from_str(&r.body).expect("a NamesResponse");
    assert_eq!(n.names.len(), 4, "the unknown id is left out");
    let kinds: Vec<SearchKind> = n.names.iter().map(|x| x.kind).collect();
    assert_eq!(kinds, [SearchKind::Org, SearchKind::Dataset, SearchKind::Grant, SearchKind::Order]);
    assert_eq!((n.names[0].name.as_str(), n.names[0].roles.as_slice()), ("regulator", [Role::Regulator].as_slice()));
    assert_eq!((n.names[1].name.as_str(), n.names[1].org_name.as_deref()), ("health 0", Some("health")));
    assert_eq!(n.names[2].org, Some(g.grantee));
    assert_eq!(n.names[2].dataset, Some(g.dataset));
    assert!(!n.names[3].name.is_empty() && n.names[3].org_name.is_some());

    // A name registered in Chinese is found by its first characters, and named as it was registered.
    let mut w = w;
    let spec = super::world::spec("门诊就诊记录", Classification::General, SharingAttribute::Unconditional);
    w.run(HEALTH, Call::Catalog(CatalogCall::Register { dataset: spec }));
    let (chinese, _) = *w.datasets.last().expect("registered");
    let r = w.get("/api/search?q=%E9%97%A8%E8%AF%8A").await; // 门诊
    assert_eq!(r.status, 200, "{}", r.body);
    let hits: SearchResponse = serde_json::from_str(&r.body).expect("a SearchResponse");
    assert!(hits.results.iter().any(|h| h.kind == SearchKind::Dataset && h.id == chinese.to_string()), "{hits:?}");
    let n: NamesResponse =
        serde_json::from_str(&w.get(&format!("/api/names?ids={chinese}")).await.body).expect("names");
    assert_eq!(n.names[0].name, "门诊就诊记录");

    let many: Vec<String> = (0..101u32).map(|i| format!("{:064x}", i + 1)).collect();
    assert_eq!(w.get(&format!("/api/names?ids={}", many.join(","))).await.status, 400, "over MAX_NAMES");
    assert_eq!(w.get("/api/names?ids=nothex").await.status, 400);
}
