//! Block sync (`/shulian/sync/1`): a request as a serving node decodes it, and a response as a
//! syncing node decodes it, each both as a frame and as a bare body; every block and certificate
//! in a response is re-encoded to the same bytes, hashed, and its certificate checked against a
//! validator set, as sync does before committing.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use shulian_runtime::wire::{MAX_SYNC_RESPONSE_BYTES, SyncRequest, SyncResponse, decode_body, decode_frame};

fn check(resp: &SyncResponse) {
    let validators = common::validators();
    for (block, cert) in &resp.blocks {
        common::check_block(block);
        let _ = cert.verify(&block.header, &validators);
    }
}

fuzz_target!(|data: &[u8]| {
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
