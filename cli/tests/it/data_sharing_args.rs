//! Command lines of the data-sharing subcommands, parsed without a node: what each accepts, what
//! it refuses, and what it builds.

use crate::common::{id, parse};
use shulian_cli::args::{
    ClassificationArg, Command, DatasetCommand, EventSubject, GrantCommand, LineageCommand, OrgCommand, RoleArg,
    SharingArg,
};
use shulian_runtime::call::{Classification, SharingAttribute};

fn register_args() -> Vec<String> {
    let h = id("ab");
    [
        "dataset",
        "register",
        "--from",
        "health",
        "--name",
        "clinic visits",
        "--metadata-hash",
        &h,
        "--schema-hash",
        &h,
        "--field",
        "district",
        "--field",
        "visits,age_band",
        "--category",
        "health",
        "--classification",
        "important",
        "--sharing",
        "conditional",
        "--update-frequency",
        "daily",
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn dataset_register_builds_the_catalog_entry() {
    let args = register_args();
    let cli = parse(&args.iter().map(String::as_str).collect::<Vec<_>>()).expect("parse");
    let Command::Dataset(DatasetCommand::Register { call, spec, .. }) = cli.command else { panic!("not register") };
    assert_eq!(call.from, "health");
    assert!(!call.wait, "register waits anyway; the flag stays optional");
    let spec = spec.spec();
    assert_eq!(spec.fields, ["district", "visits", "age_band"]);
    assert_eq!(spec.classification, Classification::Important);
    assert_eq!(spec.sharing, SharingAttribute::Conditional);
}

#[test]
fn dataset_register_refuses_bad_hashes_and_unknown_levels() {
    let mut args = register_args();
    args[7] = "not-hex".into();
    assert!(parse(&args.iter().map(String::as_str).collect::<Vec<_>>()).is_err());
    let mut args = register_args();
    let i = args.iter().position(|a| a == "important").expect("level");
    args[i] = "secret".into();
    assert!(parse(&args.iter().map(String::as_str).collect::<Vec<_>>()).is_err());
    assert_eq!(ClassificationArg::Core as u8, 2);
    assert_eq!(SharingAttribute::from(SharingArg::NotShareable), SharingAttribute::NotShareable);
}

#[test]
fn request_needs_an_end_of_the_validity_window_and_one_kind_per_end() {
    let d = id("cd");
    let base = [
        "request",
        "--from",
        "transport",
        "--dataset",
        &d,
        "--purpose",
        "bus planning",
        "--field",
        "district",
        "--max-uses",
        "3",
    ];
    let with = |extra: &[&str]| parse(&[&base[..], extra].concat());
    assert!(with(&[]).is_err(), "no --valid-until or --valid-for");
    assert!(with(&["--valid-until", "2027-01-01"]).is_ok());
    assert!(with(&["--valid-for", "30d"]).is_ok());
    assert!(with(&["--valid-until", "2027-06-30T18:00:00+08:00", "--valid-from", "2027-01-01"]).is_ok());
    assert!(with(&["--valid-until", "2027-01-01", "--valid-for", "30d"]).is_err(), "one end only");
    assert!(with(&["--valid-until", "height 100"]).is_err(), "heights are not times");
    assert!(with(&["--valid-for", "100"]).is_err(), "a span needs a unit");
    let zero = [
        "request",
        "--from",
        "t",
        "--dataset",
        &d,
        "--purpose",
        "p",
        "--field",
        "f",
        "--max-uses",
        "0",
        "--valid-for",
        "9d",
    ];
    assert!(parse(&zero).is_err(), "max uses must be more than zero");
}

#[test]
fn grant_subcommands_take_requests_or_grants_and_reasons() {
    let r = id("ef");
    assert!(parse(&["grant", "approve", "--from", "health", "--request", &r]).is_ok());
    assert!(parse(&["grant", "co-approve", "--from", "regulator", "--request", &r]).is_ok());
    assert!(parse(&["grant", "reject", "--from", "health", "--request", &r]).is_err(), "reject needs --reason");
    assert!(parse(&["grant", "reject", "--from", "health", "--request", &r, "--reason", "no"]).is_ok());
    assert!(parse(&["grant", "revoke", "--from", "health", "--grant", &r]).is_err(), "revoke needs --reason");
    let cli =
        parse(&["grant", "revoke", "--from", "health", "--grant", &r, "--reason", "misuse", "--wait"]).expect("parse");
    let Command::Grant(GrantCommand::Revoke { call, reason, .. }) = cli.command else { panic!("not revoke") };
    assert!(call.wait);
    assert_eq!(reason, "misuse");
    assert!(parse(&["grant", "show", &r, "--json"]).is_ok());
}

#[test]
fn receipt_takes_a_hash_or_the_document_for_query_and_result() {
    let (g, h) = (id("12"), id("34"));
    let base = ["receipt", "--from", "transport", "--grant", &g, "--rows", "10", "--field", "district"];
    let with = |extra: &[&str]| parse(&[&base[..], extra].concat());
    assert!(with(&["--query-hash", &h, "--result-hash", &h]).is_ok());
    assert!(with(&["--query-text", "select 1", "--result-file", "/tmp/r.csv"]).is_ok());
    assert!(with(&["--query-hash", &h]).is_err(), "no result");
    assert!(with(&["--query-hash", &h, "--query-text", "q", "--result-hash", &h]).is_err(), "two queries");
    assert_eq!(
        shulian_cli::commands::plain_blake3(b"abc").to_string(),
        "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"
    );
}

#[test]
fn org_commands_parse_roles_keys_and_one_ballot() {
    let k = id("56");
    let cli = parse(&[
        "org",
        "propose-admit",
        "--from",
        "exchange",
        "--name",
        "Water",
        "--role",
        "department",
        "--role",
        "trader",
        "--public-key",
        &k,
    ])
    .expect("parse");
    let Command::Org(OrgCommand::ProposeAdmit { roles, .. }) = cli.command else { panic!("not admit") };
    assert_eq!(roles, [RoleArg::Department, RoleArg::Trader]);
    let p = id("78");
    assert!(parse(&["org", "vote", "--from", "exchange", "--proposal", &p, "--approve"]).is_ok());
    assert!(parse(&["org", "vote", "--from", "exchange", "--proposal", &p]).is_err(), "no ballot");
    assert!(parse(&["org", "vote", "--from", "exchange", "--proposal", &p, "--approve", "--reject"]).is_err());
    assert!(parse(&["org", "propose-suspend", "--from", "exchange", "--org", &k, "--reason", "audit"]).is_ok());
    assert!(
        parse(&["org", "propose-rotate-key", "--from", "e", "--org", &k, "--old-key", &k, "--new-key", "zz"]).is_err()
    );
    assert!(parse(&["org", "show", &k]).is_ok());
}

#[test]
fn lineage_parents_are_a_data_set_with_an_optional_grant() {
    let mut args = register_args();
    args[0] = "lineage".into();
    let (d, g) = (id("9a"), id("9b"));
    args.extend(["--parent".into(), d.clone(), "--parent".into(), format!("{d}:{g}")]);
    let cli = parse(&args.iter().map(String::as_str).collect::<Vec<_>>()).expect("parse");
    let Command::Lineage(LineageCommand::Register { parents, .. }) = cli.command else { panic!("not lineage") };
    assert_eq!(parents.len(), 2);
    assert!(parents[0].grant.is_none());
    assert_eq!(parents[1].grant.map(|g| g.to_string()), Some(g));
    args.extend(["--parent".into(), format!("{d}:nope")]);
    assert!(parse(&args.iter().map(String::as_str).collect::<Vec<_>>()).is_err());
}

#[test]
fn events_subject_is_kind_and_id() {
    let d = id("aa");
    let cli = parse(&["events", "--subject", &format!("dataset:{d}"), "--all", "--limit", "2"]).expect("parse");
    let Command::Events(a) = cli.command else { panic!("not events") };
    assert!(a.all);
    assert_eq!(a.subject.to_string(), format!("dataset:{d}"));
    assert!(matches!(format!("org:{d}").parse::<EventSubject>(), Ok(EventSubject::Account(_))));
    assert!(parse(&["events", "--subject", &d]).is_err(), "kind missing");
    assert!(parse(&["events", "--subject", "block:12"]).is_err());
    assert!(parse(&["events", "--subject", &format!("grant:{d}"), "--limit", "501"]).is_err());
}

#[test]
fn every_new_subcommand_has_help_in_domain_words() {
    for (cmd, words) in [
        (vec!["request", "--help"], vec!["validity window", "field scope", "purpose"]),
        (vec!["grant", "--help"], vec!["co-approve", "revoke"]),
        (vec!["receipt", "--help"], vec!["usage receipt", "grant"]),
        (vec!["dataset", "negative-list", "--help"], vec!["negative list", "regulator"]),
        (vec!["dataset", "regrade", "--help"], vec!["regulator", "classification", "reason"]),
        (vec!["lineage", "register", "--help"], vec!["parent", "grant"]),
        (vec!["events", "--help"], vec!["dataset:ID", "grant:ID"]),
    ] {
        let e = parse(&cmd).expect_err("help is an early exit");
        let text = e.render().to_string();
        for w in words {
            assert!(text.contains(w), "{cmd:?} help lacks {w:?}: {text}");
        }
    }
}
