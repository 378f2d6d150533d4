//! The nonce manager against a fake node that behaves like the real one's admission (exact next
//! nonce, `duplicate`, `stale_nonce`, `future_nonce`, `nonce_pending`, `mempool_full`, a sender's
//! share of the pool with `sender_share_exceeded`) and can be
//! made unreachable, restarted (mempool lost), or made to refuse a transaction's bytes.

use super::*;
use shulian_runtime::Fen;
use shulian_runtime::call::SettlementCall;
use std::collections::BTreeSet;
use std::sync::Arc;

#[derive(Default)]
struct FakeState {
    /// Our committed transactions, in nonce order from nonce 0 (a foreign one is `None`).
    committed: Vec<Option<Transaction>>,
    pending: Vec<Transaction>,
    down: usize,
    full: usize,
    /// The most pending transactions our key may have (0: no share).
    share: usize,
    lose_answers: usize,
    bad_amounts: BTreeSet<u64>,
    batches: usize,
}

#[derive(Default)]
struct Fake(Mutex<FakeState>);

impl Fake {
    fn state(&self) -> MutexGuard<'_, FakeState> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Commits everything pending, in order.
    fn produce_block(&self) {
        let mut s = self.state();
        let txs = std::mem::take(&mut s.pending);
        s.committed.extend(txs.into_iter().map(Some));
    }

    /// A SIGKILL and restart: the mempool is gone, the committed chain stays.
    fn restart(&self) {
        self.state().pending.clear();
    }

    /// Another signer's transaction takes the next nonce.
    fn commit_foreign(&self) {
        let mut s = self.state();
        assert!(s.pending.is_empty(), "a foreign nonce needs an empty pool in this fake");
        s.committed.push(None);
    }

    fn committed_nonces(&self) -> Vec<u64> {
        self.state().committed.iter().flatten().map(|t| t.nonce).collect()
    }

    fn committed_hashes(&self) -> Vec<Hash> {
        self.state().committed.iter().flatten().map(Transaction::hash).collect()
    }
}

fn refusal(code: &str) -> Refusal {
    Refusal { code: code.into(), message: code.replace('_', " ") }
}

fn unreachable() -> ClientError {
    ClientError::Unreachable { url: "http://fake".into(), reason: "connection refused".into() }
}

impl NodeApi for Arc<Fake> {
    fn chain_id(&self) -> Result<String, ClientError> {
        Ok("test".into())
    }

    fn next_nonce(&self, _account: &AccountId) -> Result<u64, ClientError> {
        let s = self.state();
        Ok((s.committed.len() + s.pending.len()) as u64)
    }

    fn submit_batch(&self, txs: &[Transaction]) -> Result<Vec<Result<Hash, Refusal>>, ClientError> {
        let mut s = self.state();
        s.batches += 1;
        if s.down > 0 {
            s.down -= 1;
            return Err(unreachable());
        }
        let mut out = Vec::new();
        for tx in txs {
            let hash = tx.hash();
            let committed = s.committed.len() as u64;
            let expected = committed + s.pending.len() as u64;
            let amount = match &tx.call {
                Call::Settlement(SettlementCall::Transfer { amount, .. }) => amount.0,
                _ => 0,
            };
            let r = if s.pending.iter().any(|p| p.hash() == hash) {
                Err(refusal("duplicate"))
            } else if tx.nonce < committed {
                Err(refusal("stale_nonce"))
            } else if tx.nonce > expected {
                Err(refusal("future_nonce"))
            } else if tx.nonce < expected {
                Err(refusal("nonce_pending"))
            } else if s.bad_amounts.contains(&amount) {
                Err(refusal("bad_signature"))
            } else if s.full > 0 {
                s.full -= 1;
                Err(refusal("mempool_full"))
            } else if s.share > 0 && s.pending.len() >= s.share {
                Err(refusal("sender_share_exceeded"))
            } else {
                s.pending.push(tx.clone());
                Ok(hash)
            };
            out.push(r);
        }
        if s.lose_answers > 0 {
            // Admitted, but the answer never arrives (the connection broke).
            s.lose_answers -= 1;
            return Err(unreachable());
        }
        Ok(out)
    }

    fn tx_state(&self, hash: &Hash) -> Result<Option<TxState>, ClientError> {
        let s = self.state();
        if s.committed.iter().flatten().any(|t| t.hash() == *hash) {
            return Ok(Some(TxState::Committed { height: 1, index: 0, failure: None, events: vec![] }));
        }
        Ok(s.pending.iter().any(|t| t.hash() == *hash).then_some(TxState::Pending))
    }
}

type Log = Arc<Mutex<Vec<SignedLine>>>;

fn config(max_queue: usize) -> ManagerConfig {
    ManagerConfig {
        max_queue,
        max_batch: 7,
        backoff_min: Duration::from_millis(1),
        backoff_max: Duration::from_millis(2),
        commit_poll: Duration::ZERO,
        stale_grace: Duration::ZERO,
    }
}

fn manager(fake: &Arc<Fake>, max_queue: usize) -> (NonceManager<Arc<Fake>>, Log) {
    manager_with(fake, config(max_queue))
}

fn manager_with(fake: &Arc<Fake>, cfg: ManagerConfig) -> (NonceManager<Arc<Fake>>, Log) {
    let log: Log = Arc::default();
    let sink = log.clone();
    let key = SecretKey::from_bytes(&[9; 32]);
    let log_fn: SignLog = Box::new(move |l| sink.lock().unwrap_or_else(|p| p.into_inner()).push(l.clone()));
    let m = NonceManager::start(fake.clone(), key, cfg, log_fn).expect("start");
    (m, log)
}

fn transfer(amount: u64) -> Call {
    Call::Settlement(SettlementCall::Transfer { to: AccountId([1; 32]), amount: Fen(amount) })
}

/// Steps until nothing is left to submit or admit and everything is committed (a block after
/// each step), at most `rounds` times.
fn drain(m: &NonceManager<Arc<Fake>>, rounds: usize) {
    for _ in 0..rounds {
        let _ = m.step();
        m.node().produce_block();
        let c = m.counts();
        if c.committed_nonce == c.next_nonce {
            return;
        }
    }
    panic!("not drained: {:?}", m.counts());
}

fn verdict(rx: &mut oneshot::Receiver<Verdict>) -> Verdict {
    rx.try_recv().expect("answered")
}

#[test]
fn concurrent_callers_get_consecutive_nonces_committed_once() {
    let fake = Arc::new(Fake::default());
    let (m, log) = manager(&fake, 10_000);
    let m = Arc::new(m);
    let receivers: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8u64)
            .map(|t| {
                let m = m.clone();
                scope.spawn(move || {
                    (0..100).map(|i| m.enqueue("call", transfer(1 + t * 1000 + i)).expect("room")).collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("caller")).collect()
    });
    drain(&m, 1_000);
    assert_eq!(fake.committed_nonces(), (0..800).collect::<Vec<_>>());
    let mut nonces = BTreeSet::new();
    for mut rx in receivers {
        let a = verdict(&mut rx).expect("admitted");
        assert!(nonces.insert(a.nonce), "nonce {} answered twice", a.nonce);
        assert!(fake.committed_hashes().contains(&a.hash));
    }
    let lines = log.lock().expect("log");
    assert_eq!(lines.len(), 800, "one log line per signature");
    assert!(lines.iter().enumerate().all(|(i, l)| l.nonce == i as u64 && l.event == "signed"));
}

#[test]
fn refusals_that_consume_nothing_resubmit_the_same_bytes() {
    let fake = Arc::new(Fake::default());
    let (m, log) = manager(&fake, 100);
    let mut rxs: Vec<_> = (0..5).map(|i| m.enqueue("call", transfer(10 + i)).expect("room")).collect();
    fake.state().down = 3;
    for _ in 0..3 {
        assert!(matches!(m.step(), Step::Retry(_)), "unreachable node: retry");
    }
    fake.state().full = 2;
    assert!(matches!(m.step(), Step::Retry(r) if r.contains("mempool_full")));
    // The first was refused: nothing after it was admitted either.
    assert_eq!(m.counts().unadmitted, 5);
    drain(&m, 50);
    assert_eq!(fake.committed_nonces(), vec![0, 1, 2, 3, 4]);
    let signed: Vec<Hash> = log.lock().expect("log").iter().map(|l| l.hash).collect();
    assert_eq!(fake.committed_hashes(), signed, "the very bytes signed first are the ones committed");
    for (i, rx) in rxs.iter_mut().enumerate() {
        assert_eq!(verdict(rx).expect("admitted").nonce, i as u64);
    }
}

#[test]
fn a_gateway_pinned_to_another_chain_does_not_start() {
    let fake = Arc::new(Fake::default());
    let log: Log = Arc::default();
    let sink = log.clone();
    let log_fn: SignLog = Box::new(move |l| sink.lock().unwrap_or_else(|p| p.into_inner()).push(l.clone()));
    match NonceManager::start_pinned(fake.clone(), SecretKey::from_bytes(&[9; 32]), "prod", config(10), log_fn) {
        Err(ClientError::WrongChain { pinned, reported, .. }) => {
            assert_eq!((pinned.as_str(), reported.as_str()), ("prod", "test"))
        }
        Err(e) => panic!("expected a wrong-chain refusal, got {e}"),
        Ok(_) => panic!("expected a wrong-chain refusal, got a manager"),
    }
    assert!(log.lock().expect("log").is_empty(), "nothing signed");
    let ok: SignLog = Box::new(|_| {});
    NonceManager::start_pinned(fake, SecretKey::from_bytes(&[9; 32]), "test", config(10), ok).expect("own chain");
}

#[test]
fn a_senders_full_share_is_retried_like_a_full_mempool_until_blocks_make_room() {
    assert!(RETRY_CODES.contains(&"sender_share_exceeded") && !PERMANENT_CODES.contains(&"sender_share_exceeded"));
    let fake = Arc::new(Fake::default());
    fake.state().share = 4;
    let (m, log) = manager(&fake, 100);
    let mut rxs: Vec<_> = (0..10).map(|i| m.enqueue("call", transfer(300 + i)).expect("room")).collect();
    // The first batch: four admitted, the fifth refused for the share.
    let mut steps = 0;
    loop {
        match m.step() {
            Step::Retry(r) if r.contains("sender_share_exceeded") => break,
            Step::Progress if steps < 10 => steps += 1,
            other => panic!("expected the share refusal, got {other:?}"),
        }
    }
    assert_eq!(fake.state().pending.len(), 4);
    assert_eq!(m.counts().unadmitted, 6, "the refused ones wait, nothing is dropped or re-signed");
    // Blocks commit what is pending; the rest is admitted in turn, same bytes, same nonces.
    drain(&m, 200);
    assert_eq!(fake.committed_nonces(), (0..10).collect::<Vec<u64>>());
    let signed: Vec<Hash> = log.lock().expect("log").iter().map(|l| l.hash).collect();
    assert_eq!(fake.committed_hashes(), signed, "signed once each, committed as signed");
    for (i, rx) in rxs.iter_mut().enumerate() {
        assert_eq!(verdict(rx).expect("admitted").nonce, i as u64);
    }
}

#[test]
fn a_node_restart_resubmits_every_unconfirmed_transaction_in_order() {
    let fake = Arc::new(Fake::default());
    let (m, log) = manager(&fake, 100);
    for i in 0..10 {
        m.enqueue("call", transfer(100 + i)).expect("room");
    }
    while m.counts().unadmitted > 0 {
        assert_eq!(m.step(), Step::Progress);
    }
    fake.produce_block();
    // Ten more admitted, then the node is SIGKILLed: its mempool (nonces 10..20) is gone.
    let mut rxs: Vec<_> = (0..10).map(|i| m.enqueue("call", transfer(200 + i)).expect("room")).collect();
    while m.counts().unadmitted > 0 {
        let _ = m.step();
    }
    for rx in &mut rxs {
        verdict(rx).expect("admitted before the restart");
    }
    fake.restart();
    // Idle: the next commit check notices the oldest unconfirmed one is unknown and resubmits.
    let _ = m.step();
    while m.counts().unadmitted > 0 {
        let _ = m.step();
    }
    assert_eq!(fake.state().pending.len(), 10, "all ten resubmitted after the restart");
    // A second restart, now with new calls queued behind them.
    fake.restart();
    for i in 0..5 {
        m.enqueue("call", transfer(300 + i)).expect("room");
    }
    drain(&m, 50);
    assert_eq!(fake.committed_nonces(), (0..25).collect::<Vec<_>>(), "no gap, no reuse");
    let signed: Vec<Hash> = log.lock().expect("log").iter().map(|l| l.hash).collect();
    assert_eq!(fake.committed_hashes(), signed, "resubmitted byte for byte, never re-signed");
}

#[test]
fn an_admitted_transaction_whose_answer_was_lost_counts_once() {
    let fake = Arc::new(Fake::default());
    // Commitment is checked once at the start only, so the resubmission meets `stale_nonce`.
    let cfg = ManagerConfig { commit_poll: Duration::from_secs(3600), ..config(100) };
    let (m, _log) = manager_with(&fake, cfg);
    let mut rx = m.enqueue("call", transfer(5)).expect("room");
    fake.state().lose_answers = 1;
    assert!(matches!(m.step(), Step::Retry(_)));
    fake.produce_block();
    // Resubmitted: the node now says the nonce is stale; the hash is committed, so it is done.
    let mut rx1 = m.enqueue("call", transfer(6)).expect("room");
    while m.counts().unadmitted > 0 {
        assert_eq!(m.step(), Step::Progress);
    }
    fake.produce_block();
    assert_eq!(fake.committed_nonces(), vec![0, 1]);
    assert_eq!(verdict(&mut rx1).expect("admitted").nonce, 1);
    assert_eq!(verdict(&mut rx).expect("admitted").nonce, 0);
}

#[test]
fn a_refusal_of_the_bytes_reports_and_reuses_the_nonce_without_a_gap() {
    let fake = Arc::new(Fake::default());
    fake.state().bad_amounts.insert(666);
    let (m, log) = manager(&fake, 100);
    let mut rxs: Vec<_> = [1, 666, 2, 3].into_iter().map(|a| m.enqueue("call", transfer(a)).expect("room")).collect();
    drain(&m, 20);
    let refused = verdict(&mut rxs[1]).expect_err("refused");
    assert_eq!((refused.code.as_str(), refused.nonce), ("bad_signature", 1));
    let nonces: Vec<u64> = [0, 2, 3].iter().map(|&i| verdict(&mut rxs[i]).expect("admitted").nonce).collect();
    assert_eq!(nonces, vec![0, 1, 2], "the calls behind it took its nonce and the next");
    assert_eq!(fake.committed_nonces(), vec![0, 1, 2]);
    let resigned = log.lock().expect("log").iter().filter(|l| l.event == "resigned").count();
    assert_eq!(resigned, 2, "each re-signed call is logged");
}

#[test]
fn a_nonce_taken_by_another_signer_is_reported_and_the_rest_go_on() {
    let fake = Arc::new(Fake::default());
    let (m, _log) = manager(&fake, 100);
    fake.commit_foreign();
    let mut rx0 = m.enqueue("call", transfer(1)).expect("room");
    let mut rx1 = m.enqueue("call", transfer(2)).expect("room");
    drain(&m, 10);
    assert_eq!(verdict(&mut rx0).expect_err("taken").code, "nonce_taken");
    assert_eq!(verdict(&mut rx1).expect("admitted").nonce, 1);
    assert_eq!(fake.state().committed.len(), 2);
}

#[test]
fn a_gap_below_the_queue_is_repaired_by_resigning_from_the_nodes_nonce() {
    let fake = Arc::new(Fake::default());
    let log_fn: SignLog = Box::new(|_| {});
    let cfg = ManagerConfig { commit_poll: Duration::ZERO, ..ManagerConfig::default() };
    // The gateway believed nonces 0..3 pending from before it started; the node lost them.
    let m = NonceManager::new(fake.clone(), SecretKey::from_bytes(&[9; 32]), "test".into(), 3, cfg, log_fn);
    let mut rx = m.enqueue("call", transfer(1)).expect("room");
    drain(&m, 10);
    assert_eq!(verdict(&mut rx).expect("admitted").nonce, 0);
    assert_eq!(fake.committed_nonces(), vec![0]);
}

#[test]
fn a_full_queue_refuses_without_signing() {
    let fake = Arc::new(Fake::default());
    let (m, log) = manager(&fake, 3);
    for i in 0..3 {
        m.enqueue("call", transfer(i + 1)).expect("room");
    }
    assert_eq!(m.enqueue("call", transfer(9)).map(|_| ()), Err(QueueFull(3)));
    assert_eq!(m.counts().next_nonce, 3);
    assert_eq!(log.lock().expect("log").len(), 3);
    drain(&m, 10);
    m.enqueue("call", transfer(9)).expect("room again once committed");
}
