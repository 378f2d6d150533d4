//! Consensus over the network: the async shell around the pure Tendermint state machine of the
//! `shulian-consensus` crate. [`driver`] feeds it network messages and timers and carries out its
//! outputs (sign through the [`wal`], broadcast, schedule, commit through the [`Chain`]); [`sync`]
//! fetches and serves committed blocks. It decides when a block is made and when it is final, and
//! must never write a block to storage itself: only `Chain::commit` does.
//!
//! [`Chain`]: crate::chain::Chain

mod admit;
#[cfg(feature = "byzantine")]
pub mod byzantine;

/// Whether this process is the test-only `shulian-node-byzantine` (never a release node): only
/// then are test-only settings accepted on a multi-validator chain (a skewed clock).
pub fn test_build() -> bool {
    #[cfg(feature = "byzantine")]
    return byzantine::test_build();
    #[cfg(not(feature = "byzantine"))]
    return false;
}
pub mod driver;
mod future;
pub mod sync;
pub mod wal;
pub mod watermark;

pub use driver::{BftConfig, BftEngine};
