//! A tiny in-memory chain for contract tests: genesis, then blocks built and applied through the
//! runtime exactly as the node does.
#![allow(dead_code, unreachable_pub)]

pub mod data;
pub mod market;

use shulian_contracts::NativeContracts;
use shulian_runtime::Fen;
use shulian_runtime::genesis::{Genesis, Role};
use shulian_runtime::test_utils::GenesisBuilder;

pub use shulian_runtime::test_utils::{account, assert_failed, assert_ok, key};

pub const CHAIN: &str = "test-chain";

/// Seed of the single validator's key.
pub const VALIDATOR: u8 = 100;

/// A chain in memory running the native contracts.
pub type TestChain = shulian_runtime::test_utils::TestChain<NativeContracts>;

/// Genesis with orgs 1..=n (departments), each with `balance` fen, and validator key 100.
pub fn genesis(n: u8, balance: u64) -> Genesis {
    (1..=n).fold(base(), |b, i| b.seeded_org(i, &[Role::Department], Fen(balance))).build()
}

/// Genesis with the given orgs (by key seed) holding the given roles, no money, validator key 100.
pub fn genesis_with_roles(orgs: &[(u8, Vec<Role>)]) -> Genesis {
    orgs.iter().fold(base(), |b, (i, roles)| b.seeded_org(*i, roles, Fen(0))).build()
}

fn base() -> GenesisBuilder {
    GenesisBuilder::new(CHAIN).validator("v", &key(VALIDATOR), 1)
}
