//! Organizations: departments, the exchange center, traders, regulators and validator operators,
//! with their roles and keys. Genesis creates the first ones; after that, organizations are
//! admitted, suspended, reinstated or have keys rotated only by a governance proposal that more
//! than 2/3 of the validator-operator organizations approve.

use crate::store::{Store, View};
use borsh::{BorshDeserialize, BorshSerialize};
use shulian_runtime::call::{OrgsCall, ProposalAction};
use shulian_runtime::crypto::PublicKey;
use shulian_runtime::domain;
use shulian_runtime::events::Event;
use shulian_runtime::exec::{ContractError, ExecError, KeyBinding, TxContext, key_binding_key};
use shulian_runtime::genesis::{Genesis, Role};
use shulian_runtime::hash::Hash;
use shulian_runtime::ids::{AccountId, Height, ProposalId};
use shulian_runtime::state::{StateReader, StorageError};

/// An organization as stored on the ledger.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize)]
pub struct Organization {
    /// Its account id.
    pub id: AccountId,
    /// Human name.
    pub name: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Keys that may sign for it (rotated-out keys are removed).
    pub keys: Vec<PublicKey>,
    /// A suspended organization can make no call, and grants it gives or holds cannot be used.
    pub suspended: bool,
}

impl Organization {
    /// Whether it holds `role`.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// Where a proposal stands.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ProposalStatus {
    /// Taking votes.
    Open,
    /// Passed; its action was carried out at `height`.
    Executed {
        /// When.
        height: Height,
    },
    /// Could no longer pass, as of `height`.
    Rejected {
        /// When.
        height: Height,
    },
}

/// One organization's vote.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize)]
pub struct Ballot {
    /// The voter.
    pub voter: AccountId,
    /// For or against.
    pub approve: bool,
}

/// A governance proposal. The electorate is fixed when it opens: the validator-operator
/// organizations that were not suspended then.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, serde::Serialize)]
pub struct Proposal {
    /// Its id.
    pub id: ProposalId,
    /// Who proposed it.
    pub proposer: AccountId,
    /// What it does.
    pub action: ProposalAction,
    /// Who may vote.
    pub electorate: Vec<AccountId>,
    /// Votes cast, in order.
    pub votes: Vec<Ballot>,
    /// Where it stands.
    pub status: ProposalStatus,
    /// Height at which it opened.
    pub created_at: Height,
}

impl Proposal {
    /// Approvals so far.
    pub fn approvals(&self) -> u32 {
        count(self.votes.iter().filter(|b| b.approve))
    }

    /// Rejections so far.
    pub fn rejections(&self) -> u32 {
        count(self.votes.iter().filter(|b| !b.approve))
    }
}

fn count<I: Iterator>(it: I) -> u32 {
    u32::try_from(it.count()).unwrap_or(u32::MAX)
}

/// Whether `approvals` out of `electorate` voters is strictly more than 2/3.
pub fn is_supermajority(approvals: u32, electorate: u32) -> bool {
    u64::from(approvals) * 3 > u64::from(electorate) * 2
}

/// Refusals of the organizations contract.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgsError {
    /// The sender is suspended (checked before every call).
    #[error("organization {0} is suspended and can make no call until governance reinstates it")]
    SenderSuspended(AccountId),
    /// Only validator operators take part in governance.
    #[error("organization {0} is not a validator operator; only validator operators may propose and vote")]
    NotValidatorOperator(AccountId),
    /// No such proposal.
    #[error("proposal {0} does not exist")]
    UnknownProposal(ProposalId),
    /// The proposal is no longer open.
    #[error("proposal {0} is closed ({1}) and takes no more votes")]
    ProposalClosed(ProposalId, &'static str),
    /// The voter was not a validator operator when the proposal opened.
    #[error("organization {voter} is not in the electorate of proposal {proposal} (fixed when it opened)")]
    NotInElectorate {
        /// Proposal.
        proposal: ProposalId,
        /// Voter.
        voter: AccountId,
    },
    /// Second vote by the same organization.
    #[error("organization {voter} has already voted on proposal {proposal}")]
    AlreadyVoted {
        /// Proposal.
        proposal: ProposalId,
        /// Voter.
        voter: AccountId,
    },
    /// No such organization.
    #[error("organization {0} does not exist")]
    UnknownOrg(AccountId),
    /// The key already signs for an organization (or once did).
    #[error("key {0} is already bound to an organization")]
    KeyAlreadyBound(PublicKey),
    /// Admission without a name.
    #[error("an organization needs a non-empty name")]
    EmptyName,
    /// Admission without roles.
    #[error("an organization needs at least one role")]
    NoRoles,
    /// Suspending twice.
    #[error("organization {0} is already suspended")]
    AlreadySuspended(AccountId),
    /// Reinstating an organization that is not suspended.
    #[error("organization {0} is not suspended")]
    NotSuspended(AccountId),
    /// Rotating a key the organization does not actively hold.
    #[error("key {key} is not an active key of organization {org}")]
    KeyNotActive {
        /// Organization.
        org: AccountId,
        /// Key.
        key: PublicKey,
    },
    /// A proposal with nothing to do: nobody could be electing (no active validator operators).
    #[error("there are no active validator-operator organizations to vote")]
    NoElectorate,
    /// A direct suspension or reinstatement by a non-regulator.
    #[error("organization {0} is not a regulator; only a regulator suspends or reinstates directly")]
    NotRegulator(AccountId),
    /// A direct suspension or reinstatement without a reason.
    #[error("a regulator's suspension or reinstatement needs a non-empty reason")]
    EmptyReason,
    /// A regulator suspending a regulator (itself included): that is for governance.
    #[error("organization {0} is a regulator; only governance suspends a regulator")]
    RegulatorNotSuspendable(AccountId),
}

impl ContractError for OrgsError {
    fn code(&self) -> &'static str {
        match self {
            OrgsError::SenderSuspended(_) => "orgs.sender_suspended",
            OrgsError::NotValidatorOperator(_) => "orgs.not_validator_operator",
            OrgsError::UnknownProposal(_) => "orgs.unknown_proposal",
            OrgsError::ProposalClosed(..) => "orgs.proposal_closed",
            OrgsError::NotInElectorate { .. } => "orgs.not_in_electorate",
            OrgsError::AlreadyVoted { .. } => "orgs.already_voted",
            OrgsError::UnknownOrg(_) => "orgs.unknown_org",
            OrgsError::KeyAlreadyBound(_) => "orgs.key_already_bound",
            OrgsError::EmptyName => "orgs.empty_name",
            OrgsError::NoRoles => "orgs.no_roles",
            OrgsError::AlreadySuspended(_) => "orgs.already_suspended",
            OrgsError::NotSuspended(_) => "orgs.not_suspended",
            OrgsError::KeyNotActive { .. } => "orgs.key_not_active",
            OrgsError::NoElectorate => "orgs.no_electorate",
            OrgsError::NotRegulator(_) => "orgs.not_regulator",
            OrgsError::EmptyReason => "orgs.empty_reason",
            OrgsError::RegulatorNotSuspendable(_) => "orgs.regulator_not_suspendable",
        }
    }
}

refusal!(OrgsError);

/// State key of an organization.
pub fn org_key(id: &AccountId) -> Vec<u8> {
    [b"orgs/org/".as_slice(), &id.0].concat()
}

/// The id of the governance proposal opened by the transaction `tx` (one per transaction). Its
/// tag is [`domain::GOV_PROPOSAL_ID`], not the consensus proposal's signature tag.
pub fn proposal_id_for(tx: &Hash) -> ProposalId {
    ProposalId::from(Hash::tagged(domain::GOV_PROPOSAL_ID, tx.as_bytes()))
}

/// State key of a proposal.
pub fn proposal_key(id: &ProposalId) -> Vec<u8> {
    [b"orgs/proposal/".as_slice(), &id.0].concat()
}

/// State key of the list of validator-operator organizations (suspended ones included), sorted.
pub const VALIDATOR_OPERATORS_KEY: &[u8] = b"orgs/validator_operators";

/// Reads an organization from committed state (for queries).
pub fn get_org<S: StateReader + ?Sized>(state: &S, id: &AccountId) -> Result<Option<Organization>, StorageError> {
    load_org(&View(state), id)
}

/// Reads a proposal from committed state.
pub fn get_proposal<S: StateReader + ?Sized>(state: &S, id: &ProposalId) -> Result<Option<Proposal>, StorageError> {
    View(state).read(&proposal_key(id))
}

/// The validator-operator organizations, suspended ones included, sorted by id.
pub fn validator_operators<S: StateReader + ?Sized>(state: &S) -> Result<Vec<AccountId>, StorageError> {
    load_validator_operators(&View(state))
}

pub(crate) fn load_org<R: Store + ?Sized>(s: &R, id: &AccountId) -> Result<Option<Organization>, StorageError> {
    s.read(&org_key(id))
}

fn load_validator_operators<R: Store + ?Sized>(s: &R) -> Result<Vec<AccountId>, StorageError> {
    Ok(s.read(VALIDATOR_OPERATORS_KEY)?.unwrap_or_default())
}

/// Whether `id` exists and holds any of `roles`.
pub(crate) fn has_any_role<R: Store + ?Sized>(s: &R, id: &AccountId, roles: &[Role]) -> Result<bool, StorageError> {
    Ok(load_org(s, id)?.is_some_and(|o| roles.iter().any(|r| o.has_role(*r))))
}

/// Whether `id` is a suspended organization.
pub(crate) fn is_suspended<R: Store + ?Sized>(s: &R, id: &AccountId) -> Result<bool, StorageError> {
    Ok(load_org(s, id)?.is_some_and(|o| o.suspended))
}

/// Refuses any call from a suspended organization.
pub(crate) fn ensure_sender_active(ctx: &TxContext<'_>) -> Result<(), ExecError> {
    if is_suspended(ctx, &ctx.sender)? {
        return Err(OrgsError::SenderSuspended(ctx.sender).into());
    }
    Ok(())
}

fn put_org(ctx: &mut TxContext<'_>, org: &Organization) -> Result<(), ExecError> {
    ctx.put(org_key(&org.id), org)?;
    Ok(())
}

fn add_validator_operator(ctx: &mut TxContext<'_>, id: AccountId) -> Result<(), ExecError> {
    let mut list = load_validator_operators(ctx)?;
    if let Err(pos) = list.binary_search(&id) {
        list.insert(pos, id);
        ctx.put(VALIDATOR_OPERATORS_KEY.to_vec(), &list)?;
    }
    Ok(())
}

/// Writes the genesis organizations.
pub(crate) fn init_genesis(ctx: &mut TxContext<'_>, genesis: &Genesis) -> Result<(), ExecError> {
    for o in &genesis.organizations {
        let org = Organization {
            id: o.account(),
            name: o.name.clone(),
            roles: o.roles.clone(),
            keys: vec![o.public_key],
            suspended: false,
        };
        put_org(ctx, &org)?;
        ctx.put(key_binding_key(&o.public_key), &KeyBinding { account: org.id, active: true })?;
        if org.has_role(Role::ValidatorOperator) {
            add_validator_operator(ctx, org.id)?;
        }
    }
    Ok(())
}

/// Executes an organizations call.
pub(crate) fn execute(ctx: &mut TxContext<'_>, call: &OrgsCall) -> Result<(), ExecError> {
    match call {
        OrgsCall::RegulatorSuspend { org, reason } => return regulator_sets_suspension(ctx, org, reason, true),
        OrgsCall::RegulatorReinstate { org, reason } => return regulator_sets_suspension(ctx, org, reason, false),
        _ => {}
    }
    if !has_any_role(ctx, &ctx.sender, &[Role::ValidatorOperator])? {
        return Err(OrgsError::NotValidatorOperator(ctx.sender).into());
    }
    match call {
        OrgsCall::Propose { action } => propose(ctx, action),
        OrgsCall::Vote { proposal, approve } => vote(ctx, proposal, *approve),
        OrgsCall::RotateValidatorKey { old_key, new_key, possession } => {
            crate::validators::rotate_key(ctx, old_key, new_key, possession)
        }
        // Taken above: a regulator's calls need no validator-operator role.
        OrgsCall::RegulatorSuspend { .. } | OrgsCall::RegulatorReinstate { .. } => Ok(()),
    }
}

/// A regulator suspends (`suspend`) or reinstates an organization directly, with a reason. It may
/// not suspend a regulator: one regulator silencing another is for governance to decide.
fn regulator_sets_suspension(
    ctx: &mut TxContext<'_>,
    org: &AccountId,
    reason: &str,
    suspend: bool,
) -> Result<(), ExecError> {
    if !has_any_role(ctx, &ctx.sender, &[Role::Regulator])? {
        return Err(OrgsError::NotRegulator(ctx.sender).into());
    }
    if reason.trim().is_empty() {
        return Err(OrgsError::EmptyReason.into());
    }
    let mut o = existing_org(ctx, org)?;
    if suspend && o.has_role(Role::Regulator) {
        return Err(OrgsError::RegulatorNotSuspendable(*org).into());
    }
    match (suspend, o.suspended) {
        (true, true) => return Err(OrgsError::AlreadySuspended(*org).into()),
        (false, false) => return Err(OrgsError::NotSuspended(*org).into()),
        _ => {}
    }
    o.suspended = suspend;
    put_org(ctx, &o)?;
    let (regulator, reason) = (ctx.sender, reason.to_string());
    ctx.emit(if suspend {
        Event::OrgSuspendedByRegulator { org: *org, regulator, reason }
    } else {
        Event::OrgReinstatedByRegulator { org: *org, regulator, reason }
    });
    Ok(())
}

fn propose(ctx: &mut TxContext<'_>, action: &ProposalAction) -> Result<(), ExecError> {
    if !crate::validators::check_action(&*ctx, ctx.height, action)? {
        check_action(ctx, action)?;
    }
    let mut electorate = Vec::new();
    for id in load_validator_operators(ctx)? {
        if !is_suspended(ctx, &id)? {
            electorate.push(id);
        }
    }
    if electorate.is_empty() {
        return Err(OrgsError::NoElectorate.into());
    }
    let id = proposal_id_for(&ctx.tx_hash);
    let p = Proposal {
        id,
        proposer: ctx.sender,
        action: action.clone(),
        electorate,
        votes: Vec::new(),
        status: ProposalStatus::Open,
        created_at: ctx.height,
    };
    ctx.put(proposal_key(&id), &p)?;
    ctx.emit(Event::ProposalCreated { proposal: id, proposer: ctx.sender, action: action.clone() });
    Ok(())
}

/// Records a vote and closes the proposal once it passes (executing its action in the same
/// transaction) or can no longer pass. If the action has become impossible meanwhile (say the key
/// was bound by another admission), the deciding vote is refused with the action's error.
fn vote(ctx: &mut TxContext<'_>, id: &ProposalId, approve: bool) -> Result<(), ExecError> {
    let mut p: Proposal = ctx.read(&proposal_key(id))?.ok_or(OrgsError::UnknownProposal(*id))?;
    match p.status {
        ProposalStatus::Open => {}
        ProposalStatus::Executed { .. } => return Err(OrgsError::ProposalClosed(*id, "executed").into()),
        ProposalStatus::Rejected { .. } => return Err(OrgsError::ProposalClosed(*id, "rejected").into()),
    }
    let voter = ctx.sender;
    if !p.electorate.contains(&voter) {
        return Err(OrgsError::NotInElectorate { proposal: *id, voter }.into());
    }
    if p.votes.iter().any(|b| b.voter == voter) {
        return Err(OrgsError::AlreadyVoted { proposal: *id, voter }.into());
    }
    p.votes.push(Ballot { voter, approve });
    let (approvals, rejections, n) = (p.approvals(), p.rejections(), count(p.electorate.iter()));
    let org = p.action.org();
    ctx.emit(Event::Voted { proposal: *id, org, voter, approve, approvals, rejections });
    if is_supermajority(approvals, n) {
        p.status = ProposalStatus::Executed { height: ctx.height };
        ctx.emit(Event::ProposalExecuted { proposal: *id, org });
        apply_action(ctx, *id, &p.action)?;
    } else if !is_supermajority(n.saturating_sub(rejections), n) {
        p.status = ProposalStatus::Rejected { height: ctx.height };
        ctx.emit(Event::ProposalRejected { proposal: *id, org, approvals, rejections });
    }
    ctx.put(proposal_key(id), &p)?;
    Ok(())
}

fn existing_org<R: Store + ?Sized>(s: &R, id: &AccountId) -> Result<Organization, ExecError> {
    Ok(load_org(s, id)?.ok_or(OrgsError::UnknownOrg(*id))?)
}

fn ensure_key_unbound<R: Store + ?Sized>(s: &R, pk: &PublicKey) -> Result<(), ExecError> {
    if s.read::<KeyBinding>(&key_binding_key(pk))?.is_some() {
        return Err(OrgsError::KeyAlreadyBound(*pk).into());
    }
    Ok(())
}

/// Checks that `action` can be carried out on the current state; returns the organization it
/// concerns if it already exists.
fn check_action<R: Store + ?Sized>(s: &R, action: &ProposalAction) -> Result<Option<Organization>, ExecError> {
    match action {
        ProposalAction::Admit { name, roles, public_key } => {
            if name.trim().is_empty() {
                return Err(OrgsError::EmptyName.into());
            }
            if roles.is_empty() {
                return Err(OrgsError::NoRoles.into());
            }
            ensure_key_unbound(s, public_key)?;
            Ok(None)
        }
        ProposalAction::Suspend { org, .. } => {
            let o = existing_org(s, org)?;
            if o.suspended {
                return Err(OrgsError::AlreadySuspended(*org).into());
            }
            Ok(Some(o))
        }
        ProposalAction::Reinstate { org } => {
            let o = existing_org(s, org)?;
            if !o.suspended {
                return Err(OrgsError::NotSuspended(*org).into());
            }
            Ok(Some(o))
        }
        // The registry's checks, as for a regulator's call.
        ProposalAction::DefineElement { code, name, responsible } => {
            crate::registry::check_define(s, code, name, responsible)?;
            Ok(None)
        }
        ProposalAction::TransferElement { code, to, reason } => {
            crate::registry::check_transfer(s, code, to, reason)?;
            Ok(None)
        }
        // Validator-set changes and upgrades are checked by `validators`.
        ProposalAction::AddValidator { .. }
        | ProposalAction::RemoveValidator { .. }
        | ProposalAction::SetValidatorPower { .. }
        | ProposalAction::ScheduleUpgrade { .. } => Ok(None),
        ProposalAction::RotateKey { org, old_key, new_key } => {
            let o = existing_org(s, org)?;
            let binding = s.read::<KeyBinding>(&key_binding_key(old_key))?;
            if !o.keys.contains(old_key) || binding != Some(KeyBinding { account: *org, active: true }) {
                return Err(OrgsError::KeyNotActive { org: *org, key: *old_key }.into());
            }
            ensure_key_unbound(s, new_key)?;
            Ok(Some(o))
        }
    }
}

fn apply_action(ctx: &mut TxContext<'_>, proposal: ProposalId, action: &ProposalAction) -> Result<(), ExecError> {
    if crate::validators::apply_action(ctx, proposal, action)? {
        return Ok(());
    }
    match action {
        ProposalAction::DefineElement { code, name, responsible } => {
            return crate::registry::define(ctx, code, name, responsible, Some(proposal));
        }
        ProposalAction::TransferElement { code, to, reason } => {
            return crate::registry::transfer(ctx, code, to, reason, Some(proposal));
        }
        _ => {}
    }
    let existing = check_action(ctx, action)?;
    match (action, existing) {
        (ProposalAction::Admit { name, roles, public_key }, _) => {
            let mut roles = roles.clone();
            roles.sort();
            roles.dedup();
            let org = Organization {
                id: AccountId::from_public_key(public_key),
                name: name.clone(),
                roles: roles.clone(),
                keys: vec![*public_key],
                suspended: false,
            };
            put_org(ctx, &org)?;
            ctx.put(key_binding_key(public_key), &KeyBinding { account: org.id, active: true })?;
            if org.has_role(Role::ValidatorOperator) {
                add_validator_operator(ctx, org.id)?;
            }
            ctx.emit(Event::OrgAdmitted { org: org.id, name: name.clone(), roles, public_key: *public_key, proposal });
        }
        (ProposalAction::Suspend { org, reason }, Some(mut o)) => {
            o.suspended = true;
            put_org(ctx, &o)?;
            ctx.emit(Event::OrgSuspended { org: *org, reason: reason.clone(), proposal });
        }
        (ProposalAction::Reinstate { org }, Some(mut o)) => {
            o.suspended = false;
            put_org(ctx, &o)?;
            ctx.emit(Event::OrgReinstated { org: *org, proposal });
        }
        (ProposalAction::RotateKey { org, old_key, new_key }, Some(mut o)) => {
            o.keys.retain(|k| k != old_key);
            o.keys.push(*new_key);
            put_org(ctx, &o)?;
            ctx.put(key_binding_key(old_key), &KeyBinding { account: *org, active: false })?;
            ctx.put(key_binding_key(new_key), &KeyBinding { account: *org, active: true })?;
            ctx.emit(Event::KeyRotated { org: *org, old_key: *old_key, new_key: *new_key, proposal });
        }
        // check_action returns the organization for every action but Admit.
        // Carried out by `validators::apply_action` above.
        (
            ProposalAction::AddValidator { .. }
            | ProposalAction::RemoveValidator { .. }
            | ProposalAction::SetValidatorPower { .. }
            | ProposalAction::ScheduleUpgrade { .. }
            | ProposalAction::DefineElement { .. }
            | ProposalAction::TransferElement { .. },
            Some(_),
        ) => {}
        (_, None) => return Err(OrgsError::UnknownOrg(action.org()).into()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supermajority_is_strictly_more_than_two_thirds() {
        assert!(!is_supermajority(2, 4));
        assert!(is_supermajority(3, 4));
        assert!(!is_supermajority(2, 3));
        assert!(is_supermajority(3, 3));
        assert!(is_supermajority(1, 1));
        assert!(!is_supermajority(0, 0));
    }
}
