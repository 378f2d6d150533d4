//! Typed API views (`shulian-api`) of the node's stored records and blocks.

use super::ApiError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use shulian_api::ErrorDetail;
use shulian_api::chain::{BlockResponse, BlockTx, Outcome, OutcomeProofResponse, OutcomeStatus, RawBlockResponse};
use shulian_runtime::exec::{TxOutcome, TxStatus};
use shulian_runtime::outcome_proof::OutcomeProof;
use shulian_runtime::{Block, CommitCertificate, Hash};

/// A contract's stored record as the API's mirror of it. The two have the same JSON by design;
/// converting through it means a field renamed on one side only fails here (and in the test
/// below) rather than reaching a client as a silently different shape.
pub(crate) fn record<T: Serialize, V: DeserializeOwned>(t: &T) -> Result<V, ApiError> {
    serde_json::to_value(t).and_then(serde_json::from_value).map_err(|e| {
        ApiError::internal(format!("stored {} does not fit its API shape: {e}", std::any::type_name::<T>()))
    })
}

/// An outcome: status, error, events.
pub(crate) fn outcome(o: &TxOutcome) -> Outcome {
    let (status, error) = match &o.status {
        TxStatus::Success => (OutcomeStatus::Success, None),
        TxStatus::Failed { error } => {
            (OutcomeStatus::Failed, Some(ErrorDetail { code: error.code.clone(), message: error.message.clone() }))
        }
    };
    Outcome { status, account: o.account, error, events: o.events.clone() }
}

/// The answer of `GET /api/tx/{hash}/proof`: the outcome proof of transaction `tx_hash`, with the
/// outcome's borsh bytes (what `outcomes_root` commits to) for clients that hash them themselves.
pub(crate) fn outcome_proof(tx_hash: Hash, proof: OutcomeProof) -> Result<OutcomeProofResponse, ApiError> {
    let bytes = shulian_runtime::encode(&proof.outcome).map_err(ApiError::internal)?;
    Ok(OutcomeProofResponse {
        tx_hash,
        height: proof.header.height,
        outcome_bytes: hex::encode(bytes),
        outcome: outcome(&proof.outcome),
        path: proof.path,
        header: proof.header,
        certificate: proof.certificate,
    })
}

/// The borsh bytes behind a block's `tx_root` and `outcomes_root`, hex.
pub(crate) fn raw_block(b: &Block, outcomes: &[TxOutcome]) -> RawBlockResponse {
    let hex_of = |bytes: Vec<u8>| hex::encode(bytes);
    RawBlockResponse {
        height: b.header.height,
        txs: b.txs.iter().map(|t| hex_of(borsh::to_vec(t).unwrap_or_default())).collect(),
        outcomes: outcomes.iter().map(|o| hex_of(borsh::to_vec(o).unwrap_or_default())).collect(),
    }
}

/// A block with its certificate and its transactions' outcomes.
pub(crate) fn block(b: &Block, certificate: Option<CommitCertificate>, outcomes: &[TxOutcome]) -> BlockResponse {
    let txs = b
        .txs
        .iter()
        .enumerate()
        .map(|(i, t)| BlockTx {
            hash: t.hash(),
            sender: t.sender,
            account: outcomes.get(i).map(|o| o.account),
            nonce: t.nonce,
            call: t.call.clone(),
            call_name: t.call.name().to_string(),
            outcome: outcomes.get(i).map(outcome),
        })
        .collect();
    BlockResponse { hash: b.hash(), header: b.header.clone(), certificate, txs }
}
