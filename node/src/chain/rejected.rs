//! A bounded memory of recent refusals, so a client polling a transaction it submitted can learn
//! why it was refused.

use shulian_runtime::Hash;
use std::collections::{HashMap, VecDeque};

/// A recorded refusal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// Stable code.
    pub code: &'static str,
    /// Plain words.
    pub message: String,
}

/// The last `cap` refusals.
pub(crate) struct RejectedLog {
    cap: usize,
    order: VecDeque<Hash>,
    map: HashMap<Hash, Rejection>,
}

impl RejectedLog {
    pub(crate) fn new(cap: usize) -> Self {
        RejectedLog { cap, order: VecDeque::new(), map: HashMap::new() }
    }

    pub(crate) fn record(&mut self, hash: Hash, code: &'static str, message: String) {
        if self.map.insert(hash, Rejection { code, message }).is_none() {
            self.order.push_back(hash);
        }
        while self.order.len() > self.cap {
            if let Some(old) = self.order.pop_front() {
                self.map.remove(&old);
            }
        }
    }

    pub(crate) fn get(&self, hash: &Hash) -> Option<Rejection> {
        self.map.get(hash).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_newest() {
        let mut l = RejectedLog::new(2);
        for i in 0..3u8 {
            l.record(Hash([i; 32]), "x", format!("{i}"));
        }
        assert_eq!(l.get(&Hash([0; 32])), None);
        assert_eq!(l.get(&Hash([2; 32])).map(|r| r.message), Some("2".into()));
    }
}
