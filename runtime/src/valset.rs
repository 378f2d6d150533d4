//! The validator set and the protocol version as ledger state (`docs/consensus.md`, "Validator-set
//! changes" and "Upgrades").
//!
//! Governance changes the set in the block it decides them, but a change committed in block `H`
//! signs from block `H + 2` ([`ACTIVATION_DELAY`]): after block `h` the state holds the set that
//! signs block `h + 1` ([`NEXT_SET_KEY`], committed to by header `h`'s `next_validators_hash`) and
//! the set that will sign block `h + 2` ([`PENDING_SET_KEY`], where block `h`'s changes go). At the
//! start of every block the pending set becomes the next one. So every honest node switches at the
//! same height, and a header tells anyone who reads it which set certifies its successor.
//!
//! A scheduled upgrade ([`UPGRADE_KEY`]) becomes the protocol version ([`VERSION_KEY`]) at the
//! start of the block at its height; every header carries the version in force for it.

use crate::block::{Validator, ValidatorSet};
use crate::crypto::PublicKey;
use crate::exec::Writes;
use crate::genesis::Genesis;
use crate::hash::Hash;
use crate::ids::{AccountId, Height};
use crate::state::{StateReader, StorageError};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// The protocol version this code implements; a new chain starts at it.
pub const PROTOCOL_VERSION: u32 = 1;

/// Blocks between the block that commits a set change and the first block the new set signs.
pub const ACTIVATION_DELAY: u64 = 2;

/// The most validators a set may hold: votes, certificates and proposer rotation stay bounded.
pub const MAX_VALIDATORS: usize = 100;

/// After block `h`: the set that signs block `h + 1`.
pub const NEXT_SET_KEY: &[u8] = b"validators/next";
/// After block `h`: the set that signs block `h + 2` (the next set plus block `h`'s changes).
pub const PENDING_SET_KEY: &[u8] = b"validators/pending";
/// The protocol version in force for the last executed block.
pub const VERSION_KEY: &[u8] = b"protocol/version";
/// The scheduled upgrade, if any.
pub const UPGRADE_KEY: &[u8] = b"protocol/upgrade";

/// State key of a validator set by its hash: every set that ever signed a block stays readable
/// (and provable), so a header's `next_validators_hash` can be resolved from state.
pub fn set_by_hash_key(hash: &Hash) -> Vec<u8> {
    [b"validators/by-hash/".as_slice(), hash.as_bytes()].concat()
}

/// State key of the organization that operates the validator with this consensus key.
pub fn operator_key(pk: &PublicKey) -> Vec<u8> {
    [b"validators/operator/".as_slice(), &pk.0].concat()
}

/// An upgrade governance scheduled: from block `height` on, blocks carry protocol `version`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScheduledUpgrade {
    /// The version blocks carry from `height` on.
    pub version: u32,
    /// The first block of the new version.
    pub height: Height,
}

/// Why a validator set cannot be the ledger's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetRuleError {
    /// No validator would be left.
    #[error("the validator set would be empty")]
    Empty,
    /// More validators than [`MAX_VALIDATORS`].
    #[error("the validator set would hold {0} validators, at most {MAX_VALIDATORS} are allowed")]
    TooMany(usize),
    /// A validator with no power.
    #[error("validator {0} would have zero voting power")]
    ZeroPower(PublicKey),
    /// One key twice.
    #[error("key {0} would be in the set twice")]
    DuplicateKey(PublicKey),
    /// The powers do not add up in 64 bits.
    #[error("the total voting power would overflow")]
    PowerOverflow,
    /// One validator could commit alone.
    #[error("validator {key} would hold {power} of {total} voting power, more than two thirds")]
    Dominant {
        /// The validator.
        key: PublicKey,
        /// Its power.
        power: u64,
        /// The set's total.
        total: u64,
    },
}

/// The rules every set a change produces must keep: not empty, at most [`MAX_VALIDATORS`], every
/// power above zero, each key once, a total that fits 64 bits, and (with more than one validator)
/// nobody holding more than two thirds of the power. A genesis may break the last rule (a one-
/// validator dev chain does); a change may not leave a set that does.
pub fn check_set_rules(set: &ValidatorSet) -> Result<(), SetRuleError> {
    let n = set.validators.len();
    if n == 0 {
        return Err(SetRuleError::Empty);
    }
    if n > MAX_VALIDATORS {
        return Err(SetRuleError::TooMany(n));
    }
    let mut total = 0u64;
    let mut keys = std::collections::BTreeSet::new();
    for v in &set.validators {
        if v.power == 0 {
            return Err(SetRuleError::ZeroPower(v.public_key));
        }
        if !keys.insert(v.public_key) {
            return Err(SetRuleError::DuplicateKey(v.public_key));
        }
        total = total.checked_add(v.power).ok_or(SetRuleError::PowerOverflow)?;
    }
    for v in &set.validators {
        // power > 2/3 total, in integers: 3 * power > 2 * total (u128: no overflow).
        if u128::from(v.power) * 3 > u128::from(total) * 2 {
            return Err(SetRuleError::Dominant { key: v.public_key, power: v.power, total });
        }
    }
    Ok(())
}

fn decode<T: BorshDeserialize>(key: &[u8], bytes: &[u8]) -> Result<T, StorageError> {
    borsh::from_slice(bytes).map_err(|e| StorageError::Corrupt(format!("{}: {e}", String::from_utf8_lossy(key))))
}

fn read<T: BorshDeserialize, S: StateReader + ?Sized>(state: &S, key: &[u8]) -> Result<Option<T>, StorageError> {
    state.get(key)?.map(|b| decode(key, &b)).transpose()
}

fn encode<T: BorshSerialize>(value: &T) -> Result<Vec<u8>, StorageError> {
    crate::encode(value).map_err(|e| StorageError::Corrupt(e.to_string()))
}

/// The set that signs the block after the state's last one (for a store at genesis, block 1).
pub fn next_set<S: StateReader + ?Sized>(state: &S) -> Result<ValidatorSet, StorageError> {
    read(state, NEXT_SET_KEY)?.ok_or_else(|| StorageError::Corrupt("no validator set in state".into()))
}

/// The set the state's pending changes give (it signs the block after next).
pub fn pending_set<S: StateReader + ?Sized>(state: &S) -> Result<ValidatorSet, StorageError> {
    read(state, PENDING_SET_KEY)?.ok_or_else(|| StorageError::Corrupt("no pending validator set in state".into()))
}

/// A set that signed (or will sign) some block, by its hash.
pub fn set_by_hash<S: StateReader + ?Sized>(state: &S, hash: &Hash) -> Result<Option<ValidatorSet>, StorageError> {
    read(state, &set_by_hash_key(hash))
}

/// The organization operating the validator with this key, if the ledger knows one.
pub fn operator_of<S: StateReader + ?Sized>(state: &S, pk: &PublicKey) -> Result<Option<AccountId>, StorageError> {
    read(state, &operator_key(pk))
}

/// The protocol version in force for the state's last block.
pub fn protocol_version<S: StateReader + ?Sized>(state: &S) -> Result<u32, StorageError> {
    Ok(read(state, VERSION_KEY)?.unwrap_or(PROTOCOL_VERSION))
}

/// The upgrade scheduled and not yet in force, if any.
pub fn scheduled_upgrade<S: StateReader + ?Sized>(state: &S) -> Result<Option<ScheduledUpgrade>, StorageError> {
    read(state, UPGRADE_KEY)
}

/// The protocol version block `height` must carry, on the state after its parent.
pub fn version_for<S: StateReader + ?Sized>(state: &S, height: Height) -> Result<u32, StorageError> {
    match scheduled_upgrade(state)? {
        Some(up) if up.height <= height => Ok(up.version),
        _ => protocol_version(state),
    }
}

/// The writes that open block `height` on `state` (the state after its parent): the pending set
/// becomes the next one (and is kept by its hash), and an upgrade due at `height` comes into force.
pub(crate) fn block_prologue<S: StateReader + ?Sized>(state: &S, height: Height) -> Result<Writes, StorageError> {
    let mut out = Writes::new();
    let next = state.get(NEXT_SET_KEY)?;
    let pending = state.get(PENDING_SET_KEY)?;
    if let Some(p) = pending
        && next.as_ref() != Some(&p)
    {
        let set: ValidatorSet = decode(PENDING_SET_KEY, &p)?;
        out.insert(set_by_hash_key(&set.hash()), Some(p.clone()));
        out.insert(NEXT_SET_KEY.to_vec(), Some(p));
    }
    if let Some(up) = scheduled_upgrade(state)?
        && up.height <= height
    {
        out.insert(VERSION_KEY.to_vec(), Some(encode(&up.version)?));
        out.insert(UPGRADE_KEY.to_vec(), None);
    }
    Ok(out)
}

/// The validator-set and version state of a new chain: the genesis validators sign blocks 1 and 2,
/// each is operated by the genesis organization of its name (if there is one), version
/// [`PROTOCOL_VERSION`].
pub(crate) fn genesis_writes(genesis: &Genesis) -> Result<Writes, StorageError> {
    let set = genesis.validator_set();
    let bytes = encode(&set)?;
    let mut out = Writes::new();
    out.insert(NEXT_SET_KEY.to_vec(), Some(bytes.clone()));
    out.insert(PENDING_SET_KEY.to_vec(), Some(bytes.clone()));
    out.insert(set_by_hash_key(&set.hash()), Some(bytes));
    for v in &genesis.validators {
        if let Some(org) = genesis.organizations.iter().find(|o| o.name == v.name) {
            out.insert(operator_key(&v.public_key), Some(encode(&org.account())?));
        }
    }
    out.insert(VERSION_KEY.to_vec(), Some(encode(&PROTOCOL_VERSION)?));
    Ok(out)
}

/// A change governance (or an operator, for a key rotation) makes to the pending set.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SetChange {
    /// A validator joins at the end of the order.
    Add {
        /// The new member.
        validator: Validator,
    },
    /// A validator leaves.
    Remove {
        /// Its consensus key.
        public_key: PublicKey,
    },
    /// A validator's power changes.
    SetPower {
        /// Its consensus key.
        public_key: PublicKey,
        /// The new power.
        power: u64,
    },
    /// A validator's consensus key is replaced; its place, name and power stay.
    RotateKey {
        /// The key rotated out.
        old_key: PublicKey,
        /// The key that signs from the activation height on.
        new_key: PublicKey,
    },
}

/// Why a change cannot be applied to a set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetChangeError {
    /// The key is not in the set.
    #[error("{0} is not a validator (of the set pending activation)")]
    NotMember(PublicKey),
    /// The key is already in the set.
    #[error("{0} is already a validator (of the set pending activation)")]
    AlreadyMember(PublicKey),
    /// The result breaks a rule.
    #[error(transparent)]
    Rule(#[from] SetRuleError),
}

/// The set after `change`, checked against [`check_set_rules`] (a rotation only against the
/// membership rules: it moves no power).
pub fn apply_change(set: &ValidatorSet, change: &SetChange) -> Result<ValidatorSet, SetChangeError> {
    let mut out = set.clone();
    let position = |pk: &PublicKey| out.validators.iter().position(|v| &v.public_key == pk);
    match change {
        SetChange::Add { validator } => {
            if position(&validator.public_key).is_some() {
                return Err(SetChangeError::AlreadyMember(validator.public_key));
            }
            out.validators.push(validator.clone());
        }
        SetChange::Remove { public_key } => {
            let i = position(public_key).ok_or(SetChangeError::NotMember(*public_key))?;
            out.validators.remove(i);
        }
        SetChange::SetPower { public_key, power } => {
            let i = position(public_key).ok_or(SetChangeError::NotMember(*public_key))?;
            out.validators[i].power = *power;
        }
        SetChange::RotateKey { old_key, new_key } => {
            let i = position(old_key).ok_or(SetChangeError::NotMember(*old_key))?;
            if position(new_key).is_some() {
                return Err(SetChangeError::AlreadyMember(*new_key));
            }
            out.validators[i].public_key = *new_key;
            // A rotation moves no power: a genesis set that one validator dominates (a dev
            // chain) may still rotate its key.
            if out.validators.len() == 1 {
                return Ok(out);
            }
        }
    }
    check_set_rules(&out)?;
    Ok(out)
}

/// Possession proof of a consensus key: what the new key signs (with
/// [`crate::domain::VALIDATOR_POSSESSION`]) so that nobody can name a key they do not hold.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct PossessionClaim {
    /// The key that proves it is held.
    pub public_key: PublicKey,
    /// The organization that will operate it.
    pub operator: AccountId,
}

impl PossessionClaim {
    /// The signed bytes.
    pub fn sign_bytes(&self) -> Vec<u8> {
        borsh::to_vec(self).unwrap_or_default()
    }
}

/// Why a header chain does not follow the validator sets from genesis.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetChainError {
    /// A header that announces a new set is not certified by the set in force.
    #[error(
        "block {height} announces validator set {announced}, but its certificate is not from the set in force: {source}"
    )]
    Uncertified {
        /// The header's height.
        height: Height,
        /// The announced set's hash.
        announced: Hash,
        /// Why the certificate fails.
        source: Box<crate::block::CertificateError>,
    },
    /// A header announces a set whose members nobody supplied.
    #[error("block {height} announces validator set {announced}, which is not known")]
    UnknownSet {
        /// The header's height.
        height: Height,
        /// The announced set's hash.
        announced: Hash,
    },
}

/// Follows the validator set from genesis, header by header: the set that signs block `h + 1` is
/// the one header `h` names in `next_validators_hash`, and a header that names a new set is
/// trusted only if the set in force certifies it. With it a verifier that trusts nothing but the
/// genesis checks a certificate at any height against the set in force then
/// (`docs/consensus.md`, "Certificates across set changes").
#[derive(Clone, Debug)]
pub struct SetTracker {
    set: ValidatorSet,
    hash: Hash,
}

impl SetTracker {
    /// Before block 1: the genesis validators sign it.
    pub fn new(genesis_set: ValidatorSet) -> Self {
        let hash = genesis_set.hash();
        SetTracker { set: genesis_set, hash }
    }

    /// The set that signs the next header this tracker is given.
    pub fn signers(&self) -> &ValidatorSet {
        &self.set
    }

    /// Whether `header` (signed by [`SetTracker::signers`]) names another set for its successor.
    pub fn changes_at(&self, header: &crate::block::BlockHeader) -> bool {
        header.next_validators_hash != self.hash
    }

    /// Moves past `header`. If it names a new set, `cert` must certify it under the set in force
    /// and `lookup` supply the set with the named hash (checked by hashing it).
    pub fn advance(
        &mut self,
        header: &crate::block::BlockHeader,
        cert: Option<&crate::block::CommitCertificate>,
        lookup: impl FnOnce(&Hash) -> Option<ValidatorSet>,
    ) -> Result<(), SetChainError> {
        if !self.changes_at(header) {
            return Ok(());
        }
        let announced = header.next_validators_hash;
        let Some(cert) = cert else {
            return Err(SetChainError::Uncertified {
                height: header.height,
                announced,
                source: Box::new(crate::block::CertificateError::NoQuorum { got: 0, needed: self.set.quorum() }),
            });
        };
        cert.verify(header, &self.set).map_err(|source| SetChainError::Uncertified {
            height: header.height,
            announced,
            source: Box::new(source),
        })?;
        match lookup(&announced) {
            Some(set) if set.hash() == announced => {
                self.set = set;
                self.hash = announced;
                Ok(())
            }
            _ => Err(SetChainError::UnknownSet { height: header.height, announced }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_utils::key;

    fn v(seed: u8, power: u64) -> Validator {
        Validator { name: format!("v{seed}"), public_key: key(seed).public_key(), power }
    }

    fn set(vs: &[Validator]) -> ValidatorSet {
        ValidatorSet { validators: vs.to_vec() }
    }

    #[test]
    fn a_change_that_empties_the_set_or_lets_one_validator_commit_alone_is_refused() {
        let s = set(&[v(1, 1), v(2, 1), v(3, 1), v(4, 1)]);
        let remove = |seed: u8| SetChange::Remove { public_key: key(seed).public_key() };
        let three = apply_change(&s, &remove(1)).expect("4 -> 3");
        let two = apply_change(&three, &remove(2)).expect("3 -> 2: each holds half");
        assert!(matches!(apply_change(&two, &remove(3)), Err(SetChangeError::Rule(SetRuleError::Dominant { .. }))));
        let one = set(&[v(1, 1)]);
        assert_eq!(apply_change(&one, &remove(1)), Err(SetChangeError::Rule(SetRuleError::Empty)));
        // 3 of 5 is not more than 2/3; 4 of 5 is.
        let power = |p| SetChange::SetPower { public_key: key(1).public_key(), power: p };
        assert!(apply_change(&set(&[v(1, 1), v(2, 1), v(3, 1)]), &power(3)).is_ok());
        assert!(matches!(
            apply_change(&set(&[v(1, 1), v(2, 1), v(3, 1)]), &power(5)),
            Err(SetChangeError::Rule(SetRuleError::Dominant { power: 5, total: 7, .. }))
        ));
        assert!(matches!(apply_change(&s, &power(0)), Err(SetChangeError::Rule(SetRuleError::ZeroPower(_)))));
        assert_eq!(
            apply_change(&s, &SetChange::Add { validator: v(2, 1) }),
            Err(SetChangeError::AlreadyMember(key(2).public_key()))
        );
        assert_eq!(apply_change(&s, &remove(9)), Err(SetChangeError::NotMember(key(9).public_key())));
    }

    #[test]
    fn a_rotation_keeps_the_place_name_and_power() {
        let s = set(&[v(1, 1), v(2, 5), v(3, 3)]);
        let r = apply_change(&s, &SetChange::RotateKey { old_key: key(2).public_key(), new_key: key(9).public_key() })
            .expect("rotate");
        assert_eq!(r.validators[1], Validator { name: "v2".into(), public_key: key(9).public_key(), power: 5 });
        assert_eq!(
            apply_change(&s, &SetChange::RotateKey { old_key: key(2).public_key(), new_key: key(3).public_key() }),
            Err(SetChangeError::AlreadyMember(key(3).public_key()))
        );
        // A one-validator dev chain may rotate.
        assert!(
            apply_change(
                &set(&[v(1, 1)]),
                &SetChange::RotateKey { old_key: key(1).public_key(), new_key: key(2).public_key() }
            )
            .is_ok()
        );
    }

    /// The hash a header commits a set by; the explorer's `lib/valsets.js` computes it too
    /// (`node/src/explorer/test/valsets.test.mjs` pins the same value).
    #[test]
    fn the_set_hash_is_pinned() {
        crate::test_utils::pin_ed25519();
        let set = ValidatorSet {
            validators: vec![
                Validator { name: "交通局 transport".into(), public_key: key(1).public_key(), power: 1 },
                Validator { name: "v2".into(), public_key: key(2).public_key(), power: 3 },
            ],
        };
        assert_eq!(set.hash().to_string(), "089ca582c098f66b6cb412bb481f170e88b440113bdab5f7adedd1e2f9b6e6d1");
    }

    /// The state keys are part of the protocol (the state root commits to them).
    #[test]
    fn state_keys_are_pinned() {
        assert_eq!(NEXT_SET_KEY, b"validators/next");
        assert_eq!(PENDING_SET_KEY, b"validators/pending");
        assert_eq!(VERSION_KEY, b"protocol/version");
        assert_eq!(UPGRADE_KEY, b"protocol/upgrade");
        assert_eq!(set_by_hash_key(&Hash([7; 32]))[..19], *b"validators/by-hash/");
        assert_eq!(operator_key(&key(1).public_key())[..20], *b"validators/operator/");
    }
}
