//! The explorer and its query API are read-only by construction: every route of the API
//! (`shulian_api::routes::READ_ROUTES`) and of the explorer (`ROUTES` in node/src/explorer/mod.rs)
//! answers GET and refuses every other method with 405; and a regulator's node with
//! `submit_enabled = false` in its config.toml has no transaction submission at all.

use shulian_network_tests::scenario::Scenario;
use shulian_network_tests::{request, request_method};

const EXPLORER_SOURCE: &str = include_str!("../../../node/src/explorer/mod.rs");

/// The quoted paths of the `pub const NAME: &[&str] = &[...]` list in `source`.
fn route_list(source: &str, name: &str) -> Vec<String> {
    let start = source.find(&format!("pub const {name}")).unwrap_or_else(|| panic!("no {name} in the source"));
    let body = &source[start..];
    let list = &body[..body.find("];").unwrap_or(body.len())];
    list.split('"').skip(1).step_by(2).map(str::to_string).collect()
}

/// A concrete path for a route pattern (any id will do: a wrong method is refused before lookup).
fn concrete(route: &str) -> String {
    let id = "ab".repeat(32);
    route
        .replace("{hash}", &id)
        .replace("{id}", &id)
        .replace("{key}", "6162")
        .replace("{height}", "1")
        .replace("{*file}", "app.js")
}

#[test]
fn every_explorer_and_query_route_is_get_only_and_a_regulator_node_has_no_submission() -> anyhow::Result<()> {
    let api: Vec<String> = shulian_api::routes::READ_ROUTES.iter().map(|r| r.to_string()).collect();
    let explorer = route_list(EXPLORER_SOURCE, "ROUTES");
    assert!(api.len() >= 15 && api.contains(&"/api/views/uses".to_string()), "route list parsed: {api:?}");
    assert_eq!(explorer, ["/", "/explorer/{*file}"]);

    let mut net = Scenario::dev().start()?;
    let node = net.node(0);
    for route in api.iter().chain(&explorer) {
        let url = format!("{}{}", node.url, concrete(route));
        let get = request_method("GET", &url)?;
        assert_ne!(get, 405, "GET {route} must be served");
        for method in ["POST", "PUT", "PATCH", "DELETE"] {
            assert_eq!(request_method(method, &url)?, 405, "{method} {route} must be refused");
        }
    }
    // The one write route exists on an ordinary node.
    let (code, _) = request(&format!("{}/api/tx", node.url), Some(serde_json::json!({ "tx": "00" })))?;
    assert_eq!(code, 400, "an ordinary node accepts submissions (and refuses this malformed one)");
    net.kill(0)?;

    // A regulator's node: submission disabled in config.toml.
    let config = net.home(0).join("config.toml");
    let text = std::fs::read_to_string(&config)?;
    assert!(text.contains("submit_enabled = true"), "{text}");
    std::fs::write(&config, text.replace("submit_enabled = true", "submit_enabled = false"))?;
    net.restart(0)?;
    let node = net.node(0);
    for route in ["/api/tx", "/api/txs"] {
        let (code, body) = request(&format!("{}{route}", node.url), Some(serde_json::json!({ "tx": "00" })))?;
        assert!(code == 404 || code == 405, "a regulator node answered {code} {body} to a submission on {route}");
        for method in ["PUT", "PATCH", "DELETE"] {
            let code = request_method(method, &format!("{}{route}", node.url))?;
            assert!(code == 404 || code == 405, "{method} {route} answered {code}");
        }
    }
    assert!(node.get("/api/status").is_ok(), "the regulator node still answers queries");
    assert_eq!(request_method("GET", &format!("{}/", node.url))?, 200, "and serves the explorer");
    Ok(())
}
