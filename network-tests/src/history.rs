//! A client-side history of a fault run and the checker that holds it against the final chain.
//!
//! Client threads record every submission (transaction, node, time, HTTP outcome), every status
//! read (`GET /api/tx/{hash}`) and every balance read (`GET /api/proof/{key}` of a settlement
//! balance key, so each read names the height and state root it was served at) through a
//! [`Client`] of one [`History`]. At the end, [`FinalChain::read`] loads the chain every node agreed
//! on and [`check`] verifies the history against it:
//!
//! - every transaction any node reported committed is in the chain exactly once, at the height it
//!   was reported at; no transaction is in two blocks;
//! - a transaction refused with a definitive error (bad signature, wrong chain, malformed) never
//!   appears (a refusal that depends on the moment, such as `stale_nonce` after a resend of a
//!   transaction committed through another node, is not definitive);
//! - every balance read (value `v` at height `h`, state root `r`) carries a proof that verifies,
//!   `r` and the block hash are the final chain's at `h`, and `v` is the balance at `h` recomputed
//!   from genesis and the committed transfers, deposits and withdrawals up to `h`;
//! - one client's reads from one node never go back in height, and a node never stops reporting a
//!   transaction it reported committed, unless that node lost synced writes in between (a
//!   deliberately truncated write-ahead log: [`History::data_loss`]);
//! - a read issued after the client saw `T` committed at `hT`, served at a height `>= hT`, reflects
//!   `T` (a read that misses exactly `T`'s effect is named as such).
//!
//! Everything the checker takes is plain data, so its unit tests run it on synthetic histories,
//! among them ones that must fail.
// The determinism rules of clippy.toml (no clock, no HashMap) bind runtime/ and contracts/ only;
// a history records the times of its operations.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use crate::{DevNode, test_agent};
use anyhow::{Context, bail};
use serde::de::DeserializeOwned;
use shulian_api::chain::{BlockResponse, ProofResponse, TxStatusResponse};
use shulian_api::error::ApiErrorBody;
use shulian_runtime::call::Call;
use shulian_runtime::events::Event;
use shulian_runtime::genesis::Genesis;
use shulian_runtime::{AccountId, Fen, Hash, Transaction};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Admission codes that refuse a transaction for what it is, whatever the moment and the node:
/// such a transaction can never be committed. (`stale_nonce`, `future_nonce`, `nonce_pending`,
/// `duplicate`, `mempool_full`, ... depend on the moment.)
pub const DEFINITIVE_REFUSALS: &[&str] =
    &["malformed", "too_large", "wrong_chain_id", "bad_signature", "non_canonical_signature", "wrong_crypto_suite"];

/// What a node answered to a submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// 202: in the node's mempool.
    Accepted,
    /// Refused with this error code.
    Refused(String),
    /// No answer (the node is down, paused or cut off) or not one of the API's.
    Unreachable(String),
}

/// What a node answered to `GET /api/tx/{hash}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxSeen {
    /// In the block at this height.
    Committed(u64),
    /// In the node's mempool.
    Pending,
    /// Admitted once, then dropped (with the reason's code).
    Rejected(String),
    /// 404: the node knows nothing of it.
    Unknown,
    /// No answer, or not one of the API's.
    Unreachable(String),
}

/// A balance as a node proved it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BalanceRead {
    /// The balance, fen.
    pub value: u64,
    /// The height whose state the node read.
    pub height: u64,
    /// That height's state root, as the node stated it.
    pub state_root: Hash,
    /// That height's block hash, as the node stated it.
    pub block_hash: Hash,
    /// Whether the Merkle proof took the key and value to `state_root`.
    pub proof_valid: bool,
}

/// What a node answered to a balance read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BalanceSeen {
    /// A value with its proof.
    Read(BalanceRead),
    /// 404: no state entry (a balance of zero is deleted from state).
    Absent,
    /// No answer, or not one of the API's.
    Unreachable(String),
}

/// What one operation did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpKind {
    /// `POST /api/tx`.
    Submit {
        /// The transaction.
        tx: Hash,
        /// The answer.
        outcome: SubmitOutcome,
    },
    /// `GET /api/tx/{hash}`.
    Status {
        /// The transaction.
        tx: Hash,
        /// The answer.
        seen: TxSeen,
    },
    /// `GET /api/proof/{balance key}`.
    Balance {
        /// Whose balance.
        account: AccountId,
        /// The answer.
        seen: BalanceSeen,
    },
}

/// One client operation against one node, with its start and end in ms since the history began.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Op {
    /// The client thread that issued it.
    pub client: usize,
    /// The node it was sent to (its index in the network).
    pub node: usize,
    /// When it was sent.
    pub start_ms: u64,
    /// When the answer (or the failure) came.
    pub end_ms: u64,
    /// What it was and what came back.
    pub kind: OpKind,
}

#[derive(Default)]
struct Record {
    ops: Vec<Op>,
    /// (node, ms): the node restarted from storage that had lost synced writes.
    data_loss: Vec<(usize, u64)>,
}

/// The shared record of every client's operations. Cloning it gives another handle to the same
/// record.
#[derive(Clone)]
pub struct History {
    record: Arc<Mutex<Record>>,
    t0: Instant,
    agent: ureq::Agent,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl History {
    /// An empty history whose clients give up on an answer after `timeout` (keep it short: a
    /// paused node answers nothing, and a client waiting on it records nothing else meanwhile).
    pub fn new(timeout: Duration) -> History {
        History { record: Arc::default(), t0: Instant::now(), agent: test_agent(timeout) }
    }

    /// Milliseconds since the history began.
    pub fn now_ms(&self) -> u64 {
        u64::try_from(self.t0.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// A client thread's handle: its operations carry `id`.
    pub fn client(&self, id: usize) -> Client {
        Client { id, history: self.clone() }
    }

    /// Adds an operation (the [`Client`] methods call this; tests build synthetic histories).
    pub fn push(&self, op: Op) {
        lock(&self.record).ops.push(op);
    }

    /// Notes that `node` is about to restart from storage that lost writes it had synced (its
    /// write-ahead log was truncated on purpose): its reads may go back in height after this.
    pub fn data_loss(&self, node: usize) {
        let at = self.now_ms();
        lock(&self.record).data_loss.push((node, at));
    }

    /// Every operation so far, in the order they were recorded.
    pub fn ops(&self) -> Vec<Op> {
        lock(&self.record).ops.clone()
    }

    /// Every data-loss mark so far: (node, ms).
    pub fn data_losses(&self) -> Vec<(usize, u64)> {
        lock(&self.record).data_loss.clone()
    }
}

/// One client thread's way to talk to nodes: each call does the request and records it.
pub struct Client {
    /// The client's id in the history.
    pub id: usize,
    history: History,
}

/// A GET's status code and body, or why there is none.
fn get_text(agent: &ureq::Agent, url: &str) -> Result<(u16, String), String> {
    let mut resp = agent.get(url).call().map_err(|e| e.to_string())?;
    let code = resp.status().as_u16();
    let body = resp.body_mut().read_to_string().map_err(|e| e.to_string())?;
    Ok((code, body))
}

fn parse<T: DeserializeOwned>(body: &str) -> Result<T, String> {
    serde_json::from_str(body).map_err(|e| format!("unexpected answer ({e}): {}", truncate(body)))
}

fn error_code(code: u16, body: &str) -> Result<String, String> {
    match serde_json::from_str::<ApiErrorBody>(body) {
        Ok(e) => Ok(e.error.code),
        Err(_) => Err(format!("{code} without an error body: {}", truncate(body))),
    }
}

fn truncate(s: &str) -> &str {
    s.get(..s.len().min(200)).unwrap_or(s)
}

impl Client {
    fn record(&self, node: usize, start_ms: u64, kind: OpKind) {
        let end_ms = self.history.now_ms();
        self.history.push(Op { client: self.id, node, start_ms, end_ms, kind });
    }

    /// Submits `tx` to node `node` at `url` (`POST /api/tx`) and records the answer.
    pub fn submit(&self, node: usize, url: &str, tx: &Transaction) -> SubmitOutcome {
        let start = self.history.now_ms();
        let outcome = match borsh::to_vec(tx) {
            Err(e) => SubmitOutcome::Unreachable(format!("cannot encode: {e}")),
            Ok(bytes) => {
                let body = serde_json::json!({ "tx": hex::encode(bytes) });
                match self.history.agent.post(format!("{url}/api/tx")).send_json(&body) {
                    Err(e) => SubmitOutcome::Unreachable(e.to_string()),
                    Ok(mut resp) => {
                        let code = resp.status().as_u16();
                        match resp.body_mut().read_to_string() {
                            Err(e) => SubmitOutcome::Unreachable(e.to_string()),
                            Ok(_) if code == 202 => SubmitOutcome::Accepted,
                            Ok(body) => match error_code(code, &body) {
                                Ok(c) => SubmitOutcome::Refused(c),
                                Err(e) => SubmitOutcome::Unreachable(e),
                            },
                        }
                    }
                }
            }
        };
        self.record(node, start, OpKind::Submit { tx: tx.hash(), outcome: outcome.clone() });
        outcome
    }

    /// Reads `tx`'s status on node `node` at `url` and records the answer.
    pub fn status(&self, node: usize, url: &str, tx: &Hash) -> TxSeen {
        let start = self.history.now_ms();
        let seen = match get_text(&self.history.agent, &format!("{url}/api/tx/{}", tx.to_hex())) {
            Err(e) => TxSeen::Unreachable(e),
            Ok((200, body)) => match parse::<TxStatusResponse>(&body) {
                Ok(TxStatusResponse::Committed { height, .. }) => TxSeen::Committed(height.0),
                Ok(TxStatusResponse::Pending { .. }) => TxSeen::Pending,
                Ok(TxStatusResponse::Rejected { reason, .. }) => TxSeen::Rejected(reason.code),
                Err(e) => TxSeen::Unreachable(e),
            },
            Ok((404, _)) => TxSeen::Unknown,
            Ok((code, body)) => TxSeen::Unreachable(format!("{code}: {}", truncate(&body))),
        };
        self.record(node, start, OpKind::Status { tx: *tx, seen: seen.clone() });
        seen
    }

    /// Reads `account`'s settlement balance with its proof on node `node` at `url` and records
    /// the answer (the proof is checked here, against the state root the node states).
    pub fn balance(&self, node: usize, url: &str, account: &AccountId) -> BalanceSeen {
        let start = self.history.now_ms();
        let key = shulian_contracts::settlement::balance_key(account);
        let path = format!("{url}/api/proof/{}", hex::encode(&key));
        let seen = match get_text(&self.history.agent, &path) {
            Err(e) => BalanceSeen::Unreachable(e),
            Ok((200, body)) => match parse::<ProofResponse>(&body).and_then(|p| balance_read(&key, &p)) {
                Ok(read) => BalanceSeen::Read(read),
                Err(e) => BalanceSeen::Unreachable(e),
            },
            Ok((404, _)) => BalanceSeen::Absent,
            Ok((code, body)) => BalanceSeen::Unreachable(format!("{code}: {}", truncate(&body))),
        };
        self.record(node, start, OpKind::Balance { account: *account, seen: seen.clone() });
        seen
    }
}

/// Decodes a proof answer for the balance key `key`.
fn balance_read(key: &[u8], p: &ProofResponse) -> Result<BalanceRead, String> {
    let value = hex::decode(&p.value).map_err(|e| format!("value is not hex: {e}"))?;
    let fen: Fen = borsh::from_slice(&value).map_err(|e| format!("value is not a balance: {e}"))?;
    let proof_valid = p.key == hex::encode(key) && p.proof.verify(&p.state_root, key, &value).is_ok();
    Ok(BalanceRead {
        value: fen.0,
        height: p.height.0,
        state_root: p.state_root,
        block_hash: p.block_hash,
        proof_valid,
    })
}

/// One committed transaction of the final chain, as far as the checker needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinalTx {
    /// Its hash.
    pub hash: Hash,
    /// Settlement money it moved: (account, signed amount in fen), from its events.
    pub moves: Vec<(AccountId, i128)>,
}

/// One block of the final chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinalBlock {
    /// Its height.
    pub height: u64,
    /// Its hash.
    pub hash: Hash,
    /// The state root after it.
    pub state_root: Hash,
    /// Its transactions, in order.
    pub txs: Vec<FinalTx>,
}

/// The chain every node agreed on at the end, with the genesis balances: what the history is
/// checked against.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FinalChain {
    /// Each organization's opening balance.
    pub genesis_balances: BTreeMap<AccountId, u64>,
    /// Blocks 1, 2, ... in order.
    pub blocks: Vec<FinalBlock>,
}

fn get<T: DeserializeOwned>(node: &DevNode, path: &str) -> anyhow::Result<T> {
    let v = node.get(path)?;
    serde_json::from_value(v).with_context(|| format!("{} GET {path}: not the documented answer", node.url))
}

/// The settlement money a transaction's events moved, or `None` if it did something the balance
/// model does not follow.
fn moves(call: &Call, events: &[Event]) -> Option<Vec<(AccountId, i128)>> {
    let mut out = Vec::new();
    for e in events {
        match e {
            Event::Transferred { from, to, amount } => {
                out.push((*from, -i128::from(amount.0)));
                out.push((*to, i128::from(amount.0)));
            }
            Event::Deposited { to, amount, .. } => out.push((*to, i128::from(amount.0))),
            Event::Withdrawn { from, amount, .. } => out.push((*from, -i128::from(amount.0))),
            // A settlement call's other events (a withdrawal request) move nothing.
            _ if matches!(call, Call::Settlement(_)) => {}
            _ => return None,
        }
    }
    Some(out)
}

impl FinalChain {
    /// Reads the genesis and blocks 1..=`height` from `node` (which must hold every block).
    /// Fails if a committed call moved money other than by a settlement transfer, deposit or
    /// withdrawal (market escrow, say): the balance model would not follow it.
    pub fn read(node: &DevNode, height: u64) -> anyhow::Result<FinalChain> {
        let genesis: Genesis = get(node, "/api/genesis")?;
        let genesis_balances = genesis.organizations.iter().map(|o| (o.account(), o.balance.0)).collect();
        let mut blocks = Vec::new();
        for h in 1..=height {
            let b: BlockResponse = get(node, &format!("/api/block/{h}"))?;
            let mut txs = Vec::new();
            for tx in &b.txs {
                let outcome = tx.outcome.as_ref().with_context(|| format!("block {h}: {} has no outcome", tx.hash))?;
                let moves = moves(&tx.call, &outcome.events).with_context(|| {
                    format!(
                        "block {h}: {} ({}) may move money the balance model does not follow",
                        tx.hash, tx.call_name
                    )
                })?;
                txs.push(FinalTx { hash: tx.hash, moves });
            }
            blocks.push(FinalBlock { height: h, hash: b.hash, state_root: b.header.state_root, txs });
        }
        Ok(FinalChain { genesis_balances, blocks })
    }

    /// The height of the last block.
    pub fn height(&self) -> u64 {
        self.blocks.len() as u64
    }

    /// Block `h` (1-based).
    fn block(&self, h: u64) -> Option<&FinalBlock> {
        let i = usize::try_from(h.checked_sub(1)?).ok()?;
        self.blocks.get(i)
    }

    /// `account`'s balance after each height 0..=height (index = height).
    fn balances(&self, account: &AccountId) -> Vec<i128> {
        let mut b = i128::from(self.genesis_balances.get(account).copied().unwrap_or(0));
        let mut out = vec![b];
        for block in &self.blocks {
            for tx in &block.txs {
                b += tx.moves.iter().filter(|(a, _)| a == account).map(|(_, d)| d).sum::<i128>();
            }
            out.push(b);
        }
        out
    }
}

/// A way the history contradicts the final chain (or itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Violation {
    /// A node reported `tx` committed at `height`; the chain does not hold it.
    LostCommit {
        /// The transaction.
        tx: Hash,
        /// The node that reported it.
        node: usize,
        /// The height it reported.
        height: u64,
    },
    /// A node reported `tx` committed at `reported`; the chain holds it at `actual`.
    WrongHeight {
        /// The transaction.
        tx: Hash,
        /// The node that reported it.
        node: usize,
        /// The height it reported.
        reported: u64,
        /// The chain's.
        actual: u64,
    },
    /// `tx` is in more than one block (or twice in one).
    Duplicate {
        /// The transaction.
        tx: Hash,
        /// Every height it is at.
        heights: Vec<u64>,
    },
    /// A node refused `tx` with a definitive error, yet it is in the chain.
    RefusedButCommitted {
        /// The transaction.
        tx: Hash,
        /// The node that refused it.
        node: usize,
        /// The refusal's code.
        code: String,
        /// Where the chain holds it.
        height: u64,
    },
    /// A read names a height above the final chain's top.
    BeyondChain {
        /// The node that served it.
        node: usize,
        /// The height it named.
        height: u64,
    },
    /// A read's state root or block hash is not the final chain's at its height.
    WrongRoot {
        /// The node that served it.
        node: usize,
        /// The height it named.
        height: u64,
    },
    /// A read's Merkle proof does not take its value to its state root.
    BadProof {
        /// The node that served it.
        node: usize,
        /// Whose balance.
        account: AccountId,
        /// The height it named.
        height: u64,
    },
    /// A balance read differs from the balance the final chain gives at its height.
    WrongBalance {
        /// The node that served it.
        node: usize,
        /// Whose balance.
        account: AccountId,
        /// The height it named.
        height: u64,
        /// The value read.
        read: u64,
        /// The final chain's.
        expected: i128,
    },
    /// A read issued after the client saw `tx` committed at `committed_at`, served at a height
    /// at or above it, misses exactly `tx`'s effect.
    StaleAfterCommit {
        /// The client.
        client: usize,
        /// The node that served the read.
        node: usize,
        /// The transaction the client had seen committed.
        tx: Hash,
        /// Where the client saw it committed.
        committed_at: u64,
        /// The height the read named.
        read_height: u64,
    },
    /// A balance read of a balance the final chain never had at zero found no entry.
    AbsentBalance {
        /// The node that served it.
        node: usize,
        /// Whose balance.
        account: AccountId,
    },
    /// One client's reads from one node went back in height with no data loss on that node.
    HeightWentBack {
        /// The client.
        client: usize,
        /// The node.
        node: usize,
        /// The height of the earlier read.
        from: u64,
        /// The height of the later one.
        to: u64,
    },
    /// A node reported `tx` committed, and later (to the same client, with no data loss on that
    /// node) not committed.
    CommitWentBack {
        /// The client.
        client: usize,
        /// The node.
        node: usize,
        /// The transaction.
        tx: Hash,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::LostCommit { tx, node, height } => {
                write!(f, "lost: node {node} reported {tx} committed at {height}; the final chain does not hold it")
            }
            Violation::WrongHeight { tx, node, reported, actual } => {
                write!(f, "node {node} reported {tx} committed at {reported}; the final chain holds it at {actual}")
            }
            Violation::Duplicate { tx, heights } => write!(f, "duplicated: {tx} is in blocks {heights:?}"),
            Violation::RefusedButCommitted { tx, node, code, height } => {
                write!(f, "node {node} refused {tx} for good ({code}), yet it is in block {height}")
            }
            Violation::BeyondChain { node, height } => {
                write!(f, "node {node} served a read at height {height}, above the final chain")
            }
            Violation::WrongRoot { node, height } => write!(
                f,
                "node {node} served a read at height {height} under a state root or block hash that is not the \
                 final chain's"
            ),
            Violation::BadProof { node, account, height } => {
                write!(f, "node {node}'s proof of {account}'s balance at height {height} does not verify")
            }
            Violation::WrongBalance { node, account, height, read, expected } => write!(
                f,
                "node {node} read {account}'s balance at height {height} as {read}; the final chain gives {expected}"
            ),
            Violation::StaleAfterCommit { client, node, tx, committed_at, read_height } => write!(
                f,
                "stale read: client {client} saw {tx} committed at {committed_at}, then node {node} served a read at \
                 height {read_height} without its effect"
            ),
            Violation::AbsentBalance { node, account } => {
                write!(f, "node {node} had no balance entry for {account}, which the final chain never took to zero")
            }
            Violation::HeightWentBack { client, node, from, to } => write!(
                f,
                "client {client}'s reads from node {node} went back from height {from} to {to} (no data loss there)"
            ),
            Violation::CommitWentBack { client, node, tx } => write!(
                f,
                "node {node} told client {client} {tx} was committed, then that it was not (no data loss there)"
            ),
        }
    }
}

/// What [`check`] counted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// Submissions recorded (every attempt, resends included).
    pub submissions: usize,
    /// Status reads that answered.
    pub status_reads: usize,
    /// Distinct transactions some node reported committed.
    pub committed_seen: usize,
    /// Balance reads with a value, each checked against the final chain.
    pub balance_reads: usize,
    /// Of those, reads issued after their client saw a transaction touching the account
    /// committed at or below the read's height (the "reflects T" check applied).
    pub reads_after_commit: usize,
    /// Reads that went back in height on a node after its data loss (allowed, counted).
    pub went_back_after_data_loss: usize,
    /// Transactions in the final chain.
    pub chain_txs: usize,
}

/// What [`check`] found: its figures and every violation.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The counts.
    pub figures: Figures,
    /// Every contradiction, in the order found.
    pub violations: Vec<Violation>,
}

impl Report {
    /// Ok, or an error listing the first violations.
    pub fn verdict(&self) -> anyhow::Result<()> {
        if self.violations.is_empty() {
            return Ok(());
        }
        let shown: Vec<String> = self.violations.iter().take(20).map(|v| format!("  {v}")).collect();
        bail!("the history contradicts the final chain ({} violations):\n{}", self.violations.len(), shown.join("\n"))
    }
}

/// Whether `node` lost data (a mark) between `from_ms` and `to_ms`.
fn lost_between(data_loss: &[(usize, u64)], node: usize, from_ms: u64, to_ms: u64) -> bool {
    data_loss.iter().any(|&(n, at)| n == node && at >= from_ms && at <= to_ms)
}

/// Checks `ops` (with the data-loss marks `data_loss`, (node, ms)) against `chain`: see the
/// module comment for what is checked.
pub fn check(ops: &[Op], data_loss: &[(usize, u64)], chain: &FinalChain) -> Report {
    let mut r = Report::default();
    // Where the chain holds each transaction.
    let mut at: BTreeMap<Hash, Vec<u64>> = BTreeMap::new();
    let mut effect: BTreeMap<Hash, &[(AccountId, i128)]> = BTreeMap::new();
    for b in &chain.blocks {
        for tx in &b.txs {
            at.entry(tx.hash).or_default().push(b.height);
            effect.insert(tx.hash, &tx.moves);
            r.figures.chain_txs += 1;
        }
    }
    for (tx, heights) in &at {
        if heights.len() > 1 {
            r.violations.push(Violation::Duplicate { tx: *tx, heights: heights.clone() });
        }
    }
    let mut balances: BTreeMap<AccountId, Vec<i128>> = BTreeMap::new();
    let mut committed_seen = BTreeSet::new();
    // Per (client, node): the last balance read's height and end, and the transactions it
    // reported committed (with when).
    let mut last_read: BTreeMap<(usize, usize), (u64, u64)> = BTreeMap::new();
    let mut committed_on: BTreeMap<(usize, usize, Hash), u64> = BTreeMap::new();
    // Per (client, account): the commits the client has seen that touch the account, (height, tx).
    let mut seen_touching: BTreeMap<(usize, AccountId), Vec<(u64, Hash)>> = BTreeMap::new();
    // A client's operations are sequential, so record order is time order per client; commits
    // seen are applied to later reads by end time.
    let mut by_client: BTreeMap<usize, Vec<&Op>> = BTreeMap::new();
    for op in ops {
        by_client.entry(op.client).or_default().push(op);
    }
    for (&client, ops) in &by_client {
        for op in ops {
            match &op.kind {
                OpKind::Submit { tx, outcome } => {
                    r.figures.submissions += 1;
                    if let SubmitOutcome::Refused(code) = outcome
                        && DEFINITIVE_REFUSALS.contains(&code.as_str())
                        && let Some(hs) = at.get(tx)
                    {
                        r.violations.push(Violation::RefusedButCommitted {
                            tx: *tx,
                            node: op.node,
                            code: code.clone(),
                            height: hs[0],
                        });
                    }
                }
                OpKind::Status { tx, seen } => {
                    if !matches!(seen, TxSeen::Unreachable(_)) {
                        r.figures.status_reads += 1;
                    }
                    let key = (client, op.node, *tx);
                    if let TxSeen::Committed(h) = seen {
                        committed_seen.insert(*tx);
                        match at.get(tx) {
                            None => r.violations.push(Violation::LostCommit { tx: *tx, node: op.node, height: *h }),
                            Some(hs) if !hs.contains(h) => r.violations.push(Violation::WrongHeight {
                                tx: *tx,
                                node: op.node,
                                reported: *h,
                                actual: hs[0],
                            }),
                            Some(_) => {}
                        }
                        committed_on.insert(key, op.end_ms);
                        for (account, _) in effect.get(tx).copied().unwrap_or_default() {
                            seen_touching.entry((client, *account)).or_default().push((*h, *tx));
                        }
                    } else if matches!(seen, TxSeen::Pending | TxSeen::Unknown | TxSeen::Rejected(_))
                        && let Some(&since) = committed_on.get(&key)
                        && !lost_between(data_loss, op.node, since, op.start_ms)
                    {
                        r.violations.push(Violation::CommitWentBack { client, node: op.node, tx: *tx });
                    }
                }
                OpKind::Balance { account, seen } => match seen {
                    BalanceSeen::Unreachable(_) => {}
                    BalanceSeen::Absent => {
                        let bal = balances.entry(*account).or_insert_with(|| chain.balances(account));
                        if !bal.contains(&0) {
                            r.violations.push(Violation::AbsentBalance { node: op.node, account: *account });
                        }
                    }
                    BalanceSeen::Read(read) => {
                        r.figures.balance_reads += 1;
                        let key = (client, op.node);
                        if let Some(&(h, end)) = last_read.get(&key)
                            && read.height < h
                        {
                            if lost_between(data_loss, op.node, end, op.start_ms) {
                                r.figures.went_back_after_data_loss += 1;
                            } else {
                                r.violations.push(Violation::HeightWentBack {
                                    client,
                                    node: op.node,
                                    from: h,
                                    to: read.height,
                                });
                            }
                        }
                        last_read.insert(key, (read.height, op.end_ms));
                        check_read(&mut r, chain, &mut balances, client, op, account, read, &seen_touching);
                    }
                },
            }
        }
    }
    r.figures.committed_seen = committed_seen.len();
    r
}

#[allow(clippy::too_many_arguments)]
fn check_read(
    r: &mut Report,
    chain: &FinalChain,
    balances: &mut BTreeMap<AccountId, Vec<i128>>,
    client: usize,
    op: &Op,
    account: &AccountId,
    read: &BalanceRead,
    seen_touching: &BTreeMap<(usize, AccountId), Vec<(u64, Hash)>>,
) {
    let node = op.node;
    if !read.proof_valid {
        r.violations.push(Violation::BadProof { node, account: *account, height: read.height });
    }
    if read.height > chain.height() {
        r.violations.push(Violation::BeyondChain { node, height: read.height });
        return;
    }
    if let Some(b) = chain.block(read.height)
        && (b.state_root != read.state_root || b.hash != read.block_hash)
    {
        r.violations.push(Violation::WrongRoot { node, height: read.height });
    }
    let bal = balances.entry(*account).or_insert_with(|| chain.balances(account));
    let Some(&expected) = usize::try_from(read.height).ok().and_then(|h| bal.get(h)) else {
        return;
    };
    // The commits this client saw (before this read) that touch the account, at or below the
    // read's height: the read must reflect each.
    let seen: Vec<&(u64, Hash)> = seen_touching
        .get(&(client, *account))
        .map(|v| v.iter().filter(|(h, _)| *h <= read.height).collect())
        .unwrap_or_default();
    if !seen.is_empty() {
        r.figures.reads_after_commit += 1;
    }
    if i128::from(read.value) == expected {
        return;
    }
    // Name a read that misses exactly one seen commit's effect as such.
    for (h, tx) in seen {
        let delta: i128 = chain
            .blocks
            .iter()
            .flat_map(|b| &b.txs)
            .filter(|t| t.hash == *tx)
            .flat_map(|t| &t.moves)
            .filter(|(a, _)| a == account)
            .map(|(_, d)| d)
            .sum();
        if delta != 0 && i128::from(read.value) == expected - delta {
            r.violations.push(Violation::StaleAfterCommit {
                client,
                node,
                tx: *tx,
                committed_at: *h,
                read_height: read.height,
            });
            return;
        }
    }
    r.violations.push(Violation::WrongBalance {
        node,
        account: *account,
        height: read.height,
        read: read.value,
        expected,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use shulian_runtime::smt::{Proof, key_hash, leaf_hash, value_hash};

    const A: AccountId = AccountId([1; 32]);
    const B: AccountId = AccountId([2; 32]);

    fn tx(n: u8) -> Hash {
        Hash([n; 32])
    }

    fn root(h: u64) -> Hash {
        Hash([100 + h as u8; 32])
    }

    fn block_hash(h: u64) -> Hash {
        Hash([200 + h as u8; 32])
    }

    fn transfer(n: u8, amount: i128) -> FinalTx {
        FinalTx { hash: tx(n), moves: vec![(A, -amount), (B, amount)] }
    }

    /// Genesis A 100, B 50; block 1: tx 1 moves 10 from A to B; block 2: tx 2 moves 5; block 3 is
    /// empty. A's balance by height: 100, 90, 85, 85.
    fn chain() -> FinalChain {
        let txs = [vec![transfer(1, 10)], vec![transfer(2, 5)], vec![]];
        FinalChain {
            genesis_balances: [(A, 100), (B, 50)].into(),
            blocks: txs
                .into_iter()
                .enumerate()
                .map(|(i, txs)| {
                    let height = i as u64 + 1;
                    FinalBlock { height, hash: block_hash(height), state_root: root(height), txs }
                })
                .collect(),
        }
    }

    /// Records operations with increasing times.
    struct Script {
        ops: Vec<Op>,
        t: u64,
    }

    impl Script {
        fn new() -> Script {
            Script { ops: Vec::new(), t: 0 }
        }

        fn op(&mut self, client: usize, node: usize, kind: OpKind) -> &mut Script {
            self.ops.push(Op { client, node, start_ms: self.t, end_ms: self.t + 5, kind });
            self.t += 10;
            self
        }

        fn submit(&mut self, node: usize, n: u8, outcome: SubmitOutcome) -> &mut Script {
            self.op(0, node, OpKind::Submit { tx: tx(n), outcome })
        }

        fn status(&mut self, node: usize, n: u8, seen: TxSeen) -> &mut Script {
            self.op(0, node, OpKind::Status { tx: tx(n), seen })
        }

        fn read(&mut self, node: usize, account: AccountId, height: u64, value: u64) -> &mut Script {
            let read = BalanceRead {
                value,
                height,
                state_root: root(height),
                block_hash: block_hash(height),
                proof_valid: true,
            };
            self.op(0, node, OpKind::Balance { account, seen: BalanceSeen::Read(read) })
        }

        fn read_with(&mut self, node: usize, read: BalanceRead) -> &mut Script {
            self.op(0, node, OpKind::Balance { account: A, seen: BalanceSeen::Read(read) })
        }

        fn check(&self) -> Report {
            check(&self.ops, &[], &chain())
        }
    }

    /// A history where everything the nodes said is true.
    fn good() -> Script {
        let mut s = Script::new();
        s.submit(0, 1, SubmitOutcome::Accepted)
            .status(0, 1, TxSeen::Pending)
            .status(0, 1, TxSeen::Committed(1))
            .read(0, A, 1, 90)
            .read(1, B, 1, 60)
            // A resend of a transaction committed meanwhile: refused, but not for good.
            .submit(1, 1, SubmitOutcome::Refused("stale_nonce".into()))
            .submit(2, 2, SubmitOutcome::Unreachable("connection refused".into()))
            .submit(1, 2, SubmitOutcome::Accepted)
            .status(1, 2, TxSeen::Committed(2))
            // A lagging node serves an older height: not stale, the read names its height.
            .read(2, A, 1, 90)
            .read(0, A, 3, 85)
            .read(1, B, 2, 65);
        s
    }

    fn only(report: &Report) -> &Violation {
        assert_eq!(report.violations.len(), 1, "{:?}", report.violations);
        &report.violations[0]
    }

    #[test]
    fn a_fault_schedule_history_that_matches_the_chain_passes() {
        let r = good().check();
        assert!(r.violations.is_empty(), "{:?}", r.violations);
        assert!(r.verdict().is_ok());
        assert_eq!(r.figures.submissions, 4);
        assert_eq!(r.figures.status_reads, 3);
        assert_eq!(r.figures.committed_seen, 2);
        assert_eq!(r.figures.balance_reads, 5);
        // Every read after the first commit touches A or B at or above height 1.
        assert_eq!(r.figures.reads_after_commit, 5);
        assert_eq!(r.figures.chain_txs, 2);
    }

    #[test]
    fn a_fault_schedule_history_with_a_lost_committed_tx_fails() {
        let mut s = good();
        s.status(3, 9, TxSeen::Committed(2));
        let r = s.check();
        assert_eq!(only(&r), &Violation::LostCommit { tx: tx(9), node: 3, height: 2 });
        assert!(r.verdict().is_err());
    }

    #[test]
    fn a_fault_schedule_history_reporting_another_height_fails() {
        let mut s = good();
        s.status(2, 1, TxSeen::Committed(2));
        assert_eq!(only(&s.check()), &Violation::WrongHeight { tx: tx(1), node: 2, reported: 2, actual: 1 });
    }

    #[test]
    fn a_fault_schedule_chain_with_a_duplicated_tx_fails() {
        let mut c = chain();
        c.blocks[2].txs.push(transfer(1, 10));
        let s = good();
        let r = check(&s.ops, &[], &c);
        assert!(r.violations.contains(&Violation::Duplicate { tx: tx(1), heights: vec![1, 3] }), "{:?}", r.violations);
        assert!(r.verdict().is_err());
    }

    #[test]
    fn a_fault_schedule_stale_read_after_a_seen_commit_fails() {
        let mut s = good();
        // Height 2 is served, but with A's balance before tx 2 (which the client saw at 2).
        s.read(3, A, 2, 90);
        assert_eq!(
            only(&s.check()),
            &Violation::StaleAfterCommit { client: 0, node: 3, tx: tx(2), committed_at: 2, read_height: 2 }
        );
    }

    #[test]
    fn a_fault_schedule_wrong_balance_read_fails() {
        let mut s = Script::new();
        s.read(0, A, 2, 84);
        assert_eq!(
            only(&s.check()),
            &Violation::WrongBalance { node: 0, account: A, height: 2, read: 84, expected: 85 }
        );
        // The value of another height is wrong too, even with no commit seen.
        let mut s = Script::new();
        s.read(0, A, 1, 85);
        assert!(matches!(only(&s.check()), Violation::WrongBalance { expected: 90, .. }));
    }

    #[test]
    fn a_fault_schedule_read_under_another_root_or_a_bad_proof_fails() {
        let read =
            BalanceRead { value: 85, height: 2, state_root: root(1), block_hash: block_hash(2), proof_valid: true };
        let mut s = Script::new();
        s.read_with(0, read.clone());
        assert_eq!(only(&s.check()), &Violation::WrongRoot { node: 0, height: 2 });
        let mut s = Script::new();
        s.read_with(0, BalanceRead { block_hash: block_hash(3), state_root: root(2), ..read.clone() });
        assert_eq!(only(&s.check()), &Violation::WrongRoot { node: 0, height: 2 });
        let mut s = Script::new();
        s.read_with(0, BalanceRead { state_root: root(2), proof_valid: false, ..read.clone() });
        assert_eq!(only(&s.check()), &Violation::BadProof { node: 0, account: A, height: 2 });
        let mut s = Script::new();
        s.read_with(1, BalanceRead { height: 4, state_root: root(4), block_hash: block_hash(4), ..read });
        assert_eq!(only(&s.check()), &Violation::BeyondChain { node: 1, height: 4 });
    }

    #[test]
    fn a_fault_schedule_tx_refused_for_good_must_never_be_committed() {
        let mut s = Script::new();
        s.submit(0, 2, SubmitOutcome::Refused("bad_signature".into()));
        assert_eq!(
            only(&s.check()),
            &Violation::RefusedButCommitted { tx: tx(2), node: 0, code: "bad_signature".into(), height: 2 }
        );
        let mut s = Script::new();
        for code in ["stale_nonce", "nonce_pending", "duplicate", "mempool_full", "future_nonce"] {
            s.submit(0, 2, SubmitOutcome::Refused(code.into()));
        }
        assert!(s.check().violations.is_empty());
    }

    #[test]
    fn a_fault_schedule_read_going_back_on_a_node_fails_unless_it_lost_data() {
        let mut s = Script::new();
        s.read(0, A, 3, 85).read(1, A, 1, 90).read(0, A, 2, 85);
        let r = s.check();
        assert_eq!(only(&r), &Violation::HeightWentBack { client: 0, node: 0, from: 3, to: 2 });
        // Another client may see node 0 at any height.
        let mut s = Script::new();
        s.read(0, A, 3, 85).op(
            1,
            0,
            OpKind::Balance {
                account: A,
                seen: BalanceSeen::Read(BalanceRead {
                    value: 90,
                    height: 1,
                    state_root: root(1),
                    block_hash: block_hash(1),
                    proof_valid: true,
                }),
            },
        );
        assert!(s.check().violations.is_empty());
        // Node 0 restarted from a truncated log between the two reads.
        let mut s = Script::new();
        s.read(0, A, 3, 85).read(0, A, 2, 85);
        let r = check(&s.ops, &[(0, 7)], &chain());
        assert!(r.violations.is_empty(), "{:?}", r.violations);
        assert_eq!(r.figures.went_back_after_data_loss, 1);
        // A loss on another node excuses nothing.
        let r = check(&s.ops, &[(1, 7)], &chain());
        assert!(matches!(only(&r), Violation::HeightWentBack { .. }));
    }

    #[test]
    fn a_fault_schedule_node_forgetting_a_commit_fails() {
        let mut s = Script::new();
        s.status(0, 1, TxSeen::Committed(1)).status(0, 1, TxSeen::Unknown);
        assert_eq!(only(&s.check()), &Violation::CommitWentBack { client: 0, node: 0, tx: tx(1) });
        let r = check(&s.ops, &[(0, 7)], &chain());
        assert!(r.violations.is_empty(), "{:?}", r.violations);
    }

    #[test]
    fn a_fault_schedule_absent_balance_fails_unless_it_was_ever_zero() {
        let mut s = Script::new();
        s.op(0, 0, OpKind::Balance { account: A, seen: BalanceSeen::Absent });
        assert_eq!(only(&s.check()), &Violation::AbsentBalance { node: 0, account: A });
        let mut c = chain();
        c.genesis_balances.insert(A, 0);
        assert!(check(&s.ops, &[], &c).violations.is_empty());
    }

    #[test]
    fn a_fault_schedule_balance_proof_is_checked_when_read() {
        let key = shulian_contracts::settlement::balance_key(&A);
        let value = borsh::to_vec(&Fen(85)).expect("a u64 encodes");
        // A tree of one key: its root is the key's leaf, with no siblings.
        let state_root = leaf_hash(&key_hash(&key), &value_hash(&value));
        let answer = ProofResponse {
            key: hex::encode(&key),
            value: hex::encode(&value),
            height: shulian_runtime::Height(2),
            state_root,
            block_hash: block_hash(2),
            proof: Proof { siblings: Vec::new() },
        };
        let read = balance_read(&key, &answer).expect("decodes");
        assert_eq!((read.value, read.height, read.proof_valid), (85, 2, true));
        let forged = ProofResponse { value: hex::encode(borsh::to_vec(&Fen(86)).expect("encodes")), ..answer.clone() };
        assert!(!balance_read(&key, &forged).expect("decodes").proof_valid);
        let other_key = shulian_contracts::settlement::balance_key(&B);
        assert!(!balance_read(&other_key, &answer).expect("decodes").proof_valid);
        assert!(balance_read(&key, &ProofResponse { value: "zz".into(), ..answer }).is_err());
    }

    #[test]
    fn a_fault_schedule_balance_model_follows_settlement_events_only() {
        let t = Event::Transferred { from: A, to: B, amount: Fen(3) };
        let transfer = Call::Settlement(shulian_runtime::call::SettlementCall::Transfer { to: B, amount: Fen(3) });
        assert_eq!(moves(&transfer, std::slice::from_ref(&t)), Some(vec![(A, -3), (B, 3)]));
        assert_eq!(moves(&transfer, &[]), Some(vec![]), "a failed call moves nothing");
        let reason = String::from("audit");
        let suspended =
            Event::OrgSuspended { org: A, reason: reason.clone(), proposal: shulian_runtime::ProposalId([0; 32]) };
        let orgs = Call::Orgs(shulian_runtime::call::OrgsCall::RegulatorSuspend { org: A, reason });
        assert_eq!(moves(&orgs, &[suspended]), None, "another contract's event is not followed");
    }
}
