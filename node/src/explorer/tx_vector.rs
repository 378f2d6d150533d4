//! The shared vector of what a transaction page and the trust anchor check, `test/tx-vector.json`:
//! a genesis with its hash (the pin), one of every call and every event with its borsh bytes and
//! JSON (the JavaScript decoders of `lib/schema.js` must give that JSON from those bytes), and a
//! block executed by the real contracts with its certificate, served through the node's own API
//! conversions (`/api/block/{h}`, `/api/block/{h}/raw`, `/api/tx/{hash}`). `test/txverify.test.mjs`
//! checks the explorer against it and refuses tampered variants.
//!
//! After a deliberate change: `SHULIAN_BLESS=1 cargo test --workspace explorer_tx_vector`.

use crate::api::{block_view, outcome_view, raw_block};
use serde_json::{Value, json};
use shulian_api::chain::TxStatusResponse;
use shulian_contracts::NativeContracts;
use shulian_runtime::block::{CommitSig, VOTE_SIGN_TAG};
use shulian_runtime::evidence::{Equivocation, SignedVote};
use shulian_runtime::genesis::{Genesis, Role};
use shulian_runtime::test_utils::{GenesisBuilder, TestChain, account, key};
use shulian_runtime::{
    AccountId, Call, CatalogCall, Classification, CommitCertificate, DatasetId, DatasetSpec, DemandId, ElementSource,
    Event, EventKind, Fen, GrantId, GrantsCall, Hash, Height, LineageCall, ListingId, MarketCall, OrderId, OrgsCall,
    ParentRef, Product, ProposalAction, ProposalId, PublicKey, ReceiptsCall, RegistryCall, RequestId, Ruling,
    SettlementCall, SharingAttribute, TradeWindows, Validity, Vote, VoteKind, WindowRules,
};
use std::collections::BTreeSet;

const VECTOR: &str = include_str!("test/tx-vector.json");

fn genesis() -> Genesis {
    GenesisBuilder::new("shulian-explorer-test")
        .genesis_time_ms(1_764_383_000_000)
        .validator("卫健委 validator", &key(1), 1)
        .validator("transport", &key(2), 2)
        .validator("exchange", &key(3), 3)
        .validator("regulator", &key(4), 4)
        .org("卫健委 Health Commission", &key(5), &[Role::Department, Role::ValidatorOperator], Fen(1_000))
        .org("transport", &key(6), &[Role::Department, Role::Trader], Fen(50))
        .build()
}

fn spec() -> DatasetSpec {
    DatasetSpec {
        name: "诊所 clinic visits".into(),
        metadata_hash: Hash([3; 32]),
        schema_hash: Hash([4; 32]),
        fields: vec!["district".into(), "visits".into()],
        category: "health".into(),
        classification: Classification::Core,
        sharing: SharingAttribute::Conditional,
        update_frequency: "daily".into(),
    }
}

fn signed_vote(seed: u8, block: Option<Hash>) -> SignedVote {
    let vote = Vote { chain_id: "c".into(), height: Height(9), round: 1, kind: VoteKind::Prevote, block_hash: block };
    let signature = key(seed).sign(VOTE_SIGN_TAG, &vote.sign_bytes());
    SignedVote { vote, validator: key(seed).public_key(), signature }
}

/// One call of every variant, with values that exercise options, vectors and nested enums.
fn calls() -> Vec<Call> {
    let (a, d, g, r, p, l, o) = (
        AccountId([1; 32]),
        DatasetId([3; 32]),
        GrantId([4; 32]),
        RequestId([5; 32]),
        ProposalId([6; 32]),
        ListingId([7; 32]),
        OrderId([8; 32]),
    );
    let (h, k, s) = (Hash([10; 32]), PublicKey([9; 32]), || "理由 reason".to_string());
    let validity = Validity { from_ms: 2, until_ms: 1_900_000_000_000 };
    let rules = WindowRules { min_ms: 1, max_ms: 1 << 40, default_delivery_ms: 5, default_acceptance_ms: 6 };
    let m = DemandId([18; 32]);
    vec![
        Call::Settlement(SettlementCall::Transfer { to: a, amount: Fen(5) }),
        Call::Settlement(SettlementCall::Deposit { to: a, amount: Fen(7), bank_ref: "b1".into() }),
        Call::Settlement(SettlementCall::Withdraw { from: a, amount: Fen(3), bank_ref: "b2".into() }),
        Call::Settlement(SettlementCall::RequestWithdrawal { amount: Fen(3) }),
        Call::Orgs(OrgsCall::Propose {
            action: ProposalAction::Admit {
                name: "新 org".into(),
                roles: vec![Role::Trader, Role::Regulator],
                public_key: k,
            },
        }),
        Call::Orgs(OrgsCall::Propose { action: ProposalAction::Suspend { org: a, reason: s() } }),
        Call::Orgs(OrgsCall::Propose { action: ProposalAction::Reinstate { org: a } }),
        Call::Orgs(OrgsCall::Propose {
            action: ProposalAction::RotateKey { org: a, old_key: k, new_key: PublicKey([11; 32]) },
        }),
        Call::Orgs(OrgsCall::Vote { proposal: p, approve: false }),
        Call::Orgs(OrgsCall::Propose {
            action: ProposalAction::AddValidator {
                name: "交通局 validator".into(),
                public_key: k,
                operator: a,
                power: 3,
                possession: shulian_runtime::Signature([12; 64]),
            },
        }),
        Call::Orgs(OrgsCall::Propose { action: ProposalAction::RemoveValidator { public_key: k } }),
        Call::Orgs(OrgsCall::Propose { action: ProposalAction::SetValidatorPower { public_key: k, power: 2 } }),
        Call::Orgs(OrgsCall::Propose {
            action: ProposalAction::ScheduleUpgrade { version: 2, height: shulian_runtime::Height(99) },
        }),
        Call::Orgs(OrgsCall::RotateValidatorKey {
            old_key: k,
            new_key: PublicKey([11; 32]),
            possession: shulian_runtime::Signature([13; 64]),
        }),
        Call::Catalog(CatalogCall::Register { dataset: spec() }),
        Call::Catalog(CatalogCall::PublishVersion {
            dataset: d,
            metadata_hash: h,
            schema_hash: h,
            fields: Some(vec!["x".into()]),
        }),
        Call::Catalog(CatalogCall::PublishVersion { dataset: d, metadata_hash: h, schema_hash: h, fields: None }),
        Call::Catalog(CatalogCall::Retire { dataset: d }),
        Call::Catalog(CatalogCall::NegativeList { dataset: d, reason: s() }),
        Call::Catalog(CatalogCall::RemoveNegativeList { dataset: d, reason: s() }),
        Call::Catalog(CatalogCall::Regrade {
            dataset: d,
            classification: Classification::Important,
            sharing: SharingAttribute::Conditional,
            reason: s(),
        }),
        Call::Grants(GrantsCall::Request {
            dataset: d,
            purpose: "bus".into(),
            fields: vec!["district".into()],
            valid_from_ms: 1,
            valid_until_ms: 9,
            max_uses: 2,
        }),
        Call::Grants(GrantsCall::Approve { request: r }),
        Call::Grants(GrantsCall::Reject { request: r, reason: s() }),
        Call::Grants(GrantsCall::CoApprove { request: r }),
        Call::Grants(GrantsCall::Revoke { grant: g, reason: s() }),
        Call::Grants(GrantsCall::RequireCountersignature { grant: g, key: k }),
        Call::Receipts(ReceiptsCall::Record {
            grant: g,
            query_hash: h,
            result_hash: h,
            row_count: 12,
            fields_used: vec!["district".into()],
        }),
        Call::Receipts(ReceiptsCall::RecordCountersigned {
            grant: g,
            query_hash: h,
            result_hash: Hash([14; 32]),
            row_count: 3,
            fields_used: vec!["district".into(), "站点".into()],
            countersignature: shulian_runtime::Signature([15; 64]),
        }),
        Call::Receipts(ReceiptsCall::RecordBatch {
            grant: g,
            uses: vec![
                shulian_runtime::call::ReceiptUse {
                    query_hash: h,
                    result_hash: h,
                    row_count: 0,
                    fields_used: vec!["district".into()],
                    countersignature: None,
                },
                shulian_runtime::call::ReceiptUse {
                    query_hash: Hash([16; 32]),
                    result_hash: h,
                    row_count: 7,
                    fields_used: vec![],
                    countersignature: Some(shulian_runtime::Signature([17; 64])),
                },
            ],
        }),
        Call::Lineage(LineageCall::RegisterDerived {
            dataset: spec(),
            parents: vec![ParentRef { dataset: d, grant: Some(g) }, ParentRef { dataset: d, grant: None }],
        }),
        Call::Market(MarketCall::SubmitListing {
            product: Product::Dataset(d),
            price: Fen(120_000),
            licence_terms_hash: h,
            delivery_method: "sftp".into(),
            purpose: "p".into(),
            validity,
            fields: vec![],
            max_uses: 1,
            windows: TradeWindows::default(),
        }),
        Call::Market(MarketCall::SubmitListing {
            product: Product::OffCatalog { name: "report".into(), metadata_hash: h },
            price: Fen(10),
            licence_terms_hash: h,
            delivery_method: "email".into(),
            purpose: "p".into(),
            validity,
            fields: vec!["a".into()],
            max_uses: 3,
            windows: TradeWindows { delivery_ms: Some(7 * 86_400_000), acceptance_ms: Some(1 << 41) },
        }),
        Call::Market(MarketCall::ReviewListing { listing: l, approve: true, reason: s() }),
        Call::Market(MarketCall::FreezeListing { listing: l, reason: s() }),
        Call::Market(MarketCall::UnfreezeListing { listing: l, reason: s() }),
        Call::Market(MarketCall::WithdrawListing { listing: l }),
        Call::Market(MarketCall::PlaceOrder { listing: l }),
        Call::Market(MarketCall::ConfirmDelivery { order: o, delivery_hash: h }),
        Call::Market(MarketCall::AcceptDelivery { order: o }),
        Call::Market(MarketCall::OpenDispute { order: o, reason: s() }),
        Call::Market(MarketCall::Arbitrate { order: o, ruling: Ruling::Refund }),
        Call::Market(MarketCall::Arbitrate { order: o, ruling: Ruling::Pay }),
        Call::Market(MarketCall::Arbitrate { order: o, ruling: Ruling::Split { buyer_bps: 2_500 } }),
        Call::Market(MarketCall::CancelOrder { order: o }),
        Call::Market(MarketCall::ClaimSettlement { order: o }),
        Call::Market(MarketCall::SetFeeRate { bps: 100 }),
        Call::Market(MarketCall::SetWindowRules { rules }),
        Call::Evidence(shulian_runtime::call::EvidenceCall::Equivocation(Box::new(Equivocation {
            first: signed_vote(2, Some(h)),
            second: signed_vote(2, None),
        }))),
        Call::Orgs(OrgsCall::Propose {
            action: ProposalAction::DefineElement {
                code: "vehicle_plate".into(), name: "号牌".into(), responsible: a
            },
        }),
        Call::Orgs(OrgsCall::Propose {
            action: ProposalAction::TransferElement { code: "vehicle_plate".into(), to: a, reason: s() },
        }),
        Call::Orgs(OrgsCall::RegulatorSuspend { org: a, reason: s() }),
        Call::Orgs(OrgsCall::RegulatorReinstate { org: a, reason: s() }),
        Call::Catalog(CatalogCall::RegisterWithElements {
            dataset: spec(),
            elements: vec!["resident_id".into(), "vehicle_plate".into()],
            source: ElementSource::Authoritative,
        }),
        Call::Catalog(CatalogCall::RegisterWithElements {
            dataset: spec(),
            elements: vec!["vehicle_plate".into()],
            source: ElementSource::CopyOf(d),
        }),
        Call::Grants(GrantsCall::Freeze { grant: g, reason: s() }),
        Call::Grants(GrantsCall::Unfreeze { grant: g, reason: s() }),
        Call::Registry(RegistryCall::DefineElement {
            code: "resident_id".into(),
            name: "居民身份证号".into(),
            responsible: a,
        }),
        Call::Registry(RegistryCall::TransferElement { code: "resident_id".into(), to: a, reason: s() }),
        Call::Registry(RegistryCall::FileDemand { elements: vec!["vehicle_plate".into()], purpose: "公交".into() }),
        Call::Registry(RegistryCall::AssignDemand { demand: m, to: a, deadline_ms: 1_800_000_000_000 }),
        Call::Registry(RegistryCall::AnswerDemand { demand: m, grant: g }),
        Call::Registry(RegistryCall::RefuseDemand { demand: m, legal_basis: s() }),
        Call::Registry(RegistryCall::WithdrawDemand { demand: m }),
    ]
}

fn bytes_and_json<T: borsh::BorshSerialize + serde::Serialize>(items: &[T]) -> Vec<Value> {
    items.iter().map(|x| json!({ "bytes": hex::encode(borsh::to_vec(x).expect("borsh")), "json": x })).collect()
}

/// A block of real transactions executed by the contracts: a data set registered (an event), a
/// transfer (an event) and a transfer the contract refuses (a failed outcome with its error),
/// certified by validators 2, 3 and 4 (9 of 10 power).
fn block() -> Value {
    let g = genesis();
    let mut chain: TestChain<NativeContracts> = TestChain::with_dispatcher(&g, NativeContracts);
    chain.advance(1);
    let t1 = chain.tx_with(&key(5), account(5), Call::Catalog(CatalogCall::Register { dataset: spec() }));
    let t2 = chain.tx_with(
        &key(6),
        account(6),
        Call::Settlement(SettlementCall::Transfer { to: account(5), amount: Fen(20) }),
    );
    let mut t3 = chain.tx_with(
        &key(6),
        account(6),
        Call::Settlement(SettlementCall::Transfer { to: account(5), amount: Fen(9_999) }),
    );
    // The second transaction of the same sender takes the next nonce.
    t3 = shulian_runtime::test_utils::signed(&g.chain_id, &key(6), t3.nonce + 1, t3.call);
    let exec = chain.block(vec![t1, t2, t3]);
    let blk = chain.blocks.last().expect("a block").clone();
    let hash = blk.hash();
    let mut cert = CommitCertificate { height: blk.header.height, round: 0, block_hash: hash, signatures: vec![] };
    let vote_bytes = cert.vote(&blk.header.chain_id).sign_bytes();
    cert.signatures = (2..=4u8)
        .map(|i| CommitSig { validator: key(i).public_key(), signature: key(i).sign(VOTE_SIGN_TAG, &vote_bytes) })
        .collect();
    assert_eq!(cert.verify(&blk.header, &g.validator_set()), Ok(()));
    assert!(exec.outcomes.iter().any(|o| !o.events.is_empty()), "an outcome with events");
    assert!(
        exec.outcomes.iter().any(|o| matches!(o.status, shulian_runtime::TxStatus::Failed { .. })),
        "a failed outcome"
    );
    let txs: Vec<Value> = exec
        .outcomes
        .iter()
        .enumerate()
        .map(|(i, o)| {
            json!(TxStatusResponse::Committed {
                hash: o.tx_hash,
                height: blk.header.height,
                index: u32::try_from(i).expect("few txs"),
                outcome: outcome_view(o),
            })
        })
        .collect();
    json!({
        "block": block_view(&blk, Some(cert), &exec.outcomes),
        "raw": raw_block(&blk, &exec.outcomes),
        "txs": txs,
    })
}

fn vector() -> Value {
    let g = genesis();
    let events = shulian_runtime::test_utils::one_event_of_each_kind();
    let kinds: BTreeSet<EventKind> = events.iter().map(Event::kind).collect();
    assert_eq!(kinds.len(), EventKind::ALL.len(), "the vector needs one event of every kind");
    json!({
        "genesis": { "json": g, "hash": g.hash(), "borsh": hex::encode(borsh::to_vec(&g).expect("borsh")) },
        "calls": bytes_and_json(&calls()),
        "events": bytes_and_json(&events),
        "chain": block(),
    })
}

#[test]
fn explorer_tx_vector_matches_the_committed_file() {
    shulian_runtime::test_utils::pin_ed25519();
    let v = vector();
    let text = format!("{}\n", serde_json::to_string_pretty(&v).expect("json"));
    if std::env::var_os("SHULIAN_BLESS").is_some() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/explorer/test/tx-vector.json");
        std::fs::write(&path, &text).expect("write tx vector");
        return;
    }
    let committed: Value = serde_json::from_str(VECTOR).expect("test/tx-vector.json is JSON");
    assert_eq!(committed, v, "test/tx-vector.json is stale; if the change is deliberate, rerun with SHULIAN_BLESS=1");
}
