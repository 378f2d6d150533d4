//! Four validator processes on loopback running Tendermint over libp2p: they commit a stream of
//! transfers with identical block hashes and state roots; with one killed the other three go on
//! and the killed one catches up after a restart; with two down nothing is committed (safety over
//! liveness) until one returns.

use shulian_network_tests::checker::{Transfers, check_agreement, demo_key, height, wait_committed};
use shulian_network_tests::{DevNode, testnet};
use shulian_runtime::AccountId;
use std::time::Duration;

/// Sends `count` transfers through `via` and waits until `check` has them all committed.
fn send(client: &mut Transfers, via: &DevNode, check: &DevNode, count: usize) -> anyhow::Result<()> {
    let sent = client.send(via, count)?;
    wait_committed(check, &sent, Duration::from_secs(90))
}

#[test]
fn four_validators_agree_survive_one_crash_and_stop_without_quorum() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let out = tmp.path().join("net");
    let homes = testnet(&out, 4)?;
    let mut nodes = homes.iter().map(|h| DevNode::start_validator(h)).collect::<anyhow::Result<Vec<_>>>()?;
    let to = AccountId::from_public_key(&demo_key(&out, "health")?.public_key());
    let mut sender = Transfers::new(&nodes[0], demo_key(&out, "trader")?, to)?;

    // A stream of transfers submitted to different validators reaches the proposers (tx relay).
    for i in 0..4 {
        send(&mut sender, &nodes[i], &nodes[(i + 1) % 4], 5)?;
    }
    let h = height(&nodes[0])?;
    for n in &nodes {
        n.wait_until(Duration::from_secs(30), |n| Ok(height(n)? >= h))?;
    }
    check_agreement(&nodes.iter().collect::<Vec<_>>(), &sender.accepted, Duration::from_secs(30))?;

    // One of four killed: the other three keep committing.
    nodes[3].kill9()?;
    send(&mut sender, &nodes[0], &nodes[1], 10)?;
    let h_without = height(&nodes[0])?;
    assert!(h_without > h, "the three survivors committed");

    // The killed validator restarts and catches up to the same chain.
    nodes[3] = DevNode::start_validator(&homes[3])?;
    nodes[3].wait_until(Duration::from_secs(60), |n| Ok(height(n)? >= h_without))?;
    check_agreement(&nodes.iter().collect::<Vec<_>>(), &sender.accepted, Duration::from_secs(30))?;

    // Two of four down: no quorum, so no block is committed, even with transactions pending.
    nodes[2].kill9()?;
    nodes[3].kill9()?;
    std::thread::sleep(Duration::from_secs(2));
    let stalled = height(&nodes[0])?;
    let (code, body) = nodes[0].submit(&sender.next_tx())?;
    assert_eq!(code, 202, "a transaction is still accepted into the mempool: {body}");
    std::thread::sleep(Duration::from_secs(10));
    assert_eq!(height(&nodes[0])?, stalled, "no block without a quorum");
    assert_eq!(height(&nodes[1])?, stalled, "no block without a quorum");

    // One returns: the chain resumes, and the pending transfer is committed.
    nodes[2] = DevNode::start_validator(&homes[2])?;
    nodes[0].wait_until(Duration::from_secs(90), |n| Ok(height(n)? > stalled))?;
    send(&mut sender, &nodes[1], &nodes[2], 3)?;
    let end = height(&nodes[0])?;
    for n in &nodes[..3] {
        n.wait_until(Duration::from_secs(30), |n| Ok(height(n)? >= end))?;
    }
    check_agreement(&[&nodes[0], &nodes[1], &nodes[2]], &sender.accepted, Duration::from_secs(30))?;
    Ok(())
}
