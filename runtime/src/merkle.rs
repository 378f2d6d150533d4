//! A binary Merkle root over an ordered list (transactions and outcomes of a block), RFC 6962
//! style: leaves and inner nodes are hashed under different tags, an odd node is promoted.

use crate::domain::{LIST_LEAF, LIST_NODE};
use crate::hash::Hash;

/// The Merkle root of `leaves` (already hashes); `Hash::ZERO` for an empty list.
pub fn list_root(leaves: &[Hash]) -> Hash {
    if leaves.is_empty() {
        return Hash::ZERO;
    }
    let mut level: Vec<Hash> = leaves.iter().map(|h| Hash::tagged(LIST_LEAF, &h.0)).collect();
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [a, b] => Hash::tagged_parts(LIST_NODE, &[&a.0, &b.0]),
                [a] => *a,
                _ => Hash::ZERO,
            })
            .collect();
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
}
