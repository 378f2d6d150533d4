//! The block rules of `docs/consensus.md` ("Block limits") as `Chain::validate` and
//! `Chain::validate_proposal` apply them: each limit refuses one over and accepts exactly at it.

use super::tests::{enc, genesis, key};
use super::*;
use crate::storage::MemKv;
use shulian_runtime::block::LimitError;
use shulian_runtime::call::{Call, SettlementCall};
use shulian_runtime::test_utils::{account, signed};
use shulian_runtime::{Fen, Height};
use std::sync::Arc;

fn open(limits: ChainLimits) -> Chain {
    Chain::open(ChainStore::new(Arc::new(MemKv::default())), genesis(), limits).expect("open")
}

/// A deposit signed by org 1 (not the exchange center, so its call fails and only uses the nonce)
/// whose encoding is exactly `size` bytes, padded in its bank reference.
fn tx_of_size(nonce: u64, size: usize) -> Transaction {
    let make = |pad: usize| {
        signed(
            "unit",
            &key(1),
            nonce,
            Call::Settlement(SettlementCall::Deposit { to: account(1), amount: Fen(1), bank_ref: "x".repeat(pad) }),
        )
    };
    let tx = make(size - make(0).encoded_len());
    assert_eq!(tx.encoded_len(), size);
    tx
}

/// The next block of `txs` built by `key(100)` at `ts`, executed on the tip for its roots (not
/// through the mempool, whose per-sender share is not what is tested here).
fn build(chain: &Chain, txs: Vec<Transaction>, ts: u64) -> Block {
    let head = chain.tip();
    let env = BlockEnv { chain_id: chain.chain_id(), height: head.height.next(), timestamp_ms: ts };
    let exec = execute_txs(&chain.tip_state(), env, &txs, &chain.contracts, SignatureCheck::Verify).expect("executes");
    let header = BlockHeader {
        protocol_version: exec.protocol_version,
        chain_id: chain.chain_id().to_string(),
        height: env.height,
        parent_hash: head.block_hash,
        timestamp_ms: ts,
        proposer: key(100).public_key(),
        tx_root: Block::compute_tx_root(&txs),
        outcomes_root: exec.outcomes_root,
        state_root: exec.state_root,
        next_validators_hash: exec.next_validators.hash(),
    };
    Block { header, txs }
}

/// `block` with `txs` instead of its own (roots other than the tx root left as they were).
fn with_txs(block: &Block, txs: Vec<Transaction>) -> Block {
    let mut b = block.clone();
    b.header.tx_root = Block::compute_tx_root(&txs);
    b.txs = txs;
    b
}

fn limit_error(r: Result<BlockExecution, ChainError>) -> Option<LimitError> {
    match r {
        Err(ChainError::Block(BlockError::Limit(e))) => Some(e),
        _ => None,
    }
}

#[test]
fn a_block_exactly_at_the_byte_limits_is_valid_and_one_byte_more_is_refused() {
    let follower = open(ChainLimits::default());
    // 8 MiB of transactions: 127 of 64 KiB, and two that make up the last 64 KiB.
    let full = MAX_BLOCK_TX_BYTES / MAX_TX_BYTES;
    let mut txs: Vec<Transaction> = (0..full as u64 - 1).map(|n| tx_of_size(n, MAX_TX_BYTES)).collect();
    txs.push(tx_of_size(full as u64 - 1, MAX_TX_BYTES - 300));
    txs.push(tx_of_size(full as u64, 300));
    let block = build(&follower, txs.clone(), 50);
    assert!(follower.validate(&block).is_ok(), "exactly {MAX_BLOCK_TX_BYTES} bytes is valid");

    let mut over = txs.clone();
    over.pop();
    over.push(tx_of_size(full as u64, 301));
    assert_eq!(
        limit_error(follower.validate(&with_txs(&block, over))),
        Some(LimitError::TooManyBytes { bytes: MAX_BLOCK_TX_BYTES + 1, limit: MAX_BLOCK_TX_BYTES })
    );
    let one_big = with_txs(&block, vec![tx_of_size(0, MAX_TX_BYTES + 1)]);
    assert_eq!(
        limit_error(follower.validate(&one_big)),
        Some(LimitError::TxTooLarge { index: 0, size: MAX_TX_BYTES + 1, limit: MAX_TX_BYTES })
    );
}

#[test]
fn a_block_with_one_transaction_too_many_is_refused_before_anything_is_checked() {
    let chain = open(ChainLimits::default());
    let (block, _) = chain.propose(key(100).public_key(), 50).expect("propose");
    // Copies of one transaction: refused on the count alone, before signatures or nonces.
    let over = with_txs(&block, vec![tx_of_size(0, 200); MAX_BLOCK_TXS + 1]);
    assert_eq!(
        limit_error(chain.validate(&over)),
        Some(LimitError::TooManyTxs { count: MAX_BLOCK_TXS + 1, limit: MAX_BLOCK_TXS })
    );
}

#[test]
fn a_timestamp_not_above_the_parents_is_refused() {
    let chain = open(ChainLimits::default());
    let (b1, e1) = chain.propose(key(100).public_key(), 500).expect("propose");
    chain.commit(&b1, &super::tests::certify(&chain, &b1), e1).expect("commit");
    let (mut b2, _) = chain.propose(key(100).public_key(), 501).expect("propose");
    assert!(chain.validate(&b2).is_ok(), "one millisecond after the parent is valid");
    b2.header.timestamp_ms = 500;
    let err = chain.validate(&b2).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("not after the parent"), "{err}");
}

#[test]
fn a_proposal_too_far_above_the_clock_is_refused_but_the_same_block_certified_is_accepted() {
    let chain = open(ChainLimits::default());
    let now = 1_000_000;
    let drift = DEFAULT_MAX_CLOCK_DRIFT_MS;
    let (at_limit, _) = chain.propose(key(100).public_key(), now + drift).expect("propose");
    assert!(chain.validate_proposal(&at_limit, now).is_ok(), "exactly the drift above the clock is valid");
    let (over, _) = chain.propose(key(100).public_key(), now + drift + 1).expect("propose");
    let err = chain.validate_proposal(&over, now).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("above this validator's clock"), "{err}");
    // Block sync checks a certified block without the clock: an old block's time is in the past,
    // and a block certified by a quorum was within the drift of their clocks.
    assert!(chain.validate(&over).is_ok());
}

#[test]
fn a_proposer_that_is_not_a_validator_is_refused() {
    let chain = open(ChainLimits::default());
    let (block, _) = chain.propose(key(1).public_key(), 50).expect("propose");
    let err = chain.validate(&block).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("is not a validator"), "{err}");
}

#[test]
fn configured_limits_above_the_consensus_rules_are_lowered_to_them() {
    let chain =
        open(ChainLimits { max_tx_bytes: 4 * MAX_TX_BYTES, max_block_txs: usize::MAX, ..ChainLimits::default() });
    let big = tx_of_size(0, MAX_TX_BYTES + 1);
    assert_eq!(chain.submit(&enc(&big)).err().map(|e| e.code()), Some("too_large"));
    assert_eq!(chain.head().height, Height(0));
}
