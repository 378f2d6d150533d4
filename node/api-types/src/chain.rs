//! Chain-level answers: status, submission, transactions, blocks, accounts and state proofs.

use crate::error::ErrorDetail;
use crate::records::Organization;
use serde::{Deserialize, Serialize};
use shulian_runtime::block::{BlockHeader, CommitCertificate, CommitSig, Validator, ValidatorSet};
use shulian_runtime::call::Call;
use shulian_runtime::crypto::PublicKey;
use shulian_runtime::events::Event;
use shulian_runtime::smt::Proof;
use shulian_runtime::{AccountId, Fen, Hash, Height};
use utoipa::{IntoParams, ToSchema};

/// `GET /api/status`: where the chain is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StatusResponse {
    /// The chain's id (transactions signed for another chain are refused).
    pub chain_id: String,
    /// The chain's crypto suite, from its genesis: `ed25519-blake3` or `sm2-sm3` (absent from
    /// nodes older than suites: the default).
    #[serde(default)]
    pub crypto: shulian_runtime::suite::CryptoSuite,
    /// Hash of the genesis document.
    pub genesis_hash: Hash,
    /// Height of the last committed block (0 before the first).
    pub height: Height,
    /// Hash of the last committed block.
    pub last_block_hash: Hash,
    /// State root after the last committed block.
    pub state_root: Hash,
    /// Ledger time of the last committed block, ms since the Unix epoch.
    pub last_block_time_ms: u64,
    /// Transactions waiting in this node's mempool.
    pub mempool_txs: u64,
    /// The validators, in genesis order.
    pub validators: Vec<Validator>,
    /// Bytes free on the file system of this node's database, at its last check (every 30 s);
    /// absent before the first check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_free_bytes: Option<u64>,
    /// Whether `disk_free_bytes` is below the node's `min_free_disk_bytes` (config.toml): add disk
    /// space before the node stops committing.
    #[serde(default)]
    pub disk_low: bool,
    /// This node's role: `validator` if its key is in the genesis validator set, else `observer`;
    /// absent from nodes before this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<NodeRole>,
    /// Whether this node keeps up (rules in docs/api.md, "Health and readiness"); absent from
    /// nodes before this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync: Option<SyncState>,
    /// Peers connected now; absent from nodes before this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peers: Option<PeersStatus>,
    /// The highest head a connected peer announced in the last 10 s (signed announcements);
    /// absent when no peer announced one (a dev chain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_peer_height: Option<Height>,
    /// The node's version (its crate version); absent from nodes before this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The lowest height whose block (transactions, outcomes) this node holds: 1 on a node with
    /// the whole history; higher on a node started from a state snapshot or pruning old bodies
    /// (it still holds every header and certificate since genesis). Absent from nodes before
    /// this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest_block_height: Option<Height>,
    /// Whether blocks below `earliest_block_height` are missing here (`block_not_held`).
    #[serde(default)]
    pub pruned: bool,
}

/// A node's role in the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NodeRole {
    /// Its key is in the genesis validator set: it votes.
    Validator,
    /// It follows the chain without voting.
    Observer,
}

/// Whether a node keeps up with the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// A peer announced a head more than a few blocks above this node's: it is fetching blocks.
    CatchingUp,
    /// Within a few blocks of the best announced head, and blocks keep coming.
    Following,
    /// No new block for several empty-block intervals: consensus is not deciding.
    Stalled,
}

/// Peers connected to a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PeersStatus {
    /// Peers connected now (validators and observers).
    pub connected: u32,
    /// Genesis validators among them.
    pub validators: u32,
}

/// `GET /health` answer (200): the process answers and its store reads its head.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HealthResponse {
    /// Always `ok` in a 200 answer (a failed store read is a 503 error answer, code `unavailable`).
    pub status: String,
}

/// Why a node is not ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotReadyReason {
    /// Connected validators (with this node if it is one) hold 2/3 of the voting power or less.
    NoQuorum,
    /// A peer announced a head more than a few blocks above this node's, or, on a network, no
    /// peer's head has been heard yet (the node cannot know it is caught up).
    CatchingUp,
}

/// `GET /ready` answer: 200 with `ready: true` when caught up, 503 with `ready: false` and the
/// reason otherwise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReadyResponse {
    /// Whether the node is caught up and has a quorum connected.
    pub ready: bool,
    /// Why not, when not ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<NotReadyReason>,
    /// This node's height.
    pub height: Height,
    /// The highest head a peer announced, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_peer_height: Option<Height>,
    /// Voting power of the connected validators, with this node's own.
    pub power_connected: u64,
    /// Total voting power.
    pub total_power: u64,
}

/// `POST /api/tx` body: one borsh-encoded signed transaction, hex.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SubmitRequest {
    /// The transaction's borsh bytes, hex.
    pub tx: String,
}

/// `POST /api/tx` answer (202): the transaction was admitted to the mempool.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SubmitResponse {
    /// The transaction's hash (`GET /api/tx/{hash}` follows it).
    pub hash: Hash,
}

/// `POST /api/txs` body: up to [`crate::routes::MAX_BATCH_TXS`] transactions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SubmitBatchRequest {
    /// Each transaction's borsh bytes, hex, admitted in this order.
    pub txs: Vec<String>,
}

/// `POST /api/txs` answer: one result per transaction, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SubmitBatchResponse {
    /// One per submitted transaction.
    pub results: Vec<SubmitResult>,
}

/// The result of one transaction of a batch: admitted (its hash) or refused (why).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum SubmitResult {
    /// Admitted.
    Admitted {
        /// Its hash.
        hash: Hash,
    },
    /// Refused, with the code and message `POST /api/tx` would have answered.
    Refused {
        /// Why.
        error: ErrorDetail,
    },
}

/// `GET /api/tx/{hash}`: committed (with its outcome), pending, or rejected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum TxStatusResponse {
    /// In a block.
    Committed {
        /// The transaction.
        hash: Hash,
        /// Block height.
        height: Height,
        /// Position in the block.
        index: u32,
        /// What it did.
        outcome: Outcome,
    },
    /// In this node's mempool.
    Pending {
        /// The transaction.
        hash: Hash,
    },
    /// Admitted once, then dropped before any block took it (e.g. its nonce went stale).
    Rejected {
        /// The transaction.
        hash: Hash,
        /// Why.
        reason: ErrorDetail,
    },
}

/// Whether a committed transaction's call succeeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeStatus {
    /// The call's effects were applied.
    Success,
    /// The contract refused the call: no effect but the nonce.
    Failed,
}

/// The recorded outcome of a committed transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Outcome {
    /// Success or failure.
    pub status: OutcomeStatus,
    /// The organization the sender's key signs for.
    pub account: AccountId,
    /// The contract's refusal, when failed.
    pub error: Option<ErrorDetail>,
    /// Events it emitted (none when failed).
    pub events: Vec<Event>,
}

/// `GET /api/block/{height}`: a block with its certificate and outcomes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BlockResponse {
    /// The block hash.
    pub hash: Hash,
    /// The header.
    pub header: BlockHeader,
    /// The commit certificate (absent only for a block whose certificate this node lacks).
    pub certificate: Option<CommitCertificate>,
    /// The transactions, in order.
    pub txs: Vec<BlockTx>,
}

/// `GET /api/tx/{hash}/proof`: the proof that a committed transaction's outcome (and each of its
/// events: a usage receipt, a delivery) is in a final block (ADR 0004). Check it by hashing
/// `outcome_bytes` under `shulian/outcome/v1`, following `path` to `header.outcomes_root`, and
/// checking `certificate` against `header` and the genesis validators
/// (`runtime::outcome_proof::OutcomeProof::verify`; the explorer's `lib/verify.js`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OutcomeProofResponse {
    /// The transaction.
    pub tx_hash: Hash,
    /// Its block's height.
    pub height: Height,
    /// The borsh encoding of its outcome, hex: what `outcomes_root` commits to.
    pub outcome_bytes: String,
    /// The same outcome, decoded by the node (for display; trust the bytes).
    pub outcome: Outcome,
    /// The outcome's Merkle path to `header.outcomes_root` (its `index` is the transaction's).
    pub path: shulian_runtime::merkle::ListProof,
    /// The block's header.
    pub header: BlockHeader,
    /// The block's commit certificate.
    pub certificate: CommitCertificate,
}

/// `GET /api/block/{height}/raw`: the bytes a block's roots commit to, so a client can hash them
/// itself instead of trusting the JSON of [`BlockResponse`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RawBlockResponse {
    /// The block's height.
    pub height: Height,
    /// Each transaction's borsh bytes, hex, in block order (hashed with `shulian/txhash/v1`, the
    /// leaves of `tx_root`).
    pub txs: Vec<String>,
    /// Each outcome's borsh bytes (`TxOutcome`), hex, in block order (hashed with
    /// `shulian/outcome/v1`, the leaves of `outcomes_root`).
    pub outcomes: Vec<String>,
}

/// One transaction of a block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BlockTx {
    /// Its hash.
    pub hash: Hash,
    /// The signing key.
    pub sender: PublicKey,
    /// The organization the key signs for.
    pub account: Option<AccountId>,
    /// The sender's nonce.
    pub nonce: u64,
    /// The call.
    pub call: Call,
    /// The call's name (`catalog.register_dataset`, ...).
    pub call_name: String,
    /// What it did.
    pub outcome: Option<Outcome>,
}

/// Query of `GET /api/blocks`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BlocksQuery {
    /// Only blocks below this height.
    pub before: Option<u64>,
    /// Blocks per page (default 20, at most [`crate::routes::MAX_BLOCKS`]).
    pub limit: Option<u64>,
}

/// `GET /api/blocks`: block summaries, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BlocksPage {
    /// The blocks.
    pub blocks: Vec<BlockSummary>,
    /// `before=` of the next page, if there are older blocks.
    pub next: Option<String>,
}

/// One block in the block list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BlockSummary {
    /// Height.
    pub height: u64,
    /// Block hash.
    pub hash: Hash,
    /// Ledger time, ms since the Unix epoch.
    pub timestamp_ms: u64,
    /// The proposer's key.
    pub proposer: PublicKey,
    /// Number of transactions.
    pub txs: u64,
    /// Round it was committed in.
    pub round: Option<u32>,
    /// Who signed its certificate.
    pub signatures: Vec<CommitSig>,
}

/// `GET /api/account/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AccountResponse {
    /// The account.
    pub account: AccountId,
    /// The next nonce to sign with (counting this node's pending transactions).
    pub nonce: u64,
    /// Settlement balance.
    pub balance: Fen,
    /// The organization, if the account is one.
    pub organization: Option<Organization>,
}

/// `GET /api/proof/{key}`: a state entry and the proof that it is under the state root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProofResponse {
    /// The key, hex.
    pub key: String,
    /// The value's bytes, hex.
    pub value: String,
    /// Height whose state root the proof is against.
    pub height: Height,
    /// That state root.
    pub state_root: Hash,
    /// That block's hash.
    pub block_hash: Hash,
    /// Sibling hashes.
    pub proof: Proof,
}

/// Query of `GET /api/validator-sets`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ValidatorSetsQuery {
    /// Only changes announced by headers above this height (the `next` of the previous page).
    pub after: Option<u64>,
    /// Changes per page (default and at most [`crate::routes::MAX_SET_CHANGES`]).
    pub limit: Option<u64>,
}

/// One header that names a new validator set for the block after it, with the certificate that
/// makes it final (signed by the set in force before the change) and the set it names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ValidatorSetChange {
    /// The header's height; the set signs from `height + 1`.
    pub height: Height,
    /// The header; its `next_validators_hash` is the hash of `validators`.
    pub header: BlockHeader,
    /// The header's commit certificate.
    pub certificate: CommitCertificate,
    /// The set that signs from `height + 1`.
    pub validators: ValidatorSet,
}

/// `GET /api/validator-sets`: every change of the validator set since genesis, in height order
/// (docs/consensus.md, "Certificates across set changes"). Starting from the genesis validators, a
/// verifier checks each change's certificate with the set in force, then the set's hash against
/// the header, and so knows the set that signs any block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ValidatorSetsPage {
    /// The changes, oldest first.
    pub changes: Vec<ValidatorSetChange>,
    /// `after=` of the next page, if there may be more.
    pub next: Option<u64>,
}
