//! Organizations: departments, the exchange center, traders, regulators and validator operators,
//! with their roles and keys. Genesis creates the first ones.

use borsh::{BorshDeserialize, BorshSerialize};
use shulian_runtime::crypto::PublicKey;
use shulian_runtime::exec::{ExecError, KeyBinding, TxContext, key_binding_key};
use shulian_runtime::genesis::{Genesis, Role};
use shulian_runtime::ids::AccountId;
use shulian_runtime::state::{StateReader, StorageError};

/// An organization as stored on the ledger.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize)]
pub struct Organization {
    /// Its account id.
    pub id: AccountId,
    /// Human name.
    pub name: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Keys that may sign for it.
    pub keys: Vec<PublicKey>,
}

/// State key of an organization.
pub fn org_key(id: &AccountId) -> Vec<u8> {
    [b"orgs/org/".as_slice(), &id.0].concat()
}

/// Reads an organization from committed state (for queries).
pub fn get_org<S: StateReader + ?Sized>(state: &S, id: &AccountId) -> Result<Option<Organization>, StorageError> {
    match state.get(&org_key(id))? {
        None => Ok(None),
        Some(b) => borsh::from_slice(&b).map(Some).map_err(|e| StorageError::Corrupt(format!("organization: {e}"))),
    }
}

/// Writes the genesis organizations.
pub(crate) fn init_genesis(ctx: &mut TxContext<'_>, genesis: &Genesis) -> Result<(), ExecError> {
    for o in &genesis.organizations {
        let org =
            Organization { id: o.account(), name: o.name.clone(), roles: o.roles.clone(), keys: vec![o.public_key] };
        ctx.put(org_key(&org.id), &org)?;
        ctx.put(key_binding_key(&o.public_key), &KeyBinding { account: org.id, active: true })?;
    }
    Ok(())
}
