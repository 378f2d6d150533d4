//! The wallet against a scripted stand-in for the node's HTTP API (no real node): the transaction
//! it submits decodes and verifies, `--wait` follows it to its outcome, and each kind of answer
//! maps to its exit code.

use assert_cmd::Command;
use serde_json::{Value, json};
use shulian_runtime::call::{Call, SettlementCall};
use shulian_runtime::tx::DEFAULT_MAX_TX_BYTES;
use shulian_runtime::{Fen, Transaction};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

const CHAIN: &str = "mock-chain";
const PASS: &str = "pw";

/// One request as the mock saw it.
#[derive(Clone, Debug)]
struct Request {
    method: String,
    path: String,
    body: String,
}

type Handler = dyn Fn(&Request) -> (u16, Value) + Send + Sync;

/// A one-connection-at-a-time HTTP server answering with `handler`; it lives until the test ends.
struct MockNode {
    url: String,
    log: Arc<Mutex<Vec<Request>>>,
}

impl MockNode {
    fn start(handler: impl Fn(&Request) -> (u16, Value) + Send + Sync + 'static) -> MockNode {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (log2, handler): (_, Arc<Handler>) = (log.clone(), Arc::new(handler));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if let Some(req) = read_request(&stream) {
                    let (status, body) = handler(&req);
                    log2.lock().expect("log").push(req);
                    write_response(stream, status, &body.to_string());
                }
            }
        });
        MockNode { url, log }
    }

    fn requests(&self) -> Vec<Request> {
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

fn refusal(code: &str, message: &str) -> Value {
    json!({ "error": { "code": code, "message": message } })
}

/// Decodes and checks the transaction the wallet posted, as the node would.
fn posted_tx(req: &Request) -> Transaction {
    let body: Value = serde_json::from_str(&req.body).expect("JSON body");
    let bytes = hex::decode(body["tx"].as_str().expect("tx field")).expect("hex");
    let tx = Transaction::decode(&bytes, DEFAULT_MAX_TX_BYTES).expect("borsh transaction");
    tx.verify(CHAIN).expect("signed for this chain");
    tx
}

/// A node whose chain is `CHAIN`, whose accounts all have next nonce 4, that accepts any valid
/// transaction, shows it pending once and then committed with `outcome`.
fn accepting_node(outcome: Value) -> MockNode {
    let polls = Arc::new(Mutex::new(0u32));
    MockNode::start(move |req| match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/api/status") => (200, json!({ "chain_id": CHAIN, "height": 1, "state_root": "00".repeat(32) })),
        ("GET", p) if p.starts_with("/api/account/") => {
            (200, json!({ "account": &p[13..], "nonce": 4, "balance": 100 }))
        }
        ("POST", "/api/tx") => (202, json!({ "hash": posted_tx(req).hash() })),
        ("GET", p) if p.starts_with("/api/tx/") => {
            let mut n = polls.lock().expect("polls");
            *n += 1;
            let hash = &p[8..];
            if *n == 1 {
                (200, json!({ "hash": hash, "status": "pending" }))
            } else {
                (200, json!({ "hash": hash, "status": "committed", "height": 2, "index": 0, "outcome": outcome }))
            }
        }
        _ => (404, refusal("not_found", "no such route")),
    })
}

fn keystore_with_alice() -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out =
        shulian(tmp.path()).args(["keys", "new", "alice", "--json"]).assert().success().get_output().stdout.clone();
    let key: Value = serde_json::from_slice(&out).expect("JSON");
    (tmp, key["account"].as_str().expect("account").to_string())
}

fn shulian(keystore: &std::path::Path) -> Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("shulian");
    cmd.env_remove("SHULIAN_NODE").env("SHULIAN_KEYSTORE", keystore).env("SHULIAN_PASSPHRASE", PASS);
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
    let node = accepting_node(json!({ "status": "success", "error": null, "events": [] }));
    let out = transfer(tmp.path(), &node, &["--json"]).assert().success().get_output().stdout.clone();
    let answer: Value = serde_json::from_slice(&out).expect("JSON");
    let post = node.requests().into_iter().find(|r| r.method == "POST").expect("a POST /api/tx");
    let tx = posted_tx(&post);
    assert_eq!(answer["hash"], json!(tx.hash()));
    assert_eq!(tx.nonce, 4);
    assert_eq!(tx.account().to_string(), account);
    let to = "cd".repeat(32).parse().expect("account id");
    assert_eq!(tx.call, Call::Settlement(SettlementCall::Transfer { to, amount: Fen(5) }));
}

#[test]
fn explicit_nonce_skips_the_account_lookup() {
    let (tmp, _) = keystore_with_alice();
    let node = accepting_node(json!({ "status": "success", "events": [] }));
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
    let event = json!({ "type": "transferred", "from": account, "to": to, "amount": 5 });
    let node = accepting_node(json!({ "status": "success", "error": null, "events": [event] }));
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
    let node = accepting_node(json!({ "status": "success", "error": null, "events": [] }));
    let out = transfer(tmp.path(), &node, &["--wait", "--json"]).assert().success().get_output().stdout.clone();
    let v: Value = serde_json::from_slice(&out).expect("stdout is one JSON document");
    assert_eq!(v["status"], "committed");
    assert_eq!(v["height"], 2);
}

#[test]
fn call_failing_in_its_contract_exits_1_with_the_contracts_message() {
    let (tmp, _) = keystore_with_alice();
    let error = json!({ "code": "settlement.insufficient_balance", "message": "balance 1 fen is less than 5 fen" });
    let node = accepting_node(json!({ "status": "failed", "error": error, "events": [] }));
    let assert = transfer(tmp.path(), &node, &["--wait"]).assert().code(1);
    let out = assert.get_output();
    assert!(String::from_utf8_lossy(&out.stdout).contains("failed: balance 1 fen is less than 5 fen"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error: the call failed in block 2"));
}

#[test]
fn refusal_by_the_node_exits_3_with_its_code_and_message() {
    let (tmp, _) = keystore_with_alice();
    let node = MockNode::start(|req| match req.path.as_str() {
        "/api/status" => (200, json!({ "chain_id": CHAIN })),
        "/api/tx" => (400, refusal("stale_nonce", "stale nonce 9: account has already used nonces below 10")),
        _ => (200, json!({ "nonce": 9 })),
    });
    let err = transfer(tmp.path(), &node, &[]).assert().code(3).get_output().stderr.clone();
    assert!(String::from_utf8_lossy(&err).contains("error: the node refused the request: stale nonce 9"));
    let out = transfer(tmp.path(), &node, &["--json"]).assert().code(3).get_output().stdout.clone();
    let v: Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(v["error"]["code"], "stale_nonce");
}

#[test]
fn unknown_transaction_exits_3_and_server_failure_exits_4() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let node = MockNode::start(|req| match req.path.as_str() {
        "/api/status" => (503, refusal("mempool_full", "the mempool is full")),
        _ => (404, refusal("not_found", "transaction not found")),
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
        "/api/status" => (200, json!({ "chain_id": CHAIN, "height": 7, "state_root": "ab".repeat(32) })),
        "/api/block/latest" => (200, json!({ "hash": "bb", "header": { "height": 7 }, "txs": [] })),
        p => (200, json!({ "account": &p[13..], "nonce": 0, "balance": 250, "organization": null })),
    });
    let status = shulian(tmp.path())
        .args(["status", "--json", "--node", &node.url])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let status: Value = serde_json::from_slice(&status).expect("JSON");
    assert_eq!((status["chain_id"].as_str(), status["height"].as_u64()), (Some(CHAIN), Some(7)));
    assert!(status["state_root"].is_string());
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
    let event = json!({ "type": "dataset_registered", "dataset": d, "owner": account, "name": "n",
        "classification": "core", "sharing": "conditional" });
    let node = accepting_node(json!({ "status": "success", "error": null, "events": [event] }));
    let out = register(tmp.path(), &node, &[]).assert().success().get_output().stdout.clone();
    assert_eq!(String::from_utf8(out).expect("utf-8"), format!("dataset  {d}\n"));
    let out = register(tmp.path(), &node, &["--json"]).assert().success().get_output().stdout.clone();
    let v: Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(v["dataset_id"], json!(d));
    let post = node.requests().into_iter().find(|r| r.method == "POST").expect("a POST");
    assert_eq!(posted_tx(&post).call.name(), "catalog.register");
}

#[test]
fn register_refused_by_the_contract_exits_1_with_message_and_code() {
    let (tmp, _) = keystore_with_alice();
    let error = json!({ "code": "catalog.not_department", "message": "organization x is not a department" });
    let node = accepting_node(json!({ "status": "failed", "error": error, "events": [] }));
    let out = register(tmp.path(), &node, &[]).assert().code(1).get_output().clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("organization x is not a department (catalog.not_department)"), "{err}");
}

#[test]
fn events_all_follows_next_until_null() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = "d2".repeat(32);
    let entry = |h: u64| {
        json!({ "height": h, "tx_hash": "ff".repeat(32), "event_index": 0, "tx_index": 0,
        "event": { "type": "dataset_retired", "dataset": "d2".repeat(32), "owner": "aa".repeat(32) } })
    };
    let node = MockNode::start(move |req| {
        let subject = json!({ "kind": "dataset", "id": "d2".repeat(32) });
        if req.path.contains("after=c2") {
            (200, json!({ "subject": subject, "events": [entry(3)], "next": null }))
        } else if req.path.contains("after=c1") {
            (200, json!({ "subject": subject, "events": [entry(2)], "next": "c2" }))
        } else {
            (200, json!({ "subject": subject, "events": [entry(1)], "next": "c1" }))
        }
    });
    let subject = format!("dataset:{d}");
    let args = ["events", "--subject", &subject, "--limit", "1", "--node", &node.url];
    let one = shulian(tmp.path()).args(args).arg("--json").assert().success().get_output().stdout.clone();
    let one: Value = serde_json::from_slice(&one).expect("JSON");
    assert_eq!((one["events"].as_array().map(Vec::len), one["next"].as_str()), (Some(1), Some("c1")));
    let all = shulian(tmp.path()).args(args).arg("--all").assert().success().get_output().stdout.clone();
    let all = String::from_utf8(all).expect("utf-8");
    let heights: Vec<&str> = all.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert_eq!(heights, ["1", "2", "3"], "{all}");
    assert!(all.contains(&format!("data set {d} retired")), "{all}");
    assert!(node.requests()[0].path.starts_with(&format!("/api/events?subject=dataset:{d}&limit=1")));
}
