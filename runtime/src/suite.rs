//! The crypto suite a chain fixes in its genesis: `ed25519-blake3` (the default) or `sm2-sm3`
//! (national commercial cryptography, 国密). The suite decides every signature (transactions,
//! votes, proposals, head announcements, evidence) and every hash (ids, Merkle trees, the state
//! tree, domain-tagged hashes); one chain never mixes them. See
//! `docs/adr/0005-sm2-sm3-crypto-suite.md`.
//!
//! A process follows one chain, so the suite is a process-wide setting: fixed once, before the
//! first hash or signature, from the genesis the node loads (or the chain the wallet talks to),
//! and never changed after. Anything that hashes or signs before a suite was fixed fixes the
//! default, so a process can never compute some hashes under one suite and some under another:
//! [`fix`] refuses a second, different suite with an error instead. The setting is part of the
//! chain's definition, like its chain id, not a clock or a random input: the same blocks give the
//! same state root on every node of the chain.

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU8, Ordering};

/// The signature scheme and hash function of a chain.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[borsh(use_discriminant = true)]
pub enum CryptoSuite {
    /// ed25519 signatures under the rule of ADR 0002, blake3 hashes.
    #[default]
    #[serde(rename = "ed25519-blake3")]
    Ed25519Blake3 = 0,
    /// SM2 signatures (GM/T 0003, user id `1234567812345678`), SM3 hashes (GM/T 0004).
    #[serde(rename = "sm2-sm3")]
    Sm2Sm3 = 1,
}

impl CryptoSuite {
    /// Every suite, in the order of their codes.
    pub const ALL: [CryptoSuite; 2] = [CryptoSuite::Ed25519Blake3, CryptoSuite::Sm2Sm3];

    /// Whether this is the default suite (files written before suites existed name none; a file
    /// of the default suite still names none, so its bytes and hashes stay as they were).
    pub fn is_default(&self) -> bool {
        *self == CryptoSuite::default()
    }

    /// The suite's name in genesis files, flags and the API.
    pub fn name(self) -> &'static str {
        match self {
            CryptoSuite::Ed25519Blake3 => "ed25519-blake3",
            CryptoSuite::Sm2Sm3 => "sm2-sm3",
        }
    }

    /// The name of the suite's signature scheme.
    pub fn signature_scheme(self) -> &'static str {
        match self {
            CryptoSuite::Ed25519Blake3 => "ed25519",
            CryptoSuite::Sm2Sm3 => "SM2",
        }
    }

    fn code(self) -> u8 {
        self as u8
    }

    fn from_code(code: u8) -> Option<CryptoSuite> {
        CryptoSuite::ALL.into_iter().find(|s| s.code() == code)
    }
}

impl fmt::Display for CryptoSuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A suite name this build does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown crypto suite `{0}`: this build supports ed25519-blake3 and sm2-sm3")]
pub struct UnknownSuite(pub String);

impl FromStr for CryptoSuite {
    type Err = UnknownSuite;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CryptoSuite::ALL.into_iter().find(|c| c.name() == s).ok_or_else(|| UnknownSuite(s.to_string()))
    }
}

/// A process asked to follow a second suite.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "this process already uses the {active} crypto suite and cannot switch to {wanted}: one process follows one chain"
)]
pub struct SuiteConflict {
    /// The suite already in use.
    pub active: CryptoSuite,
    /// The one asked for.
    pub wanted: CryptoSuite,
}

const UNSET: u8 = u8::MAX;
static ACTIVE: AtomicU8 = AtomicU8::new(UNSET);

/// Fixes the process's suite. Fixing the suite already in use again is fine; a different one is
/// refused (the process already hashed or signed under the first).
pub fn fix(suite: CryptoSuite) -> Result<(), SuiteConflict> {
    match ACTIVE.compare_exchange(UNSET, suite.code(), Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => Ok(()),
        Err(code) if code == suite.code() => Ok(()),
        Err(code) => Err(SuiteConflict { active: CryptoSuite::from_code(code).unwrap_or_default(), wanted: suite }),
    }
}

/// The environment variable that chooses the suite of a process before any genesis is read: the
/// wallet's default, and how `make test-sm2` runs the whole test suite under SM2/SM3.
pub const ENV: &str = "SHULIAN_CRYPTO";

/// The process's suite. If none was fixed yet, the one [`ENV`] names (or the default), fixed from
/// now on; an unknown name in [`ENV`] counts as unset here (the node and the wallet check [`ENV`]
/// with [`from_env`] first and refuse it).
pub fn active() -> CryptoSuite {
    let code = ACTIVE.load(Ordering::Acquire);
    if code != UNSET {
        return CryptoSuite::from_code(code).unwrap_or_default();
    }
    let wanted = from_env().ok().flatten().unwrap_or_default();
    match ACTIVE.compare_exchange(UNSET, wanted.code(), Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => wanted,
        Err(code) => CryptoSuite::from_code(code).unwrap_or_default(),
    }
}

/// The suite [`ENV`] names, if it is set.
pub fn from_env() -> Result<Option<CryptoSuite>, UnknownSuite> {
    match std::env::var(ENV) {
        Ok(v) if !v.trim().is_empty() => v.trim().parse().map(Some),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_an_unknown_one_is_refused() {
        for s in CryptoSuite::ALL {
            assert_eq!(s.name().parse::<CryptoSuite>(), Ok(s));
            assert_eq!(serde_json::to_string(&s).ok(), Some(format!("\"{}\"", s.name())));
        }
        assert!("sm2".parse::<CryptoSuite>().is_err());
        assert!(serde_json::from_str::<CryptoSuite>("\"rsa-sha1\"").is_err());
    }

    #[test]
    fn the_borsh_codes_are_pinned() {
        assert_eq!(borsh::to_vec(&CryptoSuite::Ed25519Blake3).ok(), Some(vec![0]));
        assert_eq!(borsh::to_vec(&CryptoSuite::Sm2Sm3).ok(), Some(vec![1]));
    }

    #[test]
    fn a_process_keeps_the_suite_it_fixed() {
        // Whatever the environment fixed for this test process, a second, different suite is
        // refused and the first stays.
        let first = active();
        let other = CryptoSuite::ALL.into_iter().find(|s| *s != first).unwrap_or_default();
        assert_eq!(fix(first), Ok(()));
        assert_eq!(fix(other), Err(SuiteConflict { active: first, wanted: other }));
        assert_eq!(active(), first);
    }
}
