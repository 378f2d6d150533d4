//! The single-validator block producer: a block every `block_interval` when transactions are
//! pending, an empty one every `empty_block_interval` otherwise. The one validator's precommit is
//! the whole commit certificate.

use super::{ConsensusEngine, EngineFuture, now_ms};
use crate::chain::Chain;
use shulian_runtime::block::VOTE_SIGN_TAG;
use shulian_runtime::{CommitCertificate, CommitSig, SecretKey};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Timing of the producer.
#[derive(Clone, Copy, Debug)]
pub struct SoloConfig {
    /// How often to cut a block when transactions are pending.
    pub block_interval: Duration,
    /// Longest gap between blocks when nothing is pending.
    pub empty_block_interval: Duration,
}

impl Default for SoloConfig {
    fn default() -> Self {
        SoloConfig { block_interval: Duration::from_millis(200), empty_block_interval: Duration::from_secs(3) }
    }
}

/// The producer. Its key must be the chain's only validator.
pub struct SoloProducer {
    key: SecretKey,
    cfg: SoloConfig,
}

impl SoloProducer {
    /// A producer signing with `key`.
    pub fn new(key: SecretKey, cfg: SoloConfig) -> Self {
        SoloProducer { key, cfg }
    }

    /// Makes, certifies and commits one block.
    fn produce(chain: &Chain, key: &SecretKey) -> anyhow::Result<()> {
        let (block, exec) = chain.propose(key.public_key(), now_ms())?;
        let mut cert =
            CommitCertificate { height: block.header.height, round: 0, block_hash: block.hash(), signatures: vec![] };
        let vote = cert.vote(chain.chain_id()).sign_bytes();
        cert.signatures.push(CommitSig { validator: key.public_key(), signature: key.sign(VOTE_SIGN_TAG, &vote) });
        let txs = block.txs.len();
        let head = chain.commit(&block, &cert, exec)?;
        tracing::info!(target: "consensus", height = head.height.0, txs, hash = %head.block_hash.short(), "committed block");
        Ok(())
    }
}

impl ConsensusEngine for SoloProducer {
    fn name(&self) -> &'static str {
        "solo"
    }

    fn run(self: Box<Self>, chain: Arc<Chain>, mut shutdown: watch::Receiver<bool>) -> EngineFuture {
        Box::pin(async move {
            let me = self.key.public_key();
            let vals = chain.validators();
            if vals.validators.len() != 1 || vals.get(&me).is_none() {
                anyhow::bail!(
                    "the single-validator producer needs a genesis whose only validator is this node's key {me}; \
                     this genesis has {} validator(s)",
                    vals.validators.len()
                );
            }
            let mut last_block = Instant::now();
            let mut tick = tokio::time::interval(self.cfg.block_interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = shutdown.changed() => {}
                }
                if *shutdown.borrow() {
                    return Ok(());
                }
                if chain.mempool_len() == 0 && last_block.elapsed() < self.cfg.empty_block_interval {
                    continue;
                }
                let c = chain.clone();
                let key = self.key.clone();
                // Execution and the synced write are blocking work: keep them off the async threads.
                tokio::task::spawn_blocking(move || Self::produce(&c, &key)).await??;
                last_block = Instant::now();
            }
        })
    }
}
