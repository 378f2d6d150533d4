//! The API against its own OpenAPI contract, by a fuzzer: schemathesis (installed into
//! `.tools/venv` by scripts/install-tools.sh) reads `GET /api/openapi.json` from a dev node with
//! some ledger history and generates requests for every GET route and both submission routes,
//! including malformed ones. It fails on any 5xx, any status or body the document does not
//! declare, and any answer slower than [`MAX_RESPONSE_SECS`] (a bound that only unbounded work
//! would break: every list is paged and every scan budgeted). The number of generated cases is
//! printed and recorded in docs/reliability.md.

use shulian_network_tests::scenario::Scenario;
use std::path::PathBuf;
use std::process::Command;

/// Slowest answer allowed, in seconds, for a debug-build node on a loaded 2-core machine.
const MAX_RESPONSE_SECS: &str = "5";
/// Cases per operation and phase (fixed seed: the same cases every run). One worker: Hypothesis's
/// strategy descriptions are not thread-safe under Python 3.11 (a worker dies with "AST constructor
/// recursion depth mismatch").
const MAX_EXAMPLES: &str = "25";
const SEED: &str = "20261130";

fn schemathesis() -> anyhow::Result<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let st = root.join(".tools/venv/bin/st");
    anyhow::ensure!(
        st.exists(),
        "schemathesis is not installed: run ./scripts/install-tools.sh (make test does) to put it in {}",
        st.display()
    );
    Ok(st)
}

#[test]
fn every_route_keeps_its_openapi_contract_under_generated_requests() -> anyhow::Result<()> {
    let st = schemathesis()?;
    let net = Scenario::dev().start()?;
    // Some history, so that lists, blocks and events have content.
    let mut transfers = net.transfers("trader", "health")?;
    net.commit_through_each(&mut transfers, 3, std::time::Duration::from_secs(60))?;
    let node = net.node(0);
    let report = net.dir().join("schemathesis.json");
    let out = Command::new(&st)
        .args(["run", &format!("{}/api/openapi.json", node.url)])
        .args(["--url", &node.url])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        ])
        .args(["--max-response-time", MAX_RESPONSE_SECS, "--max-examples", MAX_EXAMPLES, "--seed", SEED])
        .args(["--phases", "examples,coverage,fuzzing", "--workers", "1", "--no-color"])
        .args(["--suppress-health-check", "too_slow,filter_too_much"])
        // A stream that is allowed to stay open forever cannot be judged by its response time;
        // tests/it/event_stream.rs tests it.
        .args(["--exclude-path", "/api/events/stream"])
        .args(["--report", "json", "--report-json-path"])
        .arg(&report)
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "schemathesis found contract violations:\n{stdout}\n{stderr}");
    let cases = generated_cases(&stdout);
    println!("schemathesis: {cases} generated cases, all within the contract\n{stdout}");
    assert!(cases >= 200, "schemathesis generated only {cases} cases; is every route in the document?\n{stdout}");
    Ok(())
}

/// The number of test cases schemathesis reports in its summary (`N generated`).
fn generated_cases(summary: &str) -> u64 {
    summary
        .lines()
        .filter_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let i = words.iter().position(|w| w.trim_end_matches(',') == "generated")?;
            words.get(i.checked_sub(1)?)?.replace(',', "").parse::<u64>().ok()
        })
        .max()
        .unwrap_or(0)
}
