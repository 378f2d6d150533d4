//! The regulator's queries behind the explorer: search and the views "uses of a data set",
//! "grants of core-level data" and "orders in dispute". Every view row carries the height and
//! transaction hash that prove it.

use crate::records::OrderStatus;
use serde::{Deserialize, Serialize};
use shulian_runtime::{AccountId, DatasetId, Fen, GrantId, Hash, Height, ListingId, OrderId};
use utoipa::{IntoParams, ToSchema};

/// Query of every view: paging, export and filters (each view uses the filters it documents).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ViewQuery {
    /// Cursor: the `next` of the previous page.
    #[param(pattern = "^([0-9a-f]{2})*$")]
    #[schema(pattern = "^([0-9a-f]{2})*$")]
    pub after: Option<String>,
    /// Rows per page (default 100, at most [`crate::routes::MAX_PAGE`]).
    pub limit: Option<usize>,
    /// `csv` or `json`: every row (up to [`crate::routes::MAX_EXPORT`]) as a download.
    pub format: Option<ViewFormat>,
    /// The data set (required by the uses view).
    #[param(pattern = "^[0-9a-f]{64}$")]
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub dataset: Option<String>,
    /// Only this organization's rows (uses view: the grantee; orders: a buyer or seller, see
    /// `role`; statement: required, whose movements).
    #[param(pattern = "^[0-9a-f]{64}$")]
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub org: Option<String>,
    /// Only rows at this height or later.
    pub from: Option<u64>,
    /// Only rows at this height or earlier.
    pub to: Option<u64>,
    /// Disputes view: also the disputes already ruled on.
    pub include_resolved: Option<bool>,
    /// Only rows whose block's ledger time is at or after this (ms since the Unix epoch, UTC).
    pub since_ms: Option<u64>,
    /// Only rows whose block's ledger time is before this (ms since the Unix epoch, UTC).
    pub until_ms: Option<u64>,
    /// Catalog and requests: only this data owner's items.
    #[param(pattern = "^[0-9a-f]{64}$")]
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub owner: Option<String>,
    /// Requests: only this requester's.
    #[param(pattern = "^[0-9a-f]{64}$")]
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub requester: Option<String>,
    /// Grants: only this grantee's.
    #[param(pattern = "^[0-9a-f]{64}$")]
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub grantee: Option<String>,
    /// Grants: only this grantor's.
    #[param(pattern = "^[0-9a-f]{64}$")]
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub grantor: Option<String>,
    /// Listings: only this seller's.
    #[param(pattern = "^[0-9a-f]{64}$")]
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub seller: Option<String>,
    /// Orders: which side `org` is (both when left out).
    pub role: Option<crate::lists::OrderRole>,
    /// Only items in this state: a [`crate::lists::RequestState`], [`crate::lists::GrantState`],
    /// [`crate::lists::ListingState`] or [`crate::records::OrderStatus`] name, per list.
    pub state: Option<String>,
    /// Catalog: only this classification level.
    pub classification: Option<shulian_runtime::call::Classification>,
    /// Catalog: only this sharing attribute.
    pub sharing: Option<shulian_runtime::call::SharingAttribute>,
    /// Catalog: only data sets on (true) or off (false) the negative list.
    pub negative_listed: Option<bool>,
    /// Grants with `state=expiring`: closing within this many days of the head's ledger time
    /// (default [`crate::lists::DEFAULT_WITHIN_DAYS`], at most [`crate::lists::MAX_WITHIN_DAYS`]).
    pub within_days: Option<u32>,
}

/// How a view is exported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ViewFormat {
    /// RFC 4180 CSV, a header line then one line per row.
    Csv,
    /// One JSON document with every row.
    Json,
}

/// One page of a view, or (with `format=json`) every row of it as a download.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ViewPage<R> {
    /// The view's name (`uses`, `core-grants`, `disputes`).
    pub view: String,
    /// Column names, in CSV order.
    pub columns: Vec<String>,
    /// The rows.
    pub rows: Vec<R>,
    /// Cursor of the next page (`after=`), if there may be more rows (always null in an export).
    pub next: Option<String>,
    /// In an export: whether rows were left out at the export limit (absent in a page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncated: Option<bool>,
}

/// A row of the uses view: one usage receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UsesRow {
    /// Height of the recording block.
    pub height: Height,
    /// The recording transaction.
    pub tx_hash: Hash,
    /// The grant used.
    pub grant: GrantId,
    /// Sequence number under the grant.
    pub seq: u64,
    /// The data set.
    pub dataset: DatasetId,
    /// The data set's owner.
    pub grantor: AccountId,
    /// Who used it.
    pub grantee: AccountId,
    /// Rows returned.
    pub row_count: u64,
    /// blake3 of the query.
    pub query_hash: Hash,
    /// blake3 of the result.
    pub result_hash: Hash,
}

/// Columns of [`UsesRow`], in CSV order.
pub const USES_COLUMNS: &[&str] =
    &["height", "tx_hash", "grant", "seq", "dataset", "grantor", "grantee", "row_count", "query_hash", "result_hash"];

/// A row of the core-grants view: a grant issued on a core-level data set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CoreGrantRow {
    /// Height of issue.
    pub height: Height,
    /// The issuing transaction.
    pub tx_hash: Hash,
    /// The grant.
    pub grant: GrantId,
    /// The data set.
    pub dataset: DatasetId,
    /// Its name.
    pub dataset_name: String,
    /// Its version when the grant was issued.
    pub version: u32,
    /// The owner.
    pub grantor: AccountId,
    /// Who may use it.
    pub grantee: AccountId,
    /// Uses so far.
    pub uses: Option<u64>,
    /// Uses allowed.
    pub max_uses: Option<u64>,
    /// Height of revocation, if revoked.
    pub revoked_at: Option<Height>,
}

/// Columns of [`CoreGrantRow`], in CSV order.
pub const CORE_GRANT_COLUMNS: &[&str] = &[
    "height",
    "tx_hash",
    "grant",
    "dataset",
    "dataset_name",
    "version",
    "grantor",
    "grantee",
    "uses",
    "max_uses",
    "revoked_at",
];

/// A row of the disputes view: an order whose buyer opened a dispute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DisputeRow {
    /// Height of the dispute.
    pub height: Height,
    /// The disputing transaction.
    pub tx_hash: Hash,
    /// Ledger time of the dispute (ms since the Unix epoch, UTC).
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
    /// The price.
    pub price: Option<Fen>,
    /// The fee.
    pub fee: Option<Fen>,
    /// The buyer's reason.
    pub reason: String,
    /// The order's status now.
    pub status: Option<OrderStatus>,
}

/// Columns of [`DisputeRow`], in CSV order.
pub const DISPUTE_COLUMNS: &[&str] = &[
    "height", "tx_hash", "time_ms", "order", "listing", "buyer", "seller", "dataset", "price", "fee", "reason",
    "status",
];

/// Query of `GET /api/search`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// A block height, a hash or id, or part of an organization's or data set's name.
    pub q: String,
}

/// What a search hit is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchKind {
    /// A block (id = height).
    Block,
    /// A transaction.
    Tx,
    /// An organization.
    Org,
    /// A data set.
    Dataset,
    /// A grant.
    Grant,
    /// A request.
    Request,
    /// A listing.
    Listing,
    /// An order.
    Order,
    /// A proposal.
    Proposal,
}

/// One search hit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SearchHit {
    /// What it is.
    pub kind: SearchKind,
    /// Its id (a height for blocks).
    pub id: String,
    /// A label for people.
    pub label: String,
}

/// `GET /api/search`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SearchResponse {
    /// The query, trimmed.
    pub query: String,
    /// Hits, at most [`crate::routes::MAX_SEARCH_RESULTS`].
    pub results: Vec<SearchHit>,
}
