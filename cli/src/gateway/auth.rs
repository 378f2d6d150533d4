//! The gateway's bearer token: read from a file, or generated into a new 0600 file, and compared
//! in constant time (the blake3 digests of the given and the expected token are compared with
//! blake3's constant-time equality, so neither the content nor the length of the secret leaks
//! through timing).

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Shortest token accepted from a file.
pub const MIN_TOKEN_CHARS: usize = 16;

/// Why the token cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Reading or writing the file failed.
    #[error("token file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file holds too short a token.
    #[error("token file {} holds a token of {len} characters; use at least {MIN_TOKEN_CHARS}", path.display())]
    TooShort {
        /// The file.
        path: PathBuf,
        /// Its length.
        len: usize,
    },
    /// Group or others may read the file.
    #[error("token file {} is readable by others (mode {mode:o}); chmod 600 it", path.display())]
    Exposed {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// No randomness for a new token.
    #[error("cannot draw a random token: {0}")]
    Random(String),
}

/// The expected token, kept only as its blake3 digest.
#[derive(Clone, Debug)]
pub struct Token(blake3::Hash);

impl Token {
    /// The token `secret`.
    pub fn new(secret: &str) -> Token {
        Token(blake3::hash(secret.as_bytes()))
    }

    /// Whether `given` is the token; constant time in both.
    pub fn matches(&self, given: &str) -> bool {
        blake3::hash(given.as_bytes()) == self.0
    }

    /// Whether an `Authorization` header value is `Bearer <the token>`.
    pub fn authorizes(&self, header: Option<&str>) -> bool {
        header.and_then(|h| h.strip_prefix("Bearer ")).is_some_and(|t| self.matches(t.trim()))
    }
}

/// Reads the token in `path` (its final line break dropped), or, if there is no such file,
/// writes a new random one there with mode 0600. Answers the token and whether it was generated.
pub fn load_or_create(path: &Path) -> Result<(Token, bool), TokenError> {
    let io = |source| TokenError::Io { path: path.to_path_buf(), source };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let text = Zeroizing::new(text);
            let mode = std::fs::metadata(path).map_err(io)?.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(TokenError::Exposed { path: path.to_path_buf(), mode });
            }
            let secret = text.trim();
            if secret.len() < MIN_TOKEN_CHARS {
                return Err(TokenError::TooShort { path: path.to_path_buf(), len: secret.len() });
            }
            Ok((Token::new(secret), false))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = Zeroizing::new([0u8; 32]);
            getrandom::fill(bytes.as_mut()).map_err(|e| TokenError::Random(e.to_string()))?;
            let secret = Zeroizing::new(hex::encode(bytes.as_ref()));
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(io)?;
            }
            let mut f = OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(io)?;
            f.write_all(format!("{}\n", secret.as_str()).as_bytes()).and_then(|()| f.sync_all()).map_err(io)?;
            Ok((Token::new(&secret), true))
        }
        Err(e) => Err(io(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_bearer_token_authorizes() {
        let t = Token::new("0123456789abcdef0123");
        assert!(t.authorizes(Some("Bearer 0123456789abcdef0123")));
        for bad in [None, Some(""), Some("Bearer "), Some("0123456789abcdef0123"), Some("Bearer 0123456789abcdef012")] {
            assert!(!t.authorizes(bad), "{bad:?}");
        }
        assert!(!t.authorizes(Some("Basic 0123456789abcdef0123")));
    }

    #[test]
    fn a_missing_token_file_is_created_0600_and_read_back() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("sub").join("gw.token");
        let (made, generated) = load_or_create(&path).expect("create");
        assert!(generated);
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(made.matches(text.trim()));
        let (again, generated) = load_or_create(&path).expect("read");
        assert!(!generated && again.matches(text.trim()));
    }

    #[test]
    fn short_or_exposed_token_files_are_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let short = dir.path().join("short");
        std::fs::write(&short, "abc\n").expect("write");
        std::fs::set_permissions(&short, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        assert!(matches!(load_or_create(&short), Err(TokenError::TooShort { len: 3, .. })));
        let open = dir.path().join("open");
        std::fs::write(&open, "0123456789abcdef0123\n").expect("write");
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        assert!(matches!(load_or_create(&open), Err(TokenError::Exposed { .. })));
    }
}
