//! A binary Merkle root over an ordered list (transactions and outcomes of a block), RFC 6962
//! style: leaves and inner nodes are hashed under different tags, an odd node is promoted.

use crate::domain::{LIST_LEAF, LIST_NODE};
use crate::hash::Hash;
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Most siblings a list proof can need: a list of up to 2^64 items. A proof with more is refused
/// before any hashing.
pub const MAX_PROOF_SIBLINGS: usize = 64;

/// The path from one item of a list to the list's [`list_root`]: the item's position, the list's
/// length, and the sibling at each level where the item's node has one (bottom up; a node
/// promoted alone at a level has none).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListProof {
    /// Position of the item, from 0.
    pub index: u32,
    /// Items in the list.
    pub count: u32,
    /// Sibling nodes, bottom up.
    pub siblings: Vec<Hash>,
}

/// The hashed leaves of a list: the bottom level of its tree.
fn leaf_level(leaves: &[Hash]) -> Vec<Hash> {
    leaves.iter().map(|h| Hash::tagged(LIST_LEAF, &h.0)).collect()
}

/// The level above `level`: each pair hashed under [`LIST_NODE`], an odd last node promoted.
fn parent_level(level: &[Hash]) -> Vec<Hash> {
    level
        .chunks(2)
        .map(|pair| match pair {
            [a, b] => Hash::tagged_parts(LIST_NODE, &[&a.0, &b.0]),
            [a] => *a,
            _ => Hash::ZERO,
        })
        .collect()
}

/// The proof that `leaves[index]` is in the list whose root is `list_root(leaves)`; `None` if
/// `index` is out of range.
pub fn list_proof(leaves: &[Hash], index: usize) -> Option<ListProof> {
    if index >= leaves.len() {
        return None;
    }
    let count = u32::try_from(leaves.len()).ok()?;
    let mut level = leaf_level(leaves);
    let mut i = index;
    let mut siblings = Vec::new();
    while level.len() > 1 {
        let sibling = if i % 2 == 1 { level.get(i - 1) } else { level.get(i + 1) };
        siblings.extend(sibling.copied());
        level = parent_level(&level);
        i /= 2;
    }
    Some(ListProof { index: u32::try_from(index).ok()?, count, siblings })
}

/// Whether `proof` shows that `leaf` (an item's hash, as given to [`list_root`]) is at
/// `proof.index` of a list of `proof.count` items with root `root`. Every sibling must be used,
/// exactly.
pub fn verify_list_proof(root: &Hash, leaf: &Hash, proof: &ListProof) -> bool {
    if proof.index >= proof.count || proof.siblings.len() > MAX_PROOF_SIBLINGS {
        return false;
    }
    let (mut i, mut len) = (u64::from(proof.index), u64::from(proof.count));
    let mut node = Hash::tagged(LIST_LEAF, &leaf.0);
    let mut siblings = proof.siblings.iter();
    while len > 1 {
        if i % 2 == 1 {
            let Some(s) = siblings.next() else { return false };
            node = Hash::tagged_parts(LIST_NODE, &[&s.0, &node.0]);
        } else if i + 1 < len {
            let Some(s) = siblings.next() else { return false };
            node = Hash::tagged_parts(LIST_NODE, &[&node.0, &s.0]);
        }
        i /= 2;
        len = len.div_ceil(2);
    }
    siblings.next().is_none() && node == *root
}

/// The Merkle root of `leaves` (already hashes); `Hash::ZERO` for an empty list.
pub fn list_root(leaves: &[Hash]) -> Hash {
    if leaves.is_empty() {
        return Hash::ZERO;
    }
    let mut level = leaf_level(leaves);
    while level.len() > 1 {
        level = parent_level(&level);
    }
    level.first().copied().unwrap_or(Hash::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_depends_on_every_leaf_and_order() {
        let a = Hash::tagged(b"x", b"a");
        let b = Hash::tagged(b"x", b"b");
        let c = Hash::tagged(b"x", b"c");
        assert_ne!(list_root(&[a, b, c]), list_root(&[b, a, c]));
        assert_ne!(list_root(&[a, b, c]), list_root(&[a, b]));
        assert_ne!(list_root(&[a]), a);
        assert_eq!(list_root(&[]), Hash::ZERO);
    }

    #[test]
    fn every_item_of_every_list_length_is_proven_and_nothing_else_is() {
        for n in 1..=17usize {
            let leaves: Vec<Hash> = (0..n).map(|i| Hash::tagged(b"x", &i.to_be_bytes())).collect();
            let root = list_root(&leaves);
            for (i, leaf) in leaves.iter().enumerate() {
                let p = list_proof(&leaves, i).expect("every item has a proof");
                assert!(verify_list_proof(&root, leaf, &p), "item {i} of {n}");
                // Another item, another position, another length, a changed or extra sibling.
                let other = leaves[(i + 1) % n];
                assert!(n == 1 || !verify_list_proof(&root, &other, &p), "item {i} of {n}: another leaf");
                let moved = ListProof { index: ((i + 1) % n) as u32, ..p.clone() };
                assert!(n == 1 || !verify_list_proof(&root, leaf, &moved), "item {i} of {n}: another index");
                let mut extra = p.clone();
                extra.siblings.push(Hash::ZERO);
                assert!(!verify_list_proof(&root, leaf, &extra), "item {i} of {n}: an extra sibling");
                if let Some(first) = p.siblings.first() {
                    let mut bent = p.clone();
                    bent.siblings[0] = Hash::tagged(b"y", &first.0);
                    assert!(!verify_list_proof(&root, leaf, &bent), "item {i} of {n}: a changed sibling");
                }
            }
            assert!(list_proof(&leaves, n).is_none());
        }
    }

    /// A fixed vector: the explorer's `verifyListProof` must accept exactly this.
    #[test]
    fn list_proof_vector() {
        let leaves: Vec<Hash> = (0..5u8).map(|i| Hash::tagged(b"x", &[i])).collect();
        let p = list_proof(&leaves, 4).expect("a proof");
        assert_eq!((p.index, p.count, p.siblings.len()), (4, 5, 1), "the fifth of five is promoted twice");
        let p = list_proof(&leaves, 2).expect("a proof");
        assert_eq!(p.siblings.len(), 3);
        assert!(verify_list_proof(&list_root(&leaves), &leaves[2], &p));
    }
}
