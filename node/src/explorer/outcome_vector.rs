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
use crate::chain::tests_receipts::{chain_of, commit, commit_all, granted};
use serde_json::{Value, json};
use shulian_contracts::receipts::receipt_head;
use shulian_runtime::call::{ReceiptsCall, SettlementCall};
use shulian_runtime::events::next_receipt_head;
use shulian_runtime::merkle::{list_proof, list_root};
use shulian_runtime::test_utils::account;
use shulian_runtime::{Call, Event, Fen, Hash, Subject};

const VECTOR: &str = include_str!("test/outcome-proof-vector.json");

/// List lengths whose every index gets a proof: one item, powers of two, and odd counts whose
/// last node is promoted at one or more levels.
const LIST_LENGTHS: &[u8] = &[1, 2, 3, 4, 5, 7, 8, 9];

/// Receipts recorded under the grant (the proof in the vector is of the second).
const RECEIPTS: u8 = 3;

/// The chain's three receipts: the proof of the second, the grant's events with their heads.
fn receipts() -> Value {
    let chain = chain_of("explorer-receipts", "owner 卫健委");
    let g = chain.genesis().clone();
    let grant = granted(&chain, &["district", "visits"]);
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
    proof.verify(&tx, &chain.validators()).expect("the proof holds");
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
    shulian_runtime::test_utils::pin_ed25519();
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
