//! Data catalog tests, driven through the runtime.

use crate::common::data::*;
use crate::common::*;
use shulian_contracts::catalog::{get_dataset, get_dataset_version, get_dataset_versions};
use shulian_runtime::call::{CatalogCall, Classification, DatasetSpec, SharingAttribute};
use shulian_runtime::{Call, DatasetId, Event, Hash, Height, Subject};

fn publish(dataset: DatasetId, v: &[u8], fields: Option<&[&str]>) -> Call {
    Call::Catalog(CatalogCall::PublishVersion {
        dataset,
        metadata_hash: Hash::tagged(b"test/meta", v),
        schema_hash: Hash::tagged(b"test/schema", v),
        fields: fields.map(names),
    })
}

fn negative(dataset: DatasetId, reason: &str) -> Call {
    Call::Catalog(CatalogCall::NegativeList { dataset, reason: reason.into() })
}

fn unlist(dataset: DatasetId, reason: &str) -> Call {
    Call::Catalog(CatalogCall::RemoveNegativeList { dataset, reason: reason.into() })
}

#[test]
fn registration_stores_version_one_owned_by_the_sender() {
    let mut c = TestChain::new(&world());
    let o = c.call(
        OWNER,
        Call::Catalog(CatalogCall::Register { dataset: spec(Classification::Core, SharingAttribute::Conditional) }),
    );
    let events = assert_ok(&o);
    let id = events.iter().find_map(dataset_registered).expect("event");
    assert_eq!(events[0].subjects(), vec![Subject::Dataset(id), Subject::Account(account(OWNER))]);
    let d = get_dataset(&c.state, &id).expect("read").expect("stored");
    assert_eq!((d.owner, d.version, d.retired, d.negative_listed.clone()), (account(OWNER), 1, false, None));
    assert_eq!((d.classification, d.sharing), (Classification::Core, SharingAttribute::Conditional));
    assert_eq!(d.fields, names(&FIELDS));
    assert_eq!(d.registered_at, Height(1));
    let v1 = get_dataset_version(&c.state, &id, 1).expect("read").expect("v1");
    assert_eq!((v1.metadata_hash, v1.tx_hash), (d.metadata_hash, o.tx_hash));
}

#[test]
fn new_versions_increment_and_keep_the_history() {
    let mut c = TestChain::new(&world());
    let id = register(&mut c, OWNER, Classification::General, SharingAttribute::Unconditional);
    let events = assert_ok(&c.call(OWNER, publish(id, b"v2", None)));
    assert!(matches!(events[0], Event::DatasetVersioned { version: 2, .. }));
    assert_ok(&c.call(OWNER, publish(id, b"v3", Some(&["name", "stop"]))));
    let d = get_dataset(&c.state, &id).expect("read").expect("stored");
    assert_eq!((d.version, d.fields.clone()), (3, names(&["name", "stop"])));
    assert_eq!(d.metadata_hash, Hash::tagged(b"test/meta", b"v3"));
    let history = get_dataset_versions(&c.state, &id).expect("read");
    assert_eq!(history.iter().map(|v| v.version).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(history[1].fields, names(&FIELDS), "version 2 kept the field list");
    assert_eq!(history[1].metadata_hash, Hash::tagged(b"test/meta", b"v2"));
}

#[test]
fn only_the_owner_versions_or_retires_and_a_retired_set_is_frozen() {
    let mut c = TestChain::new(&world());
    let id = register(&mut c, OWNER, Classification::General, SharingAttribute::Unconditional);
    let msg = assert_failed(&c.call(USER, publish(id, b"v2", None)), "catalog.not_owner");
    assert!(msg.contains(&account(OWNER).to_string()), "{msg}");
    assert_failed(&c.call(USER, Call::Catalog(CatalogCall::Retire { dataset: id })), "catalog.not_owner");
    assert_failed(&c.call(OWNER, publish(DatasetId([3; 32]), b"v2", None)), "catalog.unknown_dataset");
    let events = assert_ok(&c.call(OWNER, Call::Catalog(CatalogCall::Retire { dataset: id })));
    assert_eq!(events, vec![Event::DatasetRetired { dataset: id, owner: account(OWNER) }]);
    assert!(get_dataset(&c.state, &id).expect("read").expect("stored").retired);
    assert_failed(&c.call(OWNER, publish(id, b"v2", None)), "catalog.retired");
    assert_failed(&c.call(OWNER, Call::Catalog(CatalogCall::Retire { dataset: id })), "catalog.retired");
}

#[test]
fn only_departments_register_and_the_entry_must_be_well_formed() {
    let mut c = TestChain::new(&world());
    let reg = |s| Call::Catalog(CatalogCall::Register { dataset: s });
    let good = spec(Classification::General, SharingAttribute::Conditional);
    assert_failed(&c.call(TRADER, reg(good.clone())), "catalog.not_department");
    assert_failed(&c.call(REGULATOR, reg(good.clone())), "catalog.not_department");
    assert_failed(&c.call(OWNER, reg(DatasetSpec { fields: vec![], ..good.clone() })), "catalog.no_fields");
    let dup = DatasetSpec { fields: names(&["a", "b", "a"]), ..good.clone() };
    let msg = assert_failed(&c.call(OWNER, reg(dup)), "catalog.duplicate_field");
    assert!(msg.contains("\"a\""), "{msg}");
    assert_failed(
        &c.call(OWNER, reg(DatasetSpec { fields: names(&["a", ""]), ..good.clone() })),
        "catalog.empty_field_name",
    );
    assert_failed(&c.call(OWNER, reg(DatasetSpec { name: "".into(), ..good.clone() })), "catalog.empty_name");
    let id = register(&mut c, OWNER, Classification::General, SharingAttribute::Conditional);
    assert_failed(&c.call(OWNER, publish(id, b"v2", Some(&[]))), "catalog.no_fields");
}

#[test]
fn a_regulator_keeps_the_negative_list_with_reasons() {
    let mut c = TestChain::new(&world());
    let id = register(&mut c, OWNER, Classification::General, SharingAttribute::Unconditional);
    assert_failed(&c.call(OWNER, negative(id, "x")), "catalog.not_regulator");
    assert_failed(&c.call(REGULATOR, negative(id, " ")), "catalog.empty_reason");
    assert_failed(&c.call(REGULATOR, unlist(id, "cleared")), "catalog.not_negative_listed");
    assert_failed(&c.call(REGULATOR, negative(DatasetId([3; 32]), "x")), "catalog.unknown_dataset");
    let events = assert_ok(&c.call(REGULATOR, negative(id, "personal data exposed")));
    assert_eq!(
        events[0].subjects(),
        vec![Subject::Dataset(id), Subject::Account(account(OWNER)), Subject::Account(account(REGULATOR))]
    );
    let d = get_dataset(&c.state, &id).expect("read").expect("stored");
    assert_eq!(d.negative_listed.as_deref(), Some("personal data exposed"));
    let msg = assert_failed(&c.call(REGULATOR, negative(id, "again")), "catalog.already_negative_listed");
    assert!(msg.contains("personal data exposed"), "{msg}");
    assert_failed(&c.call(OWNER, unlist(id, "fixed")), "catalog.not_regulator");
    let events = assert_ok(&c.call(REGULATOR, unlist(id, "fixed")));
    assert!(matches!(events[0], Event::NegativeListRemoved { .. }));
    assert_eq!(get_dataset(&c.state, &id).expect("read").expect("stored").negative_listed, None);
}

fn regrade(dataset: DatasetId, classification: Classification, sharing: SharingAttribute, reason: &str) -> Call {
    Call::Catalog(CatalogCall::Regrade { dataset, classification, sharing, reason: reason.into() })
}

#[test]
fn only_a_regulator_regrades_with_a_reason_and_the_event_records_both_grades() {
    use Classification::{Core, General, Important};
    use SharingAttribute::{Conditional, NotShareable, Unconditional};
    let mut c = TestChain::new(&world());
    let id = register(&mut c, OWNER, Core, NotShareable);
    let before = get_dataset(&c.state, &id).expect("read").expect("stored");
    // Each refusal has its own code and leaves the entry as it was.
    assert_failed(&c.call(OWNER, regrade(id, General, Unconditional, "ours")), "catalog.not_regulator");
    assert_failed(&c.call(USER, regrade(id, Important, Conditional, "x")), "catalog.not_regulator");
    assert_failed(&c.call(REGULATOR, regrade(id, General, Unconditional, "  ")), "catalog.empty_reason");
    assert_failed(
        &c.call(REGULATOR, regrade(DatasetId([3; 32]), General, Conditional, "x")),
        "catalog.unknown_dataset",
    );
    let msg = assert_failed(&c.call(REGULATOR, regrade(id, Core, NotShareable, "same")), "catalog.regrade_unchanged");
    assert!(msg.contains("Core"), "{msg}");
    assert_eq!(
        get_dataset(&c.state, &id).expect("read").expect("stored"),
        before,
        "a refused re-grade changes nothing"
    );

    // The regulator lowers it; the event carries both grades and the reason.
    let events = assert_ok(&c.call(REGULATOR, regrade(id, Important, Conditional, "desensitized by the owner")));
    assert_eq!(
        events,
        vec![Event::DatasetRegraded {
            dataset: id,
            owner: account(OWNER),
            regulator: account(REGULATOR),
            from_classification: Core,
            classification: Important,
            from_sharing: NotShareable,
            sharing: Conditional,
            reason: "desensitized by the owner".into(),
        }]
    );
    assert_eq!(
        events[0].subjects(),
        vec![Subject::Dataset(id), Subject::Account(account(OWNER)), Subject::Account(account(REGULATOR))]
    );
    let after = get_dataset(&c.state, &id).expect("read").expect("stored");
    assert_eq!((after.classification, after.sharing), (Important, Conditional));
    assert_eq!((after.version, after.fields), (before.version, before.fields), "only the grade changed");
    // And raises it again.
    assert_ok(&c.call(REGULATOR, regrade(id, Core, Conditional, "new law")));
    assert_eq!(get_dataset(&c.state, &id).expect("read").expect("stored").classification, Core);
}
