//! The read-only explorer served at `/`: plain HTML and ES modules built into the binary, which
//! read the query API and check proofs and commit certificates in the browser with vendored
//! blake3 and ed25519 code. It must never offer a way to change state: every route is GET.

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
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
    "vendor/README.md",
];

fn mime(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js") => "text/javascript; charset=utf-8",
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

/// The explorer's routes.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/", get(|| async { Html(INDEX) })).route("/explorer/{*file}", get(asset))
}

#[cfg(test)]
mod api_samples;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tx_vector;
