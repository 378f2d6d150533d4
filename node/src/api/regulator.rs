//! The regulator's queries behind the explorer: the block list, search, and the views "uses of a
//! data set", "grants of core-level data" and "orders in dispute". Each view row carries the
//! height and tx hash that prove it; views page by an event-index cursor, so a cursor stays valid
//! while the chain grows, and export as CSV or JSON.

use super::limits::{Client, LARGE_BLOCKS};
use super::view::{Source, View, ViewResult, Window, answer, parse_id, query};
use super::{ApiError, Shared};
use crate::chain::Chain;
use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use shulian_api::chain::{BlockSummary, BlocksPage, BlocksQuery};
use shulian_api::records::OrderStatus;
use shulian_api::regulator::{
    CORE_GRANT_COLUMNS, CoreGrantRow, DISPUTE_COLUMNS, DisputeRow, SearchHit, SearchKind, SearchQuery, SearchResponse,
    USES_COLUMNS, UsesRow, ViewQuery,
};
use shulian_api::routes::{MAX_BLOCKS, MAX_EXPORT, MAX_SEARCH_RESULTS};
use shulian_contracts::{catalog, grants, market, orgs};
use shulian_runtime::call::Classification;
use shulian_runtime::events::Subject;
use shulian_runtime::{AccountId, Event, EventKind, Hash, Height};

/// `GET /api/views/uses?dataset=ID[&org=ID][&from=A][&to=B]`: every usage receipt of a data set,
/// optionally only those of one organization and between two heights (inclusive).
pub(super) async fn uses(
    State(api): Shared,
    Extension(client): Extension<Client>,
    q: Result<Query<ViewQuery>, QueryRejection>,
) -> ViewResult {
    let q = query(q)?;
    let dataset = parse_id(q.dataset.as_ref(), "data set id")?
        .ok_or_else(|| ApiError::bad_request("dataset=<id> is required"))?;
    let org: Option<AccountId> = parse_id(q.org.as_ref(), "organization id")?;
    api.run(Some(client), move |chain| uses_view(chain, &q, dataset, org)).await
}

fn uses_view(chain: &Chain, q: &ViewQuery, dataset: shulian_runtime::DatasetId, org: Option<AccountId>) -> ViewResult {
    let view = View {
        name: "uses",
        columns: USES_COLUMNS,
        source: Source::Subject(Subject::Dataset(dataset)),
        window: Window::of(q),
        row: Box::new(move |_, rec, _| {
            let Event::ReceiptRecorded { grant, seq, dataset, grantor, grantee, query_hash, result_hash, row_count } =
                &rec.event
            else {
                return Ok(None);
            };
            if org.is_some_and(|o| o != *grantee) {
                return Ok(None);
            }
            Ok(Some(UsesRow {
                height: rec.height,
                tx_hash: rec.tx_hash,
                grant: *grant,
                seq: *seq,
                dataset: *dataset,
                grantor: *grantor,
                grantee: *grantee,
                row_count: *row_count,
                query_hash: *query_hash,
                result_hash: *result_hash,
            }))
        }),
    };
    answer(chain, view, q)
}

/// `GET /api/views/core-grants`: every grant ever issued on a core-level data set, with its
/// current use count and revocation.
pub(super) async fn core_grants(
    State(api): Shared,
    Extension(client): Extension<Client>,
    q: Result<Query<ViewQuery>, QueryRejection>,
) -> ViewResult {
    let q = query(q)?;
    api.run(Some(client), move |chain| core_grants_view(chain, &q)).await
}

fn core_grants_view(chain: &Chain, q: &ViewQuery) -> ViewResult {
    let view = View {
        name: "core-grants",
        columns: CORE_GRANT_COLUMNS,
        source: Source::Type(EventKind::GrantIssued),
        window: Window::of(q),
        row: Box::new(|chain, rec, _| {
            let Event::GrantIssued { grant, dataset, version, grantor, grantee, .. } = &rec.event else {
                return Ok(None);
            };
            let d = catalog::get_dataset(chain.store(), dataset).map_err(ApiError::internal)?;
            let Some(d) = d.filter(|d| d.classification == Classification::Core) else {
                return Ok(None);
            };
            let g = grants::get_grant(chain.store(), grant).map_err(ApiError::internal)?;
            Ok(Some(CoreGrantRow {
                height: rec.height,
                tx_hash: rec.tx_hash,
                grant: *grant,
                dataset: *dataset,
                dataset_name: d.name,
                version: *version,
                grantor: *grantor,
                grantee: *grantee,
                uses: g.as_ref().map(|g| g.uses),
                max_uses: g.as_ref().map(|g| g.max_uses),
                revoked_at: g.as_ref().and_then(|g| g.revoked.as_ref()).map(|r| r.height),
            }))
        }),
    };
    answer(chain, view, q)
}

/// `GET /api/views/disputes[?include_resolved=true]`: every order whose buyer opened a dispute
/// that the exchange center has not ruled on yet (or every dispute ever, with `include_resolved`).
pub(super) async fn disputes(
    State(api): Shared,
    Extension(client): Extension<Client>,
    q: Result<Query<ViewQuery>, QueryRejection>,
) -> ViewResult {
    let q = query(q)?;
    api.run(Some(client), move |chain| disputes_view(chain, &q)).await
}

fn disputes_view(chain: &Chain, q: &ViewQuery) -> ViewResult {
    let all = q.include_resolved.unwrap_or(false);
    let view = View {
        name: "disputes",
        columns: DISPUTE_COLUMNS,
        source: Source::Type(EventKind::DisputeOpened),
        window: Window::of(q),
        row: Box::new(move |chain, rec, time_ms| {
            let Event::DisputeOpened { order, listing, buyer, seller, dataset, reason } = &rec.event else {
                return Ok(None);
            };
            let o = market::get_order(chain.store(), order).map_err(ApiError::internal)?;
            let status = o.as_ref().map(|o| o.status);
            if !all && status != Some(market::OrderStatus::Disputed) {
                return Ok(None);
            }
            Ok(Some(DisputeRow {
                height: rec.height,
                tx_hash: rec.tx_hash,
                time_ms,
                order: *order,
                listing: *listing,
                buyer: *buyer,
                seller: *seller,
                dataset: *dataset,
                price: o.as_ref().map(|o| o.price),
                fee: o.as_ref().map(|o| o.fee),
                reason: reason.clone(),
                status: status.map(|s| super::views::record::<_, OrderStatus>(&s)).transpose()?,
            }))
        }),
    };
    answer(chain, view, q)
}

/// `GET /api/blocks[?before=H][&limit=N]`: block summaries, newest first, with who signed each.
pub(super) async fn blocks(
    State(api): Shared,
    Extension(client): Extension<Client>,
    q: Result<Query<BlocksQuery>, QueryRejection>,
) -> ViewResult {
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let expensive = (q.limit.unwrap_or(20) > LARGE_BLOCKS).then_some(client);
    api.json(expensive, move |chain| blocks_page(chain, &q)).await
}

fn blocks_page(chain: &Chain, q: &BlocksQuery) -> Result<BlocksPage, ApiError> {
    let head = chain.head().height.0;
    let top = q.before.map(|b| b.saturating_sub(1)).unwrap_or(head).min(head);
    let limit = q.limit.unwrap_or(20).clamp(1, MAX_BLOCKS);
    let mut out = Vec::new();
    let mut h = top;
    while h >= 1 && (out.len() as u64) < limit {
        let Some(b) = chain.store().block(Height(h)).map_err(ApiError::internal)? else { break };
        let cert = chain.store().certificate(Height(h)).map_err(ApiError::internal)?;
        out.push(BlockSummary {
            height: h,
            hash: b.hash(),
            timestamp_ms: b.header.timestamp_ms,
            proposer: b.header.proposer,
            txs: b.txs.len() as u64,
            round: cert.as_ref().map(|c| c.round),
            signatures: cert.map(|c| c.signatures).unwrap_or_default(),
        });
        h -= 1;
    }
    let next = (h >= 1 && !out.is_empty()).then(|| (h + 1).to_string());
    Ok(BlocksPage { blocks: out, next })
}

/// `GET /api/search?q=`: a block height, a hash or id of anything on the ledger, or part of an
/// organization's or data set's name.
pub(super) async fn search(
    State(api): Shared,
    Extension(client): Extension<Client>,
    q: Result<Query<SearchQuery>, QueryRejection>,
) -> ViewResult {
    let Query(SearchQuery { q }) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    api.json(Some(client), move |chain| search_results(chain, q.trim())).await
}

fn search_results(chain: &Chain, q: &str) -> Result<SearchResponse, ApiError> {
    let mut results = Vec::new();
    let hit = |kind: SearchKind, id: String, label: String| SearchHit { kind, id, label };
    let done = |results: Vec<SearchHit>| Ok(SearchResponse { query: q.to_string(), results });
    if let Ok(h) = q.parse::<u64>() {
        if h >= 1 && h <= chain.head().height.0 {
            results.push(hit(SearchKind::Block, h.to_string(), format!("block {h}")));
        }
        return done(results);
    }
    if let Ok(hash) = q.parse::<Hash>() {
        let s = chain.store();
        if let Some(loc) = s.tx_location(&hash).map_err(ApiError::internal)? {
            results.push(hit(SearchKind::Tx, hash.to_hex(), format!("transaction at height {}", loc.height)));
        }
        if let Some(h) = s.height_of(&hash).map_err(ApiError::internal)? {
            results.push(hit(SearchKind::Block, h.0.to_string(), format!("block {h}")));
        }
        if let Some(o) = orgs::get_org(s, &AccountId(hash.0)).map_err(ApiError::internal)? {
            results.push(hit(SearchKind::Org, hash.to_hex(), o.name));
        }
        if let Some(d) = catalog::get_dataset(s, &hash.into()).map_err(ApiError::internal)? {
            results.push(hit(SearchKind::Dataset, hash.to_hex(), d.name));
        }
        if grants::get_grant(s, &hash.into()).map_err(ApiError::internal)?.is_some() {
            results.push(hit(SearchKind::Grant, hash.to_hex(), "grant".into()));
        }
        if grants::get_request(s, &hash.into()).map_err(ApiError::internal)?.is_some() {
            results.push(hit(SearchKind::Request, hash.to_hex(), "request".into()));
        }
        if market::get_listing(s, &hash.into()).map_err(ApiError::internal)?.is_some() {
            results.push(hit(SearchKind::Listing, hash.to_hex(), "listing".into()));
        }
        if market::get_order(s, &hash.into()).map_err(ApiError::internal)?.is_some() {
            results.push(hit(SearchKind::Order, hash.to_hex(), "order".into()));
        }
        if orgs::get_proposal(s, &hash.into()).map_err(ApiError::internal)?.is_some() {
            results.push(hit(SearchKind::Proposal, hash.to_hex(), "proposal".into()));
        }
        return done(results);
    }
    if q.is_empty() {
        return done(results);
    }
    let needle = q.to_lowercase();
    for o in &chain.genesis().organizations {
        if o.name.to_lowercase().contains(&needle) {
            results.push(hit(SearchKind::Org, o.account().to_string(), o.name.clone()));
        }
    }
    for t in [EventKind::OrgAdmitted, EventKind::DatasetRegistered] {
        for (_, rec) in chain.store().events_of_type(t, None, MAX_EXPORT).map_err(ApiError::internal)? {
            match rec.event {
                Event::OrgAdmitted { org, name, .. } if name.to_lowercase().contains(&needle) => {
                    results.push(hit(SearchKind::Org, org.to_string(), name));
                }
                Event::DatasetRegistered { dataset, name, .. } if name.to_lowercase().contains(&needle) => {
                    results.push(hit(SearchKind::Dataset, dataset.to_string(), name));
                }
                _ => {}
            }
        }
    }
    results.truncate(MAX_SEARCH_RESULTS);
    done(results)
}
