//! A bounded memory of the state values and state-tree nodes a node reads again and again (the
//! top of the tree, organizations, grants, nonces), in front of the key-value store.
//!
//! It is exact, never stale: only [`super::ChainStore`] writes state, and it tells the cache before
//! and after each write. Before, the cache forgets every value and node the write changes; after,
//! it keeps the written nodes (or forgets everything, if the write failed). Readers are not held
//! up by a write. A reader that missed the cache reads the store without the lock and keeps what
//! it read only if no write began or ended meanwhile (the write epoch is unchanged) and none is in
//! progress, so a value read around a write, old or new, is never kept.

use shulian_runtime::smt::{NodeKey, SmtNode};
use shulian_runtime::state::ChangeSet;
use std::borrow::Borrow;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard};

/// State values remembered per generation (two generations are kept).
const STATE_ENTRIES: usize = 100_000;
/// Tree nodes remembered per generation.
const NODE_ENTRIES: usize = 900_000;

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
    /// Both tables are sized for `cap` entries up front: growing them on a busy node means
    /// rehashing into freshly faulted pages in the middle of a block write.
    fn new(cap: usize) -> Self {
        let table = || HashMap::with_capacity_and_hasher(cap, foldhash::fast::RandomState::default());
        Generations { young: table(), old: table(), cap }
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
    /// Bumped when a write of state begins and when it ends.
    epoch: u64,
    /// Writes in progress.
    writing: u32,
    state: Generations<Vec<u8>, Option<Vec<u8>>>,
    nodes: Generations<NodeKey, Option<SmtNode>>,
}

/// The cache; clones of a `ChainStore` share one.
pub(crate) struct ReadCache {
    inner: Mutex<Inner>,
}

/// A write of state in progress; [`WriteGuard::finish`] ends it (dropping it counts as a failure).
pub(crate) struct WriteGuard<'a> {
    cache: &'a ReadCache,
    changes: &'a ChangeSet,
    done: bool,
}

impl ReadCache {
    pub(crate) fn new() -> Self {
        ReadCache {
            inner: Mutex::new(Inner {
                epoch: 0,
                writing: 0,
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
        if c.epoch == epoch && c.writing == 0 {
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
        if c.epoch == epoch && c.writing == 0 {
            c.nodes.insert(key, node.clone());
        }
    }

    /// Starts a write of `changes` to the store: forgets what they change.
    pub(crate) fn begin_write<'a>(&'a self, changes: &'a ChangeSet) -> WriteGuard<'a> {
        let mut c = self.lock();
        c.epoch += 1;
        c.writing += 1;
        for k in changes.kv.keys() {
            c.state.remove(k.as_slice());
        }
        for k in changes.nodes.keys() {
            c.nodes.remove(k);
        }
        WriteGuard { cache: self, changes, done: false }
    }
}

impl WriteGuard<'_> {
    /// Ends the write. If it succeeded, the written tree nodes are kept (the next block reads the
    /// same paths again; written values are read from the store when asked for). If it failed,
    /// everything is forgotten, since what is stored is then unknown.
    pub(crate) fn finish(mut self, ok: bool) {
        self.end(ok);
    }

    fn end(&mut self, ok: bool) {
        self.done = true;
        let mut c = self.cache.lock();
        c.epoch += 1;
        c.writing -= 1;
        if ok {
            for (k, v) in &self.changes.nodes {
                c.nodes.insert(*k, v.clone());
            }
        } else {
            c.state.clear();
            c.nodes.clear();
        }
    }
}

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.end(false);
        }
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
    fn a_value_read_around_a_write_is_not_kept() {
        let c = ReadCache::new();
        let mut changes = ChangeSet::default();
        changes.kv.insert(b"k".to_vec(), Some(b"new".to_vec()));
        // Read before a write began, kept after it began: not kept.
        let Err(epoch) = c.value(b"k") else { panic!("empty cache") };
        let w = c.begin_write(&changes);
        c.keep_value(epoch, b"k", &Some(b"old".to_vec()));
        assert!(c.value(b"k").is_err(), "the old value must not be kept");
        // Read while the write is in progress (old or new, no one knows): not kept either.
        let Err(epoch) = c.value(b"k") else { panic!("not cached") };
        c.keep_value(epoch, b"k", &Some(b"old".to_vec()));
        assert!(c.value(b"k").is_err(), "a value read during a write must not be kept");
        w.finish(true);
        // ... nor after it ended.
        c.keep_value(epoch, b"k", &Some(b"old".to_vec()));
        assert!(c.value(b"k").is_err(), "a value read during a write must not be kept after it");
        // A value cached after the write is kept, and forgotten by the next write that changes it.
        let Err(epoch) = c.value(b"k") else { panic!("not cached") };
        c.keep_value(epoch, b"k", &Some(b"new".to_vec()));
        assert_eq!(c.value(b"k"), Ok(Some(b"new".to_vec())));
        changes.kv.insert(b"k".to_vec(), None);
        let w = c.begin_write(&changes);
        assert!(c.value(b"k").is_err(), "forgotten as the write begins");
        w.finish(true);
        // After a failed write (or one abandoned by a panic) nothing is trusted.
        let Err(epoch) = c.value(b"k") else { panic!("not cached") };
        c.keep_value(epoch, b"k", &None);
        assert_eq!(c.value(b"k"), Ok(None));
        let other = ChangeSet::default();
        drop(c.begin_write(&other));
        assert!(c.value(b"k").is_err());
    }
}
