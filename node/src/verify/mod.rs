//! Replays a node's stored ledger from genesis and checks it: every block's commit certificate
//! against the genesis validators, every transaction signature, and every block's state root by
//! re-executing it. Never writes to the store it checks (the replay runs on an in-memory copy).
//! [`head`] is the quicker check a restore makes: the head's certificate, the block links and the
//! state, without re-executing anything; [`partial`] what can be checked on a node that does not
//! hold every block body (started from a snapshot, or pruned).

pub mod head;
pub mod partial;

use crate::chain::{Chain, ChainError, ChainLimits};
use crate::storage::{ChainStore, MemKv, StoreError};
use shulian_runtime::genesis::Genesis;
use shulian_runtime::{Hash, Height};
use std::sync::Arc;

/// What a successful check saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedLedger {
    /// Height of the last block checked (the store's head).
    pub height: u64,
    /// Hash of that block.
    pub block_hash: Hash,
    /// State root after it, recomputed by the replay.
    pub state_root: Hash,
}

/// Why a stored ledger does not verify.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The store holds no chain.
    #[error("the database holds no chain (was the node ever started?)")]
    Empty,
    /// A block or certificate the head implies is missing.
    #[error("block {0} is missing from the database")]
    Missing(u64),
    /// A block fails its checks.
    #[error("block {height} does not verify: {source}")]
    Block {
        /// Its height.
        height: u64,
        /// What failed.
        source: Box<ChainError>,
    },
    /// The replay ended somewhere other than the stored head.
    #[error(
        "the stored head is block {} with state root {}, the replay gives {} with {}",
        .0.stored_hash,
        .0.stored_root,
        .0.replayed_hash,
        .0.replayed_root
    )]
    HeadMismatch(Box<HeadMismatch>),
    /// The genesis could not be replayed.
    #[error("genesis: {0}")]
    Genesis(ChainError),
}

/// Where a stored head and its replay differ.
#[derive(Debug)]
pub struct HeadMismatch {
    /// Stored head block hash.
    pub stored_hash: Hash,
    /// Stored head state root.
    pub stored_root: Hash,
    /// Replayed block hash.
    pub replayed_hash: Hash,
    /// Replayed state root.
    pub replayed_root: Hash,
}

/// Replays every block of `store` on a fresh in-memory chain built from `genesis`, calling
/// `progress(height, head)` after each block.
pub fn verify_ledger(
    store: &ChainStore,
    genesis: Genesis,
    progress: impl FnMut(u64, u64),
) -> Result<VerifiedLedger, VerifyError> {
    verify_ledger_up_to(store, genesis, shulian_runtime::valset::PROTOCOL_VERSION, progress)
}

/// [`verify_ledger`] by a release that runs protocol versions up to `max_protocol` (an upgrade
/// rehearsal's; a real release's is `valset::PROTOCOL_VERSION`).
pub fn verify_ledger_up_to(
    store: &ChainStore,
    genesis: Genesis,
    max_protocol: u32,
    mut progress: impl FnMut(u64, u64),
) -> Result<VerifiedLedger, VerifyError> {
    let head = store.head()?.ok_or(VerifyError::Empty)?;
    // Chain::open refuses a replay genesis that differs from the stored one.
    Chain::open(store.clone(), genesis.clone(), ChainLimits::default()).map_err(VerifyError::Genesis)?;
    let replay = Chain::open(ChainStore::new(Arc::new(MemKv::default())), genesis, ChainLimits::default())
        .map_err(VerifyError::Genesis)?;
    replay.set_max_protocol(max_protocol);
    for h in 1..=head.height.0 {
        let block = store.block(Height(h))?.ok_or(VerifyError::Missing(h))?;
        let cert = store.certificate(Height(h))?.ok_or(VerifyError::Missing(h))?;
        let bad = |source| VerifyError::Block { height: h, source: Box::new(source) };
        let exec = replay.validate(&block).map_err(bad)?;
        replay.commit(&block, &cert, exec).map_err(bad)?;
        progress(h, head.height.0);
    }
    let end = replay.head();
    if end.block_hash != head.block_hash || end.state_root != head.state_root {
        return Err(VerifyError::HeadMismatch(Box::new(HeadMismatch {
            stored_hash: head.block_hash,
            stored_root: head.state_root,
            replayed_hash: end.block_hash,
            replayed_root: end.state_root,
        })));
    }
    Ok(VerifiedLedger { height: end.height.0, block_hash: end.block_hash, state_root: end.state_root })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::tests::{enc, genesis, produce, transfer};
    use crate::storage::{Column, KvStore};
    use shulian_runtime::CommitCertificate;

    /// A three-block ledger with transfers, in memory.
    fn ledger() -> (Arc<MemKv>, ChainStore) {
        let kv = Arc::new(MemKv::default());
        let store = ChainStore::new(kv.clone());
        let chain = Chain::open(store.clone(), genesis(), ChainLimits::default()).expect("open");
        for (i, ts) in [100u64, 200, 300].into_iter().enumerate() {
            chain.submit(&enc(&transfer(1, i as u64, "unit"))).expect("submit");
            produce(&chain, ts);
        }
        (kv, store)
    }

    #[test]
    fn a_ledger_replays_to_its_stored_head() {
        let (_, store) = ledger();
        let head = store.head().expect("head").expect("some head");
        let mut seen = Vec::new();
        let v = verify_ledger(&store, genesis(), |h, of| seen.push((h, of))).expect("verifies");
        assert_eq!((v.height, v.block_hash, v.state_root), (3, head.block_hash, head.state_root));
        assert_eq!(seen, vec![(1, 3), (2, 3), (3, 3)]);
    }

    #[test]
    fn a_certificate_without_signatures_fails_at_its_height() {
        let (kv, store) = ledger();
        let mut cert = store.certificate(Height(2)).expect("read").expect("cert");
        cert.signatures.clear();
        let mut b = crate::storage::Batch::default();
        b.put(Column::Certs, 2u64.to_be_bytes(), borsh::to_vec::<CommitCertificate>(&cert).expect("enc"));
        kv.write(b).expect("write");
        match verify_ledger(&store, genesis(), |_, _| {}) {
            Err(VerifyError::Block { height: 2, .. }) => {}
            other => panic!("expected block 2 to fail, got {other:?}"),
        }
    }

    #[test]
    fn a_changed_transaction_fails_at_its_height() {
        let (kv, store) = ledger();
        let mut block = store.block(Height(3)).expect("read").expect("block");
        block.txs[0] = transfer(2, 0, "unit");
        let mut b = crate::storage::Batch::default();
        b.put(Column::Blocks, 3u64.to_be_bytes(), borsh::to_vec(&block).expect("enc"));
        kv.write(b).expect("write");
        assert!(matches!(verify_ledger(&store, genesis(), |_, _| {}), Err(VerifyError::Block { height: 3, .. })));
    }

    #[test]
    fn another_genesis_is_refused() {
        let (_, store) = ledger();
        let mut other = genesis();
        other.chain_id = "other".into();
        assert!(matches!(verify_ledger(&store, other, |_, _| {}), Err(VerifyError::Genesis(_))));
    }
}
