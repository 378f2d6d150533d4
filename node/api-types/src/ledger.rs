//! Answers about the data-sharing ledger: organizations, data sets (with versions and lineage),
//! requests, grants (with receipts), proposals, the market, the event index and evidence.

use crate::records::{Dataset, DatasetVersion, Grant, Listing, Order, Organization, Proposal, Request};
use serde::{Deserialize, Serialize};
use shulian_runtime::block::VoteKind;
use shulian_runtime::call::ParentRef;
use shulian_runtime::crypto::PublicKey;
use shulian_runtime::events::{Event, Subject};
use shulian_runtime::evidence::SignedVote;
use shulian_runtime::{DatasetId, Fen, GrantId, Hash, Height};
use utoipa::{IntoParams, ToSchema};

/// `GET /api/org/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrgResponse {
    /// The organization.
    pub organization: Organization,
}

/// `GET /api/dataset/{id}`: the data set, its versions and its lineage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DatasetResponse {
    /// The current version.
    pub dataset: Dataset,
    /// The newest published versions (at most [`crate::routes::MAX_DETAIL_ITEMS`]), oldest
    /// first; `dataset.version` says how many there are.
    pub versions: Vec<DatasetVersion>,
    /// Data sets it was derived from, each with the grant its deriver held on it (at most
    /// [`crate::routes::MAX_DETAIL_ITEMS`]).
    pub parents: Vec<ParentRef>,
    /// Data sets derived from it (at most [`crate::routes::MAX_DETAIL_ITEMS`]).
    pub children: Vec<DatasetId>,
    /// Data sets it descends from, nearest first (at most [`crate::routes::MAX_DETAIL_ITEMS`]).
    pub ancestors: Vec<DatasetId>,
    /// Data sets that descend from it, nearest first (at most [`crate::routes::MAX_DETAIL_ITEMS`]).
    pub descendants: Vec<DatasetId>,
    /// Whether any of the lists above was cut at its cap (follow the lineage from the data sets
    /// shown for the rest).
    pub truncated: bool,
}

/// `GET /api/request/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RequestResponse {
    /// The request.
    pub request: Request,
    /// The id its grant has (or will have, once approved).
    pub grant_id: GrantId,
}

/// `GET /api/grant/{id}`: the grant, whether it can be used now, and its receipts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GrantResponse {
    /// The grant.
    pub grant: Grant,
    /// Whether a use would be accepted now (besides exhaustion and field scope).
    pub usable_now: bool,
    /// Why not, when not.
    pub unusable_reason: Option<String>,
    /// The head of its receipt chain (ADR 0004; all zeros before the first receipt): folding
    /// its receipts (`/api/grant/{id}/receipts`) with `next_receipt_head` must give this, or the
    /// list is not complete. Its state proof is `/api/proof/` of key `receipts/head/` ++ the id.
    pub receipts_head: Hash,
    /// The provider system's key that must countersign every use from now on (`grant
    /// require-countersignature`); absent: the grantee's signature alone records a use. Its state
    /// proof is `/api/proof/` of key `grants/countersigner/` ++ the id. Always present (`null`
    /// when none); a node older than the rule leaves it out.
    #[serde(default)]
    pub countersigner: Option<shulian_runtime::PublicKey>,
}

/// `GET /api/proposal/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProposalResponse {
    /// The proposal.
    pub proposal: Proposal,
}

/// `GET /api/listing/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ListingResponse {
    /// The listing.
    pub listing: Listing,
}

/// `GET /api/order/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderResponse {
    /// The order.
    pub order: Order,
}

/// `GET /api/market`: the fee rate and where the money is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MarketResponse {
    /// Exchange fee rate in basis points.
    pub fee_bps: u16,
    /// Money held in escrow for open orders.
    pub escrow: Fen,
    /// All money on the ledger (constant: money is conserved).
    pub total_supply: Fen,
}

/// Query of `GET /api/events`. At least one of `subject` and `type` is required; with both, the
/// subject's events of that type.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// `account:<id>` (or `org:<id>`), `dataset:<id>`, `grant:<id>`, `listing:<id>` or `order:<id>`.
    #[param(pattern = "^(account|org|dataset|grant|listing|order):[0-9a-f]{64}$")]
    #[schema(pattern = "^(account|org|dataset|grant|listing|order):[0-9a-f]{64}$")]
    pub subject: Option<String>,
    /// An event type: the snake_case name of an event kind, as in the `type` of an event's JSON
    /// (e.g. `grant_issued`).
    #[serde(rename = "type")]
    #[param(rename = "type", pattern = "^[a-z_]{1,40}$")]
    #[schema(pattern = "^[a-z_]{1,40}$")]
    pub kind: Option<String>,
    /// Start after this cursor (28 hex characters: the `next` of an earlier page, or the `id` of a
    /// streamed event).
    #[param(pattern = "^[0-9a-f]{28}$")]
    #[schema(pattern = "^[0-9a-f]{28}$")]
    pub after: Option<String>,
    /// Events per page (default 100, at most [`crate::routes::MAX_PAGE`]).
    pub limit: Option<usize>,
}

/// Query of `GET /api/events/stream`: the filters of [`EventsQuery`] and a resume cursor. A
/// `Last-Event-ID` header, when present, takes the place of `after` (a reconnecting browser sends
/// both, and the header is the newer).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventStreamQuery {
    /// As [`EventsQuery::subject`].
    #[param(pattern = "^(account|org|dataset|grant|listing|order):[0-9a-f]{64}$")]
    #[schema(pattern = "^(account|org|dataset|grant|listing|order):[0-9a-f]{64}$")]
    pub subject: Option<String>,
    /// As [`EventsQuery::kind`].
    #[serde(rename = "type")]
    #[param(rename = "type", pattern = "^[a-z_]{1,40}$")]
    #[schema(pattern = "^[a-z_]{1,40}$")]
    pub kind: Option<String>,
    /// Stream the events after this cursor (28 hex characters); from the first event if absent.
    #[param(pattern = "^[0-9a-f]{28}$")]
    #[schema(pattern = "^[0-9a-f]{28}$")]
    pub after: Option<String>,
}

/// One indexed event with where it happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventRecord {
    /// Block height.
    pub height: Height,
    /// Transaction position in the block.
    pub tx_index: u32,
    /// Transaction hash (the proof of where this came from).
    pub tx_hash: Hash,
    /// Event position within the transaction.
    pub event_index: u16,
    /// The event.
    pub event: Event,
}

/// `GET /api/events`: one page of events, oldest first. Each event of `GET /api/events/stream` is
/// one [`EventRecord`] (`data:`) with its cursor (`id:`) and type (`event:`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventsPage {
    /// The subject asked for, null if none was.
    pub subject: Option<Subject>,
    /// The event type asked for, null if none was.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The events of this page. With both a subject and a type the page may hold fewer than
    /// `limit` events (even none) and still have a `next`.
    pub events: Vec<EventRecord>,
    /// Cursor of the next page (`after=`); null at the end of the history so far.
    pub next: Option<String>,
}

/// Query of `GET /api/evidence`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvidenceQuery {
    /// Cursor: the `next` of the previous page.
    #[param(pattern = "^([0-9a-f]{2})*$")]
    #[schema(pattern = "^([0-9a-f]{2})*$")]
    pub cursor: Option<String>,
    /// Items per page (default 100, at most [`crate::routes::MAX_PAGE`]).
    pub limit: Option<usize>,
}

/// `GET /api/evidence`: equivocation evidence recorded on chain, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EvidencePage {
    /// The items.
    pub items: Vec<EvidenceItem>,
    /// Cursor of the next page, if the page was full.
    pub next: Option<String>,
}

/// One proven equivocation: a validator's two conflicting votes and where it was recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EvidenceItem {
    /// Height of the conflicting votes.
    pub height: Height,
    /// Their round.
    pub round: u32,
    /// Their step.
    pub kind: VoteKind,
    /// The validator's consensus key.
    pub validator: PublicKey,
    /// The first vote.
    pub vote_a: Option<SignedVote>,
    /// The conflicting vote.
    pub vote_b: Option<SignedVote>,
    /// Height of the block that recorded it.
    pub recorded_at_height: Height,
    /// The recording transaction.
    pub tx_hash: Hash,
}
