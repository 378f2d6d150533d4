//! JSON views of ledger objects for the API.

use serde_json::{Value, json};
use shulian_runtime::exec::{TxOutcome, TxStatus};
use shulian_runtime::{Block, CommitCertificate};

/// An outcome: status, error, events.
pub(super) fn outcome(o: &TxOutcome) -> Value {
    let (status, error) = match &o.status {
        TxStatus::Success => ("success", Value::Null),
        TxStatus::Failed { error } => ("failed", json!({ "code": error.code, "message": error.message })),
    };
    json!({ "status": status, "account": o.account, "error": error, "events": o.events })
}

/// A block with its certificate and its transactions' outcomes.
pub(super) fn block(b: &Block, cert: Option<&CommitCertificate>, outcomes: &[TxOutcome]) -> Value {
    let txs: Vec<Value> = b
        .txs
        .iter()
        .enumerate()
        .map(|(i, t)| {
            json!({
                "hash": t.hash(), "sender": t.sender, "account": outcomes.get(i).map(|o| o.account), "nonce": t.nonce,
                "call": t.call, "call_name": t.call.name(),
                "outcome": outcomes.get(i).map(outcome),
            })
        })
        .collect();
    json!({ "hash": b.hash(), "header": b.header, "certificate": cert, "txs": txs })
}
