//! Typed API views (`shulian-api`) of the node's stored records and blocks.

use super::ApiError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use shulian_api::ErrorDetail;
use shulian_api::chain::{BlockResponse, BlockTx, Outcome, OutcomeStatus};
use shulian_runtime::exec::{TxOutcome, TxStatus};
use shulian_runtime::{Block, CommitCertificate};

/// A contract's stored record as the API's mirror of it. The two have the same JSON by design;
/// converting through it means a field renamed on one side only fails here (and in the test
/// below) rather than reaching a client as a silently different shape.
pub(crate) fn record<T: Serialize, V: DeserializeOwned>(t: &T) -> Result<V, ApiError> {
    serde_json::to_value(t).and_then(serde_json::from_value).map_err(|e| {
        ApiError::internal(format!("stored {} does not fit its API shape: {e}", std::any::type_name::<T>()))
    })
}

/// An outcome: status, error, events.
pub(super) fn outcome(o: &TxOutcome) -> Outcome {
    let (status, error) = match &o.status {
        TxStatus::Success => (OutcomeStatus::Success, None),
        TxStatus::Failed { error } => {
            (OutcomeStatus::Failed, Some(ErrorDetail { code: error.code.clone(), message: error.message.clone() }))
        }
    };
    Outcome { status, account: o.account, error, events: o.events.clone() }
}

/// A block with its certificate and its transactions' outcomes.
pub(super) fn block(b: &Block, certificate: Option<CommitCertificate>, outcomes: &[TxOutcome]) -> BlockResponse {
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
