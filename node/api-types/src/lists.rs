//! The lists people work from (issue 19): the catalog, a department's inbox (requests awaiting its
//! decision, core-data requests awaiting a regulator's co-approval, orders awaiting its delivery),
//! a grantee's grants and a grant's receipts, the market's listings and a trader's orders, an
//! organization's statement, and the regulator's negative list and suspended organizations.
//!
//! Every list answers a [`crate::regulator::ViewPage`] of one row type below, takes the
//! [`crate::regulator::ViewQuery`] (paging by `after`/`limit`, `format=csv|json` export, the
//! ledger-time range `since_ms`/`until_ms` and the filters each route documents), pages by an
//! event-index cursor (so a cursor stays valid while blocks are committed and every item appears
//! exactly once across pages), and reads at most a fixed number of events per page (a page may
//! hold fewer rows than `limit` and still have a `next`). Each row names the block and
//! transaction that created the item (`height`, `tx_hash`) and that block's ledger time
//! (`time_ms`); the state columns are the item's state at the head.

use crate::records::OrderStatus;
use serde::{Deserialize, Serialize};
use shulian_runtime::call::{Classification, SharingAttribute};
use shulian_runtime::{AccountId, DatasetId, Fen, GrantId, Hash, Height, ListingId, OrderId, RequestId};
use utoipa::ToSchema;

/// Largest `within_days` of the grants list's `expiring` state (ten years).
pub const MAX_WITHIN_DAYS: u32 = 3_650;
/// `within_days` when the query leaves it out.
pub const DEFAULT_WITHIN_DAYS: u32 = 30;

/// Where a data-use request stands, as the requests list filters it (`state=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// Waiting for the data set owner's decision (the owner's inbox).
    AwaitingOwner,
    /// Core data approved by its owner (or not yet), waiting for a regulator's co-approval.
    AwaitingCoApproval,
    /// Answered with a grant.
    Granted,
    /// Refused.
    Rejected,
}

/// Where a grant stands at the head's ledger time, as the grants list filters it (`state=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantState {
    /// Usable now: window open, not revoked, uses left.
    Active,
    /// Active, and its window closes within `within_days` days of the head's ledger time.
    Expiring,
    /// Its window has not opened yet.
    NotYetValid,
    /// Its window has closed.
    Expired,
    /// Revoked by the grantor.
    Revoked,
    /// Every allowed use is recorded.
    Exhausted,
    /// Within its window and not revoked, but unusable while its grantor or grantee is
    /// suspended or its data set is on the negative list.
    Suspended,
    /// Frozen by a regulator: unusable until the regulator unfreezes it.
    Frozen,
    /// Active and used, with no more than a tenth of its uses (or one) left (shown only when
    /// asked for, like `expiring`).
    NearLimit,
}

/// Where a listing stands, as the listings list filters it (`state=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListingState {
    /// Waiting for the exchange center's review.
    PendingReview,
    /// Approved and not frozen: open for orders.
    Active,
    /// Approved but frozen by a regulator.
    Frozen,
    /// Refused at review.
    Rejected,
    /// Withdrawn by the seller.
    Withdrawn,
}

/// Which side of an order the orders list's `org` is (`role=`); both sides when left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderRole {
    /// The organization bought.
    Buyer,
    /// The organization sold.
    Seller,
}

/// A row of the catalog (`GET /api/lists/catalog`): one data set as it is now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CatalogRow {
    /// Height of registration.
    pub height: Height,
    /// The registering transaction.
    pub tx_hash: Hash,
    /// Ledger time of registration (ms since the Unix epoch, UTC).
    pub time_ms: u64,
    /// The data set.
    pub dataset: DatasetId,
    /// Its name.
    pub name: String,
    /// Its owner.
    pub owner: AccountId,
    /// Its category.
    pub category: String,
    /// Classification level.
    pub classification: Classification,
    /// Sharing attribute.
    pub sharing: SharingAttribute,
    /// Current version.
    pub version: u32,
    /// Whether it is on the negative list now.
    pub negative_listed: bool,
    /// Retired by its owner.
    pub retired: bool,
}

/// Columns of [`CatalogRow`], in CSV order.
pub const CATALOG_COLUMNS: &[&str] = &[
    "height",
    "tx_hash",
    "time_ms",
    "dataset",
    "name",
    "owner",
    "category",
    "classification",
    "sharing",
    "version",
    "negative_listed",
    "retired",
];

/// A row of the requests list (`GET /api/lists/requests`): one data-use request as it is now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RequestRow {
    /// Height of filing.
    pub height: Height,
    /// The filing transaction.
    pub tx_hash: Hash,
    /// Ledger time of filing.
    pub time_ms: u64,
    /// The request.
    pub request: RequestId,
    /// The data set.
    pub dataset: DatasetId,
    /// Who asks.
    pub requester: AccountId,
    /// The data set's owner, who decides.
    pub owner: AccountId,
    /// What for.
    pub purpose: String,
    /// Where it stands.
    pub state: RequestState,
    /// Whether a regulator must co-approve (core data).
    pub needs_co_approval: bool,
    /// Whether the owner has approved.
    pub owner_approved: bool,
    /// The regulator that co-approved, if any.
    pub co_approved_by: Option<AccountId>,
    /// Start of the asked validity window (ledger time, ms).
    pub valid_from_ms: u64,
    /// End of the asked validity window (ledger time, ms, exclusive).
    pub valid_until_ms: u64,
    /// Uses asked for.
    pub max_uses: u64,
}

/// Columns of [`RequestRow`], in CSV order.
pub const REQUEST_COLUMNS: &[&str] = &[
    "height",
    "tx_hash",
    "time_ms",
    "request",
    "dataset",
    "requester",
    "owner",
    "purpose",
    "state",
    "needs_co_approval",
    "owner_approved",
    "co_approved_by",
    "valid_from_ms",
    "valid_until_ms",
    "max_uses",
];

/// A row of the grants list (`GET /api/lists/grants`): one grant as it is at the head.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GrantRow {
    /// Height of issue.
    pub height: Height,
    /// The issuing transaction.
    pub tx_hash: Hash,
    /// Ledger time of issue.
    pub time_ms: u64,
    /// The grant.
    pub grant: GrantId,
    /// The data set.
    pub dataset: DatasetId,
    /// The data set's owner.
    pub grantor: AccountId,
    /// Who may use it.
    pub grantee: AccountId,
    /// What for.
    pub purpose: String,
    /// Where it stands at the head's ledger time (`expiring` when asked for and it applies,
    /// else `active`).
    pub state: GrantState,
    /// Start of the validity window (ledger time, ms).
    pub valid_from_ms: u64,
    /// End of the validity window (ledger time, ms, exclusive).
    pub valid_until_ms: u64,
    /// Uses so far.
    pub uses: u64,
    /// Uses allowed.
    pub max_uses: u64,
    /// Height of revocation, if revoked.
    pub revoked_at: Option<Height>,
}

/// Columns of [`GrantRow`], in CSV order.
pub const GRANT_COLUMNS: &[&str] = &[
    "height",
    "tx_hash",
    "time_ms",
    "grant",
    "dataset",
    "grantor",
    "grantee",
    "purpose",
    "state",
    "valid_from_ms",
    "valid_until_ms",
    "uses",
    "max_uses",
    "revoked_at",
];

/// A row of a grant's receipts (`GET /api/grant/{id}/receipts`): one recorded use, in sequence
/// order. The cursor is the last sequence number read (8 bytes, big-endian, hex).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReceiptRow {
    /// Height of the recording block.
    pub height: Height,
    /// The recording transaction.
    pub tx_hash: Hash,
    /// The grant.
    pub grant: GrantId,
    /// Sequence number under the grant, from 1.
    pub seq: u64,
    /// Who used the data.
    pub grantee: AccountId,
    /// The data set.
    pub dataset: DatasetId,
    /// Rows returned.
    pub row_count: u64,
    /// blake3 of the query.
    pub query_hash: Hash,
    /// blake3 of the result.
    pub result_hash: Hash,
    /// Fields the query read, separated by `;`.
    pub fields_used: String,
}

/// Columns of [`ReceiptRow`], in CSV order.
pub const RECEIPT_COLUMNS: &[&str] = &[
    "height",
    "tx_hash",
    "grant",
    "seq",
    "grantee",
    "dataset",
    "row_count",
    "query_hash",
    "result_hash",
    "fields_used",
];

/// A row of the listings list (`GET /api/lists/listings`): one listing as it is now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ListingRow {
    /// Height of submission.
    pub height: Height,
    /// The submitting transaction.
    pub tx_hash: Hash,
    /// Ledger time of submission.
    pub time_ms: u64,
    /// The listing.
    pub listing: ListingId,
    /// The seller.
    pub seller: AccountId,
    /// The data set sold, if the product is one.
    pub dataset: Option<DatasetId>,
    /// Price in fen.
    pub price: Fen,
    /// Uses each order's grant allows.
    pub max_uses: u64,
    /// Where it stands.
    pub state: ListingState,
    /// From an order's placement, how long the seller has to deliver (ms of ledger time).
    pub delivery_window_ms: u64,
    /// From delivery, how long the buyer has to accept or dispute (ms of ledger time).
    pub acceptance_window_ms: u64,
}

/// Columns of [`ListingRow`], in CSV order.
pub const LISTING_COLUMNS: &[&str] = &[
    "height",
    "tx_hash",
    "time_ms",
    "listing",
    "seller",
    "dataset",
    "price",
    "max_uses",
    "state",
    "delivery_window_ms",
    "acceptance_window_ms",
];

/// A row of the orders list (`GET /api/lists/orders`): one order as it is now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderRow {
    /// Height of placement.
    pub height: Height,
    /// The placing transaction.
    pub tx_hash: Hash,
    /// Ledger time of placement.
    pub time_ms: u64,
    /// The order.
    pub order: OrderId,
    /// Its listing.
    pub listing: ListingId,
    /// The buyer.
    pub buyer: AccountId,
    /// The seller.
    pub seller: AccountId,
    /// The data set sold, if any.
    pub dataset: Option<DatasetId>,
    /// Price in fen.
    pub price: Fen,
    /// The exchange center's fee in fen.
    pub fee: Fen,
    /// Where it stands.
    pub status: OrderStatus,
    /// The seller must deliver before this (ledger time, ms).
    pub delivery_deadline_ms: u64,
    /// After delivery, the buyer must accept or dispute before this (ledger time, ms).
    pub acceptance_deadline_ms: Option<u64>,
}

/// Columns of [`OrderRow`], in CSV order.
pub const ORDER_COLUMNS: &[&str] = &[
    "height",
    "tx_hash",
    "time_ms",
    "order",
    "listing",
    "buyer",
    "seller",
    "dataset",
    "price",
    "fee",
    "status",
    "delivery_deadline_ms",
    "acceptance_deadline_ms",
];

/// A row of an organization's statement (`GET /api/lists/statement?org=`): one movement of its
/// settlement balance. Over a whole chain, credits minus debits is the balance at the head.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StatementRow {
    /// Height of the movement.
    pub height: Height,
    /// The moving transaction.
    pub tx_hash: Hash,
    /// Ledger time of the movement.
    pub time_ms: u64,
    /// The event kind that moved the money (`transferred`, `deposited`, `order_placed`, ...).
    pub kind: String,
    /// The other side, when there is one account (the payer or payee; the escrow is none).
    pub counterparty: Option<AccountId>,
    /// The order, for market movements.
    pub order: Option<OrderId>,
    /// Fen received.
    pub credit: Fen,
    /// Fen paid.
    pub debit: Fen,
}

/// Columns of [`StatementRow`], in CSV order.
pub const STATEMENT_COLUMNS: &[&str] =
    &["height", "tx_hash", "time_ms", "kind", "counterparty", "order", "credit", "debit"];

/// A row of the negative list (`GET /api/lists/negative-list`): a data set on it now, with the
/// listing that put it there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NegativeListRow {
    /// Height at which it was put on the list (the latest time).
    pub height: Height,
    /// The listing transaction.
    pub tx_hash: Hash,
    /// Ledger time of listing.
    pub time_ms: u64,
    /// The data set.
    pub dataset: DatasetId,
    /// Its name.
    pub name: String,
    /// Its owner.
    pub owner: AccountId,
    /// The regulator that listed it.
    pub regulator: AccountId,
    /// Why.
    pub reason: String,
}

/// Columns of [`NegativeListRow`], in CSV order.
pub const NEGATIVE_LIST_COLUMNS: &[&str] =
    &["height", "tx_hash", "time_ms", "dataset", "name", "owner", "regulator", "reason"];

/// A row of the re-grades (`GET /api/lists/regraded`): one regulator's re-grade of a data set,
/// with both grades and the reason; every re-grade appears, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RegradedRow {
    /// Height of the re-grade.
    pub height: Height,
    /// The re-grading transaction.
    pub tx_hash: Hash,
    /// Ledger time of the re-grade.
    pub time_ms: u64,
    /// The data set.
    pub dataset: DatasetId,
    /// Its name.
    pub name: String,
    /// Its owner.
    pub owner: AccountId,
    /// The regulator that re-graded it.
    pub regulator: AccountId,
    /// The classification level before.
    pub from_classification: Classification,
    /// The classification level it was given.
    pub classification: Classification,
    /// The sharing attribute before.
    pub from_sharing: SharingAttribute,
    /// The sharing attribute it was given.
    pub sharing: SharingAttribute,
    /// Why.
    pub reason: String,
}

/// Columns of [`RegradedRow`], in CSV order.
pub const REGRADED_COLUMNS: &[&str] = &[
    "height",
    "tx_hash",
    "time_ms",
    "dataset",
    "name",
    "owner",
    "regulator",
    "from_classification",
    "classification",
    "from_sharing",
    "sharing",
    "reason",
];

/// A row of the suspended organizations (`GET /api/lists/suspended`): an organization suspended
/// now, with the suspension.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SuspendedRow {
    /// Height of the suspension (the latest one).
    pub height: Height,
    /// The suspending transaction.
    pub tx_hash: Hash,
    /// Ledger time of the suspension.
    pub time_ms: u64,
    /// The organization.
    pub org: AccountId,
    /// Its name.
    pub name: String,
    /// Why.
    pub reason: String,
}

/// Columns of [`SuspendedRow`], in CSV order.
pub const SUSPENDED_COLUMNS: &[&str] = &["height", "tx_hash", "time_ms", "org", "name", "reason"];
