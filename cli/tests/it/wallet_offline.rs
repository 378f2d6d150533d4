//! Offline signing through the real binary with no node anywhere: `tx build` writes an unsigned
//! transaction that decodes to what was asked, `tx sign` signs it with no network, refuses the
//! wrong key and an edited file, and `tx send` refuses a file altered after signing.

use assert_cmd::Command;
use serde_json::Value;
use shulian_cli::txfile::{self, SignedTxFile, UnsignedTxFile};
use shulian_runtime::call::{Call, GrantsCall, SettlementCall};
use shulian_runtime::{AccountId, Fen, PublicKey};
use std::path::{Path, PathBuf};

/// Nothing listens on port 1: any network call fails with exit code 4.
const DEAD_NODE: &str = "http://127.0.0.1:1";
const PASS: &str = "offline pass";
const CHAIN: &str = "shulian-offline-test";

/// A temporary home with keys `alice` and `bob`, and no settings file.
struct Wallet {
    tmp: tempfile::TempDir,
}

impl Wallet {
    fn new() -> Wallet {
        let w = Wallet { tmp: tempfile::tempdir().expect("tempdir") };
        w.cmd().args(["keys", "new", "alice"]).assert().success();
        w.cmd().args(["keys", "new", "bob"]).assert().success();
        w
    }

    fn keys(&self) -> PathBuf {
        self.tmp.path().join("keys")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// The wallet with a hermetic environment and a node that cannot be reached.
    fn cmd(&self) -> Command {
        let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("shulian");
        cmd.env("HOME", self.tmp.path())
            .env_remove("SHULIAN_CONFIG")
            .env_remove("SHULIAN_KEY")
            .env_remove("SHULIAN_CHAIN_ID")
            .env("SHULIAN_NODE", DEAD_NODE)
            .env("SHULIAN_KEYSTORE", self.keys())
            .env("SHULIAN_PASSPHRASE", PASS);
        cmd
    }

    fn public_key(&self, name: &str) -> PublicKey {
        let out = self.cmd().args(["keys", "show", name, "--json"]).assert().success().get_output().stdout.clone();
        let v: Value = serde_json::from_slice(&out).expect("JSON");
        v["public_key"].as_str().expect("public key").parse().expect("hex")
    }

    /// `tx build transfer` of `amount` fen from alice, fully offline, into `out`.
    fn build_transfer(&self, out: &Path, amount: &str) {
        self.cmd()
            .args(["tx", "build", "transfer", "--from", "alice", "--to", &"ab".repeat(32), "--amount", amount])
            .args(["--nonce", "7", "--chain-id", CHAIN, "--out"])
            .arg(out)
            .assert()
            .success();
    }
}

fn stderr_of(cmd: &mut Command, code: i32) -> String {
    String::from_utf8(cmd.assert().code(code).get_output().stderr.clone()).expect("utf-8")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("read tx file")
}

#[test]
fn build_then_sign_without_a_node_gives_a_transaction_that_verifies() {
    let w = Wallet::new();
    let (unsigned, signed) = (w.path("unsigned.json"), w.path("signed.json"));
    w.build_transfer(&unsigned, "500");

    // The file decodes to exactly what was asked, and its summary says so in readable form.
    let u = txfile::parse_unsigned("unsigned", &read(&unsigned)).expect("valid unsigned file");
    assert_eq!(u.chain_id, CHAIN);
    assert_eq!(u.sender, w.public_key("alice"));
    assert_eq!(u.nonce, 7);
    let to: AccountId = "ab".repeat(32).parse().expect("account");
    assert_eq!(u.call, Call::Settlement(SettlementCall::Transfer { to, amount: Fen(500) }));
    let file: UnsignedTxFile = serde_json::from_str(&read(&unsigned)).expect("JSON");
    assert_eq!(file.summary.call_name, "settlement.transfer");

    // Signing shows the summary first and needs no node (SHULIAN_NODE is dead).
    let err = stderr_of(w.cmd().args(["tx", "sign"]).arg(&unsigned).arg("--out").arg(&signed), 0);
    assert!(err.contains("settlement.transfer") && err.contains("amount: 500") && err.contains(CHAIN), "{err}");

    let tx = txfile::parse_signed("signed", &read(&signed)).expect("valid signed file");
    assert!(tx.verify(CHAIN).is_ok(), "the signature verifies for the chain it was built for");
    assert_eq!(tx.unsigned(), u);
    let file: SignedTxFile = serde_json::from_str(&read(&signed)).expect("JSON");
    assert_eq!(file.hash, tx.hash());
}

#[test]
fn sign_finds_the_senders_key_by_itself_and_refuses_another_key() {
    let w = Wallet::new();
    let unsigned = w.path("u.json");
    w.build_transfer(&unsigned, "5");

    let err =
        stderr_of(w.cmd().args(["tx", "sign"]).arg(&unsigned).args(["--key", "bob", "--out"]).arg(w.path("s")), 5);
    assert!(err.contains("is not the sender of this transaction"), "{err}");
    assert!(!w.path("s").exists(), "nothing is written for a refused key");

    // Without --key, the keystore key whose public key is the sender's signs; stdout is the file.
    let out = w.cmd().args(["tx", "sign"]).arg(&unsigned).assert().success().get_output().stdout.clone();
    let tx = txfile::parse_signed("stdout", &String::from_utf8(out).expect("utf-8")).expect("signed file on stdout");
    assert_eq!(tx.sender, w.public_key("alice"));
}

#[test]
fn sign_with_the_wrong_passphrase_is_a_keystore_error() {
    let w = Wallet::new();
    let unsigned = w.path("u.json");
    w.build_transfer(&unsigned, "5");
    let err = stderr_of(w.cmd().env("SHULIAN_PASSPHRASE", "nope").args(["tx", "sign"]).arg(&unsigned), 5);
    assert!(err.contains("wrong passphrase for key \"alice\""), "{err}");
}

#[test]
fn edited_unsigned_files_are_refused() {
    let w = Wallet::new();
    let unsigned = w.path("u.json");
    w.build_transfer(&unsigned, "500");
    let original = read(&unsigned);

    // The summary a signer reads was changed, but not the bytes that would be signed.
    let summary_edited = w.path("summary.json");
    std::fs::write(&summary_edited, original.replace("\"amount\": 500", "\"amount\": 5")).expect("write");
    let err = stderr_of(w.cmd().args(["tx", "sign"]).arg(&summary_edited), 1);
    assert!(err.contains("was altered") && err.contains("call"), "{err}");

    // The bytes were changed (amount 500 = 0x01f4 little-endian), the summary was not.
    let file: UnsignedTxFile = serde_json::from_str(&original).expect("JSON");
    let bytes_edited = w.path("bytes.json");
    let hex_edited = file.unsigned_tx.replacen("f401000000000000", "f501000000000000", 1);
    assert_ne!(hex_edited, file.unsigned_tx);
    std::fs::write(&bytes_edited, original.replace(&file.unsigned_tx, &hex_edited)).expect("write");
    let err = stderr_of(w.cmd().args(["tx", "sign"]).arg(&bytes_edited), 1);
    assert!(err.contains("was altered"), "{err}");

    // Not a transaction file at all.
    let junk = w.path("junk.json");
    std::fs::write(&junk, "{\"hello\": 1}").expect("write");
    let err = stderr_of(w.cmd().args(["tx", "sign"]).arg(&junk), 1);
    assert!(err.contains("not a valid Shulian transaction file"), "{err}");
}

#[test]
fn send_checks_the_signed_file_before_any_network_call() {
    let w = Wallet::new();
    let (unsigned, signed) = (w.path("u.json"), w.path("s.json"));
    w.build_transfer(&unsigned, "500");
    w.cmd().args(["tx", "sign"]).arg(&unsigned).arg("--out").arg(&signed).assert().success();

    // An unsigned file is not sendable.
    let err = stderr_of(w.cmd().args(["tx", "send"]).arg(&unsigned), 1);
    assert!(err.contains("sign it first"), "{err}");

    // Bytes and summary both changed after signing: the signature no longer verifies.
    let text = read(&signed);
    let file: SignedTxFile = serde_json::from_str(&text).expect("JSON");
    // 500 fen is f401000000000000 in borsh (u64, little-endian); 10000 is 1027000000000000.
    assert_eq!(file.tx.matches("f401000000000000").count(), 1);
    let forged = text
        .replace(&file.tx, &file.tx.replace("f401000000000000", "1027000000000000"))
        .replace("\"amount\": 500", "\"amount\": 10000");
    let forged_path = w.path("forged.json");
    std::fs::write(&forged_path, forged).expect("write");
    let err = stderr_of(w.cmd().args(["tx", "send"]).arg(&forged_path), 1);
    assert!(err.contains("signature does not verify"), "{err}");

    // The intact file gets as far as the (dead) node.
    let err = stderr_of(w.cmd().args(["tx", "send"]).arg(&signed), 4);
    assert!(err.contains("cannot reach the node"), "{err}");
}

#[test]
fn build_refuses_wait_queries_and_existing_files_and_needs_a_node_for_missing_values() {
    let w = Wallet::new();
    let to = "ab".repeat(32);
    let transfer = ["tx", "build", "transfer", "--from", "alice", "--to", &to, "--amount", "1"];

    let err = stderr_of(w.cmd().args(transfer).args(["--nonce", "1", "--chain-id", CHAIN, "--wait"]), 2);
    assert!(err.contains("--wait has no meaning"), "{err}");
    let err = stderr_of(w.cmd().args(["tx", "build", "grant", "show", &"cd".repeat(32)]), 2);
    assert!(err.contains("only reads the ledger"), "{err}");

    // Without --nonce (or --chain-id) the node is asked, and here it cannot be reached.
    let err = stderr_of(w.cmd().args(transfer).args(["--chain-id", CHAIN]), 4);
    assert!(err.contains("cannot reach the node"), "{err}");
    let err = stderr_of(w.cmd().args(transfer).args(["--nonce", "1"]), 4);
    assert!(err.contains("cannot reach the node"), "{err}");

    let out = w.path("exists.json");
    std::fs::write(&out, "keep me").expect("write");
    let err = stderr_of(w.cmd().args(transfer).args(["--nonce", "1", "--chain-id", CHAIN, "--out"]).arg(&out), 1);
    assert!(err.contains("refusing to overwrite"), "{err}");
    assert_eq!(read(&out), "keep me");
}

#[test]
fn build_takes_a_public_key_for_a_sender_without_a_local_key() {
    let w = Wallet::new();
    let stranger = "5b".repeat(32);
    let out = w
        .cmd()
        .args(["tx", "build", "grant", "approve", "--from", &stranger, "--request", &"cd".repeat(32)])
        .args(["--nonce", "0", "--chain-id", CHAIN])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let u = txfile::parse_unsigned("stdout", &String::from_utf8(out).expect("utf-8")).expect("unsigned file on stdout");
    assert_eq!(u.sender.to_string(), stranger);
    assert!(matches!(u.call, Call::Grants(GrantsCall::Approve { .. })));
    // And no local key can sign it.
    let path = w.path("u.json");
    std::fs::write(&path, txfile::to_text(&UnsignedTxFile::new(&u).expect("file")).expect("text")).expect("write");
    let err = stderr_of(w.cmd().args(["tx", "sign"]).arg(&path), 5);
    assert!(err.contains("no key in") && err.contains(&stranger), "{err}");
}

/// Builds each call with `tx build` and no node, and checks the unsigned file holds that call.
fn builds_offline(w: &Wallet, cases: &[(Vec<&str>, &str)]) {
    for (args, call_name) in cases {
        let out = w
            .cmd()
            .args(["tx", "build"])
            .args(args)
            .args(["--from", "alice", "--nonce", "3", "--chain-id", CHAIN])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let text = String::from_utf8(out).expect("utf-8");
        let u = txfile::parse_unsigned("stdout", &text).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        assert_eq!(u.call.name(), *call_name, "{args:?}");
    }
}

#[test]
fn every_data_sharing_call_builds_offline() {
    let w = Wallet::new();
    let (id, hash) = ("cd".repeat(32), "ef".repeat(32));
    let spec = [
        "--name",
        "bus stops",
        "--metadata-hash",
        &hash,
        "--schema-hash",
        &hash,
        "--field",
        "stop,line",
        "--category",
        "transport",
        "--classification",
        "general",
        "--sharing",
        "conditional",
        "--update-frequency",
        "daily",
    ];
    let parent = format!("{id}:{hash}");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["dataset", "register"].into_iter().chain(spec).collect(), "catalog.register"),
        (vec!["dataset", "retire", "--dataset", &id], "catalog.retire"),
        (vec!["dataset", "negative-list", "--dataset", &id, "--reason", "leak"], "catalog.negative_list"),
        (vec!["dataset", "unlist", "--dataset", &id, "--reason", "fixed"], "catalog.remove_negative_list"),
        (
            vec![
                "dataset",
                "regrade",
                "--dataset",
                &id,
                "--classification",
                "important",
                "--sharing",
                "conditional",
                "--reason",
                "reviewed",
            ],
            "catalog.regrade",
        ),
        (
            vec!["dataset", "version", "--dataset", &id, "--metadata-hash", &hash, "--schema-hash", &hash],
            "catalog.publish_version",
        ),
        (
            vec![
                "request",
                "--dataset",
                &id,
                "--purpose",
                "planning",
                "--field",
                "stop",
                "--valid-for",
                "365d",
                "--max-uses",
                "3",
            ],
            "grants.request",
        ),
        (vec!["grant", "approve", "--request", &id], "grants.approve"),
        (vec!["grant", "co-approve", "--request", &id], "grants.co_approve"),
        (vec!["grant", "reject", "--request", &id, "--reason", "no"], "grants.reject"),
        (vec!["grant", "revoke", "--grant", &id, "--reason", "done"], "grants.revoke"),
        (
            vec![
                "receipt",
                "--grant",
                &id,
                "--query-text",
                "select 1",
                "--result-hash",
                &hash,
                "--rows",
                "1",
                "--field",
                "stop",
            ],
            "receipts.record",
        ),
        (
            vec!["lineage", "register"].into_iter().chain(spec).chain(["--parent", parent.as_str()]).collect(),
            "lineage.register_derived",
        ),
        (vec!["org", "vote", "--proposal", &id, "--approve"], "orgs.vote"),
        (vec!["org", "propose-reinstate", "--org", &id], "orgs.propose"),
    ];
    builds_offline(&w, &cases);
}

#[test]
fn every_market_and_settlement_call_builds_offline() {
    let w = Wallet::new();
    let (id, hash) = ("cd".repeat(32), "ef".repeat(32));
    let listing = [
        "listing",
        "submit",
        "--dataset",
        &id,
        "--price",
        "1000",
        "--licence-terms-hash",
        &hash,
        "--delivery-method",
        "sftp",
        "--purpose",
        "traffic planning",
        "--field",
        "stop",
        "--valid-for",
        "365d",
        "--max-uses",
        "10",
    ];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (listing.to_vec(), "market.submit_listing"),
        (vec!["listing", "approve", "--listing", &id], "market.review_listing"),
        (vec!["listing", "reject", "--listing", &id, "--reason", "core data"], "market.review_listing"),
        (vec!["listing", "freeze", "--listing", &id, "--reason", "inquiry"], "market.freeze_listing"),
        (vec!["listing", "unfreeze", "--listing", &id, "--reason", "closed"], "market.unfreeze_listing"),
        (vec!["listing", "withdraw", "--listing", &id], "market.withdraw_listing"),
        (vec!["order", "place", "--listing", &id], "market.place_order"),
        (vec!["order", "deliver", "--order", &id, "--delivery-hash", &hash], "market.confirm_delivery"),
        (vec!["order", "accept", "--order", &id], "market.accept_delivery"),
        (vec!["order", "dispute", "--order", &id, "--reason", "wrong rows"], "market.open_dispute"),
        (vec!["order", "cancel", "--order", &id], "market.cancel_order"),
        (vec!["order", "claim", "--order", &id], "market.claim_settlement"),
        (vec!["arbitrate", "--order", &id, "--split-buyer-bps", "2500"], "market.arbitrate"),
        (vec!["deposit", "--to", &id, "--amount", "500", "--bank-ref", "ICBC-1"], "settlement.deposit"),
        (vec!["withdraw", "--account", &id, "--amount", "500", "--bank-ref", "ICBC-2"], "settlement.withdraw"),
    ];
    builds_offline(&w, &cases);
    // Reading is not a transaction.
    let err = stderr_of(w.cmd().args(["tx", "build", "order", "show", &id]), 2);
    assert!(err.contains("`order show` only reads the ledger"), "{err}");
}

#[test]
fn tx_hash_lookup_keeps_working_beside_the_subcommands() {
    let w = Wallet::new();
    let hash = "ab".repeat(32);
    let err = stderr_of(w.cmd().args(["tx", &hash]), 4);
    assert!(err.contains("cannot reach the node"), "{err}");
    let err = stderr_of(w.cmd().args(["tx", "show", &hash]), 4);
    assert!(err.contains("cannot reach the node"), "{err}");
    stderr_of(w.cmd().args(["tx", "not-a-hash"]), 2);
}

#[test]
fn a_signer_pinned_to_a_chain_refuses_a_file_for_another_one() {
    let w = Wallet::new();
    let unsigned = w.path("u.json");
    w.build_transfer(&unsigned, "5");
    w.cmd().args(["config", "set", "chain_id", "shulian-prod"]).assert().success();
    let err = stderr_of(w.cmd().args(["tx", "sign"]).arg(&unsigned).arg("--out").arg(w.path("s.json")), 6);
    assert!(err.contains("signs only for chain \"shulian-prod\"") && err.contains(CHAIN), "{err}");
    assert!(!w.path("s.json").exists(), "nothing signed");
    // The pinned chain is what `tx build` writes, with no node asked.
    let pinned = w.path("p.json");
    w.cmd()
        .args(["tx", "build", "transfer", "--from", "alice", "--to", &"ab".repeat(32), "--amount", "5"])
        .args(["--nonce", "7", "--out"])
        .arg(&pinned)
        .assert()
        .success();
    assert_eq!(txfile::parse_unsigned("p", &read(&pinned)).expect("valid").chain_id, "shulian-prod");
    w.cmd().args(["tx", "sign"]).arg(&pinned).arg("--out").arg(w.path("ps.json")).assert().success();
}
