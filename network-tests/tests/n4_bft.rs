//! Four validator processes on loopback running Tendermint over libp2p: they commit a stream of
//! transfers with identical block hashes and state roots; with one killed the other three go on
//! and the killed one catches up after a restart; with two down nothing is committed (safety over
//! liveness) until one returns.

use anyhow::Context;
use shulian_network_tests::{DevNode, testnet};
use shulian_runtime::call::{Call, SettlementCall};
use shulian_runtime::keyfile::KeyFile;
use shulian_runtime::{AccountId, Fen, SecretKey, Transaction, UnsignedTransaction};
use std::path::Path;
use std::time::Duration;

fn demo_key(out: &Path, name: &str) -> anyhow::Result<SecretKey> {
    let text = std::fs::read_to_string(out.join("keys").join(format!("{name}.json")))?;
    let f: KeyFile = serde_json::from_str(&text)?;
    Ok(f.decrypt("dev")?)
}

fn height(n: &DevNode) -> anyhow::Result<u64> {
    n.get("/api/status")?["height"].as_u64().context("no height")
}

fn block_id(n: &DevNode, h: u64) -> anyhow::Result<(String, String)> {
    let b = n.get(&format!("/api/block/{h}"))?;
    Ok((b["hash"].to_string(), b["header"]["state_root"].to_string()))
}

/// Every node in `nodes` has the same block hash and state root at every height up to `upto`.
fn assert_same_chain(nodes: &[&DevNode], upto: u64) -> anyhow::Result<()> {
    for h in 1..=upto {
        let first = block_id(nodes[0], h)?;
        for n in &nodes[1..] {
            assert_eq!(block_id(n, h)?, first, "nodes disagree at height {h}");
        }
    }
    Ok(())
}

struct Sender {
    chain_id: String,
    key: SecretKey,
    nonce: u64,
    to: AccountId,
}

impl Sender {
    fn next(&mut self) -> Transaction {
        let tx = UnsignedTransaction {
            chain_id: self.chain_id.clone(),
            sender: self.key.public_key(),
            nonce: self.nonce,
            call: Call::Settlement(SettlementCall::Transfer { to: self.to, amount: Fen(1) }),
        }
        .sign(&self.key);
        self.nonce += 1;
        tx
    }

    /// Submits `count` transfers to `via` and waits until `check` has them all committed.
    fn send(&mut self, via: &DevNode, check: &DevNode, count: usize) -> anyhow::Result<()> {
        let mut hashes = Vec::new();
        for _ in 0..count {
            let (code, body) = via.submit(&self.next())?;
            assert_eq!(code, 202, "refused: {body}");
            hashes.push(body["hash"].as_str().unwrap_or_default().to_string());
        }
        check.wait_until(Duration::from_secs(90), |n| {
            Ok(hashes
                .iter()
                .all(|h| n.get(&format!("/api/tx/{h}")).map(|v| v["status"] == "committed").unwrap_or(false)))
        })
    }
}

#[test]
fn four_validators_agree_survive_one_crash_and_stop_without_quorum() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let out = tmp.path().join("net");
    let homes = testnet(&out, 4)?;
    let mut nodes = homes.iter().map(|h| DevNode::start_validator(h)).collect::<anyhow::Result<Vec<_>>>()?;
    let chain_id = nodes[0].get("/api/status")?["chain_id"].as_str().unwrap_or_default().to_string();
    let trader = demo_key(&out, "trader")?;
    let health = demo_key(&out, "health")?;
    let mut sender = Sender { chain_id, key: trader, nonce: 0, to: AccountId::from_public_key(&health.public_key()) };

    // A stream of transfers submitted to different validators reaches the proposers (tx relay).
    for i in 0..4 {
        sender.send(&nodes[i], &nodes[(i + 1) % 4], 5)?;
    }
    let h = height(&nodes[0])?;
    for n in &nodes {
        n.wait_until(Duration::from_secs(30), |n| Ok(height(n)? >= h))?;
    }
    assert_same_chain(&nodes.iter().collect::<Vec<_>>(), h)?;

    // One of four killed: the other three keep committing.
    nodes[3].kill9()?;
    sender.send(&nodes[0], &nodes[1], 10)?;
    let h_without = height(&nodes[0])?;
    assert!(h_without > h, "the three survivors committed");

    // The killed validator restarts and catches up to the same chain.
    nodes[3] = DevNode::start_validator(&homes[3])?;
    nodes[3].wait_until(Duration::from_secs(60), |n| Ok(height(n)? >= h_without))?;
    assert_same_chain(&nodes.iter().collect::<Vec<_>>(), h_without)?;

    // Two of four down: no quorum, so no block is committed, even with transactions pending.
    nodes[2].kill9()?;
    nodes[3].kill9()?;
    std::thread::sleep(Duration::from_secs(2));
    let stalled = height(&nodes[0])?;
    let (code, body) = nodes[0].submit(&sender.next())?;
    assert_eq!(code, 202, "a transaction is still accepted into the mempool: {body}");
    std::thread::sleep(Duration::from_secs(10));
    assert_eq!(height(&nodes[0])?, stalled, "no block without a quorum");
    assert_eq!(height(&nodes[1])?, stalled, "no block without a quorum");

    // One returns: the chain resumes, and the pending transfer is committed.
    nodes[2] = DevNode::start_validator(&homes[2])?;
    nodes[0].wait_until(Duration::from_secs(90), |n| Ok(height(n)? > stalled))?;
    sender.send(&nodes[1], &nodes[2], 3)?;
    let end = height(&nodes[0])?;
    for n in &nodes[..3] {
        n.wait_until(Duration::from_secs(30), |n| Ok(height(n)? >= end))?;
    }
    assert_same_chain(&[&nodes[0], &nodes[1], &nodes[2]], end)?;
    Ok(())
}
