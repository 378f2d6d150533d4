//! The lists people work from (issue 19, `shulian_api::lists`): the catalog, requests (a
//! department's inbox, pending co-approvals), grants and a grant's receipts (`receipts.rs`), the
//! market's listings, orders and an organization's statement (`market.rs`), and the regulator's
//! negative list and suspended organizations (`regulator.rs`). Each is a [`View`] of the event
//! index (or of a grant's receipt sequence), so each pages with a stable cursor, reads within a
//! fixed budget per page, honours the ledger-time window and exports like the regulator's views.
//! Each row's state columns are read from the contracts' records at the head. It must never
//! change state, and never read without a bound.

mod market;
mod receipts;
mod registry;
mod regulator;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_dashboard;
#[cfg(test)]
mod tests_market;
#[cfg(test)]
mod world;

pub(super) use market::{listings, orders, statement};
pub(super) use receipts::grant_receipts;
pub(super) use registry::{demands, department_stats, elements, refused_attempts};
pub(super) use regulator::{negative_list, regraded, suspended};

use super::limits::Client;
use super::view::{Source, View, ViewResult, Window, answer, cost, parse_id, query};
use super::{ApiError, Shared};
use crate::chain::Chain;
use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::de::DeserializeOwned;
use shulian_api::lists::{
    CATALOG_COLUMNS, CatalogRow, DEFAULT_WITHIN_DAYS, GRANT_COLUMNS, GrantRow, GrantState, MAX_WITHIN_DAYS,
    REQUEST_COLUMNS, RequestRow, RequestState,
};
use shulian_api::regulator::ViewQuery;
use shulian_contracts::catalog;
use shulian_contracts::grants::{self, Unusable};
use shulian_runtime::{AccountId, Event, EventKind};

/// The `state=` names of the requests list.
pub(crate) const REQUEST_STATES: &[&str] = &["awaiting_owner", "awaiting_co_approval", "granted", "rejected"];
/// The `state=` names of the grants list.
pub(crate) const GRANT_STATES: &[&str] =
    &["active", "expiring", "near_limit", "not_yet_valid", "expired", "revoked", "exhausted", "suspended", "frozen"];
/// The `state=` names of the listings list.
pub(crate) const LISTING_STATES: &[&str] = &["pending_review", "active", "frozen", "rejected", "withdrawn"];
/// The `state=` names of the orders list.
pub(crate) const ORDER_STATES: &[&str] =
    &["placed", "delivered", "accepted", "disputed", "claimed", "arbitrated", "cancelled"];

/// Milliseconds in a day, for `within_days`.
const DAY_MS: u64 = 86_400_000;

/// The query's `state=` as one of `valid` (the list's state names), or 400 naming them.
pub(crate) fn parse_state<T: DeserializeOwned>(
    state: Option<&String>,
    valid: &[&str],
    list: &str,
) -> Result<Option<T>, ApiError> {
    let Some(s) = state else { return Ok(None) };
    serde_json::from_value(serde_json::Value::String(s.clone())).map(Some).map_err(|_| {
        ApiError::bad_request(format!(
            "state {s:?} is not a state of the {list} list; use one of: {}",
            valid.join(", ")
        ))
    })
}

/// The state a row shows of an item in `states` (its states, most telling first): the one the
/// query asked for, if the item is in it (`None`: the row is left out), else its first.
fn shown_state<S: Copy + PartialEq>(asked: Option<S>, states: &[S], default: S) -> Option<S> {
    match asked {
        Some(s) => states.contains(&s).then_some(s),
        None => Some(states.first().copied().unwrap_or(default)),
    }
}

/// An organization id of the query (`what=`), or 400.
fn account(s: Option<&String>, what: &str) -> Result<Option<AccountId>, ApiError> {
    parse_id(s, &format!("{what} (an organization id)"))
}

/// `GET /api/lists/catalog[?owner=][&classification=][&sharing=][&negative_listed=]`: every data
/// set (derived ones too: they are registered by the catalog), as it is now.
pub(in crate::api) async fn catalog(
    State(api): Shared,
    Extension(client): Extension<Client>,
    q: Result<Query<ViewQuery>, QueryRejection>,
) -> ViewResult {
    let q = query(q)?;
    let owner = account(q.owner.as_ref(), "owner")?;
    api.run(cost(&q, client), move |chain| catalog_view(chain, &q, owner)).await
}

fn catalog_view(chain: &Chain, q: &ViewQuery, owner: Option<AccountId>) -> ViewResult {
    let (classification, sharing, negative) = (q.classification, q.sharing, q.negative_listed);
    let view = View {
        name: "catalog",
        columns: CATALOG_COLUMNS,
        source: Source::org_or_kind(owner, EventKind::DatasetRegistered),
        window: Window::of(q),
        row: Box::new(move |chain, rec, time_ms| {
            let Event::DatasetRegistered { dataset, owner: by, .. } = &rec.event else { return Ok(None) };
            if owner.is_some_and(|o| o != *by) {
                return Ok(None);
            }
            let Some(d) = catalog::get_dataset(chain.store(), dataset).map_err(ApiError::internal)? else {
                return Ok(None);
            };
            if classification.is_some_and(|c| c != d.classification)
                || sharing.is_some_and(|s| s != d.sharing)
                || negative.is_some_and(|n| n != d.negative_listed.is_some())
            {
                return Ok(None);
            }
            Ok(Some(CatalogRow {
                height: rec.height,
                tx_hash: rec.tx_hash,
                time_ms,
                dataset: d.id,
                name: d.name,
                owner: d.owner,
                category: d.category,
                classification: d.classification,
                sharing: d.sharing,
                version: d.version,
                negative_listed: d.negative_listed.is_some(),
                retired: d.retired,
            }))
        }),
    };
    answer(chain, view, q)
}

/// Every state of the requests list a request is in: a pending request can wait for its owner
/// and for a regulator's co-approval at once (the contract takes them in either order and issues
/// the grant when both are in).
pub(crate) fn request_states(r: &grants::Request) -> Vec<RequestState> {
    match r.status {
        grants::RequestStatus::Granted { .. } => vec![RequestState::Granted],
        grants::RequestStatus::Rejected { .. } => vec![RequestState::Rejected],
        grants::RequestStatus::Pending => {
            let mut v = Vec::new();
            if !r.owner_approved {
                v.push(RequestState::AwaitingOwner);
            }
            if r.needs_co_approval && r.co_approved_by.is_none() {
                v.push(RequestState::AwaitingCoApproval);
            }
            v
        }
    }
}

/// `GET /api/lists/requests[?owner=][&requester=][&state=]`: data-use requests as they are now. A
/// department's inbox is `owner=X&state=awaiting_owner`; the regulator's pending co-approvals are
/// `state=awaiting_co_approval`.
pub(in crate::api) async fn requests(
    State(api): Shared,
    Extension(client): Extension<Client>,
    q: Result<Query<ViewQuery>, QueryRejection>,
) -> ViewResult {
    let q = query(q)?;
    let owner = account(q.owner.as_ref(), "owner")?;
    let requester = account(q.requester.as_ref(), "requester")?;
    let state: Option<RequestState> = parse_state(q.state.as_ref(), REQUEST_STATES, "requests")?;
    api.run(cost(&q, client), move |chain| requests_view(chain, &q, owner, requester, state)).await
}

fn requests_view(
    chain: &Chain,
    q: &ViewQuery,
    owner: Option<AccountId>,
    requester: Option<AccountId>,
    state: Option<RequestState>,
) -> ViewResult {
    let view = View {
        name: "requests",
        columns: REQUEST_COLUMNS,
        source: Source::org_or_kind(requester.or(owner), EventKind::RequestFiled),
        window: Window::of(q),
        row: Box::new(move |chain, rec, time_ms| {
            let Event::RequestFiled { request, requester: by, owner: of, .. } = &rec.event else { return Ok(None) };
            if owner.is_some_and(|o| o != *of) || requester.is_some_and(|r| r != *by) {
                return Ok(None);
            }
            let Some(r) = grants::get_request(chain.store(), request).map_err(ApiError::internal)? else {
                return Ok(None);
            };
            let states = request_states(&r);
            let Some(state) = shown_state(state, &states, RequestState::AwaitingOwner) else { return Ok(None) };
            Ok(Some(RequestRow {
                height: rec.height,
                tx_hash: rec.tx_hash,
                time_ms,
                request: r.id,
                dataset: r.dataset,
                requester: r.requester,
                owner: r.owner,
                purpose: r.purpose,
                state,
                needs_co_approval: r.needs_co_approval,
                owner_approved: r.owner_approved,
                co_approved_by: r.co_approved_by,
                valid_from_ms: r.validity.from_ms,
                valid_until_ms: r.validity.until_ms,
                max_uses: r.max_uses,
            }))
        }),
    };
    answer(chain, view, q)
}

/// Every state of the grants list a grant is in at ledger time `now_ms`: revoked, not yet valid
/// or expired (the contract's own check, `grants::grant_usability`, in its order), else exhausted
/// when every use is recorded, else active, and expiring too when its window closes within
/// `within_ms`. A grant unusable for its parties' suspension or its data set's negative listing
/// keeps its state here; its detail (`/api/grant/{id}`) says why it is unusable.
pub(crate) fn grant_states(
    chain: &Chain,
    g: &grants::Grant,
    now_ms: u64,
    within_ms: u64,
) -> Result<Vec<GrantState>, ApiError> {
    match grants::grant_usability(chain.store(), g, now_ms).map_err(ApiError::internal)? {
        Some(Unusable::Revoked(_)) => return Ok(vec![GrantState::Revoked]),
        Some(Unusable::NotYetValid(_)) => return Ok(vec![GrantState::NotYetValid]),
        Some(Unusable::Expired(_)) => return Ok(vec![GrantState::Expired]),
        Some(Unusable::Frozen(_)) => return Ok(vec![GrantState::Frozen]),
        Some(Unusable::GrantorSuspended(_) | Unusable::GranteeSuspended(_) | Unusable::NegativeListed(_)) => {
            return Ok(vec![GrantState::Suspended]);
        }
        None => {}
    }
    if g.uses >= g.max_uses {
        return Ok(vec![GrantState::Exhausted]);
    }
    let mut v = vec![GrantState::Active];
    if g.validity.until_ms <= now_ms.saturating_add(within_ms) {
        v.push(GrantState::Expiring);
    }
    if near_limit(g.uses, g.max_uses) {
        v.push(GrantState::NearLimit);
    }
    Ok(v)
}

/// Whether a grant used `uses` of its `max_uses` times is near its limit: used, with uses left,
/// but no more than a tenth of them (or one).
pub(crate) fn near_limit(uses: u64, max_uses: u64) -> bool {
    uses > 0 && uses < max_uses && max_uses - uses <= (max_uses / 10).max(1)
}

/// `GET /api/lists/grants[?grantee=][&grantor=][&state=][&within_days=]`: grants as they stand at
/// the head's ledger time.
pub(in crate::api) async fn grants_list(
    State(api): Shared,
    Extension(client): Extension<Client>,
    q: Result<Query<ViewQuery>, QueryRejection>,
) -> ViewResult {
    let q = query(q)?;
    let grantee = account(q.grantee.as_ref(), "grantee")?;
    let grantor = account(q.grantor.as_ref(), "grantor")?;
    let state: Option<GrantState> = parse_state(q.state.as_ref(), GRANT_STATES, "grants")?;
    let days = q.within_days.unwrap_or(DEFAULT_WITHIN_DAYS);
    if days > MAX_WITHIN_DAYS {
        return Err(ApiError::bad_request(format!("within_days {days} is above the most, {MAX_WITHIN_DAYS}")));
    }
    let within_ms = u64::from(days) * DAY_MS;
    api.run(cost(&q, client), move |chain| grants_view(chain, &q, grantee, grantor, state, within_ms)).await
}

fn grants_view(
    chain: &Chain,
    q: &ViewQuery,
    grantee: Option<AccountId>,
    grantor: Option<AccountId>,
    state: Option<GrantState>,
    within_ms: u64,
) -> ViewResult {
    let now_ms = chain.head().timestamp_ms;
    let view = View {
        name: "grants",
        columns: GRANT_COLUMNS,
        source: Source::org_or_kind(grantee.or(grantor), EventKind::GrantIssued),
        window: Window::of(q),
        row: Box::new(move |chain, rec, time_ms| {
            let Event::GrantIssued { grant, grantor: from, grantee: to, .. } = &rec.event else { return Ok(None) };
            if grantee.is_some_and(|g| g != *to) || grantor.is_some_and(|g| g != *from) {
                return Ok(None);
            }
            let Some(g) = grants::get_grant(chain.store(), grant).map_err(ApiError::internal)? else {
                return Ok(None);
            };
            let states = grant_states(chain, &g, now_ms, within_ms)?;
            let Some(state) = shown_state(state, &states, GrantState::Active) else { return Ok(None) };
            Ok(Some(GrantRow {
                height: rec.height,
                tx_hash: rec.tx_hash,
                time_ms,
                grant: g.id,
                dataset: g.dataset,
                grantor: g.grantor,
                grantee: g.grantee,
                purpose: g.purpose,
                state,
                valid_from_ms: g.validity.from_ms,
                valid_until_ms: g.validity.until_ms,
                uses: g.uses,
                max_uses: g.max_uses,
                revoked_at: g.revoked.map(|r| r.height),
            }))
        }),
    };
    answer(chain, view, q)
}
