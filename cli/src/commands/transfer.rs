//! `shulian transfer`: a settlement transfer, in fen.

use super::Context;
use super::submit::{CallPlan, execute};
use crate::args::TransferArgs;
use crate::error::CliError;
use shulian_runtime::call::SettlementCall;
use shulian_runtime::{Call, Fen};
use std::time::Duration;

/// Decrypts the paying key first (before any network call), then signs, submits and optionally waits.
pub(super) fn run(ctx: &Context, args: &TransferArgs) -> Result<u8, CliError> {
    execute(ctx, plan(args))
}

/// The transfer the arguments ask for.
pub(super) fn plan(args: &TransferArgs) -> CallPlan {
    CallPlan {
        from: args.from.clone(),
        nonce: args.nonce,
        call: Call::Settlement(SettlementCall::Transfer { to: args.to, amount: Fen(args.amount) }),
        wait: args.wait,
        timeout: Duration::from_secs(args.timeout_secs),
    }
}
