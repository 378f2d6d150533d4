//! What this node remembers from signature checks, so it does not repeat them: the transactions
//! whose signature it already checked (each signature is verified once per node: at admission, and
//! again only for block transactions the node never admitted; a transaction hash covers the
//! signature and everything signed, so a hit means these exact bytes were verified), and the
//! decoded public keys of recent signers. It must never change a verdict, only save work.

use shulian_runtime::sigcheck::{DecodedKey, KeyCache};
use shulian_runtime::{Hash, PublicKey};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::RwLock;

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

/// Most decoded public keys remembered.
const DECODED_KEYS_MAX: usize = 100_000;

/// Decoded public keys of recent signers, shared by every signature check of the node (admission,
/// block validation, on any thread): decoding a key takes a square root, and the same keys sign
/// again and again. Bounded: under a flood of new keys it starts over rather than grow.
#[derive(Debug, Default)]
pub struct DecodedKeys {
    map: RwLock<HashMap<PublicKey, DecodedKey>>,
}

impl DecodedKeys {
    /// An empty cache.
    pub fn new() -> Self {
        DecodedKeys::default()
    }

    /// Number of remembered keys.
    pub fn len(&self) -> usize {
        self.map.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// True when no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl KeyCache for DecodedKeys {
    fn get(&self, key: &PublicKey) -> Option<DecodedKey> {
        // A poisoned lock still holds decoded keys that are right: a key's decoding never changes.
        self.map.read().unwrap_or_else(|p| p.into_inner()).get(key).cloned()
    }

    fn insert(&self, key: &PublicKey, decoded: DecodedKey) {
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= DECODED_KEYS_MAX {
            map.clear();
        }
        map.insert(*key, decoded);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shulian_runtime::call::{Call, SettlementCall};
    use shulian_runtime::{AccountId, Fen, Transaction, UnsignedTransaction};

    #[test]
    fn decoded_keys_serve_every_check_of_a_signer_with_the_same_verdict() {
        let k = shulian_runtime::test_utils::key(5);
        let txs: Vec<Transaction> = (0..8u64)
            .map(|nonce| {
                UnsignedTransaction {
                    chain_id: "c".into(),
                    sender: k.public_key(),
                    nonce,
                    call: Call::Settlement(SettlementCall::Transfer { to: AccountId([0; 32]), amount: Fen(1) }),
                }
                .sign(&k)
            })
            .collect();
        let keys = DecodedKeys::new();
        let refs: Vec<&Transaction> = txs.iter().collect();
        assert!(Transaction::verify_many_with(&refs, "c", &keys).iter().all(Result::is_ok));
        assert_eq!(keys.len(), 1, "one signer, decoded once");
        let mut forged = txs[0].clone();
        forged.nonce += 100;
        assert_eq!(forged.verify_with("c", &keys), forged.verify("c"), "a cached key changes no verdict");
        assert!(forged.verify_with("c", &keys).is_err());
        assert_eq!(txs[1].verify_with("c", &keys), Ok(()));
    }

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
