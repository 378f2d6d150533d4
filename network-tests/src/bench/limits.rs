//! This machine's ceilings, measured in the benchmark's own run: signature verification under the
//! ledger's rule of the run's crypto suite (ed25519, or SM2 under `--crypto sm2-sm3`: one at a
//! time, in batches of 64 as one API request's are checked, and in batches of 1 024 as relayed
//! transactions are admitted; SM2 has no batch equation, so its batches are checked one by one),
//! ed25519-dalek's `verify_strict` for reference, on all cores; blake3, the suite's hash, and borsh.

use serde::Serialize;
use shulian_runtime::call::{Call, ReceiptsCall};
use shulian_runtime::tx::TX_SIGN_TAG;
use shulian_runtime::{GrantId, Hash, SecretKey, Transaction, UnsignedTransaction};
use std::time::{Duration, Instant};

/// Measured throughputs, per second, using every core unless said otherwise.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Limits {
    /// Cores used (`available_parallelism`).
    pub(crate) cores: usize,
    /// One transaction signature at a time under the ledger's rule (with the borsh encoding of
    /// the signed part).
    pub(crate) verify_single_per_s: f64,
    /// Transaction signatures per second under the ledger's rule in batches of 64
    /// (`Transaction::verify_many`), as nodes check them.
    pub(crate) verify_batch_per_s: f64,
    /// The same in batches of 1 024 from 256 signers (4 signatures each), the size relayed
    /// transactions are admitted in under load: the best rate this machine verifies at.
    pub(crate) verify_batch_1024_per_s: f64,
    /// `ed25519_dalek::VerifyingKey::verify_strict` (the rule of ADR 0001), for reference.
    pub(crate) dalek_verify_strict_per_s: f64,
    /// blake3 throughput over 1 MiB buffers, MB/s.
    pub(crate) blake3_mb_per_s: f64,
    /// The run's suite's hash (blake3 or SM3) over 1 MiB buffers, MB/s.
    pub(crate) suite_hash_mb_per_s: f64,
    /// Transaction hashes (borsh encode + blake3) per second.
    pub(crate) tx_hash_per_s: f64,
    /// borsh encodings of a transaction per second.
    pub(crate) borsh_encode_per_s: f64,
    /// borsh decodings of a transaction per second.
    pub(crate) borsh_decode_per_s: f64,
}

fn sample_tx(i: u64) -> (Transaction, SecretKey) {
    let key = SecretKey::from_bytes(blake3::hash(&i.to_le_bytes()).as_bytes());
    let tx = UnsignedTransaction {
        chain_id: "bench".into(),
        sender: key.public_key(),
        nonce: i,
        call: Call::Receipts(ReceiptsCall::Record {
            grant: GrantId([7; 32]),
            query_hash: Hash([1; 32]),
            result_hash: Hash([2; 32]),
            row_count: 42,
            fields_used: vec!["count".into()],
        }),
    }
    .sign(&key);
    (tx, key)
}

/// Runs `work` on every core for about `for_time`; `work(thread, iteration)` returns how many
/// units it did. Returns units per second over all threads.
fn on_all_cores(cores: usize, for_time: Duration, work: impl Fn(usize) -> u64 + Sync) -> f64 {
    let start = Instant::now();
    let total: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..cores)
            .map(|t| {
                let work = &work;
                s.spawn(move || {
                    let mut done = 0u64;
                    while start.elapsed() < for_time {
                        done += work(t);
                    }
                    done
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    total as f64 / start.elapsed().as_secs_f64()
}

/// Measures everything, about `per_test` each.
pub(crate) fn measure(per_test: Duration) -> Limits {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let txs: Vec<Transaction> = (0..256).map(|i| sample_tx(i).0).collect();
    let encoded: Vec<Vec<u8>> = txs.iter().map(|t| borsh::to_vec(t).unwrap_or_default()).collect();

    let verify_single_per_s = on_all_cores(cores, per_test, |t| {
        let mut n = 0;
        for tx in txs.iter().skip(t * 7 % 64).take(32) {
            if tx.verify_signature().is_ok() {
                n += 1;
            }
        }
        n
    });

    let verify_batch_per_s = on_all_cores(cores, per_test, |t| {
        let batch: Vec<&Transaction> = txs.iter().skip(t * 64 % 192).take(64).collect();
        Transaction::verify_many(&batch, "bench").iter().filter(|v| v.is_ok()).count() as u64
    });

    let big = big_batch();
    let big_refs: Vec<&Transaction> = big.iter().collect();
    let verify_batch_1024_per_s = on_all_cores(cores, per_test, |_| {
        Transaction::verify_many(&big_refs, "bench").iter().filter(|v| v.is_ok()).count() as u64
    });

    let strict: Vec<(Vec<u8>, ed25519_dalek::Signature, ed25519_dalek::VerifyingKey)> = txs
        .iter()
        .take(64)
        .filter_map(|tx| {
            let msg = shulian_runtime::crypto::signing_bytes(TX_SIGN_TAG, &borsh::to_vec(&tx.unsigned()).ok()?);
            let vk = ed25519_dalek::VerifyingKey::from_bytes(&tx.sender.0).ok()?;
            Some((msg, ed25519_dalek::Signature::from_bytes(&tx.signature.0), vk))
        })
        .collect();
    let dalek_verify_strict_per_s = on_all_cores(cores, per_test, |_| {
        strict.iter().filter(|(msg, sig, vk)| vk.verify_strict(msg, sig).is_ok()).count() as u64
    });

    let buf = vec![0x5au8; 1 << 20];
    let blake3_mb_per_s = on_all_cores(cores, per_test, |_| {
        std::hint::black_box(blake3::hash(std::hint::black_box(&buf)));
        1
    }) * (buf.len() as f64)
        / 1e6;

    let suite_hash_mb_per_s = on_all_cores(cores, per_test, |_| {
        std::hint::black_box(Hash::tagged(b"bench", std::hint::black_box(&buf)));
        1
    }) * (buf.len() as f64)
        / 1e6;

    let tx_hash_per_s = on_all_cores(cores, per_test, |_| {
        for tx in txs.iter().take(64) {
            std::hint::black_box(tx.hash());
        }
        64
    });
    let borsh_encode_per_s = on_all_cores(cores, per_test, |_| {
        for tx in txs.iter().take(64) {
            std::hint::black_box(borsh::to_vec(tx).map(|v| v.len()).unwrap_or(0));
        }
        64
    });
    let borsh_decode_per_s = on_all_cores(cores, per_test, |_| {
        for b in encoded.iter().take(64) {
            std::hint::black_box(borsh::from_slice::<Transaction>(b).is_ok());
        }
        64
    });
    Limits {
        cores,
        verify_single_per_s,
        verify_batch_per_s,
        verify_batch_1024_per_s,
        dalek_verify_strict_per_s,
        blake3_mb_per_s,
        suite_hash_mb_per_s,
        tx_hash_per_s,
        borsh_encode_per_s,
        borsh_decode_per_s,
    }
}

/// 1 024 transactions from 256 signers, 4 each.
fn big_batch() -> Vec<Transaction> {
    (0..1024u64)
        .map(|i| {
            let (tx, key) = sample_tx(i % 256);
            UnsignedTransaction { nonce: i, ..tx.unsigned() }.sign(&key)
        })
        .collect()
}

/// Whether throwaway keys sign and verify, alone and as a batch of 1 024 (guards against
/// measuring a broken setup).
pub(crate) fn self_check() -> bool {
    let (tx, _) = sample_tx(1);
    let big = big_batch();
    let refs: Vec<&Transaction> = big.iter().collect();
    tx.verify_signature().is_ok() && Transaction::verify_many(&refs, "bench").iter().all(Result::is_ok)
}
