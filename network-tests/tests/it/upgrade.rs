//! A scheduled protocol upgrade (issue 20): governance schedules version 2 at a height; every
//! node, running version 1, stops cleanly before that block with a message naming the version it
//! needs; started again as a release that runs version 2 (the rehearsal switch
//! `SHULIAN_REHEARSE_PROTOCOL_VERSION`), the network continues from where it stopped, and nothing
//! committed before is lost.

use anyhow::{Context, ensure};
use shulian_network_tests::binary;
use shulian_network_tests::checker::height;
use shulian_network_tests::scenario::Scenario;
use shulian_network_tests::wallet::succeeded;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(90);

#[test]
fn nodes_stop_at_a_scheduled_upgrade_and_the_new_version_continues() -> anyhow::Result<()> {
    let mut net = Scenario::validators(4).start()?;
    let mut client = net.transfers("transport", "trader")?;
    let sent = client.send(net.node(0), 5)?;
    net.wait_committed(&sent, WAIT)?;
    let at = net.max_height() + 12;
    let at_text = at.to_string();
    let proposed =
        net.wallet(&["org", "propose-upgrade", "--from", "exchange", "--version", "2", "--height", &at_text])?;
    let proposal = proposed["proposal_id"].as_str().context("no proposal id")?.to_string();
    succeeded(net.node(0), &["org", "vote", "--from", "exchange", "--proposal", &proposal, "--approve"])?;
    let before = client.send(net.node(1), 3)?;
    // Every node stops before block `at`. One that had not received block `at - 1` when the
    // others stopped gets it by block sync once they run the new version, and stops then.
    let mut running: Vec<usize> = (0..4).collect();
    // Polled every 100 ms for at most WAIT.
    let mut polls = WAIT.as_millis() / 100;
    while !running.is_empty() {
        ensure!(polls > 0, "nodes {running:?} never stopped for the upgrade");
        polls -= 1;
        for k in running.clone() {
            let Some(status) = net.node_mut(k).exited()? else { continue };
            ensure!(!status.success(), "node {k} stopped with success at an upgrade it cannot run");
            let log = net.node(k).log();
            ensure!(
                log.contains(&format!("block {at} needs protocol version 2, this node runs version 1")),
                "node {k} did not say which version it needs:\n{log}"
            );
            // Stopped before the block of the new version: everything below it is stored.
            net.set_binary(k, "shulian-node", &[("SHULIAN_REHEARSE_PROTOCOL_VERSION", "2")]);
            net.restart(k)?;
            let h = height(net.node(k))?;
            ensure!(h + 1 >= at, "node {k} restarted at height {h}, below the last block before the upgrade");
            running.retain(|r| *r != k);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    net.wait_committed(&before, WAIT)?;
    let after = client.send(net.node(2), 3)?;
    net.wait_committed(&after, WAIT)?;
    let head = net.agree(&client.accepted, WAIT)?.height;
    ensure!(head >= at, "the network continued past the upgrade height {at}: head {head}");
    let b = net.node(0).get(&format!("/api/block/{at}"))?;
    ensure!(b["header"]["protocol_version"] == 2, "block {at} carries version 2: {b}");
    let b = net.node(0).get(&format!("/api/block/{}", at - 1))?;
    ensure!(b["header"]["protocol_version"] == 1, "block {} carries version 1: {b}", at - 1);
    net.kill_all()?;
    for home in net.homes() {
        // The old release refuses to replay past the upgrade; the new one replays every block.
        let verify = |envs: &[(&str, &str)]| -> anyhow::Result<std::process::Output> {
            let mut cmd = std::process::Command::new(binary("shulian-node")?);
            Ok(cmd
                .args(["verify", "--home"])
                .arg(home)
                .env_remove("SHULIAN_REHEARSE_PROTOCOL_VERSION")
                .envs(envs.iter().copied())
                .output()?)
        };
        let old = verify(&[])?;
        ensure!(!old.status.success(), "version 1 replayed blocks of version 2");
        let new = verify(&[("SHULIAN_REHEARSE_PROTOCOL_VERSION", "2")])?;
        let out = String::from_utf8_lossy(&new.stdout);
        ensure!(
            new.status.success() && out.contains("ledger verified from genesis"),
            "{out}{}",
            String::from_utf8_lossy(&new.stderr)
        );
    }
    Ok(())
}
