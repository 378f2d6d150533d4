//! Block execution and the state-tree update at scale: a block of 10 000 transfers (10 from each of
//! 1 000 organizations) executed on a RocksDB store that holds at least 10 million state keys, so
//! the behaviour of a chain that has run for hours (a deep tree, reads that miss the block cache)
//! can be studied in minutes. Run with `cargo bench --workspace --bench state_at_scale` (a release
//! build; docs/benchmarks.md, "Block execution on a 10-million-key store").
//!
//! The store is built once, into `target/bench-state-10m/` (or `SHULIAN_BENCH_STORE`), and kept:
//! the genesis of the 1 000 organizations, then `SHULIAN_BENCH_KEYS` (10 000 000 unless set) filler
//! keys of 40-byte values with their tree nodes, computed in one batched tree update and written
//! in chunks. The benchmark never commits, so every run starts from the same state and root.
#![allow(missing_docs, unreachable_pub, clippy::unwrap_used, clippy::disallowed_types, clippy::disallowed_methods)]

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use shulian_contracts::NativeContracts;
use shulian_node::chain::{Chain, ChainLimits};
use shulian_node::storage::{ChainStore, KvStore, RocksKv};
use shulian_runtime::call::{Call, SettlementCall};
use shulian_runtime::exec::{BlockEnv, execute_txs};
use shulian_runtime::genesis::{Genesis, Role};
use shulian_runtime::smt::{self, TreeUpdate};
use shulian_runtime::state::{ChangeSet, StateReader};
use shulian_runtime::test_utils::{GenesisBuilder, key_from_index};
use shulian_runtime::{
    AccountId, Block, CommitCertificate, Fen, Hash, Height, SecretKey, SignatureCheck, Transaction, UnsignedTransaction,
};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

const ORGS: usize = 1_000;
const PER_ORG: u64 = 10;
const DEFAULT_KEYS: u64 = 10_000_000;
/// Filler keys per tree update and write while building the store.
const CHUNK: u64 = 1_000_000;
/// The file whose presence says the store is complete, holding its key count and root.
const DONE: &str = "BUILT";
const VALIDATOR: u64 = 100_000;

fn key(i: usize) -> SecretKey {
    key_from_index(i as u64)
}

fn genesis() -> Genesis {
    (0..ORGS)
        .fold(GenesisBuilder::new("bench").genesis_time_ms(1).validator("v", &key_from_index(VALIDATOR), 1), |g, i| {
            g.org(format!("org {i}"), &key(i), &[Role::Department], Fen(1_000_000))
        })
        .build()
}

/// 10 000 transfers: nonces 0..10 of each organization, interleaved, each to the next one.
fn block_txs() -> Vec<Transaction> {
    (0..PER_ORG)
        .flat_map(|n| (0..ORGS).map(move |i| (n, i)))
        .map(|(n, i)| {
            let to = AccountId::from_public_key(&key((i + 1) % ORGS).public_key());
            UnsignedTransaction {
                chain_id: "bench".into(),
                sender: key(i).public_key(),
                nonce: n,
                call: Call::Settlement(SettlementCall::Transfer { to, amount: Fen(1) }),
            }
            .sign(&key(i))
        })
        .collect()
}

fn filler(i: u64) -> (Vec<u8>, Vec<u8>) {
    let mut k = b"bench/filler/".to_vec();
    k.extend_from_slice(&i.to_be_bytes());
    (k, i.to_le_bytes().repeat(5))
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Opens the store, building it first if it is not complete. Returns the store and its key count.
fn store() -> (ChainStore, u64) {
    let keys = env_u64("SHULIAN_BENCH_KEYS", DEFAULT_KEYS);
    let dir = std::env::var_os("SHULIAN_BENCH_STORE").map(PathBuf::from).unwrap_or_else(|| {
        let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| "../target".into());
        target.join(format!("bench-state-{}", keys))
    });
    let done = dir.join(DONE);
    if std::fs::read_to_string(&done).ok().is_none_or(|s| !s.starts_with(&format!("{keys} "))) {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let root = build(&dir, keys);
        std::fs::write(&done, format!("{keys} {root}\n")).unwrap();
    }
    let kv: Arc<dyn KvStore> = Arc::new(RocksKv::open(&dir.join("db")).unwrap());
    (ChainStore::new(kv), keys)
}

/// Genesis, then `keys` filler keys in chunks: each chunk one batched tree update on what is
/// stored, written with the head's root as a block at height 1 (never read as a block).
fn build(dir: &std::path::Path, keys: u64) -> Hash {
    let t = Instant::now();
    eprintln!("state_at_scale: building a store of {keys} keys in {} (once) ...", dir.display());
    let kv: Arc<dyn KvStore> = Arc::new(RocksKv::open(&dir.join("db")).unwrap());
    let chain = Chain::open(ChainStore::new(kv.clone()), genesis(), ChainLimits::default()).unwrap();
    let (mut block, _) = chain.propose(key_from_index(VALIDATOR).public_key(), 10).unwrap();
    drop(chain);
    let store = ChainStore::new(kv);
    let mut root = Hash::ZERO;
    let mut from = 0;
    while from < keys {
        let to = (from + CHUNK).min(keys);
        let mut changes =
            ChangeSet { kv: (from..to).map(filler).map(|(k, v)| (k, Some(v))).collect(), ..ChangeSet::default() };
        let mut tree = TreeUpdate::new(&store);
        let paths = changes.kv.iter().map(|(k, v)| (smt::key_hash(k), v.as_deref().map(smt::value_hash)));
        tree.apply(paths.collect()).unwrap();
        root = tree.root().unwrap();
        changes.nodes = tree.nodes;
        block.header.state_root = root;
        let cert = CommitCertificate { height: Height(1), round: 0, block_hash: block.hash(), signatures: vec![] };
        store.commit_block(&block, &cert, &[], &changes, &[]).unwrap();
        eprintln!("state_at_scale: {to} keys, {:.0} s", t.elapsed().as_secs_f64());
        from = to;
    }
    root
}

fn block_on_large_store(c: &mut Criterion) {
    let (store, keys) = store();
    let txs = block_txs();
    let env = BlockEnv { chain_id: "bench", height: Height(2), timestamp_ms: 20 };
    let exec = execute_txs(&store, env, &txs, &NativeContracts, SignatureCheck::AlreadyVerified).unwrap();
    assert!(exec.outcomes.iter().all(|o| matches!(o.status, shulian_runtime::TxStatus::Success)));
    let paths: Vec<_> =
        exec.changes.kv.iter().map(|(k, v)| (smt::key_hash(k), v.as_deref().map(smt::value_hash))).collect();

    let mut g = c.benchmark_group(format!("block_10k_transfers_on_{keys}_keys"));
    g.throughput(Throughput::Elements(txs.len() as u64));
    g.sample_size(10);
    g.bench_function("execute_with_state_root", |b| {
        b.iter(|| execute_txs(&store, env, &txs, &NativeContracts, SignatureCheck::AlreadyVerified).unwrap())
    });
    g.bench_function("state_tree_update", |b| {
        b.iter(|| {
            let mut tree = TreeUpdate::new(&store);
            tree.apply(paths.clone()).unwrap();
            tree.root().unwrap()
        })
    });
    // The synced RocksDB write of the block (state values, tree nodes, block, outcomes, indexes),
    // undone between iterations (outside the measurement) by writing back what it replaced, as
    // the stored head's block again.
    let head = store.head().unwrap().unwrap();
    let base = store.block(head.height).unwrap().unwrap();
    let base_cert = store.certificate(head.height).unwrap().unwrap();
    let block = block_at(&base, &txs, &exec);
    let undo = ChangeSet {
        kv: exec.changes.kv.keys().map(|k| (k.clone(), store.get(k).unwrap())).collect(),
        nodes: exec.changes.nodes.keys().map(|k| (*k, store.get_node(k).unwrap())).collect(),
    };
    let cert =
        CommitCertificate { height: block.header.height, round: 0, block_hash: block.hash(), signatures: vec![] };
    g.bench_function("rocksdb_commit_block", |b| {
        b.iter_batched(
            || store.commit_block(&base, &base_cert, &[], &undo, &[]).unwrap(),
            |_| store.commit_block(&block, &cert, &exec.outcomes, &exec.changes, &[]).unwrap(),
            BatchSize::PerIteration,
        )
    });
    store.commit_block(&base, &base_cert, &[], &undo, &[]).unwrap();

    // What tree pages (issue 25's third lever, not built) would save in the write alone: the
    // block's tree-node changes written as they are stored today, one entry per node, and grouped
    // four levels to an entry, on a scratch store (the reads a page's read-modify-write would add
    // are not modelled).
    let scratch = tempfile::tempdir().unwrap();
    let kv = RocksKv::open(scratch.path()).unwrap();
    let as_nodes: Vec<(Vec<u8>, Vec<u8>)> = exec
        .changes
        .nodes
        .iter()
        .map(|(k, n)| (k.to_bytes().to_vec(), n.as_ref().map(|n| borsh::to_vec(n).unwrap()).unwrap_or_default()))
        .collect();
    let mut pages: std::collections::BTreeMap<Vec<u8>, Vec<u8>> = Default::default();
    for (k, n) in &exec.changes.nodes {
        let page = smt::NodeKey::new(usize::from(k.depth / 4 * 4), &Hash(k.path)).to_bytes().to_vec();
        let v = pages.entry(page).or_default();
        v.push((k.depth % 4) as u8);
        v.extend(n.as_ref().map(|n| borsh::to_vec(n).unwrap()).unwrap_or_default());
    }
    eprintln!("state_at_scale: the block changes {} tree nodes, in {} pages of 4 levels", as_nodes.len(), pages.len());
    let write = |entries: &mut dyn Iterator<Item = (Vec<u8>, Vec<u8>)>| {
        let mut b = shulian_node::storage::Batch::default();
        for (k, v) in entries {
            b.put(shulian_node::storage::Column::Smt, k, v);
        }
        kv.write(b).unwrap()
    };
    g.bench_function("rocksdb_write_tree_nodes_one_per_entry", |b| b.iter(|| write(&mut as_nodes.iter().cloned())));
    g.bench_function("rocksdb_write_tree_nodes_in_pages_of_4_levels", |b| {
        b.iter(|| write(&mut pages.iter().map(|(k, v)| (k.clone(), v.clone()))))
    });
    g.finish();
}

/// The block of `txs` on `base`, with `exec`'s roots.
fn block_at(base: &Block, txs: &[Transaction], exec: &shulian_runtime::exec::BlockExecution) -> Block {
    let mut header = base.header.clone();
    header.height = base.header.height.next();
    header.parent_hash = base.header.hash();
    header.timestamp_ms = 20;
    header.tx_root = Block::compute_tx_root(txs);
    header.outcomes_root = exec.outcomes_root;
    header.state_root = exec.state_root;
    Block { header, txs: txs.to_vec() }
}

criterion_group!(benches, block_on_large_store);
criterion_main!(benches);
