//! The checked-in OpenAPI document is the generated one.

use std::path::PathBuf;

/// `docs/openapi.json` of this checkout.
fn checked_in_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
}

/// Fails when `docs/openapi.json` differs from the document generated from this crate's types.
/// After a deliberate change of an API type, regenerate it with
/// `SHULIAN_BLESS_OPENAPI=1 cargo test -p shulian-api openapi` and commit the new file.
#[test]
fn checked_in_openapi_document_is_the_generated_one() {
    let generated = crate::openapi::openapi_json();
    let path = checked_in_path();
    if std::env::var_os("SHULIAN_BLESS_OPENAPI").is_some() {
        std::fs::write(&path, &generated).expect("write docs/openapi.json");
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    if checked_in != generated {
        let first = checked_in.lines().zip(generated.lines()).position(|(a, b)| a != b);
        panic!(
            "docs/openapi.json differs from the document generated from shulian-api's types (first differing line: \
             {}). If the API change is deliberate, run `SHULIAN_BLESS_OPENAPI=1 cargo test -p shulian-api openapi` \
             and commit docs/openapi.json.",
            first.map_or("past the end of the shorter one".to_string(), |l| (l + 1).to_string())
        );
    }
}

#[test]
fn every_read_route_is_in_the_document() {
    let doc = crate::openapi::openapi();
    for route in crate::routes::READ_ROUTES.iter().chain([crate::routes::SUBMIT, crate::routes::SUBMIT_BATCH].iter()) {
        assert!(doc.paths.paths.contains_key(*route), "route {route} is missing from the OpenAPI document");
    }
    assert_eq!(
        doc.paths.paths.len(),
        crate::routes::READ_ROUTES.len() + 2,
        "the OpenAPI document has a path that is not a route"
    );
}

#[test]
fn every_schema_reference_resolves() {
    let doc = crate::openapi::openapi_json();
    let parsed: serde_json::Value = serde_json::from_str(&doc).expect("the document is JSON");
    let schemas = parsed["components"]["schemas"].as_object().cloned().unwrap_or_default();
    let missing: Vec<&str> = doc
        .split("\"$ref\": \"#/components/schemas/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|name| !schemas.contains_key(*name))
        .collect();
    assert!(missing.is_empty(), "references to schemas the document does not define: {missing:?}");
}

/// Every JSON example of `docs/api.md` is marked `<!-- api-example: Type -->` and is a valid value
/// of that type, so the prose cannot drift from the contract.
#[test]
fn every_json_example_in_the_api_docs_is_its_type() {
    use crate::chain::{BlockResponse, BlocksPage, ProofResponse, ReadyResponse, StatusResponse};
    use crate::ledger::EventsPage;
    use crate::regulator::{UsesRow, ViewPage};
    fn is<T: serde::de::DeserializeOwned>(json: &str) -> Result<(), String> {
        serde_json::from_str::<T>(json).map(|_| ()).map_err(|e| e.to_string())
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/api.md");
    let text = std::fs::read_to_string(&path).expect("read docs/api.md");
    let lines: Vec<&str> = text.lines().collect();
    let mut checked = 0;
    for (i, line) in lines.iter().enumerate() {
        if !line.starts_with("```json") {
            continue;
        }
        let marker = i.checked_sub(1).and_then(|j| lines[j].strip_prefix("<!-- api-example: "));
        let ty = marker.and_then(|m| m.strip_suffix(" -->"));
        let ty =
            ty.unwrap_or_else(|| panic!("docs/api.md:{}: a JSON example without <!-- api-example: Type -->", i + 1));
        let body: Vec<&str> = lines[i + 1..].iter().take_while(|l| !l.starts_with("```")).copied().collect();
        let json = body.join("\n");
        let verdict = match ty {
            "ApiErrorBody" => is::<crate::ApiErrorBody>(&json),
            "StatusResponse" => is::<StatusResponse>(&json),
            "ReadyResponse" => is::<ReadyResponse>(&json),
            "BlockResponse" => is::<BlockResponse>(&json),
            "ProofResponse" => is::<ProofResponse>(&json),
            "EventsPage" => is::<EventsPage>(&json),
            "BlocksPage" => is::<BlocksPage>(&json),
            "ViewPage" => is::<ViewPage<UsesRow>>(&json),
            other => Err(format!("no such API type {other} in this test's list")),
        };
        if let Err(e) = verdict {
            panic!("docs/api.md:{}: the example is not a {ty}: {e}", i + 1);
        }
        checked += 1;
    }
    assert!(checked >= 7, "only {checked} JSON examples found in docs/api.md");
}
