//! Networking between nodes over libp2p: TCP + noise + yamux, a push protocol for transactions,
//! proposals, votes and head announcements, and a request-response protocol for block sync.
//! Permissioned: only peer ids on the allow-list (the genesis validators' keys plus configured
//! extra peers) may connect. It is transport only: it never executes or commits anything, and
//! decides nothing about what it carries. It hands messages to consensus, relayed transactions to
//! the chain's admission queue and sync requests to `consensus::sync`.

pub mod codec;
pub mod wire;

use crate::chain::{Chain, RelayedAdmission};
use codec::BorshCodec;
use libp2p::allow_block_list::{self, AllowedPeers};
use libp2p::futures::StreamExt;
use libp2p::request_response::{self, OutboundRequestId, ProtocolSupport};
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{Multiaddr, PeerId, StreamProtocol, Swarm, identity};
use shulian_runtime::{PublicKey, SecretKey};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use wire::{Ack, MAX_MESSAGE_BYTES, MAX_SYNC_RESPONSE_BYTES, SyncRequest, SyncResponse, WireMsg};

const PUSH_PROTOCOL: &str = "/shulian/push/1";
const SYNC_PROTOCOL: &str = "/shulian/sync/1";
const REDIAL_EVERY: Duration = Duration::from_secs(1);
/// Most transactions sent to peers in one message.
const TX_BATCH: usize = 2_000;
/// Distinct refused peer ids logged at info level (later ones at debug).
const MAX_REFUSED_LOGGED: usize = 1_000;

/// How a node joins the network.
#[derive(Clone, Debug)]
pub struct NetworkConfig {
    /// Address to listen on, e.g. `/ip4/127.0.0.1/tcp/26656`.
    pub listen: Multiaddr,
    /// Peers to dial and keep connected, each ending in `/p2p/<peer id>`.
    pub peers: Vec<Multiaddr>,
    /// Peer ids allowed to connect besides the validators.
    pub extra_allowed: Vec<PeerId>,
}

/// A message from the network for consensus.
#[derive(Debug)]
pub enum NetEvent {
    /// A consensus message (proposal, vote or status) from `peer`.
    Message {
        /// Sender.
        peer: PeerId,
        /// The message.
        msg: WireMsg,
    },
}

enum Command {
    Broadcast(WireMsg),
    Sync { peer: PeerId, req: SyncRequest, reply: oneshot::Sender<Result<SyncResponse, String>> },
}

/// A handle to the running network task.
#[derive(Clone)]
pub struct NetHandle {
    cmd: mpsc::UnboundedSender<Command>,
    local: PeerId,
}

impl NetHandle {
    /// Sends `msg` to every connected peer.
    pub fn broadcast(&self, msg: WireMsg) {
        let _ = self.cmd.send(Command::Broadcast(msg));
    }

    /// Asks `peer` for committed blocks.
    pub async fn sync(&self, peer: PeerId, req: SyncRequest) -> Result<SyncResponse, String> {
        let (reply, rx) = oneshot::channel();
        self.cmd.send(Command::Sync { peer, req, reply }).map_err(|_| "network stopped".to_string())?;
        rx.await.map_err(|_| "network stopped".to_string())?
    }

    /// This node's peer id.
    pub fn local_peer_id(&self) -> PeerId {
        self.local
    }
}

/// The libp2p identity of a node whose consensus key is `key`: a validator's peer id is a function
/// of its public key, so the genesis file alone says who may connect.
pub fn identity_of(key: &SecretKey) -> anyhow::Result<identity::Keypair> {
    let mut bytes = key.to_bytes();
    Ok(identity::Keypair::ed25519_from_bytes(&mut bytes)?)
}

/// The peer id of a node whose consensus public key is `pk`.
pub fn peer_id_of(pk: &PublicKey) -> anyhow::Result<PeerId> {
    let ed = identity::ed25519::PublicKey::try_from_bytes(&pk.0)?;
    Ok(identity::PublicKey::from(ed).to_peer_id())
}

#[derive(NetworkBehaviour)]
struct Behaviour {
    allow: allow_block_list::Behaviour<AllowedPeers>,
    push: request_response::Behaviour<BorshCodec<WireMsg, Ack>>,
    sync: request_response::Behaviour<BorshCodec<SyncRequest, SyncResponse>>,
}

/// Starts the network task. Returns the handle, the stream of consensus messages and the address
/// actually listened on.
pub async fn start(
    cfg: NetworkConfig,
    key: &SecretKey,
    chain: Arc<Chain>,
    mut tx_relay: mpsc::UnboundedReceiver<Vec<u8>>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<(NetHandle, mpsc::Receiver<NetEvent>, Multiaddr)> {
    let rr_cfg = request_response::Config::default()
        .with_request_timeout(Duration::from_secs(20))
        .with_max_concurrent_streams(10_000);
    let mut swarm = libp2p::SwarmBuilder::with_existing_identity(identity_of(key)?)
        .with_tokio()
        .with_tcp(
            libp2p::tcp::Config::default().nodelay(true),
            libp2p::noise::Config::new,
            libp2p::yamux::Config::default,
        )?
        .with_behaviour(|_| Behaviour {
            allow: allow_block_list::Behaviour::default(),
            push: request_response::Behaviour::with_codec(
                BorshCodec::new(MAX_MESSAGE_BYTES, 64),
                [(StreamProtocol::new(PUSH_PROTOCOL), ProtocolSupport::Full)],
                rr_cfg.clone(),
            ),
            sync: request_response::Behaviour::with_codec(
                BorshCodec::new(1024, MAX_SYNC_RESPONSE_BYTES),
                [(StreamProtocol::new(SYNC_PROTOCOL), ProtocolSupport::Full)],
                rr_cfg,
            ),
        })?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(3600)))
        .build();
    for p in allowed_list(&chain, &cfg)? {
        swarm.behaviour_mut().allow.allow_peer(p);
    }
    swarm.listen_on(cfg.listen.clone())?;
    let listen = loop {
        match swarm.select_next_some().await {
            SwarmEvent::NewListenAddr { address, .. } => break address,
            SwarmEvent::ListenerError { error, .. } => anyhow::bail!("cannot listen on {}: {error}", cfg.listen),
            SwarmEvent::ListenerClosed { reason: Err(error), .. } => {
                anyhow::bail!("cannot listen on {}: {error}", cfg.listen)
            }
            _ => {}
        }
    };
    let local = *swarm.local_peer_id();
    tracing::info!(target: "network", peer_id = %local, %listen, peers = cfg.peers.len(), "listening");
    let (cmd_tx, mut cmd_rx) = mpsc::unbounded_channel();
    let (ev_tx, ev_rx) = mpsc::channel(100_000);
    let mut task = NetTask {
        admission: RelayedAdmission::start(chain.clone())?,
        chain,
        peers: cfg.peers.iter().filter_map(|a| peer_of(a).map(|p| (p, a.clone()))).collect(),
        connected: BTreeSet::new(),
        pending_sync: HashMap::new(),
        ev_tx,
        refused: BTreeSet::new(),
    };
    tokio::spawn(async move {
        let mut redial = tokio::time::interval(REDIAL_EVERY);
        loop {
            tokio::select! {
                ev = swarm.select_next_some() => task.on_swarm_event(&mut swarm, ev),
                Some(cmd) = cmd_rx.recv() => task.on_command(&mut swarm, cmd),
                Some(tx) = tx_relay.recv() => {
                    let mut batch = vec![tx];
                    while batch.len() < TX_BATCH {
                        match tx_relay.try_recv() {
                            Ok(tx) => batch.push(tx),
                            Err(_) => break,
                        }
                    }
                    task.broadcast(&mut swarm, WireMsg::Txs(batch));
                }
                _ = redial.tick() => task.redial(&mut swarm),
                _ = shutdown.changed() => {
                    if *shutdown.borrow() { return; }
                }
            }
        }
    });
    Ok((NetHandle { cmd: cmd_tx, local }, ev_rx, listen))
}

fn allowed_list(chain: &Chain, cfg: &NetworkConfig) -> anyhow::Result<Vec<PeerId>> {
    let mut out = Vec::new();
    for v in &chain.validators().validators {
        out.push(peer_id_of(&v.public_key)?);
    }
    out.extend(cfg.extra_allowed.iter().copied());
    Ok(out)
}

/// The peer id at the end of a `/p2p/...` address.
pub fn peer_of(addr: &Multiaddr) -> Option<PeerId> {
    addr.iter().find_map(|p| match p {
        libp2p::multiaddr::Protocol::P2p(id) => Some(id),
        _ => None,
    })
}

struct NetTask {
    chain: Arc<Chain>,
    peers: BTreeMap<PeerId, Multiaddr>,
    connected: BTreeSet<PeerId>,
    pending_sync: HashMap<OutboundRequestId, oneshot::Sender<Result<SyncResponse, String>>>,
    ev_tx: mpsc::Sender<NetEvent>,
    admission: RelayedAdmission,
    refused: BTreeSet<String>,
}

impl NetTask {
    fn redial(&mut self, swarm: &mut Swarm<Behaviour>) {
        for (peer, addr) in &self.peers {
            if self.connected.contains(peer) || swarm.is_connected(peer) {
                continue;
            }
            if let Err(e) = swarm.dial(addr.clone()) {
                tracing::debug!(target: "network", %peer, error = %e, "dial failed");
            }
        }
    }

    fn broadcast(&mut self, swarm: &mut Swarm<Behaviour>, msg: WireMsg) {
        for peer in &self.connected {
            swarm.behaviour_mut().push.send_request(peer, msg.clone());
        }
    }

    fn on_command(&mut self, swarm: &mut Swarm<Behaviour>, cmd: Command) {
        match cmd {
            Command::Broadcast(msg) => self.broadcast(swarm, msg),
            Command::Sync { peer, req, reply } => {
                let id = swarm.behaviour_mut().sync.send_request(&peer, req);
                self.pending_sync.insert(id, reply);
            }
        }
    }

    fn on_swarm_event(&mut self, swarm: &mut Swarm<Behaviour>, ev: SwarmEvent<BehaviourEvent>) {
        match ev {
            SwarmEvent::ConnectionEstablished { peer_id, num_established, .. } if self.connected.insert(peer_id) => {
                tracing::info!(target: "network", peer = %peer_id, connections = num_established.get(), "peer connected");
            }
            SwarmEvent::ConnectionClosed { peer_id, num_established: 0, cause, .. } => {
                self.connected.remove(&peer_id);
                tracing::info!(target: "network", peer = %peer_id, cause = ?cause.map(|c| c.to_string()), "peer disconnected");
            }
            SwarmEvent::IncomingConnectionError {
                send_back_addr,
                error: libp2p::swarm::ListenError::Denied { .. },
                peer_id,
                ..
            } => {
                // Logged once per peer id at info, so an operator sees who knocked without a log
                // line every redial.
                let peer = peer_id.map(|p| p.to_string()).unwrap_or_else(|| "unknown".into());
                if self.refused.len() < MAX_REFUSED_LOGGED && self.refused.insert(peer.clone()) {
                    tracing::info!(target: "network", %peer, from = %send_back_addr, "refused a peer that is not on the allow-list");
                } else {
                    tracing::debug!(target: "network", %peer, from = %send_back_addr, "refused a peer that is not on the allow-list");
                }
            }
            SwarmEvent::IncomingConnectionError { send_back_addr, error, .. } => {
                tracing::debug!(target: "network", from = %send_back_addr, %error, "refused incoming connection");
            }
            SwarmEvent::Behaviour(BehaviourEvent::Push(ev)) => self.on_push(swarm, ev),
            SwarmEvent::Behaviour(BehaviourEvent::Sync(ev)) => self.on_sync(swarm, ev),
            _ => {}
        }
    }

    fn on_push(&mut self, swarm: &mut Swarm<Behaviour>, ev: request_response::Event<WireMsg, Ack>) {
        let request_response::Event::Message { peer, message, .. } = ev else {
            if let request_response::Event::InboundFailure { peer, error, .. } = ev {
                tracing::debug!(target: "network", %peer, %error, "bad message from peer");
            }
            return;
        };
        let request_response::Message::Request { request, channel, .. } = message else { return };
        let _ = swarm.behaviour_mut().push.send_response(channel, Ack);
        match request {
            WireMsg::Txs(txs) => {
                if !self.admission.push(txs) {
                    tracing::warn!(target: "network", "transaction admission thread stopped");
                }
            }
            msg => {
                if self.ev_tx.try_send(NetEvent::Message { peer, msg }).is_err() {
                    tracing::warn!(target: "network", %peer, "consensus queue full, dropping a message");
                }
            }
        }
    }

    fn on_sync(&mut self, swarm: &mut Swarm<Behaviour>, ev: request_response::Event<SyncRequest, SyncResponse>) {
        match ev {
            request_response::Event::Message { message, peer, .. } => match message {
                request_response::Message::Request { request, channel, .. } => {
                    let resp = crate::consensus::sync::serve(&self.chain, &request);
                    tracing::debug!(target: "network", %peer, from = request.from.0, blocks = resp.blocks.len(), "served blocks");
                    let _ = swarm.behaviour_mut().sync.send_response(channel, resp);
                }
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
    }
}
