//! Refusals of the market contract, each with a stable `market.reason` code.

use super::OrderStatus;
use crate::terms::WindowRefusal;
use shulian_runtime::exec::ContractError;
use shulian_runtime::ids::{AccountId, DatasetId, Fen, ListingId, OrderId};
use shulian_runtime::time::LedgerTime;

/// Refusals of the market contract.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarketError {
    /// Only departments and traders sell.
    #[error("organization {0} is neither a department nor a trader; only they may list data products")]
    NotSellerRole(AccountId),
    /// Only departments and traders buy.
    #[error("organization {0} is neither a department nor a trader; only they may place orders")]
    NotBuyerRole(AccountId),
    /// Only the exchange center reviews, arbitrates and sets the fee.
    #[error("organization {0} is not the exchange center; only the exchange center may do this")]
    NotExchangeCenter(AccountId),
    /// Only regulators freeze.
    #[error("organization {0} is not a regulator; only regulators freeze and unfreeze listings")]
    NotRegulator(AccountId),
    /// A free listing.
    #[error("a listing's price must be more than 0 fen")]
    ZeroPrice,
    /// No purpose.
    #[error("a listing needs a non-empty purpose")]
    EmptyPurpose,
    /// No delivery method.
    #[error("a listing needs a non-empty delivery method")]
    EmptyDeliveryMethod,
    /// An off-catalog product without a name.
    #[error("an off-catalog product needs a non-empty name")]
    EmptyName,
    /// Zero uses.
    #[error("max_uses must be more than 0")]
    ZeroMaxUses,
    /// A validity window refused by the shared terms check (empty, or already over).
    #[error(transparent)]
    Window(WindowRefusal),
    /// No such data set.
    #[error("data set {0} does not exist")]
    UnknownDataset(DatasetId),
    /// Selling someone else's data.
    #[error("data set {dataset} is owned by {owner}, not by the seller {sender}")]
    NotDatasetOwner {
        /// Data set.
        dataset: DatasetId,
        /// Its owner.
        owner: AccountId,
        /// The would-be seller.
        sender: AccountId,
    },
    /// Retired data.
    #[error("data set {0} is retired and cannot be traded")]
    DatasetRetired(DatasetId),
    /// Negative-listed data.
    #[error("data set {dataset} is on the negative list ({reason}) and cannot be traded")]
    DatasetNegativeListed {
        /// Data set.
        dataset: DatasetId,
        /// The regulator's reason.
        reason: String,
    },
    /// Not-shareable data.
    #[error("data set {0} is not shareable and cannot be traded")]
    DatasetNotShareable(DatasetId),
    /// Core data.
    #[error("data set {0} is core data and cannot be traded on the exchange")]
    CoreDataset(DatasetId),
    /// A data set sold without fields.
    #[error("a data set listing needs at least one field")]
    NoFields,
    /// Fields the data set does not have.
    #[error("fields {} are not in data set {dataset}", fields.join(", "))]
    FieldsOutsideDataset {
        /// Data set.
        dataset: DatasetId,
        /// The unknown fields.
        fields: Vec<String>,
    },
    /// No such listing.
    #[error("listing {0} does not exist")]
    UnknownListing(ListingId),
    /// Not the listing's seller.
    #[error("listing {listing} belongs to seller {seller}, not to {sender}")]
    NotListingSeller {
        /// Listing.
        listing: ListingId,
        /// Seller.
        seller: AccountId,
        /// Sender.
        sender: AccountId,
    },
    /// Review of a listing already reviewed.
    #[error("listing {listing} is {status}; only a listing pending review can be reviewed")]
    ListingNotPending {
        /// Listing.
        listing: ListingId,
        /// Its status.
        status: &'static str,
    },
    /// Freezing or withdrawing a rejected or withdrawn listing.
    #[error("listing {listing} is {status} and no longer on the market")]
    ListingClosed {
        /// Listing.
        listing: ListingId,
        /// Its status.
        status: &'static str,
    },
    /// Freezing twice.
    #[error("listing {listing} is already frozen ({reason})")]
    AlreadyFrozen {
        /// Listing.
        listing: ListingId,
        /// The standing reason.
        reason: String,
    },
    /// Unfreezing a listing that is not frozen.
    #[error("listing {0} is not frozen")]
    NotFrozen(ListingId),
    /// A freeze, unfreeze, rejection or dispute without a reason.
    #[error("a reason is required and must not be empty")]
    EmptyReason,
    /// Ordering a listing not approved.
    #[error("listing {listing} is {status}; only approved listings take orders")]
    ListingNotApproved {
        /// Listing.
        listing: ListingId,
        /// Its status.
        status: &'static str,
    },
    /// Ordering a frozen listing.
    #[error("listing {listing} is frozen by a regulator ({reason}) and takes no orders")]
    ListingFrozen {
        /// Listing.
        listing: ListingId,
        /// The freeze reason.
        reason: String,
    },
    /// Ordering a listing whose grant window has ended.
    #[error("listing {listing} expired at {until} and takes no orders")]
    ListingExpired {
        /// Listing.
        listing: ListingId,
        /// End of its validity.
        until: LedgerTime,
    },
    /// Buying from oneself.
    #[error("listing {0} is the buyer's own")]
    OwnListing(ListingId),
    /// Not enough money for price and fee.
    #[error("insufficient balance: buyer {buyer} has {balance}, needs {total} (price {price} + fee {fee})")]
    InsufficientBalance {
        /// Buyer.
        buyer: AccountId,
        /// Its balance.
        balance: Fen,
        /// Price.
        price: Fen,
        /// Fee.
        fee: Fen,
        /// Price plus fee.
        total: Fen,
    },
    /// Price plus fee overflows.
    #[error("price {price} plus fee {fee} overflows")]
    Overflow {
        /// Price.
        price: Fen,
        /// Fee.
        fee: Fen,
    },
    /// No such order.
    #[error("order {0} does not exist")]
    UnknownOrder(OrderId),
    /// Only the buyer may do this.
    #[error("only the buyer {buyer} of order {order} may do this, not {sender}")]
    NotBuyer {
        /// Order.
        order: OrderId,
        /// Buyer.
        buyer: AccountId,
        /// Sender.
        sender: AccountId,
    },
    /// Only the seller may do this.
    #[error("only the seller {seller} of order {order} may do this, not {sender}")]
    NotOrderSeller {
        /// Order.
        order: OrderId,
        /// Seller.
        seller: AccountId,
        /// Sender.
        sender: AccountId,
    },
    /// The order is not in the state the step needs.
    #[error("order {order} is {status}; {action} needs it {expected}")]
    WrongOrderStatus {
        /// Order.
        order: OrderId,
        /// Its status.
        status: OrderStatus,
        /// The status needed.
        expected: OrderStatus,
        /// The step.
        action: &'static str,
    },
    /// Delivery confirmed too late.
    #[error("the delivery window of order {order} closed at {deadline} (ledger time now {now})")]
    DeliveryWindowPassed {
        /// Order.
        order: OrderId,
        /// First ledger time past the window.
        deadline: LedgerTime,
        /// The block's ledger time.
        now: LedgerTime,
    },
    /// Cancelled too early.
    #[error(
        "order {order} can be cancelled only from {deadline}, when its delivery window closes (ledger time now {now})"
    )]
    DeliveryWindowOpen {
        /// Order.
        order: OrderId,
        /// First ledger time past the window.
        deadline: LedgerTime,
        /// The block's ledger time.
        now: LedgerTime,
    },
    /// Disputed too late.
    #[error("the acceptance window of order {order} closed at {deadline} (ledger time now {now})")]
    AcceptanceWindowPassed {
        /// Order.
        order: OrderId,
        /// First ledger time past the window.
        deadline: LedgerTime,
        /// The block's ledger time.
        now: LedgerTime,
    },
    /// Claimed too early.
    #[error(
        "order {order} can be claimed only from {deadline}, when its acceptance window closes (ledger time now {now})"
    )]
    AcceptanceWindowOpen {
        /// Order.
        order: OrderId,
        /// First ledger time past the window.
        deadline: LedgerTime,
        /// The block's ledger time.
        now: LedgerTime,
    },
    /// A listing's trade window outside the exchange center's bounds.
    #[error("{which} window of {ms} ms is outside the market's bounds of {min_ms}..={max_ms} ms")]
    WindowOutOfBounds {
        /// `delivery` or `acceptance`.
        which: &'static str,
        /// The window asked for.
        ms: u64,
        /// Shortest allowed.
        min_ms: u64,
        /// Longest allowed.
        max_ms: u64,
    },
    /// Window rules that contradict themselves.
    #[error("window rules are inconsistent: {0}")]
    InvalidWindowRules(&'static str),
    /// A split share above the whole.
    #[error("split buyer share {0} bps is more than 10000 bps")]
    InvalidSplit(u16),
    /// An exchange center ruling on its own order.
    #[error("exchange center {arbiter} is a party to order {order} and cannot arbitrate it")]
    ArbiterIsParty {
        /// Order.
        order: OrderId,
        /// The would-be arbiter.
        arbiter: AccountId,
    },
    /// An exchange center reviewing its own listing.
    #[error("exchange center {reviewer} is the seller of listing {listing} and cannot review it")]
    ReviewerIsSeller {
        /// Listing.
        listing: ListingId,
        /// The would-be reviewer.
        reviewer: AccountId,
    },
    /// A fee rate above the ceiling.
    #[error("fee rate {bps} bps is above the maximum {max} bps")]
    FeeRateOutOfRange {
        /// Asked.
        bps: u16,
        /// Ceiling.
        max: u16,
    },
}

impl ContractError for MarketError {
    fn code(&self) -> &'static str {
        match self {
            MarketError::NotSellerRole(_) => "market.not_seller_role",
            MarketError::NotBuyerRole(_) => "market.not_buyer_role",
            MarketError::NotExchangeCenter(_) => "market.not_exchange_center",
            MarketError::NotRegulator(_) => "market.not_regulator",
            MarketError::ZeroPrice => "market.zero_price",
            MarketError::EmptyPurpose => "market.empty_purpose",
            MarketError::EmptyDeliveryMethod => "market.empty_delivery_method",
            MarketError::EmptyName => "market.empty_name",
            MarketError::ZeroMaxUses => "market.zero_max_uses",
            MarketError::Window(WindowRefusal::Empty { .. }) => "market.empty_window",
            MarketError::Window(WindowRefusal::Ended(_)) => "market.window_ended",
            MarketError::UnknownDataset(_) => "market.unknown_dataset",
            MarketError::NotDatasetOwner { .. } => "market.not_dataset_owner",
            MarketError::DatasetRetired(_) => "market.dataset_retired",
            MarketError::DatasetNegativeListed { .. } => "market.dataset_negative_listed",
            MarketError::DatasetNotShareable(_) => "market.dataset_not_shareable",
            MarketError::CoreDataset(_) => "market.core_dataset",
            MarketError::NoFields => "market.no_fields",
            MarketError::FieldsOutsideDataset { .. } => "market.fields_outside_dataset",
            MarketError::UnknownListing(_) => "market.unknown_listing",
            MarketError::NotListingSeller { .. } => "market.not_listing_seller",
            MarketError::ListingNotPending { .. } => "market.listing_not_pending",
            MarketError::ListingClosed { .. } => "market.listing_closed",
            MarketError::AlreadyFrozen { .. } => "market.already_frozen",
            MarketError::NotFrozen(_) => "market.not_frozen",
            MarketError::EmptyReason => "market.empty_reason",
            MarketError::ListingNotApproved { .. } => "market.listing_not_approved",
            MarketError::ListingFrozen { .. } => "market.listing_frozen",
            MarketError::ListingExpired { .. } => "market.listing_expired",
            MarketError::OwnListing(_) => "market.own_listing",
            MarketError::InsufficientBalance { .. } => "market.insufficient_balance",
            MarketError::Overflow { .. } => "market.overflow",
            MarketError::UnknownOrder(_) => "market.unknown_order",
            MarketError::NotBuyer { .. } => "market.not_buyer",
            MarketError::NotOrderSeller { .. } => "market.not_order_seller",
            MarketError::WrongOrderStatus { .. } => "market.wrong_order_status",
            MarketError::DeliveryWindowPassed { .. } => "market.delivery_window_passed",
            MarketError::DeliveryWindowOpen { .. } => "market.delivery_window_open",
            MarketError::AcceptanceWindowPassed { .. } => "market.acceptance_window_passed",
            MarketError::AcceptanceWindowOpen { .. } => "market.acceptance_window_open",
            MarketError::InvalidSplit(_) => "market.invalid_split",
            MarketError::ArbiterIsParty { .. } => "market.arbiter_is_party",
            MarketError::ReviewerIsSeller { .. } => "market.reviewer_is_seller",
            MarketError::WindowOutOfBounds { .. } => "market.window_out_of_bounds",
            MarketError::InvalidWindowRules(_) => "market.invalid_window_rules",
            MarketError::FeeRateOutOfRange { .. } => "market.fee_rate_out_of_range",
        }
    }
}

refusal!(MarketError);
