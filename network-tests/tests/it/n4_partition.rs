//! Four validators on four hosts (network namespaces joined by a bridge). A 2|2 partition leaves
//! neither side a quorum, so no block is committed anywhere while it lasts, even with
//! transactions pending; healing it resumes the chain with no fork, and every node's ledger then
//! verifies from genesis.
// The determinism rules of clippy.toml (no clock, no HashMap) bind runtime/ and contracts/ only;
// a fault test measures time like an operator would.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use shulian_network_tests::checker::{Transfers, check_agreement, demo_key, height, verify_ledger, wait_committed};
use shulian_network_tests::netns::Hosts;
use shulian_network_tests::{DevNode, testnet_on};
use shulian_runtime::AccountId;
use std::time::{Duration, Instant};

#[test]
fn partition_two_two_stops_progress_and_healing_resumes_without_fork() -> anyhow::Result<()> {
    if let Some(why) = Hosts::unavailable_reason() {
        anyhow::bail!("this test runs validators on separate hosts in network namespaces, and {why}");
    }
    let hosts = Hosts::create(4)?;
    let tmp = tempfile::tempdir()?;
    let out = tmp.path().join("net");
    let homes = testnet_on(&out, &hosts)?;
    let mut nodes = Vec::new();
    for (k, home) in homes.iter().enumerate() {
        nodes.push(DevNode::start_validator_on(&hosts, k, home)?);
    }
    let to = AccountId::from_public_key(&demo_key(&out, "health")?.public_key());
    let mut client = Transfers::new(&nodes[0], demo_key(&out, "trader")?, to)?;

    // Connected: transfers sent to every host are committed.
    for k in 0..4 {
        let sent = client.send(&nodes[k], 3)?;
        wait_committed(&nodes[(k + 1) % 4], &sent, Duration::from_secs(60))?;
    }

    // 2|2: let whatever was in flight settle, then nothing more may be committed on any host.
    hosts.partition(&[&[0, 1], &[2, 3]])?;
    std::thread::sleep(Duration::from_secs(3));
    let before: Vec<u64> = nodes.iter().map(height).collect::<anyhow::Result<_>>()?;
    let pending = client.send(&nodes[0], 2)?;
    pending.iter().for_each(|h| eprintln!("pending during the partition: {h}"));
    std::thread::sleep(Duration::from_secs(12));
    let during: Vec<u64> = nodes.iter().map(height).collect::<anyhow::Result<_>>()?;
    assert_eq!(during, before, "a block was committed without a quorum during the 2|2 partition");

    // Healed: the pending transfers are committed and the chain goes on on all four hosts.
    hosts.heal()?;
    let healed = Instant::now();
    let top = *before.iter().max().unwrap_or(&0);
    for n in &nodes {
        n.wait_until(Duration::from_secs(120), |n| Ok(height(n)? > top))?;
    }
    eprintln!("progress resumed {:.1}s after the heal", healed.elapsed().as_secs_f64());
    wait_committed(&nodes[3], &pending, Duration::from_secs(60))?;
    let more = client.send(&nodes[2], 3)?;
    wait_committed(&nodes[1], &more, Duration::from_secs(60))?;
    let agreed = check_agreement(&nodes.iter().collect::<Vec<_>>(), &client.accepted, Duration::from_secs(60))?;
    eprintln!("no fork: {} blocks, {} transactions on every host", agreed.height, agreed.txs);

    for n in &mut nodes {
        n.kill9()?;
    }
    for home in &homes {
        eprintln!("{}", verify_ledger(home)?);
    }
    Ok(())
}
