//! Separate hosts on one machine: each validator in its own Linux network namespace, joined by
//! veth pairs to one bridge, with its own address in 198.18.0.0/15 (the range set aside for
//! network benchmarks, RFC 2544; nothing outside this machine is ever addressed). The test
//! process stays in the root namespace and reaches every host over the bridge.
//!
//! Faults are applied inside the hosts' namespaces: a partition is a set of blackhole routes
//! (packets between the sides are dropped, as on a cut link), a slow link is a `tc tbf` rate
//! limit on a host's interface. Everything is removed when the [`Hosts`] value drops, even when a test
//! fails. Needs root and iproute2; [`Hosts::unavailable_reason`] says why not.

use anyhow::{Context, bail};
use std::process::Command;
use std::sync::Mutex;

/// Serializes creation so two harnesses in one process never pick the same subnet.
static CREATE: Mutex<()> = Mutex::new(());

/// A set of hosts in network namespaces.
pub struct Hosts {
    /// Name prefix of every namespace and interface (unique per harness).
    prefix: String,
    /// Third octet of this harness's /24 in 198.18.0.0/15.
    subnet: u8,
    n: usize,
}

fn ip(args: &[&str]) -> anyhow::Result<()> {
    let out = Command::new("ip").args(args).output().context("cannot run `ip` (install iproute2)")?;
    if !out.status.success() {
        bail!("ip {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

fn run(prog: &str, args: &[&str]) -> anyhow::Result<()> {
    let out = Command::new(prog).args(args).output().with_context(|| format!("cannot run `{prog}`"))?;
    if !out.status.success() {
        bail!("{prog} {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

impl Hosts {
    /// Why namespaces cannot be used here, or `None` when they can.
    pub fn unavailable_reason() -> Option<String> {
        if !nix::unistd::Uid::effective().is_root() {
            return Some("network namespaces need root".into());
        }
        let probe = format!("shlprobe{}", std::process::id());
        match ip(&["netns", "add", &probe]) {
            Ok(()) => {
                let _ = ip(&["netns", "del", &probe]);
                None
            }
            Err(e) => Some(format!("cannot create a network namespace: {e:#}")),
        }
    }

    /// Creates `n` hosts, each a namespace with loopback up and one interface on the bridge.
    pub fn create(n: usize) -> anyhow::Result<Hosts> {
        if n == 0 || n > 200 {
            bail!("between 1 and 200 hosts, not {n}");
        }
        let _guard = CREATE.lock().unwrap_or_else(|p| p.into_inner());
        let used = Command::new("ip").args(["-o", "-4", "addr", "show"]).output().context("cannot run `ip`")?;
        let used = String::from_utf8_lossy(&used.stdout).into_owned();
        let subnet = (1..=250u8)
            .find(|s| !used.contains(&format!("198.18.{s}.")))
            .context("no free 198.18.X.0/24 subnet for test hosts")?;
        let prefix = format!("shl{}x{subnet}", std::process::id() % 10_000);
        let hosts = Hosts { prefix, subnet, n };
        hosts.build().inspect_err(|_| hosts.teardown())?;
        Ok(hosts)
    }

    fn ns(&self, k: usize) -> String {
        format!("{}n{k}", self.prefix)
    }

    fn bridge(&self) -> String {
        format!("{}br", self.prefix)
    }

    /// The host side and namespace side of host `k`'s veth pair.
    fn veth(&self, k: usize) -> (String, String) {
        (format!("{}h{k}", self.prefix), format!("{}v{k}", self.prefix))
    }

    fn build(&self) -> anyhow::Result<()> {
        let br = self.bridge();
        ip(&["link", "add", &br, "type", "bridge"])?;
        ip(&["addr", "add", &format!("198.18.{}.254/24", self.subnet), "dev", &br])?;
        ip(&["link", "set", &br, "up"])?;
        for k in 0..self.n {
            let ns = self.ns(k);
            let (host_side, ns_side) = self.veth(k);
            ip(&["netns", "add", &ns])?;
            ip(&["-n", &ns, "link", "set", "lo", "up"])?;
            ip(&["link", "add", &host_side, "type", "veth", "peer", "name", &ns_side])?;
            ip(&["link", "set", &ns_side, "netns", &ns])?;
            ip(&["link", "set", &host_side, "master", &br])?;
            ip(&["link", "set", &host_side, "up"])?;
            ip(&["-n", &ns, "addr", "add", &format!("{}/24", self.addr(k)), "dev", &ns_side])?;
            ip(&["-n", &ns, "link", "set", &ns_side, "up"])?;
        }
        Ok(())
    }

    fn teardown(&self) {
        for k in 0..self.n {
            let _ = ip(&["netns", "del", &self.ns(k)]);
            let _ = ip(&["link", "del", &self.veth(k).0]);
        }
        let _ = ip(&["link", "del", &self.bridge()]);
    }

    /// Number of hosts.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether there are no hosts (never, once created).
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// IPv4 address of host `k`.
    pub fn addr(&self, k: usize) -> String {
        format!("198.18.{}.{}", self.subnet, k + 1)
    }

    /// Every host's address, in order (for `shulian-node testnet --hosts`).
    pub fn addrs(&self) -> Vec<String> {
        (0..self.n).map(|k| self.addr(k)).collect()
    }

    /// A command that runs `program` on host `k` (inside its namespace).
    pub fn command(&self, k: usize, program: &std::path::Path) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.ns(k)]).arg(program);
        c
    }

    /// Cuts every link between different groups (hosts in no group keep all their links); links
    /// inside a group stay up. Replaces any earlier partition.
    pub fn partition(&self, groups: &[&[usize]]) -> anyhow::Result<()> {
        self.heal()?;
        for (gi, g) in groups.iter().enumerate() {
            for (gj, other) in groups.iter().enumerate() {
                if gi == gj {
                    continue;
                }
                for &a in *g {
                    for &b in *other {
                        ip(&["-n", &self.ns(a), "route", "add", "blackhole", &format!("{}/32", self.addr(b))])?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Cuts host `k` off from every other host.
    pub fn isolate(&self, k: usize) -> anyhow::Result<()> {
        let rest: Vec<usize> = (0..self.n).filter(|&j| j != k).collect();
        self.partition(&[&[k], &rest])
    }

    /// Restores every link cut by [`Hosts::partition`].
    pub fn heal(&self) -> anyhow::Result<()> {
        for k in 0..self.n {
            ip(&["-n", &self.ns(k), "route", "flush", "type", "blackhole"])?;
        }
        Ok(())
    }

    /// Limits what host `k` sends to `rate_kbit` kbit/s (a token bucket: packets queue up to
    /// `max_delay_ms` and are dropped beyond it), or lifts the limit with `rate_kbit == 0`. A
    /// slow link, not a cut one. (`netem` delays would be the other way, but this kernel has no
    /// netem; the token bucket needs nothing beyond the base qdiscs.)
    pub fn slow_link(&self, k: usize, rate_kbit: u32, max_delay_ms: u32) -> anyhow::Result<()> {
        let ns = self.ns(k);
        let dev = self.veth(k).1;
        let _ = run("tc", &["-n", &ns, "qdisc", "del", "dev", &dev, "root"]);
        if rate_kbit == 0 {
            return Ok(());
        }
        run(
            "tc",
            &[
                "-n",
                &ns,
                "qdisc",
                "add",
                "dev",
                &dev,
                "root",
                "tbf",
                "rate",
                &format!("{rate_kbit}kbit"),
                "burst",
                "16kb",
                "latency",
                &format!("{max_delay_ms}ms"),
            ],
        )
    }
}

impl Drop for Hosts {
    fn drop(&mut self) {
        self.teardown();
    }
}
