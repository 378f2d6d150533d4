//! State sync: four validators (validator 3 the test-only Byzantine binary serving every snapshot
//! chunk with a byte changed) take snapshots as they go; once they pass the target height, one
//! observer with an empty database joins by snapshot sync and another replays from genesis. Both
//! reach the same head block and state root as the validators; the snapshot node refused the
//! tampered chunk, fetched it again from another peer, and answers `block_not_held` below its
//! snapshot. The two join times are printed (docs/benchmarks.md, "Joining by snapshot"); nothing
//! is asserted about them.
//!
//! The target height is 200 by default (`make test`); `SHULIAN_SNAPSHOT_SYNC_HEIGHT=5000`
//! (`make nightly`) runs the same test at 5 000 blocks with a snapshot every 1 000.
#![allow(clippy::disallowed_methods, reason = "the join times are measured and printed")]

use anyhow::Context;
use shulian_network_tests::DevNode;
use shulian_network_tests::checker::height;
use shulian_network_tests::scenario::{Net, Scenario};
use shulian_runtime::snapshot::SnapshotManifest;
use std::time::{Duration, Instant};

const DEFAULT_HEIGHT: u64 = 200;
const VALIDATOR: &str = "shulian-node";

fn target_height() -> u64 {
    std::env::var("SHULIAN_SNAPSHOT_SYNC_HEIGHT").ok().and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_HEIGHT)
}

/// The newest snapshot's manifest under `home`.
fn newest_manifest(home: &std::path::Path) -> anyhow::Result<SnapshotManifest> {
    let dir = home.join("snapshots");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .with_context(|| format!("{} has no snapshots", dir.display()))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    let newest = names.last().context("no snapshot taken")?;
    Ok(borsh::from_slice(&std::fs::read(dir.join(newest).join("manifest.bin"))?)?)
}

/// Starts node `k` (an observer with an empty database) and waits until it reaches `goal`;
/// returns how long that took.
fn join(net: &mut Net, k: usize, goal: u64, timeout: Duration) -> anyhow::Result<Duration> {
    let started = Instant::now();
    net.restart(k)?;
    Net::wait_height(&[net.node(k)], goal, timeout)?;
    Ok(started.elapsed())
}

#[test]
fn a_node_joins_by_snapshot_refusing_a_tampered_chunk_and_agrees_with_one_that_replayed() -> anyhow::Result<()> {
    let target = target_height();
    let interval: i64 = if target >= 5_000 { 1_000 } else { 100 };
    // A guard, not a measure: a loaded 2-core machine makes a few blocks a second.
    let per_block = Duration::from_secs(1);
    let mut net = Scenario::validators(4)
        .with_binary(3, "shulian-node-byzantine", &[("SHULIAN_BYZANTINE", "tampered-chunks")])
        .with_observer(VALIDATOR, &[])
        .with_observer(VALIDATOR, &[])
        .with_config(&[
            ("block_interval_ms", 10.into()),
            ("empty_block_interval_ms", 10.into()),
            ("snapshot_interval", interval.into()),
            // Small chunks, so that a small state makes several and every peer serves one first.
            ("snapshot_chunk_bytes", 512.into()),
        ])
        .start()?;
    // The observers join later, from nothing.
    for k in [4, 5] {
        net.kill(k)?;
        std::fs::remove_dir_all(net.home(k).join("db"))?;
    }
    let mut client = net.transfers("transport", "trader")?;
    let sent = client.send(net.node(0), 20)?;
    net.wait_committed(&sent, Duration::from_secs(60))?;
    let started = Instant::now();
    let validators = net.some(&[0, 1, 2, 3]);
    Net::wait_height(&validators, target, per_block * target as u32 + Duration::from_secs(60))?;
    println!("the validators reached height {target} in {:.1} s", started.elapsed().as_secs_f64());
    // A snapshot is written after its block commits, off the commit path: wait for the one at the
    // last multiple of the interval the validators passed.
    let due = target - target % interval as u64;
    let waited = Instant::now();
    let manifest = loop {
        let newest = newest_manifest(net.home(0));
        match newest {
            Ok(m) if m.height.0 >= due => break m,
            _ if waited.elapsed() > Duration::from_secs(60) => {
                anyhow::bail!(
                    "no snapshot at height {due} or above within 60 s (newest: {:?})",
                    newest.map(|m| m.height.0)
                )
            }
            _ => std::thread::sleep(Duration::from_millis(200)),
        }
    };
    assert!(
        manifest.chunk_hashes.len() >= 4,
        "{} chunks: too few for every peer to serve one",
        manifest.chunk_hashes.len()
    );

    let goal = net.max_height();
    net.configure(4, &[("state_sync", true.into())])?;
    let by_snapshot = join(&mut net, 4, goal, per_block * goal as u32 + Duration::from_secs(120))?;
    let by_replay = join(&mut net, 5, goal, per_block * goal as u32 + Duration::from_secs(120))?;
    println!(
        "joined at height {goal}: by snapshot (height {}, {} chunks) in {:.1} s, by replay from genesis in {:.1} s",
        manifest.height.0,
        manifest.chunk_hashes.len(),
        by_snapshot.as_secs_f64(),
        by_replay.as_secs_f64()
    );

    // Every node holds the same block and state root at a height all reached.
    let nodes = net.nodes();
    let top = nodes.iter().map(|n| height(n)).collect::<anyhow::Result<Vec<_>>>()?.into_iter().max().unwrap_or(0);
    Net::wait_height(&nodes, top, Duration::from_secs(120))?;
    let at = |n: &DevNode| -> anyhow::Result<(String, String)> {
        let b = n.get(&format!("/api/block/{top}"))?;
        let h = &b["header"];
        Ok((h["state_root"].to_string(), b["hash"].to_string()))
    };
    let reference = at(net.node(0))?;
    for (k, n) in nodes.iter().enumerate() {
        assert_eq!(at(n)?, reference, "node {k} at height {top}");
    }

    // The snapshot node holds no block below its snapshot, and says so.
    let status = net.node(4).get("/api/status")?;
    let earliest = status["earliest_block_height"].as_u64().context("no earliest_block_height")?;
    assert!(earliest > 1 && status["pruned"] == true, "{status}");
    let (code, body) = shulian_network_tests::request(&format!("{}/api/block/1", net.node(4).url), None)?;
    assert_eq!((code, body["error"]["code"].as_str()), (410, Some("block_not_held")), "{body}");
    assert_eq!(net.node(5).get("/api/status")?["earliest_block_height"], 1, "the replaying node holds every block");

    // The tampered chunk was refused, its peer banned, and the chunk fetched again elsewhere.
    let log = std::fs::read_to_string(net.node(4).log_path())?;
    assert!(log.contains("refused a chunk that is not the manifest's"), "no tampered chunk refused:\n{log}");
    assert!(log.contains("installed the snapshot"), "state sync did not finish:\n{log}");
    Ok(())
}
