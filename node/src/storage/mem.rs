//! In-memory backend, for tests.

use super::{Batch, Column, KvStore, KvView, StoreResult};
use std::collections::BTreeMap;
use std::sync::RwLock;

/// Every entry, by column and key.
type Entries = BTreeMap<(Column, Vec<u8>), Vec<u8>>;

/// A [`KvStore`] in memory.
#[derive(Default)]
pub struct MemKv {
    map: RwLock<Entries>,
}

/// A copy of a [`MemKv`]'s entries: its point-in-time view.
struct MemView(Entries);

fn scan_entries(m: &Entries, c: Column, prefix: &[u8], after: Option<&[u8]>, limit: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
    let start = (c, after.unwrap_or(prefix).to_vec());
    m.range(start..)
        .filter(|((_, k), _)| Some(k.as_slice()) != after)
        .take_while(|((col, k), _)| *col == c && k.starts_with(prefix))
        .take(limit)
        .map(|((_, k), v)| (k.clone(), v.clone()))
        .collect()
}

impl KvView for MemView {
    fn get(&self, c: Column, key: &[u8]) -> StoreResult<Option<Vec<u8>>> {
        Ok(self.0.get(&(c, key.to_vec())).cloned())
    }

    fn scan(
        &self,
        c: Column,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> StoreResult<Vec<(Vec<u8>, Vec<u8>)>> {
        Ok(scan_entries(&self.0, c, prefix, after, limit))
    }
}

impl KvStore for MemKv {
    fn view(&self) -> StoreResult<Box<dyn KvView + '_>> {
        Ok(Box::new(MemView(self.map.read().unwrap_or_else(|p| p.into_inner()).clone())))
    }

    fn get(&self, c: Column, key: &[u8]) -> StoreResult<Option<Vec<u8>>> {
        let m = self.map.read().unwrap_or_else(|p| p.into_inner());
        Ok(m.get(&(c, key.to_vec())).cloned())
    }

    fn write(&self, batch: Batch) -> StoreResult<()> {
        let mut m = self.map.write().unwrap_or_else(|p| p.into_inner());
        for (c, k, v) in batch.ops {
            match v {
                Some(v) => m.insert((c, k), v),
                None => m.remove(&(c, k)),
            };
        }
        Ok(())
    }

    fn scan(
        &self,
        c: Column,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> StoreResult<Vec<(Vec<u8>, Vec<u8>)>> {
        let m = self.map.read().unwrap_or_else(|p| p.into_inner());
        Ok(scan_entries(&m, c, prefix, after, limit))
    }
}
