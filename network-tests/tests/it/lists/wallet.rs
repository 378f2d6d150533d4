//! The wallet's side of the lists test: every list command's `--json` and text against the API's
//! pages, `--all`, the command that goes on, the inbox's sections and a regulator's CSV export.

use super::{json, scan};
use anyhow::Context;
use serde_json::Value;
use shulian_api::regulator::{ViewFormat, ViewQuery};
use shulian_api::routes;
use shulian_network_tests::wallet::{json_ok, shulian, text_ok};
use shulian_runtime::{AccountId, GrantId};

/// The wallet prints what the API answers: each list's `--json` is the API's page, its text
/// names the same ids in the same order; `--all` reads what a full scan reads; more than a page
/// prints the command that goes on.
pub(super) fn wallet_prints_the_apis_pages(
    node: &shulian_network_tests::DevNode,
    client: &shulian_client::NodeClient,
    health: AccountId,
    transport: AccountId,
    trader: AccountId,
    used_grant: GrantId,
) -> anyhow::Result<()> {
    let limit = "5";
    let first = |q: ViewQuery| ViewQuery { limit: Some(5), ..q };
    let cases: Vec<(Vec<String>, Value, Vec<String>)> = {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let health_s = health.to_string();
        let trader_s = trader.to_string();
        let transport_s = transport.to_string();
        let catalog_page =
            client.list_catalog(&first(ViewQuery { owner: Some(health_s.clone()), ..Default::default() }))?;
        let requests_page = client.list_requests(&first(ViewQuery {
            requester: Some(transport_s.clone()),
            state: Some("awaiting_owner".into()),
            ..Default::default()
        }))?;
        let grants_page =
            client.list_grants(&first(ViewQuery { grantee: Some(transport_s.clone()), ..Default::default() }))?;
        let receipts_page = client.grant_receipts(&used_grant, &first(ViewQuery::default()))?;
        let listings_page =
            client.list_listings(&first(ViewQuery { seller: Some(health_s.clone()), ..Default::default() }))?;
        let orders_page = client.list_orders(&first(ViewQuery {
            org: Some(trader_s.clone()),
            role: Some(shulian_api::lists::OrderRole::Buyer),
            state: Some("placed".into()),
            ..Default::default()
        }))?;
        let statement_page =
            client.list_statement(&first(ViewQuery { org: Some(trader_s.clone()), ..Default::default() }))?;
        let negative_page = client.list_negative(&first(ViewQuery::default()))?;
        let co_page = client
            .list_requests(&first(ViewQuery { state: Some("awaiting_co_approval".into()), ..Default::default() }))?;
        let suspended_page = client.list_suspended(&first(ViewQuery::default()))?;
        let disputes_page = client.list_disputes(&first(ViewQuery::default()))?;
        vec![
            (
                s(&["catalog", "--owner", &health_s, "--limit", limit]),
                json(&catalog_page)?,
                catalog_page.rows.iter().map(|r| r.dataset.to_string()).collect(),
            ),
            (
                s(&["requests", "--requester", &transport_s, "--state", "awaiting-owner", "--limit", limit]),
                json(&requests_page)?,
                requests_page.rows.iter().map(|r| r.request.to_string()).collect(),
            ),
            (
                s(&["grants", "--grantee", &transport_s, "--limit", limit]),
                json(&grants_page)?,
                grants_page.rows.iter().map(|r| r.grant.to_string()).collect(),
            ),
            (
                s(&["grant", "receipts", &used_grant.to_string(), "--limit", limit]),
                json(&receipts_page)?,
                receipts_page.rows.iter().map(|r| r.tx_hash.to_string()).collect(),
            ),
            (
                s(&["listings", "--seller", &health_s, "--limit", limit]),
                json(&listings_page)?,
                listings_page.rows.iter().map(|r| r.listing.to_string()).collect(),
            ),
            (
                s(&["orders", "--org", &trader_s, "--role", "buyer", "--state", "placed", "--limit", limit]),
                json(&orders_page)?,
                orders_page.rows.iter().map(|r| r.order.to_string()).collect(),
            ),
            (
                s(&["statement", "--key", "trader", "--limit", limit]),
                json(&statement_page)?,
                statement_page.rows.iter().map(|r| r.tx_hash.to_string()).collect(),
            ),
            (
                s(&["regulator", "negative-list", "--limit", limit]),
                json(&negative_page)?,
                negative_page.rows.iter().map(|r| r.dataset.to_string()).collect(),
            ),
            (
                s(&["regulator", "co-approvals", "--limit", limit]),
                json(&co_page)?,
                co_page.rows.iter().map(|r| r.request.to_string()).collect(),
            ),
            (s(&["regulator", "suspended", "--limit", limit]), json(&suspended_page)?, Vec::new()),
            (
                s(&["regulator", "disputes", "--limit", limit]),
                json(&disputes_page)?,
                disputes_page.rows.iter().map(|r| r.order.to_string()).collect(),
            ),
        ]
    };
    for (args, api, ids) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let printed = json_ok(node, &[&args[..], &["--json"]].concat())?;
        assert_eq!(&printed, api, "shulian {args:?} --json");
        let text = text_ok(node, &args)?;
        let lines: Vec<&str> =
            text.lines().filter(|l| !l.starts_with("statement of") && !l.contains(" movements: ")).collect();
        assert!(!ids.is_empty() || lines.len() == 1, "shulian {args:?} with nothing to list says so: {text}");
        if !ids.is_empty() {
            assert_eq!(lines.len(), ids.len(), "shulian {args:?}: one line per item:\n{text}");
            for (line, id) in lines.iter().zip(ids) {
                assert!(line.contains(id.as_str()), "shulian {args:?}: {line:?} does not name {id}");
            }
        }
    }
    // `--all` follows the pages to the same rows a full scan reads.
    let catalog = scan(50, &ViewQuery::default(), |q| client.list_catalog(q))?;
    let printed = json_ok(node, &["catalog", "--all", "--limit", "9", "--json"])?;
    assert_eq!(printed["rows"], json(&catalog)?, "catalog --all");
    assert_eq!(printed["next"], Value::Null);
    // More than a page: the cursor and the command that goes on are printed on stderr.
    let out = shulian(node, &["catalog", "--limit", "3"])?;
    let err = String::from_utf8_lossy(&out.stderr);
    let next = client.list_catalog(&ViewQuery { limit: Some(3), ..Default::default() })?.next.context("more than 3")?;
    assert!(err.contains(&format!("shulian catalog --limit 3 --after {next}")), "{err}");
    Ok(())
}

/// The inbox's sections are the API's pages; a regulator's CSV export from the wallet is the
/// API's byte for byte.
pub(super) fn inbox_and_export(
    net: &shulian_network_tests::scenario::Net,
    client: &shulian_client::NodeClient,
    health: AccountId,
    transport: AccountId,
) -> anyhow::Result<()> {
    let node = net.node(0);
    let inbox = json_ok(node, &["inbox", "--key", "health", "--json"])?;
    let decide = client.list_requests(&ViewQuery {
        owner: Some(health.to_string()),
        state: Some("awaiting_owner".into()),
        limit: Some(50),
        ..Default::default()
    })?;
    assert_eq!(inbox["awaiting_decision"], json(&decide)?, "{inbox}");
    let deliver = client.list_orders(&ViewQuery {
        org: Some(health.to_string()),
        role: Some(shulian_api::lists::OrderRole::Seller),
        state: Some("placed".into()),
        limit: Some(50),
        ..Default::default()
    })?;
    assert_eq!(deliver.rows.len(), 1, "order 1 waits for health's delivery");
    assert_eq!(inbox["awaiting_delivery"], json(&deliver)?, "{inbox}");
    let transport_inbox = json_ok(node, &["inbox", "--org", &transport.to_string(), "--json"])?;
    let co = transport_inbox["awaiting_co_approval"]["rows"].as_array().context("rows")?;
    // Core requests 3 (approved by health) and 9 (not yet) wait for a regulator; 0 was co-approved.
    assert_eq!(co.len(), 2, "{transport_inbox}");
    let text = text_ok(node, &["inbox", "--key", "health"])?;
    assert!(text.contains("requests awaiting your decision (grant approve / grant reject): 4 on this page"), "{text}");
    assert!(text.contains("orders awaiting your delivery (order deliver): 1 on this page"), "{text}");

    // A regulator's export: the wallet writes the API's CSV byte for byte.
    let csv_file = net.dir().join("negative.csv");
    let file = csv_file.to_str().context("temp path is not UTF-8")?;
    text_ok(node, &["regulator", "negative-list", "--export", "csv", "--out", file])?;
    let api_csv = client.export(routes::LIST_NEGATIVE, &ViewQuery::default(), ViewFormat::Csv)?;
    let wallet_csv = std::fs::read(&csv_file)?;
    assert_eq!(wallet_csv, api_csv, "negative list CSV");
    assert_eq!(String::from_utf8_lossy(&api_csv).lines().count(), 1 + 3, "a header and the 3 listed data sets");
    Ok(())
}
