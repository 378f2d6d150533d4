//! The files of offline signing: `tx build` writes an unsigned transaction, `tx sign` signs it on
//! a machine that needs no network, `tx send` submits the signed one.
//!
//! Invariants: the signed bytes come only from [`UnsignedTransaction::sign`] (never rebuilt
//! here); the human summary in a file is recomputed from its transaction bytes when the file is
//! read, and a file whose summary disagrees with its bytes is refused, so what a signer reads is
//! what gets signed. A tx file never holds secret key material.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shulian_runtime::tx::DEFAULT_MAX_TX_BYTES;
use shulian_runtime::{AccountId, Call, Hash, PublicKey, SecretKey, Transaction, UnsignedTransaction};
use std::fs::OpenOptions;
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

/// `format` of a file written by `tx build`.
pub const UNSIGNED_FORMAT: &str = "shulian-unsigned-tx/v1";
/// `format` of a file written by `tx sign`.
pub const SIGNED_FORMAT: &str = "shulian-signed-tx/v1";
/// Tx files larger than this are not tx files (a transaction is at most 64 KiB, hex doubles it).
const MAX_FILE_BYTES: u64 = 512 * 1024;

/// Why a tx file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TxFileError {
    /// The file cannot be read or written.
    #[error("cannot access {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// `--out` names an existing file.
    #[error("{} already exists; refusing to overwrite it (remove it or choose another --out)", path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// Not a tx file at all, or damaged.
    #[error("{source_name} is not a valid Shulian transaction file: {reason}")]
    Invalid {
        /// The file (or `stdin`).
        source_name: String,
        /// What is wrong.
        reason: String,
    },
    /// A signed file given to `tx sign`, or an unsigned one to `tx send`.
    #[error("{source_name} is {found}, but this command needs {wanted}")]
    WrongKind {
        /// The file.
        source_name: String,
        /// What it holds.
        found: String,
        /// What was needed, with the command that makes it.
        wanted: String,
    },
    /// The summary someone reads is not what the bytes say: the file was edited.
    #[error("{source_name} was altered: its summary says {field} is {claimed}, but its transaction bytes say {actual}")]
    Tampered {
        /// The file.
        source_name: String,
        /// The field that differs.
        field: &'static str,
        /// The summary's value.
        claimed: String,
        /// The value decoded from the bytes.
        actual: String,
    },
    /// The signature in a signed file does not verify.
    #[error("{source_name}: the signature does not verify ({reason}); the transaction was altered after signing")]
    BadSignature {
        /// The file.
        source_name: String,
        /// The check that failed.
        reason: String,
    },
    /// The chosen key is not the transaction's sender.
    #[error(
        "key {key:?} (public key {key_public}) is not the sender of this transaction (sender {sender}); refusing to sign"
    )]
    WrongKey {
        /// Local key name.
        key: String,
        /// Its public key.
        key_public: PublicKey,
        /// The transaction's sender.
        sender: PublicKey,
    },
    /// No key in the keystore has the transaction's sender key.
    #[error("no key in {} has the sender's public key {sender}; give --key NAME", dir.display())]
    NoKeyForSender {
        /// The keystore directory.
        dir: PathBuf,
        /// The transaction's sender.
        sender: PublicKey,
    },
}

impl TxFileError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            TxFileError::Io { .. } => "tx_file_io",
            TxFileError::Exists { .. } => "tx_file_exists",
            TxFileError::Invalid { .. } => "bad_tx_file",
            TxFileError::WrongKind { .. } => "wrong_tx_file_kind",
            TxFileError::Tampered { .. } => "tx_file_tampered",
            TxFileError::BadSignature { .. } => "bad_signature",
            TxFileError::WrongKey { .. } => "wrong_key",
            TxFileError::NoKeyForSender { .. } => "no_key_for_sender",
        }
    }
}

/// What a transaction does, in readable form: decoded from its bytes, never trusted from a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The chain it is for; any other chain refuses it.
    pub chain_id: String,
    /// The public key that must sign it.
    pub sender: PublicKey,
    /// The account that acts (blake3 of the sender key).
    pub account: AccountId,
    /// The sender account's nonce it uses.
    pub nonce: u64,
    /// Short name of the call, e.g. `settlement.transfer`.
    pub call_name: String,
    /// The call with all its arguments.
    pub call: Call,
}

impl Summary {
    /// The summary of `u`.
    pub fn of(u: &UnsignedTransaction) -> Summary {
        Summary {
            chain_id: u.chain_id.clone(),
            sender: u.sender,
            account: AccountId::from_public_key(&u.sender),
            nonce: u.nonce,
            call_name: u.call.name().to_string(),
            call: u.call.clone(),
        }
    }

    /// Lines for a person to check before signing or sending.
    pub fn text(&self) -> String {
        let args = match serde_json::to_value(&self.call) {
            // `{"contract": .., "call": {"transfer": {args}}}`: show the arguments.
            Ok(v) => v.get("call").map(|c| pretty(inner(c), "    ")).unwrap_or_default(),
            Err(_) => String::new(),
        };
        format!(
            "{:<14}{}\n{:<14}{}\n{:<14}{}\n{:<14}{}\n{:<14}{}\n{args}",
            "call",
            self.call_name,
            "chain id",
            self.chain_id,
            "account",
            self.account,
            "sender key",
            self.sender,
            "nonce",
            self.nonce
        )
    }
}

/// The value of a one-key object (an enum variant's arguments), or `v` itself.
fn inner(v: &Value) -> &Value {
    match v {
        Value::Object(map) if map.len() == 1 => map.values().next().unwrap_or(v),
        _ => v,
    }
}

/// `{"field": value}` pairs of a call's arguments, one per line with `indent`.
fn pretty(v: &Value, indent: &str) -> String {
    match v {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => format!("{indent}{k}: {s}\n"),
                other => format!("{indent}{k}: {other}\n"),
            })
            .collect(),
        other => format!("{indent}{other}\n"),
    }
}

/// A file written by `tx build`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct UnsignedTxFile {
    /// [`UNSIGNED_FORMAT`].
    pub format: String,
    /// What the transaction does (recomputed and compared when read).
    pub summary: Summary,
    /// hex of borsh(UnsignedTransaction): the bytes that are signed, after the domain tag.
    pub unsigned_tx: String,
}

/// A file written by `tx sign`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SignedTxFile {
    /// [`SIGNED_FORMAT`].
    pub format: String,
    /// The transaction hash, as `tx show` and the node know it.
    pub hash: Hash,
    /// What the transaction does (recomputed and compared when read).
    pub summary: Summary,
    /// hex of borsh(Transaction), exactly what `tx send` posts to the node.
    pub tx: String,
}

impl UnsignedTxFile {
    /// The file for `u`.
    pub fn new(u: &UnsignedTransaction) -> Result<UnsignedTxFile, TxFileError> {
        let bytes = borsh::to_vec(u).map_err(|e| invalid("the transaction", e))?;
        Ok(UnsignedTxFile { format: UNSIGNED_FORMAT.into(), summary: Summary::of(u), unsigned_tx: hex::encode(bytes) })
    }
}

impl SignedTxFile {
    /// The file for `tx`.
    pub fn new(tx: &Transaction) -> Result<SignedTxFile, TxFileError> {
        let bytes = borsh::to_vec(tx).map_err(|e| invalid("the transaction", e))?;
        Ok(SignedTxFile {
            format: SIGNED_FORMAT.into(),
            hash: tx.hash(),
            summary: Summary::of(&tx.unsigned()),
            tx: hex::encode(bytes),
        })
    }
}

fn invalid(source_name: &str, reason: impl std::fmt::Display) -> TxFileError {
    TxFileError::Invalid { source_name: source_name.to_string(), reason: reason.to_string() }
}

/// The `format` of a tx file's JSON, refusing anything that is not one.
fn format_of(source_name: &str, text: &str) -> Result<(Value, String), TxFileError> {
    let v: Value = serde_json::from_str(text).map_err(|e| invalid(source_name, format!("not JSON: {e}")))?;
    let format = v.get("format").and_then(Value::as_str).map(str::to_string);
    match format {
        Some(f) if f == UNSIGNED_FORMAT || f == SIGNED_FORMAT => Ok((v, f)),
        Some(f) => Err(invalid(source_name, format!("unknown format {f:?}"))),
        None => Err(invalid(source_name, "no \"format\" field")),
    }
}

fn decode_hex(source_name: &str, hex_text: &str) -> Result<Vec<u8>, TxFileError> {
    if hex_text.len() as u64 > 2 * DEFAULT_MAX_TX_BYTES as u64 {
        return Err(invalid(source_name, "the transaction is larger than a node accepts"));
    }
    hex::decode(hex_text.trim()).map_err(|e| invalid(source_name, format!("transaction bytes are not hex: {e}")))
}

/// Refuses a file whose summary is not exactly what its bytes decode to.
fn check_summary(source_name: &str, claimed: &Summary, actual: &Summary) -> Result<(), TxFileError> {
    let differ = |field: &'static str, c: String, a: String| {
        if c == a {
            Ok(())
        } else {
            Err(TxFileError::Tampered { source_name: source_name.to_string(), field, claimed: c, actual: a })
        }
    };
    differ("chain_id", claimed.chain_id.clone(), actual.chain_id.clone())?;
    differ("sender", claimed.sender.to_string(), actual.sender.to_string())?;
    differ("account", claimed.account.to_string(), actual.account.to_string())?;
    differ("nonce", claimed.nonce.to_string(), actual.nonce.to_string())?;
    differ("call_name", claimed.call_name.clone(), actual.call_name.clone())?;
    let json = |c: &Call| serde_json::to_string(c).unwrap_or_default();
    differ("call", json(&claimed.call), json(&actual.call))
}

/// Reads an unsigned transaction from the text of a `tx build` file, checking its summary.
pub fn parse_unsigned(source_name: &str, text: &str) -> Result<UnsignedTransaction, TxFileError> {
    let (v, format) = format_of(source_name, text)?;
    if format == SIGNED_FORMAT {
        return Err(TxFileError::WrongKind {
            source_name: source_name.to_string(),
            found: "an already signed transaction".into(),
            wanted: "an unsigned one from `shulian tx build` (send this one with `shulian tx send`)".into(),
        });
    }
    let file: UnsignedTxFile = serde_json::from_value(v).map_err(|e| invalid(source_name, e))?;
    let bytes = decode_hex(source_name, &file.unsigned_tx)?;
    let u: UnsignedTransaction = borsh::from_slice(&bytes)
        .map_err(|e| invalid(source_name, format!("the transaction bytes do not decode: {e}")))?;
    check_summary(source_name, &file.summary, &Summary::of(&u))?;
    Ok(u)
}

/// Reads a signed transaction from the text of a `tx sign` file: checks its signature, its hash
/// and its summary. The chain id and nonce are left to the node.
pub fn parse_signed(source_name: &str, text: &str) -> Result<Transaction, TxFileError> {
    let (v, format) = format_of(source_name, text)?;
    if format == UNSIGNED_FORMAT {
        return Err(TxFileError::WrongKind {
            source_name: source_name.to_string(),
            found: "an unsigned transaction".into(),
            wanted: "a signed one: sign it first with `shulian tx sign FILE --out SIGNED`".into(),
        });
    }
    let file: SignedTxFile = serde_json::from_value(v).map_err(|e| invalid(source_name, e))?;
    let bytes = decode_hex(source_name, &file.tx)?;
    let tx = Transaction::decode(&bytes, DEFAULT_MAX_TX_BYTES).map_err(|e| invalid(source_name, e))?;
    tx.verify_signature()
        .map_err(|e| TxFileError::BadSignature { source_name: source_name.to_string(), reason: e.to_string() })?;
    check_summary(source_name, &file.summary, &Summary::of(&tx.unsigned()))?;
    if file.hash != tx.hash() {
        return Err(TxFileError::Tampered {
            source_name: source_name.to_string(),
            field: "hash",
            claimed: file.hash.to_string(),
            actual: tx.hash().to_string(),
        });
    }
    Ok(tx)
}

/// Signs `u` with `key` (named `key_name`), refusing a key that is not the transaction's sender.
pub fn sign(u: UnsignedTransaction, key_name: &str, key: &SecretKey) -> Result<Transaction, TxFileError> {
    let key_public = key.public_key();
    if key_public != u.sender {
        return Err(TxFileError::WrongKey { key: key_name.to_string(), key_public, sender: u.sender });
    }
    Ok(u.sign(key))
}

/// Reads a tx file (`-` is stdin), refusing anything larger than a tx file can be.
pub fn read(path: &Path) -> Result<(String, String), TxFileError> {
    let io = |source| TxFileError::Io { path: path.to_path_buf(), source };
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().lock().take(MAX_FILE_BYTES).read_to_string(&mut text).map_err(io)?;
        return Ok(("stdin".to_string(), text));
    }
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > MAX_FILE_BYTES {
        return Err(invalid(&path.display().to_string(), format!("{len} bytes is too large")));
    }
    Ok((path.display().to_string(), std::fs::read_to_string(path).map_err(io)?))
}

/// Writes `text` to a new file `path`, never replacing an existing one.
pub fn write_new(path: &Path, text: &str) -> Result<(), TxFileError> {
    let mut f = OpenOptions::new().write(true).create_new(true).open(path).map_err(|source| {
        if source.kind() == ErrorKind::AlreadyExists {
            TxFileError::Exists { path: path.to_path_buf() }
        } else {
            TxFileError::Io { path: path.to_path_buf(), source }
        }
    })?;
    let written = f.write_all(text.as_bytes()).and_then(|()| f.sync_all());
    if let Err(source) = written {
        let _ = std::fs::remove_file(path);
        return Err(TxFileError::Io { path: path.to_path_buf(), source });
    }
    Ok(())
}

/// Pretty JSON of a tx file, with a final line break.
pub fn to_text<T: Serialize>(file: &T) -> Result<String, TxFileError> {
    serde_json::to_string_pretty(file).map(|s| s + "\n").map_err(|e| invalid("the transaction", e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use shulian_runtime::Fen;
    use shulian_runtime::call::SettlementCall;

    fn unsigned(key: &SecretKey) -> UnsignedTransaction {
        UnsignedTransaction {
            chain_id: "test-chain".into(),
            sender: key.public_key(),
            nonce: 4,
            call: Call::Settlement(SettlementCall::Transfer { to: AccountId([7; 32]), amount: Fen(250) }),
        }
    }

    #[test]
    fn build_sign_read_round_trip() {
        let key = SecretKey::from_bytes(&[5; 32]);
        let u = unsigned(&key);
        let text = to_text(&UnsignedTxFile::new(&u).expect("file")).expect("text");
        let back = parse_unsigned("f", &text).expect("parse");
        assert_eq!(back, u);
        let tx = sign(back, "k", &key).expect("sign");
        assert!(tx.verify("test-chain").is_ok());
        let signed = to_text(&SignedTxFile::new(&tx).expect("file")).expect("text");
        assert_eq!(parse_signed("s", &signed).expect("parse"), tx);
    }

    #[test]
    fn another_key_is_refused() {
        let u = unsigned(&SecretKey::from_bytes(&[5; 32]));
        let err = sign(u, "other", &SecretKey::from_bytes(&[6; 32])).expect_err("refused");
        assert_eq!(err.code(), "wrong_key");
    }

    #[test]
    fn edited_summary_or_bytes_are_refused() {
        let key = SecretKey::from_bytes(&[5; 32]);
        let text = to_text(&UnsignedTxFile::new(&unsigned(&key)).expect("file")).expect("text");
        let edited = text.replace("\"amount\": 250", "\"amount\": 25");
        assert_ne!(edited, text);
        assert_eq!(parse_unsigned("f", &edited).expect_err("tampered").code(), "tx_file_tampered");

        let tx = unsigned(&key).sign(&key);
        let mut file = SignedTxFile::new(&tx).expect("file");
        // Change the amount in the bytes and in the summary alike: the signature catches it.
        let mut other = tx.clone();
        other.call = Call::Settlement(SettlementCall::Transfer { to: AccountId([7; 32]), amount: Fen(9_999) });
        file.tx = hex::encode(borsh::to_vec(&other).expect("encode"));
        file.summary = Summary::of(&other.unsigned());
        let err = parse_signed("s", &to_text(&file).expect("text")).expect_err("bad signature");
        assert_eq!(err.code(), "bad_signature");
    }

    #[test]
    fn kinds_are_not_mixed_up() {
        let key = SecretKey::from_bytes(&[5; 32]);
        let u = unsigned(&key);
        let unsigned_text = to_text(&UnsignedTxFile::new(&u).expect("file")).expect("text");
        assert_eq!(parse_signed("f", &unsigned_text).expect_err("unsigned").code(), "wrong_tx_file_kind");
        let signed_text = to_text(&SignedTxFile::new(&u.sign(&key)).expect("file")).expect("text");
        assert_eq!(parse_unsigned("f", &signed_text).expect_err("signed").code(), "wrong_tx_file_kind");
        for junk in ["", "{}", "[1]", "{\"format\":\"other\"}"] {
            assert_eq!(parse_unsigned("f", junk).expect_err("junk").code(), "bad_tx_file", "{junk}");
        }
    }

    #[test]
    fn summary_text_names_the_call_and_its_arguments() {
        let s = Summary::of(&unsigned(&SecretKey::from_bytes(&[5; 32])));
        let text = s.text();
        assert!(text.contains("settlement.transfer") && text.contains("amount: 250") && text.contains("test-chain"));
    }
}
