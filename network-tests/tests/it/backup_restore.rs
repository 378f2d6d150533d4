//! Disaster recovery rehearsal on four validator processes: validator 3 is backed up while it
//! runs (`shulian-node backup`, through its admin socket), the chain moves on, validator 3 is
//! killed and its data folder wiped, `shulian-node restore` rebuilds it from the backup file, and
//! after a restart it catches up to the very same block hashes and state roots as the others and
//! keeps committing with them. A damaged backup and a restore over existing data are refused.

use anyhow::Context;
use shulian_network_tests::checker::{demo_key, height};
use shulian_network_tests::{DevNode, binary, testnet};
use shulian_runtime::call::{Call, SettlementCall};
use shulian_runtime::{AccountId, Fen, SecretKey, UnsignedTransaction};
use std::process::{Command, Output};
use std::time::Duration;

fn block_id(n: &DevNode, h: u64) -> anyhow::Result<(String, String)> {
    let b = n.get(&format!("/api/block/{h}"))?;
    Ok((b["hash"].to_string(), b["header"]["state_root"].to_string()))
}

fn node_cmd(args: &[&std::ffi::OsStr]) -> anyhow::Result<Output> {
    Ok(Command::new(binary("shulian-node")?).args(args).output()?)
}

/// Submits transfers `nonces` to `via` and waits until every node in `all` has them committed.
fn transfers(
    chain_id: &str,
    key: &SecretKey,
    nonces: std::ops::Range<u64>,
    via: &DevNode,
    all: &[&DevNode],
) -> anyhow::Result<()> {
    let to = AccountId([0x42; 32]);
    let mut hashes = Vec::new();
    for nonce in nonces {
        let tx = UnsignedTransaction {
            chain_id: chain_id.into(),
            sender: key.public_key(),
            nonce,
            call: Call::Settlement(SettlementCall::Transfer { to, amount: Fen(3) }),
        }
        .sign(key);
        let (code, body) = via.submit(&tx)?;
        assert_eq!(code, 202, "{body}");
        hashes.push(tx.hash().to_string());
    }
    for n in all {
        n.wait_until(Duration::from_secs(60), |n| {
            Ok(hashes
                .iter()
                .all(|h| n.get(&format!("/api/tx/{h}")).map(|v| v["status"] == "committed").unwrap_or(false)))
        })?;
    }
    Ok(())
}

fn all(nodes: &[DevNode]) -> Vec<&DevNode> {
    nodes.iter().collect()
}

#[test]
fn validator_restored_from_online_backup_catches_up_to_the_same_chain() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let out = tmp.path().join("net");
    let homes = testnet(&out, 4)?;
    let mut nodes = homes.iter().map(|h| DevNode::start_validator(h)).collect::<anyhow::Result<Vec<_>>>()?;
    let chain_id = nodes[0].get("/api/status")?["chain_id"].as_str().context("chain id")?.to_string();
    let key = demo_key(&out, "transport")?;

    transfers(&chain_id, &key, 0..3, &nodes[0], &all(&nodes))?;

    // Back up validator 3 while it runs.
    let file = tmp.path().join("node3.backup");
    let o =
        node_cmd(&["backup".as_ref(), "--home".as_ref(), homes[3].as_os_str(), "--out".as_ref(), file.as_os_str()])?;
    assert!(o.status.success(), "backup failed: {}", String::from_utf8_lossy(&o.stderr));
    let said = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(said.contains("backed up height"), "{said}");
    assert!(!homes[3].join("backups").read_dir()?.any(|_| true), "the checkpoint folder is cleaned up");
    let again =
        node_cmd(&["backup".as_ref(), "--home".as_ref(), homes[3].as_os_str(), "--out".as_ref(), file.as_os_str()])?;
    assert!(!again.status.success(), "a backup file is never overwritten");

    // The chain moves on past the backup.
    transfers(&chain_id, &key, 3..6, &nodes[1], &all(&nodes))?;

    // Disaster: validator 3 dies and loses its data folder.
    nodes[3].kill9()?;
    std::fs::remove_dir_all(homes[3].join("db"))?;

    // A damaged copy is refused and writes nothing.
    let bytes = std::fs::read(&file)?;
    let damaged = tmp.path().join("damaged.backup");
    let mut d = bytes.clone();
    let mid = d.len() / 2;
    d[mid] ^= 0x55;
    std::fs::write(&damaged, d)?;
    let o = node_cmd(&[
        "restore".as_ref(),
        "--from".as_ref(),
        damaged.as_os_str(),
        "--home".as_ref(),
        homes[3].as_os_str(),
    ])?;
    assert!(!o.status.success(), "a damaged backup must be refused");
    assert!(!homes[3].join("db").exists(), "a refused restore writes no database");

    let o =
        node_cmd(&["restore".as_ref(), "--from".as_ref(), file.as_os_str(), "--home".as_ref(), homes[3].as_os_str()])?;
    assert!(o.status.success(), "restore failed: {}", String::from_utf8_lossy(&o.stderr));
    let o =
        node_cmd(&["restore".as_ref(), "--from".as_ref(), file.as_os_str(), "--home".as_ref(), homes[3].as_os_str()])?;
    assert!(!o.status.success(), "restore never overwrites an existing database");

    nodes[3] = DevNode::start_validator(&homes[3])?;
    let target = height(&nodes[0])?;
    nodes[3].wait_until(Duration::from_secs(90), |n| Ok(height(n)? >= target))?;
    for h in 1..=target {
        let first = block_id(&nodes[0], h)?;
        for n in &nodes[1..] {
            assert_eq!(block_id(n, h)?, first, "restored validator disagrees at height {h}");
        }
    }

    // The chain continues with the restored validator: a transfer sent through it commits
    // everywhere, and everyone agrees on the new blocks too.
    transfers(&chain_id, &key, 6..8, &nodes[3], &all(&nodes))?;
    let upto = nodes.iter().map(height).collect::<anyhow::Result<Vec<_>>>()?.into_iter().min().unwrap_or(0);
    assert!(upto > target, "the chain kept going");
    for h in target..=upto {
        let first = block_id(&nodes[0], h)?;
        for n in &nodes[1..] {
            assert_eq!(block_id(n, h)?, first, "nodes disagree at height {h}");
        }
    }
    Ok(())
}
