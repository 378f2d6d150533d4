//! Organizations and governance tests, driven through the runtime.

use crate::common::data::*;
use crate::common::*;
use shulian_contracts::orgs::{ProposalStatus, get_org, get_proposal, validator_operators};
use shulian_runtime::call::{Classification, ProposalAction, SettlementCall, SharingAttribute};
use shulian_runtime::exec::{BlockError, next_nonce};
use shulian_runtime::genesis::Role;
use shulian_runtime::{Call, Event, Fen, ProposalId, Subject, TxError};

fn admit(i: u8, roles: Vec<Role>) -> ProposalAction {
    ProposalAction::Admit { name: format!("new{i}"), roles, public_key: key(i).public_key() }
}

fn status(c: &TestChain, p: ProposalId) -> ProposalStatus {
    get_proposal(&c.state, &p).expect("read").expect("proposal").status
}

#[test]
fn admission_needs_more_than_two_thirds_of_validator_operators() {
    let mut c = TestChain::new(&world());
    let p = propose(&mut c, VOTERS[0], admit(20, vec![Role::Department]));
    assert_ok(&c.call(VOTERS[0], vote(p, true)));
    assert_ok(&c.call(VOTERS[1], vote(p, true)));
    assert_eq!(status(&c, p), ProposalStatus::Open, "2 of 4 is not more than 2/3");
    assert_eq!(get_org(&c.state, &account(20)).ok(), Some(None));
    let events = assert_ok(&c.call(VOTERS[2], vote(p, true)));
    assert!(events.contains(&Event::ProposalExecuted { proposal: p, org: account(20) }));
    assert!(events.iter().any(|e| matches!(e, Event::OrgAdmitted { org, .. } if *org == account(20))));
    assert!(matches!(status(&c, p), ProposalStatus::Executed { .. }));
    let org = get_org(&c.state, &account(20)).expect("read").expect("admitted");
    assert_eq!((org.roles, org.keys, org.suspended), (vec![Role::Department], vec![key(20).public_key()], false));
    // The admitted department can act at once.
    register(&mut c, 20, Classification::General, SharingAttribute::Conditional);
    assert_failed(&c.call(VOTERS[3], vote(p, true)), "orgs.proposal_closed");
}

#[test]
fn proposal_is_rejected_once_the_majority_is_out_of_reach() {
    let mut c = TestChain::new(&world());
    let p = propose(&mut c, VOTERS[0], admit(20, vec![Role::Trader]));
    assert_ok(&c.call(VOTERS[0], vote(p, false)));
    assert_eq!(status(&c, p), ProposalStatus::Open, "3 of 4 could still approve");
    let events = assert_ok(&c.call(VOTERS[1], vote(p, false)));
    assert!(events.iter().any(|e| matches!(e, Event::ProposalRejected { rejections: 2, .. })));
    assert!(matches!(status(&c, p), ProposalStatus::Rejected { .. }));
    assert_failed(&c.call(VOTERS[2], vote(p, true)), "orgs.proposal_closed");
    assert_eq!(get_org(&c.state, &account(20)).ok(), Some(None));
}

#[test]
fn only_validator_operators_propose_and_vote() {
    let mut c = TestChain::new(&world());
    let msg = assert_failed(
        &c.call(OWNER, Call::Orgs(shulian_runtime::OrgsCall::Propose { action: admit(20, vec![Role::Trader]) })),
        "orgs.not_validator_operator",
    );
    assert!(msg.contains(&account(OWNER).to_string()), "{msg}");
    let p = propose(&mut c, VOTERS[0], admit(20, vec![Role::Trader]));
    assert_failed(&c.call(REGULATOR, vote(p, true)), "orgs.not_validator_operator");
}

#[test]
fn double_vote_and_unknown_proposal_are_refused() {
    let mut c = TestChain::new(&world());
    let p = propose(&mut c, VOTERS[0], admit(20, vec![Role::Trader]));
    assert_ok(&c.call(VOTERS[1], vote(p, true)));
    assert_failed(&c.call(VOTERS[1], vote(p, true)), "orgs.already_voted");
    assert_failed(&c.call(VOTERS[1], vote(ProposalId([7; 32]), true)), "orgs.unknown_proposal");
}

#[test]
fn admission_refuses_a_bound_key_an_empty_name_and_no_roles() {
    let mut c = TestChain::new(&world());
    let propose = |action| Call::Orgs(shulian_runtime::OrgsCall::Propose { action });
    assert_failed(&c.call(VOTERS[0], propose(admit(OWNER, vec![Role::Trader]))), "orgs.key_already_bound");
    let empty = ProposalAction::Admit { name: " ".into(), roles: vec![Role::Trader], public_key: key(20).public_key() };
    assert_failed(&c.call(VOTERS[0], propose(empty)), "orgs.empty_name");
    assert_failed(&c.call(VOTERS[0], propose(admit(20, vec![]))), "orgs.no_roles");
    let ghost = ProposalAction::Reinstate { org: account(77) };
    assert_failed(&c.call(VOTERS[0], propose(ghost)), "orgs.unknown_org");
}

#[test]
fn a_suspended_org_can_do_nothing_until_reinstated() {
    let g = genesis_with_roles(&[
        (OWNER, vec![Role::Department]),
        (VOTERS[0], vec![Role::ValidatorOperator]),
        (VOTERS[1], vec![Role::ValidatorOperator]),
        (VOTERS[2], vec![Role::ValidatorOperator]),
        (VOTERS[3], vec![Role::ValidatorOperator]),
    ]);
    let mut c = TestChain::new(&g);
    pass(&mut c, ProposalAction::Suspend { org: account(OWNER), reason: "leak".into() });
    assert!(get_org(&c.state, &account(OWNER)).expect("read").expect("org").suspended);
    let before = next_nonce(&c.state, &account(OWNER)).expect("nonce");
    let transfer = Call::Settlement(SettlementCall::Transfer { to: account(VOTERS[0]), amount: Fen(1) });
    let msg = assert_failed(&c.call(OWNER, transfer), "orgs.sender_suspended");
    assert!(msg.contains("suspended"), "{msg}");
    let reg = Call::Catalog(shulian_runtime::CatalogCall::Register {
        dataset: spec(Classification::General, SharingAttribute::Conditional),
    });
    assert_failed(&c.call(OWNER, reg.clone()), "orgs.sender_suspended");
    assert_eq!(next_nonce(&c.state, &account(OWNER)).ok(), Some(before + 2), "refused calls still use nonces");
    // Suspending twice is refused; reinstating restores it.
    let again = Call::Orgs(shulian_runtime::OrgsCall::Propose {
        action: ProposalAction::Suspend { org: account(OWNER), reason: "x".into() },
    });
    assert_failed(&c.call(VOTERS[0], again), "orgs.already_suspended");
    pass(&mut c, ProposalAction::Reinstate { org: account(OWNER) });
    assert_ok(&c.call(OWNER, reg));
    let not =
        Call::Orgs(shulian_runtime::OrgsCall::Propose { action: ProposalAction::Reinstate { org: account(OWNER) } });
    assert_failed(&c.call(VOTERS[0], not), "orgs.not_suspended");
}

#[test]
fn a_suspended_validator_operator_cannot_vote() {
    let mut c = TestChain::new(&world());
    let p = propose(&mut c, VOTERS[1], admit(20, vec![Role::Trader]));
    suspend(&mut c, VOTERS[3]);
    assert_failed(&c.call(VOTERS[3], vote(p, true)), "orgs.sender_suspended");
}

#[test]
fn rotated_out_key_signs_nothing_and_the_new_key_continues_the_nonce() {
    let mut c = TestChain::new(&world());
    let org = account(OWNER);
    pass(&mut c, ProposalAction::RotateKey { org, old_key: key(OWNER).public_key(), new_key: key(21).public_key() });
    let stored = get_org(&c.state, &org).expect("read").expect("org");
    assert_eq!(stored.keys, vec![key(21).public_key()]);
    let nonce = next_nonce(&c.state, &org).expect("nonce");
    let transfer = Call::Settlement(SettlementCall::Transfer { to: account(USER), amount: Fen(1) });
    let old = c.tx_with(&key(OWNER), org, transfer.clone());
    match c.try_block(&[old]) {
        Err(BlockError::InvalidTx { error: TxError::KeyRevoked { key: k, account }, .. }) => {
            assert_eq!((k, account), (key(OWNER).public_key(), org));
        }
        other => panic!("expected KeyRevoked, got {other:?}"),
    }
    let reg = Call::Catalog(shulian_runtime::CatalogCall::Register {
        dataset: spec(Classification::General, SharingAttribute::Conditional),
    });
    let new = c.tx_with(&key(21), org, reg);
    assert_eq!(new.nonce, nonce);
    let exec = c.block(vec![new]);
    assert_ok(&exec.outcomes[0]);
    assert_eq!(exec.outcomes[0].account, org, "the new key acts for the same organization");
    assert_eq!(next_nonce(&c.state, &org).ok(), Some(nonce + 1));
}

#[test]
fn key_rotation_refuses_an_inactive_old_key_and_a_bound_new_key() {
    let mut c = TestChain::new(&world());
    let org = account(OWNER);
    let propose = |action| Call::Orgs(shulian_runtime::OrgsCall::Propose { action });
    let wrong_old = ProposalAction::RotateKey { org, old_key: key(USER).public_key(), new_key: key(21).public_key() };
    assert_failed(&c.call(VOTERS[0], propose(wrong_old)), "orgs.key_not_active");
    let bound_new =
        ProposalAction::RotateKey { org, old_key: key(OWNER).public_key(), new_key: key(USER).public_key() };
    assert_failed(&c.call(VOTERS[0], propose(bound_new)), "orgs.key_already_bound");
}

#[test]
fn the_electorate_is_fixed_when_a_proposal_opens() {
    let mut c = TestChain::new(&world());
    let later = propose(&mut c, VOTERS[0], admit(21, vec![Role::Trader]));
    pass(&mut c, admit(20, vec![Role::ValidatorOperator]));
    assert!(validator_operators(&c.state).expect("read").contains(&account(20)));
    assert_failed(&c.call(20, vote(later, true)), "orgs.not_in_electorate");
    // New proposals count the new operator: 5 operators need 4 approvals.
    let p = propose(&mut c, 20, admit(22, vec![Role::Trader]));
    for v in [20, VOTERS[0], VOTERS[1]] {
        assert_ok(&c.call(v, vote(p, true)));
    }
    assert_eq!(status(&c, p), ProposalStatus::Open, "3 of 5 is not more than 2/3");
    assert_ok(&c.call(VOTERS[2], vote(p, true)));
    assert!(matches!(status(&c, p), ProposalStatus::Executed { .. }));
}

#[test]
fn governance_events_are_indexed_under_the_orgs_they_concern() {
    let mut c = TestChain::new(&world());
    let o = c.call(VOTERS[0], Call::Orgs(shulian_runtime::OrgsCall::Propose { action: admit(20, vec![Role::Trader]) }));
    let events = assert_ok(&o);
    assert_eq!(events[0].subjects(), vec![Subject::Account(account(VOTERS[0])), Subject::Account(account(20))]);
}
