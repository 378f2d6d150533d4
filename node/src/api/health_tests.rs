//! `GET /health` and `GET /ready` through the router: health reads the store, readiness follows
//! the peer view (the rules themselves are unit-tested in `crate::health`).

use super::tests::{get_from, serve};
use super::*;
use crate::chain::ChainLimits;
use crate::chain::tests::{genesis, key};
use crate::storage::{ChainStore, MemKv};

fn chain() -> Arc<Chain> {
    let store = ChainStore::new(Arc::new(MemKv::default()));
    Arc::new(Chain::open(store, genesis(), ChainLimits::default()).expect("open"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_is_ok_and_ready_follows_the_peer_view() {
    let chain = chain();
    let (_shutdown, rx) = watch::channel(false);
    let addr = serve(router(chain.clone(), ApiOptions { submit_enabled: false, shutdown: rx })).await;
    let r = get_from([127, 0, 0, 1], addr, "/health").await;
    assert_eq!((r.status, r.body.as_str()), (200, r#"{"status":"ok"}"#));

    // An observer of a one-validator chain that heard no head cannot know it is caught up.
    let r = get_from([127, 0, 0, 1], addr, "/ready").await;
    let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!((r.status, &v["ready"], &v["reason"]), (503, &false.into(), &"catching_up".into()), "{}", r.body);
    let status = get_from([127, 0, 0, 1], addr, "/api/status").await;
    let s: serde_json::Value = serde_json::from_str(&status.body).expect("json");
    assert_eq!(s["role"], "observer", "{}", status.body);

    // The chain's one validator is ready once its store is open: its own power is a quorum.
    chain.peer_view().set_local(&chain.validators(), &key(100).public_key(), 3_000);
    let r = get_from([127, 0, 0, 1], addr, "/ready").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let status = get_from([127, 0, 0, 1], addr, "/api/status").await;
    let s: serde_json::Value = serde_json::from_str(&status.body).expect("json");
    assert_eq!((&s["role"], &s["peers"]["connected"]), (&"validator".into(), &0.into()), "{}", status.body);
    assert_eq!(s["version"], env!("CARGO_PKG_VERSION"), "{}", status.body);
}
