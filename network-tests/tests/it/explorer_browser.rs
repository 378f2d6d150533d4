//! The explorer in a real browser: a dev node is loaded with a scenario through the real `shulian`
//! wallet (a core data set used under a co-approved grant, a derived data set, a disputed order),
//! then `network-tests/browser/explorer.spec.mjs` drives headless Chromium through it: search,
//! pinning the genesis hash (nothing is verified before, nor under a wrong pin), data set, grant,
//! receipts (each proven by its outcome proof in the browser, the list complete; a bent outcome
//! proof refused), the 'verified' marks (and their absence for a tampered proof, object or outcome), the
//! regulator's CSV export compared with the API, the role lists of issue 19
//! (`network-tests/browser/lists.spec.mjs`: catalog, inbox, grants and receipts, market,
//! regulator lists; paging, date filters, a CSV export), the regulator's dashboard
//! (`dashboard.spec.mjs`: charts from the scenario, a chart's CSV equal to the ledger, a tablet's
//! width), choices by name and date (the uses view), names where ids were, both languages on every
//! page (`i18n.spec.mjs`), and screenshots under target/explorer-screenshots (`make
//! explorer-screenshots`).
//! Needs Debian's `chromium` and `npm ci` in network-tests/browser: `make test` installs both.

use anyhow::{Context, bail};
use shulian_network_tests::DevNode;
use shulian_network_tests::scenario::Scenario;
use shulian_network_tests::wallet::{
    account, approved_listing, file_request, json_ok, receipt_args, refused, register_dataset, succeeded, text,
};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What the scenario created, for the browser script.
struct Loaded {
    dataset: String,
    grant: String,
    order: String,
    grantee: String,
    /// For the lists: `(environment variable, id)` pairs, see `lists.spec.mjs`.
    lists: Vec<(&'static str, String)>,
}

/// Health's core data set, requested by transport, approved by health and co-approved by the
/// regulator, used three times; a derived data set; a listing of another data set whose order the
/// trader disputes.
fn load_scenario(node: &DevNode, tmp: &Path) -> anyhow::Result<Loaded> {
    let dataset = register_dataset(node, "health", "clinic visits", "core", "conditional")?;
    let requested = file_request(node, "transport", &dataset, "bus route planning", &["district", "visits"], 10)?;
    let request = text(&requested, "request_id")?;
    json_ok(node, &["grant", "approve", "--from", "health", "--request", &request, "--json"])?;
    let co = json_ok(node, &["grant", "co-approve", "--from", "regulator", "--request", &request, "--json"])?;
    let grant = text(&co, "grant_id")?;

    let result_file = tmp.join("result.csv");
    std::fs::write(&result_file, "district,visits\nnorth,12\n")?;
    let result = result_file.to_str().context("temp path is not UTF-8")?;
    for i in 0..3 {
        let q = format!("select district, visits from visits -- run {i}");
        json_ok(node, &receipt_args(&grant, &q, "district,visits", result))?;
    }
    let hash = "ef".repeat(32);
    let parent = format!("{dataset}:{grant}");
    let derived = json_ok(
        node,
        &[
            "lineage",
            "register",
            "--from",
            "transport",
            "--name",
            "bus demand by district",
            "--metadata-hash",
            &hash,
            "--schema-hash",
            &hash,
            "--field",
            "district",
            "--category",
            "transport",
            "--classification",
            // A set derived from core data is core too (classification follows lineage).
            "core",
            "--sharing",
            "conditional",
            "--update-frequency",
            "weekly",
            "--parent",
            &parent,
            "--wait",
            "--json",
        ],
    )?;

    let sold = register_dataset(node, "health", "pharmacy sales", "general", "unconditional")?;
    let listing = approved_listing(node, "health", &sold, 20_000)?;
    let placed = json_ok(node, &["order", "place", "--from", "trader", "--listing", &listing, "--json"])?;
    let order = text(&placed, "order_id")?;
    let delivered = tmp.join("delivered.csv");
    std::fs::write(&delivered, "district,sales\nnorth,3\n")?;
    let delivered = delivered.to_str().context("temp path is not UTF-8")?;
    json_ok(
        node,
        &["order", "deliver", "--from", "health", "--order", &order, "--delivery-file", delivered, "--wait", "--json"],
    )?;
    json_ok(
        node,
        &["order", "dispute", "--from", "trader", "--order", &order, "--reason", "rows missing", "--wait", "--json"],
    )?;
    let grantee = text(&json_ok(node, &["keys", "show", "transport", "--json"])?, "account")?;
    // A data set registered under a Chinese name, for the pickers' search by name.
    let chinese = register_dataset(node, "transport", "公交客流 bus ridership", "general", "unconditional")?;
    let derived = text(&derived, "dataset_id")?;
    // A refused call, committed as failed: the regulator holds no money to transfer.
    refused(node, &["transfer", "--from", "regulator", "--to", &grantee, "--amount", "5", "--wait"], 1)?;
    let mut lists = load_for_lists(node, &dataset, &derived, &listing)?;
    lists.push(("SHULIAN_CHINESE_DATASET", chinese));
    Ok(Loaded { dataset, grant, order, grantee, lists })
}

/// What the role lists need beyond the scenario above: a request left for health to decide, one
/// health approved that waits for the regulator, an order left for health to deliver, the
/// derived data set on the negative list, and the trader suspended (last: it can do nothing after).
fn load_for_lists(
    node: &DevNode,
    core: &str,
    derived: &str,
    listing: &str,
) -> anyhow::Result<Vec<(&'static str, String)>> {
    let pending = text(&file_request(node, "transport", core, "school planning", &["district"], 5)?, "request_id")?;
    let awaiting = text(&file_request(node, "transport", core, "clinic planning", &["district"], 5)?, "request_id")?;
    json_ok(node, &["grant", "approve", "--from", "health", "--request", &awaiting, "--json"])?;
    let placed = json_ok(node, &["order", "place", "--from", "trader", "--listing", listing, "--json"])?;
    let open_order = text(&placed, "order_id")?;
    let reason = "re-identifies patients";
    succeeded(node, &["dataset", "negative-list", "--from", "regulator", "--dataset", derived, "--reason", reason])?;
    let trader = account(node, "trader")?;
    let why = "unlicensed resale";
    let proposed =
        json_ok(node, &["org", "propose-suspend", "--from", "exchange", "--org", &trader, "--reason", why, "--json"])?;
    let proposal = text(&proposed, "proposal_id")?;
    succeeded(node, &["org", "vote", "--from", "exchange", "--proposal", &proposal, "--approve"])?;
    Ok(vec![
        ("SHULIAN_LIST_HEALTH", account(node, "health")?),
        ("SHULIAN_LIST_TRADER", trader),
        ("SHULIAN_LIST_DERIVED", derived.to_string()),
        ("SHULIAN_LIST_PENDING", pending),
        ("SHULIAN_LIST_AWAITING", awaiting),
        ("SHULIAN_LIST_OPEN_ORDER", open_order),
        ("SHULIAN_LIST_LISTING", listing.to_string()),
    ])
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Fails with what to do when the browser or the test's npm packages are missing.
fn browser_tools() -> anyhow::Result<PathBuf> {
    let dir = workspace().join("network-tests/browser");
    if !Path::new("/usr/bin/chromium").exists() {
        bail!(
            "/usr/bin/chromium is missing: run `make test` (it apt-get installs chromium), or `apt-get install chromium`"
        );
    }
    if Command::new("node").arg("--version").output().map(|o| !o.status.success()).unwrap_or(true) {
        bail!("node is missing: run `make test` (it installs nodejs and npm), or `apt-get install nodejs npm`");
    }
    if !dir.join("node_modules/playwright-core").exists() {
        bail!("playwright-core is not installed: run `make test`, or `npm ci` in {}", dir.display());
    }
    Ok(dir)
}

#[test]
fn regulator_explores_verifies_and_exports_in_a_real_browser() -> anyhow::Result<()> {
    let browser_dir = browser_tools()?;
    let net = Scenario::dev().start()?;
    let node = net.node(0);
    let s = load_scenario(node, net.dir())?;

    // The JavaScript half of the Rust/JS verification vector (node/src/explorer/tests.rs).
    let js = Command::new("node")
        .args(["--test", "node/src/explorer/test/"])
        .current_dir(workspace())
        .output()
        .context("cannot run node --test")?;
    assert!(js.status.success(), "node --test failed:\n{}", String::from_utf8_lossy(&js.stdout));

    let shots = workspace().join("target/explorer-screenshots");
    let out = Command::new("node")
        .arg(browser_dir.join("explorer.spec.mjs"))
        .env("SHULIAN_URL", &node.url)
        .env("SHULIAN_DATASET", &s.dataset)
        .env("SHULIAN_GRANT", &s.grant)
        .env("SHULIAN_ORDER", &s.order)
        .env("SHULIAN_GRANTEE", &s.grantee)
        .env("SHULIAN_SCREENSHOTS", &shots)
        .envs(s.lists.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .context("cannot run the browser test")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(out.status.success(), "browser test failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    for page in [
        "settings",
        "overview",
        "dataset",
        "grant",
        "grant-tampered-receipt",
        "transaction",
        "transaction-tampered-outcome",
        "block",
        "regulator-views",
        "catalog",
        "inbox",
        "grants",
        "market",
        "regulator-lists",
        "order",
        "evidence",
        "genesis-mismatch",
        "dashboard",
        "dashboard-tablet",
        "dashboard-en",
    ] {
        assert!(shots.join(format!("{page}.png")).exists(), "no screenshot of the {page} page");
    }
    Ok(())
}
