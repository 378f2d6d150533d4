//! Criterion benchmarks of the node's hot paths: transaction decode + signature check, parallel
//! signature check of a block, block execution, the state-tree update, and the RocksDB commit of
//! a block. Run with `cargo bench -p shulian-node --bench hot_paths` (after a release build).
#![allow(missing_docs, unreachable_pub, clippy::unwrap_used, clippy::disallowed_types, clippy::disallowed_methods)]

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use shulian_contracts::NativeContracts;
use shulian_node::chain::{Chain, ChainLimits};
use shulian_node::storage::{ChainStore, KvStore, MemKv, RocksKv};
use shulian_runtime::block::Validator;
use shulian_runtime::call::{Call, SettlementCall};
use shulian_runtime::exec::{BlockEnv, execute_txs};
use shulian_runtime::genesis::{Genesis, GenesisOrg, Role};
use shulian_runtime::smt::{self, TreeUpdate};
use shulian_runtime::{
    AccountId, CommitCertificate, Fen, Height, SecretKey, SignatureCheck, Transaction, UnsignedTransaction,
};
use std::hint::black_box;
use std::sync::Arc;

const ORGS: usize = 100;
const PER_ORG: u64 = 10;

fn key(i: usize) -> SecretKey {
    SecretKey::from_bytes(blake3::hash(&(i as u64).to_le_bytes()).as_bytes())
}

fn genesis() -> Genesis {
    Genesis {
        chain_id: "bench".into(),
        genesis_time_ms: 1,
        validators: vec![Validator { name: "v".into(), public_key: key(10_000).public_key(), power: 1 }],
        organizations: (0..ORGS)
            .map(|i| GenesisOrg {
                name: format!("org {i}"),
                roles: vec![Role::Department],
                public_key: key(i).public_key(),
                balance: Fen(1_000_000),
            })
            .collect(),
    }
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
    g.bench_function("decode_verify_strict", |b| {
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
            for (k, v) in &keys {
                if let Some(v) = v {
                    tree.insert(smt::key_hash(k), smt::value_hash(v)).unwrap();
                }
            }
            tree.root().unwrap()
        })
    });

    let dir = tempfile::tempdir().unwrap();
    let rocks = chain_on(Arc::new(RocksKv::open(dir.path()).unwrap()));
    let exec = rocks.validate(&block).unwrap();
    let cert = CommitCertificate { height: Height(1), round: 0, block_hash: block.hash(), signatures: vec![] };
    g.bench_function("rocksdb_commit_block", |b| {
        b.iter_batched(
            || exec.changes.clone(),
            |changes| rocks.store().commit_block(&block, &cert, &exec.outcomes, changes).unwrap(),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, tx_decode_verify, block_paths);
criterion_main!(benches);
