//! The Shulian wallet: encrypted organization keys, transaction building and signing, and a
//! client of the node's HTTP API. The `shulian` binary is a thin shell over [`run`].
//!
//! Architecture invariant: depends on `shulian-runtime` only (never on the node or the
//! contracts); a secret key is decrypted in memory and never written or printed in clear.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod args;
pub mod client;
pub mod commands;
pub mod error;
pub mod keystore;
pub mod output;
pub mod passphrase;
pub mod render;
pub mod txflow;

pub use args::Cli;
pub use commands::run;
pub use error::{CliError, exit};

/// Reports a command line clap could not parse (or `--help`/`--version`) and answers the exit
/// code. With `json`, a usage error is also printed as a JSON error object on stdout.
pub fn report_clap_error(e: &clap::Error, json: bool) -> u8 {
    use clap::error::ErrorKind;
    let informational = matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion);
    let _ = e.print();
    if json && !informational {
        let rendered = e.render().to_string();
        let first = rendered.lines().next().unwrap_or_default();
        let message = first.strip_prefix("error: ").unwrap_or(first);
        let _ = output::Printer::new(true).result(&output::error_json("usage", message), String::new);
    }
    u8::try_from(e.exit_code()).unwrap_or(exit::USAGE)
}
