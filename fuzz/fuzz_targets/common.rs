//! Checks shared by the fuzz targets: what must hold for any value that decoded.
#![allow(dead_code)] // each target uses part of it

use borsh::{BorshDeserialize, BorshSerialize};
use shulian_runtime::block::Validator;
use shulian_runtime::{Block, SecretKey, Transaction, ValidatorSet};
use std::fmt::Debug;

/// Chain id the fuzzed values are checked against.
pub const CHAIN_ID: &str = "shulian-fuzz";

/// Borsh is canonical: a value that decoded from `bytes` encodes back to exactly `bytes`, so one
/// value has one hash and one signature.
pub fn canonical<T: BorshSerialize + BorshDeserialize + PartialEq + Debug>(value: &T, bytes: &[u8]) {
    let again = borsh::to_vec(value).expect("a decoded value encodes");
    assert_eq!(again, bytes, "non-canonical encoding of {value:?}");
    let back: T = borsh::from_slice(&again).expect("re-encoded bytes decode");
    assert_eq!(&back, value);
}

/// Everything a node does with an untrusted transaction before admission: hash it and check it.
pub fn check_tx(tx: &Transaction) {
    let _ = tx.hash();
    let _ = tx.account();
    let _ = tx.encoded_len();
    let _ = tx.verify(CHAIN_ID);
}

/// Hashes a block and checks every transaction signature in it.
pub fn check_block(block: &Block) {
    let _ = block.hash();
    let _ = block.header.hash();
    for tx in &block.txs {
        check_tx(tx);
    }
}

/// Four validators with fixed keys, for certificate checks.
pub fn validators() -> ValidatorSet {
    ValidatorSet {
        validators: (1..=4u8)
            .map(|i| Validator {
                name: format!("v{i}"),
                public_key: SecretKey::from_bytes(&[i; 32]).public_key(),
                power: 1,
            })
            .collect(),
    }
}
