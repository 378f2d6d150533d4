//! The wallet's top-level error and the process exit code each class of error maps to.

use crate::client::ClientError;
use crate::config::ConfigError;
use crate::keystore::KeystoreError;
use crate::passphrase::PassphraseError;
use crate::txfile::TxFileError;
use shulian_runtime::Hash;

/// Process exit codes, one per class of failure, so scripts can react without parsing messages.
pub use shulian_client::exit;

impl From<shulian_client::WaitError> for CliError {
    fn from(e: shulian_client::WaitError) -> Self {
        match e {
            shulian_client::WaitError::Client(e) => CliError::Client(e),
            shulian_client::WaitError::Timeout { hash, status, secs } => CliError::WaitTimeout { hash, status, secs },
            shulian_client::WaitError::Internal(m) => CliError::Internal(m),
        }
    }
}

/// Everything a wallet command can fail with; each variant knows its exit code and stable code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Reading, writing or decrypting a key failed.
    #[error(transparent)]
    Keystore(#[from] KeystoreError),
    /// No usable passphrase.
    #[error(transparent)]
    Passphrase(#[from] PassphraseError),
    /// Talking to the node failed or the node refused.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// `--wait` gave up before the transaction was committed or rejected.
    #[error("transaction {hash} is still {status} after {secs} s; look it up later with `shulian tx show {hash}`")]
    WaitTimeout {
        /// The transaction waited for.
        hash: Hash,
        /// Its last known status.
        status: String,
        /// How long we waited.
        secs: u64,
    },
    /// A file named on the command line (e.g. `--result-file`) cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    InputFile {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Writing the answer to stdout failed.
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
    /// An offline-signing file is unreadable, altered, of the wrong kind, or for another key.
    #[error(transparent)]
    TxFile(#[from] TxFileError),
    /// The settings file is unreadable or invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The command line asks for something that cannot be done, found after parsing.
    #[error("{0}")]
    Usage(String),
    /// The wallet itself failed (a bug): reported in one line, never as a Rust panic.
    #[error("internal error in shulian: {0} (please report this)")]
    Internal(String),
}

impl CliError {
    /// The process exit code for this error (see [`exit`]).
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Keystore(_) | CliError::Passphrase(_) => exit::KEYSTORE,
            CliError::Client(e) => e.exit_code(),
            CliError::WaitTimeout { .. } | CliError::InputFile { .. } | CliError::Output(_) => exit::OTHER,
            CliError::TxFile(TxFileError::WrongKey { .. } | TxFileError::NoKeyForSender { .. }) => exit::KEYSTORE,
            CliError::TxFile(_) | CliError::Internal(_) => exit::OTHER,
            CliError::Config(_) | CliError::Usage(_) => exit::USAGE,
        }
    }

    /// A stable machine-readable code, used in `--json` error output.
    pub fn code(&self) -> String {
        match self {
            CliError::Keystore(e) => e.code().to_string(),
            CliError::Passphrase(_) => "passphrase".to_string(),
            CliError::Client(e) => e.code(),
            CliError::WaitTimeout { .. } => "wait_timeout".to_string(),
            CliError::InputFile { .. } => "input_file".to_string(),
            CliError::Output(_) => "output".to_string(),
            CliError::TxFile(e) => e.code().to_string(),
            CliError::Config(e) => e.code().to_string(),
            CliError::Usage(_) => "usage".to_string(),
            CliError::Internal(_) => "internal".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shulian_runtime::keyfile::KeyFileError;

    #[test]
    fn wrong_passphrase_is_a_keystore_failure() {
        let e = CliError::from(KeystoreError::from(KeyFileError::WrongPassphrase("alice".into())));
        assert_eq!(e.exit_code(), exit::KEYSTORE);
        assert_eq!(e.code(), "wrong_passphrase");
        assert!(e.to_string().contains("wrong passphrase"));
    }

    #[test]
    fn node_refusal_and_unreachable_node_have_distinct_codes() {
        let refused =
            CliError::from(ClientError::Refused { status: 400, code: "stale_nonce".into(), message: "x".into() });
        assert_eq!(refused.exit_code(), exit::REFUSED);
        assert_eq!(refused.code(), "stale_nonce");
        let down =
            CliError::from(ClientError::Unreachable { url: "http://127.0.0.1:1".into(), reason: "refused".into() });
        assert_eq!(down.exit_code(), exit::UNREACHABLE);
    }
}
