//! A standard cast of organizations and helpers to drive the data-sharing contracts in tests.

use super::{TestChain, assert_ok, genesis_with_roles};
use shulian_runtime::call::{
    CatalogCall, Classification, DatasetSpec, GrantsCall, OrgsCall, ProposalAction, ReceiptsCall, SharingAttribute,
};
use shulian_runtime::genesis::{Genesis, Role};
use shulian_runtime::{Call, DatasetId, Event, GrantId, Hash, ProposalId, RequestId};

/// A department that owns data.
pub const OWNER: u8 = 1;
/// A department that asks for data.
pub const USER: u8 = 2;
/// A trader.
pub const TRADER: u8 = 3;
/// A regulator.
pub const REGULATOR: u8 = 4;
/// The four validator-operator organizations.
pub const VOTERS: [u8; 4] = [5, 6, 7, 8];
/// Another department.
pub const OTHER: u8 = 9;
/// Fields of every test data set.
pub const FIELDS: [&str; 4] = ["name", "plate", "route", "time"];

/// Genesis with the standard cast.
pub fn world() -> Genesis {
    genesis_with_roles(&[
        (OWNER, vec![Role::Department]),
        (USER, vec![Role::Department]),
        (TRADER, vec![Role::Trader]),
        (REGULATOR, vec![Role::Regulator]),
        (VOTERS[0], vec![Role::ValidatorOperator]),
        (VOTERS[1], vec![Role::ValidatorOperator]),
        (VOTERS[2], vec![Role::ValidatorOperator]),
        (VOTERS[3], vec![Role::ValidatorOperator]),
        (OTHER, vec![Role::Department]),
    ])
}

/// A catalog entry with [`FIELDS`].
pub fn spec(classification: Classification, sharing: SharingAttribute) -> DatasetSpec {
    DatasetSpec {
        name: "bus trips".into(),
        metadata_hash: Hash::tagged(b"test/meta", b"v1"),
        schema_hash: Hash::tagged(b"test/schema", b"v1"),
        fields: FIELDS.iter().map(|f| f.to_string()).collect(),
        category: "transport".into(),
        classification,
        sharing,
        update_frequency: "daily".into(),
    }
}

/// Registers a data set for `who` and returns its id.
pub fn register(c: &mut TestChain, who: u8, classification: Classification, sharing: SharingAttribute) -> DatasetId {
    let o = c.call(who, Call::Catalog(CatalogCall::Register { dataset: spec(classification, sharing) }));
    assert_ok(&o).iter().find_map(dataset_registered).expect("DatasetRegistered event")
}

/// The data set id of a `DatasetRegistered` event.
pub fn dataset_registered(e: &Event) -> Option<DatasetId> {
    match e {
        Event::DatasetRegistered { dataset, .. } => Some(*dataset),
        _ => None,
    }
}

/// Strings from `&str`s.
pub fn names(fields: &[&str]) -> Vec<String> {
    fields.iter().map(|f| f.to_string()).collect()
}

/// A request call with an explicit window.
/// The ledger time `TestChain` stamps on block `h` (genesis at 1 000 ms, one ms per block), until a
/// test moves the clock with `advance_time`.
pub fn at(h: u64) -> u64 {
    1_000 + h
}

/// A grant request for `fields` of `dataset`, valid in ledger time `from..until` (ms).
pub fn request_call(dataset: DatasetId, fields: &[&str], from: u64, until: u64, max_uses: u64) -> Call {
    Call::Grants(GrantsCall::Request {
        dataset,
        purpose: "traffic planning".into(),
        fields: names(fields),
        valid_from_ms: from,
        valid_until_ms: until,
        max_uses,
    })
}

/// A request call valid from height 0 to height 1000.
pub fn open_request(dataset: DatasetId, fields: &[&str], max_uses: u64) -> Call {
    request_call(dataset, fields, at(0), at(1_000), max_uses)
}

/// Files a request (it must succeed) and returns its id and, if issued at once, its grant.
pub fn file(c: &mut TestChain, who: u8, call: Call) -> (RequestId, Option<GrantId>) {
    let events = assert_ok(&c.call(who, call));
    let req = events
        .iter()
        .find_map(|e| match e {
            Event::RequestFiled { request, .. } => Some(*request),
            _ => None,
        })
        .expect("RequestFiled event");
    (req, events.iter().find_map(grant_issued))
}

/// The grant id of a `GrantIssued` event.
pub fn grant_issued(e: &Event) -> Option<GrantId> {
    match e {
        Event::GrantIssued { grant, .. } => Some(*grant),
        _ => None,
    }
}

/// The owner approves `request`; returns the grant if that completed it.
pub fn approve(c: &mut TestChain, who: u8, request: RequestId) -> Option<GrantId> {
    assert_ok(&c.call(who, Call::Grants(GrantsCall::Approve { request }))).iter().find_map(grant_issued)
}

/// A conditional general data set of [`OWNER`], requested by `who` for `fields` and approved:
/// returns the data set and the grant.
pub fn conditional_grant(c: &mut TestChain, who: u8, fields: &[&str], max_uses: u64) -> (DatasetId, GrantId) {
    let ds = register(c, OWNER, Classification::General, SharingAttribute::Conditional);
    let (req, g) = file(c, who, open_request(ds, fields, max_uses));
    assert!(g.is_none(), "conditional data waits for the owner");
    (ds, approve(c, OWNER, req).expect("grant issued on approval"))
}

/// A receipt call.
pub fn record(grant: GrantId, fields: &[&str]) -> Call {
    Call::Receipts(ReceiptsCall::Record {
        grant,
        query_hash: Hash::tagged(b"test/query", b"q"),
        result_hash: Hash::tagged(b"test/result", b"r"),
        row_count: 42,
        fields_used: names(fields),
    })
}

/// A revocation call.
pub fn revoke(grant: GrantId) -> Call {
    Call::Grants(GrantsCall::Revoke { grant, reason: "audit finding".into() })
}

/// Opens a proposal from `who` and returns its id.
pub fn propose(c: &mut TestChain, who: u8, action: ProposalAction) -> ProposalId {
    let events = assert_ok(&c.call(who, Call::Orgs(OrgsCall::Propose { action })));
    events
        .iter()
        .find_map(|e| match e {
            Event::ProposalCreated { proposal, .. } => Some(*proposal),
            _ => None,
        })
        .expect("ProposalCreated event")
}

/// A vote call.
pub fn vote(proposal: ProposalId, approve: bool) -> Call {
    Call::Orgs(OrgsCall::Vote { proposal, approve })
}

/// Proposes `action` and has three of the four validator operators approve it.
pub fn pass(c: &mut TestChain, action: ProposalAction) -> ProposalId {
    let p = propose(c, VOTERS[0], action);
    for v in &VOTERS[..3] {
        assert_ok(&c.call(*v, vote(p, true)));
    }
    p
}

/// Suspends org `i` by governance.
pub fn suspend(c: &mut TestChain, i: u8) {
    pass(c, ProposalAction::Suspend { org: super::account(i), reason: "breach".into() });
}
