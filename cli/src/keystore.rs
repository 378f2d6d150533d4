//! The local keystore: one passphrase-encrypted key file per name, `DIR/NAME.json`.
//!
//! Invariants: the directory is created 0700 and every key file 0600; an existing key is never
//! overwritten; the secret key exists in clear only in memory, never on disk.

use serde::Serialize;
use shulian_runtime::keyfile::{DEFAULT_KDF, KdfParams, KeyFile, KeyFileError};
use shulian_runtime::{AccountId, PublicKey, SecretKey};
use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Key files larger than this are not key files; refusing them early keeps a stray file harmless.
const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

/// Why a keystore operation failed.
#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
    /// The name has characters outside `[A-Za-z0-9_-]` (or is empty).
    #[error("invalid key name {0:?}: use one or more letters, digits, '-' or '_'")]
    InvalidName(String),
    /// A key with this name already exists.
    #[error("key {name:?} already exists at {path}; refusing to overwrite it")]
    Exists {
        /// Key name.
        name: String,
        /// Its file.
        path: PathBuf,
    },
    /// No key with this name.
    #[error("no key named {name:?} in {dir} (see `shulian keys list`)")]
    NotFound {
        /// Key name.
        name: String,
        /// The keystore directory.
        dir: PathBuf,
    },
    /// The file system refused.
    #[error("cannot access {path}: {source}")]
    Io {
        /// File or directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not a readable key file.
    #[error("{path} is not a valid Shulian key file: {reason}")]
    BadFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Decryption failed: wrong passphrase, or an unsupported or damaged file.
    #[error(transparent)]
    KeyFile(#[from] KeyFileError),
    /// The operating system gave no randomness.
    #[error("cannot get random bytes from the operating system: {0}")]
    Random(String),
    /// A secret key to import is not 32 bytes of hex.
    #[error("cannot import the secret key: {0}")]
    BadSecret(String),
    /// No directory was given and `HOME` is not set.
    #[error("no keystore directory: set --keystore or SHULIAN_KEYSTORE (HOME is not set)")]
    NoHome,
}

impl KeystoreError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            KeystoreError::InvalidName(_) => "invalid_key_name",
            KeystoreError::Exists { .. } => "key_exists",
            KeystoreError::NotFound { .. } => "key_not_found",
            KeystoreError::Io { .. } => "keystore_io",
            KeystoreError::BadFile { .. } => "bad_key_file",
            KeystoreError::KeyFile(KeyFileError::WrongPassphrase(_)) => "wrong_passphrase",
            KeystoreError::KeyFile(KeyFileError::Unsupported(_)) => "unsupported_key_file",
            KeystoreError::KeyFile(KeyFileError::Malformed(_)) => "bad_key_file",
            KeystoreError::KeyFile(KeyFileError::WeakKdf { .. }) => "weak_key_file",
            KeystoreError::KeyFile(KeyFileError::CostlyKdf { .. }) => "costly_key_file",
            KeystoreError::KeyFile(KeyFileError::WrongSuite { .. }) => "wrong_crypto_suite",
            KeystoreError::Random(_) => "randomness",
            KeystoreError::BadSecret(_) => "bad_secret",
            KeystoreError::NoHome => "no_keystore",
        }
    }
}

/// The public facts about a stored key: safe to print, never includes the secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    /// Local name (the file name without `.json`).
    pub name: String,
    /// The account the key controls: blake3 of the public key.
    pub account: AccountId,
    /// The ed25519 public key.
    pub public_key: PublicKey,
    /// Where the encrypted key lives.
    pub path: PathBuf,
}

/// A keystore directory and the key-derivation cost used for new keys.
#[derive(Clone, Debug)]
pub struct Keystore {
    dir: PathBuf,
    kdf: KdfParams,
}

/// `$HOME/.shulian/keys`, the keystore used when none is given.
pub fn default_dir() -> Result<PathBuf, KeystoreError> {
    match std::env::var_os("HOME") {
        Some(home) if !home.is_empty() => Ok(Path::new(&home).join(".shulian").join("keys")),
        _ => Err(KeystoreError::NoHome),
    }
}

/// Checks that `name` is one or more of `[A-Za-z0-9_-]`, so it is always a plain file name.
pub fn validate_name(name: &str) -> Result<(), KeystoreError> {
    let ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok { Ok(()) } else { Err(KeystoreError::InvalidName(name.to_string())) }
}

fn random<const N: usize>() -> Result<Zeroizing<[u8; N]>, KeystoreError> {
    let mut bytes = Zeroizing::new([0u8; N]);
    getrandom::fill(bytes.as_mut()).map_err(|e| KeystoreError::Random(e.to_string()))?;
    Ok(bytes)
}

impl Keystore {
    /// A keystore in `dir` that encrypts new keys with [`DEFAULT_KDF`].
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Keystore { dir: dir.into(), kdf: DEFAULT_KDF }
    }

    /// The same keystore with another key-derivation cost for new keys (tests use the cheapest
    /// accepted; [`KdfParams::check`] bounds it).
    pub fn with_kdf(mut self, kdf: KdfParams) -> Self {
        self.kdf = kdf;
        self
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of key `name`, after checking the name.
    pub fn path_of(&self, name: &str) -> Result<PathBuf, KeystoreError> {
        validate_name(name)?;
        Ok(self.dir.join(format!("{name}.json")))
    }

    /// Generates a new key of the wallet's crypto suite (ed25519, or SM2 under `SHULIAN_CRYPTO=sm2-sm3`),
    /// encrypts it under `passphrase` and writes it as `name`.
    pub fn create(&self, name: &str, passphrase: &str) -> Result<KeyInfo, KeystoreError> {
        let key = SecretKey::generate(|| random::<32>().map(|b| *b))?;
        self.import_secret(name, &key, passphrase)
    }

    /// Encrypts an existing secret key under `passphrase` and writes it as `name`; the clear
    /// secret is never written.
    pub fn import_secret(&self, name: &str, key: &SecretKey, passphrase: &str) -> Result<KeyInfo, KeystoreError> {
        let path = self.path_of(name)?;
        if path.exists() {
            return Err(KeystoreError::Exists { name: name.to_string(), path });
        }
        let file = KeyFile::encrypt(name, key, passphrase, *random::<16>()?, *random::<24>()?, self.kdf)?;
        self.write(name, &file)
    }

    /// Stores a copy of an encrypted key file (as written by `keys export` or a dev node) as
    /// `name`, unchanged: it stays encrypted under its own passphrase.
    pub fn import_file(&self, name: &str, source: &Path) -> Result<KeyInfo, KeystoreError> {
        let file = read_key_file(source)?;
        if file.kdf != "argon2id" || file.cipher != shulian_runtime::keyfile::cipher_of(file.crypto) {
            let reason = format!("unsupported kdf {:?} or cipher {:?}", file.kdf, file.cipher);
            return Err(KeystoreError::BadFile { path: source.to_path_buf(), reason });
        }
        self.write(name, &file)
    }

    /// Writes the encrypted copy of key `name` to a new file `dest` (mode 0600, never replacing
    /// a file): the export is exactly as protected as the key in the keystore.
    pub fn export(&self, name: &str, dest: &Path) -> Result<KeyInfo, KeystoreError> {
        let file = self.load(name)?;
        write_new(dest, &key_file_json(&file, dest)?).map_err(|source| match source.kind() {
            ErrorKind::AlreadyExists => KeystoreError::Exists { name: name.to_string(), path: dest.to_path_buf() },
            _ => KeystoreError::Io { path: dest.to_path_buf(), source },
        })?;
        Ok(info(name, &file, self.path_of(name)?))
    }

    /// Writes `file` as key `name`, creating the keystore directory (0700) if needed.
    fn write(&self, name: &str, file: &KeyFile) -> Result<KeyInfo, KeystoreError> {
        let path = self.path_of(name)?;
        if path.exists() {
            return Err(KeystoreError::Exists { name: name.to_string(), path });
        }
        let json = key_file_json(file, &path)?;
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .map_err(|source| KeystoreError::Io { path: self.dir.clone(), source })?;
        write_new(&path, &json).map_err(|source| match source.kind() {
            ErrorKind::AlreadyExists => KeystoreError::Exists { name: name.to_string(), path: path.clone() },
            _ => KeystoreError::Io { path: path.clone(), source },
        })?;
        Ok(info(name, file, path))
    }

    /// Reads key file `name` without decrypting it.
    pub fn load(&self, name: &str) -> Result<KeyFile, KeystoreError> {
        let path = self.path_of(name)?;
        read_key_file(&path).map_err(|e| match e {
            KeystoreError::Io { source, .. } if source.kind() == ErrorKind::NotFound => {
                KeystoreError::NotFound { name: name.to_string(), dir: self.dir.clone() }
            }
            e => e,
        })
    }

    /// The public facts about key `name`; needs no passphrase.
    pub fn show(&self, name: &str) -> Result<KeyInfo, KeystoreError> {
        let file = self.load(name)?;
        Ok(info(name, &file, self.path_of(name)?))
    }

    /// Reads and decrypts key `name`.
    pub fn unlock(&self, name: &str, passphrase: &str) -> Result<SecretKey, KeystoreError> {
        Ok(self.load(name)?.decrypt(passphrase)?)
    }

    /// Every `*.json` key in the directory, sorted by name, and the files that could not be read.
    /// A missing directory is an empty keystore.
    pub fn list(&self) -> Result<(Vec<KeyInfo>, Vec<KeystoreError>), KeystoreError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
            Err(source) => return Err(KeystoreError::Io { path: self.dir.clone(), source }),
        };
        let (mut keys, mut broken) = (Vec::new(), Vec::new());
        for entry in entries {
            let path = entry.map_err(|source| KeystoreError::Io { path: self.dir.clone(), source })?.path();
            let Some(name) = key_name(&path) else { continue };
            match read_key_file(&path) {
                Ok(file) => keys.push(info(&name, &file, path)),
                Err(e) => broken.push(e),
            }
        }
        keys.sort_by(|a, b| a.name.cmp(&b.name));
        Ok((keys, broken))
    }
}

/// The key name of `path` if it is `NAME.json` with a valid name.
fn key_name(path: &Path) -> Option<String> {
    if path.extension()? != "json" {
        return None;
    }
    let name = path.file_stem()?.to_str()?;
    validate_name(name).ok().map(|()| name.to_string())
}

/// The JSON text of a key file (it holds only the encrypted secret).
fn key_file_json(file: &KeyFile, path: &Path) -> Result<Vec<u8>, KeystoreError> {
    let mut json = serde_json::to_vec_pretty(file)
        .map_err(|e| KeystoreError::BadFile { path: path.to_path_buf(), reason: e.to_string() })?;
    json.push(b'\n');
    Ok(json)
}

/// Parses a secret key given as 64 hex characters (surrounding whitespace ignored).
pub fn parse_secret_hex(text: &str) -> Result<SecretKey, KeystoreError> {
    let bad = |reason: &str| KeystoreError::BadSecret(reason.to_string());
    let trimmed = text.trim();
    if trimmed.len() != 64 {
        return Err(bad("expected 64 hex characters (a 32-byte ed25519 seed or SM2 secret key)"));
    }
    let mut bytes = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(trimmed, bytes.as_mut()).map_err(|_| bad("it is not hex"))?;
    SecretKey::try_from_bytes(&bytes).map_err(|e| bad(&e.to_string()))
}

fn info(name: &str, file: &KeyFile, path: PathBuf) -> KeyInfo {
    KeyInfo { name: name.to_string(), account: file.account, public_key: file.public_key, path }
}

fn read_key_file(path: &Path) -> Result<KeyFile, KeystoreError> {
    let io = |source| KeystoreError::Io { path: path.to_path_buf(), source };
    let len = fs::metadata(path).map_err(io)?.len();
    if len > MAX_KEY_FILE_BYTES {
        return Err(KeystoreError::BadFile { path: path.to_path_buf(), reason: format!("{len} bytes is too large") });
    }
    let text = fs::read_to_string(path).map_err(io)?;
    let file: KeyFile = serde_json::from_str(&text)
        .map_err(|e| KeystoreError::BadFile { path: path.to_path_buf(), reason: e.to_string() })?;
    // A key of the other suite says so, before its account id (hashed under the other suite's
    // function) is taken for a tampered one.
    let process = shulian_runtime::suite::active();
    if file.crypto != process {
        let wrong = KeyFileError::WrongSuite { name: file.name.clone(), file: file.crypto, process };
        return Err(KeystoreError::KeyFile(wrong));
    }
    if AccountId::from_public_key(&file.public_key) != file.account {
        let reason = "its account id is not the one derived from its public key".to_string();
        return Err(KeystoreError::BadFile { path: path.to_path_buf(), reason });
    }
    // Before anything runs the KDF: a weak file is refused, and so is one whose parameters
    // would make a load exhaust memory or time.
    file.kdf_params.check()?;
    Ok(file)
}

/// Creates `path` (never replacing a file) with mode 0600 and writes `bytes`; removes it on failure.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    let written = f.write_all(bytes).and_then(|()| f.sync_all());
    if written.is_err() {
        let _ = fs::remove_file(path);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// The cheapest parameters a key file may have, for speed.
    const FAST: KdfParams = KdfParams { m_cost_kib: shulian_runtime::keyfile::MIN_M_COST_KIB, t_cost: 5, p_cost: 1 };

    fn store() -> (tempfile::TempDir, Keystore) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let ks = Keystore::new(tmp.path().join("keys")).with_kdf(FAST);
        (tmp, ks)
    }

    #[test]
    fn names_outside_the_safe_alphabet_are_refused() {
        for bad in ["", "a/b", "..", "a.b", "ключ", "a b"] {
            assert!(matches!(validate_name(bad), Err(KeystoreError::InvalidName(_))), "{bad:?}");
        }
        for good in ["alice", "org-1", "A_b-9"] {
            assert!(validate_name(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn created_key_unlocks_and_matches_its_listing() {
        let (_tmp, ks) = store();
        let created = ks.create("alice", "pw").expect("create");
        let key = ks.unlock("alice", "pw").expect("unlock");
        assert_eq!(key.public_key(), created.public_key);
        assert_eq!(AccountId::from_public_key(&created.public_key), created.account);
        let (keys, broken) = ks.list().expect("list");
        assert_eq!(keys, vec![created.clone()]);
        assert!(broken.is_empty());
        assert_eq!(ks.show("alice").expect("show"), created);
    }

    #[test]
    fn permissions_are_owner_only() {
        let (_tmp, ks) = store();
        let created = ks.create("alice", "pw").expect("create");
        let mode = |p: &Path| fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode(&created.path), 0o600);
        assert_eq!(mode(ks.dir()), 0o700);
    }

    #[test]
    fn existing_key_is_never_overwritten() {
        let (_tmp, ks) = store();
        let first = ks.create("alice", "pw").expect("create");
        assert!(matches!(ks.create("alice", "pw"), Err(KeystoreError::Exists { .. })));
        assert_eq!(ks.unlock("alice", "pw").expect("unlock").public_key(), first.public_key);
    }

    #[test]
    fn wrong_passphrase_and_missing_key_are_told_apart() {
        let (_tmp, ks) = store();
        ks.create("alice", "pw").expect("create");
        let wrong = ks.unlock("alice", "nope").expect_err("must fail");
        assert_eq!(wrong.code(), "wrong_passphrase");
        assert!(matches!(ks.unlock("bob", "pw"), Err(KeystoreError::NotFound { .. })));
    }

    #[test]
    fn imported_secret_is_stored_encrypted_and_exports_as_the_same_file() {
        let (tmp, ks) = store();
        let secret = "07".repeat(32);
        let key = parse_secret_hex(&format!("  {secret}\n")).expect("hex secret");
        let imported = ks.import_secret("bob", &key, "pw").expect("import");
        assert_eq!(imported.public_key, key.public_key());
        let stored = fs::read_to_string(&imported.path).expect("read");
        assert!(!stored.contains(&secret), "the clear secret must never be written");
        assert_eq!(ks.unlock("bob", "pw").expect("unlock").to_bytes(), [7; 32]);

        let copy = tmp.path().join("bob-export.json");
        ks.export("bob", &copy).expect("export");
        let mode = fs::metadata(&copy).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(matches!(ks.export("bob", &copy), Err(KeystoreError::Exists { .. })));
        let again = ks.import_file("bob2", &copy).expect("import file");
        assert_eq!(again.public_key, key.public_key());
        assert_eq!(ks.unlock("bob2", "pw").expect("unlock copy").to_bytes(), [7; 32]);
        for bad in ["07", "zz".repeat(32).as_str()] {
            assert_eq!(parse_secret_hex(bad).map(|_| ()).expect_err("bad").code(), "bad_secret");
        }
    }

    #[test]
    fn missing_directory_lists_nothing_and_broken_files_are_reported() {
        let (_tmp, ks) = store();
        assert_eq!(ks.list().expect("list").0, vec![]);
        ks.create("alice", "pw").expect("create");
        fs::write(ks.dir().join("junk.json"), "{}").expect("write");
        fs::write(ks.dir().join("notes.txt"), "x").expect("write");
        let (keys, broken) = ks.list().expect("list");
        assert_eq!(keys.len(), 1);
        assert_eq!(broken.len(), 1);
        assert_eq!(broken[0].code(), "bad_key_file");
    }
}
