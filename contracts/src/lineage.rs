//! Lineage: a department registers a data set derived from others, naming for each parent the
//! grant it used it under (not needed for its own data). Parents and children are both stored,
//! so ancestors and descendants are walks over stored lists, never a scan.

use crate::catalog::{self, load_dataset};
use crate::grants::{load_grant, usability};
use crate::store::{Store, View};
use shulian_runtime::call::{Classification, DatasetSpec, LineageCall, ParentRef, SharingAttribute};
use shulian_runtime::events::Event;
use shulian_runtime::exec::{ContractError, ExecError, TxContext};
use shulian_runtime::ids::{AccountId, DatasetId, GrantId};
use shulian_runtime::state::{StateReader, StorageError};
use std::collections::{BTreeSet, VecDeque};

/// Refusals of the lineage contract (registering the data set itself is refused with `catalog.*`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineageError {
    /// A derived data set needs parents.
    #[error("a derived data set needs at least one parent")]
    NoParents,
    /// The same parent twice.
    #[error("parent data set {0} is named more than once")]
    DuplicateParent(DatasetId),
    /// No such parent.
    #[error("parent data set {0} does not exist")]
    UnknownParent(DatasetId),
    /// Someone else's data set named without a grant.
    #[error("parent data set {0} belongs to another organization: name the grant it was used under")]
    GrantRequired(DatasetId),
    /// No such grant.
    #[error("grant {0} does not exist")]
    UnknownGrant(GrantId),
    /// A grant someone else holds.
    #[error("grant {grant} is held by {grantee}, not by {sender}")]
    GrantNotHeld {
        /// Grant.
        grant: GrantId,
        /// Its grantee.
        grantee: AccountId,
        /// Sender.
        sender: AccountId,
    },
    /// A grant for another data set.
    #[error("grant {grant} is for data set {granted}, not for parent {parent}")]
    GrantForOtherDataset {
        /// Grant.
        grant: GrantId,
        /// What it is for.
        granted: DatasetId,
        /// The parent named.
        parent: DatasetId,
    },
    /// A grant that cannot be used now.
    #[error("grant {grant} is not currently valid: {why}")]
    GrantNotValid {
        /// Grant.
        grant: GrantId,
        /// Why (revoked, not yet valid, expired, a party suspended, negative-listed).
        why: String,
    },
    /// A parent on the negative list: nothing may be derived from it.
    #[error("parent data set {0} is on the negative list ({1}); nothing may be derived from it")]
    ParentNegativeListed(DatasetId, String),
    /// A retired parent.
    #[error("parent data set {0} is retired; nothing may be derived from it")]
    ParentRetired(DatasetId),
    /// Declared less sensitive than a parent.
    #[error(
        "a data set derived from {parent} ({parent_level:?}) must be classified {parent_level:?} or higher, not {declared:?}"
    )]
    ClassificationBelowParent {
        /// The parent.
        parent: DatasetId,
        /// Its classification.
        parent_level: Classification,
        /// The derived set's.
        declared: Classification,
    },
    /// Declared more freely shareable than a parent.
    #[error(
        "a data set derived from {parent} ({parent_sharing:?}) must be shared as strictly or more, not {declared:?}"
    )]
    SharingLooserThanParent {
        /// The parent.
        parent: DatasetId,
        /// Its sharing attribute.
        parent_sharing: SharingAttribute,
        /// The derived set's.
        declared: SharingAttribute,
    },
}

impl ContractError for LineageError {
    fn code(&self) -> &'static str {
        match self {
            LineageError::NoParents => "lineage.no_parents",
            LineageError::DuplicateParent(_) => "lineage.duplicate_parent",
            LineageError::UnknownParent(_) => "lineage.unknown_parent",
            LineageError::GrantRequired(_) => "lineage.grant_required",
            LineageError::UnknownGrant(_) => "lineage.unknown_grant",
            LineageError::GrantNotHeld { .. } => "lineage.grant_not_held",
            LineageError::GrantForOtherDataset { .. } => "lineage.grant_for_other_dataset",
            LineageError::GrantNotValid { .. } => "lineage.grant_not_valid",
            LineageError::ParentNegativeListed(..) => "lineage.parent_negative_listed",
            LineageError::ParentRetired(_) => "lineage.parent_retired",
            LineageError::ClassificationBelowParent { .. } => "lineage.classification_below_parent",
            LineageError::SharingLooserThanParent { .. } => "lineage.sharing_looser_than_parent",
        }
    }
}

refusal!(LineageError);

/// State key of a data set's parents (with the grants they were used under).
pub fn parents_key(id: &DatasetId) -> Vec<u8> {
    [b"lineage/parents/".as_slice(), &id.0].concat()
}

/// State key of a data set's direct children, sorted by id.
pub fn children_key(id: &DatasetId) -> Vec<u8> {
    [b"lineage/children/".as_slice(), &id.0].concat()
}

/// A data set's direct parents as registered (empty for an original data set).
pub fn get_parents<S: StateReader + ?Sized>(state: &S, id: &DatasetId) -> Result<Vec<ParentRef>, StorageError> {
    load_parents(&View(state), id)
}

/// A data set's direct children, sorted by id.
pub fn get_children<S: StateReader + ?Sized>(state: &S, id: &DatasetId) -> Result<Vec<DatasetId>, StorageError> {
    load_children(&View(state), id)
}

/// Every data set `id` was derived from, directly or not: breadth first (nearest first), each
/// once, never `id` itself; safe on cycles.
pub fn ancestors<S: StateReader + ?Sized>(state: &S, id: &DatasetId) -> Result<Vec<DatasetId>, StorageError> {
    walk(id, |d| Ok(get_parents(state, d)?.into_iter().map(|p| p.dataset).collect()))
}

/// Every data set derived from `id`, directly or not: breadth first, each once, never `id`
/// itself; safe on cycles.
pub fn descendants<S: StateReader + ?Sized>(state: &S, id: &DatasetId) -> Result<Vec<DatasetId>, StorageError> {
    walk(id, |d| get_children(state, d))
}

/// At most `cap` of [`ancestors`], nearest first, and whether more were left out; reads the
/// parents of at most `cap` data sets.
pub fn ancestors_bounded<S: StateReader + ?Sized>(
    state: &S,
    id: &DatasetId,
    cap: usize,
) -> Result<(Vec<DatasetId>, bool), StorageError> {
    walk_bounded(id, cap, |d| Ok(get_parents(state, d)?.into_iter().map(|p| p.dataset).collect()))
}

/// At most `cap` of [`descendants`], nearest first, and whether more were left out; reads the
/// children of at most `cap` data sets.
pub fn descendants_bounded<S: StateReader + ?Sized>(
    state: &S,
    id: &DatasetId,
    cap: usize,
) -> Result<(Vec<DatasetId>, bool), StorageError> {
    walk_bounded(id, cap, |d| get_children(state, d))
}

fn walk<F>(start: &DatasetId, next: F) -> Result<Vec<DatasetId>, StorageError>
where
    F: FnMut(&DatasetId) -> Result<Vec<DatasetId>, StorageError>,
{
    walk_bounded(start, usize::MAX, next).map(|(out, _)| out)
}

/// Breadth-first walk from `start` (excluded), each data set once, stopping when a data set
/// beyond the first `cap` is found (then `true`).
fn walk_bounded<F>(start: &DatasetId, cap: usize, mut next: F) -> Result<(Vec<DatasetId>, bool), StorageError>
where
    F: FnMut(&DatasetId) -> Result<Vec<DatasetId>, StorageError>,
{
    let mut seen = BTreeSet::from([*start]);
    let mut queue = VecDeque::from([*start]);
    let mut out = Vec::new();
    while let Some(d) = queue.pop_front() {
        for n in next(&d)? {
            if seen.insert(n) {
                if out.len() == cap {
                    return Ok((out, true));
                }
                out.push(n);
                queue.push_back(n);
            }
        }
    }
    Ok((out, false))
}

fn load_parents<R: Store + ?Sized>(s: &R, id: &DatasetId) -> Result<Vec<ParentRef>, StorageError> {
    Ok(s.read(&parents_key(id))?.unwrap_or_default())
}

fn load_children<R: Store + ?Sized>(s: &R, id: &DatasetId) -> Result<Vec<DatasetId>, StorageError> {
    Ok(s.read(&children_key(id))?.unwrap_or_default())
}

/// Executes a lineage call.
pub(crate) fn execute(ctx: &mut TxContext<'_>, call: &LineageCall) -> Result<(), ExecError> {
    let LineageCall::RegisterDerived { dataset, parents } = call;
    register_derived(ctx, dataset, parents)
}

fn register_derived(ctx: &mut TxContext<'_>, spec: &DatasetSpec, parents: &[ParentRef]) -> Result<(), ExecError> {
    if parents.is_empty() {
        return Err(LineageError::NoParents.into());
    }
    let mut seen = BTreeSet::new();
    let mut parent_owners = Vec::new();
    for p in parents {
        if !seen.insert(p.dataset) {
            return Err(LineageError::DuplicateParent(p.dataset).into());
        }
        parent_owners.push(check_parent(ctx, p, spec)?);
    }
    let id = catalog::register(ctx, spec)?;
    ctx.put(parents_key(&id), &parents.to_vec())?;
    for p in parents {
        let mut children = load_children(ctx, &p.dataset)?;
        if let Err(pos) = children.binary_search(&id) {
            children.insert(pos, id);
        }
        ctx.put(children_key(&p.dataset), &children)?;
    }
    ctx.emit(Event::DerivedRegistered {
        dataset: id,
        owner: ctx.sender,
        parents: parents.iter().map(|p| p.dataset).collect(),
        grants: parents.iter().filter_map(|p| p.grant).collect(),
        parent_owners,
    });
    Ok(())
}

/// Checks the sender may derive from `p` a data set declared as `spec`; returns the parent's
/// owner. In order: the parent exists, is neither retired nor negative-listed, and the derived
/// set is classified at least as high and shared at least as strictly (classification follows
/// lineage: a holder of core data cannot derive a general, unconditional copy); then a named
/// grant is always checked, even on the sender's own data.
fn check_parent(ctx: &TxContext<'_>, p: &ParentRef, spec: &DatasetSpec) -> Result<AccountId, ExecError> {
    let d = load_dataset(ctx, &p.dataset)?.ok_or(LineageError::UnknownParent(p.dataset))?;
    if d.retired {
        return Err(LineageError::ParentRetired(p.dataset).into());
    }
    if let Some(reason) = &d.negative_listed {
        return Err(LineageError::ParentNegativeListed(p.dataset, reason.clone()).into());
    }
    if spec.classification < d.classification {
        let (parent, parent_level, declared) = (p.dataset, d.classification, spec.classification);
        return Err(LineageError::ClassificationBelowParent { parent, parent_level, declared }.into());
    }
    // `SharingAttribute` is ordered from the freest (unconditional) to the strictest.
    if spec.sharing < d.sharing {
        let (parent, parent_sharing, declared) = (p.dataset, d.sharing, spec.sharing);
        return Err(LineageError::SharingLooserThanParent { parent, parent_sharing, declared }.into());
    }
    let Some(grant) = p.grant else {
        if d.owner == ctx.sender {
            return Ok(d.owner);
        }
        return Err(LineageError::GrantRequired(p.dataset).into());
    };
    let g = load_grant(ctx, &grant)?.ok_or(LineageError::UnknownGrant(grant))?;
    if g.grantee != ctx.sender {
        return Err(LineageError::GrantNotHeld { grant, grantee: g.grantee, sender: ctx.sender }.into());
    }
    if g.dataset != p.dataset {
        return Err(LineageError::GrantForOtherDataset { grant, granted: g.dataset, parent: p.dataset }.into());
    }
    if let Some(why) = usability(ctx, &g, ctx.timestamp_ms)? {
        return Err(LineageError::GrantNotValid { grant, why: why.to_string() }.into());
    }
    Ok(d.owner)
}
