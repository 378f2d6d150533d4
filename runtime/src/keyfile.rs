//! The encrypted key file shared by the wallet and the dev node: argon2id (memory-hard) derives a
//! key from the passphrase, XChaCha20-Poly1305 (or, for an `sm2-sm3` key, SM4-GCM, ADR 0005)
//! encrypts the 32 secret bytes, and the public key is bound as associated data. Pure functions:
//! the caller supplies the random salt and nonce and does the file I/O, so this stays
//! deterministic.

use crate::crypto::{PublicKey, SecretKey};
use crate::suite::CryptoSuite;
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// Argon2id parameters (memory in KiB, iterations, lanes): OWASP's baseline, about 50 ms here.
pub const DEFAULT_KDF: KdfParams = KdfParams { m_cost_kib: 19 * 1024, t_cost: 2, p_cost: 1 };

/// The least memory a key file may ask for, KiB: 7 MiB, the smallest of OWASP's argon2id
/// settings (7 MiB with 5 passes). Less lets a stolen file be attacked on GPUs cheaply.
pub const MIN_M_COST_KIB: u32 = 7 * 1024;
/// The least passes a key file may ask for (argon2's own minimum; the work bound below is what
/// makes one pass enough only with more memory).
pub const MIN_T_COST: u32 = 1;
/// The least lanes (argon2's own minimum).
pub const MIN_P_COST: u32 = 1;
/// The least memory x passes, in KiB-passes: 35 MiB, the cost of the cheapest of OWASP's
/// equivalent argon2id settings (46 MiB x 1, 19 MiB x 2, 12 MiB x 3, 9 MiB x 4, 7 MiB x 5), so
/// no file is weaker than the baseline whichever way it trades memory for passes.
pub const MIN_WORK_KIB: u64 = 35 * 1024;
/// The most memory a key file may ask for, KiB: 1 GiB. The KDF allocates it on every load, so a
/// larger value in a file someone hands the wallet (`keys import`) or the gateway would exhaust a
/// laptop's memory. 1 GiB is 50 times the default and 16 times RFC 9106's setting for
/// memory-constrained use (64 MiB); its 2 GiB setting is for dedicated servers, not a wallet.
pub const MAX_M_COST_KIB: u32 = 1024 * 1024;
/// The most passes: 16, eight times the default; more only burns CPU on every load.
pub const MAX_T_COST: u32 = 16;
/// The most lanes: 16. Lanes run one after another here, and each needs 8 KiB x lanes of memory.
pub const MAX_P_COST: u32 = 16;
/// The most memory x passes, in KiB-passes: 2 GiB, about 3 s of KDF at the default's ~50 ms per
/// 38 MiB-passes, the longest a load may stall a signer (the gateway decrypts on start).
pub const MAX_WORK_KIB: u64 = 2 * 1024 * 1024;

/// Argon2id cost parameters, stored in the file so they can be raised later (within
/// [`KdfParams::check`]'s bounds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory, KiB.
    pub m_cost_kib: u32,
    /// Iterations.
    pub t_cost: u32,
    /// Parallelism.
    pub p_cost: u32,
}

impl KdfParams {
    /// Refuses parameters that make a weak file (below a minimum) or a costly load (above a
    /// maximum: checked before the KDF runs, so a hostile file cannot make a load allocate
    /// gigabytes or spin for minutes). The error names the parameter and its bound.
    pub fn check(&self) -> Result<(), KeyFileError> {
        let work = u64::from(self.m_cost_kib) * u64::from(self.t_cost);
        let fields: [(&'static str, u64, u64, u64); 4] = [
            ("m_cost_kib", self.m_cost_kib.into(), MIN_M_COST_KIB.into(), MAX_M_COST_KIB.into()),
            ("t_cost", self.t_cost.into(), MIN_T_COST.into(), MAX_T_COST.into()),
            ("p_cost", self.p_cost.into(), MIN_P_COST.into(), MAX_P_COST.into()),
            ("m_cost_kib x t_cost", work, MIN_WORK_KIB, MAX_WORK_KIB),
        ];
        for (param, value, min, max) in fields {
            if value < min {
                return Err(KeyFileError::WeakKdf { param, value, min });
            }
            if value > max {
                return Err(KeyFileError::CostlyKdf { param, value, max });
            }
        }
        Ok(())
    }
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
    /// `xchacha20poly1305`, or `sm4-gcm` for an `sm2-sm3` key.
    pub cipher: String,
    /// Nonce, hex: 24 bytes (`xchacha20poly1305`) or 12 (`sm4-gcm`).
    pub nonce: String,
    /// Encrypted secret key and tag, hex.
    pub ciphertext: String,
    /// The crypto suite the key belongs to (absent: `ed25519-blake3`, as in files written before
    /// suites existed).
    #[serde(default, skip_serializing_if = "CryptoSuite::is_default")]
    pub crypto: CryptoSuite,
}

/// SM4 in GCM mode with a 12-byte nonce: RustCrypto's generic GCM over its SM4 block cipher.
type Sm4Gcm = aes_gcm::AesGcm<sm4::Sm4, aes_gcm::aead::consts::U12>;

/// The cipher of a key file of `suite`.
pub fn cipher_of(suite: CryptoSuite) -> &'static str {
    match suite {
        CryptoSuite::Ed25519Blake3 => "xchacha20poly1305",
        CryptoSuite::Sm2Sm3 => "sm4-gcm",
    }
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
    /// A KDF parameter below its minimum: the file is too cheap to attack.
    #[error(
        "weak key file: kdf_params {param} is {value}, below the minimum {min}; re-encrypt the key \
         (`shulian keys import` of its secret) with the default parameters"
    )]
    WeakKdf {
        /// The parameter (`m_cost_kib`, `t_cost`, `p_cost`, or their product).
        param: &'static str,
        /// Its value in the file.
        value: u64,
        /// The least accepted.
        min: u64,
    },
    /// A key of another suite than the one this process uses.
    #[error(
        "key {name:?} is an {file} key; this wallet uses the {process} crypto suite (set SHULIAN_CRYPTO or use a key of that suite)"
    )]
    WrongSuite {
        /// The key's name.
        name: String,
        /// The file's suite.
        file: CryptoSuite,
        /// The process's.
        process: CryptoSuite,
    },
    /// A KDF parameter above its maximum: loading the file would exhaust memory or time.
    #[error("key file refused: kdf_params {param} is {value}, above the maximum {max} (loading it would stall)")]
    CostlyKdf {
        /// The parameter (`m_cost_kib`, `t_cost`, `p_cost`, or their product).
        param: &'static str,
        /// Its value in the file.
        value: u64,
        /// The most accepted.
        max: u64,
    },
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
        kdf_params.check()?;
        let pk = key.public_key();
        let k = derive(passphrase.as_bytes(), &salt, &kdf_params)?;
        let secret = Zeroizing::new(key.to_bytes());
        let suite = key.suite();
        let payload = Payload { msg: secret.as_ref(), aad: &pk.0 };
        let (nonce, ct) = match suite {
            CryptoSuite::Ed25519Blake3 => {
                (nonce.to_vec(), XChaCha20Poly1305::new(k.as_ref().into()).encrypt(XNonce::from_slice(&nonce), payload))
            }
            CryptoSuite::Sm2Sm3 => {
                let cipher = Sm4Gcm::new_from_slice(&k[..16]).map_err(|_| KeyFileError::Malformed("SM4 key".into()))?;
                (nonce[..12].to_vec(), cipher.encrypt(aes_gcm::Nonce::from_slice(&nonce[..12]), payload))
            }
        };
        let ct = ct.map_err(|_| KeyFileError::Malformed("encryption failed".into()))?;
        Ok(KeyFile {
            version: 1,
            name: name.to_string(),
            public_key: pk,
            account: crate::ids::AccountId::from_public_key(&pk),
            kdf: "argon2id".into(),
            kdf_params,
            salt: hex::encode(salt),
            cipher: cipher_of(suite).into(),
            nonce: hex::encode(nonce),
            ciphertext: hex::encode(ct),
            crypto: suite,
        })
    }

    /// Decrypts the secret key with `passphrase`.
    pub fn decrypt(&self, passphrase: &str) -> Result<SecretKey, KeyFileError> {
        if self.version != 1 || self.kdf != "argon2id" || self.cipher != cipher_of(self.crypto) {
            return Err(KeyFileError::Unsupported(format!(
                "version {} {} {} ({} key)",
                self.version, self.kdf, self.cipher, self.crypto
            )));
        }
        let process = crate::suite::active();
        if self.crypto != process {
            return Err(KeyFileError::WrongSuite { name: self.name.clone(), file: self.crypto, process });
        }
        self.kdf_params.check()?;
        let salt = hex::decode(&self.salt).map_err(|_| KeyFileError::Malformed("salt is not hex".into()))?;
        let nonce = hex::decode(&self.nonce).map_err(|_| KeyFileError::Malformed("nonce is not hex".into()))?;
        let ct = hex::decode(&self.ciphertext).map_err(|_| KeyFileError::Malformed("ciphertext is not hex".into()))?;
        let k = derive(passphrase.as_bytes(), &salt, &self.kdf_params)?;
        let payload = Payload { msg: &ct, aad: &self.public_key.0 };
        let plain = match self.crypto {
            CryptoSuite::Ed25519Blake3 => {
                let nonce: [u8; 24] =
                    nonce.try_into().map_err(|_| KeyFileError::Malformed("nonce must be 24 bytes of hex".into()))?;
                XChaCha20Poly1305::new(k.as_ref().into()).decrypt(XNonce::from_slice(&nonce), payload)
            }
            CryptoSuite::Sm2Sm3 => {
                let nonce: [u8; 12] =
                    nonce.try_into().map_err(|_| KeyFileError::Malformed("nonce must be 12 bytes of hex".into()))?;
                let cipher = Sm4Gcm::new_from_slice(&k[..16]).map_err(|_| KeyFileError::Malformed("SM4 key".into()))?;
                cipher.decrypt(aes_gcm::Nonce::from_slice(&nonce), payload)
            }
        };
        let plain = Zeroizing::new(plain.map_err(|_| KeyFileError::WrongPassphrase(self.name.clone()))?);
        let bytes: [u8; 32] =
            plain.as_slice().try_into().map_err(|_| KeyFileError::Malformed("secret is not 32 bytes".into()))?;
        let key = SecretKey::try_from_bytes(&bytes).map_err(|e| KeyFileError::Malformed(e.to_string()))?;
        if key.public_key() != self.public_key {
            return Err(KeyFileError::Malformed("secret does not match the public key".into()));
        }
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cheapest parameters accepted (tests use them for speed).
    const CHEAPEST: KdfParams = KdfParams { m_cost_kib: MIN_M_COST_KIB, t_cost: 5, p_cost: 1 };

    #[test]
    fn round_trip_and_wrong_passphrase() {
        let key = SecretKey::from_bytes(&[5u8; 32]);
        let f = KeyFile::encrypt("k", &key, "right", [1; 16], [2; 24], CHEAPEST).expect("encrypt");
        assert_eq!(f.decrypt("right").expect("decrypt").to_bytes(), key.to_bytes());
        assert_eq!(f.decrypt("wrong").err(), Some(KeyFileError::WrongPassphrase("k".into())));
        let json = serde_json_like(&f);
        assert!(!json.contains(&hex::encode(key.to_bytes())), "secret must never be in the file");
    }

    fn serde_json_like(f: &KeyFile) -> String {
        format!("{f:?}")
    }

    #[test]
    fn the_default_and_owasps_settings_are_accepted() {
        for (m_mib, t) in [(46, 1), (19, 2), (12, 3), (9, 4), (7, 5)] {
            KdfParams { m_cost_kib: m_mib * 1024, t_cost: t, p_cost: 1 }.check().expect("OWASP setting");
        }
        DEFAULT_KDF.check().expect("default");
        KdfParams { m_cost_kib: MAX_M_COST_KIB, t_cost: 2, p_cost: MAX_P_COST }.check().expect("largest");
    }

    #[test]
    fn a_weak_file_is_refused_naming_its_parameter() {
        let key = SecretKey::from_bytes(&[5u8; 32]);
        let mut f = KeyFile::encrypt("k", &key, "right", [1; 16], [2; 24], CHEAPEST).expect("encrypt");
        for (params, named) in [
            (KdfParams { m_cost_kib: 64, t_cost: 5, p_cost: 1 }, "m_cost_kib"),
            (KdfParams { m_cost_kib: 8 * 1024, t_cost: 0, p_cost: 1 }, "t_cost"),
            (KdfParams { m_cost_kib: 8 * 1024, t_cost: 5, p_cost: 0 }, "p_cost"),
            (KdfParams { m_cost_kib: 8 * 1024, t_cost: 1, p_cost: 1 }, "m_cost_kib x t_cost"),
        ] {
            f.kdf_params = params;
            let got = f.decrypt("right");
            assert!(matches!(&got, Err(KeyFileError::WeakKdf { param, .. }) if *param == named), "{params:?}: {got:?}");
            let message = got.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(message.contains(named) && message.contains("weak key file"), "{message}");
            assert!(matches!(
                KeyFile::encrypt("k", &key, "right", [1; 16], [2; 24], params),
                Err(KeyFileError::WeakKdf { .. })
            ));
        }
    }

    #[test]
    fn a_costly_file_is_refused_before_the_kdf_runs() {
        let key = SecretKey::from_bytes(&[5u8; 32]);
        let mut f = KeyFile::encrypt("k", &key, "right", [1; 16], [2; 24], CHEAPEST).expect("encrypt");
        // Were the KDF run, the first would allocate 4 TiB and the others spin for hours: the
        // test finishing at all shows the check comes first.
        for (params, named) in [
            (KdfParams { m_cost_kib: u32::MAX, t_cost: 1, p_cost: 1 }, "m_cost_kib"),
            (KdfParams { m_cost_kib: 8 * 1024, t_cost: u32::MAX, p_cost: 1 }, "t_cost"),
            (KdfParams { m_cost_kib: 8 * 1024, t_cost: 5, p_cost: 1 << 20 }, "p_cost"),
            (KdfParams { m_cost_kib: MAX_M_COST_KIB, t_cost: 3, p_cost: 1 }, "m_cost_kib x t_cost"),
        ] {
            f.kdf_params = params;
            let got = f.decrypt("right");
            assert!(
                matches!(&got, Err(KeyFileError::CostlyKdf { param, .. }) if *param == named),
                "{params:?}: {got:?}"
            );
        }
    }

    /// An `sm2-sm3` key file: SM4-GCM with a 12-byte nonce, the suite named in the file, the
    /// secret back as imported; a wrong passphrase or an altered public key is refused; a file
    /// of the other suite is refused as such, before any KDF.
    #[test]
    fn an_sm2_key_file_is_sm4_gcm_and_a_key_of_the_other_suite_is_refused() {
        crate::test_utils::pin_suite(CryptoSuite::Sm2Sm3);
        let key = SecretKey::try_from_bytes(&[5u8; 32]).expect("an SM2 key");
        let f = KeyFile::encrypt("k", &key, "right", [1; 16], [2; 24], CHEAPEST).expect("encrypt");
        assert_eq!((f.cipher.as_str(), f.nonce.len(), f.crypto), ("sm4-gcm", 24, CryptoSuite::Sm2Sm3));
        let json = serde_json::to_value(&f).expect("json");
        assert_eq!(json["crypto"], "sm2-sm3");
        let back = f.decrypt("right").expect("decrypt");
        assert_eq!((back.to_bytes(), back.public_key()), (key.to_bytes(), key.public_key()));
        assert_eq!(f.decrypt("wrong").err(), Some(KeyFileError::WrongPassphrase("k".into())));
        let mut other_key = f.clone();
        other_key.public_key = PublicKey([3; 32]);
        assert!(other_key.decrypt("right").is_err());
        // A file written for an ed25519-blake3 chain.
        let mut ed = f.clone();
        ed.crypto = CryptoSuite::Ed25519Blake3;
        ed.cipher = "xchacha20poly1305".into();
        assert!(matches!(ed.decrypt("right"), Err(KeyFileError::WrongSuite { file: CryptoSuite::Ed25519Blake3, .. })));
        // A file whose cipher is not its suite's.
        let mut mixed = f.clone();
        mixed.cipher = "xchacha20poly1305".into();
        assert!(matches!(mixed.decrypt("right"), Err(KeyFileError::Unsupported(_))));
    }
}
