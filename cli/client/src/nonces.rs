//! The nonce manager: one signing key, many concurrent callers, consecutive nonces.
//!
//! Rules (the invariant is: the key's committed nonces are `0..n` with no gap and no reuse, and
//! every call a caller was told is admitted is committed exactly once):
//! - **Handing out.** A call is signed under the lock with the next nonce (`base + queue length`)
//!   and appended to one queue in nonce order; nothing else ever signs with this key's nonces.
//!   The queue is bounded ([`ManagerConfig::max_queue`]): beyond it a call is refused at once
//!   (the HTTP layer answers 503) and no nonce is used.
//! - **Submitting.** One submitter thread posts the queue's not-yet-admitted prefix in nonce order,
//!   in batches of up to [`ManagerConfig::max_batch`] through `POST /api/txs`. A caller is
//!   answered when the node has admitted its transaction (or answers `duplicate`: it already has it).
//! - **Refusals that consume nothing** (`mempool_full`, `sender_share_exceeded` (our key holds its
//!   share of the node's mempool: retry once some of ours are committed), `nonce_pending`,
//!   `internal`, an unreachable node, a 5xx, any unknown code, see [`RETRY_CODES`]): the same
//!   signed bytes are submitted again, with backoff
//!   ([`ManagerConfig::backoff_min`] doubling to [`ManagerConfig::backoff_max`]) until admitted.
//!   Later transactions wait behind it, so no gap opens.
//! - **Node restart** (a SIGKILL loses the node's mempool): detected when the oldest unconfirmed
//!   transaction is unknown to the node, or when the node answers `future_nonce` (it is missing an
//!   earlier one of ours). Every signed, not yet committed transaction is then submitted again, in
//!   nonce order, byte for byte: those the node still has answer `duplicate`.
//! - **Already committed.** Commitment is learnt from `GET /api/tx/{hash}` (committed nonces are a
//!   prefix, so a binary search over the queue finds the boundary). A `stale_nonce` answer is
//!   checked the same way: if our hash is committed, the transaction is done (not an error). A
//!   transaction committed with a *failed* call used its nonce too: it is done, not a gap.
//! - **Nonce taken by another signer** (`stale_nonce` and our hash is not committed): the gateway
//!   must be the only signer of its key; the caller of that call gets `nonce_taken`, and the
//!   transactions after it stay valid (the nonce is consumed on chain either way).
//! - **Refusals that mean the bytes are wrong** (`malformed`, `too_large`, `wrong_chain_id`,
//!   `bad_signature`, `unknown_key`, `key_revoked`): a bug or a key problem, reported to that
//!   caller with the node's code. Its nonce was not consumed, so it is reused without a gap: the
//!   transaction is removed and every later queued call is re-signed one nonce lower (none of them
//!   can have been admitted: the node admits a sender's nonces only in order). Each re-signing is
//!   logged as `resigned`.
//! - **Start and gap repair.** The first nonce is the node's next nonce for the account. If the node
//!   ever expects a nonce below our oldest unconfirmed one (transactions pending from before the
//!   gateway started were lost), the whole queue is re-signed from the node's nonce.

use crate::client::ClientError;
use crate::node_api::NodeApi;
use crate::txflow::{Refusal, TxState};
use serde::{Deserialize, Serialize};
use shulian_runtime::{AccountId, Call, Hash, SecretKey, Transaction, UnsignedTransaction};
use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// Node refusal codes that mean the transaction's bytes (or its key) are wrong: resubmitting the
/// same bytes can never succeed.
pub const PERMANENT_CODES: &[&str] =
    &["malformed", "too_large", "wrong_chain_id", "bad_signature", "unknown_key", "key_revoked"];

/// Node refusal codes that are back-pressure or a passing state and consume nothing: the same
/// bytes are submitted again later. Any code that is not in [`PERMANENT_CODES`] (and is not
/// `duplicate`, `stale_nonce` or `future_nonce`, handled on their own) is treated the same way;
/// this list names the ones the node is known to send.
pub const RETRY_CODES: &[&str] = &["mempool_full", "sender_share_exceeded", "nonce_pending", "internal"];

/// Limits and timings of a [`NonceManager`].
#[derive(Clone, Copy, Debug)]
pub struct ManagerConfig {
    /// Most signed, not yet committed transactions held.
    pub max_queue: usize,
    /// Most transactions per `POST /api/txs`.
    pub max_batch: usize,
    /// First wait after a refusal that consumes nothing.
    pub backoff_min: Duration,
    /// Longest wait between retries.
    pub backoff_max: Duration,
    /// How often to ask the node which transactions are committed while nothing else happens.
    pub commit_poll: Duration,
    /// How long a `stale_nonce` answer for a transaction not (yet) shown as committed is
    /// re-checked before the nonce counts as taken by another signer.
    pub stale_grace: Duration,
}

impl Default for ManagerConfig {
    fn default() -> Self {
        ManagerConfig {
            max_queue: 50_000,
            max_batch: 2_000,
            backoff_min: Duration::from_millis(50),
            backoff_max: Duration::from_secs(2),
            commit_poll: Duration::from_millis(100),
            stale_grace: Duration::from_secs(10),
        }
    }
}

/// A call's transaction, admitted by the node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Admitted {
    /// Its hash.
    pub hash: Hash,
    /// Its nonce.
    pub nonce: u64,
}

/// A call that will never be committed, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// The node's code (`bad_signature`, ...) or `nonce_taken`.
    pub code: String,
    /// Plain words.
    pub message: String,
    /// The hash it had.
    pub hash: Hash,
    /// The nonce it had (reused by the next call, or consumed by another signer).
    pub nonce: u64,
}

/// What a caller eventually learns about its call.
pub type Verdict = Result<Admitted, Refused>;

/// The queue is at [`ManagerConfig::max_queue`]; nothing was signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0} signed transactions are waiting to be committed; retry later")]
pub struct QueueFull(pub usize);

/// Counts for `GET /v1/status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    /// Every nonce below is committed.
    pub committed_nonce: u64,
    /// The next nonce handed out.
    pub next_nonce: u64,
    /// Signed but not yet admitted.
    pub unadmitted: u64,
}

/// What one [`NonceManager::step`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing to submit.
    Idle,
    /// Something changed; step again at once.
    Progress,
    /// The node refused for a reason that consumes nothing, or could not be reached: wait.
    Retry(String),
}

struct Entry {
    route: String,
    call: Call,
    tx: Transaction,
    hash: Hash,
    reply: Option<oneshot::Sender<Verdict>>,
}

struct State {
    /// Nonce of `entries[0]`; every lower nonce is committed.
    base: u64,
    /// Signed, not known to be committed, in nonce order.
    entries: VecDeque<Entry>,
    /// `entries[..admitted]` are believed to be in the node's mempool (or committed).
    admitted: usize,
    stopped: bool,
    last_commit_check: Option<Instant>,
}

/// One line of the signing log (stderr and the log file): one per transaction the gateway signs,
/// JSON, in nonce order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedLine {
    /// Wall time, ms since the Unix epoch.
    pub time_ms: u64,
    /// `signed` for a new call, `resigned` when a call gets another nonce (after a refusal or a
    /// gap repair; the old hash will never be committed).
    pub event: String,
    /// The route the caller used: `receipt`, `request`, `approve`, `deliver` or `call`.
    pub route: String,
    /// The call's name, e.g. `receipts.record`.
    pub call: String,
    /// The nonce.
    pub nonce: u64,
    /// The transaction hash.
    pub hash: Hash,
}

/// The sink of the signing log (one [`SignedLine`] per signature, in nonce order).
pub type SignLog = Box<dyn Fn(&SignedLine) + Send + Sync>;

/// Signs calls with consecutive nonces and gets them committed (see the module header).
pub struct NonceManager<N: NodeApi> {
    node: N,
    key: SecretKey,
    account: AccountId,
    chain_id: String,
    cfg: ManagerConfig,
    log: SignLog,
    state: Mutex<State>,
    wake: Condvar,
}

fn now_ms() -> u64 {
    // The gateway's log carries wall time; nothing here is consensus.
    #[allow(clippy::disallowed_methods)]
    let now = std::time::SystemTime::now();
    now.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

#[allow(clippy::disallowed_methods)]
fn instant() -> Instant {
    // Retry pacing is wall time in the wallet.
    Instant::now()
}

impl<N: NodeApi> NonceManager<N> {
    /// A manager for `key` on the node's chain, starting at the node's next nonce for the account.
    pub fn start(node: N, key: SecretKey, cfg: ManagerConfig, log: SignLog) -> Result<Self, ClientError> {
        let chain_id = node.chain_id()?;
        let account = AccountId::from_public_key(&key.public_key());
        let base = node.next_nonce(&account)?;
        Ok(Self::new(node, key, chain_id, base, cfg, log))
    }

    /// [`NonceManager::start`], refused with [`ClientError::WrongChain`] (before anything is
    /// signed) unless the node serves chain `pinned`, the one the wallet is configured for.
    pub fn start_pinned(
        node: N,
        key: SecretKey,
        pinned: &str,
        cfg: ManagerConfig,
        log: SignLog,
    ) -> Result<Self, ClientError> {
        let m = Self::start(node, key, cfg, log)?;
        if m.chain_id != pinned {
            return Err(ClientError::WrongChain {
                from: "the node".into(),
                pinned: pinned.to_string(),
                reported: m.chain_id.clone(),
            });
        }
        Ok(m)
    }

    /// A manager whose first nonce is `base`.
    pub fn new(node: N, key: SecretKey, chain_id: String, base: u64, cfg: ManagerConfig, log: SignLog) -> Self {
        let account = AccountId::from_public_key(&key.public_key());
        let state = State { base, entries: VecDeque::new(), admitted: 0, stopped: false, last_commit_check: None };
        NonceManager { node, key, account, chain_id, cfg, log, state: Mutex::new(state), wake: Condvar::new() }
    }

    /// The signing account.
    pub fn account(&self) -> AccountId {
        self.account
    }

    /// The chain the transactions are signed for.
    pub fn chain_id(&self) -> &str {
        &self.chain_id
    }

    /// The limits in force.
    pub fn config(&self) -> ManagerConfig {
        self.cfg
    }

    /// The node.
    pub fn node(&self) -> &N {
        &self.node
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Where the nonces stand.
    pub fn counts(&self) -> Counts {
        let s = self.lock();
        Counts {
            committed_nonce: s.base,
            next_nonce: s.base + s.entries.len() as u64,
            unadmitted: (s.entries.len() - s.admitted) as u64,
        }
    }

    fn sign(&self, nonce: u64, call: &Call) -> (Transaction, Hash) {
        let tx = UnsignedTransaction {
            chain_id: self.chain_id.clone(),
            sender: self.key.public_key(),
            nonce,
            call: call.clone(),
        }
        .sign(&self.key);
        let hash = tx.hash();
        (tx, hash)
    }

    fn record(&self, event: &str, e: &Entry) {
        (self.log)(&SignedLine {
            time_ms: now_ms(),
            event: event.to_string(),
            route: e.route.clone(),
            call: e.call.name().to_string(),
            nonce: e.tx.nonce,
            hash: e.hash,
        });
    }

    /// Signs `call` (asked for through `route`) with the next nonce and queues it; the receiver
    /// answers once the node admitted it, or why it never will be.
    pub fn enqueue(&self, route: &str, call: Call) -> Result<oneshot::Receiver<Verdict>, QueueFull> {
        let (reply, answer) = oneshot::channel();
        let mut s = self.lock();
        if s.entries.len() >= self.cfg.max_queue {
            return Err(QueueFull(s.entries.len()));
        }
        let nonce = s.base + s.entries.len() as u64;
        let (tx, hash) = self.sign(nonce, &call);
        let entry = Entry { route: route.to_string(), call, tx, hash, reply: Some(reply) };
        self.record("signed", &entry);
        s.entries.push_back(entry);
        drop(s);
        self.wake.notify_all();
        Ok(answer)
    }

    /// Stops [`NonceManager::run`]; callers still waiting get their receiver closed.
    pub fn stop(&self) {
        self.lock().stopped = true;
        self.wake.notify_all();
    }

    /// Submits and follows the queue until [`NonceManager::stop`]. Run it on its own thread.
    pub fn run(&self) {
        let mut backoff = self.cfg.backoff_min;
        loop {
            if self.lock().stopped {
                let mut s = self.lock();
                s.entries.iter_mut().for_each(|e| drop(e.reply.take()));
                return;
            }
            let (pause, retry) = match self.step() {
                Step::Progress => {
                    backoff = self.cfg.backoff_min;
                    continue;
                }
                Step::Idle => {
                    backoff = self.cfg.backoff_min;
                    (self.cfg.commit_poll, false)
                }
                Step::Retry(_) => {
                    let pause = backoff;
                    backoff = (backoff * 2).min(self.cfg.backoff_max);
                    (pause, true)
                }
            };
            let s = self.lock();
            // Idle: a new call (or stop) wakes it early; a retry waits its backoff in full.
            let queued = s.entries.len();
            let _ = self.wake.wait_timeout_while(s, pause, |s| !s.stopped && (retry || s.entries.len() == queued));
        }
    }

    /// One round: learn what is committed (at most every [`ManagerConfig::commit_poll`] while
    /// submitting), then submit one batch of unadmitted transactions.
    pub fn step(&self) -> Step {
        let (due, pending) = {
            let s = self.lock();
            let due = s.last_commit_check.is_none_or(|t| t.elapsed() >= self.cfg.commit_poll)
                || s.admitted == s.entries.len();
            (due, !s.entries.is_empty())
        };
        if due && pending {
            self.lock().last_commit_check = Some(instant());
            if let Err(e) = self.check_commits() {
                return Step::Retry(e.to_string());
            }
        }
        self.submit_batch()
    }

    /// The hash of `entries[i]`, if there is one.
    fn hash_at(&self, i: usize) -> Option<Hash> {
        self.lock().entries.get(i).map(|e| e.hash)
    }

    fn committed(&self, i: usize) -> Result<bool, ClientError> {
        let Some(hash) = self.hash_at(i) else { return Ok(false) };
        Ok(matches!(self.node.tx_state(&hash)?, Some(TxState::Committed { .. })))
    }

    /// Drops the committed prefix of the queue, and notices a node that forgot our transactions.
    fn check_commits(&self) -> Result<(), ClientError> {
        let n = self.lock().entries.len();
        if n == 0 {
            return Ok(());
        }
        let Some(first) = self.hash_at(0) else { return Ok(()) };
        let first_state = self.node.tx_state(&first)?;
        if !matches!(first_state, Some(TxState::Committed { .. })) {
            // Nothing new is committed. Our oldest transaction should be pending at the node if
            // we think it was admitted; if the node does not know it, it lost its mempool.
            if !matches!(first_state, Some(TxState::Pending)) {
                let mut s = self.lock();
                if s.admitted > 0 {
                    s.admitted = 0;
                }
            }
            return Ok(());
        }
        // Committed nonces are a prefix: find the first uncommitted entry in (0, n].
        let mut lo = 1usize;
        if self.committed(n - 1)? {
            lo = n;
        } else {
            let mut hi = n - 1;
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if self.committed(mid)? {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
        }
        self.pop_committed(lo);
        Ok(())
    }

    /// The first `k` entries are committed: drop them, answering any caller not yet answered.
    fn pop_committed(&self, k: usize) {
        let mut s = self.lock();
        let k = k.min(s.entries.len());
        for mut e in s.entries.drain(..k) {
            if let Some(reply) = e.reply.take() {
                let _ = reply.send(Ok(Admitted { hash: e.hash, nonce: e.tx.nonce }));
            }
        }
        s.base += k as u64;
        s.admitted = s.admitted.saturating_sub(k);
    }

    fn submit_batch(&self) -> Step {
        let (start, txs) = {
            let s = self.lock();
            let start = s.admitted;
            let end = s.entries.len().min(start + self.cfg.max_batch);
            let txs: Vec<Transaction> = s.entries.range(start..end).map(|e| e.tx.clone()).collect();
            (start, txs)
        };
        if txs.is_empty() {
            return Step::Idle;
        }
        let results = match self.node.submit_batch(&txs) {
            Ok(r) => r,
            Err(e) => return Step::Retry(e.to_string()),
        };
        for (j, result) in results.into_iter().enumerate() {
            let i = start + j;
            match result {
                Ok(_) => self.admit(i),
                Err(r) if r.code == "duplicate" => self.admit(i),
                Err(r) if r.code == "stale_nonce" => return self.stale(i),
                Err(r) if r.code == "future_nonce" => return self.future(i),
                Err(r) if PERMANENT_CODES.contains(&r.code.as_str()) => {
                    self.drop_and_resign(i, r);
                    return Step::Progress;
                }
                Err(r) => return Step::Retry(format!("{} ({})", r.message, r.code)),
            }
        }
        Step::Progress
    }

    /// `entries[i]` is in the node's mempool (or committed): answer its caller.
    fn admit(&self, i: usize) {
        let mut s = self.lock();
        s.admitted = s.admitted.max(i + 1);
        if let Some(e) = s.entries.get_mut(i)
            && let Some(reply) = e.reply.take()
        {
            let _ = reply.send(Ok(Admitted { hash: e.hash, nonce: e.tx.nonce }));
        }
    }

    /// The node says `entries[i]`'s nonce is used: so is every nonce below it. Usually by our own
    /// transactions (committed before the node lost its mempool, or in a block being stored):
    /// drop the committed prefix and go on. If our transaction at that nonce is not committed,
    /// another signer took the nonce: its caller is told, and the entries up to it leave the queue.
    fn stale(&self, i: usize) -> Step {
        let Some(nonce) = self.lock().entries.get(i).map(|e| e.tx.nonce) else { return Step::Progress };
        // A decided block leaves the mempool before it is stored (and `/api/tx` shows it): give
        // the node's block writer time before concluding that another signer used the nonce.
        let since = instant();
        loop {
            if let Err(e) = self.check_commits() {
                return Step::Retry(e.to_string());
            }
            if self.lock().base > nonce {
                return Step::Progress;
            }
            if since.elapsed() >= self.cfg.stale_grace {
                break;
            }
            std::thread::sleep(self.cfg.backoff_min);
        }
        let mut s = self.lock();
        let Some(i) = nonce.checked_sub(s.base).and_then(|d| usize::try_from(d).ok()) else { return Step::Progress };
        // Every nonce up to this one is used, and ours among them are not committed.
        for e in s.entries.iter_mut().take(i + 1) {
            if let Some(reply) = e.reply.take() {
                let n = e.tx.nonce;
                let _ = reply.send(Err(Refused {
                    code: "nonce_taken".into(),
                    message: format!(
                        "nonce {n} was used by another transaction of this key; is another wallet signing with it?"
                    ),
                    hash: e.hash,
                    nonce: n,
                }));
            }
        }
        drop(s);
        self.pop_committed(i + 1);
        Step::Progress
    }

    /// The node expects a lower nonce than `entries[i]`'s.
    fn future(&self, i: usize) -> Step {
        if i > 0 {
            // It lost some of ours (a restart): submit everything again from the oldest.
            self.lock().admitted = 0;
            return Step::Progress;
        }
        let expected = match self.node.next_nonce(&self.account) {
            Ok(n) => n,
            Err(e) => return Step::Retry(e.to_string()),
        };
        let mut s = self.lock();
        if expected >= s.base {
            drop(s);
            return Step::Retry(format!("the node expects nonce {expected} but refused {} as future", i));
        }
        // A gap below our oldest transaction that none of ours can fill: re-sign the queue.
        s.base = expected;
        s.admitted = 0;
        self.resign_from(&mut s, 0);
        Step::Progress
    }

    /// `entries[i]` can never be admitted: tell its caller and give its nonce to the next call.
    fn drop_and_resign(&self, i: usize, r: Refusal) {
        let mut s = self.lock();
        let Some(mut e) = s.entries.remove(i) else { return };
        if let Some(reply) = e.reply.take() {
            let _ = reply.send(Err(Refused { code: r.code, message: r.message, hash: e.hash, nonce: e.tx.nonce }));
        }
        s.admitted = s.admitted.min(i);
        self.resign_from(&mut s, i);
    }

    /// Re-signs `entries[from..]` with the nonces their places now give them.
    fn resign_from(&self, s: &mut State, from: usize) {
        let base = s.base;
        for (i, e) in s.entries.iter_mut().enumerate().skip(from) {
            let nonce = base + i as u64;
            if e.tx.nonce != nonce {
                let (tx, hash) = self.sign(nonce, &e.call);
                e.tx = tx;
                e.hash = hash;
                self.record("resigned", e);
            }
        }
    }
}

#[cfg(test)]
mod tests;
