//! Submitting any call and reporting it: shared by `transfer`, every call subcommand and
//! `tx send`. A subcommand first turns its arguments into a [`CallPlan`] (no key, no network), so
//! the same plan can be signed and submitted at once or written unsigned by `tx build`.

use super::Context;
use crate::args::CallOpts;
use crate::error::{CliError, exit};
use crate::render;
use crate::txflow::{self, TxState};
use serde::Serialize;
use serde_json::Value;
use shulian_api::chain::TxStatusResponse;
use shulian_runtime::call::{CatalogCall, GrantsCall, LineageCall, MarketCall, OrgsCall, RegistryCall};
use shulian_runtime::events::Event;
use shulian_runtime::{AccountId, Call, Hash, SecretKey, Transaction};
use std::time::Duration;

/// A transaction a subcommand asks for, before it is signed: the call and who signs it.
#[derive(Clone, Debug)]
pub(crate) struct CallPlan {
    /// `--from`: the signing key's name (for `tx build`, a name or a public key).
    pub(crate) from: String,
    /// `--nonce`, or `None` to ask the node.
    pub(crate) nonce: Option<u64>,
    /// What to do.
    pub(crate) call: Call,
    /// `--wait` was given.
    pub(crate) wait: bool,
    /// `--timeout-secs`.
    pub(crate) timeout: Duration,
}

impl CallPlan {
    /// A plan for `call` signed as the common options say.
    pub(crate) fn new(opts: &CallOpts, call: Call) -> CallPlan {
        CallPlan { from: opts.from.clone(), nonce: opts.nonce, call, wait: opts.wait, timeout: opts.timeout() }
    }
}

/// A subcommand that only reads the ledger, given where a transaction was expected (`tx build`).
pub(crate) fn not_a_call(what: &str) -> CliError {
    CliError::Usage(format!("`{what}` only reads the ledger: there is no transaction to build"))
}

/// The new ids a call's committed events announce, printed instead of the whole outcome.
pub(crate) fn ids_of(call: &Call) -> &'static [NewId] {
    const DATASET: NewId = NewId {
        label: "dataset",
        id: |e| match e {
            Event::DatasetRegistered { dataset, .. } => Some(dataset.to_string()),
            _ => None,
        },
    };
    const DERIVED: NewId = NewId {
        label: "dataset",
        id: |e| match e {
            Event::DerivedRegistered { dataset, .. } => Some(dataset.to_string()),
            _ => None,
        },
    };
    const REQUEST: NewId = NewId {
        label: "request",
        id: |e| match e {
            Event::RequestFiled { request, .. } => Some(request.to_string()),
            _ => None,
        },
    };
    const GRANT: NewId = NewId {
        label: "grant",
        id: |e| match e {
            Event::GrantIssued { grant, .. } => Some(grant.to_string()),
            _ => None,
        },
    };
    const PROPOSAL: NewId = NewId {
        label: "proposal",
        id: |e| match e {
            Event::ProposalCreated { proposal, .. } => Some(proposal.to_string()),
            _ => None,
        },
    };
    const LISTING: NewId = NewId {
        label: "listing",
        id: |e| match e {
            Event::ListingSubmitted { listing, .. } => Some(listing.to_string()),
            _ => None,
        },
    };
    const ORDER: NewId = NewId {
        label: "order",
        id: |e| match e {
            Event::OrderPlaced { order, .. } => Some(order.to_string()),
            _ => None,
        },
    };
    const ACCEPTED: NewId = NewId {
        label: "order",
        id: |e| match e {
            Event::DeliveryAccepted { order, .. } => Some(order.to_string()),
            _ => None,
        },
    };
    const CLAIMED: NewId = NewId {
        label: "order",
        id: |e| match e {
            Event::SettlementClaimed { order, .. } => Some(order.to_string()),
            _ => None,
        },
    };
    const DEMAND: NewId = NewId {
        label: "demand",
        id: |e| match e {
            Event::DemandFiled { demand, .. } => Some(demand.to_string()),
            _ => None,
        },
    };
    match call {
        Call::Catalog(CatalogCall::Register { .. } | CatalogCall::RegisterWithElements { .. }) => &[DATASET],
        Call::Registry(RegistryCall::FileDemand { .. }) => &[DEMAND],
        // The lineage contract may announce the catalog entry either way; take whichever comes.
        Call::Lineage(LineageCall::RegisterDerived { .. }) => &[DERIVED, DATASET],
        Call::Grants(GrantsCall::Request { .. }) => &[REQUEST, GRANT],
        Call::Grants(GrantsCall::Approve { .. } | GrantsCall::CoApprove { .. }) => &[GRANT],
        Call::Orgs(OrgsCall::Propose { .. }) => &[PROPOSAL],
        Call::Market(MarketCall::SubmitListing { .. }) => &[LISTING],
        Call::Market(MarketCall::PlaceOrder { .. }) => &[ORDER],
        // Completing an order issues the buyer's grant.
        Call::Market(MarketCall::AcceptDelivery { .. }) => &[ACCEPTED, GRANT],
        Call::Market(MarketCall::ClaimSettlement { .. }) => &[CLAIMED, GRANT],
        _ => &[],
    }
}

/// Signs and submits a plan with the key it names. A call that creates an id always waits for
/// its block and prints the id; any other waits only with `--wait`.
pub(crate) fn execute(ctx: &Context, plan: CallPlan) -> Result<u8, CliError> {
    let key = ctx.unlock(&plan.from)?;
    let ids = ids_of(&plan.call);
    if ids.is_empty() {
        submit_call(ctx, &key, plan.call, plan.nonce, plan.wait.then_some(plan.timeout))
    } else {
        submit_for_ids(ctx, &key, plan.call, plan.nonce, plan.timeout, ids)
    }
}

/// Submits a transaction signed elsewhere (`tx send`) and reports it like [`execute`] does,
/// waiting only when asked.
pub(crate) fn submit_signed(ctx: &Context, tx: Transaction, wait: Option<Duration>) -> Result<u8, CliError> {
    let ids = ids_of(&tx.call);
    match wait {
        None => {
            let hash = ctx.client().submit(&tx)?;
            report_submitted(ctx, &tx, hash)
        }
        Some(timeout) if ids.is_empty() => {
            let (answer, state) = send_and_wait(ctx, &tx, timeout, true)?;
            report_outcome(ctx, &answer, &state)
        }
        Some(timeout) => {
            let (v, state) = send_and_wait(ctx, &tx, timeout, false)?;
            report_ids(ctx, &v, &state, ids)
        }
    }
}

/// Where a command's new id comes from: the first committed event `id` finds it in, printed as
/// `label`.
#[derive(Clone, Copy, Debug)]
pub struct NewId {
    /// Name under which it is printed, e.g. `dataset`; also the JSON key `<label>_id`.
    pub label: &'static str,
    /// The id an event announces, if it is of the kind that does (e.g. `dataset_registered`).
    pub id: fn(&Event) -> Option<String>,
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
    let client = ctx.client();
    let pinned = ctx.pinned_chain_id(&client)?;
    let tx = txflow::prepare(&client, key, call, nonce, &pinned)?;
    let Some(timeout) = wait else {
        let hash = client.submit(&tx)?;
        return report_submitted(ctx, &tx, hash);
    };
    let (answer, state) = send_and_wait(ctx, &tx, timeout, true)?;
    report_outcome(ctx, &answer, &state)
}

/// The hash of a transaction submitted without waiting.
fn report_submitted(ctx: &Context, tx: &Transaction, hash: Hash) -> Result<u8, CliError> {
    /// `--json` of a transaction submitted without waiting.
    #[derive(Serialize)]
    struct Submitted<'a> {
        hash: Hash,
        account: AccountId,
        nonce: u64,
        call: &'a Call,
    }
    ctx.out.note(&summary(tx));
    let v = Submitted { hash, account: tx.account(), nonce: tx.nonce, call: &tx.call };
    ctx.out.result(&v, || format!("{hash}\n"))?;
    Ok(exit::SUCCESS)
}

/// The outcome of a transaction waited for, and the refusal on stderr if any.
fn report_outcome(ctx: &Context, v: &TxStatusResponse, state: &TxState) -> Result<u8, CliError> {
    ctx.out.result(v, || render::tx(v, state))?;
    report_failure(ctx, state);
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
    let client = ctx.client();
    let pinned = ctx.pinned_chain_id(&client)?;
    let tx = txflow::prepare(&client, key, call, nonce, &pinned)?;
    let (answer, state) = send_and_wait(ctx, &tx, timeout, false)?;
    report_ids(ctx, &answer, &state, ids)
}

/// The new ids of a committed transaction, or its outcome if it failed or was rejected.
fn report_ids(ctx: &Context, answer: &TxStatusResponse, state: &TxState, ids: &[NewId]) -> Result<u8, CliError> {
    let TxState::Committed { height, failure: None, events, .. } = state else {
        return report_outcome(ctx, answer, state);
    };
    let found = find_ids(events, ids);
    ctx.out.note(&format!("committed at height {height} in transaction {}", txflow::tx_hash(answer)));
    // The node's answer plus the wallet's own `<label>_id` keys.
    let mut v = serde_json::to_value(answer).map_err(|e| CliError::Internal(format!("cannot show the answer: {e}")))?;
    if let Value::Object(map) = &mut v {
        for (label, id) in &found {
            map.insert(format!("{label}_id"), Value::String(id.clone()));
        }
    }
    ctx.out.result(&v, || found.iter().map(|(label, id)| format!("{label:<9}{id}\n")).collect())?;
    Ok(exit::SUCCESS)
}

/// The ids of `wanted` present in `events`, in the order of `wanted`; the first found per label.
pub fn find_ids(events: &[Event], wanted: &[NewId]) -> Vec<(&'static str, String)> {
    let mut found: Vec<(&'static str, String)> = Vec::new();
    for w in wanted {
        if found.iter().any(|(label, _)| *label == w.label) {
            continue;
        }
        if let Some(id) = events.iter().find_map(w.id) {
            found.push((w.label, id));
        }
    }
    found
}

/// Submits and follows a signed transaction, with progress on stderr. With `hash_on_stdout` (text
/// output only), the hash is printed first so it is on screen even if the wait is interrupted.
fn send_and_wait(
    ctx: &Context,
    tx: &Transaction,
    timeout: Duration,
    hash_on_stdout: bool,
) -> Result<(TxStatusResponse, TxState), CliError> {
    let client = ctx.client();
    let hash = client.submit(tx)?;
    if hash_on_stdout && !ctx.out.is_json() {
        ctx.out.raw(&format!("{hash}\n"))?;
    }
    ctx.out.progress(&format!("{}; waiting for it to be committed in a block ", summary(tx)));
    let mut polls = 0u32;
    let waited = txflow::wait_for(&client, &hash, timeout, |state| {
        polls += 1;
        // One dot per second of waiting is enough to show life without flooding the terminal.
        if !state.is_final() && polls.is_multiple_of(5) {
            ctx.out.progress(".");
        }
    });
    ctx.out.note("");
    waited.map_err(CliError::from)
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
    use shulian_runtime::{DatasetId, GrantId, RequestId};

    #[test]
    fn ids_are_read_from_the_named_events() {
        let (r, g, d, a) = (RequestId([1; 32]), GrantId([2; 32]), DatasetId([3; 32]), AccountId([4; 32]));
        let events = vec![
            Event::RequestFiled { request: r, dataset: d, requester: a, owner: a, purpose: "p".into(), fields: vec![] },
            Event::GrantIssued { grant: g, request: r, dataset: d, grantor: a, grantee: a, version: 1 },
        ];
        let call = Call::Grants(GrantsCall::Request {
            dataset: d,
            purpose: "p".into(),
            fields: vec![],
            valid_from_ms: 0,
            valid_until_ms: 9,
            max_uses: 1,
        });
        assert_eq!(find_ids(&events, ids_of(&call)), vec![("request", r.to_string()), ("grant", g.to_string())]);
        let place = Call::Market(MarketCall::PlaceOrder { listing: shulian_runtime::ListingId([5; 32]) });
        assert_eq!(find_ids(&events, ids_of(&place)), vec![], "no order event, no order id");
    }
}
