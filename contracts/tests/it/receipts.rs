//! Usage receipt tests, driven through the runtime.

use crate::common::data::*;
use crate::common::*;
use shulian_contracts::grants::get_grant;
use shulian_contracts::receipts::{get_receipt, get_receipts};
use shulian_runtime::call::{CatalogCall, Classification, ProposalAction, SharingAttribute};
use shulian_runtime::time::LedgerTime;
use shulian_runtime::{Call, Event, GrantId, Hash, Subject};

#[test]
fn three_uses_then_revocation_refuses_the_fourth() {
    let mut c = TestChain::new(&world());
    let (ds, grant) = conditional_grant(&mut c, USER, &["plate", "route"], 10);
    for n in 1..=3u64 {
        let events = assert_ok(&c.call(USER, record(grant, &["plate"])));
        assert!(matches!(events[0], Event::ReceiptRecorded { seq, .. } if seq == n));
    }
    assert_ok(&c.call(OWNER, revoke(grant)));
    let msg = assert_failed(&c.call(USER, record(grant, &["plate"])), "receipts.revoked");
    assert!(msg.contains("audit finding"), "{msg}");
    let g = get_grant(&c.state, &grant).expect("read").expect("grant");
    assert_eq!(g.uses, 3);
    let receipts = get_receipts(&c.state, &grant).expect("read");
    assert_eq!(receipts.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert!(receipts.iter().all(|r| r.dataset == ds && r.grantee == account(USER)));
}

#[test]
fn a_receipt_records_the_use_and_is_indexed_under_grant_data_and_both_orgs() {
    let mut c = TestChain::new(&world());
    let (ds, grant) = conditional_grant(&mut c, USER, &["plate", "route"], 10);
    let o = c.call(USER, record(grant, &["route", "plate"]));
    let events = assert_ok(&o);
    assert_eq!(
        events[0].subjects(),
        vec![
            Subject::Grant(grant),
            Subject::Dataset(ds),
            Subject::Account(account(OWNER)),
            Subject::Account(account(USER))
        ]
    );
    let r = get_receipt(&c.state, &grant, 1).expect("read").expect("receipt");
    assert_eq!((r.row_count, r.height, r.tx_hash), (42, c.height, o.tx_hash));
    assert_eq!((r.query_hash, r.fields_used.clone()), (Hash::tagged(b"test/query", b"q"), names(&["route", "plate"])));
}

#[test]
fn only_the_grantee_records_and_only_under_an_existing_grant() {
    let mut c = TestChain::new(&world());
    let (_, grant) = conditional_grant(&mut c, USER, &["plate"], 10);
    let msg = assert_failed(&c.call(OTHER, record(grant, &["plate"])), "receipts.not_grantee");
    assert!(msg.contains(&account(USER).to_string()), "{msg}");
    assert_failed(&c.call(USER, record(GrantId([5; 32]), &["plate"])), "receipts.unknown_grant");
    assert_failed(&c.call(REGULATOR, record(grant, &["plate"])), "receipts.not_recorder_role");
}

#[test]
fn a_grant_expires_at_its_until_time_as_blocks_go_by() {
    let mut c = TestChain::new(&world());
    let ds = register(&mut c, OWNER, Classification::General, SharingAttribute::Unconditional);
    let until = c.height.0 + 4;
    let call = request_call(ds, &["plate"], at(0), at(until), 10);
    let grant = file(&mut c, USER, call).1.expect("grant");
    c.advance(until - c.height.0 - 2);
    assert_ok(&c.call(USER, record(grant, &["plate"]))); // at until - 1
    let msg = assert_failed(&c.call(USER, record(grant, &["plate"])), "receipts.expired");
    assert_eq!(msg, format!("grant {grant} expired at {}", LedgerTime(at(until))));
}

#[test]
fn a_grant_expires_when_ledger_time_passes_its_end_however_few_blocks_come() {
    let mut c = TestChain::new(&world());
    let ds = register(&mut c, OWNER, Classification::General, SharingAttribute::Unconditional);
    let until = c.next_time_ms() + 30 * 86_400_000;
    let call = request_call(ds, &["plate"], 0, until, 10);
    let grant = file(&mut c, USER, call).1.expect("grant");
    assert_ok(&c.call(USER, record(grant, &["plate"])));
    // Thirty days pass between two blocks (an idle chain, or a stopped one).
    c.advance_time(until - c.next_time_ms());
    let msg = assert_failed(&c.call(USER, record(grant, &["plate"])), "receipts.expired");
    assert_eq!(msg, format!("grant {grant} expired at {}", LedgerTime(until)));
}

#[test]
fn a_grant_is_not_usable_before_its_window_opens() {
    let mut c = TestChain::new(&world());
    let ds = register(&mut c, OWNER, Classification::General, SharingAttribute::Unconditional);
    let from = c.height.0 + 4;
    let call = request_call(ds, &["plate"], at(from), at(from + 10), 10);
    let grant = file(&mut c, USER, call).1.expect("grant");
    let msg = assert_failed(&c.call(USER, record(grant, &["plate"])), "receipts.not_yet_valid");
    assert!(msg.contains(&LedgerTime(at(from)).to_string()), "{msg}");
    c.advance(from - c.height.0 - 1);
    assert_ok(&c.call(USER, record(grant, &["plate"])));
}

#[test]
fn a_grant_is_exhausted_after_max_uses() {
    let mut c = TestChain::new(&world());
    let (_, grant) = conditional_grant(&mut c, USER, &["plate"], 2);
    assert_ok(&c.call(USER, record(grant, &["plate"])));
    assert_ok(&c.call(USER, record(grant, &["plate"])));
    let msg = assert_failed(&c.call(USER, record(grant, &["plate"])), "receipts.exhausted");
    assert!(msg.contains("all 2 uses"), "{msg}");
    assert_eq!(get_grant(&c.state, &grant).expect("read").expect("grant").uses, 2);
}

#[test]
fn fields_outside_the_grant_scope_are_named_and_refused() {
    let mut c = TestChain::new(&world());
    let (_, grant) = conditional_grant(&mut c, USER, &["plate", "route"], 5);
    let msg = assert_failed(&c.call(USER, record(grant, &["plate", "name", "time"])), "receipts.fields_out_of_scope");
    assert!(msg.contains("name, time"), "{msg}");
    assert_failed(&c.call(USER, record(grant, &[])), "receipts.no_fields");
}

#[test]
fn suspension_of_the_grantor_or_grantee_suspends_the_grant() {
    let mut c = TestChain::new(&world());
    let (_, grant) = conditional_grant(&mut c, USER, &["plate"], 5);
    suspend(&mut c, OWNER);
    let msg = assert_failed(&c.call(USER, record(grant, &["plate"])), "receipts.grantor_suspended");
    assert!(msg.contains(&account(OWNER).to_string()), "{msg}");
    pass(&mut c, ProposalAction::Reinstate { org: account(OWNER) });
    assert_ok(&c.call(USER, record(grant, &["plate"])));
    suspend(&mut c, USER);
    assert_failed(&c.call(USER, record(grant, &["plate"])), "orgs.sender_suspended");
}

#[test]
fn a_negative_listed_data_set_cannot_be_used_under_an_earlier_grant() {
    let mut c = TestChain::new(&world());
    let (ds, grant) = conditional_grant(&mut c, USER, &["plate"], 5);
    assert_ok(&c.call(REGULATOR, Call::Catalog(CatalogCall::NegativeList { dataset: ds, reason: "leak".into() })));
    let msg = assert_failed(&c.call(USER, record(grant, &["plate"])), "receipts.dataset_negative_listed");
    assert!(msg.contains("leak"), "{msg}");
    let off = Call::Catalog(CatalogCall::RemoveNegativeList { dataset: ds, reason: "fixed".into() });
    assert_ok(&c.call(REGULATOR, off));
    assert_ok(&c.call(USER, record(grant, &["plate"])));
}
