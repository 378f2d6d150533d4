//! The contracts' integration tests, one binary: each contract driven through the runtime as the
//! node drives it, on an in-memory chain (`common`).

mod common;

mod catalog;
mod countersigned;
mod grants;
mod grants_prop;
mod lineage;
mod market;
mod market_prop;
mod orgs;
mod receipts;
mod registry;
mod settlement;
mod validators;
