//! Harness for tests that run real `shulian-node` processes: start one on a temporary folder with
//! an OS-chosen port, talk to its HTTP API, SIGKILL and restart it. Every process is killed when
//! its handle drops, even when a test fails.
// The determinism rules of clippy.toml (no clock, no HashMap) bind runtime/ and contracts/ only;
// the node is where I/O, time and hash maps belong.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]
#![allow(clippy::unwrap_used)]

pub mod attack;
pub mod calls;
pub mod checker;
pub mod history;
pub mod netns;
pub mod observer;
pub mod phases;
pub mod procfs;
pub mod scenario;
pub mod tail;
pub mod wallet;

use anyhow::{Context, bail};
use serde_json::{Value, json};
use shulian_runtime::keyfile::KeyFile;
use shulian_runtime::{SecretKey, Transaction};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Path of workspace binary `name`: `<NAME>_BIN` if set (e.g. `SHULIAN_NODE_BIN`), else the file
/// next to this process's executable in `target/<profile>/` (see [`binary_dir`]). It never builds
/// anything: a missing binary is an error naming the command that builds it.
pub fn binary(name: &str) -> anyhow::Result<PathBuf> {
    if let Ok(p) = std::env::var(binary_env_var(name)) {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe()?;
    let dir = binary_dir(&exe).with_context(|| format!("{} is in no folder", exe.display()))?;
    let path = dir.join(name);
    if !path.exists() {
        bail!("{}", missing_binary_message(name, &path, &dir));
    }
    Ok(path)
}

/// The environment variable that overrides where [`binary`] finds `name`: `shulian-node` ->
/// `SHULIAN_NODE_BIN`.
pub fn binary_env_var(name: &str) -> String {
    format!("{}_BIN", name.to_uppercase().replace('-', "_"))
}

/// The folder holding the workspace binaries for an executable at `exe`: a binary's own folder
/// (`target/<profile>/shulian-bench`), or the parent of a test's or example's folder
/// (`target/<profile>/deps/it-…`, `target/<profile>/examples/…`).
pub fn binary_dir(exe: &Path) -> Option<PathBuf> {
    let dir = exe.parent()?;
    match dir.file_name().and_then(|n| n.to_str()) {
        Some("deps" | "examples") => dir.parent().map(Path::to_path_buf),
        _ => Some(dir.to_path_buf()),
    }
}

/// What to say when `name` is not at `path` in `dir` (`target/<profile>`): the command that
/// builds it in that profile, and the override.
fn missing_binary_message(name: &str, path: &Path, dir: &Path) -> String {
    let release = if dir.file_name().and_then(|n| n.to_str()) == Some("release") { " --release" } else { "" };
    format!(
        "{name} is not built: no {}; build it with `cargo build{release} --workspace --all-targets` \
         (or name another binary with {}=PATH)",
        path.display(),
        binary_env_var(name)
    )
}

/// A running `shulian-node dev` process.
pub struct DevNode {
    child: Option<Child>,
    /// Its home folder.
    pub home: PathBuf,
    /// Base URL of its HTTP API, e.g. `http://127.0.0.1:40123`.
    pub url: String,
}

impl DevNode {
    /// Starts (or restarts) a dev node on `home` and waits until its API answers.
    pub fn start(home: &Path) -> anyhow::Result<DevNode> {
        Self::spawn(
            home,
            &["dev".as_ref(), "--data-dir".as_ref(), home.as_os_str(), "--http".as_ref(), "127.0.0.1:0".as_ref()],
        )
    }

    /// Starts (or restarts) validator `home` of a network written by [`testnet`] and waits until
    /// its API answers.
    pub fn start_validator(home: &Path) -> anyhow::Result<DevNode> {
        Self::spawn(home, &["run".as_ref(), "--home".as_ref(), home.as_os_str()])
    }

    /// Starts (or restarts) validator `k` of a network written by [`testnet_on`] on its host `k`
    /// (inside that host's network namespace).
    pub fn start_validator_on(hosts: &netns::Hosts, k: usize, home: &Path) -> anyhow::Result<DevNode> {
        let mut cmd = hosts.command(k, &binary("shulian-node")?);
        cmd.args(["run".as_ref(), "--home".as_ref(), home.as_os_str()]);
        Self::spawn_command(home, cmd)
    }

    fn spawn(home: &Path, args: &[&std::ffi::OsStr]) -> anyhow::Result<DevNode> {
        let mut cmd = Command::new(binary("shulian-node")?);
        cmd.args(args);
        Self::spawn_command(home, cmd)
    }

    fn spawn_command(home: &Path, mut cmd: Command) -> anyhow::Result<DevNode> {
        if let Some(parent) = home.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let log = std::fs::OpenOptions::new().create(true).append(true).open(home.with_extension("log"))?;
        let mut child =
            cmd.stdout(Stdio::piped()).stderr(Stdio::from(log)).spawn().context("cannot start shulian-node")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("API:") {
                    let url = rest.trim().trim_end_matches("/api/status").to_string();
                    let _ = tx.send(url);
                }
            }
        });
        let mut node = DevNode { child: Some(child), home: home.to_path_buf(), url: String::new() };
        node.url = rx.recv_timeout(Duration::from_secs(120)).context("node did not print its API address")?;
        node.wait_until(Duration::from_secs(30), |n| Ok(n.get("/api/status").is_ok()))?;
        Ok(node)
    }

    /// The exit status if the process has exited by itself (it was not killed), `None` while it runs.
    pub fn exited(&mut self) -> anyhow::Result<Option<std::process::ExitStatus>> {
        let child = self.child.as_mut().context("the node is not running")?;
        let status = child.try_wait()?;
        if status.is_some() {
            self.child = None;
        }
        Ok(status)
    }

    /// The node's log (its stderr), as written so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.home.with_extension("log")).unwrap_or_default()
    }

    /// Kills the process with SIGKILL (no chance to flush anything) and waits for it to die.
    pub fn kill9(&mut self) -> anyhow::Result<()> {
        if let Some(mut c) = self.child.take() {
            nix::sys::signal::kill(nix::unistd::Pid::from_raw(c.id() as i32), nix::sys::signal::Signal::SIGKILL)?;
            c.wait()?;
        }
        Ok(())
    }

    /// Freezes the process (SIGSTOP): it holds its connections but answers nothing, like a
    /// stalled host.
    pub fn pause(&self) -> anyhow::Result<()> {
        self.signal(nix::sys::signal::Signal::SIGSTOP)
    }

    /// Lets a paused process go on (SIGCONT).
    pub fn resume(&self) -> anyhow::Result<()> {
        self.signal(nix::sys::signal::Signal::SIGCONT)
    }

    fn signal(&self, sig: nix::sys::signal::Signal) -> anyhow::Result<()> {
        let c = self.child.as_ref().context("the node is not running")?;
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(c.id() as i32), sig)?;
        Ok(())
    }

    /// The one Rust client of the node's API (`shulian-client`), pointed at this node.
    pub fn client(&self) -> anyhow::Result<shulian_client::NodeClient> {
        let url: shulian_client::NodeUrl = self.url.parse().map_err(|e: String| anyhow::anyhow!(e))?;
        Ok(shulian_client::NodeClient::new(url))
    }

    /// GET a path through the client, as JSON; non-2xx is an error with the node's code and message.
    pub fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.client()?.get(path).with_context(|| format!("GET {path}"))
    }

    /// POST a signed transaction; returns (status code, body).
    pub fn submit(&self, tx: &Transaction) -> anyhow::Result<(u16, Value)> {
        let hex = hex::encode(borsh::to_vec(tx)?);
        request(&format!("{}/api/tx", self.url), Some(json!({ "tx": hex })))
    }

    /// Polls `check` every 100 ms until it is true or `timeout` passes.
    pub fn wait_until(
        &self,
        timeout: Duration,
        mut check: impl FnMut(&Self) -> anyhow::Result<bool>,
    ) -> anyhow::Result<()> {
        let start = Instant::now();
        loop {
            if check(self).unwrap_or(false) {
                return Ok(());
            }
            if start.elapsed() > timeout {
                bail!("condition not met within {timeout:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Loads a demo key from the node's `keys/` with the dev passphrase.
    pub fn demo_key(&self, name: &str) -> anyhow::Result<SecretKey> {
        let text = std::fs::read_to_string(self.home.join("keys").join(format!("{name}.json")))?;
        let f: KeyFile = serde_json::from_str(&text)?;
        Ok(f.decrypt("dev")?)
    }
}

impl Drop for DevNode {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The last `n` lines of `text` (a node's log, a command's output) without terminal colour codes,
/// for a failure's report.
pub fn log_tail(text: &str, n: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    let tail = all[all.len().saturating_sub(n)..].join("\n");
    let mut out = String::with_capacity(tail.len());
    let mut chars = tail.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // ESC [ ... m
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Writes an `n`-validator loopback network into `out` with `shulian-node testnet --json` and
/// returns the validators' home folders.
pub fn testnet(out: &Path, n: usize) -> anyhow::Result<Vec<PathBuf>> {
    testnet_with(out, &["--validators".to_string(), n.to_string()])
}

/// Writes a network of one validator per host of `hosts` into `out` (`shulian-node testnet
/// --hosts`) and returns the validators' home folders.
pub fn testnet_on(out: &Path, hosts: &netns::Hosts) -> anyhow::Result<Vec<PathBuf>> {
    testnet_with(out, &["--hosts".to_string(), hosts.addrs().join(",")])
}

/// Writes a network of one validator per address of `addrs` into `out` (`shulian-node testnet
/// --hosts`), e.g. on some of the hosts only (a Twins test keeps a host for a twin).
pub fn testnet_on_addrs(out: &Path, addrs: &[String]) -> anyhow::Result<Vec<PathBuf>> {
    testnet_with(out, &["--hosts".to_string(), addrs.join(",")])
}

fn testnet_with(out: &Path, args: &[String]) -> anyhow::Result<Vec<PathBuf>> {
    // The network's suite is this process's (SHULIAN_CRYPTO, or a bench's --crypto).
    let output = Command::new(binary("shulian-node")?)
        .arg("testnet")
        .args(args)
        .args(["--crypto", shulian_runtime::suite::active().name(), "--json", "--out"])
        .arg(out)
        .output()?;
    if !output.status.success() {
        bail!("testnet failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let nodes: Value = serde_json::from_slice(&output.stdout)?;
    let homes = nodes
        .as_array()
        .context("testnet --json did not print an array")?
        .iter()
        .map(|n| n["home"].as_str().map(PathBuf::from).context("no home"))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(homes)
}

/// splitmix64: a small deterministic generator, good from any seed (0, 1, 2 give unrelated
/// streams), so a failing run repeats with its seed.
#[derive(Clone, Debug)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Takes up to `bytes` off the end of the newest RocksDB write-ahead log in `db` (a stopped
/// node's), synced: a torn last write, or synced writes lost as on a disk that lied about its
/// flushes. Returns the bytes taken and the file's length before.
pub fn truncate_newest_log(db: &Path, bytes: u64) -> anyhow::Result<(u64, u64)> {
    let mut logs: Vec<PathBuf> = std::fs::read_dir(db)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    logs.sort();
    let newest = logs.last().with_context(|| format!("no write-ahead log file in {}", db.display()))?;
    let file = std::fs::OpenOptions::new().write(true).open(newest)?;
    let len = file.metadata()?.len();
    let cut = bytes.min(len);
    file.set_len(len - cut)?;
    file.sync_all()?;
    Ok((cut, len))
}

/// The largest response body a test reads.
const RESPONSE_LIMIT: u64 = 512 * 1024 * 1024;

/// One HTTP request; returns status and JSON body (non-JSON bodies become a string).
pub fn request(url: &str, body: Option<Value>) -> anyhow::Result<(u16, Value)> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let mut resp = match body {
        Some(b) => agent.post(url).send_json(&b)?,
        None => agent.get(url).call()?,
    };
    let code = resp.status().as_u16();
    // A block of thousands of decoded transactions is larger than ureq's default 10 MB.
    let text = resp.body_mut().with_config().limit(RESPONSE_LIMIT).read_to_string()?;
    let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Ok((code, v))
}

/// An HTTP client for tests: any method, non-2xx answers returned (not errors), `timeout` per
/// request.
pub fn test_agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .allow_non_standard_methods(true)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

/// One request with any method and an empty body; returns the status code.
pub fn request_method(method: &str, url: &str) -> anyhow::Result<u16> {
    let agent = test_agent(Duration::from_secs(10));
    let req = ureq::http::Request::builder().method(method).uri(url).body(Vec::<u8>::new())?;
    let resp = agent.run(req)?;
    Ok(resp.status().as_u16())
}

impl DevNode {
    /// The process id of the running node, if it runs (for reading `/proc/PID/*`).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }
}

impl DevNode {
    /// Starts (or restarts) a dev node on `home` like [`DevNode::start`], with `global` flags
    /// before the subcommand (e.g. `--log-format json`).
    pub fn start_dev_with(home: &Path, global: &[&str]) -> anyhow::Result<DevNode> {
        let mut cmd = Command::new(binary("shulian-node")?);
        cmd.args(global).arg("dev").arg("--data-dir").arg(home).args(["--http", "127.0.0.1:0"]);
        Self::spawn_command(home, cmd)
    }

    /// The file the node's stderr (its log) is appended to.
    pub fn log_path(&self) -> PathBuf {
        self.home.with_extension("log")
    }

    /// Starts validator `home` of a [`testnet`] with another node binary of the workspace (e.g. the
    /// test-only `shulian-node-byzantine`) and extra environment variables.
    pub fn start_validator_with(bin: &str, home: &Path, envs: &[(&str, &str)]) -> anyhow::Result<DevNode> {
        let mut cmd = Command::new(binary(bin)?);
        cmd.arg("run").arg("--home").arg(home).envs(envs.iter().copied());
        Self::spawn_command(home, cmd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_binary_finds_its_siblings_in_its_own_folder() {
        let dir = binary_dir(Path::new("/src/target/release/shulian-bench"));
        assert_eq!(dir, Some(PathBuf::from("/src/target/release")));
    }

    #[test]
    fn a_test_executable_finds_the_binaries_in_its_parent_folder() {
        let dir = binary_dir(Path::new("/src/target/debug/deps/it-0123abcd"));
        assert_eq!(dir, Some(PathBuf::from("/src/target/debug")));
        let dir = binary_dir(Path::new("/src/target/debug/examples/demo"));
        assert_eq!(dir, Some(PathBuf::from("/src/target/debug")));
    }

    #[test]
    fn a_missing_binary_names_the_build_command_of_its_profile() {
        let release = Path::new("/src/target/release");
        let msg = missing_binary_message("shulian-node", &release.join("shulian-node"), release);
        assert!(msg.contains("`cargo build --release --workspace --all-targets`"), "{msg}");
        assert!(msg.contains("SHULIAN_NODE_BIN"), "{msg}");
        let debug = Path::new("/src/target/debug");
        let msg = missing_binary_message("shulian", &debug.join("shulian"), debug);
        assert!(msg.contains("`cargo build --workspace --all-targets`"), "{msg}");
    }
}
