//! A bounded memory of the state values and state-tree nodes a node reads again and again (the
//! top of the tree, organizations, grants, nonces), in front of the key-value store.
//!
//! It is exact, never stale: only [`super::ChainStore`] writes state, and it updates the cache under
//! the same lock as its write (or empties it when the write fails). A reader that missed the cache
//! reads the store without the lock and keeps what it read only if no write happened meanwhile
//! (the write epoch is unchanged), so an old value read just before a commit is never kept.

use shulian_runtime::smt::{NodeKey, SmtNode};
use shulian_runtime::state::ChangeSet;
use std::borrow::Borrow;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard};

/// State values remembered per generation (two generations are kept).
const STATE_ENTRIES: usize = 100_000;
/// Tree nodes remembered per generation.
const NODE_ENTRIES: usize = 250_000;

/// Keys are hashes or tree paths: a fast seeded hasher is enough.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// Two generations approximate least-recently-used: a hit in the old one moves the entry to the
/// young one; when the young one is full it becomes the old one and the old one is dropped.
struct Generations<K, V> {
    young: HashMap<K, V>,
    old: HashMap<K, V>,
    cap: usize,
}

impl<K: Hash + Eq + Clone, V: Clone> Generations<K, V> {
    fn new(cap: usize) -> Self {
        Generations { young: HashMap::default(), old: HashMap::default(), cap }
    }

    fn get<Q: Hash + Eq + ?Sized>(&mut self, k: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        if let Some(v) = self.young.get(k) {
            return Some(v.clone());
        }
        let (key, v) = self.old.remove_entry(k)?;
        self.insert(key, v.clone());
        Some(v)
    }

    fn insert(&mut self, k: K, v: V) {
        if self.young.len() >= self.cap {
            // The old generation's table is emptied and reused, not freed: a fresh one would grow
            // by rehashing into newly faulted pages on every turn.
            std::mem::swap(&mut self.young, &mut self.old);
            self.young.clear();
        }
        self.young.insert(k, v);
    }

    fn remove<Q: Hash + Eq + ?Sized>(&mut self, k: &Q)
    where
        K: Borrow<Q>,
    {
        self.young.remove(k);
        self.old.remove(k);
    }

    fn clear(&mut self) {
        self.young.clear();
        self.old.clear();
    }
}

struct Inner {
    /// Bumped by every write of state.
    epoch: u64,
    state: Generations<Vec<u8>, Option<Vec<u8>>>,
    nodes: Generations<NodeKey, Option<SmtNode>>,
}

/// The cache; clones of a `ChainStore` share one.
pub(crate) struct ReadCache {
    inner: Mutex<Inner>,
}

/// Held by a writer from before its write until after it: readers wait, and see the new state.
pub(crate) struct WriteGuard<'a>(MutexGuard<'a, Inner>);

impl ReadCache {
    pub(crate) fn new() -> Self {
        ReadCache {
            inner: Mutex::new(Inner {
                epoch: 0,
                state: Generations::new(STATE_ENTRIES),
                nodes: Generations::new(NODE_ENTRIES),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The maps are always consistent between operations; a panicking reader cannot break them.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A state value (`Some(None)`: known absent), or the epoch to pass to [`ReadCache::keep_value`].
    pub(crate) fn value(&self, key: &[u8]) -> Result<Option<Vec<u8>>, u64> {
        let mut c = self.lock();
        c.state.get(key).ok_or(c.epoch)
    }

    /// Remembers a value read from the store at `epoch`, unless state was written since.
    pub(crate) fn keep_value(&self, epoch: u64, key: &[u8], value: &Option<Vec<u8>>) {
        let mut c = self.lock();
        if c.epoch == epoch {
            c.state.insert(key.to_vec(), value.clone());
        }
    }

    /// A tree node (`Some(None)`: known absent), or the epoch to pass to [`ReadCache::keep_node`].
    pub(crate) fn node(&self, key: &NodeKey) -> Result<Option<SmtNode>, u64> {
        let mut c = self.lock();
        c.nodes.get(key).ok_or(c.epoch)
    }

    /// Remembers a node read from the store at `epoch`, unless state was written since.
    pub(crate) fn keep_node(&self, epoch: u64, key: NodeKey, node: &Option<SmtNode>) {
        let mut c = self.lock();
        if c.epoch == epoch {
            c.nodes.insert(key, node.clone());
        }
    }

    /// Starts a write of state: readers wait until the guard is dropped.
    pub(crate) fn begin_write(&self) -> WriteGuard<'_> {
        let mut c = self.lock();
        c.epoch += 1;
        WriteGuard(c)
    }
}

impl WriteGuard<'_> {
    /// Records the changes the write stores. Tree nodes are kept (the next block reads the same
    /// paths again); written state values are only forgotten, which costs no copy, and are read
    /// from the store when asked for.
    pub(crate) fn written(&mut self, changes: &ChangeSet) {
        for k in changes.kv.keys() {
            self.0.state.remove(k.as_slice());
        }
        for (k, v) in &changes.nodes {
            self.0.nodes.insert(*k, v.clone());
        }
    }

    /// Forgets everything (the write failed: what is stored is not known).
    pub(crate) fn forget(&mut self) {
        self.0.state.clear();
        self.0.nodes.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations_keep_recent_entries_and_drop_the_oldest() {
        let mut g: Generations<u32, u32> = Generations::new(2);
        g.insert(1, 10);
        g.insert(2, 20);
        g.insert(3, 30); // young {3}, old {1, 2}
        assert_eq!(g.get(&1), Some(10)); // promoted: young {3, 1}
        g.insert(4, 40); // young {4}, old {3, 1}: 2 dropped
        assert_eq!(g.get(&2), None);
        assert_eq!((g.get(&3), g.get(&1), g.get(&4)), (Some(30), Some(10), Some(40)));
    }

    #[test]
    fn a_value_read_before_a_write_is_not_kept() {
        let c = ReadCache::new();
        let Err(epoch) = c.value(b"k") else { panic!("empty cache") };
        // A commit writes k = new while the reader was reading the store (it saw "old").
        let mut w = c.begin_write();
        let mut changes = ChangeSet::default();
        changes.kv.insert(b"k".to_vec(), Some(b"new".to_vec()));
        w.written(&changes);
        drop(w);
        c.keep_value(epoch, b"k", &Some(b"old".to_vec()));
        assert!(c.value(b"k").is_err(), "the old value must not be kept");
        // A value cached before a write that changes it is forgotten.
        let Err(epoch) = c.value(b"k") else { panic!("not cached") };
        c.keep_value(epoch, b"k", &Some(b"new".to_vec()));
        assert_eq!(c.value(b"k"), Ok(Some(b"new".to_vec())));
        let mut w = c.begin_write();
        changes.kv.insert(b"k".to_vec(), None);
        w.written(&changes);
        drop(w);
        assert!(c.value(b"k").is_err());
        // After a failed write nothing is trusted.
        let mut w = c.begin_write();
        w.forget();
        drop(w);
        assert!(c.value(b"k").is_err());
    }
}
