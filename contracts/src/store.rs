//! One read interface over both a transaction's context (writes so far included) and committed
//! state, so each contract's lookups are written once for execution and for the node's queries.

use borsh::BorshDeserialize;
use shulian_runtime::exec::TxContext;
use shulian_runtime::state::{StateReader, StorageError};

/// Typed reads of state.
pub(crate) trait Store {
    /// The value under `key`; undecodable bytes are corrupt state.
    fn read<T: BorshDeserialize>(&self, key: &[u8]) -> Result<Option<T>, StorageError>;
}

impl Store for TxContext<'_> {
    fn read<T: BorshDeserialize>(&self, key: &[u8]) -> Result<Option<T>, StorageError> {
        self.get(key)
    }
}

/// Committed state seen through [`Store`].
pub(crate) struct View<'a, S: ?Sized>(pub(crate) &'a S);

impl<S: StateReader + ?Sized> Store for View<'_, S> {
    fn read<T: BorshDeserialize>(&self, key: &[u8]) -> Result<Option<T>, StorageError> {
        match self.0.get(key)? {
            None => Ok(None),
            Some(b) => borsh::from_slice(&b)
                .map(Some)
                .map_err(|e| StorageError::Corrupt(format!("key {}: {e}", hex::encode(key)))),
        }
    }
}
