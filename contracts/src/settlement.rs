//! Settlement money: balances in fen and the total supply. Every operation but deposit and
//! withdrawal (by the exchange center) conserves the total.

use shulian_runtime::call::SettlementCall;
use shulian_runtime::events::Event;
use shulian_runtime::exec::{CallError, ContractError, ExecError, TxContext};
use shulian_runtime::genesis::Genesis;
use shulian_runtime::ids::{AccountId, Fen};
use shulian_runtime::state::{StateReader, StorageError};

/// Refusals of the settlement contract.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettlementError {
    /// Zero amount.
    #[error("amount must be more than 0 fen")]
    ZeroAmount,
    /// Sending to oneself.
    #[error("cannot transfer to the sending account itself")]
    SelfTransfer,
    /// Not enough money.
    #[error("insufficient balance: account {account} has {balance}, needs {needed}")]
    InsufficientBalance {
        /// Account.
        account: AccountId,
        /// Its balance.
        balance: Fen,
        /// Amount asked.
        needed: Fen,
    },
    /// Would overflow u64 fen.
    #[error("balance of account {0} would overflow")]
    Overflow(AccountId),
}

impl ContractError for SettlementError {
    fn code(&self) -> &'static str {
        match self {
            SettlementError::ZeroAmount => "settlement.zero_amount",
            SettlementError::SelfTransfer => "settlement.self_transfer",
            SettlementError::InsufficientBalance { .. } => "settlement.insufficient_balance",
            SettlementError::Overflow(_) => "settlement.overflow",
        }
    }
}

/// State key of a balance.
pub fn balance_key(id: &AccountId) -> Vec<u8> {
    [b"settlement/balance/".as_slice(), &id.0].concat()
}

/// State key of the total supply.
pub const SUPPLY_KEY: &[u8] = b"settlement/supply";

/// An account's balance in committed state.
pub fn balance_of<S: StateReader + ?Sized>(state: &S, id: &AccountId) -> Result<Fen, StorageError> {
    decode_fen(state.get(&balance_key(id))?)
}

/// Total supply in committed state.
pub fn total_supply<S: StateReader + ?Sized>(state: &S) -> Result<Fen, StorageError> {
    decode_fen(state.get(SUPPLY_KEY)?)
}

fn decode_fen(b: Option<Vec<u8>>) -> Result<Fen, StorageError> {
    match b {
        None => Ok(Fen::ZERO),
        Some(b) => borsh::from_slice(&b).map_err(|e| StorageError::Corrupt(format!("balance: {e}"))),
    }
}

fn balance(ctx: &TxContext<'_>, id: &AccountId) -> Result<Fen, ExecError> {
    Ok(ctx.get::<Fen>(&balance_key(id))?.unwrap_or(Fen::ZERO))
}

fn set_balance(ctx: &mut TxContext<'_>, id: &AccountId, v: Fen) -> Result<(), ExecError> {
    if v == Fen::ZERO {
        ctx.delete(balance_key(id));
    } else {
        ctx.put(balance_key(id), &v)?;
    }
    Ok(())
}

fn refuse(e: SettlementError) -> ExecError {
    ExecError::Call(CallError::from(e))
}

/// Moves `amount` from `from` to `to`, conserving the total. Used by other contracts too (escrow).
pub fn move_funds(ctx: &mut TxContext<'_>, from: &AccountId, to: &AccountId, amount: Fen) -> Result<(), ExecError> {
    if amount == Fen::ZERO {
        return Err(refuse(SettlementError::ZeroAmount));
    }
    if from == to {
        return Err(refuse(SettlementError::SelfTransfer));
    }
    let fb = balance(ctx, from)?;
    let new_from = fb.checked_sub(amount).ok_or(refuse(SettlementError::InsufficientBalance {
        account: *from,
        balance: fb,
        needed: amount,
    }))?;
    let new_to = balance(ctx, to)?.checked_add(amount).ok_or(refuse(SettlementError::Overflow(*to)))?;
    set_balance(ctx, from, new_from)?;
    set_balance(ctx, to, new_to)?;
    Ok(())
}

/// Executes a settlement call.
pub(crate) fn execute(ctx: &mut TxContext<'_>, call: &SettlementCall) -> Result<(), ExecError> {
    match call {
        SettlementCall::Transfer { to, amount } => {
            let from = ctx.sender;
            move_funds(ctx, &from, to, *amount)?;
            ctx.emit(Event::Transferred { from, to: *to, amount: *amount });
            Ok(())
        }
    }
}

/// Credits the genesis balances and records the supply.
pub(crate) fn init_genesis(ctx: &mut TxContext<'_>, genesis: &Genesis) -> Result<(), ExecError> {
    let mut supply = Fen::ZERO;
    for o in &genesis.organizations {
        let id = o.account();
        let b = balance(ctx, &id)?.checked_add(o.balance).ok_or(refuse(SettlementError::Overflow(id)))?;
        set_balance(ctx, &id, b)?;
        supply = supply.checked_add(o.balance).ok_or(refuse(SettlementError::Overflow(id)))?;
    }
    ctx.put(SUPPLY_KEY.to_vec(), &supply)?;
    Ok(())
}
