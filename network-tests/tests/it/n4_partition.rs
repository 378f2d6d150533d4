//! Four validators on four hosts (network namespaces joined by a bridge). A 2|2 partition leaves
//! neither side a quorum, so no block is committed anywhere while it lasts, even with
//! transactions pending; healing it resumes the chain with no fork, and every node's ledger then
//! verifies from genesis.
// The determinism rules of clippy.toml (no clock, no HashMap) bind runtime/ and contracts/ only;
// a fault test measures time like an operator would.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use shulian_network_tests::scenario::{Net, QUIET_WINDOW, Scenario, wait_pending, wait_quiet};
use std::time::{Duration, Instant};

#[test]
fn partition_two_two_stops_progress_and_healing_resumes_without_fork() -> anyhow::Result<()> {
    let mut net = Scenario::validators_on_hosts(4).start()?;
    let mut client = net.transfers("trader", "health")?;

    // Connected: transfers sent to every host are committed.
    net.commit_through_each(&mut client, 3, Duration::from_secs(60))?;

    // 2|2: once whatever was in flight has settled, transfers sent to one side stay pending there
    // and the nodes stay quiet: nothing more is committed on any host.
    net.hosts()?.partition(&[&[0, 1], &[2, 3]])?;
    let before = wait_quiet(&net.nodes(), QUIET_WINDOW, Duration::from_secs(60))?;
    let pending = client.send(net.node(0), 2)?;
    pending.iter().for_each(|h| eprintln!("pending during the partition: {h}"));
    wait_pending(&net.some(&[0, 1]), 2, Duration::from_secs(30))?;
    let during = wait_quiet(&net.nodes(), QUIET_WINDOW, Duration::from_secs(60))?;
    assert_eq!(during, before, "a block was committed without a quorum during the 2|2 partition");

    // Healed: the pending transfers are committed and the chain goes on on all four hosts.
    net.hosts()?.heal()?;
    let healed = Instant::now();
    let top = before.iter().copied().max().unwrap_or(0);
    Net::wait_height(&net.nodes(), top + 1, Duration::from_secs(120))?;
    eprintln!("progress resumed {:.1}s after the heal", healed.elapsed().as_secs_f64());
    net.wait_committed(&pending, Duration::from_secs(60))?;
    let more = client.send(net.node(2), 3)?;
    net.wait_committed(&more, Duration::from_secs(60))?;
    let agreed = net.agree(&client.accepted, Duration::from_secs(60))?;
    eprintln!("no fork: {} blocks, {} transactions on every host", agreed.height, agreed.txs);

    net.kill_all()?;
    for verified in net.verify_ledgers()? {
        eprintln!("{verified}");
    }
    Ok(())
}
