//! The signing log: one JSON line per transaction the gateway signs, to stderr and appended to a
//! file (opened append-only, mode 0600), so every signature can be accounted for afterwards.

use super::types::SignedLine;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// An open signing log.
#[derive(Debug)]
pub struct SignLogFile {
    file: Mutex<File>,
    path: PathBuf,
}

impl SignLogFile {
    /// Opens (or creates) the log at `path` for appending.
    pub fn open(path: &Path) -> std::io::Result<SignLogFile> {
        let file = OpenOptions::new().append(true).create(true).mode(0o600).open(path)?;
        Ok(SignLogFile { file: Mutex::new(file), path: path.to_path_buf() })
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one line to stderr and to the file. A failing write is reported on stderr; signing
    /// goes on (the line is on stderr either way).
    pub fn write(&self, line: &SignedLine) {
        let text = match serde_json::to_string(line) {
            Ok(t) => t,
            Err(e) => format!("{{\"event\":\"log_error\",\"message\":\"{e}\"}}"),
        };
        eprintln!("{text}");
        let mut f = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = writeln!(f, "{text}") {
            eprintln!("warning: cannot append to the signing log {}: {e}", self.path.display());
        }
    }
}
