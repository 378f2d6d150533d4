//! Failures through the real binary, with no node: each class of error has its exit code, a
//! clear message on stderr and, with `--json`, a JSON error object on stdout.

use crate::common::stderr;
use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

/// Nothing listens on port 1, so every request fails to connect.
const DEAD_NODE: &str = "http://127.0.0.1:1";

fn shulian(keystore: &Path) -> Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("shulian");
    cmd.env_remove("SHULIAN_NODE").env_remove("SHULIAN_PASSPHRASE").env("SHULIAN_KEYSTORE", keystore);
    cmd
}

fn json_error(cmd: &mut Command, code: i32) -> Value {
    let out = cmd.assert().code(code).get_output().stdout.clone();
    let v: Value = serde_json::from_slice(&out).expect("stdout is one JSON document");
    assert!(v["error"]["message"].is_string(), "{v}");
    v
}

/// A keystore holding key `alice` under passphrase `right`.
fn keystore_with_alice() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    shulian(tmp.path()).env("SHULIAN_PASSPHRASE", "right").args(["keys", "new", "alice"]).assert().success();
    tmp
}

fn transfer_args() -> Vec<String> {
    ["transfer", "--from", "alice", "--to", &"ab".repeat(32), "--amount", "5", "--node", DEAD_NODE]
        .map(String::from)
        .to_vec()
}

#[test]
fn status_against_unreachable_node_exits_4() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let err = stderr(shulian(tmp.path()).args(["status", "--node", DEAD_NODE]), 4);
    assert!(err.starts_with("error: cannot reach the node at http://127.0.0.1:1"), "{err}");
}

#[test]
fn json_error_output_is_valid_json() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let v = json_error(shulian(tmp.path()).args(["status", "--json", "--node", DEAD_NODE]), 4);
    assert_eq!(v["error"]["code"], "unreachable");
    let v = json_error(shulian(tmp.path()).args(["keys", "show", "nobody", "--json"]), 5);
    assert_eq!(v["error"]["code"], "key_not_found");
}

#[test]
fn wrong_passphrase_fails_before_any_network_call() {
    let tmp = keystore_with_alice();
    let err = stderr(shulian(tmp.path()).env("SHULIAN_PASSPHRASE", "wrong").args(transfer_args()), 5);
    assert!(err.contains("wrong passphrase for key \"alice\""), "{err}");
    let v = json_error(shulian(tmp.path()).env("SHULIAN_PASSPHRASE", "wrong").args(transfer_args()).arg("--json"), 5);
    assert_eq!(v["error"]["code"], "wrong_passphrase");
}

#[test]
fn right_passphrase_gets_as_far_as_the_node() {
    let tmp = keystore_with_alice();
    let err = stderr(shulian(tmp.path()).env("SHULIAN_PASSPHRASE", "right").args(transfer_args()), 4);
    assert!(err.contains("cannot reach the node"), "{err}");
}

#[test]
fn passphrase_file_wins_over_the_environment() {
    let tmp = keystore_with_alice();
    let file = tmp.path().join("pass.txt");
    std::fs::write(&file, "right\n").expect("write");
    let mut cmd = shulian(tmp.path());
    cmd.env("SHULIAN_PASSPHRASE", "wrong").args(transfer_args()).arg("--passphrase-file").arg(&file);
    stderr(&mut cmd, 4);
}

#[test]
fn no_passphrase_source_and_no_terminal_is_a_clear_error() {
    let tmp = keystore_with_alice();
    let err = stderr(shulian(tmp.path()).args(transfer_args()), 5);
    assert!(err.contains("no passphrase") && err.contains("SHULIAN_PASSPHRASE"), "{err}");
}

#[test]
fn usage_errors_exit_2_and_are_json_with_json() {
    let tmp = tempfile::tempdir().expect("tempdir");
    stderr(shulian(tmp.path()).args(["transfer", "--from", "a", "--to", "nothex", "--amount", "5"]), 2);
    let v = json_error(shulian(tmp.path()).args(["block", "0", "--json"]), 2);
    assert_eq!(v["error"]["code"], "usage");
}

#[test]
fn help_documents_exit_codes_and_completions_are_generated() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let help = shulian(tmp.path()).arg("--help").assert().success().get_output().stdout.clone();
    let help = String::from_utf8(help).expect("utf-8");
    assert!(help.contains("Exit codes:") && help.contains("5  keystore or passphrase problem"), "{help}");
    assert!(help.contains("6  the node serves (or a transaction file is for) another chain"), "{help}");
    for shell in ["bash", "zsh", "fish"] {
        let script = shulian(tmp.path()).args(["completions", shell]).assert().success().get_output().stdout.clone();
        assert!(String::from_utf8_lossy(&script).contains("shulian"), "{shell}");
    }
}
