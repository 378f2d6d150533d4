//! Submitting any call and reporting it: shared by `transfer` and every future call subcommand.

use super::Context;
use crate::error::{CliError, exit};
use crate::render;
use crate::txflow::{self, TxState};
use serde_json::json;
use shulian_runtime::{Call, SecretKey};
use std::time::Duration;

/// Signs `call` with `key` (nonce from `nonce` or the node), submits it and prints its hash; with
/// `wait`, follows it for at most that long and prints the outcome. Answers the exit code: 0, or
/// 1 if the call failed in its contract, or 3 if the node rejected the transaction.
pub fn submit_call(
    ctx: &Context,
    key: &SecretKey,
    call: Call,
    nonce: Option<u64>,
    wait: Option<Duration>,
) -> Result<u8, CliError> {
    let client = ctx.client();
    let tx = txflow::prepare(&client, key, call, nonce)?;
    let hash = client.submit(&tx)?;
    let summary = format!("submitted {} from account {} with nonce {}", tx.call.name(), tx.account(), tx.nonce);
    let Some(timeout) = wait else {
        ctx.out.note(&summary);
        let v = json!({ "hash": hash, "account": tx.account(), "nonce": tx.nonce, "call": tx.call });
        ctx.out.result(&v, || format!("{hash}\n"))?;
        return Ok(exit::SUCCESS);
    };
    if !ctx.out.is_json() {
        // The hash first, so it is on screen even if the wait is interrupted.
        ctx.out.raw(&format!("{hash}\n"))?;
    }
    ctx.out.progress(&format!("{summary}; waiting for a block "));
    let mut polls = 0u32;
    let waited = txflow::wait(&client, &hash, timeout, |state| {
        polls += 1;
        // One dot per second of waiting is enough to show life without flooding the terminal.
        if !state.is_final() && polls.is_multiple_of(5) {
            ctx.out.progress(".");
        }
    });
    ctx.out.note("");
    let (v, state) = waited?;
    ctx.out.result(&v, || render::tx(&v, &state))?;
    match &state {
        TxState::Committed { height, failure: Some(r), .. } => {
            ctx.out.note(&format!("error: the call failed in block {height}: {}", r.message))
        }
        TxState::Rejected(r) => ctx.out.note(&format!("error: the node rejected the transaction: {}", r.message)),
        _ => {}
    }
    Ok(state.exit_code())
}
