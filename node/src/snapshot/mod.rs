//! State snapshots and state sync (`docs/operations.md`, "Joining by snapshot"; the format in
//! `docs/consensus.md`, "State snapshots"). A node takes a snapshot of its state every
//! `snapshot_interval` blocks, right after the block's write, from a point-in-time view of the
//! store, and keeps the last `snapshot_keep` under `HOME/snapshots/<height>/` (`disk.rs`, written
//! in a temporary folder and renamed, so a crash never leaves a half snapshot that is served); it
//! serves them, and headers with certificates, to its peers (`serve.rs`). A node started with an
//! empty database and `state_sync` joins from one (`join.rs`): it verifies the header chain from
//! genesis (`headers.rs`), fetches and checks each chunk against the manifest, assembles the state
//! and checks its root against the certified header (`assemble.rs`), then follows blocks by block
//! sync. It must never install a state whose root the certified header does not name.

pub mod assemble;
pub mod disk;
pub mod headers;
pub mod join;
pub mod serve;

/// How a node takes and keeps snapshots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SnapshotPolicy {
    /// A snapshot after every block whose height is a multiple of this; 0: none.
    pub interval: u64,
    /// How many snapshots are kept (the newest).
    pub keep: usize,
    /// The chunk target, bytes (`shulian_runtime::snapshot::Chunker::new`).
    pub chunk_bytes: usize,
}

/// Default `snapshot_interval`: a snapshot every 1 000 blocks.
pub const DEFAULT_SNAPSHOT_INTERVAL: u64 = 1_000;
/// Default `snapshot_keep`.
pub const DEFAULT_SNAPSHOT_KEEP: usize = 3;

/// Block bodies pruned per block written, at most: a node that turns pruning on with a long
/// history catches up over many blocks instead of stalling one write.
pub const PRUNE_STEP: u64 = 64;

/// What runs after each block write ([`crate::chain::Chain::set_after_write`]): a snapshot when one
/// is due, and a step of pruning when `prune_blocks_older_than` is set.
pub struct Maintenance {
    /// Snapshots, if taken.
    pub snapshots: Option<disk::Snapshotter>,
    /// The store and the depth below the head whose bodies are pruned, if pruning is on.
    pub prune: Option<(crate::storage::ChainStore, u64)>,
}

impl Maintenance {
    /// The hook for the block writer.
    pub fn into_hook(self) -> crate::chain::AfterWrite {
        std::sync::Arc::new(move |head| {
            if let Some(s) = &self.snapshots {
                s.after_write(head);
            }
            if let Some((store, depth)) = &self.prune {
                prune_step(store, head, *depth);
            }
        })
    }
}

/// Prunes up to [`PRUNE_STEP`] bodies older than `depth` blocks below `head`.
fn prune_step(store: &crate::storage::ChainStore, head: &crate::storage::Head, depth: u64) {
    let Some(below) = head.height.0.checked_sub(depth).filter(|b| *b > 1) else { return };
    match store.bodies_from() {
        Ok(from) if from.0 < below => {
            if let Err(e) = store.prune_bodies(shulian_runtime::Height(below), PRUNE_STEP) {
                tracing::warn!(target: "snapshot", height = head.height.0, error = %e, "cannot prune old block bodies");
            }
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(target: "snapshot", error = %e, "cannot read which bodies are held"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::tests::{enc, genesis, produce, transfer};
    use crate::chain::{Chain, ChainLimits};
    use crate::storage::{ChainStore, MemKv};
    use shulian_runtime::Height;
    use shulian_runtime::events::Subject;
    use std::sync::Arc;

    #[test]
    fn pruning_drops_old_bodies_and_keeps_headers_certificates_and_the_chain_going() {
        let chain =
            Chain::open(ChainStore::new(Arc::new(MemKv::default())), genesis(), ChainLimits::default()).expect("open");
        let mut txs = Vec::new();
        for (i, ts) in [20, 30, 40, 50].into_iter().enumerate() {
            let tx = transfer(1, i as u64, "unit");
            txs.push(tx.hash());
            chain.submit(&enc(&tx)).expect("admit");
            produce(&chain, ts);
        }
        let store = chain.store();
        let org2 = Subject::Account(shulian_runtime::test_utils::account(2));
        assert_eq!(store.events(&org2, None, 100).expect("events").len(), 4, "one event per transfer");
        // Depth 2: once block 5 is written, the bodies below 5 - 2 = 3 go.
        chain.set_after_write(Maintenance { snapshots: None, prune: Some((store.clone(), 2)) }.into_hook());
        produce(&chain, 60);
        assert_eq!(store.bodies_from().expect("read"), Height(3));
        for h in [1, 2] {
            assert!(store.block(Height(h)).expect("read").is_none(), "body {h} pruned");
            assert!(store.header(Height(h)).expect("read").is_some(), "header {h} kept");
            assert!(store.certificate(Height(h)).expect("read").is_some(), "certificate {h} kept");
            assert!(store.tx_location(&txs[h as usize - 1]).expect("read").is_none(), "tx index entry gone");
        }
        assert!(store.block(Height(3)).expect("read").is_some(), "younger bodies kept");
        assert!(store.tx_location(&txs[2]).expect("read").is_some());
        let events = store.events(&org2, None, 100).expect("the event index still reads");
        assert_eq!(events.iter().map(|(_, e)| e.height.0).collect::<Vec<_>>(), vec![3, 4]);
        assert_eq!(store.block_time(Height(1)).expect("read"), Some(20), "ledger time kept");
        // The header chain from genesis still verifies from what is kept.
        let headers: Vec<_> = (1..=chain.head().height.0)
            .map(|h| {
                let h = Height(h);
                (store.header(h).expect("read").expect("header"), store.certificate(h).expect("read").expect("cert"))
            })
            .collect();
        assert_eq!(headers::verify_header_chain(&genesis(), &headers).expect("verifies"), Height(5));
        produce(&chain, 70);
        assert_eq!(store.bodies_from().expect("read"), Height(4), "one more each block");
    }
}
