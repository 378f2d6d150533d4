//! Disaster recovery rehearsal on four validator processes: validator 3 is backed up while it
//! runs (`shulian-node backup`, through its admin socket), the chain moves on, validator 3 is
//! killed and its data folder wiped, `shulian-node restore` rebuilds it from the backup file, and
//! after a restart it catches up to the very same block hashes and state roots as the others and
//! keeps committing with them. A damaged backup and a restore over existing data are refused.

use shulian_network_tests::checker::{Transfers, height};
use shulian_network_tests::scenario::{Net, Scenario};
use shulian_network_tests::{DevNode, binary};
use std::process::{Command, Output};
use std::time::Duration;

fn block_id(n: &DevNode, h: u64) -> anyhow::Result<(String, String)> {
    let b = n.get(&format!("/api/block/{h}"))?;
    Ok((b["hash"].to_string(), b["header"]["state_root"].to_string()))
}

fn node_cmd(args: &[&std::ffi::OsStr]) -> anyhow::Result<Output> {
    Ok(Command::new(binary("shulian-node")?).args(args).output()?)
}

/// Submits `count` transfers to node `via` and waits until every live node has them committed.
fn transfers(net: &Net, client: &mut Transfers, via: usize, count: usize) -> anyhow::Result<()> {
    let sent = client.send(net.node(via), count)?;
    net.wait_committed(&sent, Duration::from_secs(60))
}

#[test]
fn validator_restored_from_online_backup_catches_up_to_the_same_chain() -> anyhow::Result<()> {
    let mut net = Scenario::validators(4).start()?;
    let homes = net.homes().to_vec();
    let mut client = net.transfers("transport", "trader")?;
    transfers(&net, &mut client, 0, 3)?;

    // Back up validator 3 while it runs.
    let file = net.dir().join("node3.backup");
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
    transfers(&net, &mut client, 1, 3)?;

    // Disaster: validator 3 dies and loses its data folder.
    net.kill(3)?;
    std::fs::remove_dir_all(homes[3].join("db"))?;

    // A damaged copy is refused and writes nothing.
    let bytes = std::fs::read(&file)?;
    let damaged = net.dir().join("damaged.backup");
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

    net.restart(3)?;
    let target = height(net.node(0))?;
    Net::wait_height(&net.some(&[3]), target, Duration::from_secs(90))?;
    for h in 1..=target {
        let first = block_id(net.node(0), h)?;
        for n in &net.nodes()[1..] {
            assert_eq!(block_id(n, h)?, first, "restored validator disagrees at height {h}");
        }
    }

    // The chain continues with the restored validator: a transfer sent through it commits
    // everywhere, and everyone agrees on the new blocks too.
    transfers(&net, &mut client, 3, 2)?;
    let upto = net.nodes().into_iter().map(height).collect::<anyhow::Result<Vec<_>>>()?.into_iter().min().unwrap_or(0);
    assert!(upto > target, "the chain kept going");
    for h in target..=upto {
        let first = block_id(net.node(0), h)?;
        for n in &net.nodes()[1..] {
            assert_eq!(block_id(n, h)?, first, "nodes disagree at height {h}");
        }
    }
    Ok(())
}
