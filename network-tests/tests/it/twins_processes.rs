//! Twins as real processes (issue 24): validator 3's home is copied to a fifth host, so two
//! honest `shulian-node` processes sign with one validator key, the way an operator who starts a
//! "backup" copy of a running validator would (or an attacker with its key). A schedule of
//! partitions shows each copy a different part of the network (always one honest validator with
//! the twin, two with the original, so only the original's side has a quorum), switching every few
//! seconds under load; then stalled phases, in which no group has a quorum and each honest
//! validator meets first one copy, then the other, within one round. Then the network heals and
//! the twin is stopped.
//!
//! Safety: the honest validators and the original agree on every block and state root, and every
//! transfer reported committed is in the chain exactly once. Accountability: the copies'
//! conflicting votes end up on chain as equivocation evidence naming validator 3, and nobody else.
//! The in-process sweep of many schedules is `node/consensus/src/twins.rs`; this is its proof on
//! real processes, sockets and disks.
// The determinism rules of clippy.toml (no clock, no HashMap) bind runtime/ and contracts/ only;
// a fault test measures time like an operator would.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use anyhow::Context;
use shulian_network_tests::checker::{Transfers, check_agreement, demo_key, height};
use shulian_network_tests::netns::Hosts;
use shulian_network_tests::scenario::Net;
use shulian_network_tests::{DevNode, log_tail, testnet_on_addrs};
use shulian_runtime::AccountId;
use std::path::Path;
use std::time::{Duration, Instant};

/// The partitions, in turn: (the original's side, the twin's side). Hosts 0-2 are the honest
/// validators, 3 the original validator 3, 4 its twin.
const SCHEDULE: [(&[usize], &[usize]); 3] = [(&[0, 1, 3], &[2, 4]), (&[1, 2, 3], &[0, 4]), (&[0, 2, 3], &[1, 4])];
/// How long each partition lasts.
const SLOT: Duration = Duration::from_secs(3);
/// How many partitions the schedule goes through.
const SLOTS: usize = 3;
/// The stalled phases: (first grouping, second grouping). No group holds a quorum, so every node
/// stays at one height: in the first grouping the twins vote in round 0 apart (one beside the
/// proposer prevotes its block, the other nil after the propose timeout, or each its own block
/// when validator 3 proposes); in the second, each honest validator that heard one twin is put
/// with the other, whose re-sent votes (every status tick) it then receives. Three phases with
/// a different lone validator each, so that the round's proposer is alone in at most some of them.
const STALLS: [[&[&[usize]]; 2]; 3] = [
    [&[&[0, 3], &[1, 4], &[2]], &[&[1, 3], &[0, 4], &[2]]],
    [&[&[1, 3], &[2, 4], &[0]], &[&[2, 3], &[1, 4], &[0]]],
    [&[&[2, 3], &[0, 4], &[1]], &[&[0, 3], &[2, 4], &[1]]],
];
/// How long the first grouping of a stalled phase lasts: past the propose timeout (5 s), so the
/// nil prevotes are cast.
const STALL_VOTE: Duration = Duration::from_secs(6);
/// How long the second lasts: several status ticks (500 ms) of re-sent votes.
const STALL_MEET: Duration = Duration::from_secs(2);
/// How long both copies stay up once the network heals (or until a block is committed).
const HEALED_WITH_TWIN: Duration = Duration::from_secs(5);

/// The twin's home: validator 3's files (its key among them), listening on host 4.
fn make_twin(original: &Path, twin: &Path, addr: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(twin)?;
    for f in ["genesis.json", "validator_key.json", "node_key"] {
        if original.join(f).exists() {
            std::fs::copy(original.join(f), twin.join(f))?;
        }
    }
    let mut cfg: toml::Value = toml::from_str(&std::fs::read_to_string(original.join("config.toml"))?)?;
    let table = cfg.as_table_mut().context("config.toml is not a table")?;
    table.insert("http".into(), format!("{addr}:8645").into());
    table.insert("p2p_listen".into(), format!("/ip4/{addr}/tcp/8646").into());
    std::fs::write(twin.join("config.toml"), toml::to_string(&cfg)?)?;
    Ok(())
}

/// Lines of each node's log printed when the test fails.
const LOG_TAIL: usize = 60;

#[test]
fn twins_of_a_validator_as_processes_never_fork_and_their_equivocation_lands_on_chain() -> anyhow::Result<()> {
    if let Some(why) = Hosts::unavailable_reason() {
        eprintln!("skipped: {why}");
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let result = twins(dir.path());
    if result.is_err() {
        // What the nodes saw, for the failure's report (their folders go with the temporary one).
        let mut logs: Vec<std::path::PathBuf> = std::fs::read_dir(dir.path().join("net"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "log"))
            .collect();
        logs.sort();
        logs.push(dir.path().join("twin.log"));
        for log in logs {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            eprintln!("---- last {LOG_TAIL} lines of {} ----\n{}", log.display(), log_tail(&text, LOG_TAIL));
        }
    }
    result
}

fn twins(dir: &Path) -> anyhow::Result<()> {
    let hosts = Hosts::create(5)?;
    let addrs = hosts.addrs();
    let homes = testnet_on_addrs(&dir.join("net"), &addrs[..4])?;
    let twin_home = dir.join("twin");
    make_twin(&homes[3], &twin_home, &addrs[4])?;
    let key3 = shulian_network_tests::checker::validator_key_of(&homes[3])?;

    let mut nodes: Vec<DevNode> =
        (0..4).map(|k| DevNode::start_validator_on(&hosts, k, &homes[k])).collect::<anyhow::Result<_>>()?;
    let mut twin = DevNode::start_validator_on(&hosts, 4, &twin_home)?;
    // The demo organizations' keys are written next to the homes by `testnet`.
    let keys = homes[0].parent().context("homes' folder")?;
    let to = AccountId::from_public_key(&demo_key(keys, "health")?.public_key());
    let trader = demo_key(keys, "trader")?;
    let from = AccountId::from_public_key(&trader.public_key());
    let mut client = Transfers::new(&nodes[0], trader, to)?;

    let mut committed = Vec::new();
    let started = Instant::now();
    for slot in 0..SLOTS {
        let (original_side, twin_side) = SCHEDULE[slot % SCHEDULE.len()];
        hosts.partition(&[original_side, twin_side])?;
        // Transfers through an honest validator on the side with a quorum; they commit there.
        // Signed from that node's next nonce: a batch sent on an earlier side may not have
        // reached it.
        let via = &nodes[original_side[0]];
        let slot_end = Instant::now() + SLOT;
        client.nonce = via.get(&format!("/api/account/{from}"))?["nonce"].as_u64().context("no nonce")?;
        match client.send(via, 3) {
            Ok(sent) => {
                if shulian_network_tests::checker::wait_committed(via, &sent, SLOT).is_ok() {
                    committed.extend(sent);
                }
            }
            Err(e) => eprintln!("twins: slot {slot}: a transfer was refused ({e:#}); the next slot tries again"),
        }
        std::thread::sleep(slot_end.saturating_duration_since(Instant::now()));
        let heights: Vec<u64> = nodes.iter().chain([&twin]).map(|n| height(n).unwrap_or(0)).collect();
        eprintln!(
            "twins: slot {slot} {original_side:?}|{twin_side:?}: heights {heights:?} (original's side, then twin's)"
        );
    }
    for (phase, [vote, meet]) in STALLS.iter().enumerate() {
        // Healed first, so the network commits and every node starts the same height.
        hosts.heal()?;
        let all: Vec<&DevNode> = nodes.iter().collect();
        let top = all.iter().map(|n| height(n).unwrap_or(0)).max().unwrap_or(0);
        let _ = Net::wait_height(&all, top + 1, HEALED_WITH_TWIN);
        hosts.partition(vote)?;
        std::thread::sleep(STALL_VOTE);
        hosts.partition(meet)?;
        std::thread::sleep(STALL_MEET);
        let heights: Vec<u64> = nodes.iter().chain([&twin]).map(|n| height(n).unwrap_or(0)).collect();
        eprintln!("twins: stalled phase {phase} {vote:?} then {meet:?}: heights {heights:?}");
    }
    // Healed, both copies reach every node for a while: each re-sends its votes of the height,
    // so an honest node that saw one copy's vote of a round now sees the other's too.
    hosts.heal()?;
    let all: Vec<&DevNode> = nodes.iter().collect();
    let top = all.iter().map(|n| height(n).unwrap_or(0)).max().unwrap_or(0);
    let _ = Net::wait_height(&all, top + 1, HEALED_WITH_TWIN);
    twin.kill9()?;
    eprintln!(
        "twins: {SLOTS} partitions and {} stalled phases, then healed, in {:.0} s; the twin stopped",
        STALLS.len(),
        started.elapsed().as_secs_f64()
    );

    // Accountability: the evidence is on chain and names validator 3 only.
    let mut evidence = serde_json::Value::Null;
    nodes[0]
        .wait_until(Duration::from_secs(60), |n| {
            evidence = n.get("/api/evidence")?;
            Ok(evidence["items"].as_array().is_some_and(|a| !a.is_empty()))
        })
        .context("no equivocation evidence on chain after the twins ran")?;
    let items = evidence["items"].as_array().context("no items")?;
    assert!(
        items.iter().all(|i| i["validator"] == key3.as_str()),
        "evidence must name only validator 3 ({key3}): {evidence}"
    );
    eprintln!("twins: {} evidence item(s) on chain, all against validator 3", items.len());

    // Liveness after the heal: transfers commit. Safety: every node (the original included)
    // agrees on every block, and every transfer reported committed is there exactly once.
    client.nonce = nodes[0].get(&format!("/api/account/{from}"))?["nonce"].as_u64().context("no nonce")?;
    let after = client.send(&nodes[0], 3)?;
    shulian_network_tests::checker::wait_committed(&nodes[0], &after, Duration::from_secs(90))?;
    let during = committed.len();
    committed.extend(after);
    let all: Vec<&DevNode> = nodes.iter().collect();
    let agreed = check_agreement(&all, &committed, Duration::from_secs(60))?;
    eprintln!(
        "twins: no fork over {} blocks; {} transfers committed exactly once ({during} during the partitions)",
        agreed.height,
        committed.len()
    );
    for n in &mut nodes {
        n.kill9()?;
    }
    Ok(())
}
