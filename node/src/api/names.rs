//! `GET /api/names?ids=`: what a short list of ids names, so the explorer shows "Municipal
//! Transport Bureau" where it had a 64-hex id. At most [`MAX_NAMES`] ids, each resolved by a few
//! point reads of state (no scan), so the route is cheap and bounded. It must never scan.

use super::{Answer, ApiError, Shared};
use crate::chain::Chain;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use shulian_api::names::{MAX_NAMES, NamedItem, NamesQuery, NamesResponse};
use shulian_api::regulator::SearchKind;
use shulian_contracts::{catalog, grants, market, orgs};
use shulian_runtime::call::Product;
use shulian_runtime::{AccountId, DatasetId, Hash};

/// `GET /api/names?ids=A,B,...`.
pub(super) async fn names(State(api): Shared, q: Result<Query<NamesQuery>, QueryRejection>) -> Answer {
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let ids = parse_ids(&q.ids)?;
    api.read(move |chain| {
        Ok(NamesResponse {
            names: ids.iter().filter_map(|id| name_of(chain, id).transpose()).collect::<Result<_, _>>()?,
        })
    })
    .await
}

/// The ids of the query, each once, in order; 400 for a malformed id or more than [`MAX_NAMES`].
fn parse_ids(s: &str) -> Result<Vec<Hash>, ApiError> {
    let mut out: Vec<Hash> = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let h: Hash = part.parse().map_err(|e| ApiError::bad_request(format!("id {part:?}: {e}")))?;
        if !out.contains(&h) {
            out.push(h);
        }
        if out.len() > MAX_NAMES {
            return Err(ApiError::bad_request(format!("at most {MAX_NAMES} ids per request")));
        }
    }
    Ok(out)
}

fn org_name(chain: &Chain, id: &AccountId) -> Result<Option<String>, ApiError> {
    Ok(orgs::get_org(chain.store(), id).map_err(ApiError::internal)?.map(|o| o.name))
}

fn dataset_name(chain: &Chain, id: &DatasetId) -> Result<Option<String>, ApiError> {
    Ok(catalog::get_dataset(chain.store(), id).map_err(ApiError::internal)?.map(|d| d.name))
}

/// What `id` names: an organization, a data set, a grant, a listing or an order (first found).
fn name_of(chain: &Chain, id: &Hash) -> Result<Option<NamedItem>, ApiError> {
    let s = chain.store();
    let item = |kind, name: String| NamedItem {
        id: id.to_hex(),
        kind,
        name,
        roles: Vec::new(),
        org: None,
        org_name: None,
        dataset: None,
    };
    if let Some(o) = orgs::get_org(s, &AccountId(id.0)).map_err(ApiError::internal)? {
        return Ok(Some(NamedItem { roles: o.roles, ..item(SearchKind::Org, o.name) }));
    }
    if let Some(d) = catalog::get_dataset(s, &(*id).into()).map_err(ApiError::internal)? {
        let owner_name = org_name(chain, &d.owner)?;
        return Ok(Some(NamedItem { org: Some(d.owner), org_name: owner_name, ..item(SearchKind::Dataset, d.name) }));
    }
    if let Some(g) = grants::get_grant(s, &(*id).into()).map_err(ApiError::internal)? {
        let name = dataset_name(chain, &g.dataset)?.unwrap_or_default();
        let grantee = org_name(chain, &g.grantee)?;
        return Ok(Some(NamedItem {
            org: Some(g.grantee),
            org_name: grantee,
            dataset: Some(g.dataset),
            ..item(SearchKind::Grant, name)
        }));
    }
    if let Some(l) = market::get_listing(s, &(*id).into()).map_err(ApiError::internal)? {
        let (name, dataset) = match &l.product {
            Product::Dataset(d) => (dataset_name(chain, d)?.unwrap_or_default(), Some(*d)),
            Product::OffCatalog { name, .. } => (name.clone(), None),
        };
        let seller = org_name(chain, &l.seller)?;
        return Ok(Some(NamedItem {
            org: Some(l.seller),
            org_name: seller,
            dataset,
            ..item(SearchKind::Listing, name)
        }));
    }
    if let Some(o) = market::get_order(s, &(*id).into()).map_err(ApiError::internal)? {
        let name = match o.dataset {
            Some(d) => dataset_name(chain, &d)?.unwrap_or_default(),
            None => match market::get_listing(s, &o.listing).map_err(ApiError::internal)?.map(|l| l.product) {
                Some(Product::OffCatalog { name, .. }) => name,
                _ => String::new(),
            },
        };
        let buyer = org_name(chain, &o.buyer)?;
        return Ok(Some(NamedItem {
            org: Some(o.buyer),
            org_name: buyer,
            dataset: o.dataset,
            ..item(SearchKind::Order, name)
        }));
    }
    Ok(None)
}
