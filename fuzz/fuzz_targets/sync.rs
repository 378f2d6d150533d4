//! Block sync (`/shulian/sync/1`): a request as a serving node decodes it, and a response as a
//! syncing node decodes it, each both as a frame and as a bare body; every block and certificate
//! in a response is re-encoded to the same bytes, hashed, and its certificate checked against a
//! validator set, as sync does before committing. The same for state sync (`/shulian/snapshot/1`):
//! requests, responses (under each type's cap), a manifest's shape, a chunk's bytes checked and
//! decoded as a snapshot chunk, headers' certificates checked.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use shulian_runtime::snapshot::{SnapshotChunk, SnapshotManifest, check_chunk};
use shulian_runtime::wire::{
    MAX_SNAPSHOT_REQUEST_BYTES, MAX_SYNC_RESPONSE_BYTES, SnapshotRequest, SnapshotResponse, SyncRequest, SyncResponse,
    decode_body, decode_frame, max_snapshot_response_bytes,
};

fn check(resp: &SyncResponse) {
    let validators = common::validators();
    for (block, cert) in &resp.blocks {
        common::check_block(block);
        let _ = cert.verify(&block.header, &validators);
    }
}

fn check_snapshot(resp: &SnapshotResponse) {
    match resp {
        SnapshotResponse::Manifest(Some(m)) => {
            let _ = m.check_shape("fuzz");
            let _ = m.hash();
        }
        SnapshotResponse::Chunk(Some(bytes)) => {
            let _ = borsh::from_slice::<SnapshotChunk>(bytes);
            let m = SnapshotManifest {
                format: 1,
                chain_id: "fuzz".into(),
                height: shulian_runtime::Height(1),
                block_hash: shulian_runtime::Hash::ZERO,
                state_root: shulian_runtime::Hash::ZERO,
                entries: 1,
                total_bytes: bytes.len() as u64,
                chunk_hashes: vec![shulian_runtime::snapshot::chunk_hash(bytes)],
            };
            let _ = check_chunk(&m, 0, bytes);
        }
        SnapshotResponse::Headers(headers) => {
            let validators = common::validators();
            for (header, cert) in &headers.headers {
                let _ = cert.verify(header, &validators);
            }
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = decode_body::<SnapshotRequest>(data) {
        common::canonical(&req, data);
    }
    if let Ok(req) = decode_frame::<SnapshotRequest>(data, MAX_SNAPSHOT_REQUEST_BYTES) {
        common::canonical(&req, &data[4..]);
    }
    if let Some(&tag) = data.first()
        && data.len() <= max_snapshot_response_bytes(tag)
        && let Ok(resp) = decode_body::<SnapshotResponse>(data)
    {
        common::canonical(&resp, data);
        check_snapshot(&resp);
    }
    if let Ok(req) = decode_body::<SyncRequest>(data) {
        common::canonical(&req, data);
    }
    if let Ok(req) = decode_frame::<SyncRequest>(data, 1024) {
        common::canonical(&req, &data[4..]);
    }
    if let Ok(resp) = decode_body::<SyncResponse>(data) {
        common::canonical(&resp, data);
        check(&resp);
    }
    if let Ok(resp) = decode_frame::<SyncResponse>(data, MAX_SYNC_RESPONSE_BYTES) {
        common::canonical(&resp, &data[4..]);
        check(&resp);
    }
});
