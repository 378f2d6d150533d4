//! Four validator processes on an `sm2-sm3` (国密) chain, in every `make test` whatever
//! `SHULIAN_CRYPTO` says (`make test-sm2` runs every other test on such chains too): SM2 votes
//! and SM3 roots commit transfers on all four alike; the validators learn which connection is
//! which validator from their SM2-signed heads (each counts the other three's power); a killed
//! validator restarts, binds its new connections again and catches up; a transaction signed
//! with ed25519 is refused as `wrong_crypto_suite` and one with a flipped bit as `bad_signature`.
#![allow(clippy::disallowed_methods, reason = "the test waits for the bindings like an operator would")]

use shulian_network_tests::checker::height;
use shulian_network_tests::scenario::{Net, Scenario};
use shulian_runtime::suite::CryptoSuite;
use shulian_runtime::{AccountId, Fen, PublicKey, Signature, UnsignedTransaction};
use std::time::Duration;

#[test]
fn four_sm2_validators_commit_bind_their_peers_catch_up_and_refuse_other_signatures() -> anyhow::Result<()> {
    // The test process signs under SM2, and makes the network in its own suite.
    shulian_runtime::test_utils::pin_suite(CryptoSuite::Sm2Sm3);
    let mut net = Scenario::validators(4).start()?;
    let status = net.node(0).get("/api/status")?;
    assert_eq!(status["crypto"], "sm2-sm3", "{status}");

    let mut sender = net.transfers("trader", "health")?;
    net.commit_through_each(&mut sender, 3, Duration::from_secs(90))?;
    net.agree(&sender.accepted, Duration::from_secs(30))?;
    // Each validator knows the other three by their SM2-signed heads.
    let bound = |k: usize| -> anyhow::Result<u64> {
        Ok(net.node(k).get("/api/status")?["peers"]["validators"].as_u64().unwrap_or(0))
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while (0..4).map(bound).collect::<anyhow::Result<Vec<_>>>()?.iter().any(|n| *n < 3) {
        anyhow::ensure!(std::time::Instant::now() < deadline, "the validators did not bind each other's heads");
        std::thread::sleep(Duration::from_millis(200));
    }

    // A validator killed and restarted binds its new connections again and catches up.
    net.kill(3)?;
    let sent = sender.send(net.node(1), 5)?;
    net.wait_committed(&sent, Duration::from_secs(60))?;
    let h = height(net.node(1))?;
    net.restart(3)?;
    Net::wait_height(&net.some(&[3]), h, Duration::from_secs(60))?;
    net.agree(&sender.accepted, Duration::from_secs(30))?;

    // The same transfer signed with ed25519: a valid signature of the other suite.
    let ed = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let unsigned = UnsignedTransaction {
        chain_id: status["chain_id"].as_str().unwrap_or_default().to_string(),
        sender: PublicKey(ed.verifying_key().to_bytes()),
        nonce: 0,
        call: shulian_runtime::Call::Settlement(shulian_runtime::call::SettlementCall::Transfer {
            to: AccountId([9; 32]),
            amount: Fen(1),
        }),
    };
    let msg = shulian_runtime::crypto::signing_bytes(shulian_runtime::tx::TX_SIGN_TAG, &borsh::to_vec(&unsigned)?);
    let signature = {
        use ed25519_dalek::Signer;
        Signature(ed.sign(&msg).to_bytes())
    };
    let foreign = shulian_runtime::Transaction {
        chain_id: unsigned.chain_id.clone(),
        sender: unsigned.sender,
        nonce: 0,
        call: unsigned.call.clone(),
        signature,
    };
    let (code, body) = net.node(0).submit(&foreign)?;
    assert_eq!((code, body["error"]["code"].as_str()), (400, Some("wrong_crypto_suite")), "{body}");
    let mut flipped = sender.next_tx();
    flipped.signature.0[9] ^= 4;
    let (code, body) = net.node(0).submit(&flipped)?;
    assert_eq!((code, body["error"]["code"].as_str()), (400, Some("bad_signature")), "{body}");
    Ok(())
}
