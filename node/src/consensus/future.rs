//! Consensus messages the driver cannot use yet (for the next height, or for a round beyond the one
//! it would move to), kept until it gets there. Bounded per sending peer and in total, in count and
//! in bytes; when a bound is hit the farthest message (highest height, then round; the oldest among
//! equals) goes first, so what is kept is what the node will need soonest. It must never hold a
//! message whose signature the driver has not checked.

use crate::network::wire::WireMsg;
use libp2p::PeerId;
use shulian_runtime::Height;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Most messages kept from one peer. A validator that is one height ahead sends one proposal and a
/// few votes per round, re-sending its last four votes every status interval: 1 000 covers minutes
/// of that.
pub(crate) const MAX_PEER_MSGS: usize = 1_000;
/// Most bytes kept from one peer: one largest proposal (8 MiB of transactions,
/// `runtime::block::MAX_BLOCK_TX_BYTES`, and its header) twice over, with room for votes.
pub(crate) const MAX_PEER_BYTES: usize = 20 * 1024 * 1024;
/// Most messages kept in all: ten peers' worth.
pub(crate) const MAX_TOTAL_MSGS: usize = 10_000;
/// Most bytes kept in all: what the node can spare for messages it cannot use yet, a small share
/// of the honest peak RSS bound.
pub(crate) const MAX_TOTAL_BYTES: usize = 64 * 1024 * 1024;

/// Position of a message: height, round, then age (a later arrival sorts first, so the last entry
/// is the farthest and, among equals, the oldest).
type Key = (u64, u32, u64);

struct Entry {
    peer: PeerId,
    bytes: usize,
    msg: WireMsg,
}

/// The buffer of future messages.
#[derive(Default)]
pub(crate) struct FutureBuffer {
    entries: BTreeMap<Key, Entry>,
    by_peer: HashMap<PeerId, (BTreeSet<Key>, usize)>,
    bytes: usize,
    seq: u64,
    dropped: u64,
    discarded: u64,
}

/// Where a consensus message belongs: its height and round.
pub(crate) fn position(msg: &WireMsg) -> Option<(Height, u32)> {
    match msg {
        WireMsg::Proposal(p) => Some((p.header.height, p.header.round)),
        WireMsg::Vote(v) => Some((v.vote.height, v.vote.round)),
        _ => None,
    }
}

impl FutureBuffer {
    /// Keeps `msg` from `peer`, dropping the farthest messages over the bounds (possibly `msg`).
    pub(crate) fn insert(&mut self, peer: PeerId, msg: WireMsg) {
        let Some((height, round)) = position(&msg) else { return };
        let bytes = borsh::object_length(&msg).unwrap_or(usize::MAX);
        if bytes > MAX_PEER_BYTES {
            self.dropped += 1;
            return;
        }
        self.seq += 1;
        let key = (height.0, round, u64::MAX - self.seq);
        self.entries.insert(key, Entry { peer, bytes, msg });
        let mine = self.by_peer.entry(peer).or_default();
        mine.0.insert(key);
        mine.1 += bytes;
        self.bytes += bytes;
        while let Some((keys, b)) = self.by_peer.get(&peer)
            && (keys.len() > MAX_PEER_MSGS || *b > MAX_PEER_BYTES)
            && let Some(last) = keys.last().copied()
        {
            self.remove(last);
            self.dropped += 1;
        }
        while (self.entries.len() > MAX_TOTAL_MSGS || self.bytes > MAX_TOTAL_BYTES)
            && let Some(last) = self.entries.keys().next_back().copied()
        {
            self.remove(last);
            self.dropped += 1;
        }
    }

    fn remove(&mut self, key: Key) -> Option<Entry> {
        let e = self.entries.remove(&key)?;
        self.bytes -= e.bytes;
        if let Some(mine) = self.by_peer.get_mut(&e.peer) {
            mine.0.remove(&key);
            mine.1 -= e.bytes;
            if mine.0.is_empty() {
                self.by_peer.remove(&e.peer);
            }
        }
        Some(e)
    }

    /// Takes the messages the driver can use at `height` up to round `max_round`, nearest first,
    /// and discards those for heights below `height`.
    pub(crate) fn take_ready(&mut self, height: Height, max_round: u32) -> Vec<(PeerId, WireMsg)> {
        let ready: Vec<Key> =
            self.entries.range(..(height.0, max_round.saturating_add(1), 0)).map(|(k, _)| *k).collect();
        let old = ready.iter().filter(|k| k.0 < height.0).count();
        self.discarded += old as u64;
        ready.into_iter().filter_map(|k| self.remove(k).filter(|_| k.0 == height.0).map(|e| (e.peer, e.msg))).collect()
    }

    /// Messages and bytes held.
    pub(crate) fn size(&self) -> (usize, usize) {
        (self.entries.len(), self.bytes)
    }

    /// Messages dropped over the bounds so far.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Messages discarded unused so far, their height over before the driver got to their round.
    pub(crate) fn discarded(&self) -> u64 {
        self.discarded
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shulian_consensus::SignedVote;
    use shulian_runtime::test_utils::key;
    use shulian_runtime::{Signature, Vote, VoteKind};

    fn vote(height: u64, round: u32) -> WireMsg {
        let vote =
            Vote { chain_id: "c".into(), height: Height(height), round, kind: VoteKind::Prevote, block_hash: None };
        WireMsg::Vote(SignedVote { vote, validator: key(1).public_key(), signature: Signature([0; 64]) })
    }

    #[test]
    fn one_flooding_peer_keeps_only_its_nearest_messages_and_cannot_crowd_out_another() {
        let (flooder, honest) = (PeerId::random(), PeerId::random());
        let mut b = FutureBuffer::default();
        b.insert(honest, vote(5, 0));
        for round in (0..20_000u32).rev() {
            b.insert(flooder, vote(5, round));
        }
        assert_eq!(b.size().0, MAX_PEER_MSGS + 1, "the flooder holds its share, the honest peer its message");
        let ready = b.take_ready(Height(5), 10);
        assert_eq!(ready.len(), 12, "the flooder's nearest rounds 0..=10 were kept, and the honest vote");
        assert!(ready.iter().any(|(p, _)| *p == honest));
        // Older heights are discarded, later ones stay.
        b.insert(honest, vote(9, 0));
        assert!(b.take_ready(Height(6), u32::MAX).is_empty());
        assert_eq!(b.discarded(), 1_000 - 11);
        assert_eq!(b.take_ready(Height(9), 0).len(), 1);
    }

    #[test]
    fn the_total_is_bounded_over_many_peers() {
        let mut b = FutureBuffer::default();
        for _ in 0..30 {
            let p = PeerId::random();
            for round in 0..MAX_PEER_MSGS as u32 {
                b.insert(p, vote(2, round));
            }
        }
        assert_eq!(b.size().0, MAX_TOTAL_MSGS);
        assert!(b.dropped() > 0);
        assert!(b.take_ready(Height(2), u32::MAX).iter().all(|(_, m)| position(m).is_some_and(|(_, r)| r < 400)));
    }
}
