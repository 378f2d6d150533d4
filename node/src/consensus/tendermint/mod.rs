//! Tendermint BFT consensus over the network. The pure state machine (`Core`, the vote keeper and
//! their deterministic simulation) is the `shulian-consensus` crate; this module is its async shell:
//! `driver.rs` feeds it network messages and timers and carries out its outputs, `wal.rs` is the
//! write-ahead log and double-sign guard.

#[cfg(feature = "byzantine")]
pub mod byzantine;
pub mod driver;
pub mod wal;
