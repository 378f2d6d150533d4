//! Multi-node tests as scenarios: say the topology, start it, act, check every node.
//!
//! ```no_run
//! # use shulian_network_tests::scenario::Scenario;
//! # use std::time::Duration;
//! let mut net = Scenario::validators(4).start()?;
//! let mut client = net.transfers("trader", "health")?;
//! let sent = client.send(net.node(0), 5)?;
//! net.wait_committed(&sent, Duration::from_secs(60))?;
//! net.kill(3)?;
//! net.agree(&client.accepted, Duration::from_secs(30))?;
//! # anyhow::Ok(())
//! ```
//!
//! One place starts the processes (a dev node, `n` validators on loopback, or one validator per
//! network-namespace host), so a test says only what it does to them. The [`Net`] owns the
//! temporary folder and every process: dropping it kills them and removes the folder.
// The determinism rules of clippy.toml (no clock, no HashMap) bind runtime/ and contracts/ only;
// a fault test measures time like an operator would.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use crate::checker::{self, Agreement, Transfers, height};
use crate::netns::Hosts;
use crate::{DevNode, testnet, testnet_on, wallet};
use anyhow::{Context, bail};
use serde_json::Value;
use shulian_runtime::{AccountId, SecretKey};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long nodes must show no change (height, head block, mempool size) to count as quiet:
/// twice the empty-block interval of a node's default config (3 s), so a chain that has a quorum
/// commits at least one block within it, and one with pending transactions many more.
pub const QUIET_WINDOW: Duration = Duration::from_secs(6);

/// The shape of a network to start; [`Scenario::start`] turns it into a running [`Net`].
#[must_use]
pub struct Scenario {
    topology: Topology,
    custom: Vec<CustomBinary>,
    observers: Vec<Observer>,
    config: Vec<(String, toml::Value)>,
}

/// A non-validator node (an observer: it follows the chain without voting) run with a workspace
/// binary and extra environment variables.
type Observer = (String, Vec<(String, String)>);

/// Validator `k` started with another workspace binary and extra environment variables (e.g. a
/// Byzantine one).
type CustomBinary = (usize, String, Vec<(String, String)>);

enum Topology {
    Dev,
    Loopback(usize),
    Hosts(usize),
}

impl Scenario {
    /// One `shulian-node dev` process: a one-validator chain with the demo organizations.
    pub fn dev() -> Scenario {
        Scenario { topology: Topology::Dev, custom: Vec::new(), observers: Vec::new(), config: Vec::new() }
    }

    /// `n` validators on loopback ports (`shulian-node testnet --validators n`).
    pub fn validators(n: usize) -> Scenario {
        Scenario { topology: Topology::Loopback(n), custom: Vec::new(), observers: Vec::new(), config: Vec::new() }
    }

    /// `n` validators, each on its own host: a network namespace joined to the others by a bridge
    /// (`shulian-node testnet --hosts`), so links can be cut and slowed. Fails with the reason when
    /// namespaces cannot be made here (see [`Hosts::unavailable_reason`]).
    pub fn validators_on_hosts(n: usize) -> Scenario {
        Scenario { topology: Topology::Hosts(n), custom: Vec::new(), observers: Vec::new(), config: Vec::new() }
    }

    /// Runs validator `k` with workspace binary `bin` (e.g. the test-only
    /// `shulian-node-byzantine`) and the environment `envs`, instead of `shulian-node`.
    pub fn with_binary(mut self, k: usize, bin: &str, envs: &[(&str, &str)]) -> Scenario {
        let envs = envs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        self.custom.push((k, bin.to_string(), envs));
        self
    }

    /// Adds an observer after the validators (node `n`, `n + 1`, ... of the [`Net`]): a node with
    /// its own non-validator key, the validators as its peers and its peer id on their allow-lists,
    /// run with workspace binary `bin` (e.g. `shulian-node-byzantine`) and the environment `envs`.
    /// Loopback networks only.
    pub fn with_observer(mut self, bin: &str, envs: &[(&str, &str)]) -> Scenario {
        let envs = envs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        self.observers.push((bin.to_string(), envs));
        self
    }

    /// Sets `entries` (key, TOML value) in every node's `config.toml` before it first starts
    /// (e.g. a short block interval, snapshot settings).
    pub fn with_config(mut self, entries: &[(&str, toml::Value)]) -> Scenario {
        self.config.extend(entries.iter().map(|(k, v)| (k.to_string(), v.clone())));
        self
    }

    /// Writes the network's folders and starts every node; each answers its API on return.
    pub fn start(self) -> anyhow::Result<Net> {
        let tmp = tempfile::tempdir()?;
        let dev = matches!(self.topology, Topology::Dev);
        let (out, homes, hosts) = match self.topology {
            Topology::Dev => {
                let home = tmp.path().join("dev");
                (home.clone(), vec![home], None)
            }
            Topology::Loopback(n) => {
                let out = tmp.path().join("net");
                let mut homes = testnet(&out, n)?;
                for k in 0..self.observers.len() {
                    homes.push(crate::observer::write_home(&out, &homes[..n], k)?);
                }
                (out, homes, None)
            }
            Topology::Hosts(n) => {
                if let Some(why) = Hosts::unavailable_reason() {
                    bail!("this scenario runs validators on separate hosts in network namespaces, and {why}");
                }
                if !self.observers.is_empty() {
                    bail!("observers run on loopback networks only");
                }
                let hosts = Hosts::create(n)?;
                let out = tmp.path().join("net");
                let homes = testnet_on(&out, &hosts)?;
                (out, homes, Some(hosts))
            }
        };
        let validators = homes.len() - self.observers.len();
        let mut custom = self.custom;
        for (j, (bin, envs)) in self.observers.into_iter().enumerate() {
            custom.push((validators + j, bin, envs));
        }
        let mut net = Net { nodes: Vec::new(), hosts, homes, out, dev, custom, tmp };
        let entries: Vec<(&str, toml::Value)> = self.config.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        for k in 0..net.homes.len() {
            if !entries.is_empty() {
                net.configure(k, &entries)?;
            }
        }
        for k in 0..net.homes.len() {
            let node = net.spawn(k)?;
            net.nodes.push(node);
        }
        Ok(net)
    }
}

/// A running network: its nodes, their home folders and the demo organizations' keys. Dropping
/// it kills every node (and removes the network namespaces and the temporary folder).
pub struct Net {
    // Field order is drop order: processes first, then namespaces, then the folder.
    nodes: Vec<DevNode>,
    hosts: Option<Hosts>,
    homes: Vec<PathBuf>,
    /// `testnet --out` (holds `keys/` and the validators' homes), or the dev node's home.
    out: PathBuf,
    dev: bool,
    custom: Vec<CustomBinary>,
    tmp: tempfile::TempDir,
}

impl Net {
    fn spawn(&self, k: usize) -> anyhow::Result<DevNode> {
        let home = &self.homes[k];
        if self.dev {
            return DevNode::start(home);
        }
        if let Some((_, bin, envs)) = self.custom.iter().find(|(c, _, _)| *c == k) {
            // On hosts, the other binary runs on validator k's host like the normal one would.
            if let Some(h) = &self.hosts {
                let mut cmd = h.command(k, &crate::binary(bin)?);
                cmd.arg("run").arg("--home").arg(home).envs(envs.iter().map(|(a, b)| (a, b)));
                return DevNode::spawn_command(home, cmd);
            }
            let envs: Vec<(&str, &str)> = envs.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            return DevNode::start_validator_with(bin, home, &envs);
        }
        match &self.hosts {
            Some(h) => DevNode::start_validator_on(h, k, home),
            None => DevNode::start_validator(home),
        }
    }

    /// Node `k` (for a dev scenario, node 0 is the dev node).
    pub fn node(&self, k: usize) -> &DevNode {
        &self.nodes[k]
    }

    /// Every node, up or down.
    pub fn nodes(&self) -> Vec<&DevNode> {
        self.nodes.iter().collect()
    }

    /// The nodes whose process runs (not killed).
    pub fn live(&self) -> Vec<&DevNode> {
        self.nodes.iter().filter(|n| n.pid().is_some()).collect()
    }

    /// The nodes `ks`.
    pub fn some(&self, ks: &[usize]) -> Vec<&DevNode> {
        ks.iter().map(|&k| &self.nodes[k]).collect()
    }

    /// Node `k`'s home folder.
    pub fn home(&self, k: usize) -> &Path {
        &self.homes[k]
    }

    /// Every node's home folder.
    pub fn homes(&self) -> &[PathBuf] {
        &self.homes
    }

    /// The folder `testnet` wrote (validators' homes and `keys/`), or the dev node's home.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// The scenario's temporary folder, for files a test writes (backups, transaction files).
    pub fn dir(&self) -> &Path {
        self.tmp.path()
    }

    /// The network-namespace hosts, for network faults (partitions, slow links).
    pub fn hosts(&self) -> anyhow::Result<&Hosts> {
        self.hosts.as_ref().context("this scenario runs on loopback, not on hosts")
    }

    /// SIGKILLs node `k` (no chance to flush anything).
    pub fn kill(&mut self, k: usize) -> anyhow::Result<()> {
        self.nodes[k].kill9()
    }

    /// Node `k`, to wait for its exit.
    pub fn node_mut(&mut self, k: usize) -> &mut DevNode {
        &mut self.nodes[k]
    }

    /// From its next [`Net::restart`] on, node `k` runs `bin` with `envs` set.
    pub fn set_binary(&mut self, k: usize, bin: &str, envs: &[(&str, &str)]) {
        self.custom.retain(|(c, _, _)| *c != k);
        let envs = envs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        self.custom.push((k, bin.to_string(), envs));
    }

    /// SIGKILLs every node, e.g. before verifying their ledgers.
    pub fn kill_all(&mut self) -> anyhow::Result<()> {
        self.nodes.iter_mut().try_for_each(DevNode::kill9)
    }

    /// Starts node `k` again on its home (killing it first if it runs); it answers on return.
    pub fn restart(&mut self, k: usize) -> anyhow::Result<()> {
        self.nodes[k].kill9()?;
        self.nodes[k] = self.spawn(k)?;
        Ok(())
    }

    /// Sets `entries` (key, TOML value) in node `k`'s `config.toml`; they take effect at its next
    /// [`Net::restart`].
    pub fn configure(&self, k: usize, entries: &[(&str, toml::Value)]) -> anyhow::Result<()> {
        let path = self.home(k).join("config.toml");
        let mut cfg: toml::Value = toml::from_str(&std::fs::read_to_string(&path)?)?;
        let table = cfg.as_table_mut().context("config.toml is not a table")?;
        for (key, value) in entries {
            table.insert(key.to_string(), value.clone());
        }
        std::fs::write(&path, toml::to_string(&cfg)?)?;
        Ok(())
    }

    /// Removes `keys` from node `k`'s `config.toml` (back to their defaults at its next
    /// [`Net::restart`]).
    pub fn unconfigure(&self, k: usize, keys: &[&str]) -> anyhow::Result<()> {
        let path = self.home(k).join("config.toml");
        let mut cfg: toml::Value = toml::from_str(&std::fs::read_to_string(&path)?)?;
        let table = cfg.as_table_mut().context("config.toml is not a table")?;
        for key in keys {
            table.remove(*key);
        }
        std::fs::write(&path, toml::to_string(&cfg)?)?;
        Ok(())
    }

    /// From its next [`Net::restart`] on, node `k` runs the binary it started with.
    pub fn reset_binary(&mut self, k: usize) {
        self.custom.retain(|(c, _, _)| *c != k);
    }

    /// Demo organization `name`'s secret key (passphrase "dev").
    pub fn demo_key(&self, name: &str) -> anyhow::Result<SecretKey> {
        checker::demo_key(&self.out, name)
    }

    /// Demo organization `name`'s account id.
    pub fn account(&self, name: &str) -> anyhow::Result<AccountId> {
        Ok(AccountId::from_public_key(&self.demo_key(name)?.public_key()))
    }

    /// The chain id, from node 0.
    pub fn chain_id(&self) -> anyhow::Result<String> {
        Ok(self.nodes[0].get("/api/status")?["chain_id"].as_str().context("no chain id")?.to_string())
    }

    /// A client sending 1-fen transfers from demo organization `from` to `to`.
    pub fn transfers(&self, from: &str, to: &str) -> anyhow::Result<Transfers> {
        Transfers::new(self.live().first().context("no node runs")?, self.demo_key(from)?, self.account(to)?)
    }

    /// `shulian ARGS --json` through node 0 with the demo keystore; must succeed.
    pub fn wallet(&self, args: &[&str]) -> anyhow::Result<Value> {
        self.wallet_at(0, args)
    }

    /// `shulian ARGS --json` through node `k` (`SHULIAN_NODE` is its URL) with the demo keystore;
    /// must succeed.
    pub fn wallet_at(&self, k: usize, args: &[&str]) -> anyhow::Result<Value> {
        wallet::json_ok(&self.nodes[k], &[args, &["--json"]].concat())
    }

    /// Sends `count` transfers of `client` to each live node in turn, and waits until every live
    /// node has each batch committed (transactions relayed to the proposers from any node).
    pub fn commit_through_each(&self, client: &mut Transfers, count: usize, timeout: Duration) -> anyhow::Result<()> {
        for n in self.live() {
            let sent = client.send(n, count)?;
            self.wait_committed(&sent, timeout)?;
        }
        Ok(())
    }

    /// Waits until every live node has every transaction in `hashes` committed.
    pub fn wait_committed(&self, hashes: &[String], timeout: Duration) -> anyhow::Result<()> {
        self.live().into_iter().try_for_each(|n| checker::wait_committed(n, hashes, timeout))
    }

    /// Waits until every one of `nodes` has reached height `h`.
    pub fn wait_height(nodes: &[&DevNode], h: u64, timeout: Duration) -> anyhow::Result<()> {
        for n in nodes {
            n.wait_until(timeout, |n| Ok(height(n)? >= h)).with_context(|| format!("{} did not reach {h}", n.url))?;
        }
        Ok(())
    }

    /// The highest head among the live nodes.
    pub fn max_height(&self) -> u64 {
        self.live().into_iter().filter_map(|n| height(n).ok()).max().unwrap_or(0)
    }

    /// The live nodes hold one chain with every transaction of `committed` exactly once
    /// ([`checker::check_agreement`]).
    pub fn agree(&self, committed: &[String], timeout: Duration) -> anyhow::Result<Agreement> {
        checker::check_agreement(&self.live(), committed, timeout)
    }

    /// Verifies every node's ledger from genesis (`shulian-node verify`); the nodes must be stopped.
    pub fn verify_ledgers(&self) -> anyhow::Result<Vec<String>> {
        self.homes.iter().map(|h| checker::verify_ledger(h)).collect()
    }
}

/// What a node shows of its progress: head height, head block hash and pending transactions.
fn progress(n: &DevNode) -> anyhow::Result<(u64, String, u64)> {
    let s = n.get("/api/status")?;
    let h = s["height"].as_u64().context("status has no height")?;
    Ok((h, s["last_block_hash"].to_string(), s["mempool_txs"].as_u64().unwrap_or(0)))
}

/// Waits until `nodes` are quiet: no height, head block or mempool size changes on any of them
/// for `window` (use [`QUIET_WINDOW`]), and answers their heights then. A negative check ("no
/// block without a quorum") asserts on these, instead of sleeping a guessed time. Fails if they
/// keep changing until `deadline` passes.
pub fn wait_quiet(nodes: &[&DevNode], window: Duration, deadline: Duration) -> anyhow::Result<Vec<u64>> {
    let start = Instant::now();
    let snapshot = || nodes.iter().map(|n| progress(n)).collect::<anyhow::Result<Vec<_>>>();
    let mut last = snapshot()?;
    let mut since = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(250));
        let now = snapshot()?;
        if now != last {
            last = now;
            since = Instant::now();
        } else if since.elapsed() >= window {
            return Ok(last.into_iter().map(|(h, _, _)| h).collect());
        }
        if start.elapsed() > deadline {
            bail!("the nodes did not stay quiet for {window:?} within {deadline:?}; last seen {last:?}");
        }
    }
}

/// Waits until every one of `nodes` holds at least `count` pending transactions.
pub fn wait_pending(nodes: &[&DevNode], count: u64, timeout: Duration) -> anyhow::Result<()> {
    for n in nodes {
        n.wait_until(timeout, |n| Ok(progress(n)?.2 >= count))
            .with_context(|| format!("{} never held {count} pending transactions", n.url))?;
    }
    Ok(())
}
