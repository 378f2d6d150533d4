//! 32-byte hashes with a domain tag per type: blake3, or SM3 on a chain of the `sm2-sm3` suite
//! ([`crate::suite`]).

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A 32-byte digest. Every hash in Shulian is `H(tag || 0x00 || bytes)` with a tag per type, so
/// that bytes of one kind (a vote) can never be taken for another (a transaction), and `H` the
/// chain's suite's hash function: blake3, or SM3 (GM/T 0004) under `sm2-sm3`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, BorshSerialize, BorshDeserialize)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The all-zero hash, used for "nothing" (empty subtree, parent of genesis).
    pub const ZERO: Hash = Hash([0u8; 32]);

    /// Hashes `bytes` under the domain `tag`.
    pub fn tagged(tag: &[u8], bytes: &[u8]) -> Hash {
        let mut h = Hasher::tagged(tag);
        h.update(bytes);
        h.finalize()
    }

    /// Hashes the concatenation of `parts` under the domain `tag`.
    pub fn tagged_parts(tag: &[u8], parts: &[&[u8]]) -> Hash {
        let mut h = Hasher::tagged(tag);
        for p in parts {
            h.update(p);
        }
        h.finalize()
    }

    /// Hashes the borsh encoding of `value` under the domain `tag`.
    pub fn of_borsh<T: BorshSerialize>(tag: &[u8], value: &T) -> Hash {
        let mut h = Hasher::tagged(tag);
        // Writing into a hasher cannot fail.
        let _ = borsh::to_writer(&mut h, value);
        h.finalize()
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lower-case hex, 64 characters.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The first 8 hex characters, for logs.
    pub fn short(&self) -> String {
        hex::encode(&self.0[..4])
    }

    /// Bit `i` (0 = most significant bit of byte 0), used to walk the sparse Merkle tree.
    pub fn bit(&self, i: usize) -> bool {
        (self.0[i / 8] >> (7 - (i % 8))) & 1 == 1
    }
}

/// An incremental hash under the process's suite ([`crate::suite::active`]).
#[derive(Clone)]
#[expect(
    clippy::large_enum_variant,
    reason = "a hasher lives on the stack: no heap allocation per hash (the state tree hashes millions)"
)]
pub enum Hasher {
    /// blake3 (`ed25519-blake3`).
    Blake3(blake3::Hasher),
    /// SM3 (`sm2-sm3`).
    Sm3(sm3::Sm3),
}

impl Hasher {
    /// A hasher of the process's suite with nothing in it.
    pub fn new() -> Hasher {
        Hasher::of(crate::suite::active())
    }

    /// A hasher of `suite` with nothing in it.
    pub fn of(suite: crate::suite::CryptoSuite) -> Hasher {
        match suite {
            crate::suite::CryptoSuite::Ed25519Blake3 => Hasher::Blake3(blake3::Hasher::new()),
            crate::suite::CryptoSuite::Sm2Sm3 => Hasher::Sm3(sm3::Sm3::default()),
        }
    }

    /// A hasher that has taken `tag || 0x00`.
    pub fn tagged(tag: &[u8]) -> Hasher {
        let mut h = Hasher::new();
        h.update(tag);
        h.update(&[0u8]);
        h
    }

    /// Adds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Blake3(h) => {
                h.update(bytes);
            }
            Hasher::Sm3(h) => sm3::Digest::update(h, bytes),
        }
    }

    /// The digest.
    pub fn finalize(self) -> Hash {
        match self {
            Hasher::Blake3(h) => Hash(*h.finalize().as_bytes()),
            Hasher::Sm3(h) => Hash(sm3::Digest::finalize(h).into()),
        }
    }
}

impl Default for Hasher {
    fn default() -> Self {
        Hasher::new()
    }
}

impl std::io::Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A hex string that is not 32 bytes of hex.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("expected 64 hex characters (32 bytes), got {0:?}")]
pub struct ParseHashError(pub String);

/// Parses exactly `N` bytes of hex, with an optional `0x` prefix.
pub fn parse_hex_array<const N: usize>(s: &str) -> Option<[u8; N]> {
    let s = s.strip_prefix("0x").unwrap_or(s);
    let v = hex::decode(s).ok()?;
    v.try_into().ok()
}

impl FromStr for Hash {
    type Err = ParseHashError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_hex_array(s).map(Hash).ok_or_else(|| ParseHashError(s.to_string()))
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.short())
    }
}

/// Implements the OpenAPI schema (with the `openapi` feature) of a byte newtype that serde writes
/// as lowercase hex of `$hex_len` characters.
#[macro_export]
macro_rules! hex_newtype_schema {
    ($t:ty, $hex_len:literal, $what:expr) => {
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $t {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .pattern(Some(concat!("^[0-9a-f]{", $hex_len, "}$")))
                    .description(Some($what))
                    .into()
            }
        }
        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $t {}
    };
}

hex_newtype_schema!(Hash, 64, "a blake3 hash, lowercase hex");

/// Implements hex `Display`, `FromStr`, and serde (as a hex string) for a 32-byte newtype.
#[macro_export]
macro_rules! hex_newtype_serde {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_string())
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

impl Serialize for Hash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Hash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_tags_separate_equal_bytes() {
        assert_ne!(Hash::tagged(b"a", b"x"), Hash::tagged(b"b", b"x"));
        assert_eq!(Hash::tagged(b"a", b"xy"), Hash::tagged_parts(b"a", &[b"x", b"y"]));
    }

    #[test]
    fn hex_round_trip_and_bad_hex_refused() {
        let h = Hash::tagged(b"t", b"v");
        assert_eq!(h.to_hex().parse::<Hash>(), Ok(h));
        assert!("abc".parse::<Hash>().is_err());
    }

    #[test]
    fn of_borsh_matches_tagged_bytes() {
        let v = (7u64, String::from("x"));
        let bytes = borsh::to_vec(&v).expect("encode");
        assert_eq!(Hash::of_borsh(b"t", &v), Hash::tagged(b"t", &bytes));
    }

    /// The suite's hash function on the tagged bytes, pinned: a chain's every id and root depends
    /// on it. The SM3 vectors themselves (GM/T 0004's examples) are in `crypto::conformance`.
    #[test]
    fn each_suite_hashes_tag_zero_bytes_with_its_function() {
        use crate::suite::CryptoSuite;
        let run = |suite| {
            let mut h = Hasher::of(suite);
            h.update(b"t");
            h.update(&[0]);
            h.update(b"abc");
            h.finalize().to_hex()
        };
        assert_eq!(run(CryptoSuite::Ed25519Blake3), blake3::hash(b"t\0abc").to_hex().to_string());
        assert_eq!(run(CryptoSuite::Sm2Sm3), hex::encode(<sm3::Sm3 as sm3::Digest>::digest(b"t\0abc")));
        assert_ne!(run(CryptoSuite::Ed25519Blake3), run(CryptoSuite::Sm2Sm3));
        assert_eq!(Hash::tagged(b"t", b"abc").to_hex(), run(crate::suite::active()));
    }

    #[test]
    fn bits_are_msb_first() {
        let mut b = [0u8; 32];
        b[0] = 0b1000_0000;
        b[1] = 0b0000_0001;
        let h = Hash(b);
        assert!(h.bit(0));
        assert!(!h.bit(1));
        assert!(h.bit(15));
    }
}
