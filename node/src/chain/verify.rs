//! Signature checks of a block's transactions, batched ([`Transaction::verify_many`]) and spread
//! over the machine's cores; the verdicts are those of `Transaction::verify`, the rule admission
//! uses.

use shulian_runtime::sigcheck::KeyCache;
use shulian_runtime::{Hash, Transaction, tx::TxError};

/// Fewer signatures than this are checked on the calling thread: spawning costs more than it saves.
const PARALLEL_MIN: usize = 64;

/// Verifies `txs` (each with its position in the block and its hash) on up to `threads` threads,
/// with decoded keys from `keys`. Returns the first failure in block order.
pub(crate) fn verify_all(
    txs: &[(usize, Hash, &Transaction)],
    chain_id: &str,
    threads: usize,
    keys: &dyn KeyCache,
) -> Result<(), (usize, Hash, TxError)> {
    let threads = threads.clamp(1, 64);
    if txs.len() < PARALLEL_MIN || threads == 1 {
        return check(txs, chain_id, keys);
    }
    let chunk = txs.len().div_ceil(threads);
    let results: Vec<Result<(), (usize, Hash, TxError)>> = std::thread::scope(|s| {
        let handles: Vec<_> = txs.chunks(chunk).map(|part| s.spawn(move || check(part, chain_id, keys))).collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err((0, Hash::tagged(b"shulian/none", &[]), TxError::Malformed("verifier thread panicked".into())))
                })
            })
            .collect()
    });
    // Chunks are in block order, so the first error found is the earliest one.
    results.into_iter().collect()
}

fn check(
    txs: &[(usize, Hash, &Transaction)],
    chain_id: &str,
    keys: &dyn KeyCache,
) -> Result<(), (usize, Hash, TxError)> {
    let refs: Vec<&Transaction> = txs.iter().map(|(_, _, t)| *t).collect();
    for ((index, hash, _), verdict) in txs.iter().zip(Transaction::verify_many_with(&refs, chain_id, keys)) {
        verdict.map_err(|e| (*index, *hash, e))?;
    }
    Ok(())
}

/// How many threads signature checks may use: the machine's cores.
pub(crate) fn default_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shulian_runtime::call::{Call, SettlementCall};
    use shulian_runtime::{AccountId, Fen, UnsignedTransaction};

    fn txs(n: usize) -> Vec<Transaction> {
        let k = shulian_runtime::test_utils::key(3);
        (0..n as u64)
            .map(|nonce| {
                UnsignedTransaction {
                    chain_id: "c".into(),
                    sender: k.public_key(),
                    nonce,
                    call: Call::Settlement(SettlementCall::Transfer { to: AccountId([0; 32]), amount: Fen(1) }),
                }
                .sign(&k)
            })
            .collect()
    }

    #[test]
    fn parallel_check_reports_the_earliest_bad_signature() {
        let mut all = txs(200);
        all[150].nonce += 1_000;
        all[90].nonce += 1_000;
        let refs: Vec<_> = all.iter().enumerate().map(|(i, t)| (i, t.hash(), t)).collect();
        let keys = crate::mempool::verified::DecodedKeys::new();
        let err = verify_all(&refs, "c", 4, &keys).expect_err("two bad signatures");
        assert_eq!(err.0, 90);
        assert!(matches!(err.2, TxError::BadSignature(_)));
        assert!(verify_all(&refs[..90], "c", 4, &keys).is_ok());
        let uncached = verify_all(&refs, "c", 4, &shulian_runtime::sigcheck::NoKeyCache).map_err(|e| e.0);
        assert_eq!(uncached, Err(90), "the same verdict without a cache");
    }
}
