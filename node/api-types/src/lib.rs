//! The HTTP API of a Shulian node as types: every route path, query, request body, answer, view row
//! and error code. The node's handlers return these types, the wallet and the tests deserialize
//! them, and the OpenAPI document (`GET /api/openapi.json`, checked in as `docs/openapi.json`) is
//! generated from them, so the shapes are written once.
//!
//! Architecture invariant: this crate depends on `shulian-runtime` (for ids, calls and events),
//! serde and utoipa only: no I/O, no node internals. Ledger records are mirrored here as the API
//! shows them ([`records`]); the node converts its stored records into these.

pub mod chain;
pub mod dashboard;
pub mod error;
pub mod ledger;
pub mod lists;
pub mod names;
pub mod openapi;
pub mod records;
pub mod registry;
pub mod regulator;
pub mod routes;

pub use error::{ApiErrorBody, ErrorCode, ErrorDetail};
pub use openapi::openapi;

#[cfg(test)]
mod tests;
