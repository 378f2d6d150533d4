//! A consensus push message (`/shulian/push/1`): the input is decoded both as a whole frame
//! (length prefix and body, as the stream codec reads it) and as a bare body; whatever decodes is
//! re-encoded to the same bytes and checked as the driver checks it (proposal signature and
//! block match, vote signature, each relayed transaction).
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use shulian_runtime::Transaction;
use shulian_runtime::tx::DEFAULT_MAX_TX_BYTES;
use shulian_runtime::wire::{MAX_MESSAGE_BYTES, WireMsg, decode_body, decode_frame, encode_frame};

fn check(msg: &WireMsg) {
    match msg {
        WireMsg::Txs(txs) => {
            for bytes in txs {
                if let Ok(tx) = Transaction::decode(bytes, DEFAULT_MAX_TX_BYTES) {
                    common::canonical(&tx, bytes);
                    common::check_tx(&tx);
                }
            }
        }
        WireMsg::Proposal(p) => {
            let _ = p.verify();
            common::check_block(&p.block);
        }
        WireMsg::Vote(v) => {
            let _ = v.verify();
            let _ = v.vote.sign_bytes();
        }
        WireMsg::Status(_) => {}
        WireMsg::SignedStatus(s) => {
            let _ = s.verify(b"peer");
        }
    }
    let frame = encode_frame(msg, MAX_MESSAGE_BYTES).expect("a decoded message fits its frame");
    assert_eq!(decode_frame::<WireMsg>(&frame, MAX_MESSAGE_BYTES).as_ref(), Ok(msg));
}

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = decode_frame::<WireMsg>(data, MAX_MESSAGE_BYTES) {
        common::canonical(&msg, &data[4..]);
        check(&msg);
    }
    if let Ok(msg) = decode_body::<WireMsg>(data) {
        common::canonical(&msg, data);
        check(&msg);
    }
});
