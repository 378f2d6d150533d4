//! Runs the real `shulian` wallet binary against a node, as a user would: with the demo keystore
//! (a dev node's `keys/`, or for a validator the `keys/` that `testnet` wrote next to its home) and
//! passphrase, and no settings file of the machine's user (HOME is the node's home).

use crate::{DevNode, binary};
use anyhow::{Context, bail, ensure};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// `shulian ARGS` against `node`. A Rust panic in its output is an error, whatever the exit code.
pub fn shulian(node: &DevNode, args: &[&str]) -> anyhow::Result<Output> {
    let out = Command::new(binary("shulian")?)
        .args(args)
        .env("HOME", node.home.as_path())
        .env_remove("SHULIAN_CONFIG")
        .env_remove("SHULIAN_KEY")
        .env("SHULIAN_NODE", &node.url)
        .env("SHULIAN_KEYSTORE", demo_keystore(node))
        .env("SHULIAN_PASSPHRASE", "dev")
        .output()
        .context("cannot run shulian")?;
    if String::from_utf8_lossy(&out.stderr).contains("panicked") {
        bail!("shulian {args:?} printed a Rust panic: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(out)
}

/// The demo organizations' keys for `node`: its own `keys/` (a dev node), else those of the
/// network it belongs to (`testnet --out DIR` writes `DIR/keys` next to `DIR/nodeK`).
fn demo_keystore(node: &DevNode) -> std::path::PathBuf {
    let own = node.home.join("keys");
    match node.home.parent() {
        Some(net) if !own.is_dir() => net.join("keys"),
        _ => own,
    }
}

/// A command that must succeed and print one JSON document.
pub fn json_ok(node: &DevNode, args: &[&str]) -> anyhow::Result<Value> {
    let out = shulian(node, args)?;
    if !out.status.success() {
        bail!(
            "shulian {args:?} exited with {:?}\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    serde_json::from_slice(&out.stdout).with_context(|| format!("shulian {args:?} printed no JSON"))
}

/// A command that must succeed; answers its text output.
pub fn text_ok(node: &DevNode, args: &[&str]) -> anyhow::Result<String> {
    let out = shulian(node, args)?;
    ensure!(out.status.success(), "shulian {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    Ok(String::from_utf8(out.stdout)?)
}

/// A command that must fail with exit code `code`; answers its stderr.
pub fn refused(node: &DevNode, args: &[&str], code: i32) -> anyhow::Result<String> {
    let out = shulian(node, args)?;
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    if out.status.code() != Some(code) {
        bail!("shulian {args:?} exited with {:?}, expected {code}\nstderr: {err}", out.status.code());
    }
    Ok(err)
}

/// The string field `key` of a JSON object.
pub fn text(v: &Value, key: &str) -> anyhow::Result<String> {
    v[key].as_str().map(str::to_string).with_context(|| format!("no {key} in {v}"))
}

/// `from` registers a data set `name` (hashes, fields and category fixed) with `classification`
/// and `sharing` attribute; answers its id.
pub fn register_dataset(
    node: &DevNode,
    from: &str,
    name: &str,
    classification: &str,
    sharing: &str,
) -> anyhow::Result<String> {
    text(&register_dataset_tx(node, from, name, classification, sharing)?, "dataset_id")
}

/// Like [`register_dataset`], answering the wallet's JSON: the committed transaction (`hash`,
/// `outcome`) and `dataset_id`.
pub fn register_dataset_tx(
    node: &DevNode,
    from: &str,
    name: &str,
    classification: &str,
    sharing: &str,
) -> anyhow::Result<Value> {
    let hash = "ab".repeat(32);
    json_ok(
        node,
        &[
            "dataset",
            "register",
            "--from",
            from,
            "--name",
            name,
            "--metadata-hash",
            &hash,
            "--schema-hash",
            &hash,
            "--field",
            "district,visits,age_band",
            "--category",
            "health",
            "--classification",
            classification,
            "--sharing",
            sharing,
            "--update-frequency",
            "daily",
            "--json",
        ],
    )
}

/// `from` asks for `fields` of `dataset` for `purpose`, valid until height 1 000 000 for
/// `max_uses` uses; answers the wallet's JSON (`request_id`, and `grant_id` when no approval is
/// needed).
pub fn file_request(
    node: &DevNode,
    from: &str,
    dataset: &str,
    purpose: &str,
    fields: &[&str],
    max_uses: u32,
) -> anyhow::Result<Value> {
    let max_uses = max_uses.to_string();
    let mut args = vec!["request", "--from", from, "--dataset", dataset, "--purpose", purpose];
    for f in fields {
        args.extend(["--field", f]);
    }
    args.extend(["--valid-for", "365d", "--max-uses", &max_uses, "--json"]);
    json_ok(node, &args)
}

/// The arguments of a usage receipt recorded by transport under `grant` (query `query`, result
/// file `result`, 42 rows, `fields`), waiting for its block.
pub fn receipt_args<'a>(grant: &'a str, query: &'a str, fields: &'a str, result: &'a str) -> Vec<&'a str> {
    vec![
        "receipt",
        "--from",
        "transport",
        "--grant",
        grant,
        "--query-text",
        query,
        "--result-file",
        result,
        "--rows",
        "42",
        "--field",
        fields,
        "--wait",
        "--json",
    ]
}

/// `seller` lists `dataset` at `price` fen (fixed terms: sftp delivery for insurance pricing, two
/// fields, five uses) and the exchange center approves it; answers the listing id.
pub fn approved_listing(node: &DevNode, seller: &str, dataset: &str, price: u64) -> anyhow::Result<String> {
    let listing = text(&submit_listing(node, seller, dataset, price)?, "listing_id")?;
    approve_listing(node, &listing)?;
    Ok(listing)
}

/// `seller` lists `dataset` at `price` fen with the fixed terms of [`approved_listing`]; answers
/// the wallet's JSON (the committed transaction and `listing_id`).
pub fn submit_listing(node: &DevNode, seller: &str, dataset: &str, price: u64) -> anyhow::Result<Value> {
    let terms = "cd".repeat(32);
    let price = price.to_string();
    let mut args = vec!["listing", "submit", "--from", seller, "--dataset", dataset, "--price", &price];
    args.extend(["--licence-terms-hash", &terms, "--delivery-method", "sftp", "--purpose", "insurance pricing"]);
    args.extend(["--field", "district,visits", "--valid-for", "365d", "--max-uses", "5", "--json"]);
    json_ok(node, &args)
}

/// The exchange center approves `listing` after its review; the call must succeed. Answers the
/// committed transaction.
pub fn approve_listing(node: &DevNode, listing: &str) -> anyhow::Result<Value> {
    let args = ["listing", "approve", "--from", "exchange", "--listing", listing, "--reason", "terms checked"];
    succeeded(node, &args)
}

/// `shulian ARGS --wait --json` for a call that must be committed as a success; answers the
/// committed transaction.
pub fn succeeded(node: &DevNode, args: &[&str]) -> anyhow::Result<Value> {
    let v = json_ok(node, &[args, &["--wait", "--json"]].concat())?;
    ensure!(v["outcome"]["status"] == "success", "shulian {args:?} failed: {v}");
    Ok(v)
}

/// The exchange center, as clearing house, credits `amount` fen to account `to` for bank
/// transfer `bank_ref`; the call must succeed.
pub fn deposit(node: &DevNode, to: &str, amount: u64, bank_ref: &str) -> anyhow::Result<Value> {
    let amount = amount.to_string();
    succeeded(node, &["deposit", "--from", "exchange", "--to", to, "--amount", &amount, "--bank-ref", bank_ref])
}

/// `seller` confirms delivery of `order` (the wallet hashes `file`); the call must succeed.
pub fn deliver(node: &DevNode, seller: &str, order: &str, file: &Path) -> anyhow::Result<Value> {
    let file = file.to_str().context("delivery file path is not UTF-8")?;
    succeeded(node, &["order", "deliver", "--from", seller, "--order", order, "--delivery-file", file])
}

/// The number at JSON `pointer` in `v`.
pub fn num(v: &Value, pointer: &str) -> anyhow::Result<u64> {
    v.pointer(pointer).and_then(Value::as_u64).with_context(|| format!("no number at {pointer} in {v}"))
}

/// The account id of demo key `key`, from the wallet.
pub fn account(node: &DevNode, key: &str) -> anyhow::Result<String> {
    text(&json_ok(node, &["keys", "show", key, "--json"])?, "account")
}

/// A settlement balance as `shulian balance --key NAME --json` reports it.
pub fn balance(node: &DevNode, key: &str) -> anyhow::Result<u64> {
    num(&json_ok(node, &["balance", "--key", key, "--json"])?, "/balance")
}

/// The types of the events about `subject` (`dataset:ID`, `order:ID`, …), in chain order.
pub fn event_types(node: &DevNode, subject: &str) -> anyhow::Result<Vec<String>> {
    let history = json_ok(node, &["events", "--subject", subject, "--json"])?;
    let events = history["events"].as_array().with_context(|| format!("no events list in {history}"))?;
    Ok(events.iter().map(|e| e["event"]["type"].as_str().unwrap_or("?").to_string()).collect())
}

/// The balances of the seller (demo organization health), the buyer (trader) and the exchange
/// center, and the market's escrow and total supply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Books {
    /// health's balance.
    pub seller: u64,
    /// trader's balance.
    pub buyer: u64,
    /// The exchange center's balance.
    pub exchange: u64,
    /// The market's escrow (`/api/market`).
    pub escrow: u64,
    /// Money in existence (`/api/market`).
    pub supply: u64,
}

impl Books {
    /// The books as `node` reports them, each balance read by `balance` from a demo key's name
    /// (through the wallet, or the API).
    pub fn read(node: &DevNode, balance: impl Fn(&str) -> anyhow::Result<u64>) -> anyhow::Result<Books> {
        let market = node.get("/api/market")?;
        Ok(Books {
            seller: balance("health")?,
            buyer: balance("trader")?,
            exchange: balance("exchange")?,
            escrow: num(&market, "/escrow")?,
            supply: num(&market, "/total_supply")?,
        })
    }

    /// What the three parties and the escrow hold together.
    pub fn held(&self) -> u64 {
        self.seller + self.buyer + self.exchange + self.escrow
    }
}
