//! The lists of the sharing story and the regulator, over HTTP: each filtered list equals what
//! the test computes from the contracts' records, paging with a small limit gives the same rows
//! in the same order as one big page, bad filters are refused with the valid values, ledger-time
//! windows select by block time, and the bounded detail endpoints cut and say so.

use super::world::{At, DAY, HEALTH, REGULATOR, STATS, TRANSPORT, World, spec};
use shulian_api::ledger::DatasetResponse;
use shulian_api::lists::{
    CatalogRow, GrantRow, GrantState, NegativeListRow, ReceiptRow, RegradedRow, RequestRow, RequestState,
};
use shulian_api::routes::MAX_DETAIL_ITEMS;
use shulian_contracts::{catalog, grants};
use shulian_runtime::call::{CatalogCall, Classification, LineageCall, ParentRef, SharingAttribute};
use shulian_runtime::test_utils::account;
use shulian_runtime::{Call, DatasetId, Event, Hash, Height};

/// Every row of `path` in one page, and again in pages of 2: both must be `expected`.
async fn check<R: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(w: &World, path: &str, expected: &[R]) {
    let sep = if path.contains('?') { '&' } else { '?' };
    let one = w.page::<R>(&format!("{path}{sep}limit=500")).await;
    assert_eq!(one.rows, expected, "{path}: one page");
    assert_eq!(one.next, None, "{path}: everything fits in one page");
    assert_eq!(w.all::<R>(path, 2).await, expected, "{path}: pages of 2");
}

fn catalog_row(d: catalog::Dataset, at: &At) -> CatalogRow {
    CatalogRow {
        height: at.height,
        tx_hash: at.tx_hash,
        time_ms: at.time_ms,
        dataset: d.id,
        name: d.name,
        owner: d.owner,
        category: d.category,
        classification: d.classification,
        sharing: d.sharing,
        version: d.version,
        negative_listed: d.negative_listed.is_some(),
        retired: d.retired,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_list_of_the_sharing_story_matches_the_records_filtered_in_the_test() {
    let w = World::story().await;
    let s = w.chain.store();
    let now = w.chain.head().timestamp_ms;

    // The catalog.
    let datasets: Vec<(catalog::Dataset, At)> =
        w.datasets.iter().map(|(d, at)| (catalog::get_dataset(s, d).expect("read").expect("data set"), *at)).collect();
    type Keep = Box<dyn Fn(&catalog::Dataset) -> bool>;
    let (health, transport) = (account(HEALTH), account(TRANSPORT));
    let cases: Vec<(String, Keep)> = vec![
        (String::new(), Box::new(|_| true)),
        (format!("owner={health}"), Box::new(move |d| d.owner == health)),
        ("classification=core".into(), Box::new(|d| d.classification == Classification::Core)),
        ("sharing=not_shareable".into(), Box::new(|d| d.sharing == SharingAttribute::NotShareable)),
        ("negative_listed=true".into(), Box::new(|d| d.negative_listed.is_some())),
        (
            format!("owner={transport}&negative_listed=false&classification=general"),
            Box::new(move |d| d.owner == transport && d.classification == Classification::General),
        ),
    ];
    for (q, keep) in cases {
        let expected: Vec<CatalogRow> =
            datasets.iter().filter(|(d, _)| keep(d)).map(|(d, at)| catalog_row(d.clone(), at)).collect();
        assert!(!expected.is_empty(), "case {q:?} selects something");
        check(&w, &format!("/api/lists/catalog?{q}"), &expected).await;
    }
    assert_eq!(datasets.len(), 16, "15 registered and 1 derived");

    // Requests, with the state each is in, from the records.
    let requests: Vec<(grants::Request, At)> =
        w.requests.iter().map(|(r, at)| (grants::get_request(s, r).expect("read").expect("request"), *at)).collect();
    let in_state = |r: &grants::Request, st: RequestState| match (&r.status, st) {
        (grants::RequestStatus::Granted { .. }, RequestState::Granted) => true,
        (grants::RequestStatus::Rejected { .. }, RequestState::Rejected) => true,
        (grants::RequestStatus::Pending, RequestState::AwaitingOwner) => !r.owner_approved,
        (grants::RequestStatus::Pending, RequestState::AwaitingCoApproval) => {
            r.needs_co_approval && r.co_approved_by.is_none()
        }
        _ => false,
    };
    let request_row = |r: &grants::Request, at: &At, state| RequestRow {
        height: at.height,
        tx_hash: at.tx_hash,
        time_ms: at.time_ms,
        request: r.id,
        dataset: r.dataset,
        requester: r.requester,
        owner: r.owner,
        purpose: r.purpose.clone(),
        state,
        needs_co_approval: r.needs_co_approval,
        owner_approved: r.owner_approved,
        co_approved_by: r.co_approved_by,
        valid_from_ms: r.validity.from_ms,
        valid_until_ms: r.validity.until_ms,
        max_uses: r.max_uses,
    };
    let states = [
        (RequestState::AwaitingOwner, "awaiting_owner"),
        (RequestState::AwaitingCoApproval, "awaiting_co_approval"),
        (RequestState::Granted, "granted"),
        (RequestState::Rejected, "rejected"),
    ];
    for (st, name) in states {
        for (filter, who) in [("", None), ("&owner=", Some(health)), ("&requester=", Some(account(STATS)))] {
            let expected: Vec<RequestRow> = requests
                .iter()
                .filter(|(r, _)| in_state(r, st))
                .filter(|(r, _)| match (filter, who) {
                    ("&owner=", Some(a)) => r.owner == a,
                    ("&requester=", Some(a)) => r.requester == a,
                    _ => true,
                })
                .map(|(r, at)| request_row(r, at, st))
                .collect();
            if filter.is_empty() {
                assert!(!expected.is_empty(), "the story leaves a request {name}");
            }
            let who = who.map(|a| a.to_string()).unwrap_or_default();
            check(&w, &format!("/api/lists/requests?state={name}{filter}{who}"), &expected).await;
        }
    }
    // Unfiltered, each request once, in the first state it is in.
    let expected: Vec<RequestRow> = requests
        .iter()
        .map(|(r, at)| {
            let st = states.iter().map(|(st, _)| *st).find(|st| in_state(r, *st)).expect("a state");
            request_row(r, at, st)
        })
        .collect();
    check(&w, "/api/lists/requests", &expected).await;
    let both = requests
        .iter()
        .filter(|(r, _)| in_state(r, RequestState::AwaitingOwner))
        .filter(|(r, _)| in_state(r, RequestState::AwaitingCoApproval))
        .count();
    assert!(both > 0, "a request waits for its owner and the regulator at once");

    // Grants at the head's ledger time, from the records.
    let grants_now: Vec<(grants::Grant, At)> =
        w.grants.iter().map(|(g, at)| (grants::get_grant(s, g).expect("read").expect("grant"), *at)).collect();
    // Unusable for a party's suspension or the data set's negative listing, read from the records.
    let suspended = |a| shulian_contracts::orgs::get_org(s, &a).expect("read").is_some_and(|o| o.suspended);
    let blocked = |g: &grants::Grant| {
        suspended(g.grantor)
            || suspended(g.grantee)
            || catalog::get_dataset(s, &g.dataset).expect("read").is_some_and(|d| d.negative_listed.is_some())
    };
    let grant_state = |g: &grants::Grant, within_days: u64| {
        if g.revoked.is_some() {
            vec![GrantState::Revoked]
        } else if grants::get_freeze(s, &g.id).expect("read").is_some() {
            vec![GrantState::Frozen]
        } else if now < g.validity.from_ms {
            vec![GrantState::NotYetValid]
        } else if now >= g.validity.until_ms {
            vec![GrantState::Expired]
        } else if blocked(g) {
            vec![GrantState::Suspended]
        } else if g.uses >= g.max_uses {
            vec![GrantState::Exhausted]
        } else {
            let mut v = vec![GrantState::Active];
            if g.validity.until_ms <= now + within_days * DAY {
                v.push(GrantState::Expiring);
            }
            if g.uses > 0 && g.uses < g.max_uses && g.max_uses - g.uses <= (g.max_uses / 10).max(1) {
                v.push(GrantState::NearLimit);
            }
            v
        }
    };
    assert!(
        grants_now.iter().any(|(g, _)| grant_state(g, 0) == [GrantState::Suspended]),
        "the story holds a grant unusable for a suspension or a negative listing"
    );
    let grant_row = |g: &grants::Grant, at: &At, state| GrantRow {
        height: at.height,
        tx_hash: at.tx_hash,
        time_ms: at.time_ms,
        grant: g.id,
        dataset: g.dataset,
        grantor: g.grantor,
        grantee: g.grantee,
        purpose: g.purpose.clone(),
        state,
        valid_from_ms: g.validity.from_ms,
        valid_until_ms: g.validity.until_ms,
        uses: g.uses,
        max_uses: g.max_uses,
        revoked_at: g.revoked.as_ref().map(|r| r.height),
    };
    let names = [
        (GrantState::Active, "active"),
        (GrantState::Expiring, "expiring"),
        (GrantState::NotYetValid, "not_yet_valid"),
        (GrantState::Expired, "expired"),
        (GrantState::Revoked, "revoked"),
        (GrantState::Exhausted, "exhausted"),
        (GrantState::Suspended, "suspended"),
        (GrantState::NearLimit, "near_limit"),
        (GrantState::Frozen, "frozen"),
    ];
    for (st, name) in names {
        let expected: Vec<GrantRow> = grants_now
            .iter()
            .filter(|(g, _)| grant_state(g, 30).contains(&st))
            .map(|(g, at)| grant_row(g, at, st))
            .collect();
        assert!(!expected.is_empty(), "the story leaves a grant {name}");
        check(&w, &format!("/api/lists/grants?state={name}"), &expected).await;
        let mine: Vec<GrantRow> = expected.iter().filter(|r| r.grantee == account(STATS)).cloned().collect();
        check(&w, &format!("/api/lists/grants?state={name}&grantee={}", account(STATS)), &mine).await;
    }
    // `within_days` moves the expiring horizon: one day catches none of the ten-day windows.
    let expected: Vec<GrantRow> = grants_now
        .iter()
        .filter(|(g, _)| grant_state(g, 1).contains(&GrantState::Expiring))
        .map(|(g, at)| grant_row(g, at, GrantState::Expiring))
        .collect();
    check(&w, "/api/lists/grants?state=expiring&within_days=1", &expected).await;
    let all: Vec<GrantRow> = grants_now.iter().map(|(g, at)| grant_row(g, at, grant_state(g, 30)[0])).collect();
    check(
        &w,
        &format!("/api/lists/grants?grantor={health}"),
        &all.iter().filter(|r| r.grantor == health).cloned().collect::<Vec<_>>(),
    )
    .await;
    check(&w, "/api/lists/grants", &all).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_come_from_the_blocks_each_once_and_fold_to_the_head_in_state() {
    let w = World::story().await;
    let g = w.receipted.expect("a grant with receipts");
    // The receipts as the blocks' outcomes hold them, read block by block (not from the index).
    let s = w.chain.store();
    let mut expected = Vec::new();
    let mut events = Vec::new();
    for h in 1..=w.chain.head().height.0 {
        for o in s.outcomes(Height(h)).expect("read").unwrap_or_default() {
            for e in &o.events {
                if let Event::ReceiptRecorded {
                    grant,
                    seq,
                    dataset,
                    grantee,
                    query_hash,
                    result_hash,
                    row_count,
                    fields_used,
                    ..
                } = e
                    && *grant == g
                {
                    events.push(e.clone());
                    expected.push(ReceiptRow {
                        height: Height(h),
                        tx_hash: o.tx_hash,
                        grant: *grant,
                        seq: *seq,
                        grantee: *grantee,
                        dataset: *dataset,
                        row_count: *row_count,
                        query_hash: *query_hash,
                        result_hash: *result_hash,
                        fields_used: fields_used.join(";"),
                    });
                }
            }
        }
    }
    assert_eq!(expected.len(), 7);
    // They are complete: folded, they give the head the state keeps (ADR 0004).
    let head = shulian_contracts::receipts::receipt_head(s, &g).expect("read");
    assert_eq!(head, shulian_runtime::events::receipt_chain_head(&events));
    let path = format!("/api/grant/{g}/receipts");
    check(&w, &path, &expected).await;
    let first = w.page::<ReceiptRow>(&format!("{path}?limit=3")).await;
    assert_eq!(first.rows, expected[..3]);
    let next = first.next.expect("more after three");
    let second = w.page::<ReceiptRow>(&format!("{path}?limit=3&after={next}")).await;
    assert_eq!(second.rows, expected[3..6], "the cursor goes on where the first page ended");
    // From a time: only the receipts recorded at or after it.
    let since = expected[4].height;
    let t = w.chain.store().block_time(since).expect("read").expect("time");
    check(&w, &format!("{path}?since_ms={t}"), &expected[4..]).await;
    check(&w, &format!("{path}?until_ms={t}"), &expected[..4]).await;
    let csv = w.get(&format!("{path}?format=csv")).await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.body.lines().count(), 1 + 7, "{}", csv.body);
    assert!(csv.body.starts_with("height,tx_hash,grant,seq"), "{}", csv.body);
    let unknown = w.get(&format!("/api/grant/{}/receipts", Hash([0xee; 32]))).await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    let bad = w.get(&format!("{path}?after=zz")).await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    // The grant's detail no longer carries them.
    let detail = w.get(&format!("/api/grant/{g}")).await;
    assert!(!detail.body.contains("\"receipts\""), "{}", detail.body);
    assert!(detail.body.contains(&format!("\"receipts_head\":\"{head}\"")), "{}", detail.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn negative_list_and_suspended_show_each_item_listed_now_once() {
    let w = World::story().await;
    let s = w.chain.store();
    let d = |i: usize| w.datasets[i].0;
    // d0 listed once; d1 listed, removed and listed again (shown at its latest listing); d2
    // listed and removed (not shown).
    let rows = w.all::<NegativeListRow>("/api/lists/negative-list", 1).await;
    let listed: Vec<DatasetId> = rows.iter().map(|r| r.dataset).collect();
    assert_eq!(listed, vec![d(0), d(1)]);
    for r in &rows {
        let stored = catalog::get_dataset(s, &r.dataset).expect("read").expect("data set");
        assert_eq!(Some(r.reason.clone()), stored.negative_listed);
        assert_eq!((r.regulator, r.owner), (account(REGULATOR), account(HEALTH)));
    }
    let events = s.events(&shulian_runtime::events::Subject::Dataset(d(1)), None, 500).expect("read");
    let last = events.iter().rev().find(|(_, e)| matches!(e.event, shulian_runtime::Event::NegativeListed { .. }));
    assert_eq!(Some(rows[1].height), last.map(|(_, e)| e.height), "d1 at its latest listing");
    let suspended = w.all::<shulian_api::lists::SuspendedRow>("/api/lists/suspended", 1).await;
    let orgs: Vec<_> = suspended.iter().map(|r| (r.org, r.reason.as_str())).collect();
    assert_eq!(orgs, vec![(account(super::world::BUYER), "again"), (account(TRANSPORT), "roads")]);
    for r in &suspended {
        assert!(shulian_contracts::orgs::get_org(s, &r.org).expect("read").expect("org").suspended);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_filters_are_refused_naming_the_valid_values() {
    let w = World::empty().await;
    for (path, needle) in [
        ("/api/lists/requests?state=waiting", "awaiting_owner, awaiting_co_approval, granted, rejected"),
        ("/api/lists/grants?state=old", "active, expiring, near_limit, not_yet_valid, expired, revoked, exhausted"),
        ("/api/lists/listings?state=open", "pending_review, active, frozen, rejected, withdrawn"),
        ("/api/lists/orders?state=paid", "placed, delivered, accepted"),
        ("/api/lists/grants?state=expiring&within_days=99999", "within_days"),
        ("/api/lists/catalog?owner=xyz", "owner"),
        ("/api/lists/requests?requester=12", "requester"),
        ("/api/lists/catalog?classification=secret", "classification"),
        ("/api/lists/statement", "org=<id> is required"),
        ("/api/lists/orders?role=buyer", "needs org"),
        ("/api/lists/orders?org=00&role=buyer", "org"),
        ("/api/lists/catalog?after=zz", "cursor"),
    ] {
        let r = w.get(path).await;
        assert_eq!((r.status, r.code().as_str()), (400, "bad_request"), "{path}: {}", r.body);
        assert!(r.body.contains(needle), "{path}: {} should name {needle:?}", r.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ledger_time_window_selects_rows_by_their_block_time() {
    let w = World::story().await;
    let rows = w.all::<CatalogRow>("/api/lists/catalog", 100).await;
    let (since, until) = (rows[12].time_ms, rows[15].time_ms);
    let expected: Vec<CatalogRow> = rows.iter().filter(|r| r.time_ms >= since && r.time_ms < until).cloned().collect();
    assert_eq!(expected.len(), 3, "three registrations between them");
    check(&w, &format!("/api/lists/catalog?since_ms={since}&until_ms={until}"), &expected).await;
    // A time between blocks starts at the next block.
    check(&w, &format!("/api/lists/catalog?since_ms={}&until_ms={until}", since - 1), &expected).await;
    check(&w, &format!("/api/lists/catalog?since_ms={}", w.now + 1), &Vec::<CatalogRow>::new()).await;
    for r in &rows {
        assert_eq!(Some(r.time_ms), w.chain.store().block_time(r.height).expect("read"), "time_ms is the block's");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_returns_each_item_once_while_blocks_are_committed() {
    let mut w = World::empty().await;
    let register = |i: usize| {
        (
            HEALTH,
            Call::Catalog(CatalogCall::Register {
                dataset: spec(&format!("d{i}"), Classification::General, SharingAttribute::Conditional),
            }),
        )
    };
    w.block((0..7).map(register).collect());
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut more = 7;
    loop {
        let cursor = after.as_ref().map(|a| format!("&after={a}")).unwrap_or_default();
        let p = w.page::<CatalogRow>(&format!("/api/lists/catalog?limit=3{cursor}")).await;
        seen.extend(p.rows.iter().map(|r| r.dataset));
        // Between pages, more data sets are registered.
        if more < 16 {
            w.block((more..more + 3).map(register).collect());
            more += 3;
        }
        match p.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let registered: Vec<DatasetId> = w.datasets.iter().map(|(d, _)| *d).collect();
    assert_eq!(registered.len(), 16);
    assert_eq!(seen, registered, "every data set once, in order, including those registered while paging");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dataset_detail_is_cut_at_its_cap_and_says_so() {
    let mut w = World::empty().await;
    let cap = MAX_DETAIL_ITEMS;
    let root_spec = spec("root", Classification::General, SharingAttribute::Conditional);
    w.run(HEALTH, Call::Catalog(CatalogCall::Register { dataset: root_spec }));
    let root = w.datasets[0].0;
    // A line of cap + 1 derived data sets, each from the one before (one per block, so each
    // names the one registered before it); and cap + 1 more versions of the root.
    let mut parent = root;
    let mut line = Vec::new();
    for i in 0..=cap {
        let dataset = spec(&format!("child {i}"), Classification::General, SharingAttribute::Conditional);
        let call = Call::Lineage(LineageCall::RegisterDerived {
            dataset,
            parents: vec![ParentRef { dataset: parent, grant: None }],
        });
        w.run(HEALTH, call);
        parent = w.datasets.last().expect("registered").0;
        line.push(parent);
    }
    assert_eq!(line.len(), cap + 1);
    let versions: Vec<(u8, Call)> = (0..=cap)
        .map(|i| {
            (
                HEALTH,
                Call::Catalog(CatalogCall::PublishVersion {
                    dataset: root,
                    metadata_hash: Hash([i as u8; 32]),
                    schema_hash: Hash([2; 32]),
                    fields: None,
                }),
            )
        })
        .collect();
    for chunk in versions.chunks(60) {
        w.block(chunk.to_vec());
    }
    let detail = |id: DatasetId| {
        let w = &w;
        async move {
            let r = w.get(&format!("/api/dataset/{id}")).await;
            assert_eq!(r.status, 200, "{}", r.body);
            serde_json::from_str::<DatasetResponse>(&r.body).expect("a data set")
        }
    };
    let top = detail(root).await;
    assert!(top.truncated);
    assert_eq!(top.dataset.version as usize, cap + 2);
    assert_eq!(top.versions.len(), cap);
    assert_eq!(top.versions.first().map(|v| v.version as usize), Some(3), "the newest, oldest first");
    assert_eq!(top.versions.last().map(|v| v.version as usize), Some(cap + 2));
    assert_eq!(top.descendants, line[..cap].to_vec(), "nearest first, cut at the cap");
    assert_eq!(top.children, vec![line[0]]);
    let bottom = detail(line[cap]).await;
    assert!(bottom.truncated);
    let mut up: Vec<DatasetId> = line[..cap].iter().rev().copied().collect();
    up.push(root);
    assert_eq!(bottom.ancestors, up[..cap].to_vec(), "nearest first, cut at the cap");
    assert!(bottom.descendants.is_empty());
    // A data set within every cap is whole and says so.
    let mid = detail(line[cap - 5]).await;
    assert!(!mid.truncated);
    assert_eq!(mid.descendants, line[cap - 4..].to_vec());
    assert_eq!(mid.parents.iter().map(|p| p.dataset).collect::<Vec<_>>(), vec![line[cap - 6]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regraded_lists_every_regulator_regrade_with_both_grades_and_a_refused_one_changes_nothing() {
    use Classification::{Core, General, Important};
    use SharingAttribute::{Conditional, NotShareable};
    let mut w = World::empty().await;
    let d = w.register(HEALTH, spec("census", Core, NotShareable));
    let regrade = |classification, sharing, reason: &str| {
        Call::Catalog(CatalogCall::Regrade { dataset: d, classification, sharing, reason: reason.into() })
    };
    // The owner cannot lower its own data set's grade; the failed transaction changes nothing.
    assert_eq!(w.refused(HEALTH, regrade(General, Conditional, "ours")), "catalog.not_regulator");
    let rows = w.all::<RegradedRow>("/api/lists/regraded", 1).await;
    assert!(rows.is_empty(), "{rows:?}");
    w.run(REGULATOR, regrade(Important, Conditional, "desensitized"));
    w.run(REGULATOR, regrade(General, Conditional, "aggregated"));
    let rows = w.all::<RegradedRow>("/api/lists/regraded", 1).await;
    let grades: Vec<_> = rows
        .iter()
        .map(|r| (r.from_classification, r.from_sharing, r.classification, r.sharing, r.reason.as_str()))
        .collect();
    assert_eq!(
        grades,
        vec![
            (Core, NotShareable, Important, Conditional, "desensitized"),
            (Important, Conditional, General, Conditional, "aggregated"),
        ]
    );
    for r in &rows {
        assert_eq!(
            (r.dataset, r.owner, r.regulator, r.name.as_str()),
            (d, account(HEALTH), account(REGULATOR), "census")
        );
    }
    let stored = catalog::get_dataset(w.chain.store(), &d).expect("read").expect("data set");
    assert_eq!((stored.classification, stored.sharing), (General, Conditional));
    let csv = w.get("/api/lists/regraded?format=csv").await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.starts_with(&shulian_api::lists::REGRADED_COLUMNS.join(",")), "{}", csv.body);
    assert_eq!(csv.body.lines().count(), 3, "{}", csv.body);
}

#[tokio::test]
async fn refused_attempts_are_listed_by_sender_and_by_the_data_set_behind_a_grant() {
    use shulian_api::registry::AttemptRow;
    use shulian_runtime::call::{GrantsCall, ReceiptsCall};
    let mut w = World::empty().await;
    let d = w.register(HEALTH, spec("visits", Classification::General, SharingAttribute::Unconditional));
    let request = GrantsCall::Request {
        dataset: d,
        purpose: "routes".into(),
        fields: vec!["a".into()],
        valid_from_ms: 0,
        valid_until_ms: u64::MAX,
        max_uses: 5,
    };
    let events = w.run(TRANSPORT, Call::Grants(request));
    let grant = events
        .iter()
        .find_map(|e| match e {
            Event::GrantIssued { grant, .. } => Some(*grant),
            _ => None,
        })
        .expect("granted at once");
    w.run(HEALTH, Call::Grants(GrantsCall::Revoke { grant, reason: "ended".into() }));
    let receipt = Call::Receipts(ReceiptsCall::Record {
        grant,
        query_hash: Hash([3; 32]),
        result_hash: Hash([4; 32]),
        row_count: 1,
        fields_used: vec!["a".into()],
    });
    assert_eq!(w.refused(TRANSPORT, receipt), "receipts.revoked");
    assert_eq!(
        w.refused(
            HEALTH,
            Call::Catalog(CatalogCall::Regrade {
                dataset: d,
                classification: Classification::Core,
                sharing: SharingAttribute::Conditional,
                reason: "ours".into(),
            })
        ),
        "catalog.not_regulator"
    );
    // By the data set: both, the receipt found through its grant.
    let rows = w.all::<AttemptRow>(&format!("/api/lists/refused-attempts?dataset={d}"), 1).await;
    let seen: Vec<_> = rows.iter().map(|r| (r.org, r.call.as_str(), r.code.as_str())).collect();
    assert_eq!(
        seen,
        vec![
            (account(TRANSPORT), "receipts.record", "receipts.revoked"),
            (account(HEALTH), "catalog.regrade", "catalog.not_regulator"),
        ]
    );
    assert_eq!((rows[0].datasets.clone(), rows[0].grants.clone()), (vec![d], vec![grant]));
    assert!(rows[0].message.contains("ended"), "{:?}", rows[0]);
    // By the sender, and all of them.
    let mine = w.all::<AttemptRow>(&format!("/api/lists/refused-attempts?org={}", account(TRANSPORT)), 5).await;
    assert_eq!(mine.len(), 1);
    assert_eq!(w.all::<AttemptRow>("/api/lists/refused-attempts", 5).await.len(), 2);
    let both = w.get(&format!("/api/lists/refused-attempts?org={}&dataset={d}", account(TRANSPORT))).await;
    assert_eq!(both.status, 400);
}

#[tokio::test]
async fn an_organization_a_regulator_suspends_directly_is_listed_until_reinstated() {
    use shulian_api::lists::SuspendedRow;
    use shulian_runtime::call::OrgsCall;
    let mut w = World::empty().await;
    let org = account(TRANSPORT);
    w.run(REGULATOR, Call::Orgs(OrgsCall::RegulatorSuspend { org, reason: "misuse under review".into() }));
    let rows = w.all::<SuspendedRow>("/api/lists/suspended", 1).await;
    assert_eq!(rows.iter().map(|r| (r.org, r.reason.as_str())).collect::<Vec<_>>(), vec![(org, "misuse under review")]);
    w.run(REGULATOR, Call::Orgs(OrgsCall::RegulatorReinstate { org, reason: "cleared".into() }));
    assert!(w.all::<SuspendedRow>("/api/lists/suspended", 1).await.is_empty());
}
