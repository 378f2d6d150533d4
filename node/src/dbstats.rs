//! `shulian-node db-stats`: what a node's database occupies, column family by column family, after
//! a full compaction (so the figures are the steady-state size of what is stored, not of what
//! RocksDB has not yet compacted away). A running node answers it on its admin socket
//! (`HOME/admin.sock`, [`crate::backup`]), a stopped node's database is opened directly. Used by
//! operators to see where the disk goes, and by `shulian-bench` for its bytes per transaction
//! (docs/benchmarks.md, "Disk per transaction").

use crate::backup::{admin_request, admin_socket};
use crate::home::Home;
use crate::storage::{ChainStore, ColumnStats, KvStore, RocksKv};
use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// The admin socket's command: compact every column, then report its size.
pub const DB_STATS_COMMAND: &str = "db-stats";
/// The admin socket's command: report the sizes as they are, without compacting.
pub const DB_STATS_NO_COMPACT_COMMAND: &str = "db-stats no-compact";
/// How long a client waits for the node's answer: a full compaction rewrites every table file,
/// about a minute per few GB on a slow disk; past this the node is considered stuck.
pub const DB_STATS_TIMEOUT: Duration = Duration::from_secs(3600);

/// A node database's size, per column family.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbStats {
    /// The stored head's height when the sizes were read (0 before the first block).
    pub height: u64,
    /// Whether every column was flushed and fully compacted before it was measured.
    pub compacted: bool,
    /// Each column family, in the store's column order.
    pub columns: Vec<ColumnStats>,
}

impl DbStats {
    /// Bytes of live table files of all columns together.
    pub fn live_sst_bytes(&self) -> u64 {
        self.columns.iter().map(|c| c.live_sst_bytes).sum()
    }
}

/// Measures `kv` (compacting it first with `compact`).
pub fn collect(kv: Arc<dyn KvStore>, compact: bool) -> anyhow::Result<DbStats> {
    let columns = kv.column_stats(compact)?;
    let height = ChainStore::new(kv).head()?.map_or(0, |h| h.height.0);
    Ok(DbStats { height, compacted: compact, columns })
}

/// Which statistics an admin command line asks for: `Some(compact)` for a `db-stats` command.
pub fn parse_command(line: &str) -> Option<bool> {
    match line {
        DB_STATS_COMMAND => Some(true),
        DB_STATS_NO_COMPACT_COMMAND => Some(false),
        _ => None,
    }
}

/// The admin socket's answer to a `db-stats` command (blocking: it compacts).
pub fn answer(kv: Arc<dyn KvStore>, compact: bool) -> serde_json::Value {
    match collect(kv, compact) {
        Ok(stats) => {
            tracing::info!(target: "node", height = stats.height, compacted = compact, live_sst_bytes = stats.live_sst_bytes(), "measured the database");
            serde_json::json!({ "ok": true, "stats": stats })
        }
        Err(e) => serde_json::json!({ "ok": false, "error": format!("{e:#}") }),
    }
}

/// `shulian-node db-stats`: asks the running node of `home`, or opens its database when it is
/// stopped.
pub fn db_stats(home: &Home, compact: bool) -> anyhow::Result<DbStats> {
    let command = if compact { DB_STATS_COMMAND } else { DB_STATS_NO_COMPACT_COMMAND };
    if let Some(answer) = admin_request(&home.dir, command, DB_STATS_TIMEOUT)? {
        if answer["ok"] != true {
            bail!("the node could not measure its database: {}", answer["error"]);
        }
        return serde_json::from_value(answer["stats"].clone()).context("the node's answer holds no statistics");
    }
    let db = home.db_path();
    if !db.exists() {
        bail!("{} has no database (db/)", home.dir.display());
    }
    let kv = RocksKv::open(&db).with_context(|| {
        format!(
            "the node does not answer on {} and its database cannot be opened (is it running from an \
             older version? stop it and retry)",
            admin_socket(&home.dir).display()
        )
    })?;
    collect(Arc::new(kv), compact)
}

/// The statistics as a table for a terminal: each column's bytes, share and keys.
pub fn render(stats: &DbStats) -> String {
    let total = stats.live_sst_bytes();
    let mut out = format!(
        "database at height {} ({}):\n{:<12} {:>16} {:>7} {:>14} {:>16}\n",
        stats.height,
        if stats.compacted { "after a full compaction" } else { "not compacted" },
        "column",
        "bytes",
        "share",
        "keys (est.)",
        "index memory"
    );
    for c in &stats.columns {
        let share = if total == 0 { 0.0 } else { c.live_sst_bytes as f64 * 100.0 / total as f64 };
        out.push_str(&format!(
            "{:<12} {:>16} {:>6.1}% {:>14} {:>16}\n",
            c.column, c.live_sst_bytes, share, c.estimated_keys, c.table_readers_bytes
        ));
    }
    out.push_str(&format!("{:<12} {:>16}\n", "total", total));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::tests::{enc, genesis, produce, transfer};
    use crate::chain::{Chain, ChainLimits};
    use crate::storage::{Batch, Column};

    #[test]
    fn compaction_drops_deleted_entries_from_the_measured_size() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let kv = Arc::new(RocksKv::open(tmp.path()).expect("open"));
        let chain = Chain::open(ChainStore::new(kv.clone()), genesis(), ChainLimits::default()).expect("chain");
        chain.submit(&enc(&transfer(1, 0, "unit"))).expect("submit");
        produce(&chain, 100);
        // A log that grows and is then deleted, as the consensus log's pruned heights are.
        let mut b = Batch::default();
        for i in 0u32..2_000 {
            // Hashes: incompressible, so the bytes on disk follow the bytes written.
            let value: Vec<u8> =
                (0u8..16).flat_map(|j| *blake3::hash(&[&i.to_be_bytes()[..], &[j]].concat()).as_bytes()).collect();
            b.put(Column::Consensus, i.to_be_bytes().to_vec(), value);
        }
        kv.write(b).expect("write");
        let before = collect(kv.clone(), true).expect("stats");
        let consensus = |s: &DbStats| s.columns.iter().find(|c| c.column == "consensus").cloned().expect("column");
        assert!(consensus(&before).live_sst_bytes > 2_000 * 512 / 4, "{before:?}");
        let mut b = Batch::default();
        for i in 0u32..2_000 {
            b.delete(Column::Consensus, i.to_be_bytes().to_vec());
        }
        kv.write(b).expect("write");
        let after = collect(kv.clone(), true).expect("stats");
        assert_eq!(consensus(&after).live_sst_bytes, 0, "{after:?}");
        assert_eq!(after.height, 1);
        assert_eq!(after.columns.len(), Column::ALL.len());
        let blocks = after.columns.iter().find(|c| c.column == "blocks").expect("blocks");
        assert!(blocks.live_sst_bytes > 0 && blocks.memtable_bytes < 64 << 10, "flushed: {blocks:?}");
        assert!(render(&after).contains("blocks"));
    }

    #[test]
    fn admin_commands_are_recognized_and_nothing_else() {
        assert_eq!(parse_command("db-stats"), Some(true));
        assert_eq!(parse_command("db-stats no-compact"), Some(false));
        assert_eq!(parse_command("db-stats please"), None);
        assert_eq!(parse_command("checkpoint"), None);
    }
}
