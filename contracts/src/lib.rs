//! Shulian's native contracts, one module per contract, each with its own state keys, errors and
//! events. [`NativeContracts`] is the [`Dispatcher`] the node hands to the runtime.
//! Architecture invariant: contracts see the ledger only through `TxContext`; no clock, no I/O.
#![deny(clippy::unwrap_used, clippy::panic)]

/// Lets a contract's error enum be returned with `?` as a refusal of the call.
macro_rules! refusal {
    ($t:ty) => {
        impl From<$t> for shulian_runtime::exec::ExecError {
            fn from(e: $t) -> Self {
                shulian_runtime::exec::ExecError::Call(shulian_runtime::exec::CallError::from(e))
            }
        }
    };
}

pub mod catalog;
pub mod evidence;
pub mod grants;
pub mod lineage;
pub mod market;
pub mod orgs;
pub mod receipts;
pub mod registry;
pub mod settlement;
mod store;
mod terms;
pub mod validators;
pub use terms::WindowRefusal;

use shulian_runtime::call::Call;
use shulian_runtime::exec::{Dispatcher, ExecError, TxContext};
use shulian_runtime::genesis::Genesis;

/// All native contracts.
#[derive(Clone, Copy, Debug, Default)]
pub struct NativeContracts;

impl Dispatcher for NativeContracts {
    fn dispatch(&self, ctx: &mut TxContext<'_>, call: &Call) -> Result<(), ExecError> {
        // A suspended organization can do nothing; the runtime still uses the nonce.
        orgs::ensure_sender_active(ctx)?;
        match call {
            Call::Settlement(c) => settlement::execute(ctx, c),
            Call::Orgs(c) => orgs::execute(ctx, c),
            Call::Catalog(c) => catalog::execute(ctx, c),
            Call::Grants(c) => grants::execute(ctx, c),
            Call::Receipts(c) => receipts::execute(ctx, c),
            Call::Lineage(c) => lineage::execute(ctx, c),
            Call::Market(c) => market::execute(ctx, c),
            Call::Evidence(c) => evidence::execute(ctx, c),
            Call::Registry(c) => registry::execute(ctx, c),
        }
    }

    fn init_genesis(&self, ctx: &mut TxContext<'_>, genesis: &Genesis) -> Result<(), ExecError> {
        orgs::init_genesis(ctx, genesis)?;
        settlement::init_genesis(ctx, genesis)?;
        evidence::init_genesis(ctx, genesis)?;
        market::init_genesis(ctx)
    }
}

#[cfg(test)]
mod id_vectors {
    //! Ids derived on the ledger are part of the protocol: every node must derive the same ones.
    //! These vectors pin each derivation (tag and input) for fixed inputs; they were checked
    //! against an independent blake3 (the explorer's vendored JavaScript one).
    use super::{catalog, grants, market, orgs, registry, settlement};
    use shulian_runtime::hash::Hash;
    use shulian_runtime::ids::OrderId;

    /// The transaction hash every vector derives from.
    const TX: Hash = Hash([0x11; 32]);

    #[test]
    fn governance_proposal_id_has_its_own_tag() {
        shulian_runtime::test_utils::pin_ed25519();
        let id = orgs::proposal_id_for(&TX);
        assert_eq!(id.to_string(), "1197e173a07fc3bcebdbdfced0691dadfa5aafd0ff2e22073aebecb6df060361");
        // Under the consensus proposals' signature tag, as before, the id was another one.
        let old = Hash::tagged(shulian_runtime::domain::PROPOSAL_SIGN, TX.as_bytes());
        assert_eq!(old.to_string(), "2bf159af0bd806d86d610c4d121b6152be80bb41489932ed999163cfe482435e");
        assert_ne!(id.0, old.0);
    }

    #[test]
    fn catalog_grants_and_market_ids_are_pinned() {
        shulian_runtime::test_utils::pin_ed25519();
        assert_eq!(
            catalog::dataset_id_for(&TX).to_string(),
            "fbebe4ea7c826ca1f56ab76b7df0822cb65fa9d01b3134c4942bf8a4fb6b1cbf"
        );
        let request = grants::request_id_for(&TX);
        assert_eq!(request.to_string(), "637a62ee4a1b754179f6929d6a4b11af32821a4947005878ba4ff90b22c1533c");
        assert_eq!(
            grants::grant_id_for(&request).to_string(),
            "963fbd5cc3a867e198a4469f5b3c41d767f2729ac90e6a2888c1c65bf1e88de4"
        );
        assert_eq!(
            market::listing_id_for(&TX).to_string(),
            "24da5020dc15ffb6fec0924c141935e485522a1fc70efebfd70cfcb5015ffc33"
        );
        assert_eq!(
            market::order_id_for(&TX).to_string(),
            "8398b6edef784896c17e53153fc8955fda5cba5d08c192a6f1a5e5d634b9deef"
        );
        assert_eq!(
            market::grant_request_for(&OrderId([0x22; 32])).to_string(),
            "46269fed01e551435404be54c87f8fb7c2f725aa5095bdf9fc91f2cdc0c9942e"
        );
        assert_eq!(
            registry::demand_id_for(&TX).to_string(),
            "d2336f1669d44732bb108bdd8801f19dd9d1694909bdeaa83ac48a591c0e08ff"
        );
        assert_eq!(
            settlement::escrow_account().to_string(),
            "ca8e0a1e619e38babe969f8b9d1ab04da1d552d0abc1188d56fd76d1b751d35f"
        );
    }
}
