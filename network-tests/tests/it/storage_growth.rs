//! Growth kept in check on running validators: the consensus log is pruned below the committed
//! head at every height (so it holds a few entries however long the chain), `shulian-node
//! db-stats` measures a running node's column families through its admin socket after a full
//! compaction, and `/api/status` reports the database disk's free space.

use shulian_network_tests::binary;
use shulian_network_tests::checker::height;
use shulian_network_tests::scenario::Scenario;
use std::process::Command;
use std::time::Duration;

/// Heights the chain runs through before the log is measured.
const HEIGHTS: u64 = 30;
/// Consensus-log entries that may remain: this height's and the stored head's votes, proposal
/// and block, over a few rounds. Without pruning, 30 heights leave at least 60 votes.
const MAX_LOG_ENTRIES: u64 = 32;

#[test]
fn consensus_log_stays_pruned_below_the_head_and_db_stats_measures_a_running_node() -> anyhow::Result<()> {
    let mut net = Scenario::validators(4).start()?;
    let mut client = net.transfers("transport", "trader")?;
    // Each committed transfer is at least one height.
    let start = height(net.node(0))?;
    let mut sent_count = 0u64;
    while height(net.node(0))? < start + HEIGHTS {
        let sent = client.send(net.node(0), 1)?;
        net.wait_committed(&sent, Duration::from_secs(60))?;
        sent_count += 1;
    }

    let out = Command::new(binary("shulian-node")?).args(["db-stats", "--json", "--home"]).arg(net.home(1)).output()?;
    assert!(out.status.success(), "db-stats failed: {}", String::from_utf8_lossy(&out.stderr));
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(stats["compacted"], true);
    assert!(stats["height"].as_u64().unwrap_or(0) >= start + HEIGHTS, "{stats}");
    let column = |name: &str| {
        stats["columns"].as_array().and_then(|cs| cs.iter().find(|c| c["column"] == name)).cloned().unwrap_or_default()
    };
    let log = column("consensus")["estimated_keys"].as_u64().unwrap_or(u64::MAX);
    assert!(log <= MAX_LOG_ENTRIES, "the consensus log holds {log} entries after {HEIGHTS} heights");
    assert!(column("blocks")["live_sst_bytes"].as_u64().unwrap_or(0) > 0, "{stats}");
    let txs = column("tx_index")["estimated_keys"].as_u64().unwrap_or(0);
    assert!(txs >= sent_count, "every committed transfer is indexed: {txs} of {sent_count}");

    // The node checks its disk at start: the status says how much is free. With a threshold
    // above any disk's size (config.toml), a restarted node says its disk is low.
    let status = net.node(1).get("/api/status")?;
    assert!(status["disk_free_bytes"].as_u64().is_some_and(|f| f > 0), "{status}");
    net.kill(1)?;
    let config = net.home(1).join("config.toml");
    let mut cfg: toml::Table = std::fs::read_to_string(&config)?.parse()?;
    cfg.insert("min_free_disk_bytes".into(), toml::Value::Integer(i64::MAX));
    std::fs::write(&config, toml::to_string(&cfg)?)?;
    net.restart(1)?;
    net.node(1).wait_until(Duration::from_secs(30), |n| Ok(n.get("/api/status")?["disk_low"] == true))?;
    Ok(())
}
