//! Runs the real `shulian` wallet binary against a node, as a user would: with the demo keystore
//! and passphrase, and no settings file of the machine's user (HOME is the node's home).

use crate::{DevNode, binary};
use anyhow::{Context, bail, ensure};
use serde_json::Value;
use std::process::{Command, Output};

/// `shulian ARGS` against `node`. A Rust panic in its output is an error, whatever the exit code.
pub fn shulian(node: &DevNode, args: &[&str]) -> anyhow::Result<Output> {
    let out = Command::new(binary("shulian")?)
        .args(args)
        .env("HOME", node.home.as_path())
        .env_remove("SHULIAN_CONFIG")
        .env_remove("SHULIAN_KEY")
        .env("SHULIAN_NODE", &node.url)
        .env("SHULIAN_KEYSTORE", node.home.join("keys"))
        .env("SHULIAN_PASSPHRASE", "dev")
        .output()
        .context("cannot run shulian")?;
    if String::from_utf8_lossy(&out.stderr).contains("panicked") {
        bail!("shulian {args:?} printed a Rust panic: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(out)
}

/// A command that must succeed and print one JSON document.
pub fn json_ok(node: &DevNode, args: &[&str]) -> anyhow::Result<Value> {
    let out = shulian(node, args)?;
    if !out.status.success() {
        bail!(
            "shulian {args:?} exited with {:?}\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    serde_json::from_slice(&out.stdout).with_context(|| format!("shulian {args:?} printed no JSON"))
}

/// A command that must succeed; answers its text output.
pub fn text_ok(node: &DevNode, args: &[&str]) -> anyhow::Result<String> {
    let out = shulian(node, args)?;
    ensure!(out.status.success(), "shulian {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    Ok(String::from_utf8(out.stdout)?)
}

/// A command that must fail with exit code `code`; answers its stderr.
pub fn refused(node: &DevNode, args: &[&str], code: i32) -> anyhow::Result<String> {
    let out = shulian(node, args)?;
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    if out.status.code() != Some(code) {
        bail!("shulian {args:?} exited with {:?}, expected {code}\nstderr: {err}", out.status.code());
    }
    Ok(err)
}

/// The string field `key` of a JSON object.
pub fn text(v: &Value, key: &str) -> anyhow::Result<String> {
    v[key].as_str().map(str::to_string).with_context(|| format!("no {key} in {v}"))
}

/// `from` registers a data set `name` (hashes, fields and category fixed) with `classification`
/// and `sharing` attribute; answers its id.
pub fn register_dataset(
    node: &DevNode,
    from: &str,
    name: &str,
    classification: &str,
    sharing: &str,
) -> anyhow::Result<String> {
    let hash = "ab".repeat(32);
    let v = json_ok(
        node,
        &[
            "dataset",
            "register",
            "--from",
            from,
            "--name",
            name,
            "--metadata-hash",
            &hash,
            "--schema-hash",
            &hash,
            "--field",
            "district,visits,age_band",
            "--category",
            "health",
            "--classification",
            classification,
            "--sharing",
            sharing,
            "--update-frequency",
            "daily",
            "--json",
        ],
    )?;
    text(&v, "dataset_id")
}
