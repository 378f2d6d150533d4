//! Admission: the checks a new transaction passes before it joins the mempool (size, encoding,
//! chain id, signature, a key bound to an organization, the sender's next nonce, room in the pool),
//! for a client's transactions (one or a batch, refusals recorded for `/api/tx`) and for those other
//! nodes relay (queued, and admitted in batches of up to [`RELAY_BATCH`] on their own thread, in
//! arrival order). It must never execute a call or write the store.

use super::{Chain, ChainLimits, Rejection, lock};
use crate::mempool::MempoolError;
use crate::network::stats::NetStats;
use shulian_runtime::exec::{next_nonce, resolve_sender};
use shulian_runtime::state::StorageError;
use shulian_runtime::tx::TxError;
use shulian_runtime::{AccountId, Hash, Transaction};
use std::collections::HashMap;
use std::hash::Hash as StdHash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Relayed transactions are admitted as one batch once this many are queued ...
const RELAY_BATCH: usize = 1_024;
/// ... or once the oldest has waited this long.
const RELAY_LINGER: Duration = Duration::from_millis(250);

/// Why a submitted transaction was refused.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// Stateless or nonce check failed.
    #[error(transparent)]
    Tx(#[from] TxError),
    /// Mempool refused it.
    #[error(transparent)]
    Mempool(#[from] MempoolError),
    /// Storage failed while checking it.
    #[error("internal error: {0}")]
    Internal(String),
}

impl SubmitError {
    /// Stable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            SubmitError::Tx(e) => e.code(),
            SubmitError::Mempool(MempoolError::Duplicate(_)) => "duplicate",
            SubmitError::Mempool(MempoolError::NoncePending { .. }) => "nonce_pending",
            SubmitError::Mempool(MempoolError::Full { .. }) => "mempool_full",
            SubmitError::Mempool(MempoolError::SenderShare { .. }) => "sender_share_exceeded",
            SubmitError::Internal(_) => "internal",
        }
    }
}

impl From<StorageError> for SubmitError {
    fn from(e: StorageError) -> Self {
        SubmitError::Internal(e.to_string())
    }
}

/// An encoded transaction as admission sees it: decoded with its hash, or why it is refused.
type Decoded = Result<(Transaction, Hash), TxError>;

/// Most relayed-transaction messages waiting for the admission thread in all (each holds at most
/// `wire::MAX_TXS_MESSAGE_BYTES`; the byte bound below is the tighter one).
pub(crate) const RELAY_QUEUE_MESSAGES: usize = 256;
/// Most bytes of relayed transactions between the network and the mempool in all: a few full
/// blocks' worth, so a burst of honest relays fits and a flood cannot grow the node's memory.
pub(crate) const RELAY_QUEUE_BYTES: usize = 32 * 1024 * 1024;
/// Most relayed-transaction messages one peer may have between the network and the mempool: its
/// share of [`RELAY_QUEUE_MESSAGES`], so one flooding peer leaves room for the others.
pub(crate) const RELAY_PEER_MESSAGES: usize = 64;
/// Most bytes one peer may have between the network and the mempool: a quarter of
/// [`RELAY_QUEUE_BYTES`] (8 full relayed-transaction messages).
pub(crate) const RELAY_PEER_BYTES: usize = RELAY_QUEUE_BYTES / 4;
/// Most transactions queued from the API for relay to the other nodes. The network task drains
/// it in batches as fast as transactions are admitted; a full queue means the network is stuck,
/// and the transaction (which stays in this node's mempool) is not relayed, and counted.
pub const API_RELAY_QUEUE: usize = 16_384;

/// What became of a relayed message handed to [`RelayedAdmission::push`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relayed {
    /// Queued for admission.
    Queued,
    /// Dropped: the sending peer has its share in flight.
    PeerShare,
    /// Dropped: the queue is full.
    Full,
    /// The admission thread has stopped.
    Stopped,
}

struct Shares<K> {
    per_peer: HashMap<K, (usize, usize)>,
    messages: usize,
    bytes: usize,
}

impl<K: StdHash + Eq> Shares<K> {
    fn release(&mut self, peer: &K, bytes: usize) {
        self.messages = self.messages.saturating_sub(1);
        self.bytes = self.bytes.saturating_sub(bytes);
        if let Some(s) = self.per_peer.get_mut(peer) {
            s.0 = s.0.saturating_sub(1);
            s.1 = s.1.saturating_sub(bytes);
            if s.0 == 0 {
                self.per_peer.remove(peer);
            }
        }
    }
}

/// The thread that admits the transactions other nodes relay. Admission verifies signatures, so it
/// runs off the network's task, in arrival order (a sender's nonces must be admitted in order).
/// Messages are queued on the chain until [`RELAY_BATCH`] transactions wait or the oldest waited
/// [`RELAY_LINGER`], then admitted as one batch (a proposer admits the queue first, so the wait
/// never delays a block). What waits between the network and the mempool is bounded in all
/// ([`RELAY_QUEUE_MESSAGES`], [`RELAY_QUEUE_BYTES`]) and per sending peer `K`
/// ([`RELAY_PEER_MESSAGES`], [`RELAY_PEER_BYTES`]): a message is counted until the batch it came
/// in has been admitted.
pub struct RelayedAdmission<K> {
    tx: std::sync::mpsc::SyncSender<(K, Vec<Vec<u8>>, usize)>,
    shares: Arc<Mutex<Shares<K>>>,
}

impl<K: StdHash + Eq + Clone + Send + 'static> RelayedAdmission<K> {
    /// Starts the admission thread for `chain`; it stops when this handle is dropped.
    pub fn start(chain: Arc<Chain>, stats: Arc<NetStats>) -> std::io::Result<RelayedAdmission<K>> {
        use std::sync::mpsc::RecvTimeoutError;
        let (tx, rx) = std::sync::mpsc::sync_channel::<(K, Vec<Vec<u8>>, usize)>(RELAY_QUEUE_MESSAGES);
        let shares = Arc::new(Mutex::new(Shares { per_peer: HashMap::new(), messages: 0, bytes: 0 }));
        let held = shares.clone();
        std::thread::Builder::new().name("tx-admission".into()).spawn(move || {
            let release = |taken: &mut Vec<(K, usize)>| {
                let mut s = lock(&held);
                for (peer, bytes) in taken.drain(..) {
                    s.release(&peer, bytes);
                }
            };
            let mut taken = Vec::new();
            while let Ok((peer, first, bytes)) = rx.recv() {
                taken.push((peer, bytes));
                #[expect(
                    clippy::disallowed_methods,
                    reason = "a batch waits at most RELAY_LINGER for more transactions"
                )]
                let deadline = Instant::now() + RELAY_LINGER;
                let queue = |txs| {
                    let (queued, dropped) = chain.queue_relayed_counting(txs);
                    crate::network::stats::add(&stats.relayed_txs_dropped_queue_full, dropped as u64);
                    queued
                };
                let mut queued = queue(first);
                while queued < RELAY_BATCH {
                    #[expect(clippy::disallowed_methods, reason = "the time left until the batch's deadline")]
                    let left = deadline.saturating_duration_since(Instant::now());
                    match rx.recv_timeout(left) {
                        Ok((peer, batch, bytes)) => {
                            taken.push((peer, bytes));
                            queued = queue(batch);
                        }
                        Err(RecvTimeoutError::Timeout) => break,
                        Err(RecvTimeoutError::Disconnected) => {
                            chain.admit_relayed();
                            return;
                        }
                    }
                }
                chain.admit_relayed();
                release(&mut taken);
            }
        })?;
        Ok(RelayedAdmission { tx, shares })
    }

    /// Hands the transactions of one message relayed by `peer` to admission, unless that peer's
    /// share or the queue is full (then the message is dropped: the node that admitted the
    /// transactions still holds them and proposes them itself).
    pub fn push(&self, peer: K, txs: Vec<Vec<u8>>) -> Relayed {
        let bytes: usize = txs.iter().map(Vec::len).sum();
        {
            let mut s = lock(&self.shares);
            if s.messages >= RELAY_QUEUE_MESSAGES || (s.bytes > 0 && s.bytes + bytes > RELAY_QUEUE_BYTES) {
                return Relayed::Full;
            }
            let mine = s.per_peer.get(&peer).copied().unwrap_or((0, 0));
            if mine.0 >= RELAY_PEER_MESSAGES || (mine.1 > 0 && mine.1 + bytes > RELAY_PEER_BYTES) {
                return Relayed::PeerShare;
            }
            s.per_peer.insert(peer.clone(), (mine.0 + 1, mine.1 + bytes));
            s.messages += 1;
            s.bytes += bytes;
        }
        match self.tx.try_send((peer.clone(), txs, bytes)) {
            Ok(()) => Relayed::Queued,
            Err(e) => {
                lock(&self.shares).release(&peer, bytes);
                match e {
                    std::sync::mpsc::TrySendError::Full(_) => Relayed::Full,
                    std::sync::mpsc::TrySendError::Disconnected(_) => Relayed::Stopped,
                }
            }
        }
    }
}

/// The queue from [`Chain::submit`] to the network, which relays what a client submitted to the
/// other nodes. Bounded ([`API_RELAY_QUEUE`]): when full, a transaction is not relayed (it stays
/// in this node's mempool) and is counted in `NetStats::api_txs_not_relayed`.
pub struct TxRelay {
    queue: tokio::sync::mpsc::Sender<Vec<u8>>,
    stats: Arc<NetStats>,
}

impl TxRelay {
    /// A relay into `queue`, counting drops in `stats`.
    pub fn new(queue: tokio::sync::mpsc::Sender<Vec<u8>>, stats: Arc<NetStats>) -> Self {
        TxRelay { queue, stats }
    }

    fn send(&self, bytes: &[u8]) {
        if let Err(tokio::sync::mpsc::error::TrySendError::Full(_)) = self.queue.try_send(bytes.to_vec()) {
            crate::network::stats::add(&self.stats.api_txs_not_relayed, 1);
        }
    }
}

impl Chain {
    /// Sends every transaction admitted through [`Chain::submit`] to `relay` from now on (the
    /// network passes them to the other nodes' mempools).
    pub fn set_tx_relay(&self, relay: TxRelay) {
        *lock(&self.relay) = Some(relay);
    }

    /// The chain's size limits.
    pub fn limits(&self) -> &ChainLimits {
        &self.limits
    }

    /// Whether a block proposed now would have transactions to take: the mempool holds some, or
    /// relayed ones wait in the admission queue (a proposal admits them first).
    pub fn has_pending(&self) -> bool {
        !lock(&self.mempool).is_empty() || !lock(&self.relayed).is_empty()
    }

    /// Whether a transaction is pending.
    pub fn is_pending(&self, hash: &Hash) -> bool {
        lock(&self.mempool).contains(hash)
    }

    /// The reason a transaction was refused at submission, if it was (recently).
    pub fn rejection(&self, hash: &Hash) -> Option<Rejection> {
        lock(&self.rejected).get(hash)
    }

    /// The next nonce `account` should use, counting pending transactions.
    pub fn next_nonce(&self, account: &AccountId) -> Result<u64, StorageError> {
        let pool = lock(&self.mempool);
        let committed = next_nonce(&self.tip_state(), account)?;
        Ok(pool.next_nonce(account, committed))
    }

    /// Transactions and bytes pending in the mempool.
    pub fn mempool_usage(&self) -> (usize, usize) {
        let pool = lock(&self.mempool);
        (pool.len(), pool.bytes())
    }

    /// Checks and admits an encoded transaction from a client; returns its hash. An admitted
    /// transaction is relayed to the other nodes.
    pub fn submit(&self, bytes: &[u8]) -> Result<Hash, SubmitError> {
        self.submit_decoded(bytes, self.decode(bytes))
    }

    /// [`Chain::submit`] of `bytes`, already decoded.
    fn submit_decoded(&self, bytes: &[u8], decoded: Decoded) -> Result<Hash, SubmitError> {
        let hash = self
            .check_and_admit(decoded, bytes.len(), true)
            .inspect_err(|e| self.metrics().submission_refused(e.code()))?;
        if let Some(relay) = lock(&self.relay).as_ref() {
            relay.send(bytes);
        }
        Ok(hash)
    }

    /// Checks and admits a transaction another node relayed (not relayed again; a refusal is not
    /// recorded, since the client saw the answer of the node it submitted to).
    pub fn submit_relayed(&self, bytes: &[u8]) -> Result<Hash, SubmitError> {
        self.check_and_admit(self.decode(bytes), bytes.len(), false)
    }

    /// An encoded transaction, decoded (within the size limit) with its hash.
    fn decode(&self, bytes: &[u8]) -> Decoded {
        let tx = Transaction::decode(bytes, self.limits.max_tx_bytes)?;
        let hash = tx.hash();
        Ok((tx, hash))
    }

    fn check_and_admit(&self, decoded: Decoded, size: usize, record: bool) -> Result<Hash, SubmitError> {
        let (tx, hash) = decoded?;
        let result = self.admit(tx, hash, size, !record);
        if let Err(e) = &result
            && record
        {
            lock(&self.rejected).record(hash, e.code(), e.to_string());
        }
        result.map(|()| hash)
    }

    /// Admits a transaction into the mempool; a `relayed` one a little ahead of its sender's next
    /// nonce is parked there until the gap fills (`Mempool::park`) instead of refused.
    fn admit(&self, tx: Transaction, hash: Hash, size: usize, relayed: bool) -> Result<(), SubmitError> {
        if !lock(&self.verified).contains(&hash) {
            tx.verify_with(self.chain_id(), &self.keys)?;
            lock(&self.verified).insert(hash);
        }
        // Hold the pool while reading committed state: commits take the same lock, so the
        // committed nonce and the pending ones are seen together.
        let mut pool = lock(&self.mempool);
        let tip = self.tip_state();
        let account = resolve_sender(&tip, &tx.sender)??;
        let committed = next_nonce(&tip, &account)?;
        if tx.nonce < committed {
            return Err(TxError::StaleNonce { account, expected: committed, got: tx.nonce }.into());
        }
        let expected = pool.next_nonce(&account, committed);
        if tx.nonce > expected {
            let got = tx.nonce;
            if relayed && pool.park(tx, account, hash, size, committed) {
                self.metrics().relayed_parked.inc();
                return Ok(());
            }
            return Err(TxError::FutureNonce { account, expected, got }.into());
        }
        pool.insert(tx, account, hash, size, committed)?;
        pool.unpark(&account, committed);
        Ok(())
    }

    /// Checks and admits many encoded transactions from a client, in order; one result each.
    /// Their signatures are checked as one batch first.
    pub fn submit_many(&self, txs: &[Vec<u8>]) -> Vec<Result<Hash, SubmitError>> {
        let decoded = self.decode_preverified(txs);
        txs.iter().zip(decoded).map(|(b, d)| self.submit_decoded(b, d)).collect()
    }

    /// Admits a batch of transactions another node relayed, in order (see
    /// [`Chain::submit_relayed`]); their signatures are checked as one batch first.
    pub fn submit_relayed_many(&self, txs: &[Vec<u8>]) {
        for (bytes, d) in txs.iter().zip(self.decode_preverified(txs)) {
            if let Err(e) = self.check_and_admit(d, bytes.len(), false) {
                self.metrics().relayed_refused(e.code());
            }
        }
    }

    /// Queues transactions another node relayed, for [`Chain::admit_relayed`]; returns how many
    /// are queued. Admitting them in batches of hundreds, not as each message arrives, makes the
    /// batched signature check much cheaper per signature (docs/benchmarks.md), and waiting costs
    /// no block time: a proposer admits what is queued before it builds a block. Beyond a full
    /// mempool's worth, a relayed batch is dropped (the node that admitted it still holds it).
    pub fn queue_relayed(&self, txs: Vec<Vec<u8>>) -> usize {
        self.queue_relayed_counting(txs).0
    }

    /// [`Chain::queue_relayed`], also returning how many transactions were dropped.
    fn queue_relayed_counting(&self, txs: Vec<Vec<u8>>) -> (usize, usize) {
        let mut q = lock(&self.relayed);
        let mut dropped = 0;
        if q.len() >= self.limits.mempool.max_txs {
            tracing::debug!(target: "chain", dropped = txs.len(), "relayed transactions dropped: admission queue full");
            dropped = txs.len();
        } else if q.is_empty() {
            *q = txs;
        } else {
            q.extend(txs);
        }
        (q.len(), dropped)
    }

    /// Admits every queued relayed transaction (see [`Chain::submit_relayed_many`]).
    pub fn admit_relayed(&self) {
        let _order = lock(&self.admitting);
        let txs = std::mem::take(&mut *lock(&self.relayed));
        if !txs.is_empty() {
            self.submit_relayed_many(&txs);
        }
    }

    /// Decodes encoded transactions, then checks the signatures of those not verified before in
    /// one batch and remembers the good ones, so that admitting them one by one finds them
    /// verified. The rest are left to admission, which refuses each with its own error.
    fn decode_preverified(&self, txs: &[Vec<u8>]) -> Vec<Decoded> {
        let decoded: Vec<Decoded> = txs.iter().map(|b| self.decode(b)).collect();
        let todo: Vec<&(Transaction, Hash)> = {
            let cache = lock(&self.verified);
            decoded.iter().filter_map(|d| d.as_ref().ok()).filter(|(_, h)| !cache.contains(h)).collect()
        };
        if todo.len() >= 2 {
            let refs: Vec<&Transaction> = todo.iter().map(|(t, _)| t).collect();
            let verdicts = Transaction::verify_many_with(&refs, self.chain_id(), &self.keys);
            let mut cache = lock(&self.verified);
            for ((_, hash), verdict) in todo.iter().zip(verdicts) {
                if verdict.is_ok() {
                    cache.insert(*hash);
                }
            }
        }
        decoded
    }
}
