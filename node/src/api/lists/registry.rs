//! The plan's registries as lists (issue 22, `shulian_api::registry`): the responsibility list of
//! data elements, the demand list with its deadlines (overdue at the head's ledger time), and each
//! department's statistics over a period. The first two are [`View`]s of the event index; the
//! statistics count a period's events within [`STATS_EVENT_BUDGET`] and its newest
//! [`STATS_BLOCK_BUDGET`] blocks' outcomes, and say when a budget ran out. It must never change
//! state, and never read without a bound.

use super::super::limits::Client;
use super::super::view::{Clock, Source, View, ViewResult, Window, answer, answer_pages, cost, parse_id, query};
use super::super::{ApiError, Shared};
use super::{account, parse_state};
use crate::chain::Chain;
use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use shulian_api::registry::{
    ATTEMPT_COLUMNS, AttemptRow, DEMAND_COLUMNS, DEPARTMENT_STATS_COLUMNS, DemandRow, DemandState, DepartmentStatsRow,
    ELEMENT_COLUMNS, ElementRow, MAX_STATS_DEPARTMENTS, STATS_BLOCK_BUDGET, STATS_EVENT_BUDGET,
};
use shulian_api::regulator::ViewQuery;
use shulian_contracts::orgs;
use shulian_contracts::registry::{self, DemandStatus};
use shulian_runtime::events::Subject;
use shulian_runtime::exec::TxStatus;
use shulian_runtime::genesis::Role;
use shulian_runtime::time::DAY_MS;
use shulian_runtime::{AccountId, Event, EventKind, Height};
use std::collections::BTreeMap;

/// The `state=` names of the demand list.
pub(crate) const DEMAND_STATES: &[&str] = &["filed", "assigned", "overdue", "answered", "refused", "withdrawn"];
/// The statistics' period when the query names none: the last 30 days up to the head.
const DEFAULT_STATS_DAYS: u64 = 30;
/// The longest period one statistics answer covers, in days.
const MAX_STATS_DAYS: u64 = 366;

/// `GET /api/lists/elements[?org=]`: the responsibility list, every data element with the
/// department responsible for it now (`org=`: only that department's).
pub(in crate::api) async fn elements(
    State(api): Shared,
    Extension(client): Extension<Client>,
    q: Result<Query<ViewQuery>, QueryRejection>,
) -> ViewResult {
    let q = query(q)?;
    let org = account(q.org.as_ref(), "org")?;
    api.run(cost(&q, client), move |chain| elements_view(chain, &q, org)).await
}

fn elements_view(chain: &Chain, q: &ViewQuery, org: Option<AccountId>) -> ViewResult {
    let view = View {
        name: "elements",
        columns: ELEMENT_COLUMNS,
        // By type, not by organization: a transferred element's definition names its first department.
        source: Source::Type(EventKind::ElementDefined),
        window: Window::of(q),
        row: Box::new(move |chain, rec, time_ms| {
            let Event::ElementDefined { element, .. } = &rec.event else { return Ok(None) };
            let Some(e) = registry::get_element(chain.store(), element).map_err(ApiError::internal)? else {
                return Ok(None);
            };
            if org.is_some_and(|o| o != e.responsible) {
                return Ok(None);
            }
            Ok(Some(ElementRow {
                height: rec.height,
                tx_hash: rec.tx_hash,
                time_ms,
                element: e.code,
                name: e.name,
                responsible: e.responsible,
                authoritative: e.authoritative,
            }))
        }),
    };
    answer(chain, view, q)
}

/// The state a demand shows at ledger time `now_ms`.
pub(crate) fn demand_state(d: &registry::Demand, now_ms: u64) -> DemandState {
    match d.status {
        DemandStatus::Filed => DemandState::Filed,
        DemandStatus::Assigned { .. } if d.overdue_at(now_ms) => DemandState::Overdue,
        DemandStatus::Assigned { .. } => DemandState::Assigned,
        DemandStatus::Answered { .. } => DemandState::Answered,
        DemandStatus::Refused { .. } => DemandState::Refused,
        DemandStatus::Withdrawn { .. } => DemandState::Withdrawn,
    }
}

/// `GET /api/lists/demands[?requester=][&org=][&state=]`: the demand list as it stands at the
/// head; `org=` is the department a demand is assigned to, `state=overdue` the regulator's list
/// of demands past their deadline.
pub(in crate::api) async fn demands(
    State(api): Shared,
    Extension(client): Extension<Client>,
    q: Result<Query<ViewQuery>, QueryRejection>,
) -> ViewResult {
    let q = query(q)?;
    let requester = account(q.requester.as_ref(), "requester")?;
    let department = account(q.org.as_ref(), "org")?;
    let state: Option<DemandState> = parse_state(q.state.as_ref(), DEMAND_STATES, "demands")?;
    api.run(cost(&q, client), move |chain| demands_view(chain, &q, requester, department, state)).await
}

fn demands_view(
    chain: &Chain,
    q: &ViewQuery,
    requester: Option<AccountId>,
    department: Option<AccountId>,
    state: Option<DemandState>,
) -> ViewResult {
    let now_ms = chain.head().timestamp_ms;
    let view = View {
        name: "demands",
        columns: DEMAND_COLUMNS,
        source: Source::org_or_kind(requester.or(department), EventKind::DemandFiled),
        window: Window::of(q),
        row: Box::new(move |chain, rec, time_ms| {
            let Event::DemandFiled { demand, .. } = &rec.event else { return Ok(None) };
            let Some(d) = registry::get_demand(chain.store(), demand).map_err(ApiError::internal)? else {
                return Ok(None);
            };
            let shown = demand_state(&d, now_ms);
            let row = demand_row(rec.height, rec.tx_hash, time_ms, d, shown);
            if requester.is_some_and(|r| r != row.requester)
                || department.is_some_and(|o| row.department != Some(o))
                || state.is_some_and(|s| s != shown)
            {
                return Ok(None);
            }
            Ok(Some(row))
        }),
    };
    answer(chain, view, q)
}

fn demand_row(
    height: Height,
    tx_hash: shulian_runtime::Hash,
    time_ms: u64,
    d: registry::Demand,
    state: DemandState,
) -> DemandRow {
    let mut row = DemandRow {
        height,
        tx_hash,
        time_ms,
        demand: d.id,
        requester: d.requester,
        elements: d.elements,
        purpose: d.purpose,
        state,
        department: None,
        deadline_ms: None,
        answered_at_ms: None,
        on_time: None,
        dataset: None,
        grant: None,
        legal_basis: None,
    };
    match d.status {
        DemandStatus::Filed | DemandStatus::Withdrawn { .. } => {}
        DemandStatus::Assigned { department, deadline_ms } => {
            (row.department, row.deadline_ms) = (Some(department), Some(deadline_ms));
        }
        DemandStatus::Answered { department, deadline_ms, dataset, grant, at_ms } => {
            (row.department, row.deadline_ms, row.answered_at_ms) = (Some(department), Some(deadline_ms), Some(at_ms));
            (row.on_time, row.dataset, row.grant) = (Some(at_ms < deadline_ms), Some(dataset), Some(grant));
        }
        DemandStatus::Refused { department, deadline_ms, legal_basis, at_ms } => {
            (row.department, row.deadline_ms, row.answered_at_ms) = (Some(department), Some(deadline_ms), Some(at_ms));
            (row.on_time, row.legal_basis) = (Some(at_ms < deadline_ms), Some(legal_basis));
        }
    }
    row
}

/// `GET /api/lists/department-stats[?since_ms=][&until_ms=][&format=csv]`: one row per
/// department, counting the period's events (default: the last 30 days up to the head).
pub(in crate::api) async fn department_stats(
    State(api): Shared,
    Extension(client): Extension<Client>,
    q: Result<Query<ViewQuery>, QueryRejection>,
) -> ViewResult {
    let q = query(q)?;
    // Always expensive: it reads up to the budgets whatever the page size.
    api.run(Some(client), move |chain| {
        let rows = stats(chain, &q)?;
        let mut rows = Some(rows);
        answer_pages("department-stats", DEPARTMENT_STATS_COLUMNS, &q, None, |_, _| {
            Ok((rows.take().unwrap_or_default(), None))
        })
    })
    .await
}

/// The period of a statistics query, checked: `(since_ms, until_ms)`.
fn period(chain: &Chain, q: &ViewQuery) -> Result<(u64, u64), ApiError> {
    let until = q.until_ms.unwrap_or_else(|| chain.head().timestamp_ms.saturating_add(1));
    let since = q.since_ms.unwrap_or_else(|| until.saturating_sub(DEFAULT_STATS_DAYS * DAY_MS));
    if until <= since {
        return Err(ApiError::bad_request(format!("the period ends ({until}) before it starts ({since})")));
    }
    if until - since > MAX_STATS_DAYS * DAY_MS {
        return Err(ApiError::bad_request(format!("statistics cover at most {MAX_STATS_DAYS} days")));
    }
    Ok((since, until))
}

/// The kinds the statistics count, in this order.
const COUNTED: &[EventKind] = &[
    EventKind::DatasetRegistered,
    EventKind::DemandAssigned,
    EventKind::DemandAnswered,
    EventKind::DemandRefused,
    EventKind::GrantIssued,
    EventKind::RequestRejected,
    EventKind::ReceiptRecorded,
];

/// Each department's row for the period, departments in id order.
pub(crate) fn stats(chain: &Chain, q: &ViewQuery) -> Result<Vec<DepartmentStatsRow>, ApiError> {
    let store = chain.store();
    let (since, until) = period(chain, q)?;
    let mut rows: BTreeMap<AccountId, DepartmentStatsRow> = BTreeMap::new();
    let mut complete = true;
    let first = store.first_height_at_or_after(since).map_err(ApiError::internal)?;
    let last = match store.first_height_at_or_after(until).map_err(ApiError::internal)? {
        Some(h) => h.0.saturating_sub(1),
        None => chain.head().height.0,
    };
    let mut bump = |org: AccountId, f: &dyn Fn(&mut DepartmentStatsRow)| -> Result<(), ApiError> {
        if !rows.contains_key(&org) {
            let is_department =
                orgs::get_org(store, &org).map_err(ApiError::internal)?.is_some_and(|o| o.has_role(Role::Department));
            if !is_department || rows.len() >= MAX_STATS_DEPARTMENTS {
                return Ok(());
            }
            rows.insert(org, DepartmentStatsRow::zero(org));
        }
        if let Some(r) = rows.get_mut(&org) {
            f(r);
        }
        Ok(())
    };
    if let Some(first) = first.filter(|f| f.0 <= last) {
        let mut scanned = 0usize;
        let start = [(first.0 - 1).to_be_bytes().as_slice(), &u32::MAX.to_be_bytes(), &u16::MAX.to_be_bytes()].concat();
        for kind in COUNTED {
            let mut after = (first.0 > 1).then(|| start.clone());
            'kind: loop {
                let batch = 500.min(STATS_EVENT_BUDGET.saturating_sub(scanned)).max(1);
                let events = store.events_of_type(*kind, after.as_deref(), batch).map_err(ApiError::internal)?;
                let full = events.len() == batch;
                for (cursor, rec) in events {
                    if rec.height.0 > last {
                        break 'kind;
                    }
                    if scanned >= STATS_EVENT_BUDGET {
                        complete = false;
                        break 'kind;
                    }
                    scanned += 1;
                    after = Some(cursor);
                    match &rec.event {
                        Event::DatasetRegistered { owner, .. } => bump(*owner, &|r| r.datasets_provided += 1)?,
                        Event::DemandAssigned { department, .. } => bump(*department, &|r| r.demands_assigned += 1)?,
                        Event::DemandAnswered { department, on_time: true, .. } => {
                            bump(*department, &|r| r.demands_answered_on_time += 1)?
                        }
                        Event::DemandAnswered { department, on_time: false, .. } => {
                            bump(*department, &|r| r.demands_answered_late += 1)?
                        }
                        Event::DemandRefused { department, on_time, .. } => {
                            let late = u64::from(!*on_time);
                            bump(*department, &|r| {
                                r.demands_refused += 1;
                                r.demands_refused_late += late;
                            })?
                        }
                        Event::GrantIssued { grantor, .. } => bump(*grantor, &|r| r.requests_approved += 1)?,
                        Event::RequestRejected { owner, .. } => bump(*owner, &|r| r.requests_refused += 1)?,
                        Event::ReceiptRecorded { grantor, .. } => bump(*grantor, &|r| r.uses_under_its_grants += 1)?,
                        _ => {}
                    }
                }
                if !full {
                    break;
                }
            }
        }
        // Refused attempts: the period's newest blocks' failed outcomes, by sender.
        let from = last.saturating_sub(STATS_BLOCK_BUDGET - 1).max(first.0);
        complete &= from == first.0;
        for h in from..=last {
            for o in store.outcomes(Height(h)).map_err(ApiError::internal)?.unwrap_or_default() {
                if matches!(o.status, TxStatus::Failed { .. }) {
                    bump(o.account, &|r| r.refused_attempts += 1)?;
                }
            }
        }
    }
    overdue_at_head(chain, &mut bump, &mut complete)?;
    let mut out: Vec<DepartmentStatsRow> = rows.into_values().collect();
    for r in &mut out {
        r.name = orgs::get_org(store, &r.org).map_err(ApiError::internal)?.map(|o| o.name).unwrap_or_default();
        r.complete = complete;
    }
    Ok(out)
}

/// Adds to a department's row (creating it the first time; other organizations are skipped).
type Bump<'a> = dyn FnMut(AccountId, &dyn Fn(&mut DepartmentStatsRow)) -> Result<(), ApiError> + 'a;

/// Counts, per assigned department, the demands overdue at the head's ledger time, reading the
/// assignments within [`STATS_EVENT_BUDGET`].
fn overdue_at_head(chain: &Chain, bump: &mut Bump<'_>, complete: &mut bool) -> Result<(), ApiError> {
    let store = chain.store();
    let now_ms = chain.head().timestamp_ms;
    let mut after: Option<Vec<u8>> = None;
    let mut scanned = 0usize;
    // A demand assigned twice has two assignment events: count it once.
    let mut counted = std::collections::BTreeSet::new();
    loop {
        let events =
            store.events_of_type(EventKind::DemandAssigned, after.as_deref(), 500).map_err(ApiError::internal)?;
        let full = events.len() == 500;
        for (cursor, rec) in events {
            scanned += 1;
            after = Some(cursor);
            let Event::DemandAssigned { demand, department, .. } = &rec.event else { continue };
            // A reassigned demand has one assignment event per department: count the standing one.
            let d = registry::get_demand(store, demand).map_err(ApiError::internal)?;
            let standing = d
                .as_ref()
                .is_some_and(|d| matches!(d.status, DemandStatus::Assigned { department: x, .. } if x == *department));
            if standing && d.is_some_and(|d| d.overdue_at(now_ms)) && counted.insert(*demand) {
                bump(*department, &|r| r.demands_overdue += 1)?;
            }
        }
        if !full {
            return Ok(());
        }
        if scanned >= STATS_EVENT_BUDGET {
            *complete = false;
            return Ok(());
        }
    }
}

/// `GET /api/lists/refused-attempts[?org=|?dataset=][&since_ms=][&until_ms=]`: transactions
/// committed as failed, oldest first, from the node's attempt index (`storage::attempts`).
pub(in crate::api) async fn refused_attempts(
    State(api): Shared,
    Extension(client): Extension<Client>,
    q: Result<Query<ViewQuery>, QueryRejection>,
) -> ViewResult {
    let q = query(q)?;
    let org = account(q.org.as_ref(), "org")?;
    let dataset: Option<shulian_runtime::DatasetId> = parse_id(q.dataset.as_ref(), "dataset")?;
    let subject = match (org, dataset) {
        (Some(_), Some(_)) => return Err(ApiError::bad_request("give org or dataset, not both")),
        (Some(o), None) => Some(Subject::Account(o)),
        (None, Some(d)) => Some(Subject::Dataset(d)),
        (None, None) => None,
    };
    api.run(cost(&q, client), move |chain| {
        let after = match &q.after {
            Some(a) => Some(hex::decode(a).map_err(|e| ApiError::bad_request(format!("cursor is not hex: {e}")))?),
            None => attempts_start(chain, q.since_ms)?,
        };
        answer_pages("refused-attempts", ATTEMPT_COLUMNS, &q, after, |cursor, limit| {
            attempts_page(chain, subject.as_ref(), cursor, limit, q.until_ms)
        })
    })
    .await
}

/// Where a scan of attempts from ledger time `since_ms` starts: just before the first block at or
/// after it.
fn attempts_start(chain: &Chain, since_ms: Option<u64>) -> Result<Option<Vec<u8>>, ApiError> {
    let Some(since) = since_ms else { return Ok(None) };
    let first = match chain.store().first_height_at_or_after(since).map_err(ApiError::internal)? {
        Some(h) => h.0,
        None => chain.head().height.0.saturating_add(1),
    };
    Ok((first > 0)
        .then(|| [(first - 1).to_be_bytes().as_slice(), &u32::MAX.to_be_bytes(), &u16::MAX.to_be_bytes()].concat()))
}

/// One page of attempts after `cursor`, stopping at ledger time `until_ms`.
fn attempts_page(
    chain: &Chain,
    subject: Option<&Subject>,
    cursor: Option<Vec<u8>>,
    limit: usize,
    until_ms: Option<u64>,
) -> Result<(Vec<AttemptRow>, Option<Vec<u8>>), ApiError> {
    let read = chain.store().attempts(subject, cursor.as_deref(), limit).map_err(ApiError::internal)?;
    let full = read.len() == limit;
    let mut clock = Clock::new(chain);
    let mut rows = Vec::with_capacity(read.len());
    let mut last = None;
    for (pos, a) in read {
        let time_ms = clock.at(a.height)?;
        if until_ms.is_some_and(|u| time_ms >= u) {
            return Ok((rows, None));
        }
        let (code, message) = match a.outcome.status {
            TxStatus::Failed { error } => (error.code, error.message),
            TxStatus::Success => continue,
        };
        let mut row = AttemptRow {
            height: a.height,
            tx_hash: a.tx_hash,
            time_ms,
            org: a.outcome.account,
            call: a.record.call,
            code,
            message,
            datasets: Vec::new(),
            grants: Vec::new(),
        };
        for s in a.record.subjects {
            match s {
                Subject::Dataset(d) => row.datasets.push(d),
                Subject::Grant(g) => row.grants.push(g),
                _ => {}
            }
        }
        rows.push(row);
        last = Some(pos);
    }
    Ok((rows, if full { last } else { None }))
}
