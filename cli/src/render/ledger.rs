//! Text for the data-sharing ledger: events in domain words, and the node's answers about
//! organizations, proposals, data sets, grants and event pages.

use super::{bound, field, line, list};
use serde_json::Value;
use shulian_runtime::Event;

/// One event in words with its key fields; `None` for events this wallet does not know yet.
pub fn describe(v: &Value) -> Option<String> {
    let e = serde_json::from_value::<Event>(v.clone()).ok()?;
    Some(match e {
        Event::Transferred { from, to, amount } => format!("transferred {amount} from {from} to {to}"),
        Event::ProposalCreated { proposal, proposer, action } => {
            format!("proposal {proposal} by {proposer}: {} {}", action_name(v), action.org())
        }
        Event::Voted { proposal, voter, approve, approvals, rejections, .. } => format!(
            "{voter} voted {} proposal {proposal} ({approvals} for, {rejections} against)",
            if approve { "for" } else { "against" }
        ),
        Event::ProposalExecuted { proposal, org } => format!("proposal {proposal} executed for {org}"),
        Event::ProposalRejected { proposal, org, approvals, rejections } => {
            format!("proposal {proposal} for {org} rejected ({approvals} for, {rejections} against)")
        }
        Event::OrgAdmitted { org, name, .. } => format!("organization {org} ({name}) admitted"),
        Event::OrgSuspended { org, reason, .. } => format!("organization {org} suspended: {reason}"),
        Event::OrgReinstated { org, .. } => format!("organization {org} reinstated"),
        Event::KeyRotated { org, new_key, .. } => format!("organization {org} now signs with key {new_key}"),
        Event::DatasetRegistered { dataset, owner, name, classification, sharing } => {
            format!("data set {dataset} ({name}) by {owner}, {classification:?}, {sharing:?}").to_lowercase()
        }
        Event::DatasetVersioned { dataset, version, .. } => format!("data set {dataset} now at version {version}"),
        Event::DatasetRetired { dataset, .. } => format!("data set {dataset} retired"),
        Event::NegativeListed { dataset, regulator, reason, .. } => {
            format!("data set {dataset} negative-listed by {regulator}: {reason}")
        }
        Event::NegativeListRemoved { dataset, regulator, reason, .. } => {
            format!("data set {dataset} taken off the negative list by {regulator}: {reason}")
        }
        Event::RequestFiled { request, requester, purpose, fields, .. } => {
            format!("request {request} by {requester} for fields {} ({purpose})", fields.join(","))
        }
        Event::RequestApproved { request, owner, .. } => format!("request {request} approved by {owner}"),
        Event::RequestRejected { request, reason, .. } => format!("request {request} rejected: {reason}"),
        Event::RequestCoApproved { request, regulator, .. } => {
            format!("request {request} co-approved by regulator {regulator}")
        }
        Event::GrantIssued { grant, grantee, version, .. } => {
            format!("grant {grant} to grantee {grantee} on version {version}")
        }
        Event::GrantRevoked { grant, reason, .. } => format!("grant {grant} revoked: {reason}"),
        Event::ReceiptRecorded { grant, seq, row_count, .. } => {
            format!("use {seq} under grant {grant}: {row_count} rows")
        }
        Event::DerivedRegistered { dataset, parents, .. } => {
            let parents: Vec<String> = parents.iter().map(ToString::to_string).collect();
            format!("derived data set {dataset} from {}", parents.join(", "))
        }
        // Market and settlement events; later ones print as their JSON.
        other => return super::market::describe(&other),
    })
}

fn action_name(event: &Value) -> String {
    event.pointer("/action/type").and_then(Value::as_str).unwrap_or("?").replace('_', "-")
}

/// An organization from `GET /api/org/{id}`.
pub fn org(v: &Value) -> String {
    let o = v.get("organization").unwrap_or(v);
    let mut out = line("organization", field(o, "id"));
    out += &line("name", field(o, "name"));
    out += &line("roles", list(o, "roles"));
    out += &line("keys", list(o, "keys"));
    out + &line("suspended", field(o, "suspended"))
}

/// A governance proposal from `GET /api/proposal/{id}`.
pub fn proposal(v: &Value) -> String {
    let p = v.get("proposal").unwrap_or(v);
    let mut out = line("proposal", field(p, "id"));
    out += &line("proposer", field(p, "proposer"));
    let action = p.get("action").cloned().unwrap_or(Value::Null);
    out += &line("action", format!("{} {}", field(&action, "type"), action));
    out += &line("status", field(p.get("status").unwrap_or(&Value::Null), "status"));
    let votes = p.get("votes").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let electorate = p.get("electorate").and_then(Value::as_array).map_or(0, Vec::len);
    out += &line("electorate", format!("{electorate} validator operators"));
    for b in votes {
        let how = if b.get("approve").and_then(Value::as_bool) == Some(true) { "for" } else { "against" };
        out += &line("vote", format!("{} {how}", field(b, "voter")));
    }
    out
}

/// A data set from `GET /api/dataset/{id}`: catalog entry, versions and lineage.
pub fn dataset(v: &Value) -> String {
    let d = v.get("dataset").cloned().unwrap_or(Value::Null);
    let mut out = line("data set", field(&d, "id"));
    for (label, key) in [("name", "name"), ("owner", "owner"), ("category", "category")] {
        out += &line(label, field(&d, key));
    }
    out += &line("class", format!("{}, sharing {}", field(&d, "classification"), field(&d, "sharing")));
    out += &line("updated", field(&d, "update_frequency"));
    out += &line("fields", list(&d, "fields"));
    out += &line("version", field(&d, "version"));
    out += &line("retired", field(&d, "retired"));
    let negative = match d.get("negative_listed") {
        Some(Value::String(reason)) => format!("yes: {reason}"),
        _ => "no".to_string(),
    };
    out += &line("negative list", negative);
    for ver in v.get("versions").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
        out += &line(
            "  version",
            format!(
                "{}  metadata {}  schema {}",
                field(ver, "version"),
                field(ver, "metadata_hash"),
                field(ver, "schema_hash")
            ),
        );
    }
    out + &lineage(v)
}

/// The lineage part of `GET /api/dataset/{id}`: parents, children, ancestors, descendants.
pub fn lineage(v: &Value) -> String {
    let parents = v.get("parents").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let parents: Vec<String> = parents
        .iter()
        .map(|p| match p.get("grant").and_then(Value::as_str) {
            Some(g) => format!("{} (grant {g})", field(p, "dataset")),
            None => field(p, "dataset"),
        })
        .collect();
    let mut out = line("parents", if parents.is_empty() { "none".to_string() } else { parents.join(", ") });
    out += &line("children", list(v, "children"));
    out += &line("ancestors", list(v, "ancestors"));
    out + &line("descendants", list(v, "descendants"))
}

/// A grant from `GET /api/grant/{id}` with its usage receipts.
pub fn grant(v: &Value) -> String {
    let g = v.get("grant").cloned().unwrap_or(Value::Null);
    let mut out = line("grant", field(&g, "id"));
    for (label, key) in [
        ("request", "request"),
        ("data set", "dataset"),
        ("grantor", "grantor"),
        ("grantee", "grantee"),
        ("purpose", "purpose"),
    ] {
        out += &line(label, field(&g, key));
    }
    out += &line("version", field(&g, "dataset_version"));
    out += &line("field scope", list(&g, "fields"));
    let validity = g.get("validity");
    out += &line(
        "valid",
        format!(
            "from {} until {}",
            bound(validity.and_then(|w| w.get("from"))),
            bound(validity.and_then(|w| w.get("until")))
        ),
    );
    out += &line("uses", format!("{} of {}", field(&g, "uses"), field(&g, "max_uses")));
    let revoked = match g.get("revoked") {
        Some(r @ Value::Object(_)) => format!("yes, at height {}: {}", field(r, "height"), field(r, "reason")),
        _ => "no".to_string(),
    };
    out += &line("revoked", revoked);
    let usable = match (v.get("usable_now").and_then(Value::as_bool), v.get("unusable_reason")) {
        (Some(true), _) => "yes".to_string(),
        (_, Some(Value::String(reason))) => format!("no: {reason}"),
        _ => "no".to_string(),
    };
    out += &line("usable now", usable);
    for r in v.get("receipts").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
        out += &line(
            "  receipt",
            format!(
                "{}  height {}  {} rows  fields {}  query {}  result {}",
                field(r, "seq"),
                field(r, "height"),
                field(r, "row_count"),
                list(r, "fields_used"),
                field(r, "query_hash"),
                field(r, "result_hash")
            ),
        );
    }
    out
}

/// One entry of `GET /api/events`: height, short transaction hash, event type and key fields.
pub fn event_entry(entry: &Value) -> String {
    let e = entry.get("event").cloned().unwrap_or(Value::Null);
    let hash = field(entry, "tx_hash");
    let short: String = hash.chars().take(12).collect();
    let what = describe(&e).unwrap_or_else(|| e.to_string());
    format!("{:>8}  {short}  {:<22}  {what}\n", field(entry, "height"), field(&e, "type"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn receipt_and_revocation_events_are_told_in_domain_words() {
        let (g, d, a) = ("11".repeat(32), "22".repeat(32), "33".repeat(32));
        let receipt = json!({"type":"receipt_recorded","grant":g,"seq":2,"dataset":d,"grantor":a,"grantee":a,
            "query_hash":g,"result_hash":g,"row_count":7});
        assert_eq!(describe(&receipt).as_deref(), Some(format!("use 2 under grant {g}: 7 rows").as_str()));
        let revoked = json!({"type":"grant_revoked","grant":g,"dataset":d,"grantor":a,"grantee":a,"reason":"misuse"});
        assert_eq!(describe(&revoked), Some(format!("grant {g} revoked: misuse")));
        assert_eq!(describe(&json!({"type":"future"})), None);
    }

    #[test]
    fn grant_shows_uses_revocation_and_window() {
        let text = grant(&json!({"grant":{"id":"g","uses":3,"max_uses":5,"fields":["a","b"],
            "validity":{"from":{"height":0},"until":{"time":0}},"revoked":{"height":9,"reason":"misuse"}},
            "usable_now":false,"unusable_reason":"grant g was revoked","receipts":[{"seq":1,"row_count":4}]}));
        assert!(text.contains("3 of 5"), "{text}");
        assert!(text.contains("yes, at height 9: misuse"), "{text}");
        assert!(text.contains("from height 0 until ledger time 1970-01-01 00:00:00 UTC"), "{text}");
        assert!(text.contains("no: grant g was revoked"), "{text}");
        assert!(text.contains("field scope   a, b"), "{text}");
    }

    #[test]
    fn event_entry_is_one_line_with_height_hash_and_type() {
        let text = event_entry(&json!({"height":12,"tx_hash":"abcdef0123456789","event":{"type":"future"}}));
        assert_eq!(text, "      12  abcdef012345  future                  {\"type\":\"future\"}\n");
    }
}
