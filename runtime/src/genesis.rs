//! The genesis file: chain id, validators, first organizations and their balances.

use crate::block::{Validator, ValidatorSet};
use crate::crypto::PublicKey;
use crate::hash::Hash;
use crate::ids::{AccountId, Fen};
use crate::suite::CryptoSuite;
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// The role an organization plays. An organization may hold several.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A government department that holds and shares data.
    Department,
    /// The city's data exchange center: runs the market and clears its money.
    ExchangeCenter,
    /// A company that trades data products.
    Trader,
    /// A regulator: reads everything, keeps the negative list.
    Regulator,
    /// Operates a validator node and votes on governance.
    ValidatorOperator,
}

/// An organization created at genesis.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GenesisOrg {
    /// Human name, e.g. "Municipal Transport Bureau".
    pub name: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// The key that controls it; its account id is derived from this key.
    pub public_key: PublicKey,
    /// Opening settlement balance.
    #[serde(default)]
    pub balance: Fen,
}

impl GenesisOrg {
    /// The organization's account id.
    pub fn account(&self) -> AccountId {
        AccountId::from_public_key(&self.public_key)
    }
}

/// The whole genesis file. Human-editable JSON; its canonical (borsh) hash is the parent of block 1.
///
/// Its borsh encoding is the four fields below in order, then the crypto suite's one-byte code
/// only when the suite is not the default (`ed25519-blake3`), so that every chain started before
/// suites existed keeps its genesis hash; an explicit default byte is refused (one genesis, one
/// encoding). See `docs/consensus.md`, "Crypto suite".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Genesis {
    /// The chain id every transaction and vote must carry.
    pub chain_id: String,
    /// Genesis time in ms since the Unix epoch; block 1 must be later.
    pub genesis_time_ms: u64,
    /// The validators.
    pub validators: Vec<Validator>,
    /// The first organizations.
    pub organizations: Vec<GenesisOrg>,
    /// The chain's crypto suite, for good: `ed25519-blake3` (when absent) or `sm2-sm3`.
    #[serde(default, skip_serializing_if = "CryptoSuite::is_default")]
    pub crypto: CryptoSuite,
}

impl BorshSerialize for Genesis {
    fn serialize<W: std::io::Write>(&self, w: &mut W) -> std::io::Result<()> {
        BorshSerialize::serialize(&self.chain_id, w)?;
        BorshSerialize::serialize(&self.genesis_time_ms, w)?;
        BorshSerialize::serialize(&self.validators, w)?;
        BorshSerialize::serialize(&self.organizations, w)?;
        if !self.crypto.is_default() {
            BorshSerialize::serialize(&self.crypto, w)?;
        }
        Ok(())
    }
}

impl BorshDeserialize for Genesis {
    fn deserialize_reader<R: std::io::Read>(r: &mut R) -> std::io::Result<Self> {
        let chain_id = String::deserialize_reader(r)?;
        let genesis_time_ms = u64::deserialize_reader(r)?;
        let validators = Vec::<Validator>::deserialize_reader(r)?;
        let organizations = Vec::<GenesisOrg>::deserialize_reader(r)?;
        let mut code = [0u8; 1];
        let crypto = if r.read(&mut code)? == 0 {
            CryptoSuite::default()
        } else {
            let suite = CryptoSuite::deserialize_reader(&mut &code[..])?;
            if suite.is_default() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "the default crypto suite is encoded as no byte",
                ));
            }
            suite
        };
        Ok(Genesis { chain_id, genesis_time_ms, validators, organizations, crypto })
    }
}

/// A genesis file that cannot start a chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenesisError {
    /// Empty chain id.
    #[error("genesis chain_id is empty")]
    EmptyChainId,
    /// No validators.
    #[error("genesis has no validators")]
    NoValidators,
    /// Zero voting power.
    #[error("validator {0} has zero voting power")]
    ZeroPower(String),
    /// Same key twice.
    #[error("public key {0} appears twice in genesis")]
    DuplicateKey(PublicKey),
    /// The genesis names another suite than the one this process already uses.
    #[error("{0}")]
    Suite(#[from] crate::suite::SuiteConflict),
}

impl Genesis {
    /// The validator set.
    pub fn validator_set(&self) -> ValidatorSet {
        ValidatorSet { validators: self.validators.clone() }
    }

    /// The canonical genesis hash.
    pub fn hash(&self) -> Hash {
        Hash::of_borsh(crate::domain::GENESIS_HASH, self)
    }

    /// Checks the file makes sense before a chain is started from it, and fixes the process's
    /// crypto suite to the genesis's (refusing it if the process already uses another).
    pub fn validate(&self) -> Result<(), GenesisError> {
        crate::suite::fix(self.crypto)?;
        if self.chain_id.trim().is_empty() {
            return Err(GenesisError::EmptyChainId);
        }
        if self.validators.is_empty() {
            return Err(GenesisError::NoValidators);
        }
        let mut keys = std::collections::BTreeSet::new();
        for v in &self.validators {
            if v.power == 0 {
                return Err(GenesisError::ZeroPower(v.name.clone()));
            }
            if !keys.insert(v.public_key) {
                return Err(GenesisError::DuplicateKey(v.public_key));
            }
        }
        // Validator keys and organization keys share one namespace: each key signs for one account.
        for o in &self.organizations {
            if !keys.insert(o.public_key) {
                return Err(GenesisError::DuplicateKey(o.public_key));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_utils::key;

    fn sample(crypto: CryptoSuite) -> Genesis {
        Genesis {
            chain_id: "c".into(),
            genesis_time_ms: 7,
            validators: vec![Validator { name: "v".into(), public_key: PublicKey([1; 32]), power: 1 }],
            organizations: vec![GenesisOrg {
                name: "o".into(),
                roles: vec![Role::Department],
                public_key: PublicKey([2; 32]),
                balance: Fen(3),
            }],
            crypto,
        }
    }

    /// The encoding of a genesis without a suite is the one from before suites existed (so every
    /// chain keeps its genesis hash); `sm2-sm3` appends its code; an explicit default code, a
    /// trailing unknown code or more bytes are refused.
    #[test]
    fn the_suite_is_encoded_only_when_not_the_default() {
        crate::test_utils::pin_ed25519();
        #[derive(BorshSerialize)]
        struct Before {
            chain_id: String,
            genesis_time_ms: u64,
            validators: Vec<Validator>,
            organizations: Vec<GenesisOrg>,
        }
        let g = sample(CryptoSuite::Ed25519Blake3);
        let before = Before {
            chain_id: g.chain_id.clone(),
            genesis_time_ms: g.genesis_time_ms,
            validators: g.validators.clone(),
            organizations: g.organizations.clone(),
        };
        let old = borsh::to_vec(&before).expect("encode");
        assert_eq!(borsh::to_vec(&g).expect("encode"), old);
        let sm2 = sample(CryptoSuite::Sm2Sm3);
        let mut with_code = old.clone();
        with_code.push(1);
        assert_eq!(borsh::to_vec(&sm2).expect("encode"), with_code);
        assert_eq!(borsh::from_slice::<Genesis>(&with_code).ok(), Some(sm2));
        assert_eq!(borsh::from_slice::<Genesis>(&old).ok(), Some(g));
        for bad in [vec![0u8], vec![2], vec![1, 1]] {
            let mut b = old.clone();
            b.extend(bad.iter());
            assert!(borsh::from_slice::<Genesis>(&b).is_err(), "trailing {bad:?} accepted");
        }
    }

    #[test]
    fn json_names_the_suite_only_when_not_the_default_and_refuses_an_unknown_one() {
        let g = sample(CryptoSuite::Ed25519Blake3);
        let json = serde_json::to_value(&g).expect("json");
        assert!(json.get("crypto").is_none());
        let sm2 = serde_json::to_value(sample(CryptoSuite::Sm2Sm3)).expect("json");
        assert_eq!(sm2["crypto"], "sm2-sm3");
        let mut unknown = sm2.clone();
        unknown["crypto"] = "rsa-sha1".into();
        let err = serde_json::from_value::<Genesis>(unknown).expect_err("an unknown suite");
        assert!(err.to_string().contains("rsa-sha1"), "{err}");
    }

    #[test]
    fn a_genesis_of_another_suite_than_the_process_uses_is_refused() {
        let active = crate::suite::active();
        let other = CryptoSuite::ALL.into_iter().find(|s| *s != active).unwrap_or_default();
        let mut g = crate::test_utils::GenesisBuilder::new("c").validator("v", &key(100), 1).build();
        assert_eq!(g.validate(), Ok(()));
        g.crypto = other;
        assert!(matches!(g.validate(), Err(GenesisError::Suite(_))));
    }
}
