//! `shulian gateway`: the signing gateway's options.

use crate::gateway::listen::ListenAddr;
use clap::Args;
use std::path::PathBuf;

/// `shulian gateway`.
#[derive(Debug, Args)]
pub struct GatewayArgs {
    /// Name of the key (in the keystore) that signs every call made through the gateway.
    ///
    /// The gateway must be the only signer of this key while it runs: it counts the key's nonces
    /// itself.
    #[arg(long, value_name = "NAME")]
    pub key: String,
    /// Where to listen: IP:PORT (loopback only, unless --allow-remote; port 0 picks a free port)
    /// or unix:/path/to/socket.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8655")]
    pub listen: ListenAddr,
    /// Accept a --listen address that other machines can reach.
    #[arg(long)]
    pub allow_remote: bool,
    /// File holding the bearer token callers must send (`Authorization: Bearer TOKEN`); created
    /// with a new random token, mode 0600, if it does not exist [default:
    /// $HOME/.shulian/gateway/NAME.token]. The signing log is written beside it (NAME.log).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Most signed transactions not yet committed; a call beyond that is answered 503 queue_full.
    #[arg(long, value_name = "N", default_value_t = 50_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_queue: u64,
}
