//! Ledger records as the API shows them: organizations, data sets, requests, grants, receipts,
//! proposals, listings and orders. They mirror the contracts' stored records field for field (the
//! node converts through their JSON, so a drift between the two fails the node's conversion test
//! instead of reaching a client).

use serde::{Deserialize, Serialize};
use shulian_runtime::call::{Classification, Product, ProposalAction, Ruling, SharingAttribute, Validity};
use shulian_runtime::crypto::PublicKey;
use shulian_runtime::genesis::Role;
use shulian_runtime::{AccountId, DatasetId, Fen, GrantId, Hash, Height, ListingId, OrderId, ProposalId, RequestId};
use utoipa::ToSchema;

/// An organization: a department, the exchange center, a trader company or a regulator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Organization {
    /// Its account id.
    pub id: AccountId,
    /// Human name.
    pub name: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Keys that may sign for it.
    pub keys: Vec<PublicKey>,
    /// A suspended organization can make no call, and grants it gives or holds cannot be used.
    pub suspended: bool,
}

/// A catalog entry (its current version).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Dataset {
    /// Its id.
    pub id: DatasetId,
    /// The department that owns it.
    pub owner: AccountId,
    /// Human name.
    pub name: String,
    /// Subject category.
    pub category: String,
    /// Classification level.
    pub classification: Classification,
    /// Sharing attribute.
    pub sharing: SharingAttribute,
    /// How often it is updated.
    pub update_frequency: String,
    /// Current version, from 1.
    pub version: u32,
    /// blake3 of the current metadata document.
    pub metadata_hash: Hash,
    /// blake3 of the current schema document.
    pub schema_hash: Hash,
    /// Current field names.
    pub fields: Vec<String>,
    /// Retired by its owner.
    pub retired: bool,
    /// On the negative list, with the reason.
    pub negative_listed: Option<String>,
    /// Height at which it was registered.
    pub registered_at: Height,
}

/// One published version of a data set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DatasetVersion {
    /// Version number.
    pub version: u32,
    /// blake3 of the metadata document.
    pub metadata_hash: Hash,
    /// blake3 of the schema document.
    pub schema_hash: Hash,
    /// Field names.
    pub fields: Vec<String>,
    /// Height at which it was published.
    pub height: Height,
    /// The publishing transaction.
    pub tx_hash: Hash,
}

/// Where a request stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for the owner's approval and/or a regulator's co-approval.
    Pending,
    /// Answered by a grant.
    Granted {
        /// The grant.
        grant: GrantId,
    },
    /// Rejected by the owner.
    Rejected {
        /// Why.
        reason: String,
    },
}

/// A request to use a data set: one entry of the demand list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Request {
    /// Its id.
    pub id: RequestId,
    /// The data set.
    pub dataset: DatasetId,
    /// Who asks.
    pub requester: AccountId,
    /// The data set's owner, who approves.
    pub owner: AccountId,
    /// What for.
    pub purpose: String,
    /// Fields wanted.
    pub fields: Vec<String>,
    /// Validity window of the grant to be issued.
    pub validity: Validity,
    /// Uses the grant will allow.
    pub max_uses: u64,
    /// Whether the owner has approved.
    pub owner_approved: bool,
    /// Whether a regulator must co-approve (core data).
    pub needs_co_approval: bool,
    /// The regulator that co-approved, if any.
    pub co_approved_by: Option<AccountId>,
    /// Where it stands.
    pub status: RequestStatus,
    /// Height at which it was filed.
    pub filed_at: Height,
}

/// Why and when a grant was revoked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Revocation {
    /// Height of revocation.
    pub height: Height,
    /// Why.
    pub reason: String,
}

/// An authorization: `grantee` may use `fields` of a data set within `validity`, at most
/// `max_uses` times.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Grant {
    /// Its id.
    pub id: GrantId,
    /// The request it answers.
    pub request: RequestId,
    /// The data set's owner.
    pub grantor: AccountId,
    /// Who may use the data.
    pub grantee: AccountId,
    /// The data set.
    pub dataset: DatasetId,
    /// The data set's version when the grant was issued.
    pub dataset_version: u32,
    /// What for.
    pub purpose: String,
    /// The fields that may be used.
    pub fields: Vec<String>,
    /// When it may be used.
    pub validity: Validity,
    /// How many uses it allows.
    pub max_uses: u64,
    /// Uses recorded so far.
    pub uses: u64,
    /// Set once the grantor revokes it.
    pub revoked: Option<Revocation>,
    /// Height at which it was issued.
    pub issued_at: Height,
}

/// One recorded use of data under a grant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Receipt {
    /// The grant.
    pub grant: GrantId,
    /// Sequence number under the grant, from 1.
    pub seq: u64,
    /// Who used the data.
    pub grantee: AccountId,
    /// The data set.
    pub dataset: DatasetId,
    /// blake3 of the query.
    pub query_hash: Hash,
    /// blake3 of the result.
    pub result_hash: Hash,
    /// Rows returned.
    pub row_count: u64,
    /// Fields the query read.
    pub fields_used: Vec<String>,
    /// Height of the recording block.
    pub height: Height,
    /// The recording transaction.
    pub tx_hash: Hash,
}

/// Where a proposal stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ProposalStatus {
    /// Taking votes.
    Open,
    /// Passed; its action was carried out at `height`.
    Executed {
        /// When.
        height: Height,
    },
    /// Could no longer pass, as of `height`.
    Rejected {
        /// When.
        height: Height,
    },
}

/// One organization's vote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Ballot {
    /// The voter.
    pub voter: AccountId,
    /// For or against.
    pub approve: bool,
}

/// A governance proposal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Proposal {
    /// Its id.
    pub id: ProposalId,
    /// Who proposed it.
    pub proposer: AccountId,
    /// What it does.
    pub action: ProposalAction,
    /// Who may vote.
    pub electorate: Vec<AccountId>,
    /// Votes cast, in order.
    pub votes: Vec<Ballot>,
    /// Where it stands.
    pub status: ProposalStatus,
    /// Height at which it opened.
    pub created_at: Height,
}

/// Where a listing stands in review.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ListingStatus {
    /// Waiting for the exchange center's compliance review.
    PendingReview,
    /// On the market (unless frozen).
    Approved,
    /// Refused by the review.
    Rejected {
        /// Why.
        reason: String,
    },
    /// Taken off the market by the seller.
    Withdrawn,
}

/// A data product offered on the exchange.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Listing {
    /// Its id.
    pub id: ListingId,
    /// The seller.
    pub seller: AccountId,
    /// What is sold.
    pub product: Product,
    /// Price in fen; the buyer pays the fee on top.
    pub price: Fen,
    /// blake3 of the licence terms.
    pub licence_terms_hash: Hash,
    /// How delivery happens off chain.
    pub delivery_method: String,
    /// Purpose of the grant a paid order issues.
    pub purpose: String,
    /// Validity of that grant.
    pub validity: Validity,
    /// Fields sold.
    pub fields: Vec<String>,
    /// Uses that grant allows.
    pub max_uses: u64,
    /// From an order's placement, how long the seller has to deliver (ms of ledger time).
    pub delivery_window_ms: u64,
    /// From delivery, how long the buyer has to accept or dispute (ms of ledger time).
    pub acceptance_window_ms: u64,
    /// Review status.
    pub status: ListingStatus,
    /// A regulator's freeze, with its reason: no orders while set.
    pub frozen: Option<String>,
    /// The exchange center that approved it; it clears the listing's orders and earns their fees.
    pub reviewed_by: Option<AccountId>,
    /// Height of submission.
    pub submitted_at: Height,
}

/// Where an order stands. `accepted`, `claimed`, `arbitrated` and `cancelled` are final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Paid into escrow, waiting for delivery.
    Placed,
    /// Delivered, waiting for the buyer.
    Delivered,
    /// The buyer accepted; the seller was paid.
    Accepted,
    /// The buyer disputed; waiting for the exchange center.
    Disputed,
    /// The seller claimed after the acceptance window passed.
    Claimed,
    /// The exchange center ruled.
    Arbitrated,
    /// The buyer cancelled an undelivered order and was refunded.
    Cancelled,
}

impl OrderStatus {
    /// The status's name as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Placed => "placed",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Accepted => "accepted",
            OrderStatus::Disputed => "disputed",
            OrderStatus::Claimed => "claimed",
            OrderStatus::Arbitrated => "arbitrated",
            OrderStatus::Cancelled => "cancelled",
        }
    }
}

/// A purchase of a listing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Order {
    /// Its id.
    pub id: OrderId,
    /// The listing.
    pub listing: ListingId,
    /// The buyer.
    pub buyer: AccountId,
    /// The seller.
    pub seller: AccountId,
    /// The catalog data set sold, if any.
    pub dataset: Option<DatasetId>,
    /// Price at placement.
    pub price: Fen,
    /// Exchange fee at placement.
    pub fee: Fen,
    /// The exchange center that receives the fee.
    pub exchange: AccountId,
    /// Current status.
    pub status: OrderStatus,
    /// Height of placement.
    pub placed_at: Height,
    /// Ledger time of placement, ms.
    pub placed_at_ms: u64,
    /// The listing's acceptance window at placement, ms.
    pub acceptance_window_ms: u64,
    /// First ledger time (ms) at which delivery can no longer be confirmed (the buyer may cancel).
    pub delivery_deadline_ms: u64,
    /// blake3 of what was delivered.
    pub delivery_hash: Option<Hash>,
    /// First ledger time (ms) at which the buyer can no longer dispute (the seller may claim).
    pub acceptance_deadline_ms: Option<u64>,
    /// The buyer's dispute reason.
    pub dispute: Option<String>,
    /// The exchange center's ruling.
    pub ruling: Option<Ruling>,
    /// The grant issued to the buyer when paid.
    pub grant: Option<GrantId>,
    /// Every status the order has had, with the height it was entered, oldest first: pairs of
    /// `[height, status]`.
    pub history: Vec<(Height, OrderStatus)>,
}
