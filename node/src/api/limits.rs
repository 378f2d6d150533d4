//! The API's limits, so that no client, however many connections it opens, can take the node's
//! time from consensus: every request but the event stream has a timeout; requests in flight are
//! bounded in total and per client (remote IP); store reads run on a bounded number of blocking
//! threads, never on the async workers; expensive work (exports, searches, view pages, large
//! pages) has its own, lower bounds. A refused request gets 503 `busy` or 429
//! `too_many_requests`, a late one 503 `timeout`, each with `Retry-After`.
//!
//! It must never queue without bound: every wait here is bounded in count (the global limit) and
//! in time (the request timeout).

use super::ApiError;
use super::conn::PeerAddr;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use shulian_api::ErrorCode;
use shulian_api::routes;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Longest time a request may take to produce its answer (writing it to the client is bounded by
/// the connection's write-stall guard instead). Ten seconds is over a hundred times what the
/// largest page or export takes on an idle node, and short enough that a flood of slow requests
/// frees its slots quickly.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Requests in flight at once (answer being produced or written), the event stream excepted (it
/// has its own cap, `MAX_STREAMS`). Sixty-four keeps at most that many answers in memory, while
/// hundreds of ordinary requests per second still pass (each takes milliseconds).
pub const MAX_REQUESTS: usize = 64;

/// Requests in flight from one client (remote IP): a browser opens at most six connections to a
/// host, so sixteen leaves room for a few users behind one address while one client alone can
/// hold only a quarter of [`MAX_REQUESTS`].
pub const MAX_REQUESTS_PER_CLIENT: usize = 16;

/// Store reads running at once on blocking threads, over all requests. Two, as many as the
/// reference machine has cores: however many requests wait, the API keeps at most this many
/// threads busy reading, and consensus and networking keep the rest of the machine.
pub const MAX_STORE_READS: usize = 2;

/// Expensive requests (view pages and exports, searches, the dashboard, event pages over
/// [`LARGE_PAGE`], block lists over [`LARGE_BLOCKS`]) running at once, over all clients. One:
/// each may read thousands of index entries and records, so two at once would take both store
/// read slots from the cheap lookups.
pub const MAX_EXPENSIVE: usize = 1;

/// Expensive requests of one client (remote IP) waiting or running at once; the next one is
/// refused with 429 at once, so one client cannot fill the expensive queue.
pub const MAX_EXPENSIVE_PER_CLIENT: usize = 1;

/// How long an expensive request waits for its slot before it is refused with 503 `busy`: a
/// regulator's export waits behind another's, a flood is refused.
pub const EXPENSIVE_WAIT: Duration = Duration::from_secs(2);

/// An event page (`/api/events`, `/api/evidence`) of more than this many events is expensive.
pub const LARGE_PAGE: usize = 100;

/// A block list (`/api/blocks`) of more than this many blocks is expensive.
pub const LARGE_BLOCKS: u64 = 20;

/// `Retry-After` of a refusal for load (busy, too many requests), in seconds.
pub(super) const RETRY_AFTER_BUSY_S: u64 = 1;

/// `Retry-After` of a request that timed out, in seconds: the node is slow, so back off longer.
pub(super) const RETRY_AFTER_TIMEOUT_S: u64 = 5;

/// Counts of something in flight per client (remote IP), each at most `max`. An entry is removed
/// when its count returns to zero, so the map never holds more entries than there are slots in
/// flight.
#[derive(Clone)]
pub(super) struct ClientSlots {
    max: usize,
    counts: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One client's slot of a [`ClientSlots`]; freed when dropped.
pub(super) struct ClientSlot {
    ip: IpAddr,
    counts: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding this lock leaves only counts behind, which stay meaningful.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl ClientSlots {
    /// At most `max` slots per client.
    pub(super) fn new(max: usize) -> ClientSlots {
        ClientSlots { max, counts: Arc::new(Mutex::new(HashMap::new())) }
    }

    /// A slot for `ip`, or `None` if it holds `max` already.
    pub(super) fn try_acquire(&self, ip: IpAddr) -> Option<ClientSlot> {
        let mut counts = lock(&self.counts);
        let n = counts.entry(ip).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(ClientSlot { ip, counts: self.counts.clone() })
    }

    /// Clients holding at least one slot.
    #[cfg(test)]
    pub(super) fn clients(&self) -> usize {
        lock(&self.counts).len()
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut counts = lock(&self.counts);
        if let Some(n) = counts.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

/// The remote IP a request came from (set by [`guard`] for the handlers).
#[derive(Clone, Copy, Debug)]
pub(super) struct Client(pub(super) IpAddr);

/// The limits one API shares: request slots, per-client slots, the store-read pool and the
/// expensive slots.
#[derive(Clone)]
pub(super) struct Limits {
    requests: Arc<Semaphore>,
    per_client: ClientSlots,
    reads: Arc<Semaphore>,
    expensive: Arc<Semaphore>,
    expensive_per_client: ClientSlots,
    timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits::new(MAX_REQUESTS, MAX_REQUESTS_PER_CLIENT, REQUEST_TIMEOUT)
    }
}

/// What a blocking read holds while it runs: its store-read slot, and for an expensive one its
/// expensive slots. Moved into the blocking closure, so a request that timed out still holds them
/// until its work really ends: the bounds count work, not waiting clients.
pub(super) struct ReadPermit {
    _read: OwnedSemaphorePermit,
    _expensive: Option<(OwnedSemaphorePermit, ClientSlot)>,
}

impl Limits {
    /// `max_requests` in flight, `per_client` of them from one client, each answered within
    /// `timeout`; the store-read and expensive bounds are the constants'.
    pub(super) fn new(max_requests: usize, per_client: usize, timeout: Duration) -> Limits {
        Limits {
            requests: Arc::new(Semaphore::new(max_requests)),
            per_client: ClientSlots::new(per_client),
            reads: Arc::new(Semaphore::new(MAX_STORE_READS)),
            expensive: Arc::new(Semaphore::new(MAX_EXPENSIVE)),
            expensive_per_client: ClientSlots::new(MAX_EXPENSIVE_PER_CLIENT),
            timeout,
        }
    }

    /// Runs `f` on a blocking thread once a store-read slot is free (the request's timeout bounds
    /// the wait). `expensive` names the client of an expensive request, which first needs one of
    /// the [`MAX_EXPENSIVE`] slots and of its own [`MAX_EXPENSIVE_PER_CLIENT`].
    pub(super) async fn blocking<T: Send + 'static>(
        &self,
        expensive: Option<Client>,
        f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let expensive = match expensive {
            None => None,
            Some(Client(ip)) => {
                let slot = self.expensive_per_client.try_acquire(ip).ok_or_else(|| {
                    ApiError::too_many_requests(format!(
                        "this client already runs {MAX_EXPENSIVE_PER_CLIENT} expensive request (export, search or \
                         large page); wait for it to finish"
                    ))
                })?;
                let permit = tokio::time::timeout(EXPENSIVE_WAIT, self.expensive.clone().acquire_owned())
                    .await
                    .map_err(|_| ApiError::busy("the node is busy with other exports and searches; retry later"))?
                    .map_err(|_| ApiError::busy("the API is shutting down"))?;
                Some((permit, slot))
            }
        };
        let read = self.reads.clone().acquire_owned().await.map_err(|_| ApiError::busy("the API is shutting down"))?;
        let permit = ReadPermit { _read: read, _expensive: expensive };
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            f()
        })
        .await
        .map_err(ApiError::internal)?
    }
}

/// The answer to a request refused for load or time: `status`, `code`, `message` and
/// `Retry-After`.
pub(super) fn refusal(status: StatusCode, code: &str, message: String, retry_after_s: u64) -> Response {
    ApiError { retry_after_s: Some(retry_after_s), ..ApiError::new(status, code, message) }.into_response()
}

/// The middleware in front of every API route: the global and per-client request limits and the
/// request timeout. The event stream is long-lived by design and passes: it has its own cap
/// (`MAX_STREAMS`), its own keep-alive and the write-stall guard.
pub(super) async fn guard(State(limits): State<Limits>, mut req: Request, next: Next) -> Response {
    let ip = req
        .extensions()
        .get::<ConnectInfo<PeerAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(PeerAddr(a))| a.ip());
    req.extensions_mut().insert(Client(ip));
    if req.uri().path() == routes::EVENTS_STREAM {
        return next.run(req).await;
    }
    let Ok(global) = limits.requests.clone().try_acquire_owned() else {
        tracing::debug!(target: "api", client = %ip, "request refused: busy");
        return refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::BUSY,
            "the node is serving as many requests as it allows; retry later".into(),
            RETRY_AFTER_BUSY_S,
        );
    };
    let Some(mine) = limits.per_client.try_acquire(ip) else {
        tracing::debug!(target: "api", client = %ip, "request refused: too many from one client");
        return refusal(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TOO_MANY_REQUESTS,
            "this client has as many requests in flight as one client may; retry later".into(),
            RETRY_AFTER_BUSY_S,
        );
    };
    let resp = match tokio::time::timeout(limits.timeout, next.run(req)).await {
        Ok(r) => r,
        Err(_) => {
            tracing::warn!(target: "api", client = %ip, timeout_ms = limits.timeout.as_millis() as u64, "request timed out");
            return refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::TIMEOUT,
                format!("the request took longer than {} ms; retry later", limits.timeout.as_millis()),
                RETRY_AFTER_TIMEOUT_S,
            );
        }
    };
    // The slots stay taken until the answer is written (or the connection dropped), so slow
    // readers count against the limits too.
    hold_until_sent(resp, (global, mine))
}

/// `resp` with `held` dropped only when its body has been sent or dropped.
fn hold_until_sent<H: Send + Unpin + 'static>(resp: Response, held: H) -> Response {
    let (mut parts, body) = resp.into_parts();
    if let Some(len) = body.size_hint().exact() {
        // A streamed body loses its size: keep it in the header.
        parts.headers.entry(header::CONTENT_LENGTH).or_insert(HeaderValue::from(len));
    }
    let body = Body::from_stream(Holding { body: body.into_data_stream(), _held: held });
    Response::from_parts(parts, body)
}

/// A response body that holds `H` (request slots) until it ends.
struct Holding<H> {
    body: axum::body::BodyDataStream,
    _held: H,
}

impl<H: Unpin> futures_core::Stream for Holding<H> {
    type Item = Result<Bytes, axum::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.body).poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_holds_at_most_its_share_and_leaves_no_entry_behind() {
        let slots = ClientSlots::new(2);
        let a: IpAddr = [127, 0, 0, 2].into();
        let b: IpAddr = [127, 0, 0, 3].into();
        let a1 = slots.try_acquire(a);
        let a2 = slots.try_acquire(a);
        assert!(a1.is_some() && a2.is_some());
        assert!(slots.try_acquire(a).is_none(), "a third slot for one client is refused");
        let b1 = slots.try_acquire(b);
        assert!(b1.is_some(), "another client is not affected");
        assert_eq!(slots.clients(), 2);
        drop(a1);
        assert!(slots.try_acquire(a).is_some(), "a freed slot can be taken again");
        drop((a2, b1));
        assert_eq!(slots.clients(), 0, "entries go when their count returns to zero");
    }
}
