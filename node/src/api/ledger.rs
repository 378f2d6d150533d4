//! Queries of the data-sharing ledger: organizations, data sets (with versions and lineage),
//! requests, grants (with receipts), governance proposals, and the event index (its filter and
//! paging are `stream.rs`'s, shared with the event stream).

use super::limits::{Client, LARGE_PAGE};
use super::stream::{EventFilter, parse_cursor, read_page};
use super::views::record;
use super::{Answer, ApiError, Shared, parse_path};
use axum::Extension;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use shulian_api::ledger::{
    DatasetResponse, EventsPage, EventsQuery, EvidenceItem, EvidencePage, EvidenceQuery, GrantResponse,
    ListingResponse, MarketResponse, OrderResponse, OrgResponse, ProposalResponse, RequestResponse,
};
use shulian_api::routes::{MAX_DETAIL_ITEMS, MAX_PAGE};
use shulian_contracts::{catalog, grants, lineage, market, orgs, receipts, settlement};
use shulian_runtime::{AccountId, DatasetId, GrantId, ListingId, OrderId, ProposalId, RequestId};

pub(super) async fn org(State(api): Shared, p: Result<Path<String>, PathRejection>) -> Answer {
    let id: AccountId = parse_path(p, "organization id")?;
    api.read(move |chain| {
        let org = orgs::get_org(chain.store(), &id).map_err(ApiError::internal)?;
        let org = org.ok_or_else(|| ApiError::not_found(format!("no organization {id}")))?;
        Ok(OrgResponse { organization: record(&org)? })
    })
    .await
}

pub(super) async fn dataset(State(api): Shared, p: Result<Path<String>, PathRejection>) -> Answer {
    let id: DatasetId = parse_path(p, "data set id")?;
    api.read(move |chain| {
        let s = chain.store();
        let d = catalog::get_dataset(s, &id).map_err(ApiError::internal)?;
        let d = d.ok_or_else(|| ApiError::not_found(format!("no data set {id}")))?;
        let cap = MAX_DETAIL_ITEMS;
        // The newest versions only: one read each.
        let first = d.version.saturating_sub(u32::try_from(cap).unwrap_or(u32::MAX)).saturating_add(1).max(1);
        let mut versions = Vec::new();
        for v in first..=d.version {
            if let Some(dv) = catalog::get_dataset_version(s, &id, v).map_err(ApiError::internal)? {
                versions.push(dv);
            }
        }
        let mut parents = lineage::get_parents(s, &id).map_err(ApiError::internal)?;
        let mut children = lineage::get_children(s, &id).map_err(ApiError::internal)?;
        let (ancestors, cut_a) = lineage::ancestors_bounded(s, &id, cap).map_err(ApiError::internal)?;
        let (descendants, cut_d) = lineage::descendants_bounded(s, &id, cap).map_err(ApiError::internal)?;
        let truncated = first > 1 || parents.len() > cap || children.len() > cap || cut_a || cut_d;
        parents.truncate(cap);
        children.truncate(cap);
        Ok(DatasetResponse {
            dataset: record(&d)?,
            versions: record(&versions)?,
            parents,
            children,
            ancestors,
            descendants,
            truncated,
        })
    })
    .await
}

pub(super) async fn request(State(api): Shared, p: Result<Path<String>, PathRejection>) -> Answer {
    let id: RequestId = parse_path(p, "request id")?;
    api.read(move |chain| {
        let r = grants::get_request(chain.store(), &id).map_err(ApiError::internal)?;
        let r = r.ok_or_else(|| ApiError::not_found(format!("no request {id}")))?;
        Ok(RequestResponse { request: record(&r)?, grant_id: grants::grant_id_for(&id) })
    })
    .await
}

pub(super) async fn grant(State(api): Shared, p: Result<Path<String>, PathRejection>) -> Answer {
    let id: GrantId = parse_path(p, "grant id")?;
    api.read(move |chain| {
        let s = chain.store();
        let g = grants::get_grant(s, &id).map_err(ApiError::internal)?;
        let g = g.ok_or_else(|| ApiError::not_found(format!("no grant {id}")))?;
        let head = chain.head();
        let unusable = grants::grant_usability(s, &g, head.timestamp_ms).map_err(ApiError::internal)?;
        Ok(GrantResponse {
            grant: record(&g)?,
            usable_now: unusable.is_none(),
            unusable_reason: unusable.map(|u| u.to_string()),
            receipts_head: receipts::receipt_head(s, &id).map_err(ApiError::internal)?,
            countersigner: grants::get_countersigner(s, &id).map_err(ApiError::internal)?,
        })
    })
    .await
}

pub(super) async fn proposal(State(api): Shared, p: Result<Path<String>, PathRejection>) -> Answer {
    let id: ProposalId = parse_path(p, "proposal id")?;
    api.read(move |chain| {
        let pr = orgs::get_proposal(chain.store(), &id).map_err(ApiError::internal)?;
        let pr = pr.ok_or_else(|| ApiError::not_found(format!("no proposal {id}")))?;
        Ok(ProposalResponse { proposal: record(&pr)? })
    })
    .await
}

/// `GET /api/events?subject=..&type=..&after=..&limit=..`: a page of a subject's or a type's events
/// (or a subject's events of one type), oldest first.
pub(super) async fn events(
    State(api): Shared,
    Extension(client): Extension<Client>,
    q: Result<Query<EventsQuery>, QueryRejection>,
) -> Answer {
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let filter = EventFilter::parse(q.subject.as_deref(), q.kind.as_deref())?;
    let after = q.after.as_deref().map(parse_cursor).transpose()?;
    let limit = q.limit.unwrap_or(100).clamp(1, MAX_PAGE);
    let expensive = (limit > LARGE_PAGE).then_some(client);
    api.json(expensive, move |chain| {
        let page = read_page(chain.store(), &filter, after.as_deref(), limit).map_err(ApiError::internal)?;
        Ok(EventsPage {
            subject: filter.subject(),
            kind: filter.kind().map(|k| k.name().to_string()),
            events: page.events.iter().map(|(_, r)| record(r)).collect::<Result<_, _>>()?,
            next: page.more.then(|| page.scanned_to.map(hex::encode)).flatten(),
        })
    })
    .await
}

pub(super) async fn listing(State(api): Shared, p: Result<Path<String>, PathRejection>) -> Answer {
    let id: ListingId = parse_path(p, "listing id")?;
    api.read(move |chain| {
        let l = market::get_listing(chain.store(), &id).map_err(ApiError::internal)?;
        let l = l.ok_or_else(|| ApiError::not_found(format!("no listing {id}")))?;
        Ok(ListingResponse { listing: record(&l)? })
    })
    .await
}

pub(super) async fn order(State(api): Shared, p: Result<Path<String>, PathRejection>) -> Answer {
    let id: OrderId = parse_path(p, "order id")?;
    api.read(move |chain| {
        let o = market::get_order(chain.store(), &id).map_err(ApiError::internal)?;
        let o = o.ok_or_else(|| ApiError::not_found(format!("no order {id}")))?;
        Ok(OrderResponse { order: record(&o)? })
    })
    .await
}

pub(super) async fn market_status(State(api): Shared) -> Answer {
    api.read(|chain| {
        let s = chain.store();
        Ok(MarketResponse {
            fee_bps: market::fee_rate(s).map_err(ApiError::internal)?,
            escrow: settlement::escrow_balance(s).map_err(ApiError::internal)?,
            total_supply: settlement::total_supply(s).map_err(ApiError::internal)?,
        })
    })
    .await
}

/// Equivocation evidence recorded on chain, oldest first, cursor-paged: each item names the
/// validator, the height/round/step of its two conflicting votes, both votes, and the block and
/// transaction that recorded it.
pub(super) async fn evidence(
    State(api): Shared,
    Extension(client): Extension<Client>,
    q: Result<Query<EvidenceQuery>, QueryRejection>,
) -> Answer {
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let after = match &q.cursor {
        Some(a) => Some(hex::decode(a).map_err(|e| ApiError::bad_request(format!("cursor is not hex: {e}")))?),
        None => None,
    };
    let limit = q.limit.unwrap_or(100).clamp(1, MAX_PAGE);
    let expensive = (limit > LARGE_PAGE).then_some(client);
    api.json(expensive, move |chain| evidence_page(chain, after.as_deref(), limit)).await
}

fn evidence_page(chain: &crate::chain::Chain, after: Option<&[u8]>, limit: usize) -> Result<EvidencePage, ApiError> {
    use shulian_runtime::events::Event;
    let page = chain
        .store()
        .events_of_type(shulian_runtime::EventKind::EquivocationRecorded, after, limit)
        .map_err(ApiError::internal)?;
    let next = (page.len() == limit).then(|| page.last().map(|(k, _)| hex::encode(k))).flatten();
    let mut items = Vec::new();
    for (_, rec) in page {
        let Event::EquivocationRecorded { validator, height, round, kind, .. } = &rec.event else { continue };
        let key = shulian_contracts::evidence::evidence_key(validator, *height, *round, *kind);
        let stored: Option<shulian_contracts::evidence::EvidenceRecord> =
            shulian_runtime::state::StateReader::get(chain.store(), &key)
                .map_err(ApiError::internal)?
                .and_then(|b| borsh::from_slice(&b).ok());
        items.push(EvidenceItem {
            height: *height,
            round: *round,
            kind: *kind,
            validator: *validator,
            vote_a: stored.as_ref().map(|s| s.equivocation.first.clone()),
            vote_b: stored.as_ref().map(|s| s.equivocation.second.clone()),
            recorded_at_height: rec.height,
            tx_hash: rec.tx_hash,
        });
    }
    Ok(EvidencePage { items, next })
}
