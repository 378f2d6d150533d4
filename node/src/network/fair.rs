//! A queue that is fair between peers: each peer has its own sub-queue, bounded in count and
//! bytes, and they are served round-robin, so a peer that floods fills only its own share and
//! waits its turn, while another peer's vote is taken at the next turn. The whole queue is bounded
//! too. The network task pushes consensus messages into it; a forwarding task pops them into the
//! consensus driver's (small, bounded) channel.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// Bounds of a [`FairQueue`].
#[derive(Clone, Copy, Debug)]
pub struct FairLimits {
    /// Most items one peer may have waiting.
    pub per_peer_items: usize,
    /// Most bytes one peer may have waiting (a single item larger than this is still taken when
    /// the peer has nothing else waiting, so a limit below the largest message cannot starve it).
    pub per_peer_bytes: usize,
    /// Most items waiting in all.
    pub total_items: usize,
    /// Most bytes waiting in all.
    pub total_bytes: usize,
}

/// Why an item was not queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The sending peer's share is full.
    PeerShare,
    /// The queue is full.
    Full,
}

struct Sub<T> {
    items: VecDeque<(T, usize)>,
    bytes: usize,
}

/// Per-peer sub-queues served round-robin.
pub struct FairQueue<K, T> {
    limits: FairLimits,
    subs: HashMap<K, Sub<T>>,
    /// Peers with something waiting, in the order they are served.
    turn: VecDeque<K>,
    items: usize,
    bytes: usize,
}

impl<K: Hash + Eq + Clone, T> FairQueue<K, T> {
    /// An empty queue with `limits`.
    pub fn new(limits: FairLimits) -> Self {
        FairQueue { limits, subs: HashMap::new(), turn: VecDeque::new(), items: 0, bytes: 0 }
    }

    /// Queues `item` (of `bytes` bytes) from `peer`, unless its share or the queue is full.
    pub fn push(&mut self, peer: K, item: T, bytes: usize) -> Result<(), Refused> {
        let l = self.limits;
        if self.items >= l.total_items || (self.bytes > 0 && self.bytes.saturating_add(bytes) > l.total_bytes) {
            return Err(Refused::Full);
        }
        let sub = self.subs.entry(peer.clone()).or_insert_with(|| Sub { items: VecDeque::new(), bytes: 0 });
        if sub.items.len() >= l.per_peer_items || (sub.bytes > 0 && sub.bytes.saturating_add(bytes) > l.per_peer_bytes)
        {
            return Err(Refused::PeerShare);
        }
        if sub.items.is_empty() {
            self.turn.push_back(peer);
        }
        sub.items.push_back((item, bytes));
        sub.bytes += bytes;
        self.items += 1;
        self.bytes += bytes;
        Ok(())
    }

    /// The next item, from the peer whose turn it is.
    pub fn pop(&mut self) -> Option<(K, T)> {
        let peer = self.turn.pop_front()?;
        let sub = self.subs.get_mut(&peer)?;
        let (item, bytes) = sub.items.pop_front()?;
        sub.bytes -= bytes;
        self.items -= 1;
        self.bytes -= bytes;
        if sub.items.is_empty() {
            self.subs.remove(&peer);
        } else {
            self.turn.push_back(peer.clone());
        }
        Some((peer, item))
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.items == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: FairLimits =
        FairLimits { per_peer_items: 3, per_peer_bytes: 100, total_items: 5, total_bytes: 1_000 };

    #[test]
    fn a_flooding_peer_fills_only_its_share_and_others_are_served_in_turn() {
        let mut q = FairQueue::new(LIMITS);
        for i in 0..10 {
            let r = q.push("flooder", i, 10);
            assert_eq!(r.is_ok(), i < 3, "item {i}");
            if i >= 3 {
                assert_eq!(r, Err(Refused::PeerShare));
            }
        }
        q.push("honest", 100, 10).expect("an honest peer still has room");
        assert_eq!(q.pop(), Some(("flooder", 0)));
        assert_eq!(q.pop(), Some(("honest", 100)), "served at the next turn, not after the flood");
        assert_eq!(q.pop(), Some(("flooder", 1)));
        assert_eq!(q.pop(), Some(("flooder", 2)));
        assert_eq!(q.pop(), None);
        assert!(q.is_empty());
    }

    #[test]
    fn bytes_and_the_total_are_bounded() {
        let mut q = FairQueue::new(LIMITS);
        q.push("a", 1, 90).expect("fits");
        assert_eq!(q.push("a", 2, 20), Err(Refused::PeerShare), "over the peer's bytes");
        q.push("b", 3, 500).expect("one item larger than the share is taken when nothing else waits");
        q.push("c", 4, 1).expect("fits");
        q.push("d", 5, 1).expect("fits");
        q.push("e", 6, 1).expect("fits");
        assert_eq!(q.push("f", 7, 1), Err(Refused::Full), "over the total count");
        while q.pop().is_some() {}
        assert!(q.push("f", 7, 1).is_ok(), "room again once taken");
    }
}
