//! The plan's registries as lists (issue 22): the responsibility list of data elements
//! (`GET /api/lists/elements`), the demand list with its deadlines (`GET /api/lists/demands`,
//! `state=overdue` for the regulator), and each department's statistics over a period of ledger
//! time (`GET /api/lists/department-stats`, exportable as CSV like every list).

use serde::{Deserialize, Serialize};
use shulian_runtime::{AccountId, DatasetId, DemandId, GrantId, Hash, Height};
use utoipa::ToSchema;

/// A row of the responsibility list: a data element, the department responsible for it now, and
/// its authoritative data set if one is registered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ElementRow {
    /// Height at which it was defined.
    pub height: Height,
    /// The defining transaction.
    pub tx_hash: Hash,
    /// Ledger time of the definition.
    pub time_ms: u64,
    /// Its code.
    pub element: String,
    /// Its human name.
    pub name: String,
    /// The department responsible for it now.
    pub responsible: AccountId,
    /// That department's authoritative data set of it, once registered.
    pub authoritative: Option<DatasetId>,
}

/// Columns of [`ElementRow`], in CSV order.
pub const ELEMENT_COLUMNS: &[&str] =
    &["height", "tx_hash", "time_ms", "element", "name", "responsible", "authoritative"];

/// Where a demand stands at the head's ledger time, as the demand list filters it (`state=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DemandState {
    /// Waiting for a regulator to assign it.
    Filed,
    /// Assigned, its deadline not yet reached.
    Assigned,
    /// Assigned and unanswered past its deadline.
    Overdue,
    /// Answered with a grant.
    Answered,
    /// Refused with a legal basis.
    Refused,
    /// Withdrawn by the demander.
    Withdrawn,
}

/// A row of the demand list (需求清单): one demand as it stands now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DemandRow {
    /// Height at which it was filed.
    pub height: Height,
    /// The filing transaction.
    pub tx_hash: Hash,
    /// Ledger time of filing.
    pub time_ms: u64,
    /// The demand.
    pub demand: DemandId,
    /// The department that demands.
    pub requester: AccountId,
    /// The element codes wanted.
    pub elements: Vec<String>,
    /// What for.
    pub purpose: String,
    /// Where it stands.
    pub state: DemandState,
    /// The department it is assigned to, once assigned.
    pub department: Option<AccountId>,
    /// The deadline, ledger time ms, once assigned.
    pub deadline_ms: Option<u64>,
    /// Ledger time of the answer or refusal.
    pub answered_at_ms: Option<u64>,
    /// Whether the answer or refusal came before the deadline.
    pub on_time: Option<bool>,
    /// The data set granted, when answered.
    pub dataset: Option<DatasetId>,
    /// The grant, when answered.
    pub grant: Option<GrantId>,
    /// The legal basis, when refused.
    pub legal_basis: Option<String>,
}

/// Columns of [`DemandRow`], in CSV order.
pub const DEMAND_COLUMNS: &[&str] = &[
    "height",
    "tx_hash",
    "time_ms",
    "demand",
    "requester",
    "elements",
    "purpose",
    "state",
    "department",
    "deadline_ms",
    "answered_at_ms",
    "on_time",
    "dataset",
    "grant",
    "legal_basis",
];

/// Events one statistics answer reads at most from the event index, over all kinds it counts.
pub const STATS_EVENT_BUDGET: usize = 20_000;
/// Blocks one statistics answer reads at most (newest first of the period) for refused attempts.
pub const STATS_BLOCK_BUDGET: u64 = 2_000;
/// Departments one statistics answer lists at most.
pub const MAX_STATS_DEPARTMENTS: usize = 1_000;

/// One department's statistics over a period of ledger time (the plan's evaluation): each count
/// is of events in the period, except `demands_overdue`, which counts its demands overdue at the
/// head. The node's own counts from its indexes, not proven.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DepartmentStatsRow {
    /// The department.
    pub org: AccountId,
    /// Its name.
    pub name: String,
    /// Data sets it registered (derived ones too).
    pub datasets_provided: u64,
    /// Demands assigned to it.
    pub demands_assigned: u64,
    /// Demands it answered with a grant before the deadline.
    pub demands_answered_on_time: u64,
    /// Demands it answered with a grant after the deadline.
    pub demands_answered_late: u64,
    /// Demands it refused (on time or late).
    pub demands_refused: u64,
    /// Of those, refused after the deadline.
    pub demands_refused_late: u64,
    /// Its demands assigned and unanswered past their deadline, at the head.
    pub demands_overdue: u64,
    /// Grants it issued (requests approved, and unconditional ones granted at once).
    pub requests_approved: u64,
    /// Requests it rejected.
    pub requests_refused: u64,
    /// Uses recorded under grants it gave.
    pub uses_under_its_grants: u64,
    /// Its own transactions committed as failed (refused attempts), in the blocks read.
    pub refused_attempts: u64,
    /// Whether every scan of the period was complete (no budget ran out).
    pub complete: bool,
}

impl DepartmentStatsRow {
    /// A row of zeros for `org`.
    pub fn zero(org: AccountId) -> Self {
        DepartmentStatsRow {
            org,
            name: String::new(),
            datasets_provided: 0,
            demands_assigned: 0,
            demands_answered_on_time: 0,
            demands_answered_late: 0,
            demands_refused: 0,
            demands_refused_late: 0,
            demands_overdue: 0,
            requests_approved: 0,
            requests_refused: 0,
            uses_under_its_grants: 0,
            refused_attempts: 0,
            complete: true,
        }
    }
}

/// Columns of [`DepartmentStatsRow`], in CSV order.
pub const DEPARTMENT_STATS_COLUMNS: &[&str] = &[
    "org",
    "name",
    "datasets_provided",
    "demands_assigned",
    "demands_answered_on_time",
    "demands_answered_late",
    "demands_refused",
    "demands_refused_late",
    "demands_overdue",
    "requests_approved",
    "requests_refused",
    "uses_under_its_grants",
    "refused_attempts",
    "complete",
];

/// A row of the refused attempts (`GET /api/lists/refused-attempts`): a transaction committed as
/// failed, with its sender, what its call named and the contract's refusal. Admission never
/// checks permissions (it checks encoding, signature, key and nonce), so every refusal for a
/// permission or a grant is one of these.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttemptRow {
    /// Height of its block.
    pub height: Height,
    /// The transaction.
    pub tx_hash: Hash,
    /// Ledger time of its block.
    pub time_ms: u64,
    /// Its sender.
    pub org: AccountId,
    /// Its call (`receipts.record`, `grants.request`, ...).
    pub call: String,
    /// The refusal's stable code (`receipts.revoked`, ...).
    pub code: String,
    /// The refusal's message.
    pub message: String,
    /// The data sets its call names (a named grant's or request's data set included).
    pub datasets: Vec<DatasetId>,
    /// The grants its call names.
    pub grants: Vec<GrantId>,
}

/// Columns of [`AttemptRow`], in CSV order.
pub const ATTEMPT_COLUMNS: &[&str] =
    &["height", "tx_hash", "time_ms", "org", "call", "code", "message", "datasets", "grants"];
