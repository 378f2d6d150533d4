//! Deterministic block execution: transactions in, state changes, outcomes and a state root out.
//!
//! A transaction whose call fails is still included: its nonce is used and its outcome records the
//! failure, but none of its writes and no fee are applied. A block that breaks a rule (wrong nonce,
//! bad signature, roots that do not match) is refused whole.

use crate::block::{Block, LimitError, ValidatorSet};
use crate::call::Call;
use crate::crypto::PublicKey;
use crate::events::Event;
use crate::genesis::Genesis;
use crate::hash::Hash;
use crate::ids::{AccountId, Height};
use crate::merkle::list_root;
use crate::smt::{self, TreeUpdate};
use crate::state::{ChangeSet, Overlay, StateReader, StorageError};
use crate::tx::{Transaction, TxError};
use crate::valset;
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A contract's refusal of a call: a stable code and a message a person can act on.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[error("{message}")]
pub struct CallError {
    /// Stable code, e.g. `settlement.insufficient_balance`.
    pub code: String,
    /// Plain words with the failing rule, e.g. "balance 10 fen is less than 50 fen".
    pub message: String,
}

/// Implemented by each contract's error enum to give every variant a stable code.
pub trait ContractError: std::fmt::Display {
    /// Stable code, `contract.reason`.
    fn code(&self) -> &'static str;
}

/// What can stop a call: the contract refused it, or storage failed (which stops the block).
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The call is refused; the transaction is recorded as failed.
    #[error(transparent)]
    Call(#[from] CallError),
    /// Storage failed; block execution stops.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl<E: ContractError> From<E> for CallError {
    fn from(e: E) -> Self {
        CallError { code: e.code().to_string(), message: e.to_string() }
    }
}

/// Runs calls. The contracts crate implements it; the runtime only knows this seam.
pub trait Dispatcher {
    /// Executes `call` for `ctx`'s sender.
    fn dispatch(&self, ctx: &mut TxContext<'_>, call: &Call) -> Result<(), ExecError>;
    /// Writes the genesis state.
    fn init_genesis(&self, ctx: &mut TxContext<'_>, genesis: &Genesis) -> Result<(), ExecError>;
}

/// Pending key/value writes; `None` deletes.
pub type Writes = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// Everything a call may see and touch: who sent it, where in the chain it runs, and the state.
pub struct TxContext<'a> {
    /// Acting account.
    pub sender: AccountId,
    /// The key that signed.
    pub signer: PublicKey,
    /// Height of the block being executed.
    pub height: Height,
    /// Ledger time: the block's timestamp in ms.
    pub timestamp_ms: u64,
    /// This transaction's hash.
    pub tx_hash: Hash,
    base: &'a dyn StateReader,
    writes: Writes,
    events: Vec<Event>,
}

impl<'a> TxContext<'a> {
    /// A context over `base` for one transaction.
    pub fn new(
        base: &'a dyn StateReader,
        sender: AccountId,
        signer: PublicKey,
        height: Height,
        timestamp_ms: u64,
        tx_hash: Hash,
    ) -> Self {
        TxContext { sender, signer, height, timestamp_ms, tx_hash, base, writes: BTreeMap::new(), events: Vec::new() }
    }

    /// Raw read.
    pub fn get_raw(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        match self.writes.get(key) {
            Some(v) => Ok(v.clone()),
            None => self.base.get(key),
        }
    }

    /// Typed read; undecodable bytes are corrupt state.
    pub fn get<T: BorshDeserialize>(&self, key: &[u8]) -> Result<Option<T>, StorageError> {
        match self.get_raw(key)? {
            None => Ok(None),
            Some(b) => borsh::from_slice(&b)
                .map(Some)
                .map_err(|e| StorageError::Corrupt(format!("key {}: {e}", hex::encode(key)))),
        }
    }

    /// Typed write.
    pub fn put<T: BorshSerialize>(&mut self, key: Vec<u8>, value: &T) -> Result<(), StorageError> {
        let bytes = crate::encode(value).map_err(|e| StorageError::Corrupt(e.to_string()))?;
        self.writes.insert(key, Some(bytes));
        Ok(())
    }

    /// Delete.
    pub fn delete(&mut self, key: Vec<u8>) {
        self.writes.insert(key, None);
    }

    /// Records an event.
    pub fn emit(&mut self, e: Event) {
        self.events.push(e);
    }

    fn finish(self) -> (Writes, Vec<Event>) {
        (self.writes, self.events)
    }
}

/// How the signatures of a block's transactions are to be checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureCheck {
    /// Verify every signature here.
    Verify,
    /// The caller has already verified every signature (e.g. in its mempool or in parallel).
    AlreadyVerified,
}

/// Whether a transaction's call succeeded.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum TxStatus {
    /// Applied.
    Success,
    /// Refused by the contract; only the nonce was used.
    Failed {
        /// The refusal.
        error: CallError,
    },
}

/// The recorded result of one transaction in a block.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TxOutcome {
    /// The transaction.
    pub tx_hash: Hash,
    /// The account that acted (resolved from the signing key's binding at execution).
    pub account: AccountId,
    /// Success or the failure.
    pub status: TxStatus,
    /// Events (empty on failure).
    pub events: Vec<Event>,
}

impl TxOutcome {
    /// Hash committed in the header's outcomes root.
    pub fn hash(&self) -> Hash {
        Hash::of_borsh(crate::domain::OUTCOME_HASH, self)
    }
}

/// Why a block cannot be applied.
#[derive(Debug, thiserror::Error)]
pub enum BlockError {
    /// A transaction in the block is invalid; the proposer should never have included it.
    #[error("transaction {index} ({hash}) is invalid: {error}")]
    InvalidTx {
        /// Position.
        index: usize,
        /// Hash.
        hash: Hash,
        /// Why.
        error: TxError,
    },
    /// A header root does not match the execution.
    #[error("header {field} is {claimed}, execution gives {computed}")]
    RootMismatch {
        /// Which root.
        field: &'static str,
        /// In the header.
        claimed: Hash,
        /// Recomputed.
        computed: Hash,
    },
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The block breaks a size rule ([`Block::check_limits`]).
    #[error(transparent)]
    Limit(#[from] LimitError),
    /// The header carries another protocol version than the one in force for its height.
    #[error("header says protocol version {claimed}, the ledger's version for this height is {expected}")]
    WrongVersion {
        /// The header's.
        claimed: u32,
        /// The ledger's.
        expected: u32,
    },
    /// The block's timestamp is not strictly above its parent's.
    #[error("timestamp {timestamp_ms} is not after the parent's {parent_ms}")]
    TimestampNotAfterParent {
        /// The block's timestamp.
        timestamp_ms: u64,
        /// The parent's.
        parent_ms: u64,
    },
}

/// The result of executing a block's transactions on a state.
#[derive(Debug)]
pub struct BlockExecution {
    /// State root after the block.
    pub state_root: Hash,
    /// One outcome per transaction.
    pub outcomes: Vec<TxOutcome>,
    /// Merkle root of the outcome hashes.
    pub outcomes_root: Hash,
    /// The writes to commit, including state-tree nodes.
    pub changes: ChangeSet,
    /// The set that signs the next block (its hash is the header's `next_validators_hash`).
    pub next_validators: ValidatorSet,
    /// The protocol version in force for this block (the header's `protocol_version`).
    pub protocol_version: u32,
}

/// Which organization a key signs for, and whether it still may.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyBinding {
    /// The organization's account.
    pub account: AccountId,
    /// False once the key was rotated out.
    pub active: bool,
}

/// State key of a key binding.
pub fn key_binding_key(pk: &PublicKey) -> Vec<u8> {
    [b"auth/key/".as_slice(), &pk.0].concat()
}

/// The account a key acts for: refused if the key is unknown or rotated out. The outer error is
/// a storage failure, the inner one the refusal.
pub fn resolve_sender<S: StateReader + ?Sized>(
    state: &S,
    pk: &PublicKey,
) -> Result<Result<AccountId, TxError>, StorageError> {
    let Some(bytes) = state.get(&key_binding_key(pk))? else {
        return Ok(Err(TxError::UnknownKey(*pk)));
    };
    let b: KeyBinding = borsh::from_slice(&bytes).map_err(|e| StorageError::Corrupt(format!("key binding: {e}")))?;
    if b.active { Ok(Ok(b.account)) } else { Ok(Err(TxError::KeyRevoked { key: *pk, account: b.account })) }
}

/// State key of an account's next nonce.
pub fn nonce_key(account: &AccountId) -> Vec<u8> {
    [b"nonce/".as_slice(), &account.0].concat()
}

/// The next nonce `account` must use.
pub fn next_nonce<S: StateReader + ?Sized>(state: &S, account: &AccountId) -> Result<u64, StorageError> {
    match state.get(&nonce_key(account))? {
        None => Ok(0),
        Some(b) => borsh::from_slice(&b).map_err(|e| StorageError::Corrupt(format!("nonce: {e}"))),
    }
}

/// Block-level parameters of execution.
#[derive(Clone, Copy, Debug)]
pub struct BlockEnv<'a> {
    /// Chain id transactions must carry.
    pub chain_id: &'a str,
    /// Height being executed.
    pub height: Height,
    /// Ledger time.
    pub timestamp_ms: u64,
}

/// Executes `txs` on `state`. Used by a proposer to build a block and, through [`apply_block`], by
/// everyone to check one.
pub fn execute_txs<S: StateReader + ?Sized>(
    state: &S,
    env: BlockEnv<'_>,
    txs: &[Transaction],
    dispatcher: &dyn Dispatcher,
    sig: SignatureCheck,
) -> Result<BlockExecution, BlockError> {
    execute_txs_hashed(state, env, txs, &Block::tx_hashes_of(txs), dispatcher, sig)
}

/// [`execute_txs`] with the transactions' hashes already computed (`hashes[i]` is
/// `txs[i].hash()`; a hash that is missing is computed here), so that a node hashes each
/// transaction of a block once. The outcomes carry these hashes (`TxOutcome::tx_hash`).
pub fn execute_txs_hashed<S: StateReader + ?Sized>(
    state: &S,
    env: BlockEnv<'_>,
    txs: &[Transaction],
    hashes: &[Hash],
    dispatcher: &dyn Dispatcher,
    sig: SignatureCheck,
) -> Result<BlockExecution, BlockError> {
    let mut overlay = Overlay::new(state);
    // The pending validator set becomes the next one, a due upgrade comes into force (`valset`).
    overlay.changes.kv.extend(valset::block_prologue(state, env.height)?);
    let mut outcomes = Vec::with_capacity(txs.len());
    for (index, tx) in txs.iter().enumerate() {
        let hash = hashes.get(index).copied().unwrap_or_else(|| tx.hash());
        let invalid = |error| BlockError::InvalidTx { index, hash, error };
        match sig {
            SignatureCheck::Verify => tx.verify(env.chain_id).map_err(invalid)?,
            SignatureCheck::AlreadyVerified if tx.chain_id != env.chain_id => {
                return Err(invalid(TxError::WrongChain {
                    expected: env.chain_id.to_string(),
                    got: tx.chain_id.clone(),
                }));
            }
            SignatureCheck::AlreadyVerified => {}
        }
        let account = resolve_sender(&overlay, &tx.sender)?.map_err(invalid)?;
        let expected = next_nonce(&overlay, &account)?;
        if tx.nonce < expected && !crate::planted::on(crate::planted::Bug::AcceptStaleNonce) {
            return Err(invalid(TxError::StaleNonce { account, expected, got: tx.nonce }));
        }
        if tx.nonce > expected {
            return Err(invalid(TxError::FutureNonce { account, expected, got: tx.nonce }));
        }
        let mut ctx = TxContext::new(&overlay, account, tx.sender, env.height, env.timestamp_ms, hash);
        let result = dispatcher.dispatch(&mut ctx, &tx.call);
        let (writes, events) = ctx.finish();
        let status = match result {
            Ok(()) => {
                overlay.changes.kv.extend(writes);
                TxStatus::Success
            }
            Err(ExecError::Call(error)) => TxStatus::Failed { error },
            Err(ExecError::Storage(e)) => return Err(e.into()),
        };
        let events = if status == TxStatus::Success { events } else { Vec::new() };
        let nonce = (expected + 1).to_le_bytes().to_vec();
        overlay.changes.kv.insert(nonce_key(&account), Some(nonce));
        outcomes.push(TxOutcome { tx_hash: hash, account, status, events });
    }
    let next_validators = valset::next_set(&overlay)?;
    let protocol_version = valset::protocol_version(&overlay)?;
    let kv = std::mem::take(&mut overlay.changes.kv);
    let (state_root, changes) = commit_changes(state, kv)?;
    let outcomes_root = list_root(&outcomes.iter().map(|o| o.hash()).collect::<Vec<_>>());
    Ok(BlockExecution { state_root, outcomes, outcomes_root, changes, next_validators, protocol_version })
}

/// Executes `block` on `state` (the state after its parent, whose timestamp is `parent_ms`) and
/// checks that its header roots are the ones execution gives. First it applies the rules that need
/// no state, before any transaction is hashed or executed: the size rules
/// ([`Block::check_limits`]) and a timestamp strictly above the parent's. These are consensus
/// rules (`docs/consensus.md`, "Block limits"); the limit of a timestamp above a validator's clock
/// is the node's, since the runtime reads no clock.
pub fn apply_block<S: StateReader + ?Sized>(
    state: &S,
    parent_ms: u64,
    block: &Block,
    dispatcher: &dyn Dispatcher,
    sig: SignatureCheck,
) -> Result<BlockExecution, BlockError> {
    check_stateless(block, parent_ms)?;
    apply_checked(state, block, &block.tx_hashes(), dispatcher, sig)
}

/// [`apply_block`] with the block's transaction hashes already computed (`hashes[i]` is
/// `block.txs[i].hash()`, as [`Block::tx_hashes`] gives them): a node that hashed them to look up
/// which signatures it already checked hashes each transaction once. The same rules, in the same
/// order.
pub fn apply_block_hashed<S: StateReader + ?Sized>(
    state: &S,
    parent_ms: u64,
    block: &Block,
    hashes: &[Hash],
    dispatcher: &dyn Dispatcher,
    sig: SignatureCheck,
) -> Result<BlockExecution, BlockError> {
    check_stateless(block, parent_ms)?;
    if hashes.len() != block.txs.len() {
        return apply_checked(state, block, &block.tx_hashes(), dispatcher, sig);
    }
    apply_checked(state, block, hashes, dispatcher, sig)
}

/// The rules of [`apply_block`] that need no state and no hashing.
fn check_stateless(block: &Block, parent_ms: u64) -> Result<(), BlockError> {
    let h = &block.header;
    block.check_limits()?;
    let not_after = if crate::planted::on(crate::planted::Bug::TimestampEqualToParent) {
        h.timestamp_ms < parent_ms
    } else {
        h.timestamp_ms <= parent_ms
    };
    if not_after {
        return Err(BlockError::TimestampNotAfterParent { timestamp_ms: h.timestamp_ms, parent_ms });
    }
    Ok(())
}

/// The rest of [`apply_block`]: the roots, then execution.
fn apply_checked<S: StateReader + ?Sized>(
    state: &S,
    block: &Block,
    hashes: &[Hash],
    dispatcher: &dyn Dispatcher,
    sig: SignatureCheck,
) -> Result<BlockExecution, BlockError> {
    let h = &block.header;
    let tx_root = list_root(hashes);
    if tx_root != h.tx_root {
        return Err(BlockError::RootMismatch { field: "tx_root", claimed: h.tx_root, computed: tx_root });
    }
    let env = BlockEnv { chain_id: &h.chain_id, height: h.height, timestamp_ms: h.timestamp_ms };
    let exec = execute_txs_hashed(state, env, &block.txs, hashes, dispatcher, sig)?;
    if exec.outcomes_root != h.outcomes_root {
        return Err(BlockError::RootMismatch {
            field: "outcomes_root",
            claimed: h.outcomes_root,
            computed: exec.outcomes_root,
        });
    }
    if exec.state_root != h.state_root && !crate::planted::on(crate::planted::Bug::SkipStateRootCheck) {
        return Err(BlockError::RootMismatch { field: "state_root", claimed: h.state_root, computed: exec.state_root });
    }
    let next_validators_hash = exec.next_validators.hash();
    if next_validators_hash != h.next_validators_hash {
        return Err(BlockError::RootMismatch {
            field: "next_validators_hash",
            claimed: h.next_validators_hash,
            computed: next_validators_hash,
        });
    }
    if exec.protocol_version != h.protocol_version {
        return Err(BlockError::WrongVersion { claimed: h.protocol_version, expected: exec.protocol_version });
    }
    Ok(exec)
}

/// Builds the genesis state (height 0) from `genesis` on an empty store.
pub fn apply_genesis<S: StateReader>(
    state: &S,
    genesis: &Genesis,
    dispatcher: &dyn Dispatcher,
) -> Result<(Hash, ChangeSet), ExecError> {
    let system = AccountId([0u8; 32]);
    let mut ctx =
        TxContext::new(state, system, PublicKey([0u8; 32]), Height(0), genesis.genesis_time_ms, genesis.hash());
    dispatcher.init_genesis(&mut ctx, genesis)?;
    let (mut writes, _) = ctx.finish();
    writes.extend(valset::genesis_writes(genesis)?);
    Ok(commit_changes(state, writes)?)
}

/// Turns key/value writes into a change set with the state-tree updates and the new root.
fn commit_changes<S: StateReader + ?Sized>(
    state: &S,
    kv: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
) -> Result<(Hash, ChangeSet), StorageError> {
    let mut tree = TreeUpdate::new(state);
    let mut out = BTreeMap::new();
    let mut paths = Vec::with_capacity(kv.len());
    for (k, v) in kv {
        match &v {
            Some(value) => paths.push((smt::key_hash(&k), Some(smt::value_hash(value)))),
            None if state.get(&k)?.is_some() => paths.push((smt::key_hash(&k), None)),
            // Written and deleted within the block: nothing to do.
            None => continue,
        }
        out.insert(k, v);
    }
    // One pass over the tree for the whole block: shared path prefixes are read and hashed once.
    tree.apply(paths)?;
    let root = tree.root()?;
    Ok((root, ChangeSet { kv: out, nodes: tree.nodes }))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::block::{BlockHeader, MAX_BLOCK_TXS};
    use crate::state::MemState;
    use crate::test_utils::{key, transfer};

    /// A dispatcher that must never run: the rules checked here come before execution. (Were it
    /// run, the call would fail and the block would be refused for its roots, not for the rule.)
    struct Unreachable;
    impl Dispatcher for Unreachable {
        fn dispatch(&self, _: &mut TxContext<'_>, _: &Call) -> Result<(), ExecError> {
            Err(CallError { code: "test.executed".into(), message: "executed".into() }.into())
        }
        fn init_genesis(&self, _: &mut TxContext<'_>, _: &Genesis) -> Result<(), ExecError> {
            Ok(())
        }
    }

    fn genesis() -> Genesis {
        let validators = vec![crate::block::Validator { name: "v".into(), public_key: key(1).public_key(), power: 1 }];
        Genesis {
            chain_id: "c".into(),
            genesis_time_ms: 1,
            validators,
            organizations: vec![],
            crypto: crate::suite::active(),
        }
    }

    /// The state of [`genesis`] (the dispatcher writes nothing: only the validator set and version).
    fn genesis_state() -> MemState {
        let mut state = MemState::default();
        let (_, changes) = apply_genesis(&MemState::default(), &genesis(), &Unreachable).expect("genesis");
        state.apply(changes);
        state
    }

    fn block(timestamp_ms: u64, txs: Vec<Transaction>) -> Block {
        let header = BlockHeader {
            protocol_version: 1,
            chain_id: "c".into(),
            height: Height(2),
            parent_hash: Hash::ZERO,
            timestamp_ms,
            proposer: key(1).public_key(),
            tx_root: Block::compute_tx_root(&txs),
            outcomes_root: list_root(&[]),
            // An empty block changes nothing: the genesis state's root.
            state_root: smt::root(&genesis_state()).expect("genesis root"),
            next_validators_hash: genesis().validator_set().hash(),
        };
        Block { header, txs }
    }

    #[test]
    pub(crate) fn a_block_claiming_another_state_root_is_refused() {
        let state = genesis_state();
        assert!(apply_block(&state, 5_000, &block(5_001, vec![]), &Unreachable, SignatureCheck::Verify).is_ok());
        let mut b = block(5_001, vec![]);
        b.header.state_root = Hash([9; 32]);
        let r = apply_block(&state, 5_000, &b, &Unreachable, SignatureCheck::Verify);
        assert!(matches!(r, Err(BlockError::RootMismatch { field: "state_root", .. })), "{r:?}");
    }

    /// The node hashes a block's transactions once and hands the hashes on: the same block
    /// applied with them gives what `apply_block` gives, a wrong hash fails the tx root as a
    /// wrong transaction would, and a list of the wrong length is not trusted.
    #[test]
    fn a_block_applied_with_its_hashes_gives_the_same_execution() {
        let mut state = genesis_state();
        let binding = KeyBinding { account: crate::test_utils::account(2), active: true };
        state.kv.insert(key_binding_key(&key(2).public_key()), borsh::to_vec(&binding).expect("encode"));
        let txs: Vec<_> =
            (0..3).map(|n| transfer("c", &key(2), n, crate::test_utils::account(3), crate::ids::Fen(1))).collect();
        let env = BlockEnv { chain_id: "c", height: Height(2), timestamp_ms: 5_001 };
        let exec = execute_txs(&state, env, &txs, &Unreachable, SignatureCheck::Verify).expect("executes");
        let mut b = block(5_001, txs);
        b.header.outcomes_root = exec.outcomes_root;
        b.header.state_root = exec.state_root;
        let plain = apply_block(&state, 5_000, &b, &Unreachable, SignatureCheck::Verify).expect("valid");
        let hashes = b.tx_hashes();
        assert_eq!(exec.outcomes.iter().map(|o| o.tx_hash).collect::<Vec<_>>(), hashes, "outcomes carry the hashes");
        let hashed = apply_block_hashed(&state, 5_000, &b, &hashes, &Unreachable, SignatureCheck::Verify)
            .expect("valid with its hashes");
        assert_eq!((hashed.state_root, hashed.outcomes_root), (plain.state_root, plain.outcomes_root));
        assert_eq!(hashed.outcomes, plain.outcomes);
        let mut wrong = hashes.clone();
        wrong[1] = Hash([7; 32]);
        let r = apply_block_hashed(&state, 5_000, &b, &wrong, &Unreachable, SignatureCheck::Verify);
        assert!(matches!(r, Err(BlockError::RootMismatch { field: "tx_root", .. })), "{r:?}");
        let short = apply_block_hashed(&state, 5_000, &b, &hashes[..2], &Unreachable, SignatureCheck::Verify);
        assert_eq!(short.expect("recomputed").state_root, plain.state_root);
    }

    #[test]
    pub(crate) fn a_nonce_used_earlier_in_the_block_refuses_the_block() {
        let mut state = genesis_state();
        // key(2) acts for an account (only the execution loop reads this; no tree node is needed).
        let binding = KeyBinding { account: crate::test_utils::account(2), active: true };
        state.kv.insert(key_binding_key(&key(2).public_key()), borsh::to_vec(&binding).expect("encode"));
        let tx = transfer("c", &key(2), 0, crate::test_utils::account(3), crate::ids::Fen(1));
        let env = BlockEnv { chain_id: "c", height: Height(2), timestamp_ms: 5_001 };
        // Once: its call fails (the dispatcher refuses everything) but its nonce is used.
        let once = execute_txs(&state, env, std::slice::from_ref(&tx), &Unreachable, SignatureCheck::Verify);
        assert!(once.is_ok(), "{:?}", once.err());
        let env = BlockEnv { chain_id: "c", height: Height(2), timestamp_ms: 5_001 };
        let r = execute_txs(&state, env, &[tx.clone(), tx], &Unreachable, SignatureCheck::Verify);
        assert!(
            matches!(
                r,
                Err(BlockError::InvalidTx { index: 1, error: TxError::StaleNonce { expected: 1, got: 0, .. }, .. })
            ),
            "{:?}",
            r.err()
        );
    }

    #[test]
    pub(crate) fn a_timestamp_equal_to_the_parents_is_refused_and_one_above_is_not() {
        let state = genesis_state();
        let r = apply_block(&state, 5_000, &block(5_000, vec![]), &Unreachable, SignatureCheck::Verify);
        assert!(matches!(r, Err(BlockError::TimestampNotAfterParent { timestamp_ms: 5_000, parent_ms: 5_000 })));
        let r = apply_block(&state, 5_000, &block(4_999, vec![]), &Unreachable, SignatureCheck::Verify);
        assert!(matches!(r, Err(BlockError::TimestampNotAfterParent { .. })));
        // One millisecond later is valid.
        let r = apply_block(&state, 5_000, &block(5_001, vec![]), &Unreachable, SignatureCheck::Verify);
        assert!(r.is_ok(), "{r:?}");
    }

    #[test]
    fn a_header_naming_another_next_set_or_version_is_refused() {
        let state = genesis_state();
        let mut b = block(5_001, vec![]);
        b.header.next_validators_hash = Hash([5; 32]);
        let r = apply_block(&state, 5_000, &b, &Unreachable, SignatureCheck::Verify);
        assert!(matches!(r, Err(BlockError::RootMismatch { field: "next_validators_hash", .. })), "{r:?}");
        let mut b = block(5_001, vec![]);
        b.header.protocol_version = 2;
        let r = apply_block(&state, 5_000, &b, &Unreachable, SignatureCheck::Verify);
        assert!(matches!(r, Err(BlockError::WrongVersion { claimed: 2, expected: 1 })), "{r:?}");
    }

    #[test]
    fn every_node_refuses_a_block_over_the_size_rules_before_executing_it() {
        let state = MemState::default();
        let tx = transfer("c", &key(2), 0, crate::test_utils::account(3), crate::ids::Fen(1));
        let over = block(2, vec![tx; MAX_BLOCK_TXS + 1]);
        let r = apply_block(&state, 1, &over, &Unreachable, SignatureCheck::Verify);
        assert!(matches!(r, Err(BlockError::Limit(LimitError::TooManyTxs { .. }))), "{r:?}");
    }
}
