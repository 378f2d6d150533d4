//! The HTTP JSON API (see `docs/api.md`). It reads through [`Chain`] and submits transactions to
//! it; it must never write storage itself, and with submission disabled it has no write route.

mod conn;
mod ledger;
mod regulator;
mod stream;
pub mod stream_types;
mod views;

pub use conn::{StallGuard, StallGuardListener, WRITE_STALL_TIMEOUT};
pub use stream::{KEEP_ALIVE, MAX_STREAMS, STREAM_BUFFER};

use crate::chain::{Chain, SubmitError};
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
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

/// Largest request body (a 64 KiB transaction is 128 KiB of hex).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// An error answer: status, stable code and plain message.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into() }
    }
    fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(target: "api", error = %e, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": { "code": self.code, "message": self.message } }))).into_response()
    }
}

impl From<SubmitError> for ApiError {
    fn from(e: SubmitError) -> Self {
        let status = match &e {
            SubmitError::Mempool(crate::mempool::MempoolError::Full { .. }) => StatusCode::SERVICE_UNAVAILABLE,
            SubmitError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, e.code(), e.to_string())
    }
}

type ApiResult = Result<Json<Value>, ApiError>;
type Shared = State<Arc<Chain>>;

/// Every read route of the API. Each answers GET (and HEAD) only: the query API changes nothing,
/// and the read-only test sends every other method to each of these and expects 405.
pub const READ_ROUTES: &[&str] = &[
    "/api/status",
    "/api/tx/{hash}",
    "/api/block/{height}",
    "/api/blocks",
    "/api/account/{id}",
    "/api/proof/{key}",
    "/api/org/{id}",
    "/api/dataset/{id}",
    "/api/request/{id}",
    "/api/grant/{id}",
    "/api/proposal/{id}",
    "/api/listing/{id}",
    "/api/order/{id}",
    "/api/market",
    "/api/events",
    "/api/events/stream",
    "/api/search",
    "/api/views/uses",
    "/api/views/core-grants",
    "/api/views/disputes",
    "/api/evidence",
];

/// The one write route; it exists only when [`ApiOptions::submit_enabled`] is set.
pub const SUBMIT_ROUTE: &str = "/api/tx";

/// Batch form of [`SUBMIT_ROUTE`] (up to [`MAX_BATCH_TXS`] transactions, one result each); it
/// exists only when [`ApiOptions::submit_enabled`] is set.
pub const SUBMIT_BATCH_ROUTE: &str = "/api/txs";

/// Most transactions in one batch submission.
pub const MAX_BATCH_TXS: usize = 2_000;

/// Largest batch request body.
pub const MAX_BATCH_BODY_BYTES: usize = 8 * 1024 * 1024;

/// The GET handler of a read route (only GET: this is what makes the API read-only).
fn read_handler(path: &str, streams: &stream::Streams) -> MethodRouter<Arc<Chain>> {
    match path {
        "/api/status" => get(status),
        "/api/tx/{hash}" => get(tx_status),
        "/api/block/{height}" => get(block),
        "/api/blocks" => get(regulator::blocks),
        "/api/account/{id}" => get(account),
        "/api/proof/{key}" => get(proof),
        "/api/org/{id}" => get(ledger::org),
        "/api/dataset/{id}" => get(ledger::dataset),
        "/api/request/{id}" => get(ledger::request),
        "/api/grant/{id}" => get(ledger::grant),
        "/api/proposal/{id}" => get(ledger::proposal),
        "/api/listing/{id}" => get(ledger::listing),
        "/api/order/{id}" => get(ledger::order),
        "/api/market" => get(ledger::market_status),
        "/api/events" => get(ledger::events),
        "/api/events/stream" => get(stream::events).layer(Extension(streams.clone())),
        "/api/search" => get(regulator::search),
        "/api/views/uses" => get(regulator::uses),
        "/api/views/core-grants" => get(regulator::core_grants),
        "/api/views/disputes" => get(regulator::disputes),
        "/api/evidence" => get(ledger::evidence),
        _ => get(|| async { ApiError::not_found("no such route; see docs/api.md") }),
    }
}

/// The API routes, under `/api`.
pub fn router(chain: Arc<Chain>, opts: ApiOptions) -> Router {
    let mut r = Router::new();
    let streams = stream::Streams::new(opts.shutdown.clone());
    for path in READ_ROUTES {
        r = r.route(path, read_handler(path, &streams));
    }
    if opts.submit_enabled {
        r = r.route(SUBMIT_ROUTE, post(submit));
        r = r.route(SUBMIT_BATCH_ROUTE, post(submit_batch).layer(DefaultBodyLimit::max(MAX_BATCH_BODY_BYTES)));
    }
    // After the routes: a known path with the wrong method answers a JSON 405 like every other
    // error, instead of axum's empty body.
    r.method_not_allowed_fallback(|| async {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
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

async fn status(State(chain): Shared) -> ApiResult {
    let head = chain.head();
    Ok(Json(json!({
        "chain_id": chain.chain_id(),
        "genesis_hash": chain.genesis().hash(),
        "height": head.height,
        "last_block_hash": head.block_hash,
        "state_root": head.state_root,
        "last_block_time_ms": head.timestamp_ms,
        "mempool_txs": chain.mempool_len(),
        "validators": chain.validators().validators,
    })))
}

#[derive(Deserialize)]
struct SubmitBody {
    tx: String,
}

/// A JSON body that could not be read: `too_large` over `limit` bytes, `malformed` otherwise.
fn body_error(e: JsonRejection, limit: usize) -> ApiError {
    let status = e.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(status, "too_large", format!("request body is over {limit} bytes"))
    } else {
        ApiError::new(status, "malformed", e.body_text())
    }
}

async fn submit(
    State(chain): Shared,
    body: Result<Json<SubmitBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Json(body) = body.map_err(|e| body_error(e, MAX_BODY_BYTES))?;
    let bytes = hex::decode(body.tx.trim())
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "malformed", format!("tx is not hex: {e}")))?;
    let hash = chain.submit(&bytes)?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "hash": hash }))))
}

#[derive(Deserialize)]
struct SubmitBatchBody {
    txs: Vec<String>,
}

/// Each transaction is checked and admitted in order, as if posted one by one to `/api/tx`;
/// the answer lists `{"hash"}` or `{"error": {code, message}}` per transaction.
async fn submit_batch(State(chain): Shared, body: Result<Json<SubmitBatchBody>, JsonRejection>) -> ApiResult {
    let Json(body) = body.map_err(|e| body_error(e, MAX_BATCH_BODY_BYTES))?;
    if body.txs.len() > MAX_BATCH_TXS {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
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
    let results: Vec<Value> = decoded
        .iter()
        .map(|d| match d {
            Err(msg) => json!({ "error": { "code": "malformed", "message": msg } }),
            Ok(_) => match admitted.next() {
                Some(Ok(hash)) => json!({ "hash": hash }),
                Some(Err(e)) => json!({ "error": { "code": e.code(), "message": e.to_string() } }),
                None => json!({ "error": { "code": "internal", "message": "no result" } }),
            },
        })
        .collect();
    Ok(Json(json!({ "results": results })))
}

async fn tx_status(State(chain): Shared, p: Result<Path<String>, PathRejection>) -> ApiResult {
    let hash: Hash = parse_path(p, "transaction hash")?;
    if let Some(loc) = chain.store().tx_location(&hash).map_err(ApiError::internal)? {
        let outcome = chain
            .store()
            .outcome(loc.height, loc.index)
            .map_err(ApiError::internal)?
            .ok_or_else(|| ApiError::internal(format!("outcome of {hash} missing at height {}", loc.height)))?;
        return Ok(Json(json!({
            "hash": hash, "status": "committed", "height": loc.height, "index": loc.index,
            "outcome": views::outcome(&outcome),
        })));
    }
    if chain.is_pending(&hash) {
        return Ok(Json(json!({ "hash": hash, "status": "pending" })));
    }
    if let Some(r) = chain.rejection(&hash) {
        return Ok(Json(
            json!({ "hash": hash, "status": "rejected", "reason": { "code": r.code, "message": r.message } }),
        ));
    }
    Err(ApiError::not_found(format!("transaction {hash} is not known to this node")))
}

async fn block(State(chain): Shared, p: Result<Path<String>, PathRejection>) -> ApiResult {
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
    Ok(Json(views::block(&blk, cert.as_ref(), &outcomes)))
}

async fn account(State(chain): Shared, p: Result<Path<String>, PathRejection>) -> ApiResult {
    let id: AccountId = parse_path(p, "account id")?;
    let nonce = chain.next_nonce(&id).map_err(ApiError::internal)?;
    let balance = settlement::balance_of(chain.store(), &id).map_err(ApiError::internal)?;
    let org = orgs::get_org(chain.store(), &id).map_err(ApiError::internal)?;
    Ok(Json(json!({ "account": id, "nonce": nonce, "balance": balance, "organization": org })))
}

async fn proof(State(chain): Shared, p: Result<Path<String>, PathRejection>) -> ApiResult {
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
            return Ok(Json(json!({
                "key": s, "value": hex::encode(&value), "height": head.height,
                "state_root": head.state_root, "block_hash": head.block_hash, "proof": proof,
            })));
        }
    }
    Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "internal", "state changed while proving; retry"))
}
