//! The gateway's HTTP server (axum): its routes, the bearer-token check in front of all of them,
//! bounded bodies, and the hand-off of each call to the nonce manager. The JSON shapes are in
//! [`super::types`].

use super::auth::Token;
use super::node::NodeApi;
use super::nonces::{NonceManager, QueueFull, Refused};
use super::types::{
    ApproveRequest, CallRequest, DeliverRequest, ErrorAnswer, ErrorDetail, GrantRequestRequest, ReceiptRequest,
    SignedAnswer, SignedStatus, StatusAnswer, WaitQuery,
};
use crate::error::CliError;
use crate::txflow::TxState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use shulian_api::chain::TxStatusResponse;
use shulian_runtime::call::{GrantsCall, MarketCall, ReceiptsCall};
use shulian_runtime::{Call, Hash};
use std::sync::Arc;
use std::time::Duration;

/// Largest request body: a transaction is at most 64 KiB, its JSON form a little more.
pub const MAX_BODY_BYTES: usize = 192 * 1024;
/// How long `wait` waits without `timeout_secs`.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(30);
/// Longest `timeout_secs` accepted.
pub const MAX_WAIT: Duration = Duration::from_secs(600);

/// The routes, each relative to the gateway's address.
pub mod routes {
    /// `POST`: record a usage receipt.
    pub const RECEIPT: &str = "/v1/receipt";
    /// `POST`: request a grant.
    pub const REQUEST: &str = "/v1/request";
    /// `POST`: approve a request.
    pub const APPROVE: &str = "/v1/approve";
    /// `POST`: record the delivery of an order.
    pub const DELIVER: &str = "/v1/deliver";
    /// `POST`: any call in its JSON form.
    pub const CALL: &str = "/v1/call";
    /// `GET`: the key and its nonces.
    pub const STATUS: &str = "/v1/status";
}

/// How a caller waits for commitment; implemented by the node client, faked in tests.
pub trait Waiter: Send + Sync + 'static {
    /// Follows `hash` until committed or `timeout`; answers the node's last answer and its state.
    fn wait_committed(&self, hash: &Hash, timeout: Duration) -> Result<(TxStatusResponse, TxState), CliError>;
}

impl Waiter for crate::client::NodeClient {
    fn wait_committed(&self, hash: &Hash, timeout: Duration) -> Result<(TxStatusResponse, TxState), CliError> {
        #[allow(clippy::disallowed_methods)]
        let deadline = std::time::Instant::now() + timeout;
        loop {
            #[allow(clippy::disallowed_methods)]
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let (v, state) = crate::txflow::wait_for(self, hash, left.max(Duration::from_millis(1)), |_| {})?;
            // `rejected` is only the node's memory of an earlier refusal of these bytes (the
            // gateway was retrying them): the manager still gets them in, so keep waiting.
            if !matches!(state, TxState::Rejected(_)) || left.is_zero() {
                return Ok((v, state));
            }
            std::thread::sleep(crate::txflow::POLL_INTERVAL);
        }
    }
}

/// Everything a request needs.
pub struct Gateway<N: NodeApi, W: Waiter> {
    /// Signs and submits.
    pub manager: Arc<NonceManager<N>>,
    /// Follows transactions for `wait`.
    pub waiter: Arc<W>,
    /// The expected bearer token.
    pub token: Token,
    /// The keystore name of the signing key.
    pub key_name: String,
    /// The node's URL, for `/v1/status`.
    pub node_url: String,
}

type Shared<N, W> = State<Arc<Gateway<N, W>>>;

/// The gateway's router: every route behind the token check, bodies bounded.
pub fn router<N: NodeApi + 'static, W: Waiter>(gw: Arc<Gateway<N, W>>) -> Router {
    Router::new()
        .route(routes::RECEIPT, post(receipt::<N, W>))
        .route(routes::REQUEST, post(request::<N, W>))
        .route(routes::APPROVE, post(approve::<N, W>))
        .route(routes::DELIVER, post(deliver::<N, W>))
        .route(routes::CALL, post(call::<N, W>))
        .route(routes::STATUS, get(status::<N, W>))
        .method_not_allowed_fallback(|| async {
            error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this route does not accept that method")
        })
        .fallback(|| async { error(StatusCode::NOT_FOUND, "not_found", "no such route; see docs/wallet.md") })
        .layer(axum::middleware::from_fn_with_state(gw.clone(), require_token::<N, W>))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(gw)
}

/// An error answer.
pub fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let detail = ErrorDetail { code: code.into(), message: message.into(), hash: None, nonce: None };
    (status, Json(ErrorAnswer { error: detail })).into_response()
}

fn error_about(status: StatusCode, code: &str, message: String, hash: Hash, nonce: u64) -> Response {
    let detail = ErrorDetail { code: code.into(), message, hash: Some(hash), nonce: Some(nonce) };
    (status, Json(ErrorAnswer { error: detail })).into_response()
}

async fn require_token<N: NodeApi + 'static, W: Waiter>(State(gw): Shared<N, W>, req: Request, next: Next) -> Response {
    let header = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if !gw.token.authorizes(header) {
        let mut r = error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "give the gateway's token as `Authorization: Bearer TOKEN`",
        );
        r.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        return r;
    }
    next.run(req).await
}

/// A body or query that could not be read.
fn body_error(e: JsonRejection) -> Response {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        error(e.status(), "too_large", format!("request body is over {MAX_BODY_BYTES} bytes"))
    } else {
        error(StatusCode::BAD_REQUEST, "malformed", e.body_text())
    }
}

/// What every signing route does once it has its call.
struct Ask {
    route: &'static str,
    call: Call,
    wait: bool,
    timeout_secs: Option<u64>,
}

async fn sign<N: NodeApi + 'static, W: Waiter>(gw: Arc<Gateway<N, W>>, ask: Ask) -> Response {
    let timeout = match ask.timeout_secs.map(Duration::from_secs) {
        None => DEFAULT_WAIT,
        Some(t) if t.is_zero() || t > MAX_WAIT => {
            return error(
                StatusCode::BAD_REQUEST,
                "malformed",
                format!("timeout_secs must be 1..={}", MAX_WAIT.as_secs()),
            );
        }
        Some(t) => t,
    };
    let call_name = ask.call.name().to_string();
    let verdict = match gw.manager.enqueue(ask.route, ask.call) {
        Ok(rx) => rx.await,
        Err(full @ QueueFull(_)) => return error(StatusCode::SERVICE_UNAVAILABLE, "queue_full", full.to_string()),
    };
    let admitted = match verdict {
        Ok(Ok(a)) => a,
        Ok(Err(Refused { code, message, hash, nonce })) => {
            let status = if code == "nonce_taken" { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
            return error_about(status, &code, message, hash, nonce);
        }
        Err(_) => return error(StatusCode::SERVICE_UNAVAILABLE, "shutting_down", "the gateway is stopping"),
    };
    let mut answer = SignedAnswer {
        hash: admitted.hash,
        nonce: admitted.nonce,
        account: gw.manager.account(),
        call: call_name,
        status: SignedStatus::Pending,
        height: None,
        outcome: None,
    };
    if !ask.wait {
        return Json(answer).into_response();
    }
    let waiter = gw.waiter.clone();
    let hash = admitted.hash;
    let waited = tokio::task::spawn_blocking(move || waiter.wait_committed(&hash, timeout)).await;
    match waited {
        Ok(Ok((v, TxState::Committed { height, .. }))) => {
            answer.status = SignedStatus::Committed;
            answer.height = Some(height);
            answer.outcome = match v {
                TxStatusResponse::Committed { outcome, .. } => Some(outcome),
                _ => None,
            };
            Json(answer).into_response()
        }
        Ok(Ok((_, state))) => error_about(
            StatusCode::GATEWAY_TIMEOUT,
            "wait_timeout",
            format!("still {} after {} s; it will be committed later", state.name(), timeout.as_secs()),
            answer.hash,
            answer.nonce,
        ),
        Ok(Err(e @ CliError::WaitTimeout { .. })) => {
            error_about(StatusCode::GATEWAY_TIMEOUT, "wait_timeout", e.to_string(), answer.hash, answer.nonce)
        }
        Ok(Err(e)) => error_about(StatusCode::BAD_GATEWAY, "node", e.to_string(), answer.hash, answer.nonce),
        Err(e) => error_about(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string(), answer.hash, answer.nonce),
    }
}

/// `wait` from the body or the query string; the query's rejection text if it is unreadable.
/// The body of a signing route and whether its caller waits for commitment (`"wait": true` in the
/// body or `?wait=true`), or the error answer for a body or query that cannot be read.
fn read_ask<B>(
    q: Result<Query<WaitQuery>, QueryRejection>,
    body: Result<Json<B>, JsonRejection>,
    wait_of: impl Fn(&B) -> bool,
) -> Result<(B, bool), Box<Response>> {
    let Json(b) = body.map_err(|e| Box::new(body_error(e)))?;
    let wait = wants_wait(q, wait_of(&b)).map_err(|e| Box::new(error(StatusCode::BAD_REQUEST, "malformed", e)))?;
    Ok((b, wait))
}

fn wants_wait(q: Result<Query<WaitQuery>, QueryRejection>, body_wait: bool) -> Result<bool, String> {
    let Query(q) = q.map_err(|e| e.body_text())?;
    Ok(body_wait || q.wait.unwrap_or(false))
}

async fn receipt<N: NodeApi + 'static, W: Waiter>(
    State(gw): Shared<N, W>,
    q: Result<Query<WaitQuery>, QueryRejection>,
    body: Result<Json<ReceiptRequest>, JsonRejection>,
) -> Response {
    let (b, wait) = match read_ask(q, body, |b| b.wait) {
        Ok(ask) => ask,
        Err(answer) => return *answer,
    };
    let call = Call::Receipts(ReceiptsCall::Record {
        grant: b.grant,
        query_hash: b.query_hash,
        result_hash: b.result_hash,
        row_count: b.row_count,
        fields_used: b.fields_used,
    });
    sign(gw, Ask { route: "receipt", call, wait, timeout_secs: b.timeout_secs }).await
}

async fn request<N: NodeApi + 'static, W: Waiter>(
    State(gw): Shared<N, W>,
    q: Result<Query<WaitQuery>, QueryRejection>,
    body: Result<Json<GrantRequestRequest>, JsonRejection>,
) -> Response {
    let (b, wait) = match read_ask(q, body, |b| b.wait) {
        Ok(ask) => ask,
        Err(answer) => return *answer,
    };
    let call = Call::Grants(GrantsCall::Request {
        dataset: b.dataset,
        purpose: b.purpose,
        fields: b.fields,
        valid_from_ms: b.valid_from_ms.unwrap_or(0),
        valid_until_ms: b.valid_until_ms,
        max_uses: b.max_uses,
    });
    sign(gw, Ask { route: "request", call, wait, timeout_secs: b.timeout_secs }).await
}

async fn approve<N: NodeApi + 'static, W: Waiter>(
    State(gw): Shared<N, W>,
    q: Result<Query<WaitQuery>, QueryRejection>,
    body: Result<Json<ApproveRequest>, JsonRejection>,
) -> Response {
    let (b, wait) = match read_ask(q, body, |b| b.wait) {
        Ok(ask) => ask,
        Err(answer) => return *answer,
    };
    let call = Call::Grants(GrantsCall::Approve { request: b.request });
    sign(gw, Ask { route: "approve", call, wait, timeout_secs: b.timeout_secs }).await
}

async fn deliver<N: NodeApi + 'static, W: Waiter>(
    State(gw): Shared<N, W>,
    q: Result<Query<WaitQuery>, QueryRejection>,
    body: Result<Json<DeliverRequest>, JsonRejection>,
) -> Response {
    let (b, wait) = match read_ask(q, body, |b| b.wait) {
        Ok(ask) => ask,
        Err(answer) => return *answer,
    };
    let call = Call::Market(MarketCall::ConfirmDelivery { order: b.order, delivery_hash: b.delivery_hash });
    sign(gw, Ask { route: "deliver", call, wait, timeout_secs: b.timeout_secs }).await
}

async fn call<N: NodeApi + 'static, W: Waiter>(
    State(gw): Shared<N, W>,
    q: Result<Query<WaitQuery>, QueryRejection>,
    body: Result<Json<CallRequest>, JsonRejection>,
) -> Response {
    let (b, wait) = match read_ask(q, body, |b| b.wait) {
        Ok(ask) => ask,
        Err(answer) => return *answer,
    };
    sign(gw, Ask { route: "call", call: b.call, wait, timeout_secs: b.timeout_secs }).await
}

async fn status<N: NodeApi + 'static, W: Waiter>(State(gw): Shared<N, W>) -> Response {
    let c = gw.manager.counts();
    Json(StatusAnswer {
        key: gw.key_name.clone(),
        account: gw.manager.account(),
        node: gw.node_url.clone(),
        chain_id: gw.manager.chain_id().to_string(),
        committed_nonce: c.committed_nonce,
        next_nonce: c.next_nonce,
        unconfirmed: c.next_nonce - c.committed_nonce,
        unadmitted: c.unadmitted,
        max_queue: gw.manager.config().max_queue as u64,
    })
    .into_response()
}

#[cfg(test)]
mod tests;
