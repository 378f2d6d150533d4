//! `shulian transfer`: a settlement transfer, in fen.

use super::{Context, submit_call};
use crate::args::TransferArgs;
use crate::error::CliError;
use shulian_runtime::call::SettlementCall;
use shulian_runtime::{Call, Fen};
use std::time::Duration;

/// Decrypts the paying key first (before any network call), then signs, submits and optionally waits.
pub(super) fn run(ctx: &Context, args: &TransferArgs) -> Result<u8, CliError> {
    let key = ctx.unlock(&args.from)?;
    let call = Call::Settlement(SettlementCall::Transfer { to: args.to, amount: Fen(args.amount) });
    let wait = args.wait.then(|| Duration::from_secs(args.timeout_secs));
    submit_call(ctx, &key, call, args.nonce, wait)
}
