//! Block sync, both sides. A node that hears of a head above its tip asks the peer that announced
//! it for the committed blocks after its tip, a batch at a time; checks each block (it extends the
//! tip, executes to its header, and its commit certificate holds) and commits it. A node serves its
//! stored blocks with their certificates to peers that ask, under the response size limit.
//! It owns request building, response serving, response checking and the choice of peer; it must
//! never commit a block that `Chain::validate` and the certificate check have not passed.

use crate::chain::Chain;
use crate::network::NetHandle;
use crate::network::wire::{MAX_SYNC_BLOCKS, MAX_SYNC_RESPONSE_BYTES, SyncRequest, SyncResponse};
use libp2p::PeerId;
use shulian_runtime::{Block, CommitCertificate, Height};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The catching-up side of block sync: at most one fetch runs at a time.
pub(crate) struct BlockSync {
    chain: Arc<Chain>,
    net: NetHandle,
    running: Arc<AtomicBool>,
}

impl BlockSync {
    /// Sync for `chain`, asking peers through `net`.
    pub(crate) fn new(chain: Arc<Chain>, net: NetHandle) -> Self {
        BlockSync { chain, net, running: Arc::new(AtomicBool::new(false)) }
    }

    /// `peer` announced its head at `height`. Peer choice: if that is above the tip and no fetch
    /// runs, fetch from this peer (it has the blocks: it just said so) up to `height`.
    pub(crate) fn on_head(&self, peer: PeerId, height: Height) {
        if height <= self.chain.tip().height || self.running.swap(true, Ordering::SeqCst) {
            return;
        }
        let (chain, net, running) = (self.chain.clone(), self.net.clone(), self.running.clone());
        tokio::spawn(async move {
            let start = chain.head().height;
            if height.0 > start.0 + 1 {
                tracing::info!(target: "sync", %peer, from = start.0, to = height.0, "catching up");
            }
            if let Err(e) = fetch(&chain, &net, peer, height).await {
                tracing::warn!(target: "sync", %peer, error = %e, "block sync stopped");
            }
            running.store(false, Ordering::SeqCst);
        });
    }
}

/// The request for the blocks after `tip`.
fn request_after(tip: Height) -> SyncRequest {
    SyncRequest { from: tip.next(), max: MAX_SYNC_BLOCKS }
}

/// Fetches committed blocks from `peer` up to `target`, one batch after another, until the tip
/// reaches `target` or the peer has nothing more.
async fn fetch(chain: &Arc<Chain>, net: &NetHandle, peer: PeerId, target: Height) -> anyhow::Result<()> {
    #[expect(clippy::disallowed_methods, reason = "catching up is logged every few seconds")]
    let mut last_log = Instant::now();
    loop {
        let tip = chain.tip().height;
        if tip >= target {
            return Ok(());
        }
        let resp = net.sync(peer, request_after(tip)).await.map_err(anyhow::Error::msg)?;
        if resp.blocks.is_empty() {
            return Ok(());
        }
        for (block, cert) in resp.blocks {
            check_and_commit(chain, peer, block, cert).await?;
        }
        if last_log.elapsed() > Duration::from_secs(2) {
            tracing::info!(target: "sync", height = chain.head().height.0, target = target.0, "catching up");
            #[expect(clippy::disallowed_methods, reason = "catching up is logged every few seconds")]
            let now = Instant::now();
            last_log = now;
        }
    }
}

/// Checks one block of a response and commits it: skipped if consensus already committed its
/// height; otherwise it must extend the tip and execute to its header (`Chain::validate`), and its
/// certificate must hold for the validators (`Chain::commit` checks it before anything is stored).
async fn check_and_commit(
    chain: &Arc<Chain>,
    peer: PeerId,
    block: Block,
    cert: CommitCertificate,
) -> anyhow::Result<()> {
    let height = block.header.height;
    if height <= chain.tip().height {
        return Ok(());
    }
    let c = chain.clone();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let exec = c.validate(&block)?;
        c.commit(&block, &cert, exec)?;
        Ok(())
    })
    .await?
    .map_err(|e| e.context(format!("block {height} from {peer}")))
}

/// The serving side: the committed blocks a peer asked for, from `req.from` on, at most
/// [`MAX_SYNC_BLOCKS`] and staying under the response size limit (at least one block, so a peer
/// always progresses).
pub(crate) fn serve(chain: &Chain, req: &SyncRequest) -> SyncResponse {
    let mut blocks = Vec::new();
    let mut bytes = 0usize;
    let head = chain.head().height.0;
    let mut h = req.from.0.max(1);
    while h <= head && (blocks.len() as u32) < req.max.min(MAX_SYNC_BLOCKS) {
        let store = chain.store();
        let (Ok(Some(block)), Ok(Some(cert))) = (store.block(Height(h)), store.certificate(Height(h))) else { break };
        bytes += borsh::object_length(&block).unwrap_or(usize::MAX / 2);
        if bytes > MAX_SYNC_RESPONSE_BYTES / 2 && !blocks.is_empty() {
            break;
        }
        blocks.push((block, cert));
        h += 1;
    }
    SyncResponse { blocks }
}
