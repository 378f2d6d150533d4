//! `GET /api/events/stream`: committed events as Server-Sent Events, and the event filter that
//! `GET /api/events` shares with it.
//!
//! A stream is pull-based: its task reads a page of the event index after its cursor, hands the
//! events one by one to a small bounded channel that the response body drains, and, once caught
//! up, waits for the next head. Nothing per client grows with the chain: a client that reads
//! slowly only makes its task wait, and one that stops reading is cut off by the connection's
//! write-stall guard (`conn.rs`), which drops the body and so ends the task. It must never block
//! the node nor buffer more than [`STREAM_BUFFER`] events and one page per client.

use super::limits::Limits;
use super::{ApiError, Shared};
use crate::chain::Chain;
use crate::storage::{ChainStore, EventRecord, StoreResult};
use axum::Extension;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{self, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use shulian_api::ApiErrorBody;
use shulian_api::ledger::EventStreamQuery;
use shulian_runtime::EventKind;
use shulian_runtime::events::Subject;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};

/// Most event streams one node serves at once; one more is refused with 503 `too_many_streams`.
pub const MAX_STREAMS: usize = 256;

/// Events queued between a stream's task and its response body. With the one page its task
/// holds, this bounds what a client that stops reading costs the node (besides the socket's own
/// buffers) until its connection is cut.
pub const STREAM_BUFFER: usize = 4;

/// Events a stream's task reads from the index at a time.
const STREAM_PAGE: usize = 16;

/// Interval of the SSE keep-alive comment (`:keep-alive`) on an idle stream, so proxies keep the
/// connection open and a vanished client is noticed.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Index entries one page of a subject-and-type query looks at before it answers with what it
/// found (and a cursor to go on): the work of one request stays bounded however rare the type.
const MAX_SCAN: usize = 5_000;

/// Length of an event cursor: the event's position (height, transaction, event), 14 bytes.
const CURSOR_BYTES: usize = 14;

/// What a list or a stream of events selects: a subject's events, one type's, or a subject's
/// events of one type.
#[derive(Clone, Copy, Debug)]
pub(super) enum EventFilter {
    /// Every event of a subject.
    Subject(Subject),
    /// Every event of a type.
    Kind(EventKind),
    /// A subject's events of one type.
    SubjectKind(Subject, EventKind),
}

impl EventFilter {
    /// The filter of a query's `subject` and `type`; at least one must be given.
    pub(super) fn parse(subject: Option<&str>, kind: Option<&str>) -> Result<EventFilter, ApiError> {
        let subject = subject.map(parse_subject).transpose()?;
        let kind = kind.map(parse_kind).transpose()?;
        match (subject, kind) {
            (Some(s), Some(k)) => Ok(EventFilter::SubjectKind(s, k)),
            (Some(s), None) => Ok(EventFilter::Subject(s)),
            (None, Some(k)) => Ok(EventFilter::Kind(k)),
            (None, None) => Err(ApiError::bad_request(
                "give a subject (account:<id>, dataset:<id>, grant:<id>, listing:<id> or order:<id>), \
                 an event type (e.g. type=grant_issued), or both",
            )),
        }
    }

    /// The subject selected, if any.
    pub(super) fn subject(&self) -> Option<Subject> {
        match self {
            EventFilter::Subject(s) | EventFilter::SubjectKind(s, _) => Some(*s),
            EventFilter::Kind(_) => None,
        }
    }

    /// The type selected, if any.
    pub(super) fn kind(&self) -> Option<EventKind> {
        match self {
            EventFilter::Kind(k) | EventFilter::SubjectKind(_, k) => Some(*k),
            EventFilter::Subject(_) => None,
        }
    }
}

fn parse_subject(s: &str) -> Result<Subject, ApiError> {
    let (kind, id) = s.split_once(':').ok_or_else(|| {
        ApiError::bad_request(
            "subject must be account:<id>, dataset:<id>, grant:<id>, listing:<id>, order:<id> or demand:<id>",
        )
    })?;
    let bad = |e: shulian_runtime::hash::ParseHashError| ApiError::bad_request(format!("subject id: {e}"));
    match kind {
        "account" | "org" => Ok(Subject::Account(id.parse().map_err(bad)?)),
        "dataset" => Ok(Subject::Dataset(id.parse().map_err(bad)?)),
        "grant" => Ok(Subject::Grant(id.parse().map_err(bad)?)),
        "listing" => Ok(Subject::Listing(id.parse().map_err(bad)?)),
        "order" => Ok(Subject::Order(id.parse().map_err(bad)?)),
        "demand" => Ok(Subject::Demand(id.parse().map_err(bad)?)),
        other => Err(ApiError::bad_request(format!(
            "unknown subject kind {other:?}: use account, dataset, grant, listing, order or demand"
        ))),
    }
}

fn parse_kind(s: &str) -> Result<EventKind, ApiError> {
    EventKind::ALL.iter().copied().find(|k| k.name() == s).ok_or_else(|| {
        let names: Vec<&str> = EventKind::ALL.iter().map(|k| k.name()).collect();
        ApiError::bad_request(format!("unknown event type {s:?}: use one of {}", names.join(", ")))
    })
}

/// An event cursor from a query or a `Last-Event-ID` header: 28 hex characters.
pub(super) fn parse_cursor(s: &str) -> Result<Vec<u8>, ApiError> {
    let bytes = hex::decode(s).map_err(|e| ApiError::bad_request(format!("cursor is not hex: {e}")))?;
    if bytes.len() != CURSOR_BYTES {
        return Err(ApiError::bad_request(format!(
            "cursor {s:?} is not an event cursor ({} hex characters: the `next` of a page or the `id` of a streamed event)",
            2 * CURSOR_BYTES
        )));
    }
    Ok(bytes)
}

/// One page of a filter's events.
pub(super) struct Page {
    /// The events, in ledger order, each with its cursor.
    pub(super) events: Vec<(Vec<u8>, EventRecord)>,
    /// The last index position looked at (the next page starts after it), if any.
    pub(super) scanned_to: Option<Vec<u8>>,
    /// Whether more events may follow right now (the page or the scan budget is full).
    pub(super) more: bool,
}

/// Up to `limit` events of `filter` after `after`, in ledger order.
pub(super) fn read_page(
    store: &ChainStore,
    filter: &EventFilter,
    after: Option<&[u8]>,
    limit: usize,
) -> StoreResult<Page> {
    let whole = |events: Vec<(Vec<u8>, EventRecord)>| {
        let more = events.len() == limit;
        let scanned_to = events.last().map(|(c, _)| c.clone());
        Page { events, scanned_to, more }
    };
    let (subject, kind) = match *filter {
        EventFilter::Subject(s) => return Ok(whole(store.events(&s, after, limit)?)),
        EventFilter::Kind(k) => return Ok(whole(store.events_of_type(k, after, limit)?)),
        EventFilter::SubjectKind(s, k) => (s, k),
    };
    // The subject's index in chunks, keeping the events of the type; a subject has far fewer
    // events than a common type, so this is the shorter scan.
    let mut events = Vec::new();
    let mut cursor = after.map(<[u8]>::to_vec);
    let mut scanned = 0;
    loop {
        let chunk = store.events(&subject, cursor.as_deref(), limit)?;
        let n = chunk.len();
        for (c, r) in chunk {
            scanned += 1;
            cursor = Some(c.clone());
            if r.event.kind() == kind {
                events.push((c, r));
                if events.len() == limit {
                    return Ok(Page { events, scanned_to: cursor, more: true });
                }
            }
        }
        if n < limit {
            return Ok(Page { events, scanned_to: cursor, more: false });
        }
        if scanned >= MAX_SCAN {
            return Ok(Page { events, scanned_to: cursor, more: true });
        }
    }
}

/// What the event streams of one API share: the cap on their number and the node's shutdown.
#[derive(Clone)]
pub(super) struct Streams {
    permits: Arc<Semaphore>,
    shutdown: watch::Receiver<bool>,
    /// The API's store-read bound, which the streams' reads of the index share.
    limits: Limits,
}

impl Streams {
    /// At most [`MAX_STREAMS`] streams; each ends when `shutdown` turns true.
    pub(super) fn new(shutdown: watch::Receiver<bool>, limits: Limits) -> Streams {
        Streams { permits: Arc::new(Semaphore::new(MAX_STREAMS)), shutdown, limits }
    }
}

/// The response body of a stream: the events its task queued, then the end. It holds the stream's
/// slot of [`MAX_STREAMS`] until the connection drops it.
pub(super) struct EventStream {
    rx: mpsc::Receiver<sse::Event>,
    _permit: OwnedSemaphorePermit,
}

impl futures_core::Stream for EventStream {
    type Item = Result<sse::Event, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx).map(|e| e.map(Ok))
    }
}

/// `GET /api/events/stream?subject=..&type=..&after=..` (or `Last-Event-ID`): every committed
/// event of the filter after the cursor, then each new one as its block is committed.
pub(super) async fn events(
    Extension(streams): Extension<Streams>,
    axum::extract::State(api): Shared,
    headers: HeaderMap,
    q: Result<Query<EventStreamQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let filter = EventFilter::parse(q.subject.as_deref(), q.kind.as_deref())?;
    let last_id = match headers.get("last-event-id") {
        Some(v) => Some(v.to_str().map_err(|_| ApiError::bad_request("Last-Event-ID is not text"))?),
        None => None,
    };
    let cursor = match last_id.or(q.after.as_deref()) {
        Some(c) => Some(parse_cursor(c.trim())?),
        None => None,
    };
    let permit = streams.permits.clone().try_acquire_owned().map_err(|_| {
        tracing::warn!(target: "api", max = MAX_STREAMS, "event stream refused: too many streams");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "too_many_streams",
            format!("this node already serves {MAX_STREAMS} event streams; retry later"),
        )
    })?;
    let (tx, rx) = mpsc::channel(STREAM_BUFFER);
    tracing::debug!(target: "api", subject = ?filter.subject(), kind = ?filter.kind(), "event stream opened");
    tokio::spawn(produce(api.chain, streams.limits, filter, cursor, tx, streams.shutdown));
    Ok(Sse::new(EventStream { rx, _permit: permit }).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)).into_response())
}

/// One SSE event: `id` the cursor, `event` the type, `data` the record as `/api/events` lists it.
fn sse_event(cursor: &[u8], rec: &EventRecord) -> Result<sse::Event, axum::Error> {
    sse::Event::default().id(hex::encode(cursor)).event(rec.event.kind().name()).json_data(rec)
}

/// The `event: error` a stream ends with when the node ends it.
fn error_event(code: &'static str, message: String) -> Option<sse::Event> {
    let body = ApiErrorBody::new(code, message);
    sse::Event::default().event("error").json_data(&body).ok()
}

/// Waits until the node shuts down (or its shutdown signal is gone).
async fn shutting_down(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|s| *s).await;
}

/// The task behind one stream: reads a page after the cursor, queues it, and when caught up waits
/// for the next head. It ends when the client goes away (the channel closes), when the node shuts
/// down, or when the index cannot be read.
async fn produce(
    chain: Arc<Chain>,
    limits: Limits,
    filter: EventFilter,
    mut cursor: Option<Vec<u8>>,
    tx: mpsc::Sender<sse::Event>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut heads = chain.subscribe_head();
    loop {
        // Mark the head seen before reading: a block committed after this read wakes the wait
        // below, so no event is missed between a page and the wait.
        heads.borrow_and_update();
        // On a blocking thread, within the API's store-read bound, like every other read.
        let (c, at) = (chain.clone(), cursor.clone());
        let read = limits.blocking(None, move || {
            read_page(c.store(), &filter, at.as_deref(), STREAM_PAGE).map_err(|e| {
                tracing::error!(target: "api", error = %e, "event stream ended: cannot read the event index");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "cannot read the event index")
            })
        });
        let page = tokio::select! {
            page = read => match page {
                Ok(p) => p,
                Err(e) => {
                    if let Some(ev) = error_event("internal", e.message) {
                        let _ = tx.try_send(ev);
                    }
                    return;
                }
            },
            () = tx.closed() => return,
        };
        for (c, rec) in &page.events {
            let ev = match sse_event(c, rec) {
                Ok(ev) => ev,
                Err(e) => {
                    tracing::error!(target: "api", error = %e, "event stream ended: cannot encode an event");
                    return;
                }
            };
            tokio::select! {
                sent = tx.send(ev) => if sent.is_err() {
                    tracing::debug!(target: "api", "event stream closed by the client");
                    return;
                },
                () = shutting_down(&mut shutdown) => {
                    if let Some(ev) = error_event("shutting_down", "the node is shutting down; reconnect with Last-Event-ID".into()) {
                        let _ = tx.try_send(ev);
                    }
                    return;
                }
            }
        }
        if page.scanned_to.is_some() {
            cursor = page.scanned_to;
        }
        if !page.more {
            tokio::select! {
                changed = heads.changed() => if changed.is_err() { return },
                () = tx.closed() => {
                    tracing::debug!(target: "api", "event stream closed by the client");
                    return;
                }
                () = shutting_down(&mut shutdown) => {
                    if let Some(ev) = error_event("shutting_down", "the node is shutting down; reconnect with Last-Event-ID".into()) {
                        let _ = tx.try_send(ev);
                    }
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_needs_a_subject_or_a_type() {
        assert!(EventFilter::parse(None, None).is_err());
        let id = "11".repeat(32);
        let f = EventFilter::parse(Some(&format!("dataset:{id}")), Some("grant_issued")).map_err(|e| e.message);
        assert!(matches!(f, Ok(EventFilter::SubjectKind(Subject::Dataset(_), EventKind::GrantIssued))), "{f:?}");
        assert!(matches!(EventFilter::parse(None, Some("transferred")), Ok(EventFilter::Kind(EventKind::Transferred))));
        let bad = EventFilter::parse(None, Some("GrantIssued")).err().map(|e| e.message).unwrap_or_default();
        assert!(bad.contains("grant_issued"), "the error lists the names: {bad}");
    }

    #[test]
    fn a_cursor_is_28_hex_characters() {
        assert_eq!(parse_cursor(&"00".repeat(14)).map_err(|e| e.message), Ok(vec![0u8; 14]));
        assert!(parse_cursor("zz").is_err());
        assert!(parse_cursor(&"00".repeat(13)).is_err());
    }
}
