//! The checks a proposal from the network passes before the driver buffers or executes it: the
//! round's expected proposer signed it, the block's header names that same proposer, and the
//! signature holds over the block it carries. Cheap checks first: nothing is hashed or verified
//! for a proposal from the wrong validator.

use crate::network::wire::SignedProposal;
use shulian_consensus::proposer;
use shulian_runtime::ValidatorSet;

/// Why a proposal is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ProposalRefused {
    /// The signer is not the round's proposer.
    #[error("signed by a validator that is not the round's proposer")]
    WrongProposer,
    /// The block's header names another proposer than the signer.
    #[error("the block names another proposer than the proposal's signer")]
    HeaderProposer,
    /// The signature or the block does not match.
    #[error("{0}")]
    Bad(&'static str),
}

/// Checks `p` against `validators` (see the module doc).
pub(crate) fn check_proposal(validators: &ValidatorSet, p: &SignedProposal) -> Result<(), ProposalRefused> {
    let h = &p.header;
    if proposer(validators, h.height, h.round) != Some(p.proposer) {
        return Err(ProposalRefused::WrongProposer);
    }
    if p.block.header.proposer != p.proposer {
        return Err(ProposalRefused::HeaderProposer);
    }
    p.verify().map_err(ProposalRefused::Bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shulian_runtime::block::Validator;
    use shulian_runtime::test_utils::key;
    use shulian_runtime::{Block, BlockHeader, Hash, Height};

    fn block(proposer: u8) -> Block {
        let header = BlockHeader {
            protocol_version: 1,
            chain_id: "c".into(),
            height: Height(3),
            parent_hash: Hash::ZERO,
            timestamp_ms: 1,
            proposer: key(proposer).public_key(),
            tx_root: Hash::ZERO,
            outcomes_root: Hash::ZERO,
            state_root: Hash::ZERO,
            next_validators_hash: Hash([5; 32]),
        };
        Block { header, txs: vec![] }
    }

    #[test]
    fn a_proposal_whose_header_names_another_proposer_than_its_signer_is_refused() {
        let set = ValidatorSet {
            validators: (1..=4u8)
                .map(|i| Validator { name: "v".into(), public_key: key(i).public_key(), power: 1 })
                .collect(),
        };
        // (height 3 + round 0) mod 4 = validator 4 proposes round 0.
        let good = SignedProposal::sign(&key(4), "c", 0, None, block(4));
        assert_eq!(check_proposal(&set, &good), Ok(()));
        let other_header = SignedProposal::sign(&key(4), "c", 0, None, block(1));
        assert_eq!(check_proposal(&set, &other_header), Err(ProposalRefused::HeaderProposer));
        let wrong_round = SignedProposal::sign(&key(4), "c", 1, None, block(4));
        assert_eq!(check_proposal(&set, &wrong_round), Err(ProposalRefused::WrongProposer));
        let mut forged = good.clone();
        forged.signature.0[0] ^= 1;
        assert!(matches!(check_proposal(&set, &forged), Err(ProposalRefused::Bad(_))));
    }
}
