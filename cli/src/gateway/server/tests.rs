//! The HTTP layer against a fake node: the token gate (nothing is signed without the token), the
//! answers' shapes, bounded bodies and the bounded queue.
// A test waits for a condition with a wall-clock deadline.
#![allow(clippy::disallowed_methods)]

use super::*;
use crate::client::ClientError;
use crate::gateway::nonces::{ManagerConfig, SignLog};
use crate::gateway::types::SignedLine;
use crate::txflow::Refusal;
use serde_json::Value;
use shulian_api::chain::{Outcome, OutcomeStatus};
use shulian_runtime::{AccountId, Height, SecretKey, Transaction};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

#[derive(Default)]
struct FakeNodeState {
    submitted: AtomicUsize,
    down: AtomicBool,
}

/// A shared fake node (a local type, so it may implement the client crate's trait).
#[derive(Clone, Default)]
struct FakeNode(Arc<FakeNodeState>);

impl std::ops::Deref for FakeNode {
    type Target = FakeNodeState;
    fn deref(&self) -> &FakeNodeState {
        &self.0
    }
}

impl NodeApi for FakeNode {
    fn chain_id(&self) -> Result<String, ClientError> {
        Ok("test".into())
    }
    fn next_nonce(&self, _: &AccountId) -> Result<u64, ClientError> {
        Ok(4)
    }
    fn submit_batch(&self, txs: &[Transaction]) -> Result<Vec<Result<Hash, Refusal>>, ClientError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(ClientError::Unreachable { url: "fake".into(), reason: "down".into() });
        }
        self.submitted.fetch_add(txs.len(), Ordering::SeqCst);
        Ok(txs.iter().map(|t| Ok(t.hash())).collect())
    }
    fn tx_state(&self, _: &Hash) -> Result<Option<TxState>, ClientError> {
        Ok(Some(TxState::Pending))
    }
}

struct CommitAtOnce;

impl Waiter for CommitAtOnce {
    fn wait_committed(&self, hash: &Hash, _: Duration) -> Result<(TxStatusResponse, TxState), CliError> {
        let outcome =
            Outcome { status: OutcomeStatus::Success, account: AccountId([1; 32]), error: None, events: vec![] };
        let v = TxStatusResponse::Committed { hash: *hash, height: Height(9), index: 0, outcome };
        Ok((v, TxState::Committed { height: 9, index: 0, failure: None, events: vec![] }))
    }
}

const TOKEN: &str = "s3cret-token-for-tests-0123456789";

struct Running {
    url: String,
    node: FakeNode,
    manager: Arc<NonceManager<FakeNode>>,
    log: Arc<Mutex<Vec<SignedLine>>>,
    _runtime: tokio::runtime::Runtime,
    submitter: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.manager.stop();
        if let Some(t) = self.submitter.take() {
            let _ = t.join();
        }
    }
}

fn start(max_queue: usize) -> Running {
    let node = FakeNode::default();
    let log: Arc<Mutex<Vec<SignedLine>>> = Arc::default();
    let sink = log.clone();
    let log_fn: SignLog = Box::new(move |l| sink.lock().expect("log").push(l.clone()));
    let cfg = ManagerConfig { max_queue, backoff_max: Duration::from_millis(20), ..ManagerConfig::default() };
    let manager =
        Arc::new(NonceManager::start(node.clone(), SecretKey::from_bytes(&[7; 32]), cfg, log_fn).expect("start"));
    let gw = Arc::new(Gateway {
        manager: manager.clone(),
        waiter: Arc::new(CommitAtOnce),
        token: Token::new(TOKEN),
        key_name: "transport".into(),
        node_url: "http://fake".into(),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("rt");
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    runtime.spawn(async move { axum::serve(listener, router(gw)).await });
    let m = manager.clone();
    let submitter = Some(std::thread::spawn(move || m.run()));
    Running { url, node, manager, log, _runtime: runtime, submitter }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

fn post(url: &str, auth: Option<&str>, body: &str) -> (u16, Value) {
    let mut req = agent().post(url).header("Content-Type", "application/json");
    if let Some(a) = auth {
        req = req.header("Authorization", a);
    }
    let mut resp = req.send(body).expect("request");
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn receipt_body() -> String {
    let h = "ab".repeat(32);
    format!(
        r#"{{"grant":"{}","query_hash":"{h}","result_hash":"{h}","row_count":3,"fields_used":["district"]}}"#,
        "cd".repeat(32)
    )
}

#[test]
fn without_the_right_token_nothing_is_signed() {
    let gw = start(100);
    let url = format!("{}{}", gw.url, routes::RECEIPT);
    let bearer = format!("Bearer {TOKEN}");
    for auth in
        [None, Some("Bearer wrong-token-0123456789"), Some(TOKEN), Some("Bearer "), Some(&bearer[..bearer.len() - 1])]
    {
        let (status, body) = post(&url, auth, &receipt_body());
        assert_eq!(status, 401, "{auth:?}: {body}");
        assert_eq!(body["error"]["code"], "unauthorized", "{body}");
    }
    let resp = agent().get(&format!("{}{}", gw.url, routes::STATUS)).call().expect("status");
    assert_eq!(resp.status().as_u16(), 401);
    assert_eq!(resp.headers().get("www-authenticate").and_then(|v| v.to_str().ok()), Some("Bearer"));
    assert!(gw.log.lock().expect("log").is_empty(), "nothing signed");
    assert_eq!(gw.manager.counts().next_nonce, 4, "no nonce used");
    assert_eq!(gw.node.submitted.load(Ordering::SeqCst), 0, "nothing submitted");

    // The right token: signed with the node's next nonce, logged, answered pending.
    let (status, body) = post(&url, Some(&bearer), &receipt_body());
    assert_eq!(status, 200, "{body}");
    let answer: SignedAnswer = serde_json::from_value(body).expect("answer shape");
    assert_eq!((answer.nonce, answer.status, answer.call.as_str()), (4, SignedStatus::Pending, "receipts.record"));
    let log = gw.log.lock().expect("log").clone();
    assert_eq!(log.len(), 1);
    assert_eq!((log[0].route.as_str(), log[0].nonce, log[0].hash), ("receipt", 4, answer.hash));

    // `?wait=true` answers the committed outcome.
    let (status, body) = post(&format!("{url}?wait=true"), Some(&bearer), &receipt_body());
    assert_eq!(status, 200, "{body}");
    let answer: SignedAnswer = serde_json::from_value(body).expect("answer shape");
    assert_eq!((answer.nonce, answer.status, answer.height), (5, SignedStatus::Committed, Some(9)));
    assert_eq!(answer.outcome.as_ref().map(|o| o.status), Some(OutcomeStatus::Success));
}

#[test]
fn bad_bodies_are_refused_before_signing() {
    let gw = start(100);
    let bearer = format!("Bearer {TOKEN}");
    let url = format!("{}{}", gw.url, routes::RECEIPT);
    let (status, body) = post(&url, Some(&bearer), "{not json");
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("malformed")), "{body}");
    let typo = receipt_body().replace("row_count", "rows");
    let (status, body) = post(&url, Some(&bearer), &typo);
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("malformed")), "{body}");
    let huge = format!(r#"{{"call":"{}"}}"#, "x".repeat(MAX_BODY_BYTES + 10));
    let (status, body) = post(&format!("{}{}", gw.url, routes::CALL), Some(&bearer), &huge);
    assert_eq!((status, body["error"]["code"].as_str()), (413, Some("too_large")), "{body}");
    let (status, _) = post(&format!("{}/v1/nothing", gw.url), Some(&bearer), "{}");
    assert_eq!(status, 404);
    assert!(gw.log.lock().expect("log").is_empty(), "nothing signed");
}

#[test]
fn a_full_queue_answers_503_without_signing() {
    let gw = start(1);
    gw.node.down.store(true, Ordering::SeqCst);
    let bearer = format!("Bearer {TOKEN}");
    let url = format!("{}{}", gw.url, routes::RECEIPT);
    // The first call is signed and waits for the unreachable node to admit it.
    let first = {
        let (url, bearer) = (url.clone(), bearer.clone());
        std::thread::spawn(move || post(&url, Some(&bearer), &receipt_body()))
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while gw.manager.counts().next_nonce == 4 {
        assert!(std::time::Instant::now() < deadline, "the first call was never signed");
        std::thread::sleep(Duration::from_millis(10));
    }
    let (status, body) = post(&url, Some(&bearer), &receipt_body());
    assert_eq!((status, body["error"]["code"].as_str()), (503, Some("queue_full")), "{body}");
    assert_eq!(gw.log.lock().expect("log").len(), 1, "only the first was signed");
    // The node comes back: the first call is admitted and answered.
    gw.node.down.store(false, Ordering::SeqCst);
    let (status, body) = first.join().expect("first caller");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["nonce"], 4);
}
