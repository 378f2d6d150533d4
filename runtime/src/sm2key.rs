//! SM2 keys and signatures (GM/T 0003) as the ledger encodes them, on RustCrypto's `sm2` crate.
//!
//! - The user id in the Z value is the standard's default, [`DISTID`] (`1234567812345678`), and
//!   Z commits to the signer's whole public key, as the standard says: the signed digest is
//!   `e = SM3(Z || M)` with `M = tag || 0x00 || borsh` (the same `M` as ed25519 signs).
//! - A public key is 32 bytes: the x coordinate of a point whose y is even. A secret whose point
//!   has odd y is negated (`d' = n - d` has the same x and even y), so every key pair has such a
//!   point; a key made elsewhere (a hardware key) whose y is odd is regenerated there (one try in
//!   two succeeds). The verifier lifts x to the point with even y (SEC 1's compressed form `02 x`).
//! - A signature is `r || s`, 32 bytes each, big-endian, each in `[1, n-1]`; anything else is
//!   [`SignatureError::NonCanonical`]. SM2 has no ECDSA-style `s` malleability: `(r, n - s)` is
//!   not a signature of the same message (ADR 0005), so the range check makes one encoding per
//!   signature and one id per transaction.
//! - Signing is deterministic: RFC 6979 nonces with SM3 (the `sm2` crate's `Signer`).

use crate::crypto::{BadSecretKey, PublicKey, Signature, SignatureError};
use sm2::dsa::signature::{Signer, Verifier};
use sm2::elliptic_curve::PrimeField;
use sm2::elliptic_curve::ops::Reduce;
use sm2::elliptic_curve::point::AffineCoordinates;
use sm2::{NonZeroScalar, Scalar, U256};

/// The user id of the Z value: GM/T 0003's default, used by every Shulian key.
pub const DISTID: &str = "1234567812345678";

/// An SM2 secret key: the bytes it was made from (what a key file keeps, so an imported key
/// reads back as imported) and the signing key with its public point's y even.
#[derive(Clone)]
pub struct Sm2Secret {
    bytes: [u8; 32],
    key: sm2::dsa::SigningKey,
}

impl Sm2Secret {
    /// The key with secret scalar `d` (negated if its point's y is odd), made from `bytes`.
    fn from_scalar(d: NonZeroScalar, bytes: [u8; 32]) -> Result<Sm2Secret, BadSecretKey> {
        let point = (sm2::ProjectivePoint::GENERATOR * *d).to_affine();
        let d = if bool::from(point.y_is_odd()) { -d } else { d };
        // d = n - 1 has no (1 + d)^-1: the standard excludes it. Its point, -G, has odd y, so it
        // is always negated to 1 above and never reaches here.
        let key = sm2::dsa::SigningKey::from_nonzero_scalar(DISTID, d).map_err(|_| BadSecretKey)?;
        Ok(Sm2Secret { bytes, key })
    }

    /// The key whose scalar is `bytes` (big-endian), refusing zero and anything not below n.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Sm2Secret, BadSecretKey> {
        let d = Option::<Scalar>::from(Scalar::from_repr((*bytes).into())).ok_or(BadSecretKey)?;
        let d = Option::<NonZeroScalar>::from(NonZeroScalar::new(d)).ok_or(BadSecretKey)?;
        Sm2Secret::from_scalar(d, *bytes)
    }

    /// The key whose scalar is `bytes` reduced mod n (zero taken as one): for fixed test keys.
    pub fn from_bytes_reduced(bytes: &[u8; 32]) -> Sm2Secret {
        let d = <Scalar as Reduce<U256>>::reduce_bytes(&(*bytes).into());
        let d = if bool::from(d.is_zero()) { Scalar::ONE } else { d };
        // Neither refusal can happen: d is not zero, and from_scalar refuses nothing but n - 1,
        // which it never sees (see there).
        match Option::<NonZeroScalar>::from(NonZeroScalar::new(d)).map(|d| Sm2Secret::from_scalar(d, *bytes)) {
            Some(Ok(k)) => k,
            _ => unreachable!("a non-zero scalar other than n - 1 is an SM2 secret key"),
        }
    }

    /// The bytes the key was made from (its secret scalar, big-endian, before any negation).
    pub fn to_bytes(&self) -> [u8; 32] {
        self.bytes
    }

    /// The 32-byte public key: the point's x coordinate.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.key.verifying_key().as_affine().x().into())
    }

    /// Signs the exact bytes `msg` (already `tag || 0x00 || borsh`).
    pub fn sign(&self, msg: &[u8]) -> Signature {
        // Fails only if r = 0 or r + k = n for the RFC 6979 nonce: probability about 2^-255. The
        // all-zero signature then fails every check, so nothing wrong is ever accepted.
        self.key.try_sign(msg).map(|s| Signature(s.to_bytes())).unwrap_or(Signature([0; 64]))
    }
}

/// An SM2 public key decoded for checks: the point and its Z value.
#[derive(Clone, Debug)]
pub struct Sm2Key(sm2::dsa::VerifyingKey);

impl PartialEq for Sm2Key {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_affine() == other.0.as_affine()
    }
}

impl Eq for Sm2Key {}

impl Sm2Key {
    /// Lifts `key` to the curve point with that x and even y, refusing an x that is no point's
    /// (or not below p).
    pub fn decode(key: &PublicKey) -> Result<Sm2Key, SignatureError> {
        let mut sec1 = [0u8; 33];
        sec1[0] = 0x02;
        sec1[1..].copy_from_slice(&key.0);
        sm2::dsa::VerifyingKey::from_sec1_bytes(DISTID, &sec1)
            .map(Sm2Key)
            .map_err(|_| SignatureError::BadPublicKey(key.to_string(), "SM2"))
    }

    /// Checks `sig` over the exact bytes `msg`.
    pub fn verify(&self, key: &PublicKey, msg: &[u8], sig: &Signature) -> Result<(), SignatureError> {
        let sig = decode_signature(key, sig)?;
        // The crate's `verify` hashes `e = SM3(Z || msg)`, Z from DISTID and the whole point.
        self.0.verify(msg, &sig).map_err(|_| SignatureError::Invalid(key.to_string()))
    }
}

/// `(r, s)` from 64 bytes, refusing either out of `[1, n-1]`.
fn decode_signature(key: &PublicKey, sig: &Signature) -> Result<sm2::dsa::Signature, SignatureError> {
    sm2::dsa::Signature::from_bytes(&sig.0).map_err(|_| SignatureError::NonCanonical(key.to_string()))
}

/// Whether `sig` is a valid SM2 signature by `key` over `msg`, for telling a signature made for
/// an SM2 chain on an ed25519 one.
pub fn is_valid(key: &PublicKey, msg: &[u8], sig: &Signature) -> bool {
    Sm2Key::decode(key).is_ok_and(|k| k.verify(key, msg, sig).is_ok())
}

#[cfg(test)]
mod tests;
