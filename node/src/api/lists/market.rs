//! The market's lists: listings by seller and state, orders by organization, side and state, and
//! an organization's statement (every movement of its settlement balance).

use super::super::limits::Client;
use super::super::view::{Source, View, ViewResult, Window, answer, cost, query};
use super::super::views::record;
use super::super::{ApiError, Shared};
use super::{LISTING_STATES, ORDER_STATES, account, parse_state};
use crate::chain::Chain;
use crate::storage::EventRecord;
use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use shulian_api::lists::{
    LISTING_COLUMNS, ListingRow, ListingState, ORDER_COLUMNS, OrderRole, OrderRow, STATEMENT_COLUMNS, StatementRow,
};
use shulian_api::records::OrderStatus;
use shulian_api::regulator::ViewQuery;
use shulian_contracts::market::{self, ListingStatus};
use shulian_runtime::events::Subject;
use shulian_runtime::{AccountId, Event, EventKind, Fen, OrderId};

/// The listings list's state of a listing.
pub(crate) fn listing_state(l: &market::Listing) -> ListingState {
    match (&l.status, &l.frozen) {
        (ListingStatus::PendingReview, _) => ListingState::PendingReview,
        (ListingStatus::Approved, None) => ListingState::Active,
        (ListingStatus::Approved, Some(_)) => ListingState::Frozen,
        (ListingStatus::Rejected { .. }, _) => ListingState::Rejected,
        (ListingStatus::Withdrawn, _) => ListingState::Withdrawn,
    }
}

/// `GET /api/lists/listings[?seller=][&state=]`: market listings as they are now.
pub(in crate::api) async fn listings(
    State(api): Shared,
    Extension(client): Extension<Client>,
    q: Result<Query<ViewQuery>, QueryRejection>,
) -> ViewResult {
    let q = query(q)?;
    let seller = account(q.seller.as_ref(), "seller")?;
    let state: Option<ListingState> = parse_state(q.state.as_ref(), LISTING_STATES, "listings")?;
    api.run(cost(&q, client), move |chain| listings_view(chain, &q, seller, state)).await
}

fn listings_view(chain: &Chain, q: &ViewQuery, seller: Option<AccountId>, state: Option<ListingState>) -> ViewResult {
    let view = View {
        name: "listings",
        columns: LISTING_COLUMNS,
        source: Source::org_or_kind(seller, EventKind::ListingSubmitted),
        window: Window::of(q),
        row: Box::new(move |chain, rec, time_ms| {
            let Event::ListingSubmitted { listing, seller: by, .. } = &rec.event else { return Ok(None) };
            if seller.is_some_and(|s| s != *by) {
                return Ok(None);
            }
            let Some(l) = market::get_listing(chain.store(), listing).map_err(ApiError::internal)? else {
                return Ok(None);
            };
            let now = listing_state(&l);
            if state.is_some_and(|s| s != now) {
                return Ok(None);
            }
            Ok(Some(ListingRow {
                height: rec.height,
                tx_hash: rec.tx_hash,
                time_ms,
                listing: l.id,
                seller: l.seller,
                dataset: l.product.dataset(),
                price: l.price,
                max_uses: l.max_uses,
                state: now,
                delivery_window_ms: l.delivery_window_ms,
                acceptance_window_ms: l.acceptance_window_ms,
            }))
        }),
    };
    answer(chain, view, q)
}

/// `GET /api/lists/orders[?org=][&role=buyer|seller][&state=]`: orders as they are now. The orders
/// waiting for a department's delivery are `org=X&role=seller&state=placed`.
pub(in crate::api) async fn orders(
    State(api): Shared,
    Extension(client): Extension<Client>,
    q: Result<Query<ViewQuery>, QueryRejection>,
) -> ViewResult {
    let q = query(q)?;
    let org = account(q.org.as_ref(), "org")?;
    if q.role.is_some() && org.is_none() {
        return Err(ApiError::bad_request("role=buyer|seller needs org=<id>, whose side it names"));
    }
    let state: Option<OrderStatus> = parse_state(q.state.as_ref(), ORDER_STATES, "orders")?;
    api.run(cost(&q, client), move |chain| orders_view(chain, &q, org, state)).await
}

fn orders_view(chain: &Chain, q: &ViewQuery, org: Option<AccountId>, state: Option<OrderStatus>) -> ViewResult {
    let role = q.role;
    let view = View {
        name: "orders",
        columns: ORDER_COLUMNS,
        source: Source::org_or_kind(org, EventKind::OrderPlaced),
        window: Window::of(q),
        row: Box::new(move |chain, rec, time_ms| {
            let Event::OrderPlaced { order, buyer, seller, .. } = &rec.event else { return Ok(None) };
            if let Some(o) = org {
                let side = match role {
                    Some(OrderRole::Buyer) => o == *buyer,
                    Some(OrderRole::Seller) => o == *seller,
                    None => o == *buyer || o == *seller,
                };
                if !side {
                    return Ok(None);
                }
            }
            let Some(o) = market::get_order(chain.store(), order).map_err(ApiError::internal)? else {
                return Ok(None);
            };
            let status: OrderStatus = record(&o.status)?;
            if state.is_some_and(|s| s != status) {
                return Ok(None);
            }
            Ok(Some(OrderRow {
                height: rec.height,
                tx_hash: rec.tx_hash,
                time_ms,
                order: o.id,
                listing: o.listing,
                buyer: o.buyer,
                seller: o.seller,
                dataset: o.dataset,
                price: o.price,
                fee: o.fee,
                status,
                delivery_deadline_ms: o.delivery_deadline_ms,
                acceptance_deadline_ms: o.acceptance_deadline_ms,
            }))
        }),
    };
    answer(chain, view, q)
}

/// One movement of an organization's settlement balance.
pub(crate) struct Movement {
    /// Fen received.
    pub(crate) credit: Fen,
    /// Fen paid.
    pub(crate) debit: Fen,
    /// The other account, for a transfer.
    pub(crate) counterparty: Option<AccountId>,
    /// The order, for market movements.
    pub(crate) order: Option<OrderId>,
}

/// How one event moves `org`'s settlement balance, or `None` when it does not. Every event that moves money is here (the settlement contract's
/// transfers, deposits and withdrawals, and the market's escrow: a buyer pays price + fee in at
/// placement, each final step pays the whole escrow out, the fee to the exchange center that
/// reviewed the listing, which an arbitration's event does not name, so the order says).
pub(crate) fn movement(chain: &Chain, org: &AccountId, e: &Event) -> Result<Option<Movement>, ApiError> {
    let zero = Fen::ZERO;
    let is = |a: &AccountId| a == org;
    let pay = |a: &AccountId, v: Fen| if is(a) { v } else { zero };
    let sum = |parts: &[Fen]| -> Result<Fen, ApiError> {
        parts.iter().try_fold(zero, |acc, p| acc.checked_add(*p)).ok_or_else(|| ApiError::internal("fen overflow"))
    };
    let (credit, debit, counterparty, order) = match e {
        Event::Transferred { from, to, amount } if is(to) => (*amount, zero, Some(*from), None),
        Event::Transferred { from, to, amount } if is(from) => (zero, *amount, Some(*to), None),
        Event::Deposited { to, amount, .. } if is(to) => (*amount, zero, None, None),
        Event::Withdrawn { from, amount, .. } if is(from) => (zero, *amount, None, None),
        Event::OrderPlaced { order, buyer, price, fee, .. } if is(buyer) => {
            (zero, sum(&[*price, *fee])?, None, Some(*order))
        }
        Event::DeliveryAccepted { order, seller, exchange, to_seller, fee, .. }
        | Event::SettlementClaimed { order, seller, exchange, to_seller, fee, .. } => {
            (sum(&[pay(seller, *to_seller), pay(exchange, *fee)])?, zero, None, Some(*order))
        }
        Event::DisputeArbitrated { order, buyer, seller, to_buyer, to_seller, fee, .. } => {
            let exchange = match market::get_order(chain.store(), order).map_err(ApiError::internal)? {
                Some(o) => o.exchange,
                None => return Err(ApiError::internal(format!("arbitrated order {order} is not stored"))),
            };
            (sum(&[pay(buyer, *to_buyer), pay(seller, *to_seller), pay(&exchange, *fee)])?, zero, None, Some(*order))
        }
        Event::OrderCancelled { order, buyer, refund, .. } if is(buyer) => (*refund, zero, None, Some(*order)),
        _ => return Ok(None),
    };
    Ok((credit != zero || debit != zero).then_some(Movement { credit, debit, counterparty, order }))
}

/// `GET /api/lists/statement?org=X[&since_ms=][&until_ms=]`: every movement of X's settlement
/// balance, oldest first. The genesis balance is the opening balance (`/api/genesis`); with it,
/// credits minus debits over the whole chain is the balance at the head.
pub(in crate::api) async fn statement(
    State(api): Shared,
    Extension(client): Extension<Client>,
    q: Result<Query<ViewQuery>, QueryRejection>,
) -> ViewResult {
    let q = query(q)?;
    let org = account(q.org.as_ref(), "org")?
        .ok_or_else(|| ApiError::bad_request("org=<id> is required: whose statement"))?;
    api.run(cost(&q, client), move |chain| statement_view(chain, &q, org)).await
}

fn statement_view(chain: &Chain, q: &ViewQuery, org: AccountId) -> ViewResult {
    let view = View {
        name: "statement",
        columns: STATEMENT_COLUMNS,
        // An arbitration names the arbiter, not the exchange center that reviewed the listing and
        // earns the fee: read the arbitrations too (each event once).
        source: Source::Both(Subject::Account(org), EventKind::DisputeArbitrated),
        window: Window::of(q),
        row: Box::new(move |chain, rec: &EventRecord, time_ms| {
            let Some(Movement { credit, debit, counterparty, order }) = movement(chain, &org, &rec.event)? else {
                return Ok(None);
            };
            Ok(Some(StatementRow {
                height: rec.height,
                tx_hash: rec.tx_hash,
                time_ms,
                kind: rec.event.kind().name().to_string(),
                counterparty,
                order,
                credit,
                debit,
            }))
        }),
    };
    answer(chain, view, q)
}
