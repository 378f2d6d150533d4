//! An observer's home next to a loopback testnet: a node with its own (non-validator) key that
//! follows the chain without voting. It gets the validators' genesis, the validators as its peers,
//! and its peer id goes on every validator's allow-list (`allowed_peers` in `config.toml`), which
//! is what an operator does by hand for a regulator's follower.

use crate::binary;
use anyhow::{Context, bail};
use shulian_runtime::SecretKey;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Writes observer `k`'s home as `out/observer{k}` for the validators at `validators` (whose
/// configs are updated to allow it) and returns it. The validators must not be running yet.
pub fn write_home(out: &Path, validators: &[PathBuf], k: usize) -> anyhow::Result<PathBuf> {
    let first = validators.first().context("an observer needs validators")?;
    let home = out.join(format!("observer{k}"));
    std::fs::create_dir_all(&home)?;
    std::fs::copy(first.join("genesis.json"), home.join("genesis.json"))?;
    // A key no genesis names: fixed per index, so a test's observer is the same on every run.
    let key = SecretKey::from_bytes(blake3::hash(format!("shulian/test/observer/{k}").as_bytes()).as_bytes());
    let key_file = serde_json::json!({
        "public_key": key.public_key(),
        "secret_key": hex::encode(key.to_bytes()),
        "crypto": shulian_runtime::suite::active(),
    });
    std::fs::write(home.join("validator_key.json"), serde_json::to_vec_pretty(&key_file)?)?;

    // Its peers: every validator's own listen address with its peer id.
    let mut peers = Vec::new();
    for v in validators {
        let cfg = read_config(v)?;
        let listen = cfg.get("p2p_listen").and_then(toml::Value::as_str).context("a validator has no p2p_listen")?;
        peers.push(format!("{listen}/p2p/{}", peer_id(v)?));
    }
    let mut cfg = read_config(first)?;
    let table = cfg.as_table_mut().context("config.toml is not a table")?;
    table.insert("p2p_listen".into(), "/ip4/127.0.0.1/tcp/0".into());
    table.insert("http".into(), "127.0.0.1:0".into());
    table.insert("peers".into(), toml::Value::Array(peers.into_iter().map(toml::Value::String).collect()));
    table.insert("allowed_peers".into(), toml::Value::Array(Vec::new()));
    // As an operator writes it: no `submit_enabled`, so the observer takes no transactions.
    table.remove("submit_enabled");
    std::fs::write(home.join("config.toml"), toml::to_string(&cfg)?)?;

    let me = peer_id(&home)?;
    for v in validators {
        let mut cfg = read_config(v)?;
        let table = cfg.as_table_mut().context("config.toml is not a table")?;
        let allowed = table.entry("allowed_peers").or_insert_with(|| toml::Value::Array(Vec::new()));
        allowed.as_array_mut().context("allowed_peers is not a list")?.push(toml::Value::String(me.clone()));
        std::fs::write(v.join("config.toml"), toml::to_string(&cfg)?)?;
    }
    Ok(home)
}

fn read_config(home: &Path) -> anyhow::Result<toml::Value> {
    let text = std::fs::read_to_string(home.join("config.toml"))?;
    Ok(toml::from_str(&text)?)
}

/// `shulian-node peer-id --home HOME`.
fn peer_id(home: &Path) -> anyhow::Result<String> {
    let out = Command::new(binary("shulian-node")?).arg("peer-id").arg("--home").arg(home).output()?;
    if !out.status.success() {
        bail!("peer-id failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8(out.stdout)?.trim().to_string())
}
