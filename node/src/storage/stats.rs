//! What a column family occupies on disk, as the backend reports it: the figures behind
//! `shulian-node db-stats` and the benchmark's bytes per transaction (docs/benchmarks.md).

use serde::{Deserialize, Serialize};

/// The size of one column family. After a full compaction ([`super::KvStore::column_stats`] with
/// `compact`), the table bytes are the steady-state size of what the column holds: no overwritten
/// value or deleted key is left in them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnStats {
    /// The column family's name ([`super::Column::name`]).
    pub column: String,
    /// Bytes of the table files of the current version (RocksDB `rocksdb.live-sst-files-size`).
    pub live_sst_bytes: u64,
    /// Bytes of all its table files, including those an open iterator or a compaction still holds
    /// (`rocksdb.total-sst-files-size`).
    pub total_sst_bytes: u64,
    /// Bytes in memtables not yet flushed (`rocksdb.cur-size-all-mem-tables`); after a
    /// compaction, which flushes first, only an empty memtable's few KB.
    pub memtable_bytes: u64,
    /// Keys, as RocksDB estimates them (`rocksdb.estimate-num-keys`; exact after a compaction
    /// when no key was overwritten).
    pub estimated_keys: u64,
    /// Memory the open table files' index and filter blocks hold outside the block cache
    /// (`rocksdb.estimate-table-readers-mem`): it grows with the keys a column holds, unless the
    /// column keeps them in its block cache.
    #[serde(default)]
    pub table_readers_bytes: u64,
}

/// A column family's compaction state, from RocksDB's properties at one moment (for metrics;
/// nothing is compacted to read them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompactionStats {
    /// The column family's name ([`super::Column::name`]).
    pub column: String,
    /// Bytes compaction must rewrite to bring the levels to their targets
    /// (`rocksdb.estimate-pending-compaction-bytes`).
    pub pending_compaction_bytes: u64,
    /// Whether a compaction is pending (`rocksdb.compaction-pending`).
    pub compaction_pending: bool,
    /// Compactions running (`rocksdb.num-running-compactions`, for the whole database).
    pub running_compactions: u64,
    /// Table files at level 0 (`rocksdb.num-files-at-level0`).
    pub level0_files: u64,
}
