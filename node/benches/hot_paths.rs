//! Criterion benchmarks of the node's hot paths: transaction decode + signature check, parallel
//! signature check of a block, block execution, the state-tree update (also alone, on a large
//! tree), and the RocksDB commit of a block. Run with
//! `cargo bench -p shulian-node --bench hot_paths` (after a release build).
#![allow(missing_docs, unreachable_pub, clippy::unwrap_used, clippy::disallowed_types, clippy::disallowed_methods)]

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use shulian_contracts::NativeContracts;
use shulian_node::chain::{Chain, ChainLimits};
use shulian_node::storage::{ChainStore, KvStore, MemKv, RocksKv};
use shulian_runtime::call::{Call, SettlementCall};
use shulian_runtime::exec::{BlockEnv, execute_txs};
use shulian_runtime::genesis::{Genesis, Role};
use shulian_runtime::smt::{self, TreeUpdate};
use shulian_runtime::state::{ChangeSet, MemState};
use shulian_runtime::test_utils::{GenesisBuilder, key_from_index};
use shulian_runtime::{
    AccountId, CommitCertificate, Fen, Height, SecretKey, SignatureCheck, Transaction, UnsignedTransaction,
};
use std::hint::black_box;
use std::sync::Arc;

const ORGS: usize = 100;
const PER_ORG: u64 = 10;

fn key(i: usize) -> SecretKey {
    key_from_index(i as u64)
}

fn genesis() -> Genesis {
    (0..ORGS)
        .fold(GenesisBuilder::new("bench").genesis_time_ms(1).validator("v", &key(10_000), 1), |g, i| {
            g.org(format!("org {i}"), &key(i), &[Role::Department], Fen(1_000_000))
        })
        .build()
}

/// 1000 transfers: 10 consecutive nonces from each of 100 organizations, interleaved.
fn block_txs() -> Vec<Transaction> {
    let mut out = Vec::new();
    for n in 0..PER_ORG {
        for i in 0..ORGS {
            let to = AccountId::from_public_key(&key((i + 1) % ORGS).public_key());
            out.push(
                UnsignedTransaction {
                    chain_id: "bench".into(),
                    sender: key(i).public_key(),
                    nonce: n,
                    call: Call::Settlement(SettlementCall::Transfer { to, amount: Fen(1) }),
                }
                .sign(&key(i)),
            );
        }
    }
    out
}

fn chain_on(kv: Arc<dyn KvStore>) -> Chain {
    Chain::open(ChainStore::new(kv), genesis(), ChainLimits::default()).unwrap()
}

fn tx_decode_verify(c: &mut Criterion) {
    let tx = block_txs().remove(0);
    let bytes = borsh::to_vec(&tx).unwrap();
    let mut g = c.benchmark_group("tx");
    g.throughput(Throughput::Elements(1));
    g.bench_function("decode", |b| b.iter(|| Transaction::decode(black_box(&bytes), 65536).unwrap()));
    g.bench_function("hash", |b| b.iter(|| black_box(&tx).hash()));
    g.bench_function("decode_verify", |b| {
        b.iter(|| Transaction::decode(black_box(&bytes), 65536).unwrap().verify("bench").unwrap())
    });
    g.finish();
}

fn block_paths(c: &mut Criterion) {
    let txs = block_txs();
    let mut g = c.benchmark_group("block_1000_transfers");
    g.throughput(Throughput::Elements(txs.len() as u64));
    g.sample_size(10);

    let chain = chain_on(Arc::new(MemKv::default()));
    for t in &txs {
        chain.submit(&borsh::to_vec(t).unwrap()).unwrap();
    }
    let env = BlockEnv { chain_id: "bench", height: Height(1), timestamp_ms: 10 };
    g.bench_function("execute_no_sig_check", |b| {
        b.iter(|| execute_txs(chain.store(), env, &txs, &NativeContracts, SignatureCheck::AlreadyVerified).unwrap())
    });
    g.bench_function("execute_verify_each_serially", |b| {
        b.iter(|| execute_txs(chain.store(), env, &txs, &NativeContracts, SignatureCheck::Verify).unwrap())
    });
    let (block, _) = chain.propose(key(10_000).public_key(), 10).unwrap();
    g.bench_function("validate_peer_block_sigs_cached", |b| b.iter(|| chain.validate(&block).unwrap()));
    g.bench_function("validate_peer_block_sigs_unseen_parallel", |b| {
        // A new chain each time, so no signature is remembered: every one is checked.
        b.iter_batched(|| chain_on(Arc::new(MemKv::default())), |c| c.validate(&block).unwrap(), BatchSize::LargeInput)
    });

    let exec = chain.validate(&block).unwrap();
    let keys: Vec<_> = exec.changes.kv.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    g.bench_function("state_root_update", |b| {
        b.iter(|| {
            let mut tree = TreeUpdate::new(chain.store());
            let paths = keys.iter().filter_map(|(k, v)| Some((smt::key_hash(k), Some(smt::value_hash(v.as_ref()?)))));
            tree.apply(paths.collect()).unwrap();
            tree.root().unwrap()
        })
    });

    let dir = tempfile::tempdir().unwrap();
    let rocks = chain_on(Arc::new(RocksKv::open(dir.path()).unwrap()));
    let exec = rocks.validate(&block).unwrap();
    let cert = CommitCertificate { height: Height(1), round: 0, block_hash: block.hash(), signatures: vec![] };
    g.bench_function("rocksdb_commit_block", |b| {
        b.iter(|| rocks.store().commit_block(&block, &cert, &exec.outcomes, &exec.changes, &[]).unwrap())
    });
    g.finish();
}

/// The state tree alone, at a city's scale: 10 000 keys of a block changed in a tree of 200 000,
/// one key at a time (before) and in one batched pass (what blocks use).
fn state_tree(c: &mut Criterion) {
    let kv = |i: u32, salt: u8| (i.to_be_bytes().to_vec(), vec![salt; 40]);
    let mut state = MemState::default();
    let mut base = TreeUpdate::new(&state);
    base.apply(
        (0..200_000u32).map(|i| kv(i, 1)).map(|(k, v)| (smt::key_hash(&k), Some(smt::value_hash(&v)))).collect(),
    )
    .unwrap();
    let nodes = base.nodes;
    state.apply(ChangeSet { kv: Default::default(), nodes });
    // Half overwrite existing keys, half are new.
    let block: Vec<_> = (0..10_000u32).map(|i| kv(i * 40 + (i % 2) * 1_000_000, 2)).collect();
    let mut g = c.benchmark_group("state_tree_200k_keys");
    g.throughput(Throughput::Elements(block.len() as u64));
    g.sample_size(10);
    g.bench_function("update_10k_one_by_one", |b| {
        b.iter(|| {
            let mut tree = TreeUpdate::new(&state);
            for (k, v) in &block {
                tree.insert(smt::key_hash(k), smt::value_hash(v)).unwrap();
            }
            tree.root().unwrap()
        })
    });
    g.bench_function("update_10k_batched", |b| {
        b.iter(|| {
            let mut tree = TreeUpdate::new(&state);
            tree.apply(block.iter().map(|(k, v)| (smt::key_hash(k), Some(smt::value_hash(v)))).collect()).unwrap();
            tree.root().unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, tx_decode_verify, block_paths, state_tree);
criterion_main!(benches);
