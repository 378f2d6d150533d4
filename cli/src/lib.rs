//! The Shulian wallet: encrypted organization keys, transaction building and signing, a
//! client of the node's HTTP API and the signing gateway for department systems (`gateway`). The
//! `shulian` binary is a thin shell over [`run`].
//!
//! Architecture invariant: depends on `shulian-runtime` and the API's types (`shulian-api`) only
//! (never on the node or the contracts); a secret key is decrypted in memory and never written or printed in clear.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod args;
pub use shulian_client::client;
pub mod commands;
pub mod config;
pub mod error;
pub mod gateway;
pub mod keystore;
pub mod output;
pub mod passphrase;
pub mod render;
pub mod txfile;
pub use shulian_client::txflow;

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

/// Parses the command line `args` (program name first) with the settings file's defaults applied
/// (see [`config`]). A settings or command-line problem is reported here and answered as the exit
/// code.
pub fn parse_args(args: Vec<std::ffi::OsString>) -> Result<Cli, u8> {
    use clap::{CommandFactory, FromArgMatches};
    let json = args.iter().any(|a| a == "--json");
    let located = config::locate(&args, std::env::var_os(config::CONFIG_ENV), std::env::var_os("HOME"));
    let settings = match located.and_then(|(path, explicit)| config::load(&path, explicit)) {
        Ok(settings) => settings,
        // Without HOME there is simply no settings file to read.
        Err(config::ConfigError::NoHome) => config::Config::default(),
        Err(e) => {
            let e = CliError::from(e);
            output::Printer::new(json).error(&e);
            return Err(e.exit_code());
        }
    };
    let mut cmd = config::apply(Cli::command(), &settings, std::env::var(config::KEY_ENV).ok());
    let parsed = cmd
        .try_get_matches_from_mut(args)
        .and_then(|mut m| Cli::from_arg_matches_mut(&mut m))
        .map_err(|e| e.format(&mut cmd));
    parsed.map_err(|e| report_clap_error(&e, json))
}

/// The message of a panic payload, for the one-line internal error that replaces Rust's panic
/// output.
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    match (payload.downcast_ref::<&str>(), payload.downcast_ref::<String>()) {
        (Some(s), _) => (*s).to_string(),
        (None, Some(s)) => s.clone(),
        (None, None) => "unexpected failure".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_payloads_become_one_line_messages() {
        let caught = std::panic::catch_unwind(|| std::panic::panic_any("boom")).expect_err("panicked");
        assert_eq!(panic_text(caught.as_ref()), "boom");
        let caught = std::panic::catch_unwind(|| std::panic::panic_any(format!("n={}", 3))).expect_err("panicked");
        assert_eq!(panic_text(caught.as_ref()), "n=3");
        let caught = std::panic::catch_unwind(|| std::panic::panic_any(7u8)).expect_err("panicked");
        assert_eq!(panic_text(caught.as_ref()), "unexpected failure");
    }
}
