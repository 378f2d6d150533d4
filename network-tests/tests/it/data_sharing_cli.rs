//! The data-sharing workflow through the real `shulian` wallet binary against a real dev node:
//! register, request, approve, three usage receipts, revocation, a refused fourth receipt, and
//! the data set's event history in chain order.

use anyhow::Context;
use shulian_network_tests::scenario::Scenario;
use shulian_network_tests::wallet::{
    event_types, file_request, json_ok, receipt_args, register_dataset, shulian, succeeded, text,
};

#[test]
fn receipts_are_refused_after_revocation_and_the_history_lists_every_step() -> anyhow::Result<()> {
    let net = Scenario::dev().start()?;
    let node = net.node(0);
    let result_file = net.dir().join("result.csv");
    std::fs::write(&result_file, "district,visits\nnorth,12\n")?;
    let result = result_file.to_str().context("temp path is not UTF-8")?;

    // Health registers a conditional data set; the id comes from the committed event.
    let dataset = register_dataset(node, "health", "clinic visits", "important", "conditional")?;

    // Transport asks for two fields; conditional sharing means no grant yet.
    let requested = file_request(node, "transport", &dataset, "bus route planning", &["district", "visits"], 10)?;
    let request = text(&requested, "request_id")?;
    assert!(requested.get("grant_id").is_none(), "conditional data needs the owner's approval: {requested}");

    // Health approves: the grant is issued.
    let approved = json_ok(node, &["grant", "approve", "--from", "health", "--request", &request, "--json"])?;
    let grant = text(&approved, "grant_id")?;

    // Three uses, each recorded.
    for i in 0..3 {
        let q = format!("select district, visits from visits -- run {i}");
        let v = json_ok(node, &receipt_args(&grant, &q, "district,visits", result))?;
        assert_eq!(v["outcome"]["status"], "success", "receipt {i}: {v}");
    }

    // A field outside the grant's scope is refused with its own error, and uses nothing.
    let out = shulian(node, &receipt_args(&grant, "select age_band", "age_band", result))?;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "out-of-scope receipt accepted: {err}");
    assert!(err.contains("outside the scope") && err.contains("age_band"), "{err}");

    // Health revokes; the fourth use is refused naming the grant and the revocation.
    succeeded(node, &["grant", "revoke", "--from", "health", "--grant", &grant, "--reason", "purpose ended"])?;
    let out = shulian(node, &receipt_args(&grant, "select district", "district", result))?;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "receipt after revocation accepted: {err}");
    assert!(err.contains(&grant) && err.contains("revoked") && err.contains("purpose ended"), "{err}");

    // The data set's history, in chain order, page by page.
    let subject = format!("dataset:{dataset}");
    let history = json_ok(node, &["events", "--subject", &subject, "--json"])?;
    let types = event_types(node, &subject)?;
    assert_eq!(
        types,
        [
            "dataset_registered",
            "request_filed",
            "request_approved",
            "grant_issued",
            "receipt_recorded",
            "receipt_recorded",
            "receipt_recorded",
            "grant_revoked"
        ]
    );
    let paged = json_ok(node, &["events", "--subject", &subject, "--all", "--limit", "3", "--json"])?;
    assert_eq!(paged["events"], history["events"], "following `next` gives the same history");
    let human = shulian(node, &["events", "--subject", &subject])?;
    assert_eq!(String::from_utf8_lossy(&human.stdout).lines().count(), 8);

    // The grant reports its three uses and the revocation.
    let shown = json_ok(node, &["grant", "show", &grant, "--json"])?;
    assert_eq!(shown["grant"]["uses"], 3, "{shown}");
    assert_eq!(shown["grant"]["revoked"]["reason"], "purpose ended", "{shown}");
    assert_eq!(shown["usable_now"], false, "{shown}");
    let receipts = json_ok(node, &["grant", "receipts", &grant, "--json"])?;
    assert_eq!(receipts["rows"].as_array().map(Vec::len), Some(3), "{receipts}");
    Ok(())
}
