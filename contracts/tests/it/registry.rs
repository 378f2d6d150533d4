//! The plan's registries (issue 22): data elements with one responsible department (一数一源),
//! data sets that declare them as authoritative source or copy, the demand list with deadlines in
//! ledger time, and the regulator's direct suspension of an organization and freeze of a grant.
//! Every refusal has its own code and leaves the records it names unchanged.

use crate::common::data::*;
use crate::common::*;
use Classification::{Core, General, Important};
use SharingAttribute::{Conditional, Unconditional};
use shulian_contracts::grants::{get_freeze, get_grant};
use shulian_contracts::orgs::get_org;
use shulian_contracts::registry::{
    Demand, DemandStatus, Element, demand_id_for, get_dataset_elements, get_demand, get_element,
};
use shulian_runtime::call::{CatalogCall, ElementSource, GrantsCall, OrgsCall, ProposalAction, RegistryCall};
use shulian_runtime::{Call, Classification, DatasetId, DemandId, Event, GrantId, SharingAttribute};

const DAY: u64 = 86_400_000;

fn define(code: &str, responsible: u8) -> Call {
    Call::Registry(RegistryCall::DefineElement {
        code: code.into(),
        name: format!("{code} 名称"),
        responsible: account(responsible),
    })
}

fn with_elements(elements: &[&str], source: ElementSource, c: Classification, s: SharingAttribute) -> Call {
    Call::Catalog(CatalogCall::RegisterWithElements { dataset: spec(c, s), elements: names(elements), source })
}

fn element(c: &TestChain, code: &str) -> Option<Element> {
    get_element(&c.state, code).expect("read")
}

fn demand(c: &TestChain, id: DemandId) -> Demand {
    get_demand(&c.state, &id).expect("read").expect("demand")
}

/// A chain where the regulator defined `plate` (OWNER responsible) and `licence` (OTHER).
fn registry() -> TestChain {
    let mut c = TestChain::new(&world());
    assert_ok(&c.call(REGULATOR, define("plate", OWNER)));
    assert_ok(&c.call(REGULATOR, define("licence", OTHER)));
    c
}

fn registered(events: &[Event]) -> DatasetId {
    events.iter().find_map(dataset_registered).expect("DatasetRegistered")
}

#[test]
fn only_a_regulator_defines_elements_for_a_department() {
    let mut c = registry();
    let e = element(&c, "plate").expect("defined");
    assert_eq!((e.responsible, e.authoritative), (account(OWNER), None));
    assert_failed(&c.call(OWNER, define("vin", OWNER)), "registry.not_regulator");
    assert_failed(&c.call(REGULATOR, define("vin", TRADER)), "registry.not_department");
    assert_failed(&c.call(REGULATOR, define("Vehicle Plate", OWNER)), "registry.bad_element_code");
    assert_failed(&c.call(REGULATOR, define(&"x".repeat(65), OWNER)), "registry.bad_element_code");
    let msg = assert_failed(&c.call(REGULATOR, define("plate", OTHER)), "registry.element_exists");
    assert!(msg.contains("plate"), "{msg}");
    assert_eq!(element(&c, "plate"), Some(e), "a refused definition changes nothing");
    assert_eq!(element(&c, "vin"), None);
}

#[test]
fn one_source_per_element_until_the_regulator_transfers_it() {
    let mut c = registry();
    // Another department cannot be the source of OWNER's element.
    let msg = assert_failed(
        &c.call(OTHER, with_elements(&["plate"], ElementSource::Authoritative, General, Conditional)),
        "registry.not_element_source",
    );
    assert!(msg.contains(&account(OWNER).to_string()), "{msg}");
    assert_failed(
        &c.call(OWNER, with_elements(&["plate", "plate"], ElementSource::Authoritative, General, Conditional)),
        "registry.duplicate_element",
    );
    assert_failed(
        &c.call(OWNER, with_elements(&["vin"], ElementSource::Authoritative, General, Conditional)),
        "registry.unknown_element",
    );
    assert_failed(
        &c.call(OWNER, with_elements(&[], ElementSource::Authoritative, General, Conditional)),
        "registry.element_count",
    );
    assert_eq!(element(&c, "plate").and_then(|e| e.authoritative), None);

    // The responsible department registers the authoritative source.
    let events =
        assert_ok(&c.call(OWNER, with_elements(&["plate"], ElementSource::Authoritative, Important, Conditional)));
    let source = registered(&events);
    assert!(events.iter().any(|e| matches!(e, Event::ElementsDeclared { dataset, .. } if *dataset == source)));
    assert_eq!(element(&c, "plate").and_then(|e| e.authoritative), Some(source));
    let declared = get_dataset_elements(&c.state, &source).expect("read").expect("declared");
    assert_eq!((declared.elements, declared.source), (names(&["plate"]), ElementSource::Authoritative));
    // Not a second one, even by the same department.
    let msg = assert_failed(
        &c.call(OWNER, with_elements(&["plate"], ElementSource::Authoritative, Important, Conditional)),
        "registry.element_already_sourced",
    );
    assert!(msg.contains(&source.to_string()), "{msg}");

    // A copy names the authoritative source, carries only its elements, and is no less strict.
    let copy = |elements: &[&str], of, c, s| with_elements(elements, ElementSource::CopyOf(of), c, s);
    assert_failed(&c.call(OTHER, copy(&["plate"], source, General, Conditional)), "registry.copy_below_source");
    assert_failed(&c.call(OTHER, copy(&["plate"], source, Important, Unconditional)), "registry.copy_below_source");
    assert_failed(&c.call(OTHER, copy(&["licence"], source, Important, Conditional)), "registry.copy_lacks_element");
    let plain = register(&mut c, OTHER, General, Conditional);
    assert_failed(&c.call(OTHER, copy(&["plate"], plain, Core, Conditional)), "registry.not_authoritative");
    let copied = registered(&assert_ok(&c.call(OTHER, copy(&["plate"], source, Core, Conditional))));
    assert_failed(&c.call(USER, copy(&["plate"], copied, Core, Conditional)), "registry.not_authoritative");
    assert_eq!(element(&c, "plate").and_then(|e| e.authoritative), Some(source), "a copy is never the source");

    // The regulator moves the responsibility: OTHER may now register the source, OWNER no longer.
    let transfer = |to: u8, reason: &str| {
        Call::Registry(RegistryCall::TransferElement { code: "plate".into(), to: account(to), reason: reason.into() })
    };
    assert_failed(&c.call(OWNER, transfer(OTHER, "reorganisation")), "registry.not_regulator");
    assert_failed(&c.call(REGULATOR, transfer(OTHER, " ")), "registry.empty_text");
    assert_failed(&c.call(REGULATOR, transfer(OWNER, "no-op")), "registry.same_department");
    let events = assert_ok(&c.call(REGULATOR, transfer(OTHER, "机构改革")));
    assert!(
        matches!(&events[..], [Event::ElementTransferred { from, to, .. }] if *from == account(OWNER) && *to == account(OTHER))
    );
    let e = element(&c, "plate").expect("element");
    assert_eq!((e.responsible, e.authoritative), (account(OTHER), None));
    assert_failed(
        &c.call(OWNER, with_elements(&["plate"], ElementSource::Authoritative, Important, Conditional)),
        "registry.not_element_source",
    );
    let new_source = registered(&assert_ok(
        &c.call(OTHER, with_elements(&["plate", "licence"], ElementSource::Authoritative, Core, Conditional)),
    ));
    assert_eq!(element(&c, "plate").and_then(|e| e.authoritative), Some(new_source));
    assert_eq!(element(&c, "licence").and_then(|e| e.authoritative), Some(new_source));
}

#[test]
fn a_retired_source_frees_its_element_for_a_new_one() {
    let mut c = registry();
    let old = registered(&assert_ok(
        &c.call(OWNER, with_elements(&["plate"], ElementSource::Authoritative, General, Conditional)),
    ));
    assert_ok(&c.call(OWNER, Call::Catalog(CatalogCall::Retire { dataset: old })));
    let new = registered(&assert_ok(
        &c.call(OWNER, with_elements(&["plate"], ElementSource::Authoritative, General, Conditional)),
    ));
    assert_eq!(element(&c, "plate").and_then(|e| e.authoritative), Some(new));
}

fn file_demand(c: &mut TestChain, who: u8, elements: &[&str]) -> DemandId {
    let call =
        Call::Registry(RegistryCall::FileDemand { elements: names(elements), purpose: "公交线网优化".into() });
    let tx = c.tx(who, call);
    let id = demand_id_for(&tx.hash());
    let mut exec = c.block(vec![tx]);
    let events = assert_ok(&exec.outcomes.remove(0));
    assert!(matches!(&events[..], [Event::DemandFiled { demand, .. }] if *demand == id));
    id
}

fn assign(demand: DemandId, to: u8, deadline_ms: u64) -> Call {
    Call::Registry(RegistryCall::AssignDemand { demand, to: account(to), deadline_ms })
}

fn answer(demand: DemandId, grant: GrantId) -> Call {
    Call::Registry(RegistryCall::AnswerDemand { demand, grant })
}

fn refuse(demand: DemandId, legal_basis: &str) -> Call {
    Call::Registry(RegistryCall::RefuseDemand { demand, legal_basis: legal_basis.into() })
}

#[test]
fn a_demand_is_filed_assigned_with_a_deadline_and_answered_with_a_grant() {
    let mut c = registry();
    // Only departments file, for defined elements, with a purpose.
    let bad = |elements: &[&str], purpose: &str| {
        Call::Registry(RegistryCall::FileDemand { elements: names(elements), purpose: purpose.into() })
    };
    assert_failed(&c.call(TRADER, bad(&["plate"], "p")), "registry.not_department");
    assert_failed(&c.call(USER, bad(&["vin"], "p")), "registry.unknown_element");
    assert_failed(&c.call(USER, bad(&["plate"], "")), "registry.empty_text");
    let d = file_demand(&mut c, USER, &["plate"]);
    assert_eq!(demand(&c, d).status, DemandStatus::Filed);

    // Only a regulator assigns, to another department, with a deadline after now and within a year.
    let now = c.next_time_ms();
    assert_failed(&c.call(OWNER, assign(d, OWNER, now + DAY)), "registry.not_regulator");
    assert_failed(&c.call(REGULATOR, assign(d, USER, now + DAY)), "registry.assign_to_requester");
    assert_failed(&c.call(REGULATOR, assign(d, TRADER, now + DAY)), "registry.not_department");
    assert_failed(&c.call(REGULATOR, assign(d, OWNER, 1)), "registry.bad_deadline");
    assert_failed(&c.call(REGULATOR, assign(d, OWNER, now + 400 * DAY)), "registry.bad_deadline");
    assert_failed(&c.call(REGULATOR, assign(DemandId([7; 32]), OWNER, now + DAY)), "registry.unknown_demand");
    assert_eq!(demand(&c, d).status, DemandStatus::Filed, "refusals change nothing");
    let deadline = c.next_time_ms() + DAY;
    assert_ok(&c.call(REGULATOR, assign(d, OWNER, deadline)));
    assert_eq!(demand(&c, d).status, DemandStatus::Assigned { department: account(OWNER), deadline_ms: deadline });

    // OWNER registers the data and grants it to the demander; only then it can answer.
    let (dataset, grant) = conditional_grant(&mut c, USER, &["plate"], 10);
    let (_, foreign) = {
        let ds = register(&mut c, OTHER, General, Conditional);
        let (req, _) = file(&mut c, USER, open_request(ds, &["plate"], 1));
        (ds, approve(&mut c, OTHER, req).expect("granted"))
    };
    assert_failed(&c.call(OTHER, answer(d, foreign)), "registry.not_assigned");
    assert_failed(&c.call(OWNER, answer(d, foreign)), "registry.grant_mismatch");
    assert_failed(&c.call(OWNER, answer(d, GrantId([3; 32]))), "registry.grant_mismatch");
    assert_failed(&c.call(OTHER, Call::Registry(RegistryCall::WithdrawDemand { demand: d })), "registry.not_requester");
    let events = assert_ok(&c.call(OWNER, answer(d, grant)));
    assert!(matches!(&events[..], [Event::DemandAnswered { on_time: true, .. }]));
    assert!(
        matches!(demand(&c, d).status, DemandStatus::Answered { dataset: x, grant: g, .. } if x == dataset && g == grant)
    );
    assert!(!demand(&c, d).overdue_at(deadline + 1), "an answered demand is never overdue");
    let msg = assert_failed(&c.call(OWNER, refuse(d, "数据安全法第二十一条")), "registry.demand_closed");
    assert!(msg.contains("answered"), "{msg}");
}

#[test]
fn a_demand_past_its_deadline_is_overdue_and_a_late_refusal_is_recorded_as_late() {
    let mut c = registry();
    let d = file_demand(&mut c, USER, &["licence"]);
    let deadline = c.next_time_ms() + DAY;
    assert_ok(&c.call(REGULATOR, assign(d, OTHER, deadline)));
    assert!(!demand(&c, d).overdue_at(deadline - 1));
    assert!(demand(&c, d).overdue_at(deadline), "due at the deadline, in ledger time");
    c.advance_time(2 * DAY);
    assert_failed(&c.call(OTHER, refuse(d, " ")), "registry.empty_text");
    let events = assert_ok(&c.call(OTHER, refuse(d, "个人信息保护法第十三条")));
    assert!(matches!(&events[..], [Event::DemandRefused { on_time: false, .. }]));
    assert!(matches!(demand(&c, d).status, DemandStatus::Refused { .. }));

    // Withdrawn by its requester only, while open.
    let w = file_demand(&mut c, USER, &["plate"]);
    let events = assert_ok(&c.call(USER, Call::Registry(RegistryCall::WithdrawDemand { demand: w })));
    assert!(matches!(&events[..], [Event::DemandWithdrawn { department: None, .. }]));
    assert_failed(&c.call(REGULATOR, assign(w, OWNER, c.next_time_ms() + DAY)), "registry.demand_closed");
}

#[test]
fn a_regulator_freezes_a_grant_and_suspends_an_organization_directly() {
    let mut c = TestChain::new(&world());
    let (_, grant) = conditional_grant(&mut c, USER, &["plate"], 10);
    let freeze = |reason: &str| Call::Grants(GrantsCall::Freeze { grant, reason: reason.into() });
    let unfreeze = |reason: &str| Call::Grants(GrantsCall::Unfreeze { grant, reason: reason.into() });
    assert_failed(&c.call(OWNER, freeze("x")), "grants.not_regulator_to_freeze");
    assert_failed(&c.call(REGULATOR, freeze("")), "grants.empty_reason");
    assert_failed(&c.call(REGULATOR, unfreeze("x")), "grants.not_frozen");
    assert_failed(
        &c.call(REGULATOR, Call::Grants(GrantsCall::Freeze { grant: GrantId([1; 32]), reason: "x".into() })),
        "grants.unknown_grant",
    );
    assert_eq!(get_freeze(&c.state, &grant).expect("read"), None);
    assert_ok(&c.call(REGULATOR, freeze("涉嫌超范围使用")));
    assert_failed(&c.call(REGULATOR, freeze("again")), "grants.already_frozen");
    let uses = get_grant(&c.state, &grant).expect("read").expect("grant").uses;
    let msg = assert_failed(&c.call(USER, record(grant, &["plate"])), "receipts.grant_frozen");
    assert!(msg.contains("涉嫌超范围使用"), "{msg}");
    assert_eq!(get_grant(&c.state, &grant).expect("read").expect("grant").uses, uses, "no use recorded");
    assert_ok(&c.call(REGULATOR, unfreeze("核查完毕")));
    assert_ok(&c.call(USER, record(grant, &["plate"])));

    // Suspension without a vote, and reinstatement.
    let suspend =
        |org: u8, reason: &str| Call::Orgs(OrgsCall::RegulatorSuspend { org: account(org), reason: reason.into() });
    let reinstate =
        |org: u8| Call::Orgs(OrgsCall::RegulatorReinstate { org: account(org), reason: "整改完成".into() });
    let suspended = |c: &TestChain, org: u8| get_org(&c.state, &account(org)).expect("read").expect("org").suspended;
    assert_failed(&c.call(OWNER, suspend(USER, "x")), "orgs.not_regulator");
    assert_failed(&c.call(REGULATOR, suspend(USER, " ")), "orgs.empty_reason");
    assert_failed(&c.call(REGULATOR, suspend(REGULATOR, "x")), "orgs.regulator_not_suspendable");
    assert_failed(&c.call(REGULATOR, reinstate(USER)), "orgs.not_suspended");
    assert!(!suspended(&c, USER));
    let events = assert_ok(&c.call(REGULATOR, suspend(USER, "违规使用数据")));
    assert!(matches!(&events[..], [Event::OrgSuspendedByRegulator { org, .. }] if *org == account(USER)));
    assert_failed(&c.call(REGULATOR, suspend(USER, "again")), "orgs.already_suspended");
    assert_failed(&c.call(USER, record(grant, &["plate"])), "orgs.sender_suspended");
    assert_ok(&c.call(REGULATOR, reinstate(USER)));
    assert!(!suspended(&c, USER));
    assert_ok(&c.call(USER, record(grant, &["plate"])));
}

#[test]
fn governance_keeps_the_registry_too() {
    let mut c = registry();
    let define =
        ProposalAction::DefineElement {
            code: "vin".into(), name: "车辆识别代号".into(), responsible: account(OTHER)
        };
    // Checked when proposed, like a regulator's call.
    let bad = ProposalAction::DefineElement { code: "plate".into(), name: "x".into(), responsible: account(OTHER) };
    assert_failed(&c.call(VOTERS[0], Call::Orgs(OrgsCall::Propose { action: bad })), "registry.element_exists");
    let id = pass(&mut c, define);
    let e = element(&c, "vin").expect("defined by governance");
    assert_eq!(e.responsible, account(OTHER));
    let transfer =
        ProposalAction::TransferElement { code: "vin".into(), to: account(OWNER), reason: "机构改革".into() };
    let moved = pass(&mut c, transfer);
    assert_eq!(element(&c, "vin").map(|e| e.responsible), Some(account(OWNER)));
    assert_ne!(id, moved);
}
