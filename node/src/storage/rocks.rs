//! RocksDB backend: one column family per [`Column`], every block in one synced WriteBatch.

use super::{Batch, Column, ColumnStats, CompactionStats, KvStore, KvView, StoreError, StoreResult};
use rocksdb::{ColumnFamilyDescriptor, DB, Options, WriteBatch, WriteOptions};
use std::path::Path;

/// A [`KvStore`] on RocksDB.
pub struct RocksKv {
    db: DB,
}

fn backend(e: rocksdb::Error) -> StoreError {
    StoreError::Backend(e.into_string())
}

/// The block cache shared by the state and state-tree columns.
const STATE_BLOCK_CACHE_BYTES: usize = 64 << 20;
/// The block cache of the two point-read indexes (tx index, block index): their index and
/// filter blocks live in it, so their memory stays bounded however long the chain grows (left
/// outside a cache, a Bloom filter of 1.25 bytes per transaction would pin 1.25 GB of memory per
/// billion transactions).
const INDEX_BLOCK_CACHE_BYTES: usize = 16 << 20;
/// One block cache for every other column (blocks, certificates, outcomes, events, the meta
/// data and the consensus log), read by height, in scans or rarely: without it RocksDB gives each
/// column a 32 MiB cache of its own, 224 MiB in all that a node serving an explorer would fill.
const COLD_BLOCK_CACHE_BYTES: usize = 32 << 20;
/// Table block size of the cold, append-only columns (blocks, certificates, outcomes, events).
/// Compression works per block: measured on a benchmark database (docs/benchmarks.md, "Disk per
/// transaction"), LZ4 over 64 KiB blocks instead of 4 KiB ones stores outcomes in 35% fewer
/// bytes and the event index in 36% fewer, and their index blocks are 16 times smaller. They are
/// read by height or scanned in key order (an explorer page, a sync), where one 64 KiB read
/// replaces sixteen 4 KiB ones.
const COLD_BLOCK_BYTES: usize = 64 << 10;
/// Bits per key of the point-read indexes' Bloom filters: 10 bits answer "not here" for 99% of
/// absent keys, at 1.25 bytes per key (measured: 1.3 bytes per transaction in the tx index).
const INDEX_BLOOM_BITS_PER_KEY: f64 = 10.0;
/// RocksDB's background threads: one flushes memtables, the others compact, so that a long
/// compaction of one column never holds up another's.
const BACKGROUND_JOBS: i32 = 4;
/// All columns' memtables together, at most (RocksDB flushes the largest beyond it): keeps a
/// node's memory bounded however the load is spread over the columns.
const MEMTABLES_BYTES: usize = 256 << 20;

impl RocksKv {
    /// Opens (or creates) the database in `path`.
    pub fn open(path: &Path) -> StoreResult<Self> {
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        opts.set_compression_type(rocksdb::DBCompressionType::Lz4);
        opts.set_db_write_buffer_size(MEMTABLES_BYTES);
        // Compactions keep up at the node's own CPU priority, three at once beside one flush.
        // At the lowest priority (nice 19, from step 16 of docs/benchmarks.md to 2026-12-03) and
        // on one thread they starved on a busy machine: in an hour-long run's first 20 minutes
        // the event index's compactions took 711 s of wall time for 24 s of CPU while every other
        // column waited behind them, level-0 files piled up in every column and each read
        // searched more of them (docs/benchmarks.md, "The hour-long run, again").
        opts.set_max_background_jobs(BACKGROUND_JOBS);
        let caches = Caches {
            state: rocksdb::Cache::new_lru_cache(STATE_BLOCK_CACHE_BYTES),
            index: rocksdb::Cache::new_lru_cache(INDEX_BLOCK_CACHE_BYTES),
            cold: rocksdb::Cache::new_lru_cache(COLD_BLOCK_CACHE_BYTES),
        };
        // The default column family (unused, but always open) shares the cold columns' cache
        // instead of getting a cache of its own.
        let mut default_table = rocksdb::BlockBasedOptions::default();
        default_table.set_block_cache(&caches.cold);
        opts.set_block_based_table_factory(&default_table);
        let cfs = Column::ALL.iter().map(|c| ColumnFamilyDescriptor::new(c.name(), column_options(*c, &caches)));
        let db = DB::open_cf_descriptors(&opts, path, cfs).map_err(backend)?;
        Ok(RocksKv { db })
    }

    /// Writes a consistent point-in-time copy of the whole database (every column) into `dir`,
    /// which must not exist, while the node keeps running: RocksDB's checkpoint hard-links the
    /// immutable table files (a copy if `dir` is on another file system) and copies the rest.
    pub fn checkpoint(&self, dir: &Path) -> StoreResult<()> {
        rocksdb::checkpoint::Checkpoint::new(&self.db).and_then(|c| c.create_checkpoint(dir)).map_err(backend)
    }

    /// The size of every column ([`KvStore::column_stats`]). Compaction is forced down to the
    /// bottom level, so every table file is rewritten with the column's current options: after
    /// a change of compression, the sizes are those of the new choice.
    pub fn column_stats(&self, compact: bool) -> StoreResult<Vec<ColumnStats>> {
        let mut out = Vec::with_capacity(Column::ALL.len());
        for c in Column::ALL {
            let cf = self.cf(c)?;
            if compact {
                self.db.flush_cf(cf).map_err(backend)?;
                let mut o = rocksdb::CompactOptions::default();
                o.set_bottommost_level_compaction(rocksdb::BottommostLevelCompaction::Force);
                // A running node's own compactions go on meanwhile: blocking them for a long
                // manual compaction would let level-0 files pile up until RocksDB stalls writes.
                o.set_exclusive_manual_compaction(false);
                self.db.compact_range_cf_opt(cf, None::<&[u8]>, None::<&[u8]>, &o);
            }
            let prop = |name: &str| -> StoreResult<u64> {
                Ok(self.db.property_int_value_cf(cf, name).map_err(backend)?.unwrap_or(0))
            };
            out.push(ColumnStats {
                column: c.name().to_string(),
                live_sst_bytes: prop("rocksdb.live-sst-files-size")?,
                total_sst_bytes: prop("rocksdb.total-sst-files-size")?,
                memtable_bytes: prop("rocksdb.cur-size-all-mem-tables")?,
                estimated_keys: prop("rocksdb.estimate-num-keys")?,
                table_readers_bytes: prop("rocksdb.estimate-table-readers-mem")?,
            });
        }
        Ok(out)
    }

    /// Every column's compaction state ([`KvStore::compaction_stats`]).
    pub fn compaction_stats(&self) -> StoreResult<Vec<CompactionStats>> {
        let mut out = Vec::with_capacity(Column::ALL.len());
        for c in Column::ALL {
            let cf = self.cf(c)?;
            let prop = |name: &str| -> StoreResult<u64> {
                Ok(self.db.property_int_value_cf(cf, name).map_err(backend)?.unwrap_or(0))
            };
            out.push(CompactionStats {
                column: c.name().to_string(),
                pending_compaction_bytes: prop("rocksdb.estimate-pending-compaction-bytes")?,
                compaction_pending: prop("rocksdb.compaction-pending")? > 0,
                running_compactions: prop("rocksdb.num-running-compactions")?,
                level0_files: prop("rocksdb.num-files-at-level0")?,
            });
        }
        Ok(out)
    }

    /// Reads every entry of every column with block checksums verified, bypassing the block
    /// cache: a damaged table file (a flipped bit on disk) is found and named, where otherwise
    /// only the first read of its damaged block would find it. Returns the entries read. It
    /// reads the whole database (seconds per gigabyte), so the node runs it on a thread of its
    /// own after starting (`check_tables_in_background`, in main.rs).
    pub fn verify_tables(&self) -> StoreResult<u64> {
        let mut entries = 0u64;
        for c in Column::ALL {
            let mut ro = rocksdb::ReadOptions::default();
            ro.set_verify_checksums(true);
            ro.fill_cache(false);
            ro.set_readahead_size(2 << 20);
            let mut it = self.db.raw_iterator_cf_opt(self.cf(c)?, ro);
            it.seek_to_first();
            while it.valid() {
                entries += 1;
                it.next();
            }
            it.status().map_err(|e| StoreError::Backend(format!("column {}: {e}", c.name())))?;
        }
        Ok(entries)
    }

    fn cf(&self, c: Column) -> StoreResult<&rocksdb::ColumnFamily> {
        self.db.cf_handle(c.name()).ok_or_else(|| StoreError::Backend(format!("column family {} missing", c.name())))
    }
}

/// The block caches the columns share.
struct Caches {
    state: rocksdb::Cache,
    index: rocksdb::Cache,
    cold: rocksdb::Cache,
}

/// Each column family's options: compression, block size, Bloom filter and cache, chosen from
/// what the column holds and how it is read (measured in docs/benchmarks.md, "Disk per
/// transaction"). Compression and block size may change between versions: they apply to table
/// files written from then on, and RocksDB reads every older file with the settings it records.
///
/// Every column keeps level-style compaction. Its space overhead stays near 10% where universal
/// compaction may briefly need twice a column's size, and FIFO compaction deletes old data, which
/// an archive node must keep. The append-only columns are keyed by height, so each flushed file
/// lies after every older one and moves down the levels without being rewritten.
///
/// zstd would store blocks and outcomes in about 13% fewer bytes than LZ4 and the event index in
/// 60% fewer (measured on the same data, 64 KiB chunks), about 5% of the total per transaction;
/// it is not compiled into this build of RocksDB (the `rocksdb` crate's `zstd` feature rebuilds
/// RocksDB's C++), so LZ4 it is until that trade is made.
fn column_options(c: Column, caches: &Caches) -> Options {
    let mut o = Options::default();
    let mut t = rocksdb::BlockBasedOptions::default();
    match c {
        // Read at random keys every block. Their table blocks are kept in one shared cache, a
        // Bloom filter spares a lookup the files that cannot hold its key, and they are not
        // compressed (decompressing each block read cost more than the disk saved). Without this,
        // reads slowed down as the store grew and a node could not keep up after a minute at
        // 5 000 tx/s (docs/benchmarks.md). LZ4 would store them in 47% (state) and 33% (tree)
        // fewer bytes: a trade to measure for speed on a dedicated machine before it is made.
        Column::State | Column::Smt => {
            t.set_block_cache(&caches.state);
            t.set_bloom_filter(10.0, false);
            o.set_compression_type(rocksdb::DBCompressionType::None);
        }
        // Written once, in key order, and read rarely, by height or in scans: compressed over
        // large blocks.
        Column::Blocks | Column::Certs | Column::Results | Column::Events => {
            t.set_block_cache(&caches.cold);
            t.set_block_size(COLD_BLOCK_BYTES);
            o.set_compression_type(rocksdb::DBCompressionType::Lz4);
        }
        // Point reads at hash keys (`/api/tx/{hash}`, a block by its hash), often of keys that
        // are absent (a transaction not yet committed): a Bloom filter answers those without
        // reading a data block. Small blocks: one lookup reads one.
        Column::TxIndex | Column::BlockIndex => {
            t.set_block_cache(&caches.index);
            t.set_cache_index_and_filter_blocks(true);
            t.set_pin_l0_filter_and_index_blocks_in_cache(true);
            t.set_bloom_filter(INDEX_BLOOM_BITS_PER_KEY, false);
            o.set_compression_type(rocksdb::DBCompressionType::Lz4);
        }
        // A few keys each (the head, the genesis; this height's votes).
        Column::Meta | Column::Consensus => {
            t.set_block_cache(&caches.cold);
            o.set_compression_type(rocksdb::DBCompressionType::Lz4);
        }
    }
    o.set_block_based_table_factory(&t);
    o
}

/// A RocksDB snapshot of a [`RocksKv`]: reads see the database as it was when it was taken.
struct RocksView<'a> {
    kv: &'a RocksKv,
    snap: rocksdb::Snapshot<'a>,
}

impl KvView for RocksView<'_> {
    fn get(&self, c: Column, key: &[u8]) -> StoreResult<Option<Vec<u8>>> {
        self.snap.get_cf(self.kv.cf(c)?, key).map_err(backend)
    }

    fn scan(
        &self,
        c: Column,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> StoreResult<Vec<(Vec<u8>, Vec<u8>)>> {
        let start = after.unwrap_or(prefix);
        let it = self.snap.iterator_cf(self.kv.cf(c)?, rocksdb::IteratorMode::From(start, rocksdb::Direction::Forward));
        collect_scan(it, prefix, after, limit)
    }
}

/// The entries of a forward iterator that start with `prefix`, skipping `after`, at most `limit`.
fn collect_scan(
    it: impl Iterator<Item = Result<(Box<[u8]>, Box<[u8]>), rocksdb::Error>>,
    prefix: &[u8],
    after: Option<&[u8]>,
    limit: usize,
) -> StoreResult<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut out = Vec::new();
    for item in it {
        let (k, v) = item.map_err(backend)?;
        if Some(&*k) == after {
            continue;
        }
        if !k.starts_with(prefix) || out.len() >= limit {
            break;
        }
        out.push((k.to_vec(), v.to_vec()));
    }
    Ok(out)
}

impl KvStore for RocksKv {
    fn view(&self) -> StoreResult<Box<dyn KvView + '_>> {
        Ok(Box::new(RocksView { kv: self, snap: self.db.snapshot() }))
    }

    fn checkpoint(&self, dir: &Path) -> StoreResult<()> {
        RocksKv::checkpoint(self, dir)
    }

    fn column_stats(&self, compact: bool) -> StoreResult<Vec<ColumnStats>> {
        RocksKv::column_stats(self, compact)
    }

    fn compaction_stats(&self) -> StoreResult<Vec<CompactionStats>> {
        RocksKv::compaction_stats(self)
    }

    fn get(&self, c: Column, key: &[u8]) -> StoreResult<Option<Vec<u8>>> {
        self.db.get_cf(self.cf(c)?, key).map_err(backend)
    }

    fn write(&self, batch: Batch) -> StoreResult<()> {
        // Sized up front: a block's batch is megabytes, and growing it step by step copies it
        // again and again into freshly faulted pages.
        let bytes: usize = batch.ops.iter().map(|(_, k, v)| k.len() + v.as_ref().map_or(0, Vec::len) + 16).sum();
        let mut wb = WriteBatch::with_capacity_bytes(bytes + 64);
        // In column and key order: each memtable's skip list then inserts next to the key it
        // inserted last instead of searching from the top. The sort is stable, so of two writes
        // of one key the later still wins.
        let mut ops: Vec<_> = batch.ops.iter().collect();
        ops.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        // The handle is looked up by name (a lock and a map search): once per column, not per op.
        let mut handle: Option<(Column, &rocksdb::ColumnFamily)> = None;
        for (c, k, v) in ops {
            let cf = match handle {
                Some((hc, cf)) if hc == *c => cf,
                _ => {
                    let cf = self.cf(*c)?;
                    handle = Some((*c, cf));
                    cf
                }
            };
            match v {
                Some(v) => wb.put_cf(cf, k, v),
                None => wb.delete_cf(cf, k),
            }
        }
        let mut wo = WriteOptions::default();
        // One fsync per block (not per transaction): a committed block survives power loss.
        wo.set_sync(true);
        self.db.write_opt(wb, &wo).map_err(backend)
    }

    fn scan(
        &self,
        c: Column,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> StoreResult<Vec<(Vec<u8>, Vec<u8>)>> {
        let start = after.unwrap_or(prefix);
        let it = self.db.iterator_cf(self.cf(c)?, rocksdb::IteratorMode::From(start, rocksdb::Direction::Forward));
        collect_scan(it, prefix, after, limit)
    }
}
