//! Short human-readable text for the node's JSON answers and the keystore. Pure functions of
//! their input: a field the node left out shows as `?` instead of failing.

pub mod ledger;
pub mod market;

use crate::keystore::KeyInfo;
use crate::txflow::TxState;
use serde_json::Value;
use shulian_runtime::Call;

/// Field `key` of `v` as text: strings as they are, other JSON compactly, `?` when missing.
pub fn field(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => "?".to_string(),
        Some(other) => other.to_string(),
    }
}

fn line(label: &str, value: impl std::fmt::Display) -> String {
    format!("{label:<14}{value}\n")
}

/// `{"height": 5}` / `{"time": 1700000000000}` (a validity bound) as `height 5` / `ledger time <utc>`.
fn bound(v: Option<&Value>) -> String {
    let Some(v) = v else { return "?".to_string() };
    if let Some(h) = v.get("height").and_then(Value::as_u64) {
        return format!("height {h}");
    }
    match v.get("time").and_then(Value::as_u64) {
        Some(ms) => format!("ledger time {}", utc_time(ms)),
        None => v.to_string(),
    }
}

/// The strings (or values) of the array `key` joined with commas, or `none`.
fn list(v: &Value, key: &str) -> String {
    let items = v.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let words: Vec<String> = items.iter().map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string)).collect();
    if words.is_empty() { "none".to_string() } else { words.join(", ") }
}

/// A Unix time in milliseconds as `YYYY-MM-DD hh:mm:ss UTC` (proleptic Gregorian calendar).
pub fn utc_time(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's days-to-civil algorithm, in unsigned arithmetic for days >= 0.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// The chain head from `GET /api/status`.
pub fn status(v: &Value) -> String {
    let mut out = line("chain id", field(v, "chain_id"));
    out += &line("height", field(v, "height"));
    out += &line("state root", field(v, "state_root"));
    out += &line("last block", field(v, "last_block_hash"));
    if let Some(ms) = v.get("last_block_time_ms").and_then(Value::as_u64) {
        out += &line("block time", utc_time(ms));
    }
    out += &line("mempool", format!("{} pending transactions", field(v, "mempool_txs")));
    if let Some(validators) = v.get("validators").and_then(Value::as_array) {
        let power: u64 =
            validators.iter().filter_map(|x| x.get("power").and_then(Value::as_u64)).fold(0, u64::saturating_add);
        out += &line("validators", format!("{} (total voting power {power})", validators.len()));
    }
    out
}

/// An account from `GET /api/account/{id}`.
pub fn account(v: &Value) -> String {
    let mut out = line("account", field(v, "account"));
    out += &line("balance", format!("{} fen", field(v, "balance")));
    out += &line("next nonce", field(v, "nonce"));
    let org = match v.get("organization") {
        Some(org @ Value::Object(_)) => {
            let list = |k: &str| org.get(k).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default().to_vec();
            let roles: Vec<String> =
                list("roles").iter().map(|r| r.as_str().map_or_else(|| r.to_string(), str::to_string)).collect();
            format!("{} (roles: {}; {} keys)", field(org, "name"), roles.join(", "), list("keys").len())
        }
        _ => "none".to_string(),
    };
    out + &line("organization", org)
}

/// One event: known events in words, others as compact JSON.
pub fn event(v: &Value) -> String {
    // Events appended to the runtime later than this wallet still print, as JSON.
    ledger::describe(v).unwrap_or_else(|| v.to_string())
}

/// A transaction from `GET /api/tx/{hash}`, with its parsed state.
pub fn tx(v: &Value, state: &TxState) -> String {
    let mut out = line("transaction", field(v, "hash"));
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

/// The name of a call as the node shows it, e.g. `settlement.transfer`.
fn call_name(v: Option<&Value>) -> String {
    let Some(v) = v else { return "?".to_string() };
    match serde_json::from_value::<Call>(v.clone()) {
        Ok(call) => call.name().to_string(),
        Err(_) => field(v, "contract"),
    }
}

/// A block from `GET /api/block/{height}`: header lines, then one line per transaction.
pub fn block(v: &Value) -> String {
    let header = v.get("header").cloned().unwrap_or(Value::Null);
    let mut out = line("block", format!("height {}", field(&header, "height")));
    out += &line("hash", field(v, "hash"));
    if let Some(ms) = header.get("timestamp_ms").and_then(Value::as_u64) {
        out += &line("time", utc_time(ms));
    }
    out += &line("proposer", field(&header, "proposer"));
    out += &line("state root", field(&header, "state_root"));
    let signatures = v.pointer("/certificate/signatures").and_then(Value::as_array).map_or(0, Vec::len);
    out += &line("signatures", signatures);
    let txs = v.get("txs").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    out += &line("transactions", txs.len());
    for t in txs {
        let outcome = t.get("outcome").cloned().unwrap_or(Value::Null);
        let result = match outcome.get("status").and_then(Value::as_str) {
            Some("failed") => {
                format!("failed: {}", outcome.pointer("/error/message").and_then(Value::as_str).unwrap_or("?"))
            }
            Some(s) => s.to_string(),
            None => "?".to_string(),
        };
        out += &format!(
            "  {}  {}  from {}  nonce {}  {result}\n",
            field(t, "hash"),
            call_name(t.get("call")),
            field(t, "account"),
            field(t, "nonce")
        );
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
    use serde_json::json;

    #[test]
    fn utc_time_matches_known_dates() {
        assert_eq!(utc_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_time(951_782_400_000), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc_time(1_764_383_000_123), "2025-11-29 02:23:20 UTC");
    }

    #[test]
    fn status_shows_the_head_and_tolerates_missing_fields() {
        let text = status(&json!({"chain_id":"shulian-dev","height":42,"state_root":"ab","mempool_txs":0,
            "validators":[{"power":1},{"power":2}]}));
        assert!(text.contains("shulian-dev"));
        assert!(text.contains("42"));
        assert!(text.contains("2 (total voting power 3)"));
        assert!(status(&json!({})).contains('?'));
    }

    #[test]
    fn account_shows_balance_in_fen_and_organization() {
        let text = account(&json!({"account":"aa","nonce":3,"balance":1000,
            "organization":{"name":"Hospital","roles":["department"],"keys":["k"]}}));
        assert!(text.contains("1000 fen"));
        assert!(text.contains("Hospital (roles: department; 1 keys)"));
        assert!(account(&json!({"organization":null})).contains("none"));
    }

    #[test]
    fn transfer_event_is_told_in_words() {
        let from = "11".repeat(32);
        let to = "22".repeat(32);
        let text = event(&json!({"type":"transferred","from":from,"to":to,"amount":5}));
        assert_eq!(text, format!("transferred 5 fen from {from} to {to}"));
        assert_eq!(event(&json!({"type":"future"})), r#"{"type":"future"}"#);
    }

    #[test]
    fn block_lists_each_transaction_with_its_call_and_outcome() {
        let to = "22".repeat(32);
        let text = block(&json!({"hash":"bh","header":{"height":3,"timestamp_ms":0},
            "certificate":{"signatures":[{},{}]},
            "txs":[{"hash":"th","account":"acc","nonce":0,"call":{"contract":"settlement","call":{"transfer":{"to":to,"amount":5}}},
                    "outcome":{"status":"failed","error":{"code":"c","message":"too poor"}}}]}));
        assert!(text.contains("height 3"));
        assert!(text.contains("th  settlement.transfer  from acc  nonce 0  failed: too poor"));
        assert!(text.contains("signatures    2"));
    }
}
