//! One attack, one verdict: a network of four validators where one node misbehaves on purpose
//! (the test-only `shulian-node-byzantine` binary with `SHULIAN_BYZANTINE=<mode>`), either as
//! validator 3 of 4 or as an allow-listed observer next to four honest validators. While it
//! attacks, a client keeps sending transfers to the honest validators, and [`survive`] checks what
//! BFT promises with f = 1: the honest validators keep committing (blocks and the client's
//! transactions), their peak resident memory stays under [`HONEST_PEAK_RSS_BOUND`], and they agree
//! on every block hash and state root.

use crate::DevNode;
use crate::checker::{self, height};
use crate::scenario::{Net, Scenario};
use anyhow::{Context, bail};
use std::time::{Duration, Instant};

/// Where the attacking node sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attacker {
    /// Validator 3 of 4 (f = 1): its votes count, it proposes every fourth round.
    Validator,
    /// A fifth, non-validator node on the validators' allow-lists (an observer).
    Observer,
}

/// The most resident memory (VmHWM) an honest validator may reach during an attack: a debug-build
/// node of four peaks near 140-180 MiB under these tests; every queue a peer can fill is bounded far below this, so a
/// node over it holds something an attacker made it keep (docs/reliability.md records the peaks
/// measured).
pub const HONEST_PEAK_RSS_BOUND: u64 = 512 * 1024 * 1024;

/// Least number of rounds of transfers sent to the honest validators while the attack runs; each
/// round must be committed on every honest validator.
const TRANSFER_ROUNDS: usize = 4;
/// Rounds go on until the attack has run at least this long, so that whatever an attacker can
/// make a node keep (queued messages, votes, rounds, sync work) has time to pile up and show in
/// the peak memory.
pub const ATTACK_WINDOW: Duration = Duration::from_secs(15);
/// Transfers per round.
const TRANSFERS_PER_ROUND: usize = 5;
/// Blocks every honest validator must commit after the attack starts (the attacker proposes
/// every fourth height, so these include heights it was proposer for).
const BLOCKS_UNDER_ATTACK: u64 = 8;
/// How long one step (a round of transfers committed, the blocks made) may take.
const STEP_DEADLINE: Duration = Duration::from_secs(120);

/// What the honest validators showed under one attack.
#[derive(Debug)]
pub struct Survival {
    /// Height every honest validator reached and agreed on.
    pub height: u64,
    /// Transactions in blocks 1..=height.
    pub txs: usize,
    /// Each honest validator's peak resident set, bytes (VmHWM).
    pub peak_rss: Vec<u64>,
    /// How long the attack ran, from start until every check passed.
    pub elapsed: Duration,
}

/// Runs attack `mode` from `attacker` and checks the honest validators survive it (see the
/// module doc). The network is left running in the returned [`Net`] for further checks.
pub fn survive(mode: &str, attacker: Attacker) -> anyhow::Result<(Net, Survival)> {
    let envs = [("SHULIAN_BYZANTINE", mode)];
    let scenario = match attacker {
        Attacker::Validator => Scenario::validators(4).with_binary(3, "shulian-node-byzantine", &envs),
        Attacker::Observer => Scenario::validators(4).with_observer("shulian-node-byzantine", &envs),
    };
    let net = scenario.start()?;
    let survival = check_survival(&net, attacker)?;
    Ok((net, survival))
}

/// The honest validators of a network started by [`survive`].
pub fn honest(net: &Net, attacker: Attacker) -> Vec<&DevNode> {
    match attacker {
        Attacker::Validator => net.some(&[0, 1, 2]),
        Attacker::Observer => net.some(&[0, 1, 2, 3]),
    }
}

fn check_survival(net: &Net, attacker: Attacker) -> anyhow::Result<Survival> {
    let started = Instant::now();
    let honest = honest(net, attacker);
    let start = honest.iter().map(|n| height(n)).collect::<anyhow::Result<Vec<_>>>()?.into_iter().max().unwrap_or(0);

    // Liveness under attack: rounds of transfers, each sent to one honest validator in turn and
    // committed on all of them.
    let mut client = net.transfers("transport", "trader")?;
    let mut round = 0;
    while round < TRANSFER_ROUNDS || started.elapsed() < ATTACK_WINDOW {
        let to = honest[round % honest.len()];
        let sent = client.send(to, TRANSFERS_PER_ROUND)?;
        for n in &honest {
            checker::wait_committed(n, &sent, STEP_DEADLINE)
                .with_context(|| format!("transfer round {round} under attack"))?;
        }
        round += 1;
    }
    Net::wait_height(&honest, start + BLOCKS_UNDER_ATTACK, STEP_DEADLINE)
        .context("the honest validators stopped committing blocks under attack")?;

    // Safety: one chain among the honest, with every accepted transfer exactly once.
    let agreement = checker::check_agreement(&honest, &client.accepted, STEP_DEADLINE)?;

    // Bounded memory: what the attacker sent was not kept.
    let mut peak_rss = Vec::new();
    for n in &honest {
        let pid = n.pid().context("an honest validator is not running")?;
        let peak = crate::procfs::status_bytes(pid, "VmHWM").context("cannot read VmHWM")?;
        if peak > HONEST_PEAK_RSS_BOUND {
            bail!(
                "honest validator {} peaked at {} MiB, over the bound of {} MiB",
                n.url,
                peak >> 20,
                HONEST_PEAK_RSS_BOUND >> 20
            );
        }
        peak_rss.push(peak);
    }
    Ok(Survival { height: agreement.height, txs: agreement.txs, peak_rss, elapsed: started.elapsed() })
}
