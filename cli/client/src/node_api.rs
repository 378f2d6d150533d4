//! What the gateway needs from a node, as a trait: the nonce manager is written against it, so
//! its rules are tested with a fake node and run against the real one through [`NodeClient`].

use crate::client::{ClientError, NodeClient};
use crate::txflow::{self, Refusal, TxState};
use shulian_runtime::{AccountId, Hash, Transaction};

/// The node operations the nonce manager uses.
pub trait NodeApi: Send + Sync {
    /// The chain id the node serves.
    fn chain_id(&self) -> Result<String, ClientError>;
    /// The account's next nonce, counting its transactions pending at the node.
    fn next_nonce(&self, account: &AccountId) -> Result<u64, ClientError>;
    /// Submits transactions in order (`POST /api/txs`); one result each.
    fn submit_batch(&self, txs: &[Transaction]) -> Result<Vec<Result<Hash, Refusal>>, ClientError>;
    /// Where a transaction is; `None` when the node does not know it (never seen, or forgotten
    /// with its mempool on a restart).
    fn tx_state(&self, hash: &Hash) -> Result<Option<TxState>, ClientError>;
}

impl NodeApi for NodeClient {
    fn chain_id(&self) -> Result<String, ClientError> {
        txflow::chain_id(self)
    }

    fn next_nonce(&self, account: &AccountId) -> Result<u64, ClientError> {
        txflow::next_nonce(self, account)
    }

    fn submit_batch(&self, txs: &[Transaction]) -> Result<Vec<Result<Hash, Refusal>>, ClientError> {
        NodeClient::submit_batch(self, txs)
    }

    fn tx_state(&self, hash: &Hash) -> Result<Option<TxState>, ClientError> {
        match self.tx(hash) {
            Ok(v) => TxState::parse(&v)
                .map(Some)
                .map_err(|reason| ClientError::BadResponse { url: self.url().to_string(), reason }),
            Err(ClientError::Refused { code, .. }) if code == "not_found" => Ok(None),
            Err(e) => Err(e),
        }
    }
}
