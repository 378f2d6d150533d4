//! Read-only queries of the node: `status`, `tx`, `block`, `account`.

use super::Context;
use crate::args::AccountArgs;
use crate::client::BlockRef;
use crate::error::{CliError, exit};
use crate::render;
use crate::txflow::TxState;
use shulian_runtime::{AccountId, Hash};

/// `shulian status`.
pub(super) fn status(ctx: &Context) -> Result<u8, CliError> {
    let v = ctx.client().status()?;
    ctx.out.result(&v, || render::status(&v))?;
    Ok(exit::SUCCESS)
}

/// `shulian tx show HASH` (or `shulian tx HASH`).
pub(super) fn tx(ctx: &Context, hash: &Hash) -> Result<u8, CliError> {
    let client = ctx.client();
    let v = client.tx_status(hash)?;
    let state = TxState::from(&v);
    ctx.out.result(&v, || render::tx(&v, &state))?;
    Ok(exit::SUCCESS)
}

/// `shulian block HEIGHT|latest`.
pub(super) fn block(ctx: &Context, block: BlockRef) -> Result<u8, CliError> {
    let v = ctx.client().block(block)?;
    ctx.out.result(&v, || render::block(&v))?;
    Ok(exit::SUCCESS)
}

/// `shulian account ACCOUNT_ID` or `shulian account --key NAME`.
pub(super) fn account(ctx: &Context, args: &AccountArgs) -> Result<u8, CliError> {
    let account: AccountId = match (&args.account, &args.key) {
        (Some(id), _) => *id,
        (None, Some(name)) => ctx.keystore()?.show(name)?.account,
        // clap's argument group makes one of them required.
        (None, None) => return Ok(exit::USAGE),
    };
    let v = ctx.client().account(&account)?;
    ctx.out.result(&v, || render::account(&v))?;
    Ok(exit::SUCCESS)
}
