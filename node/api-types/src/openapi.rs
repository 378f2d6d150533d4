//! The OpenAPI 3.1 document of the API, generated from this crate's types. The node serves it at
//! `GET /api/openapi.json`; `docs/openapi.json` is a checked-in copy that a test keeps equal.

#![allow(dead_code, reason = "the functions below only carry utoipa's path attributes")]

use crate::chain::*;
use crate::dashboard::*;
use crate::error::ApiErrorBody;
use crate::ledger::*;
use crate::lists::*;
use crate::names::*;
use crate::registry::*;
use crate::regulator::*;
use shulian_runtime::{AccountId, DatasetId, GrantId, Hash, ListingId, OrderId, ProposalId, RequestId};
use utoipa::OpenApi;

/// The OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document as the node serves it and `docs/openapi.json` holds it: pretty JSON with a final
/// newline.
pub fn openapi_json() -> String {
    let mut s = openapi().to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Shulian node API",
        description = "The HTTP JSON API of a Shulian node (see docs/api.md). Every error answer is \
                       `{\"error\": {\"code\", \"message\"}}` with a stable code. Submission routes exist \
                       only on nodes with submission enabled (not on a regulator's read-only node).",
        license(name = "Apache-2.0")
    ),
    paths(
        health, ready, status, tx_status, tx_proof, block, blocks, account, proof, org, dataset, request, grant, proposal, listing,
        order, market, events, events_stream, search, view_uses, view_core_grants, view_disputes, evidence, openapi_doc,
        genesis, block_raw, submit, submit_batch, grant_receipts, list_catalog, list_requests, list_grants,
        list_listings, list_orders, list_statement, list_negative, list_suspended, list_regraded,
        list_elements, list_demands, list_department_stats, list_refused_attempts,
        validator_sets, names, dashboard
    ),
    components(schemas(ViewFormat, OrderRole, DemandState)),
    tags(
        (name = "chain", description = "Blocks, transactions, accounts and proofs"),
        (name = "ledger", description = "Organizations, data sets, requests, grants, proposals, the market and events"),
        (name = "regulator", description = "Search and the regulator's views"),
        (name = "lists", description = "The lists each role works from, paged by cursor and exportable"),
        (name = "submit", description = "Submitting signed transactions")
    )
)]
struct ApiDoc;

#[utoipa::path(get, path = "/health", tag = "chain",
    responses(
        (status = 200, description = "The process answers and its store reads its head", body = HealthResponse),
        (status = 503, description = "The store could not read its head (code `store_unreadable`)", body = ApiErrorBody)))]
fn health() {}

#[utoipa::path(get, path = "/ready", tag = "chain",
    responses(
        (status = 200, description = "Caught up with the peers' best announced head, a quorum of voting power connected", body = ReadyResponse),
        (status = 503, description = "Not ready: `reason` says why (`no_quorum`, `catching_up`)", body = ReadyResponse)))]
fn ready() {}

#[utoipa::path(get, path = "/api/status", tag = "chain",
    responses((status = 200, description = "Where the chain is", body = StatusResponse)))]
fn status() {}

#[utoipa::path(get, path = "/api/tx/{hash}", tag = "chain",
    params(("hash" = Hash, Path, description = "Transaction hash, hex")),
    responses(
        (status = 200, description = "Committed, pending or rejected", body = TxStatusResponse),
        (status = 400, description = "Not a hash", body = ApiErrorBody),
        (status = 404, description = "Not known to this node", body = ApiErrorBody)))]
fn tx_status() {}

#[utoipa::path(get, path = "/api/tx/{hash}/proof", tag = "chain",
    params(("hash" = Hash, Path, description = "Transaction hash, hex")),
    responses(
        (status = 200, description = "The outcome with its path to outcomes_root and the block's certificate", body = OutcomeProofResponse),
        (status = 400, description = "Not a hash", body = ApiErrorBody),
        (status = 404, description = "Not committed on this node", body = ApiErrorBody)))]
fn tx_proof() {}

#[utoipa::path(get, path = "/api/block/{height}", tag = "chain",
    params(("height" = String, Path, description = "A height, or `latest`", pattern = "^([0-9]{1,19}|latest)$")),
    responses(
        (status = 200, description = "The block", body = BlockResponse),
        (status = 400, description = "Not a height", body = ApiErrorBody),
        (status = 404, description = "No block there yet", body = ApiErrorBody),
        (status = 410, description = "block_not_held: below the lowest height whose block this node holds (started from a snapshot or pruned)", body = ApiErrorBody)))]
fn block() {}

#[utoipa::path(get, path = "/api/block/{height}/raw", tag = "chain",
    params(("height" = u64, Path, description = "Block height (>= 1)")),
    responses(
        (status = 200, description = "The block's transactions and outcomes as borsh hex", body = RawBlockResponse),
        (status = 400, description = "Not a height", body = ApiErrorBody),
        (status = 404, description = "No block there yet", body = ApiErrorBody),
        (status = 410, description = "block_not_held: below the lowest height whose block this node holds (started from a snapshot or pruned)", body = ApiErrorBody)))]
fn block_raw() {}

#[utoipa::path(get, path = "/api/validator-sets", tag = "chain", params(ValidatorSetsQuery),
    responses(
        (status = 200, description = "The validator-set changes since genesis, oldest first", body = ValidatorSetsPage),
        (status = 400, description = "Bad query", body = ApiErrorBody)))]
fn validator_sets() {}

#[utoipa::path(get, path = "/api/genesis", tag = "chain",
    responses((status = 200, description = "The genesis document this node runs", body = shulian_runtime::genesis::Genesis)))]
fn genesis() {}

#[utoipa::path(get, path = "/api/blocks", tag = "chain", params(BlocksQuery),
    responses(
        (status = 200, description = "Block summaries, newest first", body = BlocksPage),
        (status = 400, description = "Bad query", body = ApiErrorBody)))]
fn blocks() {}

#[utoipa::path(get, path = "/api/account/{id}", tag = "chain",
    params(("id" = AccountId, Path, description = "Account id, hex")),
    responses(
        (status = 200, description = "Nonce, balance and organization", body = AccountResponse),
        (status = 400, description = "Not an id", body = ApiErrorBody)))]
fn account() {}

#[utoipa::path(get, path = "/api/proof/{key}", tag = "chain",
    params(("key" = String, Path, description = "State key, hex", pattern = "^([0-9a-f]{2})+$")),
    responses(
        (status = 200, description = "The value and its proof against the state root", body = ProofResponse),
        (status = 400, description = "Not hex", body = ApiErrorBody),
        (status = 404, description = "No entry under the key", body = ApiErrorBody),
        (status = 503, description = "The state changed while proving; retry", body = ApiErrorBody)))]
fn proof() {}

#[utoipa::path(get, path = "/api/org/{id}", tag = "ledger",
    params(("id" = AccountId, Path, description = "Organization id, hex")),
    responses(
        (status = 200, description = "The organization", body = OrgResponse),
        (status = 400, description = "Not an id", body = ApiErrorBody),
        (status = 404, description = "No such organization", body = ApiErrorBody)))]
fn org() {}

#[utoipa::path(get, path = "/api/dataset/{id}", tag = "ledger",
    params(("id" = DatasetId, Path, description = "Data set id, hex")),
    responses(
        (status = 200, description = "The data set, its versions and lineage", body = DatasetResponse),
        (status = 400, description = "Not an id", body = ApiErrorBody),
        (status = 404, description = "No such data set", body = ApiErrorBody)))]
fn dataset() {}

#[utoipa::path(get, path = "/api/request/{id}", tag = "ledger",
    params(("id" = RequestId, Path, description = "Request id, hex")),
    responses(
        (status = 200, description = "The request", body = RequestResponse),
        (status = 400, description = "Not an id", body = ApiErrorBody),
        (status = 404, description = "No such request", body = ApiErrorBody)))]
fn request() {}

#[utoipa::path(get, path = "/api/grant/{id}", tag = "ledger",
    params(("id" = GrantId, Path, description = "Grant id, hex")),
    responses(
        (status = 200, description = "The grant and its usability (its receipts: /api/grant/{id}/receipts)", body = GrantResponse),
        (status = 400, description = "Not an id", body = ApiErrorBody),
        (status = 404, description = "No such grant", body = ApiErrorBody)))]
fn grant() {}

#[utoipa::path(get, path = "/api/proposal/{id}", tag = "ledger",
    params(("id" = ProposalId, Path, description = "Proposal id, hex")),
    responses(
        (status = 200, description = "The proposal", body = ProposalResponse),
        (status = 400, description = "Not an id", body = ApiErrorBody),
        (status = 404, description = "No such proposal", body = ApiErrorBody)))]
fn proposal() {}

#[utoipa::path(get, path = "/api/listing/{id}", tag = "ledger",
    params(("id" = ListingId, Path, description = "Listing id, hex")),
    responses(
        (status = 200, description = "The listing", body = ListingResponse),
        (status = 400, description = "Not an id", body = ApiErrorBody),
        (status = 404, description = "No such listing", body = ApiErrorBody)))]
fn listing() {}

#[utoipa::path(get, path = "/api/order/{id}", tag = "ledger",
    params(("id" = OrderId, Path, description = "Order id, hex")),
    responses(
        (status = 200, description = "The order", body = OrderResponse),
        (status = 400, description = "Not an id", body = ApiErrorBody),
        (status = 404, description = "No such order", body = ApiErrorBody)))]
fn order() {}

#[utoipa::path(get, path = "/api/market", tag = "ledger",
    responses((status = 200, description = "Fee rate, escrow and total supply", body = MarketResponse)))]
fn market() {}

#[utoipa::path(get, path = "/api/events", tag = "ledger", params(EventsQuery),
    responses(
        (status = 200, description = "One page of the subject's events, oldest first", body = EventsPage),
        (status = 400, description = "Bad subject or cursor", body = ApiErrorBody)))]
fn events() {}

#[utoipa::path(get, path = "/api/events/stream", tag = "ledger",
    params(EventStreamQuery,
        ("Last-Event-ID" = Option<String>, Header, description = "Resume after this cursor (the `id` of the last event received); wins over `after`")),
    responses(
        (status = 200, description = "Server-Sent Events: each committed event once, in ledger order; `id` is its cursor, \
            `event` its type, `data` an EventRecord. A last `event: error` (data: an ApiErrorBody) when the node ends \
            the stream; a client that reads nothing for 10 s is disconnected.",
            content_type = "text/event-stream", body = EventRecord),
        (status = 400, description = "No filter, or a bad subject, type or cursor", body = ApiErrorBody),
        (status = 503, description = "Too many open streams on this node", body = ApiErrorBody)))]
fn events_stream() {}

#[utoipa::path(get, path = "/api/evidence", tag = "ledger", params(EvidenceQuery),
    responses(
        (status = 200, description = "Equivocation evidence, oldest first", body = EvidencePage),
        (status = 400, description = "Bad cursor", body = ApiErrorBody)))]
fn evidence() {}

#[utoipa::path(get, path = "/api/search", tag = "regulator", params(SearchQuery),
    responses(
        (status = 200, description = "Hits", body = SearchResponse),
        (status = 400, description = "Bad query", body = ApiErrorBody)))]
fn search() {}

#[utoipa::path(get, path = "/api/views/uses", tag = "regulator", params(ViewQuery),
    responses(
        (status = 200, description = "Every usage receipt of a data set: one page, or every row with `format`",
            content((ViewPage<UsesRow> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Bad query", body = ApiErrorBody)))]
fn view_uses() {}

#[utoipa::path(get, path = "/api/views/core-grants", tag = "regulator", params(ViewQuery),
    responses(
        (status = 200, description = "Every grant on a core-level data set",
            content((ViewPage<CoreGrantRow> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Bad query", body = ApiErrorBody)))]
fn view_core_grants() {}

#[utoipa::path(get, path = "/api/views/disputes", tag = "regulator", params(ViewQuery),
    responses(
        (status = 200, description = "Orders in dispute",
            content((ViewPage<DisputeRow> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Bad query", body = ApiErrorBody)))]
fn view_disputes() {}

#[utoipa::path(get, path = "/api/openapi.json", tag = "chain",
    responses((status = 200, description = "This document", body = Object)))]
fn openapi_doc() {}

#[utoipa::path(post, path = "/api/tx", tag = "submit", request_body = SubmitRequest,
    responses(
        (status = 202, description = "Admitted to the mempool", body = SubmitResponse),
        (status = 400, description = "Malformed, badly signed, wrong chain, stale nonce or refused by admission", body = ApiErrorBody),
        (status = 413, description = "Body over its limit", body = ApiErrorBody),
        (status = 415, description = "Not JSON", body = ApiErrorBody),
        (status = 422, description = "JSON that is not the request", body = ApiErrorBody),
        (status = 503, description = "Mempool full", body = ApiErrorBody)))]
fn submit() {}

#[utoipa::path(post, path = "/api/txs", tag = "submit", request_body = SubmitBatchRequest,
    responses(
        (status = 200, description = "One result per transaction", body = SubmitBatchResponse),
        (status = 400, description = "Malformed body", body = ApiErrorBody),
        (status = 413, description = "Body or batch over its limit", body = ApiErrorBody),
        (status = 415, description = "Not JSON", body = ApiErrorBody),
        (status = 422, description = "JSON that is not the request", body = ApiErrorBody)))]
fn submit_batch() {}

#[utoipa::path(get, path = "/api/grant/{id}/receipts", tag = "lists",
    params(("id" = GrantId, Path, description = "Grant id, hex"), ViewQuery),
    responses(
        (status = 200, description = "The grant's receipts in sequence order, paged by sequence number; every row with `format`",
            content((ViewPage<ReceiptRow> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Not an id, or a bad cursor", body = ApiErrorBody),
        (status = 404, description = "No such grant", body = ApiErrorBody)))]
fn grant_receipts() {}

#[utoipa::path(get, path = "/api/lists/catalog", tag = "lists", params(ViewQuery),
    responses(
        (status = 200, description = "Data sets as they are now, filtered by owner, classification, sharing, negative list",
            content((ViewPage<CatalogRow> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Bad filter", body = ApiErrorBody)))]
fn list_catalog() {}

#[utoipa::path(get, path = "/api/lists/requests", tag = "lists", params(ViewQuery),
    responses(
        (status = 200, description = "Data-use requests by owner, requester and state (awaiting_owner, awaiting_co_approval, granted, rejected)",
            content((ViewPage<RequestRow> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Bad filter", body = ApiErrorBody)))]
fn list_requests() {}

#[utoipa::path(get, path = "/api/lists/grants", tag = "lists", params(ViewQuery),
    responses(
        (status = 200, description = "Grants by grantee, grantor and state at the head's ledger time (active, expiring, not_yet_valid, expired, revoked, exhausted)",
            content((ViewPage<GrantRow> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Bad filter", body = ApiErrorBody)))]
fn list_grants() {}

#[utoipa::path(get, path = "/api/lists/listings", tag = "lists", params(ViewQuery),
    responses(
        (status = 200, description = "Market listings by seller and state (pending_review, active, frozen, rejected, withdrawn)",
            content((ViewPage<ListingRow> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Bad filter", body = ApiErrorBody)))]
fn list_listings() {}

#[utoipa::path(get, path = "/api/lists/orders", tag = "lists", params(ViewQuery),
    responses(
        (status = 200, description = "Orders by organization, side (`role`) and status",
            content((ViewPage<OrderRow> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Bad filter, or `role` without `org`", body = ApiErrorBody)))]
fn list_orders() {}

#[utoipa::path(get, path = "/api/lists/statement", tag = "lists", params(ViewQuery),
    responses(
        (status = 200, description = "Every movement of `org`'s settlement balance, oldest first",
            content((ViewPage<StatementRow> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "No `org`, or a bad filter", body = ApiErrorBody)))]
fn list_statement() {}

#[utoipa::path(get, path = "/api/lists/negative-list", tag = "lists", params(ViewQuery),
    responses(
        (status = 200, description = "The data sets on the negative list now, each once",
            content((ViewPage<NegativeListRow> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Bad query", body = ApiErrorBody)))]
fn list_negative() {}

#[utoipa::path(get, path = "/api/lists/suspended", tag = "lists", params(ViewQuery),
    responses(
        (status = 200, description = "The organizations suspended now, each once",
            content((ViewPage<SuspendedRow> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Bad query", body = ApiErrorBody)))]
fn list_suspended() {}

#[utoipa::path(get, path = "/api/lists/regraded", tag = "lists", params(ViewQuery),
    responses(
        (status = 200, description = "Every re-grade of a data set by a regulator, with both grades and the reason, oldest first",
            content((ViewPage<RegradedRow> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Bad query", body = ApiErrorBody)))]
fn list_regraded() {}

#[utoipa::path(get, path = "/api/lists/elements", tag = "lists", params(ViewQuery),
    responses(
        (status = 200, description = "The responsibility list: every data element with its responsible department now (`org=` filters by it) and its authoritative data set",
            content((ViewPage<ElementRow> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Bad query", body = ApiErrorBody)))]
fn list_elements() {}

#[utoipa::path(get, path = "/api/lists/demands", tag = "lists", params(ViewQuery),
    responses(
        (status = 200, description = "The demand list: demands by `requester=`, assigned department (`org=`) and `state=` (filed, assigned, overdue, answered, refused, withdrawn; overdue at the head's ledger time)",
            content((ViewPage<DemandRow> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Bad query", body = ApiErrorBody)))]
fn list_demands() {}

#[utoipa::path(get, path = "/api/lists/department-stats", tag = "lists", params(ViewQuery),
    responses(
        (status = 200, description = "Each department's statistics over `since_ms..until_ms` (default: the last 30 days; at most 366): data sets provided, demands answered on time and late, overdue, requests approved and refused, uses under its grants, refused attempts; the node's counts, not proven",
            content((ViewPage<DepartmentStatsRow> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Bad period", body = ApiErrorBody)))]
fn list_department_stats() {}

#[utoipa::path(get, path = "/api/lists/refused-attempts", tag = "lists", params(ViewQuery),
    responses(
        (status = 200, description = "Transactions committed as failed, oldest first, by sender (`org=`) or data set (`dataset=`, a named grant's data set included), with the call and the contract's refusal code; from the node's index of the blocks it wrote",
            content((ViewPage<AttemptRow> = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Bad query (at most one of org and dataset)", body = ApiErrorBody)))]
fn list_refused_attempts() {}

#[utoipa::path(get, path = "/api/names", tag = "regulator", params(NamesQuery),
    responses(
        (status = 200, description = "The name of each id found (organizations, data sets, grants, listings, orders)", body = NamesResponse),
        (status = 400, description = "Not a list of ids, or more than `MAX_NAMES` (100)", body = ApiErrorBody)))]
fn names() {}

#[utoipa::path(get, path = "/api/dashboard", tag = "regulator", params(DashboardQuery),
    responses(
        (status = 200, description = "Counts of a period of ledger time and what waits for a regulator; the node's word, not proven", body = DashboardResponse),
        (status = 400, description = "Bad period (reversed, or longer than 92 days)", body = ApiErrorBody)))]
fn dashboard() {}
