//! A tampered ledger copy is refused whatever the tamperer recomputed, an untouched one passes.

use super::*;
use crate::chain::tests::{enc, genesis, produce, transfer};
use crate::storage::Batch;
use shulian_runtime::smt::TreeUpdate;
use shulian_runtime::state::MemState;
use shulian_runtime::test_utils::account;

/// A three-block ledger with transfers, in memory.
fn ledger() -> Arc<MemKv> {
    let kv = Arc::new(MemKv::default());
    let chain = Chain::open(ChainStore::new(kv.clone()), genesis(), ChainLimits::default()).expect("open");
    for (i, ts) in [100u64, 200, 300].into_iter().enumerate() {
        chain.submit(&enc(&transfer(1, i as u64, "unit"))).expect("submit");
        produce(&chain, ts);
    }
    kv
}

fn check(kv: &Arc<MemKv>) -> Result<AuthenticatedHead, AuthError> {
    authenticate_head(kv.clone(), &genesis())
}

fn put(kv: &MemKv, c: Column, k: &[u8], v: Vec<u8>) {
    let mut b = Batch::default();
    b.put(c, k, v);
    kv.write(b).expect("write");
}

/// Raises org 2's balance to a million fen in the state values only.
fn forge_balance(kv: &MemKv) -> Vec<u8> {
    let key = shulian_contracts::settlement::balance_key(&account(2));
    assert!(kv.get(Column::State, &key).expect("read").is_some(), "org 2 has a balance");
    let forged = borsh::to_vec(&shulian_runtime::Fen(1_000_000)).expect("enc");
    put(kv, Column::State, &key, forged.clone());
    key
}

#[test]
fn an_untouched_ledger_authenticates_at_its_head() {
    let kv = ledger();
    let head = ChainStore::new(kv.clone()).head().expect("read").expect("head");
    let a = check(&kv).expect("authentic");
    assert_eq!((a.height, a.block_hash, a.state_root), (Height(3), head.block_hash, head.state_root));
    assert!(a.state_keys > 0);
}

#[test]
fn a_fresh_chain_at_genesis_authenticates() {
    let kv = Arc::new(MemKv::default());
    Chain::open(ChainStore::new(kv.clone()), genesis(), ChainLimits::default()).expect("open");
    assert_eq!(check(&kv).expect("authentic").height, Height(0));
    forge_balance(&kv);
    assert!(matches!(check(&kv), Err(AuthError::StateRoot { .. })));
}

#[test]
fn a_changed_balance_is_refused_even_with_its_tree_recomputed() {
    // Only the value: the stored tree no longer matches it.
    let kv = ledger();
    forge_balance(&kv);
    assert!(matches!(check(&kv), Err(AuthError::StateRoot { .. })), "{:?}", check(&kv));

    // The value and a consistently recomputed tree: the root moves away from the certified one.
    let kv = ledger();
    let store = ChainStore::new(kv.clone());
    let key = forge_balance(&kv);
    let value = kv.get(Column::State, &key).expect("read").expect("value");
    let mut upd = TreeUpdate::new(&store);
    upd.insert(key_hash(&key), value_hash(&value)).expect("update");
    let mut b = Batch::default();
    for (k, n) in upd.nodes {
        match n {
            Some(n) => b.put(Column::Smt, k.to_bytes(), borsh::to_vec(&n).expect("enc")),
            None => b.delete(Column::Smt, k.to_bytes()),
        }
    }
    kv.write(b).expect("write");
    match check(&kv) {
        Err(AuthError::StateRoot { certified, computed }) => assert_ne!(certified, computed),
        other => panic!("expected a state root mismatch, got {other:?}"),
    }
}

#[test]
fn a_stray_tree_node_is_refused() {
    let kv = ledger();
    let stray = SmtNode::Leaf { key_hash: Hash([9; 32]), value_hash: Hash([9; 32]) };
    put(&kv, Column::Smt, &NodeKey::new(200, &Hash([9; 32])).to_bytes(), borsh::to_vec(&stray).expect("enc"));
    assert!(matches!(check(&kv), Err(AuthError::Tree(_))), "{:?}", check(&kv));
}

#[test]
fn a_forged_head_block_has_no_valid_certificate() {
    let kv = ledger();
    let store = ChainStore::new(kv.clone());
    let mut block = store.block(Height(3)).expect("read").expect("block");
    block.header.state_root = Hash([7; 32]);
    put(&kv, Column::Blocks, &3u64.to_be_bytes(), borsh::to_vec(&block).expect("enc"));
    assert!(matches!(check(&kv), Err(AuthError::Certificate { height: 3, .. })), "{:?}", check(&kv));

    let kv = ledger();
    let store = ChainStore::new(kv.clone());
    let mut cert = store.certificate(Height(3)).expect("read").expect("cert");
    cert.signatures.clear();
    put(&kv, Column::Certs, &3u64.to_be_bytes(), borsh::to_vec(&cert).expect("enc"));
    assert!(matches!(check(&kv), Err(AuthError::Certificate { height: 3, .. })), "{:?}", check(&kv));
}

#[test]
fn a_changed_older_block_breaks_the_links() {
    let kv = ledger();
    let store = ChainStore::new(kv.clone());
    let mut block = store.block(Height(2)).expect("read").expect("block");
    block.txs[0] = transfer(2, 0, "unit");
    put(&kv, Column::Blocks, &2u64.to_be_bytes(), borsh::to_vec(&block).expect("enc"));
    assert!(matches!(check(&kv), Err(AuthError::Block { height: 2, .. })), "{:?}", check(&kv));
}

#[test]
fn another_genesis_is_refused() {
    let kv = ledger();
    let mut other = genesis();
    other.chain_id = "other".into();
    assert!(matches!(authenticate_head(kv, &other), Err(AuthError::Genesis { .. })));
}

/// The from-scratch tree equals the incremental one, including after removals (which make leaves
/// float up).
#[test]
fn the_tree_built_from_scratch_is_the_incremental_tree() {
    let state = MemState::default();
    let keys: Vec<Vec<u8>> = (0u32..300).map(|i| i.to_be_bytes().to_vec()).collect();
    let mut upd = TreeUpdate::new(&state);
    upd.apply(keys.iter().map(|k| (key_hash(k), Some(value_hash(k)))).collect()).expect("insert");
    let removed: Vec<(Hash, Option<Hash>)> = keys.iter().step_by(3).map(|k| (key_hash(k), None)).collect();
    upd.apply(removed).expect("remove");
    let expected = upd.root().expect("root");
    let nodes = upd.nodes.clone();
    let mut leaves: Vec<(Hash, Hash)> =
        keys.iter().enumerate().filter(|(i, _)| i % 3 != 0).map(|(_, k)| (key_hash(k), value_hash(k))).collect();
    leaves.sort_unstable();
    let mut built = 0usize;
    let root = build(0, &leaves, &mut |k, n| {
        built += 1;
        assert_eq!(nodes.get(&k), Some(&Some(n)), "node at depth {}", k.depth);
        Ok(())
    })
    .expect("build");
    assert_eq!(root, expected);
    assert_eq!(built, nodes.values().filter(|n| n.is_some()).count());
}
