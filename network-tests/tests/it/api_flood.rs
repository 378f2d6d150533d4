//! The HTTP API cannot stall consensus: while four validators commit a steady stream of
//! transfers, validator 0's API is flooded from many connections and many client addresses with
//! slow and expensive requests (the largest event pages and block lists, searches, CSV and JSON
//! exports, the largest block, clients that stop reading). The chain's block rate during the
//! flood stays above [`MIN_RATE_FRACTION`] of the rate just before it, and validator 0 keeps
//! voting: its precommits are in the commit certificates of blocks made during the flood about
//! as often as before it. Measured numbers are in docs/reliability.md.
// A load test measures time like an operator would.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use anyhow::{Context, bail};
use serde_json::json;
use shulian_network_tests::checker::{Transfers, height};
use shulian_network_tests::scenario::{Net, Scenario};
use shulian_network_tests::{DevNode, request};
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Flooding threads, each from its own loopback address (127.0.1.k), so the flood is not just one
/// client that the per-client limit alone would stop.
const FLOODERS: usize = 64;

/// Length of the window before the flood and of the window during it, over which blocks are
/// counted: long enough for tens of blocks at the nodes' 200 ms block interval.
const WINDOW: Duration = Duration::from_secs(15);

/// The least share of the unflooded window's blocks that the flooded window must make. Half: the
/// flood runs on the same two cores as the four validators, so some slowdown is the machine's,
/// not the node's; a stalled validator 0 (a proposer every fourth height) costs far more.
const MIN_RATE_FRACTION: f64 = 0.5;

/// Transfers committed before measuring, so pages, blocks and exports have something to read.
const PRELOAD: usize = 2_000;

/// Transfers per `/api/txs` batch.
const BATCH: usize = 100;

/// The load generator tops the mempool of validator 1 up when it holds fewer than this: every
/// block has transactions to commit, in both windows alike.
const PENDING_TARGET: u64 = 300;

/// Every this many requests, a flooder asks for a large answer and then reads nothing for
/// [`SLOW_READ_PAUSE`].
const SLOW_EVERY: usize = 4;

/// How long a slow reader holds its connection without reading.
const SLOW_READ_PAUSE: Duration = Duration::from_secs(3);

/// Longest a flooder waits for one answer.
const FLOOD_READ_TIMEOUT: Duration = Duration::from_secs(20);

/// Posts `n` transfers of `client` to `node` as one `/api/txs` batch; each must be admitted.
fn post_batch(node: &DevNode, client: &mut Transfers, n: usize) -> anyhow::Result<()> {
    let txs =
        (0..n).map(|_| Ok(hex::encode(borsh::to_vec(&client.next_tx())?))).collect::<anyhow::Result<Vec<String>>>()?;
    let (code, body) = request(&format!("{}/api/txs", node.url), Some(json!({ "txs": txs })))?;
    let results = body["results"].as_array().context("no results")?;
    if code != 200 || results.iter().any(|r| r.get("hash").is_none()) {
        bail!("{} refused a batch: {code} {body}", node.url);
    }
    Ok(())
}

/// Keeps `node`'s mempool holding transfers until `stop`.
fn keep_busy(node: &DevNode, client: &mut Transfers, stop: &AtomicBool) -> anyhow::Result<()> {
    while !stop.load(Ordering::Relaxed) {
        let pending = node.get("/api/status")?["mempool_txs"].as_u64().unwrap_or(0);
        if pending < PENDING_TARGET {
            post_batch(node, client, BATCH)?;
        } else {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    Ok(())
}

/// Blocks `(from, to]` as `node` lists them, and how many of them carry `validator`'s precommit
/// in their commit certificate.
fn signed_by(node: &DevNode, from: u64, to: u64, validator: &str) -> anyhow::Result<(u64, u64)> {
    let (mut blocks, mut signed) = (0, 0);
    let mut before = to + 1;
    while before > from + 1 {
        let page = node.get(&format!("/api/blocks?before={before}&limit=20"))?;
        let list = page["blocks"].as_array().context("no blocks")?;
        if list.is_empty() {
            break;
        }
        for b in list {
            let h = b["height"].as_u64().context("no height")?;
            before = before.min(h);
            if h <= from {
                continue;
            }
            blocks += 1;
            let sigs = b["signatures"].as_array().context("no signatures")?;
            if sigs.iter().any(|s| s["validator"] == validator) {
                signed += 1;
            }
        }
    }
    Ok((blocks, signed))
}

/// What the flooded API answered.
#[derive(Default)]
struct Answers {
    ok: AtomicU64,
    busy: AtomicU64,
    too_many: AtomicU64,
    other: AtomicU64,
    failed: AtomicU64,
}

impl Answers {
    fn count(&self, r: std::io::Result<u16>) {
        let c = match r {
            Ok(200..=299) => &self.ok,
            Ok(503) => &self.busy,
            Ok(429) => &self.too_many,
            Ok(_) => &self.other,
            Err(_) => &self.failed,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    fn get(&self) -> [u64; 5] {
        [&self.ok, &self.busy, &self.too_many, &self.other, &self.failed].map(|a| a.load(Ordering::Relaxed))
    }
}

/// One GET of `path` from address `src` over a fresh connection; a slow one reads nothing for
/// [`SLOW_READ_PAUSE`] and then only the status line. Returns the status code.
fn one_request(src: Ipv4Addr, dst: SocketAddr, path: &str, slow: bool) -> std::io::Result<u16> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.bind(&SocketAddr::new(IpAddr::V4(src), 0).into())?;
    socket.connect_timeout(&dst.into(), Duration::from_secs(5))?;
    let mut s: TcpStream = socket.into();
    s.set_read_timeout(Some(FLOOD_READ_TIMEOUT))?;
    s.set_write_timeout(Some(FLOOD_READ_TIMEOUT))?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: {dst}\r\nConnection: close\r\n\r\n")?;
    if slow {
        std::thread::sleep(SLOW_READ_PAUSE);
    }
    let mut head = [0u8; 12];
    s.read_exact(&mut head)?;
    let code = std::str::from_utf8(&head[9..12]).ok().and_then(|c| c.parse().ok()).unwrap_or(0);
    if !slow {
        std::io::copy(&mut s, &mut std::io::sink())?;
    }
    Ok(code)
}

/// Floods `dst` from address `src` with `paths` in turn until `stop`.
fn flood(src: Ipv4Addr, dst: SocketAddr, paths: &[String], start: usize, stop: &AtomicBool, answers: &Answers) {
    let mut k = start;
    while !stop.load(Ordering::Relaxed) {
        k += 1;
        let slow = k.is_multiple_of(SLOW_EVERY);
        let path = if slow { &paths[0] } else { &paths[k % paths.len()] };
        answers.count(one_request(src, dst, path, slow));
    }
}

#[test]
fn a_flooded_api_does_not_slow_its_validator_or_the_chain() -> anyhow::Result<()> {
    let net = Scenario::validators(4).start()?;
    let (v0, v1) = (net.node(0), net.node(1));
    let v0_key = shulian_network_tests::checker::validator_key_of(net.home(0))?;
    let v0_addr: SocketAddr = v0.url.trim_start_matches("http://").parse().context("validator 0's address")?;

    // Something to read: a few thousand transfers in blocks, and their events.
    let mut client = net.transfers("trader", "health")?;
    for _ in 0..PRELOAD / 500 {
        post_batch(v1, &mut client, 500)?;
    }
    let last = client.next_tx();
    let (code, body) = v1.submit(&last)?;
    anyhow::ensure!(code == 202, "the last preload transfer was refused: {body}");
    let last = body["hash"].as_str().context("no hash")?.to_string();
    shulian_network_tests::checker::wait_committed(v1, &[last], Duration::from_secs(60))?;
    let big = v1.get("/api/blocks?limit=20")?["blocks"]
        .as_array()
        .context("no blocks")?
        .iter()
        .max_by_key(|b| b["txs"].as_u64().unwrap_or(0))
        .and_then(|b| b["height"].as_u64())
        .context("no block")?;
    let paths: Vec<String> = [
        "/api/events?type=transferred&limit=500".to_string(),
        "/api/blocks?limit=100".into(),
        "/api/search?q=a".into(),
        "/api/views/core-grants?format=csv".into(),
        "/api/views/disputes?include_resolved=true&format=json".into(),
        format!("/api/block/{big}"),
        "/api/events?type=transferred&limit=500&after=0000000000000001000000000000".into(),
    ]
    .into();

    let stop_load = AtomicBool::new(false);
    let stop_flood = AtomicBool::new(false);
    let answers = Answers::default();
    let measured = std::thread::scope(|s| -> anyhow::Result<_> {
        let load = s.spawn(|| keep_busy(v1, &mut client, &stop_load));
        let result = (|| -> anyhow::Result<_> {
            // The chain's own pace first: blocks made in a window while transfers are committed.
            Net::wait_height(&net.some(&[1]), height(v1)? + 2, Duration::from_secs(30))?;
            let h0 = height(v1)?;
            std::thread::sleep(WINDOW);
            let h1 = height(v1)?;

            // The same window with validator 0's API flooded.
            let flooders: Vec<_> = (0..FLOODERS)
                .map(|k| {
                    let src = Ipv4Addr::new(127, 0, 1, k as u8 + 1);
                    let (paths, stop, answers) = (&paths, &stop_flood, &answers);
                    s.spawn(move || flood(src, v0_addr, paths, k, stop, answers))
                })
                .collect();
            let started = Instant::now();
            let h2 = height(v1)?;
            std::thread::sleep(WINDOW);
            let h3 = height(v1)?;
            let flooded_for = started.elapsed();
            stop_flood.store(true, Ordering::Relaxed);
            for f in flooders {
                let _ = f.join();
            }
            Ok((h0, h1, h2, h3, flooded_for))
        })();
        stop_load.store(true, Ordering::Relaxed);
        load.join().map_err(|_| anyhow::anyhow!("the load generator panicked"))??;
        result
    })?;
    let (h0, h1, h2, h3, flooded_for) = measured;

    let (base_blocks, base_signed) = signed_by(v1, h0, h1, &v0_key)?;
    let (flood_blocks, flood_signed) = signed_by(v1, h2, h3, &v0_key)?;
    let [ok, busy, too_many, other, failed] = answers.get();
    eprintln!(
        "api_flood: unflooded {base_blocks} blocks in {WINDOW:?} (validator 0 signed {base_signed}); flooded \
         {flood_blocks} blocks in {flooded_for:?} (validator 0 signed {flood_signed}); rate {:.2} of unflooded; \
         flood answers: {ok} ok, {busy} 503, {too_many} 429, {other} other, {failed} failed",
        flood_blocks as f64 / base_blocks.max(1) as f64
    );

    assert!(base_blocks >= 10, "the unflooded chain made too few blocks to compare with: {base_blocks}");
    assert!(ok + busy + too_many + other > 0, "the flood reached the node");
    assert!(
        flood_blocks as f64 >= MIN_RATE_FRACTION * base_blocks as f64,
        "the chain made {flood_blocks} blocks during the flood, fewer than {MIN_RATE_FRACTION} of the \
         {base_blocks} it made in the same time before"
    );
    let base_share = base_signed as f64 / base_blocks as f64;
    let flood_share = flood_signed as f64 / flood_blocks.max(1) as f64;
    assert!(
        flood_signed > 0 && flood_share >= MIN_RATE_FRACTION * base_share,
        "validator 0 signed {flood_signed} of {flood_blocks} certificates during the flood, against \
         {base_signed} of {base_blocks} before it"
    );

    // Validator 0 is on the chain's head, and its API answers again once the flood is over.
    let top = height(v1)?;
    Net::wait_height(&net.some(&[0]), top, Duration::from_secs(30))?;
    Ok(())
}
