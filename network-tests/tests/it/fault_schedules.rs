//! Concurrent fault schedules with a history checker (issue 24): four validators, each on its own
//! network-namespace host, under a load of transfers from several client threads, while a seeded
//! schedule of faults that overlap in time runs: SIGKILL and restart, SIGSTOP/SIGCONT, partitions
//! of any shape (1|3, 2|2, 1|1|2, 1|1|1|1; overlapping ones cut the union of their links), slow
//! links, one validator's clock skewed (restarted as the test build `shulian-node-byzantine` with
//! `test_clock_offset_ms`), a killed validator's newest RocksDB write-ahead log truncated by up to
//! 1 MiB, and one validator's database on a small tmpfs filled to its last 32 KiB. At most one
//! validator is crash-faulty at a time (so the chain mostly makes progress; BFT safety would hold
//! under any crashes); network faults overlap anything. Every fault ends before the checks.
//!
//! The clients record a history (`shulian_network_tests::history`): every submission, status read
//! and balance read with its proof, height and state root. At the end: one chain on every node
//! (`checker::check_agreement`), the history consistent with it (`history::check`), no equivocation
//! evidence on any node, every ledger replaying from genesis, and a validator whose disk filled up
//! stopped by itself, saying so, within a full-disk fault (`FULL_DISK_WINDOW`).
//!
//! Settings: `SHULIAN_SOAK_SECS` (seconds of faults, 40 unless set), `SHULIAN_SOAK_SEED` (the
//! schedule's seed, 6 unless set), `SHULIAN_SOAK_SEEDS=N` (N schedules back to back, seeds SEED,
//! SEED+1, ...), `SHULIAN_FAULT_EVERY_SECS` (mean gap between fault starts, 3 unless set; the
//! two-hour soak of docs/reliability.md uses 120). Without network namespaces (not root), or with
//! `SHULIAN_SOAK_LOOPBACK` set, the test runs on loopback with kills, pauses, truncations and clock
//! skew only, and says so.
// The determinism rules of clippy.toml (no clock, no HashMap) bind runtime/ and contracts/ only;
// a fault test measures time like an operator would.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use anyhow::{Context, bail, ensure};
use shulian_network_tests::checker::Transfers;
use shulian_network_tests::history::{self, BalanceSeen, Client, FinalChain, History, OpKind, SubmitOutcome, TxSeen};
use shulian_network_tests::netns::Hosts;
use shulian_network_tests::scenario::{Net, Scenario};
use shulian_network_tests::{SplitMix64, log_tail, test_agent, truncate_newest_log};
use shulian_runtime::{AccountId, Hash, Transaction};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

const VALIDATORS: usize = 4;
/// `make test`'s bounded run: 40 s of faults, one every 3 s on average, from a seed whose
/// schedule has every kind of fault (a unit test below keeps it so).
const DEFAULT_SECS: u64 = 40;
const DEFAULT_EVERY_SECS: u64 = 3;
const DEFAULT_SEED: u64 = 6;
/// The demo organizations the clients send from, each to the next one (one client thread each).
const SENDERS: &[(&str, &str)] = &[("trader", "health"), ("health", "transport"), ("transport", "exchange")];
/// The accounts whose balances the clients read.
const ACCOUNTS: &[&str] = &["trader", "health", "transport", "exchange"];
/// Transfers per batch; a batch is re-sent (same bytes) to another node if not committed in time.
const BATCH: usize = 5;
const RESEND_AFTER: Duration = Duration::from_secs(6);
/// How long a client waits for one answer: a paused node answers nothing.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long the chain may take to pass the height of a fault's end once every fault has ended,
/// and a client's last batch to commit.
const RECOVERY_BOUND: Duration = Duration::from_secs(120);
/// How long a full-disk fault lasts: a validator that runs out of space in it must have stopped
/// by its end.
const FULL_DISK_WINDOW: Duration = Duration::from_secs(12);
/// Size of the tmpfs holding that validator's database: below the ~70 MiB RocksDB preallocates
/// for each write-ahead log (1.1 times its 64 MiB write buffer), so no preallocated log is left
/// to write into once the filler has taken the space (on 256 MiB the node kept committing into
/// its preallocated log with 1 MiB free, measured).
const TMPFS_MIB: u64 = 64;
/// Free space left on it by a full-disk fault: 32 KiB, a few blocks' writes, so the node runs out
/// within the fault even when other faults slow the chain down (with 1 MiB left, a validator
/// wrote 0.23 MiB in 12 s, about 20 KB/s: it would have needed about 50 s to run out; with
/// 128 KiB left, 2 of 6 did not run out in 12 s while partitions and slow links held the chain
/// back).
const LEFT_FREE: u64 = 32 << 10;
/// The most bytes a truncation takes off the newest write-ahead log.
const MAX_TRUNCATE: u64 = 1 << 20;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn env_u64(name: &str, default: u64) -> anyhow::Result<u64> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(s) => s.trim().parse().with_context(|| format!("{name}={s:?} is not a whole number")),
    }
}

/// The schedule's generator: splitmix64 ([`SplitMix64`]) and the draws it needs.
#[derive(Clone)]
struct Rng(SplitMix64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi.saturating_sub(lo) + 1)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            xs.swap(i, self.below(i + 1));
        }
    }
}

/// What a fault does, and to whom.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    /// SIGKILL, restart at the end.
    Kill(usize),
    /// SIGSTOP, SIGCONT at the end.
    Pause(usize),
    /// SIGKILL, the newest write-ahead log loses `bytes` (at most its length), restart at the end.
    Truncate { v: usize, bytes: u64 },
    /// The database's tmpfs filled to its last MiB; the node must stop by itself; at the end the
    /// filler goes and the node restarts.
    FullDisk(usize),
    /// Restarted as the test build with its clock `ms` off; at the end restarted as it was.
    Skew { v: usize, ms: i64 },
    /// Links between the groups cut.
    Partition(Vec<Vec<usize>>),
    /// What the host sends limited to `kbit` kbit/s.
    Slow { v: usize, kbit: u32 },
}

/// The kinds a schedule draws from, by name.
const CRASH_KINDS: &[&str] = &["kill", "pause", "truncate", "skew", "full disk"];
const NETWORK_KINDS: &[&str] = &["partition", "slow link"];

impl Kind {
    fn name(&self) -> &'static str {
        match self {
            Kind::Kill(_) => "kill",
            Kind::Pause(_) => "pause",
            Kind::Truncate { .. } => "truncate",
            Kind::FullDisk(_) => "full disk",
            Kind::Skew { .. } => "skew",
            Kind::Partition(_) => "partition",
            Kind::Slow { .. } => "slow link",
        }
    }

    /// The validator this fault makes crash-faulty (down, frozen, restarted or out of disk).
    fn crash_target(&self) -> Option<usize> {
        match self {
            Kind::Kill(v) | Kind::Pause(v) | Kind::FullDisk(v) => Some(*v),
            Kind::Truncate { v, .. } | Kind::Skew { v, .. } => Some(*v),
            Kind::Partition(_) | Kind::Slow { .. } => None,
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Kind::Kill(v) | Kind::Pause(v) | Kind::FullDisk(v) => write!(f, "{} of validator {v}", self.name()),
            Kind::Truncate { v, bytes } => write!(f, "truncate of validator {v}'s log by {bytes} bytes"),
            Kind::Skew { v, ms } => write!(f, "clock of validator {v} skewed by {ms:+} ms"),
            Kind::Partition(groups) => {
                let g: Vec<String> =
                    groups.iter().map(|g| g.iter().map(usize::to_string).collect::<Vec<_>>().join(",")).collect();
                write!(f, "partition {}", g.join(" | "))
            }
            Kind::Slow { v, kbit } => write!(f, "slow link of validator {v} at {kbit} kbit/s"),
        }
    }
}

/// One fault of a schedule: when it starts and how long it lasts, in ms from the schedule's start.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Fault {
    start_ms: u64,
    dur_ms: u64,
    kind: Kind,
}

impl Fault {
    fn end_ms(&self) -> u64 {
        self.start_ms + self.dur_ms
    }
}

/// What a schedule may use.
struct Plan {
    /// Length of the schedule: every fault ends by then.
    total_ms: u64,
    /// Mean gap between fault starts.
    every_ms: u64,
    /// Network faults (partitions, slow links) need hosts.
    network: bool,
    /// The validator whose database is on a tmpfs, if any (full-disk faults).
    disk: Option<usize>,
}

/// After a crash-type fault ends, the next one waits this long (the restarted node's start).
const CRASH_GAP_MS: u64 = 2_000;

/// The schedule of `seed`: fault starts a mean `every_ms` apart, each lasting half to two and a
/// half times that (at least 1.5 s, at most 30 s to 90 s), so at a fast pace about one and a half
/// faults are active at a time, at a slow one (a fault every 2 minutes) fewer; the first picks go
/// through every kind once in a shuffled order (a short run still has each), later ones draw at
/// random. A crash-type fault is only drawn when no
/// other is active (nor ended in the last `CRASH_GAP_MS`); a full-disk fault lasts
/// `FULL_DISK_WINDOW`.
fn schedule(seed: u64, plan: &Plan) -> Vec<Fault> {
    let mut rng = Rng(SplitMix64(seed));
    let mut kinds: Vec<&str> =
        CRASH_KINDS.iter().chain(if plan.network { NETWORK_KINDS } else { &[] }).copied().collect();
    if plan.disk.is_none() {
        kinds.retain(|k| *k != "full disk");
    }
    let mut unused = kinds.clone();
    rng.shuffle(&mut unused);
    let mut faults = Vec::new();
    let mut crash_free_at = 0;
    let mut slow_until = [0u64; VALIDATORS];
    let mut t = 0;
    loop {
        t += rng.range(plan.every_ms / 2, plan.every_ms * 3 / 2).max(200);
        let lo = (plan.every_ms / 2).clamp(1_500, 30_000);
        let mut dur = rng.range(lo, (plan.every_ms * 5 / 2).clamp(lo, 90_000));
        if t + 1_500 > plan.total_ms {
            break;
        }
        dur = dur.min(plan.total_ms - t);
        let full_disk_ms = FULL_DISK_WINDOW.as_millis() as u64;
        let allowed = |k: &str| match k {
            "full disk" => t >= crash_free_at && t + full_disk_ms <= plan.total_ms,
            "slow link" => slow_until.iter().any(|&u| u <= t),
            k if CRASH_KINDS.contains(&k) => t >= crash_free_at,
            _ => true,
        };
        let name = match unused.iter().position(|k| allowed(k)) {
            Some(i) => unused.remove(i),
            None => {
                let open: Vec<&str> = kinds.iter().copied().filter(|k| allowed(k)).collect();
                if open.is_empty() {
                    continue;
                }
                open[rng.below(open.len())]
            }
        };
        let v = rng.below(VALIDATORS);
        let kind = match name {
            "kill" => Kind::Kill(v),
            "pause" => Kind::Pause(v),
            "truncate" => Kind::Truncate { v, bytes: rng.range(1, MAX_TRUNCATE) },
            "skew" => {
                let ms = rng.range(2_000, 30_000) as i64;
                Kind::Skew { v, ms: if rng.below(2) == 0 { ms } else { -ms } }
            }
            "full disk" => {
                dur = full_disk_ms;
                Kind::FullDisk(plan.disk.unwrap_or(v))
            }
            "partition" => {
                let mut hosts: Vec<usize> = (0..VALIDATORS).collect();
                rng.shuffle(&mut hosts);
                let shapes: &[&[usize]] = &[&[1, 3], &[2, 2], &[1, 1, 2], &[1, 1, 1, 1]];
                let mut rest = hosts.as_slice();
                let mut groups = Vec::new();
                for &n in shapes[rng.below(shapes.len())] {
                    let (g, r) = rest.split_at(n);
                    let mut g = g.to_vec();
                    g.sort();
                    groups.push(g);
                    rest = r;
                }
                Kind::Partition(groups)
            }
            _ => {
                let free: Vec<usize> = (0..VALIDATORS).filter(|&k| slow_until[k] <= t).collect();
                let v = free[rng.below(free.len())];
                slow_until[v] = t + dur;
                Kind::Slow { v, kbit: [64, 256, 1024][rng.below(3)] }
            }
        };
        if kind.crash_target().is_some() {
            crash_free_at = t + dur + CRASH_GAP_MS;
        }
        faults.push(Fault { start_ms: t, dur_ms: dur, kind });
    }
    faults
}

/// The most faults active at once in `faults`.
fn max_concurrent(faults: &[Fault]) -> usize {
    faults
        .iter()
        .map(|f| faults.iter().filter(|g| g.start_ms <= f.start_ms && g.end_ms() > f.start_ms).count())
        .max()
        .unwrap_or(0)
}

/// The groups of hosts that can still reach each other under every partition of `cuts`: two
/// hosts talk only if they share a group in each.
fn refine(cuts: &[&Vec<Vec<usize>>]) -> Vec<Vec<usize>> {
    let mut by_sides: BTreeMap<Vec<usize>, Vec<usize>> = BTreeMap::new();
    for k in 0..VALIDATORS {
        let sides =
            cuts.iter().map(|groups| groups.iter().position(|g| g.contains(&k)).unwrap_or(usize::MAX)).collect();
        by_sides.entry(sides).or_default().push(k);
    }
    by_sides.into_values().collect()
}

/// One validator's database on a tmpfs of its own, unmounted when this drops (lazily: a node may
/// still hold files on it), also when the test fails.
struct Tmpfs {
    db: PathBuf,
    mounted: bool,
}

impl Tmpfs {
    /// Kills validator `k`, moves its database onto a new tmpfs mounted on `HOME/db` and starts it
    /// again.
    fn mount_db(net: &mut Net, k: usize) -> anyhow::Result<Tmpfs> {
        net.kill(k)?;
        let db = net.home(k).join("db");
        let old = net.home(k).join("db.on-disk");
        std::fs::rename(&db, &old)?;
        std::fs::create_dir(&db)?;
        run("mount", &["-t", "tmpfs", "-o", &format!("size={TMPFS_MIB}m"), "tmpfs"], &db)?;
        let fs = Tmpfs { db: db.clone(), mounted: true };
        copy_dir(&old, &db)?;
        std::fs::remove_dir_all(&old)?;
        net.restart(k)?;
        Ok(fs)
    }

    fn filler(&self) -> PathBuf {
        self.db.join("full-disk-filler")
    }

    /// Writes a file of zeros until the file system is full, then gives back `LEFT_FREE` bytes.
    fn fill(&self) -> anyhow::Result<u64> {
        let mut f = std::fs::File::create(self.filler())?;
        let chunk = vec![0u8; 1 << 20];
        loop {
            match f.write(&chunk) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
                Err(e) => return Err(e).context("filling the tmpfs"),
            }
        }
        let len = f.metadata()?.len();
        f.set_len(len.saturating_sub(LEFT_FREE))?;
        Ok(len.saturating_sub(LEFT_FREE))
    }

    /// Removes the filler; then, if the database has grown past half the tmpfs, grows the tmpfs
    /// (a remount keeps its files) to what is used plus [`TMPFS_MIB`], so that in a long soak the
    /// validator never fills its disk by itself between two full-disk faults.
    fn unfill(&self) -> anyhow::Result<()> {
        match std::fs::remove_file(self.filler()) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
        let (used, available) = df(&self.db).context("df of the tmpfs")?;
        if used > available {
            let size_mib = used / (1 << 20) + TMPFS_MIB;
            run("mount", &["-o", &format!("remount,size={size_mib}m")], &self.db)?;
            eprintln!("fault schedule: the database's tmpfs grown to {size_mib} MiB ({} MiB used)", used >> 20);
        }
        Ok(())
    }

    /// Unmounts it (its node must be stopped), leaving `HOME/db` an empty folder.
    fn unmount(&mut self) -> anyhow::Result<()> {
        if self.mounted {
            run("umount", &[], &self.db)?;
            self.mounted = false;
        }
        Ok(())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        if self.mounted {
            let _ = run("umount", &["--lazy"], &self.db);
        }
    }
}

fn run(prog: &str, args: &[&str], path: &Path) -> anyhow::Result<()> {
    let out = Command::new(prog).args(args).arg(path).output().with_context(|| format!("cannot run {prog}"))?;
    ensure!(
        out.status.success(),
        "{prog} {args:?} {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(())
}

/// Bytes used and available on the file system of `path` (`df`), for the report.
fn df(path: &Path) -> Option<(u64, u64)> {
    let out = Command::new("df").args(["-B1", "--output=used,avail"]).arg(path).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut nums = text.lines().nth(1)?.split_whitespace().map(|n| n.parse::<u64>().ok());
    Some((nums.next()??, nums.next()??))
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            std::fs::create_dir(&target)?;
            copy_dir(&e.path(), &target)?;
        } else {
            std::fs::copy(e.path(), &target)?;
        }
    }
    Ok(())
}

/// The API address of each node while clients may use it, `None` while it is down or frozen.
type LiveUrls = Arc<Mutex<Vec<Option<String>>>>;

/// Each client thread's tally.
#[derive(Default)]
struct ClientTally {
    batches: usize,
    resends: usize,
}

/// A random live node other than `avoid` if there is one: (index, url).
fn pick(live: &LiveUrls, rng: &mut Rng, avoid: Option<usize>) -> Option<(usize, String)> {
    let live = lock(live);
    let up: Vec<(usize, String)> = live.iter().enumerate().filter_map(|(k, u)| u.clone().map(|u| (k, u))).collect();
    let others: Vec<(usize, String)> = up.iter().filter(|(k, _)| Some(*k) != avoid).cloned().collect();
    let from = if others.is_empty() { up } else { others };
    (!from.is_empty()).then(|| from[rng.below(from.len())].clone())
}

/// One client thread: batches of transfers from one account, each sent to a live node, followed
/// by status reads on random live nodes (with a balance read of a random account between them)
/// until some node reports every one committed; re-sent to another node after `RESEND_AFTER`.
/// Ends after its batch once `stop` is set.
fn client_loop(
    client: Client,
    mut transfers: Transfers,
    accounts: Vec<AccountId>,
    live: LiveUrls,
    stop: Arc<AtomicBool>,
    seed: u64,
) -> anyhow::Result<ClientTally> {
    let mut rng = Rng(SplitMix64(seed));
    let mut tally = ClientTally::default();
    while !stop.load(Ordering::Relaxed) {
        let batch: Vec<Transaction> = (0..BATCH).map(|_| transfers.next_tx()).collect();
        let mut open: BTreeSet<Hash> = batch.iter().map(Transaction::hash).collect();
        let mut sent: Option<(Instant, usize)> = None;
        let mut stopped_at: Option<Instant> = None;
        tally.batches += 1;
        while !open.is_empty() {
            if sent.is_none_or(|(at, _)| at.elapsed() > RESEND_AFTER)
                && let Some((k, url)) = pick(&live, &mut rng, sent.map(|(_, k)| k))
            {
                if sent.is_some() {
                    tally.resends += 1;
                }
                for tx in batch.iter().filter(|t| open.contains(&t.hash())) {
                    // Whatever the answer (a refusal such as `stale_nonce` after a commit
                    // elsewhere), the status reads decide; the history keeps it.
                    let _: SubmitOutcome = client.submit(k, &url, tx);
                }
                sent = Some((Instant::now(), k));
            }
            std::thread::sleep(Duration::from_millis(rng.range(150, 400)));
            if let Some((k, url)) = pick(&live, &mut rng, None) {
                let account = accounts[rng.below(accounts.len())];
                let _: BalanceSeen = client.balance(k, &url, &account);
                for h in open.clone() {
                    if let TxSeen::Committed(_) = client.status(k, &url, &h) {
                        open.remove(&h);
                    }
                }
            }
            if stop.load(Ordering::Relaxed) {
                let at = *stopped_at.get_or_insert_with(Instant::now);
                ensure!(
                    at.elapsed() < RECOVERY_BOUND,
                    "client {}: {} transfers not committed within {RECOVERY_BOUND:?} after the faults ended",
                    client.id,
                    open.len()
                );
            }
        }
    }
    Ok(tally)
}

/// A fault's effect on the chain: when it ended and the height every node must pass.
struct Recovery {
    kind: &'static str,
    ended: Instant,
    target: u64,
}

/// What happened to a full-disk fault's node.
struct DiskWatch {
    v: usize,
    filled: Instant,
    height_then: Option<u64>,
    /// Bytes used on the tmpfs before the filler (the database, preallocation included).
    used_before: Option<u64>,
    /// The length of the node's log then: what it says after is this fault's.
    log_from: usize,
    /// When it exited, and with what.
    exited: Option<(Duration, std::process::ExitStatus)>,
}

/// Runs a schedule against a network and keeps the figures.
struct Runner<'a> {
    net: &'a mut Net,
    live: LiveUrls,
    history: History,
    tmpfs: Option<Tmpfs>,
    agent: ureq::Agent,
    /// Validators that are crash-faulty now (killed, frozen, restarting, out of disk).
    down: [bool; VALIDATORS],
    /// The last height each node answered.
    heights: [Option<u64>; VALIDATORS],
    partitions: BTreeMap<usize, Vec<Vec<usize>>>,
    disk_watch: Option<DiskWatch>,
    pending: Vec<Recovery>,
    recovered: BTreeMap<&'static str, Vec<f64>>,
    /// What a node did that it should not (the test fails on them after the other checks).
    findings: Vec<String>,
    /// What a full-disk fault showed.
    disk_notes: Vec<String>,
    truncated: Vec<(u64, u64)>,
    active: usize,
    max_active: usize,
}

impl Runner<'_> {
    fn set_live(&self, k: usize, up: bool) {
        lock(&self.live)[k] = up.then(|| self.net.node(k).url.clone());
    }

    fn status_height(&self, k: usize) -> Option<u64> {
        let url = format!("{}/api/status", self.net.node(k).url);
        let mut resp = self.agent.get(&url).call().ok()?;
        let v: serde_json::Value = resp.body_mut().read_json().ok()?;
        v["height"].as_u64()
    }

    /// Reads the heights of the nodes that are up, notes recoveries, and checks that no node
    /// exited by itself (but one out of disk, which should).
    fn tick(&mut self) -> anyhow::Result<()> {
        for k in 0..VALIDATORS {
            if self.down[k] {
                continue;
            }
            if let Some(h) = self.status_height(k) {
                self.heights[k] = Some(h);
            }
        }
        let now = Instant::now();
        let heights = self.heights;
        let recovered = &mut self.recovered;
        self.pending.retain(|r| {
            let done = heights.iter().all(|h| h.is_some_and(|h| h > r.target));
            if done {
                recovered.entry(r.kind).or_default().push((now - r.ended).as_secs_f64());
            }
            !done
        });
        if let Some(w) = &mut self.disk_watch
            && w.exited.is_none()
            && let Some(status) = self.net.node_mut(w.v).exited()?
        {
            w.exited = Some((w.filled.elapsed(), status));
            self.down[w.v] = true;
            lock(&self.live)[w.v] = None;
        }
        for k in 0..VALIDATORS {
            if !self.down[k]
                && let Some(status) = self.net.node_mut(k).exited()?
            {
                bail!(
                    "validator {k} exited by itself ({status}); its log ends:\n{}",
                    log_tail(&self.net.node(k).log(), 30)
                );
            }
        }
        Ok(())
    }

    fn top(&self) -> u64 {
        self.heights.iter().flatten().copied().max().unwrap_or(0)
    }

    fn apply_cuts(&self) -> anyhow::Result<()> {
        let hosts = self.net.hosts()?;
        let cuts: Vec<&Vec<Vec<usize>>> = self.partitions.values().collect();
        let groups = refine(&cuts);
        if groups.len() <= 1 {
            hosts.heal()
        } else {
            let groups: Vec<&[usize]> = groups.iter().map(Vec::as_slice).collect();
            hosts.partition(&groups)
        }
    }

    fn restart(&mut self, v: usize) -> anyhow::Result<()> {
        self.net.restart(v).with_context(|| {
            format!("validator {v} did not start again:\n{}", log_tail(&self.net.node(v).log(), 30))
        })?;
        self.down[v] = false;
        self.set_live(v, true);
        Ok(())
    }

    fn start(&mut self, i: usize, f: &Fault) -> anyhow::Result<()> {
        // A crash-faulty node is out of the clients' list, but one whose disk fills up: it is up
        // until it stops by itself.
        if let Some(v) = f.kind.crash_target()
            && !matches!(f.kind, Kind::FullDisk(_))
        {
            self.down[v] = true;
            self.set_live(v, false);
        }
        match &f.kind {
            Kind::Kill(v) => self.net.kill(*v)?,
            Kind::Pause(v) => self.net.node(*v).pause()?,
            Kind::Truncate { v, bytes } => {
                self.net.kill(*v)?;
                self.truncated.push(truncate_newest_log(&self.net.home(*v).join("db"), *bytes)?);
            }
            Kind::FullDisk(v) => {
                let fs = self.tmpfs.as_ref().context("a full-disk fault without a tmpfs")?;
                let height_then = self.status_height(*v);
                let used_before = df(&fs.db).map(|(used, _)| used);
                fs.fill()?;
                let log_from = self.net.node(*v).log().len();
                self.disk_watch =
                    Some(DiskWatch { v: *v, filled: Instant::now(), height_then, used_before, log_from, exited: None });
            }
            Kind::Skew { v, ms } => {
                self.net.set_binary(*v, "shulian-node-byzantine", &[("SHULIAN_BYZANTINE", "none")]);
                self.net.configure(*v, &[("test_clock_offset_ms", toml::Value::Integer(*ms))])?;
                self.restart(*v)?;
                // Up, answering, and skewed: the clients use it again.
            }
            Kind::Partition(groups) => {
                self.partitions.insert(i, groups.clone());
                self.apply_cuts()?;
            }
            Kind::Slow { v, kbit } => self.net.hosts()?.slow_link(*v, *kbit, 2_000)?,
        }
        self.active += 1;
        self.max_active = self.max_active.max(self.active);
        Ok(())
    }

    fn end(&mut self, i: usize, f: &Fault) -> anyhow::Result<()> {
        match &f.kind {
            Kind::Kill(v) => self.restart(*v)?,
            Kind::Pause(v) => {
                self.net.node(*v).resume()?;
                self.down[*v] = false;
                self.set_live(*v, true);
            }
            Kind::Truncate { v, .. } => {
                self.history.data_loss(*v);
                self.restart(*v)?;
            }
            Kind::FullDisk(v) => {
                let mut w = self.disk_watch.take().context("a full-disk fault ended that never started")?;
                // A write that failed just before the end: the node gets a moment to stop.
                let grace = Instant::now() + Duration::from_secs(3);
                while w.exited.is_none()
                    && Instant::now() < grace
                    && self.net.node(*v).log().get(w.log_from..).is_some_and(|l| l.contains("No space left on device"))
                {
                    if let Some(status) = self.net.node_mut(*v).exited()? {
                        w.exited = Some((w.filled.elapsed(), status));
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                self.full_disk_verdict(&w)?;
                self.net.kill(*v)?;
                self.tmpfs.as_ref().context("no tmpfs")?.unfill()?;
                self.restart(*v)?;
            }
            Kind::Skew { v, .. } => {
                self.net.unconfigure(*v, &["test_clock_offset_ms"])?;
                self.net.reset_binary(*v);
                self.restart(*v)?;
            }
            Kind::Partition(_) => {
                self.partitions.remove(&i);
                self.apply_cuts()?;
            }
            Kind::Slow { v, .. } => self.net.hosts()?.slow_link(*v, 0, 0)?,
        }
        self.active -= 1;
        for k in 0..VALIDATORS {
            if !self.down[k] {
                self.heights[k] = self.status_height(k).or(self.heights[k]);
            }
        }
        self.pending.push(Recovery { kind: f.kind.name(), ended: Instant::now(), target: self.top() });
        Ok(())
    }

    /// Notes how a node whose disk filled up behaved: once out of space it must have stopped by
    /// itself, non-zero, its log saying the disk is full, within the fault's window. Anything else
    /// is a finding, which fails the test after the other checks; a node that never ran out (the
    /// chain stalled under other faults and it wrote little) is only noted.
    fn full_disk_verdict(&mut self, w: &DiskWatch) -> anyhow::Result<()> {
        let log = self.net.node(w.v).log();
        let log = log.get(w.log_from..).unwrap_or_default();
        let says_full = ["No space left on device", "disk is full", "ENOSPC", "no space"]
            .iter()
            .find(|p| log.to_lowercase().contains(&p.to_lowercase()))
            .copied();
        let says = says_full.map_or("does not say the disk is full".to_string(), |p| format!("says {p:?}"));
        let db = self.tmpfs.as_ref().map(|fs| fs.db.clone()).unwrap_or_default();
        let free_now = df(&db).map(|(_, avail)| avail);
        let space = format!(
            "{TMPFS_MIB} MiB tmpfs, {:.1} MiB used before the filler, {:.2} MiB free now",
            w.used_before.unwrap_or(0) as f64 / 1048576.0,
            free_now.map_or(f64::NAN, |avail| avail as f64 / 1048576.0)
        );
        match w.exited {
            Some((after, status)) => {
                let note = format!(
                    "validator {} stopped {:.1} s after its disk filled ({status}; {space}); its log {says}: {}",
                    w.v,
                    after.as_secs_f64(),
                    log_tail(log, 3)
                );
                if status.success() || says_full.is_none() {
                    self.findings.push(note.clone());
                }
                self.disk_notes.push(note);
            }
            // Never out of space: no write failed (its log would say so), so there is nothing to
            // stop for yet (a few KiB can be left that the next write does not fit in).
            None if says_full.is_none() => {
                let secs = w.filled.elapsed().as_secs_f64();
                self.disk_notes.push(format!(
                    "validator {} did not fill its disk in the {secs:.0} s after the filler ({space}): not exercised",
                    w.v
                ));
            }
            None => {
                let now = self.status_height(w.v);
                let status = self
                    .agent
                    .get(format!("{}/api/status", self.net.node(w.v).url))
                    .call()
                    .ok()
                    .and_then(|mut r| r.body_mut().read_json::<serde_json::Value>().ok())
                    .map_or("no answer".into(), |s| {
                        format!(
                            "height {}, sync {}, disk_free_bytes {}, disk_low {}, mempool {}",
                            s["height"], s["sync"], s["disk_free_bytes"], s["disk_low"], s["mempool_txs"]
                        )
                    });
                let note = format!(
                    "validator {} did not stop in the {:.0} s after its disk filled ({space}): height {:?} then, \
                     {:?} now; its log {says}; its status {}; its log ends:\n{}",
                    w.v,
                    w.filled.elapsed().as_secs_f64(),
                    w.height_then,
                    now,
                    status,
                    log_tail(log, 15)
                );
                self.findings.push(note.clone());
                self.disk_notes.push(note);
            }
        }
        Ok(())
    }
}

/// What one schedule showed.
struct Outcome {
    seed: u64,
    faults: BTreeMap<&'static str, usize>,
    max_concurrent: usize,
    recovered: BTreeMap<&'static str, Vec<f64>>,
    figures: history::Figures,
    height: u64,
    resends: usize,
    batches: usize,
    findings: Vec<String>,
    secs: f64,
}

/// Four validators on hosts when network namespaces can be made here (and
/// `SHULIAN_SOAK_LOOPBACK` is not set, which tries the fallback as root), else on loopback.
fn start_net() -> anyhow::Result<Net> {
    let why = match std::env::var_os("SHULIAN_SOAK_LOOPBACK") {
        Some(_) => Some("SHULIAN_SOAK_LOOPBACK is set".to_string()),
        None => Hosts::unavailable_reason(),
    };
    match why {
        None => Scenario::validators_on_hosts(VALIDATORS).start(),
        Some(why) => {
            eprintln!(
                "fault schedule: {why}; falling back to loopback ports: kills, pauses, log truncations and \
                 clock skew only (no partitions, slow links or full disks)"
            );
            Scenario::validators(VALIDATORS).start()
        }
    }
}

fn run_schedule(seed: u64, total: Duration, every: Duration) -> anyhow::Result<Outcome> {
    let began = Instant::now();
    let mut net = start_net()?;
    let network = net.hosts().is_ok();
    let disk = network.then(|| Rng(SplitMix64(seed ^ 0xd15c)).below(VALIDATORS));
    // Declared after the network, so it is unmounted (lazily) before the network's folder goes.
    let tmpfs = match disk {
        Some(k) => Some(Tmpfs::mount_db(&mut net, k)?),
        None => None,
    };
    let plan = Plan { total_ms: total.as_millis() as u64, every_ms: every.as_millis() as u64, network, disk };
    let faults = schedule(seed, &plan);
    eprintln!(
        "fault schedule: seed {seed}, {} s, a fault every {:.1} s on average, {} faults, at most {} at once{}",
        total.as_secs(),
        every.as_secs_f64(),
        faults.len(),
        max_concurrent(&faults),
        disk.map_or(String::new(), |k| format!(", validator {k}'s database on a {TMPFS_MIB} MiB tmpfs"))
    );
    for f in &faults {
        eprintln!("  {:>6.1} s +{:>4.1} s  {}", f.start_ms as f64 / 1e3, f.dur_ms as f64 / 1e3, f.kind);
    }
    Net::wait_height(&net.nodes(), 1, Duration::from_secs(60))?;

    let history = History::new(CLIENT_TIMEOUT);
    let live: LiveUrls = Arc::new(Mutex::new(net.nodes().iter().map(|n| Some(n.url.clone())).collect()));
    let stop = Arc::new(AtomicBool::new(false));
    let accounts: Vec<AccountId> = ACCOUNTS.iter().map(|a| net.account(a)).collect::<anyhow::Result<_>>()?;
    let mut clients = Vec::new();
    for (i, (from, to)) in SENDERS.iter().enumerate() {
        let (transfers, client) = (net.transfers(from, to)?, history.client(i));
        let (accounts, live, stop) = (accounts.clone(), live.clone(), stop.clone());
        let client_seed = seed.wrapping_mul(31).wrapping_add(i as u64);
        clients.push(std::thread::spawn(move || client_loop(client, transfers, accounts, live, stop, client_seed)));
    }

    let mut runner = Runner {
        net: &mut net,
        live: live.clone(),
        history: history.clone(),
        tmpfs,
        agent: test_agent(Duration::from_secs(2)),
        down: [false; VALIDATORS],
        heights: [None; VALIDATORS],
        partitions: BTreeMap::new(),
        disk_watch: None,
        pending: Vec::new(),
        recovered: BTreeMap::new(),
        findings: Vec::new(),
        disk_notes: Vec::new(),
        truncated: Vec::new(),
        active: 0,
        max_active: 0,
    };
    // (time, 0 = end / 1 = start, fault): ends before starts at the same moment.
    let mut events: Vec<(u64, u8, usize)> =
        faults.iter().enumerate().flat_map(|(i, f)| [(f.start_ms, 1, i), (f.end_ms(), 0, i)]).collect();
    events.sort();
    let t0 = Instant::now();
    let result = (|| -> anyhow::Result<()> {
        let mut next = 0;
        let mut last_tick = Instant::now() - Duration::from_secs(1);
        while next < events.len() {
            let (at, what, i) = events[next];
            if t0.elapsed() >= Duration::from_millis(at) {
                let f = &faults[i];
                let late = t0.elapsed().as_secs_f64() - at as f64 / 1e3;
                if what == 1 {
                    eprintln!("  {:>6.1} s start {}", t0.elapsed().as_secs_f64(), f.kind);
                    runner.start(i, f).with_context(|| format!("starting {}", f.kind))?;
                } else {
                    runner.end(i, f).with_context(|| format!("ending {}", f.kind))?;
                    eprintln!("  {:>6.1} s ended {} ({late:.1} s late)", t0.elapsed().as_secs_f64(), f.kind);
                }
                next += 1;
                continue;
            }
            if last_tick.elapsed() > Duration::from_millis(500) {
                runner.tick()?;
                last_tick = Instant::now();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // Every fault has ended: the chain must pass each fault's end height.
        let deadline = Instant::now() + RECOVERY_BOUND;
        while !runner.pending.is_empty() {
            ensure!(
                Instant::now() < deadline,
                "the chain did not pass the heights of {} fault ends within {RECOVERY_BOUND:?}: heights {:?}, \
                 targets {:?}",
                runner.pending.len(),
                runner.heights,
                runner.pending.iter().map(|r| (r.kind, r.target)).collect::<Vec<_>>()
            );
            runner.tick()?;
            std::thread::sleep(Duration::from_millis(250));
        }
        Ok(())
    })();
    stop.store(true, Ordering::Relaxed);
    let mut tallies = Vec::new();
    for c in clients {
        tallies.push(c.join().map_err(|_| anyhow::anyhow!("a client thread panicked"))?);
    }
    result?;
    let tallies: Vec<ClientTally> = tallies.into_iter().collect::<anyhow::Result<_>>()?;
    let Runner { findings, disk_notes, recovered, max_active, truncated, mut tmpfs, .. } = runner;
    for note in &disk_notes {
        eprintln!("fault schedule: {note}");
    }
    for (cut, len) in &truncated {
        eprintln!("fault schedule: a write-ahead log of {len} bytes lost its last {cut}");
    }

    // Last reads: every account's balance on every node, at the top.
    let last = history.client(SENDERS.len());
    for k in 0..VALIDATORS {
        for a in &accounts {
            let _: BalanceSeen = last.balance(k, &net.node(k).url, a);
        }
    }
    let ops = history.ops();
    let committed: Vec<String> = ops
        .iter()
        .filter_map(|op| match op.kind {
            OpKind::Status { tx, seen: TxSeen::Committed(_) } => Some(tx.to_hex()),
            _ => None,
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let agreed = net.agree(&committed, RECOVERY_BOUND)?;
    let chain = FinalChain::read(net.node(0), agreed.height)?;
    let report = history::check(&ops, &history.data_losses(), &chain);
    for n in net.nodes() {
        let ev = n.get("/api/evidence")?;
        ensure!(ev["items"].as_array().is_some_and(Vec::is_empty), "{}: equivocation recorded: {ev}", n.url);
    }
    net.kill_all()?;
    for (k, out) in net.verify_ledgers()?.iter().enumerate() {
        ensure!(out.contains("ledger verified from genesis"), "node {k}: {out}");
    }
    if let Some(fs) = &mut tmpfs {
        fs.unmount()?;
    }
    let mut kinds = BTreeMap::new();
    for f in &faults {
        *kinds.entry(f.kind.name()).or_default() += 1;
    }
    let outcome = Outcome {
        seed,
        faults: kinds,
        max_concurrent: max_active,
        recovered,
        figures: report.figures.clone(),
        height: agreed.height,
        resends: tallies.iter().map(|t| t.resends).sum(),
        batches: tallies.iter().map(|t| t.batches).sum(),
        findings,
        secs: began.elapsed().as_secs_f64(),
    };
    print_outcome(&outcome, report.verdict().is_ok());
    report.verdict()?;
    Ok(outcome)
}

fn print_outcome(o: &Outcome, consistent: bool) {
    let f = &o.figures;
    eprintln!("| fault | runs | recovered | recovery mean (s) | recovery max (s) |");
    eprintln!("| --- | --- | --- | --- | --- |");
    for (kind, n) in &o.faults {
        let t = o.recovered.get(kind).cloned().unwrap_or_default();
        let max = t.iter().copied().fold(0.0, f64::max);
        let mean = if t.is_empty() { 0.0 } else { t.iter().sum::<f64>() / t.len() as f64 };
        eprintln!("| {kind} | {n} | {} | {mean:.1} | {max:.1} |", t.len());
    }
    eprintln!(
        "fault schedule: seed {}: {}; {} faults, at most {} at once; {} blocks, {} transactions in them, {} seen \
         committed by the clients ({} batches, {} re-sent); {} submissions, {} status reads, {} balance reads checked \
         ({} after a commit they must reflect, {} back in height after a truncated log); {} findings; {:.0} s",
        o.seed,
        if consistent { "history consistent with the final chain" } else { "HISTORY VIOLATIONS" },
        o.faults.values().sum::<usize>(),
        o.max_concurrent,
        o.height,
        f.chain_txs,
        f.committed_seen,
        o.batches,
        o.resends,
        f.submissions,
        f.status_reads,
        f.balance_reads,
        f.reads_after_commit,
        f.went_back_after_data_loss,
        o.findings.len(),
        o.secs
    );
}

#[test]
fn fault_schedule_soak_overlapping_faults_keep_one_chain_and_a_consistent_history() -> anyhow::Result<()> {
    let total = Duration::from_secs(env_u64("SHULIAN_SOAK_SECS", DEFAULT_SECS)?);
    let every = Duration::from_secs(env_u64("SHULIAN_FAULT_EVERY_SECS", DEFAULT_EVERY_SECS)?);
    ensure!(!every.is_zero(), "SHULIAN_FAULT_EVERY_SECS must be at least 1");
    let first = env_u64("SHULIAN_SOAK_SEED", DEFAULT_SEED)?;
    let seeds = env_u64("SHULIAN_SOAK_SEEDS", 1)?;
    let mut findings = Vec::new();
    for seed in first..first.saturating_add(seeds.max(1)) {
        let o = run_schedule(seed, total, every).with_context(|| format!("seed {seed} (SHULIAN_SOAK_SEED={seed})"))?;
        findings.extend(o.findings.into_iter().map(|f| format!("seed {seed}: {f}")));
    }
    ensure!(findings.is_empty(), "the nodes misbehaved under the faults:\n{}", findings.join("\n"));
    Ok(())
}

#[test]
fn fault_schedule_generation_is_seeded_overlapping_and_one_crash_at_a_time() {
    let plan = Plan { total_ms: 7_200_000, every_ms: 3_000, network: true, disk: Some(2) };
    let a = schedule(7, &plan);
    assert_eq!(a, schedule(7, &plan), "the same seed gives the same schedule");
    assert_ne!(a, schedule(8, &plan), "another seed another");
    assert!(a.len() > 1_000, "{} faults in two hours at one every 3 s", a.len());
    assert!(max_concurrent(&a) >= 3, "faults overlap: at most {} at once", max_concurrent(&a));
    let crashes: Vec<&Fault> = a.iter().filter(|f| f.kind.crash_target().is_some()).collect();
    for w in crashes.windows(2) {
        assert!(w[0].end_ms() + CRASH_GAP_MS <= w[1].start_ms, "two crash faults at once: {:?} and {:?}", w[0], w[1]);
    }
    assert!(a.iter().all(|f| f.end_ms() <= plan.total_ms), "every fault ends within the schedule");
    for f in &a {
        if let Kind::FullDisk(v) = f.kind {
            assert_eq!(v, 2, "full disk only where the tmpfs is");
        }
    }
    let names: BTreeSet<&str> = a.iter().map(|f| f.kind.name()).collect();
    assert_eq!(names.len(), CRASH_KINDS.len() + NETWORK_KINDS.len(), "{names:?}");
    let shapes: BTreeSet<Vec<usize>> = a
        .iter()
        .filter_map(|f| match &f.kind {
            Kind::Partition(g) => {
                let mut s: Vec<usize> = g.iter().map(Vec::len).collect();
                s.sort();
                Some(s)
            }
            _ => None,
        })
        .collect();
    assert_eq!(shapes.len(), 4, "1|3, 2|2, 1|1|2 and 1|1|1|1: {shapes:?}");
    // The bounded run of `make test` has every kind; on loopback only process faults.
    let bounded =
        Plan { total_ms: DEFAULT_SECS * 1_000, every_ms: DEFAULT_EVERY_SECS * 1_000, network: true, disk: Some(0) };
    let names: BTreeSet<&str> = schedule(DEFAULT_SEED, &bounded).iter().map(|f| f.kind.name()).collect();
    assert_eq!(names.len(), CRASH_KINDS.len() + NETWORK_KINDS.len(), "{names:?}");
    let local = schedule(1, &Plan { total_ms: 600_000, every_ms: 3_000, network: false, disk: None });
    assert!(
        local
            .iter()
            .all(|f| matches!(f.kind, Kind::Kill(_) | Kind::Pause(_) | Kind::Truncate { .. } | Kind::Skew { .. }))
    );
}

#[test]
fn fault_schedule_overlapping_partitions_cut_the_union_of_their_links() {
    let a = vec![vec![0, 1], vec![2, 3]];
    let b = vec![vec![0], vec![1, 2, 3]];
    assert_eq!(refine(&[&a]), a);
    assert_eq!(refine(&[&a, &b]), vec![vec![0], vec![1], vec![2, 3]]);
    assert_eq!(refine(&[]), vec![vec![0, 1, 2, 3]]);
}
