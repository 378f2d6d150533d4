//! Authenticates a ledger copy from its head, without re-executing it: what `restore` checks
//! before a backup becomes a node's database. A backup file's checksum only catches damage (an
//! attacker who alters the file recomputes it); this check ties the data to the chain's
//! validators instead:
//!
//! 1. the stored genesis is the one the operator provides;
//! 2. the head block has a commit certificate signed by more than 2/3 of the power of the
//!    validator set in force at its height, for that very block, and the head record matches its
//!    header; the set in force is followed from the genesis validators through every header that
//!    announces a new one, each certified by the set before it (`valset::SetTracker`);
//! 3. every stored block down to genesis links to its parent by hash, and its transactions and
//!    outcomes hash to the roots its header commits to, so one certificate vouches for them all;
//! 4. the state root recomputed from every stored state value is the head's certified
//!    `state_root`, and the stored state-tree nodes are exactly the tree those values make (so
//!    proofs and the next block's update start from the certified state).
//!
//! A copy without old block bodies (a node started from a state snapshot, or pruned) is checked
//! by its header chain from genesis instead (`partial.rs`).
//!
//! Not covered: the derived indexes (tx index, event index), older blocks' certificates (the head's
//! vouches for their hashes), and the consensus log (the validator's own record of what it signed,
//! which no certificate covers). `shulian-node verify` replays every block from genesis.

use crate::chain::{Chain, ChainLimits};
use crate::storage::{ChainStore, Column, KvStore, MemKv, StoreError};
use shulian_runtime::block::CertificateError;
use shulian_runtime::genesis::Genesis;
use shulian_runtime::merkle::list_root;
use shulian_runtime::smt::{NodeKey, SmtNode, key_hash, value_hash};
use shulian_runtime::valset::{self, SetTracker};
use shulian_runtime::{Block, Hash, Height, ValidatorSet};
use std::sync::Arc;

/// How many entries one scan of a column reads at a time: big enough that a scan of millions
/// of state keys is a few thousand calls, small enough to keep a page's memory a few MB.
const SCAN_PAGE: usize = 4096;

/// The deepest a state-tree node can be: two distinct 256-bit paths differ before it.
const MAX_DEPTH: usize = 256;

/// What an authenticated ledger copy holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthenticatedHead {
    /// Height of the head.
    pub height: Height,
    /// Its block hash, signed by the certificate.
    pub block_hash: Hash,
    /// Its state root, recomputed from the stored state.
    pub state_root: Hash,
    /// Number of state keys hashed.
    pub state_keys: u64,
}

/// Why a ledger copy is not authentic.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The store holds no chain.
    #[error("the database holds no chain")]
    Empty,
    /// The stored genesis is not the operator's.
    #[error("the database's genesis is {stored}, the home's genesis.json is {expected}")]
    Genesis {
        /// Hash of the stored genesis.
        stored: Hash,
        /// Hash of the provided genesis.
        expected: Hash,
    },
    /// A block or certificate the head implies is missing.
    #[error("the {what} at height {height} is missing")]
    Missing {
        /// Block, certificate or outcomes.
        what: &'static str,
        /// Height.
        height: u64,
    },
    /// The head's certificate does not prove the head block final.
    #[error("the head block {height} has no valid commit certificate from the validators in force: {source}")]
    Certificate {
        /// Height of the head.
        height: u64,
        /// What failed.
        source: CertificateError,
    },
    /// The chain of validator sets from genesis breaks.
    #[error(transparent)]
    SetChain(#[from] shulian_runtime::valset::SetChainError),
    /// A record or block does not match what the certified chain says.
    #[error("block {height}: {detail}")]
    Block {
        /// Height.
        height: u64,
        /// What differs.
        detail: String,
    },
    /// The stored state does not hash to the certified state root.
    #[error("the stored state hashes to {computed}, but the certified head's state root is {certified}")]
    StateRoot {
        /// Root of the head block's header.
        certified: Hash,
        /// Root recomputed from the stored state values.
        computed: Hash,
    },
    /// The stored state-tree nodes differ from the tree the state values make.
    #[error("the stored state tree differs from the stored state: {0}")]
    Tree(String),
}

fn block_err(height: u64, detail: impl Into<String>) -> AuthError {
    AuthError::Block { height, detail: detail.into() }
}

/// Authenticates the ledger in `kv` against `genesis` (see the module comment).
pub fn authenticate_head(kv: Arc<dyn KvStore>, genesis: &Genesis) -> Result<AuthenticatedHead, AuthError> {
    let store = ChainStore::new(kv.clone());
    let stored = store.genesis()?.ok_or(AuthError::Empty)?;
    if stored.hash() != genesis.hash() {
        return Err(AuthError::Genesis { stored: stored.hash(), expected: genesis.hash() });
    }
    if store.bodies_from()?.0 > 1 {
        // A node started from a state snapshot or pruned: its header chain, not its old blocks.
        let v = super::partial::verify_headers_and_state(kv, genesis).map_err(|e| match e {
            super::partial::PartialError::Auth(a) => a,
            super::partial::PartialError::Header(h) => block_err(h.height(), h.to_string()),
        })?;
        return Ok(AuthenticatedHead {
            height: Height(v.height),
            block_hash: v.block_hash,
            state_root: v.state_root,
            state_keys: v.state_keys,
        });
    }
    let head = store.head()?.ok_or(AuthError::Empty)?;
    let h = head.height.0;
    let certified_root = if h == 0 {
        // No block yet: the head must be the genesis state, which the genesis itself fixes.
        let fresh = Chain::open(ChainStore::new(Arc::new(MemKv::default())), genesis.clone(), ChainLimits::default())
            .map_err(|e| block_err(0, format!("the genesis does not build: {e}")))?;
        let g = fresh.head();
        if head.block_hash != g.block_hash || head.state_root != g.state_root {
            return Err(block_err(0, "the head record is not the genesis state"));
        }
        g.state_root
    } else {
        let block = store.block(head.height)?.ok_or(AuthError::Missing { what: "block", height: h })?;
        let cert = store.certificate(head.height)?.ok_or(AuthError::Missing { what: "certificate", height: h })?;
        let signers = signers_at(&store, genesis, head.height)?;
        cert.verify(&block.header, &signers).map_err(|source| AuthError::Certificate { height: h, source })?;
        if head.block_hash != block.hash()
            || head.state_root != block.header.state_root
            || head.timestamp_ms != block.header.timestamp_ms
        {
            return Err(block_err(h, "the head record does not match the certified head block"));
        }
        let root = block.header.state_root;
        check_links(&store, genesis, block)?;
        root
    };
    let state_keys = check_state(kv.as_ref(), certified_root)?;
    Ok(AuthenticatedHead { height: head.height, block_hash: head.block_hash, state_root: certified_root, state_keys })
}

/// The validator set that signs block `height`, followed from the genesis validators through every
/// stored header before it that announces a new set (certified by the set before it; the set's
/// members read from state by their hash).
fn signers_at(store: &ChainStore, genesis: &Genesis, height: Height) -> Result<ValidatorSet, AuthError> {
    let mut sets = SetTracker::new(genesis.validator_set());
    for h in 1..height.0 {
        let header = store.block(Height(h))?.ok_or(AuthError::Missing { what: "block", height: h })?.header;
        if sets.changes_at(&header) {
            let cert = store.certificate(Height(h))?.ok_or(AuthError::Missing { what: "certificate", height: h })?;
            let mut lookup_err = None;
            sets.advance(&header, Some(&cert), |hash| match valset::set_by_hash(store, hash) {
                Ok(s) => s,
                Err(e) => {
                    lookup_err = Some(e);
                    None
                }
            })
            .map_err(|e| match lookup_err.take() {
                Some(st) => AuthError::Store(StoreError::Backend(st.to_string())),
                None => AuthError::SetChain(e),
            })?;
        }
    }
    Ok(sets.signers().clone())
}

/// Walks from the certified `head` block down to genesis: each block is the one its child names,
/// and its transactions and outcomes hash to its header's roots.
fn check_links(store: &ChainStore, genesis: &Genesis, head: Block) -> Result<(), AuthError> {
    let mut expected = head.hash();
    let mut next = Some(head);
    let mut h = next.as_ref().map(|b| b.header.height.0).unwrap_or(0);
    while h > 0 {
        let block = match next.take() {
            Some(b) => b,
            None => store.block(Height(h))?.ok_or(AuthError::Missing { what: "block", height: h })?,
        };
        if block.hash() != expected {
            return Err(block_err(
                h,
                format!("stored block {} is not the {} its child links to", block.hash(), expected),
            ));
        }
        if block.header.height != Height(h) || block.header.chain_id != genesis.chain_id {
            return Err(block_err(h, "the header names another height or chain"));
        }
        if Block::compute_tx_root(&block.txs) != block.header.tx_root {
            return Err(block_err(h, "the stored transactions do not match the header's tx_root"));
        }
        let outcomes = store.outcomes(Height(h))?.ok_or(AuthError::Missing { what: "outcomes", height: h })?;
        let hashes: Vec<Hash> = outcomes.iter().map(|o| o.hash()).collect();
        if outcomes.len() != block.txs.len() || list_root(&hashes) != block.header.outcomes_root {
            return Err(block_err(h, "the stored outcomes do not match the header's outcomes_root"));
        }
        expected = block.header.parent_hash;
        h -= 1;
    }
    if expected != genesis.hash() {
        return Err(block_err(1, "the first block does not link to the genesis"));
    }
    Ok(())
}

/// Checks each stored body from `from` to `to` against its header (the body held, its transactions
/// and outcomes hashing to the header's roots), for a node that holds no body below `from`.
pub(crate) fn check_links_from(store: &ChainStore, from: Height, to: Height) -> Result<(), AuthError> {
    for h in from.0..=to.0 {
        let header = store.header(Height(h))?.ok_or(AuthError::Missing { what: "header", height: h })?;
        let block = store.block(Height(h))?.ok_or(AuthError::Missing { what: "block", height: h })?;
        if block.header != header {
            return Err(block_err(h, "the stored block is not its header's"));
        }
        if Block::compute_tx_root(&block.txs) != header.tx_root {
            return Err(block_err(h, "the stored transactions do not match the header's tx_root"));
        }
        let outcomes = store.outcomes(Height(h))?.ok_or(AuthError::Missing { what: "outcomes", height: h })?;
        let hashes: Vec<Hash> = outcomes.iter().map(|o| o.hash()).collect();
        if outcomes.len() != block.txs.len() || list_root(&hashes) != header.outcomes_root {
            return Err(block_err(h, "the stored outcomes do not match the header's outcomes_root"));
        }
    }
    Ok(())
}

/// Every entry of column `c`, page by page.
fn scan_all(
    kv: &dyn KvStore,
    c: Column,
    mut each: impl FnMut(Vec<u8>, Vec<u8>) -> Result<(), AuthError>,
) -> Result<(), AuthError> {
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = kv.scan(c, &[], after.as_deref(), SCAN_PAGE)?;
        let full = page.len() == SCAN_PAGE;
        for (k, v) in page {
            after = Some(k.clone());
            each(k, v)?;
        }
        if !full {
            return Ok(());
        }
    }
}

/// Recomputes the state root from every stored state value and checks it is `certified`, then
/// that the stored tree nodes are exactly that tree's; returns the number of keys. The root is
/// compared first, so a changed value is reported as what it is (the state is not the certified
/// one) rather than as a tree node that no longer matches it.
pub(crate) fn check_state(kv: &dyn KvStore, certified: Hash) -> Result<u64, AuthError> {
    let mut leaves: Vec<(Hash, Hash)> = Vec::new();
    scan_all(kv, Column::State, |k, v| {
        leaves.push((key_hash(&k), value_hash(&v)));
        Ok(())
    })?;
    leaves.sort_unstable();
    let mut nodes = 0u64;
    let mut differs: Option<String> = None;
    let computed = build(0, &leaves, &mut |key, node| {
        nodes += 1;
        if differs.is_some() {
            return Ok(());
        }
        let stored = kv.get(Column::Smt, &key.to_bytes())?;
        let stored: Option<SmtNode> = match stored.map(|b| borsh::from_slice(&b)).transpose() {
            Ok(n) => n,
            Err(e) => {
                differs = Some(format!("node at depth {} does not decode: {e}", key.depth));
                return Ok(());
            }
        };
        if stored.as_ref() != Some(&node) {
            differs = Some(format!("node at depth {} is missing or differs", key.depth));
        }
        Ok(())
    })?;
    if computed != certified {
        return Err(AuthError::StateRoot { certified, computed });
    }
    if let Some(d) = differs {
        return Err(AuthError::Tree(d));
    }
    let mut stored_nodes = 0u64;
    scan_all(kv, Column::Smt, |_, _| {
        stored_nodes += 1;
        Ok(())
    })?;
    if stored_nodes != nodes {
        return Err(AuthError::Tree(format!("{stored_nodes} nodes are stored, the state makes {nodes}")));
    }
    Ok(leaves.len() as u64)
}

/// The hash of the compressed subtree at `depth` holding `leaves` (sorted by path, all sharing
/// their first `depth` bits), calling `visit` with each node of it: a single key is a leaf at the
/// shallowest depth where its path is unique, an empty subtree hashes to zero, anything else is
/// an inner node over its two halves. This is the tree `runtime::smt` maintains incrementally,
/// whose shape depends only on its contents.
pub(crate) fn build(
    depth: usize,
    leaves: &[(Hash, Hash)],
    visit: &mut impl FnMut(NodeKey, SmtNode) -> Result<(), AuthError>,
) -> Result<Hash, AuthError> {
    let (kh, vh) = match leaves {
        [] => return Ok(Hash::ZERO),
        [one] => *one,
        [first, ..] => {
            if depth >= MAX_DEPTH {
                return Err(AuthError::Tree("two state keys share a 256-bit path".into()));
            }
            let split = leaves.partition_point(|(k, _)| !k.bit(depth));
            let left = build(depth + 1, &leaves[..split], visit)?;
            let right = build(depth + 1, &leaves[split..], visit)?;
            let node = SmtNode::Internal { left, right };
            let hash = node.hash();
            visit(NodeKey::new(depth, &first.0), node)?;
            return Ok(hash);
        }
    };
    let node = SmtNode::Leaf { key_hash: kh, value_hash: vh };
    let hash = node.hash();
    visit(NodeKey::new(depth, &kh), node)?;
    Ok(hash)
}

#[cfg(test)]
mod tests;
