//! SM2 and SM3 cross-checked against an independent implementation (issue 23): the pure-Python
//! `gmssl` (pinned in scripts/tools-requirements.txt, installed into `.tools/venv` by
//! scripts/install-tools.sh) verifies a signature RustCrypto's `sm2` made as the ledger signs
//! (user id `1234567812345678`, Z over the whole public key, the key's point with even y), refuses
//! it with a bit flipped, signs the same message for Rust to verify, and hashes messages of every
//! SM3 block boundary as Rust does. Run by scripts/gmssl-cross-check.py.

use anyhow::{Context, ensure};
use serde_json::{Value, json};
use shulian_runtime::hash::Hasher;
use shulian_runtime::sm2key::{Sm2Key, Sm2Secret};
use shulian_runtime::suite::CryptoSuite;
use shulian_runtime::{PublicKey, Signature};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn sm3(bytes: &[u8]) -> String {
    let mut h = Hasher::of(CryptoSuite::Sm2Sm3);
    h.update(bytes);
    h.finalize().to_hex()
}

#[test]
fn rust_sm2_and_sm3_agree_with_python_gmssl() -> anyhow::Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = root.join(".tools/venv/bin/python3");
    ensure!(
        python.exists(),
        "the tools virtualenv is missing: run ./scripts/install-tools.sh (make test does) to put gmssl in {}",
        python.display()
    );
    // Secrets whose points have even and odd y (the odd one is negated, as the ledger does).
    for seed in [7u8, 8, 9, 10] {
        let secret = Sm2Secret::from_bytes_reduced(&[seed; 32]);
        let public = secret.public_key();
        let message = [b"shulian/tx/v1".as_slice(), &[0], &[seed; 100]].concat();
        let signature = secret.sign(&message);
        let inputs: Vec<Vec<u8>> =
            [0usize, 1, 3, 55, 56, 63, 64, 65, 119, 128, 1000].iter().map(|&n| vec![seed ^ 0x5a; n]).collect();
        let request = json!({
            "secret": hex::encode(secret.to_bytes()),
            "public_key": hex::encode(public.0),
            "message": hex::encode(&message),
            "signature": hex::encode(signature.0),
            "sm3": inputs.iter().map(|i| json!({"input": hex::encode(i)})).collect::<Vec<_>>(),
        });
        let mut child = Command::new(&python)
            .arg(root.join("scripts/gmssl-cross-check.py"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        child.stdin.take().context("stdin")?.write_all(request.to_string().as_bytes())?;
        let out = child.wait_with_output()?;
        ensure!(out.status.success(), "gmssl-cross-check.py: {}", String::from_utf8_lossy(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout)?;
        ensure!(v["x_matches"] == true, "seed {seed}: gmssl derives another public key: {v}");
        ensure!(v["rust_signature_verifies"] == true, "seed {seed}: gmssl refuses Rust's signature: {v}");
        ensure!(v["tampered_signature_verifies"] == false, "seed {seed}: gmssl accepts a flipped bit: {v}");
        let theirs = hex::decode(v["python_signature"].as_str().context("python_signature")?)?;
        let theirs = Signature(theirs.try_into().map_err(|_| anyhow::anyhow!("gmssl's signature is not 64 bytes"))?);
        let key = Sm2Key::decode(&public)?;
        key.verify(&public, &message, &theirs).context("Rust refuses gmssl's signature")?;
        ensure!(
            key.verify(&PublicKey(public.0), b"another message", &theirs).is_err(),
            "gmssl's signature verifies for another message"
        );
        let digests = v["sm3"].as_array().context("sm3")?;
        ensure!(digests.len() == inputs.len());
        for (input, d) in inputs.iter().zip(digests) {
            ensure!(d.as_str() == Some(sm3(input).as_str()), "SM3 of {} bytes: Rust and gmssl differ", input.len());
        }
    }
    Ok(())
}
