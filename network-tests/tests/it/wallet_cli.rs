//! The `shulian` wallet binary against a real dev node: queries, transfers and their refusals,
//! offline signing (build with the node, sign with no node, send), and the main refusal of each
//! data-sharing command group, each told in plain words with its exit code.

use anyhow::Context;
use serde_json::Value;
use shulian_network_tests::DevNode;
use shulian_network_tests::scenario::Scenario;
use shulian_network_tests::wallet::{json_ok, refused, shulian, text};
use std::path::Path;

fn account_of(node: &DevNode, key: &str) -> anyhow::Result<String> {
    text(&json_ok(node, &["keys", "show", key, "--json"])?, "account")
}

fn balance(node: &DevNode, key: &str) -> anyhow::Result<u64> {
    json_ok(node, &["account", "--key", key, "--json"])?["balance"].as_u64().context("balance")
}

fn path(p: &Path) -> anyhow::Result<&str> {
    p.to_str().context("temp path is not UTF-8")
}

#[test]
fn transfers_offline_signing_and_chain_queries_through_the_wallet() -> anyhow::Result<()> {
    let net = Scenario::dev().start()?;
    let node = net.node(0);
    let (trader, health) = (account_of(node, "trader")?, account_of(node, "health")?);

    let status = json_ok(node, &["status", "--json"])?;
    let chain_id = text(&status, "chain_id")?;
    let account = json_ok(node, &["account", &trader, "--json"])?;
    assert_eq!(account["balance"], 50_000_000, "{account}");
    assert_eq!(account["nonce"], 0, "{account}");

    // A transfer, waited for: committed, money moved.
    let before = balance(node, "health")?;
    let sent =
        json_ok(node, &["transfer", "--from", "trader", "--to", &health, "--amount", "1000", "--wait", "--json"])?;
    assert_eq!(sent["status"], "committed", "{sent}");
    assert_eq!(sent["outcome"]["status"], "success", "{sent}");
    assert_eq!(balance(node, "health")?, before + 1000);

    // The regulator has no money: the contract's rule, in words, and the call's exit code 1.
    let err = refused(node, &["transfer", "--from", "regulator", "--to", &trader, "--amount", "5", "--wait"], 1)?;
    assert!(err.contains("insufficient balance") && err.contains("settlement.insufficient_balance"), "{err}");

    // A used nonce is refused by the node before any block: exit code 3, with the rule.
    let err = refused(node, &["transfer", "--from", "trader", "--to", &health, "--amount", "5", "--nonce", "0"], 3)?;
    assert!(err.contains("stale nonce 0") && err.contains(&trader), "{err}");

    // Offline signing: build with the node's chain id and nonce, sign with no node, send.
    let (unsigned, signed) = (net.dir().join("unsigned.json"), net.dir().join("signed.json"));
    let (unsigned_s, signed_s) = (path(&unsigned)?, path(&signed)?);
    json_ok(
        node,
        &[
            "tx", "build", "transfer", "--from", "trader", "--to", &health, "--amount", "77", "--out", unsigned_s,
            "--json",
        ],
    )?;
    let built: Value = serde_json::from_str(&std::fs::read_to_string(&unsigned)?)?;
    assert_eq!(built["summary"]["chain_id"].as_str(), Some(chain_id.as_str()));
    assert_eq!(built["summary"]["nonce"], 1, "the node's next nonce after one committed transfer");
    json_ok(node, &["tx", "sign", unsigned_s, "--out", signed_s, "--node", "http://127.0.0.1:1", "--json"])?;
    let hash = text(&serde_json::from_str(&std::fs::read_to_string(&signed)?)?, "hash")?;
    let before = balance(node, "health")?;
    let committed = json_ok(node, &["tx", "send", signed_s, "--wait", "--json"])?;
    assert_eq!(committed["hash"].as_str(), Some(hash.as_str()));
    assert_eq!(committed["outcome"]["status"], "success", "{committed}");
    assert_eq!(balance(node, "health")?, before + 77);

    // Sending it again is refused: its nonce is used.
    let err = refused(node, &["tx", "send", signed_s], 3)?;
    assert!(err.contains("nonce"), "{err}");

    // Fully offline build (chain id and nonce by hand) works too.
    let (u2, s2) = (net.dir().join("u2.json"), net.dir().join("s2.json"));
    let mut build = vec!["tx", "build", "transfer", "--from", "trader", "--to", &health, "--amount", "3"];
    build.extend(["--nonce", "2", "--chain-id", &chain_id, "--node", "http://127.0.0.1:1", "--out", path(&u2)?]);
    json_ok(node, &[build.as_slice(), &["--json"]].concat())?;
    json_ok(node, &["tx", "sign", path(&u2)?, "--key", "trader", "--out", path(&s2)?, "--json"])?;
    assert_eq!(json_ok(node, &["tx", "send", path(&s2)?, "--wait", "--json"])?["outcome"]["status"], "success");

    // Looking the offline transaction up, old and new spellings, and its block.
    let shown = json_ok(node, &["tx", "show", &hash, "--json"])?;
    assert_eq!(shown["status"], "committed", "{shown}");
    assert_eq!(json_ok(node, &["tx", &hash, "--json"])?, shown);
    let height = shown["height"].as_u64().context("height")?;
    let block = json_ok(node, &["block", &height.to_string(), "--json"])?;
    assert!(block.to_string().contains(&hash), "block {height} lists the transaction: {block}");
    json_ok(node, &["block", "latest", "--json"])?;
    let human = shulian(node, &["block", &height.to_string()])?;
    assert!(human.status.success() && !human.stdout.is_empty());

    // The trader's history lists the three transfers it made, oldest first, page by page.
    let subject = format!("account:{trader}");
    let events = json_ok(node, &["events", "--subject", &subject, "--json"])?;
    let list = events["events"].as_array().context("events")?;
    let transfers = list.iter().filter(|e| e["event"]["type"] == "transferred").count();
    assert_eq!(transfers, 3, "{events}");
    assert!(events.to_string().contains(&hash), "{events}");
    let paged = json_ok(node, &["events", "--subject", &subject, "--all", "--limit", "1", "--json"])?;
    assert_eq!(paged["events"], events["events"]);
    let out = shulian(node, &["events", "--subject", &subject, "--all", "--limit", "1"])?;
    assert!(String::from_utf8_lossy(&out.stderr).contains("fetched"), "paging shows progress on stderr");
    Ok(())
}

#[test]
fn each_data_sharing_group_names_the_rule_it_broke() -> anyhow::Result<()> {
    let net = Scenario::dev().start()?;
    let node = net.node(0);
    let hash = "ab".repeat(32);
    let register = |from: &'static str, sharing: &'static str| {
        vec![
            "dataset",
            "register",
            "--from",
            from,
            "--name",
            "bus stops",
            "--metadata-hash",
            "abababababababababababababababababababababababababababababababab",
            "--schema-hash",
            "abababababababababababababababababababababababababababababababab",
            "--field",
            "stop,line",
            "--category",
            "transport",
            "--classification",
            "general",
            "--sharing",
            sharing,
            "--update-frequency",
            "daily",
        ]
    };

    // dataset: only departments register, only regulators keep the negative list.
    let err = refused(node, &register("trader", "conditional"), 1)?;
    assert!(err.contains("is not a department") && err.contains("catalog."), "{err}");
    let dataset =
        text(&json_ok(node, &[register("health", "conditional").as_slice(), &["--json"]].concat())?, "dataset_id")?;
    let err = refused(
        node,
        &["dataset", "negative-list", "--from", "health", "--dataset", &dataset, "--reason", "leak", "--wait"],
        1,
    )?;
    assert!(err.contains("is not a regulator"), "{err}");

    // request: a data set that is never shared.
    let closed =
        text(&json_ok(node, &[register("health", "not-shareable").as_slice(), &["--json"]].concat())?, "dataset_id")?;
    let request = |dataset: &str| -> Vec<String> {
        ["request", "--from", "transport", "--dataset", dataset, "--purpose", "planning", "--field", "stop"]
            .into_iter()
            .chain(["--valid-for", "365d", "--max-uses", "5", "--json"])
            .map(String::from)
            .collect()
    };
    let args = request(&closed);
    let err = refused(node, &args.iter().map(String::as_str).collect::<Vec<_>>(), 1)?;
    assert!(err.contains(&closed) && err.contains("not shareable"), "{err}");

    // grant: only the owner approves, only a regulator co-approves, only the grantor revokes.
    let args = request(&dataset);
    let request_id = text(&json_ok(node, &args.iter().map(String::as_str).collect::<Vec<_>>())?, "request_id")?;
    let err = refused(node, &["grant", "approve", "--from", "trader", "--request", &request_id], 1)?;
    assert!(err.contains("can only be decided by the data set's owner"), "{err}");
    let err = refused(node, &["grant", "co-approve", "--from", "transport", "--request", &request_id], 1)?;
    assert!(err.contains("only regulators co-approve"), "{err}");
    let grant = text(
        &json_ok(node, &["grant", "approve", "--from", "health", "--request", &request_id, "--json"])?,
        "grant_id",
    )?;
    let err = refused(node, &["grant", "revoke", "--from", "trader", "--grant", &grant, "--reason", "x", "--wait"], 1)?;
    assert!(err.contains(&grant) && err.contains("can only be revoked by its grantor"), "{err}");

    // lineage: someone else's data set needs the grant it was used under.
    let mut lineage = vec!["lineage"];
    lineage.extend(register("transport", "conditional").into_iter().skip(1));
    lineage.extend(["--parent", dataset.as_str()]);
    let err = refused(node, &lineage, 1)?;
    assert!(err.contains("belongs to another organization") && err.contains("name the grant"), "{err}");

    // org: only validator operators propose; a vote needs an existing proposal.
    let trader = text(&json_ok(node, &["keys", "show", "trader", "--json"])?, "account")?;
    let err = refused(node, &["org", "propose-suspend", "--from", "trader", "--org", &trader, "--reason", "x"], 1)?;
    assert!(err.contains("is not a validator operator"), "{err}");
    let err = refused(node, &["org", "vote", "--from", "exchange", "--proposal", &hash, "--approve", "--wait"], 1)?;
    assert!(err.contains(&hash) && err.contains("does not exist"), "{err}");

    // An unknown grant asked for by id is the node's refusal: exit code 3.
    let err = refused(node, &["grant", "show", &hash], 3)?;
    assert!(err.contains("the node refused"), "{err}");
    Ok(())
}
