//! Market contract tests, driven through the runtime: every transition of a listing and an order,
//! and every refusal with its own code.

use crate::common::data::{FIELDS, at, record, register};
use crate::common::market::*;
use crate::common::*;
use shulian_contracts::grants::get_grant;
use shulian_contracts::market::{
    DEFAULT_WINDOW_RULES, ListingStatus, OrderStatus, fee_rate, get_listing, get_order, window_rules,
};
use shulian_runtime::call::{
    CatalogCall, Classification, MarketCall, Product, Ruling, SharingAttribute, TradeWindows, Validity, WindowRules,
};
use shulian_runtime::time::{DAY_MS, HOUR_MS, LedgerTime};
use shulian_runtime::{Call, Event, Fen, Hash, Subject};

fn freeze(listing: shulian_runtime::ListingId) -> Call {
    Call::Market(MarketCall::FreezeListing { listing, reason: "complaint under investigation".into() })
}

fn unfreeze(listing: shulian_runtime::ListingId) -> Call {
    Call::Market(MarketCall::UnfreezeListing { listing, reason: "investigation closed".into() })
}

fn withdraw(listing: shulian_runtime::ListingId) -> Call {
    Call::Market(MarketCall::WithdrawListing { listing })
}

fn set_fee(bps: u16) -> Call {
    Call::Market(MarketCall::SetFeeRate { bps })
}

#[test]
fn accepted_order_pays_seller_and_exchange_and_grants_the_buyer_the_listed_fields() {
    let mut c = TestChain::new(&market_world());
    let (ds, l) = listed_dataset(&mut c, 10_000);
    assert_eq!(get_listing(&c.state, &l).expect("read").expect("listing").status, ListingStatus::Approved);
    let events = assert_ok(&c.call(BUYER, place(l)));
    let o = order_placed(&events).expect("order");
    assert_eq!(
        events[0],
        Event::OrderPlaced {
            order: o,
            listing: l,
            buyer: account(BUYER),
            seller: account(SELLER),
            dataset: Some(ds),
            price: Fen(10_000),
            fee: Fen(100),
        }
    );
    assert_eq!((bal(&c, BUYER), escrow(&c)), (OPENING - 10_100, 10_100));
    assert_ok(&c.call(SELLER, confirm(o)));
    assert_eq!(status(&c, o), OrderStatus::Delivered);
    let events = assert_ok(&c.call(BUYER, accept(o)));
    assert_eq!((bal(&c, SELLER), bal(&c, EXCHANGE), escrow(&c)), (OPENING + 10_000, 100, 0));
    assert_eq!(supply(&c), held(&c));
    let grant = events.iter().find_map(data::grant_issued).expect("GrantIssued");
    assert!(events.iter().any(|e| matches!(e, Event::DeliveryAccepted { to_seller: Fen(10_000), fee: Fen(100), .. })));
    let g = get_grant(&c.state, &grant).expect("read").expect("grant");
    assert_eq!((g.grantor, g.grantee, g.dataset), (account(SELLER), account(BUYER), ds));
    assert_eq!(
        (g.fields.clone(), g.max_uses, g.purpose.as_str()),
        (data::names(&["plate", "route"]), 5, "route planning")
    );
    // The grant works like any other: uses leave receipts, outside its fields they are refused.
    assert_ok(&c.call(BUYER, record(grant, &["plate"])));
    assert_failed(&c.call(BUYER, record(grant, &["name"])), "receipts.fields_out_of_scope");
    let order = get_order(&c.state, &o).expect("read").expect("order");
    assert_eq!(order.grant, Some(grant));
    let statuses: Vec<OrderStatus> = order.history.iter().map(|(_, s)| *s).collect();
    assert_eq!(statuses, vec![OrderStatus::Placed, OrderStatus::Delivered, OrderStatus::Accepted]);
    assert!(order.history.windows(2).all(|w| w[0].0 < w[1].0), "heights rise: {:?}", order.history);
}

#[test]
fn an_orders_whole_history_is_indexed_under_the_order() {
    let mut c = TestChain::new(&market_world());
    let (ds, l) = listed_dataset(&mut c, 500);
    let o = order(&mut c, BUYER, l);
    assert_ok(&c.call(SELLER, confirm(o)));
    assert_ok(&c.call(BUYER, dispute(o)));
    assert_ok(&c.call(EXCHANGE, arbitrate(o, Ruling::Pay)));
    let mut kinds = vec![];
    // Recompute the events from the blocks' outcomes as the node's index would see them.
    let mut replay = TestChain::new(&market_world());
    for blk in c.blocks.clone() {
        let exec = replay.block(blk.txs.clone());
        for out in exec.outcomes {
            for e in out.events {
                if e.subjects().contains(&Subject::Order(o)) {
                    let s = e.subjects();
                    assert!(s.contains(&Subject::Listing(l)) && s.contains(&Subject::Dataset(ds)));
                    assert!(
                        s.contains(&Subject::Account(account(BUYER))) && s.contains(&Subject::Account(account(SELLER)))
                    );
                    kinds.push(format!("{e:?}").split_whitespace().next().unwrap_or("").to_string());
                }
            }
        }
    }
    assert_eq!(kinds, vec!["OrderPlaced", "DeliveryConfirmed", "DisputeOpened", "DisputeArbitrated"]);
}

#[test]
fn off_catalog_product_sold_by_a_trader_issues_no_grant() {
    let mut c = TestChain::new(&market_world());
    let l = approved(&mut c, TRADER, listing(off_catalog(), 3_000));
    let o = order(&mut c, BUYER, l);
    assert_ok(&c.call(TRADER, confirm(o)));
    let events = assert_ok(&c.call(BUYER, accept(o)));
    assert!(events.iter().all(|e| data::grant_issued(e).is_none()));
    assert_eq!((bal(&c, TRADER), bal(&c, EXCHANGE)), (OPENING + 3_000, 30));
    assert_eq!(get_order(&c.state, &o).expect("read").expect("order").grant, None);
}

#[test]
fn listings_of_negative_listed_not_shareable_or_core_data_are_refused_at_submission() {
    let mut c = TestChain::new(&market_world());
    let neg = register(&mut c, SELLER, Classification::General, SharingAttribute::Conditional);
    let reason = "leaks personal data".to_string();
    assert_ok(&c.call(REGULATOR, Call::Catalog(CatalogCall::NegativeList { dataset: neg, reason })));
    let msg = assert_failed(&c.call(SELLER, listing(Product::Dataset(neg), 10)), "market.dataset_negative_listed");
    assert!(msg.contains("leaks personal data"), "{msg}");
    let closed = register(&mut c, SELLER, Classification::General, SharingAttribute::NotShareable);
    assert_failed(&c.call(SELLER, listing(Product::Dataset(closed), 10)), "market.dataset_not_shareable");
    let core = register(&mut c, SELLER, Classification::Core, SharingAttribute::Unconditional);
    assert_failed(&c.call(SELLER, listing(Product::Dataset(core), 10)), "market.core_dataset");
    let retired = register(&mut c, SELLER, Classification::General, SharingAttribute::Conditional);
    assert_ok(&c.call(SELLER, Call::Catalog(CatalogCall::Retire { dataset: retired })));
    assert_failed(&c.call(SELLER, listing(Product::Dataset(retired), 10)), "market.dataset_retired");
}

#[test]
fn malformed_listings_are_refused_with_their_own_errors() {
    let mut c = TestChain::new(&market_world());
    let ds = register(&mut c, SELLER, Classification::Important, SharingAttribute::Conditional);
    let with = |f: &dyn Fn(&mut MarketCall)| {
        let mut call = match listing(Product::Dataset(ds), 10) {
            Call::Market(m) => m,
            _ => unreachable!(),
        };
        f(&mut call);
        Call::Market(call)
    };
    assert_failed(&c.call(OTHER, listing(Product::Dataset(ds), 10)), "market.not_dataset_owner");
    assert_failed(&c.call(REGULATOR, listing(off_catalog(), 10)), "market.not_seller_role");
    assert_failed(&c.call(EXCHANGE, listing(off_catalog(), 10)), "market.not_seller_role");
    assert_failed(
        &c.call(SELLER, listing(Product::Dataset(shulian_runtime::DatasetId([7; 32])), 10)),
        "market.unknown_dataset",
    );
    assert_failed(&c.call(SELLER, listing(Product::Dataset(ds), 0)), "market.zero_price");
    let bad_fields = with(&|m| {
        if let MarketCall::SubmitListing { fields, .. } = m {
            *fields = data::names(&["plate", "salary"]);
        }
    });
    let msg = assert_failed(&c.call(SELLER, bad_fields), "market.fields_outside_dataset");
    assert!(msg.contains("salary"), "{msg}");
    let no_fields = with(&|m| {
        if let MarketCall::SubmitListing { fields, .. } = m {
            fields.clear();
        }
    });
    assert_failed(&c.call(SELLER, no_fields), "market.no_fields");
    let no_purpose = with(&|m| {
        if let MarketCall::SubmitListing { purpose, .. } = m {
            *purpose = " ".into();
        }
    });
    assert_failed(&c.call(SELLER, no_purpose), "market.empty_purpose");
    let no_method = with(&|m| {
        if let MarketCall::SubmitListing { delivery_method, .. } = m {
            delivery_method.clear();
        }
    });
    assert_failed(&c.call(SELLER, no_method), "market.empty_delivery_method");
    let no_uses = with(&|m| {
        if let MarketCall::SubmitListing { max_uses, .. } = m {
            *max_uses = 0;
        }
    });
    assert_failed(&c.call(SELLER, no_uses), "market.zero_max_uses");
    let empty = with(&|m| {
        if let MarketCall::SubmitListing { validity, .. } = m {
            *validity = Validity { from_ms: at(50), until_ms: at(50) };
        }
    });
    assert_failed(&c.call(SELLER, empty), "market.empty_window");
    let ended = with(&|m| {
        if let MarketCall::SubmitListing { validity, .. } = m {
            *validity = Validity { from_ms: at(0), until_ms: at(1) };
        }
    });
    assert_failed(&c.call(SELLER, ended), "market.window_ended");
    let nameless = Product::OffCatalog { name: "".into(), metadata_hash: Hash::ZERO };
    assert_failed(&c.call(TRADER, listing(nameless, 10)), "market.empty_name");
    assert_eq!(FIELDS.len(), 4);
}

#[test]
fn only_the_exchange_center_reviews_and_only_once() {
    let mut c = TestChain::new(&market_world());
    let l = submit(&mut c, TRADER, listing(off_catalog(), 100));
    assert_failed(&c.call(BUYER, place(l)), "market.listing_not_approved");
    assert_failed(&c.call(REGULATOR, review(l, true)), "market.not_exchange_center");
    let no_reason = Call::Market(MarketCall::ReviewListing { listing: l, approve: false, reason: "".into() });
    assert_failed(&c.call(EXCHANGE, no_reason), "market.empty_reason");
    let events = assert_ok(&c.call(EXCHANGE, review(l, false)));
    assert!(matches!(&events[0], Event::ListingReviewed { approved: false, .. }));
    let msg = assert_failed(&c.call(EXCHANGE, review(l, true)), "market.listing_not_pending");
    assert!(msg.contains("rejected"), "{msg}");
    assert_failed(&c.call(BUYER, place(l)), "market.listing_not_approved");
    assert_failed(&c.call(EXCHANGE, review(shulian_runtime::ListingId([1; 32]), true)), "market.unknown_listing");
}

#[test]
fn approval_rechecks_the_negative_list() {
    let mut c = TestChain::new(&market_world());
    let ds = register(&mut c, SELLER, Classification::General, SharingAttribute::Unconditional);
    let l = submit(&mut c, SELLER, listing(Product::Dataset(ds), 100));
    assert_ok(&c.call(REGULATOR, Call::Catalog(CatalogCall::NegativeList { dataset: ds, reason: "r".into() })));
    assert_failed(&c.call(EXCHANGE, review(l, true)), "market.dataset_negative_listed");
}

#[test]
fn a_negative_listing_after_approval_stops_new_orders() {
    let mut c = TestChain::new(&market_world());
    let (ds, l) = listed_dataset(&mut c, 100);
    assert_ok(&c.call(REGULATOR, Call::Catalog(CatalogCall::NegativeList { dataset: ds, reason: "r".into() })));
    assert_failed(&c.call(BUYER, place(l)), "market.dataset_negative_listed");
    assert_eq!(bal(&c, BUYER), OPENING);
}

#[test]
fn a_frozen_listing_takes_no_orders_until_unfrozen() {
    let mut c = TestChain::new(&market_world());
    let (_, l) = listed_dataset(&mut c, 100);
    assert_failed(&c.call(EXCHANGE, freeze(l)), "market.not_regulator");
    let no_reason = Call::Market(MarketCall::FreezeListing { listing: l, reason: " ".into() });
    assert_failed(&c.call(REGULATOR, no_reason), "market.empty_reason");
    assert_failed(&c.call(REGULATOR, unfreeze(l)), "market.not_frozen");
    assert_ok(&c.call(REGULATOR, freeze(l)));
    let msg = assert_failed(&c.call(BUYER, place(l)), "market.listing_frozen");
    assert!(msg.contains("complaint under investigation"), "{msg}");
    assert_failed(&c.call(REGULATOR, freeze(l)), "market.already_frozen");
    assert_failed(&c.call(SELLER, unfreeze(l)), "market.not_regulator");
    let events = assert_ok(&c.call(REGULATOR, unfreeze(l)));
    assert!(matches!(&events[0], Event::ListingUnfrozen { .. }));
    order(&mut c, BUYER, l);
}

#[test]
fn freezing_leaves_orders_already_placed_to_run_their_course() {
    let mut c = TestChain::new(&market_world());
    let (_, l) = listed_dataset(&mut c, 100);
    let o = order(&mut c, BUYER, l);
    assert_ok(&c.call(REGULATOR, freeze(l)));
    assert_ok(&c.call(SELLER, confirm(o)));
    assert_ok(&c.call(BUYER, accept(o)));
    assert_eq!(escrow(&c), 0);
}

#[test]
fn the_seller_withdraws_a_listing_and_it_takes_no_more_orders() {
    let mut c = TestChain::new(&market_world());
    let (_, l) = listed_dataset(&mut c, 100);
    assert_failed(&c.call(BUYER, withdraw(l)), "market.not_listing_seller");
    let events = assert_ok(&c.call(SELLER, withdraw(l)));
    assert!(matches!(&events[0], Event::ListingWithdrawn { .. }));
    let msg = assert_failed(&c.call(BUYER, place(l)), "market.listing_not_approved");
    assert!(msg.contains("withdrawn"), "{msg}");
    assert_failed(&c.call(SELLER, withdraw(l)), "market.listing_closed");
    assert_failed(&c.call(REGULATOR, freeze(l)), "market.listing_closed");
}

#[test]
fn orders_are_refused_to_the_seller_non_traders_poor_buyers_and_expired_listings() {
    let mut c = TestChain::new(&market_world());
    let (_, l) = listed_dataset(&mut c, 99_500);
    assert_failed(&c.call(SELLER, place(l)), "market.own_listing");
    assert_failed(&c.call(REGULATOR, place(l)), "market.not_buyer_role");
    assert_failed(&c.call(EXCHANGE, place(l)), "market.not_buyer_role");
    assert_failed(&c.call(BUYER, place(shulian_runtime::ListingId([3; 32]))), "market.unknown_listing");
    // 99 500 + fee 995 = 100 495 > 100 000.
    let msg = assert_failed(&c.call(BUYER, place(l)), "market.insufficient_balance");
    assert!(msg.contains("100000") && msg.contains("100495") && msg.contains("995"), "{msg}");
    assert_eq!((bal(&c, BUYER), escrow(&c)), (OPENING, 0));

    let ds = register(&mut c, SELLER, Classification::General, SharingAttribute::Conditional);
    let short = Call::Market(MarketCall::SubmitListing {
        product: Product::Dataset(ds),
        price: Fen(10),
        licence_terms_hash: Hash::ZERO,
        delivery_method: "api".into(),
        purpose: "p".into(),
        validity: Validity { from_ms: at(0), until_ms: at(c.height.0 + 4) },
        fields: data::names(&["plate"]),
        max_uses: 1,
        windows: TradeWindows::default(),
    });
    let l2 = approved(&mut c, SELLER, short);
    c.advance(2);
    assert_failed(&c.call(BUYER, place(l2)), "market.listing_expired");
}

/// Moves ledger time so that the next block is stamped exactly `t` (ms).
fn next_block_at(c: &mut TestChain, t: u64) {
    let now = c.next_time_ms();
    assert!(t >= now, "ledger time only moves forward");
    c.advance_time(t - now);
}

fn order_of(c: &TestChain, o: shulian_runtime::OrderId) -> shulian_contracts::market::Order {
    get_order(&c.state, &o).expect("read").expect("order")
}

#[test]
fn delivery_must_be_confirmed_by_the_seller_within_the_window_in_ledger_time() {
    let mut c = TestChain::new(&market_world());
    let (_, l) = listed_dataset(&mut c, 1_000);
    let o = order(&mut c, BUYER, l);
    assert_failed(&c.call(BUYER, confirm(o)), "market.not_order_seller");
    assert_failed(&c.call(SELLER, confirm(shulian_runtime::OrderId([4; 32]))), "market.unknown_order");
    let placed = order_of(&c, o);
    assert_eq!(placed.delivery_deadline_ms, placed.placed_at_ms + DEFAULT_WINDOW_RULES.default_delivery_ms);
    // Many fast blocks do not close the window: only ledger time does.
    c.advance(500);
    next_block_at(&mut c, placed.delivery_deadline_ms);
    let msg = assert_failed(&c.call(SELLER, confirm(o)), "market.delivery_window_passed");
    assert!(msg.contains(&LedgerTime(placed.delivery_deadline_ms).to_string()), "{msg}");
    assert_eq!(status(&c, o), OrderStatus::Placed);
}

#[test]
fn the_last_ms_of_the_delivery_window_still_accepts_confirmation() {
    let mut c = TestChain::new(&market_world());
    let (_, l) = listed_dataset(&mut c, 1_000);
    let o = order(&mut c, BUYER, l);
    let deadline = order_of(&c, o).delivery_deadline_ms;
    next_block_at(&mut c, deadline - 1);
    assert_ok(&c.call(SELLER, confirm(o)));
    assert_failed(&c.call(SELLER, confirm(o)), "market.wrong_order_status");
}

#[test]
fn an_undelivered_order_is_cancelled_by_the_buyer_after_the_window_with_a_full_refund() {
    let mut c = TestChain::new(&market_world());
    let (_, l) = listed_dataset(&mut c, 1_234);
    let o = order(&mut c, BUYER, l);
    assert_eq!(bal(&c, BUYER), OPENING - 1_234 - 12);
    let msg = assert_failed(&c.call(BUYER, cancel(o)), "market.delivery_window_open");
    assert!(msg.contains("cancelled only from"), "{msg}");
    c.advance(1_000);
    assert_failed(&c.call(BUYER, cancel(o)), "market.delivery_window_open");
    let deadline = order_of(&c, o).delivery_deadline_ms;
    next_block_at(&mut c, deadline);
    assert_failed(&c.call(SELLER, cancel(o)), "market.not_buyer");
    let events = assert_ok(&c.call(BUYER, cancel(o)));
    assert!(matches!(&events[0], Event::OrderCancelled { refund: Fen(1_246), .. }));
    assert_eq!((bal(&c, BUYER), bal(&c, SELLER), bal(&c, EXCHANGE), escrow(&c)), (OPENING, OPENING, 0, 0));
    assert_failed(&c.call(BUYER, cancel(o)), "market.wrong_order_status");
    assert_failed(&c.call(SELLER, confirm(o)), "market.wrong_order_status");
}

#[test]
fn a_delivered_order_cannot_be_cancelled() {
    let mut c = TestChain::new(&market_world());
    let (_, l) = listed_dataset(&mut c, 1_000);
    let o = order(&mut c, BUYER, l);
    assert_ok(&c.call(SELLER, confirm(o)));
    c.advance_time(DEFAULT_WINDOW_RULES.default_delivery_ms);
    let msg = assert_failed(&c.call(BUYER, cancel(o)), "market.wrong_order_status");
    assert!(msg.contains("is delivered"), "{msg}");
}

#[test]
fn only_the_buyer_accepts_and_only_a_delivered_order() {
    let mut c = TestChain::new(&market_world());
    let (_, l) = listed_dataset(&mut c, 1_000);
    let o = order(&mut c, TRADER, l);
    assert_failed(&c.call(TRADER, accept(o)), "market.wrong_order_status");
    assert_ok(&c.call(SELLER, confirm(o)));
    assert_failed(&c.call(SELLER, accept(o)), "market.not_buyer");
    assert_failed(&c.call(BUYER, accept(o)), "market.not_buyer");
    assert_ok(&c.call(TRADER, accept(o)));
    assert_failed(&c.call(TRADER, accept(o)), "market.wrong_order_status");
    assert_failed(&c.call(TRADER, dispute(o)), "market.wrong_order_status");
}

#[test]
fn a_dispute_must_come_from_the_buyer_within_the_acceptance_window() {
    let mut c = TestChain::new(&market_world());
    let (_, l) = listed_dataset(&mut c, 1_000);
    let o = order(&mut c, BUYER, l);
    assert_failed(&c.call(BUYER, dispute(o)), "market.wrong_order_status");
    assert_ok(&c.call(SELLER, confirm(o)));
    assert_failed(&c.call(SELLER, dispute(o)), "market.not_buyer");
    let silent = Call::Market(MarketCall::OpenDispute { order: o, reason: "".into() });
    assert_failed(&c.call(BUYER, silent), "market.empty_reason");
    let deadline = order_of(&c, o).acceptance_deadline_ms.expect("delivered");
    next_block_at(&mut c, deadline);
    let msg = assert_failed(&c.call(BUYER, dispute(o)), "market.acceptance_window_passed");
    assert!(msg.contains("acceptance window") && msg.contains(&LedgerTime(deadline).to_string()), "{msg}");
}

/// The issue's story: blocks come fast (a thousand of them, more than the old 100-block windows),
/// and still the buyer has its three days: the seller's claim is refused until ledger time passes
/// the acceptance deadline, the buyer can dispute until then, and the claim succeeds after.
#[test]
fn the_seller_claims_only_after_the_acceptance_window_passes_in_ledger_time_however_fast_blocks_come() {
    let mut c = TestChain::new(&market_world());
    let (_, l) = listed_dataset(&mut c, 2_000);
    let o = order(&mut c, BUYER, l);
    assert_failed(&c.call(SELLER, claim(o)), "market.wrong_order_status");
    assert_ok(&c.call(SELLER, confirm(o)));
    let delivered = order_of(&c, o);
    let deadline = delivered.acceptance_deadline_ms.expect("delivered");
    assert_eq!(deadline - c.next_time_ms() + 1, DEFAULT_WINDOW_RULES.default_acceptance_ms);
    c.advance(1_000);
    let msg = assert_failed(&c.call(SELLER, claim(o)), "market.acceptance_window_open");
    assert!(msg.contains(&LedgerTime(deadline).to_string()), "{msg}");
    next_block_at(&mut c, deadline - 1);
    assert_failed(&c.call(SELLER, claim(o)), "market.acceptance_window_open");
    assert_failed(&c.call(BUYER, claim(o)), "market.not_order_seller");
    let events = assert_ok(&c.call(SELLER, claim(o)));
    assert!(events.iter().any(|e| matches!(e, Event::SettlementClaimed { to_seller: Fen(2_000), fee: Fen(20), .. })));
    assert!(events.iter().any(|e| data::grant_issued(e).is_some()), "a claimed order grants the buyer too");
    assert_eq!((bal(&c, SELLER), bal(&c, EXCHANGE), escrow(&c)), (OPENING + 2_000, 20, 0));
    assert_eq!(status(&c, o), OrderStatus::Claimed);
    assert_failed(&c.call(SELLER, claim(o)), "market.wrong_order_status");
}

#[test]
fn a_buyer_disputes_on_the_last_day_however_many_blocks_came() {
    let mut c = TestChain::new(&market_world());
    let (_, l) = listed_dataset(&mut c, 2_000);
    let o = order(&mut c, BUYER, l);
    assert_ok(&c.call(SELLER, confirm(o)));
    c.advance(1_000);
    let deadline = order_of(&c, o).acceptance_deadline_ms.expect("delivered");
    next_block_at(&mut c, deadline - HOUR_MS);
    assert_ok(&c.call(BUYER, dispute(o)));
    assert_eq!(status(&c, o), OrderStatus::Disputed);
    next_block_at(&mut c, deadline + DAY_MS);
    assert_failed(&c.call(SELLER, claim(o)), "market.wrong_order_status");
}

fn listing_with_windows(delivery_ms: Option<u64>, acceptance_ms: Option<u64>) -> Call {
    let mut call = listing(off_catalog(), 500);
    if let Call::Market(MarketCall::SubmitListing { windows, .. }) = &mut call {
        *windows = TradeWindows { delivery_ms, acceptance_ms };
    }
    call
}

#[test]
fn a_listing_sets_its_windows_within_the_exchange_centers_bounds_and_its_orders_keep_them() {
    let mut c = TestChain::new(&market_world());
    let r = DEFAULT_WINDOW_RULES;
    let msg =
        assert_failed(&c.call(SELLER, listing_with_windows(Some(r.min_ms - 1), None)), "market.window_out_of_bounds");
    assert!(msg.contains("delivery window"), "{msg}");
    assert_failed(&c.call(SELLER, listing_with_windows(None, Some(r.max_ms + 1))), "market.window_out_of_bounds");
    let l = approved(&mut c, SELLER, listing_with_windows(Some(2 * DAY_MS), Some(r.min_ms)));
    let stored = get_listing(&c.state, &l).expect("read").expect("listing");
    assert_eq!((stored.delivery_window_ms, stored.acceptance_window_ms), (2 * DAY_MS, r.min_ms));
    let o = order(&mut c, BUYER, l);
    let placed = order_of(&c, o);
    assert_eq!(placed.delivery_deadline_ms, placed.placed_at_ms + 2 * DAY_MS);
    assert_ok(&c.call(SELLER, confirm(o)));
    let delivered = order_of(&c, o);
    next_block_at(&mut c, delivered.acceptance_deadline_ms.expect("delivered"));
    assert_ok(&c.call(SELLER, claim(o)));
}

#[test]
fn the_exchange_center_sets_the_window_rules_for_new_listings() {
    let mut c = TestChain::new(&market_world());
    let rules = WindowRules {
        min_ms: DAY_MS,
        max_ms: 30 * DAY_MS,
        default_delivery_ms: 5 * DAY_MS,
        default_acceptance_ms: 2 * DAY_MS,
    };
    let set = |rules| Call::Market(MarketCall::SetWindowRules { rules });
    assert_failed(&c.call(SELLER, set(rules)), "market.not_exchange_center");
    for bad in [
        WindowRules { min_ms: 0, ..rules },
        WindowRules { min_ms: 31 * DAY_MS, ..rules },
        WindowRules { max_ms: 400 * DAY_MS, ..rules },
        WindowRules { default_delivery_ms: HOUR_MS, ..rules },
        WindowRules { default_acceptance_ms: 31 * DAY_MS, ..rules },
    ] {
        assert_failed(&c.call(EXCHANGE, set(bad)), "market.invalid_window_rules");
    }
    assert_eq!(window_rules(&c.state).expect("read"), DEFAULT_WINDOW_RULES);
    let events = assert_ok(&c.call(EXCHANGE, set(rules)));
    assert!(
        matches!(&events[0], Event::WindowRulesSet { old, new, .. } if *old == DEFAULT_WINDOW_RULES && *new == rules)
    );
    assert_eq!(window_rules(&c.state).expect("read"), rules);
    // An hour is no longer allowed; a listing without windows takes the new defaults.
    assert_failed(&c.call(SELLER, listing_with_windows(Some(HOUR_MS), None)), "market.window_out_of_bounds");
    let l = submit(&mut c, SELLER, listing_with_windows(None, None));
    let stored = get_listing(&c.state, &l).expect("read").expect("listing");
    assert_eq!((stored.delivery_window_ms, stored.acceptance_window_ms), (5 * DAY_MS, 2 * DAY_MS));
}

/// Places, delivers and disputes an order of `price`; returns it.
fn disputed(c: &mut TestChain, price: u64) -> shulian_runtime::OrderId {
    let (_, l) = listed_dataset(c, price);
    let o = order(c, BUYER, l);
    assert_ok(&c.call(SELLER, confirm(o)));
    assert_ok(&c.call(BUYER, dispute(o)));
    assert_eq!(status(c, o), OrderStatus::Disputed);
    o
}

#[test]
fn arbitration_refund_returns_price_and_fee_to_the_buyer() {
    let mut c = TestChain::new(&market_world());
    let o = disputed(&mut c, 5_000);
    let events = assert_ok(&c.call(EXCHANGE, arbitrate(o, Ruling::Refund)));
    assert!(matches!(
        &events[0],
        Event::DisputeArbitrated { to_buyer: Fen(5_050), to_seller: Fen(0), fee: Fen(0), .. }
    ));
    assert!(events.iter().all(|e| data::grant_issued(e).is_none()));
    assert_eq!((bal(&c, BUYER), bal(&c, SELLER), bal(&c, EXCHANGE), escrow(&c)), (OPENING, OPENING, 0, 0));
}

#[test]
fn arbitration_pay_pays_seller_and_fee_and_grants_the_buyer() {
    let mut c = TestChain::new(&market_world());
    let o = disputed(&mut c, 5_000);
    let events = assert_ok(&c.call(EXCHANGE, arbitrate(o, Ruling::Pay)));
    assert!(events.iter().any(|e| data::grant_issued(e).is_some()));
    assert_eq!((bal(&c, BUYER), bal(&c, SELLER), bal(&c, EXCHANGE)), (OPENING - 5_050, OPENING + 5_000, 50));
    let order = get_order(&c.state, &o).expect("read").expect("order");
    assert_eq!((order.status, order.ruling), (OrderStatus::Arbitrated, Some(Ruling::Pay)));
}

#[test]
fn arbitration_split_loses_no_fen_and_gives_the_odd_fen_to_the_seller() {
    let mut c = TestChain::new(&market_world());
    // price 1 001, fee 10: the buyer gets floor(1001 * 3333 / 10000) = 333, the seller 668.
    let o = disputed(&mut c, 1_001);
    let events = assert_ok(&c.call(EXCHANGE, arbitrate(o, Ruling::Split { buyer_bps: 3_333 })));
    let Event::DisputeArbitrated { to_buyer, to_seller, fee, .. } = events[0].clone() else {
        panic!("expected DisputeArbitrated, got {:?}", events[0]);
    };
    assert_eq!((to_buyer, to_seller, fee), (Fen(333), Fen(668), Fen(10)));
    assert_eq!(to_buyer.0 + to_seller.0 + fee.0, 1_011, "the whole escrow is paid out");
    assert_eq!((bal(&c, BUYER), bal(&c, SELLER), bal(&c, EXCHANGE)), (OPENING - 1_011 + 333, OPENING + 668, 10));
    assert_eq!((escrow(&c), supply(&c)), (0, held(&c)));
}

#[test]
fn arbitration_is_refused_to_others_to_parties_and_to_bad_rulings() {
    let mut c = TestChain::new(&market_world());
    let (_, l) = listed_dataset(&mut c, 1_000);
    let o = order(&mut c, EXCHANGE_TRADER, l);
    assert_failed(&c.call(EXCHANGE, arbitrate(o, Ruling::Pay)), "market.wrong_order_status");
    assert_ok(&c.call(SELLER, confirm(o)));
    assert_ok(&c.call(EXCHANGE_TRADER, dispute(o)));
    assert_failed(&c.call(SELLER, arbitrate(o, Ruling::Pay)), "market.not_exchange_center");
    assert_failed(&c.call(REGULATOR, arbitrate(o, Ruling::Refund)), "market.not_exchange_center");
    assert_failed(&c.call(EXCHANGE_TRADER, arbitrate(o, Ruling::Refund)), "market.arbiter_is_party");
    let msg =
        assert_failed(&c.call(EXCHANGE, arbitrate(o, Ruling::Split { buyer_bps: 10_001 })), "market.invalid_split");
    assert!(msg.contains("10001"), "{msg}");
    assert_ok(&c.call(EXCHANGE, arbitrate(o, Ruling::Split { buyer_bps: 10_000 })));
    assert_failed(&c.call(EXCHANGE, arbitrate(o, Ruling::Pay)), "market.wrong_order_status");
    assert_eq!(escrow(&c), 0);
}

#[test]
fn the_fee_rate_starts_at_100_bps_and_only_the_exchange_center_changes_it_within_bounds() {
    let mut c = TestChain::new(&market_world());
    assert_eq!(fee_rate(&c.state).ok(), Some(100));
    assert_failed(&c.call(SELLER, set_fee(50)), "market.not_exchange_center");
    let msg = assert_failed(&c.call(EXCHANGE, set_fee(2_001)), "market.fee_rate_out_of_range");
    assert!(msg.contains("2001") && msg.contains("2000"), "{msg}");
    let events = assert_ok(&c.call(EXCHANGE, set_fee(2_000)));
    assert_eq!(events, vec![Event::FeeRateSet { by: account(EXCHANGE), old_bps: 100, new_bps: 2_000 }]);
    let (_, l) = listed_dataset(&mut c, 999);
    let o = order(&mut c, BUYER, l);
    assert_eq!(get_order(&c.state, &o).expect("read").expect("order").fee, Fen(199));
    // A later change does not touch the fee of an order already placed.
    assert_ok(&c.call(EXCHANGE, set_fee(0)));
    assert_ok(&c.call(SELLER, confirm(o)));
    assert_ok(&c.call(BUYER, accept(o)));
    assert_eq!(bal(&c, EXCHANGE), 199);
    let o2 = order(&mut c, BUYER, l);
    assert_eq!(get_order(&c.state, &o2).expect("read").expect("order").fee, Fen(0));
    assert_eq!(escrow(&c), 999);
}

/// Separation of duties (issue 22): an exchange center that also trades cannot review its own
/// listing; another exchange center can.
#[test]
fn an_exchange_center_cannot_review_its_own_listing() {
    let mut c = TestChain::new(&market_world());
    let l = submit(&mut c, EXCHANGE_TRADER, listing(off_catalog(), 500));
    let msg = assert_failed(&c.call(EXCHANGE_TRADER, review(l, true)), "market.reviewer_is_seller");
    assert!(msg.contains("cannot review"), "{msg}");
    assert_failed(&c.call(EXCHANGE_TRADER, review(l, false)), "market.reviewer_is_seller");
    let still = shulian_contracts::market::get_listing(&c.state, &l).expect("read").expect("listing");
    assert_eq!(still.status, shulian_contracts::market::ListingStatus::PendingReview, "the refusal changed nothing");
    assert_ok(&c.call(EXCHANGE, review(l, true)));
}
