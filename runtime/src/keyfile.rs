//! The encrypted key file shared by the wallet and the dev node: argon2id (memory-hard) derives a
//! key from the passphrase, XChaCha20-Poly1305 encrypts the 32 secret bytes, and the public key is
//! bound as associated data. Pure functions: the caller supplies the random salt and nonce and does
//! the file I/O, so this stays deterministic.

use crate::crypto::{PublicKey, SecretKey};
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// Argon2id parameters (memory in KiB, iterations, lanes): OWASP's baseline, about 50 ms here.
pub const DEFAULT_KDF: KdfParams = KdfParams { m_cost_kib: 19 * 1024, t_cost: 2, p_cost: 1 };

/// Argon2id cost parameters, stored in the file so they can be raised later.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory, KiB.
    pub m_cost_kib: u32,
    /// Iterations.
    pub t_cost: u32,
    /// Parallelism.
    pub p_cost: u32,
}

/// One encrypted key, as written to disk (JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFile {
    /// Format version (1).
    pub version: u32,
    /// A local name for the key.
    pub name: String,
    /// The public key (not secret).
    pub public_key: PublicKey,
    /// The account it controls (not secret).
    pub account: crate::ids::AccountId,
    /// `argon2id`.
    pub kdf: String,
    /// KDF costs.
    pub kdf_params: KdfParams,
    /// 16-byte salt, hex.
    pub salt: String,
    /// `xchacha20poly1305`.
    pub cipher: String,
    /// 24-byte nonce, hex.
    pub nonce: String,
    /// Encrypted secret key and tag, hex.
    pub ciphertext: String,
}

/// Why a key file cannot be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyFileError {
    /// Passphrase wrong (or file tampered with).
    #[error("wrong passphrase for key {0:?} (or the key file was altered)")]
    WrongPassphrase(String),
    /// Unsupported algorithm or version.
    #[error("unsupported key file: {0}")]
    Unsupported(String),
    /// Bad field.
    #[error("malformed key file: {0}")]
    Malformed(String),
}

fn derive(pass: &[u8], salt: &[u8], p: &KdfParams) -> Result<Zeroizing<[u8; 32]>, KeyFileError> {
    let params = Params::new(p.m_cost_kib, p.t_cost, p.p_cost, Some(32))
        .map_err(|e| KeyFileError::Unsupported(e.to_string()))?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(pass, salt, out.as_mut())
        .map_err(|e| KeyFileError::Malformed(e.to_string()))?;
    Ok(out)
}

impl KeyFile {
    /// Encrypts `key` under `passphrase` with the given random `salt` and `nonce`.
    pub fn encrypt(
        name: &str,
        key: &SecretKey,
        passphrase: &str,
        salt: [u8; 16],
        nonce: [u8; 24],
        kdf_params: KdfParams,
    ) -> Result<KeyFile, KeyFileError> {
        let pk = key.public_key();
        let k = derive(passphrase.as_bytes(), &salt, &kdf_params)?;
        let cipher = XChaCha20Poly1305::new(k.as_ref().into());
        let secret = Zeroizing::new(key.to_bytes());
        let ct = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: secret.as_ref(), aad: &pk.0 })
            .map_err(|_| KeyFileError::Malformed("encryption failed".into()))?;
        Ok(KeyFile {
            version: 1,
            name: name.to_string(),
            public_key: pk,
            account: crate::ids::AccountId::from_public_key(&pk),
            kdf: "argon2id".into(),
            kdf_params,
            salt: hex::encode(salt),
            cipher: "xchacha20poly1305".into(),
            nonce: hex::encode(nonce),
            ciphertext: hex::encode(ct),
        })
    }

    /// Decrypts the secret key with `passphrase`.
    pub fn decrypt(&self, passphrase: &str) -> Result<SecretKey, KeyFileError> {
        if self.version != 1 || self.kdf != "argon2id" || self.cipher != "xchacha20poly1305" {
            return Err(KeyFileError::Unsupported(format!("version {} {} {}", self.version, self.kdf, self.cipher)));
        }
        let salt = hex::decode(&self.salt).map_err(|_| KeyFileError::Malformed("salt is not hex".into()))?;
        let nonce: [u8; 24] = crate::hash::parse_hex_array(&self.nonce)
            .ok_or(KeyFileError::Malformed("nonce must be 24 bytes of hex".into()))?;
        let ct = hex::decode(&self.ciphertext).map_err(|_| KeyFileError::Malformed("ciphertext is not hex".into()))?;
        let k = derive(passphrase.as_bytes(), &salt, &self.kdf_params)?;
        let cipher = XChaCha20Poly1305::new(k.as_ref().into());
        let plain = Zeroizing::new(
            cipher
                .decrypt(XNonce::from_slice(&nonce), Payload { msg: &ct, aad: &self.public_key.0 })
                .map_err(|_| KeyFileError::WrongPassphrase(self.name.clone()))?,
        );
        let bytes: [u8; 32] =
            plain.as_slice().try_into().map_err(|_| KeyFileError::Malformed("secret is not 32 bytes".into()))?;
        let key = SecretKey::from_bytes(&bytes);
        if key.public_key() != self.public_key {
            return Err(KeyFileError::Malformed("secret does not match the public key".into()));
        }
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: KdfParams = KdfParams { m_cost_kib: 64, t_cost: 1, p_cost: 1 };

    #[test]
    fn round_trip_and_wrong_passphrase() {
        let key = SecretKey::from_bytes(&[5u8; 32]);
        let f = KeyFile::encrypt("k", &key, "right", [1; 16], [2; 24], FAST).expect("encrypt");
        assert_eq!(f.decrypt("right").expect("decrypt").to_bytes(), key.to_bytes());
        assert_eq!(f.decrypt("wrong").err(), Some(KeyFileError::WrongPassphrase("k".into())));
        let json = serde_json_like(&f);
        assert!(!json.contains(&hex::encode(key.to_bytes())), "secret must never be in the file");
    }

    fn serde_json_like(f: &KeyFile) -> String {
        format!("{f:?}")
    }
}
