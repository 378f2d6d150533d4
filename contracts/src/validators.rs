//! Validator-set changes and protocol upgrades, decided by the organizations' governance
//! (`orgs`), and a validator operator's rotation of its own consensus key.
//!
//! Every change is made to the set pending activation (`valset::PENDING_SET_KEY`), so it signs
//! from the block [`valset::ACTIVATION_DELAY`] after the one that decided it, on every node at
//! the same height. The rules (`docs/consensus.md`, "Validator-set changes"): a change may not
//! empty the set, exceed [`valset::MAX_VALIDATORS`], or leave one validator with more than two
//! thirds of the power; a new consensus key must prove it is held (it signs a
//! [`PossessionClaim`] naming its operator), may not be in the set already, nor be an
//! organization's key.

use crate::orgs::{has_any_role, is_suspended};
use crate::store::Store;
use shulian_runtime::block::{Validator, ValidatorSet};
use shulian_runtime::call::ProposalAction;
use shulian_runtime::crypto::{PublicKey, Signature};
use shulian_runtime::domain;
use shulian_runtime::events::Event;
use shulian_runtime::exec::{ContractError, ExecError, KeyBinding, TxContext, key_binding_key};
use shulian_runtime::genesis::Role;
use shulian_runtime::ids::{AccountId, Height, ProposalId};
use shulian_runtime::state::StorageError;
use shulian_runtime::valset::{
    self, ACTIVATION_DELAY, PossessionClaim, ScheduledUpgrade, SetChange, SetChangeError, SetRuleError,
};

/// Refusals of validator-set changes and upgrades; each code is `orgs.<reason>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidatorError {
    /// The change breaks a set rule or names a key wrongly.
    #[error(transparent)]
    Set(#[from] SetChangeError),
    /// The possession proof does not verify.
    #[error("the possession proof of key {0} does not verify: sign the claim with that key")]
    BadPossessionProof(PublicKey),
    /// The new consensus key is an organization's key.
    #[error("key {0} signs for an organization; a consensus key must be a key of its own")]
    KeyIsAnOrgKey(PublicKey),
    /// The operator is unknown, suspended, or lacks the validator-operator role.
    #[error(
        "organization {0} cannot operate a validator: it must exist, hold the validator_operator role and not be suspended"
    )]
    OperatorNotEligible(AccountId),
    /// A rotation by someone else than the validator's operator.
    #[error("organization {sender} does not operate validator {key}")]
    NotTheOperator {
        /// Who asked.
        sender: AccountId,
        /// The validator.
        key: PublicKey,
    },
    /// An empty name.
    #[error("a validator needs a name")]
    EmptyName,
    /// A version that is not above the current (or scheduled) one.
    #[error("protocol version {version} is not above the ledger's version {current}")]
    VersionNotAbove {
        /// Asked.
        version: u32,
        /// Current.
        current: u32,
    },
    /// An upgrade height too close.
    #[error("upgrade height {height} must be above {earliest}")]
    UpgradeTooSoon {
        /// Asked.
        height: Height,
        /// Lowest height allowed (exclusive).
        earliest: Height,
    },
    /// An upgrade is already scheduled.
    #[error("an upgrade to version {version} is already scheduled at height {height}")]
    UpgradePending {
        /// Its version.
        version: u32,
        /// Its height.
        height: Height,
    },
}

impl ContractError for ValidatorError {
    fn code(&self) -> &'static str {
        match self {
            ValidatorError::Set(SetChangeError::NotMember(_)) => "orgs.not_a_validator",
            ValidatorError::Set(SetChangeError::AlreadyMember(_)) => "orgs.already_a_validator",
            ValidatorError::Set(SetChangeError::Rule(r)) => match r {
                SetRuleError::Empty => "orgs.validator_set_empty",
                SetRuleError::TooMany(_) => "orgs.too_many_validators",
                SetRuleError::ZeroPower(_) => "orgs.zero_power",
                SetRuleError::DuplicateKey(_) => "orgs.already_a_validator",
                SetRuleError::PowerOverflow => "orgs.power_overflow",
                SetRuleError::Dominant { .. } => "orgs.dominant_validator",
            },
            ValidatorError::BadPossessionProof(_) => "orgs.bad_possession_proof",
            ValidatorError::KeyIsAnOrgKey(_) => "orgs.key_is_an_org_key",
            ValidatorError::OperatorNotEligible(_) => "orgs.operator_not_eligible",
            ValidatorError::NotTheOperator { .. } => "orgs.not_the_operator",
            ValidatorError::EmptyName => "orgs.empty_validator_name",
            ValidatorError::VersionNotAbove { .. } => "orgs.version_not_above",
            ValidatorError::UpgradeTooSoon { .. } => "orgs.upgrade_too_soon",
            ValidatorError::UpgradePending { .. } => "orgs.upgrade_pending",
        }
    }
}

refusal!(ValidatorError);

/// The bytes a new consensus key signs to prove it is held (with
/// [`domain::VALIDATOR_POSSESSION`]).
pub fn possession_bytes(public_key: &PublicKey, operator: &AccountId) -> Vec<u8> {
    PossessionClaim { public_key: *public_key, operator: *operator }.sign_bytes()
}

fn check_possession(public_key: &PublicKey, operator: &AccountId, proof: &Signature) -> Result<(), ExecError> {
    public_key
        .verify(domain::VALIDATOR_POSSESSION, &possession_bytes(public_key, operator), proof)
        .map_err(|_| ValidatorError::BadPossessionProof(*public_key).into())
}

fn pending_set<R: Store + ?Sized>(s: &R) -> Result<ValidatorSet, StorageError> {
    s.read(valset::PENDING_SET_KEY)?.ok_or_else(|| StorageError::Corrupt("no pending validator set in state".into()))
}

fn operator_of<R: Store + ?Sized>(s: &R, pk: &PublicKey) -> Result<Option<AccountId>, StorageError> {
    s.read(&valset::operator_key(pk))
}

fn check_new_key<R: Store + ?Sized>(s: &R, pk: &PublicKey) -> Result<(), ExecError> {
    if s.read::<KeyBinding>(&key_binding_key(pk))?.is_some() {
        return Err(ValidatorError::KeyIsAnOrgKey(*pk).into());
    }
    Ok(())
}

fn check_operator<R: Store + ?Sized>(s: &R, operator: &AccountId) -> Result<(), ExecError> {
    if !has_any_role(s, operator, &[Role::ValidatorOperator])? || is_suspended(s, operator)? {
        return Err(ValidatorError::OperatorNotEligible(*operator).into());
    }
    Ok(())
}

/// The set change a governance action makes, if it is one.
pub(crate) fn set_change(action: &ProposalAction) -> Option<SetChange> {
    match action {
        ProposalAction::AddValidator { name, public_key, power, .. } => {
            Some(SetChange::Add { validator: Validator { name: name.clone(), public_key: *public_key, power: *power } })
        }
        ProposalAction::RemoveValidator { public_key } => Some(SetChange::Remove { public_key: *public_key }),
        ProposalAction::SetValidatorPower { public_key, power } => {
            Some(SetChange::SetPower { public_key: *public_key, power: *power })
        }
        _ => None,
    }
}

/// Checks a validator-set or upgrade action against the current state (when it is proposed, and
/// again when it passes). `Ok(false)` for an action of another kind.
pub(crate) fn check_action<R: Store + ?Sized>(
    s: &R,
    height: Height,
    action: &ProposalAction,
) -> Result<bool, ExecError> {
    if let ProposalAction::AddValidator { name, public_key, operator, possession, .. } = action {
        if name.trim().is_empty() {
            return Err(ValidatorError::EmptyName.into());
        }
        check_operator(s, operator)?;
        check_new_key(s, public_key)?;
        check_possession(public_key, operator, possession)?;
    }
    if let Some(change) = set_change(action) {
        let pending = pending_set(s)?;
        valset::apply_change(&pending, &change).map_err(ValidatorError::from)?;
        return Ok(true);
    }
    if let ProposalAction::ScheduleUpgrade { version, height: at } = action {
        check_upgrade(s, height, *version, *at)?;
        return Ok(true);
    }
    Ok(false)
}

fn check_upgrade<R: Store + ?Sized>(s: &R, now: Height, version: u32, at: Height) -> Result<(), ExecError> {
    if let Some(up) = s.read::<ScheduledUpgrade>(valset::UPGRADE_KEY)? {
        return Err(ValidatorError::UpgradePending { version: up.version, height: up.height }.into());
    }
    let current = s.read::<u32>(valset::VERSION_KEY)?.unwrap_or(valset::PROTOCOL_VERSION);
    if version <= current {
        return Err(ValidatorError::VersionNotAbove { version, current }.into());
    }
    let earliest = Height(now.0.saturating_add(ACTIVATION_DELAY));
    if at <= earliest {
        return Err(ValidatorError::UpgradeTooSoon { height: at, earliest }.into());
    }
    Ok(())
}

fn change_pending(
    ctx: &mut TxContext<'_>,
    change: SetChange,
    operator: Option<AccountId>,
    proposal: Option<ProposalId>,
) -> Result<(), ExecError> {
    let pending = pending_set(&*ctx)?;
    let set = valset::apply_change(&pending, &change).map_err(ValidatorError::from)?;
    ctx.put(valset::PENDING_SET_KEY.to_vec(), &set)?;
    let activates_at = Height(ctx.height.0.saturating_add(ACTIVATION_DELAY));
    ctx.emit(Event::ValidatorSetChanged { change, operator, activates_at, set_hash: set.hash(), proposal });
    Ok(())
}

/// Carries out a passed validator-set or upgrade action; `Ok(false)` for an action of another kind.
pub(crate) fn apply_action(
    ctx: &mut TxContext<'_>,
    proposal: ProposalId,
    action: &ProposalAction,
) -> Result<bool, ExecError> {
    if !check_action(&*ctx, ctx.height, action)? {
        return Ok(false);
    }
    if let ProposalAction::ScheduleUpgrade { version, height } = action {
        ctx.put(valset::UPGRADE_KEY.to_vec(), &ScheduledUpgrade { version: *version, height: *height })?;
        ctx.emit(Event::UpgradeScheduled { version: *version, height: *height, proposal });
        return Ok(true);
    }
    let operator = match action {
        ProposalAction::AddValidator { public_key, operator, .. } => {
            ctx.put(valset::operator_key(public_key), operator)?;
            Some(*operator)
        }
        ProposalAction::RemoveValidator { public_key } | ProposalAction::SetValidatorPower { public_key, .. } => {
            operator_of(&*ctx, public_key)?
        }
        _ => None,
    };
    if let Some(change) = set_change(action) {
        change_pending(ctx, change, operator, Some(proposal))?;
    }
    Ok(true)
}

/// An operator rotates its validator's consensus key (no vote: the key is the operator's).
pub(crate) fn rotate_key(
    ctx: &mut TxContext<'_>,
    old_key: &PublicKey,
    new_key: &PublicKey,
    possession: &Signature,
) -> Result<(), ExecError> {
    let sender = ctx.sender;
    if operator_of(&*ctx, old_key)? != Some(sender) {
        return Err(ValidatorError::NotTheOperator { sender, key: *old_key }.into());
    }
    check_new_key(&*ctx, new_key)?;
    check_possession(new_key, &sender, possession)?;
    ctx.put(valset::operator_key(new_key), &sender)?;
    change_pending(ctx, SetChange::RotateKey { old_key: *old_key, new_key: *new_key }, Some(sender), None)
}
