//! The values the lists' filters take, as people write them (`awaiting-owner`, `pending-review`,
//! `yes`), each mapped to the node's own name (`shulian_api::lists`, `OrderStatus`).

use clap::ValueEnum;
use shulian_api::lists::{GrantState, ListingState, OrderRole, RequestState};
use shulian_api::records::OrderStatus;
use shulian_api::regulator::ViewFormat;

/// `yes` or `no`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum YesNo {
    /// Yes.
    Yes,
    /// No.
    No,
}

/// Where a request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RequestStateArg {
    /// Waiting for the data set owner's decision.
    AwaitingOwner,
    /// Core data waiting for a regulator's co-approval.
    AwaitingCoApproval,
    /// Answered with a grant.
    Granted,
    /// Refused.
    Rejected,
}

impl From<RequestStateArg> for RequestState {
    fn from(s: RequestStateArg) -> Self {
        match s {
            RequestStateArg::AwaitingOwner => RequestState::AwaitingOwner,
            RequestStateArg::AwaitingCoApproval => RequestState::AwaitingCoApproval,
            RequestStateArg::Granted => RequestState::Granted,
            RequestStateArg::Rejected => RequestState::Rejected,
        }
    }
}

/// Where a grant stands at the head's ledger time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GrantStateArg {
    /// Usable now.
    Active,
    /// Active, and closing within --within (default 30 days).
    Expiring,
    /// Its window has not opened yet.
    NotYetValid,
    /// Its window has closed.
    Expired,
    /// Revoked by the grantor.
    Revoked,
    /// Every allowed use is recorded.
    Exhausted,
    /// Unusable while its grantor or grantee is suspended or its data set is negative-listed.
    Suspended,
    /// Frozen by a regulator.
    Frozen,
    /// Active and used, with no more than a tenth of its uses (or one) left.
    NearLimit,
}

impl From<GrantStateArg> for GrantState {
    fn from(s: GrantStateArg) -> Self {
        match s {
            GrantStateArg::Active => GrantState::Active,
            GrantStateArg::Expiring => GrantState::Expiring,
            GrantStateArg::NotYetValid => GrantState::NotYetValid,
            GrantStateArg::Expired => GrantState::Expired,
            GrantStateArg::Revoked => GrantState::Revoked,
            GrantStateArg::Exhausted => GrantState::Exhausted,
            GrantStateArg::Suspended => GrantState::Suspended,
            GrantStateArg::Frozen => GrantState::Frozen,
            GrantStateArg::NearLimit => GrantState::NearLimit,
        }
    }
}

/// Where a listing stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListingStateArg {
    /// Waiting for the exchange center's review.
    PendingReview,
    /// Open for orders.
    Active,
    /// Frozen by a regulator.
    Frozen,
    /// Refused at review.
    Rejected,
    /// Withdrawn by the seller.
    Withdrawn,
}

impl From<ListingStateArg> for ListingState {
    fn from(s: ListingStateArg) -> Self {
        match s {
            ListingStateArg::PendingReview => ListingState::PendingReview,
            ListingStateArg::Active => ListingState::Active,
            ListingStateArg::Frozen => ListingState::Frozen,
            ListingStateArg::Rejected => ListingState::Rejected,
            ListingStateArg::Withdrawn => ListingState::Withdrawn,
        }
    }
}

/// Where an order stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OrderStateArg {
    /// Paid into escrow, waiting for delivery.
    Placed,
    /// Delivered, waiting for the buyer.
    Delivered,
    /// Accepted; the seller was paid.
    Accepted,
    /// Disputed; waiting for the exchange center.
    Disputed,
    /// Claimed by the seller after the acceptance window.
    Claimed,
    /// Ruled on by the exchange center.
    Arbitrated,
    /// Cancelled before delivery; the buyer was refunded.
    Cancelled,
}

impl From<OrderStateArg> for OrderStatus {
    fn from(s: OrderStateArg) -> Self {
        match s {
            OrderStateArg::Placed => OrderStatus::Placed,
            OrderStateArg::Delivered => OrderStatus::Delivered,
            OrderStateArg::Accepted => OrderStatus::Accepted,
            OrderStateArg::Disputed => OrderStatus::Disputed,
            OrderStateArg::Claimed => OrderStatus::Claimed,
            OrderStateArg::Arbitrated => OrderStatus::Arbitrated,
            OrderStateArg::Cancelled => OrderStatus::Cancelled,
        }
    }
}

/// Which side of an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OrderRoleArg {
    /// The organization bought.
    Buyer,
    /// The organization sold.
    Seller,
}

impl From<OrderRoleArg> for OrderRole {
    fn from(r: OrderRoleArg) -> Self {
        match r {
            OrderRoleArg::Buyer => OrderRole::Buyer,
            OrderRoleArg::Seller => OrderRole::Seller,
        }
    }
}

/// How an export is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// CSV with a header line (spreadsheet formulas neutralized by the node).
    Csv,
    /// One JSON document with every row.
    Json,
}

impl From<ExportFormat> for ViewFormat {
    fn from(f: ExportFormat) -> Self {
        match f {
            ExportFormat::Csv => ViewFormat::Csv,
            ExportFormat::Json => ViewFormat::Json,
        }
    }
}

/// Where a demand stands at the head's ledger time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DemandStateArg {
    /// Waiting for a regulator to assign it.
    Filed,
    /// Assigned, before its deadline.
    Assigned,
    /// Assigned, unanswered, past its deadline.
    Overdue,
    /// Answered with a grant.
    Answered,
    /// Refused with a legal basis.
    Refused,
    /// Withdrawn by the demander.
    Withdrawn,
}

impl From<DemandStateArg> for shulian_api::registry::DemandState {
    fn from(s: DemandStateArg) -> Self {
        use shulian_api::registry::DemandState as S;
        match s {
            DemandStateArg::Filed => S::Filed,
            DemandStateArg::Assigned => S::Assigned,
            DemandStateArg::Overdue => S::Overdue,
            DemandStateArg::Answered => S::Answered,
            DemandStateArg::Refused => S::Refused,
            DemandStateArg::Withdrawn => S::Withdrawn,
        }
    }
}
