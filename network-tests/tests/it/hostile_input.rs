//! Hostile input at the HTTP edge of a dev node: malformed JSON, invalid UTF-8, huge bodies,
//! unknown routes and methods, bad path and query values, garbage on the socket, and transactions
//! with bad signatures, the wrong chain id, replayed or future nonces, unknown keys, oversize
//! calls and a call the sender's role does not permit. Each gets a 4xx answer with a stable
//! `error.code` and a message (the role refusal: a failed outcome with its code), the node keeps
//! answering, and no account, organization or money total changes.

use anyhow::Context;
use serde_json::Value;
use shulian_network_tests::DevNode;
use shulian_network_tests::scenario::Scenario;
use shulian_runtime::call::{Call, SettlementCall};
use shulian_runtime::{AccountId, Fen, SecretKey, Transaction, UnsignedTransaction};
use std::io::{Read, Write};
use std::time::Duration;

const DEMO: [&str; 5] = ["transport", "health", "exchange", "trader", "regulator"];

/// One request with a raw body; returns status and the body (JSON, or a string if not JSON).
fn raw(
    node: &DevNode,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> anyhow::Result<(u16, Value)> {
    let agent = shulian_network_tests::test_agent(Duration::from_secs(20));
    let mut req = ureq::http::Request::builder().method(method).uri(format!("{}{}", node.url, path));
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let mut resp = agent.run(req.body(body.to_vec())?)?;
    let code = resp.status().as_u16();
    let text = resp.body_mut().read_to_string()?;
    Ok((code, serde_json::from_str(&text).unwrap_or(Value::String(text))))
}

/// Asserts a 4xx answer whose body names a stable code (and `code` if given) and a message, and
/// that the node still answers afterwards.
fn refused(node: &DevNode, what: &str, (status, body): (u16, Value), code: Option<&str>) -> anyhow::Result<()> {
    assert!((400..500).contains(&status), "{what}: expected a 4xx, got {status} {body}");
    let got = body["error"]["code"].as_str().with_context(|| format!("{what}: no error.code in {body}"))?;
    let msg = body["error"]["message"].as_str().unwrap_or_default();
    assert!(!msg.is_empty(), "{what}: empty error message in {body}");
    if let Some(code) = code {
        assert_eq!(got, code, "{what}: {body}");
    }
    node.get("/api/status").with_context(|| format!("node stopped answering after {what}"))?;
    Ok(())
}

fn submit_hex(node: &DevNode, hex: &str) -> anyhow::Result<(u16, Value)> {
    raw(node, "POST", "/api/tx", Some("application/json"), serde_json::json!({ "tx": hex }).to_string().as_bytes())
}

use shulian_runtime::test_utils::account_of as account;

/// 7 fen from `key`'s organization to `to`.
fn transfer(chain_id: &str, key: &SecretKey, nonce: u64, to: AccountId) -> Transaction {
    shulian_runtime::test_utils::transfer(chain_id, key, nonce, to, Fen(7))
}

/// Everything a hostile request could have changed: each demo account (nonce, balance,
/// organization) and the money totals.
fn snapshot(node: &DevNode) -> anyhow::Result<Vec<Value>> {
    let mut out = Vec::new();
    for name in DEMO {
        out.push(node.get(&format!("/api/account/{}", account(&node.demo_key(name)?)))?);
    }
    out.push(node.get("/api/market")?);
    Ok(out)
}

fn wait_committed(node: &DevNode, hash: &str) -> anyhow::Result<Value> {
    let mut last = Value::Null;
    node.wait_until(Duration::from_secs(60), |n| {
        last = n.get(&format!("/api/tx/{hash}"))?;
        Ok(last["status"] == "committed")
    })?;
    Ok(last)
}

/// Writes `bytes` on a fresh TCP connection and reads whatever comes back (until close or timeout).
fn socket(node: &DevNode, bytes: &[u8]) -> anyhow::Result<String> {
    let addr = node.url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(3)))?;
    // The server may hang up before reading everything (that is one of the right answers).
    let _ = s.write_all(bytes);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    Ok(String::from_utf8_lossy(&buf).to_string())
}

#[test]
fn hostile_http_input_is_refused_with_a_reason_and_changes_nothing() -> anyhow::Result<()> {
    let net = Scenario::dev().start()?;
    let node = net.node(0);
    let chain_id = node.get("/api/status")?["chain_id"].as_str().context("no chain id")?.to_string();
    let transport = node.demo_key("transport")?;
    let health = account(&node.demo_key("health")?);

    // One good transfer, committed, to replay later.
    let good = transfer(&chain_id, &transport, 0, health);
    let (code, body) = node.submit(&good)?;
    assert_eq!(code, 202, "{body}");
    wait_committed(node, &good.hash().to_string())?;
    let before = snapshot(node)?;

    // Malformed bodies.
    let post = |ct: Option<&str>, body: &[u8]| raw(node, "POST", "/api/tx", ct, body);
    let json = Some("application/json");
    refused(node, "truncated JSON", post(json, b"{\"tx\": \"00")?, Some("malformed"))?;
    refused(node, "JSON of the wrong shape", post(json, b"[1, 2, 3]")?, Some("malformed"))?;
    refused(node, "tx of the wrong type", post(json, b"{\"tx\": 5}")?, Some("malformed"))?;
    refused(node, "invalid UTF-8", post(json, b"{\"tx\": \"\xff\xfe\xfd\"}")?, Some("malformed"))?;
    refused(node, "no content type", post(None, b"{\"tx\": \"00\"}")?, Some("malformed"))?;
    refused(node, "wrong content type", post(Some("text/plain"), b"{\"tx\": \"00\"}")?, Some("malformed"))?;
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    refused(node, "deeply nested JSON", post(json, deep.as_bytes())?, Some("malformed"))?;
    // A 2 MiB body: the server answers 413 after the first 256 KiB and may hang up before the
    // client has written the rest, so this one goes over a raw socket.
    let huge = format!("{{\"tx\": \"{}\"}}", "ab".repeat(1024 * 1024));
    let head = format!(
        "POST /api/tx HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        huge.len()
    );
    let answer = socket(node, &[head.as_bytes(), huge.as_bytes()].concat())?;
    assert!(answer.starts_with("HTTP/1.1 413"), "2 MiB body got: {answer}");
    assert!(answer.contains("\"too_large\""), "2 MiB body got: {answer}");
    node.get("/api/status")?;
    refused(node, "empty body", post(json, b"")?, Some("malformed"))?;

    // Bytes that are not a transaction.
    refused(node, "not hex", submit_hex(node, "zz-not-hex")?, Some("malformed"))?;
    refused(node, "odd-length hex", submit_hex(node, "abc")?, Some("malformed"))?;
    refused(node, "garbage bytes", submit_hex(node, &"ff".repeat(300))?, Some("malformed"))?;
    let mut trailing = borsh::to_vec(&transfer(&chain_id, &transport, 1, health))?;
    trailing.push(0);
    refused(node, "a transaction with a trailing byte", submit_hex(node, &hex::encode(&trailing))?, Some("malformed"))?;
    let oversize = UnsignedTransaction {
        chain_id: chain_id.clone(),
        sender: transport.public_key(),
        nonce: 1,
        call: Call::Settlement(SettlementCall::Deposit { to: health, amount: Fen(1), bank_ref: "x".repeat(70_000) }),
    }
    .sign(&transport);
    refused(node, "a 70 KB transaction", node.submit(&oversize)?, Some("too_large"))?;

    // Well-formed transactions that must not be admitted.
    let mut bad_sig = transfer(&chain_id, &transport, 1, health);
    bad_sig.signature.0[5] ^= 1;
    refused(node, "a bad signature", node.submit(&bad_sig)?, Some("bad_signature"))?;
    let mut swapped = transfer(&chain_id, &transport, 1, health);
    swapped.nonce = 2;
    refused(node, "a signature over another nonce", node.submit(&swapped)?, Some("bad_signature"))?;
    refused(
        node,
        "another chain's id",
        node.submit(&transfer("other-chain", &transport, 1, health))?,
        Some("wrong_chain_id"),
    )?;
    refused(node, "a replayed transaction", node.submit(&good)?, Some("stale_nonce"))?;
    refused(
        node,
        "a reused nonce",
        node.submit(&transfer(&chain_id, &transport, 0, account(&transport)))?,
        Some("stale_nonce"),
    )?;
    refused(node, "a nonce gap", node.submit(&transfer(&chain_id, &transport, 5, health))?, Some("future_nonce"))?;
    let stranger = shulian_runtime::test_utils::key(0x33);
    refused(
        node,
        "a key of no organization",
        node.submit(&transfer(&chain_id, &stranger, 0, health))?,
        Some("unknown_key"),
    )?;

    // The batch route answers per transaction, refusing each bad one with its code.
    let (code, body) = raw(node, "POST", "/api/txs", json, br#"{"txs": ["zz", "ffff", ""]}"#)?;
    assert_eq!(code, 200, "{body}");
    let results = body["results"].as_array().context("no results")?;
    assert_eq!(results.len(), 3);
    assert!(results.iter().all(|r| r["error"]["code"] == "malformed"), "{body}");
    refused(
        node,
        "a batch of the wrong type",
        raw(node, "POST", "/api/txs", json, br#"{"txs": 5}"#)?,
        Some("malformed"),
    )?;
    let replayed = hex::encode(borsh::to_vec(&good)?);
    let (code, body) = raw(node, "POST", "/api/txs", json, format!("{{\"txs\": [\"{replayed}\"]}}").as_bytes())?;
    assert_eq!((code, &body["results"][0]["error"]["code"]), (200, &Value::from("stale_nonce")), "{body}");

    // Routes, paths and queries.
    let get = |path: &str| raw(node, "GET", path, None, b"");
    refused(node, "unknown route", get("/api/nope")?, Some("not_found"))?;
    refused(node, "unknown nested route", get("/api/tx/a/b/c")?, Some("not_found"))?;
    refused(node, "unknown transaction", get(&format!("/api/tx/{}", "ab".repeat(32)))?, Some("not_found"))?;
    refused(node, "invalid UTF-8 in a path", get("/api/account/%FF%FE")?, Some("bad_request"))?;
    refused(node, "short account id", get("/api/account/abcd")?, Some("bad_request"))?;
    refused(node, "negative height", get("/api/block/-1")?, Some("bad_request"))?;
    refused(node, "overflowing height", get("/api/block/99999999999999999999999")?, Some("bad_request"))?;
    refused(node, "height far ahead", get("/api/block/18446744073709551615")?, Some("not_found"))?;
    refused(node, "non-hex proof key", get("/api/proof/zz")?, Some("bad_request"))?;
    refused(node, "events without subject", get("/api/events")?, Some("bad_request"))?;
    refused(node, "events of a bad subject", get("/api/events?subject=dataset:zz")?, Some("bad_request"))?;
    refused(node, "invalid UTF-8 in a query", get("/api/events?subject=%FF%FE")?, Some("bad_request"))?;
    refused(node, "overflowing limit", get("/api/blocks?limit=99999999999999999999999")?, Some("bad_request"))?;
    refused(node, "POST to a read route", raw(node, "POST", "/api/status", json, b"{}")?, Some("method_not_allowed"))?;
    refused(node, "DELETE a transaction", raw(node, "DELETE", "/api/tx", None, b"")?, Some("method_not_allowed"))?;
    refused(node, "a made-up method", raw(node, "BREW", "/api/status", None, b"")?, Some("method_not_allowed"))?;

    // Garbage that is not HTTP at all, and a request line far too long: the server answers 4xx
    // or hangs up, and keeps serving.
    let answer = socket(node, b"\x00\x01\x02 this is not http\r\n\r\n")?;
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 4"), "garbage got: {answer}");
    node.get("/api/status")?;
    let long = format!("GET /api/{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(500_000));
    let answer = socket(node, long.as_bytes())?;
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 4"), "long request line got: {answer}");
    node.get("/api/status")?;

    assert_eq!(snapshot(node)?, before, "hostile input changed the ledger");

    // A call the sender's role does not permit is admitted (roles are state, checked when the
    // block executes) and recorded as failed with its reason, charging nothing.
    let deposit = UnsignedTransaction {
        chain_id: chain_id.clone(),
        sender: transport.public_key(),
        nonce: 1,
        call: Call::Settlement(SettlementCall::Deposit {
            to: account(&transport),
            amount: Fen(1_000),
            bank_ref: "r".into(),
        }),
    }
    .sign(&transport);
    let (code, body) = node.submit(&deposit)?;
    assert_eq!(code, 202, "{body}");
    let status = wait_committed(node, &deposit.hash().to_string())?;
    assert_eq!(status["outcome"]["status"], "failed", "{status}");
    assert_eq!(status["outcome"]["error"]["code"], "settlement.not_exchange_center", "{status}");
    let mut after = snapshot(node)?;
    assert_eq!(after[0]["nonce"], 2, "the failed call uses its nonce");
    after[0]["nonce"] = before[0]["nonce"].clone();
    assert_eq!(after, before, "a refused call changed balances or organizations");
    Ok(())
}
