//! The life of a transaction as the wallet sees it: build and sign a call, submit it, follow it
//! until it is committed or rejected. Every call subcommand goes through these functions.

use crate::client::{ClientError, NodeClient};
use crate::error::{CliError, exit};
use serde_json::Value;
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

/// Where a transaction is, as parsed from `GET /api/tx/{hash}`.
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
        /// Events of a successful call, as the node's JSON.
        events: Vec<Value>,
    },
    /// Refused at submission; it will never be in a block.
    Rejected(Refusal),
}

impl TxState {
    /// Parses the node's answer for one transaction.
    pub fn parse(v: &Value) -> Result<TxState, String> {
        match v.get("status").and_then(Value::as_str) {
            Some("pending") => Ok(TxState::Pending),
            Some("rejected") => Ok(TxState::Rejected(refusal(v.get("reason")).ok_or("rejected without a reason")?)),
            Some("committed") => {
                let height = v.get("height").and_then(Value::as_u64).ok_or("committed without a height")?;
                let index = v.get("index").and_then(Value::as_u64).unwrap_or(0);
                let outcome = v.get("outcome").ok_or("committed without an outcome")?;
                let failure = match outcome.get("status").and_then(Value::as_str) {
                    Some("success") => None,
                    Some("failed") => Some(refusal(outcome.get("error")).unwrap_or_else(|| Refusal {
                        code: "unknown".into(),
                        message: "the call failed without an explanation".into(),
                    })),
                    other => return Err(format!("unknown outcome status {other:?}")),
                };
                let events = outcome.get("events").and_then(Value::as_array).cloned().unwrap_or_default();
                Ok(TxState::Committed { height, index, failure, events })
            }
            other => Err(format!("unknown transaction status {other:?}")),
        }
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

fn refusal(v: Option<&Value>) -> Option<Refusal> {
    let v = v?;
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    Some(Refusal { code: text("code").unwrap_or_else(|| "unknown".into()), message: text("message")? })
}

/// Signs `call` from `key`'s account for `chain_id` with `nonce`.
pub fn sign(chain_id: String, key: &SecretKey, nonce: u64, call: Call) -> Transaction {
    UnsignedTransaction { chain_id, sender: key.public_key(), nonce, call }.sign(key)
}

/// The chain id the node serves, from `GET /api/status`.
pub fn chain_id(client: &NodeClient) -> Result<String, ClientError> {
    let status = client.status()?;
    status.get("chain_id").and_then(Value::as_str).map(str::to_string).ok_or_else(|| ClientError::BadResponse {
        url: client.url().to_string(),
        reason: "status has no chain_id".into(),
    })
}

/// The account's next nonce, counting its transactions pending at the node.
pub fn next_nonce(client: &NodeClient, account: &AccountId) -> Result<u64, ClientError> {
    client.account(account)?.get("nonce").and_then(Value::as_u64).ok_or_else(|| ClientError::BadResponse {
        url: client.url().to_string(),
        reason: format!("account {account} has no nonce"),
    })
}

/// Builds and signs `call`: the chain id comes from the node, the nonce from `nonce` or the node.
pub fn prepare(
    client: &NodeClient,
    key: &SecretKey,
    call: Call,
    nonce: Option<u64>,
) -> Result<Transaction, ClientError> {
    let chain_id = chain_id(client)?;
    let nonce = match nonce {
        Some(n) => n,
        None => next_nonce(client, &AccountId::from_public_key(&key.public_key()))?,
    };
    Ok(sign(chain_id, key, nonce, call))
}

/// Asks the node about `hash` every [`POLL_INTERVAL`] until it is committed or rejected, calling
/// `progress` after each answer. Answers the node's last JSON and its parsed state.
pub fn wait(
    client: &NodeClient,
    hash: &Hash,
    timeout: Duration,
    mut progress: impl FnMut(&TxState),
) -> Result<(Value, TxState), CliError> {
    // The determinism rule in clippy.toml is for runtime/contracts; a wallet deadline is wall time.
    #[allow(clippy::disallowed_methods)]
    let start = Instant::now();
    loop {
        let state = match client.tx(hash) {
            Ok(v) => {
                let state = TxState::parse(&v)
                    .map_err(|reason| ClientError::BadResponse { url: client.url().to_string(), reason })?;
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
            return Err(CliError::WaitTimeout {
                hash: *hash,
                status: state.name().to_string(),
                secs: timeout.as_secs(),
            });
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use shulian_runtime::Fen;
    use shulian_runtime::call::SettlementCall;

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

    #[test]
    fn committed_success_and_failure_are_parsed() {
        let ok = json!({"hash":"h","status":"committed","height":12,"index":1,
            "outcome":{"status":"success","error":null,"events":[{"type":"transferred"}]}});
        let state = TxState::parse(&ok).expect("parse");
        assert_eq!(
            state,
            TxState::Committed { height: 12, index: 1, failure: None, events: vec![json!({"type":"transferred"})] }
        );
        assert_eq!(state.exit_code(), exit::SUCCESS);

        let failed = json!({"status":"committed","height":3,"index":0,"outcome":{"status":"failed",
            "error":{"code":"settlement.insufficient_balance","message":"balance 10 fen is less than 50 fen"},"events":[]}});
        let state = TxState::parse(&failed).expect("parse");
        let TxState::Committed { failure: Some(refusal), .. } = &state else {
            panic!("expected a failure, got {state:?}")
        };
        assert_eq!(refusal.message, "balance 10 fen is less than 50 fen");
        assert_eq!(state.exit_code(), exit::OTHER);
    }

    #[test]
    fn pending_and_rejected_are_parsed() {
        assert_eq!(TxState::parse(&json!({"status":"pending"})), Ok(TxState::Pending));
        assert!(!TxState::Pending.is_final());
        let rejected = TxState::parse(&json!({"status":"rejected","reason":{"code":"stale_nonce","message":"stale"}}))
            .expect("parse");
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
