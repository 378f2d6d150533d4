//! The data catalog: departments register data sets, publish new versions and retire them;
//! regulators keep the negative list and re-grade data sets. A data set's id never changes across versions.

use crate::orgs::has_any_role;
use crate::store::{Store, View};
use borsh::{BorshDeserialize, BorshSerialize};
use shulian_runtime::call::{CatalogCall, Classification, DatasetSpec, SharingAttribute};
use shulian_runtime::domain;
use shulian_runtime::events::Event;
use shulian_runtime::exec::{ContractError, ExecError, TxContext};
use shulian_runtime::genesis::Role;
use shulian_runtime::hash::Hash;
use shulian_runtime::ids::{AccountId, DatasetId, Height};
use shulian_runtime::state::{StateReader, StorageError};
use std::collections::BTreeSet;

/// A data set as stored in the catalog (its current version).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize)]
pub struct Dataset {
    /// Its id.
    pub id: DatasetId,
    /// The department that owns it.
    pub owner: AccountId,
    /// Human name.
    pub name: String,
    /// Subject category.
    pub category: String,
    /// Classification level.
    pub classification: Classification,
    /// Sharing attribute.
    pub sharing: SharingAttribute,
    /// How often it is updated.
    pub update_frequency: String,
    /// Current version, from 1.
    pub version: u32,
    /// blake3 of the current metadata document.
    pub metadata_hash: Hash,
    /// blake3 of the current schema document.
    pub schema_hash: Hash,
    /// Current field names, unique.
    pub fields: Vec<String>,
    /// Retired by its owner: no more versions, requests or grants.
    pub retired: bool,
    /// On the regulator's negative list, with the reason: no grants, no use of existing ones.
    pub negative_listed: Option<String>,
    /// Height at which it was registered.
    pub registered_at: Height,
}

/// One published version of a data set, kept for history.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize)]
pub struct DatasetVersion {
    /// Version number.
    pub version: u32,
    /// blake3 of the metadata document.
    pub metadata_hash: Hash,
    /// blake3 of the schema document.
    pub schema_hash: Hash,
    /// Field names.
    pub fields: Vec<String>,
    /// Height at which it was published.
    pub height: Height,
    /// The publishing transaction.
    pub tx_hash: Hash,
}

/// Refusals of the catalog contract.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// Only departments register data sets.
    #[error("organization {0} is not a department; only departments register data sets")]
    NotDepartment(AccountId),
    /// Empty name.
    #[error("a data set needs a non-empty name")]
    EmptyName,
    /// Empty field list.
    #[error("a data set needs at least one field")]
    NoFields,
    /// A blank field name.
    #[error("field names must not be empty")]
    EmptyFieldName,
    /// The same field twice.
    #[error("field {0:?} appears more than once")]
    DuplicateField(String),
    /// No such data set.
    #[error("data set {0} does not exist")]
    UnknownDataset(DatasetId),
    /// Not the owner.
    #[error("data set {dataset} is owned by {owner}, not by {sender}")]
    NotOwner {
        /// Data set.
        dataset: DatasetId,
        /// Owner.
        owner: AccountId,
        /// Sender.
        sender: AccountId,
    },
    /// Retired data sets are frozen.
    #[error("data set {0} is retired")]
    Retired(DatasetId),
    /// Only regulators keep the negative list.
    #[error("organization {0} is not a regulator; only regulators keep the negative list")]
    NotRegulator(AccountId),
    /// Listing twice.
    #[error("data set {dataset} is already on the negative list ({reason})")]
    AlreadyNegativeListed {
        /// Data set.
        dataset: DatasetId,
        /// The standing reason.
        reason: String,
    },
    /// Unlisting a data set that is not listed.
    #[error("data set {0} is not on the negative list")]
    NotNegativeListed(DatasetId),
    /// A negative-list change without a reason.
    #[error("a negative-list change needs a non-empty reason")]
    EmptyReason,
    /// The version counter would overflow.
    #[error("data set {0} has reached the largest version number")]
    VersionOverflow(DatasetId),
    /// Only regulators re-grade (same code as [`CatalogError::NotRegulator`]; its own message,
    /// since a failed transaction's message is part of its committed outcome and the older
    /// variants' messages never change).
    #[error("organization {0} is not a regulator; only regulators re-grade data sets")]
    NotRegulatorToRegrade(AccountId),
    /// A re-grade without a reason (code `catalog.empty_reason`).
    #[error("a re-grade needs a non-empty reason")]
    EmptyRegradeReason,
    /// A re-grade to the grade the data set already has.
    #[error("data set {dataset} is already {classification:?} and {sharing:?}: a re-grade must change one of them")]
    RegradeUnchanged {
        /// Data set.
        dataset: DatasetId,
        /// Its classification.
        classification: Classification,
        /// Its sharing attribute.
        sharing: SharingAttribute,
    },
}

impl ContractError for CatalogError {
    fn code(&self) -> &'static str {
        match self {
            CatalogError::NotDepartment(_) => "catalog.not_department",
            CatalogError::EmptyName => "catalog.empty_name",
            CatalogError::NoFields => "catalog.no_fields",
            CatalogError::EmptyFieldName => "catalog.empty_field_name",
            CatalogError::DuplicateField(_) => "catalog.duplicate_field",
            CatalogError::UnknownDataset(_) => "catalog.unknown_dataset",
            CatalogError::NotOwner { .. } => "catalog.not_owner",
            CatalogError::Retired(_) => "catalog.retired",
            CatalogError::NotRegulator(_) => "catalog.not_regulator",
            CatalogError::AlreadyNegativeListed { .. } => "catalog.already_negative_listed",
            CatalogError::NotNegativeListed(_) => "catalog.not_negative_listed",
            CatalogError::EmptyReason => "catalog.empty_reason",
            CatalogError::VersionOverflow(_) => "catalog.version_overflow",
            CatalogError::NotRegulatorToRegrade(_) => "catalog.not_regulator",
            CatalogError::EmptyRegradeReason => "catalog.empty_reason",
            CatalogError::RegradeUnchanged { .. } => "catalog.regrade_unchanged",
        }
    }
}

refusal!(CatalogError);

/// The id of the data set registered by the transaction `tx` (one data set per transaction).
pub fn dataset_id_for(tx: &Hash) -> DatasetId {
    DatasetId::from(Hash::tagged(domain::DATASET_ID, tx.as_bytes()))
}

/// State key of a data set.
pub fn dataset_key(id: &DatasetId) -> Vec<u8> {
    [b"catalog/dataset/".as_slice(), &id.0].concat()
}

/// State key of one version of a data set (version big-endian, so versions sort in order).
pub fn version_key(id: &DatasetId, version: u32) -> Vec<u8> {
    [b"catalog/version/".as_slice(), &id.0, &version.to_be_bytes()].concat()
}

/// A data set in committed state.
pub fn get_dataset<S: StateReader + ?Sized>(state: &S, id: &DatasetId) -> Result<Option<Dataset>, StorageError> {
    load_dataset(&View(state), id)
}

/// One version of a data set in committed state.
pub fn get_dataset_version<S: StateReader + ?Sized>(
    state: &S,
    id: &DatasetId,
    version: u32,
) -> Result<Option<DatasetVersion>, StorageError> {
    View(state).read(&version_key(id, version))
}

/// Every version of a data set, oldest first (empty if it does not exist).
pub fn get_dataset_versions<S: StateReader + ?Sized>(
    state: &S,
    id: &DatasetId,
) -> Result<Vec<DatasetVersion>, StorageError> {
    let Some(d) = get_dataset(state, id)? else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for v in 1..=d.version {
        if let Some(dv) = get_dataset_version(state, id, v)? {
            out.push(dv);
        }
    }
    Ok(out)
}

pub(crate) fn load_dataset<R: Store + ?Sized>(s: &R, id: &DatasetId) -> Result<Option<Dataset>, StorageError> {
    s.read(&dataset_key(id))
}

/// Executes a catalog call.
pub(crate) fn execute(ctx: &mut TxContext<'_>, call: &CatalogCall) -> Result<(), ExecError> {
    match call {
        CatalogCall::Register { dataset } => register(ctx, dataset).map(|_| ()),
        CatalogCall::RegisterWithElements { dataset, elements, source } => {
            crate::registry::register_with_elements(ctx, dataset, elements, source)
        }
        CatalogCall::PublishVersion { dataset, metadata_hash, schema_hash, fields } => {
            let mut d = owned_live(ctx, dataset)?;
            if let Some(f) = fields {
                check_fields(f)?;
                d.fields = f.clone();
            }
            d.version = d.version.checked_add(1).ok_or(CatalogError::VersionOverflow(*dataset))?;
            d.metadata_hash = *metadata_hash;
            d.schema_hash = *schema_hash;
            put_version(ctx, &d)?;
            ctx.put(dataset_key(dataset), &d)?;
            ctx.emit(Event::DatasetVersioned {
                dataset: *dataset,
                owner: d.owner,
                version: d.version,
                metadata_hash: *metadata_hash,
                schema_hash: *schema_hash,
            });
            Ok(())
        }
        CatalogCall::Retire { dataset } => {
            let mut d = owned_live(ctx, dataset)?;
            d.retired = true;
            ctx.put(dataset_key(dataset), &d)?;
            ctx.emit(Event::DatasetRetired { dataset: *dataset, owner: d.owner });
            Ok(())
        }
        CatalogCall::NegativeList { dataset, reason } => {
            let mut d = regulated(ctx, dataset, reason)?;
            if let Some(standing) = d.negative_listed {
                return Err(CatalogError::AlreadyNegativeListed { dataset: *dataset, reason: standing }.into());
            }
            d.negative_listed = Some(reason.clone());
            ctx.put(dataset_key(dataset), &d)?;
            let regulator = ctx.sender;
            ctx.emit(Event::NegativeListed { dataset: *dataset, owner: d.owner, regulator, reason: reason.clone() });
            Ok(())
        }
        CatalogCall::RemoveNegativeList { dataset, reason } => {
            let mut d = regulated(ctx, dataset, reason)?;
            if d.negative_listed.take().is_none() {
                return Err(CatalogError::NotNegativeListed(*dataset).into());
            }
            ctx.put(dataset_key(dataset), &d)?;
            let regulator = ctx.sender;
            ctx.emit(Event::NegativeListRemoved {
                dataset: *dataset,
                owner: d.owner,
                regulator,
                reason: reason.clone(),
            });
            Ok(())
        }
        CatalogCall::Regrade { dataset, classification, sharing, reason } => {
            if !has_any_role(ctx, &ctx.sender, &[Role::Regulator])? {
                return Err(CatalogError::NotRegulatorToRegrade(ctx.sender).into());
            }
            if reason.trim().is_empty() {
                return Err(CatalogError::EmptyRegradeReason.into());
            }
            let mut d = existing(ctx, dataset)?;
            if (d.classification, d.sharing) == (*classification, *sharing) {
                let (classification, sharing) = (d.classification, d.sharing);
                return Err(CatalogError::RegradeUnchanged { dataset: *dataset, classification, sharing }.into());
            }
            let (from_classification, from_sharing) = (d.classification, d.sharing);
            d.classification = *classification;
            d.sharing = *sharing;
            ctx.put(dataset_key(dataset), &d)?;
            let regulator = ctx.sender;
            ctx.emit(Event::DatasetRegraded {
                dataset: *dataset,
                owner: d.owner,
                regulator,
                from_classification,
                classification: *classification,
                from_sharing,
                sharing: *sharing,
                reason: reason.clone(),
            });
            Ok(())
        }
    }
}

/// Registers `spec` as a new data set owned by the sender, at version 1, and returns its id. Also
/// used by the lineage contract for derived data sets.
pub(crate) fn register(ctx: &mut TxContext<'_>, spec: &DatasetSpec) -> Result<DatasetId, ExecError> {
    if !has_any_role(ctx, &ctx.sender, &[Role::Department])? {
        return Err(CatalogError::NotDepartment(ctx.sender).into());
    }
    if spec.name.trim().is_empty() {
        return Err(CatalogError::EmptyName.into());
    }
    check_fields(&spec.fields)?;
    // One data set per transaction, so the transaction hash makes the id unique.
    let id = dataset_id_for(&ctx.tx_hash);
    let d = Dataset {
        id,
        owner: ctx.sender,
        name: spec.name.clone(),
        category: spec.category.clone(),
        classification: spec.classification,
        sharing: spec.sharing,
        update_frequency: spec.update_frequency.clone(),
        version: 1,
        metadata_hash: spec.metadata_hash,
        schema_hash: spec.schema_hash,
        fields: spec.fields.clone(),
        retired: false,
        negative_listed: None,
        registered_at: ctx.height,
    };
    put_version(ctx, &d)?;
    ctx.put(dataset_key(&id), &d)?;
    ctx.emit(Event::DatasetRegistered {
        dataset: id,
        owner: d.owner,
        name: d.name.clone(),
        classification: d.classification,
        sharing: d.sharing,
    });
    Ok(id)
}

fn check_fields(fields: &[String]) -> Result<(), CatalogError> {
    if fields.is_empty() {
        return Err(CatalogError::NoFields);
    }
    let mut seen = BTreeSet::new();
    for f in fields {
        if f.trim().is_empty() {
            return Err(CatalogError::EmptyFieldName);
        }
        if !seen.insert(f) {
            return Err(CatalogError::DuplicateField(f.clone()));
        }
    }
    Ok(())
}

fn put_version(ctx: &mut TxContext<'_>, d: &Dataset) -> Result<(), ExecError> {
    let v = DatasetVersion {
        version: d.version,
        metadata_hash: d.metadata_hash,
        schema_hash: d.schema_hash,
        fields: d.fields.clone(),
        height: ctx.height,
        tx_hash: ctx.tx_hash,
    };
    ctx.put(version_key(&d.id, d.version), &v)?;
    Ok(())
}

fn existing(ctx: &TxContext<'_>, id: &DatasetId) -> Result<Dataset, ExecError> {
    Ok(load_dataset(ctx, id)?.ok_or(CatalogError::UnknownDataset(*id))?)
}

/// The sender's own, not retired, data set.
fn owned_live(ctx: &TxContext<'_>, id: &DatasetId) -> Result<Dataset, ExecError> {
    let d = existing(ctx, id)?;
    if d.owner != ctx.sender {
        return Err(CatalogError::NotOwner { dataset: *id, owner: d.owner, sender: ctx.sender }.into());
    }
    if d.retired {
        return Err(CatalogError::Retired(*id).into());
    }
    Ok(d)
}

/// A data set a regulator is changing the negative-list status of, with a reason.
fn regulated(ctx: &TxContext<'_>, id: &DatasetId, reason: &str) -> Result<Dataset, ExecError> {
    if !has_any_role(ctx, &ctx.sender, &[Role::Regulator])? {
        return Err(CatalogError::NotRegulator(ctx.sender).into());
    }
    if reason.trim().is_empty() {
        return Err(CatalogError::EmptyReason.into());
    }
    existing(ctx, id)
}
