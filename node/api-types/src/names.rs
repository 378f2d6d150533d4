//! Names instead of hashes: `GET /api/names?ids=` resolves a short list of ids (organizations,
//! data sets, grants, listings, orders) to what a person reads: an organization's name and roles,
//! a data set's name and its owner's name, a grant's data set and grantee. The explorer shows
//! these where it used to show 64-hex ids, with the id one hover away.

use serde::{Deserialize, Serialize};
use shulian_runtime::genesis::Role;
use shulian_runtime::{AccountId, DatasetId};
use utoipa::{IntoParams, ToSchema};

use crate::regulator::SearchKind;

/// Ids one names request resolves at most: a page of a list names at most a few dozen.
pub const MAX_NAMES: usize = 100;

/// Query of `GET /api/names`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NamesQuery {
    /// Ids (64 hex digits each), comma-separated, at most [`MAX_NAMES`].
    #[param(pattern = "^[0-9a-f]{64}(,[0-9a-f]{64})*$")]
    #[schema(pattern = "^[0-9a-f]{64}(,[0-9a-f]{64})*$")]
    pub ids: String,
}

/// What one id names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NamedItem {
    /// The id asked for.
    pub id: String,
    /// What it is: `org`, `dataset`, `grant`, `listing` or `order`.
    pub kind: SearchKind,
    /// Its name: an organization's or data set's own name; for a grant, order or listing, the
    /// name of the data set (or off-catalog product) it is about.
    pub name: String,
    /// An organization's roles (empty for other kinds).
    #[serde(default)]
    pub roles: Vec<Role>,
    /// The organization the item belongs to: a data set's owner, a grant's grantee, a listing's
    /// seller, an order's buyer.
    pub org: Option<AccountId>,
    /// That organization's name.
    pub org_name: Option<String>,
    /// The data set a grant, listing or order is about.
    pub dataset: Option<DatasetId>,
}

/// `GET /api/names`: the ids found, in the order asked (an id naming nothing is left out).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NamesResponse {
    /// One entry per id found.
    pub names: Vec<NamedItem>,
}
