//! Usage receipt tests, driven through the runtime.

use crate::common::data::*;
use crate::common::*;
use shulian_contracts::grants::get_grant;
use shulian_contracts::receipts::{receipt_head, receipt_head_key};
use shulian_runtime::call::{CatalogCall, Classification, ProposalAction, SharingAttribute};
use shulian_runtime::events::receipt_chain_head;
use shulian_runtime::state::StateReader;
use shulian_runtime::time::LedgerTime;
use shulian_runtime::{Call, Event, GrantId, Hash, Subject};

#[test]
fn three_uses_then_revocation_refuses_the_fourth() {
    let mut c = TestChain::new(&world());
    let (ds, grant) = conditional_grant(&mut c, USER, &["plate", "route"], 10);
    let mut receipts = Vec::new();
    for n in 1..=3u64 {
        let events = assert_ok(&c.call(USER, record(grant, &["plate"])));
        assert!(matches!(events[0], Event::ReceiptRecorded { seq, .. } if seq == n));
        receipts.push(events[0].clone());
    }
    assert_ok(&c.call(OWNER, revoke(grant)));
    let msg = assert_failed(&c.call(USER, record(grant, &["plate"])), "receipts.revoked");
    assert!(msg.contains("audit finding"), "{msg}");
    let g = get_grant(&c.state, &grant).expect("read").expect("grant");
    assert_eq!(g.uses, 3);
    assert!(receipts.iter().all(
        |r| matches!(r, Event::ReceiptRecorded { dataset, grantee, .. } if *dataset == ds && *grantee == account(USER))
    ));
    // The head in state commits to exactly these three receipts, in order: the refused fourth
    // use changed nothing, a list missing one or in another order folds to another head.
    let head = receipt_head(&c.state, &grant).expect("read");
    assert_eq!(head, receipt_chain_head(&receipts));
    assert_ne!(head, receipt_chain_head(&receipts[..2]), "a missing receipt is seen");
    assert_ne!(head, receipt_chain_head([&receipts[1], &receipts[0], &receipts[2]]), "a reordering is seen");
}

#[test]
fn receipts_live_in_blocks_and_only_the_chain_head_in_state() {
    let mut c = TestChain::new(&world());
    let (_, grant) = conditional_grant(&mut c, USER, &["plate"], 1_000);
    assert_eq!(receipt_head(&c.state, &grant).expect("read"), Hash::ZERO, "no receipts yet");
    // Entries and bytes of the state and of its tree.
    let size = |c: &TestChain| {
        let kv: usize = c.state.kv.iter().map(|(k, v)| k.len() + v.len()).sum();
        let tree: usize = c.state.nodes.values().map(|n| borsh::to_vec(n).map_or(0, |b| b.len())).sum();
        (c.state.kv.len(), kv, c.state.nodes.len(), tree)
    };
    assert_ok(&c.call(USER, record(grant, &["plate"])));
    let after_one = size(&c);
    for _ in 0..50 {
        assert_ok(&c.call(USER, record(grant, &["plate"])));
    }
    // Fifty more receipts change values (the use count, the head, the nonce), never the number
    // of entries or the bytes the state and its tree hold.
    assert_eq!(size(&c), after_one);
    let head = c.state.get(&receipt_head_key(&grant)).expect("read").expect("a head after the first receipt");
    assert_eq!(head.len(), 32);
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
    let Event::ReceiptRecorded { row_count, query_hash, fields_used, seq, .. } = &events[0] else {
        panic!("not a receipt: {:?}", events[0]);
    };
    assert_eq!((*seq, *row_count), (1, 42));
    assert_eq!((*query_hash, fields_used.clone()), (Hash::tagged(b"test/query", b"q"), names(&["route", "plate"])));
    assert_eq!(receipt_head(&c.state, &grant).expect("read"), receipt_chain_head(&events[..1]));
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

/// A recorded story (a grant, five uses, a revocation, a refused use) ends at a pinned state root:
/// it pins the state layout of ADR 0004 (the grant and its receipt chain head in state, no
/// receipt records) and the receipt chain's domain tag and encoding. A change to any of them is a
/// change every node must make at once: it needs a new root here and a note in the ADR.
#[test]
fn a_recorded_story_keeps_its_state_root() {
    shulian_runtime::test_utils::pin_ed25519();
    let mut c = TestChain::new(&world());
    let (_, grant) = conditional_grant(&mut c, USER, &["plate", "route"], 10);
    let mut receipts = Vec::new();
    for _ in 0..5 {
        receipts.extend(assert_ok(&c.call(USER, record(grant, &["plate"]))));
    }
    assert_ok(&c.call(OWNER, revoke(grant)));
    assert_failed(&c.call(USER, record(grant, &["plate"])), "receipts.revoked");
    let head = receipt_head(&c.state, &grant).expect("read");
    assert_eq!(head, receipt_chain_head(&receipts));
    assert_eq!(
        head.to_string(),
        "e3784706dc87c9323db4048032a92813e5b7f83b13934356d8039ba506ef3b70",
        "receipt chain head"
    );
    // Re-pinned when the validator set and protocol version became state (docs/consensus.md,
    // "Validator-set changes"): the receipt chain head above did not move.
    assert_eq!(c.root.to_string(), "09d8f5c9b11a18294441fd098a15fcc9b8d65376b5c09ef338d5bbc39f770b84", "state root");
}

/// `(grants, receipts per grant)` of [`state_size_depends_on_grants_not_on_receipts`]: small in
/// `make test`; `make nightly` sets `SHULIAN_RECEIPT_SCALE=1000x1000` (a million receipts under a
/// thousand grants, issue 27).
fn receipt_scale() -> (usize, usize) {
    std::env::var("SHULIAN_RECEIPT_SCALE")
        .ok()
        .and_then(|s| {
            let (g, r) = s.split_once('x')?;
            Some((g.parse().ok()?, r.parse().ok()?))
        })
        .unwrap_or((10, 20))
}

/// The state and its tree hold the same number of entries and bytes after one receipt per grant
/// as after many: they grow with grants (live objects), not with receipts (history).
#[test]
fn state_size_depends_on_grants_not_on_receipts() {
    let (grants, rounds) = receipt_scale();
    let mut c = TestChain::new(&world());
    let ds = register(&mut c, OWNER, Classification::General, SharingAttribute::Unconditional);
    let nonce = |c: &TestChain| c.tx(USER, record(GrantId([0; 32]), &["plate"])).nonce;
    let batch = |c: &TestChain, calls: Vec<Call>| -> Vec<_> {
        let first = nonce(c);
        calls
            .into_iter()
            .enumerate()
            .map(|(i, call)| shulian_runtime::test_utils::signed(CHAIN, &key(USER), first + i as u64, call))
            .collect()
    };
    let requests = (0..grants).map(|_| open_request(ds, &["plate"], u64::MAX)).collect();
    let txs = batch(&c, requests);
    let ids: Vec<GrantId> = c
        .block(txs)
        .outcomes
        .iter()
        .flat_map(|o| o.events.iter())
        .filter_map(|e| match e {
            Event::GrantIssued { grant, .. } => Some(*grant),
            _ => None,
        })
        .collect();
    assert_eq!(ids.len(), grants, "an unconditional request is granted at once");
    let size = |c: &TestChain| {
        let kv: usize = c.state.kv.iter().map(|(k, v)| k.len() + v.len()).sum();
        let tree: usize = c.state.nodes.values().map(|n| borsh::to_vec(n).map_or(0, |b| b.len())).sum();
        (c.state.kv.len(), kv, c.state.nodes.len(), tree)
    };
    let mut after_first = None;
    for _ in 0..rounds {
        let txs = batch(&c, ids.iter().map(|g| record(*g, &["plate"])).collect());
        let exec = c.block(txs);
        assert!(exec.outcomes.iter().all(|o| o.status == shulian_runtime::exec::TxStatus::Success));
        after_first.get_or_insert_with(|| size(&c));
    }
    assert_eq!(Some(size(&c)), after_first, "{} more receipts grew the state", grants * (rounds - 1));
    let g = get_grant(&c.state, &ids[0]).expect("read").expect("grant");
    assert_eq!(g.uses, rounds as u64);
}
