//! Evidence: records proof that a validator signed two conflicting consensus votes, so the
//! regulator can see it on the ledger. Anyone may submit evidence (it proves itself); each
//! (validator, height, round, step) is recorded once. Genesis stores the chain id and validator
//! set the evidence is checked against, and binds each validator key to its own account, so a
//! validator can sign the evidence transaction it found.

use shulian_runtime::block::{ValidatorSet, VoteKind};
use shulian_runtime::call::EvidenceCall;
use shulian_runtime::events::Event;
use shulian_runtime::evidence::{Equivocation, EvidenceError};
use shulian_runtime::exec::{ContractError, ExecError, KeyBinding, TxContext, key_binding_key};
use shulian_runtime::genesis::Genesis;
use shulian_runtime::ids::{AccountId, Height};
use shulian_runtime::{PublicKey, Transaction};

const CHAIN_ID_KEY: &[u8] = b"consensus/chain_id";
const VALIDATORS_KEY: &[u8] = b"consensus/validators";

/// Refusals of the evidence contract.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceRefusal {
    /// The evidence does not prove anything.
    #[error("invalid evidence: {0}")]
    Invalid(#[from] EvidenceError),
    /// Already on the ledger.
    #[error("equivocation of validator {validator} at height {height} round {round} ({kind:?}) is already recorded")]
    AlreadyRecorded {
        /// Validator.
        validator: PublicKey,
        /// Height.
        height: Height,
        /// Round.
        round: u32,
        /// Step.
        kind: VoteKind,
    },
}

impl ContractError for EvidenceRefusal {
    fn code(&self) -> &'static str {
        match self {
            EvidenceRefusal::Invalid(_) => "evidence.invalid",
            EvidenceRefusal::AlreadyRecorded { .. } => "evidence.already_recorded",
        }
    }
}

refusal!(EvidenceRefusal);

/// State key of one recorded equivocation.
pub fn evidence_key(validator: &PublicKey, height: Height, round: u32, kind: VoteKind) -> Vec<u8> {
    let mut k = b"evidence/".to_vec();
    k.extend_from_slice(&validator.0);
    k.extend_from_slice(&height.0.to_be_bytes());
    k.extend_from_slice(&round.to_be_bytes());
    k.push(kind as u8);
    k
}

/// The stored record: the evidence and where it landed.
#[derive(Clone, Debug, PartialEq, Eq, borsh::BorshSerialize, borsh::BorshDeserialize, serde::Serialize)]
pub struct EvidenceRecord {
    /// The two votes.
    pub equivocation: Equivocation,
    /// Height of the block that recorded it.
    pub recorded_at: Height,
    /// Who submitted it.
    pub reporter: AccountId,
}

pub(crate) fn init_genesis(ctx: &mut TxContext<'_>, genesis: &Genesis) -> Result<(), ExecError> {
    ctx.put(CHAIN_ID_KEY.to_vec(), &genesis.chain_id)?;
    ctx.put(VALIDATORS_KEY.to_vec(), &genesis.validator_set())?;
    for v in &genesis.validators {
        // Genesis validation refuses a validator key that is also an organization's key.
        let account = AccountId::from_public_key(&v.public_key);
        ctx.put(key_binding_key(&v.public_key), &KeyBinding { account, active: true })?;
    }
    Ok(())
}

pub(crate) fn execute(ctx: &mut TxContext<'_>, call: &EvidenceCall) -> Result<(), ExecError> {
    match call {
        EvidenceCall::Equivocation(e) => record(ctx, e),
    }
}

fn record(ctx: &mut TxContext<'_>, e: &Equivocation) -> Result<(), ExecError> {
    let chain_id: String = ctx.get(CHAIN_ID_KEY)?.unwrap_or_default();
    let validators: ValidatorSet = ctx.get(VALIDATORS_KEY)?.unwrap_or(ValidatorSet { validators: vec![] });
    e.verify(&chain_id, &validators).map_err(EvidenceRefusal::from)?;
    let v = &e.first.vote;
    let key = evidence_key(&e.first.validator, v.height, v.round, v.kind);
    if ctx.get_raw(&key)?.is_some() {
        return Err(EvidenceRefusal::AlreadyRecorded {
            validator: e.first.validator,
            height: v.height,
            round: v.round,
            kind: v.kind,
        }
        .into());
    }
    ctx.put(key, &EvidenceRecord { equivocation: e.clone(), recorded_at: ctx.height, reporter: ctx.sender })?;
    ctx.emit(Event::EquivocationRecorded {
        validator: e.first.validator,
        validator_account: AccountId::from_public_key(&e.first.validator),
        height: v.height,
        round: v.round,
        kind: v.kind,
        first: e.first.vote.block_hash,
        second: e.second.vote.block_hash,
        reporter: ctx.sender,
    });
    Ok(())
}

/// A transaction recording `e`, signed by `key` (used by validators that catch an equivocation).
pub fn evidence_tx(chain_id: &str, key: &shulian_runtime::SecretKey, nonce: u64, e: Equivocation) -> Transaction {
    shulian_runtime::UnsignedTransaction {
        chain_id: chain_id.to_string(),
        sender: key.public_key(),
        nonce,
        call: shulian_runtime::call::Call::Evidence(EvidenceCall::Equivocation(Box::new(e))),
    }
    .sign(key)
}
