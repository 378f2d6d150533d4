//! Receipts are history proven from blocks (ADR 0004): a receipt recorded in a committed block is
//! proven by its outcome proof (and a tampered proof is refused), and the receipt chain head in
//! state matches the receipts the event index lists for the grant.

use super::tests::{certify, key};
use super::*;
use crate::storage::MemKv;
use shulian_contracts::receipts::receipt_head;
use shulian_runtime::call::{CatalogCall, Classification, DatasetSpec, GrantsCall, ReceiptsCall, SharingAttribute};
use shulian_runtime::events::receipt_chain_head;
use shulian_runtime::exec::TxOutcome;
use shulian_runtime::genesis::Role;
use shulian_runtime::outcome_proof::OutcomeProofError;
use shulian_runtime::test_utils::{GenesisBuilder, signed};
use shulian_runtime::{Call, Event, Fen, GrantId, Subject};
use std::sync::Arc;

/// A chain with owner `key(1)` and grantee `key(2)` (both departments, names as given) and
/// validator `key(100)`, for the receipt tests here and the explorer's outcome-proof vector.
pub(crate) fn chain_of(chain_id: &str, owner_name: &str) -> Chain {
    let genesis = GenesisBuilder::new(chain_id)
        .genesis_time_ms(10)
        .validator("v", &key(100), 1)
        .org(owner_name, &key(1), &[Role::Department], Fen(0))
        .org("user", &key(2), &[Role::Department], Fen(0))
        .build();
    Chain::open(ChainStore::new(Arc::new(MemKv::default())), genesis, ChainLimits::default()).expect("open")
}

fn chain() -> Chain {
    chain_of("unit", "owner")
}

/// Submits each `(seed, nonce, call)` signed by `key(seed)`, commits them in one block at ledger
/// time `ts` and answers their outcomes, in the order given.
pub(crate) fn commit_all(chain: &Chain, calls: Vec<(u8, u64, Call)>, ts: u64) -> Vec<TxOutcome> {
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
pub(crate) fn commit(chain: &Chain, seed: u8, nonce: u64, call: Call, ts: u64) -> TxOutcome {
    commit_all(chain, vec![(seed, nonce, call)], ts).remove(0)
}

/// The owner registers a general, unconditionally shared data set "clinic visits" (fields
/// district and visits; block at ledger time 100) and the grantee requests `fields` of it (block
/// at 200), granted at once: answers the grant.
pub(crate) fn granted(chain: &Chain, fields: &[&str]) -> GrantId {
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
    let o = commit(chain, 1, 0, Call::Catalog(CatalogCall::Register { dataset: spec }), 100);
    let dataset = o.events.iter().find_map(|e| match e {
        Event::DatasetRegistered { dataset, .. } => Some(*dataset),
        _ => None,
    });
    let request = GrantsCall::Request {
        dataset: dataset.expect("registered"),
        purpose: "planning".into(),
        fields: fields.iter().map(|f| f.to_string()).collect(),
        valid_from_ms: 0,
        valid_until_ms: u64::MAX,
        max_uses: 100,
    };
    let o = commit(chain, 2, 0, Call::Grants(request), 200);
    let grant = o.events.iter().find_map(|e| match e {
        Event::GrantIssued { grant, .. } => Some(*grant),
        _ => None,
    });
    grant.expect("an unconditional request is granted at once")
}

fn record(grant: GrantId, n: u8) -> Call {
    Call::Receipts(ReceiptsCall::Record {
        grant,
        query_hash: Hash::tagged(b"test/query", &[n]),
        result_hash: Hash::tagged(b"test/result", &[n]),
        row_count: u64::from(n),
        fields_used: vec!["district".into()],
    })
}

#[test]
fn a_receipt_is_proven_by_its_outcome_proof_and_the_chain_head_matches_the_listed_receipts() {
    let chain = chain();
    let grant = granted(&chain, &["district"]);
    let mut receipt_txs = Vec::new();
    for n in 1..=3u8 {
        let o = commit(&chain, 2, u64::from(n), record(grant, n), 300 + u64::from(n));
        assert!(matches!(o.events.first(), Some(Event::ReceiptRecorded { seq, .. }) if *seq == u64::from(n)));
        receipt_txs.push(o.tx_hash);
    }

    // Each receipt is proven from its block: outcome -> outcomes_root -> certified header.
    let validators = chain.validators().clone();
    for (i, tx) in receipt_txs.iter().enumerate() {
        let proof = chain.store().outcome_proof(tx).expect("read").expect("a committed tx has a proof");
        let outcome = proof.verify(tx, &validators).expect("the proof holds");
        let Some(Event::ReceiptRecorded { seq, row_count, .. }) = outcome.events.first() else {
            panic!("not a receipt: {outcome:?}");
        };
        assert_eq!((*seq, *row_count), (i as u64 + 1, i as u64 + 1));

        // Tampered: another receipt's numbers, another position, a bent path, a forged header.
        let mut changed = proof.clone();
        if let Some(Event::ReceiptRecorded { row_count, .. }) = changed.outcome.events.first_mut() {
            *row_count += 1;
        }
        assert!(matches!(changed.verify(tx, &validators), Err(OutcomeProofError::NotInBlock(_))));
        let mut moved = proof.clone();
        moved.path.siblings.push(Hash::ZERO);
        assert!(matches!(moved.verify(tx, &validators), Err(OutcomeProofError::NotInBlock(_))));
        let mut forged = proof.clone();
        forged.header.outcomes_root = Hash::tagged(b"forged", &[]);
        assert!(matches!(forged.verify(tx, &validators), Err(OutcomeProofError::Certificate(_))));
        let other = receipt_txs[(i + 1) % receipt_txs.len()];
        assert!(matches!(proof.verify(&other, &validators), Err(OutcomeProofError::OtherTransaction { .. })));
    }
    assert!(chain.store().outcome_proof(&Hash::tagged(b"none", &[])).expect("read").is_none());

    // The grant's receipts as the event index lists them fold to the head in state; one left out
    // does not.
    let listed: Vec<Event> = chain
        .store()
        .events(&Subject::Grant(grant), None, 100)
        .expect("read")
        .into_iter()
        .map(|(_, r)| r.event)
        .filter(|e| matches!(e, Event::ReceiptRecorded { .. }))
        .collect();
    assert_eq!(listed.len(), 3);
    let head = receipt_head(chain.store(), &grant).expect("read");
    assert_eq!(head, receipt_chain_head(&listed));
    assert_ne!(head, receipt_chain_head(&listed[1..]));
}
