//! The chain's routes: status, submitting transactions and following them, blocks, accounts and
//! Merkle proofs. Every store read runs through `Api::read` (a blocking thread, within the
//! API's bounds).

use super::{Answer, ApiError, ApiResult, INTERNAL_MESSAGE, Shared, parse_path, views};
use crate::chain::SubmitError;
use crate::disk::DiskWatch;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use shulian_api::chain::{
    AccountResponse, HealthResponse, PeersStatus, ProofResponse, RawBlockResponse, ReadyResponse, StatusResponse,
    SubmitBatchRequest, SubmitBatchResponse, SubmitRequest, SubmitResponse, SubmitResult, TxStatusResponse,
};
use shulian_api::routes::{MAX_BATCH_BODY_BYTES, MAX_BATCH_TXS, MAX_BODY_BYTES};
use shulian_api::{ErrorCode, ErrorDetail};
use shulian_contracts::{orgs, settlement};
use shulian_runtime::{AccountId, Hash, Height};

pub(super) async fn status(State(api): Shared, disk: Option<Extension<DiskWatch>>) -> ApiResult<StatusResponse> {
    // In memory only: no store read.
    let chain = &api.chain;
    let head = chain.head();
    // The node's disk check, when it runs one (`shulian-node run` does; a test router need not).
    let disk = disk.and_then(|Extension(d)| d.last());
    let peers = chain.peer_view();
    let snap = peers.snapshot();
    // Read once, then kept in memory by the store.
    let earliest = chain.store().bodies_from().ok();
    Ok(Json(StatusResponse {
        chain_id: chain.chain_id().to_string(),
        crypto: chain.genesis().crypto,
        genesis_hash: chain.genesis().hash(),
        height: head.height,
        last_block_hash: head.block_hash,
        state_root: head.state_root,
        last_block_time_ms: head.timestamp_ms,
        mempool_txs: chain.mempool_len() as u64,
        validators: chain.validators().validators.clone(),
        disk_free_bytes: disk.map(|d| d.free_bytes),
        disk_low: disk.is_some_and(|d| d.low),
        role: Some(peers.role()),
        sync: Some(crate::health::sync_state(
            head.height,
            snap.best_peer_height,
            crate::now_ms().saturating_sub(head.timestamp_ms),
            snap.empty_block_interval_ms,
        )),
        peers: Some(PeersStatus { connected: snap.connected, validators: snap.validators_connected }),
        best_peer_height: snap.best_peer_height,
        version: Some(env!("CARGO_PKG_VERSION").to_string()),
        earliest_block_height: earliest,
        pruned: earliest.is_some_and(|h| h.0 > 1),
    }))
}

/// `GET /health`: 200 when the store reads its head (one small read on the blocking pool, within
/// the API's bounds), 503 `store_unreadable` when it cannot.
pub(super) async fn health(State(api): Shared) -> ApiResult<HealthResponse> {
    api.run(None, |chain| {
        chain.store().head().map(|_| ()).map_err(|e| {
            tracing::warn!(target: "api", error = %e, "health check: the store cannot read its head");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::STORE_UNREADABLE,
                "the store cannot read its head",
            )
        })
    })
    .await?;
    Ok(Json(HealthResponse { status: "ok".into() }))
}

/// `GET /ready`: in memory only. 200 when a quorum of voting power is connected and the head is
/// within `READY_LAG_BLOCKS` of the best announced head; 503 with the reason otherwise.
pub(super) async fn ready(State(api): Shared) -> (StatusCode, Json<ReadyResponse>) {
    let height = api.chain.head().height;
    let snap = api.chain.peer_view().snapshot();
    let verdict = crate::health::readiness(&snap, height);
    let body = ReadyResponse {
        ready: verdict.is_ok(),
        reason: verdict.err(),
        height,
        best_peer_height: snap.best_peer_height,
        power_connected: snap.power_reachable,
        total_power: snap.total_power,
    };
    (if body.ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, Json(body))
}

/// `GET /api/openapi.json`: this API's OpenAPI document, generated from `shulian-api`'s types.
pub(super) async fn openapi() -> Response {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], shulian_api::openapi::openapi_json()).into_response()
}

/// A JSON body that could not be read: `too_large` over `limit` bytes, `malformed` otherwise.
pub(super) fn body_error(e: JsonRejection, limit: usize) -> ApiError {
    let status = e.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(status, ErrorCode::TOO_LARGE, format!("request body is over {limit} bytes"))
    } else {
        ApiError::new(status, ErrorCode::MALFORMED, e.body_text())
    }
}

pub(super) async fn submit(
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
pub(super) async fn submit_batch(State(api): Shared, body: Result<Json<SubmitBatchRequest>, JsonRejection>) -> Answer {
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

pub(super) async fn tx_status(State(api): Shared, p: Result<Path<String>, PathRejection>) -> Answer {
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

/// `GET /api/genesis`: the genesis this node runs; a client hashes it against a hash it pinned.
pub(super) async fn genesis(State(api): Shared) -> Answer {
    api.read(|chain| Ok(chain.genesis().clone())).await
}

/// `GET /api/block/{height}/raw`: the borsh bytes behind a block's `tx_root` and `outcomes_root`.
/// `GET /api/tx/{hash}/proof`: the outcome proof of a committed transaction.
pub(super) async fn tx_proof(State(api): Shared, p: Result<Path<String>, PathRejection>) -> Answer {
    let hash: Hash = parse_path(p, "transaction hash")?;
    api.read(move |chain| {
        let proof = chain.store().outcome_proof(&hash).map_err(ApiError::internal)?;
        let proof = proof.ok_or_else(|| ApiError::not_found(format!("transaction {hash} is not committed here")))?;
        views::outcome_proof(hash, proof)
    })
    .await
}

/// The error for a block this node does not hold: below its earliest body (410 `block_not_held`),
/// or above its head (404).
fn missing_block(chain: &crate::chain::Chain, height: Height) -> ApiError {
    let head = chain.head().height;
    match chain.store().bodies_from() {
        Ok(from) if height.0 >= 1 && height < from && height <= head => ApiError::new(
            StatusCode::GONE,
            ErrorCode::BLOCK_NOT_HELD,
            format!(
                "block {height} is not held by this node: it holds blocks from height {from} (it started from a state \
                 snapshot or prunes old blocks; every header and certificate is kept); ask a node with the whole history"
            ),
        ),
        _ => ApiError::not_found(format!("no block at height {height}; the chain is at height {head}")),
    }
}

pub(super) async fn block_raw(State(api): Shared, p: Result<Path<String>, PathRejection>) -> Answer {
    let height = Height(parse_path(p, "height")?);
    api.read(move |chain| -> Result<RawBlockResponse, ApiError> {
        let store = chain.store();
        let blk = store.block(height).map_err(ApiError::internal)?.ok_or_else(|| missing_block(chain, height))?;
        let outcomes = store.outcomes(height).map_err(ApiError::internal)?.unwrap_or_default();
        Ok(views::raw_block(&blk, &outcomes))
    })
    .await
}

pub(super) async fn block(State(api): Shared, p: Result<Path<String>, PathRejection>) -> Answer {
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
        let blk = store.block(height).map_err(ApiError::internal)?.ok_or_else(|| missing_block(chain, height))?;
        let cert = store.certificate(height).map_err(ApiError::internal)?;
        let outcomes = store.outcomes(height).map_err(ApiError::internal)?.unwrap_or_default();
        Ok(views::block(&blk, cert, &outcomes))
    })
    .await
}

pub(super) async fn account(State(api): Shared, p: Result<Path<String>, PathRejection>) -> Answer {
    let id: AccountId = parse_path(p, "account id")?;
    api.read(move |chain| {
        let nonce = chain.next_nonce(&id).map_err(ApiError::internal)?;
        let balance = settlement::balance_of(chain.store(), &id).map_err(ApiError::internal)?;
        let org = orgs::get_org(chain.store(), &id).map_err(ApiError::internal)?;
        Ok(AccountResponse { account: id, nonce, balance, organization: org.as_ref().map(views::record).transpose()? })
    })
    .await
}

pub(super) async fn proof(State(api): Shared, p: Result<Path<String>, PathRejection>) -> Answer {
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

/// `GET /api/validator-sets`: the headers that name a new validator set, found through the event
/// index (a change decided in block `h` is named by header `h + 1`), each checked against its
/// parent's `next_validators_hash` and served with its certificate and the set (read from state by
/// its hash). Bounded: at most [`shulian_api::routes::MAX_SET_CHANGES`] changes and a fixed number
/// of indexed events per page.
pub(super) async fn validator_sets(
    State(api): Shared,
    q: Result<axum::extract::Query<shulian_api::chain::ValidatorSetsQuery>, axum::extract::rejection::QueryRejection>,
) -> Answer {
    let axum::extract::Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    api.read(move |chain| validator_sets_page(chain, &q)).await
}

/// Indexed set-change events read per page at most (several changes decided in one block share
/// one header; governance makes few).
const SET_EVENT_BUDGET: usize = 1_000;

fn validator_sets_page(
    chain: &crate::chain::Chain,
    q: &shulian_api::chain::ValidatorSetsQuery,
) -> Result<shulian_api::chain::ValidatorSetsPage, ApiError> {
    use shulian_api::chain::{ValidatorSetChange, ValidatorSetsPage};
    use shulian_api::routes::MAX_SET_CHANGES;
    let limit = q.limit.unwrap_or(MAX_SET_CHANGES).clamp(1, MAX_SET_CHANGES) as usize;
    let after = q.after.unwrap_or(0);
    let store = chain.store();
    let head = chain.head().height.0;
    // Events decided at heights below `after` name headers at or below it: start past them (the
    // index's cursor is the event's position: height, transaction, event, big-endian).
    let cursor = (after > 0).then(|| [&(after - 1).to_be_bytes()[..], &[0xff; 6]].concat());
    let events = store
        .events_of_type(shulian_runtime::EventKind::ValidatorSetChanged, cursor.as_deref(), SET_EVENT_BUDGET)
        .map_err(ApiError::internal)?;
    let exhausted = events.len() < SET_EVENT_BUDGET;
    let mut candidates: Vec<u64> =
        events.iter().map(|(_, r)| r.height.0 + 1).filter(|h| *h > after && *h <= head).collect();
    candidates.dedup();
    let genesis_hash = chain.genesis().validator_set().hash();
    let mut changes = Vec::new();
    for h in candidates {
        if changes.len() == limit {
            break;
        }
        let read = |h: u64| store.block(Height(h)).map_err(ApiError::internal);
        let Some(block) = read(h)? else { continue };
        let before = match h {
            1 => genesis_hash,
            _ => match read(h - 1)? {
                Some(b) => b.header.next_validators_hash,
                None => continue,
            },
        };
        if block.header.next_validators_hash == before {
            continue;
        }
        let Some(certificate) = store.certificate(Height(h)).map_err(ApiError::internal)? else { continue };
        let validators = shulian_runtime::valset::set_by_hash(store, &block.header.next_validators_hash)
            .map_err(ApiError::internal)?
            .ok_or_else(|| {
                ApiError::internal(format!(
                    "set {} named at height {h} is not in state",
                    block.header.next_validators_hash
                ))
            })?;
        changes.push(ValidatorSetChange { height: Height(h), header: block.header, certificate, validators });
    }
    // A page cut by the event budget goes on after the last event read.
    let last_read = events.last().map(|(_, r)| r.height.0 + 1);
    let next = match changes.last() {
        Some(c) if changes.len() == limit => Some(c.height.0),
        _ if !exhausted => last_read,
        _ => None,
    };
    Ok(ValidatorSetsPage { changes, next })
}
