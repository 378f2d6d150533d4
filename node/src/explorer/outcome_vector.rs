//! The shared vector of the explorer's receipt checks (ADR 0004), `test/outcome-proof-vector.json`:
//! the genesis of a real in-memory chain that recorded three receipts under one grant, the
//! node's `GET /api/tx/{hash}/proof` answer for the second (in a block of three transactions) (built by the route's own conversion),
//! list proofs from `runtime::merkle::list_proof` for every index of several list lengths, and the
//! grant's receipt events (borsh) with the receipt chain head after each, the last being the head
//! in state. `test/receipts.test.mjs` checks `verifyListProof`, `verifyOutcomeProof` and the
//! receipt chain fold of the explorer against it, and refuses tampered variants.
//!
//! After a deliberate change: `SHULIAN_BLESS=1 cargo test --workspace explorer_outcome_proof_vector`.

use crate::api::outcome_proof_view;
use crate::chain::tests::{certify, key};
use crate::chain::{Chain, ChainLimits};
use crate::storage::{ChainStore, MemKv};
use serde_json::{Value, json};
use shulian_contracts::receipts::receipt_head;
use shulian_runtime::call::{
    CatalogCall, Classification, DatasetSpec, GrantsCall, ReceiptsCall, SettlementCall, SharingAttribute,
};
use shulian_runtime::events::next_receipt_head;
use shulian_runtime::exec::TxOutcome;
use shulian_runtime::genesis::{Genesis, Role};
use shulian_runtime::merkle::{list_proof, list_root};
use shulian_runtime::test_utils::{GenesisBuilder, account, signed};
use shulian_runtime::{Call, Event, Fen, Hash, Subject};
use std::sync::Arc;

const VECTOR: &str = include_str!("test/outcome-proof-vector.json");

/// List lengths whose every index gets a proof: one item, powers of two, and odd counts whose
/// last node is promoted at one or more levels.
const LIST_LENGTHS: &[u8] = &[1, 2, 3, 4, 5, 7, 8, 9];

/// Receipts recorded under the grant (the proof in the vector is of the second).
const RECEIPTS: u8 = 3;

/// Owner `key(1)`, grantee `key(2)`, both departments; validator `key(100)`.
fn genesis() -> Genesis {
    GenesisBuilder::new("explorer-receipts")
        .genesis_time_ms(10)
        .validator("v", &key(100), 1)
        .org("owner 卫健委", &key(1), &[Role::Department], Fen(0))
        .org("user", &key(2), &[Role::Department], Fen(0))
        .build()
}

/// Submits each `(seed, nonce, call)` signed by `key(seed)`, commits them in one block and
/// answers their outcomes, in the order given.
fn commit_all(chain: &Chain, calls: Vec<(u8, u64, Call)>, ts: u64) -> Vec<TxOutcome> {
    let txs: Vec<_> =
        calls.into_iter().map(|(seed, nonce, call)| signed(chain.chain_id(), &key(seed), nonce, call)).collect();
    for tx in &txs {
        chain.submit(&borsh::to_vec(tx).expect("borsh")).expect("admitted");
    }
    let (block, exec) = chain.propose(key(100).public_key(), ts).expect("propose");
    assert_eq!(block.txs.len(), txs.len(), "one block holds them all");
    let cert = certify(chain, &block);
    chain.commit(&block, &cert, exec).expect("commit");
    txs.iter()
        .map(|tx| {
            let loc = chain.store().tx_location(&tx.hash()).expect("read").expect("committed");
            chain.store().outcome(loc.height, loc.index).expect("read").expect("outcome")
        })
        .collect()
}

/// Submits `call` signed by `key(seed)` at `nonce`, commits a block and answers the outcome.
fn commit(chain: &Chain, seed: u8, nonce: u64, call: Call, ts: u64) -> TxOutcome {
    commit_all(chain, vec![(seed, nonce, call)], ts).remove(0)
}

/// The chain's three receipts: the proof of the second, the grant's events with their heads.
fn receipts() -> Value {
    let g = genesis();
    let chain =
        Chain::open(ChainStore::new(Arc::new(MemKv::default())), g.clone(), ChainLimits::default()).expect("open");
    let spec = DatasetSpec {
        name: "clinic visits".into(),
        metadata_hash: Hash::tagged(b"test/meta", b"v1"),
        schema_hash: Hash::tagged(b"test/schema", b"v1"),
        fields: vec!["district".into(), "visits".into()],
        category: "health".into(),
        classification: Classification::General,
        sharing: SharingAttribute::Unconditional,
        update_frequency: "daily".into(),
    };
    let o = commit(&chain, 1, 0, Call::Catalog(CatalogCall::Register { dataset: spec }), 100);
    let dataset = o.events.iter().find_map(|e| match e {
        Event::DatasetRegistered { dataset, .. } => Some(*dataset),
        _ => None,
    });
    let request = GrantsCall::Request {
        dataset: dataset.expect("registered"),
        purpose: "planning".into(),
        fields: vec!["district".into(), "visits".into()],
        valid_from_ms: 0,
        valid_until_ms: u64::MAX,
        max_uses: 100,
    };
    let o = commit(&chain, 2, 0, Call::Grants(request), 200);
    let grant = o.events.iter().find_map(|e| match e {
        Event::GrantIssued { grant, .. } => Some(*grant),
        _ => None,
    });
    let grant = grant.expect("an unconditional request is granted at once");
    let record = |n: u8| {
        Call::Receipts(ReceiptsCall::Record {
            grant,
            query_hash: Hash::tagged(b"test/query", &[n]),
            result_hash: Hash::tagged(b"test/result", &[n]),
            row_count: u64::from(n) * 10,
            fields_used: if n == 2 { vec!["district".into(), "visits".into()] } else { vec!["district".into()] },
        })
    };
    // The first receipt alone; the second and third in one block with a refused transfer, so the
    // proven outcome has siblings on its path.
    let first = commit(&chain, 2, 1, record(1), 301).tx_hash;
    let refused = Call::Settlement(SettlementCall::Transfer { to: account(2), amount: Fen(1) });
    let block = commit_all(&chain, vec![(2, 2, record(2)), (1, 1, refused), (2, 3, record(3))], 302);
    let tx = block.iter().find(|o| matches!(o.events.first(), Some(Event::ReceiptRecorded { seq: 2, .. })));
    let tx = tx.map(|o| o.tx_hash).expect("the second receipt");
    let proof = chain.store().outcome_proof(&tx).expect("read").expect("a committed tx has a proof");
    assert!(proof.path.count == 3 && !proof.path.siblings.is_empty(), "a path with siblings");
    proof.verify(&tx, chain.validators()).expect("the proof holds");
    let response = outcome_proof_view(tx, proof).expect("the route's answer");

    let events: Vec<Event> = chain
        .store()
        .events(&Subject::Grant(grant), None, 100)
        .expect("read")
        .into_iter()
        .map(|(_, r)| r.event)
        .filter(|e| matches!(e, Event::ReceiptRecorded { .. }))
        .collect();
    assert_eq!(events.len(), usize::from(RECEIPTS));
    let mut head = Hash::ZERO;
    let chain_steps: Vec<Value> = events
        .iter()
        .map(|e| {
            head = next_receipt_head(&head, e);
            json!({ "event": hex::encode(borsh::to_vec(e).expect("borsh")), "json": e, "head": head })
        })
        .collect();
    assert_eq!(head, receipt_head(chain.store(), &grant).expect("read"), "the fold ends at the head in state");
    json!({
        "genesis": { "json": g, "hash": g.hash() },
        "grant": grant,
        "proof": response,
        "other_tx": first,
        "chain": chain_steps,
        "head_in_state": head,
    })
}

/// Every index of every length in [`LIST_LENGTHS`], with its root and leaf.
fn list_proofs() -> Vec<Value> {
    let mut out = Vec::new();
    for &n in LIST_LENGTHS {
        let leaves: Vec<Hash> = (0..n).map(|i| Hash::tagged(b"x", &[n, i])).collect();
        let root = list_root(&leaves);
        for (i, leaf) in leaves.iter().enumerate() {
            let proof = list_proof(&leaves, i).expect("every item has a proof");
            out.push(json!({ "root": root, "leaf": leaf, "proof": proof }));
        }
    }
    out
}

fn vector() -> Value {
    json!({ "receipts": receipts(), "list_proofs": list_proofs() })
}

#[test]
fn explorer_outcome_proof_vector_matches_the_committed_file() {
    let v = vector();
    let text = format!("{}\n", serde_json::to_string_pretty(&v).expect("json"));
    if std::env::var_os("SHULIAN_BLESS").is_some() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/explorer/test/outcome-proof-vector.json");
        std::fs::write(&path, &text).expect("write outcome proof vector");
        return;
    }
    let committed: Value = serde_json::from_str(VECTOR).expect("test/outcome-proof-vector.json is JSON");
    assert_eq!(
        committed, v,
        "test/outcome-proof-vector.json is stale; if the change is deliberate, rerun with SHULIAN_BLESS=1"
    );
}
