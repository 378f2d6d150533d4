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

#[test]
fn imported_secret_is_encrypted_and_never_written_in_clear() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ks = tmp.path().join("keys");
    let secret = [0x5au8, 0x17, 0xc3, 0x88].repeat(8);
    let secret_hex = hex::encode(&secret);
    let clear = tmp.path().join("secret.hex");
    std::fs::write(&clear, format!("{secret_hex}\n")).expect("write");

    let imported = json_stdout(shulian(&ks).args(["keys", "import", "carol", "--json", "--secret-file"]).arg(&clear));
    let expected = shulian_runtime::SecretKey::from_bytes(&secret.clone().try_into().expect("32 bytes")).public_key();
    assert_eq!(imported["public_key"].as_str(), Some(expected.to_string().as_str()));

    let path = ks.join("carol.json");
    assert_eq!(std::fs::metadata(&path).expect("key file").permissions().mode() & 0o777, 0o600);
    let raw = std::fs::read(&path).expect("read key file");
    let text = String::from_utf8_lossy(&raw).to_lowercase();
    assert!(!text.contains(&secret_hex), "no hex secret in the key file");
    assert!(!raw.windows(secret.len()).any(|w| w == secret.as_slice()), "no raw secret bytes in the key file");
    let file: KeyFile = serde_json::from_slice(&raw).expect("key file JSON");
    assert_eq!(file.decrypt(PASS).expect("decrypts").to_bytes().to_vec(), secret);

    // From stdin too; a name already used is refused before anything is read.
    let imported = json_stdout(
        shulian(&ks).args(["keys", "import", "carol2", "--secret-file", "-", "--json"]).write_stdin(secret_hex.clone()),
    );
    assert_eq!(imported["public_key"], serde_json::json!(expected.to_string()));
    shulian(&ks).args(["keys", "import", "carol", "--secret-file"]).arg(&clear).assert().code(5);
    let bad = tmp.path().join("bad.hex");
    std::fs::write(&bad, "not a key").expect("write");
    let err = shulian(&ks).args(["keys", "import", "dave", "--secret-file"]).arg(&bad).assert().code(5);
    assert!(String::from_utf8_lossy(&err.get_output().stderr).contains("64 hex characters"));
}

#[test]
fn export_then_import_round_trip_keeps_the_key_encrypted() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (ks, other) = (tmp.path().join("keys"), tmp.path().join("other"));
    let created = json_stdout(shulian(&ks).args(["keys", "new", "alice", "--json"]));
    let export = tmp.path().join("alice-backup.json");
    shulian(&ks).args(["keys", "export", "alice", "--out"]).arg(&export).assert().success();
    assert_eq!(std::fs::metadata(&export).expect("export").permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::read(&export).expect("read"), std::fs::read(ks.join("alice.json")).expect("read"));
    // Never replaces a file.
    shulian(&ks).args(["keys", "export", "alice", "--out"]).arg(&export).assert().code(5);

    let imported = json_stdout(shulian(&other).args(["keys", "import", "alice", "--json", "--key-file"]).arg(&export));
    assert_eq!(imported["public_key"], created["public_key"]);
    let file: KeyFile =
        serde_json::from_str(&std::fs::read_to_string(other.join("alice.json")).expect("read")).expect("JSON");
    assert!(file.decrypt(PASS).is_ok(), "the copy opens with the original passphrase");
    assert!(file.decrypt("wrong").is_err());
}

#[test]
fn wrong_passphrase_is_a_clear_keystore_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ks = tmp.path().join("keys");
    shulian(&ks).args(["keys", "new", "alice"]).assert().success();
    let unsigned = tmp.path().join("u.json");
    shulian(&ks)
        .args(["tx", "build", "transfer", "--from", "alice", "--to", &"ab".repeat(32), "--amount", "1"])
        .args(["--nonce", "0", "--chain-id", "c", "--out"])
        .arg(&unsigned)
        .assert()
        .success();
    let out = shulian(&ks).env("SHULIAN_PASSPHRASE", "not it").args(["tx", "sign"]).arg(&unsigned).assert().code(5);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("wrong passphrase for key \"alice\""), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// A key file with these KDF parameters (otherwise well formed: encrypted with the cheapest
/// accepted ones, then edited).
fn key_file_with_kdf(dir: &Path, m_cost_kib: u32, t_cost: u32, p_cost: u32) -> std::path::PathBuf {
    use shulian_runtime::keyfile::{KdfParams, MIN_M_COST_KIB};
    let key = shulian_runtime::SecretKey::from_bytes(&[9u8; 32]);
    let cheapest = KdfParams { m_cost_kib: MIN_M_COST_KIB, t_cost: 5, p_cost: 1 };
    let mut file = KeyFile::encrypt("x", &key, PASS, [1; 16], [2; 24], cheapest).expect("encrypt");
    file.kdf_params = KdfParams { m_cost_kib, t_cost, p_cost };
    let path = dir.join(format!("kdf-{m_cost_kib}-{t_cost}-{p_cost}.json"));
    std::fs::write(&path, serde_json::to_vec(&file).expect("json")).expect("write");
    path
}

#[test]
fn key_files_with_weak_or_costly_kdf_parameters_are_refused_on_load() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ks = tmp.path().join("keys");
    // Weak: 64 KiB of memory, a GPU's dream. Named in the message, refused before it is stored.
    let weak = key_file_with_kdf(tmp.path(), 64, 1, 1);
    let err = crate::common::stderr(shulian(&ks).args(["keys", "import", "weak", "--key-file"]).arg(&weak), 5);
    assert!(err.contains("weak key file") && err.contains("m_cost_kib"), "{err}");
    assert!(!ks.join("weak.json").exists());
    let out = shulian(&ks).args(["keys", "import", "weak", "--json", "--key-file"]).arg(&weak).output().expect("run");
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"weak_key_file\""), "{out:?}");

    // Costly: 4 TiB of memory and 2^32 passes. The command returns at once with a refusal,
    // which shows the KDF never ran.
    let costly = key_file_with_kdf(tmp.path(), u32::MAX, u32::MAX, 1);
    let err = crate::common::stderr(shulian(&ks).args(["keys", "import", "costly", "--key-file"]).arg(&costly), 5);
    assert!(err.contains("m_cost_kib") && err.contains("above the maximum"), "{err}");

    // A file already in the keystore is checked on every load too (say, edited in place).
    std::fs::create_dir_all(&ks).expect("mkdir");
    std::fs::copy(&weak, ks.join("planted.json")).expect("copy");
    let err = crate::common::stderr(shulian(&ks).args(["keys", "show", "planted"]), 5);
    assert!(err.contains("weak key file"), "{err}");
}
