//! What the block writer indexes of a transaction committed as failed (`storage::attempts`): its
//! call's name, its sender, and the data sets and grants the call names, with the data set of a
//! named grant or request read from the state the block was built on. It reads, never writes.

use crate::storage::{AttemptRecord, ChainStore};
use shulian_contracts::grants;
use shulian_runtime::call::{
    CatalogCall, ElementSource, GrantsCall, LineageCall, MarketCall, Product, ReceiptsCall, RegistryCall,
};
use shulian_runtime::events::Subject;
use shulian_runtime::exec::TxOutcome;
use shulian_runtime::{Block, Call, DatasetId, GrantId, TxStatus};

/// Most subjects one attempt is indexed under (a derivation may name many parents).
const MAX_SUBJECTS: usize = 16;

/// The failed transactions of `block` as `(tx index, record)`.
pub(super) fn of_block(store: &ChainStore, block: &Block, outcomes: &[TxOutcome]) -> Vec<(u32, AttemptRecord)> {
    let mut out = Vec::new();
    for (i, (tx, o)) in block.txs.iter().zip(outcomes).enumerate() {
        if !matches!(o.status, TxStatus::Failed { .. }) {
            continue;
        }
        let mut subjects = vec![Subject::Account(o.account)];
        let (datasets, grant_ids) = named(store, &tx.call);
        for g in grant_ids {
            // Unknown or unreadable grants are indexed under themselves only.
            if let Ok(Some(found)) = grants::get_grant(store, &g) {
                subjects.push(Subject::Dataset(found.dataset));
            }
            subjects.push(Subject::Grant(g));
        }
        subjects.extend(datasets.into_iter().map(Subject::Dataset));
        let mut unique: Vec<Subject> = Vec::with_capacity(subjects.len());
        for s in subjects {
            if !unique.contains(&s) && unique.len() < MAX_SUBJECTS {
                unique.push(s);
            }
        }
        out.push((i as u32, AttemptRecord { call: tx.call.name().to_string(), subjects: unique }));
    }
    out
}

/// The data sets and grants a call names (a request's data set read from state).
fn named(store: &ChainStore, call: &Call) -> (Vec<DatasetId>, Vec<GrantId>) {
    let request = |r| grants::get_request(store, r).ok().flatten().map(|r| r.dataset).into_iter().collect();
    match call {
        Call::Catalog(
            CatalogCall::PublishVersion { dataset, .. }
            | CatalogCall::Retire { dataset }
            | CatalogCall::NegativeList { dataset, .. }
            | CatalogCall::RemoveNegativeList { dataset, .. }
            | CatalogCall::Regrade { dataset, .. },
        ) => (vec![*dataset], vec![]),
        Call::Catalog(CatalogCall::RegisterWithElements { source: ElementSource::CopyOf(d), .. }) => (vec![*d], vec![]),
        Call::Grants(GrantsCall::Request { dataset, .. }) => (vec![*dataset], vec![]),
        Call::Grants(
            GrantsCall::Approve { request: r }
            | GrantsCall::Reject { request: r, .. }
            | GrantsCall::CoApprove { request: r },
        ) => (request(r), vec![]),
        Call::Grants(
            GrantsCall::Revoke { grant, .. }
            | GrantsCall::RequireCountersignature { grant, .. }
            | GrantsCall::Freeze { grant, .. }
            | GrantsCall::Unfreeze { grant, .. },
        ) => (vec![], vec![*grant]),
        Call::Receipts(
            ReceiptsCall::Record { grant, .. }
            | ReceiptsCall::RecordCountersigned { grant, .. }
            | ReceiptsCall::RecordBatch { grant, .. },
        ) => (vec![], vec![*grant]),
        Call::Lineage(LineageCall::RegisterDerived { parents, .. }) => {
            (parents.iter().map(|p| p.dataset).collect(), parents.iter().filter_map(|p| p.grant).collect())
        }
        Call::Market(MarketCall::SubmitListing { product: Product::Dataset(d), .. }) => (vec![*d], vec![]),
        Call::Registry(RegistryCall::AnswerDemand { grant, .. }) => (vec![], vec![*grant]),
        _ => (vec![], vec![]),
    }
}
