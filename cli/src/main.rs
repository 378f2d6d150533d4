//! `shulian`: the Shulian wallet. Parses the command line, runs it and turns the result into an
//! exit code; everything else lives in the `shulian_cli` library.

use clap::Parser;
use shulian_cli::output::Printer;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match shulian_cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let json = std::env::args_os().any(|a| a == "--json");
            return ExitCode::from(shulian_cli::report_clap_error(&e, json));
        }
    };
    let out = Printer::new(cli.global.json);
    match shulian_cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            out.error(&e);
            ExitCode::from(e.exit_code())
        }
    }
}
