//! A cast and helpers to drive the market and settlement contracts in tests.

use super::data::{FIELDS, names, register};
use super::{TestChain, account, assert_ok, genesis_with_roles};
use shulian_contracts::market::{OrderStatus, get_order};
use shulian_contracts::settlement::{balance_of, escrow_balance, total_supply};
use shulian_runtime::call::{Classification, MarketCall, Product, SharingAttribute, TradeWindows, Validity};
use shulian_runtime::genesis::{Genesis, Role};
use shulian_runtime::time::DAY_MS;
use shulian_runtime::{Call, DatasetId, Event, Fen, Hash, ListingId, OrderId};

/// A department that sells its data.
pub const SELLER: u8 = 1;
/// A department that buys.
pub const BUYER: u8 = 2;
/// A trader (buys and sells off-catalog products).
pub const TRADER: u8 = 3;
/// A regulator.
pub const REGULATOR: u8 = 4;
/// Another department.
pub const OTHER: u8 = 9;
/// The exchange center.
pub const EXCHANGE: u8 = 10;
/// A second exchange center that also trades (to test that a party cannot arbitrate).
pub const EXCHANGE_TRADER: u8 = 11;
/// Opening balance of every department and trader (the regulator and [`EXCHANGE`] start at 0).
pub const OPENING: u64 = 100_000;
/// Every organization of [`market_world`].
pub const CAST: [u8; 7] = [SELLER, BUYER, TRADER, REGULATOR, OTHER, EXCHANGE, EXCHANGE_TRADER];

/// Genesis with the market cast; departments and traders hold [`OPENING`] fen.
pub fn market_world() -> Genesis {
    let mut g = genesis_with_roles(&[
        (SELLER, vec![Role::Department]),
        (BUYER, vec![Role::Department]),
        (TRADER, vec![Role::Trader]),
        (REGULATOR, vec![Role::Regulator]),
        (OTHER, vec![Role::Department]),
        (EXCHANGE, vec![Role::ExchangeCenter]),
        (EXCHANGE_TRADER, vec![Role::ExchangeCenter, Role::Trader]),
    ]);
    for o in &mut g.organizations {
        if o.roles.contains(&Role::Department) || o.roles.contains(&Role::Trader) {
            o.balance = Fen(OPENING);
        }
    }
    g
}

/// A balance in committed state.
pub fn bal(c: &TestChain, i: u8) -> u64 {
    balance_of(&c.state, &account(i)).expect("read").0
}

/// Money in escrow.
pub fn escrow(c: &TestChain) -> u64 {
    escrow_balance(&c.state).expect("read").0
}

/// The total supply.
pub fn supply(c: &TestChain) -> u64 {
    total_supply(&c.state).expect("read").0
}

/// The sum of every cast member's balance plus escrow.
pub fn held(c: &TestChain) -> u64 {
    CAST.iter().map(|i| bal(c, *i)).sum::<u64>() + escrow(c)
}

/// A listing call for `product` at `price`, fields "plate" and "route", grant valid for 400 days
/// of ledger time from genesis, five uses, the market's default trade windows.
pub fn listing(product: Product, price: u64) -> Call {
    Call::Market(MarketCall::SubmitListing {
        product,
        price: Fen(price),
        licence_terms_hash: Hash::tagged(b"test/licence", b"l"),
        delivery_method: "sftp".into(),
        purpose: "route planning".into(),
        validity: Validity { from_ms: 0, until_ms: 400 * DAY_MS },
        fields: names(&["plate", "route"]),
        max_uses: 5,
        windows: TradeWindows::default(),
    })
}

/// An off-catalog product.
pub fn off_catalog() -> Product {
    Product::OffCatalog { name: "survey report".into(), metadata_hash: Hash::tagged(b"test/meta", b"report") }
}

/// Submits a listing (it must succeed) and returns its id.
pub fn submit(c: &mut TestChain, who: u8, call: Call) -> ListingId {
    assert_ok(&c.call(who, call))
        .iter()
        .find_map(|e| match e {
            Event::ListingSubmitted { listing, .. } => Some(*listing),
            _ => None,
        })
        .expect("ListingSubmitted event")
}

/// A review call.
pub fn review(listing: ListingId, approve: bool) -> Call {
    Call::Market(MarketCall::ReviewListing { listing, approve, reason: "compliance checked".into() })
}

/// Submits and approves a listing; returns its id.
pub fn approved(c: &mut TestChain, who: u8, call: Call) -> ListingId {
    let l = submit(c, who, call);
    assert_ok(&c.call(EXCHANGE, review(l, true)));
    l
}

/// A general conditional data set of [`SELLER`], listed at `price` and approved.
pub fn listed_dataset(c: &mut TestChain, price: u64) -> (DatasetId, ListingId) {
    let ds = register(c, SELLER, Classification::General, SharingAttribute::Conditional);
    assert_eq!(FIELDS.len(), 4);
    (ds, approved(c, SELLER, listing(Product::Dataset(ds), price)))
}

/// A place-order call.
pub fn place(listing: ListingId) -> Call {
    Call::Market(MarketCall::PlaceOrder { listing })
}

/// Places an order (it must succeed) and returns its id.
pub fn order(c: &mut TestChain, who: u8, listing: ListingId) -> OrderId {
    order_placed(&assert_ok(&c.call(who, place(listing)))).expect("OrderPlaced event")
}

/// The order id of an `OrderPlaced` event among `events`.
pub fn order_placed(events: &[Event]) -> Option<OrderId> {
    events.iter().find_map(|e| match e {
        Event::OrderPlaced { order, .. } => Some(*order),
        _ => None,
    })
}

/// A delivery confirmation call.
pub fn confirm(order: OrderId) -> Call {
    Call::Market(MarketCall::ConfirmDelivery { order, delivery_hash: Hash::tagged(b"test/delivery", b"d") })
}

/// An acceptance call.
pub fn accept(order: OrderId) -> Call {
    Call::Market(MarketCall::AcceptDelivery { order })
}

/// A dispute call.
pub fn dispute(order: OrderId) -> Call {
    Call::Market(MarketCall::OpenDispute { order, reason: "rows missing".into() })
}

/// A cancel call.
pub fn cancel(order: OrderId) -> Call {
    Call::Market(MarketCall::CancelOrder { order })
}

/// A claim call.
pub fn claim(order: OrderId) -> Call {
    Call::Market(MarketCall::ClaimSettlement { order })
}

/// An arbitration call.
pub fn arbitrate(order: OrderId, ruling: shulian_runtime::Ruling) -> Call {
    Call::Market(MarketCall::Arbitrate { order, ruling })
}

/// An order's status in committed state.
pub fn status(c: &TestChain, o: OrderId) -> OrderStatus {
    get_order(&c.state, &o).expect("read").expect("order").status
}
