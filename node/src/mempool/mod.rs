//! Mempool: signed, verified transactions waiting for a block, in arrival order, bounded in count
//! and bytes. It admits only a sender's exact next nonce, so what it hands to a proposer always
//! executes in order. It must never execute calls or touch storage.

pub mod verified;

use shulian_runtime::{AccountId, Hash, Transaction};
use std::collections::{BTreeMap, HashMap};

/// Limits of the mempool.
#[derive(Clone, Copy, Debug)]
pub struct MempoolConfig {
    /// Most transactions held.
    pub max_txs: usize,
    /// Most encoded bytes held.
    pub max_bytes: usize,
}

impl Default for MempoolConfig {
    fn default() -> Self {
        MempoolConfig { max_txs: 50_000, max_bytes: 64 * 1024 * 1024 }
    }
}

/// Why the mempool refuses a transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MempoolError {
    /// Already pending.
    #[error("transaction {0} is already pending")]
    Duplicate(Hash),
    /// Another pending transaction of the account has this nonce.
    #[error("nonce {got} of account {account} is already used by a pending transaction; next is {expected}")]
    NoncePending {
        /// Account.
        account: AccountId,
        /// Next free nonce.
        expected: u64,
        /// Given.
        got: u64,
    },
    /// The mempool is full: back-pressure, retry later.
    #[error("mempool is full ({txs} transactions, {bytes} bytes); retry later")]
    Full {
        /// Count held.
        txs: usize,
        /// Bytes held.
        bytes: usize,
    },
}

struct Entry {
    tx: Transaction,
    account: AccountId,
    hash: Hash,
    size: usize,
}

/// The pool.
pub struct Mempool {
    cfg: MempoolConfig,
    by_seq: BTreeMap<u64, Entry>,
    by_hash: HashMap<Hash, u64>,
    /// Per account: next nonce after its pending transactions, and how many are pending.
    accounts: HashMap<AccountId, (u64, usize)>,
    bytes: usize,
    seq: u64,
}

impl Mempool {
    /// An empty pool.
    pub fn new(cfg: MempoolConfig) -> Self {
        Mempool { cfg, by_seq: BTreeMap::new(), by_hash: HashMap::new(), accounts: HashMap::new(), bytes: 0, seq: 0 }
    }

    /// Number of pending transactions.
    pub fn len(&self) -> usize {
        self.by_seq.len()
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.by_seq.is_empty()
    }

    /// Whether `hash` is pending.
    pub fn contains(&self, hash: &Hash) -> bool {
        self.by_hash.contains_key(hash)
    }

    /// The next nonce `account` should use, given its committed next nonce.
    pub fn next_nonce(&self, account: &AccountId, committed: u64) -> u64 {
        self.accounts.get(account).map(|(n, _)| (*n).max(committed)).unwrap_or(committed)
    }

    /// Admits a verified transaction whose nonce is exactly `account`'s next one. `committed` is the
    /// account's next nonce in committed state; the caller refuses stale and future nonces first,
    /// with their own errors, so here a mismatch means another pending transaction holds the nonce.
    pub fn insert(
        &mut self,
        tx: Transaction,
        account: AccountId,
        hash: Hash,
        size: usize,
        committed: u64,
    ) -> Result<(), MempoolError> {
        if self.by_hash.contains_key(&hash) {
            return Err(MempoolError::Duplicate(hash));
        }
        let expected = self.next_nonce(&account, committed);
        if tx.nonce != expected {
            return Err(MempoolError::NoncePending { account, expected, got: tx.nonce });
        }
        if self.by_seq.len() >= self.cfg.max_txs || self.bytes + size > self.cfg.max_bytes {
            return Err(MempoolError::Full { txs: self.by_seq.len(), bytes: self.bytes });
        }
        let seq = self.seq;
        self.seq += 1;
        let acc = self.accounts.entry(account).or_insert((expected, 0));
        acc.0 = expected + 1;
        acc.1 += 1;
        self.bytes += size;
        self.by_hash.insert(hash, seq);
        self.by_seq.insert(seq, Entry { tx, account, hash, size });
        Ok(())
    }

    /// Up to `max_txs` transactions and `max_bytes` bytes, oldest first.
    pub fn reap(&self, max_txs: usize, max_bytes: usize) -> Vec<Transaction> {
        let mut out = Vec::new();
        let mut bytes = 0;
        for e in self.by_seq.values() {
            if out.len() >= max_txs || bytes + e.size > max_bytes {
                break;
            }
            bytes += e.size;
            out.push(e.tx.clone());
        }
        out
    }

    /// Removes transactions (committed, or found invalid).
    pub fn remove(&mut self, hashes: &[Hash]) {
        for h in hashes {
            let Some(seq) = self.by_hash.remove(h) else { continue };
            let Some(e) = self.by_seq.remove(&seq) else { continue };
            self.bytes -= e.size;
            if let Some(acc) = self.accounts.get_mut(&e.account) {
                acc.1 -= 1;
                if acc.1 == 0 {
                    self.accounts.remove(&e.account);
                }
            }
        }
    }

    /// Drops `hash` and every other pending transaction of its account (after one turned out
    /// invalid, the account's later ones cannot execute either). Returns the dropped hashes.
    pub fn remove_with_account(&mut self, hash: &Hash) -> Vec<Hash> {
        let Some(account) = self.by_hash.get(hash).and_then(|s| self.by_seq.get(s)).map(|e| e.account) else {
            return Vec::new();
        };
        let hashes: Vec<Hash> = self.by_seq.values().filter(|e| e.account == account).map(|e| e.hash).collect();
        self.remove(&hashes);
        self.accounts.remove(&account);
        hashes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shulian_runtime::call::{Call, SettlementCall};
    use shulian_runtime::{Fen, UnsignedTransaction};

    fn tx(seed: u8, nonce: u64) -> (Transaction, Hash) {
        let k = shulian_runtime::test_utils::key(seed);
        let t = UnsignedTransaction {
            chain_id: "c".into(),
            sender: k.public_key(),
            nonce,
            call: Call::Settlement(SettlementCall::Transfer { to: AccountId([0; 32]), amount: Fen(1) }),
        }
        .sign(&k);
        let h = t.hash();
        (t, h)
    }

    #[test]
    fn admits_only_the_next_nonce_and_refuses_duplicates() {
        let mut m = Mempool::new(MempoolConfig::default());
        let (t0, h0) = tx(1, 5);
        m.insert(t0.clone(), t0.account(), h0, 100, 5).expect("first");
        assert_eq!(m.insert(t0.clone(), t0.account(), h0, 100, 5), Err(MempoolError::Duplicate(h0)));
        let (t7, h7) = tx(1, 7);
        assert!(matches!(
            m.insert(t7.clone(), t7.account(), h7, 100, 5),
            Err(MempoolError::NoncePending { expected: 6, got: 7, .. })
        ));
        let (t6, h6) = tx(1, 6);
        m.insert(t6.clone(), t6.account(), h6, 100, 5).expect("next");
        assert_eq!(m.next_nonce(&tx(1, 0).0.account(), 5), 7);
        assert_eq!(m.reap(10, 1000).iter().map(|t| t.nonce).collect::<Vec<_>>(), vec![5, 6]);
        m.remove(&[h0, h6]);
        assert!(m.is_empty());
        assert_eq!(m.next_nonce(&tx(1, 0).0.account(), 7), 7);
    }

    #[test]
    fn full_pool_refuses_with_back_pressure() {
        let mut m = Mempool::new(MempoolConfig { max_txs: 1, max_bytes: 1000 });
        let (a, ha) = tx(1, 0);
        let (b, hb) = tx(2, 0);
        m.insert(a.clone(), a.account(), ha, 10, 0).expect("room");
        assert!(matches!(m.insert(b.clone(), b.account(), hb, 10, 0), Err(MempoolError::Full { txs: 1, .. })));
    }

    #[test]
    fn reap_respects_byte_budget() {
        let mut m = Mempool::new(MempoolConfig::default());
        for s in 1..=3u8 {
            let (t, h) = tx(s, 0);
            m.insert(t.clone(), t.account(), h, 100, 0).expect("insert");
        }
        assert_eq!(m.reap(10, 250).len(), 2);
        assert_eq!(m.reap(1, 1000).len(), 1);
    }
}
