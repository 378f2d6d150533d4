//! A block as proposals and sync deliver it: decode, re-encode to the same bytes, hash it and
//! check its transactions' signatures.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use shulian_runtime::Block;

fuzz_target!(|data: &[u8]| {
    if let Ok(block) = borsh::from_slice::<Block>(data) {
        common::canonical(&block, data);
        common::check_block(&block);
    }
});
