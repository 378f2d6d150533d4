//! Four validator processes on loopback running Tendermint over libp2p: they commit a stream of
//! transfers with identical block hashes and state roots; with one killed the other three go on
//! and the killed one catches up after a restart; with two down nothing is committed (safety over
//! liveness) until one returns.

use shulian_network_tests::checker::{height, metric};
use shulian_network_tests::scenario::{Net, QUIET_WINDOW, Scenario, wait_pending, wait_quiet};
use std::time::Duration;

#[test]
fn four_validators_agree_survive_one_crash_and_stop_without_quorum() -> anyhow::Result<()> {
    let mut net = Scenario::validators(4).start()?;
    let mut sender = net.transfers("trader", "health")?;

    // A stream of transfers submitted to different validators reaches the proposers (tx relay).
    net.commit_through_each(&mut sender, 5, Duration::from_secs(90))?;
    let h = height(net.node(0))?;
    Net::wait_height(&net.nodes(), h, Duration::from_secs(30))?;
    net.agree(&sender.accepted, Duration::from_secs(30))?;

    // A burst of one sender's transfers through one node reaches the others in nonce order: none
    // is refused there as a future nonce (which would leave it to wait for its entry node's turn
    // to propose). Relayed transactions go one message at a time to each peer (network/outbox.rs).
    let burst = sender.send(net.node(0), 100)?;
    net.wait_committed(&burst, Duration::from_secs(90))?;
    for k in 1..4 {
        let future = metric(net.node(k), r#"shulian_relayed_txs_refused_total{code="future_nonce"}"#)?;
        assert_eq!(future, 0.0, "node {k} refused relayed transactions as future nonces");
    }

    // One of four killed: the other three keep committing.
    net.kill(3)?;
    let sent = sender.send(net.node(0), 10)?;
    net.wait_committed(&sent, Duration::from_secs(90))?;
    let h_without = height(net.node(0))?;
    assert!(h_without > h, "the three survivors committed");

    // The killed validator restarts and catches up to the same chain.
    net.restart(3)?;
    Net::wait_height(&net.some(&[3]), h_without, Duration::from_secs(60))?;
    net.agree(&sender.accepted, Duration::from_secs(30))?;

    // Two of four down: no quorum. Once whatever was in flight has settled, a transaction is
    // still accepted into the mempools, and the nodes stay quiet with it pending: no block.
    net.kill(2)?;
    net.kill(3)?;
    let stalled = wait_quiet(&net.live(), QUIET_WINDOW, Duration::from_secs(60))?;
    let (code, body) = net.node(0).submit(&sender.next_tx())?;
    assert_eq!(code, 202, "a transaction is still accepted into the mempool: {body}");
    wait_pending(&net.live(), 1, Duration::from_secs(30))?;
    let during = wait_quiet(&net.live(), QUIET_WINDOW, Duration::from_secs(60))?;
    assert_eq!(during, stalled, "no block without a quorum");

    // One returns: the chain resumes, and the pending transfer is committed.
    net.restart(2)?;
    let top = stalled.iter().copied().max().unwrap_or(0);
    Net::wait_height(&net.some(&[0]), top + 1, Duration::from_secs(90))?;
    let sent = sender.send(net.node(1), 3)?;
    net.wait_committed(&sent, Duration::from_secs(90))?;
    let end = height(net.node(0))?;
    Net::wait_height(&net.live(), end, Duration::from_secs(30))?;
    net.agree(&sender.accepted, Duration::from_secs(30))?;
    Ok(())
}
