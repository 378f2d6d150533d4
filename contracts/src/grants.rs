//! Requests and authorizations. A department (or trader) files a request for fields of a data
//! set; the grant is issued at once for unconditional data, after the owner's approval for
//! conditional data, and, for core data, only once a regulator has co-approved as well. The
//! grantor can revoke a grant at any time. Whether a grant may be used right now is decided by
//! [`usability`], shared by receipts and lineage.

use crate::catalog::{Dataset, load_dataset};
use crate::orgs::{has_any_role, is_suspended};
use crate::store::{Store, View};
use crate::terms::{self, Refusal, WindowRefusal};
use borsh::{BorshDeserialize, BorshSerialize};
use shulian_runtime::call::{Classification, GrantsCall, SharingAttribute, Validity};
use shulian_runtime::crypto::PublicKey;
use shulian_runtime::domain;
use shulian_runtime::events::Event;
use shulian_runtime::exec::{ContractError, ExecError, TxContext};
use shulian_runtime::genesis::Role;
use shulian_runtime::hash::Hash;
use shulian_runtime::ids::{AccountId, DatasetId, GrantId, Height, RequestId};
use shulian_runtime::state::{StateReader, StorageError};
use shulian_runtime::time::LedgerTime;
use std::fmt;

/// Where a request stands.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for the owner's approval and/or a regulator's co-approval.
    Pending,
    /// Answered by a grant.
    Granted {
        /// The grant.
        grant: GrantId,
    },
    /// Rejected by the owner.
    Rejected {
        /// Why.
        reason: String,
    },
}

/// A request to use a data set: one entry of the demand list.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize)]
pub struct Request {
    /// Its id.
    pub id: RequestId,
    /// The data set.
    pub dataset: DatasetId,
    /// Who asks.
    pub requester: AccountId,
    /// The data set's owner, who approves.
    pub owner: AccountId,
    /// What for.
    pub purpose: String,
    /// Fields wanted, sorted and unique.
    pub fields: Vec<String>,
    /// Validity window of the grant to be issued.
    pub validity: Validity,
    /// Uses the grant will allow.
    pub max_uses: u64,
    /// Whether the owner has approved (true from the start for unconditional data).
    pub owner_approved: bool,
    /// Whether a regulator must co-approve (core data).
    pub needs_co_approval: bool,
    /// The regulator that co-approved, if any.
    pub co_approved_by: Option<AccountId>,
    /// Where it stands.
    pub status: RequestStatus,
    /// Height at which it was filed.
    pub filed_at: Height,
}

/// Why and when a grant was revoked.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize)]
pub struct Revocation {
    /// Height of revocation.
    pub height: Height,
    /// Why.
    pub reason: String,
}

/// An authorization for `grantee` to use `fields` of a data set within `validity`, at most
/// `max_uses` times. Invariant: `uses <= max_uses`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize)]
pub struct Grant {
    /// Its id.
    pub id: GrantId,
    /// The request it answers.
    pub request: RequestId,
    /// The data set's owner.
    pub grantor: AccountId,
    /// Who may use the data.
    pub grantee: AccountId,
    /// The data set.
    pub dataset: DatasetId,
    /// The data set's version when the grant was issued.
    pub dataset_version: u32,
    /// What for.
    pub purpose: String,
    /// The fields that may be used, sorted and unique.
    pub fields: Vec<String>,
    /// When it may be used.
    pub validity: Validity,
    /// How many uses it allows.
    pub max_uses: u64,
    /// Uses recorded so far.
    pub uses: u64,
    /// Set once the grantor revokes it.
    pub revoked: Option<Revocation>,
    /// Height at which it was issued.
    pub issued_at: Height,
}

/// Why a grant cannot be used now (besides exhaustion and field scope, which depend on the use).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unusable {
    /// Revoked by the grantor.
    Revoked(Revocation),
    /// The window has not opened.
    NotYetValid(LedgerTime),
    /// The window has closed.
    Expired(LedgerTime),
    /// The grantor is suspended.
    GrantorSuspended(AccountId),
    /// The grantee is suspended.
    GranteeSuspended(AccountId),
    /// The data set is on the negative list.
    NegativeListed(String),
    /// A regulator froze the grant.
    Frozen(Freeze),
}

/// A regulator's freeze of a grant, kept apart from the grant's record (`frozen_key`).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize)]
pub struct Freeze {
    /// The regulator.
    pub regulator: AccountId,
    /// Why.
    pub reason: String,
    /// Height of the freeze.
    pub height: Height,
}

impl fmt::Display for Unusable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unusable::Revoked(r) => write!(f, "revoked at height {} ({})", r.height, r.reason),
            Unusable::NotYetValid(b) => write!(f, "not valid before {b}"),
            Unusable::Expired(b) => write!(f, "expired at {b}"),
            Unusable::GrantorSuspended(a) => write!(f, "grantor {a} is suspended"),
            Unusable::GranteeSuspended(a) => write!(f, "grantee {a} is suspended"),
            Unusable::NegativeListed(r) => write!(f, "its data set is on the negative list ({r})"),
            Unusable::Frozen(z) => {
                write!(f, "frozen by regulator {} at height {} ({})", z.regulator, z.height, z.reason)
            }
        }
    }
}

/// Refusals of the grants contract.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantsError {
    /// Only departments and traders file requests.
    #[error("organization {0} is neither a department nor a trader; only they may request data")]
    NotRequesterRole(AccountId),
    /// No such data set.
    #[error("data set {0} does not exist")]
    UnknownDataset(DatasetId),
    /// Requesting one's own data.
    #[error("data set {0} is the sender's own; no grant is needed")]
    OwnDataset(DatasetId),
    /// The data set is not shareable.
    #[error("data set {0} is not shareable")]
    NotShareable(DatasetId),
    /// The data set is retired.
    #[error("data set {0} is retired and can no longer be requested or granted")]
    DatasetRetired(DatasetId),
    /// The data set is on the negative list.
    #[error("data set {dataset} is on the negative list ({reason}) and can be neither requested nor granted")]
    DatasetNegativeListed {
        /// Data set.
        dataset: DatasetId,
        /// The regulator's reason.
        reason: String,
    },
    /// No purpose given.
    #[error("a request needs a non-empty purpose")]
    EmptyPurpose,
    /// No fields asked.
    #[error("a request needs at least one field")]
    NoFields,
    /// Fields the data set does not have.
    #[error("fields {} are not in data set {dataset}", fields.join(", "))]
    FieldsOutsideDataset {
        /// Data set.
        dataset: DatasetId,
        /// The unknown fields.
        fields: Vec<String>,
    },
    /// Zero uses.
    #[error("max_uses must be more than 0")]
    ZeroMaxUses,
    /// A validity window refused by the shared terms check (empty, or already over).
    #[error(transparent)]
    Window(WindowRefusal),
    /// No such request.
    #[error("request {0} does not exist")]
    UnknownRequest(RequestId),
    /// Only the data set's owner approves or rejects.
    #[error("request {request} can only be decided by the data set's owner {owner}, not by {sender}")]
    NotOwner {
        /// Request.
        request: RequestId,
        /// Owner.
        owner: AccountId,
        /// Sender.
        sender: AccountId,
    },
    /// The request has already been answered.
    #[error("request {0} is no longer pending ({1})")]
    RequestNotPending(RequestId, &'static str),
    /// The owner approves once.
    #[error("request {0} is already approved by the owner")]
    AlreadyApproved(RequestId),
    /// Only regulators co-approve.
    #[error("organization {0} is not a regulator; only regulators co-approve")]
    NotRegulator(AccountId),
    /// The data set is not core.
    #[error("request {0} is for data that is not core and needs no regulator co-approval")]
    CoApprovalNotNeeded(RequestId),
    /// A regulator already co-approved.
    #[error("request {request} is already co-approved by regulator {regulator}")]
    AlreadyCoApproved {
        /// Request.
        request: RequestId,
        /// The regulator who did.
        regulator: AccountId,
    },
    /// A regulator co-approving a request its own organization filed or answers as owner.
    #[error(
        "organization {org} is a party to request {request} (its requester or the data's owner) and cannot co-approve it"
    )]
    CoApproverIsParty {
        /// Request.
        request: RequestId,
        /// The would-be co-approver.
        org: AccountId,
    },
    /// No such grant.
    #[error("grant {0} does not exist")]
    UnknownGrant(GrantId),
    /// Only the grantor revokes.
    #[error("grant {grant} can only be revoked by its grantor {grantor}, not by {sender}")]
    NotGrantor {
        /// Grant.
        grant: GrantId,
        /// Grantor.
        grantor: AccountId,
        /// Sender.
        sender: AccountId,
    },
    /// Revoking twice.
    #[error("grant {0} is already revoked")]
    AlreadyRevoked(GrantId),
    /// Only the grantor requires a countersignature.
    #[error("grant {grant} belongs to grantor {grantor}; only it can require a countersignature, not {sender}")]
    NotGrantorToCountersign {
        /// Grant.
        grant: GrantId,
        /// Grantor.
        grantor: AccountId,
        /// Sender.
        sender: AccountId,
    },
    /// A countersignature is already required.
    #[error("grant {grant} already requires the countersignature of key {key}")]
    CountersignatureAlreadyRequired {
        /// Grant.
        grant: GrantId,
        /// The key already named.
        key: PublicKey,
    },
    /// A revoked grant is never used again: nothing to countersign.
    #[error("grant {0} is revoked: it has no later uses to countersign")]
    CountersignRevoked(GrantId),
    /// Only a regulator freezes or unfreezes a grant.
    #[error("organization {0} is not a regulator; only a regulator freezes or unfreezes a grant")]
    NotRegulatorToFreeze(AccountId),
    /// A freeze or unfreeze without a reason.
    #[error("freezing or unfreezing a grant needs a non-empty reason")]
    EmptyFreezeReason,
    /// Freezing twice.
    #[error("grant {0} is already frozen")]
    AlreadyFrozen(GrantId),
    /// Unfreezing a grant that is not frozen.
    #[error("grant {0} is not frozen")]
    NotFrozen(GrantId),
}

impl ContractError for GrantsError {
    fn code(&self) -> &'static str {
        match self {
            GrantsError::NotRequesterRole(_) => "grants.not_requester_role",
            GrantsError::UnknownDataset(_) => "grants.unknown_dataset",
            GrantsError::OwnDataset(_) => "grants.own_dataset",
            GrantsError::NotShareable(_) => "grants.not_shareable",
            GrantsError::DatasetRetired(_) => "grants.dataset_retired",
            GrantsError::DatasetNegativeListed { .. } => "grants.dataset_negative_listed",
            GrantsError::EmptyPurpose => "grants.empty_purpose",
            GrantsError::NoFields => "grants.no_fields",
            GrantsError::FieldsOutsideDataset { .. } => "grants.fields_outside_dataset",
            GrantsError::ZeroMaxUses => "grants.zero_max_uses",
            GrantsError::Window(WindowRefusal::Empty { .. }) => "grants.empty_window",
            GrantsError::Window(WindowRefusal::Ended(_)) => "grants.window_ended",
            GrantsError::UnknownRequest(_) => "grants.unknown_request",
            GrantsError::NotOwner { .. } => "grants.not_owner",
            GrantsError::RequestNotPending(..) => "grants.request_not_pending",
            GrantsError::AlreadyApproved(_) => "grants.already_approved",
            GrantsError::NotRegulator(_) => "grants.not_regulator",
            GrantsError::CoApprovalNotNeeded(_) => "grants.co_approval_not_needed",
            GrantsError::AlreadyCoApproved { .. } => "grants.already_co_approved",
            GrantsError::CoApproverIsParty { .. } => "grants.co_approver_is_party",
            GrantsError::UnknownGrant(_) => "grants.unknown_grant",
            GrantsError::NotGrantor { .. } => "grants.not_grantor",
            GrantsError::AlreadyRevoked(_) => "grants.already_revoked",
            GrantsError::NotGrantorToCountersign { .. } => "grants.not_grantor",
            GrantsError::CountersignatureAlreadyRequired { .. } => "grants.countersignature_already_required",
            GrantsError::CountersignRevoked(_) => "grants.already_revoked",
            GrantsError::NotRegulatorToFreeze(_) => "grants.not_regulator_to_freeze",
            GrantsError::EmptyFreezeReason => "grants.empty_reason",
            GrantsError::AlreadyFrozen(_) => "grants.already_frozen",
            GrantsError::NotFrozen(_) => "grants.not_frozen",
        }
    }
}

refusal!(GrantsError);

/// State key of a request.
pub fn request_key(id: &RequestId) -> Vec<u8> {
    [b"grants/request/".as_slice(), &id.0].concat()
}

/// State key of a grant.
pub fn grant_key(id: &GrantId) -> Vec<u8> {
    [b"grants/grant/".as_slice(), &id.0].concat()
}

/// State key of the provider system key that must countersign a grant's uses (absent: none).
/// Kept beside the grant rather than in it, so grants stored before the rule keep their encoding.
pub fn countersigner_key(id: &GrantId) -> Vec<u8> {
    [b"grants/countersigner/".as_slice(), &id.0].concat()
}

/// The key that must countersign every use of grant `id` from now on, in committed state.
pub fn get_countersigner<S: StateReader + ?Sized>(state: &S, id: &GrantId) -> Result<Option<PublicKey>, StorageError> {
    View(state).read(&countersigner_key(id))
}

/// The grant that answers `request` (one per request).
pub fn grant_id_for(request: &RequestId) -> GrantId {
    GrantId::from(Hash::tagged(domain::GRANT_ID, &request.0))
}

/// The id of the request filed by the transaction `tx` (one request per transaction).
pub fn request_id_for(tx: &Hash) -> RequestId {
    RequestId::from(Hash::tagged(domain::REQUEST_ID, tx.as_bytes()))
}

/// A request in committed state.
pub fn get_request<S: StateReader + ?Sized>(state: &S, id: &RequestId) -> Result<Option<Request>, StorageError> {
    View(state).read(&request_key(id))
}

/// State key of a regulator's freeze of a grant.
pub fn frozen_key(id: &GrantId) -> Vec<u8> {
    [b"grants/frozen/".as_slice(), &id.0].concat()
}

/// A regulator's standing freeze of a grant, in committed state.
pub fn get_freeze<S: StateReader + ?Sized>(state: &S, id: &GrantId) -> Result<Option<Freeze>, StorageError> {
    View(state).read(&frozen_key(id))
}

/// A grant in committed state.
pub fn get_grant<S: StateReader + ?Sized>(state: &S, id: &GrantId) -> Result<Option<Grant>, StorageError> {
    load_grant(&View(state), id)
}

/// Why `grant` could not be used in a block with timestamp `time_ms`, on committed state; `None`
/// if it could (uses left and field scope aside).
pub fn grant_usability<S: StateReader + ?Sized>(
    state: &S,
    grant: &Grant,
    time_ms: u64,
) -> Result<Option<Unusable>, StorageError> {
    usability(&View(state), grant, time_ms)
}

pub(crate) fn load_grant<R: Store + ?Sized>(s: &R, id: &GrantId) -> Result<Option<Grant>, StorageError> {
    s.read(&grant_key(id))
}

/// The first reason, if any, why `grant` cannot be used at ledger time `time_ms`, checked in this
/// order: revoked, frozen, not yet valid, expired, grantor suspended, grantee suspended,
/// negative-listed.
pub(crate) fn usability<R: Store + ?Sized>(
    s: &R,
    grant: &Grant,
    time_ms: u64,
) -> Result<Option<Unusable>, StorageError> {
    if let Some(r) = &grant.revoked {
        return Ok(Some(Unusable::Revoked(r.clone())));
    }
    if let Some(z) = s.read::<Freeze>(&frozen_key(&grant.id))? {
        return Ok(Some(Unusable::Frozen(z)));
    }
    if time_ms < grant.validity.from_ms {
        return Ok(Some(Unusable::NotYetValid(LedgerTime(grant.validity.from_ms))));
    }
    if grant.validity.ended(time_ms) {
        return Ok(Some(Unusable::Expired(LedgerTime(grant.validity.until_ms))));
    }
    if is_suspended(s, &grant.grantor)? {
        return Ok(Some(Unusable::GrantorSuspended(grant.grantor)));
    }
    if is_suspended(s, &grant.grantee)? {
        return Ok(Some(Unusable::GranteeSuspended(grant.grantee)));
    }
    if let Some(reason) = load_dataset(s, &grant.dataset)?.and_then(|d| d.negative_listed) {
        return Ok(Some(Unusable::NegativeListed(reason)));
    }
    Ok(None)
}

/// Executes a grants call.
pub(crate) fn execute(ctx: &mut TxContext<'_>, call: &GrantsCall) -> Result<(), ExecError> {
    match call {
        GrantsCall::Request { dataset, purpose, fields, valid_from_ms, valid_until_ms, max_uses } => {
            let validity = Validity { from_ms: *valid_from_ms, until_ms: *valid_until_ms };
            file(ctx, dataset, purpose, fields, validity, *max_uses)
        }
        GrantsCall::Approve { request } => {
            let mut r = pending_for_owner(ctx, request)?;
            if r.owner_approved {
                return Err(GrantsError::AlreadyApproved(*request).into());
            }
            shareable(ctx, &r.dataset)?;
            r.owner_approved = true;
            ctx.emit(Event::RequestApproved {
                request: r.id,
                dataset: r.dataset,
                requester: r.requester,
                owner: r.owner,
            });
            issue_if_complete(ctx, r)
        }
        GrantsCall::Reject { request, reason } => {
            let mut r = pending_for_owner(ctx, request)?;
            r.status = RequestStatus::Rejected { reason: reason.clone() };
            ctx.put(request_key(request), &r)?;
            ctx.emit(Event::RequestRejected {
                request: r.id,
                dataset: r.dataset,
                requester: r.requester,
                owner: r.owner,
                reason: reason.clone(),
            });
            Ok(())
        }
        GrantsCall::CoApprove { request } => {
            if !has_any_role(ctx, &ctx.sender, &[Role::Regulator])? {
                return Err(GrantsError::NotRegulator(ctx.sender).into());
            }
            let mut r = pending(ctx, request)?;
            if !r.needs_co_approval {
                return Err(GrantsError::CoApprovalNotNeeded(*request).into());
            }
            if let Some(regulator) = r.co_approved_by {
                return Err(GrantsError::AlreadyCoApproved { request: *request, regulator }.into());
            }
            // Separation of duties: the co-approval is a check on the parties, so neither party
            // gives it, whatever roles it holds.
            if ctx.sender == r.requester || ctx.sender == r.owner {
                return Err(GrantsError::CoApproverIsParty { request: *request, org: ctx.sender }.into());
            }
            shareable(ctx, &r.dataset)?;
            r.co_approved_by = Some(ctx.sender);
            ctx.emit(Event::RequestCoApproved {
                request: r.id,
                dataset: r.dataset,
                requester: r.requester,
                owner: r.owner,
                regulator: ctx.sender,
            });
            issue_if_complete(ctx, r)
        }
        GrantsCall::Revoke { grant, reason } => {
            let mut g = load_grant(ctx, grant)?.ok_or(GrantsError::UnknownGrant(*grant))?;
            if g.grantor != ctx.sender {
                return Err(GrantsError::NotGrantor { grant: *grant, grantor: g.grantor, sender: ctx.sender }.into());
            }
            if g.revoked.is_some() {
                return Err(GrantsError::AlreadyRevoked(*grant).into());
            }
            g.revoked = Some(Revocation { height: ctx.height, reason: reason.clone() });
            ctx.put(grant_key(grant), &g)?;
            ctx.emit(Event::GrantRevoked {
                grant: g.id,
                dataset: g.dataset,
                grantor: g.grantor,
                grantee: g.grantee,
                reason: reason.clone(),
            });
            Ok(())
        }
        GrantsCall::RequireCountersignature { grant, key } => {
            let g = load_grant(ctx, grant)?.ok_or(GrantsError::UnknownGrant(*grant))?;
            if g.grantor != ctx.sender {
                let e = GrantsError::NotGrantorToCountersign { grant: *grant, grantor: g.grantor, sender: ctx.sender };
                return Err(e.into());
            }
            if g.revoked.is_some() {
                return Err(GrantsError::CountersignRevoked(*grant).into());
            }
            if let Some(key) = ctx.get::<PublicKey>(&countersigner_key(grant))? {
                return Err(GrantsError::CountersignatureAlreadyRequired { grant: *grant, key }.into());
            }
            ctx.put(countersigner_key(grant), key)?;
            ctx.emit(Event::CountersignatureRequired {
                grant: g.id,
                dataset: g.dataset,
                grantor: g.grantor,
                grantee: g.grantee,
                key: *key,
            });
            Ok(())
        }
        GrantsCall::Freeze { grant, reason } => set_freeze(ctx, grant, reason, true),
        GrantsCall::Unfreeze { grant, reason } => set_freeze(ctx, grant, reason, false),
    }
}

/// A regulator freezes (`freeze`) or unfreezes a grant directly, with a reason.
fn set_freeze(ctx: &mut TxContext<'_>, grant: &GrantId, reason: &str, freeze: bool) -> Result<(), ExecError> {
    if !has_any_role(ctx, &ctx.sender, &[Role::Regulator])? {
        return Err(GrantsError::NotRegulatorToFreeze(ctx.sender).into());
    }
    if reason.trim().is_empty() {
        return Err(GrantsError::EmptyFreezeReason.into());
    }
    let g = load_grant(ctx, grant)?.ok_or(GrantsError::UnknownGrant(*grant))?;
    let standing = ctx.get::<Freeze>(&frozen_key(grant))?;
    let (regulator, reason) = (ctx.sender, reason.to_string());
    let (dataset, grantor, grantee) = (g.dataset, g.grantor, g.grantee);
    if freeze {
        if standing.is_some() {
            return Err(GrantsError::AlreadyFrozen(*grant).into());
        }
        ctx.put(frozen_key(grant), &Freeze { regulator, reason: reason.clone(), height: ctx.height })?;
        ctx.emit(Event::GrantFrozen { grant: *grant, dataset, grantor, grantee, regulator, reason });
    } else {
        if standing.is_none() {
            return Err(GrantsError::NotFrozen(*grant).into());
        }
        ctx.delete(frozen_key(grant));
        ctx.emit(Event::GrantUnfrozen { grant: *grant, dataset, grantor, grantee, regulator, reason });
    }
    Ok(())
}

fn file(
    ctx: &mut TxContext<'_>,
    dataset: &DatasetId,
    purpose: &str,
    fields: &[String],
    validity: Validity,
    max_uses: u64,
) -> Result<(), ExecError> {
    if !has_any_role(ctx, &ctx.sender, &[Role::Department, Role::Trader])? {
        return Err(GrantsError::NotRequesterRole(ctx.sender).into());
    }
    let d = shareable(ctx, dataset)?;
    if d.owner == ctx.sender {
        return Err(GrantsError::OwnDataset(*dataset).into());
    }
    if purpose.trim().is_empty() {
        return Err(GrantsError::EmptyPurpose.into());
    }
    let scope = terms::field_scope(&d, fields).map_err(refused)?;
    if max_uses == 0 {
        return Err(GrantsError::ZeroMaxUses.into());
    }
    terms::check_window(&validity, ctx.timestamp_ms).map_err(refused)?;
    let id = request_id_for(&ctx.tx_hash);
    let r = Request {
        id,
        dataset: *dataset,
        requester: ctx.sender,
        owner: d.owner,
        purpose: purpose.to_string(),
        fields: scope.into_iter().collect(),
        validity,
        max_uses,
        owner_approved: d.sharing == SharingAttribute::Unconditional,
        needs_co_approval: d.classification == Classification::Core,
        co_approved_by: None,
        status: RequestStatus::Pending,
        filed_at: ctx.height,
    };
    ctx.emit(Event::RequestFiled {
        request: id,
        dataset: *dataset,
        requester: r.requester,
        owner: r.owner,
        purpose: r.purpose.clone(),
        fields: r.fields.clone(),
    });
    issue_if_complete(ctx, r)
}

/// The data set, if it exists and may be shared now.
fn shareable(ctx: &TxContext<'_>, id: &DatasetId) -> Result<Dataset, ExecError> {
    let d = load_dataset(ctx, id)?.ok_or(GrantsError::UnknownDataset(*id))?;
    terms::check_shareable(&d).map_err(refused)?;
    Ok(d)
}

/// The grants contract's error for a refusal of the shared terms checks.
fn refused(r: Refusal) -> GrantsError {
    match r {
        Refusal::Window(w) => GrantsError::Window(w),
        Refusal::NoFields => GrantsError::NoFields,
        Refusal::FieldsOutsideDataset { dataset, fields } => GrantsError::FieldsOutsideDataset { dataset, fields },
        Refusal::Retired(dataset) => GrantsError::DatasetRetired(dataset),
        Refusal::NegativeListed { dataset, reason } => GrantsError::DatasetNegativeListed { dataset, reason },
        Refusal::NotShareable(dataset) => GrantsError::NotShareable(dataset),
    }
}

fn pending(ctx: &TxContext<'_>, id: &RequestId) -> Result<Request, ExecError> {
    let r: Request = ctx.read(&request_key(id))?.ok_or(GrantsError::UnknownRequest(*id))?;
    match r.status {
        RequestStatus::Pending => Ok(r),
        RequestStatus::Granted { .. } => Err(GrantsError::RequestNotPending(*id, "granted").into()),
        RequestStatus::Rejected { .. } => Err(GrantsError::RequestNotPending(*id, "rejected").into()),
    }
}

fn pending_for_owner(ctx: &TxContext<'_>, id: &RequestId) -> Result<Request, ExecError> {
    let r = pending(ctx, id)?;
    if r.owner != ctx.sender {
        return Err(GrantsError::NotOwner { request: *id, owner: r.owner, sender: ctx.sender }.into());
    }
    Ok(r)
}

/// Stores `r`, issuing its grant first if every approval it needs is in.
fn issue_if_complete(ctx: &mut TxContext<'_>, mut r: Request) -> Result<(), ExecError> {
    if r.owner_approved && (!r.needs_co_approval || r.co_approved_by.is_some()) {
        let d = shareable(ctx, &r.dataset)?;
        let terms = GrantTerms {
            request: r.id,
            grantor: r.owner,
            grantee: r.requester,
            dataset: r.dataset,
            purpose: r.purpose.clone(),
            fields: r.fields.clone(),
            validity: r.validity,
            max_uses: r.max_uses,
        };
        let id = issue_grant(ctx, terms, d.version)?;
        r.status = RequestStatus::Granted { grant: id };
    }
    ctx.put(request_key(&r.id), &r)?;
    Ok(())
}

/// What a grant authorizes, as decided by whoever issues it (a request's approvals or a market order).
pub(crate) struct GrantTerms {
    /// The request the grant answers; its id is derived from this.
    pub(crate) request: RequestId,
    /// The data set's owner.
    pub(crate) grantor: AccountId,
    /// Who may use the data.
    pub(crate) grantee: AccountId,
    /// The data set.
    pub(crate) dataset: DatasetId,
    /// What for.
    pub(crate) purpose: String,
    /// Fields, sorted and unique.
    pub(crate) fields: Vec<String>,
    /// When it may be used.
    pub(crate) validity: Validity,
    /// How many uses it allows.
    pub(crate) max_uses: u64,
}

/// Stores a fresh grant for `terms` at the data set's `version` and emits `GrantIssued`; receipts
/// and lineage then treat it like any other grant.
pub(crate) fn issue_grant(ctx: &mut TxContext<'_>, terms: GrantTerms, version: u32) -> Result<GrantId, ExecError> {
    let id = grant_id_for(&terms.request);
    let g = Grant {
        id,
        request: terms.request,
        grantor: terms.grantor,
        grantee: terms.grantee,
        dataset: terms.dataset,
        dataset_version: version,
        purpose: terms.purpose,
        fields: terms.fields,
        validity: terms.validity,
        max_uses: terms.max_uses,
        uses: 0,
        revoked: None,
        issued_at: ctx.height,
    };
    ctx.put(grant_key(&id), &g)?;
    ctx.emit(Event::GrantIssued {
        grant: id,
        request: g.request,
        dataset: g.dataset,
        version,
        grantor: g.grantor,
        grantee: g.grantee,
    });
    Ok(id)
}
