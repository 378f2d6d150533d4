//! The calls a transaction can make. These are pure data, shared by the wallet (which builds them)
//! and the contracts (which execute them). New variants are only ever appended, so that the borsh
//! variant index of an existing call never changes.

use crate::ids::{AccountId, Fen};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Every call, by contract.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(tag = "contract", content = "call", rename_all = "snake_case")]
pub enum Call {
    /// Settlement money: balances in fen.
    Settlement(SettlementCall),
}

/// Calls of the settlement contract.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettlementCall {
    /// Moves `amount` from the sender's settlement balance to `to`.
    Transfer {
        /// The receiving account.
        to: AccountId,
        /// How much, in fen; must be more than zero.
        amount: Fen,
    },
}

impl Call {
    /// A short name for logs and listings, e.g. `settlement.transfer`.
    pub fn name(&self) -> &'static str {
        match self {
            Call::Settlement(SettlementCall::Transfer { .. }) => "settlement.transfer",
        }
    }
}
