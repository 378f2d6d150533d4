//! The network task: one loop over the swarm's events, commands from the node, the queue of
//! transactions to relay and finished sync serves. It decodes nothing itself (the codec does, under
//! each type's cap) and hands each message to the bounded, per-peer-fair queue of its consumer:
//! relayed transactions to admission, the rest to consensus. Block-sync requests are served off
//! this loop (blocking store reads), a bounded number at a time.

use super::fair::{FairLimits, FairQueue, Refused};
use super::outbox::{Offer, Outbox};
use super::stats::{self, LOG_EVERY, NetStats};
use super::wire::{
    Ack, MAX_TXS_MESSAGE_BYTES, MAX_TXS_PER_MESSAGE, SnapshotRequest, SnapshotResponse, SyncRequest, SyncResponse,
    WireMsg,
};
use super::{Behaviour, BehaviourEvent, Command, NetEvent};
use crate::chain::{Chain, Relayed, RelayedAdmission};
use libp2p::futures::StreamExt;
use libp2p::request_response::{self, OutboundRequestId, ResponseChannel};
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, PeerId, Swarm};
use shulian_runtime::SecretKey;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc, oneshot};

const REDIAL_EVERY: Duration = Duration::from_secs(1);
/// Most transactions sent to peers in one message.
const TX_BATCH: usize = 2_000;
/// [`TX_BATCH`], within what a receiver accepts in one message.
const RELAY_MAX_TXS: usize = if TX_BATCH < MAX_TXS_PER_MESSAGE { TX_BATCH } else { MAX_TXS_PER_MESSAGE };
/// Distinct refused peer ids logged at info level (later ones at debug).
const MAX_REFUSED_LOGGED: usize = 1_000;
/// How long a peer that served invalid block-sync data is refused: long enough that a Byzantine
/// peer stops costing anything, short enough that an honest node banned by mistake (a local
/// fault, say) is back within minutes.
pub const BAN_FOR: Duration = Duration::from_secs(600);
/// Block-sync requests served at once for one peer: a syncing node asks one request at a time.
pub(crate) const MAX_SERVES_PER_PEER: usize = 2;
/// Block-sync requests served at once in all (each a blocking read of up to
/// `MAX_SYNC_BLOCKS` blocks): a few peers catching up at once, without taking every blocking
/// thread from block validation and commits.
pub(crate) const MAX_SERVES: usize = 8;
/// Push messages other than relayed transactions sent to one peer and not yet acknowledged:
/// beyond this, the peer is not reading, and messages to it are dropped (counted) rather than
/// queued without bound. Relayed transactions go one message at a time ([`Outbox`]).
const MAX_OUTBOUND: usize = 1_024;

/// The queue towards consensus: its bounded channel and the fair queue in front of it.
pub(super) struct Queues {
    /// The driver's channel.
    pub ev_tx: mpsc::Sender<NetEvent>,
    /// Bounds of the fair queue.
    pub consensus: FairLimits,
}

struct Served {
    peer: PeerId,
    channel: ResponseChannel<SyncResponse>,
    resp: Option<SyncResponse>,
}

/// A state-sync request served off the loop, and its answer (`None`: could not be read).
struct ServedSnapshot {
    peer: PeerId,
    channel: ResponseChannel<SnapshotResponse>,
    resp: Option<SnapshotResponse>,
}

type SnapshotReply = oneshot::Sender<Result<SnapshotResponse, String>>;

type ConsensusQueue = Arc<Mutex<FairQueue<PeerId, WireMsg>>>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(super) struct NetTask {
    chain: Arc<Chain>,
    #[cfg(feature = "byzantine")]
    key: SecretKey,
    peers: BTreeMap<PeerId, Multiaddr>,
    connected: BTreeSet<PeerId>,
    pending_sync: HashMap<OutboundRequestId, oneshot::Sender<Result<SyncResponse, String>>>,
    admission: RelayedAdmission<PeerId>,
    refused: BTreeSet<String>,
    stats: Arc<NetStats>,
    consensus: ConsensusQueue,
    notify: Arc<Notify>,
    ev_tx: mpsc::Sender<NetEvent>,
    outbound: HashMap<PeerId, usize>,
    /// Each push in flight: its peer, and whether it carries relayed transactions.
    push_out: HashMap<OutboundRequestId, (PeerId, bool)>,
    /// Relayed transactions per peer: one message in flight, the rest waiting in order.
    txs_out: HashMap<PeerId, Outbox>,
    serving: HashMap<PeerId, usize>,
    serve_tx: mpsc::Sender<Served>,
    serve_rx: Option<mpsc::Receiver<Served>>,
    /// Where this node's snapshots are (`None`: it serves none).
    snapshot_dir: Option<std::path::PathBuf>,
    pending_snapshot: HashMap<OutboundRequestId, SnapshotReply>,
    snap_tx: mpsc::Sender<ServedSnapshot>,
    snap_rx: Option<mpsc::Receiver<ServedSnapshot>>,
}

impl NetTask {
    pub(super) fn new(
        chain: Arc<Chain>,
        #[cfg_attr(not(feature = "byzantine"), expect(unused_variables, reason = "only the byzantine build signs"))]
        key: &SecretKey,
        peers: BTreeMap<PeerId, Multiaddr>,
        stats: Arc<NetStats>,
        queues: Queues,
        snapshot_dir: Option<std::path::PathBuf>,
    ) -> anyhow::Result<Self> {
        let (serve_tx, serve_rx) = mpsc::channel(MAX_SERVES);
        let (snap_tx, snap_rx) = mpsc::channel(MAX_SERVES);
        Ok(NetTask {
            admission: RelayedAdmission::start(chain.clone(), stats.clone())?,
            chain,
            #[cfg(feature = "byzantine")]
            key: key.clone(),
            peers,
            connected: BTreeSet::new(),
            pending_sync: HashMap::new(),
            refused: BTreeSet::new(),
            stats,
            consensus: Arc::new(Mutex::new(FairQueue::new(queues.consensus))),
            notify: Arc::new(Notify::new()),
            ev_tx: queues.ev_tx,
            outbound: HashMap::new(),
            push_out: HashMap::new(),
            txs_out: HashMap::new(),
            serving: HashMap::new(),
            serve_tx,
            serve_rx: Some(serve_rx),
            snapshot_dir,
            pending_snapshot: HashMap::new(),
            snap_tx,
            snap_rx: Some(snap_rx),
        })
    }

    pub(super) async fn run(
        mut self,
        mut swarm: Swarm<Behaviour>,
        mut cmd_rx: mpsc::Receiver<Command>,
        mut tx_relay: mpsc::Receiver<Vec<u8>>,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        tokio::spawn(forward(self.consensus.clone(), self.notify.clone(), self.ev_tx.clone()));
        let Some(mut served) = self.serve_rx.take() else { return };
        let Some(mut snap_served) = self.snap_rx.take() else { return };
        let mut redial = tokio::time::interval(REDIAL_EVERY);
        let mut report = tokio::time::interval(LOG_EVERY);
        let mut reported = self.stats.snapshot();
        let max_tx = self.relay_max_tx();
        loop {
            tokio::select! {
                ev = swarm.select_next_some() => self.on_swarm_event(&mut swarm, ev),
                Some(cmd) = cmd_rx.recv() => self.on_command(&mut swarm, cmd),
                Some(tx) = tx_relay.recv() => {
                    let batch = relay_batch(tx, &mut tx_relay, max_tx);
                    if !batch.is_empty() {
                        self.relay(&mut swarm, batch);
                    }
                }
                Some(s) = served.recv() => self.on_served(&mut swarm, s),
                Some(s) = snap_served.recv() => self.on_snapshot_served(&mut swarm, s),
                _ = redial.tick() => self.redial(&mut swarm),
                _ = report.tick() => {
                    let now = self.stats.snapshot();
                    if now != reported {
                        tracing::warn!(target: "network", stats = ?now, "messages dropped or refused (counts since start)");
                        reported = now;
                    }
                }
                _ = shutdown.changed() => {
                    if *shutdown.borrow() { return; }
                }
            }
        }
    }

    fn redial(&mut self, swarm: &mut Swarm<Behaviour>) {
        self.allow_validators(swarm);
        for (peer, addr) in &self.peers {
            if self.connected.contains(peer) || swarm.is_connected(peer) || swarm.behaviour_mut().guard.is_banned(peer)
            {
                continue;
            }
            if let Err(e) = swarm.dial(addr.clone()) {
                tracing::debug!(target: "network", %peer, error = %e, "dial failed");
            }
        }
    }

    /// Allows the validators of the set in force and of the set pending activation (governance
    /// added them, or an operator rotated a key): a validator added to the set must be able to
    /// connect before it signs. Nobody is taken off the list: a removed validator's node keeps
    /// following the chain as an observer.
    fn allow_validators(&mut self, swarm: &mut Swarm<Behaviour>) {
        let mut keys: Vec<_> = self.chain.validators().validators.iter().map(|v| v.public_key).collect();
        match shulian_runtime::valset::pending_set(self.chain.store()) {
            Ok(p) => keys.extend(p.validators.iter().map(|v| v.public_key)),
            Err(e) => tracing::warn!(target: "network", error = %e, "cannot read the pending validator set"),
        }
        for k in keys {
            if let Ok(p) = super::peer_id_of(&k) {
                swarm.behaviour_mut().allow.allow_peer(p);
            }
        }
    }

    /// Sends `msg` to every connected peer as it is (at most [`MAX_OUTBOUND`] in flight to one
    /// peer). Transactions admitted through the API go through [`NetTask::relay`] instead; only
    /// the test-only Byzantine flood sends them here, as a hostile peer would, ignoring the order.
    fn broadcast(&mut self, swarm: &mut Swarm<Behaviour>, msg: WireMsg) {
        for peer in &self.connected {
            let n = self.outbound.entry(*peer).or_insert(0);
            if *n >= MAX_OUTBOUND {
                stats::add(&self.stats.outbound_dropped, 1);
                continue;
            }
            *n += 1;
            let id = swarm.behaviour_mut().push.send_request(peer, msg.clone());
            self.push_out.insert(id, (*peer, false));
        }
    }

    /// The largest transaction relayed: the chain's limit, and at most half a message.
    fn relay_max_tx(&self) -> usize {
        self.chain.limits().max_tx_bytes.min(MAX_TXS_MESSAGE_BYTES / 2)
    }

    /// Relays transactions to every connected peer through its [`Outbox`]: sent now if no
    /// relayed-transaction message is in flight to it, else in order behind the one that is.
    fn relay(&mut self, swarm: &mut Swarm<Behaviour>, batch: Vec<Vec<u8>>) {
        for peer in &self.connected {
            match self.txs_out.entry(*peer).or_default().offer(batch.clone()) {
                Offer::Send(b) => {
                    let id = swarm.behaviour_mut().push.send_request(peer, WireMsg::Txs(b));
                    self.push_out.insert(id, (*peer, true));
                }
                Offer::Queued => {}
                Offer::Full => stats::add(&self.stats.outbound_dropped, 1),
            }
        }
    }

    fn push_done(&mut self, swarm: &mut Swarm<Behaviour>, id: OutboundRequestId) {
        match self.push_out.remove(&id) {
            Some((peer, false)) => {
                if let Some(n) = self.outbound.get_mut(&peer) {
                    *n = n.saturating_sub(1);
                }
            }
            Some((peer, true)) => {
                let budget = relay_budget(self.relay_max_tx());
                let next = self.txs_out.get_mut(&peer).and_then(|o| o.done(RELAY_MAX_TXS, budget));
                if let Some(b) = next {
                    let id = swarm.behaviour_mut().push.send_request(&peer, WireMsg::Txs(b));
                    self.push_out.insert(id, (peer, true));
                }
            }
            None => {}
        }
    }

    fn on_command(&mut self, swarm: &mut Swarm<Behaviour>, cmd: Command) {
        match cmd {
            Command::Broadcast(msg) => self.broadcast(swarm, msg),
            Command::Sync { peer, req, reply } => {
                let id = swarm.behaviour_mut().sync.send_request(&peer, req);
                self.pending_sync.insert(id, reply);
            }
            Command::Snapshot { peer, req, reply } => {
                let id = swarm.behaviour_mut().snapshot.send_request(&peer, req);
                self.pending_snapshot.insert(id, reply);
            }
            Command::Ban { peer, reason } => {
                #[expect(clippy::disallowed_methods, reason = "a ban lasts BAN_FOR from now")]
                let until = Instant::now() + BAN_FOR;
                swarm.behaviour_mut().guard.ban(peer, until);
                let _ = swarm.disconnect_peer_id(peer);
                stats::add(&self.stats.peers_banned, 1);
                tracing::warn!(target: "network", %peer, %reason, secs = BAN_FOR.as_secs(), "banned a peer that served invalid data");
            }
        }
    }

    fn on_swarm_event(&mut self, swarm: &mut Swarm<Behaviour>, ev: SwarmEvent<BehaviourEvent>) {
        match ev {
            SwarmEvent::ConnectionEstablished { peer_id, num_established, .. } if self.connected.insert(peer_id) => {
                tracing::info!(target: "network", peer = %peer_id, connections = num_established.get(), "peer connected");
                self.chain.peer_view().connected(peer_id);
            }
            SwarmEvent::ConnectionClosed { peer_id, num_established: 0, cause, .. } => {
                self.connected.remove(&peer_id);
                // What waited for it reaches the chain through its entry node's proposals.
                self.txs_out.remove(&peer_id);
                self.chain.peer_view().disconnected(&peer_id);
                tracing::info!(target: "network", peer = %peer_id, cause = ?cause.map(|c| c.to_string()), "peer disconnected");
            }
            SwarmEvent::IncomingConnectionError {
                send_back_addr,
                error: libp2p::swarm::ListenError::Denied { cause },
                peer_id,
                ..
            } if cause.downcast_ref::<libp2p::allow_block_list::NotAllowed>().is_some() => {
                // Logged once per peer id at info, so an operator sees who knocked without a log
                // line every redial.
                let peer = peer_id.map(|p| p.to_string()).unwrap_or_else(|| "unknown".into());
                self.chain.metrics().peer_refused("not_allowed");
                if self.refused.len() < MAX_REFUSED_LOGGED && self.refused.insert(peer.clone()) {
                    tracing::warn!(target: "network", %peer, from = %send_back_addr, "refused a peer that is not on the allow-list");
                } else {
                    tracing::debug!(target: "network", %peer, from = %send_back_addr, "refused a peer that is not on the allow-list");
                }
            }
            SwarmEvent::IncomingConnectionError {
                send_back_addr,
                error: libp2p::swarm::ListenError::Denied { cause },
                peer_id,
                ..
            } => {
                // Over a connection limit, or banned: a warning once per cause and address (a
                // flood from one address would otherwise flood the log), counted every time.
                let reason = match cause.downcast_ref::<super::guard::GuardError>() {
                    Some(super::guard::GuardError::TooManyFromIp { .. }) => "too_many_from_ip",
                    Some(super::guard::GuardError::Banned(_)) => "banned",
                    None => "limit",
                };
                self.chain.metrics().peer_refused(reason);
                let peer = peer_id.map(|p| p.to_string()).unwrap_or_else(|| "unknown".into());
                let key = format!("{reason} {}", ip_of(&send_back_addr));
                if self.refused.len() < MAX_REFUSED_LOGGED && self.refused.insert(key) {
                    tracing::warn!(target: "network", %peer, from = %send_back_addr, reason, %cause, "refused a peer's connection");
                } else {
                    tracing::debug!(target: "network", %peer, from = %send_back_addr, reason, %cause, "refused a peer's connection");
                }
            }
            SwarmEvent::IncomingConnectionError { send_back_addr, error, .. } => {
                tracing::debug!(target: "network", from = %send_back_addr, %error, "refused incoming connection");
            }
            SwarmEvent::Behaviour(BehaviourEvent::Push(ev)) => self.on_push(swarm, ev),
            SwarmEvent::Behaviour(BehaviourEvent::Sync(ev)) => self.on_sync(swarm, ev),
            SwarmEvent::Behaviour(BehaviourEvent::Snapshot(ev)) => self.on_snapshot(ev),
            _ => {}
        }
    }

    fn on_push(&mut self, swarm: &mut Swarm<Behaviour>, ev: request_response::Event<WireMsg, Ack>) {
        let (peer, request, channel) = match ev {
            request_response::Event::Message {
                peer,
                message: request_response::Message::Request { request, channel, .. },
                ..
            } => (peer, request, channel),
            request_response::Event::Message {
                message: request_response::Message::Response { request_id, .. },
                ..
            } => return self.push_done(swarm, request_id),
            request_response::Event::OutboundFailure { request_id, .. } => return self.push_done(swarm, request_id),
            request_response::Event::InboundFailure { peer, error, .. } => {
                tracing::debug!(target: "network", %peer, %error, "bad message from peer");
                return;
            }
            request_response::Event::ResponseSent { .. } => return,
        };
        let _ = swarm.behaviour_mut().push.send_response(channel, Ack);
        match request {
            WireMsg::Txs(txs) => self.on_txs(peer, txs),
            msg => {
                let bytes = borsh::object_length(&msg).unwrap_or(usize::MAX / 4);
                let kind = msg.kind();
                match lock(&self.consensus).push(peer, msg, bytes) {
                    Ok(()) => self.notify.notify_one(),
                    Err(Refused::PeerShare) => {
                        stats::add(&self.stats.consensus_dropped_peer_share, 1);
                        tracing::debug!(target: "network", %peer, kind, "peer's share of the consensus queue full, dropping a message");
                    }
                    Err(Refused::Full) => {
                        stats::add(&self.stats.consensus_dropped_queue_full, 1);
                        tracing::debug!(target: "network", %peer, kind, "consensus queue full, dropping a message");
                    }
                }
            }
        }
    }

    fn on_txs(&mut self, peer: PeerId, txs: Vec<Vec<u8>>) {
        let max_tx = self.chain.limits().max_tx_bytes;
        if txs.len() > MAX_TXS_PER_MESSAGE || txs.iter().any(|t| t.len() > max_tx) {
            stats::add(&self.stats.messages_refused, 1);
            tracing::debug!(target: "network", %peer, txs = txs.len(), "refused a relayed-transaction message over the limits");
            return;
        }
        let n = txs.len() as u64;
        match self.admission.push(peer, txs) {
            Relayed::Queued => {}
            Relayed::PeerShare => stats::add(&self.stats.relayed_txs_dropped_peer_share, n),
            Relayed::Full => stats::add(&self.stats.relayed_txs_dropped_queue_full, n),
            Relayed::Stopped => tracing::warn!(target: "network", "transaction admission thread stopped"),
        }
    }

    fn on_sync(&mut self, swarm: &mut Swarm<Behaviour>, ev: request_response::Event<SyncRequest, SyncResponse>) {
        match ev {
            request_response::Event::Message { message, peer, .. } => match message {
                request_response::Message::Request { request, channel, .. } => self.serve(peer, request, channel),
                request_response::Message::Response { request_id, response } => {
                    if let Some(reply) = self.pending_sync.remove(&request_id) {
                        let _ = reply.send(Ok(response));
                    }
                }
            },
            request_response::Event::OutboundFailure { request_id, error, peer, .. } => {
                if let Some(reply) = self.pending_sync.remove(&request_id) {
                    let _ = reply.send(Err(format!("sync request to {peer} failed: {error}")));
                }
            }
            _ => {}
        }
        let _ = swarm;
    }

    /// Serves a sync request on a blocking thread, unless the peer or all peers have their share
    /// of serves running (then the request is dropped: the peer sees a failed request, not an
    /// empty answer, and asks again or elsewhere).
    fn serve(&mut self, peer: PeerId, req: SyncRequest, channel: ResponseChannel<SyncResponse>) {
        let mine = self.serving.get(&peer).copied().unwrap_or(0);
        let total: usize = self.serving.values().sum();
        if mine >= MAX_SERVES_PER_PEER || total >= MAX_SERVES {
            stats::add(&self.stats.sync_serves_refused, 1);
            tracing::debug!(target: "network", %peer, from = req.from.0, "too many sync serves running, dropping a request");
            return;
        }
        self.serving.insert(peer, mine + 1);
        let chain = self.chain.clone();
        let out = self.serve_tx.clone();
        #[cfg(feature = "byzantine")]
        let key = self.key.clone();
        tokio::task::spawn_blocking(move || {
            #[cfg(feature = "byzantine")]
            if let Some(resp) = crate::consensus::byzantine::forged_sync(&chain, &key, &req) {
                let _ = out.blocking_send(Served { peer, channel, resp: Some(resp) });
                return;
            }
            let resp = match crate::consensus::sync::serve(&chain, &req) {
                Ok(resp) => Some(resp),
                Err(e) => {
                    tracing::warn!(target: "network", %peer, from = req.from.0, error = %e, "cannot read blocks to serve");
                    None
                }
            };
            // Never blocks: at most MAX_SERVES serves run, and the channel holds that many.
            let _ = out.blocking_send(Served { peer, channel, resp });
        });
    }

    fn on_snapshot(&mut self, ev: request_response::Event<SnapshotRequest, SnapshotResponse>) {
        match ev {
            request_response::Event::Message { message, peer, .. } => match message {
                request_response::Message::Request { request, channel, .. } => {
                    self.serve_snapshot(peer, request, channel)
                }
                request_response::Message::Response { request_id, response } => {
                    if let Some(reply) = self.pending_snapshot.remove(&request_id) {
                        let _ = reply.send(Ok(response));
                    }
                }
            },
            request_response::Event::OutboundFailure { request_id, error, peer, .. } => {
                if let Some(reply) = self.pending_snapshot.remove(&request_id) {
                    let _ = reply.send(Err(format!("snapshot request to {peer} failed: {error}")));
                }
            }
            _ => {}
        }
    }

    /// Serves a state-sync request on a blocking thread, within the same per-peer and total
    /// shares as block-sync serves (a request over them is dropped: the peer sees a failure).
    fn serve_snapshot(&mut self, peer: PeerId, req: SnapshotRequest, channel: ResponseChannel<SnapshotResponse>) {
        let mine = self.serving.get(&peer).copied().unwrap_or(0);
        let total: usize = self.serving.values().sum();
        let Some(dir) = self.snapshot_dir.clone() else { return };
        if mine >= MAX_SERVES_PER_PEER || total >= MAX_SERVES {
            stats::add(&self.stats.sync_serves_refused, 1);
            tracing::debug!(target: "network", %peer, ?req, "too many serves running, dropping a snapshot request");
            return;
        }
        self.serving.insert(peer, mine + 1);
        let chain = self.chain.clone();
        let out = self.snap_tx.clone();
        tokio::task::spawn_blocking(move || {
            let resp = match crate::snapshot::serve::serve(&chain, &dir, &req) {
                Ok(resp) => Some(resp),
                Err(e) => {
                    tracing::warn!(target: "network", %peer, ?req, error = %e, "cannot read what a snapshot request asks");
                    None
                }
            };
            // Never blocks: at most MAX_SERVES serves run, and the channel holds that many.
            let _ = out.blocking_send(ServedSnapshot { peer, channel, resp });
        });
    }

    fn on_snapshot_served(&mut self, swarm: &mut Swarm<Behaviour>, s: ServedSnapshot) {
        self.serve_done(s.peer);
        if let Some(resp) = s.resp {
            let _ = swarm.behaviour_mut().snapshot.send_response(s.channel, resp);
        }
    }

    fn serve_done(&mut self, peer: PeerId) {
        if let Some(n) = self.serving.get_mut(&peer) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.serving.remove(&peer);
            }
        }
    }

    fn on_served(&mut self, swarm: &mut Swarm<Behaviour>, s: Served) {
        self.serve_done(s.peer);
        if let Some(resp) = s.resp {
            tracing::debug!(target: "network", peer = %s.peer, blocks = resp.blocks.len(), "served blocks");
            let _ = swarm.behaviour_mut().sync.send_response(s.channel, resp);
        }
    }
}

/// Moves consensus messages from the fair queue to the driver's channel, waiting while the
/// driver is busy (the fair queue, not the channel, is where messages wait).
async fn forward(queue: ConsensusQueue, notify: Arc<Notify>, ev_tx: mpsc::Sender<NetEvent>) {
    loop {
        let next = lock(&queue).pop();
        match next {
            Some((peer, msg)) => {
                if ev_tx.send(NetEvent::Message { peer, msg }).await.is_err() {
                    return;
                }
            }
            None => notify.notified().await,
        }
    }
}

/// Bytes of transactions (each with its length) one relayed-transaction message may carry, so that
/// one more of up to `max_tx` bytes still fits: borsh writes 4 bytes of count, then 4 bytes of
/// length before each transaction.
fn relay_budget(max_tx: usize) -> usize {
    MAX_TXS_MESSAGE_BYTES - 4 - (max_tx + 4)
}

/// One relayed-transaction message: `first` and whatever else waits, up to [`TX_BATCH`]
/// transactions and under [`MAX_TXS_MESSAGE_BYTES`] (a transaction over `max_tx` is not relayed;
/// admission refused it anyway).
fn relay_batch(first: Vec<u8>, rx: &mut mpsc::Receiver<Vec<u8>>, max_tx: usize) -> Vec<Vec<u8>> {
    let budget = relay_budget(max_tx);
    let mut bytes = 0;
    let mut batch = Vec::new();
    let mut next = Some(first);
    while let Some(tx) = next.take() {
        if tx.len() <= max_tx {
            bytes += tx.len() + 4;
            batch.push(tx);
        }
        if batch.len() >= RELAY_MAX_TXS || bytes > budget {
            break;
        }
        next = rx.try_recv().ok();
    }
    batch
}

/// The IP part of a peer's address (the whole address if it has none), for rate-limited logs.
fn ip_of(addr: &libp2p::Multiaddr) -> String {
    use libp2p::multiaddr::Protocol;
    addr.iter()
        .find_map(|p| match p {
            Protocol::Ip4(ip) => Some(ip.to_string()),
            Protocol::Ip6(ip) => Some(ip.to_string()),
            _ => None,
        })
        .unwrap_or_else(|| addr.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relay_batches_stay_under_the_message_caps() {
        let (tx, mut rx) = mpsc::channel(10_000);
        for _ in 0..5_000 {
            tx.try_send(vec![1; 100]).expect("room");
        }
        let b = relay_batch(vec![1; 100], &mut rx, 64 * 1024);
        assert_eq!(b.len(), TX_BATCH, "count-bound");
        for _ in 0..100 {
            tx.try_send(vec![1; 60 * 1024]).expect("room");
        }
        let mut rx2 = rx;
        while rx2.try_recv().ok().is_some_and(|t| t.len() == 100) {}
        let b = relay_batch(vec![1; 60 * 1024], &mut rx2, 64 * 1024);
        let encoded = borsh::object_length(&WireMsg::Txs(b.clone())).expect("len");
        assert!(encoded <= MAX_TXS_MESSAGE_BYTES, "{encoded} bytes");
        assert!(b.len() > 10, "byte-bound, not one by one: {}", b.len());
        while rx2.try_recv().is_ok() {}
        assert!(relay_batch(vec![0; 70 * 1024], &mut rx2, 64 * 1024).is_empty(), "over the tx limit: not relayed");
    }
}
