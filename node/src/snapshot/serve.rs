//! The serving side of state sync: the snapshots this node holds, a manifest, a chunk's bytes, and
//! headers with their certificates (from the stored blocks, or the headers kept without bodies).
//! Blocking (disk and store reads): the network runs it off its loop, a bounded number at a time.
//! A read failure is an error (the asking peer sees a failed request and asks another), never a
//! wrong answer.

use super::disk;
use crate::chain::Chain;
use crate::network::wire::{
    HeaderBatch, MAX_HEADERS_RESPONSE_BYTES, MAX_SNAPSHOTS_LISTED, MAX_SYNC_HEADERS, SnapshotInfo, SnapshotRequest,
    SnapshotResponse,
};
use anyhow::Context;
use shulian_runtime::Height;
use shulian_runtime::snapshot::MAX_CHUNK_BYTES;
use shulian_runtime::valset;
use std::path::Path;

/// Answers `req` from the snapshots under `root` and `chain`'s store.
pub fn serve(chain: &Chain, root: &Path, req: &SnapshotRequest) -> anyhow::Result<SnapshotResponse> {
    Ok(match req {
        SnapshotRequest::List => {
            let mut out = Vec::new();
            for (height, _) in disk::list(root).into_iter().take(MAX_SNAPSHOTS_LISTED) {
                if let Some(m) = disk::manifest(root, height)? {
                    out.push(SnapshotInfo {
                        height,
                        block_hash: m.block_hash,
                        chunks: m.chunk_hashes.len() as u32,
                        manifest_hash: m.hash(),
                    });
                }
            }
            SnapshotResponse::List(out)
        }
        SnapshotRequest::Manifest { height } => SnapshotResponse::Manifest(disk::manifest(root, *height)?),
        SnapshotRequest::Chunk { height, index } => {
            #[allow(unused_mut, reason = "only the byzantine build tampers")]
            let mut bytes = disk::chunk(root, *height, *index, MAX_CHUNK_BYTES)?;
            #[cfg(feature = "byzantine")]
            if let Some(b) = bytes.as_mut() {
                crate::consensus::byzantine::tamper_chunk(b);
            }
            SnapshotResponse::Chunk(bytes)
        }
        SnapshotRequest::Headers { from, max } => SnapshotResponse::Headers(headers(chain, *from, *max)?),
    })
}

/// Up to `max` (at most [`MAX_SYNC_HEADERS`]) headers with certificates from `from`, stopping at
/// the head and under the response cap, with the validator set each of them announces (a header
/// whose `next_validators_hash` is not its parent's), read from state where every set stays.
fn headers(chain: &Chain, from: Height, max: u32) -> anyhow::Result<HeaderBatch> {
    let store = chain.store();
    let head = chain.head().height.0;
    let mut out = HeaderBatch::default();
    let mut bytes = 0usize;
    let mut h = from.0.max(1);
    // The set announced before `from`: the parent's, or the genesis set's for block 1.
    let mut announced = match h {
        1 => chain.genesis().validator_set().hash(),
        _ => match store.header(Height(h - 1))? {
            Some(parent) => parent.next_validators_hash,
            None => return Ok(out),
        },
    };
    while h <= head && (out.headers.len() as u32) < max.min(MAX_SYNC_HEADERS) {
        let (Some(header), Some(cert)) = (store.header(Height(h))?, store.certificate(Height(h))?) else {
            anyhow::bail!("header {h} at or below the head {head} is missing");
        };
        let set = if header.next_validators_hash != announced {
            let hash = header.next_validators_hash;
            Some(
                valset::set_by_hash(store, &hash)?
                    .with_context(|| format!("header {h} announces set {hash}, not in state"))?,
            )
        } else {
            None
        };
        bytes += borsh::object_length(&header).unwrap_or(usize::MAX / 4)
            + borsh::object_length(&cert).unwrap_or(0)
            + set.as_ref().map_or(0, |s| borsh::object_length(s).unwrap_or(0));
        if bytes > MAX_HEADERS_RESPONSE_BYTES / 2 && !out.headers.is_empty() {
            break;
        }
        announced = header.next_validators_hash;
        out.headers.push((header, cert));
        out.sets.extend(set);
        h += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::tests::{genesis, produce};
    use crate::chain::{Chain, ChainLimits};
    use crate::snapshot::SnapshotPolicy;
    use crate::snapshot::headers::verify_header_chain;
    use crate::storage::{ChainStore, MemKv};
    use std::sync::Arc;

    #[test]
    fn a_node_serves_its_snapshots_and_headers_it_holds_without_bodies() {
        let chain =
            Chain::open(ChainStore::new(Arc::new(MemKv::default())), genesis(), ChainLimits::default()).expect("open");
        for ts in [20, 30, 40, 50] {
            produce(&chain, ts);
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let view = chain.store().kv().view().expect("view");
        let policy = SnapshotPolicy { interval: 1, keep: 2, chunk_bytes: 256 };
        let m = disk::write_snapshot(view.as_ref(), "unit", dir.path(), policy).expect("snapshot");
        drop(view);
        chain.store().prune_bodies(Height(3), 10).expect("prune");
        let ask = |req| serve(&chain, dir.path(), &req).expect("served");
        let SnapshotResponse::List(list) = ask(SnapshotRequest::List) else { panic!("a list") };
        assert_eq!(list.len(), 1);
        assert_eq!((list[0].height, list[0].manifest_hash), (m.height, m.hash()));
        assert_eq!(ask(SnapshotRequest::Manifest { height: m.height }), SnapshotResponse::Manifest(Some(m.clone())));
        assert_eq!(ask(SnapshotRequest::Manifest { height: Height(9) }), SnapshotResponse::Manifest(None));
        let SnapshotResponse::Chunk(Some(bytes)) = ask(SnapshotRequest::Chunk { height: m.height, index: 0 }) else {
            panic!("chunk 0")
        };
        assert!(shulian_runtime::snapshot::check_chunk(&m, 0, &bytes).is_ok());
        let past = m.chunk_hashes.len() as u32;
        assert_eq!(ask(SnapshotRequest::Chunk { height: m.height, index: past }), SnapshotResponse::Chunk(None));
        // Headers come from below the pruned bodies too, and verify from genesis.
        let SnapshotResponse::Headers(HeaderBatch { headers, .. }) =
            ask(SnapshotRequest::Headers { from: Height(1), max: 100 })
        else {
            panic!("headers")
        };
        assert_eq!(headers.len(), 4, "up to the head");
        assert_eq!(verify_header_chain(&genesis(), &headers).expect("verifies"), Height(4));
        let SnapshotResponse::Headers(HeaderBatch { headers: two, .. }) =
            ask(SnapshotRequest::Headers { from: Height(2), max: 2 })
        else {
            panic!("headers")
        };
        assert_eq!(two.iter().map(|(h, _)| h.height.0).collect::<Vec<_>>(), vec![2, 3]);
    }
}
