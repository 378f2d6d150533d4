//! The crash-point sweep (issue 24): validator 1 of four, under load, is crashed at each crash
//! point of the consensus log and the block commit path in turn (`shulian_node::crashpoint`: the
//! test-only `shulian-node-byzantine` binary, with no fault but `SHULIAN_CRASH_AT`, aborts the
//! N-th time it reaches the point), then restarted as a plain `shulian-node`. After every restart
//! it still has every block it reported (same hashes) and catches up; at the end every node holds
//! the same blocks and state roots, every accepted transfer is committed exactly once, no node ever
//! saw a conflicting vote (no equivocation evidence), and every ledger replays from genesis. A last
//! round tears the write the node died after (`tear`): the disk-fault rule of docs/consensus.md.

use anyhow::{Context, ensure};
use shulian_network_tests::checker::{height, wait_committed};
use shulian_network_tests::scenario::{Net, Scenario};
use shulian_network_tests::{DevNode, binary};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(90);
const VICTIM: usize = 1;

fn block_hash(n: &DevNode, h: u64) -> anyhow::Result<String> {
    Ok(n.get(&format!("/api/block/{h}"))?["hash"].to_string())
}

#[test]
fn a_validator_crashed_at_every_crash_point_never_double_signs_or_loses_a_block() -> anyhow::Result<()> {
    let mut net = Scenario::validators(4).with_config(&[("empty_block_interval_ms", 300.into())]).start()?;
    let mut client = net.transfers("trader", "health")?;
    // `crashpoint::ALL`, from the binary (the node library is not linked into the tests).
    let out = std::process::Command::new(binary("shulian-node-byzantine")?).arg("crash-points").output()?;
    let points = String::from_utf8(out.stdout)?;
    let points: Vec<&str> = points.lines().collect();
    ensure!(points.len() >= 6, "crash points: {points:?}");
    // Each point once, then `wal.vote.logged` again with the write torn (see `tear`).
    let rounds = points.iter().map(|p| (*p, false)).chain([("wal.vote.logged", true)]);
    for (point, torn) in rounds {
        // The third time: past start-up, in the middle of the node's work under load.
        let at = format!("{point}:3");
        net.set_binary(VICTIM, "shulian-node-byzantine", &[("SHULIAN_BYZANTINE", ""), ("SHULIAN_CRASH_AT", &at)]);
        net.restart(VICTIM)?;
        #[expect(clippy::disallowed_methods, reason = "the crash must come within a deadline")]
        let started = std::time::Instant::now();
        let mut had = (0, None);
        loop {
            if net.node_mut(VICTIM).exited()?.is_some() {
                break;
            }
            ensure!(started.elapsed() < WAIT, "validator {VICTIM} never reached crash point {point}");
            // Transfers through another validator; what the victim reports before it dies.
            wait_committed(net.node(2), &client.accepted, WAIT)?;
            client.send(net.node(2), 3)?;
            if let Ok(h) = height(net.node(VICTIM))
                && h > 0
                && let Ok(hash) = block_hash(net.node(VICTIM), h)
            {
                had = (h, Some(hash));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let log = net.node(VICTIM).log();
        ensure!(log.contains(&format!("crash point {point} reached")), "{point}: the node died elsewhere:\n{log}");
        let crashed_after = started.elapsed();
        if torn {
            tear(&net.home(VICTIM).join("db"))?;
        }
        net.set_binary(VICTIM, "shulian-node", &[]);
        #[expect(clippy::disallowed_methods, reason = "the recovery time is reported")]
        let restarted = std::time::Instant::now();
        net.restart(VICTIM)?;
        let back = height(net.node(VICTIM))?;
        // A torn write may be a block's batch written beside the vote (the writer thread): that
        // block is then fetched again, so only the untorn crashes must keep every block reported.
        if !torn {
            ensure!(back >= had.0, "{point}: validator {VICTIM} lost committed blocks ({} -> {back})", had.0);
            if let (h, Some(hash)) = had {
                ensure!(block_hash(net.node(VICTIM), h)? == hash, "{point}: block {h} changed after the crash");
            }
        }
        wait_committed(net.node(VICTIM), &client.accepted, WAIT).with_context(|| format!("{point}: catch-up"))?;
        eprintln!(
            "{point}{}: crashed {:.1} s after its start at height {} (reported before: {}); back at {back}, caught up {:.1} s after the restart",
            if torn { " (torn)" } else { "" },
            crashed_after.as_secs_f64(),
            height(net.node(0))?,
            had.0,
            restarted.elapsed().as_secs_f64()
        );
    }
    client.send(net.node(VICTIM), 3)?;
    wait_committed(net.node(0), &client.accepted, WAIT)?;
    let end = height(net.node(0))?;
    Net::wait_height(&net.nodes(), end, WAIT)?;
    net.agree(&client.accepted, WAIT)?;
    for n in net.nodes() {
        let ev = n.get("/api/evidence")?;
        ensure!(ev["items"].as_array().map(Vec::len) == Some(0), "equivocation recorded: {ev}");
    }
    net.kill_all()?;
    for (k, out) in net.verify_ledgers()?.iter().enumerate() {
        ensure!(out.contains("ledger verified from genesis"), "node {k}: {out}");
    }
    Ok(())
}

/// A torn last write, as a power cut in the middle of one leaves it: the newest RocksDB
/// write-ahead log file in `db` (which holds the consensus log's and the blocks' latest batches)
/// loses its last 16 bytes, less than any record. The node died at `wal.vote.logged`, so the torn
/// record is the vote it had just logged and never sent; RocksDB's recovery (point in time, its
/// default) drops the incomplete record, and the node must start, sign nothing that conflicts with
/// what it sent, and catch up.
fn tear(db: &std::path::Path) -> anyhow::Result<()> {
    let (cut, len) = shulian_network_tests::truncate_newest_log(db, 16)?;
    ensure!(cut == 16 && len > 16, "the newest write-ahead log held {len} bytes: nothing to tear");
    Ok(())
}
