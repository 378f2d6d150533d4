//! The wallet against a scripted stand-in for the node's HTTP API (no real node): the transaction
//! it submits decodes and verifies, `--wait` follows it to its outcome, and each kind of answer
//! maps to its exit code.

use assert_cmd::Command;
use serde::Serialize;
use serde_json::Value;
use shulian_api::ApiErrorBody;
use shulian_api::ErrorDetail;
use shulian_api::chain::{
    AccountResponse, BlockResponse, NodeRole, Outcome, OutcomeStatus, PeersStatus, StatusResponse, SubmitRequest,
    SubmitResponse, SyncState, TxStatusResponse,
};
use shulian_api::ledger::{EventRecord, EventsPage};
use shulian_runtime::block::{BlockHeader, Validator};
use shulian_runtime::call::{Call, Classification, SettlementCall, SharingAttribute};
use shulian_runtime::events::{Event, Subject};
use shulian_runtime::tx::DEFAULT_MAX_TX_BYTES;
use shulian_runtime::{AccountId, DatasetId, Fen, Hash, Height, SecretKey, Transaction};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

const CHAIN: &str = "mock-chain";
const PASS: &str = "pw";

/// One request as the mock saw it.
#[derive(Clone, Debug)]
pub(super) struct Request {
    method: String,
    pub(super) path: String,
    body: String,
}

/// An HTTP status and a JSON body.
pub(super) type Answer = (u16, String);

type Handler = dyn Fn(&Request) -> Answer + Send + Sync;

/// A one-connection-at-a-time HTTP server answering with `handler`; it lives until the test ends.
pub(super) struct MockNode {
    pub(super) url: String,
    log: Arc<Mutex<Vec<Request>>>,
}

impl MockNode {
    pub(super) fn start(handler: impl Fn(&Request) -> Answer + Send + Sync + 'static) -> MockNode {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (log2, handler): (_, Arc<Handler>) = (log.clone(), Arc::new(handler));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if let Some(req) = read_request(&stream) {
                    let (status, body) = handler(&req);
                    log2.lock().expect("log").push(req);
                    write_response(stream, status, &body);
                }
            }
        });
        MockNode { url, log }
    }

    pub(super) fn requests(&self) -> Vec<Request> {
        self.log.lock().expect("log").clone()
    }
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut first = String::new();
    reader.read_line(&mut first).ok()?;
    let mut parts = first.split_whitespace();
    let (method, path) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut len = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        if line.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse().ok()?;
        }
    }
    let mut body = vec![0u8; len];
    reader.read_exact(&mut body).ok()?;
    Some(Request { method, path, body: String::from_utf8(body).ok()? })
}

fn write_response(mut stream: TcpStream, status: u16, body: &str) {
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body.as_bytes()));
}

/// `body` as the node writes it, with `status`.
pub(super) fn answer<T: Serialize>(status: u16, body: &T) -> Answer {
    (status, serde_json::to_string(body).expect("JSON"))
}

pub(super) fn refusal(status: u16, code: &str, message: &str) -> Answer {
    answer(status, &ApiErrorBody::new(code, message))
}

/// The chain at `height`, with one validator.
fn status_at(height: u64) -> StatusResponse {
    status_of(CHAIN, height)
}

/// Chain `chain_id` at `height`, with one validator.
fn status_of(chain_id: &str, height: u64) -> StatusResponse {
    let public_key = SecretKey::from_bytes(&[1; 32]).public_key();
    StatusResponse {
        chain_id: chain_id.to_string(),
        // The wallet's own suite: a mock node serves the chain the test's wallet signs for.
        crypto: shulian_runtime::suite::active(),
        genesis_hash: Hash([1; 32]),
        height: Height(height),
        last_block_hash: Hash([2; 32]),
        state_root: Hash([0xab; 32]),
        last_block_time_ms: 1_764_383_000_000,
        mempool_txs: 0,
        validators: vec![Validator { name: "v1".into(), public_key, power: 1 }],
        disk_free_bytes: None,
        disk_low: false,
        role: Some(NodeRole::Validator),
        sync: Some(SyncState::Following),
        peers: Some(PeersStatus { connected: 0, validators: 0 }),
        best_peer_height: None,
        version: Some("0.1.0".into()),
        earliest_block_height: None,
        pruned: false,
    }
}

/// The account of `GET /api/account/{id}` at `path`, with no organization.
fn account_at(path: &str, nonce: u64, balance: u64) -> AccountResponse {
    let id = path.rsplit('/').next().and_then(|id| id.parse::<AccountId>().ok()).expect("an account id");
    AccountResponse { account: id, nonce, balance: Fen(balance), organization: None }
}

/// An outcome of a call by any account.
fn outcome(status: OutcomeStatus, error: Option<ErrorDetail>, events: Vec<Event>) -> Outcome {
    Outcome { status, account: AccountId([0xaa; 32]), error, events }
}

fn success(events: Vec<Event>) -> Outcome {
    outcome(OutcomeStatus::Success, None, events)
}

fn failure(code: &str, message: &str) -> Outcome {
    outcome(OutcomeStatus::Failed, Some(ErrorDetail { code: code.into(), message: message.into() }), vec![])
}

/// Decodes and checks the transaction the wallet posted, as the node would.
fn posted_tx(req: &Request) -> Transaction {
    let body: SubmitRequest = serde_json::from_str(&req.body).expect("a SubmitRequest body");
    let bytes = hex::decode(&body.tx).expect("hex");
    let tx = Transaction::decode(&bytes, DEFAULT_MAX_TX_BYTES).expect("borsh transaction");
    tx.verify(CHAIN).expect("signed for this chain");
    tx
}

/// A node whose chain is `CHAIN`, whose accounts all have next nonce 4, that accepts any valid
/// transaction, shows it pending once and then committed with `outcome`.
fn accepting_node(outcome: Outcome) -> MockNode {
    let polls = Arc::new(Mutex::new(0u32));
    MockNode::start(move |req| match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/api/status") => answer(200, &status_at(1)),
        ("GET", p) if p.starts_with("/api/account/") => answer(200, &account_at(p, 4, 100)),
        ("POST", "/api/tx") => answer(202, &SubmitResponse { hash: posted_tx(req).hash() }),
        ("GET", p) if p.starts_with("/api/tx/") => {
            let mut n = polls.lock().expect("polls");
            *n += 1;
            let hash: Hash = p[8..].parse().expect("a transaction hash");
            if *n == 1 {
                answer(200, &TxStatusResponse::Pending { hash })
            } else {
                let outcome = outcome.clone();
                answer(200, &TxStatusResponse::Committed { hash, height: Height(2), index: 0, outcome })
            }
        }
        _ => refusal(404, "not_found", "no such route"),
    })
}

fn keystore_with_alice() -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out =
        shulian(tmp.path()).args(["keys", "new", "alice", "--json"]).assert().success().get_output().stdout.clone();
    let key: Value = serde_json::from_slice(&out).expect("JSON");
    (tmp, key["account"].as_str().expect("account").to_string())
}

/// The wallet with a hermetic environment: its settings file (where the first signing pins the
/// chain id) lives in `KEYSTORE/home`, never in the developer's own home.
pub(super) fn shulian(keystore: &std::path::Path) -> Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("shulian");
    cmd.env_remove("SHULIAN_NODE")
        .env_remove("SHULIAN_CONFIG")
        .env_remove("SHULIAN_CHAIN_ID")
        .env_remove("SHULIAN_KEY")
        .env("HOME", keystore.join("home"))
        .env("SHULIAN_KEYSTORE", keystore)
        .env("SHULIAN_PASSPHRASE", PASS);
    cmd
}

fn transfer(keystore: &std::path::Path, node: &MockNode, extra: &[&str]) -> Command {
    let mut cmd = shulian(keystore);
    cmd.args(["transfer", "--from", "alice", "--to", &"cd".repeat(32), "--amount", "5", "--node", &node.url])
        .args(extra);
    cmd
}

#[test]
fn transfer_submits_a_verifiable_transaction_with_the_nodes_nonce() {
    let (tmp, account) = keystore_with_alice();
    let node = accepting_node(success(vec![]));
    let out = transfer(tmp.path(), &node, &["--json"]).assert().success().get_output().stdout.clone();
    let submitted: Value = serde_json::from_slice(&out).expect("JSON");
    let post = node.requests().into_iter().find(|r| r.method == "POST").expect("a POST /api/tx");
    let tx = posted_tx(&post);
    assert_eq!(submitted["hash"].as_str(), Some(tx.hash().to_string().as_str()));
    assert_eq!(tx.nonce, 4);
    assert_eq!(tx.account().to_string(), account);
    let to = "cd".repeat(32).parse().expect("account id");
    assert_eq!(tx.call, Call::Settlement(SettlementCall::Transfer { to, amount: Fen(5) }));
}

#[test]
fn explicit_nonce_skips_the_account_lookup() {
    let (tmp, _) = keystore_with_alice();
    let node = accepting_node(success(vec![]));
    transfer(tmp.path(), &node, &["--nonce", "9"]).assert().success();
    let requests = node.requests();
    assert!(requests.iter().all(|r| !r.path.starts_with("/api/account/")), "{requests:?}");
    let post = requests.iter().find(|r| r.method == "POST").expect("a POST");
    assert_eq!(posted_tx(post).nonce, 9);
}

#[test]
fn wait_prints_the_hash_then_the_successful_outcome() {
    let (tmp, account) = keystore_with_alice();
    let to = "cd".repeat(32);
    let event = Event::Transferred {
        from: account.parse().expect("account id"),
        to: to.parse().expect("account id"),
        amount: Fen(5),
    };
    let node = accepting_node(success(vec![event]));
    let out = transfer(tmp.path(), &node, &["--wait"]).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(out).expect("utf-8");
    let first = text.lines().next().expect("a first line");
    assert_eq!(first.len(), 64, "first line is the transaction hash: {text}");
    assert!(text.contains("committed at height 2"), "{text}");
    assert!(text.contains("success"), "{text}");
    assert!(text.contains(&format!("transferred 5 fen from {account} to {to}")), "{text}");
}

#[test]
fn wait_with_json_prints_the_nodes_final_answer() {
    let (tmp, _) = keystore_with_alice();
    let node = accepting_node(success(vec![]));
    let out = transfer(tmp.path(), &node, &["--wait", "--json"]).assert().success().get_output().stdout.clone();
    let v: TxStatusResponse = serde_json::from_slice(&out).expect("stdout is the node's TxStatusResponse");
    assert!(matches!(v, TxStatusResponse::Committed { height: Height(2), .. }), "{v:?}");
}

#[test]
fn call_failing_in_its_contract_exits_1_with_the_contracts_message() {
    let (tmp, _) = keystore_with_alice();
    let node = accepting_node(failure("settlement.insufficient_balance", "balance 1 fen is less than 5 fen"));
    let assert = transfer(tmp.path(), &node, &["--wait"]).assert().code(1);
    let out = assert.get_output();
    assert!(String::from_utf8_lossy(&out.stdout).contains("failed: balance 1 fen is less than 5 fen"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error: the call failed in block 2"));
}

#[test]
fn refusal_by_the_node_exits_3_with_its_code_and_message() {
    let (tmp, _) = keystore_with_alice();
    let node = MockNode::start(|req| match req.path.as_str() {
        "/api/status" => answer(200, &status_at(1)),
        "/api/tx" => refusal(400, "stale_nonce", "stale nonce 9: account has already used nonces below 10"),
        p => answer(200, &account_at(p, 9, 0)),
    });
    let err = transfer(tmp.path(), &node, &[]).assert().code(3).get_output().stderr.clone();
    assert!(String::from_utf8_lossy(&err).contains("error: the node refused the request: stale nonce 9"));
    let out = transfer(tmp.path(), &node, &["--json"]).assert().code(3).get_output().stdout.clone();
    let v: ApiErrorBody = serde_json::from_slice(&out).expect("an error body");
    assert_eq!(v.error.code, "stale_nonce");
}

#[test]
fn unknown_transaction_exits_3_and_server_failure_exits_4() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let node = MockNode::start(|req| match req.path.as_str() {
        "/api/status" => refusal(503, "mempool_full", "the mempool is full"),
        _ => refusal(404, "not_found", "transaction not found"),
    });
    let hash = "ef".repeat(32);
    let err = shulian(tmp.path()).args(["tx", &hash, "--node", &node.url]).assert().code(3).get_output().stderr.clone();
    assert!(String::from_utf8_lossy(&err).contains("transaction not found"));
    let err = shulian(tmp.path()).args(["status", "--node", &node.url]).assert().code(4).get_output().stderr.clone();
    assert!(String::from_utf8_lossy(&err).contains("the mempool is full"));
}

#[test]
fn queries_print_short_text_or_the_nodes_json() {
    let (tmp, account) = keystore_with_alice();
    let node = MockNode::start(|req| match req.path.as_str() {
        "/api/status" => answer(200, &status_at(7)),
        "/api/block/latest" => {
            let header = BlockHeader {
                protocol_version: 1,
                chain_id: CHAIN.into(),
                height: Height(7),
                parent_hash: Hash([6; 32]),
                timestamp_ms: 1_764_383_000_000,
                proposer: SecretKey::from_bytes(&[1; 32]).public_key(),
                tx_root: Hash([0; 32]),
                outcomes_root: Hash([0; 32]),
                state_root: Hash([0xab; 32]),
                next_validators_hash: Hash([5; 32]),
            };
            answer(200, &BlockResponse { hash: header.hash(), header, certificate: None, txs: vec![] })
        }
        p => answer(200, &account_at(p, 0, 250)),
    });
    let status = shulian(tmp.path())
        .args(["status", "--json", "--node", &node.url])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let status: StatusResponse = serde_json::from_slice(&status).expect("the node's StatusResponse");
    assert_eq!(status, status_at(7));
    let block = shulian(tmp.path())
        .args(["block", "latest", "--node", &node.url])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8_lossy(&block).contains("height 7"));
    let acct = shulian(tmp.path())
        .args(["account", "--key", "alice", "--node", &node.url])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let acct = String::from_utf8_lossy(&acct).to_string();
    assert!(acct.contains(&account) && acct.contains("250 fen"), "{acct}");
}

fn register(keystore: &std::path::Path, node: &MockNode, extra: &[&str]) -> Command {
    let h = "ab".repeat(32);
    let mut cmd = shulian(keystore);
    cmd.args(["dataset", "register", "--from", "alice", "--name", "n", "--metadata-hash", &h, "--schema-hash", &h])
        .args(["--field", "a", "--category", "c", "--classification", "core", "--sharing", "conditional"])
        .args(["--update-frequency", "daily", "--node", &node.url])
        .args(extra);
    cmd
}

#[test]
fn dataset_register_waits_and_prints_the_id_from_the_committed_event() {
    let (tmp, account) = keystore_with_alice();
    let d = "d1".repeat(32);
    let event = Event::DatasetRegistered {
        dataset: d.parse().expect("data set id"),
        owner: account.parse().expect("account id"),
        name: "n".into(),
        classification: Classification::Core,
        sharing: SharingAttribute::Conditional,
    };
    let node = accepting_node(success(vec![event]));
    let out = register(tmp.path(), &node, &[]).assert().success().get_output().stdout.clone();
    assert_eq!(String::from_utf8(out).expect("utf-8"), format!("dataset  {d}\n"));
    let out = register(tmp.path(), &node, &["--json"]).assert().success().get_output().stdout.clone();
    let v: Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(v["dataset_id"].as_str(), Some(d.as_str()));
    let post = node.requests().into_iter().find(|r| r.method == "POST").expect("a POST");
    assert_eq!(posted_tx(&post).call.name(), "catalog.register");
}

#[test]
fn register_refused_by_the_contract_exits_1_with_message_and_code() {
    let (tmp, _) = keystore_with_alice();
    let node = accepting_node(failure("catalog.not_department", "organization x is not a department"));
    let out = register(tmp.path(), &node, &[]).assert().code(1).get_output().clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("organization x is not a department (catalog.not_department)"), "{err}");
}

#[test]
fn events_all_follows_next_until_null() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = "d2".repeat(32);
    let dataset: DatasetId = d.parse().expect("data set id");
    let entry = move |h: u64| EventRecord {
        height: Height(h),
        tx_index: 0,
        tx_hash: Hash([0xff; 32]),
        event_index: 0,
        event: Event::DatasetRetired { dataset, owner: AccountId([0xaa; 32]) },
    };
    let node = MockNode::start(move |req| {
        let page = |h: u64, next: Option<&str>| EventsPage {
            subject: Some(Subject::Dataset(dataset)),
            kind: None,
            events: vec![entry(h)],
            next: next.map(str::to_string),
        };
        if req.path.contains("after=c2") {
            answer(200, &page(3, None))
        } else if req.path.contains("after=c1") {
            answer(200, &page(2, Some("c2")))
        } else {
            answer(200, &page(1, Some("c1")))
        }
    });
    let subject = format!("dataset:{d}");
    let args = ["events", "--subject", &subject, "--limit", "1", "--node", &node.url];
    let one = shulian(tmp.path()).args(args).arg("--json").assert().success().get_output().stdout.clone();
    let one: EventsPage = serde_json::from_slice(&one).expect("an EventsPage");
    assert_eq!((one.events.len(), one.next.as_deref()), (1, Some("c1")));
    let all = shulian(tmp.path()).args(args).arg("--all").assert().success().get_output().stdout.clone();
    let all = String::from_utf8(all).expect("utf-8");
    let heights: Vec<&str> = all.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert_eq!(heights, ["1", "2", "3"], "{all}");
    assert!(all.contains(&format!("data set {d} retired")), "{all}");
    assert!(node.requests()[0].path.starts_with(&format!("/api/events?subject=dataset:{d}&limit=1")));
}

/// A node that says it serves `chain_id` and would accept anything posted to it.
fn node_of_chain(chain_id: &'static str) -> MockNode {
    MockNode::start(move |req| match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/api/status") => answer(200, &status_of(chain_id, 1)),
        ("GET", p) if p.starts_with("/api/account/") => answer(200, &account_at(p, 4, 100)),
        ("POST", _) => {
            let body: SubmitRequest = serde_json::from_str(&req.body).expect("a SubmitRequest body");
            let bytes = hex::decode(&body.tx).expect("hex");
            let tx = Transaction::decode(&bytes, DEFAULT_MAX_TX_BYTES).expect("borsh transaction");
            tx.verify(chain_id).expect("signed for the chain the caller chose");
            answer(202, &SubmitResponse { hash: tx.hash() })
        }
        _ => refusal(404, "not_found", "no such route"),
    })
}

fn posts(node: &MockNode) -> usize {
    node.requests().iter().filter(|r| r.method == "POST").count()
}

#[test]
fn the_first_signing_pins_the_nodes_chain_and_a_node_of_another_chain_gets_nothing_signed() {
    let (tmp, _) = keystore_with_alice();
    let settings = tmp.path().join("home/.shulian/config.toml");
    let node = accepting_node(success(vec![]));
    let err = String::from_utf8(transfer(tmp.path(), &node, &[]).assert().success().get_output().stderr.clone())
        .expect("utf-8");
    assert!(err.contains(&format!("pinned chain id {CHAIN:?}")), "the pin is announced: {err}");
    let text = std::fs::read_to_string(&settings).expect("the settings file was written");
    assert!(text.contains(&format!("chain_id = {CHAIN:?}")), "{text}");

    // Another node, of another chain: refused before any signing, with its own exit code.
    let other = node_of_chain("other-chain");
    let err = crate::common::stderr(&mut transfer(tmp.path(), &other, &[]), 6);
    assert!(err.contains("signs only for chain \"mock-chain\"") && err.contains("\"other-chain\""), "{err}");
    assert!(err.contains("nothing was signed"), "{err}");
    let out = transfer(tmp.path(), &other, &["--json"]).assert().code(6).get_output().stdout.clone();
    let v: ApiErrorBody = serde_json::from_slice(&out).expect("an error body");
    assert_eq!(v.error.code, "chain_id_mismatch");
    // With an explicit --nonce too (no account lookup): still nothing signed.
    transfer(tmp.path(), &other, &["--nonce", "0"]).assert().code(6);
    assert_eq!(posts(&other), 0, "no transaction reached the node of the other chain");
    assert_eq!(std::fs::read_to_string(&settings).expect("read"), text, "the pin is not moved by a node");

    // The original chain still works, without a new note.
    let again = transfer(tmp.path(), &node, &[]).assert().success().get_output().stderr.clone();
    assert!(!String::from_utf8_lossy(&again).contains("pinned"), "pinned once only");
}

#[test]
fn an_explicitly_pinned_chain_beats_the_nodes_word_and_the_flag_beats_the_file() {
    let (tmp, _) = keystore_with_alice();
    let other = node_of_chain("other-chain");
    // Pinned before first use, as a cautious operator does.
    shulian(tmp.path()).args(["config", "set", "chain_id", CHAIN]).assert().success();
    transfer(tmp.path(), &other, &[]).assert().code(6);
    assert_eq!(posts(&other), 0);
    // The environment variable, then the flag, choose another chain for one command.
    transfer(tmp.path(), &other, &[]).env("SHULIAN_CHAIN_ID", "other-chain").assert().success();
    transfer(tmp.path(), &other, &["--chain-id", "other-chain"]).assert().success();
    assert_eq!(posts(&other), 2);
    let node = accepting_node(success(vec![]));
    transfer(tmp.path(), &node, &["--chain-id", "other-chain"]).assert().code(6);
    assert_eq!(posts(&node), 0);
    let shown = shulian(tmp.path()).args(["config", "show"]).assert().success().get_output().stdout.clone();
    let shown = String::from_utf8(shown).expect("utf-8");
    assert!(shown.contains("chain id") && shown.contains(CHAIN), "{shown}");
}
