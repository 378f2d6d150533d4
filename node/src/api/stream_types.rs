//! The JSON shapes of the event queries: `GET /api/events` (pages) and `GET /api/events/stream`
//! (Server-Sent Events). Plain serde types, kept in one place so that they can move into the
//! typed API crate as they are. An item of either is an [`EventRecord`] as its JSON.

use crate::storage::EventRecord;
use serde::{Deserialize, Serialize};
use shulian_runtime::events::Subject;

/// Query of `GET /api/events`. At least one of `subject` and `type` is required; with both, the
/// subject's events of that type.
#[derive(Debug, Deserialize)]
pub struct EventsQuery {
    /// `account:<id>` (or `org:<id>`), `dataset:<id>`, `grant:<id>`, `listing:<id>` or
    /// `order:<id>`, each id 64 hex characters.
    pub subject: Option<String>,
    /// An event type: the snake_case name of an event kind, as in the `type` of an event's JSON
    /// (e.g. `grant_issued`).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Start after this cursor (28 hex characters: the `next` of an earlier page, or the `id` of
    /// a streamed event).
    pub after: Option<String>,
    /// Events per page: 100 unless given, at most 500.
    pub limit: Option<usize>,
}

/// Query of `GET /api/events/stream`: the filters of [`EventsQuery`] and a resume cursor. A
/// `Last-Event-ID` header, when present, takes the place of `after` (a reconnecting browser sends
/// both, and the header is the newer).
#[derive(Debug, Deserialize)]
pub struct EventStreamQuery {
    /// As [`EventsQuery::subject`].
    pub subject: Option<String>,
    /// As [`EventsQuery::kind`].
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Stream the events after this cursor (28 hex characters); from the first event if absent.
    pub after: Option<String>,
}

/// Reply of `GET /api/events`: one page of events, oldest first.
#[derive(Debug, Serialize)]
pub struct EventsPage {
    /// The subject asked for (`{"kind": "account", "id": "<hex>"}`), null if none was.
    pub subject: Option<Subject>,
    /// The event type asked for, null if none was.
    #[serde(rename = "type")]
    pub kind: Option<&'static str>,
    /// The events of this page. With both a subject and a type the page may hold fewer than
    /// `limit` events (even none) and still have a `next`.
    pub events: Vec<EventRecord>,
    /// Cursor of the next page; null at the end of the history so far.
    pub next: Option<String>,
}

/// The `data` of a stream's last event (`event: error`) when the node ends a stream itself:
/// the API's error body.
#[derive(Debug, Serialize)]
pub struct StreamError {
    /// What went wrong.
    pub error: StreamErrorDetail,
}

/// The inside of [`StreamError`]: a stable code and a plain message.
#[derive(Debug, Serialize)]
pub struct StreamErrorDetail {
    /// Stable code: `internal` (the event index could not be read) or `shutting_down`.
    pub code: &'static str,
    /// What happened and what to do.
    pub message: String,
}
