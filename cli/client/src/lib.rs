//! The one Rust client of a Shulian node's HTTP API (`docs/api.md`, `docs/openapi.json`): the
//! typed answers of `shulian-api` over blocking HTTP ([`client`]; the paged lists and their exports: [`lists`]), signing a call and following a
//! transaction to its outcome ([`txflow`]), reading the live event stream ([`sse`]), signing many callers' calls with one key in nonce order without gaps ([`nonces`], over the [`node_api::NodeApi`] seam), and the process exit codes a failure maps to
//! ([`exit`]). The wallet, its signing gateway and the multi-process tests use it.
//!
//! Architecture invariant: depends on `shulian-runtime` and `shulian-api` (and ureq, and tokio's
//! channels for the nonce manager's answers) only; no keystore, no terminal, no async runtime.

pub mod client;
pub mod lists;
pub mod node_api;
pub mod nonces;
pub mod sse;
pub mod txflow;

/// Process exit codes of the wallet, shared by every command (documented in `docs/wallet.md`).
pub mod exit {
    /// The command did what was asked.
    pub const SUCCESS: u8 = 0;
    /// Anything not covered below (a transaction that failed in its contract, a wait that timed out).
    pub const OTHER: u8 = 1;
    /// Bad command line (clap's own code), or a bad settings file.
    pub const USAGE: u8 = 2;
    /// The node answered and refused the request (HTTP 4xx), or rejected the transaction.
    pub const REFUSED: u8 = 3;
    /// The node could not be reached, or failed (HTTP 5xx).
    pub const UNREACHABLE: u8 = 4;
    /// The keystore or the passphrase is the problem.
    pub const KEYSTORE: u8 = 5;
    /// The node serves (or a transaction file is for) another chain than the one the wallet is
    /// pinned to; nothing was signed.
    pub const WRONG_CHAIN: u8 = 6;
}

pub use client::{ClientError, NodeClient, NodeUrl};
pub use txflow::{TxState, WaitError};
