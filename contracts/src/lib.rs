//! Shulian's native contracts, one module per contract, each with its own state keys, errors and
//! events. [`NativeContracts`] is the [`Dispatcher`] the node hands to the runtime.
//! Architecture invariant: contracts see the ledger only through `TxContext`; no clock, no I/O.
#![deny(clippy::unwrap_used, clippy::panic)]

pub mod orgs;
pub mod settlement;

use shulian_runtime::call::Call;
use shulian_runtime::exec::{Dispatcher, ExecError, TxContext};
use shulian_runtime::genesis::Genesis;

/// All native contracts.
#[derive(Clone, Copy, Debug, Default)]
pub struct NativeContracts;

impl Dispatcher for NativeContracts {
    fn dispatch(&self, ctx: &mut TxContext<'_>, call: &Call) -> Result<(), ExecError> {
        match call {
            Call::Settlement(c) => settlement::execute(ctx, c),
        }
    }

    fn init_genesis(&self, ctx: &mut TxContext<'_>, genesis: &Genesis) -> Result<(), ExecError> {
        orgs::init_genesis(ctx, genesis)?;
        settlement::init_genesis(ctx, genesis)
    }
}
