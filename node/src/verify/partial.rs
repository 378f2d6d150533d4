//! What `verify` checks on a node that does not hold every block body (it started from a state
//! snapshot, or prunes old bodies): every header from genesis to the head with its commit
//! certificate, as one chain (`snapshot::headers::HeaderChain`, the check state sync makes); the
//! state at the head recomputed from every stored value to the head's certified state root (and
//! the stored tree being that state's); and each block body it holds against its header's
//! `tx_root` and `outcomes_root`. What it cannot do is re-execute the blocks: the state before
//! them is not held, so the transactions of the blocks are not replayed.

use super::head::{AuthError, check_links_from, check_state};
use crate::snapshot::headers::{HeaderChain, HeaderError};
use crate::storage::{ChainStore, KvStore, StoreError};
use shulian_runtime::genesis::Genesis;
use shulian_runtime::valset;
use shulian_runtime::{Hash, Height};
use std::sync::Arc;

/// What a check of a node without every body saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedHeaders {
    /// The head's height.
    pub height: u64,
    /// Its block hash, at the end of the certified header chain.
    pub block_hash: Hash,
    /// Its certified state root, which the stored state hashes to.
    pub state_root: Hash,
    /// The lowest height whose body is held (bodies from here to the head were checked against
    /// their headers' roots).
    pub bodies_from: u64,
    /// State keys hashed.
    pub state_keys: u64,
}

/// Why such a node's ledger does not verify.
#[derive(Debug, thiserror::Error)]
pub enum PartialError {
    /// The header chain breaks.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// A header or certificate is missing, the state or a body does not match.
    #[error(transparent)]
    Auth(#[from] AuthError),
}

/// Checks the ledger in `kv` against `genesis` as the module comment says.
pub fn verify_headers_and_state(kv: Arc<dyn KvStore>, genesis: &Genesis) -> Result<VerifiedHeaders, PartialError> {
    let store = ChainStore::new(kv.clone());
    let head = store.head().map_err(AuthError::from)?.ok_or(AuthError::Empty)?;
    let mut chain = HeaderChain::from_genesis(genesis);
    let mut batch = Vec::with_capacity(1024);
    for h in 1..=head.height.0 {
        let missing = |what| AuthError::Missing { what, height: h };
        let header = store.header(Height(h)).map_err(AuthError::from)?.ok_or(missing("header"))?;
        let cert = store.certificate(Height(h)).map_err(AuthError::from)?.ok_or(missing("certificate"))?;
        batch.push((header, cert));
        if batch.len() == 1024 || h == head.height.0 {
            // The sets the headers announce are read from state, where every set ever in force
            // stays under its hash (`valset::set_by_hash`).
            let mut read_err = None;
            let extended = chain.extend(&batch, |hash| match valset::set_by_hash(&store, hash) {
                Ok(s) => s,
                Err(e) => {
                    read_err = Some(e);
                    None
                }
            });
            if let Some(e) = read_err {
                return Err(AuthError::Store(StoreError::Backend(e.to_string())).into());
            }
            extended?;
            batch.clear();
        }
    }
    if chain.hash() != head.block_hash {
        return Err(AuthError::Block {
            height: head.height.0,
            detail: "the head record is not the certified head".into(),
        }
        .into());
    }
    let bodies_from = store.bodies_from().map_err(AuthError::from)?;
    check_links_from(&store, bodies_from, head.height)?;
    let state_keys = check_state(kv.as_ref(), head.state_root)?;
    Ok(VerifiedHeaders {
        height: head.height.0,
        block_hash: head.block_hash,
        state_root: head.state_root,
        bodies_from: bodies_from.0,
        state_keys,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::tests::{enc, genesis, produce, transfer};
    use crate::chain::{Chain, ChainLimits};
    use crate::storage::{Batch, Column, MemKv};

    #[test]
    fn a_pruned_ledger_verifies_by_headers_and_state_and_a_changed_one_does_not() {
        let kv: Arc<dyn KvStore> = Arc::new(MemKv::default());
        let chain = Chain::open(ChainStore::new(kv.clone()), genesis(), ChainLimits::default()).expect("open");
        for (i, ts) in [20, 30, 40, 50].into_iter().enumerate() {
            chain.submit(&enc(&transfer(1, i as u64, "unit"))).expect("admit");
            produce(&chain, ts);
        }
        chain.store().prune_bodies(Height(3), 10).expect("prune");
        let v = verify_headers_and_state(kv.clone(), &genesis()).expect("verifies");
        assert_eq!((v.height, v.bodies_from, v.state_root), (4, 3, chain.head().state_root));
        // A changed state value: the root no longer is the certified one.
        let key = kv.scan(Column::State, &[], None, 1).expect("scan").remove(0).0;
        let mut b = Batch::default();
        b.put(Column::State, key, b"forged".to_vec());
        kv.write(b).expect("write");
        assert!(matches!(
            verify_headers_and_state(kv, &genesis()),
            Err(PartialError::Auth(AuthError::StateRoot { .. }))
        ));
    }
}
