//! The regulator's dashboard: `GET /api/dashboard?since_ms=&until_ms=` counts what happened in a
//! period of ledger time (uses per day by data set and organization, grants issued and revoked,
//! refused transactions by reason, trades and disputes, blocks and consensus rounds) and what
//! waits for a regulator now. Every count is the node's own, read from its event index within a
//! scan budget: the answer says the height it was computed at and whether each scan was
//! complete, and it is not proven (`verified` is always false).

use serde::{Deserialize, Serialize};
use shulian_runtime::{AccountId, DatasetId, Height};
use utoipa::{IntoParams, ToSchema};

/// The longest period one dashboard covers, in days.
pub const MAX_DASHBOARD_DAYS: u64 = 92;
/// The period when the query names none: the last seven days up to the head.
pub const DEFAULT_DASHBOARD_DAYS: u64 = 7;
/// Events one dashboard reads at most from the event index (over all kinds it counts).
pub const DASHBOARD_EVENT_BUDGET: usize = 20_000;
/// Blocks one dashboard reads at most (newest first) for refused transactions and rounds.
pub const DASHBOARD_BLOCK_BUDGET: u64 = 2_000;
/// Rows of [`DashboardResponse::uses`] at most (day x data set x organization).
pub const MAX_USE_CELLS: usize = 5_000;
/// Entries of each top list.
pub const DASHBOARD_TOP: usize = 10;

/// Query of `GET /api/dashboard`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// Start of the period, ledger time in ms since the Unix epoch, inclusive (default: seven
    /// days before `until_ms`).
    pub since_ms: Option<u64>,
    /// End of the period, exclusive (default: just after the head's ledger time). At most
    /// [`MAX_DASHBOARD_DAYS`] days after `since_ms`.
    pub until_ms: Option<u64>,
}

/// The counts of one calendar day (China Standard Time, UTC+8) of the period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DayCounts {
    /// The day, `YYYY-MM-DD` in China Standard Time.
    pub day: String,
    /// Its first millisecond (or the period's start, for a period starting within it).
    pub start_ms: u64,
    /// Blocks committed that day.
    pub blocks: u64,
    /// Usage receipts recorded.
    pub uses: u64,
    /// Grants issued.
    pub grants_issued: u64,
    /// Grants revoked.
    pub grants_revoked: u64,
    /// Market orders placed (trades).
    pub orders_placed: u64,
    /// Disputes opened.
    pub disputes_opened: u64,
    /// Disputes ruled on.
    pub disputes_ruled: u64,
}

/// Uses of one data set by one organization on one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UseCount {
    /// The day, `YYYY-MM-DD` in China Standard Time.
    pub day: String,
    /// The data set used.
    pub dataset: DatasetId,
    /// The organization that used it (the grantee).
    pub org: AccountId,
    /// Usage receipts.
    pub uses: u64,
}

/// A data set's uses in the period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TopDataset {
    /// The data set.
    pub dataset: DatasetId,
    /// Its name.
    pub name: String,
    /// Its owner.
    pub owner: AccountId,
    /// The owner's name.
    pub owner_name: String,
    /// Usage receipts in the period.
    pub uses: u64,
}

/// An organization's uses in the period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TopOrg {
    /// The organization (a grantee).
    pub org: AccountId,
    /// Its name.
    pub name: String,
    /// Usage receipts in the period.
    pub uses: u64,
}

/// Transactions refused with one error code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReasonCount {
    /// The stable error code, `contract.reason`.
    pub code: String,
    /// Failed transactions with that code.
    pub count: u64,
}

/// Blocks decided in one consensus round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RoundCount {
    /// The round of the block's commit certificate (0: decided at the first proposal).
    pub round: u32,
    /// Blocks.
    pub blocks: u64,
}

/// What the dashboard read block by block: the period's newest blocks, up to
/// [`DASHBOARD_BLOCK_BUDGET`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BlockScan {
    /// Lowest height read (none when the period holds no block).
    pub from_height: Option<Height>,
    /// Highest height read.
    pub to_height: Option<Height>,
    /// Blocks read.
    pub blocks: u64,
    /// Whether every block of the period was read (false: only the newest ones).
    pub complete: bool,
    /// Refused (failed) transactions by error code, most first.
    pub failures: Vec<ReasonCount>,
    /// Blocks by the round that decided them.
    pub rounds: Vec<RoundCount>,
    /// Mean time between consecutive blocks read, ms (none with fewer than two).
    pub mean_interval_ms: Option<u64>,
}

/// Items waiting for a regulator now (at the head), from the whole history within a budget.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Waiting {
    /// Open core-data requests that wait for a regulator's co-approval (before or after the
    /// owner's approval: the requests list's `awaiting_co_approval`).
    pub co_approvals: u64,
    /// Orders in dispute, not ruled on yet.
    pub open_disputes: u64,
    /// Whether both counts read every event they depend on (false: at least these many).
    pub complete: bool,
}

/// `GET /api/dashboard`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DashboardResponse {
    /// The head the counts were computed at.
    pub height: Height,
    /// That head's ledger time, ms.
    pub time_ms: u64,
    /// The period's start, ms, inclusive.
    pub since_ms: u64,
    /// The period's end, ms, exclusive.
    pub until_ms: u64,
    /// Lowest height in the period (none when it holds no block).
    pub from_height: Option<Height>,
    /// Highest height in the period.
    pub to_height: Option<Height>,
    /// One entry per day of the period, in order.
    pub days: Vec<DayCounts>,
    /// Uses per day, data set and organization (at most [`MAX_USE_CELLS`]).
    pub uses: Vec<UseCount>,
    /// The data sets used most in the period (at most [`DASHBOARD_TOP`]).
    pub top_datasets: Vec<TopDataset>,
    /// The organizations that used data most in the period (at most [`DASHBOARD_TOP`]).
    pub top_orgs: Vec<TopOrg>,
    /// Events read from the index for the day counts.
    pub events_scanned: u64,
    /// Whether the day counts read every event of the period (false: the budget ran out, and the
    /// counts stop at `counted_until_height`).
    pub complete: bool,
    /// The last height whose events the day counts include.
    pub counted_until_height: Option<Height>,
    /// Refused transactions, rounds and block intervals of the period's newest blocks.
    pub blocks: BlockScan,
    /// What waits for a regulator now.
    pub waiting: Waiting,
    /// Always false: these counts are the node's word. Each counted item links to a transaction
    /// the explorer can verify, but no proof covers the totals.
    pub verified: bool,
}
