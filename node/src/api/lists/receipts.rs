//! `GET /api/grant/{id}/receipts`: a grant's usage receipts in sequence order, paged by sequence
//! number (the cursor is the last sequence number read, 8 bytes big-endian, hex), reading at most
//! one page of receipts per request.

use super::super::limits::Client;
use super::super::view::{Clock, ViewResult, Window, answer_pages, query};
use super::super::{ApiError, Shared, parse_path};
use crate::chain::Chain;
use axum::Extension;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use shulian_api::lists::{RECEIPT_COLUMNS, ReceiptRow};
use shulian_api::regulator::ViewQuery;
use shulian_contracts::{grants, receipts};
use shulian_runtime::GrantId;

/// The sequence number a receipts cursor names, or 400.
fn parse_seq_cursor(after: Option<&String>) -> Result<u64, ApiError> {
    let Some(a) = after else { return Ok(0) };
    let bytes = hex::decode(a).map_err(|e| ApiError::bad_request(format!("cursor is not hex: {e}")))?;
    let seq: [u8; 8] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| ApiError::bad_request("a receipts cursor is 8 bytes (a sequence number), hex"))?;
    Ok(u64::from_be_bytes(seq))
}

/// `GET /api/grant/{id}/receipts[?after=][&limit=][&format=][&since_ms=][&until_ms=][&from=][&to=]`.
pub(in crate::api) async fn grant_receipts(
    State(api): Shared,
    Extension(client): Extension<Client>,
    p: Result<Path<String>, PathRejection>,
    q: Result<Query<ViewQuery>, QueryRejection>,
) -> ViewResult {
    let id: GrantId = parse_path(p, "grant id")?;
    let q = query(q)?;
    let after = parse_seq_cursor(q.after.as_ref())?;
    api.run(Some(client), move |chain| receipts_view(chain, &q, id, after)).await
}

fn receipts_view(chain: &Chain, q: &ViewQuery, id: GrantId, after: u64) -> ViewResult {
    let g = grants::get_grant(chain.store(), &id).map_err(ApiError::internal)?;
    let g = g.ok_or_else(|| ApiError::not_found(format!("no grant {id}")))?;
    let uses = g.uses;
    let window = Window::of(q);
    let mut clock = Clock::new(chain);
    let start = Some(after.to_be_bytes().to_vec());
    answer_pages("receipts", RECEIPT_COLUMNS, q, start, move |cursor, limit| {
        let mut seq = cursor.and_then(|c| <[u8; 8]>::try_from(c.as_slice()).ok()).map_or(0, u64::from_be_bytes);
        let mut rows = Vec::new();
        // One page reads at most `limit` receipts, whatever the window keeps of them.
        let mut read = 0;
        while seq < uses && read < limit {
            seq += 1;
            read += 1;
            let Some(r) = receipts::get_receipt(chain.store(), &id, seq).map_err(ApiError::internal)? else {
                continue;
            };
            let time = clock.at(r.height)?;
            if window.to.is_some_and(|to| r.height.0 > to) || window.until_ms.is_some_and(|u| time >= u) {
                return Ok((rows, None));
            }
            if window.from.is_some_and(|f| r.height.0 < f) || window.since_ms.is_some_and(|s| time < s) {
                continue;
            }
            rows.push(ReceiptRow {
                height: r.height,
                tx_hash: r.tx_hash,
                grant: r.grant,
                seq: r.seq,
                grantee: r.grantee,
                dataset: r.dataset,
                row_count: r.row_count,
                query_hash: r.query_hash,
                result_hash: r.result_hash,
                fields_used: r.fields_used.join(";"),
            });
        }
        Ok((rows, (seq < uses).then(|| seq.to_be_bytes().to_vec())))
    })
}
