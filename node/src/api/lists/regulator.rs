//! The regulator's lists of what stands now: the data sets on the negative list and the suspended
//! organizations. Each item appears once, at the event that put it there last: a listing (or
//! suspension) counts only if the item is listed (suspended) now and no removal (reinstatement)
//! of it follows, which one bounded scan of the later removals tells (listing and removal
//! alternate, the contracts refuse a second listing of a listed item).

use super::super::limits::Client;
use super::super::view::{Source, View, ViewResult, Window, answer, cost, query};
use super::super::{ApiError, Shared};
use crate::chain::Chain;
use crate::storage::EventRecord;
use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use shulian_api::lists::{
    NEGATIVE_LIST_COLUMNS, NegativeListRow, REGRADED_COLUMNS, RegradedRow, SUSPENDED_COLUMNS, SuspendedRow,
};
use shulian_api::regulator::ViewQuery;
use shulian_api::routes::MAX_PAGE;
use shulian_contracts::{catalog, orgs};
use shulian_runtime::{Event, EventKind};

/// Later removal (reinstatement) events one row's check reads at most. Removals are rare
/// regulator actions, so a real chain stays far below it; past it the list answers `busy` rather
/// than show an item twice or hide it.
pub(crate) const LATER_SCAN_CAP: usize = 1_000;

/// The event-index position of `rec` (height, transaction, event; big-endian), its cursor.
fn position(rec: &EventRecord) -> Vec<u8> {
    [rec.height.0.to_be_bytes().as_slice(), &rec.tx_index.to_be_bytes(), &rec.event_index.to_be_bytes()].concat()
}

/// Whether an event of `kind` after `rec` satisfies `same` (concerns the same item), reading at
/// most [`LATER_SCAN_CAP`] events.
fn followed_by(
    chain: &Chain,
    rec: &EventRecord,
    kind: EventKind,
    same: impl Fn(&Event) -> bool,
) -> Result<bool, ApiError> {
    let mut after = position(rec);
    let mut read = 0;
    loop {
        let batch = chain.store().events_of_type(kind, Some(&after), MAX_PAGE).map_err(ApiError::internal)?;
        let full = batch.len() == MAX_PAGE;
        for (cursor, later) in batch {
            if same(&later.event) {
                return Ok(true);
            }
            read += 1;
            if read >= LATER_SCAN_CAP {
                return Err(ApiError::busy(format!(
                    "more than {LATER_SCAN_CAP} later {kind} events to check; this list cannot be answered within its bound"
                )));
            }
            after = cursor;
        }
        if !full {
            return Ok(false);
        }
    }
}

/// `GET /api/lists/negative-list`: the data sets on the negative list now, each once.
pub(in crate::api) async fn negative_list(
    State(api): Shared,
    Extension(client): Extension<Client>,
    q: Result<Query<ViewQuery>, QueryRejection>,
) -> ViewResult {
    let q = query(q)?;
    api.run(cost(&q, client), move |chain| negative_view(chain, &q)).await
}

fn negative_view(chain: &Chain, q: &ViewQuery) -> ViewResult {
    let view = View {
        name: "negative-list",
        columns: NEGATIVE_LIST_COLUMNS,
        source: Source::Type(EventKind::NegativeListed),
        window: Window::of(q),
        row: Box::new(|chain, rec, time_ms| {
            let Event::NegativeListed { dataset, regulator, reason, .. } = &rec.event else { return Ok(None) };
            let Some(d) = catalog::get_dataset(chain.store(), dataset).map_err(ApiError::internal)? else {
                return Ok(None);
            };
            if d.negative_listed.is_none() {
                return Ok(None);
            }
            let removed = |e: &Event| matches!(e, Event::NegativeListRemoved { dataset: d, .. } if d == dataset);
            if followed_by(chain, rec, EventKind::NegativeListRemoved, removed)? {
                return Ok(None);
            }
            Ok(Some(NegativeListRow {
                height: rec.height,
                tx_hash: rec.tx_hash,
                time_ms,
                dataset: d.id,
                name: d.name,
                owner: d.owner,
                regulator: *regulator,
                reason: reason.clone(),
            }))
        }),
    };
    answer(chain, view, q)
}

/// `GET /api/lists/suspended`: the organizations suspended now, each once.
pub(in crate::api) async fn suspended(
    State(api): Shared,
    Extension(client): Extension<Client>,
    q: Result<Query<ViewQuery>, QueryRejection>,
) -> ViewResult {
    let q = query(q)?;
    api.run(cost(&q, client), move |chain| suspended_view(chain, &q)).await
}

fn suspended_view(chain: &Chain, q: &ViewQuery) -> ViewResult {
    let view = View {
        name: "suspended",
        columns: SUSPENDED_COLUMNS,
        source: Source::Kinds(EventKind::OrgSuspended, EventKind::OrgSuspendedByRegulator),
        window: Window::of(q),
        row: Box::new(|chain, rec, time_ms| {
            let (Event::OrgSuspended { org, reason, .. } | Event::OrgSuspendedByRegulator { org, reason, .. }) =
                &rec.event
            else {
                return Ok(None);
            };
            let Some(o) = orgs::get_org(chain.store(), org).map_err(ApiError::internal)? else {
                return Ok(None);
            };
            if !o.suspended {
                return Ok(None);
            }
            // Governance or a regulator may lift a suspension, whoever imposed it.
            let reinstated = |e: &Event| matches!(e, Event::OrgReinstated { org: o, .. } | Event::OrgReinstatedByRegulator { org: o, .. } if o == org);
            if followed_by(chain, rec, EventKind::OrgReinstated, reinstated)?
                || followed_by(chain, rec, EventKind::OrgReinstatedByRegulator, reinstated)?
            {
                return Ok(None);
            }
            Ok(Some(SuspendedRow {
                height: rec.height,
                tx_hash: rec.tx_hash,
                time_ms,
                org: o.id,
                name: o.name,
                reason: reason.clone(),
            }))
        }),
    };
    answer(chain, view, q)
}

/// `GET /api/lists/regraded`: every re-grade of a data set by a regulator, oldest first (a
/// history, not a state: a data set re-graded twice appears twice).
pub(in crate::api) async fn regraded(
    State(api): Shared,
    Extension(client): Extension<Client>,
    q: Result<Query<ViewQuery>, QueryRejection>,
) -> ViewResult {
    let q = query(q)?;
    api.run(cost(&q, client), move |chain| regraded_view(chain, &q)).await
}

fn regraded_view(chain: &Chain, q: &ViewQuery) -> ViewResult {
    let view = View {
        name: "regraded",
        columns: REGRADED_COLUMNS,
        source: Source::Type(EventKind::DatasetRegraded),
        window: Window::of(q),
        row: Box::new(|chain, rec, time_ms| {
            let Event::DatasetRegraded {
                dataset,
                owner,
                regulator,
                from_classification,
                classification,
                from_sharing,
                sharing,
                reason,
            } = &rec.event
            else {
                return Ok(None);
            };
            let name = catalog::get_dataset(chain.store(), dataset).map_err(ApiError::internal)?.map(|d| d.name);
            Ok(Some(RegradedRow {
                height: rec.height,
                tx_hash: rec.tx_hash,
                time_ms,
                dataset: *dataset,
                name: name.unwrap_or_default(),
                owner: *owner,
                regulator: *regulator,
                from_classification: *from_classification,
                classification: *classification,
                from_sharing: *from_sharing,
                sharing: *sharing,
                reason: reason.clone(),
            }))
        }),
    };
    answer(chain, view, q)
}
