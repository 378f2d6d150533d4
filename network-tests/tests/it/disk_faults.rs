//! Disk faults (issue 24): a node whose disk fills stops cleanly with a clear error and loses
//! nothing, then recovers when space returns; a node whose database has a damaged table file
//! stops with a message naming the file and never serves what it holds.
//!
//! The full disk is real: the dev node's `db/` is moved onto a small tmpfs (root is needed to
//! mount one; without it the test says so and checks the damaged-table case only).
// The determinism rules of clippy.toml (no clock, no HashMap) bind runtime/ and contracts/ only;
// a fault test measures time like an operator would.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use anyhow::{Context, bail};
use shulian_network_tests::scenario::{Net, Scenario};
use shulian_network_tests::{binary, log_tail};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A tmpfs mounted at a folder, unmounted when dropped (also when the test fails).
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, bytes: u64) -> anyhow::Result<Tmpfs> {
        std::fs::create_dir_all(at)?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}")])
            .arg("tmpfs")
            .arg(at)
            .output()?;
        if !out.status.success() {
            bail!("mount tmpfs: {}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(Tmpfs(at.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Whether this process may mount file systems (root), else why not.
fn cannot_mount() -> Option<String> {
    (!nix::unistd::Uid::effective().is_root()).then(|| "not root: cannot mount a small tmpfs".to_string())
}

fn committed(net: &Net, hash: &str) -> bool {
    net.node(0).get(&format!("/api/tx/{hash}")).map(|v| v["status"] == "committed").unwrap_or(false)
}

/// Fills the file system of `dir` until a write fails for want of space.
fn fill(dir: &Path) -> anyhow::Result<PathBuf> {
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path)?;
    let chunk = vec![0x5au8; 64 << 10];
    loop {
        match f.write_all(&chunk) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(nix::libc::ENOSPC) => return Ok(path),
            Err(e) => return Err(e).context("filling the disk"),
        }
    }
}

#[test]
fn a_full_disk_stops_the_node_cleanly_and_it_recovers_with_nothing_lost_when_space_returns() -> anyhow::Result<()> {
    if let Some(why) = cannot_mount() {
        eprintln!("skipped: {why}");
        return Ok(());
    }
    let mut net = Scenario::dev().start()?;
    let mut client = net.transfers("trader", "health")?;
    let before = client.send(net.node(0), 20)?;
    net.wait_committed(&before, Duration::from_secs(60))?;

    // The database onto a 64 MiB tmpfs (the node stopped meanwhile).
    net.kill(0)?;
    let db = net.home(0).join("db");
    let moved = net.home(0).join("db.before-tmpfs");
    std::fs::rename(&db, &moved)?;
    let _disk = Tmpfs::mount(&db, 64 << 20)?;
    let cp = Command::new("cp").arg("-a").arg(moved.join(".")).arg(&db).status()?;
    assert!(cp.success(), "copying the database onto the tmpfs");
    net.restart(0)?;
    let on_tmpfs = client.send(net.node(0), 20)?;
    net.wait_committed(&on_tmpfs, Duration::from_secs(60))?;

    // The disk fills up under load: the node must stop by itself, saying why.
    let filler = fill(&db)?;
    let mut acknowledged = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(status) = net.node_mut(0).exited()? {
            break status;
        }
        if Instant::now() > deadline {
            bail!("the node kept running on a full disk for 90 s; its log:\n{}", net.node(0).log());
        }
        // Transfers keep the node writing; those it reports committed must survive.
        if let Ok(sent) = client.send(net.node(0), 5) {
            for h in sent {
                if committed(&net, &h) {
                    acknowledged.push(h);
                }
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let log = net.node(0).log();
    assert!(!status.success(), "a node that cannot write must fail, not exit cleanly");
    assert!(log.contains("No space left on device"), "the error names the cause: {log}");
    assert!(log.contains("the disk holding the node's database is full"), "and tells the operator what to do: {log}");
    eprintln!(
        "the node stopped on the full disk ({status}); {} transfers were acknowledged while it filled",
        acknowledged.len()
    );

    // Space returns: the node starts, everything it reported committed is there, and it goes on.
    std::fs::remove_file(&filler)?;
    net.restart(0)?;
    let all: Vec<String> = before.iter().chain(&on_tmpfs).chain(&acknowledged).cloned().collect();
    for h in &all {
        assert!(committed(&net, h), "{h} was reported committed before the disk filled and is lost");
    }
    // What the node had admitted but not committed went with its mempool: sign from its nonce.
    let sender = shulian_runtime::AccountId::from_public_key(&net.demo_key("trader")?.public_key());
    client.nonce = net.node(0).get(&format!("/api/account/{sender}"))?["nonce"].as_u64().context("no nonce")?;
    let after = client.send(net.node(0), 10)?;
    if let Err(e) = net.wait_committed(&after, Duration::from_secs(60)) {
        bail!("{e:#}; the node's log ends:\n{}", log_tail(&net.node(0).log(), 40));
    }
    net.kill_all()?;
    for verified in net.verify_ledgers()? {
        eprintln!("{verified}");
    }
    Ok(())
}

/// Starts `shulian-node run` on `home` and waits up to `timeout` for it to exit by itself:
/// its exit status and output, or `None` (killed) if it kept running.
fn run_until_exit(home: &Path, timeout: Duration) -> anyhow::Result<Option<(std::process::ExitStatus, String)>> {
    let log = home.with_extension("corrupt.log");
    let mut child = Command::new(binary("shulian-node")?)
        .args(["run".as_ref(), "--home".as_ref(), home.as_os_str()])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log)?)
        .spawn()?;
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait()? {
            return Ok(Some((status, std::fs::read_to_string(&log)?)));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    Ok(None)
}

#[test]
fn a_damaged_table_file_stops_the_node_naming_the_file() -> anyhow::Result<()> {
    let mut net = Scenario::dev().start()?;
    let mut client = net.transfers("trader", "health")?;
    let sent = client.send(net.node(0), 30)?;
    net.wait_committed(&sent, Duration::from_secs(60))?;
    net.kill(0)?;
    // Flush and compact everything into table files (`db-stats` on a stopped node).
    let out = Command::new(binary("shulian-node")?).args(["db-stats", "--json", "--home"]).arg(net.home(0)).output()?;
    assert!(out.status.success(), "db-stats: {}", String::from_utf8_lossy(&out.stderr));

    // Flip bytes in the middle of the largest table file (its data blocks, not its footer).
    let db = net.home(0).join("db");
    let mut tables: Vec<(u64, PathBuf)> = std::fs::read_dir(&db)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sst"))
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.len(), p)))
        .collect();
    tables.sort();
    let (len, victim) = tables.pop().context("no table file after db-stats")?;
    let mut bytes = std::fs::read(&victim)?;
    for i in 0..16 {
        let at = (len as usize / 3 + i * 97).min(bytes.len() - 1);
        bytes[at] ^= 0xa5;
    }
    std::fs::write(&victim, &bytes)?;
    let name = victim.file_name().and_then(|n| n.to_str()).context("table file name")?.to_string();

    let Some((status, log)) = run_until_exit(net.home(0), Duration::from_secs(60))? else {
        bail!("the node ran for 60 s on a damaged table file ({name})");
    };
    assert!(!status.success(), "{log}");
    assert!(log.contains(&name), "the message names the damaged file {name}: {log}");
    assert!(log.contains("Corruption") || log.contains("damaged"), "{log}");
    assert!(log.contains("Restore the database from a backup"), "and tells the operator what to do: {log}");
    eprintln!("refused: {}", log.lines().rfind(|l| l.contains(&name)).unwrap_or_default());
    Ok(())
}
