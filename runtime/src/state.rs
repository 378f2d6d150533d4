//! The runtime's only window on storage: a read trait, and write overlays whose changes the node
//! commits atomically with the block.

use crate::smt::{NodeKey, SmtNode};
use std::collections::BTreeMap;

/// A storage failure below the runtime. It aborts block execution (the node must stop), it is
/// never a transaction failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// The backing store failed.
    #[error("storage backend error: {0}")]
    Backend(String),
    /// Stored bytes do not decode or contradict the state tree.
    #[error("corrupt state: {0}")]
    Corrupt(String),
}

/// Read access to the committed state: key/value pairs and the nodes of the state tree.
pub trait StateReader {
    /// The value stored under `key`, if any.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError>;
    /// The state-tree node at `key`, if any.
    fn get_node(&self, key: &NodeKey) -> Result<Option<SmtNode>, StorageError>;
}

/// Writes produced by executing blocks: `None` deletes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// Key/value changes, sorted by key.
    pub kv: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// State-tree node changes.
    pub nodes: BTreeMap<NodeKey, Option<SmtNode>>,
}

/// A [`StateReader`] seen through pending changes.
pub struct Overlay<'a, S: StateReader + ?Sized> {
    base: &'a S,
    /// The pending changes.
    pub changes: ChangeSet,
}

impl<'a, S: StateReader + ?Sized> Overlay<'a, S> {
    /// An overlay with no changes yet.
    pub fn new(base: &'a S) -> Self {
        Overlay { base, changes: ChangeSet::default() }
    }
}

impl<S: StateReader + ?Sized> StateReader for Overlay<'_, S> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        match self.changes.kv.get(key) {
            Some(v) => Ok(v.clone()),
            None => self.base.get(key),
        }
    }
    fn get_node(&self, key: &NodeKey) -> Result<Option<SmtNode>, StorageError> {
        match self.changes.nodes.get(key) {
            Some(v) => Ok(v.clone()),
            None => self.base.get_node(key),
        }
    }
}

/// An in-memory state, for tests and tools.
#[derive(Clone, Debug, Default)]
pub struct MemState {
    /// Key/value pairs.
    pub kv: BTreeMap<Vec<u8>, Vec<u8>>,
    /// State-tree nodes.
    pub nodes: BTreeMap<NodeKey, SmtNode>,
}

impl MemState {
    /// Applies a change set.
    pub fn apply(&mut self, changes: ChangeSet) {
        for (k, v) in changes.kv {
            match v {
                Some(v) => self.kv.insert(k, v),
                None => self.kv.remove(&k),
            };
        }
        for (k, v) in changes.nodes {
            match v {
                Some(v) => self.nodes.insert(k, v),
                None => self.nodes.remove(&k),
            };
        }
    }
}

impl StateReader for MemState {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.kv.get(key).cloned())
    }
    fn get_node(&self, key: &NodeKey) -> Result<Option<SmtNode>, StorageError> {
        Ok(self.nodes.get(key).cloned())
    }
}
