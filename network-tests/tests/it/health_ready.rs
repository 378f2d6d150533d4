//! Health and readiness of real nodes: `/ready` is 503 (catching up) while a restarted validator
//! of a 4-validator network has not caught up with the blocks the others committed without it,
//! then 200; the
//! others stay ready and every node's `/health` is 200. A dev node started with
//! `--log-format json` writes only JSON lines, among them one per committed block.

use anyhow::Context;
use serde_json::Value;
use shulian_network_tests::scenario::{Net, Scenario};
use shulian_network_tests::{DevNode, request};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// Blocks the three live validators commit while the fourth is down: more than the readiness lag.
/// Every fourth height waits for the dead proposer's timeout (about 2 s), so keep it small.
const GAP_BLOCKS: u64 = 12;
/// Fast blocks for this test, busy or idle, so the gap is built in a few seconds.
const FAST_MS: i64 = 50;
/// Bound on every wait: far above what a loaded test machine needs.
const DEADLINE: Duration = Duration::from_secs(60);

fn ready(node: &DevNode) -> anyhow::Result<(u16, Value)> {
    request(&format!("{}/ready", node.url), None)
}

fn height(node: &DevNode) -> anyhow::Result<u64> {
    node.get("/api/status")?["height"].as_u64().ok_or_else(|| anyhow::anyhow!("no height"))
}

fn fast_network() -> anyhow::Result<Net> {
    let mut net = Scenario::validators(4).start()?;
    let fast = [("block_interval_ms", FAST_MS.into()), ("empty_block_interval_ms", FAST_MS.into())];
    for k in 0..4 {
        net.configure(k, &fast)?;
    }
    net.kill_all()?;
    for k in 0..4 {
        net.restart(k)?;
    }
    Ok(net)
}

#[test]
fn ready_is_503_while_a_restarted_validator_catches_up_then_200() -> anyhow::Result<()> {
    let mut net = fast_network()?;
    Net::wait_height(&net.nodes(), 3, DEADLINE)?;
    net.kill(3)?;
    let live: Vec<&DevNode> = net.nodes().into_iter().take(3).collect();
    let stopped_at = live.iter().filter_map(|n| height(n).ok()).max().unwrap_or(0);
    Net::wait_height(&live, stopped_at + GAP_BLOCKS, DEADLINE)?;

    // The live validators are paused while node 3 restarts, so it is up and behind before it can
    // hear any head: its first answers are deterministically "catching up". Resumed, they announce
    // their heads and node 3 fetches the blocks it missed.
    for k in 0..3 {
        net.node(k).pause()?;
    }
    // (Dropping the network on an error kills the paused nodes too.)
    net.restart(3)?;
    let node = net.node(3);
    let (code, first) = ready(node)?;
    for k in 0..3 {
        net.node(k).resume()?;
    }
    assert_eq!((code, &first["reason"]), (503, &Value::from("catching_up")), "{first}");
    // Every answer until the node is ready: the reasons it gave.
    let mut reasons = BTreeSet::new();
    #[expect(clippy::disallowed_methods, reason = "the wait for readiness has a deadline")]
    let started = Instant::now();
    let body = loop {
        let (code, body) = ready(node)?;
        if code == 200 {
            break body;
        }
        assert_eq!(code, 503, "{body}");
        assert_eq!(body["ready"], false, "{body}");
        reasons.insert(body["reason"].as_str().unwrap_or_default().to_string());
        anyhow::ensure!(started.elapsed() < DEADLINE, "not ready after {DEADLINE:?}: {body}");
    };
    assert!(reasons.contains("catching_up"), "never seen catching up; reasons seen: {reasons:?}");
    assert_eq!(body["ready"], true, "{body}");
    let best = body["best_peer_height"].as_u64().unwrap_or(0);
    assert!(body["height"].as_u64().unwrap_or(0) + 2 >= best, "ready within the lag: {body}");
    assert!(best >= stopped_at + GAP_BLOCKS, "the peers' head was seen: {body}");

    // On an `sm2-sm3` chain a connected peer counts as a validator once its signed head binds its
    // key to its peer id (the next announcement, within seconds), not at the connection.
    node.wait_until(Duration::from_secs(15), |n| Ok(n.get("/api/status")?["peers"]["validators"] == 3))
        .with_context(|| format!("validator peers: {}", node.get("/api/status").unwrap_or_default()))?;
    let status = node.get("/api/status")?;
    assert_eq!(status["role"], "validator", "{status}");
    assert_eq!(status["peers"]["validators"], 3, "{status}");
    assert!(status["version"].as_str().is_some_and(|v| !v.is_empty()), "{status}");
    for n in net.nodes() {
        let (code, body) = ready(n)?;
        assert_eq!(code, 200, "{}: {body}", n.url);
        let (code, body) = request(&format!("{}/health", n.url), None)?;
        assert_eq!((code, &body["status"]), (200, &Value::from("ok")), "{}: {body}", n.url);
    }
    Ok(())
}

#[test]
fn log_format_json_writes_only_json_lines_with_committed_blocks() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let home = tmp.path().join("dev");
    let mut node = DevNode::start_dev_with(&home, &["--log-format", "json"])?;
    let (code, body) = ready(&node)?;
    assert_eq!(code, 200, "a one-validator dev chain is ready once its store is open: {body}");
    // The dev chain makes an empty block every interval: wait for one.
    node.wait_until(DEADLINE, |n| Ok(height(n)? >= 1))?;
    node.kill9()?;

    let log = std::fs::read_to_string(node.log_path())?;
    let mut committed = 0;
    let mut lines = 0;
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).map_err(|e| anyhow::anyhow!("not JSON ({e}): {line}"))?;
        assert!(v["level"].is_string() && v["target"].is_string() && v["fields"].is_object(), "{line}");
        lines += 1;
        if v["fields"]["message"] == "committed block" {
            assert_eq!(v["target"], "consensus", "{line}");
            assert_eq!(v["level"], "INFO", "{line}");
            for field in ["height", "round", "txs", "time_ms", "since_prev_ms"] {
                assert!(v["fields"][field].is_u64(), "no {field}: {line}");
            }
            committed += 1;
        }
    }
    assert!(lines > 0, "no log line at all");
    assert!(committed >= 1, "no committed-block line among {lines}:\n{log}");
    Ok(())
}
