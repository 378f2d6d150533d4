//! Text for the data-sharing ledger: events in domain words, and the node's answers about
//! organizations, proposals, data sets, grants and event pages.

use super::{api_name, event_json, line, list, window};
use shulian_api::ledger::{DatasetResponse, EventRecord, GrantResponse, OrgResponse, ProposalResponse};
use shulian_api::records::ProposalStatus;
use shulian_runtime::Event;
use shulian_runtime::call::ProposalAction;

/// One event in words with its key fields; `None` for events this wallet has no words for.
pub fn describe(e: &Event) -> Option<String> {
    Some(match e {
        Event::Transferred { from, to, amount } => format!("transferred {amount} from {from} to {to}"),
        Event::ProposalCreated { proposal, proposer, action } => {
            format!("proposal {proposal} by {proposer}: {} {}", action_type(action).replace('_', "-"), action.org())
        }
        Event::Voted { proposal, voter, approve, approvals, rejections, .. } => format!(
            "{voter} voted {} proposal {proposal} ({approvals} for, {rejections} against)",
            if *approve { "for" } else { "against" }
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
        Event::DatasetRegraded {
            dataset,
            regulator,
            from_classification,
            classification,
            from_sharing,
            sharing,
            reason,
            ..
        } => {
            let grade = |c: &dyn std::fmt::Debug, s: &dyn std::fmt::Debug| format!("{c:?}, {s:?}").to_lowercase();
            format!(
                "data set {dataset} re-graded by {regulator} from {} to {}: {reason}",
                grade(from_classification, from_sharing),
                grade(classification, sharing)
            )
        }
        Event::CountersignatureRequired { grant, grantor, key, .. } => {
            format!("grant {grant}: {grantor} requires its system's countersignature (key {key}) on every use")
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
        other => return super::market::describe(other),
    })
}

/// A proposal action's `type` as the API writes it (`admit`, `rotate_key`, ...).
fn action_type(action: &ProposalAction) -> &'static str {
    match action {
        ProposalAction::Admit { .. } => "admit",
        ProposalAction::Suspend { .. } => "suspend",
        ProposalAction::Reinstate { .. } => "reinstate",
        ProposalAction::RotateKey { .. } => "rotate_key",
        ProposalAction::AddValidator { .. } => "add_validator",
        ProposalAction::RemoveValidator { .. } => "remove_validator",
        ProposalAction::SetValidatorPower { .. } => "set_validator_power",
        ProposalAction::ScheduleUpgrade { .. } => "schedule_upgrade",
        ProposalAction::DefineElement { .. } => "define_element",
        ProposalAction::TransferElement { .. } => "transfer_element",
    }
}

/// An organization from `GET /api/org/{id}`.
pub fn org(v: &OrgResponse) -> String {
    let o = &v.organization;
    let mut out = line("organization", o.id);
    out += &line("name", &o.name);
    let roles: Vec<String> = o.roles.iter().map(api_name).collect();
    out += &line("roles", list(&roles));
    out += &line("keys", list(&o.keys));
    out + &line("suspended", o.suspended)
}

/// A governance proposal from `GET /api/proposal/{id}`.
pub fn proposal(v: &ProposalResponse) -> String {
    let p = &v.proposal;
    let mut out = line("proposal", p.id);
    out += &line("proposer", p.proposer);
    let action = serde_json::to_string(&p.action).unwrap_or_default();
    out += &line("action", format!("{} {action}", action_type(&p.action)));
    let status = match p.status {
        ProposalStatus::Open => "open",
        ProposalStatus::Executed { .. } => "executed",
        ProposalStatus::Rejected { .. } => "rejected",
    };
    out += &line("status", status);
    out += &line("electorate", format!("{} validator operators", p.electorate.len()));
    for b in &p.votes {
        out += &line("vote", format!("{} {}", b.voter, if b.approve { "for" } else { "against" }));
    }
    out
}

/// A data set from `GET /api/dataset/{id}`: catalog entry, versions and lineage.
pub fn dataset(v: &DatasetResponse) -> String {
    let d = &v.dataset;
    let mut out = line("data set", d.id);
    out += &line("name", &d.name);
    out += &line("owner", d.owner);
    out += &line("category", &d.category);
    out += &line("class", format!("{}, sharing {}", api_name(&d.classification), api_name(&d.sharing)));
    out += &line("updated", &d.update_frequency);
    out += &line("fields", list(&d.fields));
    out += &line("version", d.version);
    out += &line("retired", d.retired);
    let negative = match &d.negative_listed {
        Some(reason) => format!("yes: {reason}"),
        None => "no".to_string(),
    };
    out += &line("negative list", negative);
    for ver in &v.versions {
        out +=
            &line("  version", format!("{}  metadata {}  schema {}", ver.version, ver.metadata_hash, ver.schema_hash));
    }
    out + &lineage(v)
}

/// The lineage part of `GET /api/dataset/{id}`: parents, children, ancestors, descendants.
pub fn lineage(v: &DatasetResponse) -> String {
    let parents: Vec<String> = v
        .parents
        .iter()
        .map(|p| match p.grant {
            Some(g) => format!("{} (grant {g})", p.dataset),
            None => p.dataset.to_string(),
        })
        .collect();
    let mut out = line("parents", list(&parents));
    out += &line("children", list(&v.children));
    out += &line("ancestors", list(&v.ancestors));
    out + &line("descendants", list(&v.descendants))
}

/// A grant from `GET /api/grant/{id}` with its usage receipts.
pub fn grant(v: &GrantResponse) -> String {
    let g = &v.grant;
    let mut out = line("grant", g.id);
    out += &line("request", g.request);
    out += &line("data set", g.dataset);
    out += &line("grantor", g.grantor);
    out += &line("grantee", g.grantee);
    out += &line("purpose", &g.purpose);
    out += &line("version", g.dataset_version);
    out += &line("field scope", list(&g.fields));
    out += &line("valid", window(&g.validity));
    out += &line("uses", format!("{} of {}", g.uses, g.max_uses));
    let revoked = match &g.revoked {
        Some(r) => format!("yes, at height {}: {}", r.height, r.reason),
        None => "no".to_string(),
    };
    out += &line("revoked", revoked);
    let usable = match (v.usable_now, &v.unusable_reason) {
        (true, _) => "yes".to_string(),
        (false, Some(reason)) => format!("no: {reason}"),
        (false, None) => "no".to_string(),
    };
    out += &line("usable now", usable);
    let countersigned = match &v.countersigner {
        Some(key) => format!("required, by the provider's key {key}"),
        None => "not required".to_string(),
    };
    out += &line("countersign", countersigned);
    // The receipts are history in the blocks; this head in state commits to all of them (ADR 0004).
    out += &line("receipt chain", v.receipts_head);
    out
}

/// One entry of `GET /api/events`: height, short transaction hash, event type and key fields.
pub fn event_entry(record: &EventRecord) -> String {
    let e = &record.event;
    let short: String = record.tx_hash.to_string().chars().take(12).collect();
    let what = describe(e).unwrap_or_else(|| event_json(e));
    format!("{:>8}  {short}  {:<22}  {what}\n", record.height.0, e.kind().name())
}

#[cfg(test)]
mod tests {
    use super::*;
    use shulian_api::records::{Ballot, Grant, Proposal, Revocation};
    use shulian_runtime::call::Validity;
    use shulian_runtime::{AccountId, DatasetId, GrantId, Hash, Height, ProposalId, RequestId, SecretKey};

    #[test]
    fn receipt_and_revocation_events_are_told_in_domain_words() {
        let (g, d, a) = (GrantId([0x11; 32]), DatasetId([0x22; 32]), AccountId([0x33; 32]));
        let receipt = Event::ReceiptRecorded {
            grant: g,
            seq: 2,
            dataset: d,
            grantor: a,
            grantee: a,
            query_hash: Hash([0x11; 32]),
            result_hash: Hash([0x11; 32]),
            row_count: 7,
            fields_used: vec!["district".into()],
        };
        assert_eq!(describe(&receipt).as_deref(), Some(format!("use 2 under grant {g}: 7 rows").as_str()));
        let revoked = Event::GrantRevoked { grant: g, dataset: d, grantor: a, grantee: a, reason: "misuse".into() };
        assert_eq!(describe(&revoked), Some(format!("grant {g} revoked: misuse")));
        assert_eq!(describe(&equivocation()), None);
    }

    /// An event the wallet has no words for.
    fn equivocation() -> Event {
        let validator = SecretKey::from_bytes(&[5; 32]).public_key();
        Event::EquivocationRecorded {
            validator,
            validator_account: AccountId::from_public_key(&validator),
            height: Height(4),
            round: 0,
            kind: shulian_runtime::VoteKind::Precommit,
            first: None,
            second: None,
            reporter: AccountId([0x33; 32]),
        }
    }

    #[test]
    fn grant_shows_uses_revocation_and_window() {
        let g = GrantId([0x99; 32]);
        let a = AccountId([0x33; 32]);
        let grant_record = Grant {
            id: g,
            request: RequestId([0x44; 32]),
            grantor: a,
            grantee: a,
            dataset: DatasetId([0x22; 32]),
            dataset_version: 1,
            purpose: "audit".into(),
            fields: vec!["a".into(), "b".into()],
            validity: Validity { from_ms: 0, until_ms: 1 },
            max_uses: 5,
            uses: 3,
            revoked: Some(Revocation { height: Height(9), reason: "misuse".into() }),
            issued_at: Height(2),
        };
        let text = grant(&GrantResponse {
            grant: grant_record,
            usable_now: false,
            unusable_reason: Some("grant g was revoked".into()),
            receipts_head: Hash([7; 32]),
            countersigner: Some(shulian_runtime::PublicKey([8; 32])),
        });
        assert!(text.contains(&format!("required, by the provider's key {}", shulian_runtime::PublicKey([8; 32]))));
        assert!(text.contains("3 of 5"), "{text}");
        assert!(text.contains("yes, at height 9: misuse"), "{text}");
        assert!(text.contains("valid         at once until 1970-01-01 08:00:00 +08:00"), "{text}");
        assert!(text.contains("no: grant g was revoked"), "{text}");
        assert!(text.contains(&format!("receipt chain {}", Hash([7; 32]))), "{text}");
        assert!(text.contains("field scope   a, b"), "{text}");
    }

    #[test]
    fn proposals_name_their_action_and_votes() {
        let (org, voter) = (AccountId([0x55; 32]), AccountId([0x66; 32]));
        let action = ProposalAction::RotateKey {
            org,
            old_key: SecretKey::from_bytes(&[1; 32]).public_key(),
            new_key: SecretKey::from_bytes(&[2; 32]).public_key(),
        };
        let id = ProposalId([0x77; 32]);
        let created = Event::ProposalCreated { proposal: id, proposer: voter, action: action.clone() };
        assert_eq!(describe(&created), Some(format!("proposal {id} by {voter}: rotate-key {org}")));
        let text = proposal(&ProposalResponse {
            proposal: Proposal {
                id,
                proposer: voter,
                action: action.clone(),
                electorate: vec![voter, org],
                votes: vec![Ballot { voter, approve: true }],
                status: ProposalStatus::Open,
                created_at: Height(3),
            },
        });
        let json = serde_json::to_string(&action).expect("json");
        assert!(text.contains(&format!("action        rotate_key {json}\n")), "{text}");
        assert!(text.contains("status        open\n"), "{text}");
        assert!(text.contains("electorate    2 validator operators"), "{text}");
        assert!(text.contains(&format!("vote          {voter} for")), "{text}");
    }

    #[test]
    fn event_entry_is_one_line_with_height_hash_and_type() {
        let record = EventRecord {
            height: Height(12),
            tx_index: 0,
            tx_hash: "abcdef0123456789".repeat(4).parse().expect("hash"),
            event_index: 0,
            event: equivocation(),
        };
        let json = serde_json::to_string(&record.event).expect("json");
        let text = event_entry(&record);
        assert_eq!(text, format!("      12  abcdef012345  equivocation_recorded   {json}\n"));
    }
}
