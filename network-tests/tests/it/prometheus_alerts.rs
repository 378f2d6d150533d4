//! A real Prometheus (Debian's `prometheus`, installed by `scripts/install-ops-test-deps.sh`,
//! which `make test` runs) scrapes a 4-validator network every second with the shipped alerting
//! rules (`packaging/prometheus/alerts.yml`: every expression as shipped, only each `for:`
//! shortened), `promtool check metrics` lints a node's `/metrics`, and every query of the shipped
//! Grafana dashboard runs. Validator 3 serves its metrics on `metrics_addr`. Through Prometheus's HTTP API: every node's height series rises; validator 2 frozen
//! with SIGSTOP gets `ShulianNodeDown` firing for it, and no node-down or node-behind alert ever
//! fires for another node; resumed with SIGCONT, its alerts resolve. Prometheus listens on
//! loopback on a free port, keeps its data in a temporary folder and is killed at the end, even
//! when the test fails.
// A test that waits for Prometheus measures time like an operator would.
#![allow(clippy::disallowed_methods)]

use anyhow::{Context, bail, ensure};
use serde_json::Value;
use shulian_network_tests::scenario::Scenario;
use shulian_network_tests::{log_tail, request, test_agent};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian's package installs the server.
const PROMETHEUS: &str = "/usr/bin/prometheus";
/// ... and its tool, whose `check metrics` lints an exposition (names, units, types).
const PROMTOOL: &str = "/usr/bin/promtool";
/// Bound on every wait: far above what a loaded test machine needs.
const DEADLINE: Duration = Duration::from_secs(90);
/// Every rule's `for:` in the test: a few evaluations (one a second), so that one scrape that
/// times out on a loaded machine makes an alert pending but never firing.
const FOR: &str = "3s";
/// The validator the test freezes.
const FROZEN: usize = 2;
/// The alerts about one node being down or behind, whose instance the test checks.
const NODE_ALERTS: [&str; 2] = ["ShulianNodeDown", "ShulianNodeBehind"];

/// A Prometheus server process, killed when dropped.
struct Prometheus {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    /// GET `path` with `query` parameters; the `data` of a successful answer.
    fn api(&self, path: &str, query: &[(&str, &str)]) -> anyhow::Result<Value> {
        let mut req = test_agent(Duration::from_secs(10)).get(format!("{}{path}", self.url));
        for (k, v) in query {
            req = req.query(*k, *v);
        }
        let mut resp = req.call()?;
        let body: Value = serde_json::from_str(&resp.body_mut().read_to_string()?)?;
        ensure!(body["status"] == "success", "{path} {query:?}: {body}");
        Ok(body["data"].clone())
    }

    /// Instant query `q`: value by `instance` label.
    fn query(&self, q: &str) -> anyhow::Result<BTreeMap<String, f64>> {
        let data = self.api("/api/v1/query", &[("query", q)])?;
        let mut out = BTreeMap::new();
        for r in data["result"].as_array().context("a vector result")? {
            let instance = r["metric"]["instance"].as_str().unwrap_or_default().to_string();
            let v: f64 = r["value"][1].as_str().unwrap_or_default().parse().unwrap_or(f64::NAN);
            out.insert(instance, v);
        }
        Ok(out)
    }

    /// Active (pending or firing) alerts: (name, instance, state).
    fn alerts(&self) -> anyhow::Result<Vec<(String, String, String)>> {
        let data = self.api("/api/v1/alerts", &[])?;
        Ok(data["alerts"]
            .as_array()
            .context("an alert list")?
            .iter()
            .map(|a| {
                let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
                (s(&a["labels"]["alertname"]), s(&a["labels"]["instance"]), s(&a["state"]))
            })
            .collect())
    }

    /// Waits for `cond` with a deadline; the log's tail on failure.
    fn wait(&self, what: &str, mut cond: impl FnMut() -> anyhow::Result<bool>) -> anyhow::Result<()> {
        let started = Instant::now();
        loop {
            if cond()? {
                return Ok(());
            }
            if started.elapsed() > DEADLINE {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                bail!("{what}: not after {DEADLINE:?}; Prometheus's log ends with:\n{}", log_tail(&log, 20));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

/// The shipped rules with every `for:` set to `for_`, and how many were changed.
fn rules_with_short_for(shipped: &str, for_: &str) -> (String, usize) {
    let mut changed = 0;
    let text = shipped
        .lines()
        .map(|l| match l.trim_start().strip_prefix("for: ") {
            Some(_) => {
                changed += 1;
                format!("{}for: {for_}", &l[..l.len() - l.trim_start().len()])
            }
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    (text, changed)
}

/// A free loopback port (bound, then released for Prometheus to take).
fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn start_prometheus(dir: &Path, targets: &[String]) -> anyhow::Result<Prometheus> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let shipped = std::fs::read_to_string(root.join("packaging/prometheus/alerts.yml"))?;
    let (rules, changed) = rules_with_short_for(&shipped, FOR);
    ensure!(changed == shipped.matches("- alert:").count(), "every shipped rule has a `for:` ({changed} found)");
    std::fs::write(dir.join("alerts.yml"), rules)?;
    let targets: Vec<String> = targets.iter().map(|t| format!("\"{t}\"")).collect();
    let config = format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
         rule_files:\n  - {}\n\
         scrape_configs:\n  - job_name: shulian\n    static_configs:\n      - targets: [{}]\n",
        dir.join("alerts.yml").display(),
        targets.join(", ")
    );
    std::fs::write(dir.join("prometheus.yml"), config)?;
    let port = free_port()?;
    let log = dir.join("prometheus.log");
    let child = Command::new(PROMETHEUS)
        .arg(format!("--config.file={}", dir.join("prometheus.yml").display()))
        .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(&log)?))
        .spawn()
        .context("cannot start prometheus")?;
    let p = Prometheus { child, url: format!("http://127.0.0.1:{port}"), log };
    p.wait("Prometheus ready", || {
        Ok(test_agent(Duration::from_secs(2))
            .get(format!("{}/-/ready", p.url))
            .call()
            .is_ok_and(|r| r.status().as_u16() == 200))
    })?;
    Ok(p)
}

#[test]
fn prometheus_fires_node_down_for_a_frozen_validator_only_and_resolves_it() -> anyhow::Result<()> {
    if !Path::new(PROMETHEUS).exists() {
        bail!(
            "{PROMETHEUS} is missing: run `make test` or scripts/install-ops-test-deps.sh (apt-get install prometheus)"
        );
    }
    let mut net = Scenario::validators(4).start()?;
    // Validator 3 serves its metrics on an address of its own (`metrics_addr`), not on its API's.
    let metrics_addr = format!("127.0.0.1:{}", free_port()?);
    net.configure(3, &[("metrics_addr", metrics_addr.clone().into())])?;
    net.restart(3)?;
    let (code, _) = request(&format!("{}/metrics", net.node(3).url), None)?;
    ensure!(code == 404, "/metrics is not on the API's address when metrics_addr is set: {code}");
    // (host:port of each node's metrics, as Prometheus labels its instance)
    let mut targets: Vec<String> =
        net.nodes().iter().take(3).map(|n| n.url.trim_start_matches("http://").to_string()).collect();
    targets.push(metrics_addr);
    let tmp = tempfile::tempdir()?;
    let prom = start_prometheus(tmp.path(), &targets)?;

    // Every node is scraped and its height series rises.
    let mut first: BTreeMap<String, f64> = BTreeMap::new();
    prom.wait("every node's height scraped", || {
        first = prom.query("shulian_chain_height")?;
        Ok(targets.iter().all(|t| first.contains_key(t)))
    })?;
    prom.wait("every node's height rising", || {
        let now = prom.query("shulian_chain_height")?;
        Ok(targets.iter().all(|t| now.get(t).copied().unwrap_or(0.0) > first[t]))
    })?;
    let up = prom.query("up")?;
    ensure!(targets.iter().all(|t| up.get(t) == Some(&1.0)), "every target up: {up:?}");
    // The consensus hooks count: every validator received votes and proposals and sees the other
    // three validators.
    for q in [
        "shulian_votes_received_total",
        "shulian_proposals_received_total",
        "shulian_peers_connected{kind=\"validator\"}",
    ] {
        let v = prom.query(q)?;
        ensure!(targets.iter().all(|t| v.get(t).is_some_and(|n| *n > 0.0)), "{q}: {v:?}");
    }
    // Prometheus's own linter finds nothing to say about a node's exposition.
    let body = test_agent(Duration::from_secs(10))
        .get(format!("{}/metrics", net.node(0).url))
        .call()?
        .body_mut()
        .read_to_string()?;
    let mut lint = Command::new(PROMTOOL)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start promtool")?;
    std::io::Write::write_all(lint.stdin.as_mut().context("promtool's stdin")?, body.as_bytes())?;
    drop(lint.stdin.take());
    let out = lint.wait_with_output()?;
    ensure!(
        out.status.success(),
        "promtool check metrics: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // Every query of the shipped Grafana dashboard is valid PromQL over these series.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dashboard: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("packaging/grafana/shulian-dashboard.json"))?)?;
    let mut queries = 0;
    for panel in dashboard["panels"].as_array().context("panels")? {
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().context("a target's expr")?.replace("$instance", ".*");
            prom.query(&expr).with_context(|| format!("panel {}", panel["title"]))?;
            queries += 1;
        }
    }
    ensure!(queries >= 30, "the dashboard's queries were found ({queries})");

    let frozen = &targets[FROZEN];
    // Node alerts firing for a node that was not frozen (a pending one may be one slow scrape).
    let other_node_alerts = |alerts: &[(String, String, String)]| -> Vec<(String, String, String)> {
        alerts
            .iter()
            .filter(|(name, inst, state)| NODE_ALERTS.contains(&name.as_str()) && inst != frozen && state == "firing")
            .cloned()
            .collect()
    };
    ensure!(other_node_alerts(&prom.alerts()?).is_empty(), "no node alert before the freeze: {:?}", prom.alerts()?);

    net.node(FROZEN).pause()?;
    let fired = prom.wait("ShulianNodeDown firing for the frozen validator", || {
        let alerts = prom.alerts()?;
        let others = other_node_alerts(&alerts);
        ensure!(others.is_empty(), "node alerts for nodes that were not frozen: {others:?}");
        Ok(alerts.iter().any(|(name, inst, state)| name == "ShulianNodeDown" && inst == frozen && state == "firing"))
    });
    // Resumed before any error is returned, so the network never stays frozen.
    net.node(FROZEN).resume()?;
    fired?;

    prom.wait("the frozen validator's alerts resolved", || {
        let alerts = prom.alerts()?;
        let others = other_node_alerts(&alerts);
        ensure!(others.is_empty(), "node alerts for nodes that were not frozen: {others:?}");
        Ok(!alerts.iter().any(|(name, inst, _)| NODE_ALERTS.contains(&name.as_str()) && inst == frozen))
    })?;
    let up = prom.query("up")?;
    ensure!(up.get(frozen) == Some(&1.0), "the resumed validator is scraped again: {up:?}");
    Ok(())
}

#[test]
fn the_rules_rewrite_changes_only_the_for_durations() {
    let shipped = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        for: 1m\n";
    let (text, n) = rules_with_short_for(shipped, "1s");
    assert_eq!(n, 1);
    assert_eq!(text, "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        for: 1s");
}
