//! Twins (Bano, Sonnino, Chursin, Perelman, Li, Ching, Malkhi: "Twins: BFT Systems Made Robust",
//! OPODIS 2021): a Byzantine validator is modelled as two honest nodes holding one key, each
//! seeing its own part of the network; a schedule of partitions, slot by slot, decides who hears
//! whom. The pair signs conflicting proposals and votes exactly as a real equivocator would,
//! without any hand-written attack. The scenarios enumerate every schedule of two-group
//! partitions of the five nodes over the first two rounds of the first two heights, and every
//! first proposer (4 × 16⁴ = 262 144 scenarios); `make test` runs an evenly spread sample
//! (`SHULIAN_TWINS_STRIDE`, default 13: every 13th scenario, an odd stride so that every first
//! proposer is sampled), `make nightly` all of them.
//!
//! Safety must hold in every scenario (no two different values certified at one height, by any
//! node, twins included, and every certificate a quorum); liveness once the partitions end (every
//! honest node decides three heights); equivocation evidence names the twinned validator and
//! nobody else. The control: two twinned validators (beyond f = 1 of 4) must fork in some
//! scenario, or the harness could not see a fork at all. Its first finding: counting only an
//! equivocator's first vote let it stall a height for good (`votes.rs`, `Tally::second`).

use crate::sim::{Cut, MsgKind, Partitions, Sim};
use shulian_runtime::Height;

use shulian_runtime::test_utils::key;

/// Validators.
const N: usize = 4;
/// Slots a height that the schedule partitions (rounds 0 and 1), over heights 1 and 2.
const ROUNDS: u32 = 2;
const SLOTS: usize = 2 * ROUNDS as usize;
/// Heights every honest node must decide once the partitions end.
const HEIGHTS: u64 = 3;
/// When the partitions end (virtual ms): a partitioned round may wait for votes until then.
const HEAL_MS: u64 = 20_000;
/// Virtual time a scenario may take (ms).
const LIMIT_MS: u64 = 120_000;

/// How many scenarios there are with `nodes` nodes: every first proposer, and for each slot one
/// of the two-group partitions (node 0 always in group 0, so each partition is counted once).
fn scenarios(nodes: usize) -> u64 {
    let partitions = 1u64 << (nodes - 1);
    N as u64 * partitions.pow(SLOTS as u32)
}

/// Scenario `id`'s first proposer and schedule.
fn scenario(id: u64, nodes: usize) -> (usize, Partitions) {
    let partitions = 1u64 << (nodes - 1);
    let leader = (id % N as u64) as usize;
    let mut rest = id / N as u64;
    let slots = (0..SLOTS)
        .map(|_| {
            let mask = rest % partitions;
            rest /= partitions;
            (0..nodes).map(|node| if node == 0 { 0 } else { ((mask >> (node - 1)) & 1) as u8 }).collect()
        })
        .collect();
    (leader, Partitions { rounds: ROUNDS, slots, heal_ms: HEAL_MS, cuts: Vec::new(), twins_stop_at_heal: false })
}

/// Every `stride`th scenario: `SHULIAN_TWINS_STRIDE` (1 = all, as `make nightly` runs), else
/// `default`.
fn stride(default: u64) -> u64 {
    std::env::var("SHULIAN_TWINS_STRIDE").ok().and_then(|v| v.parse().ok()).unwrap_or(default).max(1)
}

struct Verdict {
    run: u64,
    /// Scenarios in which an honest node caught the twin equivocating.
    with_evidence: u64,
    /// The first safety violation, with its scenario.
    violation: Option<(u64, String)>,
}

/// Runs every `stride`th scenario with `twinned` validators doubled, checking safety in each (and,
/// when `live`, that the honest nodes decide [`HEIGHTS`] heights once the partitions end). Stops
/// at the first safety violation.
fn sweep(twinned: &[usize], stride: u64, live: bool) -> Verdict {
    let nodes = N + twinned.len();
    let total = scenarios(nodes);
    // Made once: an SM2 key costs a scalar multiplication (`make test-sm2` runs this too).
    let keys: Vec<_> = (0..N).map(|i| key(i as u8 + 1)).collect();
    let twin_keys: Vec<_> = twinned.iter().map(|&t| keys[t].public_key()).collect();
    let honest: Vec<usize> = (0..N).filter(|i| !twinned.contains(i)).collect();
    let mut v = Verdict { run: 0, with_evidence: 0, violation: None };
    let mut id = 0;
    while id < total {
        let (leader, partitions) = scenario(id, nodes);
        let mut sim = Sim::twins(&keys, twinned, leader, id, partitions);
        sim.run(HEIGHTS, LIMIT_MS);
        v.run += 1;
        if let Some(why) = sim.violation() {
            v.violation = Some((id, why));
            return v;
        }
        assert!(sim.accused.iter().all(|k| twin_keys.contains(k)), "scenario {id}: evidence named an honest validator");
        if !sim.accused.is_empty() {
            v.with_evidence += 1;
        }
        if live {
            for &i in &honest {
                let decided = sim.nodes[i].decided.len() as u64;
                assert!(decided >= HEIGHTS, "scenario {id}: honest node {i} decided {decided} heights of {HEIGHTS}");
                assert!(sim.nodes[i].decided.contains_key(&Height(HEIGHTS)));
            }
        }
        id += stride;
    }
    v
}

/// Scenarios of the asymmetric family: every first proposer, every node the round-0 proposal of
/// height 1 misses, every node whose round-0 precommit (and then its first two rounds of height
/// 2) reach nobody (4 × 5 × 5; the twin sees only itself in that round). One-way delivery is what a lock bug needs and what the group
/// partitions cannot express: a validator that locks and is heard, but does not hear the
/// precommits that decided, so that it must keep its lock in the next round.
const ASYMMETRIC: u64 = 4 * 5 * 5;

/// Asymmetric scenario `id`: its first proposer and schedule.
fn asymmetric_scenario(id: u64) -> (usize, Partitions) {
    let nodes = N + 1;
    let leader = (id % N as u64) as usize;
    let missed = ((id / N as u64) % nodes as u64) as usize;
    let muted = ((id / (N * nodes) as u64) % nodes as u64) as usize;
    let twin_alone: Vec<u8> = (0..nodes).map(|n| u8::from(n == N)).collect();
    // The muted node is also not heard in rounds 0 and 1 of height 2 (slots 2 and 3): a node
    // that decided is otherwise the others' block sync at once, and they would never play
    // round 1 of height 1.
    let mut cuts = vec![
        Cut { slot: 0, kind: MsgKind::Proposal, from: None, to: Some(missed) },
        Cut { slot: 0, kind: MsgKind::Precommit, from: Some(muted), to: None },
    ];
    for slot in [2, 3] {
        for kind in [MsgKind::Proposal, MsgKind::Prevote, MsgKind::Precommit] {
            cuts.push(Cut { slot, kind, from: Some(muted), to: None });
        }
    }
    (leader, Partitions { rounds: ROUNDS, slots: vec![twin_alone], heal_ms: HEAL_MS, cuts, twins_stop_at_heal: false })
}

/// Runs every asymmetric scenario with validator 3 twinned; stops at the first safety violation.
fn sweep_asymmetric(live: bool) -> Verdict {
    let keys: Vec<_> = (0..N).map(|i| key(i as u8 + 1)).collect();
    let mut v = Verdict { run: 0, with_evidence: 0, violation: None };
    for id in 0..ASYMMETRIC {
        let (leader, partitions) = asymmetric_scenario(id);
        let mut sim = Sim::twins(&keys, &[3], leader, id, partitions);
        sim.run(HEIGHTS, LIMIT_MS);
        v.run += 1;
        if let Some(why) = sim.violation() {
            v.violation = Some((id, why));
            return v;
        }
        if !sim.accused.is_empty() {
            v.with_evidence += 1;
        }
        if live {
            for i in 0..3 {
                let decided = sim.nodes[i].decided.len() as u64;
                assert!(decided >= HEIGHTS, "asymmetric scenario {id}: honest node {i} decided {decided} heights");
            }
        }
    }
    v
}

#[test]
fn twins_with_one_way_cuts_never_fork() {
    let v = sweep_asymmetric(true);
    eprintln!("twins, asymmetric family: {} scenarios, {} with evidence, no fork", v.run, v.with_evidence);
    assert_eq!(v.violation, None);
    assert_eq!(v.run, ASYMMETRIC);
}

#[test]
fn twins_of_one_validator_never_fork_and_their_equivocation_becomes_evidence() {
    let stride = stride(13);
    let v = sweep(&[3], stride, true);
    eprintln!("twins: {} scenarios of {}, {} with evidence, no fork", v.run, scenarios(N + 1), v.with_evidence);
    assert_eq!(v.violation, None);
    assert!(v.run >= scenarios(N + 1) / stride, "the sweep ran {} scenarios", v.run);
    assert!(v.with_evidence > v.run / 10, "the twin's equivocation was caught in only {} scenarios", v.with_evidence);
}

/// Found by `twins_processes`: the twin and honest validators 0 and 1 make a polka in round 0 of
/// height 1, apart from 2 and the original 3 (who time out and prevote nil); every precommit of
/// that round is lost, so nobody decides and 0 and 1 stay locked. Then the network heals and the
/// twin stops for good. 2 and 3 now hear 0's and 1's prevotes, two of the three of the polka: the
/// twin's is gone with it. Unless the locked nodes pass their polka on, 2 and 3 never accept the
/// locked value re-proposed with round 0 (L28) and 0 and 1 never prevote another: no round ever
/// gathers a quorum again. Run for each first proposer that puts round 0's proposal in the
/// twin's group, once without passing polkas on (it must stall: the scenario is the one meant)
/// and once as the nodes run (every node decides).
#[test]
fn a_polka_whose_byzantine_vote_reached_only_the_locked_is_passed_on() {
    let keys: Vec<_> = (0..N).map(|i| key(i as u8 + 1)).collect();
    let mut ran = 0;
    for leader in 0..N {
        let partitions = Partitions {
            rounds: 1,
            // Slot 0 (height 1, round 0): {0, 1, twin} and {2, 3}.
            slots: vec![vec![0, 0, 1, 1, 0]],
            // Past round 0's propose timeout (1 s), so 2 and 3 have prevoted nil.
            heal_ms: 1_500,
            cuts: vec![Cut { slot: 0, kind: MsgKind::Precommit, from: None, to: None }],
            twins_stop_at_heal: true,
        };
        let first = crate::core::proposer(Sim::twins(&keys, &[3], leader, 1, partitions.clone()).set(), Height(1), 0);
        if !first.is_some_and(|p| p == keys[0].public_key() || p == keys[1].public_key()) {
            continue;
        }
        ran += 1;
        for relay_pol in [false, true] {
            let mut sim = Sim::twins(&keys, &[3], leader, 1, partitions.clone());
            sim.relay_pol = relay_pol;
            sim.run(HEIGHTS, LIMIT_MS);
            assert_eq!(sim.violation(), None, "leader {leader}, relay {relay_pol}");
            let decided: Vec<u64> = (0..N).map(|i| sim.nodes[i].decided.len() as u64).collect();
            if relay_pol {
                assert!(decided.iter().all(|d| *d >= HEIGHTS), "leader {leader}: decided {decided:?}");
            } else {
                assert!(
                    decided.iter().all(|d| *d == 0),
                    "leader {leader}: without the relay it must stall: {decided:?}"
                );
            }
        }
    }
    assert_eq!(ran, 2, "two first proposers of four put round 0's proposal in the twin's group");
}

#[test]
fn twins_of_two_validators_fork_and_the_checker_sees_it() {
    let v = sweep(&[2, 3], 1, false);
    let (id, why) = v.violation.expect("two twinned validators of four (beyond f) must fork in some scenario");
    eprintln!("control: scenario {id} (after {} scenarios): {why}", v.run);
    assert!(why.contains("fork"), "{why}");
}

/// Each planted bug ([`crate::planted::Bug`]) is caught by the simulations: the asymmetric Twins
/// family, else the Twins sweep of one twinned validator over every scenario, else the
/// random-drop simulation of four honest validators over seeds, each until its first violation.
#[test]
fn planted_bugs_are_caught() {
    use crate::planted::{Bug, plant};
    let mut missed = Vec::new();
    for bug in [Bug::QuorumTwoThirds, Bug::CountDuplicateVotes, Bug::DecideOnPrevotes, Bug::IgnoreLock] {
        plant(Some(bug));
        // The small asymmetric family first (100 scenarios), then the whole Twins sweep, then the
        // drop simulation: each stops at its first violation.
        let caught = match sweep_asymmetric(false).violation {
            Some((id, why)) => Some(format!("Twins' asymmetric family, scenario {id} of {ASYMMETRIC}: {why}")),
            None => {
                let v = sweep(&[3], 1, false);
                match v.violation {
                    Some((id, why)) => Some(format!("Twins, after {} scenarios (scenario {id}): {why}", v.run)),
                    None => crate::sim::first_violation(2_000)
                        .map(|(seed, why)| format!("drop simulation, seed {seed}: {why}")),
                }
            }
        };
        plant(None);
        match caught {
            Some(how) => eprintln!("planted {bug:?}: caught by {how}"),
            None => missed.push(bug),
        }
    }
    assert!(missed.is_empty(), "planted bugs not caught: {missed:?}");
}
