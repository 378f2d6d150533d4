//! The genesis file: chain id, validators, first organizations and their balances.

use crate::block::{Validator, ValidatorSet};
use crate::crypto::PublicKey;
use crate::hash::Hash;
use crate::ids::{AccountId, Fen};
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
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
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

    /// Checks the file makes sense before a chain is started from it.
    pub fn validate(&self) -> Result<(), GenesisError> {
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
