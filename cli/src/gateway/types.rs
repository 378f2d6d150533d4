//! Every JSON shape of the signing gateway's own API (`docs/wallet.md`, "Signing gateway"): the
//! request bodies of its routes, its answers, its errors and the line it logs per signed
//! transaction. The node's own JSON (a transaction's outcome) is passed through as it is.
//!
//! Request bodies refuse unknown fields, so a misspelt `wait` or `fields_used` is an error instead
//! of a silently different call.

use serde::{Deserialize, Serialize};
use shulian_api::chain::Outcome;
use shulian_runtime::{AccountId, Call, DatasetId, GrantId, Hash, OrderId, RequestId};

/// `POST /v1/receipt`: record one use of data under a grant (`receipts.record`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptRequest {
    /// The grant the data was used under.
    pub grant: GrantId,
    /// blake3 of the query run (64 hex characters).
    pub query_hash: Hash,
    /// blake3 of the result returned.
    pub result_hash: Hash,
    /// Number of rows returned.
    pub row_count: u64,
    /// The fields the query read; all within the grant's scope.
    pub fields_used: Vec<String>,
    /// Answer only once the transaction is committed (or the wait times out).
    #[serde(default)]
    pub wait: bool,
    /// Longest wait with `wait`, in seconds [default: 30].
    #[serde(default)]
    pub timeout_secs: Option<u64>,
}

/// `POST /v1/request`: ask for a grant on a data set (`grants.request`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantRequestRequest {
    /// The data set.
    pub dataset: DatasetId,
    /// What the data will be used for.
    pub purpose: String,
    /// The fields wanted: a non-empty subset of the data set's fields.
    pub fields: Vec<String>,
    /// Start of the validity window in ledger time, ms since the Unix epoch [default: usable at once].
    #[serde(default)]
    pub valid_from_ms: Option<u64>,
    /// End of the validity window (exclusive) in ledger time, ms since the Unix epoch.
    pub valid_until_ms: u64,
    /// How many uses (receipts) the grant allows; more than zero.
    pub max_uses: u64,
    /// Answer only once the transaction is committed (its events then name the request and grant).
    #[serde(default)]
    pub wait: bool,
    /// Longest wait with `wait`, in seconds [default: 30].
    #[serde(default)]
    pub timeout_secs: Option<u64>,
}

/// `POST /v1/approve`: the data set's owner approves a pending request (`grants.approve`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    /// The request.
    pub request: RequestId,
    /// Answer only once the transaction is committed (its events then name the grant).
    #[serde(default)]
    pub wait: bool,
    /// Longest wait with `wait`, in seconds [default: 30].
    #[serde(default)]
    pub timeout_secs: Option<u64>,
}

/// `POST /v1/deliver`: the seller records the delivery of an order (`market.confirm_delivery`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliverRequest {
    /// The order.
    pub order: OrderId,
    /// blake3 of what was delivered off chain.
    pub delivery_hash: Hash,
    /// Answer only once the transaction is committed.
    #[serde(default)]
    pub wait: bool,
    /// Longest wait with `wait`, in seconds [default: 30].
    #[serde(default)]
    pub timeout_secs: Option<u64>,
}

/// `POST /v1/call`: any call, in the JSON form of the wallet's tx files
/// (`{"contract": "settlement", "call": {"transfer": {"to": "…", "amount": 5}}}`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallRequest {
    /// The call.
    pub call: Call,
    /// Answer only once the transaction is committed.
    #[serde(default)]
    pub wait: bool,
    /// Longest wait with `wait`, in seconds [default: 30].
    #[serde(default)]
    pub timeout_secs: Option<u64>,
}

/// The query string every signing route accepts: `?wait=true` is the same as `"wait": true`.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitQuery {
    /// Wait for commitment.
    #[serde(default)]
    pub wait: Option<bool>,
}

/// Where a signed transaction is when the gateway answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignedStatus {
    /// Admitted to the node's mempool; not yet in a block (the answer without `wait`).
    Pending,
    /// In a block; `outcome` says whether its call succeeded or failed (a failed call still used
    /// its nonce).
    Committed,
}

/// The answer of every signing route (HTTP 200).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignedAnswer {
    /// The transaction hash, as `/api/tx/{hash}` and `shulian tx show` know it.
    pub hash: Hash,
    /// The nonce it uses.
    pub nonce: u64,
    /// The signing account.
    pub account: AccountId,
    /// The call's name, e.g. `receipts.record`.
    pub call: String,
    /// Pending, or committed (with `wait`).
    pub status: SignedStatus,
    /// With `committed`: the block height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u64>,
    /// With `committed`: the node's outcome (`shulian_api::chain::Outcome`: status, account, error,
    /// events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
}

/// `GET /v1/status`: the gateway's key and its nonces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusAnswer {
    /// The keystore name of the signing key.
    pub key: String,
    /// Its account.
    pub account: AccountId,
    /// The node the gateway submits to.
    pub node: String,
    /// The chain the transactions are signed for.
    pub chain_id: String,
    /// Every nonce below this one is known to be committed.
    pub committed_nonce: u64,
    /// The nonce the next signed call gets.
    pub next_nonce: u64,
    /// Signed transactions not yet known to be committed (`next_nonce - committed_nonce`).
    pub unconfirmed: u64,
    /// Of those, the ones not yet admitted by the node.
    pub unadmitted: u64,
    /// Most unconfirmed transactions held; a call beyond it is answered 503 `queue_full`.
    pub max_queue: u64,
}

/// Every error answer: `{"error": {"code", "message", ...}}`, like the node's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorAnswer {
    /// The error.
    pub error: ErrorDetail,
}

/// One error: a stable code, plain words, and the transaction it concerns if one was signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable code: `unauthorized` (401), `malformed` (400), `too_large` (413), `not_found`
    /// (404), `method_not_allowed` (405), `queue_full` (503), `shutting_down` (503),
    /// `nonce_taken` (409: another signer used the nonce), `wait_timeout` (504), `node` (502:
    /// the node failed while waiting), or the node's own refusal code (422, e.g. `bad_signature`,
    /// `key_revoked`).
    pub code: String,
    /// Plain words.
    pub message: String,
    /// The transaction concerned, when one was signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<Hash>,
    /// Its nonce (after a refusal, the nonce is handed to the next call: see the nonce rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<u64>,
}

pub use shulian_client::nonces::SignedLine;
