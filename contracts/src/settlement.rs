//! Settlement money: balances in fen and the total supply. Every operation but deposit and
//! withdrawal (by the exchange center, as clearing house) conserves the total. Money held for
//! open market orders sits in the system escrow account, which no key controls and only the
//! market contract moves money out of; the total supply always equals the sum of all balances,
//! escrow included.

use crate::orgs::{has_any_role, load_org};
use shulian_runtime::call::SettlementCall;
use shulian_runtime::events::Event;
use shulian_runtime::exec::{CallError, ContractError, ExecError, TxContext};
use shulian_runtime::genesis::{Genesis, Role};
use shulian_runtime::hash::Hash;
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
    /// Deposits and withdrawals are the clearing house's.
    #[error(
        "organization {0} is not the exchange center; only the exchange center credits deposits and debits withdrawals"
    )]
    NotExchangeCenter(AccountId),
    /// A deposit or withdrawal without its bank reference.
    #[error("a deposit or withdrawal needs a non-empty bank reference")]
    EmptyBankRef,
    /// Deposits and withdrawals are for organizations only.
    #[error("account {0} is not an organization")]
    UnknownAccount(AccountId),
    /// The escrow account is moved only by the market contract.
    #[error("the escrow account {0} can only be paid into or out of by market orders")]
    EscrowAccount(AccountId),
    /// The total supply would overflow.
    #[error("total supply {supply} plus {amount} would overflow")]
    SupplyOverflow {
        /// Supply now.
        supply: Fen,
        /// Amount deposited.
        amount: Fen,
    },
    /// A withdrawal the organization did not ask for.
    #[error("organization {0} has asked for no withdrawal; it must request one first (`request_withdrawal`)")]
    NoWithdrawalRequest(AccountId),
    /// A withdrawal of another amount than the one asked for.
    #[error("organization {org} asked to withdraw {requested}, not {amount}")]
    WithdrawalMismatch {
        /// The organization.
        org: AccountId,
        /// What it asked for.
        requested: Fen,
        /// What the exchange center tried to pay out.
        amount: Fen,
    },
}

impl ContractError for SettlementError {
    fn code(&self) -> &'static str {
        match self {
            SettlementError::ZeroAmount => "settlement.zero_amount",
            SettlementError::SelfTransfer => "settlement.self_transfer",
            SettlementError::InsufficientBalance { .. } => "settlement.insufficient_balance",
            SettlementError::Overflow(_) => "settlement.overflow",
            SettlementError::NotExchangeCenter(_) => "settlement.not_exchange_center",
            SettlementError::EmptyBankRef => "settlement.empty_bank_ref",
            SettlementError::UnknownAccount(_) => "settlement.unknown_account",
            SettlementError::EscrowAccount(_) => "settlement.escrow_account",
            SettlementError::SupplyOverflow { .. } => "settlement.supply_overflow",
            SettlementError::NoWithdrawalRequest(_) => "settlement.no_withdrawal_request",
            SettlementError::WithdrawalMismatch { .. } => "settlement.withdrawal_mismatch",
        }
    }
}

/// State key of a balance.
pub fn balance_key(id: &AccountId) -> Vec<u8> {
    [b"settlement/balance/".as_slice(), &id.0].concat()
}

/// State key of an organization's standing withdrawal request (its amount).
pub fn withdrawal_key(id: &AccountId) -> Vec<u8> {
    [b"settlement/withdrawal/".as_slice(), &id.0].concat()
}

/// An organization's standing withdrawal request, in committed state.
pub fn withdrawal_request<S: StateReader + ?Sized>(state: &S, id: &AccountId) -> Result<Option<Fen>, StorageError> {
    match state.get(&withdrawal_key(id))? {
        None => Ok(None),
        Some(b) => decode_fen(Some(b)).map(Some),
    }
}

/// State key of the total supply.
pub const SUPPLY_KEY: &[u8] = b"settlement/supply";

/// The system escrow account: holds `price + fee` of every open market order. It is derived from
/// a tag, not a key, so no transaction can ever be signed for it.
pub fn escrow_account() -> AccountId {
    AccountId::from(Hash::tagged(shulian_runtime::domain::ESCROW_ACCOUNT, b""))
}

/// Money held in escrow in committed state.
pub fn escrow_balance<S: StateReader + ?Sized>(state: &S) -> Result<Fen, StorageError> {
    balance_of(state, &escrow_account())
}

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

/// Moves `amount` from `from` into escrow. Zero is a no-op.
pub(crate) fn lock_in_escrow(ctx: &mut TxContext<'_>, from: &AccountId, amount: Fen) -> Result<(), ExecError> {
    if amount == Fen::ZERO {
        return Ok(());
    }
    move_funds(ctx, from, &escrow_account(), amount)
}

/// Pays `amount` out of escrow to `to`. Zero is a no-op (e.g. a zero fee or a zero split share).
pub(crate) fn release_from_escrow(ctx: &mut TxContext<'_>, to: &AccountId, amount: Fen) -> Result<(), ExecError> {
    if amount == Fen::ZERO {
        return Ok(());
    }
    move_funds(ctx, &escrow_account(), to, amount)
}

/// Executes a settlement call.
pub(crate) fn execute(ctx: &mut TxContext<'_>, call: &SettlementCall) -> Result<(), ExecError> {
    match call {
        SettlementCall::Transfer { to, amount } => {
            if *to == escrow_account() {
                return Err(refuse(SettlementError::EscrowAccount(*to)));
            }
            let from = ctx.sender;
            move_funds(ctx, &from, to, *amount)?;
            ctx.emit(Event::Transferred { from, to: *to, amount: *amount });
            Ok(())
        }
        SettlementCall::Deposit { to, amount, bank_ref } => {
            clearing_checks(ctx, to, *amount, bank_ref)?;
            let supply = ctx.get::<Fen>(SUPPLY_KEY)?.unwrap_or(Fen::ZERO);
            let new_supply = supply
                .checked_add(*amount)
                .ok_or(refuse(SettlementError::SupplyOverflow { supply, amount: *amount }))?;
            let b = balance(ctx, to)?.checked_add(*amount).ok_or(refuse(SettlementError::Overflow(*to)))?;
            set_balance(ctx, to, b)?;
            ctx.put(SUPPLY_KEY.to_vec(), &new_supply)?;
            let clearing = ctx.sender;
            ctx.emit(Event::Deposited {
                to: *to,
                amount: *amount,
                bank_ref: bank_ref.clone(),
                clearing,
                supply: new_supply,
            });
            Ok(())
        }
        SettlementCall::RequestWithdrawal { amount } => {
            let org = ctx.sender;
            if *amount == Fen::ZERO {
                return Err(refuse(SettlementError::ZeroAmount));
            }
            let b = balance(ctx, &org)?;
            if b < *amount {
                return Err(refuse(SettlementError::InsufficientBalance { account: org, balance: b, needed: *amount }));
            }
            ctx.put(withdrawal_key(&org), amount)?;
            ctx.emit(Event::WithdrawalRequested { org, amount: *amount });
            Ok(())
        }
        SettlementCall::Withdraw { from, amount, bank_ref } => {
            clearing_checks(ctx, from, *amount, bank_ref)?;
            // Only what the organization asked for: the exchange center cannot name any account.
            match ctx.get::<Fen>(&withdrawal_key(from))? {
                None => return Err(refuse(SettlementError::NoWithdrawalRequest(*from))),
                Some(requested) if requested != *amount => {
                    let e = SettlementError::WithdrawalMismatch { org: *from, requested, amount: *amount };
                    return Err(refuse(e));
                }
                Some(_) => ctx.delete(withdrawal_key(from)),
            }
            let b = balance(ctx, from)?;
            let new_b = b.checked_sub(*amount).ok_or(refuse(SettlementError::InsufficientBalance {
                account: *from,
                balance: b,
                needed: *amount,
            }))?;
            let supply = ctx.get::<Fen>(SUPPLY_KEY)?.unwrap_or(Fen::ZERO);
            // The supply is the sum of all balances, so it covers any one of them.
            let new_supply = supply.checked_sub(*amount).ok_or_else(|| {
                StorageError::Corrupt(format!("total supply {supply} is less than the balance {b} of {from}"))
            })?;
            set_balance(ctx, from, new_b)?;
            ctx.put(SUPPLY_KEY.to_vec(), &new_supply)?;
            let clearing = ctx.sender;
            ctx.emit(Event::Withdrawn {
                from: *from,
                amount: *amount,
                bank_ref: bank_ref.clone(),
                clearing,
                supply: new_supply,
            });
            Ok(())
        }
    }
}

/// Rules shared by deposit and withdrawal: the exchange center clears a non-zero amount with a
/// bank reference, for an organization other than the escrow.
fn clearing_checks(ctx: &TxContext<'_>, account: &AccountId, amount: Fen, bank_ref: &str) -> Result<(), ExecError> {
    if !has_any_role(ctx, &ctx.sender, &[Role::ExchangeCenter])? {
        return Err(refuse(SettlementError::NotExchangeCenter(ctx.sender)));
    }
    if amount == Fen::ZERO {
        return Err(refuse(SettlementError::ZeroAmount));
    }
    if bank_ref.trim().is_empty() {
        return Err(refuse(SettlementError::EmptyBankRef));
    }
    if *account == escrow_account() {
        return Err(refuse(SettlementError::EscrowAccount(*account)));
    }
    if load_org(ctx, account)?.is_none() {
        return Err(refuse(SettlementError::UnknownAccount(*account)));
    }
    Ok(())
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
