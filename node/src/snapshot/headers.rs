//! The header chain from genesis: how a node that did not replay the blocks knows that a header at
//! height H is the chain's. Each header extends the one before it (height, parent hash, chain id,
//! a later timestamp, a proposer of the set) and carries a commit certificate from the validator
//! set in force at its height. [`HeaderChain::extend`] is the one place that decides which set
//! that is: it follows the set changes the headers announce from the genesis set
//! (`valset::SetTracker`, "Certificates across set changes" in `docs/consensus.md`), used by state
//! sync and by `verify` on a node without old bodies.

use shulian_runtime::block::CertificateError;
use shulian_runtime::genesis::Genesis;
use shulian_runtime::valset::{SetChainError, SetTracker};
use shulian_runtime::{BlockHeader, CommitCertificate, Hash, Height, ValidatorSet};

/// Why a header does not extend the verified chain.
#[derive(Debug, thiserror::Error)]
pub enum HeaderError {
    /// It is not the next header.
    #[error("header {height}: {detail}")]
    Link {
        /// Its height.
        height: u64,
        /// What does not match.
        detail: String,
    },
    /// Its certificate does not prove it final.
    #[error("header {height}: certificate: {source}")]
    Certificate {
        /// Its height.
        height: u64,
        /// What failed.
        source: CertificateError,
    },
    /// It announces a validator set that its certificate or the sets offered do not bear out.
    #[error("header {height}: {source}")]
    Sets {
        /// Its height.
        height: u64,
        /// What failed.
        source: SetChainError,
    },
}

impl HeaderError {
    /// The height of the header refused.
    pub fn height(&self) -> u64 {
        match self {
            HeaderError::Link { height, .. }
            | HeaderError::Certificate { height, .. }
            | HeaderError::Sets { height, .. } => *height,
        }
    }
}

/// The verified chain so far: the last verified header's height, hash and time, and the set that
/// signs the next.
#[derive(Clone, Debug)]
pub struct HeaderChain {
    chain_id: String,
    sets: SetTracker,
    height: Height,
    hash: Hash,
    timestamp_ms: u64,
}

impl HeaderChain {
    /// The chain of `genesis`, nothing verified above it yet.
    pub fn from_genesis(genesis: &Genesis) -> Self {
        HeaderChain {
            chain_id: genesis.chain_id.clone(),
            sets: SetTracker::new(genesis.validator_set()),
            height: Height(0),
            hash: genesis.hash(),
            timestamp_ms: genesis.genesis_time_ms,
        }
    }

    /// Height of the last verified header (0: none yet).
    pub fn height(&self) -> Height {
        self.height
    }

    /// Hash of the last verified header (the genesis hash before any).
    pub fn hash(&self) -> Hash {
        self.hash
    }

    /// The set that signs the next header.
    pub fn signers(&self) -> &ValidatorSet {
        self.sets.signers()
    }

    /// Verifies `headers`, in order, as the next ones, with `sets` supplying each validator set a
    /// header announces (by its hash; `None` if unknown); on the first that fails, the chain stays
    /// at the last good one and the error says why.
    pub fn extend(
        &mut self,
        headers: &[(BlockHeader, CommitCertificate)],
        mut sets: impl FnMut(&Hash) -> Option<ValidatorSet>,
    ) -> Result<(), HeaderError> {
        for (header, cert) in headers {
            let height = header.height.0;
            let link = |detail: String| HeaderError::Link { height, detail };
            if header.chain_id != self.chain_id {
                return Err(link(format!("chain {:?}, expected {:?}", header.chain_id, self.chain_id)));
            }
            if header.height != self.height.next() {
                return Err(link(format!("expected height {}", self.height.next())));
            }
            if header.parent_hash != self.hash {
                return Err(link(format!("parent {}, expected {}", header.parent_hash, self.hash)));
            }
            if header.timestamp_ms <= self.timestamp_ms {
                return Err(link("timestamp not after its parent's".into()));
            }
            if self.sets.signers().get(&header.proposer).is_none() {
                return Err(link(format!("proposer {} is not a validator", header.proposer)));
            }
            // The set in force at this height signs it; a header that announces another set
            // hands over to it for the heights after.
            cert.verify(header, self.sets.signers()).map_err(|source| HeaderError::Certificate { height, source })?;
            self.sets.advance(header, Some(cert), &mut sets).map_err(|source| HeaderError::Sets { height, source })?;
            self.height = header.height;
            self.hash = header.hash();
            self.timestamp_ms = header.timestamp_ms;
        }
        Ok(())
    }
}

/// Verifies `headers` as the chain from block 1 of `genesis`, with no set change among them;
/// returns the last header's height.
pub fn verify_header_chain(
    genesis: &Genesis,
    headers: &[(BlockHeader, CommitCertificate)],
) -> Result<Height, HeaderError> {
    let mut chain = HeaderChain::from_genesis(genesis);
    chain.extend(headers, |_| None)?;
    Ok(chain.height())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::chain::tests::{genesis, produce};
    use crate::chain::{Chain, ChainLimits};
    use crate::storage::{ChainStore, MemKv};
    use std::sync::Arc;

    pub(crate) fn headers_of(chain: &Chain) -> Vec<(BlockHeader, CommitCertificate)> {
        (1..=chain.head().height.0)
            .map(|h| {
                let s = chain.store();
                (
                    s.header(Height(h)).expect("read").expect("header"),
                    s.certificate(Height(h)).expect("read").expect("cert"),
                )
            })
            .collect()
    }

    #[test]
    fn a_certified_header_chain_verifies_and_a_broken_one_does_not() {
        let chain =
            Chain::open(ChainStore::new(Arc::new(MemKv::default())), genesis(), ChainLimits::default()).expect("open");
        for ts in [20, 30, 40, 50] {
            produce(&chain, ts);
        }
        let headers = headers_of(&chain);
        assert_eq!(verify_header_chain(&genesis(), &headers).expect("verifies"), Height(4));
        let mut skipped = headers.clone();
        skipped.remove(1);
        assert!(matches!(verify_header_chain(&genesis(), &skipped), Err(HeaderError::Link { height: 3, .. })));
        let mut changed = headers.clone();
        changed[2].0.state_root = Hash([9; 32]);
        assert!(
            matches!(verify_header_chain(&genesis(), &changed), Err(HeaderError::Certificate { height: 3, .. })),
            "a header changed under its certificate"
        );
        let mut unsigned = headers.clone();
        unsigned[3].1.signatures.clear();
        assert!(matches!(verify_header_chain(&genesis(), &unsigned), Err(HeaderError::Certificate { height: 4, .. })));
        // In batches, as state sync fetches them; a failure leaves the chain at the last good one.
        let mut c = HeaderChain::from_genesis(&genesis());
        c.extend(&headers[..2], |_| None).expect("first batch");
        assert!(c.extend(&changed[2..], |_| None).is_err());
        assert_eq!(c.height(), Height(2));
        c.extend(&headers[2..], |_| None).expect("the true rest");
        assert_eq!(c.hash(), chain.head().block_hash);
    }
}
