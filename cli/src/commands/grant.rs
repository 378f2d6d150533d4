//! `shulian request`, `shulian grant ...` and `shulian receipt`: requests for data, the grants
//! that answer them, and the usage receipts recorded under grants.

use super::Context;
use super::org::send;
use super::submit::{NewId, submit_call, submit_for_ids};
use crate::args::{GrantCommand, ReceiptArgs, RequestArgs};
use crate::error::{CliError, exit};
use crate::render::ledger;
use shulian_runtime::call::{Bound, GrantsCall, ReceiptsCall};
use shulian_runtime::{Call, Hash, Height};

const REQUEST: NewId = NewId { label: "request", event: "request_filed", field: "request" };
const GRANT: NewId = NewId { label: "grant", event: "grant_issued", field: "grant" };

/// `shulian request`: files the request, waits, prints its id and the grant's if issued at once.
pub(super) fn request(ctx: &Context, a: RequestArgs) -> Result<u8, CliError> {
    let valid_from = match (a.from_height, a.from_time) {
        (_, Some(ms)) => Bound::Time(ms),
        (h, None) => Bound::Height(Height(h.unwrap_or(0))),
    };
    let valid_until = match (a.until_height, a.until_time) {
        (_, Some(ms)) => Bound::Time(ms),
        (Some(h), None) => Bound::Height(Height(h)),
        // clap's argument group makes one of them required.
        (None, None) => return Ok(exit::USAGE),
    };
    let key = ctx.unlock(&a.call.from)?;
    let call = Call::Grants(GrantsCall::Request {
        dataset: a.dataset,
        purpose: a.purpose,
        fields: a.fields,
        valid_from,
        valid_until,
        max_uses: a.max_uses,
    });
    submit_for_ids(ctx, &key, call, a.call.nonce, a.call.timeout(), &[REQUEST, GRANT])
}

/// Runs one `grant` subcommand.
pub(super) fn run(ctx: &Context, cmd: GrantCommand) -> Result<u8, CliError> {
    match cmd {
        GrantCommand::Approve { call, request } => {
            let key = ctx.unlock(&call.from)?;
            let c = Call::Grants(GrantsCall::Approve { request });
            submit_for_ids(ctx, &key, c, call.nonce, call.timeout(), &[GRANT])
        }
        GrantCommand::CoApprove { call, request } => {
            let key = ctx.unlock(&call.from)?;
            let c = Call::Grants(GrantsCall::CoApprove { request });
            submit_for_ids(ctx, &key, c, call.nonce, call.timeout(), &[GRANT])
        }
        GrantCommand::Reject { call, request, reason } => {
            send(ctx, &call, Call::Grants(GrantsCall::Reject { request, reason }))
        }
        GrantCommand::Revoke { call, grant, reason } => {
            send(ctx, &call, Call::Grants(GrantsCall::Revoke { grant, reason }))
        }
        GrantCommand::Show { id } => {
            let v = ctx.client().get(&format!("/api/grant/{id}"))?;
            ctx.out.result(&v, || ledger::grant(&v))?;
            Ok(exit::SUCCESS)
        }
    }
}

/// `shulian receipt`: hashes the query text and result file locally when given, then records the use.
pub(super) fn receipt(ctx: &Context, a: ReceiptArgs) -> Result<u8, CliError> {
    let query_hash = match (a.query_hash, &a.query_text) {
        (Some(h), _) => h,
        (None, Some(text)) => plain_blake3(text.as_bytes()),
        // clap's argument group makes one of them required.
        (None, None) => return Ok(exit::USAGE),
    };
    let result_hash = match (a.result_hash, &a.result_file) {
        (Some(h), _) => h,
        (None, Some(path)) => {
            let bytes = std::fs::read(path).map_err(|e| CliError::InputFile { path: path.clone(), source: e })?;
            plain_blake3(&bytes)
        }
        (None, None) => return Ok(exit::USAGE),
    };
    let key = ctx.unlock(&a.call.from)?;
    let call = Call::Receipts(ReceiptsCall::Record {
        grant: a.grant,
        query_hash,
        result_hash,
        row_count: a.rows,
        fields_used: a.fields,
    });
    submit_call(ctx, &key, call, a.call.nonce, a.call.wait())
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
