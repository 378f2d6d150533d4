//! Prometheus metrics: the handles the node's subsystems update where events happen (one
//! [`Metrics`] per chain, shared by `Arc`), and `GET /metrics`, which renders them in the
//! Prometheus text format (0.0.4) with what is read at scrape time (peers, mempool, RocksDB
//! properties, free disk, the network's drop counters, the process's CPU and memory).
//! Every metric is listed in docs/operations.md ("Metrics"); a test keeps the two equal.
//! It must never change what it observes: a hook only counts, and a scrape only reads.

use crate::chain::Chain;
use crate::disk::DiskWatch;
use crate::network::NetStats;
use crate::storage::KvStore;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use shulian_consensus::Step;
use shulian_runtime::Block;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The path metrics are served at.
pub const METRICS_PATH: &str = "/metrics";
/// The prefix of every metric name.
pub const PREFIX: &str = "shulian";

/// Why a proposal was refused (the `reason` of `shulian_proposals_refused_total`).
const PROPOSAL_REFUSALS: &[&str] = &["stale_or_other_chain", "bad_proposer", "invalid_block"];
/// Why a vote was refused.
const VOTE_REFUSALS: &[&str] = &["stale_or_other_chain", "bad_signer_or_signature"];
/// Why an incoming connection was refused.
const PEER_REFUSALS: &[&str] = &["not_allowed", "too_many_from_ip", "banned", "limit"];

/// One label, e.g. `reason="bad_signature"`.
type Label = Vec<(&'static str, String)>;
/// A gauge holding a float.
type FloatGauge = Gauge<f64, AtomicU64>;

fn label(key: &'static str, value: impl Into<String>) -> Label {
    vec![(key, value.into())]
}

/// The metric handles updated by the node's subsystems (counters and gauges that change where
/// something happens). What is read at scrape time is not here: see [`Scrape`].
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Height of the last block this node stored.
    pub chain_height: Gauge,
    /// Ledger time of that block, seconds since the Unix epoch.
    pub last_block_timestamp: FloatGauge,
    /// Blocks committed (stored) by this node, by consensus or by block sync.
    pub blocks_committed: Counter,
    /// Transactions in those blocks.
    pub transactions_committed: Counter,
    /// Ledger time between consecutive committed blocks.
    pub block_interval: Histogram,
    /// Wall time from the start of a height in this node's consensus to its block decided.
    pub commit_latency: Histogram,
    /// Wall time of writing a decided block to the store.
    pub block_write: Histogram,
    /// The height consensus works on.
    pub consensus_height: Gauge,
    /// The round of that height.
    pub consensus_round: Gauge,
    /// The step of that round (0 propose, 1 prevote, 2 precommit).
    pub consensus_step: Gauge,
    /// Wall time this node's consensus spent in each step of a round, by step (the per-phase
    /// time of a height that `shulian-bench` reports beside `block_write`).
    pub consensus_step_time: Family<Label, Histogram>,
    /// Wall time of a synced write to the consensus log before signing or precommitting, by
    /// what was written (`vote`, `proposal`, `block`): it includes any wait behind other writes
    /// to the store, and consensus waits for it.
    pub consensus_log_write: Family<Label, Histogram>,
    /// Rounds that ended on the precommit timeout without a decision.
    pub rounds_failed: Counter,
    /// Proposals received from peers.
    pub proposals_received: Counter,
    /// Proposals refused, by reason.
    pub proposals_refused: Family<Label, Counter>,
    /// Votes received from peers.
    pub votes_received: Counter,
    /// Votes refused, by reason.
    pub votes_refused: Family<Label, Counter>,
    /// Transactions submitted to this node's API and refused, by error code.
    pub submissions_refused: Family<Label, Counter>,
    /// Transactions relayed by peers and refused at admission, by error code.
    pub relayed_refused: Family<Label, Counter>,
    /// Transactions relayed by peers ahead of their sender's next nonce, parked until the gap fills.
    pub relayed_parked: Counter,
    /// Incoming connections refused, by reason.
    pub peers_refused: Family<Label, Counter>,
    /// Equivocations (two conflicting votes of one validator) this node saw.
    pub equivocations: Counter,
    /// The ledger time of the previous committed block, ms (for `block_interval`).
    prev_block_ms: AtomicU64,
    /// Where consensus was at the last [`Metrics::consensus_at`] and since when (for
    /// `consensus_step_time`).
    step_since: std::sync::Mutex<Option<(StepAt, Instant)>>,
}

/// A height, round and step of consensus.
type StepAt = (u64, u32, Step);

/// The `what` labels of `consensus_log_write`.
pub const CONSENSUS_LOG_WRITES: [&str; 3] = ["vote", "proposal", "block"];

/// The `step` label of `consensus_step_time`.
fn step_name(step: Step) -> &'static str {
    match step {
        Step::Propose => "propose",
        Step::Prevote => "prevote",
        Step::Precommit => "precommit",
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Every handle at zero, registered under [`PREFIX`].
    pub fn new() -> Self {
        let mut r = Registry::with_prefix(PREFIX);
        let m = Metrics {
            registry: Registry::default(),
            chain_height: Gauge::default(),
            last_block_timestamp: FloatGauge::default(),
            blocks_committed: Counter::default(),
            transactions_committed: Counter::default(),
            // 50 ms .. about 100 s.
            block_interval: Histogram::new(exponential_buckets(0.05, 2.0, 12)),
            commit_latency: Histogram::new(exponential_buckets(0.05, 2.0, 12)),
            // 1 ms .. about 8 s.
            block_write: Histogram::new(exponential_buckets(0.001, 2.0, 14)),
            consensus_height: Gauge::default(),
            consensus_round: Gauge::default(),
            consensus_step: Gauge::default(),
            // 1 ms .. about 16 s.
            consensus_step_time: Family::new_with_constructor(|| Histogram::new(exponential_buckets(0.001, 2.0, 15))),
            // 0.25 ms .. about 4 s.
            consensus_log_write: Family::new_with_constructor(|| Histogram::new(exponential_buckets(0.00025, 2.0, 15))),
            rounds_failed: Counter::default(),
            proposals_received: Counter::default(),
            proposals_refused: Family::default(),
            votes_received: Counter::default(),
            votes_refused: Family::default(),
            submissions_refused: Family::default(),
            relayed_refused: Family::default(),
            relayed_parked: Counter::default(),
            peers_refused: Family::default(),
            equivocations: Counter::default(),
            prev_block_ms: AtomicU64::new(0),
            step_since: std::sync::Mutex::new(None),
        };
        r.register("chain_height", "Height of the last block this node stored", m.chain_height.clone());
        r.register_with_unit(
            "last_block_timestamp",
            "Ledger time of the last stored block, since the Unix epoch",
            Unit::Seconds,
            m.last_block_timestamp.clone(),
        );
        r.register(
            "blocks_committed",
            "Blocks this node committed (consensus or block sync)",
            m.blocks_committed.clone(),
        );
        r.register(
            "transactions_committed",
            "Transactions in the blocks this node committed",
            m.transactions_committed.clone(),
        );
        r.register_with_unit(
            "block_interval",
            "Ledger time between consecutive committed blocks (time per height)",
            Unit::Seconds,
            m.block_interval.clone(),
        );
        r.register_with_unit(
            "commit_latency",
            "Wall time from the start of a height in consensus to its block decided",
            Unit::Seconds,
            m.commit_latency.clone(),
        );
        r.register_with_unit(
            "block_write",
            "Wall time of writing a decided block to the store",
            Unit::Seconds,
            m.block_write.clone(),
        );
        r.register("consensus_height", "Height consensus works on", m.consensus_height.clone());
        r.register("consensus_round", "Round of the height consensus works on", m.consensus_round.clone());
        r.register("consensus_step", "Step of the round: 0 propose, 1 prevote, 2 precommit", m.consensus_step.clone());
        r.register_with_unit(
            "consensus_step_time",
            "Wall time consensus spent in a step of a round, by step (propose, prevote, precommit)",
            Unit::Seconds,
            m.consensus_step_time.clone(),
        );
        r.register_with_unit(
            "consensus_log_write",
            "Wall time of a synced consensus-log write consensus waited for, by what was written (vote, proposal, block)",
            Unit::Seconds,
            m.consensus_log_write.clone(),
        );
        r.register(
            "consensus_rounds_failed",
            "Rounds that ended on the precommit timeout without a decision",
            m.rounds_failed.clone(),
        );
        r.register("proposals_received", "Proposals received from peers", m.proposals_received.clone());
        r.register("proposals_refused", "Proposals refused, by reason", m.proposals_refused.clone());
        r.register("votes_received", "Votes received from peers", m.votes_received.clone());
        r.register("votes_refused", "Votes refused, by reason", m.votes_refused.clone());
        r.register(
            "submissions_refused",
            "Transactions submitted to this node and refused, by error code",
            m.submissions_refused.clone(),
        );
        r.register(
            "relayed_txs_refused",
            "Transactions relayed by peers and refused at admission, by error code (future_nonce: \
             an earlier nonce of the sender had not arrived and the park was full or the nonce too \
             far ahead; the transaction waits in its entry node's mempool for that node's turn to \
             propose)",
            m.relayed_refused.clone(),
        );
        r.register(
            "relayed_txs_parked",
            "Transactions relayed by peers a little ahead of their sender's next nonce, parked in the \
             mempool until the gap fills (by relay or by a block) instead of refused",
            m.relayed_parked.clone(),
        );
        r.register("peers_refused", "Incoming connections refused, by reason", m.peers_refused.clone());
        r.register(
            "equivocations",
            "Equivocations (conflicting votes of one validator) this node saw",
            m.equivocations.clone(),
        );
        // Every known reason at zero from the start: a rate over a series that appears with its
        // first event would miss that event.
        for reason in PROPOSAL_REFUSALS {
            let _ = m.proposals_refused.get_or_create(&label("reason", *reason));
        }
        for reason in VOTE_REFUSALS {
            let _ = m.votes_refused.get_or_create(&label("reason", *reason));
        }
        for reason in PEER_REFUSALS {
            let _ = m.peers_refused.get_or_create(&label("reason", *reason));
        }
        for step in [Step::Propose, Step::Prevote, Step::Precommit] {
            let _ = m.consensus_step_time.get_or_create(&label("step", step_name(step)));
        }
        for what in CONSENSUS_LOG_WRITES {
            let _ = m.consensus_log_write.get_or_create(&label("what", what));
        }
        let build = Family::<Label, Gauge>::default();
        build.get_or_create(&label("version", env!("CARGO_PKG_VERSION"))).set(1);
        r.register("build_info", "This node's version (the value is always 1)", build);
        Metrics { registry: r, ..m }
    }

    /// A synced consensus-log write of `what` (one of [`CONSENSUS_LOG_WRITES`]) that began at
    /// `started` has ended.
    pub fn consensus_log_written(&self, what: &'static str, started: Instant) {
        self.consensus_log_write.get_or_create(&label("what", what)).observe(started.elapsed().as_secs_f64());
    }

    /// A block was stored: `write_started` is when its write began.
    pub fn block_stored(&self, block: &Block, write_started: Instant) {
        let h = &block.header;
        self.block_write.observe(write_started.elapsed().as_secs_f64());
        self.blocks_committed.inc();
        self.transactions_committed.inc_by(block.txs.len() as u64);
        self.chain_height.set(i64::try_from(h.height.0).unwrap_or(i64::MAX));
        self.last_block_timestamp.set(h.timestamp_ms as f64 / 1_000.0);
        let prev = self.prev_block_ms.swap(h.timestamp_ms, Ordering::Relaxed);
        if prev > 0 && h.timestamp_ms > prev {
            self.block_interval.observe((h.timestamp_ms - prev) as f64 / 1_000.0);
        }
    }

    /// Sets the head this node opened its store at (no block counted).
    pub fn opened_at(&self, height: u64, timestamp_ms: u64) {
        self.chain_height.set(i64::try_from(height).unwrap_or(i64::MAX));
        self.last_block_timestamp.set(timestamp_ms as f64 / 1_000.0);
        self.prev_block_ms.store(timestamp_ms, Ordering::Relaxed);
    }

    /// Where consensus is. When that changed since the last call, the step it left is timed
    /// into `consensus_step_time` (the clock is read only on a change).
    pub fn consensus_at(&self, height: u64, round: u32, step: Step) {
        let now_at = (height, round, step);
        if let Ok(mut since) = self.step_since.lock() {
            match *since {
                Some((at, _)) if at == now_at => {}
                prev => {
                    let now = Self::start_timer();
                    if let Some(((_, _, left), t)) = prev {
                        let h = self.consensus_step_time.get_or_create(&label("step", step_name(left)));
                        h.observe(now.saturating_duration_since(t).as_secs_f64());
                    }
                    *since = Some((now_at, now));
                }
            }
        }
        self.consensus_height.set(i64::try_from(height).unwrap_or(i64::MAX));
        self.consensus_round.set(i64::from(round));
        self.consensus_step.set(match step {
            Step::Propose => 0,
            Step::Prevote => 1,
            Step::Precommit => 2,
        });
    }

    /// A consensus message arrived from a peer.
    pub fn received(&self, msg: &crate::network::wire::WireMsg) {
        use crate::network::wire::WireMsg;
        match msg {
            WireMsg::Proposal(_) => self.proposals_received.inc(),
            WireMsg::Vote(_) => self.votes_received.inc(),
            _ => 0,
        };
    }

    /// A proposal was refused for `reason`.
    pub fn proposal_refused(&self, reason: &'static str) {
        self.proposals_refused.get_or_create(&label("reason", reason)).inc();
    }

    /// A vote was refused for `reason`.
    pub fn vote_refused(&self, reason: &'static str) {
        self.votes_refused.get_or_create(&label("reason", reason)).inc();
    }

    /// A submitted transaction was refused with error `code`.
    pub fn submission_refused(&self, code: &str) {
        self.submissions_refused.get_or_create(&label("code", code)).inc();
    }

    /// A transaction a peer relayed was refused at admission with `code`.
    pub fn relayed_refused(&self, code: &str) {
        self.relayed_refused.get_or_create(&label("code", code)).inc();
    }

    /// An incoming connection was refused for `reason`.
    pub fn peer_refused(&self, reason: &'static str) {
        self.peers_refused.get_or_create(&label("reason", reason)).inc();
    }

    /// When something timed began (a clock read for metrics only).
    #[expect(clippy::disallowed_methods, reason = "metrics time block writes; nothing acts on it")]
    pub fn start_timer() -> Instant {
        Instant::now()
    }
}

/// What `/metrics` reads at scrape time besides the [`Metrics`] handles.
#[derive(Clone)]
pub struct Scrape {
    /// The chain (its metrics, peers, mempool).
    pub chain: Arc<Chain>,
    /// The store, for RocksDB's properties.
    pub kv: Arc<dyn KvStore>,
    /// The free-space watch of the database's file system.
    pub disk: Option<DiskWatch>,
    /// The network's drop and refusal counters.
    pub net: Option<Arc<NetStats>>,
}

/// Most scrapes rendered at once: each reads RocksDB's properties and /proc on a blocking thread,
/// so a flood of requests must not take them all.
pub const MAX_SCRAPES: usize = 4;

/// The router serving [`METRICS_PATH`].
pub fn router(scrape: Scrape) -> Router {
    let permits = Arc::new(tokio::sync::Semaphore::new(MAX_SCRAPES));
    Router::new().route(METRICS_PATH, axum::routing::get(serve)).with_state((scrape, permits))
}

async fn serve(State((s, permits)): State<(Scrape, Arc<tokio::sync::Semaphore>)>) -> Response {
    let Ok(permit) = permits.try_acquire_owned() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "too many scrapes at once\n").into_response();
    };
    let rendered = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        render(&s)
    });
    match rendered.await {
        Ok(Ok(body)) => ([(header::CONTENT_TYPE, prometheus_text::CONTENT_TYPE)], body).into_response(),
        Ok(Err(e)) => {
            tracing::error!(target: "metrics", error = %e, "cannot render the metrics");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        Err(e) => {
            tracing::error!(target: "metrics", error = %e, "metrics task failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Every metric in the Prometheus text format.
pub fn render(s: &Scrape) -> Result<String, std::fmt::Error> {
    let mut out = String::with_capacity(16 * 1024);
    prometheus_text::encode(&mut out, &s.chain.metrics().registry)?;
    prometheus_text::encode(&mut out, &live(s))?;
    Ok(out)
}

fn gauge(r: &mut Registry, name: &str, help: &str, v: i64) {
    let g = Gauge::<i64>::default();
    g.set(v);
    r.register(name, help, g);
}

fn gauge_u(r: &mut Registry, name: &str, help: &str, unit: Option<Unit>, v: u64) {
    let g = Gauge::<i64>::default();
    g.set(i64::try_from(v).unwrap_or(i64::MAX));
    match unit {
        Some(u) => r.register_with_unit(name, help, u, g),
        None => r.register(name, help, g),
    }
}

fn counter(r: &mut Registry, name: &str, help: &str, v: u64) {
    let c = Counter::<u64>::default();
    c.inc_by(v);
    r.register(name, help, c);
}

fn counter_family(r: &mut Registry, name: &str, help: &str, key: &'static str, values: &[(&str, u64)]) {
    let f = Family::<Label, Counter>::default();
    for (l, v) in values {
        f.get_or_create(&label(key, *l)).inc_by(*v);
    }
    r.register(name, help, f);
}

/// A registry of what is read now: built for one scrape.
fn live(s: &Scrape) -> Registry {
    let mut r = Registry::with_prefix(PREFIX);
    let chain = &s.chain;
    let snap = chain.peer_view().snapshot();
    let own = chain.head().height;
    let peers = Family::<Label, Gauge>::default();
    peers.get_or_create(&label("kind", "validator")).set(i64::from(snap.validators_connected));
    peers
        .get_or_create(&label("kind", "observer"))
        .set(i64::from(snap.connected.saturating_sub(snap.validators_connected)));
    r.register("peers_connected", "Peers connected now, by kind (a genesis validator or not)", peers);
    gauge_u(
        &mut r,
        "voting_power_connected",
        "Voting power of the connected validators plus this node's own",
        None,
        snap.power_reachable,
    );
    gauge_u(&mut r, "validator_set_power", "Total voting power of the validator set", None, snap.total_power);
    gauge_u(
        &mut r,
        "peers_best_height",
        "Highest head a peer announced recently (this node's own height when none did)",
        None,
        snap.best_peer_height.map_or(own.0, |h| h.0.max(own.0)),
    );
    gauge(
        &mut r,
        "ready",
        "1 when GET /ready answers ready (caught up, a quorum connected), else 0",
        i64::from(crate::health::readiness(&snap, own).is_ok()),
    );
    let role = Family::<Label, Gauge>::default();
    role.get_or_create(&label("role", if snap.own_power > 0 { "validator" } else { "observer" })).set(1);
    r.register("role", "This node's role (the value is always 1)", role);

    let (txs, bytes) = chain.mempool_usage();
    let limits = chain.limits().mempool;
    gauge_u(&mut r, "mempool_transactions", "Transactions pending in the mempool", None, txs as u64);
    gauge_u(&mut r, "mempool", "Bytes of the transactions pending in the mempool", Some(Unit::Bytes), bytes as u64);
    gauge_u(&mut r, "mempool_max_transactions", "Most transactions the mempool holds", None, limits.max_txs as u64);
    gauge_u(&mut r, "mempool_max", "Most bytes the mempool holds", Some(Unit::Bytes), limits.max_bytes as u64);

    if let Some(d) = &s.disk {
        if let Some(reading) = d.last() {
            gauge_u(
                &mut r,
                "disk_free",
                "Free bytes on the database's file system (read every 30 s)",
                Some(Unit::Bytes),
                reading.free_bytes,
            );
        }
        gauge_u(
            &mut r,
            "disk_min_free",
            "The configured min_free_disk_bytes (0: no warning)",
            Some(Unit::Bytes),
            d.min_free_bytes(),
        );
    }

    if let Some(n) = &s.net {
        let n = n.snapshot();
        counter_family(
            &mut r,
            "network_relayed_txs_dropped",
            "Relayed transactions dropped before admission, by reason",
            "reason",
            &[("peer_share", n.relayed_txs_dropped_peer_share), ("queue_full", n.relayed_txs_dropped_queue_full)],
        );
        counter(
            &mut r,
            "network_api_txs_not_relayed",
            "Transactions admitted through the API but not relayed (queue full)",
            n.api_txs_not_relayed,
        );
        counter_family(
            &mut r,
            "network_consensus_messages_dropped",
            "Consensus messages dropped before the consensus queue, by reason",
            "reason",
            &[("peer_share", n.consensus_dropped_peer_share), ("queue_full", n.consensus_dropped_queue_full)],
        );
        counter(
            &mut r,
            "network_messages_refused",
            "Messages refused: over their size cap, undecodable or over the limits",
            n.messages_refused,
        );
        counter(
            &mut r,
            "network_outbound_dropped",
            "Messages not sent: the command queue or the peer's outbound share was full",
            n.outbound_dropped,
        );
        counter(
            &mut r,
            "network_sync_serves_refused",
            "Block-sync requests not served (too many serves running)",
            n.sync_serves_refused,
        );
        counter(&mut r, "network_peers_banned", "Peers banned for serving invalid data", n.peers_banned);
    }

    rocksdb(&mut r, s.kv.as_ref());
    process(&mut r);
    r
}

/// Each column family's sizes and compaction state, from RocksDB's properties (no compaction).
fn rocksdb(r: &mut Registry, kv: &dyn KvStore) {
    let (Ok(sizes), Ok(compactions)) = (kv.column_stats(false), kv.compaction_stats()) else { return };
    let fam = || Family::<Label, Gauge>::default();
    let (live, total, mem, keys, readers) = (fam(), fam(), fam(), fam(), fam());
    for c in &sizes {
        let l = label("cf", c.column.clone());
        readers.get_or_create(&l).set(i64::try_from(c.table_readers_bytes).unwrap_or(i64::MAX));
        live.get_or_create(&l).set(i64::try_from(c.live_sst_bytes).unwrap_or(i64::MAX));
        total.get_or_create(&l).set(i64::try_from(c.total_sst_bytes).unwrap_or(i64::MAX));
        mem.get_or_create(&l).set(i64::try_from(c.memtable_bytes).unwrap_or(i64::MAX));
        keys.get_or_create(&l).set(i64::try_from(c.estimated_keys).unwrap_or(i64::MAX));
    }
    r.register_with_unit("rocksdb_live_sst", "Bytes of a column family's current table files", Unit::Bytes, live);
    r.register_with_unit(
        "rocksdb_total_sst",
        "Bytes of all a column family's table files (some still held)",
        Unit::Bytes,
        total,
    );
    r.register_with_unit("rocksdb_memtable", "Bytes in a column family's memtables", Unit::Bytes, mem);
    r.register("rocksdb_estimated_keys", "Keys in a column family, as RocksDB estimates them", keys);
    r.register_with_unit(
        "rocksdb_table_readers",
        "Bytes of a column family's table index and filter blocks held outside the block cache",
        Unit::Bytes,
        readers,
    );
    let (pending_bytes, pending, running, l0) = (fam(), fam(), fam(), fam());
    for c in &compactions {
        let l = label("cf", c.column.clone());
        pending_bytes.get_or_create(&l).set(i64::try_from(c.pending_compaction_bytes).unwrap_or(i64::MAX));
        pending.get_or_create(&l).set(i64::from(c.compaction_pending));
        running.get_or_create(&l).set(i64::try_from(c.running_compactions).unwrap_or(i64::MAX));
        l0.get_or_create(&l).set(i64::try_from(c.level0_files).unwrap_or(i64::MAX));
    }
    r.register_with_unit(
        "rocksdb_pending_compaction",
        "Bytes RocksDB estimates compaction must rewrite to bring a column family's levels to their targets",
        Unit::Bytes,
        pending_bytes,
    );
    r.register("rocksdb_compaction_pending", "1 when a compaction of the column family is pending", pending);
    r.register("rocksdb_running_compactions", "Compactions running now", running);
    r.register("rocksdb_level0_files", "Table files at level 0 (many: writes outrun compaction)", l0);
}

/// Linux's clock ticks per second in /proc/self/stat (USER_HZ, 100 on every Linux architecture
/// the node runs on).
const USER_HZ: f64 = 100.0;

/// CPU time (user + system) and resident memory of this process, from /proc on Linux.
fn process(r: &mut Registry) {
    if let Some(cpu) = std::fs::read_to_string("/proc/self/stat").ok().and_then(|s| cpu_seconds(&s)) {
        let c = Counter::<f64, AtomicU64>::default();
        c.inc_by(cpu);
        r.register_with_unit("process_cpu", "CPU time this process used (user + system)", Unit::Seconds, c);
    }
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        if let Some(rss) = status_kb(&status, "VmRSS:") {
            gauge_u(r, "process_resident_memory", "Resident memory of this process", Some(Unit::Bytes), rss * 1024);
        }
        if let Some(threads) = status_kb(&status, "Threads:") {
            gauge_u(r, "process_threads", "Threads of this process", None, threads);
        }
    }
}

/// utime + stime of a /proc/PID/stat line, in seconds (fields 14 and 15; the command name in
/// field 2 may hold spaces, so fields are counted after its closing parenthesis).
fn cpu_seconds(stat: &str) -> Option<f64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After ")": field 3 is f[0], so field 14 is f[11] and 15 is f[12].
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / USER_HZ)
}

/// The number of a /proc/PID/status line starting with `key` (kB for memory lines).
fn status_kb(status: &str, key: &str) -> Option<u64> {
    status.lines().find_map(|l| l.strip_prefix(key)).and_then(|v| v.split_whitespace().next()?.parse().ok())
}

#[cfg(test)]
mod tests;
