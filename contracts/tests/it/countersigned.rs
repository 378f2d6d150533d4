//! Countersigned and batch usage receipts (issue 22): a grant whose grantor requires its data
//! system's countersignature counts a use only when that key signed the same (grant, sequence
//! number, query hash, result hash, row count) as the grantee sent; a batch records up to
//! `MAX_BATCH_RECEIPTS` uses under one grant, all or none.

use crate::common::data::*;
use crate::common::*;
use shulian_contracts::grants::{get_countersigner, get_grant};
use shulian_contracts::receipts::receipt_head;
use shulian_runtime::call::{GrantsCall, MAX_BATCH_RECEIPTS, ReceiptAttestation, ReceiptUse, ReceiptsCall};
use shulian_runtime::crypto::{SecretKey, Signature};
use shulian_runtime::events::receipt_chain_head;
use shulian_runtime::{Call, Event, GrantId, Hash, domain};

/// The provider's data system: its own key, not the organization's.
fn provider_system() -> SecretKey {
    key(200)
}

fn query(n: u8) -> Hash {
    Hash([n; 32])
}

/// The provider system's countersignature of use `seq` of `grant`.
fn countersign(k: &SecretKey, grant: GrantId, seq: u64, q: Hash, result: Hash, rows: u64) -> Signature {
    let a = ReceiptAttestation { grant, seq, query_hash: q, result_hash: result, row_count: rows };
    k.sign(domain::RECEIPT_COUNTERSIGN, &a.sign_bytes())
}

fn countersigned(grant: GrantId, q: Hash, result: Hash, rows: u64, sig: Signature) -> Call {
    Call::Receipts(ReceiptsCall::RecordCountersigned {
        grant,
        query_hash: q,
        result_hash: result,
        row_count: rows,
        fields_used: vec!["plate".into()],
        countersignature: sig,
    })
}

fn plain(grant: GrantId, q: Hash, result: Hash, rows: u64) -> Call {
    Call::Receipts(ReceiptsCall::Record {
        grant,
        query_hash: q,
        result_hash: result,
        row_count: rows,
        fields_used: vec!["plate".into()],
    })
}

fn require(grant: GrantId, k: &SecretKey) -> Call {
    Call::Grants(GrantsCall::RequireCountersignature { grant, key: k.public_key() })
}

/// The grant's use count and receipt chain head: what a receipt changes.
fn uses_and_head(c: &TestChain, grant: GrantId) -> (u64, Hash) {
    let g = get_grant(&c.state, &grant).expect("read").expect("grant");
    (g.uses, receipt_head(&c.state, &grant).expect("read"))
}

#[test]
fn a_countersigned_grant_refuses_the_grantee_alone_and_a_mismatched_countersignature() {
    let mut c = TestChain::new(&world());
    let (_, grant) = conditional_grant(&mut c, USER, &["plate"], 10);
    let sys = provider_system();
    // Only the grantor requires it, once.
    assert_failed(&c.call(USER, require(grant, &sys)), "grants.not_grantor");
    let events = assert_ok(&c.call(OWNER, require(grant, &sys)));
    assert!(
        matches!(&events[..], [Event::CountersignatureRequired { grant: g, key, .. }] if *g == grant && *key == sys.public_key())
    );
    assert_eq!(get_countersigner(&c.state, &grant).expect("read"), Some(sys.public_key()));
    let msg = assert_failed(&c.call(OWNER, require(grant, &key(201))), "grants.countersignature_already_required");
    assert!(msg.contains(&sys.public_key().to_string()), "{msg}");

    let (q, r, other) = (query(1), Hash([2; 32]), Hash([3; 32]));
    let before = uses_and_head(&c, grant);
    // The grantee alone.
    let msg = assert_failed(&c.call(USER, plain(grant, q, r, 5)), "receipts.countersignature_missing");
    assert!(msg.contains(&sys.public_key().to_string()), "{msg}");
    // Both, over different result hashes (the provider returned `r`, the grantee claims `other`).
    let sig = countersign(&sys, grant, 1, q, r, 5);
    assert_failed(&c.call(USER, countersigned(grant, q, other, 5, sig)), "receipts.bad_countersignature");
    // ... or a different row count, or another key, or the right bytes for another use.
    assert_failed(&c.call(USER, countersigned(grant, q, r, 6, sig)), "receipts.bad_countersignature");
    let forged = countersign(&key(201), grant, 1, q, r, 5);
    assert_failed(&c.call(USER, countersigned(grant, q, r, 5, forged)), "receipts.bad_countersignature");
    let later = countersign(&sys, grant, 2, q, r, 5);
    assert_failed(&c.call(USER, countersigned(grant, q, r, 5, later)), "receipts.bad_countersignature");
    // Someone else holding a good countersignature is still not the grantee.
    assert_failed(&c.call(TRADER, countersigned(grant, q, r, 5, sig)), "receipts.not_grantee");
    assert_eq!(uses_and_head(&c, grant), before, "every refused receipt changed nothing");

    // Countersigned: counted, as use 1 with exactly the signed hashes.
    let events = assert_ok(&c.call(USER, countersigned(grant, q, r, 5, sig)));
    let receipt = events[0].clone();
    assert!(matches!(
        receipt,
        Event::ReceiptRecorded { seq: 1, query_hash, result_hash, row_count: 5, .. } if query_hash == q && result_hash == r
    ));
    assert_eq!(uses_and_head(&c, grant), (1, receipt_chain_head([&receipt])));
    // The same countersignature again is a replay: it signed use 1, the next is use 2.
    assert_failed(&c.call(USER, countersigned(grant, q, r, 5, sig)), "receipts.bad_countersignature");
    assert_ok(&c.call(USER, countersigned(grant, q, r, 5, later)));
}

#[test]
fn a_grant_without_the_rule_takes_no_countersignature_and_a_revoked_one_cannot_gain_it() {
    let mut c = TestChain::new(&world());
    let (_, grant) = conditional_grant(&mut c, USER, &["plate"], 10);
    let sig = countersign(&provider_system(), grant, 1, query(1), query(2), 1);
    assert_failed(
        &c.call(USER, countersigned(grant, query(1), query(2), 1, sig)),
        "receipts.countersignature_not_required",
    );
    assert_ok(&c.call(USER, plain(grant, query(1), query(2), 1)));
    assert_ok(&c.call(OWNER, revoke(grant)));
    assert_failed(&c.call(OWNER, require(grant, &provider_system())), "grants.already_revoked");
    assert_failed(&c.call(OWNER, require(GrantId([9; 32]), &provider_system())), "grants.unknown_grant");
}

fn batch(grant: GrantId, uses: Vec<ReceiptUse>) -> Call {
    Call::Receipts(ReceiptsCall::RecordBatch { grant, uses })
}

fn use_of(n: u8, fields: &[&str], countersignature: Option<Signature>) -> ReceiptUse {
    ReceiptUse {
        query_hash: query(n),
        result_hash: Hash([n.wrapping_add(100); 32]),
        row_count: u64::from(n),
        fields_used: fields.iter().map(|f| f.to_string()).collect(),
        countersignature,
    }
}

#[test]
fn a_batch_records_its_uses_in_order_or_none_of_them() {
    let mut c = TestChain::new(&world());
    let (_, grant) = conditional_grant(&mut c, USER, &["plate", "route"], 5);
    assert_failed(&c.call(USER, batch(grant, vec![])), "receipts.empty_batch");
    let too_many = (0..=MAX_BATCH_RECEIPTS).map(|i| use_of(i as u8, &["plate"], None)).collect();
    assert_failed(&c.call(USER, batch(grant, too_many)), "receipts.batch_too_large");
    // One use out of scope fails the whole batch: nothing recorded.
    let bad = vec![use_of(1, &["plate"], None), use_of(2, &["route"], None), use_of(3, &["salary"], None)];
    assert_failed(&c.call(USER, batch(grant, bad)), "receipts.fields_out_of_scope");
    assert_eq!(uses_and_head(&c, grant), (0, Hash::ZERO));
    // Three good uses: sequence numbers 1..=3, one receipt event each, the chain head over all.
    let events = assert_ok(&c.call(USER, batch(grant, (1..=3).map(|n| use_of(n, &["plate"], None)).collect())));
    let seqs: Vec<u64> = events
        .iter()
        .map(|e| match e {
            Event::ReceiptRecorded { seq, .. } => *seq,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(seqs, vec![1, 2, 3]);
    assert_eq!(uses_and_head(&c, grant), (3, receipt_chain_head(&events)));
    // Three more would pass the grant's five uses: refused whole, the count stays at three.
    let over = (4..=6).map(|n| use_of(n, &["route"], None)).collect();
    assert_failed(&c.call(USER, batch(grant, over)), "receipts.exhausted");
    assert_eq!(uses_and_head(&c, grant).0, 3);
    // A batch under a countersigned grant: each use countersigned for its own sequence number.
    let sys = provider_system();
    assert_ok(&c.call(OWNER, require(grant, &sys)));
    let signed = |n: u8, seq: u64| {
        let u = use_of(n, &["plate"], None);
        let sig = countersign(&sys, grant, seq, u.query_hash, u.result_hash, u.row_count);
        ReceiptUse { countersignature: Some(sig), ..u }
    };
    let swapped = vec![signed(7, 5), signed(8, 4)];
    assert_failed(&c.call(USER, batch(grant, swapped)), "receipts.bad_countersignature");
    let unsigned = vec![signed(7, 4), use_of(8, &["plate"], None)];
    assert_failed(&c.call(USER, batch(grant, unsigned)), "receipts.countersignature_missing");
    assert_eq!(uses_and_head(&c, grant).0, 3);
    assert_ok(&c.call(USER, batch(grant, vec![signed(7, 4), signed(8, 5)])));
    assert_eq!(uses_and_head(&c, grant).0, 5);
}

#[test]
fn the_countersigned_bytes_are_pinned() {
    shulian_runtime::test_utils::pin_ed25519();
    // What a provider system signs: the tag, a zero byte, then the borsh of the attestation. A
    // change of the tag, the fields or their order changes these bytes and fails this test.
    let a = ReceiptAttestation {
        grant: GrantId([1; 32]),
        seq: 2,
        query_hash: query(3),
        result_hash: query(4),
        row_count: 5,
    };
    let signed = shulian_runtime::crypto::signing_bytes(domain::RECEIPT_COUNTERSIGN, &a.sign_bytes());
    let expected = [
        b"shulian/receipt-countersign/v1\x00".as_slice(),
        &[1; 32],
        &2u64.to_le_bytes(),
        &[3; 32],
        &[4; 32],
        &5u64.to_le_bytes(),
    ]
    .concat();
    assert_eq!(signed, expected);
    // Ed25519 signatures are deterministic: the same key signs these bytes to the same value.
    let sig = key(1).sign(domain::RECEIPT_COUNTERSIGN, &a.sign_bytes());
    assert_eq!(sig.to_string(), PINNED_SIGNATURE);
}

/// `key(1)`'s countersignature of the attestation above.
const PINNED_SIGNATURE: &str = concat!(
    "eeaa9d5c404eefa343980cba8e107f70e510584a671ee8f4045e129f44d77b8e",
    "fde58d1fd9c0895b383eb606ad86ba724801ed7ba5e4a7f52f1fb7f7d4827806"
);
