//! The signing gateway (`shulian gateway`) against a real dev node: 3 200 usage receipts in
//! `make test` (10 000 in `make nightly`: `SHULIAN_GATEWAY_RECEIPTS`) posted by 16 concurrent
//! callers, with the node SIGKILLed and restarted on the same data folder in the middle. At the
//! end every receipt is committed exactly once (the grant counts one use per receipt, each
//! query hash appears once among its receipts and in the event index) and the key's committed
//! nonces are exactly `0..n`: no gap, no reuse, and nothing re-signed.
//!
//! The gateway reaches the node through a small TCP relay, so that the restarted node (on a new
//! OS-chosen port) is the same address for the gateway, as a restarted node is in production.
// A test measures time like an operator would.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use anyhow::{Context, bail, ensure};
use serde_json::{Value, json};
use shulian_network_tests::scenario::Scenario;
use shulian_network_tests::wallet::{file_request, json_ok, register_dataset, text};
use shulian_network_tests::{DevNode, binary};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const DEFAULT_RECEIPTS: usize = 3_200;
const CALLERS: usize = 16;

/// Receipts to post: `SHULIAN_GATEWAY_RECEIPTS`, a multiple of [`CALLERS`] (rounded down).
fn receipts() -> usize {
    let n = std::env::var("SHULIAN_GATEWAY_RECEIPTS").ok().and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_RECEIPTS);
    (n / CALLERS).max(1) * CALLERS
}

/// Forwards every connection to the address in `upstream` (the node's current `host:port`).
struct Relay {
    url: String,
    upstream: Arc<Mutex<String>>,
}

impl Relay {
    fn start(upstream_url: &str) -> anyhow::Result<Relay> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let url = format!("http://{}", listener.local_addr()?);
        let upstream = Arc::new(Mutex::new(host_port(upstream_url)?));
        let target = upstream.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().map_while(Result::ok) {
                let addr = target.lock().unwrap_or_else(|p| p.into_inner()).clone();
                // A node that is down: the connection is dropped, as a refused one would be.
                let Ok(server) = TcpStream::connect(&addr) else { continue };
                pipe(client, server);
            }
        });
        Ok(Relay { url, upstream })
    }

    fn point_to(&self, upstream_url: &str) -> anyhow::Result<()> {
        *self.upstream.lock().unwrap_or_else(|p| p.into_inner()) = host_port(upstream_url)?;
        Ok(())
    }
}

fn host_port(url: &str) -> anyhow::Result<String> {
    Ok(url.strip_prefix("http://").context("node URL without http://")?.trim_end_matches('/').to_string())
}

/// Copies both ways until either side closes, then closes both.
fn pipe(a: TcpStream, b: TcpStream) {
    let (Ok(a2), Ok(b2)) = (a.try_clone(), b.try_clone()) else { return };
    let one_way = |mut from: TcpStream, mut to: TcpStream| {
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut from, &mut to);
            let _ = to.shutdown(std::net::Shutdown::Both);
            let _ = from.shutdown(std::net::Shutdown::Both);
        });
    };
    one_way(a, b2);
    one_way(b, a2);
}

/// A running `shulian gateway`, killed when dropped.
struct GatewayProcess {
    child: Child,
    url: String,
}

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl GatewayProcess {
    fn start(node: &DevNode, node_url: &str, dir: &std::path::Path, key: &str) -> anyhow::Result<GatewayProcess> {
        let token = dir.join("gateway.token");
        let stderr = std::fs::File::create(dir.join("gateway.stderr"))?;
        let mut child = Command::new(binary("shulian")?)
            .args(["gateway", "--key", key, "--listen", "127.0.0.1:0", "--token-file"])
            .arg(&token)
            .env("HOME", dir)
            .env_remove("SHULIAN_CONFIG")
            .env_remove("SHULIAN_KEY")
            .env("SHULIAN_NODE", node_url)
            .env("SHULIAN_KEYSTORE", node.home.join("keys"))
            .env("SHULIAN_PASSPHRASE", "dev")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .spawn()
            .context("cannot start shulian gateway")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("listening on ") {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let mut gw = GatewayProcess { child, url: String::new() };
        gw.url = rx.recv_timeout(Duration::from_secs(60)).context("the gateway did not print its address")?;
        Ok(gw)
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

fn gateway_get(agent: &ureq::Agent, url: &str, token: &str) -> anyhow::Result<Value> {
    let mut resp = agent.get(url).header("Authorization", &format!("Bearer {token}")).call()?;
    ensure!(resp.status() == 200, "GET {url}: {}", resp.status());
    Ok(serde_json::from_str(&resp.body_mut().read_to_string()?)?)
}

/// Caller `c` posts its share of the receipts; answers (receipt number, hash, nonce) per receipt.
fn caller(
    c: usize,
    url: String,
    token: String,
    grant: String,
    answered: Arc<AtomicUsize>,
) -> anyhow::Result<Vec<(usize, String, u64)>> {
    let agent = agent();
    let per = receipts() / CALLERS;
    let mut out = Vec::with_capacity(per);
    for k in c * per..(c + 1) * per {
        let body = json!({
            "grant": grant, "query_hash": format!("{k:064x}"), "result_hash": "ab".repeat(32),
            "row_count": 42, "fields_used": ["district"],
        });
        loop {
            let mut resp = agent
                .post(&format!("{url}/v1/receipt"))
                .header("Authorization", &format!("Bearer {token}"))
                .send_json(&body)
                .with_context(|| format!("caller {c}, receipt {k}"))?;
            let status = resp.status().as_u16();
            let v: Value = serde_json::from_str(&resp.body_mut().read_to_string()?)?;
            match status {
                200 => {
                    let hash = text(&v, "hash")?;
                    let nonce = v["nonce"].as_u64().with_context(|| format!("no nonce in {v}"))?;
                    out.push((k, hash, nonce));
                    answered.fetch_add(1, Ordering::SeqCst);
                    break;
                }
                503 if v["error"]["code"] == "queue_full" => std::thread::sleep(Duration::from_millis(20)),
                _ => bail!("receipt {k}: HTTP {status} {v}"),
            }
        }
    }
    Ok(out)
}

/// Every receipt of `grant`, page by page (`GET /api/grant/{id}/receipts`).
fn receipts_of(node: &DevNode, grant: &str) -> anyhow::Result<Vec<shulian_api::lists::ReceiptRow>> {
    let client = node.client()?;
    let grant: shulian_runtime::GrantId = grant.parse().map_err(|e| anyhow::anyhow!("grant id {grant}: {e:?}"))?;
    let q = |after: Option<&str>| shulian_api::regulator::ViewQuery {
        after: after.map(String::from),
        limit: Some(shulian_api::routes::MAX_PAGE),
        ..Default::default()
    };
    Ok(shulian_client::lists::collect_pages(None, usize::MAX, |after| client.grant_receipts(&grant, &q(after)))?.rows)
}

fn wait_for(what: &str, timeout: Duration, mut check: impl FnMut() -> anyhow::Result<bool>) -> anyhow::Result<()> {
    let start = Instant::now();
    while !check().unwrap_or(false) {
        ensure!(start.elapsed() < timeout, "{what}: not within {timeout:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

#[test]
fn receipts_from_sixteen_callers_commit_once_with_consecutive_nonces_across_a_node_sigkill() -> anyhow::Result<()> {
    let total = receipts();
    let mut net = Scenario::dev().start()?;
    let node = net.node(0);
    let dataset = register_dataset(node, "health", "bus trips", "important", "conditional")?;
    let requested = file_request(node, "transport", &dataset, "ridership", &["district"], 20_000)?;
    let request = text(&requested, "request_id")?;
    let approved = json_ok(node, &["grant", "approve", "--from", "health", "--request", &request, "--json"])?;
    let grant = text(&approved, "grant_id")?;
    let account = text(&json_ok(node, &["account", "--key", "transport", "--json"])?, "account")?;

    let relay = Relay::start(&node.url)?;
    let dir = net.dir().join("gateway");
    std::fs::create_dir_all(&dir)?;
    let gw = GatewayProcess::start(node, &relay.url, &dir, "transport")?;
    let token = std::fs::read_to_string(dir.join("gateway.token"))?.trim().to_string();
    let agent = agent();
    let status_url = format!("{}/v1/status", gw.url);
    let first_nonce = gateway_get(&agent, &status_url, &token)?["next_nonce"].as_u64().context("next_nonce")?;

    let started = Instant::now();
    let answered = Arc::new(AtomicUsize::new(0));
    let callers: Vec<_> = (0..CALLERS)
        .map(|c| {
            let (url, token, grant, answered) = (gw.url.clone(), token.clone(), grant.clone(), answered.clone());
            std::thread::spawn(move || caller(c, url, token, grant, answered))
        })
        .collect();

    // Halfway: SIGKILL the node while it holds admitted, uncommitted receipts in its mempool.
    wait_for("half the receipts answered", Duration::from_secs(120), || {
        Ok(answered.load(Ordering::SeqCst) >= total / 2)
    })?;
    wait_for("receipts pending at the node", Duration::from_secs(30), || {
        Ok(net.node(0).get("/api/status")?["mempool_txs"].as_u64().unwrap_or(0) > 0)
    })?;
    let at_kill = answered.load(Ordering::SeqCst);
    net.kill(0)?;
    let killed = Instant::now();
    // Calls keep coming while the node is down: the gateway signs and queues them.
    wait_for("calls queued at the gateway while the node is down", Duration::from_secs(30), || {
        Ok(gateway_get(&agent, &status_url, &token)?["unadmitted"].as_u64().unwrap_or(0) > 0)
    })?;
    net.restart(0)?;
    relay.point_to(&net.node(0).url)?;
    let down_for = killed.elapsed();

    let mut receipts = Vec::new();
    for c in callers {
        receipts.extend(c.join().map_err(|_| anyhow::anyhow!("a caller panicked"))??);
    }
    wait_for("every signed receipt committed", Duration::from_secs(120), || {
        let s = gateway_get(&agent, &status_url, &token)?;
        Ok(s["unconfirmed"] == 0)
    })?;
    let elapsed = started.elapsed();
    eprintln!(
        "gateway: {total} receipts from {CALLERS} callers committed in {:.1} s ({:.0}/s), node SIGKILLed after {at_kill} answers and down {:.1} s",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        down_for.as_secs_f64()
    );

    let node = net.node(0);
    // Every answer names a distinct nonce and hash.
    ensure!(receipts.len() == total, "{} answers", receipts.len());
    let answered_hashes: BTreeSet<String> = receipts.iter().map(|(_, h, _)| h.clone()).collect();
    let answered_nonces: BTreeSet<u64> = receipts.iter().map(|(_, _, n)| *n).collect();
    ensure!(answered_hashes.len() == total && answered_nonces.len() == total, "an answer was repeated");
    let last = first_nonce + total as u64;
    ensure!(answered_nonces == (first_nonce..last).collect(), "answered nonces are not {first_nonce}..{last}");

    // The account's committed nonces: every transaction of the key in every block, 0..n once each.
    let v = node.get(&format!("/api/account/{account}"))?;
    assert_eq!(v["nonce"], last, "the account's next nonce: {v}");
    let head = node.get("/api/status")?["height"].as_u64().context("height")?;
    let mut committed: BTreeMap<u64, String> = BTreeMap::new();
    for h in 1..=head {
        let block = node.get(&format!("/api/block/{h}"))?;
        for tx in block["txs"].as_array().context("txs")? {
            if tx["account"] != account.as_str() {
                continue;
            }
            let nonce = tx["nonce"].as_u64().context("nonce")?;
            let hash = text(tx, "hash")?;
            if let Some(before) = committed.insert(nonce, hash.clone()) {
                bail!("nonce {nonce} committed twice: {before} and {hash}");
            }
            if answered_hashes.contains(&hash) {
                assert_eq!(tx["outcome"]["status"], "success", "{tx}");
            }
        }
    }
    assert_eq!(committed.keys().copied().collect::<Vec<_>>(), (0..last).collect::<Vec<_>>(), "no gap, no reuse");
    let gateway_committed: BTreeSet<String> = committed.range(first_nonce..).map(|(_, h)| h.clone()).collect();
    assert_eq!(gateway_committed, answered_hashes, "exactly the answered transactions are committed");

    // The grant: 10 000 uses, each query hash once among its receipts and in the event index.
    let g = node.get(&format!("/api/grant/{grant}"))?;
    assert_eq!(g["grant"]["uses"], total, "uses");
    let mut queries: BTreeMap<String, usize> = BTreeMap::new();
    for r in receipts_of(node, &grant)? {
        *queries.entry(r.query_hash.to_string()).or_default() += 1;
    }
    let expected: BTreeMap<String, usize> = (0..total).map(|k| (format!("{k:064x}"), 1)).collect();
    assert!(
        queries == expected,
        "each query hash exactly once among the grant's receipts ({} distinct)",
        queries.len()
    );
    let mut recorded = 0;
    let mut after: Option<String> = None;
    loop {
        let cursor = after.as_ref().map(|a| format!("&after={a}")).unwrap_or_default();
        let page = node.get(&format!("/api/events?subject=grant:{grant}&limit=500{cursor}"))?;
        let events = page["events"].as_array().context("events")?;
        recorded += events.iter().filter(|e| e["event"]["type"] == "receipt_recorded").count();
        match page["next"].as_str() {
            Some(n) => after = Some(n.to_string()),
            None => break,
        }
    }
    assert_eq!(recorded, total, "receipt_recorded events of the grant");

    // The signing log: one line per receipt, in nonce order, none re-signed.
    let log = std::fs::read_to_string(dir.join("gateway.log"))?;
    let lines: Vec<Value> = log.lines().map(serde_json::from_str).collect::<Result<_, _>>()?;
    assert_eq!(lines.len(), total, "one log line per signature");
    for (i, l) in lines.iter().enumerate() {
        assert_eq!((l["event"].as_str(), l["route"].as_str()), (Some("signed"), Some("receipt")), "{l}");
        assert_eq!(l["nonce"], first_nonce + i as u64, "{l}");
    }
    drop(gw);
    Ok(())
}

/// The Python example of docs/wallet.md ("Signing gateway"), run as written against a gateway:
/// it records a receipt and prints the committed outcome.
#[test]
fn the_python_example_in_the_wallet_docs_records_a_receipt() -> anyhow::Result<()> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/wallet.md"))?;
    let section = doc.split("## Signing gateway").nth(1).context("no gateway section in docs/wallet.md")?;
    let code = section
        .split("```python\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .context("no python block in the gateway section")?;

    let net = Scenario::dev().start()?;
    let node = net.node(0);
    let dataset = register_dataset(node, "health", "bus trips", "important", "conditional")?;
    let requested = file_request(node, "transport", &dataset, "ridership", &["district"], 5)?;
    let request = text(&requested, "request_id")?;
    let approved = json_ok(node, &["grant", "approve", "--from", "health", "--request", &request, "--json"])?;
    let grant = text(&approved, "grant_id")?;
    let dir = net.dir().join("gateway");
    std::fs::create_dir_all(&dir)?;
    let gw = GatewayProcess::start(node, &node.url, &dir, "transport")?;

    let script = dir.join("record_use.py");
    std::fs::write(&script, code)?;
    let (q, r) = ("5e".repeat(32), "7a".repeat(32));
    let out = Command::new("python3")
        .arg(&script)
        .args([&grant, &q, &r])
        .env("SHULIAN_GATEWAY", &gw.url)
        .env("SHULIAN_GATEWAY_TOKEN", dir.join("gateway.token"))
        .output()
        .context("cannot run python3")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    ensure!(out.status.success(), "python example failed: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    let words: Vec<&str> = stdout.split_whitespace().collect();
    ensure!(words.len() == 4 && words[2..] == ["committed", "success"], "printed {stdout:?}");
    let g = node.get(&format!("/api/grant/{grant}"))?;
    assert_eq!(g["grant"]["uses"], 1, "{g}");
    let first = receipts_of(node, &grant)?;
    assert_eq!(first.first().map(|r| (r.query_hash.to_string(), r.tx_hash.to_string())), Some((q, words[0].into())));
    Ok(())
}
