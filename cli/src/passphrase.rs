//! Where the passphrase that protects a key file comes from, in this order: `--passphrase-file`,
//! the `SHULIAN_PASSPHRASE` environment variable, an interactive prompt. Without a terminal and
//! without either source the wallet stops with a clear error instead of waiting on a prompt.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The environment variable holding the passphrase for non-interactive use.
pub const PASSPHRASE_ENV: &str = "SHULIAN_PASSPHRASE";

/// Why no passphrase could be had.
#[derive(Debug, thiserror::Error)]
pub enum PassphraseError {
    /// The passphrase file cannot be read.
    #[error("cannot read passphrase file {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// No file, no environment variable and no terminal to ask on.
    #[error("no passphrase: give --passphrase-file FILE or set SHULIAN_PASSPHRASE (there is no terminal to ask on)")]
    NoSource,
    /// The terminal prompt failed.
    #[error("cannot read the passphrase from the terminal: {0}")]
    Prompt(std::io::Error),
    /// The two passphrases typed for a new key differ.
    #[error("the two passphrases do not match")]
    Mismatch,
    /// A new key must not be stored under an empty passphrase.
    #[error("empty passphrase refused: a key file must be protected by a passphrase")]
    Empty,
}

/// The chosen source, before anything is read from it.
#[derive(Debug, PartialEq, Eq)]
pub enum Source {
    /// Read this file (its final line break is not part of the passphrase).
    File(PathBuf),
    /// The value of `SHULIAN_PASSPHRASE`.
    Env(String),
    /// Ask on the terminal.
    Prompt,
}

/// What the passphrase is for: it decides the prompt and whether it is asked twice.
#[derive(Clone, Copy, Debug)]
pub enum Purpose<'a> {
    /// Decrypting the existing key with this name.
    Unlock(&'a str),
    /// Protecting a new key with this name (asked twice, must not be empty).
    New(&'a str),
}

/// Picks the source by precedence; an empty environment variable counts as unset.
pub fn choose_source(file: Option<&Path>, env: Option<String>, interactive: bool) -> Result<Source, PassphraseError> {
    match (file, env) {
        (Some(path), _) => Ok(Source::File(path.to_path_buf())),
        (None, Some(value)) if !value.is_empty() => Ok(Source::Env(value)),
        _ if interactive => Ok(Source::Prompt),
        _ => Err(PassphraseError::NoSource),
    }
}

/// The passphrase in a file: its content without the final line break.
pub fn from_file_content(content: &str) -> &str {
    let line = content.strip_suffix('\n').unwrap_or(content);
    line.strip_suffix('\r').unwrap_or(line)
}

/// Gets the passphrase for `purpose` from `--passphrase-file`, the environment or the terminal.
pub fn obtain(file: Option<&Path>, purpose: Purpose<'_>) -> Result<Zeroizing<String>, PassphraseError> {
    let env = std::env::var(PASSPHRASE_ENV).ok();
    let pass = match choose_source(file, env, std::io::stdin().is_terminal())? {
        Source::File(path) => {
            let content = Zeroizing::new(
                std::fs::read_to_string(&path).map_err(|source| PassphraseError::File { path, source })?,
            );
            Zeroizing::new(from_file_content(&content).to_string())
        }
        Source::Env(value) => Zeroizing::new(value),
        Source::Prompt => prompt(purpose)?,
    };
    if matches!(purpose, Purpose::New(_)) && pass.is_empty() {
        return Err(PassphraseError::Empty);
    }
    Ok(pass)
}

fn prompt(purpose: Purpose<'_>) -> Result<Zeroizing<String>, PassphraseError> {
    let ask = |text: String| rpassword::prompt_password(text).map(Zeroizing::new).map_err(PassphraseError::Prompt);
    match purpose {
        Purpose::Unlock(name) => ask(format!("passphrase for key {name}: ")),
        Purpose::New(name) => {
            let first = ask(format!("new passphrase for key {name}: "))?;
            let again = ask("repeat the passphrase: ".to_string())?;
            if *first != *again {
                return Err(PassphraseError::Mismatch);
            }
            Ok(first)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_wins_over_environment_and_prompt() {
        let src = choose_source(Some(Path::new("/p")), Some("env".into()), true).expect("source");
        assert_eq!(src, Source::File(PathBuf::from("/p")));
    }

    #[test]
    fn environment_wins_over_prompt_unless_empty() {
        assert_eq!(choose_source(None, Some("env".into()), true).expect("source"), Source::Env("env".into()));
        assert_eq!(choose_source(None, Some(String::new()), true).expect("source"), Source::Prompt);
    }

    #[test]
    fn no_source_without_terminal_is_an_error() {
        assert!(matches!(choose_source(None, None, false), Err(PassphraseError::NoSource)));
        assert!(matches!(choose_source(None, Some(String::new()), false), Err(PassphraseError::NoSource)));
    }

    #[test]
    fn file_content_loses_only_the_final_line_break() {
        assert_eq!(from_file_content("secret\n"), "secret");
        assert_eq!(from_file_content("secret\r\n"), "secret");
        assert_eq!(from_file_content("secret"), "secret");
        assert_eq!(from_file_content(" sec ret \n\n"), " sec ret \n");
    }
}
