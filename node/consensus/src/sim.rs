//! Deterministic simulation of the pure core: N validators, a network that delays, reorders and
//! (before a global stabilisation time) drops messages, virtual time, and many seeds. It asserts
//! agreement (no two validators decide differently at a height), validity (a decided value was
//! proposed) and that every live validator decides every height once the network is stable.
//! The Twins tests (`twins.rs`) run it with two nodes holding one validator key and a schedule of
//! partitions ([`Partitions`]).

use crate::core::{Core, Input, Output, Step, Timeouts};
use crate::votes::SignedVote;
use shulian_runtime::block::{VOTE_SIGN_TAG, Validator};
use shulian_runtime::test_utils::key;
use shulian_runtime::{Hash, Height, SecretKey, ValidatorSet, Vote, VoteKind};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

/// xorshift64*: a tiny seeded generator, so every run of a seed is the same.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[derive(Clone, Debug)]
enum Msg {
    Proposal { height: Height, round: u32, value: Hash, valid_round: Option<u32> },
    Vote(SignedVote),
}

impl Msg {
    fn height(&self) -> Height {
        match self {
            Msg::Proposal { height, .. } => *height,
            Msg::Vote(v) => v.vote.height,
        }
    }
}

#[derive(Clone, Debug)]
enum Event {
    Deliver {
        from: usize,
        to: usize,
        msg: Msg,
    },
    /// A node re-sends its messages of its current height (gossip retransmission).
    Gossip {
        node: usize,
    },
    Timer {
        node: usize,
        height: Height,
        round: u32,
        step: Step,
    },
}

pub(crate) struct Node {
    key: SecretKey,
    pub(crate) core: Core,
    pub(crate) decided: BTreeMap<Height, Hash>,
    certificates: BTreeMap<Height, Vec<SignedVote>>,
    sent: Vec<Msg>,
    future: Vec<Msg>,
}

/// A Twins schedule of partitions: for each of the first (height, round) slots (heights from 1,
/// `rounds` slots a height), the group of every node. Until `heal_ms`, a message of a slot
/// reaches only the nodes in its sender's group (a re-sent one too); messages of later slots
/// reach everyone. From `heal_ms` on, every message (re-sent ones too) reaches everyone: the
/// network is stable, as Tendermint's liveness assumes (a round waits for votes, it does not time
/// out without them).
#[derive(Clone, Debug, Default)]
pub(crate) struct Partitions {
    /// Slots a height (rounds 0..rounds).
    pub(crate) rounds: u32,
    /// `slots[k][node]`: the node's group in slot `k` = `(height - 1) * rounds + round`.
    pub(crate) slots: Vec<Vec<u8>>,
    /// When the partitions end (virtual ms).
    pub(crate) heal_ms: u64,
    /// One-way cuts on top of the groups, until `heal_ms`: a message of a kind, in a slot, from
    /// one node (or any) to one node (or every other) is lost. Groups are symmetric; a lock bug
    /// needs a node that is heard but does not hear (`twins::asymmetric_scenario`).
    pub(crate) cuts: Vec<Cut>,
    /// The twins (the nodes after the validators' own) stop for good at `heal_ms`, as the
    /// process test kills its twin after the heal: what only they sent is gone from then on.
    pub(crate) twins_stop_at_heal: bool,
}

/// The kind of a simulated message, for [`Cut`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MsgKind {
    Proposal,
    Prevote,
    Precommit,
}

/// A one-way cut of [`Partitions`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cut {
    /// Slot: `(height - 1) * rounds + round`.
    pub(crate) slot: usize,
    pub(crate) kind: MsgKind,
    /// The sender whose messages are lost; `None`: every sender's.
    pub(crate) from: Option<usize>,
    /// The node that does not receive them; `None`: no other node does.
    pub(crate) to: Option<usize>,
}

impl Partitions {
    fn connects(&self, from: usize, to: usize, msg: &Msg, now: u64) -> bool {
        if now >= self.heal_ms {
            return true;
        }
        let (height, round) = match msg {
            Msg::Proposal { height, round, .. } => (*height, *round),
            Msg::Vote(v) => (v.vote.height, v.vote.round),
        };
        if round >= self.rounds || height.0 == 0 {
            return true;
        }
        let slot = (height.0 - 1).saturating_mul(u64::from(self.rounds)).saturating_add(u64::from(round));
        let kind = match msg {
            Msg::Proposal { .. } => MsgKind::Proposal,
            Msg::Vote(v) if v.vote.kind == shulian_runtime::block::VoteKind::Prevote => MsgKind::Prevote,
            Msg::Vote(_) => MsgKind::Precommit,
        };
        let cut = self.cuts.iter().any(|c| {
            c.slot as u64 == slot && c.kind == kind && c.from.is_none_or(|f| f == from) && c.to.is_none_or(|t| t == to)
        });
        if cut {
            return false;
        }
        match usize::try_from(slot).ok().and_then(|k| self.slots.get(k)) {
            Some(groups) => groups.get(from) == groups.get(to),
            None => true,
        }
    }
}

pub(crate) struct Sim {
    rng: Rng,
    now: u64,
    seq: u64,
    queue: BinaryHeap<Reverse<(u64, u64)>>,
    events: BTreeMap<u64, Event>,
    pub(crate) nodes: Vec<Node>,
    crashed: BTreeSet<usize>,
    set: ValidatorSet,
    proposed: BTreeSet<Hash>,
    gst: u64,
    drop_percent: u64,
    /// Who may be cut off from whom, and when (Twins).
    pub(crate) partitions: Partitions,
    /// The validators that equivocation evidence named (only twins may be named).
    pub(crate) accused: Vec<shulian_runtime::PublicKey>,
    /// Votes carry a placeholder signature: the core never checks one (its shell does), and
    /// signing is most of a scenario's cost; the Twins runs use this to run many more scenarios.
    unsigned: bool,
    /// Whether nodes re-send the polkas behind their locks ([`Core::pol_votes`]), as the node's
    /// shell does; off only to show what goes wrong without it.
    pub(crate) relay_pol: bool,
}

const CHAIN: &str = "sim";

impl Sim {
    fn new(n: usize, seed: u64, gst: u64, drop_percent: u64) -> Sim {
        let keys: Vec<SecretKey> = (0..n).map(|i| key(i as u8 + 1)).collect();
        Sim::with_nodes(keys, 0, seed, gst, drop_percent)
    }

    /// Twins: a node for each of the `validators`' keys, and after them one more node for each validator in `twinned`,
    /// holding that validator's key. `leader` rotates the set so that validator `leader + 1`
    /// proposes first. No drops, short delays: the partitions decide who hears whom.
    pub(crate) fn twins(
        validators: &[SecretKey],
        twinned: &[usize],
        leader: usize,
        seed: u64,
        partitions: Partitions,
    ) -> Sim {
        let mut keys = validators.to_vec();
        keys.extend(twinned.iter().map(|&t| validators[t].clone()));
        let mut sim = Sim::with_nodes(keys, leader, seed, 0, 0);
        sim.partitions = partitions;
        sim.unsigned = true;
        sim
    }

    /// One node per key; the validator set is the distinct keys (in order, rotated by `rotate`).
    fn with_nodes(keys: Vec<SecretKey>, rotate: usize, seed: u64, gst: u64, drop_percent: u64) -> Sim {
        let mut validators: Vec<Validator> = Vec::new();
        for k in &keys {
            if !validators.iter().any(|v| v.public_key == k.public_key()) {
                validators.push(Validator { name: "v".into(), public_key: k.public_key(), power: 1 });
            }
        }
        let r = rotate % validators.len().max(1);
        validators.rotate_left(r);
        let set = ValidatorSet { validators };
        let nodes = keys
            .into_iter()
            .map(|key| Node {
                core: Core::new(CHAIN, key.public_key(), set.clone(), Height(1), Timeouts::default()),
                key,
                decided: BTreeMap::new(),
                certificates: BTreeMap::new(),
                sent: vec![],
                future: vec![],
            })
            .collect();
        Sim {
            rng: Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
            now: 0,
            seq: 0,
            queue: BinaryHeap::new(),
            events: BTreeMap::new(),
            nodes,
            crashed: BTreeSet::new(),
            set,
            proposed: BTreeSet::new(),
            gst,
            drop_percent,
            partitions: Partitions::default(),
            accused: Vec::new(),
            unsigned: false,
            relay_pol: true,
        }
    }

    /// The validator set (rotated by the scenario's first proposer).
    pub(crate) fn set(&self) -> &ValidatorSet {
        &self.set
    }

    fn push(&mut self, at: u64, e: Event) {
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq)));
        self.events.insert(self.seq, e);
    }

    fn broadcast(&mut self, from: usize, msg: Msg) {
        self.nodes[from].sent.push(msg.clone());
        self.send_all(from, msg);
    }

    fn send_all(&mut self, from: usize, msg: Msg) {
        for to in 0..self.nodes.len() {
            if to == from || !self.partitions.connects(from, to, &msg, self.now) {
                continue;
            }
            if self.now < self.gst && self.rng.below(100) < self.drop_percent {
                continue;
            }
            let delay = 1 + self.rng.below(if self.now < self.gst { 400 } else { 100 });
            self.push(self.now + delay, Event::Deliver { from, to, msg: msg.clone() });
        }
    }

    fn feed(&mut self, node: usize, input: Input) {
        let outputs = self.nodes[node].core.handle(input);
        for o in outputs {
            self.carry_out(node, o);
        }
    }

    fn carry_out(&mut self, i: usize, o: Output) {
        let height = self.nodes[i].core.height();
        match o {
            Output::GetValue { round } => {
                let value =
                    Hash::tagged_parts(b"sim/value", &[&height.0.to_be_bytes(), &round.to_be_bytes(), &[i as u8]]);
                self.feed(i, Input::ProposeValue { round, value });
            }
            Output::Propose { round, value, valid_round } => {
                self.proposed.insert(value);
                self.broadcast(i, Msg::Proposal { height, round, value, valid_round });
            }
            Output::Vote(vote) => {
                let signature = if self.unsigned {
                    shulian_runtime::Signature([0; 64])
                } else {
                    self.nodes[i].key.sign(VOTE_SIGN_TAG, &vote.sign_bytes())
                };
                let sv = SignedVote { vote, validator: self.nodes[i].key.public_key(), signature };
                self.broadcast(i, Msg::Vote(sv.clone()));
                self.feed(i, Input::Vote(sv));
            }
            Output::ScheduleTimeout { round, step, after_ms } => {
                self.push(self.now + after_ms, Event::Timer { node: i, height, round, step });
            }
            Output::Decide { value, precommits, .. } => self.commit(i, height, value, precommits),
            Output::Evidence(e) => {
                assert!(self.unsigned, "honest validators never equivocate");
                self.accused.push(e.first.validator);
            }
        }
    }

    /// Records a decision (own, or fetched with its certificate by catch-up) and starts the next
    /// height.
    fn commit(&mut self, i: usize, height: Height, value: Hash, precommits: Vec<SignedVote>) {
        if !self.unsigned {
            assert!(precommits.len() as u64 >= self.set.quorum(), "a decision carries a quorum certificate");
            assert!(precommits.iter().all(|p| p.vote.block_hash == Some(value)));
        }
        self.nodes[i].decided.insert(height, value);
        self.nodes[i].certificates.insert(height, precommits);
        self.nodes[i].sent.clear();
        let next = height.next();
        self.nodes[i].core =
            Core::new(CHAIN, self.nodes[i].key.public_key(), self.set.clone(), next, Timeouts::default());
        self.feed(i, Input::StartHeight);
        let pending = std::mem::take(&mut self.nodes[i].future);
        for m in pending {
            self.deliver(i, i, m);
        }
    }

    fn deliver(&mut self, from: usize, to: usize, msg: Msg) {
        let h = self.nodes[to].core.height();
        if msg.height() > h {
            // The sender is ahead: catch up by fetching the decided value with its certificate
            // (block sync), then handle the message at its height.
            let fetched = self.nodes[from].decided.get(&h).copied().zip(self.nodes[from].certificates.get(&h).cloned());
            match fetched {
                Some((value, cert)) => {
                    self.commit(to, h, value, cert);
                    self.deliver(from, to, msg);
                }
                None => self.nodes[to].future.push(msg),
            }
            return;
        }
        if msg.height() < h {
            return;
        }
        let input = match msg {
            Msg::Proposal { round, value, valid_round, .. } => {
                Input::Proposal { round, value, valid_round, valid: true }
            }
            Msg::Vote(v) => Input::Vote(v),
        };
        self.feed(to, input);
    }

    /// Runs until every live node decided `heights` heights or virtual time runs out.
    pub(crate) fn run(&mut self, heights: u64, limit_ms: u64) {
        for i in 0..self.nodes.len() {
            if !self.crashed.contains(&i) {
                self.feed(i, Input::StartHeight);
                self.push(300 + i as u64, Event::Gossip { node: i });
            }
        }
        while let Some(Reverse((at, seq))) = self.queue.pop() {
            if at > limit_ms {
                break;
            }
            self.now = at;
            if self.partitions.twins_stop_at_heal && at >= self.partitions.heal_ms {
                self.crashed.extend(self.set.validators.len()..self.nodes.len());
            }
            let Some(e) = self.events.remove(&seq) else { continue };
            match e {
                Event::Deliver { to, .. } | Event::Timer { node: to, .. } | Event::Gossip { node: to }
                    if self.crashed.contains(&to) => {}
                Event::Deliver { from, to, msg } => self.deliver(from, to, msg),
                Event::Gossip { node } => {
                    for m in self.nodes[node].sent.clone() {
                        self.send_all(node, m);
                    }
                    // As the node's shell does: the polkas behind its lock and valid value.
                    let pol = if self.relay_pol { self.nodes[node].core.pol_votes() } else { Vec::new() };
                    for v in pol {
                        self.send_all(node, Msg::Vote(v));
                    }
                    self.push(self.now + 300, Event::Gossip { node });
                }
                Event::Timer { node, height, round, step } => {
                    if self.nodes[node].core.height() == height {
                        self.feed(node, Input::Timeout { round, step });
                    }
                }
            }
            let done = (0..self.nodes.len())
                .filter(|i| !self.crashed.contains(i))
                .all(|i| self.nodes[i].decided.len() as u64 >= heights);
            if done {
                return;
            }
        }
    }

    /// Two different values certified at one height (by any node, twins included), or a decided
    /// value nobody proposed: what safety forbids.
    pub(crate) fn violation(&self) -> Option<String> {
        let mut by_height: BTreeMap<Height, (usize, Hash)> = BTreeMap::new();
        for (i, n) in self.nodes.iter().enumerate() {
            for (h, v) in &n.decided {
                if !self.proposed.contains(v) {
                    return Some(format!("node {i} decided at height {h} a value nobody proposed"));
                }
                let cert = n.certificates.get(h).map(Vec::as_slice).unwrap_or_default();
                let signers: BTreeSet<_> = cert
                    .iter()
                    .filter(|p| p.vote.kind == VoteKind::Precommit && p.vote.block_hash == Some(*v))
                    .map(|p| p.validator)
                    .collect();
                if (signers.len() as u64) < self.set.quorum() {
                    return Some(format!("node {i} decided at height {h} on {} precommits", signers.len()));
                }
                let (j, first) = *by_height.entry(*h).or_insert((i, *v));
                if first != *v {
                    return Some(format!("fork at height {h}: node {j} decided {first}, node {i} decided {v}"));
                }
            }
        }
        None
    }

    fn check_agreement_and_validity(&self) {
        let mut by_height: BTreeMap<Height, Hash> = BTreeMap::new();
        for n in &self.nodes {
            for (h, v) in &n.decided {
                assert!(self.proposed.contains(v), "validity: decided value was proposed");
                let prev = by_height.entry(*h).or_insert(*v);
                assert_eq!(prev, v, "agreement at height {h}");
            }
        }
    }
}

/// The first of `seeds` seeds in which four honest validators under drops, delays and
/// reordering violate safety ([`Sim::violation`]), for the planted-bug test.
pub(crate) fn first_violation(seeds: u64) -> Option<(u64, String)> {
    (0..seeds).find_map(|seed| {
        let mut sim = Sim::new(4, seed, 3_000, 30);
        sim.run(5, 600_000);
        sim.violation().map(|why| (seed, why))
    })
}

/// How many seeds a scenario runs: `default` in `make test`; `SHULIAN_SIM_SEEDS` (set by
/// `make nightly`) raises every scenario to that many, to hunt rarer interleavings.
fn seeds(default: u64) -> u64 {
    std::env::var("SHULIAN_SIM_SEEDS").ok().and_then(|v| v.parse().ok()).map_or(default, |n: u64| n.max(default))
}

#[test]
fn four_validators_agree_under_drops_delays_and_reordering_over_many_seeds() {
    for seed in 0..seeds(60) {
        let mut sim = Sim::new(4, seed, 3_000, 30);
        sim.run(5, 600_000);
        sim.check_agreement_and_validity();
        for (i, n) in sim.nodes.iter().enumerate() {
            assert!(n.decided.len() >= 5, "seed {seed}: node {i} decided only {} heights", n.decided.len());
        }
    }
}

#[test]
fn three_of_four_keep_deciding_with_one_crashed() {
    for seed in 0..seeds(30) {
        let mut sim = Sim::new(4, seed, 2_000, 20);
        sim.crashed.insert((seed % 4) as usize);
        sim.run(4, 600_000);
        sim.check_agreement_and_validity();
        for i in (0..4).filter(|i| !sim.crashed.contains(i)) {
            assert!(sim.nodes[i].decided.len() >= 4, "seed {seed}: node {i} stalled");
        }
    }
}

#[test]
fn two_of_four_crashed_decide_nothing() {
    let mut sim = Sim::new(4, 7, 0, 0);
    sim.crashed.insert(0);
    sim.crashed.insert(1);
    sim.run(1, 60_000);
    assert!(sim.nodes.iter().all(|n| n.decided.is_empty()), "safety over liveness: no quorum, no decision");
}

#[test]
fn seven_validators_agree_with_heavy_early_loss() {
    for seed in 0..seeds(15) {
        let mut sim = Sim::new(7, seed, 5_000, 50);
        sim.run(3, 900_000);
        sim.check_agreement_and_validity();
        assert!(sim.nodes.iter().all(|n| n.decided.len() >= 3), "seed {seed}");
    }
}

#[test]
fn one_faulty_validator_voting_and_proposing_in_ten_thousand_future_rounds_moves_no_round_and_is_held_in_bounded_memory()
 {
    let mut sim = Sim::new(4, 11, 0, 0);
    // Validator 3 is the faulty one: it takes no honest part, and sends junk for rounds 1..=10 000.
    sim.crashed.insert(3);
    for i in 0..3 {
        sim.feed(i, Input::StartHeight);
    }
    let faulty = sim.nodes[3].key.clone();
    for round in 1..=10_000u32 {
        let value = Hash::tagged_parts(b"sim/junk", &[&round.to_be_bytes()]);
        for kind in [VoteKind::Prevote, VoteKind::Precommit] {
            let vote = Vote { chain_id: CHAIN.into(), height: Height(1), round, kind, block_hash: Some(value) };
            let signature = faulty.sign(VOTE_SIGN_TAG, &vote.sign_bytes());
            let sv = SignedVote { vote, validator: faulty.public_key(), signature };
            for i in 0..3 {
                sim.feed(i, Input::Vote(sv.clone()));
            }
        }
        // Its junk blocks, in the rounds it proposes (the shell drops the others), invalid.
        if crate::core::proposer(&sim.set, Height(1), round) == Some(faulty.public_key()) {
            for i in 0..3 {
                sim.feed(i, Input::Proposal { round, value, valid_round: None, valid: false });
            }
        }
    }
    for (i, n) in sim.nodes.iter().enumerate().take(3) {
        assert_eq!(n.core.round(), 0, "node {i}: one validator of four cannot move the round");
        let (votes, proposals) = n.core.stored();
        // The faulty validator's round-1 votes (the window) and its latest far round, plus the
        // round-0 proposer's own proposal and prevote.
        assert!(votes <= 5 && proposals <= 1, "node {i} holds {votes} votes and {proposals} proposals");
    }
    // The honest three still decide.
    sim.run(3, 600_000);
    sim.check_agreement_and_validity();
    for i in 0..3 {
        assert!(sim.nodes[i].decided.len() >= 3, "node {i} stalled");
    }
}
