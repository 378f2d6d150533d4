//! The chain: committed store, mempool and runtime glued together. Consensus drives it through
//! three calls: [`Chain::propose`], [`Chain::validate`], [`Chain::commit`] (this file); admission of
//! new transactions is `admission.rs`, the background block writer `writer.rs`. It must never decide
//! *when* a block is made (consensus does), and state changes only through a commit.

mod admission;
mod attempts;
#[cfg(feature = "byzantine")]
mod byzantine;
mod rejected;
mod verify;
mod writer;

use crate::mempool::verified::{DecodedKeys, VerifiedCache};
use crate::mempool::{Mempool, MempoolConfig};
use crate::storage::{ChainStore, Head, StoreError};
use rejected::RejectedLog;
use shulian_contracts::NativeContracts;
use shulian_runtime::block::{MAX_BLOCK_TX_BYTES, MAX_BLOCK_TXS, MAX_TX_BYTES};
#[cfg(test)]
use shulian_runtime::exec::next_nonce;
use shulian_runtime::exec::{BlockEnv, BlockError, ExecError, execute_txs};
use shulian_runtime::genesis::{Genesis, GenesisError};
use shulian_runtime::merkle::list_root;
use shulian_runtime::smt::{NodeKey, SmtNode};
use shulian_runtime::state::{StateReader, StorageError};
use shulian_runtime::valset;
use shulian_runtime::{
    AccountId, Block, BlockExecution, BlockHeader, CommitCertificate, Hash, Height, PublicKey, SignatureCheck,
    Transaction, ValidatorSet, apply_block_hashed,
};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use tokio::sync::watch;
use writer::{Staged, WriteJob, WriteSlot};

pub use admission::{API_RELAY_QUEUE, Relayed, RelayedAdmission, SubmitError, TxRelay};
pub use rejected::Rejection;
pub use writer::AfterWrite;

/// How far above this validator's clock a proposed block's timestamp may be, by default: 10 s.
/// The validators' clocks are kept by NTP to well under a second of each other, so an honest
/// proposer's timestamp is never near it, while ledger time (what contracts see) cannot be moved
/// ahead by more than this per block by a faulty proposer.
pub const DEFAULT_MAX_CLOCK_DRIFT_MS: u64 = 10_000;

/// Limits the chain enforces on transactions and blocks. The size limits this node *proposes* and
/// *admits* with may be set lower than the consensus rules ([`MAX_TX_BYTES`], [`MAX_BLOCK_TXS`],
/// [`MAX_BLOCK_TX_BYTES`]), never higher: [`Chain::open`] lowers them to the rules. What a block
/// must satisfy to be valid is the rules, whatever these say.
#[derive(Clone, Copy, Debug)]
pub struct ChainLimits {
    /// Largest encoded transaction accepted.
    pub max_tx_bytes: usize,
    /// Most transactions in a block this node proposes.
    pub max_block_txs: usize,
    /// Most transaction bytes in a block this node proposes.
    pub max_block_bytes: usize,
    /// How far above this node's clock a proposal's timestamp may be ([`Chain::validate_proposal`]).
    pub max_clock_drift_ms: u64,
    /// Mempool bounds.
    pub mempool: MempoolConfig,
}

impl Default for ChainLimits {
    fn default() -> Self {
        ChainLimits {
            max_tx_bytes: MAX_TX_BYTES,
            max_block_txs: MAX_BLOCK_TXS,
            max_block_bytes: MAX_BLOCK_TX_BYTES,
            max_clock_drift_ms: DEFAULT_MAX_CLOCK_DRIFT_MS,
            mempool: MempoolConfig::default(),
        }
    }
}

impl ChainLimits {
    /// These limits, lowered where they exceed the consensus rules.
    fn within_rules(self) -> Self {
        ChainLimits {
            max_tx_bytes: self.max_tx_bytes.min(MAX_TX_BYTES),
            max_block_txs: self.max_block_txs.min(MAX_BLOCK_TXS),
            max_block_bytes: self.max_block_bytes.min(MAX_BLOCK_TX_BYTES),
            ..self
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
    /// A scheduled upgrade reached: the ledger needs a protocol version this node does not run.
    #[error(
        "block {height} needs protocol version {needed}, this node runs version {runs}: stop it and start a release that runs version {needed} (docs/operations.md, \"Upgrades\")"
    )]
    UpgradeRequired {
        /// The first block of the version.
        height: Height,
        /// The version the ledger needs.
        needed: u32,
        /// The highest version this node runs.
        runs: u32,
    },
}

/// The chain as the node sees it.
pub struct Chain {
    genesis: Genesis,
    /// The set that signs the block after the tip (`valset`: header `h` commits to it).
    validators: RwLock<Arc<ValidatorSet>>,
    /// The highest protocol version this node runs (`valset::PROTOCOL_VERSION` unless a rehearsal
    /// says otherwise); a block that needs a later one stops the node ([`ChainError::UpgradeRequired`]).
    max_protocol: std::sync::atomic::AtomicU32,
    /// Set once a block needs a protocol version this node does not run: the node stops.
    halt: watch::Sender<Option<String>>,
    limits: ChainLimits,
    store: ChainStore,
    head_tx: watch::Sender<Head>,
    mempool: Mutex<Mempool>,
    rejected: Mutex<RejectedLog>,
    contracts: NativeContracts,
    relay: Mutex<Option<TxRelay>>,
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
    /// What the network sees of the peers (connections, announced heads), for `/ready` and status.
    peers: crate::health::PeerView,
    /// The node's Prometheus metrics, updated where things happen.
    metrics: Arc<crate::metrics::Metrics>,
}

/// The set that signs the block after the stored head (`None` for a store written before the
/// validator set was ledger state: impossible for a store this code opened).
fn staged_or_stored_next_set(store: &ChainStore) -> Result<Option<ValidatorSet>, ChainError> {
    match store.get(valset::NEXT_SET_KEY)? {
        None => Ok(None),
        Some(_) => Ok(Some(valset::next_set(store)?)),
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
        let limits = limits.within_rules();
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
        let metrics = Arc::new(crate::metrics::Metrics::new());
        metrics.opened_at(head.height.0, head.timestamp_ms);
        let (head_tx, _) = watch::channel(head);
        let validators = match staged_or_stored_next_set(&store)? {
            Some(set) => set,
            None => genesis.validator_set(),
        };
        let peers = crate::health::PeerView::new(&validators);
        Ok(Chain {
            validators: RwLock::new(Arc::new(validators)),
            max_protocol: std::sync::atomic::AtomicU32::new(valset::PROTOCOL_VERSION),
            halt: watch::channel(None).0,
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
            peers,
            metrics,
        })
    }

    /// Chain id.
    pub fn chain_id(&self) -> &str {
        &self.genesis.chain_id
    }

    /// The genesis.
    pub fn genesis(&self) -> &Genesis {
        &self.genesis
    }

    /// The validators that sign the block after the tip (the height consensus is deciding).
    pub fn validators(&self) -> Arc<ValidatorSet> {
        read(&self.validators).clone()
    }

    /// Lets this node run blocks up to protocol `version` (an upgrade rehearsal: a release that
    /// knows a later version sets it in its code, `valset::PROTOCOL_VERSION`).
    pub fn set_max_protocol(&self, version: u32) {
        self.max_protocol.store(version, std::sync::atomic::Ordering::Relaxed);
    }

    /// The highest protocol version this node runs.
    pub fn max_protocol(&self) -> u32 {
        self.max_protocol.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Refuses to build or check block `height` if the ledger needs a protocol version this node
    /// does not run (a scheduled upgrade reached): the node must stop there, not fork.
    pub fn check_protocol(&self, height: Height) -> Result<(), ChainError> {
        let needed = valset::version_for(&self.tip_state(), height)?;
        let runs = self.max_protocol();
        if needed > runs {
            let e = ChainError::UpgradeRequired { height, needed, runs };
            self.halt.send_if_modified(|h| {
                let first = h.is_none();
                if first {
                    *h = Some(e.to_string());
                }
                first
            });
            return Err(e);
        }
        Ok(())
    }

    /// Resolves with the reason once the node must stop (a scheduled upgrade it cannot run).
    pub async fn halted(&self) -> String {
        let mut rx = self.halt.subscribe();
        loop {
            if let Some(reason) = rx.borrow_and_update().clone() {
                return reason;
            }
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }

    /// What the network sees of the peers (connections, announced heads): observed only.
    pub fn peer_view(&self) -> &crate::health::PeerView {
        &self.peers
    }

    /// The node's metrics (observed only).
    pub fn metrics(&self) -> &Arc<crate::metrics::Metrics> {
        &self.metrics
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

    /// The block after `head` holding `txs`, whose execution on the tip is `exec`.
    fn block_on(
        &self,
        head: &Head,
        proposer: PublicKey,
        timestamp_ms: u64,
        txs: Vec<Transaction>,
        exec: &BlockExecution,
    ) -> Block {
        let header = BlockHeader {
            protocol_version: exec.protocol_version,
            chain_id: self.chain_id().to_string(),
            height: head.height.next(),
            parent_hash: head.block_hash,
            timestamp_ms,
            proposer,
            // Execution hashed every transaction into its outcome, one outcome per transaction.
            tx_root: list_root(&exec.outcomes.iter().map(|o| o.tx_hash).collect::<Vec<_>>()),
            outcomes_root: exec.outcomes_root,
            state_root: exec.state_root,
            next_validators_hash: exec.next_validators.hash(),
        };
        Block { header, txs }
    }

    /// Builds (and executes) the next block from pending transactions, as `proposer`, at wall-clock
    /// `now_ms`. Pending transactions that cannot execute are dropped from the mempool.
    pub fn propose(&self, proposer: PublicKey, now_ms: u64) -> Result<(Block, BlockExecution), ChainError> {
        self.check_writes()?;
        // Relayed transactions still queued may belong in this block.
        self.admit_relayed();
        let head = self.tip();
        self.check_protocol(head.height.next())?;
        let mut txs = lock(&self.mempool).reap(self.limits.max_block_txs, self.limits.max_block_bytes);
        let height = head.height.next();
        let timestamp_ms = now_ms.max(head.timestamp_ms + 1);
        let env = BlockEnv { chain_id: self.chain_id(), height, timestamp_ms };
        loop {
            // Signatures were verified when the mempool admitted these transactions.
            match execute_txs(&self.tip_state(), env, &txs, &self.contracts, SignatureCheck::AlreadyVerified) {
                Ok(exec) => return Ok((self.block_on(&head, proposer, timestamp_ms, txs, &exec), exec)),
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

    /// Checks a *proposed* block at this node's wall-clock time `now_ms`: its timestamp is at most
    /// the configured drift above `now_ms`, and then everything [`Chain::validate`] checks. Only
    /// consensus calls it, for a proposal it may vote for; a certified block (block sync, replay)
    /// goes through [`Chain::validate`] alone, since its timestamp was checked by the validators
    /// that certified it and is in the past by now.
    pub fn validate_proposal(&self, block: &Block, now_ms: u64) -> Result<BlockExecution, ChainError> {
        let limit = now_ms.saturating_add(self.limits.max_clock_drift_ms);
        if block.header.timestamp_ms > limit {
            return Err(ChainError::Header(format!(
                "timestamp {} is more than {} ms above this validator's clock {now_ms}",
                block.header.timestamp_ms, self.limits.max_clock_drift_ms
            )));
        }
        self.validate(block)
    }

    /// Checks that `block` extends the tip and obeys every deterministic rule, then executes it;
    /// the result is what [`Chain::commit`] needs. The stateless rules come first, before any
    /// signature is checked or transaction executed: the size rules ([`Block::check_limits`]), a
    /// timestamp strictly above the parent's, a proposer in the validator set (`docs/consensus.md`,
    /// "Block limits"); `apply_block` checks the first two again, as every node's runtime does.
    pub fn validate(&self, block: &Block) -> Result<BlockExecution, ChainError> {
        self.check_writes()?;
        block.check_limits().map_err(BlockError::from)?;
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
        self.check_protocol(h.height)?;
        if self.validators().get(&h.proposer).is_none() {
            return Err(ChainError::Header(format!("proposer {} is not a validator", h.proposer)));
        }
        // Each transaction is hashed once here: for the signature cache, the tx root, the
        // outcomes (`TxOutcome::tx_hash`), and from those the commit's index and mempool removal.
        let hashes = block.tx_hashes();
        self.verify_signatures(block, &hashes)?;
        let sig = SignatureCheck::AlreadyVerified;
        Ok(apply_block_hashed(&self.tip_state(), head.timestamp_ms, block, &hashes, &self.contracts, sig)?)
    }

    /// Checks every signature of `block` this node has not checked before (most were checked when
    /// the mempool admitted them), in parallel, off the caller's thread of control; remembers them.
    fn verify_signatures(&self, block: &Block, hashes: &[Hash]) -> Result<(), ChainError> {
        let todo: Vec<(usize, Hash, &Transaction)> = {
            let cache = lock(&self.verified);
            block
                .txs
                .iter()
                .zip(hashes)
                .enumerate()
                .map(|(i, (t, h))| (i, *h, t))
                .filter(|(_, h, _)| !cache.contains(h))
                .collect()
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

    /// Commits a block that `cert` finalizes, with the execution `exec` of it on the tip, and
    /// returns once it is stored durably.
    pub fn commit(&self, block: &Block, cert: &CommitCertificate, exec: BlockExecution) -> Result<Head, ChainError> {
        let staged = self.stage(block, cert, exec)?;
        self.write_staged(block, cert, &staged)
    }

    /// Makes `block` the tip: checks its certificate and that it extends the tip, waits for the
    /// previous write, and takes its transactions out of the mempool.
    fn stage(&self, block: &Block, cert: &CommitCertificate, exec: BlockExecution) -> Result<Arc<Staged>, ChainError> {
        let signers = self.validators();
        cert.verify(&block.header, &signers).map_err(|e| ChainError::Header(format!("certificate: {e}")))?;
        // The outcomes carry the transactions' hashes, one per transaction (execution hashed them).
        let hashes: Vec<Hash> = if exec.outcomes.len() == block.txs.len() {
            exec.outcomes.iter().map(|o| o.tx_hash).collect()
        } else {
            block.tx_hashes()
        };
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
        let next = exec.next_validators;
        let staged = Arc::new(Staged { head, outcomes: exec.outcomes, changes: exec.changes });
        *write(&self.staged) = Some(staged.clone());
        if *signers != next {
            tracing::info!(target: "chain", height = %h.height.next(), set = %next.hash(), validators = next.validators.len(), total_power = next.total_power(), "a new validator set signs from this height");
            self.peers.set_validators(&next);
            *write(&self.validators) = Arc::new(next);
        }
        pool.remove(&hashes);
        // Each sender's next nonce after this block, for transactions parked behind a gap (read
        // only when some are: this runs for every block, under the pool's lock).
        let mut senders: std::collections::BTreeMap<AccountId, u64> = std::collections::BTreeMap::new();
        if pool.parked() > 0 && staged.outcomes.len() == block.txs.len() {
            for (o, t) in staged.outcomes.iter().zip(&block.txs) {
                let next = senders.entry(o.account).or_default();
                *next = (*next).max(t.nonce.saturating_add(1));
            }
        }
        pool.after_commit(h.height.0, senders);
        Ok(staged)
    }
}

#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod tests_limits;
#[cfg(test)]
pub(crate) mod tests_receipts;
#[cfg(test)]
mod tests_valset;
