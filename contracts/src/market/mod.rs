//! The data exchange. A department or trader lists a data product; the exchange center's
//! compliance review approves or rejects it; a regulator can freeze it. A buyer's order puts
//! `price + fee` into the settlement escrow, which pays out exactly once: to the seller (price) and
//! the reviewing exchange center (fee) when the buyer accepts, lets the acceptance window pass, or
//! loses a dispute; back to the buyer when the seller never delivers or the buyer wins a dispute;
//! or split by the exchange center's ruling. Every payout adds up to exactly what was escrowed. A
//! paid order for a catalog data set issues the buyer a grant, so its uses leave receipts.

use crate::orgs::has_any_role;
use crate::store::{Store, View};
use borsh::{BorshDeserialize, BorshSerialize};
use shulian_runtime::call::{MarketCall, Product, Ruling, TradeWindows, Validity, WindowRules};
use shulian_runtime::domain;
use shulian_runtime::events::Event;
use shulian_runtime::exec::{ExecError, TxContext};
use shulian_runtime::genesis::Role;
use shulian_runtime::hash::Hash;
use shulian_runtime::ids::{AccountId, DatasetId, Fen, GrantId, Height, ListingId, OrderId, RequestId};
use shulian_runtime::state::{StateReader, StorageError};
use shulian_runtime::time::{DAY_MS, HOUR_MS};
use std::fmt;

mod error;
mod listing;
mod order;

pub use crate::settlement::{escrow_balance, total_supply};
pub use error::MarketError;

/// The trade windows' rules until the exchange center sets its own (`MarketCall::SetWindowRules`):
/// a listing may give the seller from one hour to 90 days to deliver and the buyer as long to
/// accept or dispute; one that says nothing gives 7 days to deliver and 3 days to accept, in
/// ledger time (block timestamps), so the windows mean the same under load and when idle.
pub const DEFAULT_WINDOW_RULES: WindowRules = WindowRules {
    min_ms: HOUR_MS,
    max_ms: 90 * DAY_MS,
    default_delivery_ms: 7 * DAY_MS,
    default_acceptance_ms: 3 * DAY_MS,
};
/// State key of the window rules (a borsh [`WindowRules`]; absent means [`DEFAULT_WINDOW_RULES`]).
pub const WINDOW_RULES_KEY: &[u8] = b"market/window_rules";
/// Fee rate written at genesis, in basis points of the price.
pub const DEFAULT_FEE_BPS: u16 = 100;
/// Highest fee rate the exchange center may set (20 %).
pub const MAX_FEE_BPS: u16 = 2_000;
/// Basis points in a whole.
pub const BPS_WHOLE: u16 = 10_000;
/// State key of the fee rate (a `u16` of basis points).
pub const FEE_BPS_KEY: &[u8] = b"market/fee_bps";

/// Where a listing stands in review.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize)]
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

impl ListingStatus {
    /// A short name for messages.
    pub fn name(&self) -> &'static str {
        match self {
            ListingStatus::PendingReview => "pending review",
            ListingStatus::Approved => "approved",
            ListingStatus::Rejected { .. } => "rejected",
            ListingStatus::Withdrawn => "withdrawn",
        }
    }

    fn is_open(&self) -> bool {
        matches!(self, ListingStatus::PendingReview | ListingStatus::Approved)
    }
}

/// A data product offered on the exchange.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize)]
pub struct Listing {
    /// Its id.
    pub id: ListingId,
    /// The seller (for a data set, its owner).
    pub seller: AccountId,
    /// What is sold.
    pub product: Product,
    /// Price in fen, more than zero; the buyer pays the fee on top.
    pub price: Fen,
    /// blake3 of the licence terms.
    pub licence_terms_hash: Hash,
    /// How delivery happens off chain.
    pub delivery_method: String,
    /// Purpose of the grant a paid order issues.
    pub purpose: String,
    /// Validity of that grant; orders are refused once it has ended.
    pub validity: Validity,
    /// Fields sold, sorted and unique.
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

/// Where an order stands. `Accepted`, `Claimed`, `Arbitrated` and `Cancelled` are final: the
/// escrow has paid the order out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize)]
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

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OrderStatus::Placed => "placed",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Accepted => "accepted",
            OrderStatus::Disputed => "disputed",
            OrderStatus::Claimed => "claimed",
            OrderStatus::Arbitrated => "arbitrated",
            OrderStatus::Cancelled => "cancelled",
        })
    }
}

/// A purchase of a listing. Invariant: while the status is not final, `price + fee` of it is in
/// escrow; the final transition pays out exactly that.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize)]
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
    /// The exchange center that receives the fee (the listing's reviewer).
    pub exchange: AccountId,
    /// Current status.
    pub status: OrderStatus,
    /// Height of placement.
    pub placed_at: Height,
    /// Ledger time of placement, ms.
    pub placed_at_ms: u64,
    /// The listing's acceptance window at placement, ms: the acceptance deadline is this long
    /// after delivery.
    pub acceptance_window_ms: u64,
    /// First ledger time (ms) at which delivery can no longer be confirmed (and the buyer may
    /// cancel).
    pub delivery_deadline_ms: u64,
    /// blake3 of what was delivered.
    pub delivery_hash: Option<Hash>,
    /// First ledger time (ms) at which the buyer can no longer dispute (and the seller may claim).
    pub acceptance_deadline_ms: Option<u64>,
    /// The buyer's dispute reason.
    pub dispute: Option<String>,
    /// The exchange center's ruling.
    pub ruling: Option<Ruling>,
    /// The grant issued to the buyer when paid.
    pub grant: Option<GrantId>,
    /// Every status the order has had, with the height it was entered, oldest first.
    pub history: Vec<(Height, OrderStatus)>,
}

/// How an order's escrow is paid out. Invariant: `to_buyer + to_seller + fee == price + fee`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Payout {
    /// Back to the buyer.
    pub to_buyer: Fen,
    /// To the seller.
    pub to_seller: Fen,
    /// To the exchange center.
    pub fee: Fen,
}

/// The exchange fee on `price` at `bps`: `floor(price * bps / 10000)`, never more than the price.
pub fn fee_for(price: Fen, bps: u16) -> Fen {
    let f = u128::from(price.0) * u128::from(bps) / u128::from(BPS_WHOLE);
    // f <= price whenever bps <= 10000; clamp in case a larger rate ever reaches here.
    Fen(u64::try_from(f).unwrap_or(price.0).min(price.0))
}

/// The payout of a ruling on an order of `price` with `fee` in escrow: Refund returns
/// `price + fee` to the buyer; Pay gives the seller the price and the exchange the fee; Split gives
/// the buyer `floor(price * buyer_bps / 10000)`, the seller the rest of the price (so the rounding
/// fen goes to the seller) and the exchange the fee. `None` if `buyer_bps > 10000`.
pub fn ruling_payout(price: Fen, fee: Fen, ruling: Ruling) -> Option<Payout> {
    match ruling {
        Ruling::Refund => Some(Payout { to_buyer: price.checked_add(fee)?, to_seller: Fen::ZERO, fee: Fen::ZERO }),
        Ruling::Pay => Some(Payout { to_buyer: Fen::ZERO, to_seller: price, fee }),
        Ruling::Split { buyer_bps } if buyer_bps <= BPS_WHOLE => {
            let b = u128::from(price.0) * u128::from(buyer_bps) / u128::from(BPS_WHOLE);
            let to_buyer = Fen(u64::try_from(b).ok()?);
            Some(Payout { to_buyer, to_seller: price.checked_sub(to_buyer)?, fee })
        }
        Ruling::Split { .. } => None,
    }
}

/// State key of a listing.
pub fn listing_key(id: &ListingId) -> Vec<u8> {
    [b"market/listing/".as_slice(), &id.0].concat()
}

/// State key of an order.
pub fn order_key(id: &OrderId) -> Vec<u8> {
    [b"market/order/".as_slice(), &id.0].concat()
}

/// A listing in committed state.
pub fn get_listing<S: StateReader + ?Sized>(state: &S, id: &ListingId) -> Result<Option<Listing>, StorageError> {
    View(state).read(&listing_key(id))
}

/// An order in committed state, with its history.
pub fn get_order<S: StateReader + ?Sized>(state: &S, id: &OrderId) -> Result<Option<Order>, StorageError> {
    View(state).read(&order_key(id))
}

/// The fee rate for new orders in committed state, in basis points.
pub fn fee_rate<S: StateReader + ?Sized>(state: &S) -> Result<u16, StorageError> {
    load_fee_rate(&View(state))
}

fn load_fee_rate<R: Store + ?Sized>(s: &R) -> Result<u16, StorageError> {
    Ok(s.read::<u16>(FEE_BPS_KEY)?.unwrap_or(DEFAULT_FEE_BPS))
}

/// The trade windows' rules for new listings in committed state.
pub fn window_rules<S: StateReader + ?Sized>(state: &S) -> Result<WindowRules, StorageError> {
    load_window_rules(&View(state))
}

fn load_window_rules<R: Store + ?Sized>(s: &R) -> Result<WindowRules, StorageError> {
    Ok(s.read::<WindowRules>(WINDOW_RULES_KEY)?.unwrap_or(DEFAULT_WINDOW_RULES))
}

/// A listing's windows: each one asked for within the rules' bounds, the defaults otherwise.
fn resolve_windows(rules: &WindowRules, asked: &TradeWindows) -> Result<(u64, u64), MarketError> {
    let pick = |which: &'static str, asked: Option<u64>, default: u64| match asked {
        None => Ok(default),
        Some(ms) if (rules.min_ms..=rules.max_ms).contains(&ms) => Ok(ms),
        Some(ms) => Err(MarketError::WindowOutOfBounds { which, ms, min_ms: rules.min_ms, max_ms: rules.max_ms }),
    };
    Ok((
        pick("delivery", asked.delivery_ms, rules.default_delivery_ms)?,
        pick("acceptance", asked.acceptance_ms, rules.default_acceptance_ms)?,
    ))
}

/// The request id a market grant answers: derived from the order, so an order issues one grant.
pub fn grant_request_for(order: &OrderId) -> RequestId {
    RequestId::from(Hash::tagged(domain::ORDER_GRANT_REQUEST_ID, &order.0))
}

/// The id of the listing submitted by the transaction `tx` (one listing per transaction).
pub fn listing_id_for(tx: &Hash) -> ListingId {
    ListingId::from(Hash::tagged(domain::LISTING_ID, tx.as_bytes()))
}

/// The id of the order placed by the transaction `tx` (one order per transaction).
pub fn order_id_for(tx: &Hash) -> OrderId {
    OrderId::from(Hash::tagged(domain::ORDER_ID, tx.as_bytes()))
}

/// Writes the default fee rate.
pub(crate) fn init_genesis(ctx: &mut TxContext<'_>) -> Result<(), ExecError> {
    ctx.put(FEE_BPS_KEY.to_vec(), &DEFAULT_FEE_BPS)?;
    Ok(())
}

/// Executes a market call.
pub(crate) fn execute(ctx: &mut TxContext<'_>, call: &MarketCall) -> Result<(), ExecError> {
    match call {
        MarketCall::SubmitListing {
            product,
            price,
            licence_terms_hash,
            delivery_method,
            purpose,
            validity,
            fields,
            max_uses,
            windows,
        } => listing::submit_listing(
            ctx,
            listing::NewListing {
                product,
                price,
                licence_terms_hash,
                delivery_method,
                purpose,
                validity,
                fields,
                max_uses,
                windows,
            },
        ),
        MarketCall::ReviewListing { listing, approve, reason } => {
            listing::review_listing(ctx, listing, *approve, reason)
        }
        MarketCall::FreezeListing { listing, reason } => listing::freeze_listing(ctx, listing, reason),
        MarketCall::UnfreezeListing { listing, reason } => listing::unfreeze_listing(ctx, listing, reason),
        MarketCall::WithdrawListing { listing } => listing::withdraw_listing(ctx, listing),
        MarketCall::PlaceOrder { listing } => order::place_order(ctx, listing),
        MarketCall::ConfirmDelivery { order, delivery_hash } => order::confirm_delivery(ctx, order, delivery_hash),
        MarketCall::AcceptDelivery { order } => order::accept_delivery(ctx, order),
        MarketCall::OpenDispute { order, reason } => order::open_dispute(ctx, order, reason),
        MarketCall::Arbitrate { order, ruling } => order::arbitrate(ctx, order, ruling),
        MarketCall::CancelOrder { order } => order::cancel_order(ctx, order),
        MarketCall::ClaimSettlement { order } => order::claim_settlement(ctx, order),
        MarketCall::SetFeeRate { bps } => set_fee_rate(ctx, *bps),
        MarketCall::SetWindowRules { rules } => set_window_rules(ctx, rules),
    }
}

/// Longest trade window any rules may allow: one year, so a deadline never overflows ledger time
/// and an order's escrow is never locked for longer.
pub const MAX_WINDOW_MS: u64 = 366 * DAY_MS;

/// `MarketCall::SetWindowRules`: the exchange center sets the windows' bounds and defaults for
/// listings submitted from now on (listings and orders already made keep theirs).
fn set_window_rules(ctx: &mut TxContext<'_>, rules: &WindowRules) -> Result<(), ExecError> {
    exchange_center(ctx)?;
    let why = if rules.min_ms == 0 {
        Some("the shortest window must be longer than zero")
    } else if rules.min_ms > rules.max_ms {
        Some("the shortest window is longer than the longest")
    } else if rules.max_ms > MAX_WINDOW_MS {
        Some("the longest window is over a year")
    } else if !(rules.min_ms..=rules.max_ms).contains(&rules.default_delivery_ms)
        || !(rules.min_ms..=rules.max_ms).contains(&rules.default_acceptance_ms)
    {
        Some("a default window lies outside the bounds")
    } else {
        None
    };
    if let Some(why) = why {
        return Err(MarketError::InvalidWindowRules(why).into());
    }
    let old = load_window_rules(ctx)?;
    ctx.put(WINDOW_RULES_KEY.to_vec(), rules)?;
    ctx.emit(Event::WindowRulesSet { by: ctx.sender, old, new: *rules });
    Ok(())
}

/// `MarketCall::SetFeeRate`: the exchange center sets the fee rate of new orders.
fn set_fee_rate(ctx: &mut TxContext<'_>, bps: u16) -> Result<(), ExecError> {
    exchange_center(ctx)?;
    if bps > MAX_FEE_BPS {
        return Err(MarketError::FeeRateOutOfRange { bps, max: MAX_FEE_BPS }.into());
    }
    let old_bps = load_fee_rate(ctx)?;
    ctx.put(FEE_BPS_KEY.to_vec(), &bps)?;
    ctx.emit(Event::FeeRateSet { by: ctx.sender, old_bps, new_bps: bps });
    Ok(())
}

fn exchange_center(ctx: &TxContext<'_>) -> Result<(), ExecError> {
    if !has_any_role(ctx, &ctx.sender, &[Role::ExchangeCenter])? {
        return Err(MarketError::NotExchangeCenter(ctx.sender).into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fee_rounds_down_and_never_exceeds_the_price() {
        assert_eq!(fee_for(Fen(199), 100), Fen(1));
        assert_eq!(fee_for(Fen(99), 100), Fen(0));
        assert_eq!(fee_for(Fen(u64::MAX), MAX_FEE_BPS), Fen(u64::MAX / 5));
        assert_eq!(fee_for(Fen(7), u16::MAX), Fen(7));
    }

    #[test]
    fn every_ruling_pays_out_exactly_the_escrow() {
        for (price, fee) in [(1u64, 0u64), (999, 9), (10_001, 100), (u64::MAX / 2, 3)] {
            for ruling in [
                Ruling::Refund,
                Ruling::Pay,
                Ruling::Split { buyer_bps: 0 },
                Ruling::Split { buyer_bps: 3_333 },
                Ruling::Split { buyer_bps: 10_000 },
            ] {
                let p = ruling_payout(Fen(price), Fen(fee), ruling).expect("valid ruling");
                let paid = u128::from(p.to_buyer.0) + u128::from(p.to_seller.0) + u128::from(p.fee.0);
                assert_eq!(paid, u128::from(price) + u128::from(fee), "{ruling:?}");
            }
        }
        assert_eq!(ruling_payout(Fen(10), Fen(0), Ruling::Split { buyer_bps: 10_001 }), None);
        let p = ruling_payout(Fen(1_001), Fen(10), Ruling::Split { buyer_bps: 5_000 }).expect("valid");
        assert_eq!((p.to_buyer, p.to_seller, p.fee), (Fen(500), Fen(501), Fen(10)), "the odd fen goes to the seller");
    }
}
