//! The data market through the real `shulian` wallet binary against a real dev node: a deposit
//! by the exchange center, a listing reviewed and bought, delivered and accepted, with every fen
//! accounted for; the order's history in chain order; the buyer's grant; and refusals of a frozen
//! listing and of a deposit by an organization that is not the clearing house.

use anyhow::Context;
use serde_json::Value;
use shulian_network_tests::DevNode;
use shulian_network_tests::scenario::Scenario;
use shulian_network_tests::wallet::{self, Books, account, balance, json_ok, num, shulian, text, text_ok};

/// The books as the wallet's `balance` command and `/api/market` report them.
fn books(node: &DevNode) -> anyhow::Result<Books> {
    Books::read(node, |key| balance(node, key))
}

/// Health registers a general, conditionally shared data set and answers its id.
fn register_dataset(node: &DevNode) -> anyhow::Result<String> {
    wallet::register_dataset(node, "health", "clinic visits", "general", "conditional")
}

#[test]
fn an_accepted_order_pays_seller_and_exchange_exactly_and_grants_the_buyer() -> anyhow::Result<()> {
    let net = Scenario::dev().start()?;
    let node = net.node(0);
    let trader = account(node, "trader")?;
    let health = account(node, "health")?;

    // The exchange center, as clearing house, credits the buyer's bank transfer.
    let before = books(node)?;
    wallet::deposit(node, &trader, 250_000, "ICBC-0001")?;
    let after_deposit = books(node)?;
    assert_eq!(after_deposit.buyer, before.buyer + 250_000, "the deposit reaches the buyer");
    assert_eq!(after_deposit.supply, before.supply + 250_000, "a deposit grows the total supply");

    let dataset = register_dataset(node)?;
    let price = 120_000u64;
    let listing = wallet::approved_listing(node, "health", &dataset, price)?;
    let shown = json_ok(node, &["listing", "show", &listing, "--json"])?;
    assert_eq!(shown["listing"]["status"]["status"], "approved", "{shown}");
    assert_eq!(shown["listing"]["seller"], health.as_str(), "{shown}");

    // The trader buys: price plus fee move into escrow.
    let fee = price * num(&node.get("/api/market")?, "/fee_bps")? / 10_000;
    assert!(fee > 0, "the demo fee rate charges something on {price} fen");
    let start = books(node)?;
    let placed = json_ok(node, &["order", "place", "--from", "trader", "--listing", &listing, "--json"])?;
    let order = text(&placed, "order_id")?;
    let escrowed = books(node)?;
    assert_eq!(escrowed.buyer, start.buyer - price - fee, "the buyer pays price and fee");
    assert_eq!(escrowed.escrow, start.escrow + price + fee, "into escrow");

    // The seller delivers (the wallet hashes the file) and the buyer accepts.
    let delivered_file = net.dir().join("visits.csv");
    std::fs::write(&delivered_file, "district,visits\nnorth,12\n")?;
    wallet::deliver(node, "health", &order, &delivered_file)?;
    let accepted = json_ok(node, &["order", "accept", "--from", "trader", "--order", &order, "--json"])?;
    let grant = text(&accepted, "grant_id")?;
    assert_eq!(text(&accepted, "order_id")?, order);

    // Every fen accounted for.
    let end = books(node)?;
    assert_eq!(end.seller, start.seller + price, "the seller gets exactly the price");
    assert_eq!(end.exchange, start.exchange + fee, "the exchange center gets exactly the fee");
    assert_eq!(end.buyer, start.buyer - price - fee, "the buyer paid price and fee");
    assert_eq!(end.escrow, start.escrow, "the escrow paid the order out");
    assert_eq!(end.supply, start.supply, "trading creates no money");
    assert_eq!(end.seller + end.buyer + end.exchange, start.seller + start.buyer + start.exchange, "money conserved");

    // The order's history, in chain order, from the event index.
    let subject = format!("order:{order}");
    let history = json_ok(node, &["events", "--subject", &subject, "--json"])?;
    let types = wallet::event_types(node, &subject)?;
    assert_eq!(types, ["order_placed", "delivery_confirmed", "delivery_accepted"]);
    let heights: Vec<u64> =
        history["events"].as_array().context("events list")?.iter().filter_map(|e| e["height"].as_u64()).collect();
    assert!(heights.windows(2).all(|w| w[0] <= w[1]), "oldest first: {heights:?}");
    let words = text_ok(node, &["events", "--subject", &subject])?;
    assert!(
        words.contains("placed by buyer") && words.contains(&format!("price {price} fen + fee {fee} fen")),
        "{words}"
    );
    assert!(words.contains("delivered by seller") && words.contains("accepted by buyer"), "{words}");

    // `order show` tells the same story.
    let shown = json_ok(node, &["order", "show", &order, "--json"])?;
    assert_eq!(shown["order"]["status"], "accepted", "{shown}");
    assert_eq!(shown["order"]["grant"], grant.as_str(), "{shown}");
    assert_eq!(shown["events"], history["events"], "{shown}");
    let steps: Vec<&str> = shown["order"]["history"]
        .as_array()
        .context("order history")?
        .iter()
        .filter_map(|step| step[1].as_str())
        .collect();
    assert_eq!(steps, ["placed", "delivered", "accepted"]);
    let words = text_ok(node, &["order", "show", &order])?;
    assert!(words.contains("placed at") && words.contains("-> accepted at"), "{words}");

    // The buyer now holds a usable grant on the data set, scoped to the fields sold.
    let g = json_ok(node, &["grant", "show", &grant, "--json"])?;
    assert_eq!(g["grant"]["grantee"], trader.as_str(), "{g}");
    assert_eq!(g["grant"]["dataset"], dataset.as_str(), "{g}");
    assert_eq!(g["grant"]["fields"], serde_json::json!(["district", "visits"]), "{g}");
    assert_eq!(g["usable_now"], true, "{g}");
    Ok(())
}

#[test]
fn a_frozen_listing_refuses_orders_and_only_the_clearing_house_deposits() -> anyhow::Result<()> {
    let net = Scenario::dev().start()?;
    let node = net.node(0);
    let dataset = register_dataset(node)?;
    let listing = wallet::approved_listing(node, "health", &dataset, 5_000)?;

    let freeze = ["listing", "freeze", "--from", "regulator", "--listing", &listing, "--reason", "licence audit"];
    wallet::succeeded(node, &freeze)?;
    let before = balance(node, "transport")?;

    // The order is committed as a failed call: it names the rule and moves no money.
    let out = shulian(node, &["order", "place", "--from", "transport", "--listing", &listing])?;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "a call the contract refused exits 1: {err}");
    assert!(err.contains("frozen by a regulator (licence audit) and takes no orders"), "{err}");
    assert!(err.contains("market.listing_frozen"), "{err}");
    assert_eq!(balance(node, "transport")?, before, "a refused order escrows nothing");

    // Unfrozen, the same order goes through.
    let unfreeze = ["listing", "unfreeze", "--from", "regulator", "--listing", &listing, "--reason", "audit passed"];
    wallet::succeeded(node, &unfreeze)?;
    let placed = json_ok(node, &["order", "place", "--from", "transport", "--listing", &listing, "--json"])?;
    text(&placed, "order_id")?;
    let types = wallet::event_types(node, &format!("listing:{listing}"))?;
    assert_eq!(types, ["listing_submitted", "listing_reviewed", "listing_frozen", "listing_unfrozen", "order_placed"]);

    // A trader is not the clearing house: its deposit is refused, naming the rule.
    let trader = account(node, "trader")?;
    let supply = num(&node.get("/api/market")?, "/total_supply")?;
    let out = shulian(
        node,
        &["deposit", "--from", "trader", "--to", &trader, "--amount", "1000", "--bank-ref", "fake", "--wait", "--json"],
    )?;
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(v["outcome"]["error"]["code"], "settlement.not_exchange_center", "{v}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("only the exchange center credits deposits"), "{err}");
    assert_eq!(num(&node.get("/api/market")?, "/total_supply")?, supply, "no money was created");
    Ok(())
}

/// Blocks the fast dev chain must make past a delivery before the seller tries to claim: three
/// times the fixed 100-block acceptance window the market used before deadlines moved to ledger
/// time, so a window still counted in blocks would have closed long before.
const FAST_BLOCKS: u64 = 300;

/// How far the test-only clock moves ledger time: two hours, past the listing's one-hour
/// acceptance window.
const CLOCK_JUMP_MS: i64 = 2 * 3_600_000;

#[test]
fn trade_deadlines_follow_ledger_time_not_block_count() -> anyhow::Result<()> {
    let mut net = Scenario::dev().start()?;
    // Blocks as fast as the dev chain makes them: one every 20 ms, busy or idle.
    let fast = [("block_interval_ms", 20.into()), ("empty_block_interval_ms", 20.into())];
    net.configure(0, &fast)?;
    net.restart(0)?;
    let node = net.node(0);
    let trader = account(node, "trader")?;
    wallet::deposit(node, &trader, 500_000, "ICBC-0002")?;
    let dataset = register_dataset(node)?;
    let terms = "cd".repeat(32);
    let submit = [
        ["listing", "submit", "--from", "health", "--dataset", &dataset, "--price", "10000"].as_slice(),
        &["--licence-terms-hash", &terms, "--delivery-method", "sftp", "--purpose", "insurance pricing"],
        &["--field", "district,visits", "--valid-for", "365d", "--max-uses", "5"],
        &["--delivery-window", "7d", "--acceptance-window", "1h", "--json"],
    ]
    .concat();
    let listing = text(&json_ok(node, &submit)?, "listing_id")?;
    wallet::approve_listing(node, &listing)?;
    let shown = json_ok(node, &["listing", "show", &listing, "--json"])?;
    assert_eq!(num(&shown, "/listing/acceptance_window_ms")?, 3_600_000, "{shown}");

    // Two orders, both delivered.
    let file = net.dir().join("visits.csv");
    std::fs::write(&file, "district,visits\nnorth,12\n")?;
    let mut orders = Vec::new();
    for _ in 0..2 {
        let placed = json_ok(node, &["order", "place", "--from", "trader", "--listing", &listing, "--json"])?;
        let order = text(&placed, "order_id")?;
        wallet::deliver(node, "health", &order, &file)?;
        orders.push(order);
    }
    let delivered_at = num(&node.get("/api/status")?, "/height")?;
    node.wait_until(std::time::Duration::from_secs(60), |n| {
        Ok(num(&n.get("/api/status")?, "/height")? >= delivered_at + FAST_BLOCKS)
    })?;

    // Hundreds of blocks later the window is still open in ledger time: the seller's claim is
    // refused with its own code, and the buyer can still dispute.
    for order in &orders {
        let out = shulian(node, &["order", "claim", "--from", "health", "--order", order, "--wait", "--json"])?;
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout)?;
        assert_eq!(v["outcome"]["error"]["code"], "market.acceptance_window_open", "{v}");
    }
    let dispute = ["order", "dispute", "--from", "trader", "--order", &orders[0], "--reason", "rows missing"];
    wallet::succeeded(node, &dispute)?;

    // Two hours of ledger time pass at once: the dev chain's test-only clock offset
    // (`test_clock_offset_ms` in config.toml) dates its next blocks two hours ahead.
    net.configure(0, &[("test_clock_offset_ms", CLOCK_JUMP_MS.into())])?;
    net.restart(0)?;
    let node = net.node(0);
    let start = books(node)?;
    wallet::succeeded(node, &["order", "claim", "--from", "health", "--order", &orders[1]])?;
    let end = books(node)?;
    let fee = num(&json_ok(node, &["order", "show", &orders[1], "--json"])?, "/order/fee")?;
    assert_eq!(end.seller, start.seller + 10_000, "the claim pays the seller the price");
    assert_eq!(end.exchange, start.exchange + fee, "and the exchange center its fee");
    assert_eq!(end.escrow, start.escrow - 10_000 - fee, "out of escrow");
    let disputed = json_ok(node, &["order", "show", &orders[0], "--json"])?;
    assert_eq!(disputed["order"]["status"], "disputed", "the disputed order waits for arbitration: {disputed}");
    Ok(())
}
