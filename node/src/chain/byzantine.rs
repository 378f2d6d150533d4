//! Test-only block building for the Byzantine validator (cargo feature `byzantine`): blocks that
//! break a rule on purpose but are otherwise exactly what an honest proposer would build, so that
//! only the rule under test can refuse them (`consensus::byzantine`).

use super::{Chain, ChainError};
use shulian_runtime::exec::{BlockEnv, execute_txs, next_nonce, resolve_sender};
use shulian_runtime::{Block, BlockExecution, PublicKey, SignatureCheck, Transaction};

impl Chain {
    /// The next nonce, on the tip, of the account `key` signs for; `None` if it signs for none.
    pub(crate) fn signer_nonce(&self, key: &PublicKey) -> Option<u64> {
        let state = self.tip_state();
        let account = resolve_sender(&state, key).ok()?.ok()?;
        next_nonce(&state, &account).ok()
    }

    /// The next block, by `proposer` at `timestamp_ms`, holding exactly `txs` (signatures taken as
    /// checked), executed on the tip so that its roots are right, whatever the block rules say.
    pub(crate) fn build_block(
        &self,
        proposer: PublicKey,
        timestamp_ms: u64,
        txs: Vec<Transaction>,
    ) -> Result<(Block, BlockExecution), ChainError> {
        let head = self.tip();
        let env = BlockEnv { chain_id: self.chain_id(), height: head.height.next(), timestamp_ms };
        let exec = execute_txs(&self.tip_state(), env, &txs, &self.contracts, SignatureCheck::AlreadyVerified)?;
        Ok((self.block_on(&head, proposer, timestamp_ms, txs, &exec), exec))
    }
}
