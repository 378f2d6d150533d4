//! Crash points (issue 24): named places in the consensus log and the block commit path where the
//! test-only `shulian-node-byzantine` binary can be made to die, as a power cut or SIGKILL would
//! there, but at an exact point instead of a random moment. `SHULIAN_CRASH_AT=NAME:N` aborts the
//! process the N-th time it reaches crash point NAME (N = 1 when left out). Compiled to nothing
//! without the `byzantine` feature: a release node has no crash points.
//!
//! The points, in the order a height passes them:
//! - `wal.vote.signed`: a vote is signed, not yet in the consensus log;
//! - `wal.vote.logged`: the vote is in the log (synced), it has not left the node;
//! - `wal.proposal.logged`: the same for a proposal;
//! - `chain.staged`: a decided block is the tip in memory, its write not yet queued;
//! - `writer.before_commit`: the background writer is about to write the block;
//! - `writer.after_commit`: the block is written, the head not yet published.

/// Every crash point, for the sweep (`network-tests` `crash_points`).
pub const ALL: [&str; 6] = [
    "wal.vote.signed",
    "wal.vote.logged",
    "wal.proposal.logged",
    "chain.staged",
    "writer.before_commit",
    "writer.after_commit",
];

/// Crash point `name`: aborts the process here if `SHULIAN_CRASH_AT` names it and this is the hit
/// it names.
#[cfg(feature = "byzantine")]
pub fn hit(name: &'static str) {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static AT: OnceLock<Option<(String, u64)>> = OnceLock::new();
    static HITS: AtomicU64 = AtomicU64::new(0);
    let at = AT.get_or_init(|| {
        let v = std::env::var("SHULIAN_CRASH_AT").ok()?;
        let (point, n) = match v.split_once(':') {
            Some((p, n)) => (p.to_string(), n.parse().unwrap_or(1)),
            None => (v, 1),
        };
        Some((point, n))
    });
    if let Some((point, n)) = at
        && point == name
        && HITS.fetch_add(1, Ordering::SeqCst) + 1 == *n
    {
        // Straight to stderr (the node's log), unbuffered: nothing after this line runs.
        eprintln!("crash point {name} reached (hit {n}): aborting");
        std::process::abort();
    }
}

/// Crash point `name`: nothing, without the `byzantine` feature.
#[cfg(not(feature = "byzantine"))]
#[inline(always)]
pub fn hit(_name: &'static str) {}
