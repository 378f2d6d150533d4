//! Listings: submission, the exchange center's review, a regulator's freeze, withdrawal.

use super::{
    Listing, ListingStatus, MarketError, exchange_center, listing_id_for, listing_key, load_window_rules,
    resolve_windows,
};
use crate::catalog::{Dataset, load_dataset};
use crate::orgs::has_any_role;
use crate::store::Store;
use crate::terms::{self, Refusal};
use shulian_runtime::call::{Classification, Product, TradeWindows, Validity};
use shulian_runtime::events::Event;
use shulian_runtime::exec::{ExecError, TxContext};
use shulian_runtime::genesis::Role;
use shulian_runtime::hash::Hash;
use shulian_runtime::ids::{AccountId, DatasetId, Fen, ListingId};
use std::collections::BTreeSet;

/// The fields of a `MarketCall::SubmitListing`, borrowed from the call.
pub(super) struct NewListing<'a> {
    pub(super) product: &'a Product,
    pub(super) price: &'a Fen,
    pub(super) licence_terms_hash: &'a Hash,
    pub(super) delivery_method: &'a String,
    pub(super) purpose: &'a String,
    pub(super) validity: &'a Validity,
    pub(super) fields: &'a [String],
    pub(super) max_uses: &'a u64,
    pub(super) windows: &'a TradeWindows,
}

/// `MarketCall::SubmitListing`: a department or trader offers a product; it waits for review.
pub(super) fn submit_listing(ctx: &mut TxContext<'_>, new: NewListing<'_>) -> Result<(), ExecError> {
    let NewListing {
        product,
        price,
        licence_terms_hash,
        delivery_method,
        purpose,
        validity,
        fields,
        max_uses,
        windows,
    } = new;
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
    terms::check_window(validity, ctx.timestamp_ms).map_err(refused)?;
    let (delivery_window_ms, acceptance_window_ms) = resolve_windows(&load_window_rules(ctx)?, windows)?;
    let scope: BTreeSet<String> = match product {
        Product::Dataset(id) => {
            let d = listable(ctx, id, &ctx.sender)?;
            terms::field_scope(&d, fields).map_err(refused)?
        }
        Product::OffCatalog { name, .. } if name.trim().is_empty() => {
            return Err(MarketError::EmptyName.into());
        }
        Product::OffCatalog { .. } => fields.iter().cloned().collect(),
    };
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
        delivery_window_ms,
        acceptance_window_ms,
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

/// `MarketCall::ReviewListing`: the exchange center approves or rejects a pending listing.
pub(super) fn review_listing(
    ctx: &mut TxContext<'_>,
    listing: &ListingId,
    approve: bool,
    reason: &str,
) -> Result<(), ExecError> {
    exchange_center(ctx)?;
    let mut l = load_listing(ctx, listing)?;
    if l.status != ListingStatus::PendingReview {
        return Err(MarketError::ListingNotPending { listing: *listing, status: l.status.name() }.into());
    }
    // Separation of duties: the exchange center clears a listing's orders and earns their fees,
    // so it does not review a listing it sells itself.
    if l.seller == ctx.sender {
        return Err(MarketError::ReviewerIsSeller { listing: *listing, reviewer: ctx.sender }.into());
    }
    if approve {
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
        l.status = ListingStatus::Rejected { reason: reason.to_owned() };
    }
    ctx.put(listing_key(listing), &l)?;
    ctx.emit(Event::ListingReviewed {
        listing: l.id,
        seller: l.seller,
        dataset: l.product.dataset(),
        reviewer: ctx.sender,
        approved: approve,
        reason: reason.to_owned(),
    });
    Ok(())
}

/// `MarketCall::FreezeListing`: a regulator stops orders on an open listing.
pub(super) fn freeze_listing(ctx: &mut TxContext<'_>, listing: &ListingId, reason: &str) -> Result<(), ExecError> {
    let mut l = regulated(ctx, listing, reason)?;
    if !l.status.is_open() {
        return Err(MarketError::ListingClosed { listing: *listing, status: l.status.name() }.into());
    }
    if let Some(standing) = l.frozen {
        return Err(MarketError::AlreadyFrozen { listing: *listing, reason: standing }.into());
    }
    l.frozen = Some(reason.to_owned());
    ctx.put(listing_key(listing), &l)?;
    ctx.emit(Event::ListingFrozen {
        listing: l.id,
        seller: l.seller,
        dataset: l.product.dataset(),
        regulator: ctx.sender,
        reason: reason.to_owned(),
    });
    Ok(())
}

/// `MarketCall::UnfreezeListing`: a regulator lifts a freeze.
pub(super) fn unfreeze_listing(ctx: &mut TxContext<'_>, listing: &ListingId, reason: &str) -> Result<(), ExecError> {
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
        reason: reason.to_owned(),
    });
    Ok(())
}

/// `MarketCall::WithdrawListing`: the seller takes an open listing off the market.
pub(super) fn withdraw_listing(ctx: &mut TxContext<'_>, listing: &ListingId) -> Result<(), ExecError> {
    let mut l = load_listing(ctx, listing)?;
    if l.seller != ctx.sender {
        return Err(MarketError::NotListingSeller { listing: *listing, seller: l.seller, sender: ctx.sender }.into());
    }
    if !l.status.is_open() {
        return Err(MarketError::ListingClosed { listing: *listing, status: l.status.name() }.into());
    }
    l.status = ListingStatus::Withdrawn;
    ctx.put(listing_key(listing), &l)?;
    ctx.emit(Event::ListingWithdrawn { listing: l.id, seller: l.seller, dataset: l.product.dataset() });
    Ok(())
}

/// The data set, if `seller` owns it and it may be traded: not retired, not negative-listed,
/// shareable, not core.
pub(super) fn listable(ctx: &TxContext<'_>, id: &DatasetId, seller: &AccountId) -> Result<Dataset, ExecError> {
    let d = load_dataset(ctx, id)?.ok_or(MarketError::UnknownDataset(*id))?;
    if d.owner != *seller {
        return Err(MarketError::NotDatasetOwner { dataset: *id, owner: d.owner, sender: *seller }.into());
    }
    terms::check_shareable(&d).map_err(refused)?;
    if d.classification == Classification::Core {
        return Err(MarketError::CoreDataset(*id).into());
    }
    Ok(d)
}

/// The market's error for a refusal of the shared terms checks.
fn refused(r: Refusal) -> MarketError {
    match r {
        Refusal::Window(w) => MarketError::Window(w),
        Refusal::NoFields => MarketError::NoFields,
        Refusal::FieldsOutsideDataset { dataset, fields } => MarketError::FieldsOutsideDataset { dataset, fields },
        Refusal::Retired(dataset) => MarketError::DatasetRetired(dataset),
        Refusal::NegativeListed { dataset, reason } => MarketError::DatasetNegativeListed { dataset, reason },
        Refusal::NotShareable(dataset) => MarketError::DatasetNotShareable(dataset),
    }
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

pub(super) fn load_listing(ctx: &TxContext<'_>, id: &ListingId) -> Result<Listing, ExecError> {
    Ok(ctx.read(&listing_key(id))?.ok_or(MarketError::UnknownListing(*id))?)
}
