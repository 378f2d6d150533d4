//! The vote keeper: tallies signed votes per round and kind, finds quorums, and catches a
//! validator that signs two different votes for the same height, round and kind.

use shulian_runtime::block::VoteKind;
use shulian_runtime::{Hash, PublicKey, ValidatorSet};
use std::collections::BTreeMap;

pub use shulian_runtime::evidence::{Equivocation, SignedVote};

#[derive(Default, Debug)]
struct Tally {
    by_validator: BTreeMap<PublicKey, SignedVote>,
    power_by_value: BTreeMap<Option<Hash>, u64>,
    total: u64,
}

/// All votes of one height.
#[derive(Debug)]
pub struct VoteKeeper {
    validators: ValidatorSet,
    tallies: BTreeMap<(u32, VoteKind), Tally>,
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
}

impl VoteKeeper {
    /// An empty keeper for `validators`.
    pub fn new(validators: ValidatorSet) -> Self {
        VoteKeeper { validators, tallies: BTreeMap::new() }
    }

    /// Power of more than two thirds.
    pub fn quorum(&self) -> u64 {
        self.validators.quorum()
    }

    /// Power of more than one third (at least one honest validator).
    pub fn one_third(&self) -> u64 {
        self.validators.total_power() / 3 + 1
    }

    /// Counts a vote.
    pub fn add(&mut self, v: SignedVote) -> Added {
        let Some(power) = self.validators.get(&v.validator).map(|x| x.power) else { return Added::NotValidator };
        let t = self.tallies.entry((v.vote.round, v.vote.kind)).or_default();
        if let Some(prev) = t.by_validator.get(&v.validator) {
            if prev.vote == v.vote {
                return Added::Duplicate;
            }
            return Added::Equivocation(Box::new(Equivocation { first: prev.clone(), second: v }));
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

    /// Power of distinct validators that sent any vote in `round`.
    pub fn power_in_round(&self, round: u32) -> u64 {
        let mut seen = BTreeMap::new();
        for kind in [VoteKind::Prevote, VoteKind::Precommit] {
            if let Some(t) = self.tallies.get(&(round, kind)) {
                for pk in t.by_validator.keys() {
                    if let Some(v) = self.validators.get(pk) {
                        seen.insert(*pk, v.power);
                    }
                }
            }
        }
        seen.values().sum()
    }

    /// The precommits for `value` in `round`: the commit certificate's signatures.
    pub fn precommits_for(&self, round: u32, value: Hash) -> Vec<SignedVote> {
        self.tallies
            .get(&(round, VoteKind::Precommit))
            .map(|t| t.by_validator.values().filter(|v| v.vote.block_hash == Some(value)).cloned().collect())
            .unwrap_or_default()
    }

    /// Rounds above `round` that have any votes.
    pub fn rounds_above(&self, round: u32) -> Vec<u32> {
        let mut r: Vec<u32> = self.tallies.keys().map(|(r, _)| *r).filter(|x| *x > round).collect();
        r.dedup();
        r
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
    fn conflicting_votes_are_caught_as_equivocation_and_counted_once() {
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
        assert_eq!(k.power_for(0, VoteKind::Prevote, Some(b)), 0, "the second vote does not count");
        assert_eq!(k.add(signed(&key(9), 0, VoteKind::Prevote, Some(a))), Added::NotValidator);
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
