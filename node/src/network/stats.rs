//! Counters of what the network dropped or refused, for operators: the network task logs them
//! when they change (at most every [`LOG_EVERY`]), and [`NetHandle::stats`](super::NetHandle::stats)
//! hands them to whoever wants to show them (the API, metrics).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How often changed counters are logged: often enough to see a flood start, rarely enough that
/// a flood does not flood the log.
pub const LOG_EVERY: Duration = Duration::from_secs(10);

macro_rules! counters {
    ($($(#[doc = $doc:literal])+ $name:ident,)+) => {
        /// Drop and refusal counters since the node started (monotonic).
        #[derive(Debug, Default)]
        pub struct NetStats {
            $($(#[doc = $doc])+ pub $name: AtomicU64,)+
        }

        /// A copy of [`NetStats`] at one moment.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
        pub struct NetStatsSnapshot {
            $($(#[doc = $doc])+ pub $name: u64,)+
        }

        impl NetStats {
            /// The counters now.
            pub fn snapshot(&self) -> NetStatsSnapshot {
                NetStatsSnapshot { $($name: self.$name.load(Ordering::Relaxed),)+ }
            }
        }
    };
}

counters! {
    /// Relayed transactions dropped because the sending peer had its share of the admission queue
    /// in flight.
    relayed_txs_dropped_peer_share,
    /// Relayed transactions dropped because the admission queue was full.
    relayed_txs_dropped_queue_full,
    /// Transactions admitted through the API but not relayed: the queue to the network was full
    /// (they stay in this node's mempool).
    api_txs_not_relayed,
    /// Consensus messages (votes, proposals, heads) dropped because the sending peer had its share
    /// of the consensus queue waiting.
    consensus_dropped_peer_share,
    /// Consensus messages dropped because the consensus queue was full.
    consensus_dropped_queue_full,
    /// Messages refused: over their type's size cap or undecodable (refused by the codec), or a
    /// relayed-transaction message with too many or too large transactions.
    messages_refused,
    /// Messages this node did not send: the command queue, or the peer's outbound share, was full.
    outbound_dropped,
    /// Block-sync requests not served: the peer, or all peers together, had their share of serves
    /// running.
    sync_serves_refused,
    /// Peers banned for serving invalid data.
    peers_banned,
}

/// Adds `n` to `counter`.
pub(crate) fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}
