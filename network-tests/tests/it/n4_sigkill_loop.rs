//! A validator of four is killed with SIGKILL at pseudo-random moments, 8 times in `make test` (20
//! in `make nightly`: `SHULIAN_SIGKILL_ROUNDS`), while transfers
//! flow. After every restart it still has every block it had committed (same hashes), it catches
//! up, and at the end all nodes hold the same chain, every submitted transfer is committed, and no
//! equivocation was ever seen (the double-sign guard held across every crash).

use shulian_network_tests::DevNode;
use shulian_network_tests::checker::{height, wait_committed};
use shulian_network_tests::scenario::{Net, Scenario};
use std::time::Duration;

fn block_hash(n: &DevNode, h: u64) -> anyhow::Result<String> {
    Ok(n.get(&format!("/api/block/{h}"))?["hash"].to_string())
}

#[test]
fn validator_killed_again_and_again_never_double_signs_or_loses_a_block() -> anyhow::Result<()> {
    let rounds: u32 = std::env::var("SHULIAN_SIGKILL_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(8);
    let mut net = Scenario::validators(4).start()?;
    let mut client = net.transfers("trader", "health")?;
    let mut rng = 0x5eed_u64;
    let mut next_rand = move |m: u64| {
        rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (rng >> 33) % m
    };

    for round in 0..rounds {
        let victim = next_rand(4) as usize;
        let via = (victim + 1) % 4;
        // Mempools are not persistent: a client waits for its earlier transfers to be committed
        // before sending later nonces to a node that may have restarted since.
        wait_committed(net.node(via), &client.accepted, Duration::from_secs(60))?;
        client.send(net.node(via), 3).map_err(|e| e.context(format!("round {round}")))?;
        // A pseudo-random moment of the block cycle to crash in (not a wait for anything).
        std::thread::sleep(Duration::from_millis(next_rand(1500)));
        let had = height(net.node(victim))?;
        let had_hash = if had > 0 { Some(block_hash(net.node(victim), had)?) } else { None };
        net.restart(victim)?;
        let back = height(net.node(victim))?;
        assert!(back >= had, "round {round}: validator {victim} lost committed blocks ({had} -> {back})");
        if let Some(h) = had_hash {
            assert_eq!(block_hash(net.node(victim), had)?, h, "round {round}: block {had} changed after a crash");
        }
    }

    wait_committed(net.node(0), &client.accepted, Duration::from_secs(120))?;
    let end = height(net.node(0))?;
    Net::wait_height(&net.nodes(), end, Duration::from_secs(60))?;
    net.agree(&client.accepted, Duration::from_secs(60))?;
    for n in net.nodes() {
        let ev = n.get("/api/evidence")?;
        assert_eq!(ev["items"].as_array().map(Vec::len), Some(0), "equivocation recorded: {ev}");
    }
    Ok(())
}
