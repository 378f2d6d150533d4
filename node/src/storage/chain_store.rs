//! Typed access to the columns: what a block commit writes, and the reads the API needs.

use super::cache::ReadCache;
use super::{Batch, Column, KvStore, StoreError, StoreResult};
use borsh::{BorshDeserialize, BorshSerialize};
use shulian_runtime::events::{EventKind, Subject};
use shulian_runtime::exec::TxOutcome;
use shulian_runtime::genesis::Genesis;
use shulian_runtime::smt::{NodeKey, SmtNode};
use shulian_runtime::state::{ChangeSet, StateReader, StorageError};
use shulian_runtime::{Block, BlockHeader, CommitCertificate, Event, Hash, Height};
use std::sync::Arc;

/// The last committed block (height 0 = the genesis state, whose "block hash" is the genesis hash).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Head {
    /// Height.
    pub height: Height,
    /// Its block hash.
    pub block_hash: Hash,
    /// State root after it.
    pub state_root: Hash,
    /// Its timestamp.
    pub timestamp_ms: u64,
}

/// Where a committed transaction is.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct TxLocation {
    /// Block height.
    pub height: Height,
    /// Position in the block.
    pub index: u32,
    /// Whether its call succeeded.
    pub success: bool,
}

/// One indexed event with where it happened.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize)]
pub struct EventRecord {
    /// Block height.
    pub height: Height,
    /// Transaction position in the block.
    pub tx_index: u32,
    /// Transaction hash (the proof of where this came from).
    pub tx_hash: Hash,
    /// Event position within the transaction.
    pub event_index: u16,
    /// The event.
    pub event: Event,
}

/// The index prefix of a subject: 1 kind byte and the 32-byte id.
pub fn subject_prefix(s: &Subject) -> Vec<u8> {
    let (kind, id) = match s {
        Subject::Account(a) => (b'a', a.0),
        Subject::Dataset(d) => (b'd', d.0),
        Subject::Grant(g) => (b'g', g.0),
        Subject::Listing(l) => (b'l', l.0),
        Subject::Order(o) => (b'o', o.0),
        Subject::Demand(m) => (b'm', m.0),
    };
    let mut v = Vec::with_capacity(33);
    v.push(kind);
    v.extend_from_slice(&id);
    v
}

/// The index prefix of every event of one kind: `t` and the kind's byte (its borsh variant index,
/// pinned by ADR 0003), so "every grant issued" or "every dispute opened" is one scan in chain order.
pub fn event_type_prefix(kind: EventKind) -> Vec<u8> {
    vec![b't', kind.as_u8()]
}

/// Where an event is: height (u64 BE) ++ transaction index (u32 BE) ++ event index (u16 BE). Its
/// first 12 bytes are the key of the transaction's outcome in [`Column::Results`].
pub(super) fn position(height: Height, tx_index: u32, event_index: u16) -> [u8; 14] {
    let mut p = [0u8; 14];
    p[..8].copy_from_slice(&height.0.to_be_bytes());
    p[8..12].copy_from_slice(&tx_index.to_be_bytes());
    p[12..].copy_from_slice(&event_index.to_be_bytes());
    p
}

fn parse_position(p: &[u8]) -> Option<(Height, u32, u16)> {
    let p: &[u8; 14] = p.try_into().ok()?;
    let height = u64::from_be_bytes(p[..8].try_into().ok()?);
    let tx = u32::from_be_bytes(p[8..12].try_into().ok()?);
    let ev = u16::from_be_bytes(p[12..].try_into().ok()?);
    Some((Height(height), tx, ev))
}

pub(super) fn corrupt_in(column: &'static str, e: impl std::fmt::Display) -> StoreError {
    corrupt(column, e)
}

fn corrupt(column: &'static str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt { column, detail: e.to_string() }
}

const HEAD: &[u8] = b"head";
const GENESIS: &[u8] = b"genesis";
/// Prefix of the ledger-time index in [`Column::Meta`]: `time/` ++ height (u64 BE) -> the block's
/// timestamp (u64 BE, ms), written in the block's own commit batch.
const TIME_PREFIX: &[u8] = b"time/";

fn time_key(height: Height) -> Vec<u8> {
    [TIME_PREFIX, &height.0.to_be_bytes()].concat()
}

/// Prefix of the headers held without their block in [`Column::Meta`]: `hdr/` ++ height (u64 BE)
/// -> borsh `BlockHeader`, for the heights below a state-sync base or pruned (their certificates
/// stay in [`Column::Certs`]).
const HEADER_PREFIX: &[u8] = b"hdr/";
/// The lowest height whose block body (transactions, outcomes) this store holds, u64 BE; absent
/// means 1 (every body since genesis).
const BODIES_FROM: &[u8] = b"bodies_from";

fn header_key(height: Height) -> Vec<u8> {
    [HEADER_PREFIX, &height.0.to_be_bytes()].concat()
}

/// The head recorded in a point-in-time view of a store (what a state snapshot is taken at).
pub fn head_in(view: &dyn super::KvView) -> StoreResult<Option<Head>> {
    match view.get(Column::Meta, HEAD)? {
        None => Ok(None),
        Some(b) => borsh::from_slice(&b).map(Some).map_err(|e| corrupt("meta", e)),
    }
}

/// The chain's durable store.
#[derive(Clone)]
pub struct ChainStore {
    kv: Arc<dyn KvStore>,
    /// State values and tree nodes read recently; exact (see `cache.rs`).
    cache: Arc<ReadCache>,
    /// [`ChainStore::bodies_from`] once read (0: not read yet), kept current by the writes that
    /// change it, so `/api/status` answers it from memory.
    bodies_from: Arc<std::sync::atomic::AtomicU64>,
}

fn enc<T: BorshSerialize>(v: &T) -> StoreResult<Vec<u8>> {
    shulian_runtime::encode(v).map_err(|e| StoreError::Backend(format!("encode: {e}")))
}

impl ChainStore {
    /// Wraps a backend.
    pub fn new(kv: Arc<dyn KvStore>) -> Self {
        ChainStore { kv, cache: Arc::new(ReadCache::new()), bodies_from: Arc::default() }
    }

    fn read<T: BorshDeserialize>(&self, c: Column, key: &[u8]) -> StoreResult<Option<T>> {
        match self.kv.get(c, key)? {
            None => Ok(None),
            Some(b) => borsh::from_slice(&b).map(Some).map_err(|e| corrupt(c.name(), e)),
        }
    }

    /// The head, or `None` for an empty store.
    pub fn head(&self) -> StoreResult<Option<Head>> {
        self.read(Column::Meta, HEAD)
    }

    /// The genesis this store was started from.
    pub fn genesis(&self) -> StoreResult<Option<Genesis>> {
        self.read(Column::Meta, GENESIS)
    }

    /// The backend (for point-in-time views and checkpoints).
    pub fn kv(&self) -> &Arc<dyn KvStore> {
        &self.kv
    }

    /// The header of the block at `height`: from the stored block, or from the headers kept
    /// without their block (below a state-sync base, or pruned).
    pub fn header(&self, height: Height) -> StoreResult<Option<BlockHeader>> {
        if let Some(b) = self.block(height)? {
            return Ok(Some(b.header));
        }
        self.read(Column::Meta, &header_key(height))
    }

    /// The lowest height whose block body this store holds: 1 unless the node started from a
    /// state snapshot or pruned old bodies; every header and certificate since genesis is held.
    pub fn bodies_from(&self) -> StoreResult<Height> {
        use std::sync::atomic::Ordering;
        let known = self.bodies_from.load(Ordering::Relaxed);
        if known > 0 {
            return Ok(Height(known));
        }
        let h = self.read_bodies_from()?;
        self.bodies_from.store(h.0, Ordering::Relaxed);
        Ok(h)
    }

    fn read_bodies_from(&self) -> StoreResult<Height> {
        match self.kv.get(Column::Meta, BODIES_FROM)? {
            None => Ok(Height(1)),
            Some(v) => {
                let a: [u8; 8] = v
                    .as_slice()
                    .try_into()
                    .map_err(|_| StoreError::Corrupt { column: "meta", detail: "bodies_from is not 8 bytes".into() })?;
                Ok(Height(u64::from_be_bytes(a)))
            }
        }
    }

    /// Writes headers with their certificates, without their blocks (a node started from a state
    /// snapshot, below its base): each header (`hdr/`), certificate, hash index entry and ledger
    /// time, in one batch. The caller verified them as a chain.
    pub fn put_headers(&self, headers: &[(BlockHeader, CommitCertificate)]) -> StoreResult<()> {
        let mut b = Batch::default();
        for (h, cert) in headers {
            let hkey = h.height.0.to_be_bytes();
            b.put(Column::Meta, header_key(h.height), enc(h)?);
            b.put(Column::Certs, hkey, enc(cert)?);
            b.put(Column::BlockIndex, h.hash().0, hkey.to_vec());
            b.put(Column::Meta, time_key(h.height), h.timestamp_ms.to_be_bytes().to_vec());
        }
        self.kv.write(b)
    }

    /// Makes `top` (whose header and certificate [`ChainStore::put_headers`] wrote, with every one
    /// below it, and whose certified state is written) the head of a node started from a state
    /// snapshot, in one batch: the genesis, the head, and `bodies_from` above it.
    pub fn install_base(&self, genesis: &Genesis, top: &BlockHeader) -> StoreResult<Head> {
        let head = Head {
            height: top.height,
            block_hash: top.hash(),
            state_root: top.state_root,
            timestamp_ms: top.timestamp_ms,
        };
        let mut b = Batch::default();
        b.put(Column::Meta, BODIES_FROM.to_vec(), head.height.next().0.to_be_bytes().to_vec());
        b.put(Column::Meta, GENESIS.to_vec(), enc(genesis)?);
        b.put(Column::Meta, HEAD.to_vec(), enc(&head)?);
        self.kv.write(b)?;
        self.bodies_from.store(head.height.next().0, std::sync::atomic::Ordering::Relaxed);
        Ok(head)
    }

    /// Deletes the bodies of the blocks from the current [`ChainStore::bodies_from`] up to (not
    /// including) `below`, at most `max_blocks` of them, keeping each header (`hdr/`), its
    /// certificate, hash index and time: the transactions, outcomes, tx index entries and event
    /// index entries go. Returns the new `bodies_from`. Never reaches the head.
    pub fn prune_bodies(&self, below: Height, max_blocks: u64) -> StoreResult<Height> {
        let from = self.bodies_from()?;
        let head = self.head()?.map(|h| h.height).unwrap_or(Height(0));
        let below = Height(below.0.min(head.0));
        let to = Height(below.0.min(from.0.saturating_add(max_blocks)));
        if to <= from {
            return Ok(from);
        }
        let mut b = Batch::default();
        for h in from.0..to.0 {
            let height = Height(h);
            let hkey = h.to_be_bytes();
            let Some(block) = self.block(height)? else { continue };
            let outcomes = self.outcomes(height)?.unwrap_or_default();
            b.put(Column::Meta, header_key(height), enc(&block.header)?);
            for (i, tx) in block.txs.iter().enumerate() {
                b.delete(Column::TxIndex, tx.hash().0);
                b.delete(Column::Results, position(height, i as u32, 0)[..12].to_vec());
            }
            for (i, o) in outcomes.iter().enumerate() {
                if matches!(o.status, shulian_runtime::TxStatus::Failed { .. }) {
                    self.delete_attempt(&mut b, height, i as u32)?;
                }
                for (e, event) in o.events.iter().enumerate() {
                    let pos = position(height, i as u32, e as u16);
                    let prefixes = event
                        .subjects()
                        .iter()
                        .map(subject_prefix)
                        .chain([event_type_prefix(event.kind())])
                        .collect::<Vec<_>>();
                    for mut key in prefixes {
                        key.extend_from_slice(&pos);
                        b.delete(Column::Events, key);
                    }
                }
            }
            b.delete(Column::Results, hkey.to_vec());
            b.delete(Column::Blocks, hkey.to_vec());
        }
        b.put(Column::Meta, BODIES_FROM.to_vec(), to.0.to_be_bytes().to_vec());
        self.kv.write(b)?;
        self.bodies_from.store(to.0, std::sync::atomic::Ordering::Relaxed);
        Ok(to)
    }

    /// Writes the genesis state (height 0) in one batch.
    pub fn init_genesis(&self, genesis: &Genesis, state_root: Hash, changes: ChangeSet) -> StoreResult<Head> {
        let head =
            Head { height: Height(0), block_hash: genesis.hash(), state_root, timestamp_ms: genesis.genesis_time_ms };
        let mut b = Batch::default();
        Self::state_ops(&mut b, &changes);
        b.put(Column::Meta, GENESIS.to_vec(), enc(genesis)?);
        b.put(Column::Meta, HEAD.to_vec(), enc(&head)?);
        self.write_state(b, &changes)?;
        Ok(head)
    }

    fn state_ops(b: &mut Batch, changes: &ChangeSet) {
        for (k, v) in &changes.kv {
            b.ops.push((Column::State, k.clone(), v.clone()));
        }
        for (k, v) in &changes.nodes {
            let bytes = v.as_ref().map(|n| shulian_runtime::encode(n).unwrap_or_default());
            b.ops.push((Column::Smt, k.to_bytes().to_vec(), bytes));
        }
    }

    /// Commits a block, its certificate, outcomes, tx index, state changes and the new head in one
    /// atomic, synced batch.
    pub fn commit_block(
        &self,
        block: &Block,
        cert: &CommitCertificate,
        outcomes: &[TxOutcome],
        changes: &ChangeSet,
        attempts: &[(u32, super::attempts::AttemptRecord)],
    ) -> StoreResult<Head> {
        let h = &block.header;
        let hkey = h.height.0.to_be_bytes();
        let head =
            Head { height: h.height, block_hash: h.hash(), state_root: h.state_root, timestamp_ms: h.timestamp_ms };
        let mut b = Batch::default();
        b.put(Column::Blocks, hkey, enc(block)?);
        b.put(Column::Certs, hkey, enc(cert)?);
        b.put(Column::BlockIndex, head.block_hash.0, hkey.to_vec());
        for (i, (tx, o)) in block.txs.iter().zip(outcomes).enumerate() {
            let pos = position(h.height, i as u32, 0);
            let loc = TxLocation {
                height: h.height,
                index: i as u32,
                success: matches!(o.status, shulian_runtime::TxStatus::Success),
            };
            // The outcome carries the transaction's hash (execution computed it once).
            debug_assert_eq!(o.tx_hash, tx.hash());
            b.put(Column::TxIndex, o.tx_hash.0, enc(&loc)?);
            b.put(Column::Results, &pos[..12], enc(o)?);
            // Each event is stored once, inside its outcome; the index holds keys only.
            for (e, event) in o.events.iter().enumerate() {
                let pos = position(h.height, i as u32, e as u16);
                let subjects = event.subjects();
                let prefixes = subjects.iter().map(subject_prefix).chain([event_type_prefix(event.kind())]);
                for mut key in prefixes {
                    key.extend_from_slice(&pos);
                    b.put(Column::Events, key, Vec::new());
                }
            }
        }
        super::attempts::put(&mut b, h.height, attempts)?;
        Self::state_ops(&mut b, changes);
        b.put(Column::Meta, time_key(h.height), h.timestamp_ms.to_be_bytes().to_vec());
        b.put(Column::Meta, HEAD.to_vec(), enc(&head)?);
        self.write_state(b, changes)?;
        Ok(head)
    }

    /// Ledger time (ms) of the block at `height`: the genesis time at height 0, else the block's
    /// timestamp from the time index, or from the stored block itself for heights committed
    /// before the index existed. `None` when no block is stored there.
    pub fn block_time(&self, height: Height) -> StoreResult<Option<u64>> {
        if height.0 == 0 {
            return Ok(self.genesis()?.map(|g| g.genesis_time_ms));
        }
        if let Some(v) = self.kv.get(Column::Meta, &time_key(height))? {
            let a: [u8; 8] = v
                .as_slice()
                .try_into()
                .map_err(|_| StoreError::Corrupt { column: "meta", detail: "block time is not 8 bytes".into() })?;
            return Ok(Some(u64::from_be_bytes(a)));
        }
        Ok(self.block(height)?.map(|b| b.header.timestamp_ms))
    }

    /// The lowest height in `1..=head` whose ledger time is at or after `ms`, or `None` when every
    /// stored block is earlier. A binary search (block timestamps strictly increase, a validity
    /// rule of `docs/consensus.md`), so it reads about log2(head) times.
    pub fn first_height_at_or_after(&self, ms: u64) -> StoreResult<Option<Height>> {
        let Some(head) = self.head()? else { return Ok(None) };
        let (mut lo, mut hi) = (1u64, head.height.0.saturating_add(1));
        // Invariant: every height below `lo` is earlier than `ms`; `hi` is head + 1 or at/after it.
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let t = self.block_time(Height(mid))?.ok_or_else(|| StoreError::Corrupt {
                column: "blocks",
                detail: format!("no block at height {mid} below the head {}", head.height),
            })?;
            if t >= ms {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Ok((lo <= head.height.0).then_some(Height(lo)))
    }

    /// Writes a batch that makes `changes` to state, telling the read cache before and after.
    fn write_state(&self, b: Batch, changes: &ChangeSet) -> StoreResult<()> {
        let guard = self.cache.begin_write(changes);
        let result = self.kv.write(b);
        guard.finish(result.is_ok());
        result
    }

    /// Block at `height`.
    pub fn block(&self, height: Height) -> StoreResult<Option<Block>> {
        self.read(Column::Blocks, &height.0.to_be_bytes())
    }

    /// Commit certificate of the block at `height`.
    pub fn certificate(&self, height: Height) -> StoreResult<Option<CommitCertificate>> {
        self.read(Column::Certs, &height.0.to_be_bytes())
    }

    /// Outcomes of the block at `height`, in block order (`None`: no block there).
    pub fn outcomes(&self, height: Height) -> StoreResult<Option<Vec<TxOutcome>>> {
        let hkey = height.0.to_be_bytes();
        // Stores written before outcomes were kept one per transaction hold one list per block.
        if let Some(list) = self.read(Column::Results, &hkey)? {
            return Ok(Some(list));
        }
        let list = self
            .kv
            .scan(Column::Results, &hkey, None, usize::MAX)?
            .into_iter()
            .map(|(_, v)| borsh::from_slice(&v).map_err(|e| corrupt("results", e)))
            .collect::<StoreResult<Vec<TxOutcome>>>()?;
        if list.is_empty() && self.kv.get(Column::Blocks, &hkey)?.is_none() {
            return Ok(None);
        }
        Ok(Some(list))
    }

    /// Outcome of the transaction at `index` in the block at `height`.
    pub fn outcome(&self, height: Height, index: u32) -> StoreResult<Option<TxOutcome>> {
        let pos = position(height, index, 0);
        if let Some(o) = self.read(Column::Results, &pos[..12])? {
            return Ok(Some(o));
        }
        Ok(self.read::<Vec<TxOutcome>>(Column::Results, &pos[..8])?.and_then(|l| l.into_iter().nth(index as usize)))
    }

    /// Where a committed transaction is.
    pub fn tx_location(&self, hash: &Hash) -> StoreResult<Option<TxLocation>> {
        self.read(Column::TxIndex, &hash.0)
    }

    /// Up to `limit` events of `subject` in chain order, after the cursor `after` (the 14-byte
    /// position suffix returned with the previous page). New blocks only append, so cursors stay
    /// valid as the chain grows.
    pub fn events(
        &self,
        subject: &Subject,
        after: Option<&[u8]>,
        limit: usize,
    ) -> StoreResult<Vec<(Vec<u8>, EventRecord)>> {
        self.events_under(&subject_prefix(subject), after, limit)
    }

    /// Up to `limit` events of one kind in chain order, after the cursor `after`, like
    /// [`ChainStore::events`].
    pub fn events_of_type(
        &self,
        kind: EventKind,
        after: Option<&[u8]>,
        limit: usize,
    ) -> StoreResult<Vec<(Vec<u8>, EventRecord)>> {
        self.events_under(&event_type_prefix(kind), after, limit)
    }

    fn events_under(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> StoreResult<Vec<(Vec<u8>, EventRecord)>> {
        let prefix = prefix.to_vec();
        let after_key = after.map(|a| [prefix.as_slice(), a].concat());
        // Consecutive events often come from one transaction: read its outcome once.
        let mut last: Option<((Height, u32), TxOutcome)> = None;
        let mut out = Vec::new();
        for (k, v) in self.kv.scan(Column::Events, &prefix, after_key.as_deref(), limit)? {
            let cursor = k[prefix.len()..].to_vec();
            if !v.is_empty() {
                // Written before events were stored once: the record is the value.
                out.push((cursor, borsh::from_slice(&v).map_err(|e| corrupt("events", e))?));
                continue;
            }
            let (height, tx_index, event_index) = parse_position(&cursor)
                .ok_or_else(|| StoreError::Corrupt { column: "events", detail: "bad position in key".into() })?;
            if last.as_ref().is_none_or(|(at, _)| *at != (height, tx_index)) {
                let o = self.outcome(height, tx_index)?.ok_or_else(|| StoreError::Corrupt {
                    column: "events",
                    detail: format!("indexed event at height {height} tx {tx_index} has no outcome"),
                })?;
                last = Some(((height, tx_index), o));
            }
            let Some((_, o)) = &last else { continue };
            let event = o.events.get(event_index as usize).cloned().ok_or_else(|| StoreError::Corrupt {
                column: "events",
                detail: format!("indexed event {event_index} of height {height} tx {tx_index} is not in its outcome"),
            })?;
            out.push((cursor, EventRecord { height, tx_index, tx_hash: o.tx_hash, event_index, event }));
        }
        Ok(out)
    }

    /// Height of a block by hash.
    pub fn height_of(&self, block_hash: &Hash) -> StoreResult<Option<Height>> {
        match self.kv.get(Column::BlockIndex, &block_hash.0)? {
            None => Ok(None),
            Some(b) => {
                let a: [u8; 8] = b.as_slice().try_into().map_err(|_| StoreError::Corrupt {
                    column: "block_index",
                    detail: "height is not 8 bytes".into(),
                })?;
                Ok(Some(Height(u64::from_be_bytes(a))))
            }
        }
    }
}

impl StateReader for ChainStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        let epoch = match self.cache.value(key) {
            Ok(v) => return Ok(v),
            Err(epoch) => epoch,
        };
        let v = self.kv.get(Column::State, key).map_err(|e| StorageError::Backend(e.to_string()))?;
        self.cache.keep_value(epoch, key, &v);
        Ok(v)
    }

    fn get_node(&self, key: &NodeKey) -> Result<Option<SmtNode>, StorageError> {
        let epoch = match self.cache.node(key) {
            Ok(n) => return Ok(n),
            Err(epoch) => epoch,
        };
        let node = match self.kv.get(Column::Smt, &key.to_bytes()).map_err(|e| StorageError::Backend(e.to_string()))? {
            None => None,
            Some(b) => Some(borsh::from_slice(&b).map_err(|e| StorageError::Corrupt(format!("smt node: {e}")))?),
        };
        self.cache.keep_node(epoch, *key, &node);
        Ok(node)
    }
}

#[cfg(test)]
mod time_index_tests {
    //! The ledger-time index, run on both backends like the storage conformance suite.
    use super::*;
    use crate::chain::tests::{genesis, produce};
    use crate::chain::{Chain, ChainLimits};
    use crate::storage::{MemKv, RocksKv};

    /// Commits blocks at known times on `kv` and checks every answer of the index against them,
    /// then again with the index removed (a store written before it existed).
    fn time_index_answers_from_the_blocks(kv: Arc<dyn KvStore>) {
        let chain = Chain::open(ChainStore::new(kv.clone()), genesis(), ChainLimits::default()).expect("open");
        let times = [100u64, 250, 251, 400, 1_000, 1_001, 5_000];
        for t in times {
            produce(&chain, t);
        }
        let check = |store: &ChainStore| {
            assert_eq!(store.block_time(Height(0)).expect("read"), Some(genesis().genesis_time_ms));
            for (i, t) in times.iter().enumerate() {
                let h = Height(i as u64 + 1);
                assert_eq!(store.block_time(h).expect("read"), Some(*t), "time of {h}");
                let block = store.block(h).expect("read").expect("block");
                assert_eq!(block.header.timestamp_ms, *t, "the index agrees with the header");
            }
            assert_eq!(store.block_time(Height(times.len() as u64 + 1)).expect("read"), None);
            // Every ms from before the first block to after the last: the answer is the first
            // height at or after it, found independently by a linear scan.
            for ms in 0..=5_002u64 {
                let expected = times.iter().position(|t| *t >= ms).map(|i| Height(i as u64 + 1));
                assert_eq!(store.first_height_at_or_after(ms).expect("search"), expected, "at {ms} ms");
            }
        };
        check(chain.store());
        let mut b = Batch::default();
        for h in 1..=times.len() as u64 {
            b.delete(Column::Meta, time_key(Height(h)));
        }
        kv.write(b).expect("write");
        assert!(kv.scan(Column::Meta, TIME_PREFIX, None, 10).expect("scan").is_empty(), "the index is gone");
        check(&ChainStore::new(kv));
    }

    #[test]
    fn mem_backend_time_index_answers_from_the_blocks() {
        time_index_answers_from_the_blocks(Arc::new(MemKv::default()));
    }

    #[test]
    fn rocks_backend_time_index_answers_from_the_blocks() {
        let dir = tempfile::tempdir().expect("tempdir");
        time_index_answers_from_the_blocks(Arc::new(RocksKv::open(dir.path()).expect("open")));
    }
}
