//! The pure Tendermint state machine for one height (Algorithm 1 of arXiv:1807.04938).
//! `handle(input) -> outputs`; no I/O. A new `Core` is made for every height.

use crate::votes::{Added, Equivocation, ROUND_WINDOW, SignedVote, VoteKeeper};
use shulian_runtime::block::VoteKind;
use shulian_runtime::{Hash, Height, PublicKey, ValidatorSet, Vote};
use std::collections::{BTreeMap, BTreeSet};

/// The step within a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// Waiting for the proposal.
    Propose,
    /// Prevoted, waiting for prevotes.
    Prevote,
    /// Precommitted, waiting for precommits.
    Precommit,
}

/// Timeouts, growing linearly with the round so that after GST they eventually exceed delays.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// Propose timeout in round 0, ms.
    pub propose_ms: u64,
    /// Prevote/precommit timeout in round 0, ms.
    pub vote_ms: u64,
    /// Added per round, ms.
    pub delta_ms: u64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { propose_ms: 1_000, vote_ms: 500, delta_ms: 500 }
    }
}

/// Inputs to the core.
#[derive(Clone, Debug)]
pub enum Input {
    /// Begin the height at round 0.
    StartHeight,
    /// The value to propose, answering [`Output::GetValue`].
    ProposeValue {
        /// Round asked for.
        round: u32,
        /// Block hash.
        value: Hash,
    },
    /// A proposal from the round's proposer (the shell checked sender and signature, and the
    /// application checked the block: `valid`).
    Proposal {
        /// Round.
        round: u32,
        /// Block hash.
        value: Hash,
        /// The proposer's valid round (POL round), if re-proposing.
        valid_round: Option<u32>,
        /// Whether the block is valid for the application.
        valid: bool,
    },
    /// A vote whose signature the shell checked (our own votes come back this way too).
    Vote(SignedVote),
    /// A timeout that fired.
    Timeout {
        /// Round it was set for.
        round: u32,
        /// Step it was set for.
        step: Step,
    },
}

/// Outputs of the core, for the shell to carry out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// We propose in `round` and have no valid value: build a block, answer with `ProposeValue`.
    GetValue {
        /// Round.
        round: u32,
    },
    /// Broadcast a proposal.
    Propose {
        /// Round.
        round: u32,
        /// Block hash.
        value: Hash,
        /// POL round.
        valid_round: Option<u32>,
    },
    /// Persist, sign and broadcast this vote, then feed it back as `Input::Vote`.
    Vote(Vote),
    /// Call back with `Input::Timeout { round, step }` after `after_ms`.
    ScheduleTimeout {
        /// Round.
        round: u32,
        /// Step.
        step: Step,
        /// Delay.
        after_ms: u64,
    },
    /// The height is decided: commit `value` with these precommits as its certificate.
    Decide {
        /// Round of the decision.
        round: u32,
        /// Block hash.
        value: Hash,
        /// 2f+1 precommits for it.
        precommits: Vec<SignedVote>,
    },
    /// A validator signed two different votes.
    Evidence(Box<Equivocation>),
}

#[derive(Clone, Copy, Debug)]
struct ProposalInfo {
    value: Hash,
    valid_round: Option<u32>,
    valid: bool,
}

/// Planted bug [`crate::planted::Bug::DecideOnPrevotes`] (test builds only).
fn decide_on_prevotes() -> bool {
    #[cfg(test)]
    return crate::planted::on(crate::planted::Bug::DecideOnPrevotes);
    #[cfg(not(test))]
    false
}

/// Planted bug [`crate::planted::Bug::IgnoreLock`] (test builds only).
fn ignore_lock() -> bool {
    #[cfg(test)]
    return crate::planted::on(crate::planted::Bug::IgnoreLock);
    #[cfg(not(test))]
    false
}

/// The proposer of `round` at `height`: round-robin over the validator set.
pub fn proposer(set: &ValidatorSet, height: Height, round: u32) -> Option<PublicKey> {
    let n = set.validators.len() as u64;
    if n == 0 {
        return None;
    }
    let i = (height.0.wrapping_add(round as u64)) % n;
    set.validators.get(i as usize).map(|v| v.public_key)
}

/// One validator's consensus state for one height.
pub struct Core {
    chain_id: String,
    me: PublicKey,
    validators: ValidatorSet,
    timeouts: Timeouts,
    height: Height,
    round: u32,
    step: Step,
    locked: Option<(Hash, u32)>,
    valid: Option<(Hash, u32)>,
    decided: Option<Hash>,
    started: bool,
    proposals: BTreeMap<u32, ProposalInfo>,
    votes: VoteKeeper,
    prevote_timeout_set: BTreeSet<u32>,
    precommit_timeout_set: BTreeSet<u32>,
    l36_done: BTreeSet<u32>,
}

impl Core {
    /// A core for `height`, signing as `me` (which may be a non-validator observer).
    pub fn new(chain_id: &str, me: PublicKey, validators: ValidatorSet, height: Height, timeouts: Timeouts) -> Self {
        Core {
            chain_id: chain_id.to_string(),
            me,
            votes: VoteKeeper::new(validators.clone()),
            validators,
            timeouts,
            height,
            round: 0,
            step: Step::Propose,
            locked: None,
            valid: None,
            decided: None,
            started: false,
            proposals: BTreeMap::new(),
            prevote_timeout_set: BTreeSet::new(),
            precommit_timeout_set: BTreeSet::new(),
            l36_done: BTreeSet::new(),
        }
    }

    /// Restores the lock and the current round after a restart (from the write-ahead log), so a
    /// validator never votes against its lock.
    pub fn restore(&mut self, round: u32, locked: Option<(Hash, u32)>, valid: Option<(Hash, u32)>) {
        self.round = round;
        // Nothing was counted yet: no evidence can come of moving the window.
        let _ = self.votes.set_round(round);
        self.locked = locked;
        self.valid = valid;
    }

    /// Height.
    pub fn height(&self) -> Height {
        self.height
    }
    /// Current round.
    pub fn round(&self) -> u32 {
        self.round
    }
    /// Current step.
    pub fn step(&self) -> Step {
        self.step
    }
    /// The locked value and round.
    pub fn locked(&self) -> Option<(Hash, u32)> {
        self.locked
    }
    /// The valid value and round.
    pub fn valid(&self) -> Option<(Hash, u32)> {
        self.valid
    }
    /// The prevotes behind this node's lock and valid value (its polkas, at most two): what it
    /// re-sends with its own votes. A polka may hold a vote that only some honest nodes received
    /// (a Byzantine validator's, sent into a partition, its sender gone since); without it the
    /// others cannot accept the locked value when it is proposed again with that round (L28),
    /// while the locked never prevote anything else: the height would stall for good. The paper's
    /// liveness assumes honest nodes pass on what they received; this is the part of it that
    /// matters (`twins::a_polka_whose_byzantine_vote_reached_only_the_locked_is_passed_on`).
    pub fn pol_votes(&self) -> Vec<SignedVote> {
        let mut polkas: Vec<(Hash, u32)> = [self.valid, self.locked].into_iter().flatten().collect();
        polkas.dedup();
        polkas.into_iter().flat_map(|(value, round)| self.votes.votes_for(round, VoteKind::Prevote, value)).collect()
    }
    /// The decision, once made.
    pub fn decided(&self) -> Option<Hash> {
        self.decided
    }
    /// Votes and proposals held for this height: bounded whatever other validators send (the vote
    /// keeper's window, and proposals only up to the next round).
    pub fn stored(&self) -> (usize, usize) {
        (self.votes.stored_votes(), self.proposals.len())
    }

    /// Handles one input.
    pub fn handle(&mut self, input: Input) -> Vec<Output> {
        let mut out = Vec::new();
        if self.decided.is_some() {
            return out;
        }
        match input {
            Input::StartHeight => {
                if !self.started {
                    self.started = true;
                    let r = self.round;
                    self.start_round(r, &mut out);
                }
            }
            Input::ProposeValue { round, value } => {
                if round == self.round && self.step == Step::Propose && self.is_proposer(round) {
                    // L19: broadcast our own proposal; we count it as received.
                    out.push(Output::Propose { round, value, valid_round: None });
                    self.proposals.entry(round).or_insert(ProposalInfo { value, valid_round: None, valid: true });
                }
            }
            Input::Proposal { round, value, valid_round, valid } => {
                // Proposals beyond the window are dropped, so their number stays bounded: the
                // proposer re-sends its proposal while its round lasts.
                if round <= self.round.saturating_add(ROUND_WINDOW) {
                    // Only the first proposal of a round counts; a second one is the proposer equivocating.
                    self.proposals.entry(round).or_insert(ProposalInfo { value, valid_round, valid });
                }
            }
            Input::Vote(v) => {
                if v.vote.height != self.height || v.vote.chain_id != self.chain_id {
                    return out;
                }
                if let Added::Equivocation(e) = self.votes.add(v) {
                    out.push(Output::Evidence(e));
                }
            }
            Input::Timeout { round, step } => self.on_timeout(round, step, &mut out),
        }
        self.apply_rules(&mut out);
        out
    }

    fn is_proposer(&self, round: u32) -> bool {
        proposer(&self.validators, self.height, round) == Some(self.me)
    }

    fn is_validator(&self) -> bool {
        self.validators.get(&self.me).is_some()
    }

    fn vote(&self, kind: VoteKind, value: Option<Hash>, out: &mut Vec<Output>) {
        if self.is_validator() {
            out.push(Output::Vote(Vote {
                chain_id: self.chain_id.clone(),
                height: self.height,
                round: self.round,
                kind,
                block_hash: value,
            }));
        }
    }

    fn timeout_ms(&self, step: Step, round: u32) -> u64 {
        let base = if step == Step::Propose { self.timeouts.propose_ms } else { self.timeouts.vote_ms };
        base.saturating_add(self.timeouts.delta_ms.saturating_mul(round as u64))
    }

    /// L11-L21 StartRound.
    fn start_round(&mut self, round: u32, out: &mut Vec<Output>) {
        self.round = round;
        self.step = Step::Propose;
        for e in self.votes.set_round(round) {
            out.push(Output::Evidence(Box::new(e)));
        }
        if self.is_proposer(round) {
            match self.valid {
                // L15: re-propose the valid value with its POL round.
                Some((v, vr)) => {
                    out.push(Output::Propose { round, value: v, valid_round: Some(vr) });
                    self.proposals.entry(round).or_insert(ProposalInfo {
                        value: v,
                        valid_round: Some(vr),
                        valid: true,
                    });
                }
                // L18: getValue().
                None => out.push(Output::GetValue { round }),
            }
        }
        // L21: schedule OnTimeoutPropose (also for the proposer, in case building the block fails).
        out.push(Output::ScheduleTimeout {
            round,
            step: Step::Propose,
            after_ms: self.timeout_ms(Step::Propose, round),
        });
    }

    fn on_timeout(&mut self, round: u32, step: Step, out: &mut Vec<Output>) {
        if round != self.round {
            return;
        }
        match step {
            // L57-L60
            Step::Propose if self.step == Step::Propose => {
                self.vote(VoteKind::Prevote, None, out);
                self.step = Step::Prevote;
            }
            // L61-L64
            Step::Prevote if self.step == Step::Prevote => {
                self.vote(VoteKind::Precommit, None, out);
                self.step = Step::Precommit;
            }
            // L65-L67
            Step::Precommit => self.start_round(round + 1, out),
            _ => {}
        }
    }

    /// Applies every rule whose condition holds, until none does.
    fn apply_rules(&mut self, out: &mut Vec<Output>) {
        if !self.started {
            return;
        }
        loop {
            if self.decided.is_some() || !self.step_once(out) {
                return;
            }
        }
    }

    fn step_once(&mut self, out: &mut Vec<Output>) -> bool {
        let q = self.votes.quorum();
        let r = self.round;
        // L49-L54: decide on 2f+1 precommits for a proposed valid value, in any round.
        let decide_on = if decide_on_prevotes() { VoteKind::Prevote } else { VoteKind::Precommit };
        let decision = self.proposals.iter().find_map(|(pr, p)| {
            (p.valid && self.votes.power_for(*pr, decide_on, Some(p.value)) >= q).then_some((*pr, p.value))
        });
        if let Some((round, value)) = decision {
            self.decided = Some(value);
            out.push(Output::Decide { round, value, precommits: self.votes.precommits_for(round, value) });
            return false;
        }
        // L55-L56: f+1 of the power is in a later round: skip to it (see `VoteKeeper::skip_round`).
        if let Some(later) = self.votes.skip_round(r) {
            self.start_round(later, out);
            return true;
        }
        let proposal = self.proposals.get(&r).copied();
        if self.step == Step::Propose
            && let Some(p) = proposal
        {
            match p.valid_round {
                // L22-L27
                None => {
                    let ok = p.valid && (self.locked.is_none_or(|(lv, _)| lv == p.value) || ignore_lock());
                    self.vote(VoteKind::Prevote, ok.then_some(p.value), out);
                    self.step = Step::Prevote;
                    return true;
                }
                // L28-L33
                Some(vr) if vr < r && self.votes.power_for(vr, VoteKind::Prevote, Some(p.value)) >= q => {
                    let ok = p.valid && (self.locked.is_none_or(|(lv, lr)| lr <= vr || lv == p.value) || ignore_lock());
                    self.vote(VoteKind::Prevote, ok.then_some(p.value), out);
                    self.step = Step::Prevote;
                    return true;
                }
                Some(_) => {}
            }
        }
        // L34-L35
        if self.step == Step::Prevote
            && self.votes.power_any(r, VoteKind::Prevote) >= q
            && self.prevote_timeout_set.insert(r)
        {
            out.push(Output::ScheduleTimeout {
                round: r,
                step: Step::Prevote,
                after_ms: self.timeout_ms(Step::Prevote, r),
            });
        }
        // L36-L43
        if self.step >= Step::Prevote
            && !self.l36_done.contains(&r)
            && let Some(p) = proposal.filter(|p| p.valid)
            && self.votes.power_for(r, VoteKind::Prevote, Some(p.value)) >= q
        {
            self.l36_done.insert(r);
            if self.step == Step::Prevote {
                self.locked = Some((p.value, r));
                self.vote(VoteKind::Precommit, Some(p.value), out);
                self.step = Step::Precommit;
            }
            self.valid = Some((p.value, r));
            return true;
        }
        // L44-L46
        if self.step == Step::Prevote && self.votes.power_for(r, VoteKind::Prevote, None) >= q {
            self.vote(VoteKind::Precommit, None, out);
            self.step = Step::Precommit;
            return true;
        }
        // L47-L48
        if self.votes.power_any(r, VoteKind::Precommit) >= q && self.precommit_timeout_set.insert(r) {
            out.push(Output::ScheduleTimeout {
                round: r,
                step: Step::Precommit,
                after_ms: self.timeout_ms(Step::Precommit, r),
            });
        }
        false
    }
}
