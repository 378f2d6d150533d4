//! The dev node as a separate process: 100 transfers through the API, SIGKILL, restart; the chain
//! comes back at the same height and state root with the same balances, and money is conserved.

use serde_json::Value;
use shulian_network_tests::DevNode;
use shulian_network_tests::scenario::Scenario;
use shulian_runtime::{AccountId, Fen, SecretKey};
use std::collections::BTreeMap;
use std::time::Duration;

const DEMO: [&str; 5] = ["transport", "health", "exchange", "trader", "regulator"];

fn balances(node: &DevNode, accounts: &[AccountId]) -> anyhow::Result<BTreeMap<String, u64>> {
    let mut m = BTreeMap::new();
    for a in accounts {
        let v = node.get(&format!("/api/account/{a}"))?;
        m.insert(a.to_string(), v["balance"].as_u64().unwrap_or(u64::MAX));
    }
    Ok(m)
}

fn transfer(chain_id: &str, key: &SecretKey, nonce: u64, to: AccountId, amount: u64) -> shulian_runtime::Transaction {
    shulian_runtime::test_utils::transfer(chain_id, key, nonce, to, Fen(amount))
}

#[test]
fn hundred_transfers_survive_sigkill_and_restart() -> anyhow::Result<()> {
    let mut net = Scenario::dev().start()?;
    let node = net.node(0);
    let status = node.get("/api/status")?;
    let chain_id = status["chain_id"].as_str().unwrap_or_default().to_string();
    let keys: Vec<SecretKey> = DEMO.iter().map(|n| node.demo_key(n)).collect::<anyhow::Result<_>>()?;
    let accounts: Vec<AccountId> = keys.iter().map(|k| AccountId::from_public_key(&k.public_key())).collect();
    let before = balances(node, &accounts)?;
    let total: u64 = before.values().sum();

    // 100 transfers among the four funded organizations, nonces counted locally.
    let mut nonces = [0u64; 4];
    let mut hashes = vec![];
    let mut first = None;
    for i in 0..100usize {
        let from = i % 4;
        let to = (i + 1 + i / 4) % 4;
        let to = if to == from { (to + 1) % 4 } else { to };
        let tx = transfer(&chain_id, &keys[from], nonces[from], accounts[to], 1 + i as u64 * 7);
        nonces[from] += 1;
        let (code, body) = node.submit(&tx)?;
        assert_eq!(code, 202, "transfer {i} refused: {body}");
        hashes.push(body["hash"].as_str().unwrap_or_default().to_string());
        first.get_or_insert(tx);
    }
    node.wait_until(Duration::from_secs(60), |n| {
        Ok(hashes.iter().all(|h| n.get(&format!("/api/tx/{h}")).map(|v| v["status"] == "committed").unwrap_or(false)))
    })?;
    for h in &hashes {
        let v = node.get(&format!("/api/tx/{h}"))?;
        assert_eq!(v["outcome"]["status"], "success", "{v}");
    }
    // A replay of an already committed transaction is refused and never enters a block.
    let (code, body) = node.submit(first.as_ref().ok_or_else(|| anyhow::anyhow!("no tx"))?)?;
    assert_eq!((code, body["error"]["code"].as_str()), (400, Some("stale_nonce")), "{body}");

    let st: Value = node.get("/api/status")?;
    let height = st["height"].as_u64().unwrap_or(0);
    let root = st["state_root"].clone();
    // Pacing (docs/consensus.md, "Timing"): a proposer proposes `block_interval_ms` (200 unless
    // config.toml says otherwise) after the previous block's timestamp at the earliest, so blocks
    // are at least that far apart in ledger time, busy or idle.
    let config = std::fs::read_to_string(node.home.join("config.toml"))?;
    let interval: u64 = config
        .lines()
        .find_map(|l| {
            l.strip_prefix("block_interval_ms").and_then(|v| v.trim_start_matches([' ', '=']).trim().parse().ok())
        })
        .unwrap_or(200);
    let times: Vec<u64> = (1..=height)
        .map(|h| Ok(node.get(&format!("/api/block/{h}"))?["header"]["timestamp_ms"].as_u64().unwrap_or(0)))
        .collect::<anyhow::Result<_>>()?;
    for (h, pair) in (2..).zip(times.windows(2)) {
        assert!(
            pair[1] >= pair[0] + interval,
            "block {h} is {} ms after its parent, under {interval}",
            pair[1] - pair[0]
        );
    }
    let block_hash = node.get(&format!("/api/block/{height}"))?["hash"].clone();
    let after = balances(node, &accounts)?;
    assert_ne!(before, after, "transfers changed balances");
    assert_eq!(after.values().sum::<u64>(), total, "money is conserved");

    // A client can prove a balance against the state root without trusting the node.
    let key = [b"settlement/balance/".as_slice(), &accounts[1].0].concat();
    let p = node.get(&format!("/api/proof/{}", hex::encode(&key)))?;
    let proof: shulian_runtime::smt::Proof = serde_json::from_value(p["proof"].clone())?;
    let proven_root: shulian_runtime::Hash = serde_json::from_value(p["state_root"].clone())?;
    let value = hex::decode(p["value"].as_str().unwrap_or_default())?;
    assert_eq!(proof.verify(&proven_root, &key, &value), Ok(()));
    let balance: u64 = borsh::from_slice(&value)?;
    assert_eq!(Some(&balance), after.get(&accounts[1].to_string()), "the proven value is the balance");
    let mut tampered = value.clone();
    tampered[0] ^= 1;
    assert!(proof.verify(&proven_root, &key, &tampered).is_err(), "a tampered value does not verify");

    net.restart(0)?;
    let node = net.node(0);
    let st2 = node.get("/api/status")?;
    assert!(st2["height"].as_u64().unwrap_or(0) >= height, "restart resumes at the last committed height: {st2}");
    assert_eq!(st2["state_root"], root, "same state root after restart (only empty blocks may follow)");
    assert_eq!(node.get(&format!("/api/block/{height}"))?["hash"], block_hash, "same block at that height");
    assert_eq!(balances(node, &accounts)?, after, "same balances after restart");
    for h in &hashes {
        assert_eq!(node.get(&format!("/api/tx/{h}"))?["status"], "committed");
    }
    // The chain goes on from where it was: the next nonce is the one after the 100 transfers.
    let next = node.get(&format!("/api/account/{}", accounts[0]))?["nonce"].as_u64();
    assert_eq!(next, Some(nonces[0]));
    let (code, body) = node.submit(&transfer(&chain_id, &keys[0], nonces[0], accounts[1], 5))?;
    assert_eq!(code, 202, "{body}");
    Ok(())
}
