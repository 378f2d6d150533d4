//! Shulian runtime: the deterministic heart of the ledger.
//!
//! It owns the core types (hashes, ids, transactions, blocks, certificates), the state commitment
//! (a sparse Merkle tree over blake3) and block execution. Architecture invariant: nothing in this
//! crate reads a clock, draws randomness or does I/O other than through [`state::StateReader`];
//! the same blocks applied to the same state always give the same state root.
#![deny(clippy::unwrap_used, clippy::panic)]

pub mod block;
pub mod call;
pub mod crypto;
pub mod domain;
pub mod events;
pub mod evidence;
pub mod exec;
pub mod genesis;
pub mod hash;
pub mod ids;
pub mod keyfile;
pub mod merkle;
pub mod outcome_proof;
mod planted;
pub mod sigcheck;
pub mod sm2key;
pub mod smt;
pub mod snapshot;
pub mod state;
pub mod suite;
#[cfg(any(test, feature = "test-utils"))]
pub mod test_utils;
pub mod time;
pub mod tx;
pub mod valset;
pub mod wire;

pub use block::{Block, BlockHeader, CommitCertificate, CommitSig, ValidatorSet, Vote, VoteKind};
pub use call::{
    Call, CatalogCall, Classification, DatasetSpec, ElementSource, GrantsCall, LineageCall, MarketCall, OrgsCall,
    ParentRef, Product, ProposalAction, ReceiptsCall, RegistryCall, Ruling, SettlementCall, SharingAttribute,
    TradeWindows, Validity, WindowRules,
};
pub use crypto::{PublicKey, SecretKey, Signature};
pub use events::{Event, EventKind, Subject};
pub use exec::{
    BlockExecution, CallError, Dispatcher, SignatureCheck, TxContext, TxOutcome, TxStatus, apply_block,
    apply_block_hashed,
};
pub use hash::Hash;
pub use ids::{AccountId, DatasetId, DemandId, Fen, GrantId, Height, ListingId, OrderId, ProposalId, RequestId};
pub use tx::{Transaction, TxError, UnsignedTransaction};

/// The borsh encoding of `value` in a buffer of exactly its size. `borsh::to_vec` starts every
/// buffer at 1 KiB, which for the many small values a block writes (nonces, tree nodes, grants)
/// costs memory, page faults and a copy into a right-sized buffer later.
pub fn encode<T: borsh::BorshSerialize + ?Sized>(value: &T) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(borsh::object_length(value)?);
    value.serialize(&mut out)?;
    Ok(out)
}
