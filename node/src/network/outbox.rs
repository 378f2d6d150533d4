//! Relayed transactions on their way to one peer, in order.
//!
//! libp2p's request-response protocol runs each request on its own stream, and the receiving side
//! reads its inbound streams concurrently: two relayed-transaction messages in flight to one peer
//! may be handled there in either order. A sender's later nonces handled before its earlier ones
//! are refused as future nonces, and those transactions then wait in their entry node's mempool
//! for that node's turn to propose (every fourth block of four validators): the commit-latency
//! tail of docs/benchmarks.md. So one relayed-transaction message is in flight to a peer at a
//! time; what arrives meanwhile waits here and leaves as one message when the peer acknowledges
//! (the acknowledgement is sent on receipt, before admission), so batches grow with the peer's
//! round trip instead of messages piling up. Bounded: beyond [`MAX_WAITING_TXS`] or
//! [`MAX_WAITING_BYTES`] a batch is not relayed to that peer (counted by the caller); the
//! transactions stay in the entry node's mempool and reach the chain through its proposals.

use std::collections::VecDeque;

/// Most transactions waiting for one peer: a second's worth at several times the benchmark's
/// capacity, the size of the API's relay queue.
pub(crate) const MAX_WAITING_TXS: usize = crate::chain::API_RELAY_QUEUE;
/// Most bytes waiting for one peer: sixteen full relayed-transaction messages.
pub(crate) const MAX_WAITING_BYTES: usize = 16 * shulian_runtime::wire::MAX_TXS_MESSAGE_BYTES;

/// What [`Outbox::offer`] did with a batch.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Offer {
    /// Nothing was in flight: send this now (the batch itself).
    Send(Vec<Vec<u8>>),
    /// Queued behind the message in flight.
    Queued,
    /// The outbox is full: this batch is not relayed to the peer.
    Full,
}

/// One peer's relayed transactions: whether a message is in flight, and what waits behind it.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    in_flight: bool,
    waiting: VecDeque<Vec<u8>>,
    bytes: usize,
}

impl Outbox {
    /// A batch to relay: sent at once if nothing is in flight, else queued (or refused if full).
    pub(crate) fn offer(&mut self, batch: Vec<Vec<u8>>) -> Offer {
        if !self.in_flight && self.waiting.is_empty() {
            self.in_flight = true;
            return Offer::Send(batch);
        }
        let bytes: usize = batch.iter().map(Vec::len).sum();
        if self.waiting.len() + batch.len() > MAX_WAITING_TXS || self.bytes + bytes > MAX_WAITING_BYTES {
            return Offer::Full;
        }
        self.bytes += bytes;
        self.waiting.extend(batch);
        Offer::Queued
    }

    /// The message in flight was acknowledged (or failed): the next one, of what waits, in order,
    /// at most `max_txs` transactions and `max_bytes` bytes as encoded (each with its 4-byte
    /// length; at least one transaction).
    pub(crate) fn done(&mut self, max_txs: usize, max_bytes: usize) -> Option<Vec<Vec<u8>>> {
        self.in_flight = false;
        if self.waiting.is_empty() {
            return None;
        }
        let mut batch = Vec::new();
        let mut encoded = 0;
        while let Some(tx) = self.waiting.front() {
            if !batch.is_empty() && (batch.len() >= max_txs || encoded + tx.len() + 4 > max_bytes) {
                break;
            }
            encoded += tx.len() + 4;
            self.bytes -= tx.len();
            batch.extend(self.waiting.pop_front());
        }
        self.in_flight = true;
        Some(batch)
    }

    /// Transactions waiting.
    #[cfg(test)]
    pub(crate) fn waiting(&self) -> usize {
        self.waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn txs(from: u8, n: u8) -> Vec<Vec<u8>> {
        (from..from + n).map(|i| vec![i; 10]).collect()
    }

    #[test]
    fn one_message_in_flight_and_the_rest_leaves_in_order_when_it_is_acknowledged() {
        let mut o = Outbox::default();
        assert_eq!(o.offer(txs(0, 3)), Offer::Send(txs(0, 3)));
        assert_eq!(o.offer(txs(3, 2)), Offer::Queued);
        assert_eq!(o.offer(txs(5, 4)), Offer::Queued);
        // Acknowledged: everything that waited, in order, as one message within the caps.
        assert_eq!(o.done(4, usize::MAX), Some(txs(3, 4)));
        assert_eq!(o.offer(txs(9, 1)), Offer::Queued, "a message is in flight again");
        assert_eq!(o.done(100, 30), Some(txs(7, 2)), "bytes cap: two of 10 bytes and their lengths");
        assert_eq!(o.done(100, 30), Some(txs(9, 1)));
        assert_eq!(o.done(100, 30), None);
        assert_eq!(o.offer(txs(10, 1)), Offer::Send(txs(10, 1)), "nothing in flight: sent at once");
    }

    #[test]
    fn a_full_outbox_refuses_whole_batches_and_keeps_what_it_holds() {
        let mut o = Outbox::default();
        assert!(matches!(o.offer(txs(0, 1)), Offer::Send(_)));
        let many: Vec<Vec<u8>> = (0..MAX_WAITING_TXS).map(|_| vec![1]).collect();
        assert_eq!(o.offer(many), Offer::Queued);
        assert_eq!(o.offer(txs(0, 1)), Offer::Full);
        assert_eq!(o.waiting(), MAX_WAITING_TXS);
        let big = vec![vec![0u8; MAX_WAITING_BYTES + 1]];
        let mut fresh = Outbox::default();
        assert!(matches!(fresh.offer(txs(0, 1)), Offer::Send(_)));
        assert_eq!(fresh.offer(big), Offer::Full, "bytes bound");
        assert_eq!(fresh.waiting(), 0);
    }
}
