//! ed25519 keys and signatures. One validity rule everywhere, checked by [`crate::sigcheck`] one
//! at a time or in batches with the same verdict (see `docs/adr/0002-ed25519-batch-verification.md`,
//! which refines ADR 0001), and every signed message is `tag || 0x00 || borsh`.

use crate::hash::{Hash, parse_hex_array};
use borsh::{BorshDeserialize, BorshSerialize};
use ed25519_dalek::{Signer, SigningKey};
use std::fmt;
use std::str::FromStr;

/// An ed25519 public key (32 bytes, compressed Edwards point).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
pub struct PublicKey(pub [u8; 32]);

/// An ed25519 signature (64 bytes).
#[derive(Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Signature(pub [u8; 64]);

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The 32 bytes are not a valid (or are a weak) ed25519 public key.
    #[error("public key {0} is not a valid ed25519 key")]
    BadPublicKey(String),
    /// The signature does not verify under the ledger's rule ([`crate::sigcheck`]).
    #[error("signature does not verify for public key {0}")]
    Invalid(String),
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

/// An ed25519 secret key. Signing is deterministic, so this is allowed in the runtime; making a
/// new key needs 32 random bytes, which the caller (node or wallet) supplies.
pub struct SecretKey(SigningKey);

impl SecretKey {
    /// Builds a key from its 32 secret bytes.
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        SecretKey(SigningKey::from_bytes(bytes))
    }

    /// The 32 secret bytes. Handle with care: never log or write them in clear.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key().to_bytes())
    }

    /// Signs `tag || 0x00 || msg`.
    pub fn sign(&self, tag: &[u8], msg: &[u8]) -> Signature {
        Signature(self.0.sign(&signing_bytes(tag, msg)).to_bytes())
    }
}

impl Clone for SecretKey {
    fn clone(&self) -> Self {
        SecretKey(self.0.clone())
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
crate::hex_newtype_schema!(PublicKey, 64, "an ed25519 public key, lowercase hex");
crate::hex_newtype_schema!(Signature, 128, "an ed25519 signature, lowercase hex");

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
