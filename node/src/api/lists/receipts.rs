//! `GET /api/grant/{id}/receipts`: a grant's usage receipts in sequence order. A receipt is
//! history in its block's outcome (ADR 0004), so this is a view of the grant's event index
//! (its `receipt_recorded` events), paged by the index cursor like every list; folding every
//! receipt with `next_receipt_head` gives the grant's `receipts_head`.

use super::super::limits::Client;
use super::super::view::{Source, View, ViewResult, Window, answer, cost, query};
use super::super::{ApiError, Shared, parse_path};
use crate::chain::Chain;
use axum::Extension;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use shulian_api::lists::{RECEIPT_COLUMNS, ReceiptRow};
use shulian_api::regulator::ViewQuery;
use shulian_contracts::grants;
use shulian_runtime::{Event, GrantId, Subject};

/// `GET /api/grant/{id}/receipts[?after=][&limit=][&format=][&since_ms=][&until_ms=][&from=][&to=]`.
pub(in crate::api) async fn grant_receipts(
    State(api): Shared,
    Extension(client): Extension<Client>,
    p: Result<Path<String>, PathRejection>,
    q: Result<Query<ViewQuery>, QueryRejection>,
) -> ViewResult {
    let id: GrantId = parse_path(p, "grant id")?;
    let q = query(q)?;
    api.run(cost(&q, client), move |chain| receipts_view(chain, &q, id)).await
}

fn receipts_view(chain: &Chain, q: &ViewQuery, id: GrantId) -> ViewResult {
    if grants::get_grant(chain.store(), &id).map_err(ApiError::internal)?.is_none() {
        return Err(ApiError::not_found(format!("no grant {id}")));
    }
    let view = View {
        name: "receipts",
        columns: RECEIPT_COLUMNS,
        source: Source::Subject(Subject::Grant(id)),
        window: Window::of(q),
        row: Box::new(move |_, rec, _| {
            let Event::ReceiptRecorded {
                grant,
                seq,
                dataset,
                grantee,
                query_hash,
                result_hash,
                row_count,
                fields_used,
                ..
            } = &rec.event
            else {
                return Ok(None);
            };
            Ok(Some(ReceiptRow {
                height: rec.height,
                tx_hash: rec.tx_hash,
                grant: *grant,
                seq: *seq,
                grantee: *grantee,
                dataset: *dataset,
                row_count: *row_count,
                query_hash: *query_hash,
                result_hash: *result_hash,
                fields_used: fields_used.join(";"),
            }))
        }),
    };
    answer(chain, view, q)
}
