//! The Shulian node: everything with I/O. Storage (RocksDB), mempool, consensus, the HTTP API and
//! the explorer, wired together by [`home`] (a node's folder) and the `shulian-node` binary.
//! Architecture invariant: state changes only through `chain::Chain::commit`, which only a
//! consensus engine calls.
// The determinism rules of clippy.toml (no clock, no HashMap) bind runtime/ and contracts/ only;
// the node is where I/O, time and hash maps belong.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

pub mod api;
pub mod backup;
pub mod chain;
pub mod consensus;
pub mod explorer;
pub mod home;
pub mod mempool;
pub mod network;
pub mod storage;
pub mod verify;
