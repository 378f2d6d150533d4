//! The read-only explorer page served at `/`, built into the binary. It only reads the query API;
//! it must never offer a way to change state.

use axum::Router;
use axum::response::Html;
use axum::routing::get;

const INDEX: &str = include_str!("index.html");

/// The explorer's routes.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/", get(|| async { Html(INDEX) }))
}
