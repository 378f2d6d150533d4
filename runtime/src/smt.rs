//! The state commitment: a compressed binary sparse Merkle tree over blake3.
//!
//! Each state key `k` sits at the path `blake3("shulian/state/key" || k)` (256 bits). A subtree that
//! holds a single leaf is stored as that leaf, at the shallowest depth where its path is unique, so
//! a tree with n keys is about log2(n) deep and an update touches only those nodes. An empty subtree
//! hashes to `Hash::ZERO`. Nodes are addressed by (depth, path prefix) and live in the node store, so
//! the root is updated incrementally and a proof is the list of sibling hashes from the root down.

use crate::domain::{SMT_LEAF, SMT_NODE, STATE_KEY, STATE_VALUE};
use crate::hash::Hash;
use crate::state::{StateReader, StorageError};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The path of a state key in the tree.
pub fn key_hash(key: &[u8]) -> Hash {
    Hash::tagged(STATE_KEY, key)
}

/// The hash committed for a stored value.
pub fn value_hash(value: &[u8]) -> Hash {
    Hash::tagged(STATE_VALUE, value)
}

/// The hash of a leaf.
pub fn leaf_hash(key_hash: &Hash, value_hash: &Hash) -> Hash {
    Hash::tagged_parts(SMT_LEAF, &[&key_hash.0, &value_hash.0])
}

/// The hash of an inner node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    Hash::tagged_parts(SMT_NODE, &[&left.0, &right.0])
}

/// Where a node sits: its depth and the first `depth` bits of its path (the rest zeroed).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, BorshSerialize, BorshDeserialize)]
pub struct NodeKey {
    /// Depth from the root (0 = root).
    pub depth: u16,
    /// The path prefix.
    pub path: [u8; 32],
}

impl NodeKey {
    /// The node at `depth` on the way to `path`.
    pub fn new(depth: usize, path: &Hash) -> NodeKey {
        let mut p = [0u8; 32];
        let full = depth / 8;
        p[..full].copy_from_slice(&path.0[..full]);
        if !depth.is_multiple_of(8) && full < 32 {
            let mask = 0xffu8 << (8 - depth % 8);
            p[full] = path.0[full] & mask;
        }
        NodeKey { depth: depth as u16, path: p }
    }

    /// The root's key.
    pub fn root() -> NodeKey {
        NodeKey { depth: 0, path: [0u8; 32] }
    }

    /// Fixed-width bytes for a key-value store: depth (big-endian) then path.
    pub fn to_bytes(&self) -> [u8; 34] {
        let mut b = [0u8; 34];
        b[..2].copy_from_slice(&self.depth.to_be_bytes());
        b[2..].copy_from_slice(&self.path);
        b
    }

    /// The sibling of this node (same depth, last path bit flipped).
    fn sibling(&self) -> NodeKey {
        let mut s = *self;
        if self.depth > 0 {
            let i = (self.depth - 1) as usize;
            s.path[i / 8] ^= 1 << (7 - (i % 8));
        }
        s
    }
}

/// A stored tree node.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum SmtNode {
    /// An inner node with the hashes of its two children (`Hash::ZERO` = empty).
    Internal {
        /// Left child (next bit 0).
        left: Hash,
        /// Right child (next bit 1).
        right: Hash,
    },
    /// The only key in this subtree.
    Leaf {
        /// The key's path.
        key_hash: Hash,
        /// The value's hash.
        value_hash: Hash,
    },
}

impl SmtNode {
    /// This node's hash.
    pub fn hash(&self) -> Hash {
        match self {
            SmtNode::Internal { left, right } => node_hash(left, right),
            SmtNode::Leaf { key_hash, value_hash } => leaf_hash(key_hash, value_hash),
        }
    }
}

/// What a subtree became in a batched update ([`TreeUpdate::apply`]).
enum Batch {
    Empty,
    /// A single leaf, not stored yet: its parent places it (or it floats further up).
    Leaf(Hash, Hash),
    /// An inner node, already written, with its hash.
    Node(Hash),
    /// A child no change reached, as stored at that key, with its hash.
    Untouched(NodeKey, Hash),
}

/// The longest path a key can have; two distinct blake3 outputs always differ before it.
const MAX_DEPTH: usize = 256;

/// A proof that a key holds a value under a state root.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Proof {
    /// Sibling hashes from the root (index 0) down to the leaf's parent.
    pub siblings: Vec<Hash>,
}

/// Why a proof does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The recomputed root differs.
    #[error("proof does not lead to the state root: computed {computed}, expected {expected}")]
    RootMismatch {
        /// Root from the proof.
        computed: Hash,
        /// Claimed root.
        expected: Hash,
    },
    /// Too many siblings.
    #[error("proof is longer than 256 levels")]
    TooLong,
}

impl Proof {
    /// Checks that `key` holds `value` under `root`.
    pub fn verify(&self, root: &Hash, key: &[u8], value: &[u8]) -> Result<(), ProofError> {
        if self.siblings.len() > MAX_DEPTH {
            return Err(ProofError::TooLong);
        }
        let kh = key_hash(key);
        let mut cur = leaf_hash(&kh, &value_hash(value));
        for (depth, sib) in self.siblings.iter().enumerate().rev() {
            cur = if kh.bit(depth) { node_hash(sib, &cur) } else { node_hash(&cur, sib) };
        }
        if cur == *root { Ok(()) } else { Err(ProofError::RootMismatch { computed: cur, expected: *root }) }
    }
}

/// The current root of the tree in `store`.
pub fn root<S: StateReader + ?Sized>(store: &S) -> Result<Hash, StorageError> {
    Ok(store.get_node(&NodeKey::root())?.map(|n| n.hash()).unwrap_or(Hash::ZERO))
}

/// Builds the inclusion proof of `key`, or `None` if the key is not in the tree.
pub fn prove<S: StateReader + ?Sized>(store: &S, key: &[u8]) -> Result<Option<Proof>, StorageError> {
    let kh = key_hash(key);
    let mut siblings = Vec::new();
    for depth in 0..MAX_DEPTH {
        match store.get_node(&NodeKey::new(depth, &kh))? {
            None => return Ok(None),
            Some(SmtNode::Leaf { key_hash, .. }) => {
                return Ok((key_hash == kh).then_some(Proof { siblings }));
            }
            Some(SmtNode::Internal { left, right }) => siblings.push(if kh.bit(depth) { left } else { right }),
        }
    }
    Ok(None)
}

/// Applies key/value changes to the tree, writing node changes into `nodes` (read through to
/// `base`), and returns the new root. Changes must be real: a `None` for a key that was present.
pub struct TreeUpdate<'a, S: StateReader + ?Sized> {
    base: &'a S,
    /// Node writes (None = delete).
    pub nodes: BTreeMap<NodeKey, Option<SmtNode>>,
}

/// What a subtree became after a removal.
enum Sub {
    Empty,
    /// A single leaf, already removed from the store: the parent must place it.
    Floating(Hash, Hash),
    Node(Hash),
}

impl<'a, S: StateReader + ?Sized> TreeUpdate<'a, S> {
    /// Starts an update over `base`.
    pub fn new(base: &'a S) -> Self {
        TreeUpdate { base, nodes: BTreeMap::new() }
    }

    fn get(&self, k: &NodeKey) -> Result<Option<SmtNode>, StorageError> {
        match self.nodes.get(k) {
            Some(n) => Ok(n.clone()),
            None => self.base.get_node(k),
        }
    }

    fn put(&mut self, k: NodeKey, n: SmtNode) -> Hash {
        let h = n.hash();
        self.nodes.insert(k, Some(n));
        h
    }

    fn del(&mut self, k: NodeKey) {
        self.nodes.insert(k, None);
    }

    /// Sets `key_hash` to `value_hash`.
    pub fn insert(&mut self, kh: Hash, vh: Hash) -> Result<(), StorageError> {
        self.insert_at(0, kh, vh).map(|_| ())
    }

    fn insert_at(&mut self, depth: usize, kh: Hash, vh: Hash) -> Result<Hash, StorageError> {
        if depth >= MAX_DEPTH {
            return Err(StorageError::Corrupt("state tree deeper than 256 levels".into()));
        }
        let nk = NodeKey::new(depth, &kh);
        let (mut left, mut right) = match self.get(&nk)? {
            None => return Ok(self.put(nk, SmtNode::Leaf { key_hash: kh, value_hash: vh })),
            Some(SmtNode::Leaf { key_hash, .. }) if key_hash == kh => {
                return Ok(self.put(nk, SmtNode::Leaf { key_hash: kh, value_hash: vh }));
            }
            Some(SmtNode::Leaf { key_hash: ok, value_hash: ov }) => {
                // Push the resident leaf one level down; the node here becomes inner.
                let h = self.put(NodeKey::new(depth + 1, &ok), SmtNode::Leaf { key_hash: ok, value_hash: ov });
                if ok.bit(depth) { (Hash::ZERO, h) } else { (h, Hash::ZERO) }
            }
            Some(SmtNode::Internal { left, right }) => (left, right),
        };
        let child = self.insert_at(depth + 1, kh, vh)?;
        if kh.bit(depth) {
            right = child;
        } else {
            left = child;
        }
        Ok(self.put(nk, SmtNode::Internal { left, right }))
    }

    /// Removes `key_hash`, which must be present.
    pub fn remove(&mut self, kh: Hash) -> Result<(), StorageError> {
        if let Sub::Floating(k, v) = self.remove_at(0, kh)? {
            self.put(NodeKey::root(), SmtNode::Leaf { key_hash: k, value_hash: v });
        }
        Ok(())
    }

    fn remove_at(&mut self, depth: usize, kh: Hash) -> Result<Sub, StorageError> {
        if depth >= MAX_DEPTH {
            return Err(StorageError::Corrupt("state tree deeper than 256 levels".into()));
        }
        let nk = NodeKey::new(depth, &kh);
        let (left, right) = match self.get(&nk)? {
            Some(SmtNode::Leaf { key_hash, .. }) if key_hash == kh => {
                self.del(nk);
                return Ok(Sub::Empty);
            }
            None | Some(SmtNode::Leaf { .. }) => {
                return Err(StorageError::Corrupt(format!("state tree has no leaf for key {kh}")));
            }
            Some(SmtNode::Internal { left, right }) => (left, right),
        };
        let go_right = kh.bit(depth);
        let sibling = if go_right { left } else { right };
        let child = self.remove_at(depth + 1, kh)?;
        let child_hash = match child {
            Sub::Node(h) => h,
            Sub::Empty | Sub::Floating(..) if sibling == Hash::ZERO => {
                // Only this child was here: the whole subtree is what the child became.
                self.del(nk);
                return Ok(child);
            }
            Sub::Empty => {
                let sib_key = NodeKey::new(depth + 1, &kh).sibling();
                if let Some(SmtNode::Leaf { key_hash, value_hash }) = self.get(&sib_key)? {
                    // The sibling is a lone leaf: it floats up to take this node's place.
                    self.del(sib_key);
                    self.del(nk);
                    return Ok(Sub::Floating(key_hash, value_hash));
                }
                Hash::ZERO
            }
            Sub::Floating(k, v) => self.put(NodeKey::new(depth + 1, &k), SmtNode::Leaf { key_hash: k, value_hash: v }),
        };
        let (l, r) = if go_right { (left, child_hash) } else { (child_hash, right) };
        Ok(Sub::Node(self.put(nk, SmtNode::Internal { left: l, right: r })))
    }

    /// Applies many changes at once: `(key path, Some(value hash))` sets a key, `(key path, None)`
    /// removes one that is present. Gives exactly the tree that [`TreeUpdate::insert`] and
    /// [`TreeUpdate::remove`] one by one would (the tree's shape depends only on its contents), but
    /// reads and hashes every touched node once, instead of once per key below it: a block's
    /// thousands of keys share the top of their paths. A path given twice keeps its last change.
    pub fn apply(&mut self, mut changes: Vec<(Hash, Option<Hash>)>) -> Result<(), StorageError> {
        // Stable sort, then keep the last change of each path.
        changes.sort_by_key(|c| c.0);
        let mut dedup: Vec<(Hash, Option<Hash>)> = Vec::with_capacity(changes.len());
        for c in changes {
            match dedup.last_mut() {
                Some(last) if last.0 == c.0 => *last = c,
                _ => dedup.push(c),
            }
        }
        if dedup.is_empty() {
            return Ok(());
        }
        let root = NodeKey::root();
        match self.update_at(0, root, &dedup)? {
            Batch::Node(_) | Batch::Untouched(..) => {}
            Batch::Empty => self.del(root),
            Batch::Leaf(k, v) => {
                self.put(root, SmtNode::Leaf { key_hash: k, value_hash: v });
            }
        }
        Ok(())
    }

    /// Applies `changes` (sorted, all under `nk`) to the subtree at `nk`.
    fn update_at(
        &mut self,
        depth: usize,
        nk: NodeKey,
        changes: &[(Hash, Option<Hash>)],
    ) -> Result<Batch, StorageError> {
        if depth >= MAX_DEPTH {
            return Err(StorageError::Corrupt("state tree deeper than 256 levels".into()));
        }
        match self.get(&nk)? {
            Some(SmtNode::Internal { left, right }) => {
                let split = changes.partition_point(|(k, _)| !k.bit(depth));
                let (l, r) = changes.split_at(split);
                let left = self.child(depth, nk, false, left, l)?;
                let right = self.child(depth, nk, true, right, r)?;
                self.join(depth, nk, left, right)
            }
            // A lone leaf, or nothing: the subtree's whole contents are known, so rebuild it.
            existing => {
                let mut entries: Vec<(Hash, Hash)> = Vec::with_capacity(changes.len() + 1);
                let resident = match existing {
                    Some(SmtNode::Leaf { key_hash, value_hash }) => {
                        self.del(nk);
                        Some((key_hash, value_hash))
                    }
                    _ => None,
                };
                for (k, v) in changes {
                    match v {
                        Some(v) => entries.push((*k, *v)),
                        None if resident.is_some_and(|(rk, _)| rk == *k) => {}
                        None => return Err(StorageError::Corrupt(format!("state tree has no leaf for key {k}"))),
                    }
                }
                // The resident leaf stays unless a change names it.
                if let Some((rk, rv)) = resident
                    && changes.binary_search_by(|(k, _)| k.cmp(&rk)).is_err()
                {
                    let at = entries.partition_point(|(k, _)| *k < rk);
                    entries.insert(at, (rk, rv));
                }
                self.build(depth, nk, &entries)
            }
        }
    }

    /// The new state of one child of the internal node at `nk`: untouched when no change falls
    /// in it.
    fn child(
        &mut self,
        depth: usize,
        nk: NodeKey,
        right: bool,
        hash: Hash,
        changes: &[(Hash, Option<Hash>)],
    ) -> Result<Batch, StorageError> {
        let ck = Self::child_key(depth, nk, right);
        match (changes.is_empty(), hash == Hash::ZERO) {
            (true, true) => Ok(Batch::Empty),
            (true, false) => Ok(Batch::Untouched(ck, hash)),
            (false, _) => self.update_at(depth + 1, ck, changes),
        }
    }

    /// The key of the left or right child of `nk` (at `depth`).
    fn child_key(depth: usize, nk: NodeKey, right: bool) -> NodeKey {
        let mut path = nk.path;
        if right {
            path[depth / 8] |= 1 << (7 - (depth % 8));
        }
        NodeKey { depth: (depth + 1) as u16, path }
    }

    /// Writes the node at `nk` from what its two children became.
    fn join(&mut self, depth: usize, nk: NodeKey, left: Batch, right: Batch) -> Result<Batch, StorageError> {
        let (only, only_right) = match (left, right) {
            (Batch::Empty, Batch::Empty) => {
                self.del(nk);
                return Ok(Batch::Empty);
            }
            (Batch::Empty, r) => (r, true),
            (l, Batch::Empty) => (l, false),
            (l, r) => {
                let l = self.place(depth, nk, false, l);
                let r = self.place(depth, nk, true, r);
                return Ok(Batch::Node(self.put(nk, SmtNode::Internal { left: l, right: r })));
            }
        };
        // One child is left: a lone leaf floats up to take this node's place; a subtree stays.
        match self.float(only)? {
            Batch::Leaf(k, v) => {
                self.del(nk);
                Ok(Batch::Leaf(k, v))
            }
            kept => {
                let h = self.place(depth, nk, only_right, kept);
                let (l, r) = if only_right { (Hash::ZERO, h) } else { (h, Hash::ZERO) };
                Ok(Batch::Node(self.put(nk, SmtNode::Internal { left: l, right: r })))
            }
        }
    }

    /// An untouched child that turns out to be a lone leaf is lifted out of its place.
    fn float(&mut self, b: Batch) -> Result<Batch, StorageError> {
        match b {
            Batch::Untouched(ck, h) => match self.get(&ck)? {
                Some(SmtNode::Leaf { key_hash, value_hash }) => {
                    self.del(ck);
                    Ok(Batch::Leaf(key_hash, value_hash))
                }
                Some(SmtNode::Internal { .. }) => Ok(Batch::Node(h)),
                None => Err(StorageError::Corrupt(format!("state tree node {h} is missing"))),
            },
            other => Ok(other),
        }
    }

    /// Places a child under the node at `nk` and returns its hash.
    fn place(&mut self, depth: usize, nk: NodeKey, right: bool, b: Batch) -> Hash {
        match b {
            Batch::Empty => Hash::ZERO,
            Batch::Node(h) | Batch::Untouched(_, h) => h,
            Batch::Leaf(k, v) => {
                self.put(Self::child_key(depth, nk, right), SmtNode::Leaf { key_hash: k, value_hash: v })
            }
        }
    }

    /// A subtree holding exactly `entries` (sorted, distinct) at `nk`, built from nothing.
    fn build(&mut self, depth: usize, nk: NodeKey, entries: &[(Hash, Hash)]) -> Result<Batch, StorageError> {
        match entries {
            [] => Ok(Batch::Empty),
            [(k, v)] => Ok(Batch::Leaf(*k, *v)),
            _ if depth >= MAX_DEPTH => Err(StorageError::Corrupt("state tree deeper than 256 levels".into())),
            _ => {
                let split = entries.partition_point(|(k, _)| !k.bit(depth));
                let (l, r) = entries.split_at(split);
                let left = self.build(depth + 1, Self::child_key(depth, nk, false), l)?;
                let right = self.build(depth + 1, Self::child_key(depth, nk, true), r)?;
                let l = self.place(depth, nk, false, left);
                let r = self.place(depth, nk, true, right);
                Ok(Batch::Node(self.put(nk, SmtNode::Internal { left: l, right: r })))
            }
        }
    }

    /// The root after the changes so far.
    pub fn root(&self) -> Result<Hash, StorageError> {
        Ok(self.get(&NodeKey::root())?.map(|n| n.hash()).unwrap_or(Hash::ZERO))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{ChangeSet, MemState};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// Applies kv changes to a MemState the way block execution does.
    fn apply(state: &mut MemState, changes: &[(Vec<u8>, Option<Vec<u8>>)]) -> Hash {
        let mut upd = TreeUpdate::new(&*state);
        let mut kv = BTreeMap::new();
        for (k, v) in changes {
            let present = match kv.get(k) {
                Some(pending) => Option::is_some(pending),
                None => upd.base.get(k).ok().flatten().is_some(),
            };
            match v {
                Some(v) => upd.insert(key_hash(k), value_hash(v)).expect("insert"),
                None if present => upd.remove(key_hash(k)).expect("remove"),
                None => {}
            }
            kv.insert(k.clone(), v.clone());
        }
        let root = upd.root().expect("root");
        let nodes = upd.nodes;
        state.apply(ChangeSet { kv, nodes });
        root
    }

    /// Root of a tree built from scratch with exactly `map`'s contents.
    fn fresh_root(map: &BTreeMap<Vec<u8>, Vec<u8>>) -> Hash {
        let mut s = MemState::default();
        let changes: Vec<_> = map.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect();
        apply(&mut s, &changes)
    }

    #[test]
    fn empty_tree_has_zero_root() {
        assert_eq!(root(&MemState::default()), Ok(Hash::ZERO));
    }

    #[test]
    fn proof_verifies_and_tampered_proof_does_not() {
        let mut s = MemState::default();
        let changes: Vec<_> = (0u32..50).map(|i| (i.to_be_bytes().to_vec(), Some(vec![i as u8; 3]))).collect();
        let r = apply(&mut s, &changes);
        let key = 17u32.to_be_bytes();
        let proof = prove(&s, &key).expect("storage").expect("present");
        assert_eq!(proof.verify(&r, &key, &[17u8; 3]), Ok(()));
        // Wrong value, wrong key, tampered sibling: all refused.
        assert!(proof.verify(&r, &key, &[18u8; 3]).is_err());
        assert!(proof.verify(&r, &18u32.to_be_bytes(), &[17u8; 3]).is_err());
        let mut bad = proof.clone();
        bad.siblings[0].0[0] ^= 1;
        assert!(bad.verify(&r, &key, &[17u8; 3]).is_err());
        assert_eq!(prove(&s, b"absent").expect("storage"), None);
    }

    /// Applies kv changes with one batched [`TreeUpdate::apply`]; returns the root.
    fn apply_batched(state: &mut MemState, changes: &[(Vec<u8>, Option<Vec<u8>>)]) -> Hash {
        let mut kv: BTreeMap<Vec<u8>, Option<Vec<u8>>> = BTreeMap::new();
        for (k, v) in changes {
            kv.insert(k.clone(), v.clone());
        }
        let mut upd = TreeUpdate::new(&*state);
        let mut tree = Vec::new();
        let mut kept = BTreeMap::new();
        for (k, v) in kv {
            match &v {
                Some(value) => tree.push((key_hash(&k), Some(value_hash(value)))),
                None if upd.base.get(&k).ok().flatten().is_some() => tree.push((key_hash(&k), None)),
                None => continue,
            }
            kept.insert(k, v);
        }
        upd.apply(tree).expect("apply");
        let root = upd.root().expect("root");
        let nodes = upd.nodes;
        state.apply(ChangeSet { kv: kept, nodes });
        root
    }

    #[test]
    fn batched_update_of_thousands_of_keys_matches_one_by_one() {
        let (mut one, mut many) = (MemState::default(), MemState::default());
        let first: Vec<_> = (0u32..3_000).map(|i| (i.to_be_bytes().to_vec(), Some(vec![i as u8]))).collect();
        assert_eq!(apply(&mut one, &first), apply_batched(&mut many, &first));
        // Change a third, remove a third, add new ones.
        let second: Vec<_> = (0u32..4_000)
            .filter(|i| i % 3 != 0)
            .map(|i| (i.to_be_bytes().to_vec(), (i % 3 == 1).then(|| vec![7, i as u8])))
            .collect();
        assert_eq!(apply(&mut one, &second), apply_batched(&mut many, &second));
        assert_eq!(one.nodes, many.nodes);
        assert_eq!(one.kv, many.kv);
    }

    proptest! {
        /// A batched update writes exactly the nodes and root that one-by-one updates do, from any
        /// starting tree, for any mix of sets, overwrites and removals.
        #[test]
        fn batched_update_equals_one_by_one(
            base in proptest::collection::vec((0u8..60, any::<u8>()), 0..80),
            ops in proptest::collection::vec((0u8..60, proptest::option::of(any::<u8>())), 1..80),
        ) {
            let (mut one, mut many) = (MemState::default(), MemState::default());
            let base: Vec<_> = base.iter().map(|(k, v)| (vec![*k], Some(vec![*v]))).collect();
            prop_assert_eq!(apply(&mut one, &base), apply_batched(&mut many, &base));
            for chunk in ops.chunks(9) {
                let changes: Vec<_> = chunk.iter().map(|(k, v)| (vec![*k], v.map(|b| vec![b]))).collect();
                prop_assert_eq!(apply(&mut one, &changes), apply_batched(&mut many, &changes));
                prop_assert_eq!(&one.nodes, &many.nodes);
            }
        }
    }

    proptest! {
        /// The root depends only on the contents, never on the order of inserts and deletes, and
        /// every present key has a proof that verifies.
        #[test]
        fn root_is_a_function_of_contents(ops in proptest::collection::vec((0u8..40, proptest::option::of(any::<u8>())), 1..120)) {
            let mut s = MemState::default();
            let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
            for chunk in ops.chunks(7) {
                let changes: Vec<_> = chunk.iter().map(|(k, v)| (vec![*k], v.map(|b| vec![b]))).collect();
                let r = apply(&mut s, &changes);
                for (k, v) in &changes {
                    match v { Some(v) => { model.insert(k.clone(), v.clone()); } None => { model.remove(k); } }
                }
                prop_assert_eq!(r, fresh_root(&model));
            }
            let r = root(&s).expect("root");
            for (k, v) in &model {
                let p = prove(&s, k).expect("storage").expect("present");
                prop_assert!(p.verify(&r, k, v).is_ok());
            }
            // Deleting everything leaves no node behind.
            let all: Vec<_> = model.keys().map(|k| (k.clone(), None)).collect();
            prop_assert_eq!(apply(&mut s, &all), Hash::ZERO);
            prop_assert!(s.nodes.is_empty());
        }
    }
}
