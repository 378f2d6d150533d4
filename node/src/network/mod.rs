//! Networking between nodes over libp2p: TCP + noise + yamux, a push protocol for transactions,
//! proposals, votes and head announcements, and a request-response protocol for block sync.
//! Permissioned: only peer ids on the allow-list (the genesis validators' keys plus configured
//! extra peers) may connect. It is transport only: it never executes or commits anything, and
//! decides nothing about what it carries. It hands messages to consensus, relayed transactions to
//! the chain's admission queue and sync requests to `consensus::sync`. Every queue between it and
//! the rest of the node is bounded, each peer has its own bounded share of each, and every
//! message type has its own size cap (docs/consensus.md, "Wire limits").

pub mod codec;
pub mod fair;
pub mod guard;
mod outbox;
pub mod stats;
mod task;
pub mod wire;

use crate::chain::{Chain, TxRelay};
use codec::BorshCodec;
use libp2p::allow_block_list;
use libp2p::connection_limits::{self, ConnectionLimits};
use libp2p::futures::StreamExt;
use libp2p::request_response::{self, ProtocolSupport};
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{Multiaddr, PeerId, StreamProtocol, identity};
use shulian_runtime::suite::CryptoSuite;
use shulian_runtime::wire::{MAX_SMALL_MESSAGE_BYTES, max_body_bytes, max_proposal_bytes};
use shulian_runtime::{PublicKey, SecretKey};
pub use stats::{NetStats, NetStatsSnapshot};
use std::sync::Arc;
use std::time::Duration;
pub use task::BAN_FOR;
use tokio::sync::{mpsc, oneshot};
use wire::{
    Ack, MAX_MESSAGE_BYTES, MAX_SNAPSHOT_REQUEST_BYTES, MAX_SYNC_RESPONSE_BYTES, SnapshotRequest, SnapshotResponse,
    SyncRequest, SyncResponse, WireMsg, max_snapshot_response_bytes,
};

const PUSH_PROTOCOL: &str = "/shulian/push/1";
const SYNC_PROTOCOL: &str = "/shulian/sync/1";
/// State sync: snapshot lists, manifests, chunks, and headers with certificates. A protocol of
/// its own next to block sync's, so a node that does not know it simply refuses the stream.
const SNAPSHOT_PROTOCOL: &str = "/shulian/snapshot/1";

/// Commands (broadcasts, sync requests, bans) waiting for the network task. The task takes them
/// as fast as it can; a full queue means it is stuck, and a broadcast is then dropped (counted)
/// rather than queued without bound (consensus re-sends its votes and head every status interval).
pub const COMMAND_QUEUE: usize = 4_096;
/// Consensus messages handed to the driver but not yet taken: small, since the fair queue in
/// front of it ([`consensus_limits`]) is where messages wait, each peer in its own share.
pub const CONSENSUS_CHANNEL: usize = 256;
/// Concurrent push streams (one message each) on one connection. Votes and heads are tiny and
/// answered at once, so honest peers need a few at a time; the cap bounds what one peer can make
/// this node read and buffer at once (64 streams of at most a message's cap each).
pub const MAX_PUSH_STREAMS: usize = 64;
/// Concurrent block-sync streams on one connection (this node asks one peer at a time, and
/// serves at most [`task::MAX_SERVES_PER_PEER`] requests per peer).
pub const MAX_SYNC_STREAMS: usize = 8;
/// Yamux streams on one connection: room for the three protocols' limits (state sync has the
/// same stream limit as block sync).
pub const MAX_YAMUX_STREAMS: usize = 2 * (MAX_PUSH_STREAMS + 2 * MAX_SYNC_STREAMS);
/// Inbound connections whose handshake is still running: a permissioned network has a handful of
/// peers, so more than this at once is a scan or an attack.
pub const MAX_PENDING_INBOUND: u32 = 64;
/// Established connections in all (validators and allowed observers, each dialling and dialled).
pub const MAX_ESTABLISHED: u32 = 256;
/// Established connections with one peer (two nodes dialling each other at once make two).
pub const MAX_PER_PEER: u32 = 4;

/// How a node joins the network.
#[derive(Clone, Debug)]
pub struct NetworkConfig {
    /// Address to listen on, e.g. `/ip4/127.0.0.1/tcp/26656`.
    pub listen: Multiaddr,
    /// Peers to dial and keep connected, each ending in `/p2p/<peer id>`.
    pub peers: Vec<Multiaddr>,
    /// Peer ids allowed to connect besides the validators.
    pub extra_allowed: Vec<PeerId>,
    /// Where this node's state snapshots are, served to peers (`None`: none are served).
    pub snapshot_dir: Option<std::path::PathBuf>,
    /// The node key: this node's libp2p identity on an `sm2-sm3` chain, kept in the home so a
    /// validator's peer id outlives a rotation of its consensus key (`None`: derived from the
    /// consensus key, see [`identity_of`]).
    pub node_key: Option<identity::Keypair>,
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
    Snapshot { peer: PeerId, req: SnapshotRequest, reply: oneshot::Sender<Result<SnapshotResponse, String>> },
    Ban { peer: PeerId, reason: String },
}

/// A handle to the running network task.
#[derive(Clone)]
pub struct NetHandle {
    cmd: mpsc::Sender<Command>,
    local: PeerId,
    stats: Arc<NetStats>,
}

impl NetHandle {
    /// Sends `msg` to every connected peer (dropped, and counted, if the network is stuck).
    pub fn broadcast(&self, msg: WireMsg) {
        if self.cmd.try_send(Command::Broadcast(msg)).is_err() {
            stats::add(&self.stats.outbound_dropped, 1);
        }
    }

    /// Asks `peer` for committed blocks.
    pub async fn sync(&self, peer: PeerId, req: SyncRequest) -> Result<SyncResponse, String> {
        let (reply, rx) = oneshot::channel();
        self.cmd.send(Command::Sync { peer, req, reply }).await.map_err(|_| "network stopped".to_string())?;
        rx.await.map_err(|_| "network stopped".to_string())?
    }

    /// Asks `peer` a state-sync question (`/shulian/snapshot/1`).
    pub async fn snapshot(&self, peer: PeerId, req: SnapshotRequest) -> Result<SnapshotResponse, String> {
        let (reply, rx) = oneshot::channel();
        self.cmd.send(Command::Snapshot { peer, req, reply }).await.map_err(|_| "network stopped".to_string())?;
        rx.await.map_err(|_| "network stopped".to_string())?
    }

    /// Disconnects `peer` and refuses it for [`BAN_FOR`]: it served invalid data.
    pub fn ban(&self, peer: PeerId, reason: String) {
        if self.cmd.try_send(Command::Ban { peer, reason }).is_err() {
            stats::add(&self.stats.outbound_dropped, 1);
        }
    }

    /// This node's peer id.
    pub fn local_peer_id(&self) -> PeerId {
        self.local
    }

    /// What the network dropped or refused so far.
    pub fn stats(&self) -> Arc<NetStats> {
        self.stats.clone()
    }
}

/// The libp2p identity of a node whose consensus key is `key`. On an `ed25519-blake3` chain it is
/// the key itself, so a validator's peer id is a function of its public key and the genesis file
/// alone says who may connect. On an `sm2-sm3` chain (libp2p has no SM2 identity) it is an
/// ed25519 key seeded by `H(domain::P2P_IDENTITY, SM2 secret)`, stable across restarts, which the
/// node binds to its SM2 key in every signed head (`SignedStatus::signed_bytes`).
pub fn identity_of(key: &SecretKey) -> anyhow::Result<identity::Keypair> {
    let mut bytes = match shulian_runtime::suite::active() {
        CryptoSuite::Ed25519Blake3 => key.to_bytes(),
        CryptoSuite::Sm2Sm3 => *node_key_seed(key),
    };
    Ok(identity::Keypair::ed25519_from_bytes(&mut bytes)?)
}

/// The seed of the node key an `sm2-sm3` node starts with: `H(domain::P2P_IDENTITY, SM2 secret)`.
/// The home keeps it (`node_key`), so rotating the consensus key later keeps the peer id.
pub fn node_key_seed(key: &SecretKey) -> zeroize::Zeroizing<[u8; 32]> {
    let secret = zeroize::Zeroizing::new(key.to_bytes());
    zeroize::Zeroizing::new(shulian_runtime::Hash::tagged(shulian_runtime::domain::P2P_IDENTITY, secret.as_ref()).0)
}

/// The peer id of this node, whose consensus key is `key`.
pub fn own_peer_id(key: &SecretKey) -> anyhow::Result<PeerId> {
    Ok(identity_of(key)?.public().to_peer_id())
}

/// The peer id of a node whose consensus public key is `pk`: on an `ed25519-blake3` chain only
/// (an SM2 key names no peer id: its node binds them in its signed heads).
pub fn peer_id_of(pk: &PublicKey) -> anyhow::Result<PeerId> {
    let suite = shulian_runtime::suite::active();
    if suite == CryptoSuite::Sm2Sm3 {
        anyhow::bail!("an {suite} key names no peer id: its node binds the two in its signed heads");
    }
    let ed = identity::ed25519::PublicKey::try_from_bytes(&pk.0)?;
    Ok(identity::PublicKey::from(ed).to_peer_id())
}

#[derive(NetworkBehaviour)]
struct Behaviour {
    limits: connection_limits::Behaviour,
    guard: guard::Guard,
    allow: allow_block_list::Behaviour<allow_block_list::AllowedPeers>,
    push: request_response::Behaviour<BorshCodec<WireMsg, Ack>>,
    sync: request_response::Behaviour<BorshCodec<SyncRequest, SyncResponse>>,
    snapshot: request_response::Behaviour<BorshCodec<SnapshotRequest, SnapshotResponse>>,
}

/// The fair queue's bounds for consensus messages, given the largest proposal: each peer may have
/// 1 024 messages (a round's worth of re-sent votes many times over) or two proposals' bytes
/// waiting, and all peers together 8 192 messages or eight proposals' bytes (at least 64 MiB).
pub fn consensus_limits(max_proposal: usize) -> fair::FairLimits {
    fair::FairLimits {
        per_peer_items: 1_024,
        per_peer_bytes: 2 * max_proposal,
        total_items: 8_192,
        total_bytes: (8 * max_proposal).max(64 * 1024 * 1024),
    }
}

/// Starts the network task and makes `chain` relay what clients submit through it. Returns the
/// handle, the stream of consensus messages and the address actually listened on.
pub async fn start(
    cfg: NetworkConfig,
    key: &SecretKey,
    chain: Arc<Chain>,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<(NetHandle, mpsc::Receiver<NetEvent>, Multiaddr)> {
    let limits = chain.limits();
    let max_proposal = max_proposal_bytes(limits.max_block_txs, limits.max_block_bytes);
    let push_caps: codec::TagCaps = Arc::new(move |tag| max_body_bytes(tag, max_proposal));
    let push_cfg = request_response::Config::default()
        .with_request_timeout(Duration::from_secs(20))
        .with_max_concurrent_streams(MAX_PUSH_STREAMS);
    let sync_cfg = request_response::Config::default()
        .with_request_timeout(Duration::from_secs(20))
        .with_max_concurrent_streams(MAX_SYNC_STREAMS);
    let stats = Arc::new(NetStats::default());
    let conn_limits = ConnectionLimits::default()
        .with_max_pending_incoming(Some(MAX_PENDING_INBOUND))
        .with_max_established(Some(MAX_ESTABLISHED))
        .with_max_established_per_peer(Some(MAX_PER_PEER));
    let identity = match &cfg.node_key {
        Some(k) => k.clone(),
        None => identity_of(key)?,
    };
    let mut swarm = libp2p::SwarmBuilder::with_existing_identity(identity)
        .with_tokio()
        .with_tcp(libp2p::tcp::Config::default().nodelay(true), libp2p::noise::Config::new, || {
            let mut c = libp2p::yamux::Config::default();
            c.set_max_num_streams(MAX_YAMUX_STREAMS);
            c
        })?
        .with_behaviour(|_| Behaviour {
            limits: connection_limits::Behaviour::new(conn_limits),
            guard: guard::Guard::default(),
            allow: allow_block_list::Behaviour::default(),
            push: request_response::Behaviour::with_codec(
                BorshCodec::new(MAX_MESSAGE_BYTES.max(max_proposal), MAX_SMALL_MESSAGE_BYTES)
                    .with_request_caps(push_caps)
                    .with_refusals_counted(stats.clone()),
                [(StreamProtocol::new(PUSH_PROTOCOL), ProtocolSupport::Full)],
                push_cfg,
            ),
            sync: request_response::Behaviour::with_codec(
                BorshCodec::new(1024, MAX_SYNC_RESPONSE_BYTES).with_refusals_counted(stats.clone()),
                [(StreamProtocol::new(SYNC_PROTOCOL), ProtocolSupport::Full)],
                sync_cfg.clone(),
            ),
            snapshot: request_response::Behaviour::with_codec(
                BorshCodec::new(MAX_SNAPSHOT_REQUEST_BYTES, MAX_MESSAGE_BYTES + 1024)
                    .with_response_caps(Arc::new(max_snapshot_response_bytes))
                    .with_refusals_counted(stats.clone()),
                [(StreamProtocol::new(SNAPSHOT_PROTOCOL), ProtocolSupport::Full)],
                sync_cfg,
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
    let (cmd_tx, cmd_rx) = mpsc::channel(COMMAND_QUEUE);
    let (relay_tx, relay_rx) = mpsc::channel(crate::chain::API_RELAY_QUEUE);
    chain.set_tx_relay(TxRelay::new(relay_tx, stats.clone()));
    let (ev_tx, ev_rx) = mpsc::channel(CONSENSUS_CHANNEL);
    let handle = NetHandle { cmd: cmd_tx, local, stats: stats.clone() };
    #[cfg(feature = "byzantine")]
    crate::consensus::byzantine::spawn_tx_flood(handle.clone(), shutdown.clone());
    let peers = cfg.peers.iter().filter_map(|a| peer_of(a).map(|p| (p, a.clone()))).collect();
    let task = task::NetTask::new(
        chain,
        key,
        peers,
        stats,
        task::Queues { ev_tx, consensus: consensus_limits(max_proposal) },
        cfg.snapshot_dir.clone(),
    )?;
    tokio::spawn(task.run(swarm, cmd_rx, relay_rx, shutdown));
    Ok((handle, ev_rx, listen))
}

/// Who may connect: the validators (on an `ed25519-blake3` chain, by the peer ids their keys
/// name) and the configured extra peers. On an `sm2-sm3` chain a key names no peer id, so the
/// validators allowed are the configured peers (each address ends in its peer id, which
/// `shulian-node init` prints and `testnet` writes).
fn allowed_list(chain: &Chain, cfg: &NetworkConfig) -> anyhow::Result<Vec<PeerId>> {
    let mut out = Vec::new();
    match shulian_runtime::suite::active() {
        CryptoSuite::Ed25519Blake3 => {
            for v in &chain.validators().validators {
                out.push(peer_id_of(&v.public_key)?);
            }
        }
        CryptoSuite::Sm2Sm3 => out.extend(cfg.peers.iter().filter_map(peer_of)),
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
