//! Signed calls in batches through `shulian-client`, for tests that need many ledger items fast:
//! one key's calls signed with consecutive nonces, submitted as one `POST /api/txs` and followed
//! to their committed outcomes (one block per batch instead of one wallet run per item).

use anyhow::{Context, bail, ensure};
use shulian_api::chain::{OutcomeStatus, TxStatusResponse};
use shulian_client::{ClientError, NodeClient};
use shulian_runtime::events::Event;
use shulian_runtime::{AccountId, Call, SecretKey, UnsignedTransaction};
use std::time::{Duration, Instant};

/// How long one batch may take to be committed (a dev node commits one in well under a second).
pub const COMMIT_WAIT: Duration = Duration::from_secs(30);

/// A committed call: its events and its place in the chain (height, index in the block).
pub type Committed = (Vec<Event>, (u64, u32));

/// Signs calls for one key with consecutive nonces and commits them in batches.
pub struct Signer {
    client: NodeClient,
    chain_id: String,
    key: SecretKey,
    nonce: u64,
}

impl Signer {
    /// A signer for `key` on the chain `client` serves, from the account's next nonce.
    pub fn new(client: &NodeClient, key: SecretKey) -> anyhow::Result<Signer> {
        let chain_id = client.status()?.chain_id;
        let nonce = client.account(&AccountId::from_public_key(&key.public_key()))?.nonce;
        Ok(Signer { client: client.clone(), chain_id, key, nonce })
    }

    /// Submits `calls` as one batch and waits until each is committed; every call must succeed.
    /// Answers each one's events and its place in the chain (height, index in the block).
    pub fn commit(&mut self, calls: Vec<Call>) -> anyhow::Result<Vec<Committed>> {
        let txs: Vec<_> = calls
            .into_iter()
            .map(|call| {
                let tx = UnsignedTransaction {
                    chain_id: self.chain_id.clone(),
                    sender: self.key.public_key(),
                    nonce: self.nonce,
                    call,
                }
                .sign(&self.key);
                self.nonce += 1;
                tx
            })
            .collect();
        let mut hashes = Vec::new();
        for result in self.client.submit_batch(&txs)? {
            hashes.push(result.map_err(|r| anyhow::anyhow!("refused: {} {}", r.code, r.message))?);
        }
        let deadline = Instant::now() + COMMIT_WAIT;
        let mut done = Vec::new();
        for hash in hashes {
            loop {
                let status = match self.client.tx_status(&hash) {
                    // A batch is admitted before each of its transactions is known by hash.
                    Err(ClientError::Refused { status: 404, .. }) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(50));
                        continue;
                    }
                    other => other?,
                };
                match status {
                    TxStatusResponse::Committed { outcome, height, index, .. } => {
                        ensure!(outcome.status == OutcomeStatus::Success, "{hash} failed: {:?}", outcome.error);
                        done.push((outcome.events, (height.0, index)));
                        break;
                    }
                    TxStatusResponse::Rejected { reason, .. } => bail!("{hash} rejected: {}", reason.message),
                    TxStatusResponse::Pending { .. } if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    TxStatusResponse::Pending { .. } => bail!("{hash} not committed within {COMMIT_WAIT:?}"),
                }
            }
        }
        Ok(done)
    }
}

/// The first id `pick` finds in each transaction's events.
pub fn ids<T>(done: &[Committed], pick: impl Fn(&Event) -> Option<T>) -> anyhow::Result<Vec<T>> {
    done.iter().map(|(events, _)| events.iter().find_map(&pick).context("no id in the events")).collect()
}
