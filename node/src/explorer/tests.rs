//! The shared test vector of the Rust and JavaScript verifiers: this test builds a state tree, a
//! block header over its root, a commit certificate and a ledger object of every kind the explorer
//! decodes (data set, grant, organization, listings, order) with their proofs, and requires `test/vector.json` to be exactly that; `test/verify.test.mjs` (run with `node --test`)
//! checks the same file with the explorer's JavaScript. If either side changes how it hashes,
//! encodes or signs, one of the two tests fails.
//!
//! After a deliberate change: `SHULIAN_BLESS=1 cargo test --workspace explorer_vector`.

use serde_json::{Value, json};
use shulian_contracts::{catalog, grants, market, orgs};
use shulian_runtime::block::{BLOCK_HASH_TAG, CommitSig, VOTE_SIGN_TAG, Validator, ValidatorSet};
use shulian_runtime::call::{Classification, Product, Ruling, SharingAttribute, Validity};
use shulian_runtime::genesis::Role;
use shulian_runtime::smt::{self, TreeUpdate};
use shulian_runtime::state::{ChangeSet, MemState};
use shulian_runtime::{AccountId, BlockHeader, CommitCertificate, Fen, Hash, Height};
use std::collections::BTreeMap;

const VECTOR: &str = include_str!("test/vector.json");
const VECTOR_SM2: &str = include_str!("test/vector-sm2-sm3.json");

use shulian_runtime::test_utils::key;

pub(super) fn dataset() -> catalog::Dataset {
    catalog::Dataset {
        id: Hash::tagged(b"test", b"dataset").into(),
        owner: AccountId([2; 32]),
        name: "clinic visits 诊所".into(),
        category: "health".into(),
        classification: Classification::Core,
        sharing: SharingAttribute::Conditional,
        update_frequency: "daily".into(),
        version: 2,
        metadata_hash: Hash([3; 32]),
        schema_hash: Hash([4; 32]),
        fields: vec!["age_band".into(), "district".into()],
        retired: false,
        negative_listed: Some("leaked once".into()),
        registered_at: Height(5),
    }
}

pub(super) fn grant() -> grants::Grant {
    grants::Grant {
        id: Hash::tagged(b"test", b"grant").into(),
        request: Hash::tagged(b"test", b"request").into(),
        grantor: AccountId([2; 32]),
        grantee: AccountId([6; 32]),
        dataset: Hash::tagged(b"test", b"dataset").into(),
        dataset_version: 2,
        purpose: "bus routes".into(),
        fields: vec!["district".into()],
        validity: Validity { from_ms: 1, until_ms: 1_900_000_000_000 },
        max_uses: 10,
        uses: 3,
        revoked: Some(grants::Revocation { height: Height(9), reason: "purpose ended".into() }),
        issued_at: Height(6),
    }
}

/// A data set listing, approved and then frozen by a regulator.
pub(super) fn dataset_listing() -> market::Listing {
    market::Listing {
        id: Hash::tagged(b"test", b"listing").into(),
        seller: AccountId([2; 32]),
        product: Product::Dataset(Hash::tagged(b"test", b"dataset").into()),
        price: Fen(120_000),
        licence_terms_hash: Hash([12; 32]),
        delivery_method: "sftp 交付".into(),
        purpose: "bus routes".into(),
        validity: Validity { from_ms: 0, until_ms: 1_900_000_000_000 },
        fields: vec!["age_band".into(), "district".into()],
        max_uses: 100,
        delivery_window_ms: 7 * 86_400_000,
        acceptance_window_ms: 3 * 86_400_000,
        status: market::ListingStatus::Approved,
        frozen: Some("under inquiry".into()),
        reviewed_by: Some(AccountId([8; 32])),
        submitted_at: Height(6),
    }
}

/// A product outside the catalog, rejected in review.
fn report_listing() -> market::Listing {
    market::Listing {
        id: Hash::tagged(b"test", b"report listing").into(),
        product: Product::OffCatalog { name: "traffic report".into(), metadata_hash: Hash([13; 32]) },
        validity: Validity { from_ms: 1_800_000_000_000, until_ms: 1_900_000_000_000 },
        fields: vec![],
        status: market::ListingStatus::Rejected { reason: "no licence".into() },
        frozen: None,
        reviewed_by: None,
        ..dataset_listing()
    }
}

/// An order that went through a dispute to a split ruling.
pub(super) fn order() -> market::Order {
    use market::OrderStatus::{Arbitrated, Delivered, Disputed, Placed};
    market::Order {
        id: Hash::tagged(b"test", b"order").into(),
        listing: Hash::tagged(b"test", b"listing").into(),
        buyer: AccountId([6; 32]),
        seller: AccountId([2; 32]),
        dataset: Some(Hash::tagged(b"test", b"dataset").into()),
        price: Fen(120_000),
        fee: Fen(1_200),
        exchange: AccountId([8; 32]),
        status: Arbitrated,
        placed_at: Height(7),
        placed_at_ms: 1_796_094_245_000,
        acceptance_window_ms: 3 * 86_400_000,
        delivery_deadline_ms: 1_796_094_245_000 + 7 * 86_400_000,
        delivery_hash: Some(Hash([14; 32])),
        acceptance_deadline_ms: Some(1_796_094_245_000 + 5 * 86_400_000),
        dispute: Some("rows missing".into()),
        ruling: Some(Ruling::Split { buyer_bps: 2_500 }),
        grant: None,
        history: vec![(Height(7), Placed), (Height(9), Delivered), (Height(12), Disputed), (Height(20), Arbitrated)],
    }
}

/// Builds the vector.
fn vector() -> Value {
    let d = dataset();
    let g = grant();
    let mut objects: Vec<(&str, Vec<u8>, Vec<u8>, Value)> = vec![
        ("dataset", catalog::dataset_key(&d.id), borsh::to_vec(&d).unwrap_or_default(), json!(d)),
        ("grant", grants::grant_key(&g.id), borsh::to_vec(&g).unwrap_or_default(), json!(g)),
    ];
    let listings = [dataset_listing(), report_listing()];
    let o = order();
    objects.extend(
        listings
            .iter()
            .map(|l| ("listing", market::listing_key(&l.id), borsh::to_vec(l).unwrap_or_default(), json!(l))),
    );
    let org = orgs::Organization {
        id: AccountId([2; 32]),
        name: "Health Commission 卫健委".into(),
        roles: vec![Role::Department, Role::ValidatorOperator],
        keys: vec![key(2).public_key(), key(3).public_key()],
        suspended: false,
    };
    objects.push(("organization", orgs::org_key(&org.id), borsh::to_vec(&org).unwrap_or_default(), json!(org)));
    objects.push(("order", market::order_key(&o.id), borsh::to_vec(&o).unwrap_or_default(), json!(o)));
    let mut state = MemState::default();
    let mut upd = TreeUpdate::new(&state);
    let mut kv = BTreeMap::new();
    for (k, v) in
        (0u8..40).map(|i| (vec![b'k', i], vec![i; 3])).chain(objects.iter().map(|(_, k, v, _)| (k.clone(), v.clone())))
    {
        upd.insert(smt::key_hash(&k), smt::value_hash(&v)).expect("insert");
        kv.insert(k, Some(v));
    }
    let root = upd.root().expect("root");
    let nodes = upd.nodes;
    state.apply(ChangeSet { kv, nodes });

    let validators = ValidatorSet {
        validators: (1..=4u8)
            .map(|i| Validator { name: format!("v{i}"), public_key: key(i).public_key(), power: u64::from(i) })
            .collect(),
    };
    let header = BlockHeader {
        protocol_version: 1,
        chain_id: "shulian-test".into(),
        height: Height(7),
        parent_hash: Hash([9; 32]),
        timestamp_ms: 1_764_383_000_123,
        proposer: key(1).public_key(),
        tx_root: Hash([10; 32]),
        outcomes_root: Hash([11; 32]),
        state_root: root,
        next_validators_hash: Hash([5; 32]),
    };
    let block_hash = header.hash();
    let mut cert = CommitCertificate { height: header.height, round: 2, block_hash, signatures: vec![] };
    let vote_bytes = cert.vote(&header.chain_id).sign_bytes();
    // Validators 2, 3 and 4 hold 9 of 10 power: a quorum (7).
    cert.signatures = (2..=4u8)
        .map(|i| CommitSig { validator: key(i).public_key(), signature: key(i).sign(VOTE_SIGN_TAG, &vote_bytes) })
        .collect();
    assert_eq!(cert.verify(&header, &validators), Ok(()));

    let objects: Vec<Value> = objects
        .into_iter()
        .map(|(kind, k, v, shown)| {
            let proof = smt::prove(&state, &k).expect("storage").expect("present");
            assert_eq!(proof.verify(&root, &k, &v), Ok(()));
            json!({ "kind": kind, "key": hex::encode(&k), "value": hex::encode(&v), "proof": proof, "json": shown })
        })
        .collect();
    json!({
        "block_hash_tag": String::from_utf8_lossy(BLOCK_HASH_TAG),
        "vote_sign_tag": String::from_utf8_lossy(VOTE_SIGN_TAG),
        "validators": validators.validators,
        "hash": block_hash,
        "header": header,
        "header_borsh": hex::encode(borsh::to_vec(&header).unwrap_or_default()),
        "certificate": cert,
        "vote_sign_bytes": hex::encode(&vote_bytes),
        "objects": objects,
    })
}

/// Compares `v` with the committed `test/<file>` (or writes it, with `SHULIAN_BLESS=1`).
pub(super) fn check_vector(file: &str, committed: &str, v: &Value) {
    let text = format!("{}\n", serde_json::to_string_pretty(v).expect("json"));
    if std::env::var_os("SHULIAN_BLESS").is_some() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/explorer/test").join(file);
        std::fs::write(&path, &text).expect("write vector");
        return;
    }
    let committed: Value = serde_json::from_str(committed).unwrap_or_else(|e| panic!("test/{file} is not JSON: {e}"));
    assert_eq!(&committed, v, "test/{file} is stale; if the change is deliberate, rerun with SHULIAN_BLESS=1");
}

#[test]
fn explorer_vector_matches_the_committed_file() {
    shulian_runtime::test_utils::pin_ed25519();
    check_vector("vector.json", VECTOR, &vector());
}

/// The same vector on an `sm2-sm3` chain: SM3 hashes, SM2 certificate (the JS tests check it
/// with the vendored sm-crypto-v2).
#[test]
fn explorer_sm2_vector_matches_the_committed_file() {
    shulian_runtime::test_utils::pin_suite(shulian_runtime::suite::CryptoSuite::Sm2Sm3);
    let mut v = vector();
    v["suite"] = "sm2-sm3".into();
    // A genesis naming the suite: its borsh ends with the suite's code, its hash is SM3's.
    let genesis = shulian_runtime::test_utils::GenesisBuilder::new("shulian-test")
        .validator("v1", &key(1), 1)
        .org("health", &key(9), &[Role::Department], shulian_runtime::Fen(100))
        .build();
    assert_eq!(genesis.crypto, shulian_runtime::suite::CryptoSuite::Sm2Sm3);
    v["genesis"] = json!({
        "json": genesis,
        "borsh": hex::encode(borsh::to_vec(&genesis).unwrap_or_default()),
        "hash": genesis.hash(),
    });
    check_vector("vector-sm2-sm3.json", VECTOR_SM2, &v);
}

#[test]
fn every_asset_is_served_and_unknown_files_are_not() {
    for (path, body) in super::ASSETS {
        assert!(!body.is_empty(), "{path} is empty");
    }
    assert!(super::ASSETS.iter().any(|(p, _)| *p == "vendor/noble-hashes/blake3.js"));
    assert_eq!(super::mime("app.js"), "text/javascript; charset=utf-8");
}

/// A module the explorer imports but the node does not serve breaks a whole page in the browser:
/// every script and style sheet under `node/src/explorer/` (tests aside) is an asset.
#[test]
fn every_script_on_disk_is_an_asset() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/explorer");
    let mut missing = Vec::new();
    for dir in ["", "lib", "pages", "i18n", "vendor/noble-hashes", "vendor/noble-ed25519", "vendor/sm-crypto-v2"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if !(name.ends_with(".js") || name.ends_with(".mjs") || name.ends_with(".css")) {
                continue;
            }
            let path = if dir.is_empty() { name } else { format!("{dir}/{name}") };
            if !super::ASSETS.iter().any(|(p, _)| *p == path) {
                missing.push(path);
            }
        }
    }
    assert!(missing.is_empty(), "not served by the node: {missing:?}");
}
