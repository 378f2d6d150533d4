//! A city network from a genesis made by commands, not by the demo generator: four departments,
//! the exchange center and the regulator make their keys with the wallet, each department makes
//! its validator's home (`shulian-node init`), the genesis is assembled with `shulian-node genesis
//! new / add-org / add-validator / validate`, the homes take it with their peers, and the four
//! `shulian-node run` processes commit blocks with equal hashes and state roots, and a wallet
//! transfer. docs/operations.md is the same procedure for an operator.
// The determinism rules of clippy.toml (no clock, no HashMap) bind runtime/ and contracts/ only.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use anyhow::{Context, ensure};
use shulian_network_tests::checker::{check_agreement, height};
use shulian_network_tests::scenario::Net;
use shulian_network_tests::wallet::{account, json_ok};
use shulian_network_tests::{DevNode, binary};
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

const DEPARTMENTS: [&str; 4] = ["transport", "health", "water", "police"];

fn run(bin: &str, args: &[&str], home: &Path) -> anyhow::Result<Output> {
    Command::new(binary(bin)?)
        .args(args)
        .env("HOME", home)
        .env_remove("SHULIAN_CONFIG")
        .env("SHULIAN_PASSPHRASE", "dev")
        .output()
        .with_context(|| format!("cannot run {bin}"))
}

/// `shulian-node ARGS` (or the wallet), which must succeed; answers its stdout.
fn ok(bin: &str, args: &[&str], home: &Path) -> anyhow::Result<String> {
    let out = run(bin, args, home)?;
    ensure!(
        out.status.success(),
        "{bin} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8(out.stdout)?)
}

/// The value after `prefix` on the line of `text` that starts with it.
fn field(text: &str, prefix: &str) -> anyhow::Result<String> {
    text.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_string)
        .with_context(|| format!("no {prefix:?} in {text}"))
}

#[test]
fn a_genesis_made_by_the_genesis_commands_starts_a_four_validator_network() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("net");
    let keys = out.join("keys");
    let keystore = keys.to_str().context("path")?;
    let s = |p: &Path| p.to_str().map(str::to_string).context("path is not UTF-8");

    // Every organization makes its key with the wallet (the keystore test helpers read).
    for name in DEPARTMENTS.iter().chain(&["exchange", "regulator"]) {
        ok("shulian", &["--keystore", keystore, "keys", "new", name], dir.path())?;
    }

    // Each department makes its validator's home: a key, printed for the genesis. Ports: held
    // until every one is chosen, released just before the nodes start.
    let listeners = (0..8).map(|_| std::net::TcpListener::bind("127.0.0.1:0")).collect::<Result<Vec<_>, _>>()?;
    let ports = listeners.iter().map(|l| l.local_addr().map(|a| a.port())).collect::<Result<Vec<_>, _>>()?;
    let mut peers = Vec::new();
    for (k, _) in DEPARTMENTS.iter().enumerate() {
        let home = s(&out.join(format!("node{k}")))?;
        let p2p = format!("/ip4/127.0.0.1/tcp/{}", ports[2 * k + 1]);
        let http = format!("127.0.0.1:{}", ports[2 * k]);
        let printed =
            ok("shulian-node", &["init", "--home", &home, "--http", &http, "--p2p-listen", &p2p], dir.path())?;
        peers.push(format!("{p2p}/p2p/{}", field(&printed, "peer id ")?));
    }

    // The genesis, by commands.
    let genesis = s(&out.join("genesis.json"))?;
    let g = genesis.as_str();
    ok("shulian-node", &["genesis", "new", "--chain-id", "city-test", "--out", g], dir.path())?;
    for d in DEPARTMENTS {
        let key = format!("{keystore}/{d}.json");
        let args = ["genesis", "add-org", "--file", g, "--name", d, "--role", "department", "--key", &key];
        ok("shulian-node", &[&args[..], &["--balance", "1000000"]].concat(), dir.path())?;
    }
    let exchange = format!("{keystore}/exchange.json");
    ok(
        "shulian-node",
        &["genesis", "add-org", "--file", g, "--name", "exchange", "--role", "exchange", "--key", &exchange],
        dir.path(),
    )?;
    let regulator = format!("{keystore}/regulator.json");
    ok(
        "shulian-node",
        &["genesis", "add-org", "--file", g, "--name", "regulator", "--role", "regulator", "--key", &regulator],
        dir.path(),
    )?;
    let before_validators = std::fs::read(&genesis)?;
    let out_of_order = run("shulian-node", &["genesis", "validate", "--file", g], dir.path())?;
    ensure!(!out_of_order.status.success(), "a genesis without validators is refused");
    ensure!(String::from_utf8_lossy(&out_of_order.stderr).contains("no validators"), "{out_of_order:?}");
    for (k, d) in DEPARTMENTS.iter().enumerate() {
        let key = s(&out.join(format!("node{k}/validator_key.json")))?;
        let printed = ok(
            "shulian-node",
            &["genesis", "add-validator", "--file", g, "--key", &key, "--org", d, "--power", "1"],
            dir.path(),
        )?;
        ensure!(printed.contains("validator_operator role"), "{printed}");
    }
    ensure!(std::fs::read(&genesis)? != before_validators);
    // A validator that would hold more than 2/3 of the power is refused and the file is unchanged.
    let assembled = std::fs::read(&genesis)?;
    let regulator_node = s(&dir.path().join("regulator-node"))?;
    let printed = ok("shulian-node", &["init", "--home", &regulator_node], dir.path())?;
    ensure!(printed.contains("no genesis yet"), "{printed}");
    let dominant = run(
        "shulian-node",
        &[
            "genesis",
            "add-validator",
            "--file",
            g,
            "--key",
            &format!("{regulator_node}/validator_key.json"),
            "--org",
            "regulator",
            "--power",
            "9",
        ],
        dir.path(),
    )?;
    ensure!(
        !dominant.status.success() && String::from_utf8_lossy(&dominant.stderr).contains("more than 2/3"),
        "{dominant:?}"
    );
    ensure!(std::fs::read(&genesis)? == assembled, "a refused command leaves the file as it was");
    let valid = ok("shulian-node", &["genesis", "validate", "--file", g], dir.path())?;
    ensure!(valid.contains("6 organizations, 4 validators"), "{valid}");
    let hash = ok("shulian-node", &["genesis", "hash", "--file", g], dir.path())?.trim().to_string();
    let text = std::fs::read_to_string(&genesis)?;
    for secret in ["secret", "passphrase", "ciphertext", "\"dev\""] {
        ensure!(!text.contains(secret), "the genesis holds no {secret}: {text}");
    }

    // Each home takes the genesis and its peers (the other three).
    for k in 0..DEPARTMENTS.len() {
        let home = s(&out.join(format!("node{k}")))?;
        let mut args = vec!["init".to_string(), "--home".into(), home, "--genesis".into(), genesis.clone()];
        for (_, p) in peers.iter().enumerate().filter(|(j, _)| *j != k) {
            args.extend(["--peer".to_string(), p.clone()]);
        }
        let printed = ok("shulian-node", &args.iter().map(String::as_str).collect::<Vec<_>>(), dir.path())?;
        ensure!(field(&printed, "genesis ")? == hash, "the home holds the validated genesis: {printed}");
        ensure!(!printed.contains("not a validator"), "{printed}");
    }

    drop(listeners);
    let nodes = (0..DEPARTMENTS.len())
        .map(|k| DevNode::start_validator(&out.join(format!("node{k}"))))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let all: Vec<&DevNode> = nodes.iter().collect();
    Net::wait_height(&all, 2, Duration::from_secs(60))?;

    // A department pays another with the wallet; the transfer commits on every node.
    let health = account(&nodes[1], "health")?;
    let sent = json_ok(
        &nodes[0],
        &["transfer", "--from", "transport", "--to", &health, "--amount", "1000", "--wait", "--json"],
    )?;
    ensure!(sent["status"] == "committed" && sent["outcome"]["status"] == "success", "{sent}");
    let tx = sent["hash"].as_str().map(str::to_string).into_iter().collect::<Vec<_>>();
    let h = height(&nodes[0])?;
    Net::wait_height(&all, h, Duration::from_secs(60))?;
    let agreed = check_agreement(&all, &tx, Duration::from_secs(30))?;
    ensure!(agreed.height >= h && agreed.txs >= 1, "{agreed:?}");
    Ok(())
}
