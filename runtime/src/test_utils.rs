//! Shared test fixtures: deterministic keys, a genesis builder, signed transactions, and a small
//! in-memory chain that builds and applies blocks through the runtime exactly as a node does.
//!
//! Compiled for this crate's own tests and, for other crates, behind the `test-utils` feature:
//!
//! ```toml
//! [dev-dependencies]
//! shulian-runtime = { workspace = true, features = ["test-utils"] }
//! ```
//!
//! Everything here is deterministic (the same seed gives the same key, the same builder calls the
//! same genesis), so tests and fixed vectors stay stable. It is for tests only: the keys are public.
//!
//! A typical contract test:
//!
//! ```ignore
//! use shulian_runtime::test_utils::{GenesisBuilder, TestChain, assert_ok, key, account};
//! let g = GenesisBuilder::new("test-chain")
//!     .validator("v", &key(100), 1)
//!     .seeded_org(1, &[Role::Department], Fen(1_000))
//!     .seeded_org(2, &[Role::Department], Fen(0))
//!     .build();
//! let mut chain = TestChain::<NativeContracts>::new(&g);
//! assert_ok(&chain.call(1, transfer_call(account(2), Fen(5))));
//! ```
// Fixtures fail the test that uses them, loudly, when the chain does something unexpected.
#![allow(clippy::panic, clippy::expect_used)]

use crate::block::{Block, BlockHeader, Validator};
use crate::call::{Call, SettlementCall};
use crate::crypto::SecretKey;
use crate::events::Event;
use crate::exec::{
    BlockEnv, BlockError, BlockExecution, Dispatcher, SignatureCheck, TxOutcome, TxStatus, apply_block, apply_genesis,
    execute_txs, next_nonce,
};
use crate::genesis::{Genesis, GenesisOrg, Role};
use crate::hash::Hash;
use crate::ids::{AccountId, Fen, Height};
use crate::merkle::list_root;
use crate::state::MemState;
use crate::tx::{Transaction, UnsignedTransaction};

/// Runs the calling test under the `ed25519-blake3` suite, whatever `SHULIAN_CRYPTO` says: for the
/// tests that pin that suite's bytes (fixed vectors, recorded roots, the explorer's shared
/// vectors). Each test is its own process under nextest, so nothing has hashed yet.
pub fn pin_ed25519() {
    pin_suite(crate::suite::CryptoSuite::Ed25519Blake3);
}

/// An ed25519 signing key whose public key bytes are no SM2 x coordinate (about one key in two):
/// the case where an SM2 chain cannot even decode a foreign key as its own.
pub fn ed25519_key_that_is_no_sm2_key() -> ed25519_dalek::SigningKey {
    (1u8..=255)
        .map(|i| ed25519_dalek::SigningKey::from_bytes(&[i; 32]))
        .find(|k| crate::sm2key::Sm2Key::decode(&crate::PublicKey(k.verifying_key().to_bytes())).is_err())
        .expect("some ed25519 key of the 255 tried is no SM2 x coordinate")
}

/// Runs the calling test under `suite`, whatever `SHULIAN_CRYPTO` says (see [`pin_ed25519`]).
pub fn pin_suite(suite: crate::suite::CryptoSuite) {
    let pinned = crate::suite::fix(suite);
    assert_eq!(pinned, Ok(()), "a test pinned to {suite} ran after something hashed under another suite");
}

/// The key with seed `seed`: its 32 secret bytes are all `seed`. Tests name organizations and
/// validators by these small seeds (org 1, org 2, validator 100).
pub fn key(seed: u8) -> SecretKey {
    SecretKey::from_bytes(&[seed; 32])
}

/// The key number `index` of a large set (more than 256 keys, e.g. benchmarks): its secret is
/// `blake3(index as u64, little-endian)`.
pub fn key_from_index(index: u64) -> SecretKey {
    SecretKey::from_bytes(blake3::hash(&index.to_le_bytes()).as_bytes())
}

/// The account of the organization whose first key is [`key`]`(seed)`.
pub fn account(seed: u8) -> AccountId {
    account_of(&key(seed))
}

/// The account of the organization whose first key is `key`.
pub fn account_of(key: &SecretKey) -> AccountId {
    AccountId::from_public_key(&key.public_key())
}

/// Builds a [`Genesis`] step by step. Starts with no validators, no organizations and
/// `genesis_time_ms = 1_000`.
#[derive(Clone, Debug)]
pub struct GenesisBuilder {
    genesis: Genesis,
}

impl GenesisBuilder {
    /// A genesis for chain `chain_id`.
    pub fn new(chain_id: impl Into<String>) -> Self {
        GenesisBuilder {
            genesis: Genesis {
                chain_id: chain_id.into(),
                genesis_time_ms: 1_000,
                validators: Vec::new(),
                organizations: Vec::new(),
                crypto: crate::suite::active(),
            },
        }
    }

    /// Sets the genesis time (ledger time of height 0), in milliseconds.
    pub fn genesis_time_ms(mut self, ms: u64) -> Self {
        self.genesis.genesis_time_ms = ms;
        self
    }

    /// Adds a validator with consensus key `key` and voting `power`.
    pub fn validator(mut self, name: &str, key: &SecretKey, power: u64) -> Self {
        self.genesis.validators.push(Validator { name: name.into(), public_key: key.public_key(), power });
        self
    }

    /// Adds an organization controlled by `key`, with `roles` and an opening `balance`.
    pub fn org(mut self, name: impl Into<String>, key: &SecretKey, roles: &[Role], balance: Fen) -> Self {
        self.genesis.organizations.push(GenesisOrg {
            name: name.into(),
            roles: roles.to_vec(),
            public_key: key.public_key(),
            balance,
        });
        self
    }

    /// Adds the organization `org{seed}` controlled by [`key`]`(seed)`.
    pub fn seeded_org(self, seed: u8, roles: &[Role], balance: Fen) -> Self {
        self.org(format!("org{seed}"), &key(seed), roles, balance)
    }

    /// The genesis.
    pub fn build(self) -> Genesis {
        self.genesis
    }
}

/// `call` from `key`'s organization with `nonce` on `chain_id`, signed by `key`.
pub fn signed(chain_id: &str, key: &SecretKey, nonce: u64, call: Call) -> Transaction {
    UnsignedTransaction { chain_id: chain_id.into(), sender: key.public_key(), nonce, call }.sign(key)
}

/// A settlement transfer of `amount` to `to`.
pub fn transfer_call(to: AccountId, amount: Fen) -> Call {
    Call::Settlement(SettlementCall::Transfer { to, amount })
}

/// A signed transfer of `amount` from `from`'s organization to `to`, with `nonce`.
pub fn transfer(chain_id: &str, from: &SecretKey, nonce: u64, to: AccountId, amount: Fen) -> Transaction {
    signed(chain_id, from, nonce, transfer_call(to, amount))
}

/// A chain in memory: genesis, then blocks built as a proposer builds them and applied as every
/// node applies them (both paths must agree on the state root). Block `h` has ledger time
/// `genesis_time_ms + h`; the proposer is the first genesis validator.
pub struct TestChain<D: Dispatcher> {
    /// The committed state.
    pub state: MemState,
    /// Height of the last block (0 = genesis only).
    pub height: Height,
    /// Hash of the last block (the genesis hash at height 0).
    pub parent: Hash,
    /// State root after the last block.
    pub root: Hash,
    /// Every block so far.
    pub blocks: Vec<Block>,
    genesis: Genesis,
    dispatcher: D,
    /// How far ledger time has been moved ahead of one ms per block ([`TestChain::advance_time`]).
    time_offset_ms: u64,
}

impl<D: Dispatcher + Default> TestChain<D> {
    /// Applies `genesis` with the default dispatcher of type `D` (e.g. `NativeContracts`).
    pub fn new(genesis: &Genesis) -> Self {
        Self::with_dispatcher(genesis, D::default())
    }
}

impl<D: Dispatcher> TestChain<D> {
    /// Applies `genesis` with `dispatcher` (the contracts) to an empty state.
    pub fn with_dispatcher(genesis: &Genesis, dispatcher: D) -> Self {
        let mut state = MemState::default();
        let (root, changes) = apply_genesis(&state, genesis, &dispatcher).expect("genesis applies");
        state.apply(changes);
        TestChain {
            state,
            height: Height(0),
            parent: genesis.hash(),
            root,
            blocks: Vec::new(),
            genesis: genesis.clone(),
            dispatcher,
            time_offset_ms: 0,
        }
    }

    /// The chain id.
    pub fn chain_id(&self) -> &str {
        &self.genesis.chain_id
    }

    /// The environment of the next block: block `h` is stamped `genesis_time_ms + h` ms, plus
    /// whatever [`TestChain::advance_time`] added.
    pub fn next_env(&self) -> BlockEnv<'_> {
        let height = self.height.next();
        let timestamp_ms = self.genesis.genesis_time_ms + height.0 + self.time_offset_ms;
        BlockEnv { chain_id: &self.genesis.chain_id, height, timestamp_ms }
    }

    /// Moves ledger time ahead by `ms` for the next blocks (as if the next block came `ms` late),
    /// so tests reach deadlines days away without making a block per ms.
    pub fn advance_time(&mut self, ms: u64) {
        self.time_offset_ms += ms;
    }

    /// The ledger time of the next block.
    pub fn next_time_ms(&self) -> u64 {
        self.next_env().timestamp_ms
    }

    /// `call` from the organization of [`key`]`(seed)`, signed with its next nonce.
    pub fn tx(&self, seed: u8, call: Call) -> Transaction {
        self.tx_with(&key(seed), account(seed), call)
    }

    /// `call` signed by `signer` for `account` (e.g. after a key rotation), with the account's next nonce.
    pub fn tx_with(&self, signer: &SecretKey, account: AccountId, call: Call) -> Transaction {
        let nonce = next_nonce(&self.state, &account).expect("nonce reads");
        signed(self.chain_id(), signer, nonce, call)
    }

    /// Executes `txs` as the next block would, without applying anything.
    pub fn try_block(&self, txs: &[Transaction]) -> Result<BlockExecution, BlockError> {
        execute_txs(&self.state, self.next_env(), txs, &self.dispatcher, SignatureCheck::Verify)
    }

    /// Adds `n` empty blocks.
    pub fn advance(&mut self, n: u64) {
        for _ in 0..n {
            self.block(Vec::new());
        }
    }

    /// Builds a block of `txs` (as a proposer does), applies it (as every node does), checks that
    /// both agree, and returns the execution.
    pub fn block(&mut self, txs: Vec<Transaction>) -> BlockExecution {
        let env = self.next_env();
        let exec =
            execute_txs(&self.state, env, &txs, &self.dispatcher, SignatureCheck::Verify).expect("block executes");
        let proposer = self.genesis.validators.first().expect("genesis has a validator").public_key;
        let header = BlockHeader {
            protocol_version: exec.protocol_version,
            chain_id: self.genesis.chain_id.clone(),
            height: env.height,
            parent_hash: self.parent,
            timestamp_ms: env.timestamp_ms,
            proposer,
            tx_root: list_root(&txs.iter().map(|t| t.hash()).collect::<Vec<_>>()),
            outcomes_root: exec.outcomes_root,
            state_root: exec.state_root,
            next_validators_hash: exec.next_validators.hash(),
        };
        let height = env.height;
        let block = Block { header, txs };
        // The parent's timestamp, as `next_env` gives it: genesis time plus the parent's height.
        let parent_ms = self.genesis.genesis_time_ms + self.height.0;
        let again = apply_block(&self.state, parent_ms, &block, &self.dispatcher, SignatureCheck::Verify)
            .expect("block applies");
        assert_eq!(again.state_root, exec.state_root, "proposer and validator disagree on the state root");
        self.height = height;
        self.parent = block.hash();
        self.root = exec.state_root;
        self.blocks.push(block);
        self.state.apply(again.changes.clone());
        again
    }

    /// Runs one call from the organization of [`key`]`(seed)` in a block of its own and returns its outcome.
    pub fn call(&mut self, seed: u8, call: Call) -> TxOutcome {
        let tx = self.tx(seed, call);
        let mut exec = self.block(vec![tx]);
        exec.outcomes.remove(0)
    }
}

/// Asserts that `o` succeeded, and returns its events.
pub fn assert_ok(o: &TxOutcome) -> Vec<Event> {
    match &o.status {
        TxStatus::Success => o.events.clone(),
        TxStatus::Failed { error } => panic!("expected success, got {}: {}", error.code, error.message),
    }
}

/// Asserts that `o` failed with the error code `code` and emitted nothing, and returns its message.
pub fn assert_failed(o: &TxOutcome, code: &str) -> String {
    match &o.status {
        TxStatus::Failed { error } => {
            assert_eq!(error.code, code, "unexpected error: {}", error.message);
            assert!(o.events.is_empty(), "a failed call emits no events");
            error.message.clone()
        }
        other => panic!("expected failure {code}, got {other:?}"),
    }
}

/// One event of every [`EventKind`](crate::EventKind), in order, with distinct field values and
/// non-ASCII text: the runtime's event tests and the explorer's byte vector both use it, so a new
/// kind needs one sample here.
pub fn one_event_of_each_kind() -> Vec<Event> {
    use crate::block::VoteKind;
    use crate::call::{Classification, ProposalAction, Ruling, SharingAttribute, WindowRules};
    use crate::{DatasetId, GrantId, ListingId, OrderId, ProposalId, PublicKey, RequestId};
    let (a, b, d, g, r, p, l, o) = (
        AccountId([1; 32]),
        AccountId([2; 32]),
        DatasetId([3; 32]),
        GrantId([4; 32]),
        RequestId([5; 32]),
        ProposalId([6; 32]),
        ListingId([7; 32]),
        OrderId([8; 32]),
    );
    let (h, k, s) = (Hash([10; 32]), PublicKey([9; 32]), || "原因 x".to_string());
    let ds = Some(d);
    let m = crate::ids::DemandId([12; 32]);
    vec![
        Event::Transferred { from: a, to: b, amount: Fen(1) },
        Event::ProposalCreated { proposal: p, proposer: a, action: ProposalAction::Reinstate { org: b } },
        Event::Voted { proposal: p, org: b, voter: a, approve: true, approvals: 1, rejections: 0 },
        Event::ProposalExecuted { proposal: p, org: b },
        Event::ProposalRejected { proposal: p, org: b, approvals: 0, rejections: 2 },
        Event::OrgAdmitted { org: b, name: s(), roles: vec![Role::Trader], public_key: k, proposal: p },
        Event::OrgSuspended { org: b, reason: s(), proposal: p },
        Event::OrgReinstated { org: b, proposal: p },
        Event::KeyRotated { org: b, old_key: k, new_key: PublicKey([11; 32]), proposal: p },
        Event::DatasetRegistered {
            dataset: d,
            owner: a,
            name: s(),
            classification: Classification::Important,
            sharing: SharingAttribute::NotShareable,
        },
        Event::DatasetVersioned { dataset: d, owner: a, version: 2, metadata_hash: h, schema_hash: h },
        Event::DatasetRetired { dataset: d, owner: a },
        Event::NegativeListed { dataset: d, owner: a, regulator: b, reason: s() },
        Event::NegativeListRemoved { dataset: d, owner: a, regulator: b, reason: s() },
        Event::RequestFiled { request: r, dataset: d, requester: b, owner: a, purpose: s(), fields: vec![s()] },
        Event::RequestApproved { request: r, dataset: d, requester: b, owner: a },
        Event::RequestRejected { request: r, dataset: d, requester: b, owner: a, reason: s() },
        Event::RequestCoApproved { request: r, dataset: d, requester: b, owner: a, regulator: b },
        Event::GrantIssued { grant: g, request: r, dataset: d, version: 3, grantor: a, grantee: b },
        Event::GrantRevoked { grant: g, dataset: d, grantor: a, grantee: b, reason: s() },
        Event::ReceiptRecorded {
            grant: g,
            seq: 4,
            dataset: d,
            grantor: a,
            grantee: b,
            query_hash: h,
            result_hash: h,
            row_count: 12,
            fields_used: vec![s(), s()],
        },
        Event::DerivedRegistered { dataset: d, owner: a, parents: vec![d, d], grants: vec![g], parent_owners: vec![a] },
        Event::Deposited { to: a, amount: Fen(5), bank_ref: s(), clearing: b, supply: Fen(100) },
        Event::Withdrawn { from: a, amount: Fen(5), bank_ref: s(), clearing: b, supply: Fen(95) },
        Event::ListingSubmitted { listing: l, seller: a, dataset: ds, price: Fen(9), max_uses: 2 },
        Event::ListingReviewed { listing: l, seller: a, dataset: None, reviewer: b, approved: false, reason: s() },
        Event::ListingFrozen { listing: l, seller: a, dataset: ds, regulator: b, reason: s() },
        Event::ListingUnfrozen { listing: l, seller: a, dataset: ds, regulator: b, reason: s() },
        Event::ListingWithdrawn { listing: l, seller: a, dataset: ds },
        Event::OrderPlaced { order: o, listing: l, buyer: b, seller: a, dataset: ds, price: Fen(9), fee: Fen(1) },
        Event::DeliveryConfirmed { order: o, listing: l, buyer: b, seller: a, dataset: ds, delivery_hash: h },
        Event::DeliveryAccepted {
            order: o,
            listing: l,
            buyer: b,
            seller: a,
            dataset: ds,
            exchange: b,
            to_seller: Fen(9),
            fee: Fen(1),
        },
        Event::DisputeOpened { order: o, listing: l, buyer: b, seller: a, dataset: ds, reason: s() },
        Event::DisputeArbitrated {
            order: o,
            listing: l,
            buyer: b,
            seller: a,
            dataset: ds,
            arbiter: b,
            ruling: Ruling::Split { buyer_bps: 5_000 },
            to_buyer: Fen(4),
            to_seller: Fen(5),
            fee: Fen(1),
        },
        Event::OrderCancelled { order: o, listing: l, buyer: b, seller: a, dataset: None, refund: Fen(10) },
        Event::SettlementClaimed {
            order: o,
            listing: l,
            buyer: b,
            seller: a,
            dataset: ds,
            exchange: b,
            to_seller: Fen(9),
            fee: Fen(1),
        },
        Event::FeeRateSet { by: a, old_bps: 100, new_bps: 150 },
        Event::EquivocationRecorded {
            validator: k,
            validator_account: a,
            height: Height(9),
            round: 1,
            kind: VoteKind::Precommit,
            first: Some(h),
            second: None,
            reporter: b,
        },
        Event::WindowRulesSet {
            by: a,
            old: WindowRules { min_ms: 1, max_ms: 2, default_delivery_ms: 1, default_acceptance_ms: 2 },
            new: WindowRules {
                min_ms: 3_600_000,
                max_ms: 90 * 86_400_000,
                default_delivery_ms: 7 * 86_400_000,
                default_acceptance_ms: 3 * 86_400_000,
            },
        },
        Event::ValidatorSetChanged {
            change: crate::valset::SetChange::RotateKey { old_key: k, new_key: key(9).public_key() },
            operator: Some(a),
            activates_at: Height(12),
            set_hash: h,
            proposal: None,
        },
        Event::UpgradeScheduled { version: 2, height: Height(40), proposal: p },
        Event::DatasetRegraded {
            dataset: d,
            owner: a,
            regulator: b,
            from_classification: Classification::Core,
            classification: Classification::Important,
            from_sharing: SharingAttribute::NotShareable,
            sharing: SharingAttribute::Conditional,
            reason: s(),
        },
        Event::CountersignatureRequired { grant: g, dataset: d, grantor: a, grantee: b, key: k },
        Event::ElementDefined { element: "resident_id".into(), name: s(), responsible: a, by: b, proposal: None },
        Event::ElementTransferred {
            element: "resident_id".into(),
            from: a,
            to: b,
            by: b,
            proposal: Some(p),
            reason: s(),
        },
        Event::ElementsDeclared {
            dataset: d,
            owner: a,
            elements: vec!["resident_id".into()],
            source: crate::call::ElementSource::CopyOf(DatasetId([11; 32])),
        },
        Event::DemandFiled { demand: m, requester: a, elements: vec!["vehicle_plate".into()], purpose: s() },
        Event::DemandAssigned { demand: m, requester: a, department: b, regulator: b, deadline_ms: 1_800_000_000_000 },
        Event::DemandAnswered { demand: m, requester: a, department: b, dataset: d, grant: g, on_time: true },
        Event::DemandRefused { demand: m, requester: a, department: b, legal_basis: s(), on_time: false },
        Event::DemandWithdrawn { demand: m, requester: a, department: Some(b) },
        Event::GrantFrozen { grant: g, dataset: d, grantor: a, grantee: b, regulator: b, reason: s() },
        Event::GrantUnfrozen { grant: g, dataset: d, grantor: a, grantee: b, regulator: b, reason: s() },
        Event::OrgSuspendedByRegulator { org: a, regulator: b, reason: s() },
        Event::OrgReinstatedByRegulator { org: a, regulator: b, reason: s() },
        Event::WithdrawalRequested { org: a, amount: Fen(500) },
    ]
}

/// Shows that each planted bug is caught by its detector (a test function, `detector` its name):
/// runs the detector clean first, which must pass (else catching the bug would mean nothing), then
/// with the bug switched on by `plant(Some(bug))`, where it must fail; `plant(None)` switches it
/// off again. Prints each verdict; panics naming the bugs whose detector still passed.
pub fn assert_planted_bugs_caught<B: Copy + std::fmt::Debug>(cases: &[(B, &str, fn())], plant: impl Fn(Option<B>)) {
    let mut missed = Vec::new();
    for &(bug, detector, run) in cases {
        assert!(std::panic::catch_unwind(run).is_ok(), "{detector} fails without any planted bug");
        plant(Some(bug));
        let caught = std::panic::catch_unwind(run).is_err();
        plant(None);
        eprintln!("planted {bug:?}: {} by {detector}", if caught { "caught" } else { "MISSED" });
        if !caught {
            missed.push(bug);
        }
    }
    assert!(missed.is_empty(), "planted bugs not caught: {missed:?}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_are_deterministic() {
        assert_eq!(key(3).public_key(), SecretKey::from_bytes(&[3; 32]).public_key());
        assert_eq!(key_from_index(7).public_key(), key_from_index(7).public_key());
        assert_ne!(key_from_index(7).public_key(), key_from_index(8).public_key());
        let g = GenesisBuilder::new("c").validator("v", &key(100), 1).seeded_org(1, &[Role::Trader], Fen(5)).build();
        assert_eq!(g.organizations[0].name, "org1");
        assert_eq!(g.organizations[0].account(), account(1));
        assert_eq!(
            g.hash(),
            GenesisBuilder::new("c").validator("v", &key(100), 1).seeded_org(1, &[Role::Trader], Fen(5)).build().hash()
        );
        let tx = transfer("c", &key(1), 0, account(2), Fen(1));
        assert_eq!(tx.verify("c"), Ok(()));
    }
}
