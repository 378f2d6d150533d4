//! The settings file through the real binary: flag beats environment beats settings file beats
//! the built-in default, for the node, the default key and the keystore; a broken or missing
//! named settings file is a usage error that names the file.

use crate::common::stderr;
use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

const PASS: &str = "pw";

/// A temporary HOME; every variable the wallet reads is cleared so the user's own never leak in.
fn shulian(home: &Path) -> Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("shulian");
    cmd.env("HOME", home)
        .env_remove("SHULIAN_CONFIG")
        .env_remove("SHULIAN_NODE")
        .env_remove("SHULIAN_KEY")
        .env_remove("SHULIAN_KEYSTORE")
        .env("SHULIAN_PASSPHRASE", PASS);
    cmd
}

fn config_file(home: &Path) -> PathBuf {
    home.join(".shulian").join("config.toml")
}

fn write_config(home: &Path, text: &str) {
    std::fs::create_dir_all(home.join(".shulian")).expect("mkdir");
    std::fs::write(config_file(home), text).expect("write config");
}

fn shown(cmd: &mut Command) -> Value {
    let out = cmd.args(["config", "show", "--json"]).assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).expect("JSON")
}

#[test]
fn node_precedence_is_flag_then_env_then_file_then_default() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path();
    let v = shown(&mut shulian(home));
    assert_eq!(v["node"]["value"], "http://127.0.0.1:8645");
    assert_eq!(v["node"]["source"], "built-in default");
    assert_eq!(v["file_exists"], false);

    // Nothing listens on ports 2, 3 and 4: the error names the node that was used.
    write_config(home, "node = \"http://127.0.0.1:2\"\n");
    let err = stderr(shulian(home).arg("status"), 4);
    assert!(err.contains("http://127.0.0.1:2"), "config file: {err}");
    assert_eq!(shown(&mut shulian(home))["node"]["source"], "config file");

    let err = stderr(shulian(home).env("SHULIAN_NODE", "http://127.0.0.1:3").arg("status"), 4);
    assert!(err.contains("http://127.0.0.1:3"), "env beats file: {err}");
    let v = shown(shulian(home).env("SHULIAN_NODE", "http://127.0.0.1:3"));
    assert_eq!(v["node"]["source"], "env SHULIAN_NODE");

    let mut cmd = shulian(home);
    cmd.env("SHULIAN_NODE", "http://127.0.0.1:3").args(["status", "--node", "http://127.0.0.1:4"]);
    let err = stderr(&mut cmd, 4);
    assert!(err.contains("http://127.0.0.1:4"), "flag beats env: {err}");
    let v = shown(shulian(home).env("SHULIAN_NODE", "http://127.0.0.1:3").args(["--node", "http://127.0.0.1:4"]));
    assert_eq!((v["node"]["value"].as_str(), v["node"]["source"].as_str()), (Some("http://127.0.0.1:4"), Some("flag")));
}

#[test]
fn default_key_signs_when_no_from_is_given_and_loses_to_env_and_flag() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path();
    for name in ["alice", "bob", "carol"] {
        shulian(home).args(["keys", "new", name]).assert().success();
    }
    write_config(home, "default_key = \"alice\"\nnode = \"http://127.0.0.1:1\"\n");
    // A wrong passphrase names the key that was chosen, before any network call.
    let transfer = ["transfer", "--to", &"ab".repeat(32), "--amount", "1"];
    let wrong = |cmd: &mut Command| stderr(cmd.env("SHULIAN_PASSPHRASE", "wrong"), 5);

    assert!(wrong(shulian(home).args(transfer)).contains("key \"alice\""), "config default_key");
    assert!(wrong(shulian(home).env("SHULIAN_KEY", "bob").args(transfer)).contains("key \"bob\""), "env beats file");
    let mut cmd = shulian(home);
    cmd.env("SHULIAN_KEY", "bob").args(transfer).args(["--from", "carol"]);
    assert!(wrong(&mut cmd).contains("key \"carol\""), "flag beats env");

    // The same default key works for every call subcommand.
    let mut cmd = shulian(home);
    cmd.args(["grant", "revoke", "--grant", &"cd".repeat(32), "--reason", "r"]);
    assert!(wrong(&mut cmd).contains("key \"alice\""));
    let v = shown(&mut shulian(home));
    assert_eq!(
        (v["default_key"]["value"].as_str(), v["default_key"]["source"].as_str()),
        (Some("alice"), Some("config file"))
    );

    // With no default anywhere, --from is required again.
    write_config(home, "");
    let err = stderr(shulian(home).args(transfer), 2);
    assert!(err.contains("--from"), "{err}");
}

#[test]
fn keystore_comes_from_the_settings_file_unless_overridden() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path();
    let elsewhere = home.join("elsewhere");
    write_config(home, &format!("keystore = {:?}\n", elsewhere.display().to_string()));
    shulian(home).args(["keys", "new", "dora"]).assert().success();
    assert!(elsewhere.join("dora.json").exists(), "the configured keystore is used");
    let listed = shulian(home).args(["keys", "list", "--keystore"]).arg(home.join("other")).arg("--json").output();
    let listed: Value = serde_json::from_slice(&listed.expect("run").stdout).expect("JSON");
    assert_eq!(listed, Value::Array(vec![]), "--keystore beats the settings file");
}

#[test]
fn config_set_writes_the_file_that_later_runs_read() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path();
    shulian(home).args(["config", "set", "node", "http://127.0.0.1:5"]).assert().success();
    shulian(home).args(["config", "set", "default_key", "alice"]).assert().success();
    let text = std::fs::read_to_string(config_file(home)).expect("config written");
    assert!(text.contains("node = \"http://127.0.0.1:5\"") && text.contains("default_key = \"alice\""), "{text}");
    let err = stderr(shulian(home).arg("status"), 4);
    assert!(err.contains("http://127.0.0.1:5"), "{err}");

    // A bad value is refused and the file is left as it was.
    let err = stderr(shulian(home).args(["config", "set", "node", "not-a-url"]), 2);
    assert!(err.contains("node"), "{err}");
    assert_eq!(std::fs::read_to_string(config_file(home)).expect("read"), text);

    shulian(home).args(["config", "unset", "node"]).assert().success();
    assert_eq!(shown(&mut shulian(home))["node"]["source"], "built-in default");
}

#[test]
fn named_settings_file_is_used_and_bad_files_are_usage_errors() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path();
    let named = home.join("team.toml");
    std::fs::write(&named, "node = \"http://127.0.0.1:6\"\n").expect("write");
    let err = stderr(shulian(home).arg("--config").arg(&named).arg("status"), 4);
    assert!(err.contains("http://127.0.0.1:6"), "--config: {err}");
    let err = stderr(shulian(home).env("SHULIAN_CONFIG", &named).arg("status"), 4);
    assert!(err.contains("http://127.0.0.1:6"), "SHULIAN_CONFIG: {err}");

    let err = stderr(shulian(home).arg("--config").arg(home.join("missing.toml")).arg("status"), 2);
    assert!(err.contains("missing.toml"), "{err}");

    write_config(home, "nodes = \"http://x\"\n");
    let err = stderr(shulian(home).arg("status"), 2);
    assert!(err.contains("config.toml") && err.contains("nodes"), "{err}");
    let out = shulian(home).args(["status", "--json"]).assert().code(2).get_output().stdout.clone();
    let v: Value = serde_json::from_slice(&out).expect("JSON error");
    assert_eq!(v["error"]["code"], "bad_config");
}
