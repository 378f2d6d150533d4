//! The life of a transaction as the wallet sees it: build and sign a call, submit it, follow it
//! until it is committed or rejected. Every call subcommand goes through these functions.

use crate::client::{ClientError, NodeClient};
use crate::exit;
use serde_json::Value;
use shulian_api::ErrorDetail;
use shulian_api::chain::{OutcomeStatus, TxStatusResponse};
use shulian_runtime::events::Event;
use shulian_runtime::{AccountId, Call, Hash, SecretKey, Transaction, UnsignedTransaction};
use std::time::{Duration, Instant};

/// How often `--wait` asks the node about a transaction.
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// A contract's or the node's stable code and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// Stable code, e.g. `settlement.insufficient_balance` or `stale_nonce`.
    pub code: String,
    /// Plain words.
    pub message: String,
}

impl From<ErrorDetail> for Refusal {
    fn from(e: ErrorDetail) -> Self {
        Refusal { code: e.code, message: e.message }
    }
}

/// Why following a transaction to its outcome stopped without one.
#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    /// Talking to the node failed or the node refused.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The wait gave up before the transaction was committed or rejected.
    #[error("transaction {hash} is still {status} after {secs} s; look it up later with `shulian tx show {hash}`")]
    Timeout {
        /// The transaction waited for.
        hash: Hash,
        /// Its last known status.
        status: String,
        /// How long we waited.
        secs: u64,
    },
    /// The node's answer could not be shown.
    #[error("{0}")]
    Internal(String),
}

/// Where a transaction is, as read from `GET /api/tx/{hash}`.
#[derive(Clone, Debug, PartialEq)]
pub enum TxState {
    /// In the mempool (or not seen yet right after submission).
    Pending,
    /// In a block; the call succeeded or failed there.
    Committed {
        /// Block height.
        height: u64,
        /// Position in the block.
        index: u64,
        /// `None` on success, the contract's refusal on failure.
        failure: Option<Refusal>,
        /// Events of a successful call.
        events: Vec<Event>,
    },
    /// Refused at submission; it will never be in a block.
    Rejected(Refusal),
}

impl TxState {
    /// Parses the node's answer for one transaction (a [`TxStatusResponse`] as JSON).
    pub fn parse(v: &Value) -> Result<TxState, String> {
        serde_json::from_value::<TxStatusResponse>(v.clone())
            .map(|r| TxState::from(&r))
            .map_err(|e| format!("not a TxStatusResponse: {e}"))
    }

    /// Committed or rejected: nothing more will happen to it.
    pub fn is_final(&self) -> bool {
        !matches!(self, TxState::Pending)
    }

    /// `pending`, `committed` or `rejected`.
    pub fn name(&self) -> &'static str {
        match self {
            TxState::Pending => "pending",
            TxState::Committed { .. } => "committed",
            TxState::Rejected(_) => "rejected",
        }
    }

    /// The exit code of a command that waited for this state: 0 on success, 1 if the call failed
    /// in its contract, 3 if the node rejected the transaction.
    pub fn exit_code(&self) -> u8 {
        match self {
            TxState::Pending | TxState::Committed { failure: None, .. } => exit::SUCCESS,
            TxState::Committed { failure: Some(_), .. } => exit::OTHER,
            TxState::Rejected(_) => exit::REFUSED,
        }
    }
}

impl From<&TxStatusResponse> for TxState {
    fn from(r: &TxStatusResponse) -> Self {
        match r {
            TxStatusResponse::Pending { .. } => TxState::Pending,
            TxStatusResponse::Rejected { reason, .. } => TxState::Rejected(reason.clone().into()),
            TxStatusResponse::Committed { height, index, outcome, .. } => {
                let failure = match outcome.status {
                    OutcomeStatus::Success => None,
                    OutcomeStatus::Failed => Some(outcome.error.clone().map_or_else(
                        || Refusal { code: "unknown".into(), message: "the call failed without an explanation".into() },
                        Refusal::from,
                    )),
                };
                TxState::Committed {
                    height: height.0,
                    index: u64::from(*index),
                    failure,
                    events: outcome.events.clone(),
                }
            }
        }
    }
}

/// The transaction an answer of `GET /api/tx/{hash}` is about.
pub fn tx_hash(r: &TxStatusResponse) -> Hash {
    match r {
        TxStatusResponse::Committed { hash, .. }
        | TxStatusResponse::Pending { hash }
        | TxStatusResponse::Rejected { hash, .. } => *hash,
    }
}

/// Signs `call` from `key`'s account for `chain_id` with `nonce`.
pub fn sign(chain_id: String, key: &SecretKey, nonce: u64, call: Call) -> Transaction {
    UnsignedTransaction { chain_id, sender: key.public_key(), nonce, call }.sign(key)
}

/// The chain id the node serves, from `GET /api/status`.
pub fn chain_id(client: &NodeClient) -> Result<String, ClientError> {
    Ok(client.status()?.chain_id)
}

/// The account's next nonce, counting its transactions pending at the node.
pub fn next_nonce(client: &NodeClient, account: &AccountId) -> Result<u64, ClientError> {
    Ok(client.account(account)?.nonce)
}

/// The node's chain id if it is `pinned` and its chain signs with this wallet's crypto suite;
/// otherwise [`ClientError::WrongChain`] or [`ClientError::WrongSuite`]. A wallet signs only for
/// the chain it is configured for, never for whichever one a node reports.
pub fn checked_chain_id(client: &NodeClient, pinned: &str) -> Result<String, ClientError> {
    let status = client.status()?;
    let wallet = shulian_runtime::suite::active();
    if status.crypto != wallet {
        return Err(ClientError::WrongSuite { url: client.url().to_string(), node: status.crypto, wallet });
    }
    let reported = status.chain_id;
    if reported != pinned {
        return Err(ClientError::WrongChain {
            from: format!("the node at {}", client.url()),
            pinned: pinned.to_string(),
            reported,
        });
    }
    Ok(reported)
}

/// Builds and signs `call` for chain `pinned`, once the node has said it serves that chain
/// ([`checked_chain_id`]: a node of another chain gets nothing signed); the nonce comes from
/// `nonce` or the node.
pub fn prepare(
    client: &NodeClient,
    key: &SecretKey,
    call: Call,
    nonce: Option<u64>,
    pinned: &str,
) -> Result<Transaction, ClientError> {
    let chain_id = checked_chain_id(client, pinned)?;
    let nonce = match nonce {
        Some(n) => n,
        None => next_nonce(client, &AccountId::from_public_key(&key.public_key()))?,
    };
    Ok(sign(chain_id, key, nonce, call))
}

/// Like [`wait_for`], answering the node's last answer as JSON.
pub fn wait(
    client: &NodeClient,
    hash: &Hash,
    timeout: Duration,
    progress: impl FnMut(&TxState),
) -> Result<(Value, TxState), WaitError> {
    let (answer, state) = wait_for(client, hash, timeout, progress)?;
    let v = serde_json::to_value(&answer).map_err(|e| WaitError::Internal(format!("cannot show the answer: {e}")))?;
    Ok((v, state))
}

/// Asks the node about `hash` every [`POLL_INTERVAL`] until it is committed or rejected, calling
/// `progress` after each answer. Answers the node's last answer and its state.
pub fn wait_for(
    client: &NodeClient,
    hash: &Hash,
    timeout: Duration,
    mut progress: impl FnMut(&TxState),
) -> Result<(TxStatusResponse, TxState), WaitError> {
    // The determinism rule in clippy.toml is for runtime/contracts; a wallet deadline is wall time.
    #[allow(clippy::disallowed_methods)]
    let start = Instant::now();
    loop {
        let state = match client.tx_status(hash) {
            Ok(v) => {
                let state = TxState::from(&v);
                if state.is_final() {
                    progress(&state);
                    return Ok((v, state));
                }
                state
            }
            // A node that has just restarted forgets its mempool; keep asking until the timeout.
            Err(ClientError::Refused { code, .. }) if code == "not_found" => TxState::Pending,
            Err(e) => return Err(e.into()),
        };
        progress(&state);
        if start.elapsed() >= timeout {
            return Err(WaitError::Timeout { hash: *hash, status: state.name().to_string(), secs: timeout.as_secs() });
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use shulian_api::chain::Outcome;
    use shulian_runtime::call::SettlementCall;
    use shulian_runtime::{Fen, Height};

    #[test]
    fn signed_transfer_verifies_for_its_chain_only() {
        let key = SecretKey::from_bytes(&[3; 32]);
        let call = Call::Settlement(SettlementCall::Transfer { to: AccountId([1; 32]), amount: Fen(5) });
        let tx = sign("shulian-dev".into(), &key, 7, call);
        assert_eq!(tx.nonce, 7);
        assert_eq!(tx.account(), AccountId::from_public_key(&key.public_key()));
        assert!(tx.verify("shulian-dev").is_ok());
        assert!(tx.verify("other").is_err());
    }

    fn committed(status: OutcomeStatus, error: Option<ErrorDetail>, events: Vec<Event>) -> TxStatusResponse {
        TxStatusResponse::Committed {
            hash: Hash([9; 32]),
            height: Height(12),
            index: 1,
            outcome: Outcome { status, account: AccountId([1; 32]), error, events },
        }
    }

    #[test]
    fn committed_success_and_failure_are_parsed() {
        let transferred = Event::Transferred { from: AccountId([1; 32]), to: AccountId([2; 32]), amount: Fen(5) };
        let ok = committed(OutcomeStatus::Success, None, vec![transferred.clone()]);
        // Both from the typed answer and from its JSON.
        let state = TxState::parse(&serde_json::to_value(&ok).expect("json")).expect("parse");
        assert_eq!(state, TxState::from(&ok));
        assert_eq!(state, TxState::Committed { height: 12, index: 1, failure: None, events: vec![transferred] });
        assert_eq!(state.exit_code(), exit::SUCCESS);

        let error = ErrorDetail {
            code: "settlement.insufficient_balance".into(),
            message: "balance 10 fen is less than 50 fen".into(),
        };
        let state = TxState::from(&committed(OutcomeStatus::Failed, Some(error), vec![]));
        let TxState::Committed { failure: Some(refusal), .. } = &state else {
            panic!("expected a failure, got {state:?}")
        };
        assert_eq!(refusal.message, "balance 10 fen is less than 50 fen");
        assert_eq!(state.exit_code(), exit::OTHER);
    }

    #[test]
    fn pending_and_rejected_are_parsed() {
        let hash = Hash([4; 32]);
        assert_eq!(TxState::from(&TxStatusResponse::Pending { hash }), TxState::Pending);
        assert!(!TxState::Pending.is_final());
        let reason = ErrorDetail { code: "stale_nonce".into(), message: "stale".into() };
        let rejected = TxState::from(&TxStatusResponse::Rejected { hash, reason });
        assert_eq!(rejected, TxState::Rejected(Refusal { code: "stale_nonce".into(), message: "stale".into() }));
        assert_eq!(rejected.exit_code(), exit::REFUSED);
    }

    #[test]
    fn unknown_shapes_are_errors_not_panics() {
        assert!(TxState::parse(&json!({})).is_err());
        assert!(TxState::parse(&json!({"status":"committed"})).is_err());
        assert!(TxState::parse(&json!({"status":"committed","height":1,"outcome":{"status":"maybe"}})).is_err());
        assert!(TxState::parse(&json!({"status":"rejected"})).is_err());
    }
}
