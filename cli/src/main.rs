//! `shulian`: the Shulian wallet. Parses the command line, runs it and turns the result into an
//! exit code; everything else lives in the `shulian_cli` library. A panic (a bug) never reaches
//! the user as Rust's panic output: it is reported as one `internal error` line and exit code 1.

use shulian_cli::CliError;
use shulian_cli::output::Printer;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;

fn main() -> ExitCode {
    // Silence the default panic report; `catch_unwind` below turns the panic into one line.
    std::panic::set_hook(Box::new(|_| {}));
    let args: Vec<_> = std::env::args_os().collect();
    let json = args.iter().any(|a| a == "--json");
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let cli = match shulian_cli::parse_args(args) {
            Ok(cli) => cli,
            Err(code) => return Ok(code),
        };
        shulian_cli::run(cli)
    }));
    let out = Printer::new(json);
    let result = outcome.unwrap_or_else(|payload| Err(CliError::Internal(shulian_cli::panic_text(payload.as_ref()))));
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            out.error(&e);
            ExitCode::from(e.exit_code())
        }
    }
}
