//! Events: what a successful call changed, in a form the explorer and the wallet can index.

use crate::ids::{AccountId, Fen};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// One event emitted by a contract. New variants are only appended (borsh index is stable).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Settlement money moved between two accounts.
    Transferred {
        /// Paying account.
        from: AccountId,
        /// Receiving account.
        to: AccountId,
        /// Amount moved.
        amount: Fen,
    },
}

impl Event {
    /// The accounts this event concerns, for the per-account index.
    pub fn accounts(&self) -> Vec<AccountId> {
        match self {
            Event::Transferred { from, to, .. } => vec![*from, *to],
        }
    }
}
