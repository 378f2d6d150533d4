//! The API's guards over real connections: security headers on every answer, the per-client and
//! global request limits, the request timeout, the expensive-work bound, and internal errors that
//! tell a client nothing of their cause.
#![allow(clippy::disallowed_methods, reason = "the tests wait for conditions with deadlines")]

use super::limits::{self, Client, Limits};
use super::*;
use crate::chain::ChainLimits;
use crate::chain::tests::genesis;
use crate::explorer;
use crate::storage::{ChainStore, MemKv};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Serves `app` on a free loopback port, with the node's listener and client addresses.
pub(super) async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        axum::serve(StallGuardListener::new(listener), app.into_make_service_with_connect_info::<PeerAddr>()).await
    });
    addr
}

/// An HTTP answer as read off the socket.
#[derive(Debug)]
pub(super) struct Reply {
    pub(super) status: u16,
    headers: Vec<(String, String)>,
    pub(super) body: String,
}

impl Reply {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub(super) fn code(&self) -> String {
        let v: serde_json::Value = serde_json::from_str(&self.body).unwrap_or_default();
        v["error"]["code"].as_str().unwrap_or_default().to_string()
    }
}

/// GET `path` over a new connection from loopback address `src`.
pub(super) async fn get_from(src: [u8; 4], addr: SocketAddr, path: &str) -> Reply {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.bind(SocketAddr::from((src, 0))).expect("bind the source address");
    let stream = socket.connect(addr).await.expect("connect").into_std().expect("std stream");
    let path = path.to_string();
    tokio::task::spawn_blocking(move || raw_get(stream, &path)).await.expect("join")
}

fn raw_get(mut s: std::net::TcpStream, path: &str) -> Reply {
    s.set_nonblocking(false).expect("blocking");
    s.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    write!(s, "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").expect("write");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read");
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|c| c.parse().ok()).unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let chunked = headers.iter().any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked { dechunk(body) } else { body.to_string() };
    Reply { status, headers, body }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// Waits until `cond` holds, for at most ten seconds.
async fn wait_for(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < Duration::from_secs(10), "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn chain() -> Arc<Chain> {
    let store = ChainStore::new(Arc::new(MemKv::default()));
    Arc::new(Chain::open(store, genesis(), ChainLimits::default()).expect("open"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_of_the_api_and_the_explorer_carries_the_security_headers() {
    let (_shutdown, rx) = watch::channel(false);
    let app = router(chain(), ApiOptions { submit_enabled: true, shutdown: rx }).merge(explorer::router());
    let addr = serve(app).await;
    for path in ["/", "/explorer/app.js", "/explorer/nothing.js", "/api/status", "/api/block/99", "/api/nothing"] {
        let r = get_from([127, 0, 0, 1], addr, path).await;
        assert_ne!(r.status, 0, "{path} answered");
        for (name, value) in explorer::SECURITY_HEADERS {
            assert_eq!(r.header(name), Some(*value), "{path}: header {name} in {:?}", r.headers);
        }
    }
    let csp = explorer::CONTENT_SECURITY_POLICY;
    for directive in ["default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    // The page works under that policy only if it has no inline script, style or handler.
    let page = get_from([127, 0, 0, 1], addr, "/").await.body;
    for tag in page.match_indices("<script").map(|(i, _)| &page[i..]) {
        let open = &tag[..tag.find('>').unwrap_or(tag.len())];
        assert!(open.contains("src="), "an inline script would be blocked: {open}");
    }
    assert!(!page.contains("<style") && !page.contains(" style="), "inline styles would be blocked");
    assert!(!page.contains(" onclick=") && !page.contains(" onload="), "inline handlers would be blocked");
}

/// A router of a slow route (`/slow`, answering once `release` turns true), and the same at the
/// event stream's path, behind `limits`.
fn slow_app(limits: Limits, entered: Arc<AtomicUsize>, release: watch::Receiver<bool>) -> Router {
    let slow = move || {
        let (entered, mut release) = (entered.clone(), release.clone());
        async move {
            entered.fetch_add(1, Ordering::SeqCst);
            let _ = release.wait_for(|r| *r).await;
            "done"
        }
    };
    Router::new()
        .route("/slow", get(slow.clone()))
        .route(routes::EVENTS_STREAM, get(slow))
        .layer(axum::middleware::from_fn_with_state(limits, limits::guard))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_over_its_share_gets_429_and_anyone_over_the_total_gets_503() {
    let entered = Arc::new(AtomicUsize::new(0));
    let (release, rx) = watch::channel(false);
    let addr = serve(slow_app(Limits::new(3, 2, Duration::from_secs(60)), entered.clone(), rx)).await;

    let a1 = tokio::spawn(get_from([127, 0, 0, 1], addr, "/slow"));
    let a2 = tokio::spawn(get_from([127, 0, 0, 1], addr, "/slow"));
    wait_for("two requests of one client in flight", || entered.load(Ordering::SeqCst) == 2).await;
    let refused = get_from([127, 0, 0, 1], addr, "/slow").await;
    assert_eq!((refused.status, refused.code().as_str()), (429, ErrorCode::TOO_MANY_REQUESTS), "{refused:?}");
    assert_eq!(refused.header("retry-after"), Some("1"));

    let b = tokio::spawn(get_from([127, 0, 0, 2], addr, "/slow"));
    wait_for("a third request in flight", || entered.load(Ordering::SeqCst) == 3).await;
    let busy = get_from([127, 0, 0, 3], addr, "/slow").await;
    assert_eq!((busy.status, busy.code().as_str()), (503, ErrorCode::BUSY), "{busy:?}");
    assert_eq!(busy.header("retry-after"), Some("1"));

    release.send_replace(true);
    for r in [a1, a2, b] {
        assert_eq!(r.await.expect("join").status, 200);
    }
    let again = get_from([127, 0, 0, 1], addr, "/slow").await;
    assert_eq!(again.status, 200, "slots are freed when answers are sent: {again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_over_its_time_gets_503_timeout() {
    let entered = Arc::new(AtomicUsize::new(0));
    let (_release, rx) = watch::channel(false);
    let addr = serve(slow_app(Limits::new(4, 4, Duration::from_millis(200)), entered, rx)).await;
    let r = get_from([127, 0, 0, 1], addr, "/slow").await;
    assert_eq!((r.status, r.code().as_str()), (503, ErrorCode::TIMEOUT), "{r:?}");
    assert_eq!(r.header("retry-after"), Some(limits::RETRY_AFTER_TIMEOUT_S.to_string().as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_is_long_lived_and_not_cut_by_the_request_timeout() {
    let entered = Arc::new(AtomicUsize::new(0));
    let (release, rx) = watch::channel(false);
    let addr = serve(slow_app(Limits::new(4, 4, Duration::from_millis(200)), entered.clone(), rx)).await;
    let stream = tokio::spawn(get_from([127, 0, 0, 1], addr, routes::EVENTS_STREAM));
    wait_for("the stream to start", || entered.load(Ordering::SeqCst) == 1).await;
    // A plain request over the same time is cut; the stream goes on until it is released.
    let cut = get_from([127, 0, 0, 1], addr, "/slow").await;
    assert_eq!(cut.code(), ErrorCode::TIMEOUT);
    assert!(!stream.is_finished(), "the stream outlived the request timeout");
    release.send_replace(true);
    assert_eq!(stream.await.expect("join").status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expensive_work_has_its_own_lower_bound_and_leaves_cheap_reads_a_slot() {
    let limits = Limits::default();
    let (a, b): (IpAddr, IpAddr) = ([127, 0, 0, 1].into(), [127, 0, 0, 2].into());
    let (done, wait) = std::sync::mpsc::channel::<()>();
    let (started_tx, started) = tokio::sync::oneshot::channel::<()>();
    let l = limits.clone();
    let first = tokio::spawn(async move {
        l.blocking(Some(Client(a)), move || {
            let _ = started_tx.send(());
            let _ = wait.recv();
            Ok(())
        })
        .await
    });
    // While the first runs, a second expensive request of the same client is refused at once.
    started.await.expect("the first expensive request runs");
    let refused = limits.blocking(Some(Client(a)), || Ok(())).await.expect_err("refused");
    assert_eq!((refused.status, refused.code.as_str()), (StatusCode::TOO_MANY_REQUESTS, ErrorCode::TOO_MANY_REQUESTS));
    assert_eq!(refused.retry_after_s, Some(limits::RETRY_AFTER_BUSY_S));
    // Another client waits its turn for a while, then is told the node is busy.
    let busy = limits.blocking(Some(Client(b)), || Ok(())).await.expect_err("refused");
    assert_eq!((busy.status, busy.code.as_str()), (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::BUSY));
    assert!(busy.retry_after_s.is_some());
    // A cheap read still runs meanwhile.
    assert_eq!(limits.blocking(None, || Ok(7)).await.map_err(|e| e.message).ok(), Some(7));
    done.send(()).expect("release");
    assert!(first.await.expect("join").is_ok());
    assert!(limits.blocking(Some(Client(b)), || Ok(())).await.is_ok(), "the slot is free again");
}

#[test]
fn internal_errors_tell_the_client_nothing_of_their_cause() {
    let e = ApiError::internal("IO error: /var/lib/shulian/db/000123.sst: No such file");
    assert_eq!((e.status, e.code.as_str()), (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::INTERNAL));
    assert_eq!(e.message, INTERNAL_MESSAGE);
    assert!(!e.message.contains("sst"));
}

#[cfg(target_os = "linux")]
#[test]
fn the_api_runtime_runs_at_a_lower_cpu_priority() {
    fn nice(_: ()) -> Result<i32, String> {
        rustix::process::getpriority_process(Some(rustix::thread::gettid())).map_err(|e| e.to_string())
    }
    let before = nice(());
    let rt = runtime().expect("runtime");
    let worker = rt.block_on(async { tokio::spawn(async { nice(()) }).await.expect("join") });
    let blocking = rt.block_on(async { tokio::task::spawn_blocking(|| nice(())).await.expect("join") });
    let expected = before.clone().map(|b| b.max(API_THREAD_NICE));
    assert_eq!(worker, expected);
    assert_eq!(blocking, expected);
    assert_eq!(nice(()), before, "the test's own thread is untouched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pruned_block_answers_block_not_held_and_status_says_from_where_blocks_are_held() {
    let chain = chain();
    for ts in [20, 30, 40, 50] {
        crate::chain::tests::produce(&chain, ts);
    }
    let (_shutdown, rx) = watch::channel(false);
    let addr = serve(router(chain.clone(), ApiOptions { submit_enabled: true, shutdown: rx })).await;
    let status = get_from([127, 0, 0, 1], addr, "/api/status").await;
    let v: serde_json::Value = serde_json::from_str(&status.body).expect("json");
    assert_eq!((v["earliest_block_height"].as_u64(), v["pruned"].as_bool()), (Some(1), Some(false)));
    chain.store().prune_bodies(shulian_runtime::Height(3), 100).expect("prune");
    let r = get_from([127, 0, 0, 1], addr, "/api/block/2").await;
    assert_eq!((r.status, r.code().as_str()), (410, "block_not_held"), "{}", r.body);
    assert!(r.body.contains("from height 3"), "{}", r.body);
    assert_eq!(get_from([127, 0, 0, 1], addr, "/api/block/3").await.status, 200, "held");
    assert_eq!(get_from([127, 0, 0, 1], addr, "/api/block/9").await.code(), "not_found", "above the head");
    let status = get_from([127, 0, 0, 1], addr, "/api/status").await;
    let v: serde_json::Value = serde_json::from_str(&status.body).expect("json");
    assert_eq!((v["earliest_block_height"].as_u64(), v["pruned"].as_bool()), (Some(3), Some(true)));
}
