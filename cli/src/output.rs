//! Where answers go: the result on stdout (JSON with `--json`, short text otherwise), progress and
//! errors on stderr, so `shulian ... --json | jq` always reads exactly one JSON document.

use crate::error::CliError;
use serde::Serialize;
use shulian_api::ApiErrorBody;
use std::io::{ErrorKind, Write};

/// Prints results in the format chosen by `--json`.
#[derive(Clone, Copy, Debug)]
pub struct Printer {
    json: bool,
}

impl Printer {
    /// A printer for JSON (`json = true`) or human text.
    pub fn new(json: bool) -> Self {
        Printer { json }
    }

    /// Whether `--json` was given.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Prints `value` as JSON, or `human()` as text.
    pub fn result<T: Serialize + ?Sized>(&self, value: &T, human: impl FnOnce() -> String) -> Result<(), CliError> {
        if self.json { stdout(&format!("{}\n", pretty(value)?)) } else { stdout(&human()) }
    }

    /// Prints `text` on stdout as it is, whatever the format (completion scripts, early lines).
    pub fn raw(&self, text: &str) -> Result<(), CliError> {
        stdout(text)
    }

    /// A progress or warning line on stderr; never part of the result.
    pub fn note(&self, text: &str) {
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }

    /// Progress output on stderr without a line break (dots while waiting).
    pub fn progress(&self, text: &str) {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "{text}");
        let _ = err.flush();
    }

    /// Reports a failed command: `error: <message>` on stderr and, with `--json`, the error object
    /// on stdout.
    pub fn error(&self, e: &CliError) {
        self.failure(&e.code(), &e.to_string());
    }

    /// Reports a failure by code and message (also used for command-line errors).
    pub fn failure(&self, code: &str, message: &str) {
        self.note(&format!("error: {message}"));
        if self.json
            && let Ok(text) = pretty(&error_json(code, message))
        {
            let _ = stdout(&format!("{text}\n"));
        }
    }
}

/// The `--json` error document: `{"error":{"code","message"}}`, the node's own error shape.
pub fn error_json(code: &str, message: &str) -> ApiErrorBody {
    ApiErrorBody::new(code, message)
}

fn pretty<T: Serialize + ?Sized>(v: &T) -> Result<String, CliError> {
    serde_json::to_string_pretty(v).map_err(|e| CliError::Internal(format!("cannot write the answer as JSON: {e}")))
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth reporting.
fn stdout(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_json_has_the_nodes_shape() {
        let text = serde_json::to_string(&error_json("unreachable", "cannot reach")).expect("json");
        assert_eq!(text, r#"{"error":{"code":"unreachable","message":"cannot reach"}}"#);
    }
}
