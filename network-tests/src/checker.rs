//! What every fault scenario must end with, checked on the nodes themselves: the same block hash
//! and state root at every height on every node (no fork), every transaction a client saw
//! committed in the chain exactly once, and every node's ledger verifying from genesis
//! (`shulian-node verify`: commit certificates, signatures and re-executed state roots).
//!
//! Also the client side of a scenario: a steady stream of transfers whose hashes are remembered.

use crate::{DevNode, binary};
use anyhow::{Context, bail};
use shulian_runtime::call::{Call, SettlementCall};
use shulian_runtime::keyfile::KeyFile;
use shulian_runtime::{AccountId, Fen, SecretKey, Transaction, UnsignedTransaction};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Height of a node's head.
pub fn height(n: &DevNode) -> anyhow::Result<u64> {
    n.get("/api/status")?["height"].as_u64().context("status has no height")
}

/// Loads demo organization `name`'s key from a network's `keys/` folder (passphrase "dev").
pub fn demo_key(out: &Path, name: &str) -> anyhow::Result<SecretKey> {
    let text = std::fs::read_to_string(out.join("keys").join(format!("{name}.json")))?;
    let f: KeyFile = serde_json::from_str(&text)?;
    Ok(f.decrypt("dev")?)
}

/// The validator public key (hex, as the API prints it) in a home's `validator_key.json`.
pub fn validator_key_of(home: &Path) -> anyhow::Result<String> {
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(home.join("validator_key.json"))?)?;
    v["public_key"].as_str().map(str::to_string).context("no public key")
}

/// The value of one series of `node`'s `/metrics`, written as Prometheus writes it (e.g.
/// `shulian_relayed_txs_refused_total{code="future_nonce"}`); 0 if the node has no such series
/// yet (a labelled counter appears at its first increment).
pub fn metric(node: &DevNode, series: &str) -> anyhow::Result<f64> {
    let (code, text) = crate::request(&format!("{}/metrics", node.url), None)?;
    anyhow::ensure!(code == 200, "{}/metrics answered {code}", node.url);
    let text = text.as_str().context("/metrics is not text")?;
    match crate::phases::series(text).find(|(name, _)| *name == series) {
        Some((_, value)) => value.trim().parse().with_context(|| format!("{series}: not a number: {value}")),
        None => Ok(0.0),
    }
}

/// Waits until `node` reports every transaction in `hashes` as committed.
pub fn wait_committed(node: &DevNode, hashes: &[String], timeout: Duration) -> anyhow::Result<()> {
    node.wait_until(timeout, |n| {
        Ok(hashes.iter().all(|h| n.get(&format!("/api/tx/{h}")).map(|v| v["status"] == "committed").unwrap_or(false)))
    })
    .with_context(|| format!("not all of {} transactions were committed on {}", hashes.len(), node.url))
}

/// A client sending 1-fen transfers from one account, with consecutive nonces.
pub struct Transfers {
    chain_id: String,
    key: SecretKey,
    to: AccountId,
    /// Next nonce to use.
    pub nonce: u64,
    /// Hashes of every transfer a node accepted, in order.
    pub accepted: Vec<String>,
}

impl Transfers {
    /// Transfers from `key` to `to` on the chain `node` serves.
    pub fn new(node: &DevNode, key: SecretKey, to: AccountId) -> anyhow::Result<Transfers> {
        let chain_id = node.get("/api/status")?["chain_id"].as_str().context("no chain id")?.to_string();
        Ok(Transfers { chain_id, key, to, nonce: 0, accepted: Vec::new() })
    }

    /// The next transfer (consumes a nonce).
    pub fn next_tx(&mut self) -> Transaction {
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

    /// Submits `count` transfers to `via`; each must be accepted (202). Returns their hashes.
    pub fn send(&mut self, via: &DevNode, count: usize) -> anyhow::Result<Vec<String>> {
        let mut hashes = Vec::new();
        for _ in 0..count {
            let (code, body) = via.submit(&self.next_tx())?;
            if code != 202 {
                bail!("{} refused a transfer: {code} {body}", via.url);
            }
            let h = body["hash"].as_str().context("accepted without a hash")?.to_string();
            self.accepted.push(h.clone());
            hashes.push(h);
        }
        Ok(hashes)
    }
}

/// What [`check_agreement`] saw.
#[derive(Debug)]
pub struct Agreement {
    /// Common height checked on every node.
    pub height: u64,
    /// Transactions in blocks 1..=height.
    pub txs: usize,
}

/// Checks that the nodes hold one chain: each reaches the height of the highest (within
/// `timeout`), every height has the same block hash and state root on every node, no
/// transaction appears twice, and every hash in `committed` appears exactly once.
///
/// A node that started from a state snapshot (or prunes old bodies) is compared from the
/// lowest block it holds (`earliest_block_height` in its status); the transactions are counted
/// on a node that holds every block, of which there must be one.
pub fn check_agreement(nodes: &[&DevNode], committed: &[String], timeout: Duration) -> anyhow::Result<Agreement> {
    let mut top = 0;
    for n in nodes {
        top = top.max(height(n)?);
    }
    let mut earliest = Vec::with_capacity(nodes.len());
    for n in nodes {
        n.wait_until(timeout, |n| Ok(height(n)? >= top))
            .with_context(|| format!("{} did not reach height {top}", n.url))?;
        earliest.push(n.get("/api/status")?["earliest_block_height"].as_u64().unwrap_or(1));
    }
    let whole = earliest.iter().position(|&e| e <= 1).context("no node holds every block from genesis")?;
    let first = nodes[whole];
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    for h in 1..=top {
        let b = first.get(&format!("/api/block/{h}"))?;
        let id = (b["hash"].clone(), b["header"]["state_root"].clone());
        for (k, n) in nodes.iter().enumerate() {
            if k == whole || h < earliest[k] {
                continue;
            }
            let o = n.get(&format!("/api/block/{h}"))?;
            if (o["hash"].clone(), o["header"]["state_root"].clone()) != id {
                bail!("fork at height {h}: {} has {}, {} has {}", first.url, id.0, n.url, o["hash"]);
            }
        }
        for tx in b["txs"].as_array().context("block has no txs array")? {
            let hash = tx["hash"].as_str().context("tx without hash")?.to_string();
            if let Some(at) = seen.insert(hash.clone(), h) {
                bail!("transaction {hash} is in block {at} and again in block {h}");
            }
        }
    }
    for c in committed {
        if !seen.contains_key(c) {
            bail!("transaction {c}, seen committed by a client, is not in blocks 1..={top}");
        }
    }
    Ok(Agreement { height: top, txs: seen.len() })
}

/// Runs `shulian-node verify` on a stopped node's home: its whole ledger replays from genesis.
pub fn verify_ledger(home: &Path) -> anyhow::Result<String> {
    let out = Command::new(binary("shulian-node")?).args(["verify", "--home"]).arg(home).output()?;
    let stdout = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() {
        bail!("ledger of {} does not verify: {}{}", home.display(), stdout, String::from_utf8_lossy(&out.stderr));
    }
    Ok(stdout)
}
