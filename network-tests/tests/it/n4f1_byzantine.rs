//! n = 4, f = 1: validator 3 runs the test-only `shulian-node-byzantine` binary, which next to
//! every honest message equivocates (a second, validly signed vote for a block nobody has; a
//! second proposal with another block when it proposes), sends votes with broken signatures and
//! floods junk votes. The honest three agree on every block hash and state root (safety), keep
//! committing blocks and transactions (liveness with f = 1), and record the equivocation on
//! chain: `/api/evidence` names the Byzantine validator.

use anyhow::Context;
use shulian_network_tests::DevNode;
use shulian_network_tests::checker::{height, wait_committed};
use shulian_network_tests::scenario::{Net, Scenario};
use std::time::Duration;

fn block_id(n: &DevNode, h: u64) -> anyhow::Result<(String, String)> {
    let b = n.get(&format!("/api/block/{h}"))?;
    Ok((b["hash"].to_string(), b["header"]["state_root"].to_string()))
}

#[test]
fn one_byzantine_of_four_cannot_break_safety_or_stop_the_chain_and_is_recorded() -> anyhow::Result<()> {
    let net =
        Scenario::validators(4).with_binary(3, "shulian-node-byzantine", &[("SHULIAN_BYZANTINE", "all")]).start()?;
    let byzantine_key = shulian_network_tests::checker::validator_key_of(net.home(3))?;
    let honest = net.some(&[0, 1, 2]);

    // Liveness: transactions sent to the honest nodes are committed while validator 3 misbehaves.
    // One node takes an account's consecutive nonces (another may not have the earlier ones
    // relayed yet and would refuse a future nonce); relay carries them to the proposers.
    let mut client = net.transfers("transport", "trader")?;
    let hashes = client.send(honest[0], 6)?;
    for n in &honest {
        wait_committed(n, &hashes, Duration::from_secs(90))?;
    }

    // Accountability: the equivocation lands on chain and names validator 3.
    let mut evidence = serde_json::Value::Null;
    honest[0].wait_until(Duration::from_secs(60), |n| {
        evidence = n.get("/api/evidence")?;
        Ok(evidence["items"].as_array().is_some_and(|a| !a.is_empty()))
    })?;
    let items = evidence["items"].as_array().context("no items")?;
    assert!(
        items.iter().all(|i| i["validator"] == byzantine_key.as_str()),
        "evidence must name only the Byzantine validator {byzantine_key}: {evidence}"
    );
    assert_ne!(items[0]["vote_a"], items[0]["vote_b"], "two different votes");

    // The honest nodes keep committing blocks after the evidence, through heights where the
    // Byzantine validator is the proposer.
    let start = honest.iter().map(|n| height(n)).collect::<anyhow::Result<Vec<_>>>()?.into_iter().max().unwrap_or(0);
    Net::wait_height(&honest, start + 4, Duration::from_secs(90))?;

    // Safety: the honest three agree on every block.
    let upto = honest.iter().map(|n| height(n)).collect::<anyhow::Result<Vec<_>>>()?.into_iter().min().unwrap_or(0);
    for h in 1..=upto {
        let first = block_id(honest[0], h)?;
        for n in &honest[1..] {
            assert_eq!(block_id(n, h)?, first, "honest validators disagree at height {h}");
        }
    }
    Ok(())
}
