//! Proofs of history from blocks (ADR 0004): a committed transaction's outcome with its Merkle
//! path to the block's `outcomes_root` and the block's commit certificate.

use super::{ChainStore, StoreResult};
use shulian_runtime::Hash;
use shulian_runtime::merkle::list_proof;
use shulian_runtime::outcome_proof::OutcomeProof;

impl ChainStore {
    /// The outcome proof of committed transaction `tx_hash` (`None` if this node has not
    /// committed it). Reads the transaction's block once: its header, its outcomes (for the
    /// path) and its certificate.
    pub fn outcome_proof(&self, tx_hash: &Hash) -> StoreResult<Option<OutcomeProof>> {
        let Some(loc) = self.tx_location(tx_hash)? else { return Ok(None) };
        let (Some(block), Some(certificate), Some(outcomes)) =
            (self.block(loc.height)?, self.certificate(loc.height)?, self.outcomes(loc.height)?)
        else {
            return Ok(None);
        };
        let index = loc.index as usize;
        let hashes: Vec<Hash> = outcomes.iter().map(|o| o.hash()).collect();
        let (Some(outcome), Some(path)) = (outcomes.into_iter().nth(index), list_proof(&hashes, index)) else {
            return Ok(None);
        };
        Ok(Some(OutcomeProof { header: block.header, certificate, outcome, path }))
    }
}
