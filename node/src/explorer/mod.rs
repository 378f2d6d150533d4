//! The read-only explorer served at `/`: plain HTML and ES modules built into the binary, which
//! read the query API and check proofs and commit certificates in the browser with vendored
//! blake3 and ed25519 code. It must never offer a way to change state: every route is GET.

use axum::Router;
use axum::extract::{Path, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

const INDEX: &str = include_str!("index.html");

/// Every explorer route; all GET. `/` is the page, the rest its assets.
pub const ROUTES: &[&str] = &["/", "/explorer/{*file}"];

macro_rules! assets {
    ($($path:literal),* $(,)?) => {
        /// The explorer's assets, by path under `/explorer/`.
        pub const ASSETS: &[(&str, &str)] = &[$(($path, include_str!($path))),*];
    };
}

assets![
    "style.css",
    "app.js",
    "lib/api.js",
    "lib/shapes.js",
    "lib/ui.js",
    "lib/borsh.js",
    "lib/verify.js",
    "lib/decode.js",
    "lib/badge.js",
    "lib/svg.js",
    "lib/schema.js",
    "lib/genesis.js",
    "lib/txverify.js",
    "lib/head.js",
    "lib/cst.js",
    "lib/labels.js",
    "lib/lists.js",
    "lib/receipts.js",
    "lib/valsets.js",
    "lib/i18n.js",
    "lib/names.js",
    "lib/picker.js",
    "lib/charts.js",
    "lib/alerts.js",
    "lib/suite.js",
    "i18n/zh.js",
    "i18n/en.js",
    "pages/dashboard.js",
    "pages/overview.js",
    "pages/block.js",
    "pages/tx.js",
    "pages/org.js",
    "pages/dataset.js",
    "pages/grant.js",
    "pages/market.js",
    "pages/evidence.js",
    "pages/regulator.js",
    "pages/search.js",
    "pages/object.js",
    "pages/settings.js",
    "pages/catalog.js",
    "pages/inbox.js",
    "pages/grants.js",
    "pages/trade.js",
    "pages/supervision.js",
    "vendor/noble-hashes/_blake.js",
    "vendor/noble-hashes/_md.js",
    "vendor/noble-hashes/_u64.js",
    "vendor/noble-hashes/blake2.js",
    "vendor/noble-hashes/blake3.js",
    "vendor/noble-hashes/legacy.js",
    "vendor/noble-hashes/sha2.js",
    "vendor/noble-hashes/utils.js",
    "vendor/noble-hashes/LICENSE",
    "vendor/noble-ed25519/index.js",
    "vendor/noble-ed25519/LICENSE",
    "vendor/sm-crypto-v2/index.umd.mjs",
    "vendor/sm-crypto-v2/LICENSE",
    "vendor/README.md",
];

fn mime(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    }
}

async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(p, _)| *p == file) {
        Some((p, body)) => ([(header::CONTENT_TYPE, mime(p))], *body).into_response(),
        None => (StatusCode::NOT_FOUND, "no such explorer file").into_response(),
    }
}

/// The Content-Security-Policy of every answer of the explorer and the API: scripts, styles,
/// fetches and everything else only from the node itself (the page's ES modules and stylesheet),
/// no inline script or style, no plugins, no `<base>`, and no framing (against clickjacking). A
/// script injected into a page through ledger text could run nothing, load nothing and send
/// nothing elsewhere.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// The security headers every answer carries: the [`CONTENT_SECURITY_POLICY`]; `nosniff`, so a
/// browser never runs an answer as another type than it is (a JSON or CSV answer holding ledger
/// text as a script); no referrer, so the explorer's URLs (ids it looked at) leak nowhere; no
/// framing, for browsers that predate `frame-ancestors`.
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
];

/// Middleware adding [`SECURITY_HEADERS`] to an answer (the explorer's and the API's routers use it).
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let headers = resp.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    }
    resp
}

/// The explorer's routes.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(|| async { Html(INDEX) }))
        .route("/explorer/{*file}", get(asset))
        .layer(axum::middleware::from_fn(security_headers))
}

#[cfg(test)]
mod api_samples;
#[cfg(test)]
mod list_samples;
#[cfg(test)]
mod outcome_vector;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tx_vector;
