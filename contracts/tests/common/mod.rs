//! A tiny in-memory chain for contract tests: genesis, then blocks built and applied through the
//! runtime exactly as the node does.
#![allow(dead_code, unreachable_pub)]

pub mod data;
pub mod market;

use shulian_contracts::NativeContracts;
use shulian_runtime::block::Validator;
use shulian_runtime::exec::{BlockEnv, BlockError, apply_genesis, execute_txs, next_nonce};
use shulian_runtime::genesis::{Genesis, GenesisOrg, Role};
use shulian_runtime::merkle::list_root;
use shulian_runtime::state::MemState;
use shulian_runtime::{
    AccountId, Block, BlockExecution, BlockHeader, Call, Fen, Hash, Height, SecretKey, SignatureCheck, Transaction,
    UnsignedTransaction, apply_block,
};

pub const CHAIN: &str = "test-chain";

pub fn key(i: u8) -> SecretKey {
    SecretKey::from_bytes(&[i; 32])
}

pub fn account(i: u8) -> AccountId {
    AccountId::from_public_key(&key(i).public_key())
}

/// Genesis with orgs 1..=n, each with `balance` fen, and validator key 100.
pub fn genesis(n: u8, balance: u64) -> Genesis {
    Genesis {
        chain_id: CHAIN.into(),
        genesis_time_ms: 1_000,
        validators: vec![Validator { name: "v".into(), public_key: key(100).public_key(), power: 1 }],
        organizations: (1..=n)
            .map(|i| GenesisOrg {
                name: format!("org{i}"),
                roles: vec![Role::Department],
                public_key: key(i).public_key(),
                balance: Fen(balance),
            })
            .collect(),
    }
}

/// Genesis with the given orgs (by key index) holding the given roles, no money, validator key 100.
pub fn genesis_with_roles(orgs: &[(u8, Vec<Role>)]) -> Genesis {
    Genesis {
        chain_id: CHAIN.into(),
        genesis_time_ms: 1_000,
        validators: vec![Validator { name: "v".into(), public_key: key(100).public_key(), power: 1 }],
        organizations: orgs
            .iter()
            .map(|(i, roles)| GenesisOrg {
                name: format!("org{i}"),
                roles: roles.clone(),
                public_key: key(*i).public_key(),
                balance: Fen(0),
            })
            .collect(),
    }
}

pub struct TestChain {
    pub state: MemState,
    pub height: Height,
    pub parent: Hash,
    pub root: Hash,
    pub blocks: Vec<Block>,
}

impl TestChain {
    pub fn new(g: &Genesis) -> Self {
        let mut state = MemState::default();
        let (root, changes) = apply_genesis(&state, g, &NativeContracts).expect("genesis");
        state.apply(changes);
        TestChain { state, height: Height(0), parent: g.hash(), root, blocks: vec![] }
    }

    /// Signs `call` from org `i` with its next nonce.
    pub fn tx(&self, i: u8, call: Call) -> Transaction {
        let nonce = next_nonce(&self.state, &account(i)).expect("nonce");
        UnsignedTransaction { chain_id: CHAIN.into(), sender: key(i).public_key(), nonce, call }.sign(&key(i))
    }

    /// Signs `call` with `signer` for `account` (e.g. after a key rotation), with the account's next nonce.
    pub fn tx_with(&self, signer: &SecretKey, account: AccountId, call: Call) -> Transaction {
        let nonce = next_nonce(&self.state, &account).expect("nonce");
        UnsignedTransaction { chain_id: CHAIN.into(), sender: signer.public_key(), nonce, call }.sign(signer)
    }

    /// Executes `txs` as the next block would, without applying anything.
    pub fn try_block(&self, txs: &[Transaction]) -> Result<BlockExecution, BlockError> {
        let height = self.height.next();
        let env = BlockEnv { chain_id: CHAIN, height, timestamp_ms: 1_000 + height.0 };
        execute_txs(&self.state, env, txs, &NativeContracts, SignatureCheck::Verify)
    }

    /// Adds `n` empty blocks.
    pub fn advance(&mut self, n: u64) {
        for _ in 0..n {
            self.block(vec![]);
        }
    }

    /// Builds a block of `txs` (as a proposer does) and applies it (as every node does).
    pub fn block(&mut self, txs: Vec<Transaction>) -> BlockExecution {
        let height = self.height.next();
        let env = BlockEnv { chain_id: CHAIN, height, timestamp_ms: 1_000 + height.0 };
        let exec =
            execute_txs(&self.state, env, &txs, &NativeContracts, SignatureCheck::Verify).expect("block executes");
        let header = BlockHeader {
            chain_id: CHAIN.into(),
            height,
            parent_hash: self.parent,
            timestamp_ms: env.timestamp_ms,
            proposer: key(100).public_key(),
            tx_root: list_root(&txs.iter().map(|t| t.hash()).collect::<Vec<_>>()),
            outcomes_root: exec.outcomes_root,
            state_root: exec.state_root,
        };
        let block = Block { header, txs };
        // Re-apply through the validating path: it must agree with the proposer's execution.
        let again = apply_block(&self.state, &block, &NativeContracts, SignatureCheck::Verify).expect("block applies");
        assert_eq!(again.state_root, exec.state_root);
        self.height = height;
        self.parent = block.hash();
        self.root = exec.state_root;
        self.blocks.push(block);
        self.state.apply(again.changes.clone());
        again
    }

    /// Runs one call from org `i` in its own block and returns its outcome.
    pub fn call(&mut self, i: u8, call: Call) -> shulian_runtime::TxOutcome {
        let tx = self.tx(i, call);
        let mut exec = self.block(vec![tx]);
        exec.outcomes.remove(0)
    }
}

/// Asserts an outcome succeeded, and returns its events.
pub fn assert_ok(o: &shulian_runtime::TxOutcome) -> Vec<shulian_runtime::Event> {
    match &o.status {
        shulian_runtime::TxStatus::Success => o.events.clone(),
        shulian_runtime::TxStatus::Failed { error } => {
            panic!("expected success, got {}: {}", error.code, error.message)
        }
    }
}

/// Asserts an outcome failed with `code`, and returns its message.
pub fn assert_failed(o: &shulian_runtime::TxOutcome, code: &str) -> String {
    match &o.status {
        shulian_runtime::TxStatus::Failed { error } => {
            assert_eq!(error.code, code, "unexpected error: {}", error.message);
            assert!(o.events.is_empty(), "a failed call emits no events");
            error.message.clone()
        }
        other => panic!("expected failure {code}, got {other:?}"),
    }
}
