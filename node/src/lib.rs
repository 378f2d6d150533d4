//! The Shulian node: everything with I/O. Storage (RocksDB), mempool, consensus, the HTTP API and
//! the explorer, wired together by [`home`] (a node's folder) and the `shulian-node` binary.
//! Architecture invariant: state changes only through `chain::Chain::commit`, which only
//! consensus calls (its driver, and block sync). The pure protocol is the `shulian-consensus` crate.
// Hash maps are fine outside the deterministic crates: clippy.toml disallows them for runtime/,
// contracts/ and node/consensus/, where an iteration order could reach a state root or a vote.
// Clock reads stay disallowed here too: each one carries its own `expect` with its reason.
#![allow(clippy::disallowed_types)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

pub mod api;
pub mod backup;
pub mod chain;
pub mod consensus;
pub mod crashpoint;
pub mod dbstats;
pub mod disk;
pub mod explorer;
pub mod genesis_cmd;
pub mod health;
pub mod home;
pub mod logging;
pub mod mempool;
pub mod metrics;
pub mod network;
mod planted;
pub mod snapshot;
pub mod storage;
pub mod verify;

/// Milliseconds since the Unix epoch by this machine's wall clock: a proposer's block timestamp, a
/// new genesis's time, a backup file's name. Nothing the nodes must agree on reads it; they read
/// the timestamp in the block header.
#[expect(clippy::disallowed_methods, reason = "the node's one wall-clock read, for the uses listed above")]
pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}
