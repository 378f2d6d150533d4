//! The plan's registries: data elements, each with the one department responsible for it (一数一源,
//! the responsibility list 责任清单), which data sets carry them (authoritative source or copy),
//! and the demand list (需求清单) of data not yet in the catalog, which a regulator assigns to a
//! department with a deadline in ledger time. Regulators keep the element registry.

use crate::catalog::{self, CatalogError};
use crate::grants::load_grant;
use crate::orgs::has_any_role;
use crate::store::{Store, View};
use borsh::{BorshDeserialize, BorshSerialize};
use shulian_runtime::call::{DatasetSpec, ElementSource, MAX_ELEMENTS_PER_CALL, RegistryCall};
use shulian_runtime::domain;
use shulian_runtime::events::Event;
use shulian_runtime::exec::{ContractError, ExecError, TxContext};
use shulian_runtime::genesis::Role;
use shulian_runtime::hash::Hash;
use shulian_runtime::ids::{AccountId, DatasetId, DemandId, GrantId, Height, ProposalId};
use shulian_runtime::state::{StateReader, StorageError};
use shulian_runtime::time::LedgerTime;
use std::collections::BTreeSet;

/// Longest an element code may be, in bytes.
pub const MAX_ELEMENT_CODE_LEN: usize = 64;
/// Latest deadline a regulator may set, from the assigning block's time: one year.
pub const MAX_DEADLINE_MS: u64 = 366 * 86_400_000;

/// A data element and the one department responsible for it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize)]
pub struct Element {
    /// Its code.
    pub code: String,
    /// Its human name.
    pub name: String,
    /// The department responsible for it.
    pub responsible: AccountId,
    /// The responsible department's data set that is its authoritative source, once registered.
    pub authoritative: Option<DatasetId>,
    /// Height at which it was defined.
    pub defined_at: Height,
}

/// The elements a data set declared when it was registered, and how it relates to them.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize)]
pub struct DatasetElements {
    /// Element codes, in the order declared.
    pub elements: Vec<String>,
    /// Authoritative source or a copy.
    pub source: ElementSource,
}

/// Where a demand stands.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DemandStatus {
    /// Waiting for a regulator to assign it.
    Filed,
    /// Assigned; the department must answer before `deadline_ms` (overdue after).
    Assigned {
        /// The department.
        department: AccountId,
        /// Ledger time, ms.
        deadline_ms: u64,
    },
    /// Answered with a grant.
    Answered {
        /// The department.
        department: AccountId,
        /// The deadline it had.
        deadline_ms: u64,
        /// The data set granted.
        dataset: DatasetId,
        /// The grant.
        grant: GrantId,
        /// Ledger time of the answer, ms.
        at_ms: u64,
    },
    /// Refused with a legal basis.
    Refused {
        /// The department.
        department: AccountId,
        /// The deadline it had.
        deadline_ms: u64,
        /// The stated legal basis.
        legal_basis: String,
        /// Ledger time of the answer, ms.
        at_ms: u64,
    },
    /// Withdrawn by the demander.
    Withdrawn {
        /// Ledger time, ms.
        at_ms: u64,
    },
}

/// A demand for data not yet in the catalog.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize)]
pub struct Demand {
    /// Its id.
    pub id: DemandId,
    /// The department that demands.
    pub requester: AccountId,
    /// The element codes wanted.
    pub elements: Vec<String>,
    /// What for.
    pub purpose: String,
    /// Ledger time it was filed, ms.
    pub filed_at_ms: u64,
    /// Where it stands.
    pub status: DemandStatus,
}

impl Demand {
    /// Whether it is assigned, unanswered, and its deadline has passed at ledger time `now_ms`.
    pub fn overdue_at(&self, now_ms: u64) -> bool {
        matches!(self.status, DemandStatus::Assigned { deadline_ms, .. } if now_ms >= deadline_ms)
    }
}

/// Refusals of the registry contract (and of a catalog registration that declares elements).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// Only regulators keep the element registry and assign demands.
    #[error("organization {0} is not a regulator; only a regulator keeps the element registry and assigns demands")]
    NotRegulator(AccountId),
    /// The organization named (or the sender) is not a department.
    #[error("organization {0} is not a department")]
    NotDepartment(AccountId),
    /// A malformed element code.
    #[error("element code {0:?} must be 1-64 characters of a-z, 0-9, '_', '.' and '-'")]
    BadElementCode(String),
    /// An element without a name.
    #[error("a data element needs a non-empty name")]
    EmptyElementName,
    /// Defining an element twice.
    #[error("element {0:?} is already defined")]
    ElementExists(String),
    /// An element nobody defined.
    #[error("element {0:?} is not defined; a regulator defines elements first")]
    UnknownElement(String),
    /// The same element twice in one call.
    #[error("element {0:?} appears more than once")]
    DuplicateElement(String),
    /// No elements, or more than a call may carry.
    #[error("a call names 1 to {max} elements, not {given}")]
    ElementCount {
        /// Most allowed.
        max: usize,
        /// Given.
        given: usize,
    },
    /// Transferring an element to the department already responsible.
    #[error("department {0} is already responsible for element {1:?}")]
    SameDepartment(AccountId, String),
    /// A transfer, refusal or purpose left empty.
    #[error("{0} must not be empty")]
    Empty(&'static str),
    /// Registering as authoritative source of an element another department is responsible for.
    #[error(
        "element {element:?} is the responsibility of department {responsible}; the regulator must transfer it before {sender} can be its source"
    )]
    NotElementSource {
        /// Element.
        element: String,
        /// Its responsible department.
        responsible: AccountId,
        /// Sender.
        sender: AccountId,
    },
    /// Registering a second authoritative source of an element.
    #[error(
        "element {element:?} already has its authoritative data set {dataset}; publish a new version of it instead"
    )]
    ElementAlreadySourced {
        /// Element.
        element: String,
        /// Its live authoritative data set.
        dataset: DatasetId,
    },
    /// A copy naming a data set that is not an authoritative source.
    #[error("data set {0} is not an authoritative source of any element; a copy names the authoritative data set")]
    NotAuthoritative(DatasetId),
    /// A copy declaring an element its source does not carry.
    #[error("data set {dataset} does not carry element {element:?}, so a copy of it cannot")]
    CopyLacksElement {
        /// Element.
        element: String,
        /// The source named.
        dataset: DatasetId,
    },
    /// A copy less strictly classified than its source.
    #[error("a copy of data set {0} must be classified and shared at least as strictly as it")]
    CopyBelowSource(DatasetId),
    /// No such demand.
    #[error("demand {0} does not exist")]
    UnknownDemand(DemandId),
    /// The demand was answered, refused or withdrawn.
    #[error("demand {0} is closed ({1})")]
    DemandClosed(DemandId, &'static str),
    /// Assigning a demand to the department that filed it.
    #[error("demand {0} cannot be assigned to the department that filed it")]
    AssignToRequester(DemandId),
    /// A deadline at or before the block's time, or more than a year after it.
    #[error("deadline {deadline} must be after the block's time {now} and at most a year later")]
    BadDeadline {
        /// The deadline given.
        deadline: LedgerTime,
        /// The block's time.
        now: LedgerTime,
    },
    /// Answering a demand not assigned to the sender.
    #[error("demand {demand} is not assigned to {sender}")]
    NotAssigned {
        /// Demand.
        demand: DemandId,
        /// Sender.
        sender: AccountId,
    },
    /// Withdrawing another department's demand.
    #[error("demand {demand} was filed by {requester}; only it can withdraw it")]
    NotRequester {
        /// Demand.
        demand: DemandId,
        /// Who filed it.
        requester: AccountId,
    },
    /// Answering with a grant that is unknown, revoked, or not from the sender to the demander.
    #[error("grant {0} is not a standing grant from the answering department to the demander")]
    GrantMismatch(GrantId),
}

impl ContractError for RegistryError {
    fn code(&self) -> &'static str {
        match self {
            RegistryError::NotRegulator(_) => "registry.not_regulator",
            RegistryError::NotDepartment(_) => "registry.not_department",
            RegistryError::BadElementCode(_) => "registry.bad_element_code",
            RegistryError::EmptyElementName => "registry.empty_element_name",
            RegistryError::ElementExists(_) => "registry.element_exists",
            RegistryError::UnknownElement(_) => "registry.unknown_element",
            RegistryError::DuplicateElement(_) => "registry.duplicate_element",
            RegistryError::ElementCount { .. } => "registry.element_count",
            RegistryError::SameDepartment(..) => "registry.same_department",
            RegistryError::Empty(_) => "registry.empty_text",
            RegistryError::NotElementSource { .. } => "registry.not_element_source",
            RegistryError::ElementAlreadySourced { .. } => "registry.element_already_sourced",
            RegistryError::NotAuthoritative(_) => "registry.not_authoritative",
            RegistryError::CopyLacksElement { .. } => "registry.copy_lacks_element",
            RegistryError::CopyBelowSource(_) => "registry.copy_below_source",
            RegistryError::UnknownDemand(_) => "registry.unknown_demand",
            RegistryError::DemandClosed(..) => "registry.demand_closed",
            RegistryError::AssignToRequester(_) => "registry.assign_to_requester",
            RegistryError::BadDeadline { .. } => "registry.bad_deadline",
            RegistryError::NotAssigned { .. } => "registry.not_assigned",
            RegistryError::NotRequester { .. } => "registry.not_requester",
            RegistryError::GrantMismatch(_) => "registry.grant_mismatch",
        }
    }
}

refusal!(RegistryError);

/// State key of a data element.
pub fn element_key(code: &str) -> Vec<u8> {
    [b"registry/element/".as_slice(), code.as_bytes()].concat()
}

/// State key of the elements a data set declared.
pub fn dataset_elements_key(id: &DatasetId) -> Vec<u8> {
    [b"registry/dataset-elements/".as_slice(), &id.0].concat()
}

/// State key of a demand.
pub fn demand_key(id: &DemandId) -> Vec<u8> {
    [b"registry/demand/".as_slice(), &id.0].concat()
}

/// The id of the demand filed by the transaction `tx`.
pub fn demand_id_for(tx: &Hash) -> DemandId {
    DemandId::from(Hash::tagged(domain::DEMAND_ID, tx.as_bytes()))
}

/// A data element in committed state.
pub fn get_element<S: StateReader + ?Sized>(state: &S, code: &str) -> Result<Option<Element>, StorageError> {
    View(state).read(&element_key(code))
}

/// The elements a data set declared, in committed state (`None`: it declared none).
pub fn get_dataset_elements<S: StateReader + ?Sized>(
    state: &S,
    id: &DatasetId,
) -> Result<Option<DatasetElements>, StorageError> {
    View(state).read(&dataset_elements_key(id))
}

/// A demand in committed state.
pub fn get_demand<S: StateReader + ?Sized>(state: &S, id: &DemandId) -> Result<Option<Demand>, StorageError> {
    View(state).read(&demand_key(id))
}

/// Executes a registry call.
pub(crate) fn execute(ctx: &mut TxContext<'_>, call: &RegistryCall) -> Result<(), ExecError> {
    match call {
        RegistryCall::DefineElement { code, name, responsible } => {
            regulator(ctx)?;
            define(ctx, code, name, responsible, None)
        }
        RegistryCall::TransferElement { code, to, reason } => {
            regulator(ctx)?;
            transfer(ctx, code, to, reason, None)
        }
        RegistryCall::FileDemand { elements, purpose } => {
            department(ctx, &ctx.sender)?;
            check_elements(ctx, elements)?;
            not_empty(purpose, "a demand's purpose")?;
            let d = Demand {
                id: demand_id_for(&ctx.tx_hash),
                requester: ctx.sender,
                elements: elements.clone(),
                purpose: purpose.clone(),
                filed_at_ms: ctx.timestamp_ms,
                status: DemandStatus::Filed,
            };
            ctx.put(demand_key(&d.id), &d)?;
            ctx.emit(Event::DemandFiled {
                demand: d.id,
                requester: d.requester,
                elements: d.elements,
                purpose: d.purpose,
            });
            Ok(())
        }
        RegistryCall::AssignDemand { demand, to, deadline_ms } => {
            regulator(ctx)?;
            let mut d = open_demand(ctx, demand)?;
            department(ctx, to)?;
            if *to == d.requester {
                return Err(RegistryError::AssignToRequester(*demand).into());
            }
            let now = ctx.timestamp_ms;
            if *deadline_ms <= now || *deadline_ms > now.saturating_add(MAX_DEADLINE_MS) {
                return Err(
                    RegistryError::BadDeadline { deadline: LedgerTime(*deadline_ms), now: LedgerTime(now) }.into()
                );
            }
            d.status = DemandStatus::Assigned { department: *to, deadline_ms: *deadline_ms };
            ctx.put(demand_key(demand), &d)?;
            ctx.emit(Event::DemandAssigned {
                demand: *demand,
                requester: d.requester,
                department: *to,
                regulator: ctx.sender,
                deadline_ms: *deadline_ms,
            });
            Ok(())
        }
        RegistryCall::AnswerDemand { demand, grant } => {
            let (mut d, deadline_ms) = assigned_to_sender(ctx, demand)?;
            let g = load_grant(ctx, grant)?.ok_or(RegistryError::GrantMismatch(*grant))?;
            if g.grantor != ctx.sender || g.grantee != d.requester || g.revoked.is_some() {
                return Err(RegistryError::GrantMismatch(*grant).into());
            }
            let at_ms = ctx.timestamp_ms;
            d.status = DemandStatus::Answered {
                department: ctx.sender,
                deadline_ms,
                dataset: g.dataset,
                grant: *grant,
                at_ms,
            };
            ctx.put(demand_key(demand), &d)?;
            ctx.emit(Event::DemandAnswered {
                demand: *demand,
                requester: d.requester,
                department: ctx.sender,
                dataset: g.dataset,
                grant: *grant,
                on_time: at_ms < deadline_ms,
            });
            Ok(())
        }
        RegistryCall::RefuseDemand { demand, legal_basis } => {
            let (mut d, deadline_ms) = assigned_to_sender(ctx, demand)?;
            not_empty(legal_basis, "a refusal's legal basis")?;
            let at_ms = ctx.timestamp_ms;
            d.status =
                DemandStatus::Refused { department: ctx.sender, deadline_ms, legal_basis: legal_basis.clone(), at_ms };
            ctx.put(demand_key(demand), &d)?;
            ctx.emit(Event::DemandRefused {
                demand: *demand,
                requester: d.requester,
                department: ctx.sender,
                legal_basis: legal_basis.clone(),
                on_time: at_ms < deadline_ms,
            });
            Ok(())
        }
        RegistryCall::WithdrawDemand { demand } => {
            let mut d = open_demand(ctx, demand)?;
            if d.requester != ctx.sender {
                return Err(RegistryError::NotRequester { demand: *demand, requester: d.requester }.into());
            }
            let department = match d.status {
                DemandStatus::Assigned { department, .. } => Some(department),
                _ => None,
            };
            d.status = DemandStatus::Withdrawn { at_ms: ctx.timestamp_ms };
            ctx.put(demand_key(demand), &d)?;
            ctx.emit(Event::DemandWithdrawn { demand: *demand, requester: d.requester, department });
            Ok(())
        }
    }
}

/// Checks that a data element can be defined: a good code, a name, a department, not defined yet.
pub(crate) fn check_define<R: Store + ?Sized>(
    s: &R,
    code: &str,
    name: &str,
    responsible: &AccountId,
) -> Result<(), ExecError> {
    check_code(code)?;
    if name.trim().is_empty() {
        return Err(RegistryError::EmptyElementName.into());
    }
    department(s, responsible)?;
    if s.read::<Element>(&element_key(code))?.is_some() {
        return Err(RegistryError::ElementExists(code.to_string()).into());
    }
    Ok(())
}

/// Defines a data element (by a regulator, or by the governance proposal `proposal`).
pub(crate) fn define(
    ctx: &mut TxContext<'_>,
    code: &str,
    name: &str,
    responsible: &AccountId,
    proposal: Option<ProposalId>,
) -> Result<(), ExecError> {
    check_define(ctx, code, name, responsible)?;
    let e = Element {
        code: code.to_string(),
        name: name.to_string(),
        responsible: *responsible,
        authoritative: None,
        defined_at: ctx.height,
    };
    ctx.put(element_key(code), &e)?;
    let by = ctx.sender;
    ctx.emit(Event::ElementDefined { element: e.code, name: e.name, responsible: *responsible, by, proposal });
    Ok(())
}

/// Checks that an element's responsibility can move to `to`, with a reason.
pub(crate) fn check_transfer<R: Store + ?Sized>(
    s: &R,
    code: &str,
    to: &AccountId,
    reason: &str,
) -> Result<Element, ExecError> {
    not_empty(reason, "a transfer's reason")?;
    let e = element(s, code)?;
    department(s, to)?;
    if e.responsible == *to {
        return Err(RegistryError::SameDepartment(*to, code.to_string()).into());
    }
    Ok(e)
}

/// Moves an element's responsibility (by a regulator, or by the governance proposal `proposal`);
/// it has no authoritative data set until the new department registers one.
pub(crate) fn transfer(
    ctx: &mut TxContext<'_>,
    code: &str,
    to: &AccountId,
    reason: &str,
    proposal: Option<ProposalId>,
) -> Result<(), ExecError> {
    let mut e = check_transfer(ctx, code, to, reason)?;
    let from = e.responsible;
    e.responsible = *to;
    e.authoritative = None;
    ctx.put(element_key(code), &e)?;
    let by = ctx.sender;
    ctx.emit(Event::ElementTransferred { element: e.code, from, to: *to, by, proposal, reason: reason.to_string() });
    Ok(())
}

/// Registers `spec` (as `catalog.register` does) together with the elements it carries, enforcing
/// one source per element: an authoritative source must be registered by each element's
/// responsible department while no live data set is its source; a copy names an authoritative
/// data set that carries every element it declares and is classified and shared no less strictly.
pub(crate) fn register_with_elements(
    ctx: &mut TxContext<'_>,
    spec: &DatasetSpec,
    elements: &[String],
    source: &ElementSource,
) -> Result<(), ExecError> {
    if !has_any_role(ctx, &ctx.sender, &[Role::Department])? {
        return Err(CatalogError::NotDepartment(ctx.sender).into());
    }
    check_elements(ctx, elements)?;
    let mut sourced = Vec::new();
    match source {
        ElementSource::Authoritative => {
            for code in elements {
                let e = element(ctx, code)?;
                if e.responsible != ctx.sender {
                    let (element, responsible, sender) = (code.clone(), e.responsible, ctx.sender);
                    return Err(RegistryError::NotElementSource { element, responsible, sender }.into());
                }
                if let Some(current) = e.authoritative {
                    let live = catalog::load_dataset(ctx, &current)?.is_some_and(|d| !d.retired);
                    if live {
                        return Err(
                            RegistryError::ElementAlreadySourced { element: code.clone(), dataset: current }.into()
                        );
                    }
                }
                sourced.push(e);
            }
        }
        ElementSource::CopyOf(of) => {
            let src = catalog::load_dataset(ctx, of)?.ok_or(CatalogError::UnknownDataset(*of))?;
            let declared = ctx.get::<DatasetElements>(&dataset_elements_key(of))?;
            let Some(declared) = declared.filter(|x| x.source == ElementSource::Authoritative) else {
                return Err(RegistryError::NotAuthoritative(*of).into());
            };
            if let Some(missing) = elements.iter().find(|c| !declared.elements.contains(c)) {
                return Err(RegistryError::CopyLacksElement { element: missing.clone(), dataset: *of }.into());
            }
            if spec.classification < src.classification || spec.sharing < src.sharing {
                return Err(RegistryError::CopyBelowSource(*of).into());
            }
        }
    }
    let id = catalog::register(ctx, spec)?;
    for mut e in sourced {
        e.authoritative = Some(id);
        ctx.put(element_key(&e.code), &e)?;
    }
    let record = DatasetElements { elements: elements.to_vec(), source: *source };
    ctx.put(dataset_elements_key(&id), &record)?;
    ctx.emit(Event::ElementsDeclared { dataset: id, owner: ctx.sender, elements: record.elements, source: *source });
    Ok(())
}

fn regulator(ctx: &TxContext<'_>) -> Result<(), ExecError> {
    if !has_any_role(ctx, &ctx.sender, &[Role::Regulator])? {
        return Err(RegistryError::NotRegulator(ctx.sender).into());
    }
    Ok(())
}

fn department<R: Store + ?Sized>(s: &R, org: &AccountId) -> Result<(), ExecError> {
    if !has_any_role(s, org, &[Role::Department])? {
        return Err(RegistryError::NotDepartment(*org).into());
    }
    Ok(())
}

fn not_empty(text: &str, what: &'static str) -> Result<(), RegistryError> {
    if text.trim().is_empty() {
        return Err(RegistryError::Empty(what));
    }
    Ok(())
}

fn check_code(code: &str) -> Result<(), RegistryError> {
    let ok = !code.is_empty()
        && code.len() <= MAX_ELEMENT_CODE_LEN
        && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b));
    if !ok {
        return Err(RegistryError::BadElementCode(code.to_string()));
    }
    Ok(())
}

fn element<R: Store + ?Sized>(s: &R, code: &str) -> Result<Element, ExecError> {
    Ok(s.read::<Element>(&element_key(code))?.ok_or_else(|| RegistryError::UnknownElement(code.to_string()))?)
}

/// 1 to [`MAX_ELEMENTS_PER_CALL`] defined elements without repeats.
fn check_elements(ctx: &TxContext<'_>, elements: &[String]) -> Result<(), ExecError> {
    if elements.is_empty() || elements.len() > MAX_ELEMENTS_PER_CALL {
        return Err(RegistryError::ElementCount { max: MAX_ELEMENTS_PER_CALL, given: elements.len() }.into());
    }
    let mut seen = BTreeSet::new();
    for code in elements {
        if !seen.insert(code) {
            return Err(RegistryError::DuplicateElement(code.clone()).into());
        }
        element(ctx, code)?;
    }
    Ok(())
}

/// A demand that is filed or assigned (not closed).
fn open_demand(ctx: &TxContext<'_>, id: &DemandId) -> Result<Demand, ExecError> {
    let d = ctx.get::<Demand>(&demand_key(id))?.ok_or(RegistryError::UnknownDemand(*id))?;
    let closed = match d.status {
        DemandStatus::Filed | DemandStatus::Assigned { .. } => return Ok(d),
        DemandStatus::Answered { .. } => "answered",
        DemandStatus::Refused { .. } => "refused",
        DemandStatus::Withdrawn { .. } => "withdrawn",
    };
    Err(RegistryError::DemandClosed(*id, closed).into())
}

/// An open demand assigned to the sender, with its deadline.
fn assigned_to_sender(ctx: &TxContext<'_>, id: &DemandId) -> Result<(Demand, u64), ExecError> {
    let d = open_demand(ctx, id)?;
    match d.status {
        DemandStatus::Assigned { department, deadline_ms } if department == ctx.sender => Ok((d, deadline_ms)),
        _ => Err(RegistryError::NotAssigned { demand: *id, sender: ctx.sender }.into()),
    }
}
