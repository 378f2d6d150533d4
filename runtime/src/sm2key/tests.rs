//! Conformance: the standards' published examples (SM3: GM/T 0004 Appendix A; SM2: GM/T 0003.5
//! Appendix A, the signature example on the recommended curve), then the ledger's own rules (even
//! y, canonical encodings, no malleability).

use super::*;
use sm2::elliptic_curve::PrimeField;
use sm2::elliptic_curve::sec1::ToEncodedPoint;
use sm3::Digest;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.to_lowercase()).unwrap_or_default()
}

fn arr(s: &str) -> [u8; 32] {
    h(s).try_into().unwrap_or([0; 32])
}

#[test]
fn sm3_matches_gmt_0004_examples() {
    assert_eq!(
        hex::encode(sm3::Sm3::digest(b"abc")),
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    );
    assert_eq!(
        hex::encode(sm3::Sm3::digest(b"abcd".repeat(16))),
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    );
}

// GM/T 0003.5-2012 Appendix A (GB/T 32918.5), the digital signature example.
const D_A: &str = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
const X_A: &str = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020";
const Y_A: &str = "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";
const MSG: &[u8] = b"message digest";
const K: &str = "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21";
const R: &str = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3";
const S: &str = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA";
const Z_A: &str = "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3";

fn scalar(s: &str) -> Scalar {
    Option::<Scalar>::from(Scalar::from_repr(arr(s).into())).unwrap_or(Scalar::ZERO)
}

/// GM/T 0003's `Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA)`, computed here from the
/// standard's text, independently of the crate.
fn z_value(x: &[u8], y: &[u8]) -> [u8; 32] {
    let g = sm2::AffinePoint::GENERATOR.to_encoded_point(false);
    let mut m = Sm3::new();
    m.update(((DISTID.len() * 8) as u16).to_be_bytes());
    m.update(DISTID);
    m.update(h("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC"));
    m.update(h("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93"));
    m.update(g.x().map(|v| v.to_vec()).unwrap_or_default());
    m.update(g.y().map(|v| v.to_vec()).unwrap_or_default());
    m.update(x);
    m.update(y);
    m.finalize().into()
}

use sm3::Sm3;

#[test]
fn sm2_matches_the_gmt_0003_signature_example() {
    // The key pair.
    let d = scalar(D_A);
    let p = (sm2::ProjectivePoint::GENERATOR * d).to_affine().to_encoded_point(false);
    assert_eq!(p.x().map(hex::encode_upper), Some(X_A.to_string()));
    assert_eq!(p.y().map(hex::encode_upper), Some(Y_A.to_string()));
    // Z and e, from the standard's text.
    let z = z_value(&h(X_A), &h(Y_A));
    assert_eq!(hex::encode_upper(z), Z_A);
    let e: [u8; 32] = Sm3::new().chain_update(z).chain_update(MSG).finalize().into();
    // The signature from the example's k: r = e + x1, s = (1 + d)^-1 (k - r d).
    let k = scalar(K);
    let x1 = (sm2::ProjectivePoint::GENERATOR * k).to_affine().x();
    let r = <Scalar as Reduce<U256>>::reduce_bytes(&e.into()) + <Scalar as Reduce<U256>>::reduce_bytes(&x1);
    let s = Option::<Scalar>::from((Scalar::ONE + d).invert()).unwrap_or(Scalar::ZERO) * (k - r * d);
    assert_eq!(hex::encode_upper(r.to_repr()), R);
    assert_eq!(hex::encode_upper(s.to_repr()), S);
    // The crate verifies the example's signature, and refuses it for another message.
    let mut sec1 = vec![4u8];
    sec1.extend(h(X_A));
    sec1.extend(h(Y_A));
    let vk = sm2::dsa::VerifyingKey::from_sec1_bytes(DISTID, &sec1).expect("the example's key");
    let mut rs = h(R);
    rs.extend(h(S));
    let sig = sm2::dsa::Signature::from_slice(&rs).expect("the example's signature");
    assert!(vk.verify(MSG, &sig).is_ok());
    assert!(vk.verify(b"message digesT", &sig).is_err());
}

#[test]
fn the_standard_key_is_negated_to_even_y_and_signs_verifiably() {
    // The example's key has odd y (…AD13): the ledger keeps n - d, with the same x.
    let key = Sm2Secret::from_bytes(&arr(D_A)).expect("a key");
    assert_eq!(key.public_key().0, arr(X_A));
    // The key file keeps the bytes as imported; n - d is the same key.
    assert_eq!(key.to_bytes(), arr(D_A));
    let negated: [u8; 32] = (-scalar(D_A)).to_repr().into();
    assert_eq!(Sm2Secret::from_bytes(&negated).map(|k| k.public_key()), Ok(key.public_key()));
    let msg = b"shulian/test\0hello";
    let sig = key.sign(msg);
    let decoded = Sm2Key::decode(&key.public_key()).expect("decodes");
    assert_eq!(decoded.verify(&key.public_key(), msg, &sig), Ok(()));
    assert_eq!(key.sign(msg), sig, "signing is deterministic");
}

#[test]
fn zero_and_out_of_range_secrets_are_refused() {
    assert!(Sm2Secret::from_bytes(&[0; 32]).is_err());
    assert!(Sm2Secret::from_bytes(&[0xff; 32]).is_err());
    // The reducing constructor (for fixed test keys) never fails.
    let one: [u8; 32] = Scalar::ONE.to_repr().into();
    assert_eq!(Sm2Secret::from_bytes_reduced(&[0; 32]).public_key(), Sm2Secret::from_bytes_reduced(&one).public_key());
}

fn signed() -> (PublicKey, Vec<u8>, Signature) {
    let key = Sm2Secret::from_bytes_reduced(&[7; 32]);
    let msg = b"shulian/tx/v1\0body".to_vec();
    let sig = key.sign(&msg);
    (key.public_key(), msg, sig)
}

#[test]
fn a_flipped_bit_anywhere_is_refused() {
    let (pk, msg, sig) = signed();
    let k = Sm2Key::decode(&pk).expect("decodes");
    for byte in 0..64 {
        let mut bad = sig;
        bad.0[byte] ^= 1;
        let verdict = k.verify(&pk, &msg, &bad);
        assert!(
            matches!(verdict, Err(SignatureError::Invalid(_) | SignatureError::NonCanonical(_))),
            "byte {byte}: {verdict:?}"
        );
    }
    let mut other = msg.clone();
    other[0] ^= 1;
    assert!(matches!(k.verify(&pk, &other, &sig), Err(SignatureError::Invalid(_))));
}

#[test]
fn scalars_out_of_range_are_non_canonical_and_n_minus_s_is_no_signature() {
    let (pk, msg, sig) = signed();
    let k = Sm2Key::decode(&pk).expect("decodes");
    let n = h("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123");
    // r = 0, s = 0, r = n, s = n.
    for (at, value) in [(0, vec![0u8; 32]), (32, vec![0u8; 32]), (0, n.clone()), (32, n.clone())] {
        let mut bad = sig;
        bad.0[at..at + 32].copy_from_slice(&value);
        assert!(matches!(k.verify(&pk, &msg, &bad), Err(SignatureError::NonCanonical(_))), "at {at}");
    }
    // (r, n - s): the ECDSA malleation does not carry over to SM2.
    let s = scalar(&hex::encode(&sig.0[32..]));
    let mut flipped = sig;
    flipped.0[32..].copy_from_slice(&(-s).to_repr());
    assert!(matches!(k.verify(&pk, &msg, &flipped), Err(SignatureError::Invalid(_))));
}

#[test]
fn an_x_that_is_no_point_is_refused() {
    // Find an x with no point on the curve (about one in two).
    let bad =
        (0u8..=255).map(|i| PublicKey([i; 32])).find(|k| Sm2Key::decode(k).is_err()).expect("some x is off the curve");
    assert!(matches!(Sm2Key::decode(&bad), Err(SignatureError::BadPublicKey(..))));
    // x = p (not below the field's modulus) is refused too.
    let p = arr("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF");
    assert!(Sm2Key::decode(&PublicKey(p)).is_err());
}
