//! The HTTP JSON API (see `docs/api.md`). It reads through [`Chain`] and submits transactions to
//! it, on a runtime of its own ([`runtime`]) and within the bounds of `limits.rs` (timeouts,
//! global and per-client limits, a bounded pool of blocking store reads). It must never write
//! storage itself, never read the store on an async worker, and with submission disabled it has
//! no write route.

mod chain_routes;
mod conn;
mod csv;
mod dashboard;
#[cfg(test)]
mod health_tests;
mod ledger;
mod limits;
mod lists;
mod names;
mod regulator;
mod runtime;
mod stream;
#[cfg(test)]
mod tests;
mod view;
mod views;

pub use conn::{
    IDLE_TIMEOUT, MAX_CONNECTIONS, MAX_CONNECTIONS_PER_CLIENT, PeerAddr, StallGuard, StallGuardListener,
    WRITE_STALL_TIMEOUT,
};
pub use limits::{
    EXPENSIVE_WAIT, LARGE_BLOCKS, LARGE_PAGE, MAX_EXPENSIVE, MAX_EXPENSIVE_PER_CLIENT, MAX_REQUESTS,
    MAX_REQUESTS_PER_CLIENT, MAX_STORE_READS, REQUEST_TIMEOUT,
};
pub use runtime::{API_BLOCKING_THREADS, API_THREAD_NICE, API_WORKER_THREADS, runtime};
pub use stream::{KEEP_ALIVE, MAX_STREAMS, STREAM_BUFFER};
#[cfg(test)]
pub(crate) use views::{
    block as block_view, outcome as outcome_view, outcome_proof as outcome_proof_view, raw_block, record,
};

use crate::chain::{Chain, SubmitError};
use axum::extract::rejection::PathRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Extension, Json, Router};
use limits::{Client, Limits};
use serde::Serialize;
use shulian_api::routes::{self, MAX_BATCH_BODY_BYTES, MAX_BODY_BYTES};
use shulian_api::{ApiErrorBody, ErrorCode};
use std::sync::Arc;
use tokio::sync::watch;

/// Options of the API.
#[derive(Clone, Debug)]
pub struct ApiOptions {
    /// Whether `POST /api/tx` exists (a regulator's read-only node turns it off).
    pub submit_enabled: bool,
    /// Turns true when the node shuts down: event streams end then, so the server can drain.
    pub shutdown: watch::Receiver<bool>,
}

/// An error answer: status, stable code and plain message.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: String,
    message: String,
    /// `Retry-After` in seconds, for refusals for load.
    retry_after_s: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError { status, code: code.into(), message: message.into(), retry_after_s: None }
    }
    /// 503 `busy`: a limit of the node is reached; retry after [`limits::RETRY_AFTER_BUSY_S`].
    fn busy(message: impl Into<String>) -> Self {
        ApiError {
            retry_after_s: Some(limits::RETRY_AFTER_BUSY_S),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::BUSY, message)
        }
    }
    /// 429 `too_many_requests`: this client's share is taken; retry after
    /// [`limits::RETRY_AFTER_BUSY_S`].
    fn too_many_requests(message: impl Into<String>) -> Self {
        ApiError {
            retry_after_s: Some(limits::RETRY_AFTER_BUSY_S),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, ErrorCode::TOO_MANY_REQUESTS, message)
        }
    }
    fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorCode::NOT_FOUND, message)
    }
    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::BAD_REQUEST, message)
    }
    /// 500 `internal`: logs the detail and tells the client only that the node failed (a storage
    /// error's text may name files, keys or internal state, which is no client's business).
    fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(target: "api", error = %e, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::INTERNAL, INTERNAL_MESSAGE)
    }
}

/// The one message of every `internal` error a client sees.
const INTERNAL_MESSAGE: &str = "the node failed to answer; the operator can find the cause in its log";

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, Json(ApiErrorBody::new(self.code, self.message))).into_response();
        if let Some(s) = self.retry_after_s {
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        r
    }
}

impl From<SubmitError> for ApiError {
    fn from(e: SubmitError) -> Self {
        let status = match &e {
            SubmitError::Mempool(crate::mempool::MempoolError::Full { .. }) => StatusCode::SERVICE_UNAVAILABLE,
            SubmitError::Mempool(crate::mempool::MempoolError::SenderShare { .. }) => StatusCode::TOO_MANY_REQUESTS,
            SubmitError::Internal(_) => return ApiError::internal(e),
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, e.code(), e.to_string())
    }
}

type ApiResult<T> = Result<Json<T>, ApiError>;
/// A handler's answer: JSON (serialized on a blocking thread), CSV or an error.
type Answer = Result<Response, ApiError>;
type Shared = State<Api>;

/// What every handler shares: the chain it reads and the limits it reads within.
#[derive(Clone)]
pub(crate) struct Api {
    chain: Arc<Chain>,
    limits: Limits,
}

impl Api {
    /// Runs `f` on a blocking thread within the store-read bound ([`MAX_STORE_READS`]); with
    /// `expensive` set, within the expensive bounds as well.
    async fn run<T: Send + 'static>(
        &self,
        expensive: Option<Client>,
        f: impl FnOnce(&Chain) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let chain = self.chain.clone();
        self.limits.blocking(expensive, move || f(&chain)).await
    }

    /// [`Api::run`] answering `f`'s value as JSON, serialized on the blocking thread too (a
    /// large block or page is megabytes of JSON).
    async fn json<T: Serialize>(
        &self,
        expensive: Option<Client>,
        f: impl FnOnce(&Chain) -> Result<T, ApiError> + Send + 'static,
    ) -> Answer {
        self.run(expensive, move |chain| json_response(&f(chain)?)).await
    }

    /// A cheap read: [`Api::json`] outside the expensive bounds.
    async fn read<T: Serialize>(&self, f: impl FnOnce(&Chain) -> Result<T, ApiError> + Send + 'static) -> Answer {
        self.json(None, f).await
    }
}

/// `v` as a JSON response.
fn json_response<T: Serialize>(v: &T) -> Answer {
    let body = serde_json::to_vec(v).map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response())
}

/// The GET handler of a read route (only GET: this is what makes the API read-only).
fn read_handler(path: &str, streams: &stream::Streams) -> MethodRouter<Api> {
    match path {
        routes::HEALTH => get(chain_routes::health),
        routes::READY => get(chain_routes::ready),
        routes::STATUS => get(chain_routes::status),
        routes::TX => get(chain_routes::tx_status),
        routes::TX_PROOF => get(chain_routes::tx_proof),
        routes::BLOCK => get(chain_routes::block),
        routes::BLOCKS => get(regulator::blocks),
        routes::ACCOUNT => get(chain_routes::account),
        routes::PROOF => get(chain_routes::proof),
        routes::ORG => get(ledger::org),
        routes::DATASET => get(ledger::dataset),
        routes::REQUEST => get(ledger::request),
        routes::GRANT => get(ledger::grant),
        routes::PROPOSAL => get(ledger::proposal),
        routes::LISTING => get(ledger::listing),
        routes::ORDER => get(ledger::order),
        routes::MARKET => get(ledger::market_status),
        routes::EVENTS => get(ledger::events),
        routes::EVENTS_STREAM => get(stream::events).layer(Extension(streams.clone())),
        routes::SEARCH => get(regulator::search),
        routes::VIEW_USES => get(regulator::uses),
        routes::VIEW_CORE_GRANTS => get(regulator::core_grants),
        routes::VIEW_DISPUTES => get(regulator::disputes),
        routes::EVIDENCE => get(ledger::evidence),
        routes::OPENAPI => get(chain_routes::openapi),
        routes::GENESIS => get(chain_routes::genesis),
        routes::BLOCK_RAW => get(chain_routes::block_raw),
        routes::GRANT_RECEIPTS => get(lists::grant_receipts),
        routes::LIST_CATALOG => get(lists::catalog),
        routes::LIST_REQUESTS => get(lists::requests),
        routes::LIST_GRANTS => get(lists::grants_list),
        routes::LIST_LISTINGS => get(lists::listings),
        routes::LIST_ORDERS => get(lists::orders),
        routes::LIST_STATEMENT => get(lists::statement),
        routes::LIST_NEGATIVE => get(lists::negative_list),
        routes::LIST_SUSPENDED => get(lists::suspended),
        routes::LIST_REGRADED => get(lists::regraded),
        routes::LIST_ELEMENTS => get(lists::elements),
        routes::LIST_DEMANDS => get(lists::demands),
        routes::LIST_DEPARTMENT_STATS => get(lists::department_stats),
        routes::LIST_REFUSED_ATTEMPTS => get(lists::refused_attempts),
        routes::VALIDATOR_SETS => get(chain_routes::validator_sets),
        routes::NAMES => get(names::names),
        routes::DASHBOARD => get(dashboard::dashboard),
        _ => get(|| async { ApiError::not_found("no such route; see docs/api.md") }),
    }
}

/// The API routes, under `/api`.
pub fn router(chain: Arc<Chain>, opts: ApiOptions) -> Router {
    let mut r = Router::new();
    let limits = Limits::default();
    let streams = stream::Streams::new(opts.shutdown.clone(), limits.clone());
    for path in routes::READ_ROUTES {
        r = r.route(path, read_handler(path, &streams));
    }
    if opts.submit_enabled {
        r = r.route(routes::SUBMIT, post(chain_routes::submit));
        r = r.route(
            routes::SUBMIT_BATCH,
            post(chain_routes::submit_batch).layer(DefaultBodyLimit::max(MAX_BATCH_BODY_BYTES)),
        );
    }
    // After the routes: a known path with the wrong method answers a JSON 405 like every other
    // error, instead of axum's empty body.
    r.method_not_allowed_fallback(|| async {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::METHOD_NOT_ALLOWED,
            "this route does not accept that method; see docs/api.md",
        )
    })
    .fallback(|| async { ApiError::not_found("no such route; see docs/api.md") })
    .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
    .layer(axum::middleware::from_fn_with_state(limits.clone(), limits::guard))
    .layer(axum::middleware::from_fn(crate::explorer::security_headers))
    .with_state(Api { chain, limits })
}

fn parse_path<T: std::str::FromStr>(p: Result<Path<String>, PathRejection>, what: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    let Path(s) = p.map_err(|e| ApiError::bad_request(e.body_text()))?;
    s.parse().map_err(|e| ApiError::bad_request(format!("{what} {s:?}: {e}")))
}
