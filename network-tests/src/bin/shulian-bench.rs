//! `shulian-bench`: a repeatable load benchmark. It measures this machine's ceilings (ed25519,
//! blake3, borsh), starts an N-validator network on loopback, signs a realistic workload ahead of
//! time, offers it at a fixed rate (or as fast as accepted), and reports committed tx/s, commit
//! latency, block time, CPU and peak memory per node, bytes on disk per 1000 transactions, the
//! steady-state bytes per committed transaction per node by column family (after a full
//! compaction, `bench/disk.rs`), the per-phase time of a height from the nodes' own metrics
//! (`shulian_network_tests::phases`), and whether every node ends with the same state root. `--overload` offers three times the rate
//! and checks that back-pressure refuses the excess, memory stays bounded and nothing is lost.
//! Only 127.0.0.1 is ever contacted.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

#[path = "../bench/disk.rs"]
mod disk;
#[path = "../bench/flame.rs"]
mod flame;
#[path = "../bench/limits.rs"]
mod limits;
#[path = "../bench/submit.rs"]
mod submit;
#[path = "../bench/workload.rs"]
mod workload;

use anyhow::{Context, bail};
use clap::Parser;
use serde::Serialize;
use serde_json::Value;
use shulian_network_tests::tail::percentile;
use shulian_network_tests::{DevNode, checker, phases, procfs, request, tail, testnet};
use shulian_runtime::SecretKey;
use shulian_runtime::keyfile::KeyFile;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use workload::SenderQueue;

/// Load benchmark of an N-validator Shulian network on this machine.
#[derive(Parser, Debug, Clone)]
#[command(name = "shulian-bench")]
struct Args {
    /// Validators to start.
    #[arg(long, default_value_t = 4)]
    validators: usize,
    /// The network's crypto suite: `ed25519-blake3` (default) or `sm2-sm3` (national commercial
    /// cryptography): the genesis, every key, signature and hash, and the limits measured.
    #[arg(long, env = "SHULIAN_CRYPTO")]
    crypto: Option<shulian_runtime::suite::CryptoSuite>,
    /// Sender organizations (each signs its own nonce sequence).
    #[arg(long, default_value_t = 256)]
    senders: usize,
    /// Measured seconds (after the warm-up).
    #[arg(long, default_value_t = 30)]
    duration: u64,
    /// Warm-up seconds at the same rate, not measured.
    #[arg(long, default_value_t = 5)]
    warmup: u64,
    /// Offered transactions per second over all nodes; 0 = as fast as the nodes accept.
    #[arg(long, default_value_t = 5000)]
    rate: u64,
    /// Load transactions to sign when `--rate 0`.
    #[arg(long, default_value_t = 300_000)]
    max_txs: usize,
    /// Transactions per HTTP request.
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Submitter threads per node for the load (each waits for its request's answer): more
    /// than one lets `--overload` offer more than a node's API takes.
    #[arg(long, default_value_t = 1)]
    submitters_per_node: usize,
    /// Offer 3x `--rate` and check back-pressure, memory and that nothing accepted is lost.
    #[arg(long)]
    overload: bool,
    /// The nodes' `block_interval_ms`.
    #[arg(long, default_value_t = 200)]
    block_interval_ms: u64,
    /// The nodes' `snapshot_interval` (blocks between state snapshots; 0 takes none); the
    /// node's default when not given.
    #[arg(long)]
    snapshot_interval: Option<u64>,
    /// The nodes' `mempool_max_txs`.
    #[arg(long, default_value_t = 50_000)]
    mempool_max_txs: usize,
    /// Seconds per machine-limit measurement (0 skips them).
    #[arg(long, default_value_t = 1.0)]
    limit_secs: f64,
    /// Write the report as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Keep the network's folder here instead of a temporary one (with `--at-capacity`, its two
    /// runs' folders: `capacity/` and `at-capacity/`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Skip the disk-per-transaction measurement (two full compactions of every node's database,
    /// before and after the load, with `shulian-node db-stats`).
    #[arg(long)]
    skip_disk_stats: bool,
    /// Find the network's capacity first (a run as fast as the nodes accept, `--rate 0`, without
    /// the machine-limit and disk measurements), then measure at this fraction of it, e.g. 0.7
    /// for the latency at 70 % of capacity; `--rate` is then not used.
    #[arg(long)]
    at_capacity: Option<f64>,
    /// Profile node 0 over the measured window with `perf` (sampling at 199 Hz, DWARF call
    /// stacks) and draw a flame graph of it here (an SVG, rendered by `flamegraph` from the
    /// profile tools, `make profile-deps`; `make flamegraph` does all of it).
    #[arg(long)]
    flamegraph: Option<PathBuf>,
    /// Sign the load while it is sent instead of before the nodes start (each submitter thread
    /// signs its senders' next transactions as it goes, about 6% of 2 cores at 5 000 tx/s): for
    /// runs whose load would not fit in memory, such as the hour-long one. Latencies are then
    /// sampled (one accepted transaction in 50) and blocks are counted from `/api/blocks`.
    #[arg(long)]
    stream: bool,
    /// Also report the committed rate, p99 latency and largest node's peak resident set (sampled
    /// every second) of each window of this many seconds of the measured time, and check that the
    /// last window's rate is within 5% of the first's and that every window's p99 is under 1.5 s
    /// (issue 25's hour-long target, with 600).
    #[arg(long, default_value_t = 0)]
    window_secs: u64,
    /// The capacity found by an `--at-capacity` run's first run (reported with the second).
    #[arg(skip)]
    capacity: Option<f64>,
}

#[derive(Serialize, Default)]
struct NodeStats {
    node: usize,
    cpu_percent_of_one_core: f64,
    peak_rss_mib: f64,
    rss_end_mib: f64,
    disk_bytes_end: u64,
    height: u64,
}

/// One window of the measured time (`--window-secs`).
#[derive(Serialize, Default, Clone)]
struct WindowStats {
    /// Seconds into the measured time at which it starts.
    start_s: u64,
    committed_tx_per_s: f64,
    latency_ms_p99: f64,
    latency_samples: usize,
    /// The largest resident set of any node in the window (`VmRSS`, sampled every second).
    peak_rss_mib: f64,
}

#[derive(Serialize, Default)]
struct Report {
    crypto: String,
    machine_cores: usize,
    validators: usize,
    senders: usize,
    mode: String,
    offered_rate: u64,
    measured_seconds: f64,
    offered_txs: u64,
    accepted_txs: u64,
    accepted_by_kind: BTreeMap<String, u64>,
    refused: BTreeMap<String, u64>,
    refusal_examples: BTreeMap<String, String>,
    committed_txs_in_window: u64,
    committed_tx_per_s: f64,
    latency_ms_p50: f64,
    latency_ms_p95: f64,
    latency_ms_p99: f64,
    latency_samples: usize,
    /// Where the latency goes: blocks waited, and whose proposal carried the transaction.
    latency_tail: tail::Breakdown,
    /// How long a node took to answer a request of `--batch` transactions (admission: decoding,
    /// signature checks, the mempool), p50 and p99 over the measured time's requests: the part
    /// of the commit latency spent before a transaction is in a mempool.
    submit_answer_ms_p50: f64,
    submit_answer_ms_p99: f64,
    block_time_ms_mean: f64,
    block_time_ms_p50: f64,
    txs_per_block_mean: f64,
    blocks_in_window: usize,
    bytes_on_disk_per_1000_txs: f64,
    disk: Option<disk::DiskReport>,
    nodes: Vec<NodeStats>,
    state_roots_equal: bool,
    compared_height: u64,
    state_root: String,
    all_accepted_committed: Option<bool>,
    max_peak_rss_mib: f64,
    limits: Option<limits::Limits>,
    verify_ceiling_tx_per_s: Option<f64>,
    fraction_of_verify_ceiling: Option<f64>,
    /// With `--at-capacity`: the capacity over the verification ceiling measured in this run.
    capacity_fraction_of_verify_ceiling: Option<f64>,
    /// With `--at-capacity`: the committed rate of the capacity run.
    capacity_tx_per_s: Option<f64>,
    /// Mean ms per committed height of each phase in the window (the nodes' own metrics).
    phases: phases::PhaseTimes,
    /// With `--window-secs`: each window of the measured time.
    windows: Vec<WindowStats>,
    verdicts: Vec<String>,
}

fn main() {
    if let Err(e) = bench(Args::parse()) {
        eprintln!("shulian-bench: {e:#}");
        std::process::exit(1);
    }
}

/// One run, or with `--at-capacity` the capacity run and then the run at that fraction of it.
fn bench(args: Args) -> anyhow::Result<()> {
    let Some(fraction) = args.at_capacity else {
        return run(args).map(|_| ());
    };
    if !(fraction > 0.0 && fraction <= 1.0) || args.overload {
        bail!("--at-capacity takes a fraction in (0, 1] (e.g. 0.7), and not with --overload");
    }
    eprintln!("bench: finding the capacity (a run as fast as the nodes accept) ...");
    // Each run's network in its own folder under --out (a network folder must start empty).
    let out = |sub: &str| args.out.as_ref().map(|o| o.join(sub));
    let probe = Args {
        rate: 0,
        json: None,
        skip_disk_stats: true,
        limit_secs: 0.0,
        at_capacity: None,
        out: out("capacity"),
        ..args.clone()
    };
    let capacity = run(probe)?;
    let rate = (capacity * fraction).round() as u64;
    if rate == 0 {
        bail!("the capacity run committed {capacity:.0} tx/s: nothing to take {fraction} of");
    }
    eprintln!("bench: capacity {capacity:.0} tx/s; now {rate} tx/s offered, {:.0} % of it", fraction * 100.0);
    run(Args { rate, at_capacity: Some(fraction), capacity: Some(capacity), out: out("at-capacity"), ..args })?;
    Ok(())
}

fn demo_key(dir: &Path, name: &str) -> anyhow::Result<SecretKey> {
    let text = std::fs::read_to_string(dir.join("keys").join(format!("{name}.json")))
        .with_context(|| format!("no demo key {name} in {}", dir.display()))?;
    let f: KeyFile = serde_json::from_str(&text)?;
    Ok(f.decrypt("dev")?)
}

/// Sets block interval, mempool size and snapshot interval in each node's `config.toml`.
fn configure(home: &Path, args: &Args) -> anyhow::Result<()> {
    let path = home.join("config.toml");
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut cfg: toml::Table = text.parse()?;
    cfg.insert("block_interval_ms".into(), toml::Value::Integer(args.block_interval_ms as i64));
    cfg.insert("mempool_max_txs".into(), toml::Value::Integer(args.mempool_max_txs as i64));
    if let Some(n) = args.snapshot_interval {
        cfg.insert("snapshot_interval".into(), toml::Value::Integer(i64::try_from(n)?));
    }
    std::fs::write(&path, toml::to_string(&cfg)?)?;
    Ok(())
}

fn status(node: &DevNode) -> anyhow::Result<Value> {
    node.get("/api/status")
}

fn height(node: &DevNode) -> u64 {
    status(node).ok().and_then(|s| s["height"].as_u64()).unwrap_or(0)
}

/// The queues grouped by the node they are sent to (an account's nonces go to one node).
fn by_node(queues: Vec<SenderQueue>, nodes: usize) -> Vec<Vec<SenderQueue>> {
    let mut out: Vec<Vec<SenderQueue>> = (0..nodes).map(|_| Vec::new()).collect();
    for q in queues {
        let n = q.node % nodes;
        out[n].push(q);
    }
    out
}

/// `per_node` submitter threads per node (at least one), each sending its share of that node's
/// queues (whole queues: an account's nonces stay in one thread, in order) at its share of
/// `cfg.rate`, with `cfg` (its URL filled in). One thread waits for each answer before it sends
/// the next batch, so one per node cannot offer more than a node's API takes; `--overload` at a
/// high rate needs more.
fn spawn_submitters<'s>(
    s: &'s std::thread::Scope<'s, '_>,
    nodes: &[DevNode],
    queues: Vec<Vec<SenderQueue>>,
    cfg: &submit::SubmitConfig,
    per_node: usize,
    stop: &Arc<AtomicBool>,
) -> Vec<(usize, std::thread::ScopedJoinHandle<'s, submit::SubmitReport>)> {
    let per_node = per_node.max(1);
    let mut handles = Vec::new();
    for (i, qs) in queues.into_iter().enumerate() {
        let mut shares: Vec<Vec<SenderQueue>> = (0..per_node).map(|_| Vec::new()).collect();
        for (k, q) in qs.into_iter().enumerate() {
            shares[k % per_node].push(q);
        }
        // A node with fewer accounts than threads gets fewer threads, each with more of the rate.
        shares.retain(|q| !q.is_empty());
        let rate = cfg.rate / shares.len().max(1) as f64;
        for share in shares {
            let cfg = submit::SubmitConfig { url: nodes[i].url.clone(), rate, ..cfg.clone() };
            let stop = stop.clone();
            handles.push((i, s.spawn(move || submit::run(cfg, share, stop))));
        }
    }
    handles
}

/// Transactions pending in all mempools (a node that does not answer counts as one pending).
fn pending_txs(nodes: &[DevNode]) -> u64 {
    nodes.iter().map(|n| status(n).map(|s| s["mempool_txs"].as_u64().unwrap_or(0)).unwrap_or(1)).sum()
}

/// Sends the queues (each wholly, in order) and waits until every node's mempool is empty and
/// every queue's account has used all its nonces.
fn run_phase(nodes: &[DevNode], queues: Vec<SenderQueue>, what: &str) -> anyhow::Result<()> {
    let t = Instant::now();
    // The last transaction of each account: once it is committed, all of the account's are.
    let last: Vec<String> = queues.iter().filter_map(|q| q.txs.back().map(|t| t.hash.clone())).collect();
    let queues = by_node(queues, nodes.len());
    let stop = Arc::new(AtomicBool::new(false));
    let cfg = submit::SubmitConfig {
        url: String::new(),
        rate: 0.0,
        batch: 500,
        duration: Duration::from_secs(300),
        latency_every: 1,
    };
    let reports: Vec<submit::SubmitReport> = std::thread::scope(|s| {
        let handles = spawn_submitters(s, nodes, queues, &cfg, 1, &stop);
        handles.into_iter().map(|(_, h)| h.join().unwrap_or_default()).collect()
    });
    for r in &reports {
        if let Some((code, msg)) = r.refusal_examples.iter().find(|(c, _)| c.as_str() != "mempool_full") {
            bail!("{what}: a setup transaction was refused: {code}: {msg}");
        }
    }
    // Wait until every node has stored every setup transaction: the next phase may be submitted
    // to any node, and it needs this phase's state there.
    let deadline = Instant::now() + Duration::from_secs(300);
    for node in nodes {
        for hash in &last {
            // A node that has not heard of it yet answers 404: keep waiting.
            let committed = |n: &DevNode| {
                n.get(&format!("/api/tx/{hash}")).is_ok_and(|v| v["status"].as_str() == Some("committed"))
            };
            while !committed(node) {
                if Instant::now() > deadline {
                    bail!("{what}: transaction {hash} not committed on every node within 300 s");
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
    eprintln!("bench: {what} committed in {:.1} s (height {})", t.elapsed().as_secs_f64(), height(&nodes[0]));
    Ok(())
}

/// Height -> (timestamp ms, transactions, proposer's key) of the blocks above `from` up to `to`.
type BlockCounts = BTreeMap<u64, (u64, u64, String)>;
/// A sampled transaction's request: when it was sent and answered, and the node it went to.
#[derive(Clone, Copy)]
struct Sent {
    at: Instant,
    answered: Instant,
    node: usize,
}
/// A sampled transaction, and the height it was committed at.
type TxHeights = Vec<(Sent, u64)>;

/// Reads every block above `from` up to `to` whole: its count, and the height of each
/// transaction of `submitted` in it.
fn blocks_full(
    node: &DevNode,
    from: u64,
    to: u64,
    submitted: &HashMap<String, Sent>,
) -> anyhow::Result<(BlockCounts, TxHeights)> {
    let (mut blocks, mut heights) = (BlockCounts::new(), TxHeights::new());
    for h in from + 1..=to {
        let b = node.get(&format!("/api/block/{h}"))?;
        let ts = b.pointer("/header/timestamp_ms").and_then(Value::as_u64).unwrap_or(0);
        let proposer = b.pointer("/header/proposer").and_then(Value::as_str).unwrap_or_default().to_string();
        let txs = b["txs"].as_array().cloned().unwrap_or_default();
        blocks.insert(h, (ts, txs.len() as u64, proposer));
        heights.extend(txs.iter().filter_map(|t| Some((*submitted.get(t["hash"].as_str()?)?, h))));
    }
    Ok((blocks, heights))
}

/// The same from block summaries (`/api/blocks`, 100 a page) and one `/api/tx/{hash}` per
/// transaction of `submitted` (a sample, with `--stream`): an hour's blocks are too many to read
/// whole.
fn blocks_light(
    node: &DevNode,
    from: u64,
    to: u64,
    submitted: &HashMap<String, Sent>,
) -> anyhow::Result<(BlockCounts, TxHeights)> {
    let mut blocks = BlockCounts::new();
    let mut before = to + 1;
    while before > from + 1 {
        let page = node.get(&format!("/api/blocks?before={before}&limit=100"))?;
        let list = page["blocks"].as_array().cloned().unwrap_or_default();
        for b in &list {
            if let (Some(h), Some(ts), Some(n)) = (b["height"].as_u64(), b["timestamp_ms"].as_u64(), b["txs"].as_u64())
                && h > from
            {
                blocks.insert(h, (ts, n, b["proposer"].as_str().unwrap_or_default().to_string()));
            }
        }
        match list.last().and_then(|b| b["height"].as_u64()) {
            Some(lowest) if lowest < before => before = lowest,
            _ => break,
        }
    }
    let mut heights = TxHeights::new();
    for (hash, sent) in submitted {
        if let Some(h) = node.get(&format!("/api/tx/{hash}"))?["height"].as_u64() {
            heights.push((*sent, h));
        }
    }
    Ok((blocks, heights))
}

/// One run; its committed rate (tx/s, sustained).
fn run(args: Args) -> anyhow::Result<f64> {
    if args.validators == 0 || args.senders == 0 {
        bail!("--validators and --senders must be at least 1");
    }
    let mut rep = Report {
        validators: args.validators,
        senders: args.senders,
        capacity_tx_per_s: args.capacity,
        mode: if let (Some(f), Some(_)) = (args.at_capacity, args.capacity) {
            format!("{:.0} % of capacity", f * 100.0)
        } else if args.overload {
            "overload".into()
        } else if args.rate == 0 {
            "max".into()
        } else {
            "fixed rate".into()
        },
        ..Report::default()
    };
    rep.machine_cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    if let Some(suite) = args.crypto {
        shulian_runtime::suite::fix(suite)?;
    }
    rep.crypto = shulian_runtime::suite::active().to_string();

    // 1. This machine's ceilings, before anything else runs.
    if args.limit_secs > 0.0 {
        if !limits::self_check() {
            bail!("signature self-check failed");
        }
        eprintln!("bench: measuring the machine's limits ...");
        let l = limits::measure(Duration::from_secs_f64(args.limit_secs));
        // Every validator verifies every transaction's signature once (in batches), and all
        // validators share this machine's cores: the ceiling is all cores' best batched rate
        // (batches of 1 024) over N.
        rep.verify_ceiling_tx_per_s = Some(l.verify_batch_1024_per_s / args.validators as f64);
        rep.limits = Some(l);
    }

    // 2. The network's folder and the workload, signed before any node runs.
    let tmp;
    let out = match &args.out {
        Some(p) => p.clone(),
        None => {
            tmp = tempfile::tempdir()?;
            tmp.path().join("net")
        }
    };
    let homes = testnet(&out, args.validators)?;
    for h in &homes {
        configure(h, &args)?;
    }
    let genesis: Value = serde_json::from_str(&std::fs::read_to_string(homes[0].join("genesis.json"))?)?;
    let chain_id = genesis["chain_id"].as_str().context("genesis has no chain_id")?.to_string();
    let demo = workload::DemoKeys {
        exchange: demo_key(&out, "exchange")?,
        transport: demo_key(&out, "transport")?,
        trader: demo_key(&out, "trader")?,
    };
    let offered = if args.overload { args.rate * 3 } else { args.rate };
    let load_txs = if args.stream {
        // A first stretch signed ahead (64 per sender); the rest as it is sent.
        64 * args.senders
    } else if args.rate == 0 {
        args.max_txs
    } else {
        // Enough for the run at the rate the nodes can take, plus slack.
        (args.rate as f64 * (args.duration + args.warmup) as f64 * 1.3) as usize
    };
    let t = Instant::now();
    let w = workload::build(&chain_id, &demo, args.senders, args.validators, load_txs, rep.machine_cores, args.stream);
    let load_count: usize = w.load.iter().map(|q| q.txs.len()).sum();
    eprintln!("bench: signed {} load transactions in {:.1} s", load_count, t.elapsed().as_secs_f64());

    // 3. Start the validators and wait for the first block.
    let nodes: Vec<DevNode> = homes.iter().map(|h| DevNode::start_validator(h)).collect::<anyhow::Result<_>>()?;
    let pids: Vec<u32> = nodes.iter().filter_map(DevNode::pid).collect();
    for n in &nodes {
        n.wait_until(Duration::from_secs(60), |n| Ok(height(n) >= 1))?;
    }
    run_phase(&nodes, w.setup1, "setup 1 (admit and fund senders, data set, listing)")?;
    run_phase(&nodes, w.setup2, "setup 2 (listing review, grants)")?;

    // 4. The load, after a first measurement of every database (compacted).
    let stats_before = if args.skip_disk_stats {
        Vec::new()
    } else {
        eprintln!("bench: compacting and measuring every node's database ...");
        homes.iter().map(|h| disk::measure(h)).collect::<anyhow::Result<Vec<_>>>()?
    };
    let start_height = height(&nodes[0]);
    let disk_before: u64 = homes.iter().map(|h| procfs::dir_bytes(&h.join("db"))).sum();
    let load = by_node(w.load, nodes.len());
    let stop = Arc::new(AtomicBool::new(false));
    let commits: Arc<std::sync::Mutex<Vec<(u64, Instant)>>> = Arc::default();
    // The largest node's resident set, sampled about once a second while the load runs.
    let rss_samples: Arc<std::sync::Mutex<Vec<(Instant, u64)>>> = Arc::default();
    let total = Duration::from_secs(args.duration + args.warmup);
    let load_start = Instant::now();
    let warm_end = load_start + Duration::from_secs(args.warmup);
    let mut cpu_start: Vec<u64> = Vec::new();
    let mut cpu_end: Vec<u64> = Vec::new();
    let mut profile_result: Option<anyhow::Result<()>> = None;
    let perf_data = out.join("perf.data");
    let mut phases_start: Vec<phases::Sample> = Vec::new();
    let mut phases_end: Vec<phases::Sample> = Vec::new();
    let mut window_end = load_start;
    let reports: Vec<(usize, submit::SubmitReport)> = std::thread::scope(|s| {
        let tracker = {
            let (url, stop, commits) = (nodes[0].url.clone(), stop.clone(), commits.clone());
            let (rss_samples, pids) = (rss_samples.clone(), pids.clone());
            s.spawn(move || {
                let mut last = start_height;
                let mut next_rss = Instant::now();
                while !stop.load(Ordering::Relaxed) {
                    if Instant::now() >= next_rss {
                        let most = pids.iter().filter_map(|p| procfs::status_bytes(*p, "VmRSS")).max().unwrap_or(0);
                        if let Ok(mut r) = rss_samples.lock() {
                            r.push((Instant::now(), most));
                        }
                        next_rss += Duration::from_secs(1);
                    }
                    if let Ok((200, v)) = request(&format!("{url}/api/status"), None)
                        && let Some(h) = v["height"].as_u64()
                        && h > last
                    {
                        let now = Instant::now();
                        if let Ok(mut c) = commits.lock() {
                            c.extend((last + 1..=h).map(|x| (x, now)));
                        }
                        last = h;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
        };
        let cfg = submit::SubmitConfig {
            url: String::new(),
            rate: offered as f64 / nodes.len() as f64,
            batch: args.batch,
            duration: total,
            latency_every: if args.stream { 50 } else { 1 },
        };
        let handles = spawn_submitters(s, &nodes, load, &cfg, args.submitters_per_node, &stop);
        std::thread::sleep(warm_end.saturating_duration_since(Instant::now()));
        let profiler = match (&args.flamegraph, pids.first()) {
            (Some(_), Some(pid)) => Some(flame::record(*pid, &perf_data, Duration::from_secs(args.duration))),
            _ => None,
        };
        cpu_start = pids.iter().map(|p| procfs::cpu_ticks(*p).unwrap_or(0)).collect();
        phases_start = nodes.iter().map(|n| phases::scrape(&n.url)).collect();
        std::thread::sleep((load_start + total).saturating_duration_since(Instant::now()));
        cpu_end = pids.iter().map(|p| procfs::cpu_ticks(*p).unwrap_or(0)).collect();
        phases_end = nodes.iter().map(|n| phases::scrape(&n.url)).collect();
        window_end = Instant::now();
        if let Some(p) = profiler {
            profile_result = Some(p.and_then(flame::wait));
        }
        let reports = handles.into_iter().map(|(i, h)| (i, h.join().unwrap_or_default())).collect();
        // Let what was accepted drain (bounded), still tracking commits.
        let drain_deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < drain_deadline {
            if pending_txs(&nodes) == 0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        // Empty mempools mean every accepted transaction is committed somewhere, not that every
        // node has its block yet: a node one block behind would read as a lost transaction below.
        let top = nodes.iter().map(height).max().unwrap_or(0);
        let converge_deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < converge_deadline && nodes.iter().any(|n| height(n) < top) {
            std::thread::sleep(Duration::from_millis(100));
        }
        std::thread::sleep(Duration::from_millis(500));
        stop.store(true, Ordering::Relaxed);
        let _ = tracker.join();
        reports
    });
    let window = window_end.duration_since(warm_end).as_secs_f64().max(0.001);
    rep.measured_seconds = window;
    rep.offered_rate = offered;
    rep.phases = phases::between(&phases_start, &phases_end);

    let mut submitted: HashMap<String, Sent> = HashMap::new();
    let mut accepted_by_account: BTreeMap<String, u64> = BTreeMap::new();
    let mut answers: Vec<f64> = Vec::new();
    for (node, r) in reports {
        answers.extend(r.answers.iter().filter(|(at, _)| *at >= warm_end && *at <= window_end).map(|(_, ms)| *ms));
        rep.offered_txs += r.offered;
        rep.accepted_txs += r.accepted_count;
        for (code, n) in r.refused {
            *rep.refused.entry(code).or_default() += n;
        }
        rep.refusal_examples.extend(r.refusal_examples);
        for (k, n) in r.accepted_by_kind {
            *rep.accepted_by_kind.entry(k).or_default() += n;
        }
        for (a, n) in r.accepted_by_account {
            *accepted_by_account.entry(a).or_default() += n;
        }
        submitted.extend(r.accepted.into_iter().map(|(hash, at, answered)| (hash, Sent { at, answered, node })));
    }

    // 5. Per-block analysis, after the run so it does not load the nodes while measured: each
    // block's timestamp and transaction count, and the height of every transaction whose send
    // instant was kept.
    let commits: Vec<(u64, Instant)> = commits.lock().map(|c| c.clone()).unwrap_or_default();
    let commit_times: HashMap<u64, Instant> = commits.iter().copied().collect();
    let keys: Vec<String> = homes.iter().map(|h| checker::validator_key_of(h).unwrap_or_default()).collect();
    let end_height = height(&nodes[0]);
    let (blocks, tx_heights) = if args.stream {
        blocks_light(&nodes[0], start_height, end_height, &submitted)?
    } else {
        blocks_full(&nodes[0], start_height, end_height, &submitted)?
    };
    let win_secs = args.window_secs as f64;
    // Whole windows; the measured time's few last milliseconds count in the last one.
    let n_windows = if args.window_secs == 0 { 0 } else { (window / win_secs).floor().max(1.0) as usize };
    let window_of = |seen: Instant| -> Option<usize> {
        (n_windows > 0 && seen > warm_end && seen <= window_end)
            .then(|| ((seen.duration_since(warm_end).as_secs_f64() / win_secs) as usize).min(n_windows - 1))
    };
    let mut win_txs = vec![0u64; n_windows];
    let mut win_lat: Vec<Vec<f64>> = vec![Vec::new(); n_windows];
    let mut win_rss = vec![0u64; n_windows];
    for (at, bytes) in rss_samples.lock().map(|r| r.clone()).unwrap_or_default() {
        if let Some(w) = window_of(at) {
            win_rss[w] = win_rss[w].max(bytes);
        }
    }
    let mut latencies = Vec::new();
    let mut block_gaps = Vec::new();
    let mut window_txs = 0u64;
    let mut window_blocks = 0usize;
    let mut load_committed = 0u64;
    let mut prev_ts: Option<u64> = None;
    for (h, (ts, count, _)) in &blocks {
        load_committed += count;
        let seen = commit_times.get(h).copied();
        if let Some(seen) = seen.filter(|t| *t > warm_end && *t <= window_end) {
            window_txs += count;
            window_blocks += 1;
            if let Some(p) = prev_ts {
                block_gaps.push(ts.saturating_sub(p) as f64);
            }
            if let Some(w) = window_of(seen) {
                win_txs[w] += count;
            }
        }
        prev_ts = Some(*ts);
    }
    let mut samples = Vec::new();
    for (sent, h) in &tx_heights {
        if let Some(seen) = commit_times.get(h)
            && sent.at >= warm_end
        {
            let ms = seen.duration_since(sent.at).as_secs_f64() * 1000.0;
            latencies.push(ms);
            if let Some(w) = window_of(*seen) {
                win_lat[w].push(ms);
            }
            let proposer = blocks.get(h).map(|b| b.2.as_str());
            samples.push(tail::Sample {
                sent: sent.at,
                answered: sent.answered,
                height: *h,
                by_entry_node: proposer.is_some_and(|p| keys.get(sent.node).is_some_and(|k| k == p)),
                seen: *seen,
            });
        }
    }
    rep.latency_tail = tail::breakdown(&samples, &commits);
    latencies.sort_by(f64::total_cmp);
    block_gaps.sort_by(f64::total_cmp);
    rep.windows = (0..n_windows)
        .map(|w| {
            let start = w as f64 * win_secs;
            let len = if w + 1 == n_windows { window - start } else { win_secs }.max(0.001);
            let lat = &mut win_lat[w];
            lat.sort_by(f64::total_cmp);
            WindowStats {
                start_s: w as u64 * args.window_secs,
                committed_tx_per_s: win_txs[w] as f64 / len,
                latency_ms_p99: percentile(lat, 0.99),
                latency_samples: lat.len(),
                peak_rss_mib: win_rss[w] as f64 / 1048576.0,
            }
        })
        .collect();
    rep.committed_txs_in_window = window_txs;
    rep.committed_tx_per_s = window_txs as f64 / window;
    rep.latency_samples = latencies.len();
    rep.latency_ms_p50 = percentile(&latencies, 0.50);
    rep.latency_ms_p95 = percentile(&latencies, 0.95);
    rep.latency_ms_p99 = percentile(&latencies, 0.99);
    answers.sort_by(f64::total_cmp);
    rep.submit_answer_ms_p50 = percentile(&answers, 0.50);
    rep.submit_answer_ms_p99 = percentile(&answers, 0.99);
    rep.blocks_in_window = window_blocks;
    rep.block_time_ms_mean =
        if block_gaps.is_empty() { 0.0 } else { block_gaps.iter().sum::<f64>() / block_gaps.len() as f64 };
    rep.block_time_ms_p50 = percentile(&block_gaps, 0.5);
    rep.txs_per_block_mean = if window_blocks == 0 { 0.0 } else { window_txs as f64 / window_blocks as f64 };
    rep.fraction_of_verify_ceiling = rep.verify_ceiling_tx_per_s.map(|c| rep.committed_tx_per_s / c);
    rep.capacity_fraction_of_verify_ceiling =
        rep.verify_ceiling_tx_per_s.zip(rep.capacity_tx_per_s).map(|(c, k)| k / c);

    // 6. Every node at one height: same block and state root.
    let common = nodes.iter().map(height).min().unwrap_or(0);
    let roots: Vec<Option<String>> = nodes
        .iter()
        .map(|n| {
            n.get(&format!("/api/block/{common}"))
                .ok()
                .and_then(|b| b.pointer("/header/state_root").and_then(Value::as_str).map(String::from))
        })
        .collect();
    rep.compared_height = common;
    rep.state_roots_equal = roots.iter().all(|r| r.is_some() && *r == roots[0]);
    rep.state_root = roots.first().cloned().flatten().unwrap_or_default();

    // 7. Nothing accepted is lost: each sender's next nonce is 1 (its grant request) plus what
    // the API accepted for it, on every node.
    let mut all_ok = true;
    for n in &nodes {
        for (account, accepted) in &accepted_by_account {
            let nonce = n.get(&format!("/api/account/{account}")).ok().and_then(|a| a["nonce"].as_u64());
            if nonce != Some(1 + accepted) {
                all_ok = false;
                eprintln!("bench: account {account} on {}: nonce {nonce:?}, expected {}", n.url, 1 + accepted);
            }
        }
    }
    rep.all_accepted_committed = Some(all_ok);

    let disk_after: u64 = homes.iter().map(|h| procfs::dir_bytes(&h.join("db"))).sum();
    rep.bytes_on_disk_per_1000_txs = if load_committed == 0 {
        0.0
    } else {
        // Per node: every node stores the whole chain.
        (disk_after.saturating_sub(disk_before)) as f64 / nodes.len() as f64 / load_committed as f64 * 1000.0
    };
    for (i, (n, pid)) in nodes.iter().zip(&pids).enumerate() {
        let ticks = cpu_end.get(i).copied().unwrap_or(0).saturating_sub(cpu_start.get(i).copied().unwrap_or(0));
        rep.nodes.push(NodeStats {
            node: i,
            cpu_percent_of_one_core: ticks as f64 / procfs::TICKS_PER_S / window * 100.0,
            peak_rss_mib: procfs::status_bytes(*pid, "VmHWM").unwrap_or(0) as f64 / 1048576.0,
            rss_end_mib: procfs::status_bytes(*pid, "VmRSS").unwrap_or(0) as f64 / 1048576.0,
            disk_bytes_end: procfs::dir_bytes(&homes[i].join("db")),
            height: height(n),
        });
    }
    rep.max_peak_rss_mib = rep.nodes.iter().map(|n| n.peak_rss_mib).fold(0.0, f64::max);
    if !args.skip_disk_stats {
        eprintln!("bench: compacting and measuring every node's database again ...");
        let after = homes.iter().map(|h| disk::measure(h)).collect::<anyhow::Result<Vec<_>>>()?;
        let txs_between = |from: u64, to: u64| -> anyhow::Result<u64> {
            let mut n = 0;
            for h in from + 1..=to {
                n += match blocks.get(&h) {
                    Some((_, c, _)) => *c,
                    None => nodes[0]
                        .get(&format!("/api/block/{h}"))?
                        .get("txs")
                        .and_then(Value::as_array)
                        .map_or(0, |t| t.len() as u64),
                };
            }
            Ok(n)
        };
        rep.disk = Some(disk::report(&stats_before, &after, txs_between)?);
    }
    verdicts(&args, &mut rep);
    print_table(&rep);
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&rep)?)?;
        eprintln!("bench: wrote {}", path.display());
    }
    drop(nodes);
    if let (Some(svg), Some(recorded)) = (&args.flamegraph, profile_result) {
        recorded.context("perf record of node 0")?;
        flame::draw(&perf_data, svg)?;
        eprintln!("bench: flame graph of node 0 over the measured window: {}", svg.display());
    }
    Ok(rep.committed_tx_per_s)
}

fn verdicts(args: &Args, rep: &mut Report) {
    let mut v = Vec::new();
    let ok = |b: bool| if b { "PASS" } else { "FAIL" };
    v.push(format!("{}: state roots equal on all nodes at height {}", ok(rep.state_roots_equal), rep.compared_height));
    v.push(format!(
        "{}: every accepted transaction committed on every node",
        ok(rep.all_accepted_committed == Some(true))
    ));
    // A figure that was never measured passes nothing.
    v.push(format!(
        "{}: peak RSS < 1 GiB on every node ({:.0} MiB)",
        ok(rep.max_peak_rss_mib > 0.0 && rep.max_peak_rss_mib < 1024.0),
        rep.max_peak_rss_mib
    ));
    if args.overload {
        let full = rep.refused.get("mempool_full").copied().unwrap_or(0);
        v.push(format!("{}: excess load refused with mempool_full back-pressure ({full} refusals)", ok(full > 0)));
    } else {
        v.push(format!(
            "{}: >= 5000 committed tx/s ({:.0})",
            ok(rep.committed_tx_per_s >= 5000.0),
            rep.committed_tx_per_s
        ));
        v.push(format!(
            "{}: p99 commit latency < 2 s ({:.0} ms over {} transactions)",
            ok(rep.latency_samples > 0 && rep.latency_ms_p99 < 2000.0),
            rep.latency_ms_p99,
            rep.latency_samples
        ));
    }
    if let (Some(first), Some(last)) = (rep.windows.first(), rep.windows.last())
        && rep.windows.len() >= 2
    {
        let drift = (last.committed_tx_per_s - first.committed_tx_per_s).abs() / first.committed_tx_per_s.max(1.0);
        v.push(format!(
            "{}: last window's committed rate within 5% of the first's ({:.0} and {:.0} tx/s)",
            ok(drift <= 0.05),
            first.committed_tx_per_s,
            last.committed_tx_per_s
        ));
        let worst = rep.windows.iter().map(|w| w.latency_ms_p99).fold(0.0, f64::max);
        let all_sampled = rep.windows.iter().all(|w| w.latency_samples > 0);
        v.push(format!("{}: p99 under 1.5 s in every window (worst {worst:.0} ms)", ok(all_sampled && worst < 1500.0)));
    }
    if let Some(d) = &rep.disk {
        v.push(format!(
            "{}: <= {:.0} bytes per committed tx per node at steady state ({:.0})",
            ok(d.bytes_per_tx <= disk::TARGET_BYTES_PER_TX),
            disk::TARGET_BYTES_PER_TX,
            d.bytes_per_tx
        ));
        let most = d.consensus_log_keys.iter().copied().max().unwrap_or(0);
        v.push(format!(
            "{}: consensus log pruned below the committed head (at most {most} entries left, bound {})",
            ok(most <= disk::CONSENSUS_LOG_MAX_KEYS),
            disk::CONSENSUS_LOG_MAX_KEYS
        ));
    }
    rep.verdicts = v;
}

fn print_table(rep: &Report) {
    println!(
        "shulian-bench: {} validators, {} senders, {} cores, mode {}",
        rep.validators, rep.senders, rep.machine_cores, rep.mode
    );
    println!("{:<38} {:>14}", "metric", "value");
    let row = |k: &str, v: String| println!("{k:<38} {v:>14}");
    row("offered rate (tx/s)", if rep.offered_rate == 0 { "max".into() } else { rep.offered_rate.to_string() });
    row("measured window (s)", format!("{:.1}", rep.measured_seconds));
    row("offered / accepted txs", format!("{} / {}", rep.offered_txs, rep.accepted_txs));
    let mix: Vec<String> = rep.accepted_by_kind.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!("accepted mix: {}", mix.join(", "));
    for (code, n) in &rep.refused {
        row(&format!("refused: {code}"), n.to_string());
    }
    if let Some(c) = rep.capacity_tx_per_s {
        row("capacity tx/s (the first run)", format!("{c:.0}"));
    }
    row("committed tx/s (sustained)", format!("{:.0}", rep.committed_tx_per_s));
    row(
        "commit latency p50 / p95 / p99 (ms)",
        format!("{:.0} / {:.0} / {:.0}", rep.latency_ms_p50, rep.latency_ms_p95, rep.latency_ms_p99),
    );
    row(
        "a request of --batch txs answered p50 / p99 (ms)",
        format!("{:.0} / {:.0}", rep.submit_answer_ms_p50, rep.submit_answer_ms_p99),
    );
    let t = &rep.latency_tail;
    row("blocks waited after the answer 0/1/2/3/4/5+", tail::show(&t.blocks_waited_share));
    row(&format!("... in the tail (latency > {:.0} ms)", t.tail_from_ms), tail::show(&t.tail_blocks_waited_share));
    row(
        "proposed by the entry node: all / tail",
        format!("{:.0} / {:.0} %", t.by_entry_node_share * 100.0, t.tail_by_entry_node_share * 100.0),
    );
    row("tail: request answered p50 / p99 (ms)", format!("{:.0} / {:.0}", t.tail_answer_ms_p50, t.tail_answer_ms_p99));
    row("block time mean / p50 (ms)", format!("{:.0} / {:.0}", rep.block_time_ms_mean, rep.block_time_ms_p50));
    row("txs per block (mean)", format!("{:.0}", rep.txs_per_block_mean));
    let p = |k: &str| rep.phases.ms_per_height.get(k).copied().unwrap_or(0.0);
    row(
        "per height: propose/prevote/precommit/write",
        format!("{:.0}/{:.0}/{:.0}/{:.0} ms", p("propose"), p("prevote"), p("precommit"), p("commit_write")),
    );
    for w in &rep.windows {
        row(
            &format!("window from {} s: tx/s, p99 ms, peak RSS MiB", w.start_s),
            format!("{:.0}, {:.0}, {:.0}", w.committed_tx_per_s, w.latency_ms_p99, w.peak_rss_mib),
        );
    }
    row("bytes on disk per 1000 txs (per node)", format!("{:.0}", rep.bytes_on_disk_per_1000_txs));
    if let Some(d) = &rep.disk {
        for (k, v) in disk::rows(d) {
            row(&k, v);
        }
    }
    for n in &rep.nodes {
        row(
            &format!("node{}: CPU % of a core / peak RSS MiB", n.node),
            format!("{:.0} / {:.0}", n.cpu_percent_of_one_core, n.peak_rss_mib),
        );
    }
    if let Some(l) = &rep.limits {
        row("verify one at a time /s (all cores)", format!("{:.0}", l.verify_single_per_s));
        row("verify batched (64) /s (all cores)", format!("{:.0}", l.verify_batch_per_s));
        row("verify batched (1024) /s (all cores)", format!("{:.0}", l.verify_batch_1024_per_s));
        row("dalek verify_strict /s (all cores)", format!("{:.0}", l.dalek_verify_strict_per_s));
        row("blake3 MB/s (all cores)", format!("{:.0}", l.blake3_mb_per_s));
        row(&format!("{} hash MB/s (all cores)", rep.crypto), format!("{:.0}", l.suite_hash_mb_per_s));
        row("tx hash /s (all cores)", format!("{:.0}", l.tx_hash_per_s));
        row("borsh encode / decode tx /s", format!("{:.0} / {:.0}", l.borsh_encode_per_s, l.borsh_decode_per_s));
    }
    if let (Some(c), Some(f)) = (rep.verify_ceiling_tx_per_s, rep.fraction_of_verify_ceiling) {
        row("verify ceiling (tx/s) = batched (1024) /s / N", format!("{c:.0}"));
        row("throughput / verify ceiling", format!("{:.1} %", f * 100.0));
        if let Some(k) = rep.capacity_fraction_of_verify_ceiling {
            row("capacity / verify ceiling", format!("{:.1} %", k * 100.0));
        }
    }
    row("state root at compared height", rep.state_root.chars().take(12).collect());
    for v in &rep.verdicts {
        println!("{v}");
    }
}
