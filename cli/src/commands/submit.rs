//! Submitting any call and reporting it: shared by `transfer` and every call subcommand.

use super::Context;
use crate::error::{CliError, exit};
use crate::render;
use crate::txflow::{self, TxState};
use serde_json::{Value, json};
use shulian_runtime::{Call, SecretKey};
use std::time::Duration;

/// Where a command's new id comes from: field `field` of the first committed event of type
/// `event`, printed as `label`.
#[derive(Clone, Copy, Debug)]
pub struct NewId {
    /// Name under which it is printed, e.g. `dataset`; also the JSON key `<label>_id`.
    pub label: &'static str,
    /// The event type, e.g. `dataset_registered`.
    pub event: &'static str,
    /// The event's field holding the id, e.g. `dataset`.
    pub field: &'static str,
}

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
    let Some(timeout) = wait else {
        let client = ctx.client();
        let tx = txflow::prepare(&client, key, call, nonce)?;
        let hash = client.submit(&tx)?;
        ctx.out.note(&summary(&tx));
        let v = json!({ "hash": hash, "account": tx.account(), "nonce": tx.nonce, "call": tx.call });
        ctx.out.result(&v, || format!("{hash}\n"))?;
        return Ok(exit::SUCCESS);
    };
    let (v, state) = submit_and_wait(ctx, key, call, nonce, timeout, true)?;
    ctx.out.result(&v, || render::tx(&v, &state))?;
    report_failure(ctx, &state);
    Ok(state.exit_code())
}

/// Like [`submit_call`] with a wait, for calls whose result is a new id the contract derives
/// (data set, request, grant, proposal): prints each id of `ids` found in the committed events,
/// as `label id` lines, or with `--json` the node's transaction JSON plus `<label>_id` keys.
pub fn submit_for_ids(
    ctx: &Context,
    key: &SecretKey,
    call: Call,
    nonce: Option<u64>,
    timeout: Duration,
    ids: &[NewId],
) -> Result<u8, CliError> {
    let (mut v, state) = submit_and_wait(ctx, key, call, nonce, timeout, false)?;
    let TxState::Committed { height, failure: None, events, .. } = &state else {
        ctx.out.result(&v, || render::tx(&v, &state))?;
        report_failure(ctx, &state);
        return Ok(state.exit_code());
    };
    let found = find_ids(events, ids);
    ctx.out.note(&format!("committed at height {height} in transaction {}", render::field(&v, "hash")));
    if let Value::Object(map) = &mut v {
        for (label, id) in &found {
            map.insert(format!("{label}_id"), Value::String(id.clone()));
        }
    }
    ctx.out.result(&v, || found.iter().map(|(label, id)| format!("{label:<9}{id}\n")).collect())?;
    Ok(exit::SUCCESS)
}

/// The ids of `wanted` present in `events`, in the order of `wanted`; the first found per label.
pub fn find_ids(events: &[Value], wanted: &[NewId]) -> Vec<(&'static str, String)> {
    let mut found: Vec<(&'static str, String)> = Vec::new();
    for w in wanted {
        if found.iter().any(|(label, _)| *label == w.label) {
            continue;
        }
        let event = events.iter().find(|e| e.get("type").and_then(Value::as_str) == Some(w.event));
        if let Some(id) = event.and_then(|e| e.get(w.field)).and_then(Value::as_str) {
            found.push((w.label, id.to_string()));
        }
    }
    found
}

/// Submits and follows a transaction, with progress on stderr. With `hash_on_stdout` (text
/// output only), the hash is printed first so it is on screen even if the wait is interrupted.
fn submit_and_wait(
    ctx: &Context,
    key: &SecretKey,
    call: Call,
    nonce: Option<u64>,
    timeout: Duration,
    hash_on_stdout: bool,
) -> Result<(Value, TxState), CliError> {
    let client = ctx.client();
    let tx = txflow::prepare(&client, key, call, nonce)?;
    let hash = client.submit(&tx)?;
    if hash_on_stdout && !ctx.out.is_json() {
        ctx.out.raw(&format!("{hash}\n"))?;
    }
    ctx.out.progress(&format!("{}; waiting for a block ", summary(&tx)));
    let mut polls = 0u32;
    let waited = txflow::wait(&client, &hash, timeout, |state| {
        polls += 1;
        // One dot per second of waiting is enough to show life without flooding the terminal.
        if !state.is_final() && polls.is_multiple_of(5) {
            ctx.out.progress(".");
        }
    });
    ctx.out.note("");
    waited
}

fn summary(tx: &shulian_runtime::Transaction) -> String {
    format!("submitted {} from account {} with nonce {}", tx.call.name(), tx.account(), tx.nonce)
}

/// The contract's or the node's refusal, on stderr.
fn report_failure(ctx: &Context, state: &TxState) {
    match state {
        TxState::Committed { height, failure: Some(r), .. } => {
            ctx.out.note(&format!("error: the call failed in block {height}: {} ({})", r.message, r.code))
        }
        TxState::Rejected(r) => {
            ctx.out.note(&format!("error: the node rejected the transaction: {} ({})", r.message, r.code))
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_read_from_the_named_events() {
        let events = vec![
            json!({"type":"request_filed","request":"r1","dataset":"d"}),
            json!({"type":"grant_issued","grant":"g1","request":"r1"}),
        ];
        let wanted = [
            NewId { label: "request", event: "request_filed", field: "request" },
            NewId { label: "grant", event: "grant_issued", field: "grant" },
            NewId { label: "dataset", event: "dataset_registered", field: "dataset" },
        ];
        assert_eq!(find_ids(&events, &wanted), vec![("request", "r1".to_string()), ("grant", "g1".to_string())]);
    }
}
