//! Newtypes for ids and amounts, so a height is never mistaken for a balance.

use crate::crypto::PublicKey;
use crate::hash::{Hash, ParseHashError, parse_hex_array};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An account (organization) id: blake3 of the public key that created it, under the tag
/// `shulian/account/v1`. It stays the same when the organization later rotates its keys.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
pub struct AccountId(pub [u8; 32]);

impl AccountId {
    /// The account id derived from a public key.
    pub fn from_public_key(pk: &PublicKey) -> Self {
        AccountId(pk.account_hash().0)
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountId({})", &hex::encode(self.0)[..8])
    }
}

impl FromStr for AccountId {
    type Err = ParseHashError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_hex_array(s).map(AccountId).ok_or_else(|| ParseHashError(s.to_string()))
    }
}

impl From<Hash> for AccountId {
    fn from(h: Hash) -> Self {
        AccountId(h.0)
    }
}

crate::hex_newtype_serde!(AccountId);
crate::hex_newtype_schema!(
    AccountId,
    64,
    "an account (organization) id: blake3 of its first public key, lowercase hex"
);

/// A block height. Genesis state is height 0; the first block is height 1.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Debug,
    Default,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Height(pub u64);

impl Height {
    /// The next height.
    pub fn next(self) -> Height {
        Height(self.0.saturating_add(1))
    }
}

impl fmt::Display for Height {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An amount of settlement money in fen (1/100 yuan). Integer only (u64 holds 1.8e17 yuan); arithmetic is checked.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Debug,
    Default,
    BorshSerialize,
    BorshDeserialize,
    Serialize,
    Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Fen(pub u64);

impl Fen {
    /// Zero fen.
    pub const ZERO: Fen = Fen(0);

    /// `self + other`, or `None` on overflow.
    pub fn checked_add(self, other: Fen) -> Option<Fen> {
        self.0.checked_add(other.0).map(Fen)
    }

    /// `self - other`, or `None` if it would go below zero.
    pub fn checked_sub(self, other: Fen) -> Option<Fen> {
        self.0.checked_sub(other.0).map(Fen)
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} fen", self.0)
    }
}

/// Declares a 32-byte id newtype with hex `Display`/`FromStr`/serde, a short `Debug`, and a
/// constructor from a [`Hash`].
macro_rules! hash_id {
    ($(#[$doc:meta])* $t:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
        pub struct $t(pub [u8; 32]);

        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex::encode(self.0))
            }
        }

        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($t), &hex::encode(self.0)[..8])
            }
        }

        impl FromStr for $t {
            type Err = ParseHashError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                parse_hex_array(s).map($t).ok_or_else(|| ParseHashError(s.to_string()))
            }
        }

        impl From<Hash> for $t {
            fn from(h: Hash) -> Self {
                $t(h.0)
            }
        }

        crate::hex_newtype_serde!($t);
        crate::hex_newtype_schema!($t, 64, concat!("a ", stringify!($t), ", lowercase hex"));
    };
}

hash_id!(
    /// A data set in the catalog: derived from the registering transaction's hash, so it is unique
    /// and never reused, whatever later versions the owner publishes.
    DatasetId
);
hash_id!(
    /// A data-use request (an entry of the demand list), derived from the filing transaction's hash.
    RequestId
);
hash_id!(
    /// An authorization to use a data set, derived from the request it answers (one grant per request).
    GrantId
);
hash_id!(
    /// A governance proposal, derived from the proposing transaction's hash.
    ProposalId
);
hash_id!(
    /// A data product offered on the exchange, derived from the submitting transaction's hash.
    ListingId
);
hash_id!(
    /// A purchase of a listing, derived from the placing transaction's hash; its money sits in
    /// escrow until the order is settled, refunded or arbitrated.
    OrderId
);
hash_id!(
    /// A demand for data that is not yet in the catalog (an entry of the demand list, 需求清单),
    /// derived from the filing transaction's hash.
    DemandId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_newtypes_round_trip_through_hex_and_borsh() {
        let id = DatasetId::from(Hash::tagged(b"t", b"x"));
        assert_eq!(id.to_string().parse::<DatasetId>(), Ok(id));
        assert_eq!(id.to_string().len(), 64);
        assert!("zz".parse::<GrantId>().is_err());
        let bytes = borsh::to_vec(&id).unwrap_or_default();
        assert_eq!(borsh::from_slice::<DatasetId>(&bytes).ok(), Some(id));
    }
}
