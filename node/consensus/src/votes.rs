//! The vote keeper: tallies signed votes per round and kind, finds quorums, and catches a
//! validator that signs two different votes for the same height, round and kind.
//!
//! Its size is bounded whatever the validators send: votes are tallied in full only up to
//! [`ROUND_WINDOW`] rounds above the current one (rounds the node only reaches through honest
//! validators' timeouts or a round skip, so their number grows only with honest progress); of a
//! validator's votes for later rounds only those of the highest such round it voted in are kept (at
//! most one per kind), enough to see that f+1 of the power has moved on (L55). So one Byzantine
//! validator voting in thousands of future rounds costs two votes of memory and moves no round.

use shulian_runtime::block::VoteKind;
use shulian_runtime::{Hash, PublicKey, ValidatorSet};
use std::collections::BTreeMap;

pub use shulian_runtime::evidence::{Equivocation, SignedVote};

#[derive(Default, Debug)]
struct Tally {
    /// Each validator's first vote.
    by_validator: BTreeMap<PublicKey, SignedVote>,
    /// Each equivocating validator's first conflicting vote: it counts towards its own value (not
    /// towards `total`), as the paper counts messages per value. Without it an equivocator could
    /// show each honest node a different first vote and hide from some of them a polka others
    /// locked on, stalling the height for good (found by the Twins tests).
    second: BTreeMap<PublicKey, SignedVote>,
    power_by_value: BTreeMap<Option<Hash>, u64>,
    total: u64,
}

/// How many rounds above the current one are tallied in full: the next round, the one the node
/// would move to when its current round times out. Votes for rounds beyond it count only towards
/// a round skip (L55) until the node's round comes near.
pub const ROUND_WINDOW: u32 = 1;

/// All votes of one height.
#[derive(Debug)]
pub struct VoteKeeper {
    validators: ValidatorSet,
    /// The owner's current round: votes up to `round + ROUND_WINDOW` are tallied.
    round: u32,
    tallies: BTreeMap<(u32, VoteKind), Tally>,
    /// Per validator, its votes (at most one per kind) in the highest round above the window that
    /// it voted in.
    ahead: BTreeMap<PublicKey, Vec<SignedVote>>,
}

/// What adding a vote did.
#[derive(Debug, PartialEq, Eq)]
pub enum Added {
    /// New vote counted.
    Counted,
    /// Already had exactly this vote.
    Duplicate,
    /// Signer is not a validator.
    NotValidator,
    /// Signer already voted differently: evidence.
    Equivocation(Box<Equivocation>),
    /// A vote for a round beyond the window: kept only as the signer's latest far round (it counts
    /// towards a round skip), or dropped if the signer has voted in a later round already.
    Ahead,
}

impl VoteKeeper {
    /// An empty keeper for `validators`.
    pub fn new(validators: ValidatorSet) -> Self {
        VoteKeeper { validators, round: 0, tallies: BTreeMap::new(), ahead: BTreeMap::new() }
    }

    /// Moves the window to `round` (rounds only go up) and tallies the kept far votes that are
    /// now inside it; returns the equivocations that turns up.
    pub fn set_round(&mut self, round: u32) -> Vec<Equivocation> {
        if round <= self.round {
            return Vec::new();
        }
        self.round = round;
        let top = round.saturating_add(ROUND_WINDOW);
        let near: Vec<PublicKey> = self
            .ahead
            .iter()
            .filter(|(_, votes)| votes.first().is_some_and(|v| v.vote.round <= top))
            .map(|(pk, _)| *pk)
            .collect();
        let mut evidence = Vec::new();
        for pk in near {
            for v in self.ahead.remove(&pk).unwrap_or_default() {
                if let Added::Equivocation(e) = self.add(v) {
                    evidence.push(*e);
                }
            }
        }
        evidence
    }

    /// Votes held: tallied ones and those kept for far rounds (for tests and bounds checks).
    pub fn stored_votes(&self) -> usize {
        self.tallies.values().map(|t| t.by_validator.len() + t.second.len()).sum::<usize>()
            + self.ahead.values().map(Vec::len).sum::<usize>()
    }

    fn add_ahead(&mut self, v: SignedVote) -> Added {
        let kept = self.ahead.entry(v.validator).or_default();
        match kept.first().map(|k| k.vote.round) {
            Some(r) if r > v.vote.round => {}
            Some(r) if r == v.vote.round => {
                if let Some(same_kind) = kept.iter().find(|k| k.vote.kind == v.vote.kind) {
                    // The first one stays; a conflicting one this far ahead is not worth evidence.
                    return if same_kind.vote == v.vote { Added::Duplicate } else { Added::Ahead };
                }
                kept.push(v);
            }
            _ => *kept = vec![v],
        }
        Added::Ahead
    }

    /// Power of more than two thirds.
    pub fn quorum(&self) -> u64 {
        #[cfg(test)]
        if crate::planted::on(crate::planted::Bug::QuorumTwoThirds) {
            return self.validators.total_power() * 2 / 3;
        }
        self.validators.quorum()
    }

    /// Power of more than one third (at least one honest validator).
    pub fn one_third(&self) -> u64 {
        self.validators.total_power() / 3 + 1
    }

    /// Counts a vote.
    pub fn add(&mut self, v: SignedVote) -> Added {
        let Some(power) = self.validators.get(&v.validator).map(|x| x.power) else { return Added::NotValidator };
        if v.vote.round > self.round.saturating_add(ROUND_WINDOW) {
            return self.add_ahead(v);
        }
        let t = self.tallies.entry((v.vote.round, v.vote.kind)).or_default();
        if let Some(prev) = t.by_validator.get(&v.validator) {
            if prev.vote == v.vote || t.second.get(&v.validator).is_some_and(|s| s.vote == v.vote) {
                #[cfg(test)]
                if crate::planted::on(crate::planted::Bug::CountDuplicateVotes) {
                    *t.power_by_value.entry(v.vote.block_hash).or_default() += power;
                    t.total += power;
                }
                return Added::Duplicate;
            }
            let evidence = Equivocation { first: prev.clone(), second: v.clone() };
            if !t.second.contains_key(&v.validator) {
                *t.power_by_value.entry(v.vote.block_hash).or_default() += power;
                t.second.insert(v.validator, v);
            }
            return Added::Equivocation(Box::new(evidence));
        }
        *t.power_by_value.entry(v.vote.block_hash).or_default() += power;
        t.total += power;
        t.by_validator.insert(v.validator, v);
        Added::Counted
    }

    /// Power that voted `value` (None = nil) in `round` / `kind`.
    pub fn power_for(&self, round: u32, kind: VoteKind, value: Option<Hash>) -> u64 {
        self.tallies.get(&(round, kind)).and_then(|t| t.power_by_value.get(&value)).copied().unwrap_or(0)
    }

    /// Power that voted anything in `round` / `kind`.
    pub fn power_any(&self, round: u32, kind: VoteKind) -> u64 {
        self.tallies.get(&(round, kind)).map(|t| t.total).unwrap_or(0)
    }

    /// A value (not nil) with a quorum in `round` / `kind`, if any.
    pub fn quorum_value(&self, round: u32, kind: VoteKind) -> Option<Hash> {
        let q = self.quorum();
        self.tallies
            .get(&(round, kind))?
            .power_by_value
            .iter()
            .find(|(v, p)| v.is_some() && **p >= q)
            .and_then(|(v, _)| *v)
    }

    /// The round to skip to from `round` (L55), if any: the highest round `x > round` such that
    /// validators with more than a third of the power voted in round `x` or later. Then at least
    /// one honest validator has reached `x`, so a Byzantine minority alone never moves the round
    /// (the paper asks for f+1 messages of round `x` itself; counting later rounds too finds the
    /// same honest progress when honest validators are spread over neighbouring rounds).
    pub fn skip_round(&self, round: u32) -> Option<u32> {
        let mut highest: BTreeMap<PublicKey, u32> = BTreeMap::new();
        for ((r, _), t) in self.tallies.range((round.saturating_add(1), VoteKind::Prevote)..) {
            for pk in t.by_validator.keys() {
                let h = highest.entry(*pk).or_insert(*r);
                *h = (*h).max(*r);
            }
        }
        for (pk, votes) in &self.ahead {
            if let Some(r) = votes.first().map(|v| v.vote.round) {
                let h = highest.entry(*pk).or_insert(r);
                *h = (*h).max(r);
            }
        }
        let mut by_round: Vec<(u32, u64)> = highest
            .iter()
            .filter_map(|(pk, r)| self.validators.get(pk).map(|v| (*r, v.power)))
            .filter(|(r, _)| *r > round)
            .collect();
        by_round.sort_unstable_by_key(|(r, _)| std::cmp::Reverse(*r));
        let need = self.one_third();
        let mut power = 0u64;
        for (r, p) in by_round {
            power = power.saturating_add(p);
            if power >= need {
                return Some(r);
            }
        }
        None
    }

    /// The precommits for `value` in `round`: the commit certificate's signatures.
    pub fn precommits_for(&self, round: u32, value: Hash) -> Vec<SignedVote> {
        self.votes_for(round, VoteKind::Precommit, value)
    }

    /// The votes of `kind` for `value` in `round` (an equivocator's counted second vote too).
    pub fn votes_for(&self, round: u32, kind: VoteKind, value: Hash) -> Vec<SignedVote> {
        self.tallies
            .get(&(round, kind))
            .map(|t| {
                t.by_validator
                    .values()
                    .chain(t.second.values())
                    .filter(|v| v.vote.block_hash == Some(value))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shulian_runtime::Vote;
    use shulian_runtime::block::{VOTE_SIGN_TAG, Validator};
    use shulian_runtime::test_utils::key;
    use shulian_runtime::{Height, SecretKey};

    fn signed(k: &SecretKey, round: u32, kind: VoteKind, value: Option<Hash>) -> SignedVote {
        let vote = Vote { chain_id: "c".into(), height: Height(1), round, kind, block_hash: value };
        SignedVote { signature: k.sign(VOTE_SIGN_TAG, &vote.sign_bytes()), vote, validator: k.public_key() }
    }

    fn keeper(keys: &[SecretKey]) -> VoteKeeper {
        VoteKeeper::new(ValidatorSet {
            validators: keys
                .iter()
                .map(|k| Validator { name: "v".into(), public_key: k.public_key(), power: 1 })
                .collect(),
        })
    }

    #[test]
    fn conflicting_votes_are_caught_as_equivocation_and_count_once_per_value() {
        let keys: Vec<SecretKey> = (1..=4u8).map(key).collect();
        let mut k = keeper(&keys);
        let a = Hash([1; 32]);
        let b = Hash([2; 32]);
        assert_eq!(k.add(signed(&keys[0], 0, VoteKind::Prevote, Some(a))), Added::Counted);
        assert_eq!(k.add(signed(&keys[0], 0, VoteKind::Prevote, Some(a))), Added::Duplicate);
        match k.add(signed(&keys[0], 0, VoteKind::Prevote, Some(b))) {
            Added::Equivocation(e) => {
                assert_eq!(e.first.vote.block_hash, Some(a));
                assert_eq!(e.second.vote.block_hash, Some(b));
            }
            other => panic!("expected equivocation, got {other:?}"),
        }
        // The conflicting vote counts towards its own value (the paper counts messages per value),
        // the validator once towards the round's total; a third value counts nowhere.
        assert_eq!(k.power_for(0, VoteKind::Prevote, Some(a)), 1);
        assert_eq!(k.power_for(0, VoteKind::Prevote, Some(b)), 1);
        assert_eq!(k.power_any(0, VoteKind::Prevote), 1);
        assert_eq!(k.add(signed(&keys[0], 0, VoteKind::Prevote, Some(b))), Added::Duplicate);
        let c = Hash([3; 32]);
        assert!(matches!(k.add(signed(&keys[0], 0, VoteKind::Prevote, Some(c))), Added::Equivocation(_)));
        assert_eq!(k.power_for(0, VoteKind::Prevote, Some(c)), 0, "only the first conflicting vote counts");
        assert_eq!(k.stored_votes(), 2);
        assert_eq!(k.add(signed(&key(9), 0, VoteKind::Prevote, Some(a))), Added::NotValidator);
    }

    #[test]
    fn one_validator_voting_in_ten_thousand_future_rounds_is_held_in_two_votes_and_moves_no_round() {
        let keys: Vec<SecretKey> = (1..=4u8).map(key).collect();
        let mut k = keeper(&keys);
        for round in 1..=10_000u32 {
            for kind in [VoteKind::Prevote, VoteKind::Precommit] {
                k.add(signed(&keys[3], round, kind, Some(Hash([round as u8; 32]))));
            }
        }
        // Round 1 is in the window (tallied), the rest keep only the latest far round.
        assert!(k.stored_votes() <= 4, "{} votes stored", k.stored_votes());
        assert_eq!(k.skip_round(0), None, "one validator of four is not f+1");
        // A second validator reaching round 7 makes f+1 at round 7 or later: skip to 7, not 10 000.
        k.add(signed(&keys[0], 7, VoteKind::Prevote, None));
        assert_eq!(k.skip_round(0), Some(7));
        // Moving the window to 7 tallies the kept round-7 vote.
        assert!(k.set_round(7).is_empty());
        assert_eq!(k.power_any(7, VoteKind::Prevote), 1);
        assert_eq!(k.skip_round(7), None);
    }

    #[test]
    fn quorum_needs_more_than_two_thirds() {
        let keys: Vec<SecretKey> = (1..=4u8).map(key).collect();
        let mut k = keeper(&keys);
        let a = Hash([1; 32]);
        for key in &keys[..2] {
            k.add(signed(key, 0, VoteKind::Precommit, Some(a)));
        }
        assert_eq!(k.quorum_value(0, VoteKind::Precommit), None);
        k.add(signed(&keys[2], 0, VoteKind::Precommit, Some(a)));
        assert_eq!(k.quorum_value(0, VoteKind::Precommit), Some(a));
        assert_eq!(k.precommits_for(0, a).len(), 3);
    }
}
