//! Consensus: decides when a block is made and when it is final, and drives the [`Chain`] through
//! `propose` / `validate` / `commit`. The engine is Tendermint (`tendermint::driver::BftEngine`,
//! also for a one-validator dev chain), behind the [`ConsensusEngine`] trait. It must never write storage
//! directly: only `Chain::commit` does.

pub mod tendermint;

use crate::chain::Chain;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::watch;

/// A boxed future, so engines can be chosen at run time.
pub type EngineFuture = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>;

/// Something that drives the chain until `shutdown` turns true.
pub trait ConsensusEngine: Send {
    /// A name for logs.
    fn name(&self) -> &'static str;
    /// Runs until shutdown or a fatal error.
    fn run(self: Box<Self>, chain: Arc<Chain>, shutdown: watch::Receiver<bool>) -> EngineFuture;
}
