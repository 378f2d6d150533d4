//! The machinery every view and list shares: a [`View`] reads the event index (one subject's or
//! one kind's events) within a height and ledger-time window and turns events into rows; [`page`]
//! reads one page of it within [`SCAN_BUDGET`] events, and [`answer`] answers a page as JSON or
//! exports every row (up to [`MAX_EXPORT`]) as CSV or JSON. Cursors are event-index positions, so
//! a cursor stays valid while blocks are committed and every row appears exactly once across pages.

use super::ApiError;
use super::limits::{Client, LARGE_PAGE};
use crate::chain::Chain;
use crate::storage::EventRecord;
use axum::Json;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use shulian_api::regulator::{ViewFormat, ViewPage, ViewQuery};
use shulian_api::routes::{MAX_EXPORT, MAX_PAGE};
use shulian_runtime::events::Subject;
use shulian_runtime::{EventKind, Height};

/// Events one page of a view reads at most before it answers (with a cursor to go on): a page
/// costs at most this many index reads however sparse the rows, so it answers well within the
/// request timeout on a large ledger.
pub(super) const SCAN_BUDGET: usize = 5_000;

/// A view's or list's answer.
pub(super) type ViewResult = Result<Response, ApiError>;

/// Turns one indexed event (with its block's ledger time, ms) into a row, or `None` to skip it.
pub(super) type RowFn<'a, R> = Box<dyn Fn(&Chain, &EventRecord, u64) -> Result<Option<R>, ApiError> + Send + 'a>;

/// Which events a view reads and how it turns one into a row (or skips it).
pub(super) struct View<'a, R> {
    /// Its name (the export's file name).
    pub(super) name: &'static str,
    /// Its CSV columns.
    pub(super) columns: &'static [&'static str],
    /// Where its events come from.
    pub(super) source: Source,
    /// Event to row.
    pub(super) row: RowFn<'a, R>,
    /// The height and ledger-time window.
    pub(super) window: Window,
}

/// Which slice of the event index a view reads.
pub(super) enum Source {
    /// Every event of one organization, data set, grant, listing or order.
    Subject(Subject),
    /// Every event of one kind.
    Type(EventKind),
    /// Both, merged in ledger order, each event once: for rows about a subject that some events of
    /// a kind concern without naming it (an arbitration pays the reviewing exchange center).
    Both(Subject, EventKind),
    /// Every event of two kinds, merged in ledger order (a suspension by governance or by a
    /// regulator).
    Kinds(EventKind, EventKind),
}

impl Source {
    /// One organization's events when a list is filtered by one (the row still checks the
    /// event's kind and role), else every event of `kind`: the smaller slice of the index.
    pub(super) fn org_or_kind(org: Option<shulian_runtime::AccountId>, kind: EventKind) -> Source {
        match org {
            Some(o) => Source::Subject(Subject::Account(o)),
            None => Source::Type(kind),
        }
    }
}

/// Indexed events with their cursors, in ledger order.
type Events = Vec<(Vec<u8>, EventRecord)>;

/// The next events of `source` after `after` in ledger order, at most `batch` of them, and
/// whether there may be more.
fn read_source(chain: &Chain, source: &Source, after: Option<&[u8]>, batch: usize) -> Result<(Events, bool), ApiError> {
    let store = chain.store();
    let one = |v: Events| {
        let full = v.len() == batch;
        (v, full)
    };
    Ok(match source {
        Source::Subject(s) => one(store.events(s, after, batch).map_err(ApiError::internal)?),
        Source::Type(t) => one(store.events_of_type(*t, after, batch).map_err(ApiError::internal)?),
        Source::Both(s, t) => merge(
            store.events(s, after, batch).map_err(ApiError::internal)?,
            store.events_of_type(*t, after, batch).map_err(ApiError::internal)?,
            batch,
        ),
        Source::Kinds(t, u) => merge(
            store.events_of_type(*t, after, batch).map_err(ApiError::internal)?,
            store.events_of_type(*u, after, batch).map_err(ApiError::internal)?,
            batch,
        ),
    })
}

/// Two batches of at most `batch` events each, merged in ledger order, each event once, and
/// whether there may be more.
fn merge(a: Events, b: Events, batch: usize) -> (Events, bool) {
    // Past the end of a full batch the other one may hold events this one has not read yet:
    // merge only up to the smaller of the full batches' last positions.
    let bound = [(&a, a.len() == batch), (&b, b.len() == batch)]
        .into_iter()
        .filter(|(_, full)| *full)
        .filter_map(|(v, _)| v.last().map(|(c, _)| c.clone()))
        .min();
    let mut merged: Events = a.into_iter().chain(b).collect();
    merged.sort_by(|x, y| x.0.cmp(&y.0));
    merged.dedup_by(|x, y| x.0 == y.0);
    if let Some(bound) = &bound {
        merged.retain(|(c, _)| c <= bound);
    }
    (merged, bound.is_some())
}

/// The part of the chain a view reads: heights `from..=to` and ledger times `since_ms..until_ms`.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Window {
    /// Lowest height (`from=`).
    pub(super) from: Option<u64>,
    /// Highest height (`to=`).
    pub(super) to: Option<u64>,
    /// Earliest ledger time, inclusive (`since_ms=`).
    pub(super) since_ms: Option<u64>,
    /// Latest ledger time, exclusive (`until_ms=`).
    pub(super) until_ms: Option<u64>,
}

impl Window {
    /// The window a query asks for.
    pub(super) fn of(q: &ViewQuery) -> Self {
        Window { from: q.from, to: q.to, since_ms: q.since_ms, until_ms: q.until_ms }
    }

    /// Where a scan without a cursor starts: just before the first event at the lowest height the
    /// window allows (`since_ms` mapped to a height through the store's time index).
    fn start(&self, chain: &Chain) -> Result<Option<Vec<u8>>, ApiError> {
        let mut first = self.from.unwrap_or(0);
        if let Some(since) = self.since_ms {
            let h = match chain.store().first_height_at_or_after(since).map_err(ApiError::internal)? {
                Some(h) => h.0,
                // Every stored block is earlier: start after the head (later blocks are checked
                // row by row).
                None => chain.head().height.0.saturating_add(1),
            };
            first = first.max(h);
        }
        Ok((first > 0)
            .then(|| [(first - 1).to_be_bytes().as_slice(), &u32::MAX.to_be_bytes(), &u16::MAX.to_be_bytes()].concat()))
    }
}

/// The `after=` cursor of a query, or the window's start.
fn cursor_arg(chain: &Chain, q: &ViewQuery, window: &Window) -> Result<Option<Vec<u8>>, ApiError> {
    match &q.after {
        Some(a) => Ok(Some(hex::decode(a).map_err(|e| ApiError::bad_request(format!("cursor is not hex: {e}")))?)),
        None => window.start(chain),
    }
}

/// The ledger time of blocks, remembering the last one (a page's events come in height order).
pub(super) struct Clock<'c> {
    chain: &'c Chain,
    last: Option<(u64, u64)>,
}

impl<'c> Clock<'c> {
    /// A clock over `chain`'s time index.
    pub(super) fn new(chain: &'c Chain) -> Self {
        Clock { chain, last: None }
    }

    /// Ledger time (ms) of the block at `height`.
    pub(super) fn at(&mut self, height: Height) -> Result<u64, ApiError> {
        if let Some((h, t)) = self.last
            && h == height.0
        {
            return Ok(t);
        }
        let t = self
            .chain
            .store()
            .block_time(height)
            .map_err(ApiError::internal)?
            .ok_or_else(|| ApiError::internal(format!("no ledger time for height {height}")))?;
        self.last = Some((height.0, t));
        Ok(t)
    }
}

/// Events one page of at most [`LARGE_PAGE`] rows reads at most: such a page is a cheap request
/// ([`cost`]), so its work is kept near an event page's (a short page still has its `next`).
pub(super) const CHEAP_SCAN_BUDGET: usize = 1_000;

/// Whether a view or list request is expensive (an export, or a page over [`LARGE_PAGE`] rows):
/// then it runs under the expensive-request limits as `client`'s. A page a person reads (the
/// explorer shows several at once) is cheap, and scans at most [`CHEAP_SCAN_BUDGET`] events.
pub(super) fn cost(q: &ViewQuery, client: Client) -> Option<Client> {
    let large = q.limit.unwrap_or(100) > LARGE_PAGE;
    (q.format.is_some() || large).then_some(client)
}

/// Reads one page of `view`: up to `limit` rows, reading at most [`SCAN_BUDGET`] events
/// ([`CHEAP_SCAN_BUDGET`] for a page of at most [`LARGE_PAGE`] rows).
pub(super) fn page<R>(
    chain: &Chain,
    view: &View<R>,
    mut after: Option<Vec<u8>>,
    limit: usize,
) -> Result<(Vec<R>, Option<Vec<u8>>), ApiError> {
    let mut rows = Vec::new();
    let mut scanned = 0;
    let budget = if limit <= LARGE_PAGE { CHEAP_SCAN_BUDGET } else { SCAN_BUDGET };
    let mut clock = Clock::new(chain);
    let w = &view.window;
    loop {
        let batch = limit.clamp(50, MAX_PAGE);
        let (events, full) = read_source(chain, &view.source, after.as_deref(), batch)?;
        for (cursor, rec) in events {
            if w.to.is_some_and(|to| rec.height.0 > to) {
                return Ok((rows, None));
            }
            let time = clock.at(rec.height)?;
            if w.until_ms.is_some_and(|u| time >= u) {
                return Ok((rows, None));
            }
            scanned += 1;
            let inside = w.from.is_none_or(|f| rec.height.0 >= f) && w.since_ms.is_none_or(|s| time >= s);
            if inside && let Some(row) = (view.row)(chain, &rec, time)? {
                rows.push(row);
            }
            after = Some(cursor);
            if rows.len() == limit || scanned >= budget {
                return Ok((rows, after));
            }
        }
        if !full {
            return Ok((rows, None));
        }
    }
}

/// Answers a view: one JSON page, or with `format=csv|json` every row (up to [`MAX_EXPORT`]) as a
/// download.
pub(super) fn answer<R: Serialize>(chain: &Chain, view: View<R>, q: &ViewQuery) -> ViewResult {
    let after = cursor_arg(chain, q, &view.window)?;
    answer_pages(view.name, view.columns, q, after, |cursor, limit| page(chain, &view, cursor, limit))
}

/// Answers any cursor-paged list: `pager(cursor, limit)` gives a page of rows and the cursor after
/// it (`None` at the end). Without `format`, one page of `q.limit` rows; with it, pages of
/// [`MAX_PAGE`] until the end or [`MAX_EXPORT`] rows, as a CSV or JSON download.
pub(super) fn answer_pages<R: Serialize>(
    name: &'static str,
    columns_of: &'static [&'static str],
    q: &ViewQuery,
    after: Option<Vec<u8>>,
    mut pager: impl FnMut(Option<Vec<u8>>, usize) -> Result<(Vec<R>, Option<Vec<u8>>), ApiError>,
) -> ViewResult {
    let columns: Vec<String> = columns_of.iter().map(|c| c.to_string()).collect();
    let Some(format) = q.format else {
        let limit = q.limit.unwrap_or(100).clamp(1, MAX_PAGE);
        let (rows, next) = pager(after, limit)?;
        let next = next.map(hex::encode);
        return Ok(Json(ViewPage { view: name.to_string(), columns, rows, next, truncated: None }).into_response());
    };
    let mut rows = Vec::new();
    let mut cursor = after;
    let mut truncated = false;
    loop {
        let (mut more, next) = pager(cursor, MAX_PAGE)?;
        rows.append(&mut more);
        if rows.len() >= MAX_EXPORT {
            truncated = rows.len() > MAX_EXPORT || next.is_some();
            rows.truncate(MAX_EXPORT);
            break;
        }
        match next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    let (body, mime, ext) = match format {
        ViewFormat::Csv => (super::csv::to_csv(columns_of, &rows)?, "text/csv; charset=utf-8", "csv"),
        ViewFormat::Json => {
            let export = ViewPage { view: name.to_string(), columns, rows, next: None, truncated: Some(truncated) };
            (serde_json::to_string_pretty(&export).map_err(ApiError::internal)?, "application/json", "json")
        }
    };
    let disposition = format!("attachment; filename=\"{name}.{ext}\"");
    Ok((
        [(header::CONTENT_TYPE, mime.to_string()), (header::CONTENT_DISPOSITION, disposition)],
        [("x-shulian-truncated", truncated.to_string())],
        body,
    )
        .into_response())
}

/// An optional id of the query, or 400 naming what is wrong.
pub(super) fn parse_id<T: std::str::FromStr>(s: Option<&String>, what: &str) -> Result<Option<T>, ApiError>
where
    T::Err: std::fmt::Display,
{
    s.map(|s| s.parse().map_err(|e| ApiError::bad_request(format!("{what} {s:?}: {e}")))).transpose()
}

/// The query, or 400 with the extractor's reason.
pub(super) fn query(q: Result<Query<ViewQuery>, QueryRejection>) -> Result<ViewQuery, ApiError> {
    q.map(|Query(q)| q).map_err(|e| ApiError::bad_request(e.body_text()))
}
