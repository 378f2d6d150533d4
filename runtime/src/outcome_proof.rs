//! The proof that a transaction's outcome, and so each of its events (a usage receipt, a
//! delivery, a settlement), is in a final block (ADR 0004): the outcome, its Merkle path to the
//! header's `outcomes_root`, and the header's commit certificate. History is proven from blocks,
//! not from state: a receipt needs no state entry to be proven.

use crate::block::{BlockHeader, CertificateError, CommitCertificate, ValidatorSet};
use crate::exec::TxOutcome;
use crate::hash::Hash;
use crate::merkle::{ListProof, verify_list_proof};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// A transaction's outcome with what proves it final.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct OutcomeProof {
    /// The header of the block that holds the transaction.
    pub header: BlockHeader,
    /// The header's commit certificate.
    pub certificate: CommitCertificate,
    /// The outcome (its borsh encoding is what the header's `outcomes_root` commits to).
    pub outcome: TxOutcome,
    /// The outcome's path to `header.outcomes_root` (its index is the transaction's in the block).
    pub path: ListProof,
}

/// Why an outcome proof proves nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutcomeProofError {
    /// The certificate does not make the header final under the validators.
    #[error("the block is not proven final: {0}")]
    Certificate(#[from] CertificateError),
    /// The outcome is another transaction's.
    #[error("the outcome is for transaction {got}, not {expected}")]
    OtherTransaction {
        /// The transaction asked about.
        expected: Hash,
        /// The outcome's.
        got: Hash,
    },
    /// The path does not lead from the outcome to the header's `outcomes_root`.
    #[error("the outcome is not in the block: its path does not lead to outcomes_root {0}")]
    NotInBlock(Hash),
}

impl OutcomeProof {
    /// Checks that this is the outcome of transaction `tx_hash` in a block made final by
    /// `validators`, and answers it.
    pub fn verify(&self, tx_hash: &Hash, validators: &ValidatorSet) -> Result<&TxOutcome, OutcomeProofError> {
        self.certificate.verify(&self.header, validators)?;
        if self.outcome.tx_hash != *tx_hash {
            return Err(OutcomeProofError::OtherTransaction { expected: *tx_hash, got: self.outcome.tx_hash });
        }
        if !verify_list_proof(&self.header.outcomes_root, &self.outcome.hash(), &self.path) {
            return Err(OutcomeProofError::NotInBlock(self.header.outcomes_root));
        }
        Ok(&self.outcome)
    }
}
