//! The chain: committed store, mempool and runtime glued together. Consensus engines drive it
//! through three calls: [`Chain::propose`], [`Chain::validate`], [`Chain::commit`]. It owns the
//! admission rules for new transactions; it must never decide *when* a block is made (consensus does).

mod rejected;
mod verify;

use crate::mempool::verified::{DecodedKeys, VerifiedCache};
use crate::mempool::{Mempool, MempoolConfig, MempoolError};
use crate::storage::{ChainStore, Head, StoreError};
use rejected::RejectedLog;
use shulian_contracts::NativeContracts;
use shulian_runtime::exec::{BlockEnv, BlockError, ExecError, execute_txs, next_nonce, resolve_sender};
use shulian_runtime::genesis::{Genesis, GenesisError};
use shulian_runtime::merkle::list_root;
use shulian_runtime::smt::{NodeKey, SmtNode};
use shulian_runtime::state::{StateReader, StorageError};
use shulian_runtime::tx::{DEFAULT_MAX_TX_BYTES, TxError};
use shulian_runtime::{
    AccountId, Block, BlockExecution, BlockHeader, CommitCertificate, Hash, PublicKey, SignatureCheck, Transaction,
    ValidatorSet, apply_block,
};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use tokio::sync::watch;

pub use rejected::Rejection;

/// Limits the chain enforces on transactions and blocks.
#[derive(Clone, Copy, Debug)]
pub struct ChainLimits {
    /// Largest encoded transaction accepted.
    pub max_tx_bytes: usize,
    /// Most transactions in a block.
    pub max_block_txs: usize,
    /// Most transaction bytes in a block.
    pub max_block_bytes: usize,
    /// Mempool bounds.
    pub mempool: MempoolConfig,
}

impl Default for ChainLimits {
    fn default() -> Self {
        ChainLimits {
            max_tx_bytes: DEFAULT_MAX_TX_BYTES,
            max_block_txs: 10_000,
            max_block_bytes: 8 * 1024 * 1024,
            mempool: MempoolConfig::default(),
        }
    }
}

/// Anything that stops the chain from going on.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// State read failed.
    #[error(transparent)]
    State(#[from] StorageError),
    /// The block cannot be applied.
    #[error("invalid block: {0}")]
    Block(#[from] BlockError),
    /// The header does not extend the head.
    #[error("invalid block header: {0}")]
    Header(String),
    /// Genesis is unusable.
    #[error("invalid genesis: {0}")]
    Genesis(#[from] GenesisError),
    /// Genesis state could not be built.
    #[error("genesis state: {0}")]
    GenesisState(String),
}

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

/// The chain as the node sees it.
pub struct Chain {
    genesis: Genesis,
    validators: ValidatorSet,
    limits: ChainLimits,
    store: ChainStore,
    head_tx: watch::Sender<Head>,
    mempool: Mutex<Mempool>,
    rejected: Mutex<RejectedLog>,
    contracts: NativeContracts,
    relay: Mutex<Option<tokio::sync::mpsc::UnboundedSender<Vec<u8>>>>,
    /// Transactions whose signature this node already checked (admitted or in a validated block).
    verified: Mutex<VerifiedCache>,
    /// Decoded public keys of recent signers, for every signature check of this chain.
    keys: DecodedKeys,
    verify_threads: usize,
    /// The decided block whose write to the store is in flight, if any (see [`Chain::tip`]).
    staged: RwLock<Option<Arc<Staged>>>,
    /// Whether a write is in flight, and whether one failed; waited on through `written`.
    writing: Mutex<WriteSlot>,
    written: Condvar,
    /// The thread that writes decided blocks, started with the first and kept: a thread per
    /// block would start every write on a cold allocator heap (fresh pages, faulted in).
    writer: Mutex<Option<std::sync::mpsc::Sender<WriteJob>>>,
    /// Relayed transactions waiting to be admitted as one batch (see [`Chain::queue_relayed`]).
    relayed: Mutex<Vec<Vec<u8>>>,
    /// Held while queued relayed transactions are admitted, so they are admitted in arrival order.
    admitting: Mutex<()>,
}

/// One block write, run on the writer thread.
type WriteJob = Box<dyn FnOnce() + Send>;

/// A decided block on its way to the store: the head after it and what it changes, which
/// execution on top of it reads before the store has them.
struct Staged {
    head: Head,
    outcomes: Vec<shulian_runtime::exec::TxOutcome>,
    changes: shulian_runtime::state::ChangeSet,
}

#[derive(Default)]
struct WriteSlot {
    busy: bool,
    failed: Option<String>,
}

impl WriteSlot {
    /// The error of a block write that failed, if one did.
    fn check(&self) -> Result<(), ChainError> {
        match &self.failed {
            Some(e) => Err(ChainError::Store(StoreError::Backend(format!("an earlier block write failed: {e}")))),
            None => Ok(()),
        }
    }
}

/// State as of the tip: the store seen through the staged block's changes.
struct TipState<'a> {
    chain: &'a Chain,
}

impl StateReader for TipState<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        if let Some(s) = read(&self.chain.staged).as_ref()
            && let Some(v) = s.changes.kv.get(key)
        {
            return Ok(v.clone());
        }
        self.chain.store.get(key)
    }

    fn get_node(&self, key: &NodeKey) -> Result<Option<SmtNode>, StorageError> {
        if let Some(s) = read(&self.chain.staged).as_ref()
            && let Some(n) = s.changes.nodes.get(key)
        {
            return Ok(n.clone());
        }
        self.chain.store.get_node(key)
    }
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|p| p.into_inner())
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave these structures half-updated in a way that
    // matters more than stopping the node would, so keep serving.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Chain {
    /// Opens the chain in `store`, writing the genesis state if the store is empty, and refusing a
    /// store that was started from another genesis.
    pub fn open(store: ChainStore, genesis: Genesis, limits: ChainLimits) -> Result<Chain, ChainError> {
        genesis.validate()?;
        let contracts = NativeContracts;
        let head = match store.head()? {
            Some(head) => {
                let stored = store
                    .genesis()?
                    .ok_or_else(|| ChainError::GenesisState("store has a head but no genesis".into()))?;
                if stored.hash() != genesis.hash() {
                    return Err(StoreError::WrongChain {
                        expected: genesis.chain_id.clone(),
                        found_genesis: stored.hash().to_hex(),
                        found: stored.chain_id,
                    }
                    .into());
                }
                head
            }
            None => {
                let (root, changes) =
                    shulian_runtime::exec::apply_genesis(&store, &genesis, &contracts).map_err(|e| match e {
                        ExecError::Call(c) => ChainError::GenesisState(c.message),
                        ExecError::Storage(s) => ChainError::State(s),
                    })?;
                store.init_genesis(&genesis, root, changes)?
            }
        };
        let (head_tx, _) = watch::channel(head);
        Ok(Chain {
            validators: genesis.validator_set(),
            genesis,
            limits,
            store,
            head_tx,
            mempool: Mutex::new(Mempool::new(limits.mempool)),
            rejected: Mutex::new(RejectedLog::new(10_000)),
            contracts,
            relay: Mutex::new(None),
            // Enough to cover a full mempool plus the blocks in flight.
            verified: Mutex::new(VerifiedCache::new(limits.mempool.max_txs.saturating_mul(2).max(20_000))),
            keys: DecodedKeys::new(),
            verify_threads: verify::default_threads(),
            staged: RwLock::new(None),
            writing: Mutex::new(WriteSlot::default()),
            written: Condvar::new(),
            writer: Mutex::new(None),
            relayed: Mutex::new(Vec::new()),
            admitting: Mutex::new(()),
        })
    }

    /// Sends every transaction admitted through [`Chain::submit`] to `relay` from now on (the
    /// network passes them to the other nodes' mempools).
    pub fn set_tx_relay(&self, relay: tokio::sync::mpsc::UnboundedSender<Vec<u8>>) {
        *lock(&self.relay) = Some(relay);
    }

    /// Chain id.
    pub fn chain_id(&self) -> &str {
        &self.genesis.chain_id
    }

    /// The genesis.
    pub fn genesis(&self) -> &Genesis {
        &self.genesis
    }

    /// The validators.
    pub fn validators(&self) -> &ValidatorSet {
        &self.validators
    }

    /// The committed store (read-only use).
    pub fn store(&self) -> &ChainStore {
        &self.store
    }

    /// The last committed block: stored durably, and what the API serves.
    pub fn head(&self) -> Head {
        self.head_tx.borrow().clone()
    }

    /// The last decided block: the head, or the block after it while that block is being written
    /// (see [`Chain::commit_in_background`]). Consensus builds on the tip.
    pub fn tip(&self) -> Head {
        match read(&self.staged).as_ref() {
            Some(s) => s.head.clone(),
            None => self.head(),
        }
    }

    fn tip_state(&self) -> TipState<'_> {
        TipState { chain: self }
    }

    /// A receiver that sees every new head.
    pub fn subscribe_head(&self) -> watch::Receiver<Head> {
        self.head_tx.subscribe()
    }

    /// Number of pending transactions.
    pub fn mempool_len(&self) -> usize {
        lock(&self.mempool).len()
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

    /// Checks and admits an encoded transaction from a client; returns its hash. An admitted
    /// transaction is relayed to the other nodes.
    pub fn submit(&self, bytes: &[u8]) -> Result<Hash, SubmitError> {
        self.submit_decoded(bytes, self.decode(bytes))
    }

    /// [`Chain::submit`] of `bytes`, already decoded.
    fn submit_decoded(&self, bytes: &[u8], decoded: Decoded) -> Result<Hash, SubmitError> {
        let hash = self.check_and_admit(decoded, bytes.len(), true)?;
        if let Some(relay) = lock(&self.relay).as_ref() {
            let _ = relay.send(bytes.to_vec());
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
        let result = self.admit(tx, hash, size);
        if let Err(e) = &result
            && record
        {
            lock(&self.rejected).record(hash, e.code(), e.to_string());
        }
        result.map(|()| hash)
    }

    fn admit(&self, tx: Transaction, hash: Hash, size: usize) -> Result<(), SubmitError> {
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
            return Err(TxError::FutureNonce { account, expected, got: tx.nonce }.into());
        }
        pool.insert(tx, account, hash, size, committed)?;
        Ok(())
    }

    /// Builds (and executes) the next block from pending transactions, as `proposer`, at wall-clock
    /// `now_ms`. Pending transactions that cannot execute are dropped from the mempool.
    pub fn propose(&self, proposer: PublicKey, now_ms: u64) -> Result<(Block, BlockExecution), ChainError> {
        self.check_writes()?;
        // Relayed transactions still queued may belong in this block.
        self.admit_relayed();
        let head = self.tip();
        let mut txs = lock(&self.mempool).reap(self.limits.max_block_txs, self.limits.max_block_bytes);
        let height = head.height.next();
        let timestamp_ms = now_ms.max(head.timestamp_ms + 1);
        let env = BlockEnv { chain_id: self.chain_id(), height, timestamp_ms };
        loop {
            // Signatures were verified when the mempool admitted these transactions.
            match execute_txs(&self.tip_state(), env, &txs, &self.contracts, SignatureCheck::AlreadyVerified) {
                Ok(exec) => {
                    let header = BlockHeader {
                        chain_id: self.chain_id().to_string(),
                        height,
                        parent_hash: head.block_hash,
                        timestamp_ms,
                        proposer,
                        tx_root: list_root(&txs.iter().map(|t| t.hash()).collect::<Vec<_>>()),
                        outcomes_root: exec.outcomes_root,
                        state_root: exec.state_root,
                    };
                    return Ok((Block { header, txs }, exec));
                }
                Err(BlockError::InvalidTx { hash, error, .. }) => {
                    tracing::warn!(target: "chain", tx = %hash, %error, "dropping pending transaction that cannot execute");
                    let dropped = lock(&self.mempool).remove_with_account(&hash);
                    txs.retain(|t| {
                        let h = t.hash();
                        h != hash && !dropped.contains(&h)
                    });
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Checks that `block` extends the head and executes it; the result is what [`Chain::commit`]
    /// needs.
    pub fn validate(&self, block: &Block) -> Result<BlockExecution, ChainError> {
        self.check_writes()?;
        let head = self.tip();
        let h = &block.header;
        if h.chain_id != self.chain_id() {
            return Err(ChainError::Header(format!("chain id {:?}, expected {:?}", h.chain_id, self.chain_id())));
        }
        if h.height != head.height.next() {
            return Err(ChainError::Header(format!("height {}, expected {}", h.height, head.height.next())));
        }
        if h.parent_hash != head.block_hash {
            return Err(ChainError::Header(format!("parent {}, expected {}", h.parent_hash, head.block_hash)));
        }
        if h.timestamp_ms <= head.timestamp_ms {
            return Err(ChainError::Header(format!(
                "timestamp {} is not after the parent's {}",
                h.timestamp_ms, head.timestamp_ms
            )));
        }
        if self.validators.get(&h.proposer).is_none() {
            return Err(ChainError::Header(format!("proposer {} is not a validator", h.proposer)));
        }
        self.verify_signatures(block)?;
        Ok(apply_block(&self.tip_state(), block, &self.contracts, SignatureCheck::AlreadyVerified)?)
    }

    /// Checks every signature of `block` this node has not checked before (most were checked when
    /// the mempool admitted them), in parallel, off the caller's thread of control; remembers them.
    fn verify_signatures(&self, block: &Block) -> Result<(), ChainError> {
        let todo: Vec<(usize, Hash, &Transaction)> = {
            let cache = lock(&self.verified);
            block.txs.iter().enumerate().map(|(i, t)| (i, t.hash(), t)).filter(|(_, h, _)| !cache.contains(h)).collect()
        };
        if todo.is_empty() {
            return Ok(());
        }
        verify::verify_all(&todo, self.chain_id(), self.verify_threads, &self.keys)
            .map_err(|(index, hash, error)| BlockError::InvalidTx { index, hash, error })?;
        let mut cache = lock(&self.verified);
        for (_, h, _) in todo {
            cache.insert(h);
        }
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
            let _ = self.check_and_admit(d, bytes.len(), false);
        }
    }

    /// Queues transactions another node relayed, for [`Chain::admit_relayed`]; returns how many
    /// are queued. Admitting them in batches of hundreds, not as each message arrives, makes the
    /// batched signature check much cheaper per signature (docs/benchmarks.md), and waiting costs
    /// no block time: a proposer admits what is queued before it builds a block. Beyond a full
    /// mempool's worth, a relayed batch is dropped (the node that admitted it still holds it).
    pub fn queue_relayed(&self, txs: Vec<Vec<u8>>) -> usize {
        let mut q = lock(&self.relayed);
        if q.len() >= self.limits.mempool.max_txs {
            tracing::debug!(target: "chain", dropped = txs.len(), "relayed transactions dropped: admission queue full");
        } else if q.is_empty() {
            *q = txs;
        } else {
            q.extend(txs);
        }
        q.len()
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

    /// Commits a block that `cert` finalizes, with the execution `exec` of it on the tip, and
    /// returns once it is stored durably.
    pub fn commit(&self, block: &Block, cert: &CommitCertificate, exec: BlockExecution) -> Result<Head, ChainError> {
        let staged = self.stage(block, cert, exec)?;
        self.write_staged(block, cert, &staged)
    }

    /// Commits like [`Chain::commit`], but writes the block on a thread of its own and returns the
    /// new tip at once, so consensus can go on with the next height while the block is written.
    /// The next height executes on the tip (the store seen through this block's changes); at most
    /// one block is in flight, so the next commit waits for this write. If the write fails, every
    /// later propose, validate and commit fails with its error and the node stops.
    pub fn commit_in_background(
        self: &Arc<Self>,
        block: Block,
        cert: CommitCertificate,
        exec: BlockExecution,
    ) -> Result<Head, ChainError> {
        let staged = self.stage(&block, &cert, exec)?;
        let tip = staged.head.clone();
        let chain = self.clone();
        let job: WriteJob = Box::new(move || {
            #[expect(clippy::disallowed_methods, reason = "the log says how long a block write took")]
            let started = std::time::Instant::now();
            match chain.write_staged(&block, &cert, &staged) {
                Ok(head) => {
                    let ms = started.elapsed().as_millis() as u64;
                    tracing::debug!(target: "chain", height = head.height.0, ms, "block written");
                }
                Err(e) => {
                    tracing::error!(target: "chain", height = block.header.height.0, error = %e, "cannot write a decided block")
                }
            }
        });
        if let Err(e) = self.send_to_writer(job) {
            let msg = format!("cannot start the block writer: {e}");
            self.finish_write(Some(msg.clone()));
            return Err(ChainError::Store(StoreError::Backend(msg)));
        }
        Ok(tip)
    }

    /// Hands `job` to the writer thread, starting it if it is not running.
    fn send_to_writer(&self, job: WriteJob) -> std::io::Result<()> {
        let mut writer = lock(&self.writer);
        let job = match writer.as_ref() {
            Some(w) => match w.send(job) {
                Ok(()) => return Ok(()),
                // The thread is gone (a write panicked): start another.
                Err(std::sync::mpsc::SendError(job)) => job,
            },
            None => job,
        };
        let (tx, rx) = std::sync::mpsc::channel::<WriteJob>();
        std::thread::Builder::new().name("block-write".into()).spawn(move || {
            for job in rx {
                job();
            }
        })?;
        // The receiver is alive until this sender (kept below) is dropped with the chain.
        let _ = tx.send(job);
        *writer = Some(tx);
        Ok(())
    }

    /// Waits until no block write is in flight (what is decided is then stored).
    pub fn wait_for_writes(&self) -> Result<(), ChainError> {
        self.idle_writer().map(drop)
    }

    /// The write slot once no write is in flight, or the error of a write that failed.
    fn idle_writer(&self) -> Result<MutexGuard<'_, WriteSlot>, ChainError> {
        let mut slot = lock(&self.writing);
        while slot.busy {
            slot = self.written.wait(slot).unwrap_or_else(|p| p.into_inner());
        }
        slot.check()?;
        Ok(slot)
    }

    fn check_writes(&self) -> Result<(), ChainError> {
        lock(&self.writing).check()
    }

    /// Makes `block` the tip: checks its certificate and that it extends the tip, waits for the
    /// previous write, and takes its transactions out of the mempool.
    fn stage(&self, block: &Block, cert: &CommitCertificate, exec: BlockExecution) -> Result<Arc<Staged>, ChainError> {
        cert.verify(&block.header, &self.validators).map_err(|e| ChainError::Header(format!("certificate: {e}")))?;
        let hashes: Vec<Hash> = block.txs.iter().map(|t| t.hash()).collect();
        self.idle_writer()?.busy = true;
        let mut pool = lock(&self.mempool);
        // Consensus and block sync may race to commit the same height: the pool lock orders them,
        // and only a block that extends the tip is taken.
        let tip = self.tip();
        let h = &block.header;
        if h.height != tip.height.next() || h.parent_hash != tip.block_hash {
            drop(pool);
            self.finish_write(None);
            return Err(ChainError::Header(format!(
                "block {} does not extend the tip at height {}",
                h.height, tip.height
            )));
        }
        let head =
            Head { height: h.height, block_hash: h.hash(), state_root: h.state_root, timestamp_ms: h.timestamp_ms };
        let staged = Arc::new(Staged { head, outcomes: exec.outcomes, changes: exec.changes });
        *write(&self.staged) = Some(staged.clone());
        pool.remove(&hashes);
        Ok(staged)
    }

    /// Writes the staged block, publishes the new head and clears the stage.
    fn write_staged(&self, block: &Block, cert: &CommitCertificate, staged: &Staged) -> Result<Head, ChainError> {
        match self.store.commit_block(block, cert, &staged.outcomes, &staged.changes) {
            Ok(head) => {
                self.head_tx.send_replace(head.clone());
                // The store has the changes now: readers may stop looking at the stage.
                *write(&self.staged) = None;
                self.finish_write(None);
                Ok(head)
            }
            Err(e) => {
                // The stage stays: the tip's state is still what was decided, but nothing more
                // is built on it.
                self.finish_write(Some(e.to_string()));
                Err(e.into())
            }
        }
    }

    fn finish_write(&self, failed: Option<String>) {
        let mut slot = lock(&self.writing);
        slot.busy = false;
        if failed.is_some() {
            slot.failed = failed;
        }
        self.written.notify_all();
    }
}

#[cfg(test)]
pub(crate) mod tests;
