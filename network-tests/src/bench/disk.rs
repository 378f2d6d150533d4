//! Disk per committed transaction, per node, from the sizes of the database's column families
//! after a full compaction (`shulian-node db-stats`): measured on every node once before the load
//! and once after it, the difference divided by the transactions committed in between. Unlike a
//! folder's growth over a short window, it counts neither RocksDB's write-ahead log nor entries
//! overwritten or deleted but not yet compacted away (docs/benchmarks.md, "Disk per transaction").

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The target for an archive node, bytes per committed transaction per node.
pub(crate) const TARGET_BYTES_PER_TX: f64 = 1000.0;
/// At most this many consensus-log entries may remain after a run: the log is pruned below the
/// committed head at every height, so only the current height's votes, proposals and blocks (a
/// few per round) and the head's own stay. More means pruning stopped.
pub(crate) const CONSENSUS_LOG_MAX_KEYS: u64 = 64;

/// One column family's size, as `shulian-node db-stats --json` prints it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct ColumnStats {
    /// The column family.
    pub(crate) column: String,
    /// Live table-file bytes.
    pub(crate) live_sst_bytes: u64,
    /// Estimated keys.
    pub(crate) estimated_keys: u64,
}

/// A node's database, as `shulian-node db-stats --json` prints it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct DbStats {
    /// The stored head's height when measured.
    pub(crate) height: u64,
    /// Whether it was compacted first.
    pub(crate) compacted: bool,
    /// Every column family.
    pub(crate) columns: Vec<ColumnStats>,
}

impl DbStats {
    fn column(&self, name: &str) -> Option<&ColumnStats> {
        self.columns.iter().find(|c| c.column == name)
    }
    fn total(&self) -> u64 {
        self.columns.iter().map(|c| c.live_sst_bytes).sum()
    }
}

/// Compacts the database of the node in `home` (running: through its admin socket) and reads its
/// column families' sizes.
pub(crate) fn measure(home: &Path) -> anyhow::Result<DbStats> {
    let bin = shulian_network_tests::binary("shulian-node")?;
    let out = std::process::Command::new(&bin)
        .args(["db-stats", "--json", "--home"])
        .arg(home)
        .output()
        .with_context(|| format!("cannot run {}", bin.display()))?;
    if !out.status.success() {
        bail!("shulian-node db-stats --home {} failed: {}", home.display(), String::from_utf8_lossy(&out.stderr));
    }
    serde_json::from_slice(&out.stdout).context("shulian-node db-stats printed no statistics")
}

/// The disk part of the report.
#[derive(Serialize, Default)]
pub(crate) struct DiskReport {
    /// Transactions committed between the two measurements (mean over the nodes).
    pub(crate) committed_txs: f64,
    /// Steady-state bytes per committed transaction per node, all column families.
    pub(crate) bytes_per_tx: f64,
    /// The same, per column family.
    pub(crate) bytes_per_tx_by_column: BTreeMap<String, f64>,
    /// Each node's column-family bytes after the run (compacted).
    pub(crate) bytes_after_by_node: Vec<BTreeMap<String, u64>>,
    /// Consensus-log entries left on each node after the run.
    pub(crate) consensus_log_keys: Vec<u64>,
}

/// The growth from `before` to `after` of each node, divided by the transactions committed
/// between their heights (`txs_between(from, to)`: those of blocks `from + 1 ..= to`).
pub(crate) fn report(
    before: &[DbStats],
    after: &[DbStats],
    mut txs_between: impl FnMut(u64, u64) -> anyhow::Result<u64>,
) -> anyhow::Result<DiskReport> {
    let mut rep = DiskReport::default();
    let mut per_column: BTreeMap<String, f64> = BTreeMap::new();
    let mut nodes = 0usize;
    for (b, a) in before.iter().zip(after) {
        let txs = txs_between(b.height, a.height)?;
        if txs == 0 {
            continue;
        }
        nodes += 1;
        rep.committed_txs += txs as f64;
        for c in &a.columns {
            let was = b.column(&c.column).map_or(0, |x| x.live_sst_bytes);
            *per_column.entry(c.column.clone()).or_default() += (c.live_sst_bytes as f64 - was as f64) / txs as f64;
        }
        rep.bytes_per_tx += (a.total() as f64 - b.total() as f64) / txs as f64;
    }
    if nodes == 0 {
        bail!("no transaction was committed between the two measurements");
    }
    rep.committed_txs /= nodes as f64;
    rep.bytes_per_tx /= nodes as f64;
    rep.bytes_per_tx_by_column = per_column.into_iter().map(|(k, v)| (k, v / nodes as f64)).collect();
    for a in after {
        rep.bytes_after_by_node.push(a.columns.iter().map(|c| (c.column.clone(), c.live_sst_bytes)).collect());
        rep.consensus_log_keys.push(a.column("consensus").map_or(0, |c| c.estimated_keys));
    }
    Ok(rep)
}

/// The report's rows for the table.
pub(crate) fn rows(rep: &DiskReport) -> Vec<(String, String)> {
    let mut out = vec![
        ("disk: txs between the two compactions".to_string(), format!("{:.0}", rep.committed_txs)),
        ("disk: bytes per committed tx (per node)".to_string(), format!("{:.0}", rep.bytes_per_tx)),
    ];
    for (column, b) in &rep.bytes_per_tx_by_column {
        out.push((format!("  {column}"), format!("{b:.1}")));
    }
    out
}
