//! Network attacks of issue 18, each from the test-only `shulian-node-byzantine` binary: a flood
//! of junk relayed-transaction messages (from validator 3 of 4, and from an allow-listed observer),
//! forged block-sync answers, and head announcements far above the attacker's real head. Under
//! each, the honest validators keep committing, stay under the memory bound and agree on every
//! block ([`attack::survive`]). For the two sync attacks, a node that must catch up (an honest
//! observer, stopped while the chain grows) and can reach only the attacker bans it, then catches
//! up from the honest validators once they are back.

use anyhow::Context;
use shulian_network_tests::attack::{self, Attacker};
use shulian_network_tests::binary;
use shulian_network_tests::checker::{check_agreement, height, wait_committed};
use shulian_network_tests::scenario::{Net, Scenario};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Blocks the chain grows while the honest observer is stopped: more than one probe of
/// `sync::PROBE_BLOCKS` (4) and one full batch, so the lying-heads attacker (which serves its
/// real blocks) is asked past them.
const BEHIND_BY: u64 = 16;
/// How long a step (blocks made, a node catching up, a log line) may take.
const STEP: Duration = Duration::from_secs(120);
/// What an honest node logs when it bans a peer (`network::task`).
const BANNED: &str = "banned a peer that served invalid data";

/// What an honest node logs, every `network::stats::LOG_EVERY` while they change, about what it
/// dropped or refused.
const STATS: &str = "messages dropped or refused";

fn survive(mode: &str, attacker: Attacker) -> anyhow::Result<Net> {
    let (net, s) = attack::survive(mode, attacker)?;
    eprintln!("{mode} from {attacker:?}: {s:?}");
    assert!(s.height > 0 && s.txs > 0, "{mode}: the honest validators committed blocks and transfers: {s:?}");
    Ok(net)
}

/// The flood reached every honest validator and was refused there, not queued: its log counts
/// refused messages (the oversized ones, refused by their type's cap before their body is read).
fn flood_refused(net: &Net, attacker: Attacker) -> anyhow::Result<()> {
    for n in attack::honest(net, attacker) {
        let log = n.home.with_extension("log");
        n.wait_until(STEP, |_| {
            let text = std::fs::read_to_string(&log)?;
            Ok(text.lines().any(|l| l.contains(STATS) && !l.contains("messages_refused: 0,")))
        })
        .with_context(|| format!("{} did not count the flood as refused", n.url))?;
        let text = std::fs::read_to_string(&log)?;
        eprintln!("{}: {}", n.url, text.lines().rev().find(|l| l.contains(STATS)).unwrap_or_default());
    }
    Ok(())
}

#[test]
fn a_validator_flooding_junk_transactions_cannot_stop_the_honest_three() -> anyhow::Result<()> {
    let net = survive("tx-flood", Attacker::Validator)?;
    flood_refused(&net, Attacker::Validator)
}

#[test]
fn an_observer_flooding_junk_transactions_cannot_stop_the_validators() -> anyhow::Result<()> {
    let net = survive("tx-flood", Attacker::Observer)?;
    flood_refused(&net, Attacker::Observer)
}

#[test]
fn a_validator_forging_sync_answers_cannot_stop_the_honest_three() -> anyhow::Result<()> {
    survive("forged-sync", Attacker::Validator).map(drop)
}

#[test]
fn a_validator_lying_about_its_head_cannot_stop_the_honest_three() -> anyhow::Result<()> {
    survive("lying-heads", Attacker::Validator).map(drop)
}

#[test]
fn a_node_catching_up_bans_a_forged_sync_server_and_catches_up() -> anyhow::Result<()> {
    catch_up_past("forged-sync")
}

#[test]
fn a_node_catching_up_bans_a_peer_lying_about_its_head_and_catches_up() -> anyhow::Result<()> {
    catch_up_past("lying-heads")
}

/// Validator 3 attacks with `mode`; an honest observer (node 4) is stopped while the chain grows
/// by [`BEHIND_BY`] blocks. Then the honest validators are stopped too, and the observer started
/// again: the attacker is the only peer it can sync from, and it must find the attacker out and
/// ban it. Then the honest validators come back, and the observer catches up from them and agrees
/// with them on every block.
fn catch_up_past(mode: &str) -> anyhow::Result<()> {
    let mut net = Scenario::validators(4)
        .with_binary(3, "shulian-node-byzantine", &[("SHULIAN_BYZANTINE", mode)])
        .with_observer("shulian-node", &[])
        .start()?;
    let result = catch_up_in(&mut net, mode);
    if result.is_err() {
        // The folder goes with the Net: show what the nodes said about sync and bans first.
        for k in 0..5 {
            let text = std::fs::read_to_string(net.home(k).with_extension("log")).unwrap_or_default();
            let lines: Vec<&str> =
                text.lines().filter(|l| l.contains("sync") || l.contains("ban") || l.contains("ERROR")).collect();
            eprintln!("--- node {k} ---\n{}", lines[lines.len().saturating_sub(30)..].join("\n"));
            if let Ok(dir) = std::env::var("SHULIAN_KEEP_LOGS") {
                let _ = std::fs::write(Path::new(&dir).join(format!("{mode}-{k}.log")), &text);
            }
        }
    }
    result
}

fn catch_up_in(net: &mut Net, mode: &str) -> anyhow::Result<()> {
    let attacker = peer_id(net.home(3))?;
    net.kill(4)?;
    let mut client = net.transfers("transport", "trader")?;
    let target = {
        let honest = net.some(&[0, 1, 2]);
        let start =
            honest.iter().map(|n| height(n)).collect::<anyhow::Result<Vec<_>>>()?.into_iter().max().unwrap_or(0);
        while honest.iter().map(|n| height(n)).collect::<anyhow::Result<Vec<_>>>()?.into_iter().min().unwrap_or(0)
            < start + BEHIND_BY
        {
            let sent = client.send(honest[0], 5)?;
            for n in &honest {
                wait_committed(n, &sent, STEP).context("transfers while the observer is stopped")?;
            }
        }
        height(honest[0])?
    };

    // Only the attacker is up when the observer comes back.
    for k in 0..3 {
        net.kill(k)?;
    }
    net.restart(4)?;
    let log = net.home(4).with_extension("log");
    net.node(4)
        .wait_until(STEP, |_| {
            let text = std::fs::read_to_string(&log)?;
            Ok(text.lines().any(|l| l.contains(BANNED) && l.contains(&attacker)))
        })
        .context("the observer did not ban the attacker")?;

    for k in 0..3 {
        net.restart(k)?;
    }
    let observer = net.node(4);
    Net::wait_height(&[observer], target, STEP).context("the observer did not catch up")?;
    let mut nodes = net.some(&[0, 1, 2]);
    nodes.push(observer);
    check_agreement(&nodes, &client.accepted, STEP)?;
    let text = std::fs::read_to_string(&log)?;
    let honest_ids = (0..3).map(|k| peer_id(net.home(k))).collect::<anyhow::Result<Vec<_>>>()?;
    for id in &honest_ids {
        assert!(
            !text.lines().any(|l| l.contains(BANNED) && l.contains(id.as_str())),
            "{mode}: the observer banned honest validator {id}"
        );
    }
    Ok(())
}

/// A node's libp2p peer id (`shulian-node peer-id`).
fn peer_id(home: &Path) -> anyhow::Result<String> {
    let out = Command::new(binary("shulian-node")?).arg("peer-id").arg("--home").arg(home).output()?;
    anyhow::ensure!(out.status.success(), "peer-id failed: {}", String::from_utf8_lossy(&out.stderr));
    Ok(String::from_utf8(out.stdout)?.trim().to_string())
}
