//! An observer (a non-validator node on the validators' allow-lists) follows the chain without
//! voting: it holds the same blocks and state roots as the validators, its key signs no commit
//! certificate, and it takes no transactions by default.

use anyhow::Context;
use shulian_network_tests::checker::{check_agreement, height};
use shulian_network_tests::scenario::{Net, Scenario};
use std::time::Duration;

#[test]
fn an_observer_follows_the_chain_without_voting() -> anyhow::Result<()> {
    let net = Scenario::validators(4).with_observer("shulian-node", &[]).start()?;
    let mut client = net.transfers("transport", "trader")?;
    let sent = client.send(net.node(0), 3)?;
    net.wait_committed(&sent, Duration::from_secs(60))?;
    let observer = net.node(4);
    let all = net.nodes();
    Net::wait_height(&[observer], height(net.node(0))?, Duration::from_secs(60))?;
    let agreement = check_agreement(&all, &client.accepted, Duration::from_secs(60))?;
    let key: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(net.home(4).join("validator_key.json"))?)?;
    let observer_key = key["public_key"].as_str().context("no public key")?;
    for h in 1..=agreement.height {
        let b = observer.get(&format!("/api/block/{h}"))?;
        let signers = b["certificate"]["signatures"].as_array().context("a block without a certificate")?;
        assert!(!signers.is_empty(), "block {h} is certified");
        assert!(signers.iter().all(|s| s["validator"] != observer_key), "the observer signed block {h}: {b}");
    }
    // An observer takes no transactions unless its config says so: the submission routes do not
    // exist there, while a validator (same config otherwise) has them.
    let post = |n: &shulian_network_tests::DevNode, path: &str| {
        shulian_network_tests::request_method("POST", &format!("{}{path}", n.url))
    };
    for path in ["/api/tx", "/api/txs"] {
        assert_eq!(post(observer, path)?, 404, "{path} on the observer");
        assert_ne!(post(net.node(0), path)?, 404, "{path} on a validator");
    }
    Ok(())
}
