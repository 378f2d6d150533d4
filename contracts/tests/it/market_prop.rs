//! Property: over random sequences of deposits, withdrawals, transfers, orders, deliveries,
//! acceptances, disputes, arbitrations, cancellations, claims, fee changes and block advances
//! (many of them refused), money is conserved: the sum of all balances plus escrow equals the
//! total supply, which equals the genesis supply plus deposits minus withdrawals; escrow holds
//! exactly `price + fee` of every open order; and every payout adds up to what was escrowed.

use crate::common::market::*;
use crate::common::*;
use proptest::prelude::*;
use shulian_contracts::market::{OrderStatus, get_order};
use shulian_runtime::call::{MarketCall, Product, SettlementCall};
use shulian_runtime::{Call, Event, Fen, OrderId, Ruling, TxStatus};

/// Organizations that hold money.
const MONEY: [u8; 6] = [SELLER, BUYER, TRADER, OTHER, EXCHANGE, EXCHANGE_TRADER];

#[derive(Clone, Debug)]
enum Op {
    Deposit { to: usize, amount: u64, by_exchange: bool },
    Withdraw { from: usize, amount: u64, by_exchange: bool },
    Transfer { from: usize, to: usize, amount: u64 },
    Place { buyer: usize, listing: usize },
    Confirm { order: usize, by_party: bool },
    Accept { order: usize, by_party: bool },
    Dispute { order: usize, by_party: bool },
    Arbitrate { order: usize, ruling: Ruling, by_exchange: bool },
    Cancel { order: usize, by_party: bool },
    Claim { order: usize, by_party: bool },
    SetFee(u16),
    Advance(u64),
}

fn ruling() -> impl Strategy<Value = Ruling> {
    prop_oneof![
        Just(Ruling::Refund),
        Just(Ruling::Pay),
        (0u16..=10_500).prop_map(|buyer_bps| Ruling::Split { buyer_bps }),
    ]
}

fn party() -> impl Strategy<Value = bool> {
    proptest::bool::weighted(0.9)
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (0..6usize, 0..50_000u64, party()).prop_map(|(to, amount, by_exchange)| Op::Deposit { to, amount, by_exchange }),
        2 => (0..6usize, 0..120_000u64, party()).prop_map(|(from, amount, by_exchange)| Op::Withdraw { from, amount, by_exchange }),
        2 => (0..6usize, 0..6usize, 0..60_000u64).prop_map(|(from, to, amount)| Op::Transfer { from, to, amount }),
        3 => (0..6usize, 0..3usize).prop_map(|(buyer, listing)| Op::Place { buyer, listing }),
        4 => (0..3usize, party()).prop_map(|(order, by_party)| Op::Confirm { order, by_party }),
        2 => (0..4usize, party()).prop_map(|(order, by_party)| Op::Accept { order, by_party }),
        2 => (0..4usize, party()).prop_map(|(order, by_party)| Op::Dispute { order, by_party }),
        3 => (0..4usize, ruling(), party()).prop_map(|(order, ruling, by_exchange)| Op::Arbitrate { order, ruling, by_exchange }),
        2 => (0..4usize, party()).prop_map(|(order, by_party)| Op::Cancel { order, by_party }),
        2 => (0..4usize, party()).prop_map(|(order, by_party)| Op::Claim { order, by_party }),
        1 => (0u16..2_500).prop_map(Op::SetFee),
        3 => (1..4u64).prop_map(Op::Advance),
        1 => (40..110u64).prop_map(Op::Advance),
    ]
}

fn settlement(call: SettlementCall) -> Call {
    Call::Settlement(call)
}

struct Placed {
    id: OrderId,
    buyer: u8,
    seller: u8,
}

fn run(prices: [u64; 3], ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut c = TestChain::new(&market_world());
    let (_, l0) = listed_dataset(&mut c, prices[0]);
    let l1 = approved(
        &mut c,
        TRADER,
        listing(Product::OffCatalog { name: "a".into(), metadata_hash: Default::default() }, prices[1]),
    );
    let l2 = approved(&mut c, OTHER, listing(off_catalog(), prices[2]));
    let listings = [(l0, SELLER), (l1, TRADER), (l2, OTHER)];
    let genesis_supply = supply(&c);
    let (mut deposited, mut withdrawn) = (0u64, 0u64);
    let mut orders: Vec<Placed> = Vec::new();
    for op in ops {
        // Counted from the newest order, so steps tend to follow one another on the same order.
        let pick = |i: usize| (!orders.is_empty()).then(|| &orders[orders.len() - 1 - i % orders.len()]);
        let (who, call) = match op {
            Op::Deposit { to, amount, by_exchange } => {
                let who = if by_exchange { EXCHANGE } else { BUYER };
                (
                    who,
                    settlement(SettlementCall::Deposit {
                        to: account(MONEY[to]),
                        amount: Fen(amount),
                        bank_ref: "b".into(),
                    }),
                )
            }
            Op::Withdraw { from, amount, by_exchange } => {
                // The organization asks first (refused when its balance is short); only then can
                // the exchange center pay it out.
                c.call(MONEY[from], settlement(SettlementCall::RequestWithdrawal { amount: Fen(amount) }));
                let who = if by_exchange { EXCHANGE } else { SELLER };
                (
                    who,
                    settlement(SettlementCall::Withdraw {
                        from: account(MONEY[from]),
                        amount: Fen(amount),
                        bank_ref: "b".into(),
                    }),
                )
            }
            Op::Transfer { from, to, amount } => {
                (MONEY[from], settlement(SettlementCall::Transfer { to: account(MONEY[to]), amount: Fen(amount) }))
            }
            Op::Place { buyer, listing } => (MONEY[buyer], place(listings[listing].0)),
            Op::Confirm { order, by_party } => match pick(order) {
                Some(o) => (if by_party { o.seller } else { o.buyer }, confirm(o.id)),
                None => continue,
            },
            Op::Accept { order, by_party } => match pick(order) {
                Some(o) => (if by_party { o.buyer } else { o.seller }, accept(o.id)),
                None => continue,
            },
            Op::Dispute { order, by_party } => match pick(order) {
                Some(o) => (if by_party { o.buyer } else { o.seller }, dispute(o.id)),
                None => continue,
            },
            Op::Arbitrate { order, ruling, by_exchange } => match pick(order) {
                Some(o) => (if by_exchange { EXCHANGE } else { o.buyer }, arbitrate(o.id, ruling)),
                None => continue,
            },
            Op::Cancel { order, by_party } => match pick(order) {
                Some(o) => (if by_party { o.buyer } else { o.seller }, cancel(o.id)),
                None => continue,
            },
            Op::Claim { order, by_party } => match pick(order) {
                Some(o) => (if by_party { o.seller } else { o.buyer }, claim(o.id)),
                None => continue,
            },
            Op::SetFee(bps) => (EXCHANGE, Call::Market(MarketCall::SetFeeRate { bps })),
            Op::Advance(n) => {
                c.advance(n);
                continue;
            }
        };
        let out = c.call(who, call);
        if out.status != TxStatus::Success {
            continue;
        }
        for e in &out.events {
            match e {
                Event::Deposited { amount, .. } => deposited += amount.0,
                Event::Withdrawn { amount, .. } => withdrawn += amount.0,
                Event::OrderPlaced { order, listing, buyer, .. } => {
                    let seller = listings.iter().find(|(l, _)| l == listing).map(|(_, s)| *s).unwrap_or(0);
                    let buyer = MONEY.iter().copied().find(|i| account(*i) == *buyer).unwrap_or(0);
                    orders.push(Placed { id: *order, buyer, seller });
                }
                Event::DeliveryAccepted { order, to_seller, fee, .. }
                | Event::SettlementClaimed { order, to_seller, fee, .. } => {
                    let o = get_order(&c.state, order).expect("read").expect("order");
                    prop_assert_eq!((*to_seller, *fee), (o.price, o.fee));
                }
                Event::OrderCancelled { order, refund, .. } => {
                    let o = get_order(&c.state, order).expect("read").expect("order");
                    prop_assert_eq!(Some(*refund), o.price.checked_add(o.fee));
                }
                Event::DisputeArbitrated { order, ruling, to_buyer, to_seller, fee, .. } => {
                    let o = get_order(&c.state, order).expect("read").expect("order");
                    let paid = to_buyer.0 as u128 + to_seller.0 as u128 + fee.0 as u128;
                    prop_assert_eq!(paid, o.price.0 as u128 + o.fee.0 as u128, "no fen lost in {:?}", ruling);
                    if let Ruling::Split { buyer_bps } = ruling {
                        prop_assert_eq!(to_buyer.0 as u128, o.price.0 as u128 * *buyer_bps as u128 / 10_000);
                        prop_assert_eq!(*fee, o.fee);
                    }
                }
                _ => {}
            }
        }
        // Conservation, after every successful call.
        let sum: u64 = MONEY.iter().map(|i| bal(&c, *i)).sum::<u64>() + bal(&c, REGULATOR) + escrow(&c);
        prop_assert_eq!(sum, supply(&c));
        prop_assert_eq!(supply(&c), genesis_supply + deposited - withdrawn);
        let open: u64 = orders
            .iter()
            .map(|p| get_order(&c.state, &p.id).expect("read").expect("order"))
            .filter(|o| matches!(o.status, OrderStatus::Placed | OrderStatus::Delivered | OrderStatus::Disputed))
            .map(|o| o.price.0 + o.fee.0)
            .sum();
        prop_assert_eq!(open, escrow(&c), "escrow holds exactly the open orders");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn money_is_conserved_through_the_market(
        prices in [1u64..30_000, 1u64..30_000, 1u64..30_000],
        ops in proptest::collection::vec(op(), 1..80),
    ) {
        run(prices, ops)?;
    }
}
