//! The data exchange. A department or trader lists a data product; the exchange center's
//! compliance review approves or rejects it; a regulator can freeze it. A buyer's order puts
//! `price + fee` into the settlement escrow, which pays out exactly once: to the seller (price) and
//! the reviewing exchange center (fee) when the buyer accepts, lets the acceptance window pass, or
//! loses a dispute; back to the buyer when the seller never delivers or the buyer wins a dispute;
//! or split by the exchange center's ruling. Every payout adds up to exactly what was escrowed. A
//! paid order for a catalog data set issues the buyer a grant, so its uses leave receipts.

use crate::catalog::{Dataset, load_dataset};
use crate::grants::{GrantTerms, issue_grant};
use crate::orgs::has_any_role;
use crate::settlement::{balance_key, lock_in_escrow, release_from_escrow};
use crate::store::{Store, View};
use borsh::{BorshDeserialize, BorshSerialize};
use shulian_runtime::call::{Bound, Classification, MarketCall, Product, Ruling, SharingAttribute, Validity};
use shulian_runtime::domain;
use shulian_runtime::events::Event;
use shulian_runtime::exec::{ExecError, TxContext};
use shulian_runtime::genesis::Role;
use shulian_runtime::hash::Hash;
use shulian_runtime::ids::{AccountId, DatasetId, Fen, GrantId, Height, ListingId, OrderId, RequestId};
use shulian_runtime::state::{StateReader, StorageError};
use std::collections::BTreeSet;
use std::fmt;

mod error;

pub use crate::settlement::{escrow_balance, total_supply};
pub use error::MarketError;

/// Blocks after placement during which the seller may confirm delivery; from
/// `placed_at + DELIVERY_WINDOW` on, the buyer may cancel for a full refund.
pub const DELIVERY_WINDOW: u64 = 100;
/// Blocks after delivery during which the buyer may dispute; from `delivered_at +
/// ACCEPTANCE_WINDOW` on, the seller may claim payment.
pub const ACCEPTANCE_WINDOW: u64 = 100;
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
    /// First height at which delivery can no longer be confirmed (and the buyer may cancel).
    pub delivery_deadline: Height,
    /// blake3 of what was delivered.
    pub delivery_hash: Option<Hash>,
    /// First height at which the buyer can no longer dispute (and the seller may claim).
    pub acceptance_deadline: Option<Height>,
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
        } => {
            if !has_any_role(ctx, &ctx.sender, &[Role::Department, Role::Trader])? {
                return Err(MarketError::NotSellerRole(ctx.sender).into());
            }
            if *price == Fen::ZERO {
                return Err(MarketError::ZeroPrice.into());
            }
            if purpose.trim().is_empty() {
                return Err(MarketError::EmptyPurpose.into());
            }
            if delivery_method.trim().is_empty() {
                return Err(MarketError::EmptyDeliveryMethod.into());
            }
            if *max_uses == 0 {
                return Err(MarketError::ZeroMaxUses.into());
            }
            check_window(ctx, validity)?;
            let scope: BTreeSet<String> = fields.iter().cloned().collect();
            match product {
                Product::Dataset(id) => {
                    let d = listable(ctx, id, &ctx.sender)?;
                    if scope.is_empty() {
                        return Err(MarketError::NoFields.into());
                    }
                    let outside: Vec<String> = scope.iter().filter(|f| !d.fields.contains(f)).cloned().collect();
                    if !outside.is_empty() {
                        return Err(MarketError::FieldsOutsideDataset { dataset: *id, fields: outside }.into());
                    }
                }
                Product::OffCatalog { name, .. } if name.trim().is_empty() => {
                    return Err(MarketError::EmptyName.into());
                }
                Product::OffCatalog { .. } => {}
            }
            // One listing per transaction, so the transaction hash makes the id unique.
            let id = listing_id_for(&ctx.tx_hash);
            let l = Listing {
                id,
                seller: ctx.sender,
                product: product.clone(),
                price: *price,
                licence_terms_hash: *licence_terms_hash,
                delivery_method: delivery_method.clone(),
                purpose: purpose.clone(),
                validity: *validity,
                fields: scope.into_iter().collect(),
                max_uses: *max_uses,
                status: ListingStatus::PendingReview,
                frozen: None,
                reviewed_by: None,
                submitted_at: ctx.height,
            };
            ctx.put(listing_key(&id), &l)?;
            ctx.emit(Event::ListingSubmitted {
                listing: id,
                seller: l.seller,
                dataset: l.product.dataset(),
                price: l.price,
                max_uses: l.max_uses,
            });
            Ok(())
        }
        MarketCall::ReviewListing { listing, approve, reason } => {
            exchange_center(ctx)?;
            let mut l = load_listing(ctx, listing)?;
            if l.status != ListingStatus::PendingReview {
                return Err(MarketError::ListingNotPending { listing: *listing, status: l.status.name() }.into());
            }
            if *approve {
                // The data set may have been negative-listed or retired since submission.
                if let Some(id) = l.product.dataset() {
                    listable(ctx, &id, &l.seller)?;
                }
                l.status = ListingStatus::Approved;
                l.reviewed_by = Some(ctx.sender);
            } else {
                if reason.trim().is_empty() {
                    return Err(MarketError::EmptyReason.into());
                }
                l.status = ListingStatus::Rejected { reason: reason.clone() };
            }
            ctx.put(listing_key(listing), &l)?;
            ctx.emit(Event::ListingReviewed {
                listing: l.id,
                seller: l.seller,
                dataset: l.product.dataset(),
                reviewer: ctx.sender,
                approved: *approve,
                reason: reason.clone(),
            });
            Ok(())
        }
        MarketCall::FreezeListing { listing, reason } => {
            let mut l = regulated(ctx, listing, reason)?;
            if !l.status.is_open() {
                return Err(MarketError::ListingClosed { listing: *listing, status: l.status.name() }.into());
            }
            if let Some(standing) = l.frozen {
                return Err(MarketError::AlreadyFrozen { listing: *listing, reason: standing }.into());
            }
            l.frozen = Some(reason.clone());
            ctx.put(listing_key(listing), &l)?;
            ctx.emit(Event::ListingFrozen {
                listing: l.id,
                seller: l.seller,
                dataset: l.product.dataset(),
                regulator: ctx.sender,
                reason: reason.clone(),
            });
            Ok(())
        }
        MarketCall::UnfreezeListing { listing, reason } => {
            let mut l = regulated(ctx, listing, reason)?;
            if l.frozen.take().is_none() {
                return Err(MarketError::NotFrozen(*listing).into());
            }
            ctx.put(listing_key(listing), &l)?;
            ctx.emit(Event::ListingUnfrozen {
                listing: l.id,
                seller: l.seller,
                dataset: l.product.dataset(),
                regulator: ctx.sender,
                reason: reason.clone(),
            });
            Ok(())
        }
        MarketCall::WithdrawListing { listing } => {
            let mut l = load_listing(ctx, listing)?;
            if l.seller != ctx.sender {
                return Err(
                    MarketError::NotListingSeller { listing: *listing, seller: l.seller, sender: ctx.sender }.into()
                );
            }
            if !l.status.is_open() {
                return Err(MarketError::ListingClosed { listing: *listing, status: l.status.name() }.into());
            }
            l.status = ListingStatus::Withdrawn;
            ctx.put(listing_key(listing), &l)?;
            ctx.emit(Event::ListingWithdrawn { listing: l.id, seller: l.seller, dataset: l.product.dataset() });
            Ok(())
        }
        MarketCall::PlaceOrder { listing } => place(ctx, listing),
        MarketCall::ConfirmDelivery { order, delivery_hash } => {
            let mut o = load_order(ctx, order)?;
            o.by_seller(ctx.sender)?;
            o.expect(OrderStatus::Placed, "confirming delivery")?;
            if ctx.height >= o.delivery_deadline {
                return Err(MarketError::DeliveryWindowPassed {
                    order: *order,
                    deadline: o.delivery_deadline,
                    height: ctx.height,
                }
                .into());
            }
            o.delivery_hash = Some(*delivery_hash);
            o.acceptance_deadline = Some(Height(ctx.height.0.saturating_add(ACCEPTANCE_WINDOW)));
            o.enter(ctx.height, OrderStatus::Delivered);
            ctx.put(order_key(order), &o)?;
            ctx.emit(Event::DeliveryConfirmed {
                order: o.id,
                listing: o.listing,
                buyer: o.buyer,
                seller: o.seller,
                dataset: o.dataset,
                delivery_hash: *delivery_hash,
            });
            Ok(())
        }
        MarketCall::AcceptDelivery { order } => {
            let o = load_order(ctx, order)?;
            o.by_buyer(ctx.sender)?;
            o.expect(OrderStatus::Delivered, "accepting delivery")?;
            // Accepting after the acceptance window is allowed: it pays exactly what the seller's
            // claim would.
            settle(ctx, o, Ruling::Pay, OrderStatus::Accepted, |o, p| Event::DeliveryAccepted {
                order: o.id,
                listing: o.listing,
                buyer: o.buyer,
                seller: o.seller,
                dataset: o.dataset,
                exchange: o.exchange,
                to_seller: p.to_seller,
                fee: p.fee,
            })
        }
        MarketCall::OpenDispute { order, reason } => {
            let mut o = load_order(ctx, order)?;
            o.by_buyer(ctx.sender)?;
            o.expect(OrderStatus::Delivered, "opening a dispute")?;
            let deadline = o.acceptance_deadline()?;
            if ctx.height >= deadline {
                return Err(MarketError::AcceptanceWindowPassed { order: *order, deadline, height: ctx.height }.into());
            }
            if reason.trim().is_empty() {
                return Err(MarketError::EmptyReason.into());
            }
            o.dispute = Some(reason.clone());
            o.enter(ctx.height, OrderStatus::Disputed);
            ctx.put(order_key(order), &o)?;
            ctx.emit(Event::DisputeOpened {
                order: o.id,
                listing: o.listing,
                buyer: o.buyer,
                seller: o.seller,
                dataset: o.dataset,
                reason: reason.clone(),
            });
            Ok(())
        }
        MarketCall::Arbitrate { order, ruling } => {
            exchange_center(ctx)?;
            let mut o = load_order(ctx, order)?;
            o.expect(OrderStatus::Disputed, "arbitration")?;
            if ctx.sender == o.buyer || ctx.sender == o.seller {
                return Err(MarketError::ArbiterIsParty { order: *order, arbiter: ctx.sender }.into());
            }
            if let Ruling::Split { buyer_bps } = ruling
                && *buyer_bps > BPS_WHOLE
            {
                return Err(MarketError::InvalidSplit(*buyer_bps).into());
            }
            o.ruling = Some(*ruling);
            let arbiter = ctx.sender;
            settle(ctx, o, *ruling, OrderStatus::Arbitrated, |o, p| Event::DisputeArbitrated {
                order: o.id,
                listing: o.listing,
                buyer: o.buyer,
                seller: o.seller,
                dataset: o.dataset,
                arbiter,
                ruling: *ruling,
                to_buyer: p.to_buyer,
                to_seller: p.to_seller,
                fee: p.fee,
            })
        }
        MarketCall::CancelOrder { order } => {
            let o = load_order(ctx, order)?;
            o.by_buyer(ctx.sender)?;
            o.expect(OrderStatus::Placed, "cancelling")?;
            if ctx.height < o.delivery_deadline {
                return Err(MarketError::DeliveryWindowOpen {
                    order: *order,
                    deadline: o.delivery_deadline,
                    height: ctx.height,
                }
                .into());
            }
            settle(ctx, o, Ruling::Refund, OrderStatus::Cancelled, |o, p| Event::OrderCancelled {
                order: o.id,
                listing: o.listing,
                buyer: o.buyer,
                seller: o.seller,
                dataset: o.dataset,
                refund: p.to_buyer,
            })
        }
        MarketCall::ClaimSettlement { order } => {
            let o = load_order(ctx, order)?;
            o.by_seller(ctx.sender)?;
            o.expect(OrderStatus::Delivered, "claiming settlement")?;
            let deadline = o.acceptance_deadline()?;
            if ctx.height < deadline {
                return Err(MarketError::AcceptanceWindowOpen { order: *order, deadline, height: ctx.height }.into());
            }
            settle(ctx, o, Ruling::Pay, OrderStatus::Claimed, |o, p| Event::SettlementClaimed {
                order: o.id,
                listing: o.listing,
                buyer: o.buyer,
                seller: o.seller,
                dataset: o.dataset,
                exchange: o.exchange,
                to_seller: p.to_seller,
                fee: p.fee,
            })
        }
        MarketCall::SetFeeRate { bps } => {
            exchange_center(ctx)?;
            if *bps > MAX_FEE_BPS {
                return Err(MarketError::FeeRateOutOfRange { bps: *bps, max: MAX_FEE_BPS }.into());
            }
            let old_bps = load_fee_rate(ctx)?;
            ctx.put(FEE_BPS_KEY.to_vec(), bps)?;
            ctx.emit(Event::FeeRateSet { by: ctx.sender, old_bps, new_bps: *bps });
            Ok(())
        }
    }
}

fn place(ctx: &mut TxContext<'_>, listing: &ListingId) -> Result<(), ExecError> {
    let buyer = ctx.sender;
    if !has_any_role(ctx, &buyer, &[Role::Department, Role::Trader])? {
        return Err(MarketError::NotBuyerRole(buyer).into());
    }
    let l = load_listing(ctx, listing)?;
    if l.seller == buyer {
        return Err(MarketError::OwnListing(*listing).into());
    }
    if l.status != ListingStatus::Approved {
        return Err(MarketError::ListingNotApproved { listing: *listing, status: l.status.name() }.into());
    }
    if let Some(reason) = &l.frozen {
        return Err(MarketError::ListingFrozen { listing: *listing, reason: reason.clone() }.into());
    }
    if l.validity.until.reached(ctx.height, ctx.timestamp_ms) {
        return Err(MarketError::ListingExpired { listing: *listing, until: l.validity.until }.into());
    }
    if let Some(id) = l.product.dataset() {
        listable(ctx, &id, &l.seller)?;
    }
    let exchange =
        l.reviewed_by.ok_or_else(|| StorageError::Corrupt(format!("approved listing {listing} has no reviewer")))?;
    let price = l.price;
    let fee = fee_for(price, load_fee_rate(ctx)?);
    let total = price.checked_add(fee).ok_or(MarketError::Overflow { price, fee })?;
    let balance = ctx.get::<Fen>(&balance_key(&buyer))?.unwrap_or(Fen::ZERO);
    if balance < total {
        return Err(MarketError::InsufficientBalance { buyer, balance, price, fee, total }.into());
    }
    lock_in_escrow(ctx, &buyer, total)?;
    // One order per transaction, so the transaction hash makes the id unique.
    let id = order_id_for(&ctx.tx_hash);
    let o = Order {
        id,
        listing: *listing,
        buyer,
        seller: l.seller,
        dataset: l.product.dataset(),
        price,
        fee,
        exchange,
        status: OrderStatus::Placed,
        placed_at: ctx.height,
        delivery_deadline: Height(ctx.height.0.saturating_add(DELIVERY_WINDOW)),
        delivery_hash: None,
        acceptance_deadline: None,
        dispute: None,
        ruling: None,
        grant: None,
        history: vec![(ctx.height, OrderStatus::Placed)],
    };
    ctx.put(order_key(&id), &o)?;
    ctx.emit(Event::OrderPlaced {
        order: id,
        listing: *listing,
        buyer,
        seller: o.seller,
        dataset: o.dataset,
        price,
        fee,
    });
    Ok(())
}

impl Order {
    fn by_buyer(&self, sender: AccountId) -> Result<(), MarketError> {
        if sender != self.buyer {
            return Err(MarketError::NotBuyer { order: self.id, buyer: self.buyer, sender });
        }
        Ok(())
    }

    fn by_seller(&self, sender: AccountId) -> Result<(), MarketError> {
        if sender != self.seller {
            return Err(MarketError::NotOrderSeller { order: self.id, seller: self.seller, sender });
        }
        Ok(())
    }

    fn expect(&self, expected: OrderStatus, action: &'static str) -> Result<(), MarketError> {
        if self.status != expected {
            return Err(MarketError::WrongOrderStatus { order: self.id, status: self.status, expected, action });
        }
        Ok(())
    }

    fn acceptance_deadline(&self) -> Result<Height, StorageError> {
        self.acceptance_deadline
            .ok_or_else(|| StorageError::Corrupt(format!("delivered order {} has no acceptance deadline", self.id)))
    }

    fn enter(&mut self, height: Height, status: OrderStatus) {
        self.status = status;
        self.history.push((height, status));
    }
}

/// Pays out the whole escrow of `o` as `ruling` says, moves `o` to `status`, emits the step's
/// event, then (if the seller was paid for a data set) issues the buyer's grant, and stores `o`.
fn settle(
    ctx: &mut TxContext<'_>,
    mut o: Order,
    ruling: Ruling,
    status: OrderStatus,
    event: impl FnOnce(&Order, Payout) -> Event,
) -> Result<(), ExecError> {
    let p = ruling_payout(o.price, o.fee, ruling).ok_or(MarketError::Overflow { price: o.price, fee: o.fee })?;
    release_from_escrow(ctx, &o.buyer, p.to_buyer)?;
    release_from_escrow(ctx, &o.seller, p.to_seller)?;
    release_from_escrow(ctx, &o.exchange, p.fee)?;
    o.enter(ctx.height, status);
    ctx.emit(event(&o, p));
    if ruling != Ruling::Refund
        && let Some(dataset) = o.dataset
    {
        let l = load_listing(ctx, &o.listing)?;
        // The grant is issued even if the data set was negative-listed since: the grant then
        // cannot be used until it comes off the list, like any other grant.
        let version = load_dataset(ctx, &dataset)?.map_or(0, |d| d.version);
        let terms = GrantTerms {
            request: grant_request_for(&o.id),
            grantor: o.seller,
            grantee: o.buyer,
            dataset,
            purpose: l.purpose,
            fields: l.fields,
            validity: l.validity,
            max_uses: l.max_uses,
        };
        o.grant = Some(issue_grant(ctx, terms, version)?);
    }
    ctx.put(order_key(&o.id), &o)?;
    Ok(())
}

/// The data set, if `seller` owns it and it may be traded: not retired, not negative-listed,
/// shareable, not core.
fn listable(ctx: &TxContext<'_>, id: &DatasetId, seller: &AccountId) -> Result<Dataset, ExecError> {
    let d = load_dataset(ctx, id)?.ok_or(MarketError::UnknownDataset(*id))?;
    if d.owner != *seller {
        return Err(MarketError::NotDatasetOwner { dataset: *id, owner: d.owner, sender: *seller }.into());
    }
    if d.retired {
        return Err(MarketError::DatasetRetired(*id).into());
    }
    if let Some(reason) = &d.negative_listed {
        return Err(MarketError::DatasetNegativeListed { dataset: *id, reason: reason.clone() }.into());
    }
    if d.sharing == SharingAttribute::NotShareable {
        return Err(MarketError::DatasetNotShareable(*id).into());
    }
    if d.classification == Classification::Core {
        return Err(MarketError::CoreDataset(*id).into());
    }
    Ok(d)
}

fn check_window(ctx: &TxContext<'_>, v: &Validity) -> Result<(), MarketError> {
    let empty = match (v.from, v.until) {
        (Bound::Height(a), Bound::Height(b)) => a >= b,
        (Bound::Time(a), Bound::Time(b)) => a >= b,
        // Mixed bounds cannot be compared ahead of time.
        _ => false,
    };
    if empty {
        return Err(MarketError::EmptyWindow { from: v.from, until: v.until });
    }
    if v.until.reached(ctx.height, ctx.timestamp_ms) {
        return Err(MarketError::WindowEnded(v.until));
    }
    Ok(())
}

fn exchange_center(ctx: &TxContext<'_>) -> Result<(), ExecError> {
    if !has_any_role(ctx, &ctx.sender, &[Role::ExchangeCenter])? {
        return Err(MarketError::NotExchangeCenter(ctx.sender).into());
    }
    Ok(())
}

fn regulated(ctx: &TxContext<'_>, id: &ListingId, reason: &str) -> Result<Listing, ExecError> {
    if !has_any_role(ctx, &ctx.sender, &[Role::Regulator])? {
        return Err(MarketError::NotRegulator(ctx.sender).into());
    }
    if reason.trim().is_empty() {
        return Err(MarketError::EmptyReason.into());
    }
    load_listing(ctx, id)
}

fn load_listing(ctx: &TxContext<'_>, id: &ListingId) -> Result<Listing, ExecError> {
    Ok(ctx.read(&listing_key(id))?.ok_or(MarketError::UnknownListing(*id))?)
}

fn load_order(ctx: &TxContext<'_>, id: &OrderId) -> Result<Order, ExecError> {
    Ok(ctx.read(&order_key(id))?.ok_or(MarketError::UnknownOrder(*id))?)
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
