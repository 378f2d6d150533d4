//! A validator of four is killed with SIGKILL at pseudo-random moments, 20 times, while transfers
//! flow. After every restart it still has every block it had committed (same hashes), it catches
//! up, and at the end all nodes hold the same chain, every submitted transfer is committed, and no
//! equivocation was ever seen (the double-sign guard held across every crash).

use shulian_network_tests::checker::{height, wait_committed};
use shulian_network_tests::{DevNode, testnet};
use shulian_runtime::call::{Call, SettlementCall};
use shulian_runtime::keyfile::KeyFile;
use shulian_runtime::{AccountId, Fen, UnsignedTransaction};
use std::time::Duration;

fn block_hash(n: &DevNode, h: u64) -> anyhow::Result<String> {
    Ok(n.get(&format!("/api/block/{h}"))?["hash"].to_string())
}

#[test]
fn validator_killed_twenty_times_never_double_signs_or_loses_a_block() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let out = tmp.path().join("net");
    let homes = testnet(&out, 4)?;
    let mut nodes = homes.iter().map(|h| DevNode::start_validator(h)).collect::<anyhow::Result<Vec<_>>>()?;
    let chain_id = nodes[0].get("/api/status")?["chain_id"].as_str().unwrap_or_default().to_string();
    let key_file: KeyFile = serde_json::from_str(&std::fs::read_to_string(out.join("keys/trader.json"))?)?;
    let key = key_file.decrypt("dev")?;
    let to = AccountId([7; 32]);
    let mut nonce = 0u64;
    let mut hashes = Vec::new();
    let mut rng = 0x5eed_u64;
    let mut next_rand = move |m: u64| {
        rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (rng >> 33) % m
    };

    for round in 0..20 {
        let victim = next_rand(4) as usize;
        let via = (victim + 1) % 4;
        // Mempools are not persistent: a client waits for its earlier transfers to be committed
        // before sending later nonces to a node that may have restarted since.
        wait_committed(&nodes[via], &hashes, Duration::from_secs(60))?;
        for _ in 0..3 {
            let tx = UnsignedTransaction {
                chain_id: chain_id.clone(),
                sender: key.public_key(),
                nonce,
                call: Call::Settlement(SettlementCall::Transfer { to, amount: Fen(1) }),
            }
            .sign(&key);
            let (code, body) = nodes[via].submit(&tx)?;
            assert_eq!(code, 202, "round {round}: refused: {body}");
            hashes.push(body["hash"].as_str().unwrap_or_default().to_string());
            nonce += 1;
        }
        std::thread::sleep(Duration::from_millis(next_rand(1500)));
        let had = height(&nodes[victim])?;
        let had_hash = if had > 0 { Some(block_hash(&nodes[victim], had)?) } else { None };
        nodes[victim].kill9()?;
        nodes[victim] = DevNode::start_validator(&homes[victim])?;
        let back = height(&nodes[victim])?;
        assert!(back >= had, "round {round}: validator {victim} lost committed blocks ({had} -> {back})");
        if let Some(h) = had_hash {
            assert_eq!(block_hash(&nodes[victim], had)?, h, "round {round}: block {had} changed after a crash");
        }
    }

    wait_committed(&nodes[0], &hashes, Duration::from_secs(120))?;
    let end = height(&nodes[0])?;
    for n in &nodes {
        n.wait_until(Duration::from_secs(60), |n| Ok(height(n)? >= end))?;
    }
    for h in 1..=end {
        let first = block_hash(&nodes[0], h)?;
        for n in &nodes[1..] {
            assert_eq!(block_hash(n, h)?, first, "fork at height {h}");
        }
    }
    for n in &nodes {
        let ev = n.get("/api/evidence")?;
        assert_eq!(ev["items"].as_array().map(Vec::len), Some(0), "equivocation recorded: {ev}");
    }
    Ok(())
}
