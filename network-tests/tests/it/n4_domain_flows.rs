//! The sharing and market flows on 4 validators, each step through the real `shulian` wallet
//! against another validator than the step before: a data set registered, requested, approved,
//! used, revoked and a use refused after the revocation; a deposit, a listing reviewed and
//! bought, delivered, disputed and arbitrated with a split. Every validator must then report each
//! transaction with the same outcome, the same balances (every fen accounted for, the exchange
//! center paid its fee) and the same block hash and state root at every height.

use anyhow::{Context, ensure};
use serde_json::Value;
use shulian_network_tests::DevNode;
use shulian_network_tests::checker::check_agreement;
use shulian_network_tests::scenario::{Net, Scenario};
use shulian_network_tests::wallet::{
    self, Books, file_request, json_ok, num, receipt_args, register_dataset_tx, shulian, succeeded, text,
};
use std::time::Duration;

/// How long every validator has to commit a transaction another one admitted: with
/// transactions pending the validators commit a block per round (well under a second on
/// loopback), so this leaves room for a loaded 2-core machine and a few view changes.
const COMMIT_TIMEOUT: Duration = Duration::from_secs(30);

/// Price of the listing, in fen.
const PRICE: u64 = 120_000;

/// The arbitrator's split: the buyer gets back this many basis points of the price.
const SPLIT_BUYER_BPS: u64 = 2_500;

/// The transactions of the story, each with the outcome every validator must report for it.
struct Story<'a> {
    net: &'a Net,
    /// (hash, outcome status, error code of a failed call).
    txs: Vec<(String, &'static str, Option<&'static str>)>,
}

impl Story<'_> {
    /// Validator `k`.
    fn at(&self, k: usize) -> &DevNode {
        self.net.node(k)
    }

    /// Records `v` (the wallet's JSON of a committed transaction) as committed with `status`
    /// (and for a failed call, error `code`), and waits until every validator has committed it,
    /// so the next step can go through any of them.
    fn committed(&mut self, v: &Value, status: &'static str, code: Option<&'static str>) -> anyhow::Result<()> {
        ensure!(v["status"] == "committed" && v["outcome"]["status"] == status, "expected {status}: {v}");
        if let Some(code) = code {
            ensure!(v["outcome"]["error"]["code"] == code, "expected {code}: {v}");
        }
        let hash = text(v, "hash")?;
        self.net.wait_committed(std::slice::from_ref(&hash), COMMIT_TIMEOUT)?;
        self.txs.push((hash, status, code));
        Ok(())
    }

    /// Like [`Story::committed`] for a successful call; answers `v` for its ids.
    fn ok(&mut self, v: Value) -> anyhow::Result<Value> {
        self.committed(&v, "success", None)?;
        Ok(v)
    }

    /// Every validator reports every transaction of the story committed with its outcome.
    fn check_outcomes(&self) -> anyhow::Result<()> {
        for n in self.net.nodes() {
            for (hash, status, code) in &self.txs {
                let v = n.get(&format!("/api/tx/{hash}"))?;
                ensure!(v["status"] == "committed" && v["outcome"]["status"] == *status, "{}: {v}", n.url);
                ensure!(v["outcome"]["error"]["code"].as_str() == *code, "{}: {v}", n.url);
            }
        }
        Ok(())
    }
}

/// The books as validator `node` reports them (`/api/account/{id}`, `/api/market`).
fn books(net: &Net, node: &DevNode) -> anyhow::Result<Books> {
    Books::read(node, |name| num(&node.get(&format!("/api/account/{}", net.account(name)?))?, "/balance"))
}

/// Every validator reports the books `want`.
fn all_books(net: &Net, want: Books) -> anyhow::Result<()> {
    for n in net.nodes() {
        ensure!(books(net, n)? == want, "{} reports {:?}, expected {want:?}", n.url, books(net, n)?);
    }
    Ok(())
}

#[test]
fn sharing_and_a_disputed_trade_through_different_validators_agree_on_all_four() -> anyhow::Result<()> {
    let net = Scenario::validators(4).start()?;
    let mut story = Story { net: &net, txs: Vec::new() };
    sharing(&mut story)?;
    trade(&mut story)?;
    story.check_outcomes()?;
    let hashes: Vec<String> = story.txs.iter().map(|(h, _, _)| h.clone()).collect();
    let agreed = check_agreement(&net.nodes(), &hashes, COMMIT_TIMEOUT)?;
    assert!(agreed.txs >= hashes.len(), "{agreed:?}");
    Ok(())
}

/// Register, request, approve, two receipts, revoke, a refused receipt.
fn sharing(story: &mut Story<'_>) -> anyhow::Result<()> {
    let result_file = story.net.dir().join("result.csv");
    std::fs::write(&result_file, "district,visits\nnorth,12\n")?;
    let result = result_file.to_str().context("temp path is not UTF-8")?;

    let v = register_dataset_tx(story.at(0), "health", "clinic visits", "important", "conditional")?;
    let dataset = text(&story.ok(v)?, "dataset_id")?;

    let fields = ["district", "visits"];
    let v = file_request(story.at(1), "transport", &dataset, "bus route planning", &fields, 10)?;
    let requested = story.ok(v)?;
    ensure!(requested.get("grant_id").is_none(), "conditional data needs the owner's approval: {requested}");
    let request = text(&requested, "request_id")?;

    let v = json_ok(story.at(2), &["grant", "approve", "--from", "health", "--request", &request, "--json"])?;
    let grant = text(&story.ok(v)?, "grant_id")?;

    for (k, run) in [(3, "north"), (0, "south")] {
        let q = format!("select district, visits from visits where district = '{run}'");
        let v = json_ok(story.at(k), &receipt_args(&grant, &q, "district,visits", result))?;
        story.ok(v)?;
    }

    let revoke = ["grant", "revoke", "--from", "health", "--grant", &grant, "--reason", "purpose ended"];
    let v = succeeded(story.at(1), &revoke)?;
    story.ok(v)?;

    // After the revocation a use is committed as a failed call naming the rule.
    let out = shulian(story.at(2), &receipt_args(&grant, "select district", "district", result))?;
    ensure!(out.status.code() == Some(1), "a refused call exits 1: {}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).context("the refused receipt printed no JSON")?;
    story.committed(&v, "failed", Some("receipts.revoked"))?;

    // Every validator counts the two uses and the revocation.
    for n in story.net.nodes() {
        let g = n.get(&format!("/api/grant/{grant}"))?;
        ensure!(g["grant"]["uses"] == 2 && g["grant"]["revoked"]["reason"] == "purpose ended", "{}: {g}", n.url);
    }
    Ok(())
}

/// Deposit, listing submitted and reviewed, order, delivery, dispute, split ruling; the books
/// checked on every validator.
fn trade(story: &mut Story<'_>) -> anyhow::Result<()> {
    let net = story.net;
    let trader = net.account("trader")?.to_string();
    let before = books(net, story.at(0))?;
    all_books(net, before)?;

    let v = wallet::deposit(story.at(3), &trader, 250_000, "ICBC-0002")?;
    story.ok(v)?;
    let funded = Books { buyer: before.buyer + 250_000, supply: before.supply + 250_000, ..before };
    all_books(net, funded)?;

    let v = register_dataset_tx(story.at(0), "health", "pharmacy sales", "general", "conditional")?;
    let dataset = text(&story.ok(v)?, "dataset_id")?;
    let v = wallet::submit_listing(story.at(1), "health", &dataset, PRICE)?;
    let listing = text(&story.ok(v)?, "listing_id")?;
    let v = wallet::approve_listing(story.at(2), &listing)?;
    story.ok(v)?;

    let fee = PRICE * num(&story.at(3).get("/api/market")?, "/fee_bps")? / 10_000;
    ensure!(fee > 0, "the demo fee rate charges something on {PRICE} fen");
    let v = json_ok(story.at(3), &["order", "place", "--from", "trader", "--listing", &listing, "--json"])?;
    let order = text(&story.ok(v)?, "order_id")?;
    let escrowed = Books { buyer: funded.buyer - PRICE - fee, escrow: funded.escrow + PRICE + fee, ..funded };
    all_books(net, escrowed)?;

    let delivered = net.dir().join("sales.csv");
    std::fs::write(&delivered, "district,visits\nnorth,12\n")?;
    let v = wallet::deliver(story.at(0), "health", &order, &delivered)?;
    story.ok(v)?;
    let dispute = ["order", "dispute", "--from", "trader", "--order", &order, "--reason", "rows missing"];
    let v = succeeded(story.at(1), &dispute)?;
    story.ok(v)?;
    let bps = SPLIT_BUYER_BPS.to_string();
    let v = succeeded(story.at(2), &["arbitrate", "--from", "exchange", "--order", &order, "--split-buyer-bps", &bps])?;
    story.ok(v)?;

    // The buyer gets back its share of the price, the seller the rest, the exchange its fee.
    let refund = PRICE * SPLIT_BUYER_BPS / 10_000;
    let end = Books {
        seller: funded.seller + PRICE - refund,
        buyer: funded.buyer - PRICE - fee + refund,
        exchange: funded.exchange + fee,
        ..funded
    };
    all_books(net, end)?;
    assert_eq!(end.held(), before.held() + 250_000, "money conserved but for the deposit");
    for n in net.nodes() {
        let types = wallet::event_types(n, &format!("order:{order}"))?;
        ensure!(
            types == ["order_placed", "delivery_confirmed", "dispute_opened", "dispute_arbitrated"],
            "{}: {types:?}",
            n.url
        );
    }
    Ok(())
}
