//! A network that changes its validators while it commits (issue 20): four validators under
//! steady transfers and an observer that joins by snapshot sync from an empty database;
//! governance adds the observer as a fifth validator, removes
//! validator 0 and rotates validator 1's consensus key (the node restarted with the new key).
//! The chain never stops committing, every node holds the same blocks and roots, the observer's
//! key certifies blocks once it is a validator while the removed and rotated-out keys certify
//! none after their change, and `shulian-node verify` replays every ledger from genesis through
//! every set change.

use anyhow::{Context, ensure};
use serde_json::Value;
use shulian_network_tests::scenario::{Net, Scenario};
use shulian_network_tests::wallet::succeeded;
use shulian_network_tests::{DevNode, binary};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(90);
/// Blocks between the validators' snapshots: the observer joins from the first one.
const SNAPSHOT_INTERVAL: i64 = 10;

fn node_cmd(args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new(binary("shulian-node")?).args(args).output()?;
    ensure!(out.status.success(), "shulian-node {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    Ok(String::from_utf8(out.stdout)?)
}

/// The consensus key of a home and its possession proof for `operator`.
fn proof(home: &Path, operator: &str) -> anyhow::Result<(String, String)> {
    let home = home.to_str().context("home path")?;
    let v: Value =
        serde_json::from_str(&node_cmd(&["possession-proof", "--home", home, "--operator", operator, "--json"])?)?;
    let s = |k: &str| v[k].as_str().map(str::to_string).context("possession-proof output");
    Ok((s("public_key")?, s("possession")?))
}

/// The validator keys of the set that signs the node's next block.
fn set_keys(n: &DevNode) -> anyhow::Result<Vec<String>> {
    let s = n.get("/api/status")?;
    let vs = s["validators"].as_array().context("status has no validators")?;
    Ok(vs.iter().filter_map(|v| v["public_key"].as_str().map(str::to_string)).collect())
}

fn wait_set(n: &DevNode, what: &str, ok: impl Fn(&[String]) -> bool) -> anyhow::Result<u64> {
    n.wait_until(WAIT, |n| Ok(ok(&set_keys(n)?))).with_context(|| format!("{what}: the set is {:?}", set_keys(n)))?;
    shulian_network_tests::checker::height(n)
}

/// Passes a governance proposal of the exchange center (the testnet's only validator operator).
fn pass(net: &Net, args: &[&str]) -> anyhow::Result<()> {
    let proposed = net.wallet_at(2, &[args, &["--from", "exchange"]].concat())?;
    let proposal = proposed["proposal_id"].as_str().context("no proposal id")?.to_string();
    succeeded(net.node(2), &["org", "vote", "--from", "exchange", "--proposal", &proposal, "--approve"])?;
    Ok(())
}

/// The keys that signed block `h`'s certificate.
fn signers(n: &DevNode, h: u64) -> anyhow::Result<Vec<String>> {
    let b = n.get(&format!("/api/block/{h}"))?;
    let sigs = b["certificate"]["signatures"].as_array().context("a block without a certificate")?;
    Ok(sigs.iter().filter_map(|s| s["validator"].as_str().map(str::to_string)).collect())
}

#[test]
fn validators_join_leave_and_rotate_keys_while_the_chain_commits() -> anyhow::Result<()> {
    let mut net = Scenario::validators(4)
        .with_observer("shulian-node", &[])
        .with_config(&[("empty_block_interval_ms", 300.into()), ("snapshot_interval", SNAPSHOT_INTERVAL.into())])
        .start()?;
    // The observer is a fresh process: it joins later, from an empty database, by snapshot sync.
    net.kill(4)?;
    std::fs::remove_dir_all(net.home(4).join("db"))?;
    net.configure(4, &[("state_sync", true.into())])?;
    let exchange = net.account("exchange")?.to_string();
    let mut client = net.transfers("transport", "trader")?;
    let mut load = |net: &Net| -> anyhow::Result<()> {
        let sent = client.send(net.node(2), 5)?;
        net.wait_committed(&sent, WAIT)
    };
    load(&net)?;
    Net::wait_height(&net.some(&[0, 1, 2, 3]), SNAPSHOT_INTERVAL as u64 + 2, WAIT)?;
    net.restart(4)?;
    Net::wait_height(&[net.node(4)], net.max_height(), WAIT)?;
    let log = std::fs::read_to_string(net.node(4).log_path())?;
    ensure!(log.contains("installed the snapshot"), "the observer did not join by snapshot:\n{log}");
    load(&net)?;
    let genesis_keys = set_keys(net.node(0))?;
    ensure!(genesis_keys.len() == 4, "four validators: {genesis_keys:?}");

    // The observer (node 4) becomes the fifth validator.
    let (observer_key, possession) = proof(net.home(4), &exchange)?;
    pass(
        &net,
        &[
            "org",
            "propose-add-validator",
            "--name",
            "regulator's follower",
            "--public-key",
            &observer_key,
            "--operator",
            &exchange,
            "--power",
            "1",
            "--possession",
            &possession,
        ],
    )?;
    wait_set(net.node(2), "add", |k| k.contains(&observer_key))?;
    load(&net)?;

    // Validator 0 leaves; its node keeps following the chain as an observer.
    let removed = genesis_keys[0].clone();
    pass(&net, &["org", "propose-remove-validator", "--public-key", &removed])?;
    let removed_at = wait_set(net.node(2), "remove", |k| !k.contains(&removed))?;
    load(&net)?;

    // Validator 1's operator rotates its key; the node restarts with the new one.
    let fresh = net.dir().join("rotated-key");
    node_cmd(&["init", "--home", fresh.to_str().context("path")?])?;
    let (new_key, possession) = proof(&fresh, &exchange)?;
    let old_key = genesis_keys[1].clone();
    let rotate =
        ["org", "rotate-validator-key", "--old-key", &old_key, "--new-key", &new_key, "--possession", &possession];
    succeeded(net.node(2), &[&rotate[..], &["--from", "exchange"]].concat())?;
    let rotated_at = wait_set(net.node(2), "rotate", |k| k.contains(&new_key) && !k.contains(&old_key))?;
    std::fs::copy(fresh.join("validator_key.json"), net.home(1).join("validator_key.json"))?;
    net.restart(1)?;
    load(&net)?;
    // A certificate carries the first quorum of precommits, so on a busy machine the restarted
    // node's votes can arrive after it for a while: commit until its new key certifies a block.
    #[expect(clippy::disallowed_methods, reason = "the wait for the new key's signature has a deadline")]
    let started = std::time::Instant::now();
    let mut from = rotated_at + 1;
    loop {
        load(&net)?;
        let now = shulian_network_tests::checker::height(net.node(2))?;
        let mut seen = false;
        for h in from..=now {
            seen |= signers(net.node(2), h)?.contains(&new_key);
        }
        if seen {
            break;
        }
        ensure!(started.elapsed() < WAIT, "the rotated key certified none of blocks {}..={now}", rotated_at + 1);
        from = now + 1;
    }

    let all = net.nodes();
    let agreement = net.agree(&client.accepted, WAIT)?;
    let head = agreement.height;
    ensure!(head > rotated_at, "the chain committed past the rotation ({rotated_at}): head {head}");
    // Certificates: each key signs exactly while it is in the set in force (a change seen in the
    // status at height s signs from s + 1 at the latest).
    let mut observer_signed = false;
    let mut new_key_signed = false;
    for h in 1..=head {
        let keys = signers(all[2], h)?;
        ensure!(h <= removed_at + 1 || !keys.contains(&removed), "removed validator signed block {h}");
        ensure!(h <= rotated_at + 1 || !keys.contains(&old_key), "rotated-out key signed block {h}");
        observer_signed |= keys.contains(&observer_key);
        new_key_signed |= keys.contains(&new_key);
    }
    ensure!(observer_signed, "the added validator never signed a certificate");
    ensure!(new_key_signed, "the rotated key never signed a certificate");
    // Node 0 (removed) still follows: same head hash as the others at the agreed height.
    let b0 = net.node(0).get(&format!("/api/block/{head}"))?;
    let b2 = net.node(2).get(&format!("/api/block/{head}"))?;
    ensure!(b0["hash"] == b2["hash"], "the removed validator's node forked: {} vs {}", b0["hash"], b2["hash"]);

    // The set changes as a verifier trusting only the genesis follows them: each change certified
    // by the set before it, and the head's certificate by the set they lead to.
    let page: shulian_api::chain::ValidatorSetsPage = serde_json::from_value(net.node(0).get("/api/validator-sets")?)?;
    ensure!(page.changes.len() == 3 && page.next.is_none(), "three set changes: {:?}", page.changes.len());
    let genesis: shulian_runtime::genesis::Genesis = serde_json::from_value(net.node(0).get("/api/genesis")?)?;
    let mut sets = shulian_runtime::valset::SetTracker::new(genesis.validator_set());
    for c in &page.changes {
        sets.advance(&c.header, Some(&c.certificate), |_| Some(c.validators.clone()))?;
    }
    let block: shulian_api::chain::BlockResponse =
        serde_json::from_value(net.node(0).get(&format!("/api/block/{head}"))?)?;
    let cert = block.certificate.context("head certificate")?;
    cert.verify(&block.header, sets.signers())?;
    ensure!(
        cert.verify(&block.header, &genesis.validator_set()).is_err(),
        "the head certificate verifies against the genesis set, which no longer signs"
    );
    net.kill_all()?;
    // Every validator replays its ledger from genesis; the observer, which holds no body below
    // its snapshot, verifies every header and certificate from genesis through the three set
    // changes and its state against the head's certified root.
    for (k, out) in net.verify_ledgers()?.iter().enumerate() {
        let expected =
            if k == 4 { "headers and certificates verified from genesis" } else { "ledger verified from genesis" };
        ensure!(out.contains(expected), "node {k}: {out}");
    }
    Ok(())
}
