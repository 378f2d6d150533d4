//! The packaging files are checked, not only shipped: the systemd units (the node, its daily
//! backup) by `systemd-analyze verify`
//! (Debian's systemd, installed by `scripts/install-ops-test-deps.sh`), the compose file by
//! `docker compose config` (or `docker-compose config`) where one is installed (skipped with a
//! printed reason where none is: no image is built or pulled here), and the script that makes
//! the compose network's homes by running it with this build's `shulian-node`.

use anyhow::{Context, bail, ensure};
use shulian_network_tests::binary;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn systemd_units_pass_systemd_analyze_verify() -> anyhow::Result<()> {
    if Command::new("systemd-analyze").arg("--version").output().is_err() {
        bail!(
            "systemd-analyze is missing: run `make test` or scripts/install-ops-test-deps.sh (apt-get install systemd)"
        );
    }
    let unit = std::fs::read_to_string(repo().join("packaging/systemd/shulian-node.service"))?;
    ensure!(unit.contains("ExecStart=/usr/local/bin/shulian-node "), "the unit runs the installed binary");
    for hardening in ["User=shulian", "ProtectSystem=strict", "NoNewPrivileges=yes", "ReadWritePaths=/var/lib/shulian"]
    {
        ensure!(unit.lines().any(|l| l == hardening), "the unit has {hardening}");
    }
    // verify checks that ExecStart's binary exists: this build's stands in for the installed one.
    // The backup service and its timer are verified with it (the service requires the node's).
    let node = binary("shulian-node")?;
    let tmp = tempfile::tempdir()?;
    let mut paths = Vec::new();
    for name in ["shulian-node.service", "shulian-backup.service", "shulian-backup.timer"] {
        let text = std::fs::read_to_string(repo().join("packaging/systemd").join(name))?;
        let path = tmp.path().join(name);
        std::fs::write(&path, text.replace("/usr/local/bin/shulian-node", &node.display().to_string()))?;
        paths.push(path);
    }
    let out = Command::new("systemd-analyze").arg("verify").args(&paths).current_dir(tmp.path()).output()?;
    // Unknown keys and bad values are only warnings (exit 0): any output fails the test.
    ensure!(out.status.success() && text(&out).trim().is_empty(), "systemd-analyze verify: {}", text(&out));
    Ok(())
}

#[test]
fn compose_file_passes_docker_compose_config() -> anyhow::Result<()> {
    let file = repo().join("packaging/docker/compose.yaml");
    let candidates: [(&str, &[&str]); 2] = [("docker", &["compose"]), ("docker-compose", &[])];
    for (program, pre) in candidates {
        let Ok(version) = Command::new(program).args(pre).arg("version").output() else { continue };
        if !version.status.success() {
            continue;
        }
        let out = Command::new(program).args(pre).arg("-f").arg(&file).args(["config", "--quiet"]).output()?;
        ensure!(out.status.success(), "{program} {pre:?} config: {}", text(&out));
        return Ok(());
    }
    println!(
        "skipped: neither `docker compose` nor `docker-compose` is installed, so compose.yaml is not checked here"
    );
    Ok(())
}

#[test]
fn compose_homes_script_makes_four_validators_and_an_allowed_observer() -> anyhow::Result<()> {
    let node = binary("shulian-node")?;
    let bin_dir = node.parent().context("the binary's folder")?;
    let tmp = tempfile::tempdir()?;
    let net = tmp.path().join("data");
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let script = repo().join("packaging/docker/make-homes.sh");
    let out = Command::new("sh").arg(&script).arg(&net).env("PATH", &path).output()?;
    ensure!(out.status.success(), "make-homes.sh: {}", text(&out));

    let peer_id = |home: &Path| -> anyhow::Result<String> {
        let o = Command::new(&node).args(["peer-id", "--home"]).arg(home).output()?;
        ensure!(o.status.success(), "peer-id: {}", text(&o));
        Ok(String::from_utf8(o.stdout)?.trim().to_string())
    };
    let config = |home: &Path| -> anyhow::Result<toml::Value> {
        Ok(toml::from_str(&std::fs::read_to_string(home.join("config.toml"))?)?)
    };
    let genesis_hash = |home: &Path| -> anyhow::Result<String> {
        let o = Command::new(&node).args(["genesis", "hash", "--file"]).arg(home.join("genesis.json")).output()?;
        ensure!(o.status.success(), "genesis hash: {}", text(&o));
        Ok(String::from_utf8(o.stdout)?.trim().to_string())
    };
    let observer = net.join("observer");
    let observer_id = peer_id(&observer)?;
    for k in 0..4 {
        let home = net.join(format!("node{k}"));
        let cfg = config(&home)?;
        ensure!(cfg["http"].as_str() == Some(&format!("node{k}:8645")), "node{k}: {cfg}");
        let allowed = cfg["allowed_peers"].as_array().context("allowed_peers")?;
        ensure!(allowed.iter().any(|p| p.as_str() == Some(observer_id.as_str())), "node{k} allows the observer: {cfg}");
        ensure!(genesis_hash(&home)? == genesis_hash(&observer)?, "one genesis for all");
    }
    let cfg = config(&observer)?;
    let peers = cfg["peers"].as_array().context("peers")?;
    ensure!(peers.len() == 4, "the observer dials the 4 validators: {cfg}");
    for k in 0..4 {
        let id = peer_id(&net.join(format!("node{k}")))?;
        ensure!(peers.iter().any(|p| p.as_str() == Some(&format!("/dns/node{k}/tcp/8646/p2p/{id}"))), "{cfg}");
    }
    // A second run changes nothing (the homes service runs at every `up`).
    let again = Command::new("sh").arg(&script).arg(&net).env("PATH", &path).output()?;
    ensure!(again.status.success() && text(&again).contains("already"), "{}", text(&again));
    ensure!(config(&net.join("node0"))?["allowed_peers"].as_array().map(Vec::len) == Some(1), "allowed once");
    Ok(())
}
