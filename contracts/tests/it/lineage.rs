//! Lineage tests, driven through the runtime.

use crate::common::data::*;
use crate::common::*;
use shulian_contracts::catalog::get_dataset;
use shulian_contracts::lineage::{
    ancestors, ancestors_bounded, descendants, descendants_bounded, get_children, get_parents,
};
use shulian_runtime::call::{Classification, LineageCall, ParentRef, SharingAttribute};
use shulian_runtime::time::LedgerTime;
use shulian_runtime::{Call, DatasetId, Event, GrantId, Subject, TxOutcome};

/// A general, conditionally shared data set derived from `parents`.
fn derive(parents: &[(DatasetId, Option<GrantId>)]) -> Call {
    derive_as(Classification::General, SharingAttribute::Conditional, parents)
}

fn derived_id(o: &TxOutcome) -> DatasetId {
    assert_ok(o).iter().find_map(dataset_registered).expect("DatasetRegistered")
}

#[test]
fn a_derived_data_set_is_registered_with_its_parents_and_children_index() {
    let mut c = TestChain::new(&world());
    let (parent, grant) = conditional_grant(&mut c, USER, &["plate"], 1);
    let own = register(&mut c, USER, Classification::General, SharingAttribute::Conditional);
    let o = c.call(USER, derive(&[(parent, Some(grant)), (own, None)]));
    let child = derived_id(&o);
    let d = get_dataset(&c.state, &child).expect("read").expect("in the catalog");
    assert_eq!((d.owner, d.version), (account(USER), 1));
    let derived = o.events.iter().find(|e| matches!(e, Event::DerivedRegistered { .. })).expect("event");
    let subjects = derived.subjects();
    for s in
        [Subject::Dataset(child), Subject::Dataset(parent), Subject::Grant(grant), Subject::Account(account(OWNER))]
    {
        assert!(subjects.contains(&s), "{s:?} missing from {subjects:?}");
    }
    let parents = get_parents(&c.state, &child).expect("read");
    assert_eq!(
        parents,
        vec![ParentRef { dataset: parent, grant: Some(grant) }, ParentRef { dataset: own, grant: None }]
    );
    assert_eq!(get_children(&c.state, &parent).expect("read"), vec![child]);
}

#[test]
fn ancestors_and_descendants_are_transitive_and_ordered_nearest_first() {
    let mut c = TestChain::new(&world());
    let a = register(&mut c, OWNER, Classification::General, SharingAttribute::Conditional);
    let b = register(&mut c, OWNER, Classification::General, SharingAttribute::Conditional);
    let x = derived_id(&c.call(OWNER, derive(&[(a, None), (b, None)])));
    let y = derived_id(&c.call(OWNER, derive(&[(x, None), (a, None)])));
    let z = derived_id(&c.call(OWNER, derive(&[(y, None)])));
    assert_eq!(ancestors(&c.state, &z).expect("read"), vec![y, x, a, b]);
    assert_eq!(ancestors(&c.state, &a).expect("read"), Vec::<DatasetId>::new());
    let mut from_a = descendants(&c.state, &a).expect("read");
    assert_eq!(from_a.len(), 3);
    assert_eq!(from_a.pop(), Some(z), "the grandchild comes after the children");
    from_a.sort();
    let mut expected = vec![x, y];
    expected.sort();
    assert_eq!(from_a, expected);
    assert_eq!(descendants(&c.state, &b).expect("read"), vec![x, y, z]);
    assert_eq!(descendants(&c.state, &z).expect("read"), Vec::<DatasetId>::new());
}

#[test]
fn a_parent_of_another_org_needs_a_valid_grant_held_by_the_sender_for_that_parent() {
    let mut c = TestChain::new(&world());
    let (parent, grant) = conditional_grant(&mut c, USER, &["plate"], 1);
    let (other_parent, other_grant) = conditional_grant(&mut c, OTHER, &["plate"], 1);
    assert_failed(&c.call(USER, derive(&[(parent, None)])), "lineage.grant_required");
    assert_failed(&c.call(USER, derive(&[(parent, Some(GrantId([1; 32])))])), "lineage.unknown_grant");
    assert_failed(&c.call(USER, derive(&[(other_parent, Some(other_grant))])), "lineage.grant_not_held");
    let mine = register(&mut c, USER, Classification::General, SharingAttribute::Conditional);
    assert_failed(&c.call(USER, derive(&[(mine, Some(grant))])), "lineage.grant_for_other_dataset");
    assert_ok(&c.call(OWNER, revoke(grant)));
    let msg = assert_failed(&c.call(USER, derive(&[(parent, Some(grant))])), "lineage.grant_not_valid");
    assert!(msg.contains("revoked"), "{msg}");
}

#[test]
fn an_expired_or_suspended_grant_cannot_support_a_derived_set() {
    let mut c = TestChain::new(&world());
    let ds = register(&mut c, OWNER, Classification::General, SharingAttribute::Unconditional);
    let until = c.height.0 + 3;
    let call = request_call(ds, &["plate"], at(0), at(until), 1);
    let grant = file(&mut c, USER, call).1.expect("grant");
    c.advance(2);
    let msg = assert_failed(&c.call(USER, derive(&[(ds, Some(grant))])), "lineage.grant_not_valid");
    assert!(msg.contains(&format!("expired at {}", LedgerTime(at(until)))), "{msg}");
    let (p2, g2) = conditional_grant(&mut c, USER, &["plate"], 1);
    suspend(&mut c, OWNER);
    let msg = assert_failed(&c.call(USER, derive(&[(p2, Some(g2))])), "lineage.grant_not_valid");
    assert!(msg.contains("suspended"), "{msg}");
}

#[test]
fn parents_must_exist_be_named_once_and_the_sender_be_a_department() {
    let mut c = TestChain::new(&world());
    let own = register(&mut c, USER, Classification::General, SharingAttribute::Conditional);
    assert_failed(&c.call(USER, derive(&[])), "lineage.no_parents");
    assert_failed(&c.call(USER, derive(&[(own, None), (own, None)])), "lineage.duplicate_parent");
    assert_failed(&c.call(USER, derive(&[(DatasetId([2; 32]), None)])), "lineage.unknown_parent");
    // A trader may hold a grant but cannot register data sets, derived or not.
    let (p3, g3) = conditional_grant(&mut c, TRADER, &["plate"], 1);
    assert_failed(&c.call(TRADER, derive(&[(p3, Some(g3))])), "catalog.not_department");
}

#[test]
fn bounded_walks_are_the_nearest_prefix_of_the_full_walks_and_say_when_cut() {
    let mut c = TestChain::new(&world());
    let a = register(&mut c, OWNER, Classification::General, SharingAttribute::Conditional);
    let b = register(&mut c, OWNER, Classification::General, SharingAttribute::Conditional);
    let x = derived_id(&c.call(OWNER, derive(&[(a, None), (b, None)])));
    let y = derived_id(&c.call(OWNER, derive(&[(x, None), (a, None)])));
    let z = derived_id(&c.call(OWNER, derive(&[(y, None)])));
    let up = ancestors(&c.state, &z).expect("read");
    let down = descendants(&c.state, &a).expect("read");
    for cap in 0..=5 {
        let (cut, more) = ancestors_bounded(&c.state, &z, cap).expect("read");
        assert_eq!(cut, up[..cap.min(up.len())].to_vec(), "ancestors within {cap}");
        assert_eq!(more, cap < up.len(), "ancestors cut at {cap}");
        let (cut, more) = descendants_bounded(&c.state, &a, cap).expect("read");
        assert_eq!(cut, down[..cap.min(down.len())].to_vec(), "descendants within {cap}");
        assert_eq!(more, cap < down.len(), "descendants cut at {cap}");
    }
}

fn derive_as(
    classification: Classification,
    sharing: SharingAttribute,
    parents: &[(DatasetId, Option<GrantId>)],
) -> Call {
    Call::Lineage(LineageCall::RegisterDerived {
        dataset: spec(classification, sharing),
        parents: parents.iter().map(|(dataset, grant)| ParentRef { dataset: *dataset, grant: *grant }).collect(),
    })
}

/// Classification follows lineage (issue 22, `docs/consensus.md`): a derived data set is
/// classified at least as high as each parent and shared at least as strictly, and nothing is
/// derived from a retired or negative-listed parent. Each refusal has its own code and changes
/// nothing.
#[test]
fn a_derived_set_is_never_less_sensitive_than_a_parent() {
    use Classification::{Core, General, Important};
    use SharingAttribute::{Conditional, NotShareable, Unconditional};
    // The orders the rule relies on (also the borsh variant order).
    assert!(General < Important && Important < Core);
    assert!(Unconditional < Conditional && Conditional < NotShareable);

    let mut c = TestChain::new(&world());
    let core = register(&mut c, OWNER, Core, Conditional);
    let (req, grant) = file(&mut c, USER, open_request(core, &["plate"], 5));
    assert!(grant.is_none(), "core data waits for the owner and a regulator");
    approve(&mut c, OWNER, req);
    let co = Call::Grants(shulian_runtime::call::GrantsCall::CoApprove { request: req });
    let grant = assert_ok(&c.call(REGULATOR, co)).iter().find_map(grant_issued).expect("granted once both approved");
    let msg = assert_failed(
        &c.call(USER, derive_as(General, Unconditional, &[(core, Some(grant))])),
        "lineage.classification_below_parent",
    );
    assert!(msg.contains("Core"), "{msg}");
    assert_failed(
        &c.call(USER, derive_as(Important, Conditional, &[(core, Some(grant))])),
        "lineage.classification_below_parent",
    );
    assert_failed(
        &c.call(USER, derive_as(Core, Unconditional, &[(core, Some(grant))])),
        "lineage.sharing_looser_than_parent",
    );
    assert_eq!(get_children(&c.state, &core).expect("read"), Vec::<DatasetId>::new(), "nothing was derived");
    // As sensitive, or more: accepted.
    derived_id(&c.call(USER, derive_as(Core, Conditional, &[(core, Some(grant))])));
    derived_id(&c.call(USER, derive_as(Core, NotShareable, &[(core, Some(grant))])));

    // With two parents the strictest of each rule binds.
    let own = register(&mut c, USER, General, NotShareable);
    assert_failed(
        &c.call(USER, derive_as(Core, Conditional, &[(core, Some(grant)), (own, None)])),
        "lineage.sharing_looser_than_parent",
    );
    derived_id(&c.call(USER, derive_as(Core, NotShareable, &[(core, Some(grant)), (own, None)])));

    // Retired and negative-listed parents, even one's own, derive nothing.
    let old = register(&mut c, USER, General, Conditional);
    assert_ok(&c.call(USER, Call::Catalog(shulian_runtime::call::CatalogCall::Retire { dataset: old })));
    assert_failed(&c.call(USER, derive_as(General, Conditional, &[(old, None)])), "lineage.parent_retired");
    let listed = register(&mut c, USER, General, Conditional);
    let list = shulian_runtime::call::CatalogCall::NegativeList { dataset: listed, reason: "unlawful source".into() };
    assert_ok(&c.call(REGULATOR, Call::Catalog(list)));
    let msg = assert_failed(
        &c.call(USER, derive_as(General, Conditional, &[(listed, None)])),
        "lineage.parent_negative_listed",
    );
    assert!(msg.contains("unlawful source"), "{msg}");

    // Only the regulator's re-grade moves a parent's level, and derivations follow the new one.
    let regrade = |classification, sharing| {
        Call::Catalog(shulian_runtime::call::CatalogCall::Regrade {
            dataset: core,
            classification,
            sharing,
            reason: "desensitized".into(),
        })
    };
    assert_failed(&c.call(OWNER, regrade(General, Conditional)), "catalog.not_regulator");
    assert_failed(
        &c.call(USER, derive_as(Important, Conditional, &[(core, Some(grant))])),
        "lineage.classification_below_parent",
    );
    assert_ok(&c.call(REGULATOR, regrade(Important, Conditional)));
    derived_id(&c.call(USER, derive_as(Important, Conditional, &[(core, Some(grant))])));
    assert_failed(
        &c.call(USER, derive_as(General, Conditional, &[(core, Some(grant))])),
        "lineage.classification_below_parent",
    );
}
