//! Transactions: who calls what, signed over the borsh bytes of everything but the signature.

use crate::call::Call;
use crate::crypto::{PublicKey, SecretKey, Signature, SignatureError};
use crate::hash::Hash;
use crate::ids::AccountId;
use crate::sigcheck::{self, KeyCache, NoKeyCache, SigItem};
use borsh::{BorshDeserialize, BorshSerialize};

/// Domain tag of transaction signatures (an alias of [`crate::domain::TX_SIGN`]).
pub const TX_SIGN_TAG: &[u8] = crate::domain::TX_SIGN;
/// Domain tag of transaction hashes, over the full signed transaction (an alias of
/// [`crate::domain::TX_HASH`]).
pub const TX_HASH_TAG: &[u8] = crate::domain::TX_HASH;
/// Default largest encoded transaction the node accepts.
pub const DEFAULT_MAX_TX_BYTES: usize = 64 * 1024;

/// The part of a transaction that is signed.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct UnsignedTransaction {
    /// The chain this transaction is meant for; any other chain refuses it.
    pub chain_id: String,
    /// The signing key. The acting account is derived from it.
    pub sender: PublicKey,
    /// The sender account's next nonce: each value is usable exactly once, in order.
    pub nonce: u64,
    /// What to do.
    pub call: Call,
}

/// A signed transaction.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Transaction {
    /// Chain id, as in [`UnsignedTransaction::chain_id`].
    pub chain_id: String,
    /// Signing key.
    pub sender: PublicKey,
    /// Sender nonce.
    pub nonce: u64,
    /// The call.
    pub call: Call,
    /// The suite's signature (ed25519 or SM2) over `TX_SIGN_TAG || 0 || borsh(UnsignedTransaction)`.
    pub signature: Signature,
}

/// Why a transaction is refused before it can enter a block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxError {
    /// The bytes are not a borsh-encoded transaction.
    #[error("malformed transaction: {0}")]
    Malformed(String),
    /// Larger than the node's limit.
    #[error("transaction is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge {
        /// Encoded size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Signed for another chain.
    #[error("wrong chain id: transaction is for {got:?}, this chain is {expected:?}")]
    WrongChain {
        /// This chain.
        expected: String,
        /// The transaction's.
        got: String,
    },
    /// The signature does not verify.
    #[error("bad signature: {0}")]
    BadSignature(#[from] SignatureError),
    /// The nonce was already used.
    #[error("stale nonce {got}: account {account} has already used nonces below {expected}")]
    StaleNonce {
        /// Account.
        account: AccountId,
        /// Next usable nonce.
        expected: u64,
        /// The transaction's.
        got: u64,
    },
    /// The signing key belongs to no organization.
    #[error("key {0} is not registered to any organization on this chain")]
    UnknownKey(crate::crypto::PublicKey),
    /// The signing key was rotated out.
    #[error("key {key} of account {account} was rotated out and can sign nothing")]
    KeyRevoked {
        /// Key.
        key: crate::crypto::PublicKey,
        /// Its organization.
        account: AccountId,
    },
    /// The nonce leaves a gap.
    #[error("future nonce {got}: account {account} must use nonce {expected} next")]
    FutureNonce {
        /// Account.
        account: AccountId,
        /// Next usable nonce.
        expected: u64,
        /// The transaction's.
        got: u64,
    },
}

impl TxError {
    /// A stable machine-readable code for API clients and CLI exit codes.
    pub fn code(&self) -> &'static str {
        match self {
            TxError::Malformed(_) => "malformed",
            TxError::TooLarge { .. } => "too_large",
            TxError::WrongChain { .. } => "wrong_chain_id",
            TxError::BadSignature(SignatureError::NonCanonical(_)) => "non_canonical_signature",
            TxError::BadSignature(SignatureError::WrongSuite { .. }) => "wrong_crypto_suite",
            TxError::BadSignature(_) => "bad_signature",
            TxError::StaleNonce { .. } => "stale_nonce",
            TxError::FutureNonce { .. } => "future_nonce",
            TxError::UnknownKey(_) => "unknown_key",
            TxError::KeyRevoked { .. } => "key_revoked",
        }
    }
}

impl UnsignedTransaction {
    /// Signs with `key`. The caller must have set `sender` to `key`'s public key.
    pub fn sign(self, key: &SecretKey) -> Transaction {
        let bytes = borsh::to_vec(&self).unwrap_or_default();
        let signature = key.sign(TX_SIGN_TAG, &bytes);
        Transaction { chain_id: self.chain_id, sender: self.sender, nonce: self.nonce, call: self.call, signature }
    }
}

impl Transaction {
    /// The signed part.
    pub fn unsigned(&self) -> UnsignedTransaction {
        UnsignedTransaction {
            chain_id: self.chain_id.clone(),
            sender: self.sender,
            nonce: self.nonce,
            call: self.call.clone(),
        }
    }

    /// The transaction hash: blake3 over the whole signed transaction.
    pub fn hash(&self) -> Hash {
        Hash::of_borsh(TX_HASH_TAG, self)
    }

    /// The account id derived from the signing key. This is the acting account for a key that
    /// created its organization; the ledger itself resolves the acting account through key
    /// bindings (`exec::resolve_sender`), so a rotated-in key acts for its organization.
    pub fn account(&self) -> AccountId {
        AccountId::from_public_key(&self.sender)
    }

    /// Encoded size in bytes.
    pub fn encoded_len(&self) -> usize {
        borsh::object_length(self).unwrap_or(usize::MAX)
    }

    /// Decodes a transaction from untrusted bytes, refusing oversize input before decoding.
    pub fn decode(bytes: &[u8], max_len: usize) -> Result<Transaction, TxError> {
        if bytes.len() > max_len {
            return Err(TxError::TooLarge { size: bytes.len(), limit: max_len });
        }
        borsh::from_slice(bytes).map_err(|e| TxError::Malformed(e.to_string()))
    }

    /// Checks the chain id and the signature; nonce checks need state and happen elsewhere.
    pub fn verify(&self, chain_id: &str) -> Result<(), TxError> {
        self.verify_with(chain_id, &NoKeyCache)
    }

    /// [`Transaction::verify`], with decoded keys from (and for) the caller's `keys`: the same
    /// verdict.
    pub fn verify_with(&self, chain_id: &str, keys: &dyn KeyCache) -> Result<(), TxError> {
        if self.chain_id != chain_id {
            return Err(TxError::WrongChain { expected: chain_id.to_string(), got: self.chain_id.clone() });
        }
        self.check_signature(keys)
    }

    /// Checks only the signature.
    pub fn verify_signature(&self) -> Result<(), TxError> {
        self.check_signature(&NoKeyCache)
    }

    fn check_signature(&self, keys: &dyn KeyCache) -> Result<(), TxError> {
        let msg = self.signed_message().map_err(|e| TxError::Malformed(e.to_string()))?;
        sigcheck::verify_one(&SigItem { key: &self.sender, msg: &msg, sig: &self.signature }, keys)?;
        Ok(())
    }

    /// Writes the fields of the signed part, in [`UnsignedTransaction`]'s order.
    fn write_unsigned(&self, out: &mut Vec<u8>) -> std::io::Result<()> {
        self.chain_id.serialize(out)?;
        self.sender.serialize(out)?;
        self.nonce.serialize(out)?;
        self.call.serialize(out)
    }

    /// The bytes the signature covers: `TX_SIGN_TAG || 0 || borsh(self.unsigned())`.
    fn signed_message(&self) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(TX_SIGN_TAG.len() + 1 + borsh::object_length(self)?);
        out.extend_from_slice(TX_SIGN_TAG);
        out.push(0);
        self.write_unsigned(&mut out)?;
        Ok(out)
    }

    /// Checks many transactions (chain id and signature) at once, with one batched signature
    /// check: one verdict each, always the one [`Transaction::verify`] gives.
    pub fn verify_many(txs: &[&Transaction], chain_id: &str) -> Vec<Result<(), TxError>> {
        Self::verify_many_with(txs, chain_id, &NoKeyCache)
    }

    /// [`Transaction::verify_many`], with decoded keys from (and for) the caller's `keys`: the
    /// same verdicts.
    pub fn verify_many_with(txs: &[&Transaction], chain_id: &str, keys: &dyn KeyCache) -> Vec<Result<(), TxError>> {
        let mut out: Vec<Result<(), TxError>> = Vec::with_capacity(txs.len());
        let mut signed: Vec<(usize, Vec<u8>)> = Vec::with_capacity(txs.len());
        for (i, tx) in txs.iter().enumerate() {
            if tx.chain_id != chain_id {
                out.push(Err(TxError::WrongChain { expected: chain_id.to_string(), got: tx.chain_id.clone() }));
                continue;
            }
            match tx.signed_message() {
                Ok(msg) => {
                    signed.push((i, msg));
                    out.push(Ok(()));
                }
                Err(e) => out.push(Err(TxError::Malformed(e.to_string()))),
            }
        }
        let items: Vec<SigItem<'_>> =
            signed.iter().map(|(i, msg)| SigItem { key: &txs[*i].sender, msg, sig: &txs[*i].signature }).collect();
        for ((i, _), verdict) in signed.iter().zip(sigcheck::verify_each(&items, keys)) {
            if let Err(e) = verdict {
                out[*i] = Err(e.into());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Fen;
    use crate::test_utils;

    fn sample(key: &SecretKey, nonce: u64) -> Transaction {
        test_utils::transfer("test", key, nonce, AccountId([9; 32]), Fen(5))
    }

    #[test]
    fn the_signed_message_is_the_tag_and_the_unsigned_encoding() {
        let tx = sample(&test_utils::key(1), 3);
        let unsigned = borsh::to_vec(&tx.unsigned()).expect("encode");
        assert_eq!(tx.signed_message().expect("encode"), crate::crypto::signing_bytes(TX_SIGN_TAG, &unsigned));
        assert_eq!(crate::encode(&tx).expect("encode"), borsh::to_vec(&tx).expect("encode"));
    }

    #[test]
    fn encoding_round_trip() {
        let tx = sample(&test_utils::key(1), 3);
        let bytes = borsh::to_vec(&tx).expect("encode");
        assert_eq!(Transaction::decode(&bytes, DEFAULT_MAX_TX_BYTES), Ok(tx));
    }

    #[test]
    fn good_signature_verifies() {
        assert_eq!(sample(&test_utils::key(1), 0).verify("test"), Ok(()));
    }

    #[test]
    fn tampered_transaction_is_refused_with_bad_signature() {
        let mut tx = sample(&test_utils::key(1), 0);
        tx.nonce = 1;
        assert!(matches!(tx.verify("test"), Err(TxError::BadSignature(_))));
    }

    /// Under whichever suite the test runs (`SHULIAN_CRYPTO`): a flipped bit, a scalar out of
    /// range and a signature of the other suite are refused, each with its own code.
    #[test]
    fn each_kind_of_bad_signature_has_its_own_code() {
        each_kind_of_bad_signature();
    }

    #[test]
    fn each_kind_of_bad_signature_has_its_own_code_on_an_sm2_chain() {
        test_utils::pin_suite(crate::suite::CryptoSuite::Sm2Sm3);
        each_kind_of_bad_signature();
    }

    fn each_kind_of_bad_signature() {
        let key = test_utils::key(1);
        let mut flipped = sample(&key, 0);
        flipped.signature.0[3] ^= 0x10;
        let mut non_canonical = sample(&key, 0);
        non_canonical.signature.0[32..].copy_from_slice(&[0xff; 32]);
        // The same transaction signed by a key of the other suite (its sender that key).
        let mut foreign = sample(&key, 0);
        let msg = {
            let mut u = foreign.unsigned();
            type Sign = Box<dyn Fn(&[u8]) -> Signature>;
            let (pk, sign): (PublicKey, Sign) = match crate::suite::active() {
                crate::suite::CryptoSuite::Ed25519Blake3 => {
                    let k = crate::sm2key::Sm2Secret::from_bytes_reduced(&[1; 32]);
                    (k.public_key(), Box::new(move |m| k.sign(m)))
                }
                crate::suite::CryptoSuite::Sm2Sm3 => {
                    use ed25519_dalek::Signer;
                    // A key whose bytes are no SM2 x coordinate (about one in two).
                    let k = test_utils::ed25519_key_that_is_no_sm2_key();
                    (PublicKey(k.verifying_key().to_bytes()), Box::new(move |m| Signature(k.sign(m).to_bytes())))
                }
            };
            u.sender = pk;
            foreign.sender = pk;
            let msg = crate::crypto::signing_bytes(TX_SIGN_TAG, &borsh::to_vec(&u).expect("encode"));
            foreign.signature = sign(&msg);
            msg
        };
        assert_eq!(foreign.signed_message().ok(), Some(msg));
        let code = |tx: &Transaction| tx.verify("test").map_err(|e| e.code());
        assert_eq!(code(&sample(&key, 0)), Ok(()));
        assert_eq!(code(&flipped), Err("bad_signature"));
        assert_eq!(code(&non_canonical), Err("non_canonical_signature"));
        assert_eq!(code(&foreign), Err("wrong_crypto_suite"));
    }

    #[test]
    fn wrong_chain_is_refused() {
        let tx = sample(&test_utils::key(1), 0);
        assert!(matches!(tx.verify("other"), Err(TxError::WrongChain { .. })));
    }

    #[test]
    fn oversized_and_garbage_bytes_are_refused() {
        assert!(matches!(Transaction::decode(&[0u8; 100], 10), Err(TxError::TooLarge { size: 100, limit: 10 })));
        assert!(matches!(Transaction::decode(&[1, 2, 3], 100), Err(TxError::Malformed(_))));
    }
}
