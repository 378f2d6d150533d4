//! A transaction as `POST /api/tx` and peers' `Txs` messages deliver it: decode with the size
//! limit, then check it as admission would; a decoded transaction must re-encode to the same bytes.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use shulian_runtime::Transaction;
use shulian_runtime::tx::DEFAULT_MAX_TX_BYTES;

fuzz_target!(|data: &[u8]| {
    if let Ok(tx) = Transaction::decode(data, DEFAULT_MAX_TX_BYTES) {
        common::canonical(&tx, data);
        common::check_tx(&tx);
    }
});
