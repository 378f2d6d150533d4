//! The error answer every route gives: `{"error": {"code", "message"}}`, with a stable code.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An error answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// A stable code and a message a person can act on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code: one of [`ErrorCode`]'s, or a contract's or admission's own
    /// (`grants.expired`, `stale_nonce`, ...).
    pub code: String,
    /// Plain explanation.
    pub message: String,
}

impl ApiErrorBody {
    /// An error answer with this code and message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiErrorBody { error: ErrorDetail { code: code.into(), message: message.into() } }
    }
}

/// The API's own error codes (admission and contracts add theirs).
pub struct ErrorCode;

impl ErrorCode {
    /// No such route or object (404).
    pub const NOT_FOUND: &'static str = "not_found";
    /// A path or query parameter is invalid (400).
    pub const BAD_REQUEST: &'static str = "bad_request";
    /// A body that is not the documented JSON, or a transaction that is not hex or borsh (400).
    pub const MALFORMED: &'static str = "malformed";
    /// A body or batch over its limit (413).
    pub const TOO_LARGE: &'static str = "too_large";
    /// The route does not accept that method (405).
    pub const METHOD_NOT_ALLOWED: &'static str = "method_not_allowed";
    /// The node failed (500); the message says no more than that (the detail is in the node's log).
    pub const INTERNAL: &'static str = "internal";
    /// The node is serving as many requests (or expensive requests) as it allows (503, with
    /// `Retry-After`).
    pub const BUSY: &'static str = "busy";
    /// This client (remote IP) has as many requests in flight as one client may (429, with
    /// `Retry-After`).
    pub const TOO_MANY_REQUESTS: &'static str = "too_many_requests";
    /// The request took longer than the node allows (503, with `Retry-After`).
    pub const TIMEOUT: &'static str = "timeout";
    /// `GET /health`: the node's store could not read its head (503).
    pub const STORE_UNREADABLE: &'static str = "store_unreadable";
    /// A block below the lowest height whose body this node holds (it started from a state
    /// snapshot, or prunes old bodies: `/api/status`'s `earliest_block_height`); ask a node that
    /// holds the whole history (410).
    pub const BLOCK_NOT_HELD: &'static str = "block_not_held";
}
