//! Orders: placement into escrow, delivery, acceptance, disputes and arbitration, cancellation and
//! the seller's claim; every final step pays out the whole escrow once (`settle`).

use super::listing::{listable, load_listing};
use super::{
    BPS_WHOLE, ListingStatus, MarketError, Order, OrderStatus, Payout, exchange_center, fee_for, grant_request_for,
    load_fee_rate, order_id_for, order_key, ruling_payout,
};
use crate::catalog::load_dataset;
use crate::grants::{GrantTerms, issue_grant};
use crate::orgs::has_any_role;
use crate::settlement::{balance_key, lock_in_escrow, release_from_escrow};
use crate::store::Store;
use shulian_runtime::call::Ruling;
use shulian_runtime::events::Event;
use shulian_runtime::exec::{ExecError, TxContext};
use shulian_runtime::genesis::Role;
use shulian_runtime::hash::Hash;
use shulian_runtime::ids::{AccountId, Fen, Height, ListingId, OrderId};
use shulian_runtime::state::StorageError;
use shulian_runtime::time::LedgerTime;

/// `MarketCall::PlaceOrder`: a buyer pays `price + fee` of an approved listing into escrow.
pub(super) fn place_order(ctx: &mut TxContext<'_>, listing: &ListingId) -> Result<(), ExecError> {
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
    if l.validity.ended(ctx.timestamp_ms) {
        return Err(MarketError::ListingExpired { listing: *listing, until: LedgerTime(l.validity.until_ms) }.into());
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
        placed_at_ms: ctx.timestamp_ms,
        acceptance_window_ms: l.acceptance_window_ms,
        delivery_deadline_ms: ctx.timestamp_ms.saturating_add(l.delivery_window_ms),
        delivery_hash: None,
        acceptance_deadline_ms: None,
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

/// `MarketCall::ConfirmDelivery`: the seller records what it delivered, within the delivery window.
pub(super) fn confirm_delivery(
    ctx: &mut TxContext<'_>,
    order: &OrderId,
    delivery_hash: &Hash,
) -> Result<(), ExecError> {
    let mut o = load_order(ctx, order)?;
    o.by_seller(ctx.sender)?;
    o.expect(OrderStatus::Placed, "confirming delivery")?;
    if ctx.timestamp_ms >= o.delivery_deadline_ms {
        return Err(MarketError::DeliveryWindowPassed {
            order: *order,
            deadline: LedgerTime(o.delivery_deadline_ms),
            now: LedgerTime(ctx.timestamp_ms),
        }
        .into());
    }
    o.delivery_hash = Some(*delivery_hash);
    o.acceptance_deadline_ms = Some(ctx.timestamp_ms.saturating_add(o.acceptance_window_ms));
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

/// `MarketCall::AcceptDelivery`: the buyer accepts; escrow pays the seller and the exchange center.
pub(super) fn accept_delivery(ctx: &mut TxContext<'_>, order: &OrderId) -> Result<(), ExecError> {
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

/// `MarketCall::OpenDispute`: the buyer disputes a delivery within the acceptance window.
pub(super) fn open_dispute(ctx: &mut TxContext<'_>, order: &OrderId, reason: &str) -> Result<(), ExecError> {
    let mut o = load_order(ctx, order)?;
    o.by_buyer(ctx.sender)?;
    o.expect(OrderStatus::Delivered, "opening a dispute")?;
    let deadline = o.acceptance_deadline()?;
    if ctx.timestamp_ms >= deadline {
        return Err(MarketError::AcceptanceWindowPassed {
            order: *order,
            deadline: LedgerTime(deadline),
            now: LedgerTime(ctx.timestamp_ms),
        }
        .into());
    }
    if reason.trim().is_empty() {
        return Err(MarketError::EmptyReason.into());
    }
    o.dispute = Some(reason.to_owned());
    o.enter(ctx.height, OrderStatus::Disputed);
    ctx.put(order_key(order), &o)?;
    ctx.emit(Event::DisputeOpened {
        order: o.id,
        listing: o.listing,
        buyer: o.buyer,
        seller: o.seller,
        dataset: o.dataset,
        reason: reason.to_owned(),
    });
    Ok(())
}

/// `MarketCall::Arbitrate`: an exchange center that is no party rules on a dispute.
pub(super) fn arbitrate(ctx: &mut TxContext<'_>, order: &OrderId, ruling: &Ruling) -> Result<(), ExecError> {
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

/// `MarketCall::CancelOrder`: the buyer takes everything back once the delivery window passed.
pub(super) fn cancel_order(ctx: &mut TxContext<'_>, order: &OrderId) -> Result<(), ExecError> {
    let o = load_order(ctx, order)?;
    o.by_buyer(ctx.sender)?;
    o.expect(OrderStatus::Placed, "cancelling")?;
    if ctx.timestamp_ms < o.delivery_deadline_ms {
        return Err(MarketError::DeliveryWindowOpen {
            order: *order,
            deadline: LedgerTime(o.delivery_deadline_ms),
            now: LedgerTime(ctx.timestamp_ms),
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

/// `MarketCall::ClaimSettlement`: the seller collects once the acceptance window passed.
pub(super) fn claim_settlement(ctx: &mut TxContext<'_>, order: &OrderId) -> Result<(), ExecError> {
    let o = load_order(ctx, order)?;
    o.by_seller(ctx.sender)?;
    o.expect(OrderStatus::Delivered, "claiming settlement")?;
    let deadline = o.acceptance_deadline()?;
    if ctx.timestamp_ms < deadline {
        return Err(MarketError::AcceptanceWindowOpen {
            order: *order,
            deadline: LedgerTime(deadline),
            now: LedgerTime(ctx.timestamp_ms),
        }
        .into());
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

    fn acceptance_deadline(&self) -> Result<u64, StorageError> {
        self.acceptance_deadline_ms
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

fn load_order(ctx: &TxContext<'_>, id: &OrderId) -> Result<Order, ExecError> {
    Ok(ctx.read(&order_key(id))?.ok_or(MarketError::UnknownOrder(*id))?)
}
