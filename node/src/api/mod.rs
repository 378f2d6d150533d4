//! The HTTP JSON API (see `docs/api.md`). It reads through [`Chain`] and submits transactions to
//! it; it must never write storage itself, and with submission disabled it has no write route.

mod conn;
mod ledger;
mod limits;
mod regulator;
mod stream;
#[cfg(test)]
mod tests;
mod views;

pub use conn::{
    IDLE_TIMEOUT, MAX_CONNECTIONS, MAX_CONNECTIONS_PER_CLIENT, PeerAddr, StallGuard, StallGuardListener,
    WRITE_STALL_TIMEOUT,
};
pub use limits::{
    EXPENSIVE_WAIT, LARGE_BLOCKS, LARGE_PAGE, MAX_EXPENSIVE, MAX_EXPENSIVE_PER_CLIENT, MAX_REQUESTS,
    MAX_REQUESTS_PER_CLIENT, MAX_STORE_READS, REQUEST_TIMEOUT,
};
pub use stream::{KEEP_ALIVE, MAX_STREAMS, STREAM_BUFFER};
#[cfg(test)]
pub(crate) use views::record;

use crate::chain::{Chain, SubmitError};
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Extension, Json, Router};
use limits::{Client, Limits};
use serde::Serialize;
use shulian_api::chain::{
    AccountResponse, ProofResponse, StatusResponse, SubmitBatchRequest, SubmitBatchResponse, SubmitRequest,
    SubmitResponse, SubmitResult, TxStatusResponse,
};
use shulian_api::routes::{self, MAX_BATCH_BODY_BYTES, MAX_BATCH_TXS, MAX_BODY_BYTES};
use shulian_api::{ApiErrorBody, ErrorCode, ErrorDetail};
use shulian_contracts::{orgs, settlement};
use shulian_runtime::{AccountId, Hash, Height};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Async worker threads of the API's own runtime ([`runtime`]): two, as many as the reference
/// machine's cores; they only parse, route and write answers, the store reads run on blocking
/// threads.
pub const API_WORKER_THREADS: usize = 2;

/// Blocking threads of the API's runtime: the store reads ([`MAX_STORE_READS`] at once) and a
/// spare pair for the runtime's own blocking work.
pub const API_BLOCKING_THREADS: usize = MAX_STORE_READS + 2;

/// The nice value of the API's threads (0 is the default, 19 the lowest priority). At 10 the
/// kernel gives a busy API thread about a tenth of the CPU share of a busy consensus or network
/// thread when they compete for a core, so a flood of requests slows the API, not the node's
/// votes; on an idle machine the API still gets every cycle it wants.
pub const API_THREAD_NICE: i32 = 10;

/// How long an idle blocking thread of the API's runtime is kept: long, so that threads (each
/// lowering its priority once when it starts) are reused rather than made anew.
const BLOCKING_KEEP_ALIVE: Duration = Duration::from_secs(3_600);

/// The API's own multi-thread runtime (threads named `api`, at nice [`API_THREAD_NICE`]),
/// separate from the one consensus and networking run on: a flood of requests queues here and
/// never takes their workers, nor, under contention, their CPU.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(API_WORKER_THREADS)
        .max_blocking_threads(API_BLOCKING_THREADS)
        .thread_keep_alive(BLOCKING_KEEP_ALIVE)
        .thread_name("api")
        .on_thread_start(lower_priority)
        .enable_all()
        .build()
}

/// Lowers the calling thread's CPU priority to [`API_THREAD_NICE`], unless it is lower already (a
/// node started with `nice` keeps its API below the rest). On Linux, `setpriority` on a thread id
/// sets that thread's nice value only.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{getpriority_process, setpriority_process};
        let tid = Some(rustix::thread::gettid());
        let lowered = match getpriority_process(tid) {
            Ok(nice) if nice >= API_THREAD_NICE => Ok(()),
            _ => setpriority_process(tid, API_THREAD_NICE),
        };
        if let Err(e) = lowered {
            tracing::warn!(target: "api", error = %e, "cannot lower the priority of an API thread");
        }
    }
}

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
        routes::STATUS => get(status),
        routes::TX => get(tx_status),
        routes::BLOCK => get(block),
        routes::BLOCKS => get(regulator::blocks),
        routes::ACCOUNT => get(account),
        routes::PROOF => get(proof),
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
        routes::OPENAPI => get(openapi),
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
        r = r.route(routes::SUBMIT, post(submit));
        r = r.route(routes::SUBMIT_BATCH, post(submit_batch).layer(DefaultBodyLimit::max(MAX_BATCH_BODY_BYTES)));
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

async fn status(State(api): Shared) -> ApiResult<StatusResponse> {
    // In memory only: no store read.
    let chain = &api.chain;
    let head = chain.head();
    Ok(Json(StatusResponse {
        chain_id: chain.chain_id().to_string(),
        genesis_hash: chain.genesis().hash(),
        height: head.height,
        last_block_hash: head.block_hash,
        state_root: head.state_root,
        last_block_time_ms: head.timestamp_ms,
        mempool_txs: chain.mempool_len() as u64,
        validators: chain.validators().validators.clone(),
    }))
}

/// `GET /api/openapi.json`: this API's OpenAPI document, generated from `shulian-api`'s types.
async fn openapi() -> Response {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], shulian_api::openapi::openapi_json()).into_response()
}

/// A JSON body that could not be read: `too_large` over `limit` bytes, `malformed` otherwise.
fn body_error(e: JsonRejection, limit: usize) -> ApiError {
    let status = e.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(status, ErrorCode::TOO_LARGE, format!("request body is over {limit} bytes"))
    } else {
        ApiError::new(status, ErrorCode::MALFORMED, e.body_text())
    }
}

async fn submit(
    State(api): Shared,
    body: Result<Json<SubmitRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<SubmitResponse>), ApiError> {
    let Json(body) = body.map_err(|e| body_error(e, MAX_BODY_BYTES))?;
    let bytes = hex::decode(body.tx.trim())
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::MALFORMED, format!("tx is not hex: {e}")))?;
    // Admission reads state and verifies a signature: blocking work.
    let hash = api.run(None, move |chain| Ok(chain.submit(&bytes)?)).await?;
    Ok((StatusCode::ACCEPTED, Json(SubmitResponse { hash })))
}

/// Each transaction is checked and admitted in order, as if posted one by one to `/api/tx`;
/// the answer lists `{"hash"}` or `{"error": {code, message}}` per transaction.
async fn submit_batch(State(api): Shared, body: Result<Json<SubmitBatchRequest>, JsonRejection>) -> Answer {
    let Json(body) = body.map_err(|e| body_error(e, MAX_BATCH_BODY_BYTES))?;
    if body.txs.len() > MAX_BATCH_TXS {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TOO_LARGE,
            format!("{} transactions in one batch, more than the limit of {MAX_BATCH_TXS}", body.txs.len()),
        ));
    }
    // Admission verifies signatures: keep that off the async workers, within the read bound.
    api.json(None, move |chain| {
        let decoded: Vec<Result<Vec<u8>, String>> =
            body.txs.iter().map(|t| hex::decode(t.trim()).map_err(|e| format!("tx is not hex: {e}"))).collect();
        let good: Vec<Vec<u8>> = decoded.iter().filter_map(|d| d.as_ref().ok().cloned()).collect();
        let mut admitted = chain.submit_many(&good).into_iter();
        let refused =
            |code: &str, message: String| SubmitResult::Refused { error: ErrorDetail { code: code.into(), message } };
        let results = decoded
            .into_iter()
            .map(|d| match d {
                Err(msg) => refused(ErrorCode::MALFORMED, msg),
                Ok(_) => match admitted.next() {
                    Some(Ok(hash)) => SubmitResult::Admitted { hash },
                    Some(Err(SubmitError::Internal(e))) => {
                        tracing::error!(target: "api", error = %e, "internal error admitting a batch");
                        refused(ErrorCode::INTERNAL, INTERNAL_MESSAGE.into())
                    }
                    Some(Err(e)) => refused(e.code(), e.to_string()),
                    None => refused(ErrorCode::INTERNAL, INTERNAL_MESSAGE.into()),
                },
            })
            .collect();
        Ok(SubmitBatchResponse { results })
    })
    .await
}

async fn tx_status(State(api): Shared, p: Result<Path<String>, PathRejection>) -> Answer {
    let hash: Hash = parse_path(p, "transaction hash")?;
    api.read(move |chain| {
        if let Some(loc) = chain.store().tx_location(&hash).map_err(ApiError::internal)? {
            let outcome = chain
                .store()
                .outcome(loc.height, loc.index)
                .map_err(ApiError::internal)?
                .ok_or_else(|| ApiError::internal(format!("outcome of {hash} missing at height {}", loc.height)))?;
            return Ok(TxStatusResponse::Committed {
                hash,
                height: loc.height,
                index: loc.index,
                outcome: views::outcome(&outcome),
            });
        }
        if chain.is_pending(&hash) {
            return Ok(TxStatusResponse::Pending { hash });
        }
        if let Some(r) = chain.rejection(&hash) {
            // An internal refusal's text is the node's business (it is in the log), not the client's.
            let message = if r.code == ErrorCode::INTERNAL { INTERNAL_MESSAGE.to_string() } else { r.message.clone() };
            let reason = ErrorDetail { code: r.code.to_string(), message };
            return Ok(TxStatusResponse::Rejected { hash, reason });
        }
        Err(ApiError::not_found(format!("transaction {hash} is not known to this node")))
    })
    .await
}

async fn block(State(api): Shared, p: Result<Path<String>, PathRejection>) -> Answer {
    let Path(s) = p.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let height = if s == "latest" {
        None
    } else {
        Some(Height(
            s.parse().map_err(|_| ApiError::bad_request(format!("height {s:?} is not a number or \"latest\"")))?,
        ))
    };
    api.read(move |chain| {
        let height = height.unwrap_or_else(|| chain.head().height);
        let store = chain.store();
        let blk = store.block(height).map_err(ApiError::internal)?.ok_or_else(|| {
            ApiError::not_found(format!("no block at height {height}; the chain is at height {}", chain.head().height))
        })?;
        let cert = store.certificate(height).map_err(ApiError::internal)?;
        let outcomes = store.outcomes(height).map_err(ApiError::internal)?.unwrap_or_default();
        Ok(views::block(&blk, cert, &outcomes))
    })
    .await
}

async fn account(State(api): Shared, p: Result<Path<String>, PathRejection>) -> Answer {
    let id: AccountId = parse_path(p, "account id")?;
    api.read(move |chain| {
        let nonce = chain.next_nonce(&id).map_err(ApiError::internal)?;
        let balance = settlement::balance_of(chain.store(), &id).map_err(ApiError::internal)?;
        let org = orgs::get_org(chain.store(), &id).map_err(ApiError::internal)?;
        Ok(AccountResponse { account: id, nonce, balance, organization: org.as_ref().map(views::record).transpose()? })
    })
    .await
}

async fn proof(State(api): Shared, p: Result<Path<String>, PathRejection>) -> Answer {
    let Path(s) = p.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let key = hex::decode(&s).map_err(|e| ApiError::bad_request(format!("key is not hex: {e}")))?;
    api.read(move |chain| {
        // Read the head first: the store may commit a newer block meanwhile, so check the proof
        // against the state root it was built from, and retry if a commit slipped in between.
        for _ in 0..5 {
            let head = chain.head();
            let store = chain.store();
            let value = shulian_runtime::state::StateReader::get(store, &key).map_err(ApiError::internal)?;
            let Some(value) = value else {
                return Err(ApiError::not_found(format!("no state entry under key {s}")));
            };
            let Some(proof) = shulian_runtime::smt::prove(store, &key).map_err(ApiError::internal)? else {
                continue;
            };
            if proof.verify(&head.state_root, &key, &value).is_ok() {
                return Ok(ProofResponse {
                    key: s,
                    value: hex::encode(&value),
                    height: head.height,
                    state_root: head.state_root,
                    block_hash: head.block_hash,
                    proof,
                });
            }
        }
        Err(ApiError::busy("state changed while proving; retry"))
    })
    .await
}
