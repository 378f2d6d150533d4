//! Requests and grants tests, driven through the runtime.

use crate::common::data::*;
use crate::common::*;
use shulian_contracts::grants::{RequestStatus, get_grant, get_request, grant_id_for};
use shulian_runtime::call::{CatalogCall, Classification, GrantsCall, SharingAttribute};
use shulian_runtime::time::LedgerTime;
use shulian_runtime::{Call, DatasetId, Event, GrantId, RequestId, Subject};

fn reject(request: RequestId) -> Call {
    Call::Grants(GrantsCall::Reject { request, reason: "purpose unclear".into() })
}

fn co_approve(request: RequestId) -> Call {
    Call::Grants(GrantsCall::CoApprove { request })
}

#[test]
fn unconditional_data_is_granted_in_the_same_transaction() {
    let mut c = TestChain::new(&world());
    let ds = register(&mut c, OWNER, Classification::General, SharingAttribute::Unconditional);
    let (req, grant) = file(&mut c, USER, open_request(ds, &["route", "name"], 5));
    let grant = grant.expect("issued at once");
    assert_eq!(grant, grant_id_for(&req));
    let g = get_grant(&c.state, &grant).expect("read").expect("grant");
    assert_eq!((g.grantor, g.grantee, g.dataset, g.dataset_version), (account(OWNER), account(USER), ds, 1));
    assert_eq!((g.fields.clone(), g.max_uses, g.uses, g.revoked.clone()), (names(&["name", "route"]), 5, 0, None));
    assert_eq!(g.request, req);
    let r = get_request(&c.state, &req).expect("read").expect("request");
    assert_eq!(r.status, RequestStatus::Granted { grant });
}

#[test]
fn conditional_data_waits_for_the_owner_who_approves_or_rejects() {
    let mut c = TestChain::new(&world());
    let ds = register(&mut c, OWNER, Classification::Important, SharingAttribute::Conditional);
    let (req, none) = file(&mut c, USER, open_request(ds, &["plate"], 1));
    assert!(none.is_none());
    assert_eq!(get_request(&c.state, &req).expect("read").expect("req").status, RequestStatus::Pending);
    assert_eq!(get_grant(&c.state, &grant_id_for(&req)).ok(), Some(None));
    let events = assert_ok(&c.call(OWNER, Call::Grants(GrantsCall::Approve { request: req })));
    assert!(matches!(events[0], Event::RequestApproved { .. }));
    let grant = events.iter().find_map(grant_issued).expect("grant");
    assert_eq!(
        events[1].subjects(),
        vec![
            Subject::Grant(grant),
            Subject::Dataset(ds),
            Subject::Account(account(OWNER)),
            Subject::Account(account(USER))
        ]
    );
    assert_failed(&c.call(OWNER, Call::Grants(GrantsCall::Approve { request: req })), "grants.request_not_pending");

    let (req2, _) = file(&mut c, TRADER, open_request(ds, &["plate"], 1));
    assert_ok(&c.call(OWNER, reject(req2)));
    let r = get_request(&c.state, &req2).expect("read").expect("req");
    assert_eq!(r.status, RequestStatus::Rejected { reason: "purpose unclear".into() });
    assert_failed(&c.call(OWNER, Call::Grants(GrantsCall::Approve { request: req2 })), "grants.request_not_pending");
}

#[test]
fn only_the_owner_decides_a_request() {
    let mut c = TestChain::new(&world());
    let ds = register(&mut c, OWNER, Classification::General, SharingAttribute::Conditional);
    let (req, _) = file(&mut c, USER, open_request(ds, &["plate"], 1));
    let msg = assert_failed(&c.call(OTHER, Call::Grants(GrantsCall::Approve { request: req })), "grants.not_owner");
    assert!(msg.contains(&account(OWNER).to_string()), "{msg}");
    assert_failed(&c.call(USER, reject(req)), "grants.not_owner");
    assert_failed(
        &c.call(OWNER, Call::Grants(GrantsCall::Approve { request: RequestId([1; 32]) })),
        "grants.unknown_request",
    );
}

#[test]
fn not_shareable_negative_listed_retired_and_unknown_data_cannot_be_requested() {
    let mut c = TestChain::new(&world());
    let closed = register(&mut c, OWNER, Classification::General, SharingAttribute::NotShareable);
    assert_failed(&c.call(USER, open_request(closed, &["plate"], 1)), "grants.not_shareable");
    let listed = register(&mut c, OWNER, Classification::General, SharingAttribute::Unconditional);
    assert_ok(&c.call(REGULATOR, Call::Catalog(CatalogCall::NegativeList { dataset: listed, reason: "leak".into() })));
    let msg = assert_failed(&c.call(USER, open_request(listed, &["plate"], 1)), "grants.dataset_negative_listed");
    assert!(msg.contains("leak"), "{msg}");
    let retired = register(&mut c, OWNER, Classification::General, SharingAttribute::Unconditional);
    assert_ok(&c.call(OWNER, Call::Catalog(CatalogCall::Retire { dataset: retired })));
    assert_failed(&c.call(USER, open_request(retired, &["plate"], 1)), "grants.dataset_retired");
    assert_failed(&c.call(USER, open_request(DatasetId([4; 32]), &["plate"], 1)), "grants.unknown_dataset");
}

#[test]
fn a_pending_request_is_not_granted_once_the_data_is_negative_listed() {
    let mut c = TestChain::new(&world());
    let ds = register(&mut c, OWNER, Classification::General, SharingAttribute::Conditional);
    let (req, _) = file(&mut c, USER, open_request(ds, &["plate"], 1));
    assert_ok(&c.call(REGULATOR, Call::Catalog(CatalogCall::NegativeList { dataset: ds, reason: "leak".into() })));
    assert_failed(&c.call(OWNER, Call::Grants(GrantsCall::Approve { request: req })), "grants.dataset_negative_listed");
}

#[test]
fn core_data_needs_owner_and_regulator_in_either_order() {
    let mut c = TestChain::new(&world());
    let ds = register(&mut c, OWNER, Classification::Core, SharingAttribute::Conditional);
    // Owner first, then the regulator completes it.
    let (a, _) = file(&mut c, USER, open_request(ds, &["plate"], 1));
    assert_eq!(approve(&mut c, OWNER, a), None, "owner approval alone is not enough for core data");
    let events = assert_ok(&c.call(REGULATOR, co_approve(a)));
    assert!(events[0].subjects().contains(&Subject::Account(account(REGULATOR))));
    assert_eq!(events.iter().find_map(grant_issued), Some(grant_id_for(&a)));
    // Regulator first, then the owner completes it.
    let (b, _) = file(&mut c, USER, open_request(ds, &["plate"], 1));
    let events = assert_ok(&c.call(REGULATOR, co_approve(b)));
    assert_eq!(events.iter().find_map(grant_issued), None);
    assert_failed(&c.call(REGULATOR, co_approve(b)), "grants.already_co_approved");
    assert_eq!(approve(&mut c, OWNER, b), Some(grant_id_for(&b)));
}

#[test]
fn core_unconditional_data_is_granted_by_the_regulator_co_approval_alone() {
    let mut c = TestChain::new(&world());
    let ds = register(&mut c, OWNER, Classification::Core, SharingAttribute::Unconditional);
    let (req, g) = file(&mut c, USER, open_request(ds, &["plate"], 1));
    assert!(g.is_none(), "core data waits for a regulator");
    assert_failed(&c.call(OWNER, Call::Grants(GrantsCall::Approve { request: req })), "grants.already_approved");
    let events = assert_ok(&c.call(REGULATOR, co_approve(req)));
    assert_eq!(events.iter().find_map(grant_issued), Some(grant_id_for(&req)));
}

#[test]
fn co_approval_is_for_regulators_and_core_data_only() {
    let mut c = TestChain::new(&world());
    let core = register(&mut c, OWNER, Classification::Core, SharingAttribute::Conditional);
    let (req, _) = file(&mut c, USER, open_request(core, &["plate"], 1));
    assert_failed(&c.call(OWNER, co_approve(req)), "grants.not_regulator");
    let general = register(&mut c, OWNER, Classification::Important, SharingAttribute::Conditional);
    let (req2, _) = file(&mut c, USER, open_request(general, &["plate"], 1));
    assert_failed(&c.call(REGULATOR, co_approve(req2)), "grants.co_approval_not_needed");
}

#[test]
fn a_request_must_be_well_formed() {
    let mut c = TestChain::new(&world());
    let ds = register(&mut c, OWNER, Classification::General, SharingAttribute::Conditional);
    assert_failed(&c.call(REGULATOR, open_request(ds, &["plate"], 1)), "grants.not_requester_role");
    assert_failed(&c.call(VOTERS[0], open_request(ds, &["plate"], 1)), "grants.not_requester_role");
    assert_failed(&c.call(OWNER, open_request(ds, &["plate"], 1)), "grants.own_dataset");
    assert_failed(&c.call(USER, open_request(ds, &[], 1)), "grants.no_fields");
    let msg =
        assert_failed(&c.call(USER, open_request(ds, &["plate", "salary", "age"], 1)), "grants.fields_outside_dataset");
    assert!(msg.contains("age, salary"), "names the fields: {msg}");
    assert_failed(&c.call(USER, open_request(ds, &["plate"], 0)), "grants.zero_max_uses");
    let h = |n| at(n);
    assert_failed(&c.call(USER, request_call(ds, &["plate"], h(50), h(50), 1)), "grants.empty_window");
    assert_failed(&c.call(USER, request_call(ds, &["plate"], 9_000, 10, 1)), "grants.empty_window");
    c.advance(5);
    let msg = assert_failed(&c.call(USER, request_call(ds, &["plate"], h(0), h(3), 1)), "grants.window_ended");
    assert!(msg.contains(&LedgerTime(h(3)).to_string()), "{msg}");
    let empty_purpose = Call::Grants(GrantsCall::Request {
        dataset: ds,
        purpose: " ".into(),
        fields: names(&["plate"]),
        valid_from_ms: h(0),
        valid_until_ms: h(100),
        max_uses: 1,
    });
    assert_failed(&c.call(USER, empty_purpose), "grants.empty_purpose");
    // A trader may ask, too.
    file(&mut c, TRADER, open_request(ds, &["plate"], 1));
}

#[test]
fn only_the_grantor_revokes_and_only_once() {
    let mut c = TestChain::new(&world());
    let (ds, grant) = conditional_grant(&mut c, USER, &["plate"], 3);
    assert_failed(&c.call(USER, revoke(grant)), "grants.not_grantor");
    assert_failed(&c.call(OWNER, revoke(GrantId([9; 32]))), "grants.unknown_grant");
    let events = assert_ok(&c.call(OWNER, revoke(grant)));
    assert!(matches!(&events[0], Event::GrantRevoked { dataset, .. } if *dataset == ds));
    let g = get_grant(&c.state, &grant).expect("read").expect("grant");
    assert_eq!(g.revoked.map(|r| r.reason), Some("audit finding".to_string()));
    assert_failed(&c.call(OWNER, revoke(grant)), "grants.already_revoked");
}

/// Separation of duties (issue 22): an organization holding the regulator role cannot co-approve
/// a request it filed, nor one for its own data; another regulator can.
#[test]
fn a_party_to_a_request_cannot_co_approve_it_whatever_its_roles() {
    use shulian_runtime::genesis::Role;
    const BOTH: u8 = 20;
    let mut g = world();
    let roles = [Role::Department, Role::Regulator];
    g.organizations.push(
        shulian_runtime::test_utils::GenesisBuilder::new(CHAIN)
            .seeded_org(BOTH, &roles, shulian_runtime::Fen(0))
            .build()
            .organizations
            .remove(0),
    );
    let mut c = TestChain::new(&g);
    let core = register(&mut c, OWNER, Classification::Core, SharingAttribute::Conditional);
    let (req, _) = file(&mut c, BOTH, open_request(core, &["plate"], 3));
    approve(&mut c, OWNER, req);
    let co = |request| Call::Grants(GrantsCall::CoApprove { request });
    let msg = assert_failed(&c.call(BOTH, co(req)), "grants.co_approver_is_party");
    assert!(msg.contains("cannot co-approve"), "{msg}");
    let r = shulian_contracts::grants::get_request(&c.state, &req).expect("read").expect("request");
    assert_eq!(r.co_approved_by, None, "the refusal changed nothing");
    // Its own data: a request by another department for BOTH's core data set.
    let own = register(&mut c, BOTH, Classification::Core, SharingAttribute::Conditional);
    let (req2, _) = file(&mut c, USER, open_request(own, &["plate"], 3));
    assert_failed(&c.call(BOTH, co(req2)), "grants.co_approver_is_party");
    // An independent regulator co-approves both.
    assert!(assert_ok(&c.call(REGULATOR, co(req))).iter().any(|e| matches!(e, Event::GrantIssued { .. })));
    assert_ok(&c.call(REGULATOR, co(req2)));
}
