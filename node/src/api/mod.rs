//! The HTTP JSON API (see `docs/api.md`). It reads through [`Chain`] and submits transactions to
//! it; it must never write storage itself, and with submission disabled it has no write route.

mod conn;
mod ledger;
mod regulator;
mod stream;
mod views;

pub use conn::{StallGuard, StallGuardListener, WRITE_STALL_TIMEOUT};
pub use stream::{KEEP_ALIVE, MAX_STREAMS, STREAM_BUFFER};
#[cfg(test)]
pub(crate) use views::{block as block_view, outcome as outcome_view, raw_block, record};

use crate::chain::{Chain, SubmitError};
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Extension, Json, Router};
use shulian_api::chain::{
    AccountResponse, BlockResponse, ProofResponse, RawBlockResponse, StatusResponse, SubmitBatchRequest,
    SubmitBatchResponse, SubmitRequest, SubmitResponse, SubmitResult, TxStatusResponse,
};
use shulian_api::routes::{self, MAX_BATCH_BODY_BYTES, MAX_BATCH_TXS, MAX_BODY_BYTES};
use shulian_api::{ApiErrorBody, ErrorCode, ErrorDetail};
use shulian_contracts::{orgs, settlement};
use shulian_runtime::{AccountId, Hash, Height};
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
}

impl ApiError {
    fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError { status, code: code.into(), message: message.into() }
    }
    fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorCode::NOT_FOUND, message)
    }
    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::BAD_REQUEST, message)
    }
    fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(target: "api", error = %e, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::INTERNAL, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(ApiErrorBody::new(self.code, self.message))).into_response()
    }
}

impl From<SubmitError> for ApiError {
    fn from(e: SubmitError) -> Self {
        let status = match &e {
            SubmitError::Mempool(crate::mempool::MempoolError::Full { .. }) => StatusCode::SERVICE_UNAVAILABLE,
            SubmitError::Mempool(crate::mempool::MempoolError::SenderShare { .. }) => StatusCode::TOO_MANY_REQUESTS,
            SubmitError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, e.code(), e.to_string())
    }
}

type ApiResult<T> = Result<Json<T>, ApiError>;
type Shared = State<Arc<Chain>>;

/// The GET handler of a read route (only GET: this is what makes the API read-only).
fn read_handler(path: &str, streams: &stream::Streams) -> MethodRouter<Arc<Chain>> {
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
        routes::GENESIS => get(genesis),
        routes::BLOCK_RAW => get(block_raw),
        _ => get(|| async { ApiError::not_found("no such route; see docs/api.md") }),
    }
}

/// The API routes, under `/api`.
pub fn router(chain: Arc<Chain>, opts: ApiOptions) -> Router {
    let mut r = Router::new();
    let streams = stream::Streams::new(opts.shutdown.clone());
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
    .with_state(chain)
}

fn parse_path<T: std::str::FromStr>(p: Result<Path<String>, PathRejection>, what: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    let Path(s) = p.map_err(|e| ApiError::bad_request(e.body_text()))?;
    s.parse().map_err(|e| ApiError::bad_request(format!("{what} {s:?}: {e}")))
}

async fn status(State(chain): Shared) -> ApiResult<StatusResponse> {
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
    State(chain): Shared,
    body: Result<Json<SubmitRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<SubmitResponse>), ApiError> {
    let Json(body) = body.map_err(|e| body_error(e, MAX_BODY_BYTES))?;
    let bytes = hex::decode(body.tx.trim())
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::MALFORMED, format!("tx is not hex: {e}")))?;
    let hash = chain.submit(&bytes)?;
    Ok((StatusCode::ACCEPTED, Json(SubmitResponse { hash })))
}

/// Each transaction is checked and admitted in order, as if posted one by one to `/api/tx`;
/// the answer lists `{"hash"}` or `{"error": {code, message}}` per transaction.
async fn submit_batch(
    State(chain): Shared,
    body: Result<Json<SubmitBatchRequest>, JsonRejection>,
) -> ApiResult<SubmitBatchResponse> {
    let Json(body) = body.map_err(|e| body_error(e, MAX_BATCH_BODY_BYTES))?;
    if body.txs.len() > MAX_BATCH_TXS {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TOO_LARGE,
            format!("{} transactions in one batch, more than the limit of {MAX_BATCH_TXS}", body.txs.len()),
        ));
    }
    let decoded: Vec<Result<Vec<u8>, String>> =
        body.txs.iter().map(|t| hex::decode(t.trim()).map_err(|e| format!("tx is not hex: {e}"))).collect();
    let good: Vec<Vec<u8>> = decoded.iter().filter_map(|d| d.as_ref().ok().cloned()).collect();
    // Admission verifies signatures: keep that off the async workers.
    let c = chain.clone();
    let mut admitted =
        tokio::task::spawn_blocking(move || c.submit_many(&good)).await.map_err(ApiError::internal)?.into_iter();
    let refused =
        |code: &str, message: String| SubmitResult::Refused { error: ErrorDetail { code: code.into(), message } };
    let results = decoded
        .into_iter()
        .map(|d| match d {
            Err(msg) => refused(ErrorCode::MALFORMED, msg),
            Ok(_) => match admitted.next() {
                Some(Ok(hash)) => SubmitResult::Admitted { hash },
                Some(Err(e)) => refused(e.code(), e.to_string()),
                None => refused(ErrorCode::INTERNAL, "no result".into()),
            },
        })
        .collect();
    Ok(Json(SubmitBatchResponse { results }))
}

async fn tx_status(State(chain): Shared, p: Result<Path<String>, PathRejection>) -> ApiResult<TxStatusResponse> {
    let hash: Hash = parse_path(p, "transaction hash")?;
    if let Some(loc) = chain.store().tx_location(&hash).map_err(ApiError::internal)? {
        let outcome = chain
            .store()
            .outcome(loc.height, loc.index)
            .map_err(ApiError::internal)?
            .ok_or_else(|| ApiError::internal(format!("outcome of {hash} missing at height {}", loc.height)))?;
        return Ok(Json(TxStatusResponse::Committed {
            hash,
            height: loc.height,
            index: loc.index,
            outcome: views::outcome(&outcome),
        }));
    }
    if chain.is_pending(&hash) {
        return Ok(Json(TxStatusResponse::Pending { hash }));
    }
    if let Some(r) = chain.rejection(&hash) {
        let reason = ErrorDetail { code: r.code.to_string(), message: r.message.clone() };
        return Ok(Json(TxStatusResponse::Rejected { hash, reason }));
    }
    Err(ApiError::not_found(format!("transaction {hash} is not known to this node")))
}

async fn block(State(chain): Shared, p: Result<Path<String>, PathRejection>) -> ApiResult<BlockResponse> {
    let Path(s) = p.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let height = if s == "latest" {
        chain.head().height
    } else {
        Height(s.parse().map_err(|_| ApiError::bad_request(format!("height {s:?} is not a number or \"latest\"")))?)
    };
    let store = chain.store();
    let blk = store.block(height).map_err(ApiError::internal)?.ok_or_else(|| {
        ApiError::not_found(format!("no block at height {height}; the chain is at height {}", chain.head().height))
    })?;
    let cert = store.certificate(height).map_err(ApiError::internal)?;
    let outcomes = store.outcomes(height).map_err(ApiError::internal)?.unwrap_or_default();
    Ok(Json(views::block(&blk, cert, &outcomes)))
}

/// `GET /api/genesis`: the genesis this node runs; a client hashes it against a hash it pinned.
async fn genesis(State(chain): Shared) -> ApiResult<shulian_runtime::genesis::Genesis> {
    Ok(Json(chain.genesis().clone()))
}

/// `GET /api/block/{height}/raw`: the borsh bytes behind a block's `tx_root` and `outcomes_root`.
async fn block_raw(State(chain): Shared, p: Result<Path<String>, PathRejection>) -> ApiResult<RawBlockResponse> {
    let height = Height(parse_path(p, "height")?);
    let store = chain.store();
    let blk = store.block(height).map_err(ApiError::internal)?.ok_or_else(|| {
        ApiError::not_found(format!("no block at height {height}; the chain is at height {}", chain.head().height))
    })?;
    let outcomes = store.outcomes(height).map_err(ApiError::internal)?.unwrap_or_default();
    Ok(Json(views::raw_block(&blk, &outcomes)))
}

async fn account(State(chain): Shared, p: Result<Path<String>, PathRejection>) -> ApiResult<AccountResponse> {
    let id: AccountId = parse_path(p, "account id")?;
    let nonce = chain.next_nonce(&id).map_err(ApiError::internal)?;
    let balance = settlement::balance_of(chain.store(), &id).map_err(ApiError::internal)?;
    let org = orgs::get_org(chain.store(), &id).map_err(ApiError::internal)?;
    Ok(Json(AccountResponse {
        account: id,
        nonce,
        balance,
        organization: org.as_ref().map(views::record).transpose()?,
    }))
}

async fn proof(State(chain): Shared, p: Result<Path<String>, PathRejection>) -> ApiResult<ProofResponse> {
    let Path(s) = p.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let key = hex::decode(&s).map_err(|e| ApiError::bad_request(format!("key is not hex: {e}")))?;
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
            return Ok(Json(ProofResponse {
                key: s,
                value: hex::encode(&value),
                height: head.height,
                state_root: head.state_root,
                block_hash: head.block_hash,
                proof,
            }));
        }
    }
    Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::INTERNAL, "state changed while proving; retry"))
}
