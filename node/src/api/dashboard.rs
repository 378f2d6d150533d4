//! `GET /api/dashboard`: the regulator's landing page in numbers. Over a period of ledger time
//! (days in China Standard Time, at most [`MAX_DASHBOARD_DAYS`]) it counts, from the event index,
//! uses per day by data set and organization, grants issued and revoked, orders and disputes;
//! from the period's newest blocks, refused transactions by reason, rounds and block intervals;
//! blocks per day from the per-height time index; and, at the head, what waits for a regulator.
//! Every scan has a budget ([`DASHBOARD_EVENT_BUDGET`], [`DASHBOARD_BLOCK_BUDGET`]) and the answer
//! says when one ran out; the route is expensive (limits.rs). It must never read without a bound,
//! and never claim its counts are proven.

use super::limits::Client;
use super::view::Clock;
use super::{Answer, ApiError, Shared};
use crate::chain::Chain;
use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use shulian_api::dashboard::{
    BlockScan, DASHBOARD_BLOCK_BUDGET, DASHBOARD_EVENT_BUDGET, DASHBOARD_TOP, DEFAULT_DASHBOARD_DAYS, DashboardQuery,
    DashboardResponse, DayCounts, MAX_DASHBOARD_DAYS, MAX_USE_CELLS, ReasonCount, RoundCount, TopDataset, TopOrg,
    UseCount, Waiting,
};
use shulian_contracts::{catalog, grants, market, orgs};
use shulian_runtime::exec::TxStatus;
use shulian_runtime::time::{DAY_MS, HOUR_MS, LedgerTime};
use shulian_runtime::{AccountId, DatasetId, Event, EventKind, Height};
use std::collections::BTreeMap;

/// China Standard Time's offset from UTC, ms: the days of the dashboard are the city's days.
const CST_MS: u64 = 8 * HOUR_MS;

/// The kinds the day counts read, in this order.
const COUNTED: &[EventKind] = &[
    EventKind::ReceiptRecorded,
    EventKind::GrantIssued,
    EventKind::GrantRevoked,
    EventKind::OrderPlaced,
    EventKind::DisputeOpened,
    EventKind::DisputeArbitrated,
];

/// `GET /api/dashboard[?since_ms=A][&until_ms=B]`.
pub(super) async fn dashboard(
    State(api): Shared,
    Extension(client): Extension<Client>,
    q: Result<Query<DashboardQuery>, QueryRejection>,
) -> Answer {
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    api.json(Some(client), move |chain| compute(chain, &q)).await
}

/// The CST day number of ledger time `ms`.
fn day_of(ms: u64) -> u64 {
    ms.saturating_add(CST_MS) / DAY_MS
}

/// `YYYY-MM-DD` of CST day number `day`.
fn day_name(day: u64) -> String {
    let s = LedgerTime(day * DAY_MS).to_string();
    s.get(..10).unwrap_or(&s).to_string()
}

/// The period a query asks for, checked: `(since_ms, until_ms)`.
fn period(chain: &Chain, q: &DashboardQuery) -> Result<(u64, u64), ApiError> {
    let until = q.until_ms.unwrap_or_else(|| chain.head().timestamp_ms.saturating_add(1));
    let since = q.since_ms.unwrap_or_else(|| until.saturating_sub(DEFAULT_DASHBOARD_DAYS * DAY_MS));
    if until <= since {
        return Err(ApiError::bad_request(format!("the period ends ({until}) before it starts ({since})")));
    }
    if until - since > MAX_DASHBOARD_DAYS * DAY_MS {
        return Err(ApiError::bad_request(format!("a dashboard covers at most {MAX_DASHBOARD_DAYS} days")));
    }
    Ok((since, until))
}

/// The heights of the blocks in `since..until`: `(first, last)`, or `None` when none is.
fn heights(chain: &Chain, since: u64, until: u64) -> Result<Option<(u64, u64)>, ApiError> {
    let store = chain.store();
    let Some(first) = store.first_height_at_or_after(since).map_err(ApiError::internal)? else { return Ok(None) };
    let last = match store.first_height_at_or_after(until).map_err(ApiError::internal)? {
        Some(h) => h.0.saturating_sub(1),
        None => chain.head().height.0,
    };
    Ok((last >= first.0).then_some((first.0, last)))
}

pub(super) fn compute(chain: &Chain, q: &DashboardQuery) -> Result<DashboardResponse, ApiError> {
    let head = chain.head();
    let (since, until) = period(chain, q)?;
    let (first_day, last_day) = (day_of(since), day_of(until - 1));
    let mut days: Vec<DayCounts> = (first_day..=last_day)
        .map(|d| DayCounts {
            day: day_name(d),
            start_ms: (d * DAY_MS).saturating_sub(CST_MS).max(since),
            ..Default::default()
        })
        .collect();
    let range = heights(chain, since, until)?;
    let mut out = DashboardResponse {
        height: head.height,
        time_ms: head.timestamp_ms,
        since_ms: since,
        until_ms: until,
        from_height: range.map(|r| Height(r.0)),
        to_height: range.map(|r| Height(r.1)),
        complete: true,
        verified: false,
        ..Default::default()
    };
    // Blocks per day: the first height of each day, from the time index (log2(head) reads each).
    if let Some((lo, hi)) = range {
        let mut starts = Vec::with_capacity(days.len());
        for d in &days {
            starts.push(match chain.store().first_height_at_or_after(d.start_ms).map_err(ApiError::internal)? {
                Some(h) => h.0.clamp(lo, hi + 1),
                None => hi + 1,
            });
        }
        starts.push(hi + 1);
        for (i, d) in days.iter_mut().enumerate() {
            d.blocks = starts[i + 1].saturating_sub(starts[i]);
        }
    }
    if let Some((lo, hi)) = range {
        count_events(chain, lo, hi, first_day, &mut days, &mut out)?;
        out.blocks = scan_blocks(chain, lo, hi)?;
    }
    out.days = days;
    out.waiting = waiting(chain)?;
    Ok(out)
}

/// The day counts, uses and top lists from the event index, heights `lo..=hi`, within
/// [`DASHBOARD_EVENT_BUDGET`] events over all kinds.
fn count_events(
    chain: &Chain,
    lo: u64,
    hi: u64,
    first_day: u64,
    days: &mut [DayCounts],
    out: &mut DashboardResponse,
) -> Result<(), ApiError> {
    let store = chain.store();
    let mut clock = Clock::new(chain);
    let mut scanned = 0usize;
    let mut cells: BTreeMap<(u64, DatasetId, AccountId), u64> = BTreeMap::new();
    let mut by_dataset: BTreeMap<DatasetId, u64> = BTreeMap::new();
    let mut by_org: BTreeMap<AccountId, u64> = BTreeMap::new();
    // Where every kind's scan got to: the counts are complete up to the lowest of them.
    let mut reached = hi;
    let start = [(lo - 1).to_be_bytes().as_slice(), &u32::MAX.to_be_bytes(), &u16::MAX.to_be_bytes()].concat();
    for kind in COUNTED {
        let mut after = (lo > 1).then(|| start.clone());
        'kind: loop {
            let batch = 500.min(DASHBOARD_EVENT_BUDGET.saturating_sub(scanned)).max(1);
            let events = store.events_of_type(*kind, after.as_deref(), batch).map_err(ApiError::internal)?;
            let full = events.len() == batch;
            for (cursor, rec) in events {
                if rec.height.0 > hi {
                    break 'kind;
                }
                if scanned >= DASHBOARD_EVENT_BUDGET {
                    out.complete = false;
                    reached = reached.min(rec.height.0.saturating_sub(1));
                    break 'kind;
                }
                scanned += 1;
                after = Some(cursor);
                let Some(d) =
                    (day_of(clock.at(rec.height)?).checked_sub(first_day)).and_then(|i| days.get_mut(i as usize))
                else {
                    continue;
                };
                match &rec.event {
                    Event::ReceiptRecorded { dataset, grantee, .. } => {
                        d.uses += 1;
                        let day = day_of(clock.at(rec.height)?);
                        if cells.len() < MAX_USE_CELLS || cells.contains_key(&(day, *dataset, *grantee)) {
                            *cells.entry((day, *dataset, *grantee)).or_default() += 1;
                        }
                        *by_dataset.entry(*dataset).or_default() += 1;
                        *by_org.entry(*grantee).or_default() += 1;
                    }
                    Event::GrantIssued { .. } => d.grants_issued += 1,
                    Event::GrantRevoked { .. } => d.grants_revoked += 1,
                    Event::OrderPlaced { .. } => d.orders_placed += 1,
                    Event::DisputeOpened { .. } => d.disputes_opened += 1,
                    Event::DisputeArbitrated { .. } => d.disputes_ruled += 1,
                    _ => {}
                }
            }
            if !full {
                break;
            }
        }
    }
    out.events_scanned = scanned as u64;
    out.counted_until_height = Some(Height(reached));
    out.uses = cells
        .into_iter()
        .map(|((day, dataset, org), uses)| UseCount { day: day_name(day), dataset, org, uses })
        .collect();
    let name = |id: &AccountId| -> Result<String, ApiError> {
        Ok(orgs::get_org(store, id).map_err(ApiError::internal)?.map(|o| o.name).unwrap_or_default())
    };
    for (dataset, uses) in top(by_dataset) {
        let Some(d) = catalog::get_dataset(store, &dataset).map_err(ApiError::internal)? else { continue };
        out.top_datasets.push(TopDataset { dataset, name: d.name, owner: d.owner, owner_name: name(&d.owner)?, uses });
    }
    for (org, uses) in top(by_org) {
        out.top_orgs.push(TopOrg { org, name: name(&org)?, uses });
    }
    Ok(())
}

/// The [`DASHBOARD_TOP`] largest counts, most first (ties by id).
fn top<K: Ord + Copy>(counts: BTreeMap<K, u64>) -> Vec<(K, u64)> {
    let mut v: Vec<(K, u64)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(DASHBOARD_TOP);
    v
}

/// Refused transactions, rounds and intervals of the newest blocks of `lo..=hi`.
fn scan_blocks(chain: &Chain, lo: u64, hi: u64) -> Result<BlockScan, ApiError> {
    let store = chain.store();
    let from = hi.saturating_sub(DASHBOARD_BLOCK_BUDGET - 1).max(lo);
    let mut failures: BTreeMap<String, u64> = BTreeMap::new();
    let mut rounds: BTreeMap<u32, u64> = BTreeMap::new();
    for h in from..=hi {
        for o in store.outcomes(Height(h)).map_err(ApiError::internal)?.unwrap_or_default() {
            if let TxStatus::Failed { error } = o.status {
                *failures.entry(error.code).or_default() += 1;
            }
        }
        if let Some(c) = store.certificate(Height(h)).map_err(ApiError::internal)? {
            *rounds.entry(c.round).or_default() += 1;
        }
    }
    let mut failures: Vec<ReasonCount> =
        failures.into_iter().map(|(code, count)| ReasonCount { code, count }).collect();
    failures.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(&b.code)));
    let interval = if hi > from {
        let t0 = store.block_time(Height(from)).map_err(ApiError::internal)?;
        let t1 = store.block_time(Height(hi)).map_err(ApiError::internal)?;
        t0.zip(t1).map(|(a, b)| b.saturating_sub(a) / (hi - from))
    } else {
        None
    };
    Ok(BlockScan {
        from_height: Some(Height(from)),
        to_height: Some(Height(hi)),
        blocks: hi - from + 1,
        complete: from == lo,
        failures,
        rounds: rounds.into_iter().map(|(round, blocks)| RoundCount { round, blocks }).collect(),
        mean_interval_ms: interval,
    })
}

/// What waits for a regulator at the head: open core-data requests without a regulator's
/// co-approval (before or after the owner's approval, as the requests list's
/// `awaiting_co_approval`), and open disputes, each from its event kind within
/// [`DASHBOARD_EVENT_BUDGET`].
fn waiting(chain: &Chain) -> Result<Waiting, ApiError> {
    let store = chain.store();
    let mut w = Waiting { complete: true, ..Default::default() };
    let mut read =
        |kind: EventKind, count: &mut dyn FnMut(&Event) -> Result<bool, ApiError>| -> Result<u64, ApiError> {
            let mut n = 0;
            let mut after: Option<Vec<u8>> = None;
            let mut scanned = 0;
            loop {
                let events = store.events_of_type(kind, after.as_deref(), 500).map_err(ApiError::internal)?;
                let full = events.len() == 500;
                for (cursor, rec) in events {
                    scanned += 1;
                    if count(&rec.event)? {
                        n += 1;
                    }
                    after = Some(cursor);
                }
                if !full {
                    return Ok(n);
                }
                if scanned >= DASHBOARD_EVENT_BUDGET {
                    w.complete = false;
                    return Ok(n);
                }
            }
        };
    let co = read(EventKind::RequestFiled, &mut |e| {
        let Event::RequestFiled { request, .. } = e else { return Ok(false) };
        let r = grants::get_request(store, request).map_err(ApiError::internal)?;
        Ok(r.is_some_and(|r| {
            r.status == grants::RequestStatus::Pending && r.needs_co_approval && r.co_approved_by.is_none()
        }))
    })?;
    let disputes = read(EventKind::DisputeOpened, &mut |e| {
        let Event::DisputeOpened { order, .. } = e else { return Ok(false) };
        let o = market::get_order(store, order).map_err(ApiError::internal)?;
        Ok(o.is_some_and(|o| o.status == market::OrderStatus::Disputed))
    })?;
    w.co_approvals = co;
    w.open_disputes = disputes;
    Ok(w)
}
