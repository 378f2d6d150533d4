//! Samples of the lists' pages (issue 19, `shulian_api::lists`): one [`ViewPage`] of every row
//! type, with its view's columns, named as the explorer's field table names them (`CatalogPage`,
//! ...; `lib/shapes.js`). [`super::api_samples`] writes them into `test/api-samples.json` with the
//! other answers, so a field renamed or dropped on the Rust side fails the JavaScript shape test.
//! Each row's columns are checked against its column constant here too: the CSV export and the
//! pages draw the columns the answer names.

use super::tests::{dataset, dataset_listing, grant, order};
use serde::Serialize;
use serde_json::{Map, Value};
use shulian_api::lists::{
    CATALOG_COLUMNS, CatalogRow, GRANT_COLUMNS, GrantRow, GrantState, LISTING_COLUMNS, ListingRow, ListingState,
    NEGATIVE_LIST_COLUMNS, NegativeListRow, ORDER_COLUMNS, OrderRow, RECEIPT_COLUMNS, REGRADED_COLUMNS,
    REQUEST_COLUMNS, ReceiptRow, RegradedRow, RequestRow, RequestState, STATEMENT_COLUMNS, SUSPENDED_COLUMNS,
    StatementRow, SuspendedRow,
};
use shulian_api::records::OrderStatus;
use shulian_api::regulator::{DISPUTE_COLUMNS, DisputeRow, ViewPage};
use shulian_runtime::call::{Classification, SharingAttribute};
use shulian_runtime::{AccountId, Fen, Hash, Height};

/// Ledger time of the sample rows' blocks (2026-11-29 02:23:20 UTC).
const TIME_MS: u64 = 1_764_383_000_000;

fn h(tag: &[u8]) -> Hash {
    Hash::tagged(b"sample", tag)
}

/// A page of one row named `view`, with a cursor to a next page.
fn page<R: Serialize>(view: &str, columns: &[&str], row: R) -> Value {
    let p = ViewPage {
        view: view.into(),
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows: vec![row],
        next: Some("00000000000000080000".into()),
        truncated: None,
    };
    serde_json::to_value(p).expect("a list page serializes")
}

/// One page of every list, by the explorer's name for its answer type.
pub(super) fn list_samples() -> Map<String, Value> {
    let d = dataset();
    let g = grant();
    let l = dataset_listing();
    let o = order();
    let regulator = AccountId([9; 32]);
    let mut out = Map::new();
    let catalog = CatalogRow {
        height: Height(5),
        tx_hash: h(b"register"),
        time_ms: TIME_MS,
        dataset: d.id,
        name: d.name.clone(),
        owner: d.owner,
        category: d.category.clone(),
        classification: d.classification,
        sharing: d.sharing,
        version: d.version,
        negative_listed: true,
        retired: false,
    };
    out.insert("CatalogPage".into(), page("catalog", CATALOG_COLUMNS, catalog));
    let request = RequestRow {
        height: Height(6),
        tx_hash: h(b"request"),
        time_ms: TIME_MS + 1_000,
        request: g.request,
        dataset: d.id,
        requester: g.grantee,
        owner: d.owner,
        purpose: g.purpose.clone(),
        state: RequestState::AwaitingCoApproval,
        needs_co_approval: true,
        owner_approved: true,
        co_approved_by: None,
        valid_from_ms: g.validity.from_ms,
        valid_until_ms: g.validity.until_ms,
        max_uses: g.max_uses,
    };
    out.insert("RequestsPage".into(), page("requests", REQUEST_COLUMNS, request));
    let grant_row = GrantRow {
        height: g.issued_at,
        tx_hash: h(b"grant"),
        time_ms: TIME_MS + 2_000,
        grant: g.id,
        dataset: g.dataset,
        grantor: g.grantor,
        grantee: g.grantee,
        purpose: g.purpose.clone(),
        state: GrantState::Revoked,
        valid_from_ms: g.validity.from_ms,
        valid_until_ms: g.validity.until_ms,
        uses: g.uses,
        max_uses: g.max_uses,
        revoked_at: Some(Height(9)),
    };
    out.insert("GrantsPage".into(), page("grants", GRANT_COLUMNS, grant_row));
    let receipt = ReceiptRow {
        height: Height(8),
        tx_hash: h(b"tx"),
        grant: g.id,
        seq: 1,
        grantee: g.grantee,
        dataset: g.dataset,
        row_count: 12,
        query_hash: h(b"query"),
        result_hash: h(b"result"),
        fields_used: g.fields.join(";"),
    };
    out.insert("ReceiptsPage".into(), page("receipts", RECEIPT_COLUMNS, receipt));
    let listing = ListingRow {
        height: l.submitted_at,
        tx_hash: h(b"listing"),
        time_ms: TIME_MS + 3_000,
        listing: l.id,
        seller: l.seller,
        dataset: Some(d.id),
        price: l.price,
        max_uses: l.max_uses,
        state: ListingState::Frozen,
        delivery_window_ms: l.delivery_window_ms,
        acceptance_window_ms: l.acceptance_window_ms,
    };
    out.insert("ListingsPage".into(), page("listings", LISTING_COLUMNS, listing));
    let order_row = OrderRow {
        height: o.placed_at,
        tx_hash: h(b"order"),
        time_ms: o.placed_at_ms,
        order: o.id,
        listing: o.listing,
        buyer: o.buyer,
        seller: o.seller,
        dataset: o.dataset,
        price: o.price,
        fee: o.fee,
        status: OrderStatus::Arbitrated,
        delivery_deadline_ms: o.delivery_deadline_ms,
        acceptance_deadline_ms: o.acceptance_deadline_ms,
    };
    out.insert("OrdersPage".into(), page("orders", ORDER_COLUMNS, order_row));
    let movement = StatementRow {
        height: o.placed_at,
        tx_hash: h(b"order"),
        time_ms: o.placed_at_ms,
        kind: "order_placed".into(),
        counterparty: None,
        order: Some(o.id),
        credit: Fen(0),
        debit: Fen(121_200),
    };
    out.insert("StatementPage".into(), page("statement", STATEMENT_COLUMNS, movement));
    let negative = NegativeListRow {
        height: Height(10),
        tx_hash: h(b"negative"),
        time_ms: TIME_MS + 4_000,
        dataset: d.id,
        name: d.name.clone(),
        owner: d.owner,
        regulator,
        reason: d.negative_listed.clone().unwrap_or_default(),
    };
    out.insert("NegativeListPage".into(), page("negative-list", NEGATIVE_LIST_COLUMNS, negative));
    let suspended = SuspendedRow {
        height: Height(11),
        tx_hash: h(b"suspend"),
        time_ms: TIME_MS + 5_000,
        org: AccountId([6; 32]),
        name: "Huijin Data Services Co. 汇金".into(),
        reason: "audit =SUM(A1)".into(),
    };
    out.insert("SuspendedPage".into(), page("suspended", SUSPENDED_COLUMNS, suspended));
    let regraded = RegradedRow {
        height: Height(11),
        tx_hash: h(b"regrade"),
        time_ms: TIME_MS + 5_500,
        dataset: d.id,
        name: d.name.clone(),
        owner: d.owner,
        regulator,
        from_classification: Classification::Core,
        classification: Classification::Important,
        from_sharing: SharingAttribute::NotShareable,
        sharing: SharingAttribute::Conditional,
        reason: "desensitized copy, reviewed".into(),
    };
    out.insert("RegradedPage".into(), page("regraded", REGRADED_COLUMNS, regraded));
    let element = shulian_api::registry::ElementRow {
        height: Height(3),
        tx_hash: h(b"element"),
        time_ms: TIME_MS + 500,
        element: "clinic_visits".into(),
        name: "门诊人次 clinic visits".into(),
        responsible: d.owner,
        authoritative: Some(d.id),
    };
    out.insert("ElementPage".into(), page("elements", shulian_api::registry::ELEMENT_COLUMNS, element));
    let demand = shulian_api::registry::DemandRow {
        height: Height(4),
        tx_hash: h(b"demand"),
        time_ms: TIME_MS + 600,
        demand: shulian_runtime::DemandId([0x4d; 32]),
        requester: AccountId([6; 32]),
        elements: vec!["clinic_visits".into(), "bus_route".into()],
        purpose: "公交线网优化 route planning".into(),
        state: shulian_api::registry::DemandState::Answered,
        department: Some(d.owner),
        deadline_ms: Some(TIME_MS + 86_400_000),
        answered_at_ms: Some(TIME_MS + 3_600_000),
        on_time: Some(true),
        dataset: Some(d.id),
        grant: Some(shulian_runtime::GrantId([0x47; 32])),
        legal_basis: None,
    };
    out.insert("DemandPage".into(), page("demands", shulian_api::registry::DEMAND_COLUMNS, demand));
    let stats = shulian_api::registry::DepartmentStatsRow {
        name: "Municipal Health Commission 卫健委".into(),
        datasets_provided: 3,
        demands_assigned: 2,
        demands_answered_on_time: 1,
        demands_overdue: 1,
        requests_approved: 4,
        uses_under_its_grants: 17,
        ..shulian_api::registry::DepartmentStatsRow::zero(d.owner)
    };
    let attempt = shulian_api::registry::AttemptRow {
        height: Height(13),
        tx_hash: h(b"attempt"),
        time_ms: TIME_MS + 7_000,
        org: AccountId([6; 32]),
        call: "receipts.record".into(),
        code: "receipts.revoked".into(),
        message: "grant revoked at height 12 (purpose ended)".into(),
        datasets: vec![d.id],
        grants: vec![shulian_runtime::GrantId([0x47; 32])],
    };
    out.insert("AttemptPage".into(), page("refused-attempts", shulian_api::registry::ATTEMPT_COLUMNS, attempt));
    out.insert(
        "DepartmentStatsPage".into(),
        page("department-stats", shulian_api::registry::DEPARTMENT_STATS_COLUMNS, stats),
    );
    let dispute = DisputeRow {
        height: Height(12),
        tx_hash: h(b"dispute"),
        time_ms: TIME_MS + 6_000,
        order: o.id,
        listing: o.listing,
        buyer: o.buyer,
        seller: o.seller,
        dataset: o.dataset,
        price: Some(o.price),
        fee: Some(o.fee),
        reason: o.dispute.clone().unwrap_or_default(),
        status: Some(OrderStatus::Disputed),
    };
    out.insert("DisputesPage".into(), page("disputes", DISPUTE_COLUMNS, dispute));
    out
}

/// Every list's rows have exactly its columns, in the same names: the pages draw `columns` from
/// each row, and the CSV export writes them.
#[test]
fn explorer_list_samples_rows_have_exactly_their_columns() {
    for (name, p) in list_samples() {
        let columns: Vec<&str> = p["columns"].as_array().expect("columns").iter().filter_map(Value::as_str).collect();
        let row = p["rows"][0].as_object().expect("a row");
        let mut keys: Vec<&str> = row.keys().map(String::as_str).collect();
        let mut sorted = columns.clone();
        keys.sort_unstable();
        sorted.sort_unstable();
        assert_eq!(keys, sorted, "{name}: the row's fields are not its columns");
    }
}
