//! A bounded memory of transactions whose signature this node has already checked, so that each
//! signature is verified once per node: at admission, and again only for block transactions the
//! node never admitted. A transaction hash covers the signature and everything signed, so a hit
//! means these exact bytes were verified.

use shulian_runtime::Hash;
use std::collections::{HashSet, VecDeque};

/// Hashes of verified transactions, oldest evicted first once `capacity` is reached.
pub struct VerifiedCache {
    capacity: usize,
    set: HashSet<Hash>,
    order: VecDeque<Hash>,
}

impl VerifiedCache {
    /// An empty cache holding at most `capacity` hashes.
    pub fn new(capacity: usize) -> Self {
        VerifiedCache { capacity: capacity.max(1), set: HashSet::new(), order: VecDeque::new() }
    }

    /// Whether `hash`'s signature was verified (and not yet evicted).
    pub fn contains(&self, hash: &Hash) -> bool {
        self.set.contains(hash)
    }

    /// Remembers that `hash`'s signature verified.
    pub fn insert(&mut self, hash: Hash) {
        if !self.set.insert(hash) {
            return;
        }
        self.order.push_back(hash);
        while self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
    }

    /// Number of remembered hashes.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oldest_hash_is_forgotten_at_capacity() {
        let mut c = VerifiedCache::new(2);
        let h = |i: u8| Hash::tagged(b"t", &[i]);
        c.insert(h(1));
        c.insert(h(2));
        c.insert(h(2));
        assert_eq!(c.len(), 2);
        c.insert(h(3));
        assert!(!c.contains(&h(1)) && c.contains(&h(2)) && c.contains(&h(3)));
    }
}
