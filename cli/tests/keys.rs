//! `shulian keys`: the keystore round trip through the real binary, with no node.

use assert_cmd::Command;
use serde_json::Value;
use shulian_runtime::AccountId;
use shulian_runtime::keyfile::KeyFile;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const PASS: &str = "correct horse battery staple";

/// The wallet with a hermetic environment: this keystore, this passphrase, no other settings.
fn shulian(keystore: &Path) -> Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("shulian");
    cmd.env_remove("SHULIAN_NODE").env("SHULIAN_KEYSTORE", keystore).env("SHULIAN_PASSPHRASE", PASS);
    cmd
}

fn json_stdout(cmd: &mut Command) -> Value {
    let out = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).expect("stdout is JSON")
}

#[test]
fn new_list_show_round_trip() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ks = tmp.path().join("keys");
    let created = json_stdout(shulian(&ks).args(["keys", "new", "alice", "--json"]));
    let account = created["account"].as_str().expect("account").to_string();
    let public_key = created["public_key"].as_str().expect("public key").to_string();
    let derived = AccountId::from_public_key(&public_key.parse().expect("public key hex"));
    assert_eq!(derived.to_string(), account, "account id is derived from the public key");
    shulian(&ks).args(["keys", "new", "bob"]).assert().success();

    let listed = json_stdout(shulian(&ks).args(["keys", "list", "--json"]));
    let names: Vec<&str> = listed.as_array().expect("array").iter().filter_map(|k| k["name"].as_str()).collect();
    assert_eq!(names, ["alice", "bob"]);
    assert_eq!(listed[0]["account"], created["account"]);

    let shown = json_stdout(shulian(&ks).args(["keys", "show", "alice", "--json"]));
    assert_eq!(shown["account"].as_str(), Some(account.as_str()));
    assert_eq!(shown["public_key"].as_str(), Some(public_key.as_str()));

    let text = shulian(&ks).args(["keys", "show", "alice"]).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(text).expect("utf-8");
    assert!(text.contains(&account) && text.contains(&public_key), "{text}");
    let list = String::from_utf8(shulian(&ks).args(["keys", "list"]).assert().success().get_output().stdout.clone())
        .expect("utf-8");
    assert!(list.contains("alice") && list.contains("bob"), "{list}");
}

#[test]
fn key_file_is_owner_only_and_holds_no_clear_secret() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ks = tmp.path().join("keys");
    shulian(&ks).args(["keys", "new", "alice"]).assert().success();
    let path = ks.join("alice.json");
    assert_eq!(std::fs::metadata(&path).expect("key file").permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::metadata(&ks).expect("keystore dir").permissions().mode() & 0o777, 0o700);

    let content = std::fs::read_to_string(&path).expect("read key file");
    let file: KeyFile = serde_json::from_str(&content).expect("key file JSON");
    let secret = file.decrypt(PASS).expect("decrypts with the passphrase").to_bytes();
    let lower = hex::encode(secret);
    assert!(!content.to_lowercase().contains(&lower), "the secret key must not be in the file");

    let shown = String::from_utf8(shulian(&ks).args(["keys", "show", "alice", "--json"]).output().expect("run").stdout)
        .expect("utf-8");
    assert!(!shown.contains(&lower), "keys show must never print the secret");
}

#[test]
fn existing_key_is_not_overwritten() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ks = tmp.path().join("keys");
    shulian(&ks).args(["keys", "new", "alice"]).assert().success();
    let before = std::fs::read(ks.join("alice.json")).expect("read");
    let out = shulian(&ks).args(["keys", "new", "alice"]).assert().code(5).get_output().stderr.clone();
    assert!(String::from_utf8_lossy(&out).contains("already exists"));
    assert_eq!(std::fs::read(ks.join("alice.json")).expect("read"), before);
}

#[test]
fn unsafe_key_names_are_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ks = tmp.path().join("keys");
    for name in ["../evil", "a.b", "a b"] {
        let out = shulian(&ks).args(["keys", "new", name]).assert().code(5).get_output().stderr.clone();
        assert!(String::from_utf8_lossy(&out).contains("invalid key name"), "{name}");
    }
    assert!(!tmp.path().join("evil.json").exists());
}

#[test]
fn unknown_key_is_a_keystore_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = shulian(tmp.path()).args(["keys", "show", "nobody"]).assert().code(5).get_output().stderr.clone();
    assert!(String::from_utf8_lossy(&out).contains("no key named \"nobody\""));
}

#[test]
fn empty_keystore_lists_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let listed = json_stdout(shulian(&tmp.path().join("none")).args(["keys", "list", "--json"]));
    assert_eq!(listed, Value::Array(vec![]));
}
