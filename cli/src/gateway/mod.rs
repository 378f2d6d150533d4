//! The signing gateway (`shulian gateway`): a small local HTTP JSON API through which a
//! department's systems have calls signed with one wallet key and submitted, without each of
//! them holding the key or managing nonces. `types` holds every JSON shape of its API, `nonces`
//! the nonce manager (consecutive nonces for many callers, resubmission after a node restart),
//! `server` the routes and the token check, `auth` the token, `listen` the socket, `log` the
//! signing log, `node` what it needs from a node.
//!
//! Invariant: nothing is signed for a request without the right bearer token, and every signature
//! is logged with its nonce and hash before it is submitted.

pub mod auth;
pub mod listen;
pub mod log;
pub use shulian_client::node_api as node;
pub use shulian_client::nonces;
pub mod server;
pub mod types;

use std::path::PathBuf;

/// Where the token of the gateway for key `key` lives without `--token-file`:
/// `$HOME/.shulian/gateway/KEY.token` (the wallet's data folder); `None` without `HOME`.
pub fn default_token_path(key: &str) -> Option<PathBuf> {
    match std::env::var_os("HOME") {
        Some(home) if !home.is_empty() => {
            Some(PathBuf::from(home).join(".shulian").join("gateway").join(format!("{key}.token")))
        }
        _ => None,
    }
}

/// The signing log's path for a token file: beside it, `NAME.log` for `NAME.token` (or
/// `NAME.log` for a token file without an extension).
pub fn log_path_for(token: &std::path::Path) -> PathBuf {
    token.with_extension("log")
}
