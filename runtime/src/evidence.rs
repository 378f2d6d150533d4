//! Signed consensus votes and equivocation evidence: two different votes signed by one validator
//! for the same height, round and step. Evidence is self-proving (both signatures verify), so any
//! node can check it and the ledger can record it for the regulator.

use crate::block::{VOTE_SIGN_TAG, ValidatorSet, Vote};
use crate::crypto::{PublicKey, Signature};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// A vote with its signer and signature.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedVote {
    /// What was signed.
    pub vote: Vote,
    /// Who signed.
    pub validator: PublicKey,
    /// The signature over `vote.sign_bytes()` with [`VOTE_SIGN_TAG`].
    pub signature: Signature,
}

impl SignedVote {
    /// Whether the signature is the validator's over this vote.
    pub fn verify(&self) -> bool {
        self.validator.verify(VOTE_SIGN_TAG, &self.vote.sign_bytes(), &self.signature).is_ok()
    }
}

/// Two conflicting votes from one validator: proof of equivocation.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Equivocation {
    /// The first vote seen.
    pub first: SignedVote,
    /// The conflicting one.
    pub second: SignedVote,
}

/// Why evidence does not prove equivocation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    /// The votes are from different validators.
    #[error("the two votes are signed by different validators")]
    DifferentSigners,
    /// The signer is not a validator.
    #[error("signer {0} is not in the validator set")]
    NotValidator(PublicKey),
    /// The votes are for different chains, heights, rounds or steps.
    #[error("the two votes are not for the same chain, height, round and step")]
    DifferentSlots,
    /// The votes are equal.
    #[error("the two votes are identical: no conflict")]
    SameVote,
    /// A vote is for another chain.
    #[error("the votes are for chain {got:?}, not {expected:?}")]
    WrongChain {
        /// This chain.
        expected: String,
        /// The votes' chain.
        got: String,
    },
    /// A signature does not verify.
    #[error("a vote's signature does not verify")]
    BadSignature,
}

impl Equivocation {
    /// Checks that this proves `first.validator`, a member of `validators`, signed two different
    /// votes for one height, round and step of `chain_id`.
    pub fn verify(&self, chain_id: &str, validators: &ValidatorSet) -> Result<(), EvidenceError> {
        let (a, b) = (&self.first, &self.second);
        if a.validator != b.validator {
            return Err(EvidenceError::DifferentSigners);
        }
        if validators.get(&a.validator).is_none() {
            return Err(EvidenceError::NotValidator(a.validator));
        }
        if a.vote.chain_id != chain_id {
            return Err(EvidenceError::WrongChain { expected: chain_id.to_string(), got: a.vote.chain_id.clone() });
        }
        if (&a.vote.chain_id, a.vote.height, a.vote.round, a.vote.kind)
            != (&b.vote.chain_id, b.vote.height, b.vote.round, b.vote.kind)
        {
            return Err(EvidenceError::DifferentSlots);
        }
        if a.vote.block_hash == b.vote.block_hash {
            return Err(EvidenceError::SameVote);
        }
        if !a.verify() || !b.verify() {
            return Err(EvidenceError::BadSignature);
        }
        Ok(())
    }
}
