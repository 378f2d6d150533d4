//! The ledger's one ed25519 validity rule, checked one signature at a time or many in a batch,
//! with the same answer either way (see `docs/adr/0002-ed25519-batch-verification.md`).
//!
//! A signature `(R, s)` by key `A` on message `M` is valid when:
//! - `s` is a canonical scalar (less than the group order ℓ);
//! - `A` and `R` are canonical encodings of curve points (y < p) that are not of small order;
//! - `[8]([s]B - [k]A - R)` is the identity, with `k = SHA-512(R || A || M)`.
//!
//! This is the cofactored equation of ZIP-215 with RFC 8032's strict encodings. Every signature
//! `verify_strict` accepts is accepted; the only signatures accepted beyond those are ones whose
//! signer deliberately put a small-order component into `R` (nobody else can: changing `R` changes
//! `k`). The cofactor is what makes batching exact: a batch passes if and only if every signature
//! in it would pass alone (up to a 2^-128 chance that cannot be steered, since the batch weights
//! are a hash of the whole batch), so whether a node checks a transaction alone at admission or
//! in a block's batch, every node reaches the same verdict.
//!
//! Decoding a public key (a square root) is a good part of a check, and the same keys sign again
//! and again; the caller may keep decoded keys in a [`KeyCache`] it passes in. The runtime keeps
//! no cache and no other state of its own.
//!
//! On an `sm2-sm3` chain ([`crate::suite`]) the same functions check SM2 signatures
//! ([`crate::sm2key`]): SM2 has no batch equation, so a batch is checked one by one (the node
//! splits a block's signatures across threads). Either way, a signature that fails under the
//! chain's scheme but holds under the other is reported as [`SignatureError::WrongSuite`].

use crate::crypto::{PublicKey, Signature, SignatureError};
use crate::sm2key::Sm2Key;
use crate::suite::CryptoSuite;
use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use sha2::{Digest, Sha512};
use std::collections::BTreeMap;

/// Fewer signatures than this are checked one by one: a batch only pays off above it.
const BATCH_MIN: usize = 4;

/// One signature to check: the key, the exact signed bytes (`tag || 0x00 || borsh`), the signature.
#[derive(Clone, Copy, Debug)]
pub struct SigItem<'a> {
    /// The signer's key.
    pub key: &'a PublicKey,
    /// The signed bytes.
    pub msg: &'a [u8],
    /// The signature.
    pub sig: &'a Signature,
}

/// Whether 32 bytes are the canonical encoding of a field element y (with the sign bit ignored):
/// y < p = 2^255 - 19.
fn canonical_y(b: &[u8; 32]) -> bool {
    let top = b[31] & 0x7f;
    !(top == 0x7f && b[1..31].iter().all(|&x| x == 0xff) && b[0] >= 0xed)
}

/// A point from its canonical encoding, if it is one and is not of small order.
fn point(b: &[u8; 32]) -> Option<EdwardsPoint> {
    if !canonical_y(b) {
        return None;
    }
    let p = CompressedEdwardsY(*b).decompress()?;
    (!p.is_small_order()).then_some(p)
}

/// A public key decoded to the curve point the equation uses: for ed25519, a canonical encoding
/// of a point that is not of small order (the only keys any signature verifies under); for SM2,
/// the point with the key's x and even y, with its Z value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodedKey {
    /// An ed25519 key.
    Ed25519(EdwardsPoint),
    /// An SM2 key.
    Sm2(Box<Sm2Key>),
}

impl DecodedKey {
    /// Decodes `key` under the process's suite, refusing a non-canonical encoding or a
    /// small-order point (ed25519), or an x that is no point's (SM2).
    pub fn decode(key: &PublicKey) -> Result<DecodedKey, SignatureError> {
        match crate::suite::active() {
            CryptoSuite::Ed25519Blake3 => point(&key.0)
                .map(DecodedKey::Ed25519)
                .ok_or_else(|| SignatureError::BadPublicKey(key.to_string(), "ed25519")),
            CryptoSuite::Sm2Sm3 => Sm2Key::decode(key).map(|k| DecodedKey::Sm2(Box::new(k))),
        }
    }
}

/// Where the caller keeps decoded public keys between checks (the node keeps one for its
/// process). A cache must only ever return what [`DecodedKey::decode`] gave for the same key, so
/// that a verdict never depends on what is cached; it may forget anything at any time.
pub trait KeyCache: Sync {
    /// The decoded form of `key`, if remembered.
    fn get(&self, key: &PublicKey) -> Option<DecodedKey>;
    /// Remembers the decoded form of `key`.
    fn insert(&self, key: &PublicKey, decoded: DecodedKey);
}

/// A [`KeyCache`] that remembers nothing: every check decodes its key.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoKeyCache;

impl KeyCache for NoKeyCache {
    fn get(&self, _: &PublicKey) -> Option<DecodedKey> {
        None
    }

    fn insert(&self, _: &PublicKey, _: DecodedKey) {}
}

/// The decoded form of a public key, from `keys` when it remembers it.
fn decoded(key: &PublicKey, keys: &dyn KeyCache) -> Result<DecodedKey, SignatureError> {
    if let Some(d) = keys.get(key) {
        return Ok(d);
    }
    let d = DecodedKey::decode(key)?;
    keys.insert(key, d.clone());
    Ok(d)
}

/// The decoded ed25519 point of a public key, from `keys` when it remembers it (and remembered
/// there only on an ed25519 chain: on an SM2 chain an ed25519 point is decoded only to tell a
/// signature of the other suite, and the cache keeps the chain's own keys).
fn key_point(key: &PublicKey, keys: &dyn KeyCache) -> Result<EdwardsPoint, SignatureError> {
    if let Some(DecodedKey::Ed25519(p)) = keys.get(key) {
        return Ok(p);
    }
    let p = point(&key.0).ok_or_else(|| SignatureError::BadPublicKey(key.to_string(), "ed25519"))?;
    if crate::suite::active() == CryptoSuite::Ed25519Blake3 {
        keys.insert(key, DecodedKey::Ed25519(p));
    }
    Ok(p)
}

/// Checks one SM2 signature.
fn sm2_verify_one(item: &SigItem<'_>, keys: &dyn KeyCache) -> Result<(), SignatureError> {
    match decoded(item.key, keys)? {
        DecodedKey::Sm2(k) => k.verify(item.key, item.msg, item.sig),
        DecodedKey::Ed25519(_) => Sm2Key::decode(item.key)?.verify(item.key, item.msg, item.sig),
    }
}

/// `err` for `item` under the chain's suite, or [`SignatureError::WrongSuite`] when the signature
/// holds under the other suite's scheme: it was made for a chain of that suite.
fn refine(item: &SigItem<'_>, err: SignatureError) -> SignatureError {
    let suite = crate::suite::active();
    let holds_elsewhere = match suite {
        CryptoSuite::Ed25519Blake3 => crate::sm2key::is_valid(item.key, item.msg, item.sig),
        CryptoSuite::Sm2Sm3 => ed_verify_one(item, &NoKeyCache).is_ok(),
    };
    if holds_elsewhere {
        let other = CryptoSuite::ALL.into_iter().find(|s| *s != suite).unwrap_or_default();
        SignatureError::WrongSuite {
            key: item.key.to_string(),
            made_with: other.signature_scheme(),
            chain: suite.signature_scheme(),
        }
    } else {
        err
    }
}

/// A signature decoded for the equation: `s`, `R`, `A` and `k`.
struct Prepared {
    s: Scalar,
    r: EdwardsPoint,
    a: EdwardsPoint,
    k: Scalar,
}

fn prepare(item: &SigItem<'_>, keys: &dyn KeyCache) -> Result<Prepared, SignatureError> {
    let a = key_point(item.key, keys)?;
    let invalid = || SignatureError::Invalid(item.key.to_string());
    let mut r_bytes = [0u8; 32];
    r_bytes.copy_from_slice(&item.sig.0[..32]);
    let mut s_bytes = [0u8; 32];
    s_bytes.copy_from_slice(&item.sig.0[32..]);
    let non_canonical = || SignatureError::NonCanonical(item.key.to_string());
    let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes)).ok_or_else(non_canonical)?;
    if !canonical_y(&r_bytes) {
        return Err(non_canonical());
    }
    let r = point(&r_bytes).ok_or_else(invalid)?;
    let mut h = Sha512::new();
    h.update(r_bytes);
    h.update(item.key.0);
    h.update(item.msg);
    let digest: [u8; 64] = h.finalize().into();
    Ok(Prepared { s, r, a, k: Scalar::from_bytes_mod_order_wide(&digest) })
}

/// `[8]([s]B - [k]A - R) == identity`.
fn holds(p: &Prepared) -> bool {
    let sb_minus_ka = EdwardsPoint::vartime_double_scalar_mul_basepoint(&p.k, &-p.a, &p.s);
    (sb_minus_ka - p.r).mul_by_cofactor().is_identity()
}

/// Checks one ed25519 signature.
fn ed_verify_one(item: &SigItem<'_>, keys: &dyn KeyCache) -> Result<(), SignatureError> {
    let p = prepare(item, keys)?;
    if holds(&p) { Ok(()) } else { Err(SignatureError::Invalid(item.key.to_string())) }
}

/// Checks one signature under the process's suite, with decoded keys from (and for) `keys`.
pub fn verify_one(item: &SigItem<'_>, keys: &dyn KeyCache) -> Result<(), SignatureError> {
    let verdict = match crate::suite::active() {
        CryptoSuite::Ed25519Blake3 => ed_verify_one(item, keys),
        CryptoSuite::Sm2Sm3 => sm2_verify_one(item, keys),
    };
    verdict.map_err(|e| refine(item, e))
}

/// The batch weights z_i: 128-bit numbers hashed from every signature, key and k of the batch, so
/// no signer can choose them.
fn weights(items: &[SigItem<'_>], prepared: &[Prepared]) -> Vec<Scalar> {
    let mut h = blake3::Hasher::new();
    h.update(crate::domain::SIG_BATCH_WEIGHTS);
    h.update(&[0]);
    for (item, p) in items.iter().zip(prepared) {
        h.update(&item.sig.0);
        h.update(&item.key.0);
        h.update(p.k.as_bytes());
    }
    let mut xof = h.finalize_xof();
    (0..prepared.len())
        .map(|_| {
            let mut z = [0u8; 16];
            xof.fill(&mut z);
            Scalar::from(u128::from_le_bytes(z))
        })
        .collect()
}

/// `[8](Σ z_i ([s_i]B - [k_i]A_i - R_i)) == identity`, with the terms of one key merged.
fn batch_holds(items: &[SigItem<'_>], prepared: &[Prepared]) -> bool {
    let z = weights(items, prepared);
    let mut b_coef = Scalar::ZERO;
    let mut per_key: BTreeMap<[u8; 32], (Scalar, EdwardsPoint)> = BTreeMap::new();
    let mut scalars = Vec::with_capacity(prepared.len() * 2 + 1);
    let mut points = Vec::with_capacity(prepared.len() * 2 + 1);
    for ((item, p), z) in items.iter().zip(prepared).zip(&z) {
        b_coef += z * p.s;
        let e = per_key.entry(item.key.0).or_insert((Scalar::ZERO, p.a));
        e.0 += z * p.k;
        scalars.push(-z);
        points.push(p.r);
    }
    scalars.push(b_coef);
    points.push(ED25519_BASEPOINT_POINT);
    for (coef, a) in per_key.into_values() {
        scalars.push(-coef);
        points.push(a);
    }
    EdwardsPoint::vartime_multiscalar_mul(scalars, points).mul_by_cofactor().is_identity()
}

/// Checks many signatures; the same verdict as [`verify_one`] on each. On failure, returns the
/// position of the first invalid one and why.
pub fn verify_batch(items: &[SigItem<'_>], keys: &dyn KeyCache) -> Result<(), (usize, SignatureError)> {
    check_batch(items, keys).map_err(|(i, e)| match items.get(i) {
        Some(it) => (i, refine(it, e)),
        None => (i, e),
    })
}

/// [`verify_batch`] without telling a signature of the other suite.
fn check_batch(items: &[SigItem<'_>], keys: &dyn KeyCache) -> Result<(), (usize, SignatureError)> {
    if crate::suite::active() == CryptoSuite::Sm2Sm3 {
        return items.iter().enumerate().try_for_each(|(i, it)| sm2_verify_one(it, keys).map_err(|e| (i, e)));
    }
    if items.len() < BATCH_MIN {
        return items.iter().enumerate().try_for_each(|(i, it)| ed_verify_one(it, keys).map_err(|e| (i, e)));
    }
    // Decode up to the first signature that does not even decode: only those before it can be
    // an earlier failure.
    let mut prepared = Vec::with_capacity(items.len());
    let mut undecodable = None;
    for (i, it) in items.iter().enumerate() {
        match prepare(it, keys) {
            Ok(p) => prepared.push(p),
            Err(e) => {
                undecodable = Some((i, e));
                break;
            }
        }
    }
    let decoded = &items[..prepared.len()];
    if prepared.len() < BATCH_MIN || !batch_holds(decoded, &prepared) {
        // Some signature may be bad: find the first one.
        for (i, (it, p)) in decoded.iter().zip(&prepared).enumerate() {
            if !holds(p) {
                return Err((i, SignatureError::Invalid(it.key.to_string())));
            }
        }
    }
    // Every decoded signature holds (a failed batch always has a failing member: the cofactor
    // rules out a batch that fails while each of its signatures passes).
    undecodable.map_or(Ok(()), Err)
}

/// One verdict per signature: a single batch when all are good (the common case), each alone
/// otherwise, so a batch holding bad signatures costs at most one batch more than checking alone.
pub fn verify_each(items: &[SigItem<'_>], keys: &dyn KeyCache) -> Vec<Result<(), SignatureError>> {
    match verify_batch(items, keys) {
        Ok(()) => vec![Ok(()); items.len()],
        Err(_) => items.iter().map(|it| verify_one(it, keys)).collect(),
    }
}

#[cfg(test)]
mod tests;
