//! n = 4, f = 1, validator 3 attacks consensus itself (`shulian-node-byzantine`), one mode per
//! test: junk proposals and votes for thousands of future rounds, blocks over the size rules, and
//! blocks dated an hour ahead (`docs/consensus.md`, "Block limits and bounded consensus state").
//! [`survive`] checks that the honest three keep committing, stay under the memory bound and agree
//! on every block; each test then checks from the honest nodes' ledgers and logs that the attack
//! reached them and got nowhere.

use anyhow::Context;
use serde_json::Value;
use shulian_network_tests::DevNode;
use shulian_network_tests::attack::{Attacker, honest, survive};
use shulian_network_tests::scenario::Net;
use std::time::Duration;

/// What the honest ledger shows of blocks 1..=`upto`: (proposer, certificate round, timestamp,
/// transaction count) of each.
fn blocks(n: &DevNode, upto: u64) -> anyhow::Result<Vec<(String, u64, u64, usize)>> {
    (1..=upto)
        .map(|h| {
            let b: Value = n.get(&format!("/api/block/{h}"))?;
            let proposer = b["header"]["proposer"].as_str().context("no proposer")?.to_string();
            let round = b["certificate"]["round"].as_u64().context("no certificate round")?;
            let ts = b["header"]["timestamp_ms"].as_u64().context("no timestamp")?;
            let txs = b["txs"].as_array().map_or(0, Vec::len);
            Ok((proposer, round, ts, txs))
        })
        .collect()
}

/// Whether honest validator `k`'s log has a line containing `text`.
fn log_has(net: &Net, k: usize, text: &str) -> anyhow::Result<bool> {
    let log = std::fs::read_to_string(net.home(k).with_extension("log"))?;
    Ok(log.lines().any(|l| l.contains(text)))
}

/// Whether validator `k`'s log shows `text` within `within` (the network keeps running).
#[expect(clippy::disallowed_methods, reason = "a test waits for a log line like an operator would")]
fn log_eventually(net: &Net, k: usize, text: &str, within: Duration) -> anyhow::Result<bool> {
    let deadline = std::time::Instant::now() + within;
    loop {
        if log_has(net, k, text)? {
            return Ok(true);
        }
        if std::time::Instant::now() > deadline {
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[expect(clippy::disallowed_methods, reason = "ledger time is compared with the machine's clock")]
fn wall_clock_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

#[test]
fn junk_for_thousands_of_future_rounds_neither_stalls_nor_moves_the_honest_rounds() -> anyhow::Result<()> {
    let (net, survival) = survive("future-rounds", Attacker::Validator)?;
    eprintln!("{survival:?}");
    let ledger = blocks(honest(&net, Attacker::Validator)[0], survival.height)?;
    // Rounds move only on honest timeouts: a height needs at most a round or two (the attacker's
    // own turns as proposer end in a timeout), never the thousands the junk names.
    let max_round = ledger.iter().map(|b| b.1).max().unwrap_or(0);
    assert!(max_round <= 3, "a certificate at round {max_round}: the junk moved rounds");
    // The junk arrived and was held within the buffer's bounds, never executed, then thrown away.
    // Validator 0 says so when it starts a height after junk for the one before was buffered; the
    // attacker, busy signing thousands of messages a tick, may lag a height behind (its junk then
    // arrives stale and is refused unbuffered), so the network, still running, is given time.
    if !log_eventually(&net, 0, "future messages never used", Duration::from_secs(60))? {
        let tail = |k: usize| -> anyhow::Result<String> {
            let log = std::fs::read_to_string(net.node(k).log_path())?;
            let lines: Vec<&str> = log.lines().filter(|l| !l.contains("DEBUG")).collect();
            Ok(lines[lines.len().saturating_sub(30)..].join("\n"))
        };
        panic!("no junk reached validator 0\n--- validator 0:\n{}\n--- validator 3:\n{}", tail(0)?, tail(3)?);
    }
    Ok(())
}

#[test]
fn oversized_blocks_are_never_certified() -> anyhow::Result<()> {
    let (net, survival) = survive("oversized-block", Attacker::Validator)?;
    eprintln!("{survival:?}");
    let byzantine = shulian_network_tests::checker::validator_key_of(net.home(3))?;
    let ledger = blocks(honest(&net, Attacker::Validator)[0], survival.height)?;
    // Every block validator 3 proposed was over a size rule, so none of them is on the chain; its
    // turns as proposer went to the next round's honest proposer.
    assert!(ledger.iter().all(|b| b.0 != byzantine), "a block proposed by the attacker was certified");
    assert!(ledger.iter().all(|b| b.3 <= 10_000));
    assert!(ledger.iter().any(|b| b.1 >= 1), "the attacker's turns should have ended in a later round");
    // Refused by the size rules, not by anything else.
    assert!(log_has(&net, 0, "more than the limit")?, "validator 0 did not refuse a block over a size rule");
    Ok(())
}

/// Validator 3 dates its proposals, taking turns, an hour ahead or at its parent's time (not above
/// it); the honest validators vote for neither.
#[test]
fn blocks_dated_an_hour_ahead_or_not_after_their_parent_are_never_certified() -> anyhow::Result<()> {
    let (net, survival) = survive("future-timestamp", Attacker::Validator)?;
    eprintln!("{survival:?}");
    let byzantine = shulian_network_tests::checker::validator_key_of(net.home(3))?;
    let ledger = blocks(honest(&net, Attacker::Validator)[0], survival.height)?;
    assert!(ledger.iter().all(|b| b.0 != byzantine), "a block proposed by the attacker was certified");
    // Ledger time stays with the validators' clocks (the allowed drift is 10 s).
    let now = wall_clock_ms();
    let latest = ledger.iter().map(|b| b.2).max().unwrap_or(0);
    assert!(latest <= now + 10_000, "ledger time {latest} is ahead of the clock {now}");
    assert!(log_has(&net, 0, "above this validator's clock")?, "validator 0 did not refuse a far-future block");
    assert!(ledger.windows(2).all(|w| w[0].2 < w[1].2), "ledger time is strictly increasing");
    assert!(
        log_has(&net, 0, "is not after the parent's")?,
        "validator 0 did not refuse a block dated at its parent's time"
    );
    Ok(())
}
