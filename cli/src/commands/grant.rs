//! `shulian request`, `shulian grant ...` and `shulian receipt`: requests for data, the grants
//! that answer them, and the usage receipts recorded under grants.

use super::Context;
use super::submit::{CallPlan, execute, not_a_call};
use crate::args::when::wall_clock_ms;
use crate::args::{GrantCommand, ReceiptArgs, RequestArgs, UseArgs};
use crate::error::{CliError, exit};
use crate::render::ledger;
use shulian_runtime::call::{GrantsCall, ReceiptAttestation, ReceiptsCall};
use shulian_runtime::{Call, Hash, domain};
use std::path::Path;

/// `shulian request`: files the request, waits, prints its id and the grant's if issued at once.
pub(super) fn request(ctx: &Context, a: RequestArgs) -> Result<u8, CliError> {
    execute(ctx, request_plan(a)?)
}

/// The request the arguments ask for.
pub(super) fn request_plan(a: RequestArgs) -> Result<CallPlan, CliError> {
    // clap's argument group makes an end required.
    let window = a
        .window
        .validity(wall_clock_ms())
        .ok_or_else(|| CliError::Usage("give --valid-until or --valid-for".into()))?;
    let call = Call::Grants(GrantsCall::Request {
        dataset: a.dataset,
        purpose: a.purpose,
        fields: a.fields,
        valid_from_ms: window.from_ms,
        valid_until_ms: window.until_ms,
        max_uses: a.max_uses,
    });
    Ok(CallPlan::new(&a.call, call))
}

/// Runs one `grant` subcommand.
pub(super) fn run(ctx: &Context, cmd: GrantCommand) -> Result<u8, CliError> {
    match cmd {
        GrantCommand::Show { id } => {
            let client = ctx.client();
            let v = client.grant(&id)?;
            // The receipts are a list of their own now; text shows the first ones.
            let receipts = if ctx.out.is_json() {
                String::new()
            } else {
                super::lists::grant_receipts_tail(&client, &id, v.grant.uses)?
            };
            ctx.out.result(&v, || ledger::grant(&v) + &receipts)?;
            Ok(exit::SUCCESS)
        }
        GrantCommand::Receipts(a) => super::lists::receipts(ctx, &a),
        GrantCommand::Countersign { from, use_, seq } => countersign(ctx, &from, &use_, seq),
        cmd => execute(ctx, plan(cmd)?),
    }
}

/// The grants call a `grant` subcommand asks for.
pub(super) fn plan(cmd: GrantCommand) -> Result<CallPlan, CliError> {
    let (opts, call) = match cmd {
        GrantCommand::Approve { call, request } => (call, GrantsCall::Approve { request }),
        GrantCommand::CoApprove { call, request } => (call, GrantsCall::CoApprove { request }),
        GrantCommand::Reject { call, request, reason } => (call, GrantsCall::Reject { request, reason }),
        GrantCommand::Revoke { call, grant, reason } => (call, GrantsCall::Revoke { grant, reason }),
        GrantCommand::RequireCountersignature { call, grant, key } => {
            (call, GrantsCall::RequireCountersignature { grant, key })
        }
        GrantCommand::Freeze { call, grant, reason } => (call, GrantsCall::Freeze { grant, reason }),
        GrantCommand::Unfreeze { call, grant, reason } => (call, GrantsCall::Unfreeze { grant, reason }),
        GrantCommand::Show { .. } => return Err(not_a_call("grant show")),
        GrantCommand::Receipts(_) => return Err(not_a_call("grant receipts")),
        GrantCommand::Countersign { .. } => return Err(not_a_call("grant countersign")),
    };
    Ok(CallPlan::new(&opts, Call::Grants(call)))
}

/// `shulian receipt`: hashes the query text and result file locally when given, then records the use.
pub(super) fn receipt(ctx: &Context, a: ReceiptArgs) -> Result<u8, CliError> {
    execute(ctx, receipt_plan(a)?)
}

/// The usage receipt the arguments ask for; the result file is hashed here, before any key is
/// unlocked.
pub(super) fn receipt_plan(a: ReceiptArgs) -> Result<CallPlan, CliError> {
    let (query_hash, result_hash) = use_hashes(&a.use_)?;
    let (grant, row_count, fields_used) = (a.use_.grant, a.use_.rows, a.fields);
    let call = match a.countersignature {
        None => ReceiptsCall::Record { grant, query_hash, result_hash, row_count, fields_used },
        Some(countersignature) => ReceiptsCall::RecordCountersigned {
            grant,
            query_hash,
            result_hash,
            row_count,
            fields_used,
            countersignature,
        },
    };
    Ok(CallPlan::new(&a.call, Call::Receipts(call)))
}

/// The query and result hashes of a use: given, or hashed here from the query text and the
/// result file.
fn use_hashes(a: &UseArgs) -> Result<(Hash, Hash), CliError> {
    let query_hash = match (a.query_hash, &a.query_text) {
        (Some(h), _) => h,
        (None, Some(text)) => plain_blake3(text.as_bytes()),
        // clap's argument group makes one of them required.
        (None, None) => return Err(CliError::Usage("give --query-hash or --query-text".into())),
    };
    let result_hash = match (a.result_hash, &a.result_file) {
        (Some(h), _) => h,
        (None, Some(path)) => hash_file(path)?,
        (None, None) => return Err(CliError::Usage("give --result-hash or --result-file".into())),
    };
    Ok((query_hash, result_hash))
}

/// What `grant countersign` prints.
#[derive(serde::Serialize)]
struct Countersigned {
    grant: shulian_runtime::GrantId,
    seq: u64,
    query_hash: Hash,
    result_hash: Hash,
    row_count: u64,
    key: shulian_runtime::PublicKey,
    countersignature: shulian_runtime::Signature,
}

/// `shulian grant countersign`: the provider system's signature over one use, made offline.
fn countersign(ctx: &Context, from: &str, a: &UseArgs, seq: u64) -> Result<u8, CliError> {
    let (query_hash, result_hash) = use_hashes(a)?;
    let attestation = ReceiptAttestation { grant: a.grant, seq, query_hash, result_hash, row_count: a.rows };
    let key = ctx.unlock(from)?;
    let out = Countersigned {
        grant: a.grant,
        seq,
        query_hash,
        result_hash,
        row_count: a.rows,
        key: key.public_key(),
        countersignature: key.sign(domain::RECEIPT_COUNTERSIGN, &attestation.sign_bytes()),
    };
    ctx.out.result(&out, || {
        format!(
            "countersignature {}\n(use {seq} of grant {} by key {}: pass it to `shulian receipt --countersignature`)",
            out.countersignature, out.grant, out.key
        )
    })?;
    Ok(exit::SUCCESS)
}

/// blake3 of a file kept off chain (like `b3sum`).
pub(super) fn hash_file(path: &Path) -> Result<Hash, CliError> {
    let bytes = std::fs::read(path).map_err(|e| CliError::InputFile { path: path.to_path_buf(), source: e })?;
    Ok(plain_blake3(&bytes))
}

/// blake3 of a document kept off chain, untagged, so anyone can recompute it with `b3sum`.
pub fn plain_blake3(bytes: &[u8]) -> Hash {
    Hash(*blake3::hash(bytes).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_chain_documents_hash_like_b3sum() {
        // b3sum of the empty input.
        assert_eq!(plain_blake3(b"").to_string(), "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262");
    }
}
