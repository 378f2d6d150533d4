//! Assembling a snapshot's state into a store: checked chunks are added in order (keys strictly
//! increasing across chunks too), their entries written to the state column in batches, and at the
//! end the state tree is rebuilt from every key (the same construction `restore` checks a backup
//! with, `verify::head::build`), its nodes written, and its root compared with the certified
//! header's `state_root`. A root that differs means the snapshot is not the chain's state: the
//! caller discards the store.

use crate::storage::{Batch, Column, KvStore};
use crate::verify::head::build;
use shulian_runtime::Hash;
use shulian_runtime::smt::{key_hash, value_hash};
use shulian_runtime::snapshot::{ChunkError, SnapshotChunk};
use std::sync::Arc;

/// Operations written per batch while assembling.
const BATCH_OPS: usize = 16_384;

/// Why an assembled state was refused.
#[derive(Debug, thiserror::Error)]
pub enum AssembleError {
    /// A chunk does not follow the previous one.
    #[error(transparent)]
    Chunk(#[from] ChunkError),
    /// Writing failed.
    #[error(transparent)]
    Store(#[from] crate::storage::StoreError),
    /// The state is not the certified one.
    #[error("the snapshot's state hashes to {computed}, the certified header's state root is {certified}")]
    StateRoot {
        /// Root of the certified header.
        certified: Hash,
        /// Root of the assembled state.
        computed: Hash,
    },
    /// The tree could not be built.
    #[error("state tree: {0}")]
    Tree(String),
}

/// A state being assembled into a store, chunk by chunk.
pub struct Assembler {
    kv: Arc<dyn KvStore>,
    next: u32,
    last_key: Option<Vec<u8>>,
    leaves: Vec<(Hash, Hash)>,
    batch: Batch,
}

impl Assembler {
    /// Assembles into `kv`, whose state and tree columns must be empty.
    pub fn new(kv: Arc<dyn KvStore>) -> Self {
        Assembler { kv, next: 0, last_key: None, leaves: Vec::new(), batch: Batch::default() }
    }

    /// Adds the next chunk (already checked against its manifest hash).
    pub fn add(&mut self, chunk: SnapshotChunk) -> Result<(), AssembleError> {
        let index = self.next;
        if let (Some(last), Some((first, _))) = (&self.last_key, chunk.entries.first())
            && first <= last
        {
            return Err(ChunkError::Order { index }.into());
        }
        for (k, v) in chunk.entries {
            self.leaves.push((key_hash(&k), value_hash(&v)));
            self.last_key = Some(k.clone());
            self.batch.put(Column::State, k, v);
            self.flush_if_full()?;
        }
        self.next += 1;
        Ok(())
    }

    fn flush_if_full(&mut self) -> Result<(), AssembleError> {
        if self.batch.ops.len() >= BATCH_OPS {
            self.kv.write(std::mem::take(&mut self.batch))?;
        }
        Ok(())
    }

    /// Rebuilds the state tree, writes it, and checks its root is `certified`.
    pub fn finish(mut self, certified: Hash) -> Result<u64, AssembleError> {
        let mut leaves = std::mem::take(&mut self.leaves);
        leaves.sort_unstable();
        let mut batch = std::mem::take(&mut self.batch);
        let mut write_err = None;
        let kv = self.kv.clone();
        let computed = build(0, &leaves, &mut |key, node| {
            batch.put(Column::Smt, key.to_bytes().to_vec(), shulian_runtime::encode(&node).unwrap_or_default());
            if batch.ops.len() >= BATCH_OPS
                && let Err(e) = kv.write(std::mem::take(&mut batch))
            {
                write_err.get_or_insert(e);
            }
            Ok(())
        })
        .map_err(|e| AssembleError::Tree(e.to_string()))?;
        if let Some(e) = write_err {
            return Err(e.into());
        }
        if computed != certified {
            return Err(AssembleError::StateRoot { certified, computed });
        }
        kv.write(batch)?;
        Ok(leaves.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::tests::{enc, genesis, produce, transfer};
    use crate::chain::{Chain, ChainLimits};
    use crate::snapshot::disk;
    use crate::storage::{ChainStore, MemKv};
    use shulian_runtime::Height;
    use shulian_runtime::snapshot::check_chunk;

    /// Snapshots kept `keep`, in small chunks (so a test state makes several).
    fn policy(keep: usize) -> crate::snapshot::SnapshotPolicy {
        crate::snapshot::SnapshotPolicy { interval: 1, keep, chunk_bytes: 256 }
    }

    /// A chain of a few blocks with transfers, and its snapshot on disk.
    fn snapshot_of_chain() -> (Chain, tempfile::TempDir, shulian_runtime::snapshot::SnapshotManifest) {
        let chain =
            Chain::open(ChainStore::new(Arc::new(MemKv::default())), genesis(), ChainLimits::default()).expect("open");
        for (i, ts) in [20, 30, 40].into_iter().enumerate() {
            chain.submit(&enc(&transfer(1, i as u64, "unit"))).expect("admit");
            produce(&chain, ts);
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let m = {
            let view = chain.store().kv().view().expect("view");
            disk::write_snapshot(view.as_ref(), "unit", dir.path(), policy(3)).expect("snapshot")
        };
        (chain, dir, m)
    }

    #[test]
    fn a_snapshot_assembles_to_the_certified_root_and_the_node_it_makes_authenticates() {
        let (chain, dir, m) = snapshot_of_chain();
        assert_eq!((m.height, m.state_root), (chain.head().height, chain.head().state_root));
        assert!(m.entries > 0 && m.chunk_hashes.len() > 1, "{} chunks", m.chunk_hashes.len());
        let kv: Arc<dyn KvStore> = Arc::new(MemKv::default());
        let mut a = Assembler::new(kv.clone());
        for i in 0..m.chunk_hashes.len() as u32 {
            let bytes = disk::chunk(dir.path(), m.height, i, usize::MAX).expect("read").expect("held");
            a.add(check_chunk(&m, i, &bytes).expect("intact")).expect("add");
        }
        assert_eq!(a.finish(m.state_root).expect("the certified root"), m.entries);
        let headers = super::super::headers::tests::headers_of(&chain);
        let store = ChainStore::new(kv.clone());
        store.put_headers(&headers).expect("headers");
        let head = store.install_base(&genesis(), &headers[headers.len() - 1].0).expect("base");
        assert_eq!(head, chain.head());
        assert_eq!(store.bodies_from().expect("read"), Height(4));
        assert_eq!(store.header(Height(2)).expect("read"), chain.store().header(Height(2)).expect("read"));
        // The store it makes opens as a chain at the base and builds on it.
        let joined = Chain::open(store, genesis(), ChainLimits::default()).expect("open at the base");
        assert_eq!(joined.head(), chain.head());
        produce(&joined, 50);
        assert_eq!(joined.head().height, Height(4));
    }

    #[test]
    fn a_state_that_is_not_the_certified_one_is_refused() {
        let (_, dir, m) = snapshot_of_chain();
        let mut a = Assembler::new(Arc::new(MemKv::default()));
        let bytes = disk::chunk(dir.path(), m.height, 0, usize::MAX).expect("read").expect("held");
        let mut chunk = check_chunk(&m, 0, &bytes).expect("intact");
        // A forged manifest can list a forged chunk's hash: the root check still refuses it.
        chunk.entries[0].1.push(1);
        a.add(chunk).expect("in order");
        for i in 1..m.chunk_hashes.len() as u32 {
            let bytes = disk::chunk(dir.path(), m.height, i, usize::MAX).expect("read").expect("held");
            a.add(check_chunk(&m, i, &bytes).expect("intact")).expect("add");
        }
        assert!(matches!(a.finish(m.state_root), Err(AssembleError::StateRoot { .. })));
    }

    #[test]
    fn snapshots_are_kept_newest_first_and_only_whole_ones_are_listed() {
        let (chain, dir, m) = snapshot_of_chain();
        std::fs::create_dir(dir.path().join(".tmp-9")).expect("a crashed snapshot's folder");
        assert_eq!(disk::list(dir.path()).iter().map(|(h, _)| *h).collect::<Vec<_>>(), vec![m.height]);
        for ts in [50, 60, 70] {
            produce(&chain, ts);
            let view = chain.store().kv().view().expect("view");
            disk::write_snapshot(view.as_ref(), "unit", dir.path(), policy(2)).expect("snapshot");
        }
        let heights: Vec<u64> = disk::list(dir.path()).iter().map(|(h, _)| h.0).collect();
        assert_eq!(heights, vec![6, 5], "the newest two kept");
        assert!(disk::manifest(dir.path(), Height(3)).expect("read").is_none(), "the oldest removed");
        assert!(disk::chunk(dir.path(), Height(6), 99, usize::MAX).expect("read").is_none());
        assert!(disk::chunk(dir.path(), Height(6), 0, 1).is_err(), "over the cap");
    }
}
