//! Blocks, votes and commit certificates.
//!
//! `BlockHeader::state_root` is the root of the state *after* this block's transactions are applied
//! (validators execute a proposal before voting for it), so a block's commit certificate directly
//! vouches for the state it produced and any proof against that root.

use crate::crypto::{PublicKey, Signature};
use crate::hash::Hash;
use crate::ids::Height;
use crate::merkle::list_root;
use crate::tx::Transaction;
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Domain tag of block (header) hashes (an alias of [`crate::domain::BLOCK_HASH`]).
pub const BLOCK_HASH_TAG: &[u8] = crate::domain::BLOCK_HASH;
/// Domain tag of vote signatures (an alias of [`crate::domain::VOTE_SIGN`]).
pub const VOTE_SIGN_TAG: &[u8] = crate::domain::VOTE_SIGN;

/// Most transactions in a block: a consensus rule (`docs/consensus.md`, "Block limits"). 10 000
/// transfers execute in well under a propose timeout on the 2-core reference machine
/// (`docs/benchmarks.md`), so an honest proposer's largest block never stalls a round.
pub const MAX_BLOCK_TXS: usize = 10_000;
/// Largest encoded transaction in a block: a consensus rule, the same bound admission applies to a
/// client's transaction ([`crate::tx::DEFAULT_MAX_TX_BYTES`], 64 KiB), so whatever a mempool
/// admits fits in a block and nothing larger can be certified.
pub const MAX_TX_BYTES: usize = crate::tx::DEFAULT_MAX_TX_BYTES;
/// Most bytes of encoded transactions in a block: a consensus rule. 8 MiB keeps a full proposal
/// (transactions, header and signature) at half the 16 MiB network frame limit and bounds what a
/// validator executes and holds for one proposal.
pub const MAX_BLOCK_TX_BYTES: usize = 8 * 1024 * 1024;

/// Why a block breaks a size rule (see [`Block::check_limits`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    /// More transactions than [`MAX_BLOCK_TXS`].
    #[error("block has {count} transactions, more than the limit of {limit}")]
    TooManyTxs {
        /// Transactions in the block.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// A transaction larger than [`MAX_TX_BYTES`].
    #[error("transaction {index} is {size} bytes, more than the limit of {limit} bytes")]
    TxTooLarge {
        /// Position in the block.
        index: usize,
        /// Encoded size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// More transaction bytes than [`MAX_BLOCK_TX_BYTES`].
    #[error("block has {bytes} bytes of transactions, more than the limit of {limit} bytes")]
    TooManyBytes {
        /// Encoded transaction bytes in the block.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
}

/// A block header: everything that the block hash commits to.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlockHeader {
    /// The protocol version the block follows (`valset::version_for`); first, so a node can tell
    /// a block of a version it does not know before reading the rest.
    pub protocol_version: u32,
    /// The chain.
    pub chain_id: String,
    /// Height, 1 for the first block after genesis.
    pub height: Height,
    /// Hash of the previous block's header (the genesis hash for height 1).
    pub parent_hash: Hash,
    /// Proposer's wall-clock time in milliseconds since the Unix epoch; strictly greater than the
    /// parent's. This is "ledger time" for contracts.
    pub timestamp_ms: u64,
    /// The validator that proposed the block.
    pub proposer: PublicKey,
    /// Merkle root of the transaction hashes, in block order.
    pub tx_root: Hash,
    /// Merkle root of the hashes of the transactions' outcomes, in block order.
    pub outcomes_root: Hash,
    /// State root after applying this block.
    pub state_root: Hash,
    /// Hash of the validator set that signs the next block (`valset`): the chain of these hashes
    /// from genesis tells which set certifies each block.
    pub next_validators_hash: Hash,
}

impl BlockHeader {
    /// The block hash.
    pub fn hash(&self) -> Hash {
        Hash::of_borsh(BLOCK_HASH_TAG, self)
    }
}

/// A block: header and transactions.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Block {
    /// Header.
    pub header: BlockHeader,
    /// Transactions, in execution order.
    pub txs: Vec<Transaction>,
}

impl Block {
    /// The block hash (of its header).
    pub fn hash(&self) -> Hash {
        self.header.hash()
    }

    /// Checks the size rules every node applies to every block: at most [`MAX_BLOCK_TXS`]
    /// transactions, each at most [`MAX_TX_BYTES`] encoded, together at most
    /// [`MAX_BLOCK_TX_BYTES`]. The count is checked before anything is encoded.
    pub fn check_limits(&self) -> Result<(), LimitError> {
        if self.txs.len() > MAX_BLOCK_TXS {
            return Err(LimitError::TooManyTxs { count: self.txs.len(), limit: MAX_BLOCK_TXS });
        }
        let mut total = 0usize;
        for (index, tx) in self.txs.iter().enumerate() {
            // borsh is canonical for transactions: this is the size of the bytes that were decoded.
            let size = tx.encoded_len();
            if size > MAX_TX_BYTES {
                return Err(LimitError::TxTooLarge { index, size, limit: MAX_TX_BYTES });
            }
            total = total.saturating_add(size);
            if total > MAX_BLOCK_TX_BYTES {
                return Err(LimitError::TooManyBytes { bytes: total, limit: MAX_BLOCK_TX_BYTES });
            }
        }
        Ok(())
    }

    /// The tx root computed from the transactions.
    pub fn compute_tx_root(txs: &[Transaction]) -> Hash {
        list_root(&Self::tx_hashes_of(txs))
    }

    /// The hashes of this block's transactions, in block order (the leaves of the tx root).
    pub fn tx_hashes(&self) -> Vec<Hash> {
        Self::tx_hashes_of(&self.txs)
    }

    /// The hashes of `txs`, in order.
    pub fn tx_hashes_of(txs: &[Transaction]) -> Vec<Hash> {
        txs.iter().map(Transaction::hash).collect()
    }
}

/// The kind of a consensus vote.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VoteKind {
    /// First voting step.
    Prevote,
    /// Second voting step; 2f+1 of them commit a block.
    Precommit,
}

/// What a validator signs when it votes.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Vote {
    /// Chain.
    pub chain_id: String,
    /// Height.
    pub height: Height,
    /// Round within the height.
    pub round: u32,
    /// Step.
    pub kind: VoteKind,
    /// The block voted for; `None` is a vote for nothing (nil).
    pub block_hash: Option<Hash>,
}

impl Vote {
    /// The bytes that are signed (with [`VOTE_SIGN_TAG`]).
    pub fn sign_bytes(&self) -> Vec<u8> {
        borsh::to_vec(self).unwrap_or_default()
    }
}

/// One validator in the set.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Validator {
    /// Human name (the operating organization).
    pub name: String,
    /// Consensus key.
    pub public_key: PublicKey,
    /// Voting power (> 0).
    pub power: u64,
}

/// The validators of a chain, in a fixed order.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValidatorSet {
    /// Members, in genesis order.
    pub validators: Vec<Validator>,
}

impl ValidatorSet {
    /// Sum of all voting power.
    pub fn total_power(&self) -> u64 {
        self.validators.iter().map(|v| v.power).sum()
    }

    /// Smallest power that is more than two thirds of the total.
    pub fn quorum(&self) -> u64 {
        if crate::planted::on(crate::planted::Bug::CertificateQuorumTwoThirds) {
            return self.total_power() * 2 / 3;
        }
        self.total_power() * 2 / 3 + 1
    }

    /// The member with this key.
    pub fn get(&self, pk: &PublicKey) -> Option<&Validator> {
        self.validators.iter().find(|v| &v.public_key == pk)
    }

    /// Hash of the set, for headers and sync.
    pub fn hash(&self) -> Hash {
        Hash::of_borsh(crate::domain::VALIDATOR_SET_HASH, self)
    }
}

/// One precommit signature in a certificate.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommitSig {
    /// The validator.
    pub validator: PublicKey,
    /// Its signature over the precommit [`Vote`].
    pub signature: Signature,
}

/// Proof that a block is final: precommits for it from more than two thirds of the voting power.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommitCertificate {
    /// Height of the block.
    pub height: Height,
    /// Round in which it was committed.
    pub round: u32,
    /// The block.
    pub block_hash: Hash,
    /// Precommit signatures.
    pub signatures: Vec<CommitSig>,
}

/// Why a certificate does not prove finality.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// Certificate for another block or height.
    #[error("certificate is for block {got} at height {got_height}, expected {expected} at height {expected_height}")]
    WrongBlock {
        /// Expected block.
        expected: Hash,
        /// Expected height.
        expected_height: Height,
        /// Certified block.
        got: Hash,
        /// Certified height.
        got_height: Height,
    },
    /// A signer is not a validator.
    #[error("signer {0} is not in the validator set")]
    UnknownValidator(PublicKey),
    /// A validator signed twice.
    #[error("validator {0} appears twice in the certificate")]
    Duplicate(PublicKey),
    /// A signature does not verify.
    #[error("precommit signature of {0} does not verify")]
    BadSignature(PublicKey),
    /// Not enough power.
    #[error("certificate carries {got} voting power, a quorum needs {needed}")]
    NoQuorum {
        /// Signed power.
        got: u64,
        /// Quorum.
        needed: u64,
    },
}

impl CommitCertificate {
    /// The precommit vote that each signature covers.
    pub fn vote(&self, chain_id: &str) -> Vote {
        Vote {
            chain_id: chain_id.to_string(),
            height: self.height,
            round: self.round,
            kind: VoteKind::Precommit,
            block_hash: Some(self.block_hash),
        }
    }

    /// Verifies that this certificate finalizes `header` under `validators`.
    pub fn verify(&self, header: &BlockHeader, validators: &ValidatorSet) -> Result<(), CertificateError> {
        let expected = header.hash();
        if self.block_hash != expected || self.height != header.height {
            return Err(CertificateError::WrongBlock {
                expected,
                expected_height: header.height,
                got: self.block_hash,
                got_height: self.height,
            });
        }
        let msg = self.vote(&header.chain_id).sign_bytes();
        let mut seen = BTreeSet::new();
        let mut power = 0u64;
        for s in &self.signatures {
            let v = validators.get(&s.validator).ok_or(CertificateError::UnknownValidator(s.validator))?;
            if !seen.insert(s.validator) {
                return Err(CertificateError::Duplicate(s.validator));
            }
            s.validator
                .verify(VOTE_SIGN_TAG, &msg, &s.signature)
                .map_err(|_| CertificateError::BadSignature(s.validator))?;
            power = power.saturating_add(v.power);
        }
        let needed = validators.quorum();
        if power < needed {
            return Err(CertificateError::NoQuorum { got: power, needed });
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::crypto::SecretKey;
    use crate::test_utils::key;

    fn header() -> BlockHeader {
        BlockHeader {
            protocol_version: 1,
            chain_id: "c".into(),
            height: Height(4),
            parent_hash: Hash::ZERO,
            timestamp_ms: 1,
            proposer: key(1).public_key(),
            tx_root: Hash::ZERO,
            outcomes_root: Hash::ZERO,
            state_root: Hash::ZERO,
            next_validators_hash: Hash([5; 32]),
        }
    }

    fn certify(h: &BlockHeader, keys: &[SecretKey]) -> CommitCertificate {
        let mut c = CommitCertificate { height: h.height, round: 0, block_hash: h.hash(), signatures: vec![] };
        let msg = c.vote(&h.chain_id).sign_bytes();
        c.signatures = keys
            .iter()
            .map(|k| CommitSig { validator: k.public_key(), signature: k.sign(VOTE_SIGN_TAG, &msg) })
            .collect();
        c
    }

    /// A signed deposit whose encoding is exactly `size` bytes (padded in its bank reference).
    fn tx_of_size(nonce: u64, size: usize) -> Transaction {
        let make = |pad: usize| {
            crate::test_utils::signed(
                "c",
                &key(2),
                nonce,
                crate::call::Call::Settlement(crate::call::SettlementCall::Deposit {
                    to: crate::test_utils::account(2),
                    amount: crate::ids::Fen(1),
                    bank_ref: "x".repeat(pad),
                }),
            )
        };
        let base = make(0).encoded_len();
        let tx = make(size - base);
        assert_eq!(tx.encoded_len(), size);
        tx
    }

    fn block_of(txs: Vec<Transaction>) -> Block {
        Block { header: header(), txs }
    }

    #[test]
    fn block_limits_accept_exactly_the_limit_and_refuse_one_more() {
        // Transaction count.
        let small = tx_of_size(0, 200);
        assert_eq!(block_of(vec![small.clone(); MAX_BLOCK_TXS]).check_limits(), Ok(()));
        assert_eq!(
            block_of(vec![small; MAX_BLOCK_TXS + 1]).check_limits(),
            Err(LimitError::TooManyTxs { count: MAX_BLOCK_TXS + 1, limit: MAX_BLOCK_TXS })
        );
        // One transaction's size.
        assert_eq!(block_of(vec![tx_of_size(0, MAX_TX_BYTES)]).check_limits(), Ok(()));
        assert_eq!(
            block_of(vec![tx_of_size(0, 300), tx_of_size(1, MAX_TX_BYTES + 1)]).check_limits(),
            Err(LimitError::TxTooLarge { index: 1, size: MAX_TX_BYTES + 1, limit: MAX_TX_BYTES })
        );
        // The block's transaction bytes: full-size transactions and one that makes up the rest.
        let full = MAX_BLOCK_TX_BYTES / MAX_TX_BYTES;
        let rest = MAX_BLOCK_TX_BYTES - full * MAX_TX_BYTES;
        assert_eq!(rest, 0, "8 MiB is a whole number of 64 KiB transactions");
        let mut txs = vec![tx_of_size(0, MAX_TX_BYTES); full - 1];
        txs.push(tx_of_size(1, MAX_TX_BYTES - 300));
        txs.push(tx_of_size(2, 300));
        assert_eq!(block_of(txs.clone()).check_limits(), Ok(()), "exactly {MAX_BLOCK_TX_BYTES} bytes");
        txs.pop();
        txs.push(tx_of_size(2, 301));
        assert_eq!(
            block_of(txs).check_limits(),
            Err(LimitError::TooManyBytes { bytes: MAX_BLOCK_TX_BYTES + 1, limit: MAX_BLOCK_TX_BYTES })
        );
    }

    #[test]
    fn block_limits_are_the_pinned_consensus_values() {
        // Changing one is a consensus change: docs/consensus.md, "Block limits".
        assert_eq!((MAX_BLOCK_TXS, MAX_TX_BYTES, MAX_BLOCK_TX_BYTES), (10_000, 65_536, 8_388_608));
    }

    #[test]
    fn block_round_trip() {
        let b = Block { header: header(), txs: vec![] };
        let bytes = borsh::to_vec(&b).expect("encode");
        assert_eq!(borsh::from_slice::<Block>(&bytes).expect("decode"), b);
    }

    #[test]
    pub(crate) fn certificate_needs_quorum_of_valid_signatures() {
        let keys: Vec<SecretKey> = (1..=4u8).map(key).collect();
        let set = ValidatorSet {
            validators: keys
                .iter()
                .map(|k| Validator { name: "v".into(), public_key: k.public_key(), power: 1 })
                .collect(),
        };
        let h = header();
        assert_eq!(certify(&h, &keys[..3]).verify(&h, &set), Ok(()));
        assert!(matches!(
            certify(&h, &keys[..2]).verify(&h, &set),
            Err(CertificateError::NoQuorum { got: 2, needed: 3 })
        ));
        let mut bad = certify(&h, &keys[..3]);
        bad.signatures[1].signature.0[0] ^= 1;
        assert!(matches!(bad.verify(&h, &set), Err(CertificateError::BadSignature(_))));
        let mut dup = certify(&h, &keys[..3]);
        dup.signatures[2] = dup.signatures[0].clone();
        assert!(matches!(dup.verify(&h, &set), Err(CertificateError::Duplicate(_))));
        let mut other = h.clone();
        other.state_root = Hash([1; 32]);
        assert!(matches!(certify(&h, &keys).verify(&other, &set), Err(CertificateError::WrongBlock { .. })));
    }
}
