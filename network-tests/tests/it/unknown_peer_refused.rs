//! Permissioning at the libp2p layer: a fifth node with the right genesis and the validators'
//! addresses, but a key that is not in the genesis, is refused by every validator after the noise
//! handshake (their logs name its peer id) and never receives a block; once a validator lists its
//! peer id in `allowed_peers`, it connects and follows the chain to the same blocks.

use shulian_network_tests::checker::height;
use shulian_network_tests::scenario::{Net, Scenario};
use shulian_network_tests::{DevNode, binary, request};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The validators' p2p addresses, read from the `peers` lines of their configs.
fn validator_addrs(homes: &[PathBuf]) -> anyhow::Result<BTreeSet<String>> {
    let mut addrs = BTreeSet::new();
    for h in homes {
        let text = std::fs::read_to_string(h.join("config.toml"))?;
        for part in text.split('"') {
            if part.starts_with("/ip4/") && part.contains("/p2p/") {
                addrs.insert(part.to_string());
            }
        }
    }
    Ok(addrs)
}

/// A home for a node that knows the network (same genesis, all validators as peers) but whose key
/// is not a validator's.
fn outsider_home(net: &Path, homes: &[PathBuf]) -> anyhow::Result<PathBuf> {
    let home = net.join("outsider");
    std::fs::create_dir_all(&home)?;
    std::fs::copy(homes[0].join("genesis.json"), home.join("genesis.json"))?;
    let key = shulian_runtime::test_utils::key(0x5a);
    let key_file = serde_json::json!({
        "public_key": key.public_key().to_string(),
        "secret_key": hex::encode(key.to_bytes()),
        "crypto": shulian_runtime::suite::active(),
    });
    std::fs::write(home.join("validator_key.json"), serde_json::to_vec_pretty(&key_file)?)?;
    let peers: Vec<String> = validator_addrs(homes)?.into_iter().map(|a| format!("{a:?}")).collect();
    anyhow::ensure!(peers.len() == homes.len(), "expected one address per validator, got {peers:?}");
    let config =
        format!("http = \"127.0.0.1:0\"\np2p_listen = \"/ip4/127.0.0.1/tcp/0\"\npeers = [{}]\n", peers.join(", "));
    std::fs::write(home.join("config.toml"), config)?;
    Ok(home)
}

fn peer_id(home: &Path) -> anyhow::Result<String> {
    let out = Command::new(binary("shulian-node")?).args(["peer-id", "--home"]).arg(home).output()?;
    anyhow::ensure!(out.status.success(), "peer-id failed: {}", String::from_utf8_lossy(&out.stderr));
    Ok(String::from_utf8(out.stdout)?.trim().to_string())
}

#[test]
fn non_validator_peer_is_refused_until_allowed() -> anyhow::Result<()> {
    let mut net = Scenario::validators(4).start()?;
    let homes = net.homes().to_vec();
    let outsider_dir = outsider_home(net.out(), &homes)?;
    let outsider_peer = peer_id(&outsider_dir)?;
    let outsider = DevNode::start_validator(&outsider_dir)?;

    // (a) Every validator refuses it at the connection level and says so in its log.
    let refused_by = |h: &PathBuf| {
        std::fs::read_to_string(h.with_extension("log"))
            .map(|log| {
                log.lines()
                    .any(|l| l.contains("refused a peer that is not on the allow-list") && l.contains(&outsider_peer))
            })
            .unwrap_or(false)
    };
    net.node(0).wait_until(Duration::from_secs(60), |_| Ok(homes.iter().all(refused_by)))?;
    // While the validators commit blocks, it gets none of them.
    let start = height(net.node(0))?;
    Net::wait_height(&net.nodes(), start + 2, Duration::from_secs(60))?;
    assert_eq!(height(&outsider)?, 0, "a refused peer must not receive blocks");
    let status = outsider.get("/api/status")?;
    assert_eq!(status["genesis_hash"], net.node(0).get("/api/status")?["genesis_hash"], "same genesis");
    // Each refusal is counted in the validators' metrics too.
    let (code, metrics) = request(&format!("{}/metrics", net.node(1).url), None)?;
    let metrics = metrics.as_str().unwrap_or_default().to_string();
    let refused = metrics
        .lines()
        .find_map(|l| l.strip_prefix("shulian_peers_refused_total{reason=\"not_allowed\"} "))
        .and_then(|v| v.parse::<f64>().ok());
    assert!(code == 200 && refused.is_some_and(|n| n >= 1.0), "refusals counted: {refused:?}\n{metrics}");

    // (b) Validator 0 adds its peer id to `allowed_peers` and restarts: now it follows the chain.
    net.kill(0)?;
    let cfg_path = homes[0].join("config.toml");
    let cfg = std::fs::read_to_string(&cfg_path)?;
    anyhow::ensure!(cfg.contains("allowed_peers = []"), "unexpected config layout:\n{cfg}");
    std::fs::write(&cfg_path, cfg.replace("allowed_peers = []", &format!("allowed_peers = [{outsider_peer:?}]")))?;
    net.restart(0)?;
    let target = height(net.node(1))?;
    outsider.wait_until(Duration::from_secs(60), |n| Ok(height(n)? >= target))?;
    for h in 1..=target {
        let a = outsider.get(&format!("/api/block/{h}"))?;
        let b = net.node(1).get(&format!("/api/block/{h}"))?;
        assert_eq!(a["hash"], b["hash"], "outsider and validator 1 differ at height {h}");
        assert_eq!(a["header"]["state_root"], b["header"]["state_root"]);
    }
    // The other validators still refuse it.
    let v1_log = std::fs::read_to_string(homes[1].with_extension("log"))?;
    assert!(!v1_log.lines().any(|l| l.contains("peer connected") && l.contains(&outsider_peer)));
    Ok(())
}
