//! Keys and signatures of the chain's crypto suite ([`crate::suite`]): ed25519, or SM2 on an
//! `sm2-sm3` chain. One validity rule per suite everywhere, checked by [`crate::sigcheck`] one at
//! a time or in batches with the same verdict (see `docs/adr/0002-ed25519-batch-verification.md`,
//! which refines ADR 0001, and `docs/adr/0005-sm2-sm3-crypto-suite.md`), and every signed message
//! is `tag || 0x00 || borsh`.
//!
//! Both suites' keys and signatures take the same bytes, so every encoding is the same on both:
//! a public key is 32 bytes (ed25519: the compressed point; SM2: the x coordinate of a point whose
//! y is even, the secret being negated when it would be odd), a signature 64 (ed25519: `R || s`;
//! SM2: `r || s`, big-endian, each in `[1, n-1]`).

use crate::hash::{Hash, parse_hex_array};
use crate::suite::CryptoSuite;
use borsh::{BorshDeserialize, BorshSerialize};
use ed25519_dalek::Signer as _;
use ed25519_dalek::SigningKey;
use std::fmt;
use std::str::FromStr;

/// A public key: ed25519 (the compressed Edwards point) or SM2 (the x coordinate of a point with
/// even y), 32 bytes either way.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
pub struct PublicKey(pub [u8; 32]);

/// A signature: ed25519 (`R || s`) or SM2 (`r || s`), 64 bytes either way.
#[derive(Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Signature(pub [u8; 64]);

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The 32 bytes are not a valid (or are a weak) public key of the chain's suite.
    #[error("public key {0} is not a valid {1} key")]
    BadPublicKey(String, &'static str),
    /// The signature is not the one encoding the suite allows (a scalar out of range, a point
    /// not canonically encoded): refused before any equation, so one transaction has one id.
    #[error("signature by {0} is not canonically encoded")]
    NonCanonical(String),
    /// The signature does not verify under the ledger's rule ([`crate::sigcheck`]).
    #[error("signature does not verify for public key {0}")]
    Invalid(String),
    /// The signature does not verify under the chain's suite but does under the other one: it
    /// was made for a chain of another suite.
    #[error("signature by {key} is a valid {made_with} signature, but this chain signs with {chain}")]
    WrongSuite {
        /// The signer's key.
        key: String,
        /// The scheme the signature was made with.
        made_with: &'static str,
        /// The chain's scheme.
        chain: &'static str,
    },
}

impl PublicKey {
    /// Verifies `sig` over `tag || 0x00 || msg` under the ledger's rule ([`crate::sigcheck`]).
    pub fn verify(&self, tag: &[u8], msg: &[u8], sig: &Signature) -> Result<(), SignatureError> {
        let item = crate::sigcheck::SigItem { key: self, msg: &signing_bytes(tag, msg), sig };
        crate::sigcheck::verify_one(&item, &crate::sigcheck::NoKeyCache)
    }

    /// The id of the account this key controls when no organization binding says otherwise.
    pub fn account_hash(&self) -> Hash {
        Hash::tagged(crate::domain::ACCOUNT_ID, &self.0)
    }
}

/// The exact bytes that are signed: the domain tag, a zero byte, then the message.
pub fn signing_bytes(tag: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(tag.len() + 1 + msg.len());
    v.extend_from_slice(tag);
    v.push(0);
    v.extend_from_slice(msg);
    v
}

/// A secret key of the process's suite. Signing is deterministic (ed25519 by definition, SM2 with
/// RFC 6979 nonces under SM3), so this is allowed in the runtime; making a new key needs 32
/// random bytes, which the caller (node or wallet) supplies.
#[derive(Clone)]
pub struct SecretKey(Inner);

#[derive(Clone)]
enum Inner {
    Ed25519(Box<SigningKey>),
    Sm2(Box<crate::sm2key::Sm2Secret>),
}

/// 32 bytes that are no secret key of the suite.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the 32 bytes are not an SM2 secret key (zero, or not below the group order)")]
pub struct BadSecretKey;

impl SecretKey {
    /// Builds a key of the process's suite from its 32 secret bytes: an ed25519 seed, or an SM2
    /// secret scalar (big-endian; negated if its point's y is odd, see the module's note). For
    /// SM2, bytes that are no scalar in `[1, n-1]` are reduced and, if zero, taken as 1: use
    /// [`SecretKey::try_from_bytes`] on bytes from outside the process.
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        match crate::suite::active() {
            CryptoSuite::Ed25519Blake3 => SecretKey(Inner::Ed25519(Box::new(SigningKey::from_bytes(bytes)))),
            CryptoSuite::Sm2Sm3 => SecretKey(Inner::Sm2(Box::new(crate::sm2key::Sm2Secret::from_bytes_reduced(bytes)))),
        }
    }

    /// Builds a key of the process's suite from its 32 secret bytes, refusing bytes that are no
    /// key of the suite (SM2: zero, or not below the group order).
    pub fn try_from_bytes(bytes: &[u8; 32]) -> Result<Self, BadSecretKey> {
        match crate::suite::active() {
            CryptoSuite::Ed25519Blake3 => Ok(SecretKey(Inner::Ed25519(Box::new(SigningKey::from_bytes(bytes))))),
            CryptoSuite::Sm2Sm3 => {
                crate::sm2key::Sm2Secret::from_bytes(bytes).map(|k| SecretKey(Inner::Sm2(Box::new(k))))
            }
        }
    }

    /// A new key of the process's suite from `random`, a source of 32 random bytes (the runtime
    /// draws no randomness itself): bytes that are no key (SM2: zero or not below the group
    /// order, one chance in 2^32) are drawn again.
    pub fn generate<E>(mut random: impl FnMut() -> Result<[u8; 32], E>) -> Result<Self, E> {
        loop {
            let bytes = zeroize::Zeroizing::new(random()?);
            if let Ok(k) = SecretKey::try_from_bytes(&bytes) {
                return Ok(k);
            }
        }
    }

    /// The 32 secret bytes. Handle with care: never log or write them in clear.
    pub fn to_bytes(&self) -> [u8; 32] {
        match &self.0 {
            Inner::Ed25519(k) => k.to_bytes(),
            Inner::Sm2(k) => k.to_bytes(),
        }
    }

    /// The suite the key belongs to.
    pub fn suite(&self) -> CryptoSuite {
        match &self.0 {
            Inner::Ed25519(_) => CryptoSuite::Ed25519Blake3,
            Inner::Sm2(_) => CryptoSuite::Sm2Sm3,
        }
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        match &self.0 {
            Inner::Ed25519(k) => PublicKey(k.verifying_key().to_bytes()),
            Inner::Sm2(k) => k.public_key(),
        }
    }

    /// Signs `tag || 0x00 || msg`.
    pub fn sign(&self, tag: &[u8], msg: &[u8]) -> Signature {
        let bytes = signing_bytes(tag, msg);
        match &self.0 {
            Inner::Ed25519(k) => Signature(k.sign(&bytes).to_bytes()),
            Inner::Sm2(k) => k.sign(&bytes),
        }
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey(public {})", self.public_key())
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", &hex::encode(self.0)[..8])
    }
}

impl FromStr for PublicKey {
    type Err = crate::hash::ParseHashError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_hex_array(s).map(PublicKey).ok_or_else(|| crate::hash::ParseHashError(s.to_string()))
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", &hex::encode(self.0)[..8])
    }
}

/// A signature that is not 64 bytes of hex.
#[derive(Debug, thiserror::Error)]
#[error("expected 128 hex characters (64 bytes) for a signature")]
pub struct ParseSignatureError;

impl FromStr for Signature {
    type Err = ParseSignatureError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_hex_array(s).map(Signature).ok_or(ParseSignatureError)
    }
}

crate::hex_newtype_serde!(PublicKey);
crate::hex_newtype_serde!(Signature);
crate::hex_newtype_schema!(
    PublicKey,
    64,
    "a public key of the chain's suite (ed25519, or SM2's x coordinate), lowercase hex"
);
crate::hex_newtype_schema!(Signature, 128, "a signature of the chain's suite (ed25519 or SM2), lowercase hex");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_verifies_only_under_its_tag_and_message() {
        let sk = SecretKey::from_bytes(&[7u8; 32]);
        let pk = sk.public_key();
        let sig = sk.sign(b"shulian/test", b"hello");
        assert!(pk.verify(b"shulian/test", b"hello", &sig).is_ok());
        assert!(pk.verify(b"shulian/other", b"hello", &sig).is_err());
        assert!(pk.verify(b"shulian/test", b"hellp", &sig).is_err());
        let other = SecretKey::from_bytes(&[8u8; 32]).public_key();
        assert!(matches!(other.verify(b"shulian/test", b"hello", &sig), Err(SignatureError::Invalid(_))));
    }

    #[test]
    fn public_key_hex_round_trip() {
        let pk = SecretKey::from_bytes(&[1u8; 32]).public_key();
        assert_eq!(pk.to_string().parse::<PublicKey>().ok(), Some(pk));
    }
}
