//! The Rust half of the API samples: one typed answer of every kind the explorer reads, written as
//! JSON to `test/api-samples.json`, which `test/shapes.test.mjs` checks against the fields the
//! explorer's pages read (`lib/shapes.js`). The ledger records in them are the shared vector's
//! fixtures converted as the node converts them ([`crate::api::record`]), so this is also the test
//! that the contracts' stored records still fit the API's mirror types.
//!
//! After a deliberate change: `SHULIAN_BLESS=1 cargo test --workspace api_samples`.

use super::tests::{dataset, dataset_listing, grant, order};
use crate::api::record;
use serde::Serialize;
use serde_json::{Map, Value};
use shulian_api::chain::{
    AccountResponse, BlockResponse, BlockSummary, BlockTx, BlocksPage, NodeRole, Outcome, OutcomeProofResponse,
    OutcomeStatus, PeersStatus, ProofResponse, RawBlockResponse, StatusResponse, SyncState, TxStatusResponse,
};
use shulian_api::ledger::{
    DatasetResponse, EventRecord, EventsPage, EvidenceItem, EvidencePage, GrantResponse, ListingResponse,
    OrderResponse, OrgResponse,
};
use shulian_api::records::{DatasetVersion, Organization};
use shulian_api::regulator::{SearchHit, SearchKind, SearchResponse, USES_COLUMNS, UsesRow, ViewPage};
use shulian_contracts::orgs;
use shulian_runtime::block::{CommitSig, Validator};
use shulian_runtime::call::{Call, ParentRef, SettlementCall};
use shulian_runtime::genesis::Role;
use shulian_runtime::merkle::ListProof;
use shulian_runtime::smt::Proof;
use shulian_runtime::test_utils::key;
use shulian_runtime::{AccountId, BlockHeader, CommitCertificate, Event, Fen, Hash, Height, VoteKind};

const SAMPLES: &str = include_str!("test/api-samples.json");

fn h(tag: &[u8]) -> Hash {
    Hash::tagged(b"sample", tag)
}

fn org() -> Organization {
    let stored = orgs::Organization {
        id: AccountId([2; 32]),
        name: "Health Commission 卫健委".into(),
        roles: vec![Role::Department, Role::ValidatorOperator],
        keys: vec![key(2).public_key()],
        suspended: false,
    };
    record(&stored).expect("an organization fits its API type")
}

fn header() -> BlockHeader {
    BlockHeader {
        protocol_version: 1,
        chain_id: "shulian-dev".into(),
        height: Height(7),
        parent_hash: h(b"parent"),
        timestamp_ms: 1_764_383_000_000,
        proposer: key(1).public_key(),
        tx_root: h(b"txs"),
        outcomes_root: h(b"outcomes"),
        state_root: h(b"state"),
        next_validators_hash: Hash([5; 32]),
    }
}

fn signatures() -> Vec<CommitSig> {
    vec![CommitSig { validator: key(1).public_key(), signature: key(1).sign(b"sample", b"vote") }]
}

fn outcome() -> Outcome {
    let event = Event::Transferred { from: AccountId([6; 32]), to: AccountId([2; 32]), amount: Fen(5) };
    Outcome { status: OutcomeStatus::Success, account: AccountId([6; 32]), error: None, events: vec![event] }
}

fn event_record() -> EventRecord {
    let g = grant();
    let event = Event::ReceiptRecorded {
        grant: g.id,
        seq: 1,
        dataset: g.dataset,
        grantor: g.grantor,
        grantee: g.grantee,
        query_hash: h(b"query"),
        result_hash: h(b"result"),
        row_count: 12,
        fields_used: g.fields.clone(),
    };
    EventRecord { height: Height(8), tx_index: 0, tx_hash: h(b"tx"), event_index: 0, event }
}

/// One sample of every answer type the explorer reads, by type name.
/// A dashboard of one day with one use.
fn dashboard_sample(
    dataset: shulian_runtime::DatasetId,
    org: AccountId,
    owner: AccountId,
) -> shulian_api::dashboard::DashboardResponse {
    use shulian_api::dashboard::*;
    DashboardResponse {
        height: Height(9),
        time_ms: 1_796_083_200_000,
        since_ms: 1_796_054_400_000,
        until_ms: 1_796_140_800_000,
        from_height: Some(Height(1)),
        to_height: Some(Height(9)),
        days: vec![DayCounts {
            day: "2026-12-01".into(),
            start_ms: 1_796_054_400_000,
            blocks: 9,
            uses: 1,
            grants_issued: 1,
            ..Default::default()
        }],
        uses: vec![UseCount { day: "2026-12-01".into(), dataset, org, uses: 1 }],
        top_datasets: vec![TopDataset {
            dataset,
            name: "门诊就诊".into(),
            owner,
            owner_name: "卫健委".into(),
            uses: 1,
        }],
        top_orgs: vec![TopOrg { org, name: "交通局".into(), uses: 1 }],
        events_scanned: 2,
        complete: true,
        counted_until_height: Some(Height(9)),
        blocks: BlockScan {
            from_height: Some(Height(1)),
            to_height: Some(Height(9)),
            blocks: 9,
            complete: true,
            failures: vec![ReasonCount { code: "grants.grant_revoked".into(), count: 1 }],
            rounds: vec![RoundCount { round: 0, blocks: 9 }],
            mean_interval_ms: Some(1_000),
        },
        waiting: Waiting { co_approvals: 1, open_disputes: 0, complete: true },
        verified: false,
    }
}

fn samples() -> Map<String, Value> {
    let d = dataset();
    let g = grant();
    let mut out = Map::new();
    let mut put = |name: &str, v: &dyn erased::Sample| {
        out.insert(name.to_string(), v.json());
    };
    let validators = vec![Validator { name: "health".into(), public_key: key(1).public_key(), power: 1 }];
    put(
        "StatusResponse",
        &StatusResponse {
            chain_id: "shulian-dev".into(),
            crypto: shulian_runtime::suite::CryptoSuite::Ed25519Blake3,
            genesis_hash: h(b"genesis"),
            height: Height(7),
            last_block_hash: header().hash(),
            state_root: h(b"state"),
            last_block_time_ms: 1_764_383_000_000,
            mempool_txs: 0,
            validators,
            disk_free_bytes: Some(53_687_091_200),
            disk_low: false,
            role: Some(NodeRole::Validator),
            sync: Some(SyncState::Following),
            peers: Some(PeersStatus { connected: 3, validators: 3 }),
            best_peer_height: Some(Height(7)),
            version: Some("0.1.0".into()),
            earliest_block_height: Some(Height(1)),
            pruned: false,
        },
    );
    put(
        "BlocksPage",
        &BlocksPage {
            blocks: vec![BlockSummary {
                height: 7,
                hash: header().hash(),
                timestamp_ms: 1_764_383_000_000,
                proposer: key(1).public_key(),
                txs: 1,
                round: Some(0),
                signatures: signatures(),
            }],
            next: Some("7".into()),
        },
    );
    let call = Call::Settlement(SettlementCall::Transfer { to: AccountId([2; 32]), amount: Fen(5) });
    put(
        "BlockResponse",
        &BlockResponse {
            hash: header().hash(),
            header: header(),
            certificate: Some(CommitCertificate {
                height: Height(7),
                round: 0,
                block_hash: header().hash(),
                signatures: signatures(),
            }),
            txs: vec![BlockTx {
                hash: h(b"tx"),
                sender: key(6).public_key(),
                account: Some(AccountId([6; 32])),
                nonce: 0,
                call_name: call.name().to_string(),
                call,
                outcome: Some(outcome()),
            }],
        },
    );
    put(
        "TxStatusResponse",
        &TxStatusResponse::Committed { hash: h(b"tx"), height: Height(7), index: 0, outcome: outcome() },
    );
    put(
        "AccountResponse",
        &AccountResponse { account: AccountId([2; 32]), nonce: 3, balance: Fen(1_000), organization: Some(org()) },
    );
    put(
        "ProofResponse",
        &ProofResponse {
            key: "6162".into(),
            value: "00".into(),
            height: Height(7),
            state_root: h(b"state"),
            block_hash: header().hash(),
            proof: Proof { siblings: vec![h(b"sibling")] },
        },
    );
    put("OrgResponse", &OrgResponse { organization: org() });
    let version = DatasetVersion {
        version: d.version,
        metadata_hash: d.metadata_hash,
        schema_hash: d.schema_hash,
        fields: d.fields.clone(),
        height: Height(5),
        tx_hash: h(b"register"),
    };
    put(
        "DatasetResponse",
        &DatasetResponse {
            dataset: record(&d).expect("a data set fits its API type"),
            versions: vec![version],
            parents: vec![ParentRef { dataset: h(b"parent set").into(), grant: Some(g.id) }],
            children: vec![h(b"child set").into()],
            ancestors: vec![h(b"parent set").into()],
            descendants: vec![h(b"child set").into()],
            truncated: false,
        },
    );
    put(
        "GrantResponse",
        &GrantResponse {
            grant: record(&g).expect("a grant fits its API type"),
            usable_now: false,
            unusable_reason: Some("grant was revoked at height 9: purpose ended".into()),
            receipts_head: h(b"receipt chain head"),
            countersigner: Some(shulian_runtime::PublicKey([0x5c; 32])),
        },
    );
    put("ListingResponse", &ListingResponse { listing: record(&dataset_listing()).expect("a listing fits") });
    put("OrderResponse", &OrderResponse { order: record(&order()).expect("an order fits its API type") });
    put(
        "EventsPage",
        &EventsPage {
            subject: Some(shulian_runtime::Subject::Grant(g.id)),
            kind: None,
            events: vec![event_record()],
            next: None,
        },
    );
    put(
        "EvidencePage",
        &EvidencePage {
            items: vec![EvidenceItem {
                height: Height(6),
                round: 1,
                kind: VoteKind::Precommit,
                validator: key(1).public_key(),
                vote_a: None,
                vote_b: None,
                recorded_at_height: Height(7),
                tx_hash: h(b"evidence"),
            }],
            next: None,
        },
    );
    put(
        "SearchResponse",
        &SearchResponse {
            query: "卫健委".into(),
            results: vec![SearchHit { kind: SearchKind::Org, id: AccountId([2; 32]).to_string(), label: org().name }],
        },
    );
    put(
        "NamesResponse",
        &shulian_api::names::NamesResponse {
            names: vec![shulian_api::names::NamedItem {
                id: g.dataset.to_string(),
                kind: SearchKind::Dataset,
                name: "门诊就诊 clinic visits".into(),
                roles: vec![],
                org: Some(g.grantor),
                org_name: Some(org().name),
                dataset: None,
            }],
        },
    );
    put("DashboardResponse", &dashboard_sample(g.dataset, g.grantee, g.grantor));
    put(
        "ViewPage",
        &ViewPage {
            view: "uses".into(),
            columns: USES_COLUMNS.iter().map(|c| c.to_string()).collect(),
            rows: vec![UsesRow {
                height: Height(8),
                tx_hash: h(b"tx"),
                grant: g.id,
                seq: 1,
                dataset: g.dataset,
                grantor: g.grantor,
                grantee: g.grantee,
                row_count: 12,
                query_hash: h(b"query"),
                result_hash: h(b"result"),
            }],
            next: None,
            truncated: None,
        },
    );
    let genesis = shulian_runtime::test_utils::GenesisBuilder::new("shulian-dev")
        .validator("health", &key(1), 1)
        .org("Health Commission 卫健委", &key(2), &[Role::Department], Fen(1_000))
        .build();
    put("Genesis", &genesis);
    // The lists of issue 19: a page of every row type (list_samples.rs).
    for (name, page) in super::list_samples::list_samples() {
        put(&name, &page);
    }
    put(
        "ValidatorSetsPage",
        &shulian_api::chain::ValidatorSetsPage {
            changes: vec![shulian_api::chain::ValidatorSetChange {
                height: Height(7),
                header: header(),
                certificate: CommitCertificate {
                    height: Height(7),
                    round: 0,
                    block_hash: header().hash(),
                    signatures: signatures(),
                },
                validators: shulian_runtime::ValidatorSet {
                    validators: vec![shulian_runtime::block::Validator {
                        name: "Transport Bureau 交通局".into(),
                        public_key: key(2).public_key(),
                        power: 1,
                    }],
                },
            }],
            next: None,
        },
    );
    put(
        "RawBlockResponse",
        &RawBlockResponse { height: Height(7), txs: vec!["00".into()], outcomes: vec!["00".into()] },
    );
    put(
        "OutcomeProofResponse",
        &OutcomeProofResponse {
            tx_hash: h(b"tx"),
            height: Height(7),
            outcome_bytes: "00".into(),
            outcome: outcome(),
            path: ListProof { index: 1, count: 3, siblings: vec![h(b"sibling")] },
            header: header(),
            certificate: CommitCertificate {
                height: Height(7),
                round: 0,
                block_hash: h(b"block"),
                signatures: signatures(),
            },
        },
    );
    out
}

/// Object-safe serialization for the table above.
mod erased {
    pub(super) trait Sample {
        fn json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Sample for T {
        fn json(&self) -> serde_json::Value {
            serde_json::to_value(self).expect("an API answer serializes")
        }
    }
}

#[test]
fn explorer_api_samples_match_the_committed_file() {
    shulian_runtime::test_utils::pin_ed25519();
    let v = Value::Object(samples());
    let text = format!("{}\n", serde_json::to_string_pretty(&v).expect("json"));
    if std::env::var_os("SHULIAN_BLESS").is_some() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/explorer/test/api-samples.json");
        std::fs::write(&path, &text).expect("write samples");
        return;
    }
    let committed: Value = serde_json::from_str(SAMPLES).expect("test/api-samples.json is JSON");
    assert_eq!(committed, v, "test/api-samples.json is stale; if the change is deliberate, rerun with SHULIAN_BLESS=1");
}

/// Each sample deserializes back into its type: the mirror of a stored record keeps every field.
#[test]
fn stored_records_round_trip_through_their_api_types() {
    fn back<T: serde::de::DeserializeOwned + Serialize>(v: &Value) {
        let t: T = serde_json::from_value(v.clone()).expect("sample deserializes");
        assert_eq!(&serde_json::to_value(&t).expect("serializes"), v);
    }
    let s = samples();
    back::<DatasetResponse>(&s["DatasetResponse"]);
    back::<GrantResponse>(&s["GrantResponse"]);
    back::<OrderResponse>(&s["OrderResponse"]);
    back::<ListingResponse>(&s["ListingResponse"]);
    back::<BlockResponse>(&s["BlockResponse"]);
    // The conversion the node uses keeps every field of a stored record.
    let stored = serde_json::to_value(order()).expect("order serializes");
    assert_eq!(s["OrderResponse"]["order"], stored);
}
