use super::*;
use crate::crypto::signing_bytes;
use crate::test_utils::key;
use curve25519_dalek::constants::EIGHT_TORSION;
use ed25519_dalek::VerifyingKey;
use proptest::prelude::*;

const TAG: &[u8] = b"shulian/test/v1";

/// These tests are about the ed25519 rule: they run under that suite whatever `SHULIAN_CRYPTO`
/// says (each test is its own process under nextest).
fn ed25519() {
    assert_eq!(crate::suite::fix(CryptoSuite::Ed25519Blake3), Ok(()));
}

/// ℓ, the order of the prime subgroup, little-endian.
const GROUP_ORDER: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// `verify_strict`, the rule of ADR 0001, for comparison.
fn strict(key: &PublicKey, msg: &[u8], sig: &Signature) -> bool {
    VerifyingKey::from_bytes(&key.0)
        .and_then(|vk| vk.verify_strict(msg, &ed25519_dalek::Signature::from_bytes(&sig.0)))
        .is_ok()
}

/// Signed messages: (key, signed bytes, signature), from a few keys.
fn signed(n: usize) -> Vec<(PublicKey, Vec<u8>, Signature)> {
    (0..n)
        .map(|i| {
            let k = key((i % 5) as u8 + 1);
            let msg = format!("message {i}").into_bytes();
            (k.public_key(), signing_bytes(TAG, &msg), k.sign(TAG, &msg))
        })
        .collect()
}

fn items(v: &[(PublicKey, Vec<u8>, Signature)]) -> Vec<SigItem<'_>> {
    v.iter().map(|(key, msg, sig)| SigItem { key, msg, sig }).collect()
}

/// A caller's cache of decoded keys, counting how often it answered.
#[derive(Default)]
struct RememberingKeys {
    map: std::sync::Mutex<BTreeMap<PublicKey, DecodedKey>>,
    hits: std::sync::atomic::AtomicUsize,
}

impl KeyCache for RememberingKeys {
    fn get(&self, key: &PublicKey) -> Option<DecodedKey> {
        let found = self.map.lock().ok()?.get(key).cloned();
        if found.is_some() {
            self.hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        found
    }

    fn insert(&self, key: &PublicKey, decoded: DecodedKey) {
        if let Ok(mut m) = self.map.lock() {
            m.insert(*key, decoded);
        }
    }
}

/// A signature by `seed`'s key on `msg` whose `R` carries the order-8 point `T`: only a signer
/// can make one (it needs the secret scalar and `k` over the altered `R`).
fn signature_with_torsion_in_r(seed: &[u8; 32], msg: &[u8]) -> (PublicKey, Signature) {
    let h: [u8; 64] = Sha512::digest(seed).into();
    let mut low = [0u8; 32];
    low.copy_from_slice(&h[..32]);
    let a = Scalar::from_bytes_mod_order(curve25519_dalek::scalar::clamp_integer(low));
    let public = (ED25519_BASEPOINT_POINT * a).compress().0;
    let r = Scalar::from(12_345u64);
    let big_r = (ED25519_BASEPOINT_POINT * r + EIGHT_TORSION[1]).compress().0;
    let mut kh = Sha512::new();
    kh.update(big_r);
    kh.update(public);
    kh.update(msg);
    let k = Scalar::from_bytes_mod_order_wide(&kh.finalize().into());
    let s = r + k * a;
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(&big_r);
    sig[32..].copy_from_slice(s.as_bytes());
    (PublicKey(public), Signature(sig))
}

#[test]
fn honest_signatures_pass_alone_and_in_a_batch_like_verify_strict() {
    ed25519();
    let v = signed(40);
    for (k, m, s) in &v {
        assert!(strict(k, m, s));
        assert_eq!(verify_one(&SigItem { key: k, msg: m, sig: s }, &NoKeyCache), Ok(()));
    }
    assert_eq!(verify_batch(&items(&v), &NoKeyCache), Ok(()));
}

#[test]
fn decoded_keys_come_from_the_callers_cache_and_bad_keys_are_never_cached() {
    ed25519();
    let v = signed(40);
    let keys = RememberingKeys::default();
    assert_eq!(verify_batch(&items(&v), &keys), Ok(()));
    assert_eq!(keys.map.lock().map(|m| m.len()).ok(), Some(5), "each of the five signers decoded once");
    assert_eq!(keys.hits.load(std::sync::atomic::Ordering::Relaxed), 35);
    let (k, m, s) = &v[0];
    assert_eq!(verify_one(&SigItem { key: k, msg: m, sig: s }, &keys), Ok(()));
    assert_eq!(keys.hits.load(std::sync::atomic::Ordering::Relaxed), 36);
    let small_key = PublicKey(EIGHT_TORSION[1].compress().0);
    assert!(matches!(
        verify_one(&SigItem { key: &small_key, msg: m, sig: s }, &keys),
        Err(SignatureError::BadPublicKey(..))
    ));
    assert_eq!(keys.map.lock().map(|m| m.len()).ok(), Some(5), "a key that does not decode is not remembered");
}

#[test]
fn a_batch_names_its_first_bad_signature() {
    ed25519();
    let mut v = signed(50);
    v[31].1.push(0);
    v[17].2.0[40] ^= 1;
    let err = verify_batch(&items(&v), &NoKeyCache).expect_err("two bad signatures");
    assert_eq!(err.0, 17);
    assert!(matches!(err.1, SignatureError::Invalid(_)));
    assert!(verify_batch(&items(&v[..17]), &NoKeyCache).is_ok());
    assert_eq!(verify_batch(&items(&v[18..]), &NoKeyCache).expect_err("one bad").0, 31 - 18);
}

#[test]
fn small_order_points_and_non_canonical_encodings_are_refused() {
    ed25519();
    let v = signed(1);
    let (k, m, s) = &v[0];
    let check = |key: &PublicKey, sig: &Signature| verify_one(&SigItem { key, msg: m, sig }, &NoKeyCache);
    // R = the identity (small order).
    let mut identity_r = *s;
    identity_r.0[..32].copy_from_slice(&EdwardsPoint::default().compress().0);
    assert!(check(k, &identity_r).is_err());
    // s + ℓ: the same scalar, not canonical.
    let mut big_s = *s;
    let mut carry = 0u16;
    for (b, l) in big_s.0[32..].iter_mut().zip(GROUP_ORDER) {
        let t = u16::from(*b) + u16::from(l) + carry;
        *b = t as u8;
        carry = t >> 8;
    }
    assert!(!strict(k, m, &big_s));
    assert!(check(k, &big_s).is_err());
    // A small-order public key, and a non-canonical y (p + 1, which decodes like 1).
    let small_key = PublicKey(EIGHT_TORSION[1].compress().0);
    assert!(matches!(check(&small_key, s), Err(SignatureError::BadPublicKey(..))));
    let mut non_canonical = [0xffu8; 32];
    non_canonical[0] = 0xee;
    non_canonical[31] = 0x7f;
    assert!(!canonical_y(&non_canonical));
    let mut p_minus_1 = non_canonical;
    p_minus_1[0] = 0xec;
    assert!(canonical_y(&p_minus_1));
    let mut bad_r = *s;
    bad_r.0[..32].copy_from_slice(&non_canonical);
    assert!(check(k, &bad_r).is_err());
}

#[test]
fn a_signer_made_torsion_component_is_the_one_difference_from_verify_strict_and_batches_agree() {
    ed25519();
    let msg = signing_bytes(TAG, b"crafted");
    let (k, sig) = signature_with_torsion_in_r(&[9; 32], &msg);
    assert!(!strict(&k, &msg, &sig), "verify_strict compares R exactly");
    let item = SigItem { key: &k, msg: &msg, sig: &sig };
    assert_eq!(verify_one(&item, &NoKeyCache), Ok(()), "the cofactored equation ignores the small-order part");
    // In a batch it gets the same verdict, wherever it sits.
    let v = signed(20);
    let mut all = items(&v);
    for at in [0, 7, 20] {
        all.insert(at, item);
        assert_eq!(verify_batch(&all, &NoKeyCache), Ok(()));
        all.remove(at);
    }
    // Nobody else can move R: the same signature with R shifted again fails, alone and batched.
    let mut moved = sig;
    let r = CompressedEdwardsY(sig.0[..32].try_into().unwrap_or([0; 32])).decompress().expect("R decodes");
    moved.0[..32].copy_from_slice(&(r + EIGHT_TORSION[2]).compress().0);
    let bad = SigItem { key: &k, msg: &msg, sig: &moved };
    assert!(verify_one(&bad, &NoKeyCache).is_err());
    all.insert(5, bad);
    assert_eq!(verify_batch(&all, &NoKeyCache).map_err(|e| e.0), Err(5));
}

proptest! {
    /// Whatever is tampered with, the batch verdict is the verdict of the signatures alone, and
    /// on honest or tampered signatures the rule agrees with `verify_strict`.
    #[test]
    fn batch_verdict_is_the_single_verdict(
        n in 1usize..40,
        tamper in proptest::collection::vec((0usize..40, 0usize..64, 1u8..=255), 0..4),
    ) {
        ed25519();
        let mut v = signed(n);
        for (i, byte, x) in &tamper {
            if *i < n {
                v[*i].2.0[*byte] ^= x;
            }
        }
        let singles: Vec<bool> =
            v.iter().map(|(key, msg, sig)| verify_one(&SigItem { key, msg, sig }, &NoKeyCache).is_ok()).collect();
        for ((k, m, s), ok) in v.iter().zip(&singles) {
            prop_assert_eq!(strict(k, m, s), *ok);
        }
        let first_bad = singles.iter().position(|ok| !ok);
        prop_assert_eq!(verify_batch(&items(&v), &NoKeyCache).map_err(|e| e.0), first_bad.map_or(Ok(()), Err));
        // A cache of decoded keys, cold or warm, changes no verdict.
        let keys = RememberingKeys::default();
        for _ in 0..2 {
            let cached: Vec<bool> =
                v.iter().map(|(key, msg, sig)| verify_one(&SigItem { key, msg, sig }, &keys).is_ok()).collect();
            prop_assert_eq!(&cached, &singles);
            prop_assert_eq!(verify_batch(&items(&v), &keys).map_err(|e| e.0), first_bad.map_or(Ok(()), Err));
        }
    }
}

/// An ed25519 signature on an SM2 chain and an SM2 signature on an ed25519 chain are each refused
/// as `WrongSuite`, apart from a signature that is merely bad.
#[test]
fn a_signature_of_the_other_suite_is_refused_as_such_on_an_ed25519_chain() {
    ed25519();
    other_suite_is_refused_as_such();
}

#[test]
fn a_signature_of_the_other_suite_is_refused_as_such_on_an_sm2_chain() {
    crate::test_utils::pin_suite(CryptoSuite::Sm2Sm3);
    other_suite_is_refused_as_such();
}

fn other_suite_is_refused_as_such() {
    let msg = signing_bytes(TAG, b"m");
    let sm2 = crate::sm2key::Sm2Secret::from_bytes_reduced(&[9; 32]);
    let (sm2_key, sm2_sig) = (sm2.public_key(), sm2.sign(&msg));
    // An ed25519 key whose bytes are no SM2 x coordinate (about one in two): the path where an
    // SM2 chain cannot even decode the key as its own.
    let ed = crate::test_utils::ed25519_key_that_is_no_sm2_key();
    let (ed_key, ed_sig) = {
        use ed25519_dalek::Signer;
        (PublicKey(ed.verifying_key().to_bytes()), Signature(ed.sign(&msg).to_bytes()))
    };
    let check = |key: &PublicKey, sig: &Signature| verify_one(&SigItem { key, msg: &msg, sig }, &NoKeyCache);
    let suite = crate::suite::active();
    let (own, other) = match suite {
        CryptoSuite::Ed25519Blake3 => ((ed_key, ed_sig), (sm2_key, sm2_sig)),
        CryptoSuite::Sm2Sm3 => ((sm2_key, sm2_sig), (ed_key, ed_sig)),
    };
    assert_eq!(check(&own.0, &own.1), Ok(()));
    assert!(
        matches!(check(&other.0, &other.1), Err(SignatureError::WrongSuite { .. })),
        "{:?}",
        check(&other.0, &other.1)
    );
    let mut flipped = own.1;
    flipped.0[5] ^= 1;
    assert!(matches!(check(&own.0, &flipped), Err(SignatureError::Invalid(_) | SignatureError::NonCanonical(_))));
    // In a batch too, at the position of the foreign signature.
    let many: Vec<(PublicKey, Signature)> = (0..8).map(|i| if i == 6 { other } else { own }).collect();
    let items: Vec<SigItem<'_>> = many.iter().map(|(key, sig)| SigItem { key, msg: &msg, sig }).collect();
    let verdict = verify_batch(&items, &NoKeyCache);
    assert!(matches!(verdict, Err((6, SignatureError::WrongSuite { .. }))), "{verdict:?}");
}
