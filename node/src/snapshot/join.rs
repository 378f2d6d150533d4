//! Joining by state sync: a node whose database is empty, started with `state_sync`, builds its
//! database from a snapshot its peers offer instead of replaying every block. It runs a network of
//! its own for the while (an ephemeral listen port, a throw-away chain at genesis in memory) and:
//!
//! 1. asks its peers for their snapshots and picks the one offered by the most peers (the highest
//!    if tied);
//! 2. fetches the headers and certificates from block 1 to the snapshot's height and verifies
//!    them as a chain from genesis ([`super::headers::HeaderChain`]); a peer serving a header that
//!    does not verify is banned and another asked;
//! 3. fetches the manifest (its hash must be the one offered) and checks it names the certified
//!    header's block hash and state root;
//! 4. fetches each chunk from the offering peers in turn; a chunk whose hash is not the manifest's
//!    is refused, its peer banned and no longer asked, and the chunk fetched from another peer;
//! 5. assembles the state in `HOME/db.state-sync`, rebuilds the tree and checks its root against
//!    the certified header ([`super::assemble`]), writes the headers and certificates below it as
//!    the base, and renames the folder to `HOME/db`: a crash before that leaves no database, and
//!    the next start begins again.
//!
//! The node then opens the database at the snapshot's height and follows blocks by block sync.

use super::assemble::Assembler;
use super::headers::HeaderChain;
use crate::chain::{Chain, ChainLimits};
use crate::network::wire::{MAX_SNAPSHOTS_LISTED, MAX_SYNC_HEADERS, SnapshotInfo, SnapshotRequest, SnapshotResponse};
use crate::network::{self, NetHandle, NetworkConfig};
use crate::storage::{ChainStore, Head, KvStore, MemKv, RocksKv};
use anyhow::Context;
use libp2p::PeerId;
use shulian_runtime::genesis::Genesis;
use shulian_runtime::snapshot::{ChunkError, SnapshotManifest, check_chunk};
use shulian_runtime::{BlockHeader, Hash, Height, SecretKey};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a joining node looks for a snapshot before it gives up and replays from genesis.
pub const DISCOVER_FOR: Duration = Duration::from_secs(60);
/// Once one peer offered a snapshot, how long to wait for more offers (from the peers still
/// connecting), so that chunks can be fetched from several peers.
pub const MORE_OFFERS_FOR: Duration = Duration::from_secs(3);

/// What a state sync did, for the operator's log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinReport {
    /// The installed base.
    pub head: Head,
    /// Chunks fetched.
    pub chunks: u32,
    /// State entries.
    pub entries: u64,
    /// Chunks refused (hash not the manifest's) and fetched again from another peer.
    pub refused_chunks: u32,
    /// Peers that offered the snapshot.
    pub peers: usize,
}

#[expect(clippy::disallowed_methods, reason = "discovery waits a bounded time for peers' offers")]
fn now() -> Instant {
    Instant::now()
}

/// Whether the database at `db` holds a chain; a folder holding none is removed.
fn holds_chain(db: &Path) -> anyhow::Result<bool> {
    if !db.exists() {
        return Ok(false);
    }
    let head = {
        let kv = RocksKv::open(db).with_context(|| format!("cannot open the database in {}", db.display()))?;
        ChainStore::new(Arc::new(kv)).head()?
    };
    if head.is_some() {
        return Ok(true);
    }
    std::fs::remove_dir_all(db).with_context(|| format!("cannot remove the empty database {}", db.display()))?;
    Ok(false)
}

/// The listen address for the joining phase: the configured one on an OS-chosen port, so the
/// node's own port is free for when it runs.
fn ephemeral(listen: &libp2p::Multiaddr) -> libp2p::Multiaddr {
    listen
        .iter()
        .map(|p| match p {
            libp2p::multiaddr::Protocol::Tcp(_) => libp2p::multiaddr::Protocol::Tcp(0),
            p => p,
        })
        .collect()
}

/// Builds the database at `db` from a snapshot offered by the peers of `net_cfg`, unless it
/// already holds a chain. `None`: the database holds a chain, or no peer offered a usable
/// snapshot (the node then replays from genesis).
pub async fn join_if_empty(
    db: &Path,
    genesis: &Genesis,
    key: &SecretKey,
    net_cfg: NetworkConfig,
    limits: ChainLimits,
) -> anyhow::Result<Option<JoinReport>> {
    if holds_chain(db)? {
        tracing::info!(target: "snapshot", db = %db.display(), "the database holds a chain: no state sync");
        return Ok(None);
    }
    let chain = Arc::new(Chain::open(ChainStore::new(Arc::new(MemKv::default())), genesis.clone(), limits)?);
    let (shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);
    let cfg = NetworkConfig { listen: ephemeral(&net_cfg.listen), snapshot_dir: None, ..net_cfg };
    let (net, mut events, _) = network::start(cfg, key, chain.clone(), shutdown_rx).await?;
    // Consensus messages are not for this phase.
    let drain = tokio::spawn(async move { while events.recv().await.is_some() {} });
    let result = join(db, genesis, &chain, &net).await;
    let _ = shutdown_tx.send(true);
    drain.abort();
    // The network task closes its connections; the node's own network dials the peers again.
    tokio::time::sleep(Duration::from_millis(200)).await;
    result
}

async fn join(db: &Path, genesis: &Genesis, chain: &Chain, net: &NetHandle) -> anyhow::Result<Option<JoinReport>> {
    let started = now();
    tracing::info!(target: "snapshot", "state sync: looking for a snapshot offered by the peers");
    let offers = discover(chain, net).await;
    let mut candidates: Vec<(&(Height, Hash), &Vec<PeerId>)> = offers.iter().collect();
    candidates.sort_by_key(|c| std::cmp::Reverse((c.1.len(), c.0.0)));
    for ((height, manifest_hash), peers) in candidates {
        tracing::info!(target: "snapshot", height = height.0, peers = peers.len(), "state sync: trying a snapshot");
        match fetch(db, genesis, net, *height, *manifest_hash, peers).await {
            Ok(report) => {
                tracing::info!(target: "snapshot", height = report.head.height.0, chunks = report.chunks, entries = report.entries,
                    refused_chunks = report.refused_chunks, secs = started.elapsed().as_secs_f64(), "state sync: installed the snapshot");
                return Ok(Some(report));
            }
            Err(e) => {
                tracing::warn!(target: "snapshot", height = height.0, error = %format!("{e:#}"), "state sync: this snapshot failed");
                let _ = std::fs::remove_dir_all(tmp_db(db));
            }
        }
    }
    tracing::warn!(target: "snapshot", "state sync: no usable snapshot; replaying from genesis instead");
    Ok(None)
}

fn tmp_db(db: &Path) -> std::path::PathBuf {
    db.with_extension("state-sync")
}

/// Every snapshot offered, with the peers offering it: asked of every connected peer (again every
/// 2 s), until [`MORE_OFFERS_FOR`] after the first offer, or [`DISCOVER_FOR`] without any.
async fn discover(chain: &Chain, net: &NetHandle) -> BTreeMap<(Height, Hash), Vec<PeerId>> {
    let mut offers: BTreeMap<(Height, Hash), Vec<PeerId>> = BTreeMap::new();
    let mut asked: BTreeMap<PeerId, Instant> = BTreeMap::new();
    let mut first_offer: Option<Instant> = None;
    let start = now();
    loop {
        for peer in chain.peer_view().connected_peers() {
            if asked.get(&peer).is_some_and(|at| now().duration_since(*at) < Duration::from_secs(2)) {
                continue;
            }
            asked.insert(peer, now());
            let Ok(SnapshotResponse::List(list)) = net.snapshot(peer, SnapshotRequest::List).await else { continue };
            for SnapshotInfo { height, manifest_hash, .. } in list.into_iter().take(MAX_SNAPSHOTS_LISTED) {
                let holders = offers.entry((height, manifest_hash)).or_default();
                if !holders.contains(&peer) {
                    holders.push(peer);
                }
                first_offer.get_or_insert_with(now);
            }
        }
        let done = match first_offer {
            Some(t) => now().duration_since(t) >= MORE_OFFERS_FOR,
            None => now().duration_since(start) >= DISCOVER_FOR,
        };
        if done {
            return offers;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Fetches, checks and installs the snapshot at `height` whose manifest hashes to `manifest_hash`.
async fn fetch(
    db: &Path,
    genesis: &Genesis,
    net: &NetHandle,
    height: Height,
    manifest_hash: Hash,
    peers: &[PeerId],
) -> anyhow::Result<JoinReport> {
    let mut bad: BTreeSet<PeerId> = BTreeSet::new();
    let manifest = fetch_manifest(net, genesis, height, manifest_hash, peers).await?;
    let tmp = tmp_db(db);
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)?;
    }
    let kv: Arc<dyn KvStore> =
        Arc::new(RocksKv::open(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?);
    let store = ChainStore::new(kv.clone());
    let top = fetch_headers(net, genesis, height, peers, &mut bad, &store).await?;
    if top.hash() != manifest.block_hash || top.state_root != manifest.state_root {
        anyhow::bail!(
            "the manifest names block {} and root {}, the certified header at {} is {} with root {}",
            manifest.block_hash,
            manifest.state_root,
            height.0,
            top.hash(),
            top.state_root
        );
    }
    let mut assembler = Assembler::new(kv.clone());
    let mut refused_chunks = 0u32;
    let n = manifest.chunk_hashes.len() as u32;
    for index in 0..n {
        let chunk = fetch_chunk(net, &manifest, index, peers, &mut bad, &mut refused_chunks).await?;
        assembler.add(chunk)?;
        if index % 16 == 15 {
            tracing::info!(target: "snapshot", fetched = index + 1, of = n, "state sync: fetching chunks");
        }
    }
    let entries = assembler.finish(manifest.state_root)?;
    let head = store.install_base(genesis, &top)?;
    drop(store);
    drop(kv);
    std::fs::rename(&tmp, db).with_context(|| format!("cannot move {} to {}", tmp.display(), db.display()))?;
    Ok(JoinReport { head, chunks: n, entries, refused_chunks, peers: peers.len() })
}

async fn fetch_manifest(
    net: &NetHandle,
    genesis: &Genesis,
    height: Height,
    manifest_hash: Hash,
    peers: &[PeerId],
) -> anyhow::Result<SnapshotManifest> {
    for peer in peers {
        match net.snapshot(*peer, SnapshotRequest::Manifest { height }).await {
            Ok(SnapshotResponse::Manifest(Some(m))) => {
                if m.hash() == manifest_hash && m.height == height && m.check_shape(&genesis.chain_id).is_ok() {
                    return Ok(m);
                }
                tracing::warn!(target: "snapshot", %peer, "state sync: a manifest that is not the one offered");
            }
            Ok(_) => {}
            Err(e) => tracing::info!(target: "snapshot", %peer, error = %e, "state sync: manifest request failed"),
        }
    }
    anyhow::bail!("no peer served the manifest of the snapshot at {}", height.0)
}

/// Headers and certificates from 1 to `height`, verified as a chain from genesis and written to
/// `store` batch by batch (never all in memory), asked of the peers in turn (a peer whose headers
/// do not verify is banned and not asked again). Returns the header at `height`.
async fn fetch_headers(
    net: &NetHandle,
    genesis: &Genesis,
    height: Height,
    peers: &[PeerId],
    bad: &mut BTreeSet<PeerId>,
    store: &ChainStore,
) -> anyhow::Result<BlockHeader> {
    let mut chain = HeaderChain::from_genesis(genesis);
    let mut top: Option<BlockHeader> = None;
    let mut turn = 0usize;
    let mut failures = 0usize;
    while chain.height() < height {
        let good: Vec<PeerId> = peers.iter().filter(|p| !bad.contains(p)).copied().collect();
        if good.is_empty() || failures > 8 * peers.len() {
            anyhow::bail!("no peer served the headers above {}", chain.height().0);
        }
        let peer = good[turn % good.len()];
        turn += 1;
        let max = MAX_SYNC_HEADERS.min((height.0 - chain.height().0) as u32);
        let req = SnapshotRequest::Headers { from: chain.height().next(), max };
        let batch = match net.snapshot(peer, req).await {
            Ok(SnapshotResponse::Headers(b))
                if !b.headers.is_empty() && b.headers.len() <= max as usize && b.sets.len() <= b.headers.len() =>
            {
                b
            }
            Ok(_) | Err(_) => {
                failures += 1;
                continue;
            }
        };
        let before = chain.height();
        let result = chain.extend(&batch.headers, |hash| batch.sets.iter().find(|s| s.hash() == *hash).cloned());
        let good_count = (chain.height().0 - before.0) as usize;
        let good_batch = &batch.headers[..good_count];
        store.put_headers(good_batch)?;
        if let Some((h, _)) = good_batch.last() {
            top = Some(h.clone());
        }
        if let Err(e) = result {
            tracing::warn!(target: "snapshot", %peer, error = %e, "state sync: refused headers that do not verify; banning the peer");
            net.ban(peer, format!("served headers that do not verify: {e}"));
            bad.insert(peer);
        }
        if chain.height().0.is_multiple_of(8 * MAX_SYNC_HEADERS as u64) && good_count > 0 {
            tracing::info!(target: "snapshot", verified = chain.height().0, of = height.0, "state sync: verifying headers");
        }
    }
    top.context("no header at the snapshot's height")
}

/// Chunk `index`, checked against the manifest, from the first peer (starting at `index`'s turn)
/// that serves it intact.
async fn fetch_chunk(
    net: &NetHandle,
    manifest: &SnapshotManifest,
    index: u32,
    peers: &[PeerId],
    bad: &mut BTreeSet<PeerId>,
    refused: &mut u32,
) -> anyhow::Result<shulian_runtime::snapshot::SnapshotChunk> {
    let height = manifest.height;
    for round in 0..3usize {
        for k in 0..peers.len() {
            let peer = peers[(index as usize + k) % peers.len()];
            if bad.contains(&peer) {
                continue;
            }
            let bytes = match net.snapshot(peer, SnapshotRequest::Chunk { height, index }).await {
                Ok(SnapshotResponse::Chunk(Some(b))) => b,
                Ok(_) => continue,
                Err(e) => {
                    tracing::info!(target: "snapshot", %peer, index, round, error = %e, "state sync: chunk request failed");
                    continue;
                }
            };
            match check_chunk(manifest, index, &bytes) {
                Ok(chunk) => return Ok(chunk),
                Err(e @ (ChunkError::Hash { .. } | ChunkError::Undecodable { .. } | ChunkError::Order { .. })) => {
                    *refused += 1;
                    tracing::warn!(target: "snapshot", %peer, index, error = %e,
                        "state sync: refused a chunk that is not the manifest's; banning the peer and fetching the chunk from another");
                    net.ban(peer, format!("served snapshot chunk {index} that is not the manifest's"));
                    bad.insert(peer);
                }
                Err(e) => return Err(e.into()),
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    anyhow::bail!("no peer served chunk {index} of the snapshot at {} intact", height.0)
}
