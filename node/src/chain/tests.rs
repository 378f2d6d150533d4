//! Chain-level tests: admission refusals and commit/reopen on both storage backends.

use super::*;
use crate::storage::{KvStore, MemKv, RocksKv};
use shulian_runtime::block::VOTE_SIGN_TAG;
use shulian_runtime::genesis::Role;
use shulian_runtime::test_utils::{GenesisBuilder, account};
use shulian_runtime::{CommitSig, Fen, Height};
use std::sync::Arc;

pub(crate) use shulian_runtime::test_utils::key;

/// Chain "unit": validator `key(100)`, departments "o1" and "o2" (`key(1)`, `key(2)`) with 1 000 fen.
pub(crate) fn genesis() -> Genesis {
    GenesisBuilder::new("unit")
        .genesis_time_ms(10)
        .validator("v", &key(100), 1)
        .org("o1", &key(1), &[Role::Department], Fen(1_000))
        .org("o2", &key(2), &[Role::Department], Fen(1_000))
        .build()
}

/// 1 fen from org `from` to org 2.
pub(crate) fn transfer(from: u8, nonce: u64, chain: &str) -> Transaction {
    shulian_runtime::test_utils::transfer(chain, &key(from), nonce, account(2), Fen(1))
}

pub(crate) fn enc(tx: &Transaction) -> Vec<u8> {
    borsh::to_vec(tx).unwrap_or_default()
}

/// Proposes, certifies (as the single validator) and commits one block.
pub(crate) fn produce(chain: &Chain, ts: u64) -> Head {
    let (block, exec) = chain.propose(key(100).public_key(), ts).expect("propose");
    chain.commit(&block, &certify(chain, &block), exec).expect("commit")
}

/// The single validator's commit certificate for `block`.
pub(crate) fn certify(chain: &Chain, block: &Block) -> CommitCertificate {
    let mut cert =
        CommitCertificate { height: block.header.height, round: 0, block_hash: block.hash(), signatures: vec![] };
    let msg = cert.vote(chain.chain_id()).sign_bytes();
    cert.signatures.push(CommitSig { validator: key(100).public_key(), signature: key(100).sign(VOTE_SIGN_TAG, &msg) });
    cert
}

fn open(kv: Arc<dyn KvStore>) -> Chain {
    Chain::open(ChainStore::new(kv), genesis(), ChainLimits::default()).expect("open")
}

#[test]
fn each_bad_submission_is_refused_with_its_own_error_and_never_committed() {
    let chain = open(Arc::new(MemKv::default()));
    let code = |bytes: &[u8]| chain.submit(bytes).err().map(|e| e.code());

    assert_eq!(code(&enc(&transfer(1, 0, "other-chain"))), Some("wrong_chain_id"));
    let mut forged = transfer(1, 0, "unit");
    forged.signature.0[3] ^= 0x40;
    assert_eq!(code(&enc(&forged)), Some("bad_signature"));
    assert_eq!(code(&enc(&transfer(1, 5, "unit"))), Some("future_nonce"));
    assert_eq!(code(&enc(&transfer(9, 0, "unit"))), Some("unknown_key"), "a key of no organization signs nothing");
    assert_eq!(code(&[0xde, 0xad]), Some("malformed"));
    assert_eq!(code(&vec![0u8; 64 * 1024 + 1]), Some("too_large"));
    assert_eq!(chain.mempool_len(), 0, "nothing refused entered the mempool");
    // The forged transaction's refusal is remembered for clients polling it.
    assert_eq!(chain.rejection(&forged.hash()).map(|r| r.code), Some("bad_signature"));

    let good = transfer(1, 0, "unit");
    chain.submit(&enc(&good)).expect("good tx admitted");
    assert_eq!(code(&enc(&good)), Some("duplicate"));
    let head = produce(&chain, 20);
    assert_eq!(head.height, Height(1));
    let block = chain.store().block(Height(1)).expect("read").expect("block");
    assert_eq!(block.txs, vec![good.clone()], "only the good transaction was committed");
    assert_eq!(code(&enc(&good)), Some("stale_nonce"), "a replay after commit is stale");
}

/// Relayed transactions a little ahead of their sender's next nonce wait in the mempool's park:
/// they join, in order, when the missing nonce is relayed, or when a block made elsewhere commits
/// it; a client's future nonce is still refused.
#[test]
fn a_relayed_nonce_gap_is_filled_by_relay_or_by_a_block_and_nothing_waits_for_the_entry_node() {
    let a = open(Arc::new(MemKv::default()));
    a.submit_relayed_many(&[enc(&transfer(1, 2, "unit")), enc(&transfer(1, 1, "unit"))]);
    assert_eq!((a.mempool_len(), lock(&a.mempool).parked()), (0, 2), "both parked, neither refused");
    a.submit_relayed_many(&[enc(&transfer(1, 0, "unit"))]);
    assert_eq!((a.mempool_len(), lock(&a.mempool).parked()), (3, 0));
    let head = produce(&a, 20);
    let block = a.store().block(head.height).expect("read").expect("block");
    assert_eq!(block.txs.iter().map(|t| t.nonce).collect::<Vec<_>>(), vec![0, 1, 2]);

    // Node b never hears nonce 0 of org 2, only 1 and 2; another node's block commits 0.
    let b = open(Arc::new(MemKv::default()));
    let c = open(Arc::new(MemKv::default()));
    b.submit_relayed_many(&[enc(&transfer(2, 1, "unit")), enc(&transfer(2, 2, "unit"))]);
    c.submit(&enc(&transfer(2, 0, "unit"))).expect("admitted at c");
    let (block, _) = c.propose(key(100).public_key(), 20).expect("propose");
    let exec = b.validate(&block).expect("valid at b");
    b.commit(&block, &certify(&b, &block), exec).expect("commit at b");
    assert_eq!((b.mempool_len(), lock(&b.mempool).parked()), (2, 0), "1 and 2 joined after the block");
    let next = produce(&b, 30);
    let block = b.store().block(next.height).expect("read").expect("block");
    assert_eq!(block.txs.iter().map(|t| t.nonce).collect::<Vec<_>>(), vec![1, 2]);

    assert_eq!(b.submit(&enc(&transfer(1, 5, "unit"))).err().map(|e| e.code()), Some("future_nonce"));
}

fn commit_then_reopen(kv: Arc<dyn KvStore>, reopen: impl Fn() -> Arc<dyn KvStore>) {
    let chain = open(kv);
    for n in 0..5 {
        chain.submit(&enc(&transfer(1, n, "unit"))).expect("submit");
        produce(&chain, 100 + n);
    }
    let head = chain.head();
    drop(chain);
    let again = open(reopen());
    assert_eq!(again.head(), head);
    assert_eq!(again.next_nonce(&AccountId::from_public_key(&key(1).public_key())).ok(), Some(5));
    assert_eq!(shulian_runtime::smt::root(again.store()).ok(), Some(head.state_root));
}

#[test]
fn reopened_rocksdb_store_resumes_at_the_same_head() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().to_path_buf();
    let kv: Arc<dyn KvStore> = Arc::new(RocksKv::open(&path).expect("open"));
    commit_then_reopen(kv, || Arc::new(RocksKv::open(&path).expect("reopen")));
}

#[test]
fn reopened_memory_store_resumes_at_the_same_head() {
    let kv: Arc<dyn KvStore> = Arc::new(MemKv::default());
    let shared = kv.clone();
    commit_then_reopen(kv, move || shared.clone());
}

#[test]
fn store_from_another_genesis_is_refused() {
    let kv: Arc<dyn KvStore> = Arc::new(MemKv::default());
    drop(open(kv.clone()));
    let mut other = genesis();
    other.chain_id = "elsewhere".into();
    let err = Chain::open(ChainStore::new(kv), other, ChainLimits::default()).err().map(|e| e.to_string());
    assert!(err.is_some_and(|e| e.contains("belongs to chain")));
}

#[test]
fn block_that_does_not_extend_the_head_is_refused() {
    let chain = open(Arc::new(MemKv::default()));
    let (mut block, _) = chain.propose(key(100).public_key(), 50).expect("propose");
    block.header.height = Height(7);
    assert!(matches!(chain.validate(&block), Err(ChainError::Header(_))));
    let (mut block, _) = chain.propose(key(100).public_key(), 50).expect("propose");
    block.header.state_root = Hash([9; 32]);
    assert!(matches!(chain.validate(&block), Err(ChainError::Block(_))));
}

#[test]
fn peer_block_with_a_forged_signature_is_refused_even_after_its_honest_twin_was_admitted() {
    let proposer = open(Arc::new(MemKv::default()));
    let follower = open(Arc::new(MemKv::default()));
    let good = transfer(1, 0, "unit");
    proposer.submit(&enc(&good)).expect("admitted by the proposer");
    follower.submit(&enc(&good)).expect("admitted by the follower");
    let (block, _) = proposer.propose(key(100).public_key(), 50).expect("propose");
    assert!(follower.validate(&block).is_ok(), "a block of admitted transactions is valid");
    // A different signature makes a different transaction hash, so the follower's memory of the
    // honest transaction cannot vouch for the forged one: it is verified, and refused.
    let mut forged = block.clone();
    forged.txs[0].signature.0[5] ^= 0x10;
    forged.header.tx_root = Block::compute_tx_root(&forged.txs);
    let err = follower.validate(&forged).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("bad signature"), "{err}");
}

/// An in-memory store for tests that need reads and writes to overlap: reads can be slowed, and
/// writes held at a gate (or failed) until the test says.
struct TestKv {
    kv: MemKv,
    read_delay: std::time::Duration,
    open: std::sync::Mutex<bool>,
    opened: std::sync::Condvar,
    fail: std::sync::atomic::AtomicBool,
}

impl TestKv {
    fn new(read_delay: std::time::Duration) -> Self {
        TestKv {
            kv: MemKv::default(),
            read_delay,
            open: std::sync::Mutex::new(true),
            opened: std::sync::Condvar::new(),
            fail: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn set_open(&self, open: bool) {
        *self.open.lock().expect("gate") = open;
        self.opened.notify_all();
    }
}

impl KvStore for TestKv {
    fn get(&self, c: crate::storage::Column, key: &[u8]) -> crate::storage::StoreResult<Option<Vec<u8>>> {
        let v = self.kv.get(c, key);
        if !self.read_delay.is_zero() {
            std::thread::sleep(self.read_delay);
        }
        v
    }

    fn write(&self, batch: crate::storage::Batch) -> crate::storage::StoreResult<()> {
        let mut open = self.open.lock().expect("gate");
        while !*open {
            open = self.opened.wait(open).expect("gate");
        }
        if self.fail.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(crate::storage::StoreError::Backend("disk full (test)".into()));
        }
        self.kv.write(batch)
    }

    fn scan(
        &self,
        c: crate::storage::Column,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> crate::storage::StoreResult<Vec<(Vec<u8>, Vec<u8>)>> {
        self.kv.scan(c, prefix, after, limit)
    }
}

/// The store's read cache is never stale: readers racing the commits (on a store slow enough that
/// a read often spans a commit) never see a nonce go back, and right after each commit the
/// committed nonce is what a read returns.
#[test]
fn reads_racing_commits_never_see_an_older_or_stale_nonce() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let chain = Arc::new(open(Arc::new(TestKv::new(std::time::Duration::from_micros(300)))));
    let account = AccountId::from_public_key(&key(1).public_key());
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (chain, stop) = (chain.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut last = 0;
                while !stop.load(Ordering::Relaxed) {
                    let n = next_nonce(chain.store(), &account).expect("read");
                    assert!(n >= last, "nonce went back from {last} to {n}");
                    last = n;
                }
            })
        })
        .collect();
    for i in 0..250u64 {
        chain.submit(&enc(&transfer(1, i, "unit"))).expect("admit");
        produce(&chain, 100 + i);
        // Let the readers' reads that started before the commit finish and try to keep what
        // they read.
        std::thread::sleep(std::time::Duration::from_micros(700));
        assert_eq!(next_nonce(chain.store(), &account).expect("read"), i + 1, "stale after commit {i}");
    }
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.join().expect("reader");
    }
}

/// What the API reads of blocks 1..=head: outcomes of each block, each outcome alone, the events
/// of both accounts and every transfer event.
fn read_back(store: &ChainStore, head: Height) -> Vec<String> {
    use shulian_runtime::events::Subject;
    let mut out = Vec::new();
    for h in 1..=head.0 {
        let list = store.outcomes(Height(h)).expect("outcomes").expect("block has outcomes");
        for i in 0..list.len() as u32 {
            let one = store.outcome(Height(h), i).expect("outcome").expect("present");
            assert_eq!(one, list[i as usize]);
        }
        out.push(format!("{h}: {list:?}"));
    }
    for i in 1..=2u8 {
        let subject = Subject::Account(AccountId::from_public_key(&key(i).public_key()));
        // Two pages, so the cursor is exercised too.
        let first = store.events(&subject, None, 2).expect("events");
        let rest = store.events(&subject, first.last().map(|(c, _)| c.as_slice()), 100).expect("events");
        out.push(format!("{i}: {first:?} {rest:?}"));
    }
    let transfers = store.events_of_type(shulian_runtime::EventKind::Transferred, None, 100).expect("type");
    out.push(format!("{transfers:?}"));
    assert!(store.outcomes(Height(head.0 + 1)).expect("outcomes").is_none(), "no block, no outcomes");
    out
}

#[test]
fn events_are_stored_once_and_stores_of_the_earlier_layout_read_the_same() {
    use crate::storage::{Batch, Column, EventRecord, event_type_prefix, subject_prefix};
    let kv: Arc<dyn KvStore> = Arc::new(MemKv::default());
    let chain = open(kv.clone());
    chain.submit(&enc(&transfer(1, 0, "unit"))).expect("submit");
    chain.submit(&enc(&transfer(1, 1, "unit"))).expect("submit");
    produce(&chain, 20);
    chain.submit(&enc(&transfer(1, 2, "unit"))).expect("submit");
    let head = produce(&chain, 30).height;
    let events = kv.scan(Column::Events, b"", None, usize::MAX).expect("scan");
    assert_eq!(events.len(), 3 * 3, "3 transfers, each under sender, receiver and its type");
    assert!(events.iter().all(|(_, v)| v.is_empty()), "the index holds keys only");
    let now = read_back(chain.store(), head);
    assert_eq!(now.len(), 5);

    // The same chain as the earlier layout stored it: one outcome list per block, and the whole
    // event record under every index key.
    let old = MemKv::default();
    let mut b = Batch::default();
    for c in Column::ALL.into_iter().filter(|c| !matches!(c, Column::Results | Column::Events)) {
        for (k, v) in kv.scan(c, b"", None, usize::MAX).expect("scan") {
            b.put(c, k, v);
        }
    }
    for h in 1..=head.0 {
        let outcomes = chain.store().outcomes(Height(h)).expect("read").expect("outcomes");
        let hkey = h.to_be_bytes();
        b.put(Column::Results, hkey, borsh::to_vec(&outcomes).expect("enc"));
        for (i, o) in outcomes.iter().enumerate() {
            for (e, event) in o.events.iter().enumerate() {
                let rec = EventRecord {
                    height: Height(h),
                    tx_index: i as u32,
                    tx_hash: o.tx_hash,
                    event_index: e as u16,
                    event: event.clone(),
                };
                let subjects = event.subjects();
                let prefixes = subjects.iter().map(subject_prefix).chain([event_type_prefix(event.kind())]);
                for mut key in prefixes {
                    key.extend_from_slice(&hkey);
                    key.extend_from_slice(&(i as u32).to_be_bytes());
                    key.extend_from_slice(&(e as u16).to_be_bytes());
                    b.put(Column::Events, key, borsh::to_vec(&rec).expect("enc"));
                }
            }
        }
    }
    old.write(b).expect("write");
    let old_store = ChainStore::new(Arc::new(old));
    assert_eq!(read_back(&old_store, head), now);
}

/// While a decided block is still being written, the chain's tip is that block: admission and
/// the next block see its state, the API's head does not move until it is stored, and what is
/// built on it ends with the same blocks and state root as committing one block at a time.
#[test]
fn the_next_block_builds_on_a_block_still_being_written() {
    let store = Arc::new(TestKv::new(std::time::Duration::ZERO));
    let chain = Arc::new(open(store.clone()));
    let reference = open(Arc::new(MemKv::default()));
    let account = AccountId::from_public_key(&key(1).public_key());

    let tx0 = enc(&transfer(1, 0, "unit"));
    chain.submit(&tx0).expect("admit");
    reference.submit(&tx0).expect("admit");
    let (b1, e1) = chain.propose(key(100).public_key(), 20).expect("propose");
    let cert1 = certify(&chain, &b1);
    store.set_open(false);
    let tip = chain.commit_in_background(b1.clone(), cert1.clone(), e1).expect("stage");
    assert_eq!((tip.height, chain.tip().height, chain.head().height), (Height(1), Height(1), Height(0)));
    assert_eq!(chain.mempool_len(), 0, "the decided block's transactions left the mempool");

    // Admission sees the block in flight: its nonce is used, the next one is admitted.
    assert_eq!(chain.next_nonce(&account).ok(), Some(1));
    assert_eq!(chain.submit(&tx0).err().map(|e| e.code()), Some("stale_nonce"));
    let tx1 = enc(&transfer(1, 1, "unit"));
    chain.submit(&tx1).expect("admit the next nonce");
    reference.submit(&tx1).ok();

    // The next block is built and checked on the tip.
    let (b2, e2) = chain.propose(key(100).public_key(), 30).expect("propose on the tip");
    assert_eq!((b2.header.height, b2.header.parent_hash), (Height(2), b1.hash()));
    assert_eq!(chain.validate(&b2).expect("validate on the tip").state_root, e2.state_root);
    let cert2 = certify(&chain, &b2);
    // Its commit waits for the first write.
    let committer = {
        let chain = chain.clone();
        std::thread::spawn(move || chain.commit_in_background(b2, cert2, e2))
    };
    store.set_open(true);
    committer.join().expect("join").expect("commit on the tip");
    chain.wait_for_writes().expect("written");

    let r1 = reference.commit(&b1, &cert1, reference.validate(&b1).expect("validate")).expect("commit");
    let b2 = chain.store().block(Height(2)).expect("read").expect("stored");
    let r2 = reference.commit(&b2, &certify(&reference, &b2), reference.validate(&b2).expect("validate"));
    assert_eq!(chain.head(), r2.expect("commit"));
    assert_ne!(r1.state_root, chain.head().state_root);
    assert_eq!(chain.store().block(Height(1)).ok().flatten(), Some(b1));
    assert_eq!(shulian_runtime::smt::root(chain.store()).ok(), Some(chain.head().state_root));
    assert_eq!(next_nonce(chain.store(), &account).ok(), Some(2));
}

/// A failed background write stops the chain: the head stays where the store is, and every later
/// propose, validate and commit fails with the write's error instead of building on it.
#[test]
fn a_failed_background_write_stops_the_chain() {
    let store = Arc::new(TestKv::new(std::time::Duration::ZERO));
    let chain = Arc::new(open(store.clone()));
    chain.submit(&enc(&transfer(1, 0, "unit"))).expect("admit");
    let (b1, e1) = chain.propose(key(100).public_key(), 20).expect("propose");
    let cert1 = certify(&chain, &b1);
    store.fail.store(true, std::sync::atomic::Ordering::SeqCst);
    chain.commit_in_background(b1.clone(), cert1, e1).expect("staged");
    let err = chain.wait_for_writes().err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("disk full"), "{err}");
    assert_eq!(chain.head().height, Height(0), "nothing was stored");
    assert!(chain.propose(key(100).public_key(), 30).is_err());
    assert!(chain.validate(&b1).is_err());
    assert_eq!(chain.store().head().ok().flatten().map(|h| h.height), Some(Height(0)));
}

#[test]
fn relayed_transactions_still_queued_are_admitted_before_a_proposal_and_a_forged_one_is_not() {
    let chain = open(Arc::new(MemKv::default()));
    let good: Vec<Transaction> = (0..3).map(|n| transfer(1, n, "unit")).collect();
    let mut forged = transfer(2, 0, "unit");
    forged.signature.0[7] ^= 1;
    // Two messages from peers, waiting in the queue (nothing admitted yet).
    assert_eq!(chain.queue_relayed(vec![enc(&good[0]), enc(&forged)]), 2);
    assert_eq!(chain.queue_relayed(vec![enc(&good[1]), enc(&good[2])]), 4);
    assert_eq!(chain.mempool_len(), 0);
    assert!(chain.has_pending(), "queued transactions make a proposal worth building");
    let (block, _) = chain.propose(key(100).public_key(), 50).expect("propose");
    let hashes: Vec<Hash> = block.txs.iter().map(|t| t.hash()).collect();
    assert_eq!(hashes, good.iter().map(|t| t.hash()).collect::<Vec<_>>(), "the queue, in order, without the forgery");
    assert_eq!(chain.queue_relayed(Vec::new()), 0, "the proposal emptied the queue");
    assert!(chain.has_pending(), "the admitted transactions wait in the mempool until committed");
}
