//! Storage: the node's durable record of blocks, certificates, outcomes, the tx index, state and
//! state-tree nodes, behind a small [`KvStore`] trait with a RocksDB and an in-memory backend.
//! It must never hold consensus or execution logic; it commits one block in one atomic batch.

pub mod archive;
mod attempts;
mod cache;
mod chain_store;
mod mem;
mod proofs;
mod rocks;
mod stats;

pub use attempts::{Attempt, AttemptRecord, attempt_prefix};
pub use chain_store::{ChainStore, EventRecord, Head, TxLocation, event_type_prefix, head_in, subject_prefix};
pub use mem::MemKv;
pub use rocks::RocksKv;
pub use stats::{ColumnStats, CompactionStats};

/// The column families. Each has one owner and one key format, written next to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Column {
    /// height (u64 big-endian) -> borsh `Block`.
    Blocks,
    /// height -> borsh `CommitCertificate`.
    Certs,
    /// height (u64 BE) ++ tx index (u32 BE) -> borsh `TxOutcome`, one per transaction. Stores
    /// written before this layout hold height -> borsh `Vec<TxOutcome>`, and are still read.
    Results,
    /// tx hash -> borsh `TxLocation`.
    TxIndex,
    /// block hash -> height.
    BlockIndex,
    /// raw state key -> value.
    State,
    /// state-tree node key (34 bytes) -> borsh `SmtNode`.
    Smt,
    /// fixed names (`head`, `genesis`) -> borsh values; and the ledger-time index, `time/` ++
    /// height (u64 BE) -> that block's timestamp (u64 BE, ms), written in the block's own batch.
    Meta,
    /// subject (1-byte kind + 32-byte id) ++ height (u64 BE) ++ tx index (u32 BE) ++ event index
    /// (u16 BE) -> empty: an index of every event under each organization, data set and grant it
    /// concerns, in chain order; and once more under `t` ++ its borsh variant index (2 bytes
    /// instead of 33), so every event of one type is one scan. The event itself is stored once, in
    /// its transaction's outcome (`Results`). Stores written before this layout hold the borsh
    /// `EventRecord` as the value, and are still read.
    Events,
    /// The consensus write-ahead log: what this validator signed (votes, proposals) at heights not
    /// yet committed, so it never signs a conflicting message after a crash. Owned by
    /// `consensus::wal`.
    Consensus,
}

impl Column {
    /// Every column.
    pub const ALL: [Column; 10] = [
        Column::Blocks,
        Column::Certs,
        Column::Results,
        Column::TxIndex,
        Column::BlockIndex,
        Column::State,
        Column::Smt,
        Column::Meta,
        Column::Events,
        Column::Consensus,
    ];

    /// The RocksDB column family name.
    pub fn name(self) -> &'static str {
        match self {
            Column::Blocks => "blocks",
            Column::Certs => "certs",
            Column::Results => "results",
            Column::TxIndex => "tx_index",
            Column::BlockIndex => "block_index",
            Column::State => "state",
            Column::Smt => "smt",
            Column::Meta => "meta",
            Column::Events => "events",
            Column::Consensus => "consensus",
        }
    }
}

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend failed.
    #[error("database error: {0}")]
    Backend(String),
    /// Stored bytes do not decode.
    #[error("corrupt record in column {column}: {detail}")]
    Corrupt {
        /// Column.
        column: &'static str,
        /// What.
        detail: String,
    },
    /// Data dir belongs to another chain.
    #[error("data directory belongs to chain {found:?} (genesis {found_genesis}), not {expected:?}")]
    WrongChain {
        /// Configured chain.
        expected: String,
        /// Found chain.
        found: String,
        /// Found genesis hash.
        found_genesis: String,
    },
}

/// Result alias for storage.
pub type StoreResult<T> = Result<T, StoreError>;

/// An atomic set of writes.
#[derive(Default, Debug)]
pub struct Batch {
    /// (column, key, value); `None` deletes.
    pub ops: Vec<(Column, Vec<u8>, Option<Vec<u8>>)>,
}

impl Batch {
    /// Adds a put.
    pub fn put(&mut self, c: Column, k: impl Into<Vec<u8>>, v: Vec<u8>) {
        self.ops.push((c, k.into(), Some(v)));
    }
    /// Adds a delete.
    pub fn delete(&mut self, c: Column, k: impl Into<Vec<u8>>) {
        self.ops.push((c, k.into(), None));
    }
}

/// A key-value store with columns and atomic batches.
pub trait KvStore: Send + Sync + 'static {
    /// Reads one value.
    fn get(&self, c: Column, key: &[u8]) -> StoreResult<Option<Vec<u8>>>;
    /// Applies a batch atomically and durably (synced to disk where the backend has one).
    fn write(&self, batch: Batch) -> StoreResult<()>;
    /// Up to `limit` entries whose key starts with `prefix`, in key order, starting after the
    /// key `after` when given.
    fn scan(
        &self,
        c: Column,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> StoreResult<Vec<(Vec<u8>, Vec<u8>)>>;

    /// A read-only view of the store as it is now, unchanged by later writes (a RocksDB
    /// snapshot): what a state snapshot reads while blocks keep being written. Backends without
    /// one refuse.
    fn view(&self) -> StoreResult<Box<dyn KvView + '_>> {
        Err(StoreError::Backend("this store has no point-in-time view".into()))
    }

    /// Writes a consistent point-in-time copy of the store into the new folder `dir`, for
    /// backups of a running node. Backends without a disk form refuse.
    fn checkpoint(&self, dir: &std::path::Path) -> StoreResult<()> {
        Err(StoreError::Backend(format!("this store cannot write a checkpoint to {}", dir.display())))
    }

    /// The size of every column on disk, in [`Column::ALL`]'s order; with `compact`, after
    /// flushing and fully compacting each column first, so that the sizes are steady-state (no
    /// overwritten or deleted entries left) and written with the columns' current options.
    /// Backends without a disk form refuse.
    fn column_stats(&self, compact: bool) -> StoreResult<Vec<ColumnStats>> {
        let _ = compact;
        Err(StoreError::Backend("this store has no disk form to measure".into()))
    }

    /// Every column's compaction state, in [`Column::ALL`]'s order, read without compacting.
    /// Backends without a disk form refuse.
    fn compaction_stats(&self) -> StoreResult<Vec<CompactionStats>> {
        Err(StoreError::Backend("this store has no disk form to measure".into()))
    }
}

/// A read-only, point-in-time view of a [`KvStore`] ([`KvStore::view`]).
pub trait KvView {
    /// Reads one value as of the view.
    fn get(&self, c: Column, key: &[u8]) -> StoreResult<Option<Vec<u8>>>;
    /// Up to `limit` entries whose key starts with `prefix`, in key order, after `after`, as of
    /// the view (like [`KvStore::scan`]).
    fn scan(
        &self,
        c: Column,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> StoreResult<Vec<(Vec<u8>, Vec<u8>)>>;
}

#[cfg(test)]
mod conformance {
    //! One test suite, run against every backend.
    use super::*;

    pub(super) fn batch_is_atomic_and_readable(kv: &dyn KvStore) {
        let mut b = Batch::default();
        b.put(Column::State, b"a".to_vec(), b"1".to_vec());
        b.put(Column::Meta, b"a".to_vec(), b"2".to_vec());
        kv.write(b).expect("write");
        assert_eq!(kv.get(Column::State, b"a").expect("get"), Some(b"1".to_vec()));
        assert_eq!(kv.get(Column::Meta, b"a").expect("get"), Some(b"2".to_vec()), "columns are separate");
        let mut b = Batch::default();
        b.delete(Column::State, b"a".to_vec());
        kv.write(b).expect("write");
        assert_eq!(kv.get(Column::State, b"a").expect("get"), None);
        assert_eq!(kv.get(Column::Blocks, b"zz").expect("get"), None);

        let mut b = Batch::default();
        for k in [b"p1".as_slice(), b"p2", b"p3", b"q1", b"o9"] {
            b.put(Column::Events, k.to_vec(), k.to_vec());
        }
        kv.write(b).expect("write");
        let keys = |v: Vec<(Vec<u8>, Vec<u8>)>| v.into_iter().map(|(k, _)| k).collect::<Vec<_>>();
        assert_eq!(
            keys(kv.scan(Column::Events, b"p", None, 10).expect("scan")),
            vec![b"p1".to_vec(), b"p2".to_vec(), b"p3".to_vec()]
        );
        assert_eq!(keys(kv.scan(Column::Events, b"p", Some(b"p1"), 1).expect("scan")), vec![b"p2".to_vec()]);
        assert!(kv.scan(Column::State, b"p", None, 10).expect("scan").is_empty(), "scan stays in its column");

        // A view keeps what it saw: later writes do not show through it.
        let view = kv.view().expect("view");
        let mut b = Batch::default();
        b.put(Column::Events, b"p4".to_vec(), vec![]);
        b.delete(Column::Events, b"p1".to_vec());
        kv.write(b).expect("write");
        assert_eq!(keys(view.scan(Column::Events, b"p", None, 10).expect("scan")).len(), 3);
        assert_eq!(view.get(Column::Events, b"p1").expect("get"), Some(b"p1".to_vec()));
        assert_eq!(keys(view.scan(Column::Events, b"p", Some(b"p2"), 10).expect("scan")), vec![b"p3".to_vec()]);
        assert_eq!(kv.get(Column::Events, b"p1").expect("get"), None, "the store moved on");
    }

    #[test]
    fn mem_backend_conforms() {
        batch_is_atomic_and_readable(&MemKv::default());
    }

    #[test]
    fn a_store_written_with_other_column_options_still_opens_and_reads() {
        // The options of the versions before per-column tuning: RocksDB's defaults for every
        // column except the state and the state tree.
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let mut opts = rocksdb::Options::default();
            opts.create_if_missing(true);
            opts.create_missing_column_families(true);
            let cfs =
                Column::ALL.iter().map(|c| rocksdb::ColumnFamilyDescriptor::new(c.name(), rocksdb::Options::default()));
            let db = rocksdb::DB::open_cf_descriptors(&opts, dir.path(), cfs).expect("open the old way");
            for c in Column::ALL {
                let cf = db.cf_handle(c.name()).expect("column");
                for i in 0u32..500 {
                    db.put_cf(cf, i.to_be_bytes(), format!("{} {i}", c.name())).expect("put");
                }
                db.flush_cf(cf).expect("flush");
            }
        }
        let kv = RocksKv::open(dir.path()).expect("reopen with today's options");
        let read_all = |kv: &RocksKv| {
            for c in Column::ALL {
                for i in [0u32, 250, 499] {
                    assert_eq!(
                        kv.get(c, &i.to_be_bytes()).expect("get"),
                        Some(format!("{} {i}", c.name()).into_bytes())
                    );
                }
            }
        };
        read_all(&kv);
        // Rewritten with today's options by a full compaction, and still the same.
        let stats = kv.column_stats(true).expect("stats");
        assert!(stats.iter().all(|s| s.estimated_keys == 500), "{stats:?}");
        read_all(&kv);
    }

    #[test]
    fn rocks_backend_conforms() {
        let dir = tempfile::tempdir().expect("tempdir");
        let kv = RocksKv::open(dir.path()).expect("open");
        batch_is_atomic_and_readable(&kv);
    }
}
