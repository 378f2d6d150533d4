//! Block sync, both sides. Peers announce their heads signed ([`SignedStatus`], the signer's key
//! must be the sending peer's); a node below a claimed head asks claimants for the committed
//! blocks after its tip, a batch at a time, and checks each response before it works on it: no
//! more blocks than asked, in height order from the one asked, each block's commit certificate
//! valid for the validator set and naming that block (before the block is executed), then the
//! block extends the tip and executes to its header (`Chain::validate`), and only then is it
//! committed. A peer that serves invalid data, or claims a head and serves nothing, is banned by
//! the network. A node serves its stored blocks with their certificates (off the network's loop).
//! It must never commit a block that `Chain::validate` and the certificate check have not passed.

use crate::chain::{Chain, ChainError};
use crate::network::wire::{MAX_SYNC_BLOCKS, MAX_SYNC_RESPONSE_BYTES, SignedStatus, Status, SyncRequest, SyncResponse};
use crate::network::{NetHandle, peer_id_of};
use libp2p::PeerId;
use shulian_runtime::{Block, CommitCertificate, Height, SecretKey};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Blocks asked of a peer that has not yet served this node a valid block: every claimant is
/// probed with a small request first, so a node catching up asks each peer that claims a head
/// (and finds one that serves forgeries) before it trusts any with full batches.
pub const PROBE_BLOCKS: u32 = 4;
/// How long a claimed head counts: heads are announced every status interval (500 ms), so a
/// claim not repeated for this long is from a peer that left or restarted.
pub const CLAIM_TTL: Duration = Duration::from_secs(10);
/// How long a peer whose request failed (timeout, disconnect) is not asked again: it may be
/// overloaded or gone, which is not proof of malice, so it is passed over rather than banned.
pub const AVOID_FOR: Duration = Duration::from_secs(30);

/// A head a peer claimed, and what this node learnt about the peer.
struct Claim {
    height: Height,
    at: Instant,
    /// It has served valid blocks.
    proven: bool,
    avoid_until: Option<Instant>,
}

/// Why a sync response was not used.
#[derive(Debug, thiserror::Error)]
enum SyncFault {
    /// The peer served invalid data: it is banned.
    #[error("{0}")]
    Peer(String),
    /// This node failed (storage); sync stops and is tried again at the next head.
    #[error(transparent)]
    Local(anyhow::Error),
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[expect(clippy::disallowed_methods, reason = "claims expire and failed peers are passed over for a while")]
fn now() -> Instant {
    Instant::now()
}

/// The catching-up side of block sync: at most one fetch runs at a time.
pub(crate) struct BlockSync {
    chain: Arc<Chain>,
    net: NetHandle,
    running: Arc<AtomicBool>,
    claims: Arc<Mutex<HashMap<PeerId, Claim>>>,
}

/// This node's signed head announcement.
pub(crate) fn head_announcement(chain: &Chain, key: &SecretKey, own_peer: &PeerId) -> crate::network::wire::WireMsg {
    let head = chain.head();
    #[allow(unused_mut, reason = "only the byzantine build lies")]
    let mut status = Status { height: head.height, block_hash: head.block_hash };
    #[cfg(feature = "byzantine")]
    if let Some(m) = super::byzantine::mode() {
        status = super::byzantine::lie_about_head(&m, status);
    }
    crate::network::wire::WireMsg::SignedStatus(SignedStatus::sign(key, chain.chain_id(), status, &own_peer.to_bytes()))
}

impl BlockSync {
    /// Sync for `chain`, asking peers through `net`.
    pub(crate) fn new(chain: Arc<Chain>, net: NetHandle) -> Self {
        BlockSync {
            chain,
            net,
            running: Arc::new(AtomicBool::new(false)),
            claims: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// `peer` announced its head. Only a claim above the tip, for this chain, signed by `peer`'s
    /// own key is recorded; then, if no fetch runs, one starts.
    pub(crate) fn on_signed_head(&self, peer: PeerId, s: &SignedStatus) {
        if !record_claim(&self.chain, &self.claims, peer, s) || self.running.swap(true, Ordering::SeqCst) {
            return;
        }
        let (chain, net, running, claims) =
            (self.chain.clone(), self.net.clone(), self.running.clone(), self.claims.clone());
        tokio::spawn(async move {
            if let Err(e) = fetch(&chain, &net, &claims).await {
                tracing::warn!(target: "sync", error = %e, "block sync stopped");
            }
            running.store(false, Ordering::SeqCst);
        });
    }
}

/// Records `peer`'s head `s` if it is a claim worth acting on: above the tip, for this chain,
/// signed by `peer`'s own key (the cheap checks first). On an `ed25519-blake3` chain the key is
/// the one whose peer id is `peer`; on an `sm2-sm3` chain the signature covers `peer`, which binds
/// the signer's key to it (the peer view learns the binding). Returns whether it was recorded.
fn record_claim(chain: &Chain, claims: &Mutex<HashMap<PeerId, Claim>>, peer: PeerId, s: &SignedStatus) -> bool {
    let height = s.header.status.height;
    if s.header.chain_id != chain.chain_id() {
        return false;
    }
    let bound_by_signature = shulian_runtime::suite::active() == shulian_runtime::suite::CryptoSuite::Sm2Sm3;
    // Whether this head's signature was checked already (a binding is learned from a checked one).
    let mut verified = false;
    if bound_by_signature {
        if chain.peer_view().bound_key(&peer) != Some(s.signer) {
            if let Err(e) = s.verify(&peer.to_bytes()) {
                tracing::debug!(target: "sync", %peer, error = e, "ignoring a head not signed for this peer");
                return false;
            }
            verified = true;
            chain.peer_view().bind(peer, s.signer);
        }
    } else if peer_id_of(&s.signer).ok() != Some(peer) {
        tracing::debug!(target: "sync", %peer, signer = %s.signer, "ignoring a head signed by another key than the peer's");
        return false;
    }
    // A head at or below the tip changes nothing here; readiness only needs its height, from the
    // (noise-authenticated) peer whose key it names.
    if height <= chain.tip().height {
        chain.peer_view().announced(peer, height);
        return false;
    }
    if !verified && let Err(e) = s.verify(&peer.to_bytes()) {
        tracing::debug!(target: "sync", %peer, error = e, "ignoring a head with a bad signature");
        return false;
    }
    chain.peer_view().announced(peer, height);
    let mut claims = lock(claims);
    let c = claims.entry(peer).or_insert(Claim { height, at: now(), proven: false, avoid_until: None });
    c.height = height;
    c.at = now();
    true
}

/// The peer to ask next for the blocks after `tip`, and how many blocks to ask: among fresh
/// claims above the tip from peers not passed over, one not yet proven (probed with
/// [`PROBE_BLOCKS`]) if any, else the proven one with the lowest claim (the least a peer can
/// gain by exaggerating), asked for [`MAX_SYNC_BLOCKS`].
fn choose(claims: &Mutex<HashMap<PeerId, Claim>>, tip: Height) -> Option<(PeerId, u32, Height)> {
    let now = now();
    let mut claims = lock(claims);
    claims.retain(|_, c| now.duration_since(c.at) < CLAIM_TTL);
    let live = claims
        .iter()
        .filter(|(_, c)| c.height > tip && c.avoid_until.is_none_or(|t| t <= now))
        .map(|(p, c)| (*p, c.proven, c.height));
    let best = live.min_by_key(|(p, proven, h)| (*proven, *h, p.to_bytes()))?;
    Some((best.0, if best.1 { MAX_SYNC_BLOCKS } else { PROBE_BLOCKS }, best.2))
}

/// Fetches committed blocks until no fresh claim is above the tip.
async fn fetch(chain: &Arc<Chain>, net: &NetHandle, claims: &Mutex<HashMap<PeerId, Claim>>) -> anyhow::Result<()> {
    let mut last_log = now();
    let start = chain.tip().height;
    loop {
        let tip = chain.tip().height;
        let Some((peer, max, claimed)) = choose(claims, tip) else { return Ok(()) };
        if claimed.0 > tip.0 + 1 && tip == start {
            tracing::info!(target: "sync", %peer, from = tip.0, to = claimed.0, "catching up");
        }
        let req = SyncRequest { from: tip.next(), max };
        let result = match net.sync(peer, req.clone()).await {
            Ok(resp) => check_and_commit(chain, &req, claimed, resp).await,
            Err(e) => {
                tracing::info!(target: "sync", %peer, error = %e, secs = AVOID_FOR.as_secs(), "sync request failed; passing the peer over");
                if let Some(c) = lock(claims).get_mut(&peer) {
                    c.avoid_until = Some(now() + AVOID_FOR);
                }
                continue;
            }
        };
        match result {
            Ok(_) => {
                if let Some(c) = lock(claims).get_mut(&peer) {
                    c.proven = true;
                }
            }
            Err(SyncFault::Peer(reason)) => {
                tracing::warn!(target: "sync", %peer, %reason, "peer served invalid blocks; banning it");
                // Passed over here too, for the claims it announced before the ban took effect.
                if let Some(c) = lock(claims).get_mut(&peer) {
                    c.avoid_until = Some(now() + crate::network::BAN_FOR);
                }
                net.ban(peer, reason);
            }
            Err(SyncFault::Local(e)) => return Err(e),
        }
        if last_log.elapsed() > Duration::from_secs(2) {
            tracing::info!(target: "sync", height = chain.head().height.0, "catching up");
            last_log = now();
        }
    }
}

/// Checks a response to `req` (sent to a peer that claimed `claimed`) and commits its blocks;
/// returns how many were committed. The shape first (count, heights), then each block's
/// certificate against the validator set before the block is executed, then execution.
async fn check_and_commit(
    chain: &Arc<Chain>,
    req: &SyncRequest,
    claimed: Height,
    resp: SyncResponse,
) -> Result<usize, SyncFault> {
    if resp.blocks.len() > req.max as usize {
        return Err(SyncFault::Peer(format!("served {} blocks, {} asked", resp.blocks.len(), req.max)));
    }
    if resp.blocks.is_empty() {
        // An honest peer's claimed head is stored, so it has every block up to it.
        if chain.tip().height >= claimed || chain.tip().height >= req.from {
            return Ok(0);
        }
        return Err(SyncFault::Peer(format!("claimed head {} but served nothing from {}", claimed.0, req.from.0)));
    }
    for (i, (block, cert)) in resp.blocks.iter().enumerate() {
        let want = Height(req.from.0 + i as u64);
        if block.header.height != want {
            return Err(SyncFault::Peer(format!("served block {} where {} was due", block.header.height.0, want.0)));
        }
        if let Err(e) = cert.verify(&block.header, &chain.validators()) {
            return Err(SyncFault::Peer(format!("block {}: certificate: {e}", want.0)));
        }
    }
    let mut committed = 0;
    for (block, cert) in resp.blocks {
        if commit_one(chain, block, cert).await? {
            committed += 1;
        }
    }
    Ok(committed)
}

/// Executes and commits one block whose certificate holds; false if consensus committed its
/// height first. A header or execution mismatch is the peer's fault, unless consensus moved the
/// tip past the block meanwhile; a storage failure is this node's.
async fn commit_one(chain: &Arc<Chain>, block: Block, cert: CommitCertificate) -> Result<bool, SyncFault> {
    let height = block.header.height;
    if height <= chain.tip().height {
        return Ok(false);
    }
    let (txs, round, time_ms) = (block.txs.len(), cert.round, block.header.timestamp_ms);
    let c = chain.clone();
    let result = tokio::task::spawn_blocking(move || -> Result<(), ChainError> {
        let exec = c.validate(&block)?;
        c.commit(&block, &cert, exec)?;
        Ok(())
    })
    .await
    .map_err(|e| SyncFault::Local(e.into()))?;
    match result {
        Ok(()) => {
            tracing::info!(target: "sync", height = height.0, round, txs, time_ms, "committed block from block sync");
            Ok(true)
        }
        Err(_) if chain.tip().height >= height => Ok(false),
        Err(e @ (ChainError::Header(_) | ChainError::Block(_))) => {
            Err(SyncFault::Peer(format!("block {}: {e}", height.0)))
        }
        Err(e) => Err(SyncFault::Local(anyhow::Error::new(e).context(format!("block {}", height.0)))),
    }
}

/// The serving side: the committed blocks a peer asked for, from `req.from` on, at most
/// [`MAX_SYNC_BLOCKS`] and staying under the response size limit (at least one block, so a peer
/// always progresses). Blocking (store reads): the network runs it off its loop. A read failure
/// is an error, never an empty answer (which the asking node would take for a lie).
pub(crate) fn serve(chain: &Chain, req: &SyncRequest) -> anyhow::Result<SyncResponse> {
    let mut blocks = Vec::new();
    let mut bytes = 0usize;
    let head = chain.head().height.0;
    let mut h = req.from.0.max(1);
    let store = chain.store();
    while h <= head && (blocks.len() as u32) < req.max.min(MAX_SYNC_BLOCKS) {
        let (Some(block), Some(cert)) = (store.block(Height(h))?, store.certificate(Height(h))?) else {
            anyhow::bail!("block {h} at or below the head {head} is missing");
        };
        bytes += borsh::object_length(&block).unwrap_or(usize::MAX / 2);
        if bytes > MAX_SYNC_RESPONSE_BYTES / 2 && !blocks.is_empty() {
            break;
        }
        blocks.push((block, cert));
        h += 1;
    }
    Ok(SyncResponse { blocks })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::ChainLimits;
    use crate::chain::tests::{enc, genesis, produce, transfer};
    use crate::storage::{ChainStore, MemKv};
    use shulian_runtime::block::VOTE_SIGN_TAG;
    use shulian_runtime::test_utils::key;
    use shulian_runtime::{CommitSig, Hash};

    fn open() -> Arc<Chain> {
        let store = ChainStore::new(Arc::new(MemKv::default()));
        Arc::new(Chain::open(store, genesis(), ChainLimits::default()).expect("open"))
    }

    /// A chain of three blocks, one with a transfer, and what it serves from height 1.
    fn source() -> (Arc<Chain>, SyncResponse) {
        let chain = open();
        chain.submit(&enc(&transfer(1, 0, "unit"))).expect("admit");
        for ts in [20, 30, 40] {
            produce(&chain, ts);
        }
        let served = serve(&chain, &SyncRequest { from: Height(1), max: 64 }).expect("serve");
        assert_eq!(served.blocks.len(), 3, "a stored chain serves every block asked");
        (chain, served)
    }

    fn check(chain: &Arc<Chain>, max: u32, claimed: u64, resp: SyncResponse) -> Result<usize, SyncFault> {
        let req = SyncRequest { from: chain.tip().height.next(), max };
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        rt.block_on(check_and_commit(chain, &req, Height(claimed), resp))
    }

    fn is_peer_fault(r: Result<usize, SyncFault>, what: &str) {
        assert!(matches!(r, Err(SyncFault::Peer(_))), "{what}: {r:?}");
    }

    #[test]
    fn a_forged_certificate_is_refused_before_the_block_is_executed() {
        let (_, served) = source();
        let chain = open();
        // The right block with a certificate signed by a key that is no validator.
        let (block, mut cert) = served.blocks[0].clone();
        let msg = cert.vote("unit").sign_bytes();
        cert.signatures =
            vec![CommitSig { validator: key(7).public_key(), signature: key(7).sign(VOTE_SIGN_TAG, &msg) }];
        is_peer_fault(
            check(&chain, 4, 3, SyncResponse { blocks: vec![(block.clone(), cert)] }),
            "non-validator signer",
        );
        // A changed block under the real certificate, which then names another block.
        let mut changed = block;
        changed.header.state_root = Hash([9; 32]);
        let cert = served.blocks[0].1.clone();
        // It would also fail execution (its state root is wrong): the certificate is what refused it.
        let r = check(&chain, 4, 3, SyncResponse { blocks: vec![(changed, cert)] });
        assert!(matches!(&r, Err(SyncFault::Peer(why)) if why.contains("certificate")), "checked first: {r:?}");
        assert_eq!(chain.tip().height, Height(0), "nothing committed");
    }

    #[test]
    fn responses_of_the_wrong_shape_are_refused_and_a_good_one_is_committed() {
        let (_, served) = source();
        let chain = open();
        is_peer_fault(check(&chain, 2, 3, served.clone()), "more blocks than asked");
        let mut reordered = served.clone();
        reordered.blocks.swap(0, 1);
        is_peer_fault(check(&chain, 4, 3, reordered), "out of order");
        is_peer_fault(check(&chain, 4, 3, SyncResponse { blocks: vec![] }), "claimed a head, served nothing");
        assert_eq!(chain.tip().height, Height(0), "nothing committed");
        assert_eq!(check(&chain, 4, 3, served).ok(), Some(3));
        assert_eq!(chain.tip().height, Height(3));
        assert!(check(&chain, 4, 3, SyncResponse { blocks: vec![] }).is_ok(), "nothing more once at the claim");
    }

    #[test]
    fn a_head_signed_by_another_key_than_the_peers_is_ignored() {
        let chain = open();
        let status = Status { height: Height(5), block_hash: Hash([1; 32]) };
        let peer = crate::network::own_peer_id(&key(100)).expect("peer id");
        let other = crate::network::own_peer_id(&key(101)).expect("peer id");
        let signed = SignedStatus::sign(&key(100), "unit", status, &peer.to_bytes());
        let claims = Mutex::new(HashMap::new());
        assert!(!record_claim(&chain, &claims, other, &signed), "relayed by another peer: ignored");
        let mut forged = signed.clone();
        forged.header.status.height = Height(6);
        assert!(!record_claim(&chain, &claims, peer, &forged), "a bad signature: ignored");
        let mut behind = SignedStatus::sign(
            &key(100),
            "unit",
            Status { height: Height(0), block_hash: Hash([1; 32]) },
            &peer.to_bytes(),
        );
        assert!(!record_claim(&chain, &claims, peer, &behind), "not above the tip: ignored");
        behind = SignedStatus::sign(
            &key(100),
            "other",
            Status { height: Height(5), block_hash: Hash([1; 32]) },
            &peer.to_bytes(),
        );
        assert!(!record_claim(&chain, &claims, peer, &behind), "another chain: ignored");
        assert!(choose(&claims, chain.tip().height).is_none());
        assert!(record_claim(&chain, &claims, peer, &signed));
        assert_eq!(
            choose(&claims, chain.tip().height),
            Some((peer, PROBE_BLOCKS, Height(5))),
            "a new claimant is probed"
        );
    }
}
