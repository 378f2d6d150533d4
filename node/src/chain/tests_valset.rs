//! The chain follows the validator set (`valset`): after governance removes a validator and an
//! operator rotates another's key, certificates are checked against the set in force at each
//! height, so the removed validator's signature and the rotated-out key no longer count, and a
//! certificate of the old set for a height after the change is refused.

use super::tests::enc;
use super::*;
use crate::storage::MemKv;
use shulian_contracts::validators::possession_bytes;
use shulian_runtime::block::VOTE_SIGN_TAG;
use shulian_runtime::call::{Call, OrgsCall, ProposalAction};
use shulian_runtime::genesis::Role;
use shulian_runtime::test_utils::{GenesisBuilder, account, key, signed};
use shulian_runtime::{CommitSig, Fen, TxStatus, domain};

const CHAIN: &str = "sets";
/// Validator `100 + i` is operated by organization `1 + i`.
const VALIDATORS: [u8; 4] = [100, 101, 102, 103];
/// The key validator 101 rotates to.
const ROTATED: u8 = 105;

fn genesis() -> Genesis {
    let mut b = GenesisBuilder::new(CHAIN).genesis_time_ms(10);
    for (i, v) in VALIDATORS.iter().enumerate() {
        let op = 1 + i as u8;
        b = b.validator(&format!("op{op}"), &key(*v), 1).org(
            format!("op{op}"),
            &key(op),
            &[Role::ValidatorOperator],
            Fen(0),
        );
    }
    b.build()
}

fn certify(chain: &Chain, block: &Block, signers: &[u8]) -> CommitCertificate {
    let mut cert =
        CommitCertificate { height: block.header.height, round: 0, block_hash: block.hash(), signatures: vec![] };
    let msg = cert.vote(chain.chain_id()).sign_bytes();
    for s in signers {
        cert.signatures
            .push(CommitSig { validator: key(*s).public_key(), signature: key(*s).sign(VOTE_SIGN_TAG, &msg) });
    }
    cert
}

/// Proposes a block with whatever is pending and commits it with `signers`' certificate.
fn produce(chain: &Chain, ts: u64, signers: &[u8]) -> Result<Head, ChainError> {
    let (block, exec) = chain.propose(key(signers[0]).public_key(), ts).expect("propose");
    chain.commit(&block, &certify(chain, &block, signers), exec)
}

fn submit(chain: &Chain, org: u8, nonce: u64, call: Call) {
    chain.submit(&enc(&signed(CHAIN, &key(org), nonce, call))).expect("admitted");
}

fn members(chain: &Chain) -> Vec<u8> {
    let set = chain.validators();
    set.validators.iter().map(|v| (0..=255u8).find(|i| key(*i).public_key() == v.public_key).unwrap_or(0)).collect()
}

#[test]
fn removed_and_rotated_out_keys_no_longer_certify_from_the_activation_height() {
    let chain =
        Chain::open(ChainStore::new(Arc::new(MemKv::default())), genesis(), ChainLimits::default()).expect("open");
    let old = [100, 101, 102];
    // Block 1: governance proposes removing validator 100.
    let remove = ProposalAction::RemoveValidator { public_key: key(100).public_key() };
    submit(&chain, 1, 0, Call::Orgs(OrgsCall::Propose { action: remove }));
    produce(&chain, 20, &old).expect("block 1");
    let events = chain.store().outcomes(Height(1)).expect("read").expect("outcomes");
    let proposal = events[0]
        .events
        .iter()
        .find_map(|e| match e {
            shulian_runtime::Event::ProposalCreated { proposal, .. } => Some(*proposal),
            _ => None,
        })
        .expect("proposal");
    // Block 2 decides both changes: three operators approve the removal, and operator 2 rotates
    // its validator's key to 105.
    for (org, nonce) in [(1u8, 1u64), (2, 0), (3, 0)] {
        submit(&chain, org, nonce, Call::Orgs(OrgsCall::Vote { proposal, approve: true }));
    }
    let possession =
        key(ROTATED).sign(domain::VALIDATOR_POSSESSION, &possession_bytes(&key(ROTATED).public_key(), &account(2)));
    let rotate =
        OrgsCall::RotateValidatorKey { old_key: key(101).public_key(), new_key: key(ROTATED).public_key(), possession };
    submit(&chain, 2, 1, Call::Orgs(rotate));
    produce(&chain, 30, &old).expect("block 2 decides");
    assert!(
        chain
            .store()
            .outcomes(Height(2))
            .expect("read")
            .expect("outcomes")
            .iter()
            .all(|o| o.status == TxStatus::Success)
    );
    // Block 3 is still signed by the old set; its header names the new one.
    assert_eq!(members(&chain), VALIDATORS);
    produce(&chain, 40, &old).expect("block 3, old set");
    assert_eq!(members(&chain), vec![ROTATED, 102, 103], "the set in force for block 4");
    let header3 = chain.store().block(Height(3)).expect("read").expect("block").header;
    assert_eq!(header3.next_validators_hash, chain.validators().hash());

    // Block 4: the old set's certificate, however complete, is refused; so is one that counts the
    // rotated-out key; the new set's is taken.
    let (block, exec) = chain.propose(key(102).public_key(), 50).expect("propose");
    for signers in [&[100u8, 101, 102, 103][..], &[101, 102, 103], &[100, 102, 103]] {
        let err = chain.commit(&block, &certify(&chain, &block, signers), chain.validate(&block).expect("valid"));
        assert!(
            matches!(err, Err(ChainError::Header(ref m)) if m.contains("not in the validator set")),
            "{signers:?}: {err:?}"
        );
    }
    // Two of the new set are not a quorum of three.
    let err = chain.commit(&block, &certify(&chain, &block, &[ROTATED, 102]), chain.validate(&block).expect("valid"));
    assert!(matches!(err, Err(ChainError::Header(ref m)) if m.contains("quorum")), "{err:?}");
    chain.commit(&block, &certify(&chain, &block, &[ROTATED, 102, 103]), exec).expect("the new set certifies block 4");
    // A block proposed by the removed validator is refused before it is executed.
    let (mut next, _) = chain.propose(key(102).public_key(), 60).expect("propose");
    next.header.proposer = key(100).public_key();
    assert!(matches!(chain.validate(&next), Err(ChainError::Header(ref m)) if m.contains("not a validator")));
}

#[test]
fn a_ledger_with_set_changes_replays_and_restores_from_genesis_alone() {
    let kv = Arc::new(MemKv::default());
    let chain = Chain::open(ChainStore::new(kv.clone()), genesis(), ChainLimits::default()).expect("open");
    let old = [100, 101, 102];
    let possession =
        key(ROTATED).sign(domain::VALIDATOR_POSSESSION, &possession_bytes(&key(ROTATED).public_key(), &account(2)));
    submit(
        &chain,
        2,
        0,
        Call::Orgs(OrgsCall::RotateValidatorKey {
            old_key: key(101).public_key(),
            new_key: key(ROTATED).public_key(),
            possession,
        }),
    );
    produce(&chain, 20, &old).expect("block 1");
    produce(&chain, 30, &old).expect("block 2");
    produce(&chain, 40, &[ROTATED, 102, 103]).expect("block 3, new set");
    produce(&chain, 50, &[100, ROTATED, 103]).expect("block 4, new set");
    chain.wait_for_writes().expect("written");
    let store = ChainStore::new(kv.clone());
    let v = crate::verify::verify_ledger(&store, genesis(), |_, _| {}).expect("replay from genesis");
    assert_eq!(v.height, 4);
    let head = crate::verify::head::authenticate_head(kv.clone(), &genesis()).expect("restore's check");
    assert_eq!(head.height, Height(4));
    // A node without the bodies follows the same sets: state sync's headers carry the set header
    // 2 announces, and only that set lets block 3's certificate verify.
    let partial = crate::verify::partial::verify_headers_and_state(kv, &genesis()).expect("headers and state");
    assert_eq!(partial.height, 4);
    let req = crate::network::wire::SnapshotRequest::Headers { from: Height(1), max: 10 };
    let dir = std::env::temp_dir().join("shulian-no-snapshots");
    let Ok(crate::network::wire::SnapshotResponse::Headers(batch)) = crate::snapshot::serve::serve(&chain, &dir, &req)
    else {
        panic!("headers served");
    };
    assert_eq!(batch.headers.len(), 4);
    assert_eq!(batch.sets, vec![chain.validators().as_ref().clone()], "the one set announced, by header 2");
    let mut headers = crate::snapshot::headers::HeaderChain::from_genesis(&genesis());
    let offered = |h: &Hash| batch.sets.iter().find(|s| s.hash() == *h).cloned();
    headers.extend(&batch.headers, offered).expect("verified across the rotation");
    assert_eq!(headers.hash(), chain.head().block_hash);
    // Without the announced set, or with the genesis set passed off under its hash, block 2 is refused.
    let mut without = crate::snapshot::headers::HeaderChain::from_genesis(&genesis());
    let err = without.extend(&batch.headers, |_| None).expect_err("the set is needed");
    assert_eq!(err.height(), 2);
    let mut forged = crate::snapshot::headers::HeaderChain::from_genesis(&genesis());
    assert!(forged.extend(&batch.headers, |_| Some(genesis().validator_set())).is_err());
    assert_eq!(forged.height(), Height(1));
}
