//! Validator-set changes, key rotation and upgrades by governance (`contracts/src/validators.rs`),
//! driven through the runtime: each change signs from two blocks after the one that decides it,
//! each refusal has its own code and leaves the set pending activation as it was.

use crate::common::data::*;
use crate::common::*;
use shulian_contracts::validators::possession_bytes;
use shulian_runtime::block::Validator;
use shulian_runtime::call::ProposalAction;
use shulian_runtime::crypto::SecretKey;
use shulian_runtime::valset::{self, SetChange};
use shulian_runtime::{AccountId, Call, Event, Height, OrgsCall, Signature, ValidatorSet, domain};

fn proof(k: &SecretKey, operator: AccountId) -> Signature {
    k.sign(domain::VALIDATOR_POSSESSION, &possession_bytes(&k.public_key(), &operator))
}

fn add(seed: u8, operator: u8, power: u64) -> ProposalAction {
    ProposalAction::AddValidator {
        name: format!("v{seed}"),
        public_key: key(seed).public_key(),
        operator: account(operator),
        power,
        possession: proof(&key(seed), account(operator)),
    }
}

fn next(c: &TestChain) -> ValidatorSet {
    valset::next_set(&c.state).expect("next set")
}

fn pending(c: &TestChain) -> ValidatorSet {
    valset::pending_set(&c.state).expect("pending set")
}

fn keys(s: &ValidatorSet) -> Vec<u8> {
    s.validators.iter().map(|v| (0..=255u8).find(|i| key(*i).public_key() == v.public_key).unwrap_or(0)).collect()
}

/// Proposes `action` as the first validator operator and expects the proposal refused with `code`.
fn refused(c: &mut TestChain, action: ProposalAction, code: &str) {
    let before = pending(c);
    assert_failed(&c.call(VOTERS[0], Call::Orgs(OrgsCall::Propose { action })), code);
    assert_eq!(pending(c), before, "a refused change leaves the pending set as it was");
}

#[test]
fn a_change_decided_at_height_h_signs_from_h_plus_2_and_headers_name_the_next_set() {
    let mut c = TestChain::new(&world());
    let genesis_set = next(&c);
    assert_eq!(keys(&genesis_set), vec![VALIDATOR]);
    pass(&mut c, add(30, VOTERS[0], 1));
    let decided = c.height;
    // Decided in this block: pending now, the next block is still signed by the old set.
    assert_eq!(next(&c), genesis_set);
    assert_eq!(keys(&pending(&c)), vec![VALIDATOR, 30]);
    let header = &c.blocks.last().expect("block").header;
    assert_eq!(header.next_validators_hash, genesis_set.hash(), "header H names the set of H+1");
    let changed = c.block(vec![]);
    assert_eq!(c.height, Height(decided.0 + 1));
    assert_eq!(keys(&changed.next_validators), vec![VALIDATOR, 30], "header H+1 names the new set, which signs H+2");
    assert_eq!(c.blocks.last().expect("block").header.next_validators_hash, pending(&c).hash());
    // Every set that ever signed stays readable by its hash.
    assert_eq!(valset::set_by_hash(&c.state, &genesis_set.hash()).expect("read"), Some(genesis_set));
    assert_eq!(valset::set_by_hash(&c.state, &next(&c).hash()).expect("read"), Some(next(&c)));
    assert_eq!(valset::operator_of(&c.state, &key(30).public_key()).expect("read"), Some(account(VOTERS[0])));
}

#[test]
fn the_executing_vote_emits_the_change_with_its_activation_height() {
    let mut c = TestChain::new(&world());
    let p = propose(&mut c, VOTERS[0], add(30, VOTERS[0], 2));
    assert_ok(&c.call(VOTERS[0], vote(p, true)));
    assert_ok(&c.call(VOTERS[1], vote(p, true)));
    let events = assert_ok(&c.call(VOTERS[2], vote(p, true)));
    let h = c.height;
    let changed = events.iter().find_map(|e| match e {
        Event::ValidatorSetChanged { change, operator, activates_at, set_hash, proposal } => {
            Some((change.clone(), *operator, *activates_at, *set_hash, *proposal))
        }
        _ => None,
    });
    let (change, operator, at, set_hash, proposal) = changed.expect("ValidatorSetChanged");
    assert!(matches!(change, SetChange::Add { validator: Validator { power: 2, .. } }));
    assert_eq!(
        (operator, at, set_hash, proposal),
        (Some(account(VOTERS[0])), Height(h.0 + 2), pending(&c).hash(), Some(p))
    );
}

#[test]
fn a_change_that_breaks_a_set_rule_is_refused_with_its_own_code() {
    let mut c = TestChain::new(&world());
    // The only validator cannot go, nor be given all the power of a set of one more.
    refused(
        &mut c,
        ProposalAction::RemoveValidator { public_key: key(VALIDATOR).public_key() },
        "orgs.validator_set_empty",
    );
    refused(&mut c, add(30, VOTERS[0], 3), "orgs.dominant_validator");
    refused(&mut c, ProposalAction::RemoveValidator { public_key: key(31).public_key() }, "orgs.not_a_validator");
    refused(
        &mut c,
        ProposalAction::SetValidatorPower { public_key: key(VALIDATOR).public_key(), power: 0 },
        "orgs.zero_power",
    );
    // A new key must be proven held, for this operator, and be nobody's organization key.
    let mut forged = add(30, VOTERS[0], 1);
    if let ProposalAction::AddValidator { possession, .. } = &mut forged {
        *possession = proof(&key(30), account(VOTERS[1]));
    }
    refused(&mut c, forged, "orgs.bad_possession_proof");
    refused(&mut c, add(30, OWNER, 1), "orgs.operator_not_eligible");
    refused(&mut c, add(OWNER, VOTERS[0], 1), "orgs.key_is_an_org_key");
    // Three validators of power 1: one cannot be raised above two thirds (5 of 7), and once it
    // holds 3 of 5 the removal that would leave it 3 of 4 is refused.
    pass(&mut c, add(30, VOTERS[0], 1));
    refused(&mut c, add(30, VOTERS[1], 1), "orgs.already_a_validator");
    pass(&mut c, add(31, VOTERS[1], 1));
    refused(
        &mut c,
        ProposalAction::SetValidatorPower { public_key: key(30).public_key(), power: 5 },
        "orgs.dominant_validator",
    );
    pass(&mut c, ProposalAction::SetValidatorPower { public_key: key(30).public_key(), power: 3 });
    refused(&mut c, ProposalAction::RemoveValidator { public_key: key(31).public_key() }, "orgs.dominant_validator");
    assert_eq!(pending(&c).validators.iter().map(|v| v.power).collect::<Vec<_>>(), vec![1, 3, 1]);
}

#[test]
fn a_check_that_held_when_proposed_is_made_again_when_the_proposal_passes() {
    let mut c = TestChain::new(&world());
    pass(&mut c, add(30, VOTERS[0], 1));
    pass(&mut c, add(31, VOTERS[1], 1));
    // Two removals, each allowed alone: together they would leave one validator with all the power.
    let first = propose(&mut c, VOTERS[0], ProposalAction::RemoveValidator { public_key: key(30).public_key() });
    let second = propose(&mut c, VOTERS[0], ProposalAction::RemoveValidator { public_key: key(31).public_key() });
    for v in &VOTERS[..3] {
        assert_ok(&c.call(*v, vote(first, true)));
    }
    assert_ok(&c.call(VOTERS[0], vote(second, true)));
    assert_ok(&c.call(VOTERS[1], vote(second, true)));
    assert_failed(&c.call(VOTERS[2], vote(second, true)), "orgs.dominant_validator");
    assert_eq!(keys(&pending(&c)), vec![VALIDATOR, 31]);
}

#[test]
fn only_its_operator_rotates_a_validator_key_with_a_proof_of_the_new_one() {
    let mut c = TestChain::new(&world());
    pass(&mut c, add(30, VOTERS[0], 1));
    let rotate = |new: u8, by: u8| {
        Call::Orgs(OrgsCall::RotateValidatorKey {
            old_key: key(30).public_key(),
            new_key: key(new).public_key(),
            possession: proof(&key(new), account(by)),
        })
    };
    assert_failed(&c.call(VOTERS[1], rotate(32, VOTERS[1])), "orgs.not_the_operator");
    // A proof made for another operator does not do.
    assert_failed(&c.call(VOTERS[0], rotate(32, VOTERS[1])), "orgs.bad_possession_proof");
    pass(&mut c, add(31, VOTERS[1], 1));
    assert_failed(&c.call(VOTERS[0], rotate(31, VOTERS[0])), "orgs.already_a_validator");
    assert_eq!(keys(&pending(&c)), vec![VALIDATOR, 30, 31]);
    assert_ok(&c.call(VOTERS[0], rotate(32, VOTERS[0])));
    assert_eq!(keys(&pending(&c)), vec![VALIDATOR, 32, 31], "the new key takes the old one's place");
    assert_eq!(pending(&c).validators[1].name, "v30");
    assert_eq!(valset::operator_of(&c.state, &key(32).public_key()).expect("read"), Some(account(VOTERS[0])));
    // The rotated-out key is nobody's validator any more: its operator cannot rotate it again.
    assert_failed(&c.call(VOTERS[0], rotate(33, VOTERS[0])), "orgs.not_a_validator");
}

#[test]
fn an_upgrade_is_scheduled_ahead_once_and_comes_into_force_at_its_height() {
    let mut c = TestChain::new(&world());
    let up = |version, height| ProposalAction::ScheduleUpgrade { version, height: Height(height) };
    refused(&mut c, up(1, 100), "orgs.version_not_above");
    let soon = c.height.0 + 2;
    refused(&mut c, up(2, soon), "orgs.upgrade_too_soon");
    let at = c.height.0 + 12;
    pass(&mut c, up(2, at));
    refused(&mut c, up(3, at + 10), "orgs.upgrade_pending");
    assert_eq!(valset::scheduled_upgrade(&c.state).expect("read").map(|u| u.version), Some(2));
    while c.height.0 + 1 < at {
        let e = c.block(vec![]);
        assert_eq!(e.protocol_version, 1);
    }
    let e = c.block(vec![]);
    assert_eq!((c.height.0, e.protocol_version), (at, 2), "the block at the height carries the new version");
    assert_eq!(c.blocks.last().expect("block").header.protocol_version, 2);
    assert_eq!(valset::protocol_version(&c.state).expect("read"), 2);
    assert_eq!(valset::scheduled_upgrade(&c.state).expect("read"), None);
}
