//! Mempool: signed, verified transactions waiting for a block, in arrival order, bounded in count
//! and bytes, in total and per sender (an organization's account: one sender cannot keep the pool
//! full for everyone else). It admits only a sender's exact next nonce, so what it hands to a
//! proposer always executes in order. It must never execute calls or touch storage.
//!
//! Beside the pool, a small bounded park holds transactions relayed by peers whose nonce is a
//! little ahead of their sender's next one (an earlier nonce's relay message was dropped, or
//! arrived later): they join the pool, in order, once the gap is filled by relay or by a block.
//! Without the park each of them is refused, and every later nonce of that sender after it, and
//! all of them wait for their entry node's turn to propose.

pub mod verified;

use shulian_runtime::{AccountId, Hash, Transaction};
use std::collections::{BTreeMap, HashMap};

/// Most transactions a pool holds by default: about 10 s of the benchmark's committed rate.
pub const DEFAULT_MAX_TXS: usize = 50_000;
/// Most encoded bytes a pool holds by default: 1 000 maximal (64 KiB) transactions, or the whole
/// [`DEFAULT_MAX_TXS`] at 1.3 KiB each (an ordinary transfer or receipt is a few hundred bytes).
pub const DEFAULT_MAX_BYTES: usize = 64 * 1024 * 1024;
/// One sender's default share of the pool is 1/8 of its count and bytes: keeping every node's
/// pool full then takes at least eight organizations' keys, while one department's gateway still
/// has thousands of transactions in flight (6 250 of the default 50 000, several blocks' worth).
pub const SENDER_SHARE_DIVISOR: usize = 8;
/// The least a sender's default count share is, whatever the pool size: 256 transactions, so a
/// small pool (a dev box's `mempool_max_txs = 1000`) still lets a busy sender keep a few blocks'
/// worth pending instead of being throttled to a handful.
pub const MIN_SENDER_TXS: usize = 256;
/// The least a sender's default byte share is: 1 MiB, 256 transactions of 4 KiB, more than any
/// ordinary call needs.
pub const MIN_SENDER_BYTES: usize = 1024 * 1024;

/// Most relayed transactions parked ahead of their sender's next nonce, in all.
pub const MAX_PARKED_TXS: usize = 4_096;
/// Most encoded bytes parked, in all.
pub const MAX_PARKED_BYTES: usize = 8 * 1024 * 1024;
/// How far ahead of its sender's next nonce a relayed transaction may be parked.
pub const PARK_AHEAD: u64 = 256;
/// Blocks a parked transaction waits for its gap to fill before it is dropped (its entry node
/// still holds it and proposes it in its turn).
pub const PARK_BLOCKS: u64 = 32;

/// Limits of the mempool.
#[derive(Clone, Copy, Debug)]
pub struct MempoolConfig {
    /// Most transactions held.
    pub max_txs: usize,
    /// Most encoded bytes held.
    pub max_bytes: usize,
    /// Most transactions held from one sender account.
    pub sender_max_txs: usize,
    /// Most encoded bytes held from one sender account.
    pub sender_max_bytes: usize,
}

impl MempoolConfig {
    /// A pool of `max_txs` and `max_bytes` with the default per-sender share: 1/8 of each
    /// ([`SENDER_SHARE_DIVISOR`]), at least [`MIN_SENDER_TXS`] and [`MIN_SENDER_BYTES`], at most
    /// the whole pool.
    pub fn with_pool(max_txs: usize, max_bytes: usize) -> Self {
        MempoolConfig {
            max_txs,
            max_bytes,
            sender_max_txs: (max_txs / SENDER_SHARE_DIVISOR).max(MIN_SENDER_TXS).min(max_txs),
            sender_max_bytes: (max_bytes / SENDER_SHARE_DIVISOR).max(MIN_SENDER_BYTES).min(max_bytes),
        }
    }
}

impl Default for MempoolConfig {
    fn default() -> Self {
        MempoolConfig::with_pool(DEFAULT_MAX_TXS, DEFAULT_MAX_BYTES)
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
    /// The sender already holds its share of the pool: back-pressure for this sender only, retry
    /// once some of its pending transactions are committed.
    #[error(
        "account {account} already has {txs} pending transactions ({bytes} bytes), its share of the \
         mempool ({max_txs} transactions, {max_bytes} bytes); retry after some of them are committed"
    )]
    SenderShare {
        /// The sender.
        account: AccountId,
        /// Its pending count.
        txs: usize,
        /// Its pending bytes.
        bytes: usize,
        /// Its count share.
        max_txs: usize,
        /// Its byte share.
        max_bytes: usize,
    },
}

/// What the pool holds for one sender.
#[derive(Clone, Copy, Debug)]
struct Sender {
    /// Next nonce after its pending transactions.
    next: u64,
    /// How many are pending.
    txs: usize,
    /// Their encoded bytes.
    bytes: usize,
}

struct Entry {
    tx: Transaction,
    account: AccountId,
    hash: Hash,
    size: usize,
}

/// A parked transaction and the height after which it was parked.
struct Parked {
    entry: Entry,
    since: u64,
}

/// The pool.
pub struct Mempool {
    cfg: MempoolConfig,
    by_seq: BTreeMap<u64, Entry>,
    by_hash: HashMap<Hash, u64>,
    /// Per sender account: its next nonce and what it holds.
    accounts: HashMap<AccountId, Sender>,
    bytes: usize,
    seq: u64,
    /// Relayed transactions ahead of their sender's next nonce, by sender and nonce.
    parked: BTreeMap<AccountId, BTreeMap<u64, Parked>>,
    parked_txs: usize,
    parked_bytes: usize,
    /// The last committed height the pool was told of.
    height: u64,
}

impl Mempool {
    /// An empty pool.
    pub fn new(cfg: MempoolConfig) -> Self {
        Mempool {
            cfg,
            by_seq: BTreeMap::new(),
            by_hash: HashMap::new(),
            accounts: HashMap::new(),
            bytes: 0,
            seq: 0,
            parked: BTreeMap::new(),
            parked_txs: 0,
            parked_bytes: 0,
            height: 0,
        }
    }

    /// Parked transactions (relayed, ahead of their sender's next nonce).
    pub fn parked(&self) -> usize {
        self.parked_txs
    }

    /// Parks a verified relayed transaction whose nonce is ahead of `account`'s next one (given
    /// its committed next nonce); false when it is too far ahead or the park is full (the caller
    /// refuses it as a future nonce). A nonce parked already keeps its first transaction.
    pub fn park(&mut self, tx: Transaction, account: AccountId, hash: Hash, size: usize, committed: u64) -> bool {
        let next = self.next_nonce(&account, committed);
        if tx.nonce <= next
            || tx.nonce - next > PARK_AHEAD
            || self.parked_txs >= MAX_PARKED_TXS
            || self.parked_bytes + size > MAX_PARKED_BYTES
        {
            return false;
        }
        let since = self.height;
        if let std::collections::btree_map::Entry::Vacant(slot) =
            self.parked.entry(account).or_default().entry(tx.nonce)
        {
            slot.insert(Parked { entry: Entry { tx, account, hash, size }, since });
            self.parked_txs += 1;
            self.parked_bytes += size;
        }
        true
    }

    /// Moves `account`'s parked transactions that now follow its next nonce into the pool, in
    /// order, and drops those behind it; returns how many joined. One the pool refuses (full, or
    /// the sender's share) stays parked.
    pub fn unpark(&mut self, account: &AccountId, committed: u64) -> usize {
        if self.parked_txs == 0 {
            return 0;
        }
        let Some(mut held) = self.parked.remove(account) else { return 0 };
        let mut joined = 0;
        loop {
            let next = self.next_nonce(account, committed);
            // Behind the next nonce: committed, or another transaction of that nonce is pending.
            while let Some(e) = held.first_entry().filter(|e| *e.key() < next) {
                let p = e.remove();
                self.parked_txs -= 1;
                self.parked_bytes -= p.entry.size;
            }
            let Some(e) = held.first_entry().filter(|e| *e.key() == next) else { break };
            let p = e.remove();
            let Entry { tx, account, hash, size } = p.entry;
            match self.insert(tx.clone(), account, hash, size, committed) {
                Ok(()) => {
                    self.parked_txs -= 1;
                    self.parked_bytes -= size;
                    joined += 1;
                }
                Err(_) => {
                    held.insert(next, Parked { entry: Entry { tx, account, hash, size }, since: p.since });
                    break;
                }
            }
        }
        if !held.is_empty() {
            self.parked.insert(*account, held);
        }
        joined
    }

    /// After the block at `height` is committed: `committed` holds, for each sender in it, its next
    /// nonce now; their parked transactions join the pool if they follow it, and those parked
    /// more than [`PARK_BLOCKS`] blocks ago are dropped. Returns how many joined.
    pub fn after_commit(&mut self, height: u64, committed: impl IntoIterator<Item = (AccountId, u64)>) -> usize {
        self.height = height;
        if self.parked_txs == 0 {
            return 0;
        }
        let joined = committed.into_iter().map(|(a, n)| self.unpark(&a, n)).sum();
        let oldest = height.saturating_sub(PARK_BLOCKS);
        let (mut txs, mut bytes) = (0, 0);
        self.parked.retain(|_, held| {
            held.retain(|_, p| {
                let keep = p.since >= oldest;
                if !keep {
                    txs += 1;
                    bytes += p.entry.size;
                }
                keep
            });
            !held.is_empty()
        });
        self.parked_txs -= txs;
        self.parked_bytes -= bytes;
        joined
    }

    /// Number of pending transactions.
    pub fn len(&self) -> usize {
        self.by_seq.len()
    }

    /// Bytes of the pending transactions.
    pub fn bytes(&self) -> usize {
        self.bytes
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
        self.accounts.get(account).map(|a| a.next.max(committed)).unwrap_or(committed)
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
        // The sender's share first: a sender at its share is told so (its own back-pressure),
        // even when the pool is also full.
        let held = self.accounts.get(&account).copied().unwrap_or(Sender { next: expected, txs: 0, bytes: 0 });
        if held.txs >= self.cfg.sender_max_txs || held.bytes + size > self.cfg.sender_max_bytes {
            return Err(MempoolError::SenderShare {
                account,
                txs: held.txs,
                bytes: held.bytes,
                max_txs: self.cfg.sender_max_txs,
                max_bytes: self.cfg.sender_max_bytes,
            });
        }
        if self.by_seq.len() >= self.cfg.max_txs || self.bytes + size > self.cfg.max_bytes {
            return Err(MempoolError::Full { txs: self.by_seq.len(), bytes: self.bytes });
        }
        let seq = self.seq;
        self.seq += 1;
        let acc = self.accounts.entry(account).or_insert(held);
        acc.next = expected + 1;
        acc.txs += 1;
        acc.bytes += size;
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
                acc.txs -= 1;
                acc.bytes -= e.size;
                if acc.txs == 0 {
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
        for p in self.parked.remove(&account).into_iter().flat_map(BTreeMap::into_values) {
            self.parked_txs -= 1;
            self.parked_bytes -= p.entry.size;
        }
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

    fn nonces(m: &Mempool) -> Vec<u64> {
        m.reap(1000, 1 << 20).iter().map(|t| t.nonce).collect()
    }

    #[test]
    fn a_relayed_gap_is_parked_and_joins_in_order_once_the_missing_nonce_arrives() {
        let mut m = Mempool::new(MempoolConfig::default());
        let acc = tx(1, 0).0.account();
        let (t0, h0) = tx(1, 0);
        m.insert(t0, acc, h0, 100, 0).expect("next nonce");
        for n in [3, 2] {
            let (t, h) = tx(1, n);
            assert!(m.park(t, acc, h, 100, 0), "nonce {n} is a little ahead");
        }
        let (t0b, h0b) = tx(1, 0);
        assert!(!m.park(t0b, acc, h0b, 100, 0), "a nonce that is not ahead is not parked");
        assert_eq!((nonces(&m), m.parked()), (vec![0], 2), "parked transactions are not reaped");
        let (t1, h1) = tx(1, 1);
        m.insert(t1, acc, h1, 100, 0).expect("the missing nonce");
        assert_eq!(m.unpark(&acc, 0), 2);
        assert_eq!((nonces(&m), m.parked()), (vec![0, 1, 2, 3], 0));
        assert_eq!(m.next_nonce(&acc, 0), 4);
    }

    #[test]
    fn parked_transactions_join_when_a_block_fills_the_gap_and_old_ones_are_forgotten() {
        let mut m = Mempool::new(MempoolConfig::default());
        let (a, b) = (tx(1, 0).0.account(), tx(2, 0).0.account());
        for (seed, n) in [(1, 3), (1, 4), (1, 9), (2, 7)] {
            let (t, h) = tx(seed, n);
            assert!(m.park(t, t_account(seed), h, 100, 0));
        }
        // The block committed a's nonces 0..=2 (it never reached this pool): 3 and 4 join, 9 waits.
        assert_eq!(m.after_commit(1, [(a, 3)]), 2);
        assert_eq!((nonces(&m), m.parked()), (vec![3, 4], 2));
        // A block that commits past a parked nonce makes it stale: dropped, not admitted.
        assert_eq!(m.after_commit(2, [(b, 8)]), 0);
        assert_eq!(m.parked(), 1);
        // a's nonce 9, parked after height 0, waits PARK_BLOCKS blocks for its gap, then is forgotten.
        m.after_commit(PARK_BLOCKS, []);
        assert_eq!(m.parked(), 1);
        m.after_commit(PARK_BLOCKS + 1, []);
        assert_eq!(m.parked(), 0);
        assert_eq!(nonces(&m), vec![3, 4]);
    }

    fn t_account(seed: u8) -> AccountId {
        tx(seed, 0).0.account()
    }

    #[test]
    fn the_park_is_bounded_in_count_and_in_how_far_ahead() {
        let mut m = Mempool::new(MempoolConfig::default());
        let (t, h) = tx(1, PARK_AHEAD + 1);
        assert!(!m.park(t, t_account(1), h, 100, 0), "too far ahead");
        let mut parked = 0;
        for seed in 1..=(MAX_PARKED_TXS as u64 / PARK_AHEAD + 1) as u8 {
            for n in 1..=PARK_AHEAD {
                let (t, h) = tx(seed, n);
                parked += usize::from(m.park(t, t_account(seed), h, 100, 0));
            }
        }
        assert_eq!((parked, m.parked()), (MAX_PARKED_TXS, MAX_PARKED_TXS));
        // An account dropped as invalid takes its parked transactions with it.
        let (t0, h0) = tx(1, 0);
        m.insert(t0, t_account(1), h0, 100, 0).expect("admitted");
        m.remove_with_account(&h0);
        assert_eq!(m.parked(), MAX_PARKED_TXS - PARK_AHEAD as usize);
    }

    #[test]
    fn full_pool_refuses_with_back_pressure() {
        let mut m = Mempool::new(MempoolConfig::with_pool(1, 1000));
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

    #[test]
    fn one_sender_stops_at_its_share_while_another_is_still_admitted() {
        let cfg = MempoolConfig { max_txs: 100, max_bytes: 100_000, sender_max_txs: 3, sender_max_bytes: 1_000 };
        let mut m = Mempool::new(cfg);
        for n in 0..3 {
            let (t, h) = tx(1, n);
            m.insert(t.clone(), t.account(), h, 100, 0).expect("within the share");
        }
        let (t, h) = tx(1, 3);
        let refused = m.insert(t.clone(), t.account(), h, 100, 0);
        assert!(matches!(refused, Err(MempoolError::SenderShare { txs: 3, max_txs: 3, .. })), "{refused:?}");
        assert_eq!(m.next_nonce(&t.account(), 0), 3, "a refusal uses no nonce");
        // Another sender, with the pool far from full, is admitted.
        let (o, ho) = tx(2, 0);
        m.insert(o.clone(), o.account(), ho, 100, 0).expect("another sender");
        // Once the first sender's oldest is committed, it has room again.
        m.remove(&[tx(1, 0).1]);
        m.insert(t.clone(), t.account(), h, 100, 1).expect("room after a commit");

        // The byte share too: one large transaction fits, a second does not.
        let (big, hb) = tx(3, 0);
        m.insert(big.clone(), big.account(), hb, 900, 0).expect("900 of 1 000 bytes");
        let (big2, hb2) = tx(3, 1);
        assert!(matches!(
            m.insert(big2.clone(), big2.account(), hb2, 200, 0),
            Err(MempoolError::SenderShare { bytes: 900, max_bytes: 1_000, .. })
        ));
    }

    #[test]
    fn the_default_share_is_an_eighth_with_a_floor() {
        let d = MempoolConfig::default();
        assert_eq!((d.sender_max_txs, d.sender_max_bytes), (6_250, 8 * 1024 * 1024));
        let small = MempoolConfig::with_pool(1_000, 2 * 1024 * 1024);
        assert_eq!((small.sender_max_txs, small.sender_max_bytes), (256, 1024 * 1024));
        let tiny = MempoolConfig::with_pool(10, 1000);
        assert_eq!((tiny.sender_max_txs, tiny.sender_max_bytes), (10, 1000), "never more than the pool");
    }

    /// Through the chain's admission: a client's and a relayed transaction count against the same
    /// share, and the refusal has its own code.
    #[test]
    fn relayed_transactions_obey_the_senders_share_too() {
        use crate::chain::tests::{enc, genesis, transfer};
        use crate::chain::{Chain, ChainLimits};
        use crate::storage::{ChainStore, MemKv};
        let limits = ChainLimits {
            mempool: MempoolConfig { max_txs: 100, max_bytes: 1 << 20, sender_max_txs: 2, sender_max_bytes: 1 << 20 },
            ..ChainLimits::default()
        };
        let chain =
            Chain::open(ChainStore::new(std::sync::Arc::new(MemKv::default())), genesis(), limits).expect("open");
        chain.submit(&enc(&transfer(1, 0, "unit"))).expect("client");
        chain.submit_relayed(&enc(&transfer(1, 1, "unit"))).expect("relayed");
        let refused = chain.submit_relayed(&enc(&transfer(1, 2, "unit"))).map_err(|e| e.code());
        assert_eq!(refused, Err("sender_share_exceeded"));
        assert_eq!(chain.submit(&enc(&transfer(1, 2, "unit"))).map_err(|e| e.code()), Err("sender_share_exceeded"));
        chain.submit_relayed(&enc(&transfer(2, 0, "unit"))).expect("another sender");
        assert_eq!(chain.mempool_len(), 3);
    }
}
