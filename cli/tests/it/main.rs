//! The wallet's integration tests, one binary: command lines parsed without a node, the real
//! binary against no node, a scripted stand-in node, and offline signing.

mod common;

mod data_sharing_args;
mod errors;
mod events_follow;
mod keys;
mod lists_mock;
mod market_args;
mod mock_node;
mod wallet_config;
mod wallet_offline;
