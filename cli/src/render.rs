//! Short human-readable text for the node's answers (the `shulian-api` types) and the keystore.
//! Pure functions of their input.

pub mod ledger;
pub mod lists;
pub mod market;

use crate::args::when::show_time;
use crate::keystore::KeyInfo;
use crate::txflow::{self, TxState};
use serde::Serialize;
use shulian_api::chain::{AccountResponse, BlockResponse, OutcomeStatus, StatusResponse, TxStatusResponse};
use shulian_runtime::call::Validity;
use shulian_runtime::events::Event;

fn line(label: &str, value: impl std::fmt::Display) -> String {
    format!("{label:<14}{value}\n")
}

/// A validity window in ledger time, in China Standard Time: `from ... until ...` (`at once`
/// for a window open from the start of the chain).
fn window(v: &Validity) -> String {
    let from = if v.from_ms == 0 { "at once".to_string() } else { format!("from {}", show_time(v.from_ms)) };
    format!("{from} until {}", show_time(v.until_ms))
}

/// Items joined with commas, or `none`.
fn list<T: std::fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    }
}

/// A value as the API writes it: an enum's name (`core`, `department`) as it is, anything else as
/// compact JSON.
fn api_name<T: Serialize + ?Sized>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "?".to_string(),
    }
}

/// An event as compact JSON, for events the wallet has no words for.
fn event_json(e: &Event) -> String {
    serde_json::to_string(e).unwrap_or_else(|_| e.kind().name().to_string())
}

/// A Unix time in milliseconds as `YYYY-MM-DD hh:mm:ss UTC` (proleptic Gregorian calendar).
pub fn utc_time(ms: u64) -> String {
    shulian_runtime::time::LedgerTime(ms - ms % 1_000).to_string()
}

/// The chain head from `GET /api/status`.
pub fn status(v: &StatusResponse) -> String {
    let mut out = line("chain id", &v.chain_id);
    out += &line("crypto suite", v.crypto);
    out += &line("height", v.height);
    out += &line("state root", v.state_root);
    out += &line("last block", v.last_block_hash);
    out += &line("block time", utc_time(v.last_block_time_ms));
    out += &line("mempool", format!("{} pending transactions", v.mempool_txs));
    let power = v.validators.iter().map(|x| x.power).fold(0, u64::saturating_add);
    out += &line("validators", format!("{} (total voting power {power})", v.validators.len()));
    // Fields a node before issue 21 does not send are left out.
    if let Some(role) = v.role {
        out += &line("role", api_name(&role));
    }
    if let Some(sync) = v.sync {
        let state = api_name(&sync).replace('_', " ");
        out += &line(
            "sync",
            match v.best_peer_height {
                Some(h) => format!("{state} (best peer head {h})"),
                None => state,
            },
        );
    }
    if let Some(p) = v.peers {
        out += &line("peers", format!("{} connected, {} validators", p.connected, p.validators));
    }
    if let Some(version) = &v.version {
        out += &line("version", version);
    }
    out
}

/// An account from `GET /api/account/{id}`.
pub fn account(v: &AccountResponse) -> String {
    let mut out = line("account", v.account);
    out += &line("balance", v.balance);
    out += &line("next nonce", v.nonce);
    let org = match &v.organization {
        Some(org) => {
            let roles: Vec<String> = org.roles.iter().map(api_name).collect();
            format!("{} (roles: {}; {} keys)", org.name, roles.join(", "), org.keys.len())
        }
        None => "none".to_string(),
    };
    out + &line("organization", org)
}

/// One event: known events in words, others as compact JSON.
pub fn event(e: &Event) -> String {
    ledger::describe(e).unwrap_or_else(|| event_json(e))
}

/// A transaction from `GET /api/tx/{hash}`, with its state.
pub fn tx(v: &TxStatusResponse, state: &TxState) -> String {
    let mut out = line("transaction", txflow::tx_hash(v));
    match state {
        TxState::Pending => out += &line("status", "pending (in the mempool, not yet in a block)"),
        TxState::Rejected(r) => out += &line("status", format!("rejected: {} ({})", r.message, r.code)),
        TxState::Committed { height, index, failure, events } => {
            out += &line("status", format!("committed at height {height} (index {index})"));
            out += &match failure {
                None => line("outcome", "success"),
                Some(r) => line("outcome", format!("failed: {} ({})", r.message, r.code)),
            };
            for e in events {
                out += &line("event", event(e));
            }
        }
    }
    out
}

/// A block from `GET /api/block/{height}`: header lines, then one line per transaction.
pub fn block(v: &BlockResponse) -> String {
    let header = &v.header;
    let mut out = line("block", format!("height {}", header.height));
    out += &line("hash", v.hash);
    out += &line("time", utc_time(header.timestamp_ms));
    out += &line("proposer", header.proposer);
    out += &line("state root", header.state_root);
    out += &line("signatures", v.certificate.as_ref().map_or(0, |c| c.signatures.len()));
    out += &line("transactions", v.txs.len());
    for t in &v.txs {
        let result = match &t.outcome {
            Some(o) if o.status == OutcomeStatus::Failed => {
                format!("failed: {}", o.error.as_ref().map_or("?", |e| e.message.as_str()))
            }
            Some(_) => "success".to_string(),
            None => "?".to_string(),
        };
        let account = t.account.map_or_else(|| "?".to_string(), |a| a.to_string());
        out += &format!("  {}  {}  from {account}  nonce {}  {result}\n", t.hash, t.call.name(), t.nonce);
    }
    out
}

/// One stored key: never the secret.
pub fn key(k: &KeyInfo) -> String {
    line("name", &k.name)
        + &line("account", k.account)
        + &line("public key", k.public_key)
        + &line("file", k.path.display())
}

/// The keys of a keystore, one line each: name, account id, public key.
pub fn keys(keys: &[KeyInfo]) -> String {
    keys.iter().map(|k| format!("{}  account {}  public key {}\n", k.name, k.account, k.public_key)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shulian_api::ErrorDetail;
    use shulian_api::chain::{BlockTx, NodeRole, Outcome, PeersStatus, SyncState};
    use shulian_api::records::Organization;
    use shulian_runtime::block::{BlockHeader, CommitCertificate, CommitSig, Validator};
    use shulian_runtime::call::SettlementCall;
    use shulian_runtime::crypto::Signature;
    use shulian_runtime::genesis::Role;
    use shulian_runtime::{AccountId, Call, Fen, Hash, Height, PublicKey, SecretKey};

    fn public_key(seed: u8) -> PublicKey {
        SecretKey::from_bytes(&[seed; 32]).public_key()
    }

    #[test]
    fn utc_time_matches_known_dates() {
        assert_eq!(utc_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_time(951_782_400_000), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc_time(1_764_383_000_123), "2025-11-29 02:23:20 UTC");
    }

    #[test]
    fn status_shows_the_head_and_the_voting_power() {
        let validator =
            |seed: u8, power: u64| Validator { name: format!("v{seed}"), public_key: public_key(seed), power };
        let text = status(&StatusResponse {
            chain_id: "shulian-dev".into(),
            crypto: Default::default(),
            genesis_hash: Hash([1; 32]),
            height: Height(42),
            last_block_hash: Hash([2; 32]),
            state_root: Hash([0xab; 32]),
            last_block_time_ms: 0,
            mempool_txs: 0,
            validators: vec![validator(1, 1), validator(2, 2)],
            disk_free_bytes: None,
            disk_low: false,
            role: Some(NodeRole::Observer),
            sync: Some(SyncState::CatchingUp),
            peers: Some(PeersStatus { connected: 5, validators: 2 }),
            best_peer_height: Some(Height(50)),
            version: Some("1.2.3".into()),
            earliest_block_height: None,
            pruned: false,
        });
        assert!(text.contains("shulian-dev"));
        assert!(text.contains("42"));
        assert!(text.contains("2 (total voting power 3)"));
        assert!(text.contains("observer"), "{text}");
        assert!(text.contains("catching up (best peer head 50)"), "{text}");
        assert!(text.contains("5 connected, 2 validators"), "{text}");
        assert!(text.contains("1.2.3"), "{text}");
        assert!(text.contains(&format!("state root    {}", "ab".repeat(32))), "{text}");
    }

    #[test]
    fn account_shows_balance_in_fen_and_organization() {
        let organization = Organization {
            id: AccountId([0xaa; 32]),
            name: "Hospital".into(),
            roles: vec![Role::Department],
            keys: vec![public_key(1)],
            suspended: false,
        };
        let mut v = AccountResponse {
            account: AccountId([0xaa; 32]),
            nonce: 3,
            balance: Fen(1000),
            organization: Some(organization),
        };
        let text = account(&v);
        assert!(text.contains("1000 fen"));
        assert!(text.contains("Hospital (roles: department; 1 keys)"));
        v.organization = None;
        assert!(account(&v).contains("none"));
    }

    #[test]
    fn transfer_event_is_told_in_words() {
        let (from, to) = (AccountId([0x11; 32]), AccountId([0x22; 32]));
        let text = event(&Event::Transferred { from, to, amount: Fen(5) });
        assert_eq!(text, format!("transferred 5 fen from {from} to {to}"));
    }

    #[test]
    fn block_lists_each_transaction_with_its_call_and_outcome() {
        let (to, account) = (AccountId([0x22; 32]), AccountId([0x33; 32]));
        let signature = |seed: u8| CommitSig { validator: public_key(seed), signature: Signature([seed; 64]) };
        let tx = BlockTx {
            hash: Hash([0x77; 32]),
            sender: public_key(3),
            account: Some(account),
            nonce: 0,
            call: Call::Settlement(SettlementCall::Transfer { to, amount: Fen(5) }),
            call_name: "settlement.transfer".into(),
            outcome: Some(Outcome {
                status: OutcomeStatus::Failed,
                account,
                error: Some(ErrorDetail { code: "c".into(), message: "too poor".into() }),
                events: vec![],
            }),
        };
        let text = block(&BlockResponse {
            hash: Hash([0xbb; 32]),
            header: BlockHeader {
                protocol_version: 1,
                chain_id: "c".into(),
                height: Height(3),
                parent_hash: Hash([0; 32]),
                timestamp_ms: 0,
                proposer: public_key(1),
                tx_root: Hash([0; 32]),
                outcomes_root: Hash([0; 32]),
                state_root: Hash([0; 32]),
                next_validators_hash: Hash([5; 32]),
            },
            certificate: Some(CommitCertificate {
                height: Height(3),
                round: 0,
                block_hash: Hash([0xbb; 32]),
                signatures: vec![signature(1), signature(2)],
            }),
            txs: vec![tx],
        });
        assert!(text.contains("height 3"));
        let th = "77".repeat(32);
        assert!(
            text.contains(&format!("{th}  settlement.transfer  from {account}  nonce 0  failed: too poor")),
            "{text}"
        );
        assert!(text.contains("signatures    2"));
    }
}
