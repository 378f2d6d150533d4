//! The consensus write-ahead log and double-sign guard. Before this validator signs a vote or a
//! proposal, the signed message is written (synced) to the `consensus` column; if one is already
//! there for the same height, round and step, that one is returned instead of signing anew. So a
//! validator that crashes at any point and restarts can never sign two different messages for one
//! (height, round, step). The log also keeps the blocks this validator precommitted, so that after a
//! restart it can rejoin its height with its lock intact. Entries below the committed height are
//! pruned. Beside the log, the signing watermark (`watermark.rs`) detects a log that lost synced
//! writes, and then withholds signatures where the lost ones may have been.

use super::watermark::{Floor, Opened, Position, STEP_PROPOSAL, Watermark};
use crate::network::wire::SignedProposal;
use crate::storage::{Batch, Column, KvStore, StoreError, StoreResult};
use borsh::BorshDeserialize;
use shulian_consensus::SignedVote;
use shulian_runtime::block::{VOTE_SIGN_TAG, VoteKind};
use shulian_runtime::{Block, Hash, Height, SecretKey, Vote};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

const VOTE: u8 = b'v';
const PROPOSAL: u8 = b'p';
const BLOCK: u8 = b'b';

/// What the log remembers of one height after a restart.
#[derive(Debug, Default)]
pub struct Recovered {
    /// Votes this validator signed.
    pub votes: Vec<SignedVote>,
    /// Proposals this validator signed.
    pub proposals: Vec<SignedProposal>,
    /// Blocks this validator precommitted.
    pub blocks: Vec<Block>,
}

impl Recovered {
    /// The highest round this validator signed in, its lock (its latest non-nil precommit) and
    /// therefore the round to resume in.
    pub fn resume_point(&self) -> Option<(u32, Option<(Hash, u32)>)> {
        let round = self.votes.iter().map(|v| v.vote.round).max()?;
        let locked = self
            .votes
            .iter()
            .filter(|v| v.vote.kind == VoteKind::Precommit)
            .filter_map(|v| v.vote.block_hash.map(|h| (h, v.vote.round)))
            .max_by_key(|(_, r)| *r);
        Some((round, locked))
    }
}

/// The log, in the node's key-value store.
#[derive(Clone)]
pub struct Wal {
    kv: Arc<dyn KvStore>,
    guard: Option<Arc<Guard>>,
    /// Every height below this one has been pruned (0 until the first prune of this process):
    /// where the next prune starts reading, so that it never walks the deletions of earlier
    /// prunes, which the store keeps as tombstones until compaction drops them.
    pruned_below: Arc<AtomicU64>,
}

/// The signing watermark and, if the log lost writes, the floor it set.
struct Guard {
    mark: Watermark,
    floor: Option<Floor>,
}

/// A vote's step in a watermark [`Position`] (0 is the proposal).
fn step_of(kind: VoteKind) -> u8 {
    match kind {
        VoteKind::Prevote => 1,
        VoteKind::Precommit => 2,
    }
}

fn key(kind: u8, height: Height, rest: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(9 + rest.len());
    k.push(kind);
    k.extend_from_slice(&height.0.to_be_bytes());
    k.extend_from_slice(rest);
    k
}

/// The log's key of a vote at `height`, `round` and watermark step `step` (1 prevote, 2
/// precommit, [`step_of`]): the log numbers the two vote steps from 0.
fn vote_key(height: Height, round: u32, step: u8) -> Vec<u8> {
    key(VOTE, height, &[&round.to_be_bytes()[..], &[step - 1]].concat())
}

fn decode<T: BorshDeserialize>(bytes: &[u8]) -> StoreResult<T> {
    borsh::from_slice(bytes).map_err(|e| StoreError::Corrupt { column: "consensus", detail: e.to_string() })
}

impl Wal {
    /// The log in `kv`, without a watermark (tests and tools that sign nothing for real).
    pub fn new(kv: Arc<dyn KvStore>) -> Self {
        Wal { kv, guard: None, pruned_below: Arc::default() }
    }

    /// The log in `kv` with the signing watermark at `path`; `head` is the stored head's height.
    /// A watermark above the head that the log does not hold means the log lost synced writes:
    /// the validator then withholds every signature at or below the watermark's height and round
    /// (warned in the log). Refused if the watermark file is unreadable.
    pub fn with_watermark(kv: Arc<dyn KvStore>, path: &std::path::Path, head: Height) -> anyhow::Result<Self> {
        let (mark, opened) = Watermark::open(path)
            .map_err(|e| anyhow::anyhow!("cannot open the signing watermark {}: {e}", path.display()))?;
        let wal = Wal::new(kv);
        let floor = match opened {
            Opened::New => None,
            Opened::Unreadable => anyhow::bail!(
                "the signing watermark {} is unreadable (both of its copies are damaged), so this validator cannot \
                 tell what it last signed. Keep it stopped until the chain has moved at least one height past this \
                 node's last height (check another node's /api/status), then delete the file and start it again",
                path.display()
            ),
            Opened::At(p) if p.height <= head.0 || wal.holds(p)? => None,
            Opened::At(p) => {
                tracing::warn!(target: "consensus", watermark_height = p.height, watermark_round = p.round, head = head.0,
                    "the consensus log lost writes (its last signed message is missing; a truncated or restored db/?): \
                     this validator signs nothing at or below that height and round, and follows the others");
                Some(Floor { height: Height(p.height), round: p.round })
            }
        };
        Ok(Wal { guard: Some(Arc::new(Guard { mark, floor })), ..wal })
    }

    /// The floor set at start because the log lost writes, if it did.
    pub fn floor(&self) -> Option<Floor> {
        self.guard.as_ref().and_then(|g| g.floor)
    }

    /// Whether the log holds a signed message at `p`.
    fn holds(&self, p: Position) -> StoreResult<bool> {
        let k = if p.step == STEP_PROPOSAL {
            key_round(PROPOSAL, Height(p.height), p.round)
        } else {
            vote_key(Height(p.height), p.round, p.step)
        };
        Ok(self.kv.get(Column::Consensus, &k)?.is_some())
    }

    /// Whether the floor withholds a new signature at `height` and `round`; otherwise raises the
    /// watermark to `at` (synced) before the caller signs.
    fn may_sign(&self, height: Height, round: u32, step: u8) -> StoreResult<bool> {
        let Some(g) = &self.guard else { return Ok(true) };
        if g.floor.is_some_and(|f| f.withholds(height, round))
            && !crate::planted::on(crate::planted::Bug::IgnoreWatermark)
        {
            tracing::debug!(target: "consensus", height = height.0, round, step, "withheld: the consensus log lost writes here");
            return Ok(false);
        }
        g.mark.raise(Position { height: height.0, round, step }).map_err(|e| {
            StoreError::Backend(format!("cannot write the signing watermark {}: {e}", g.mark.path().display()))
        })?;
        Ok(true)
    }

    /// Signs `vote`, unless a vote for the same height, round and step was signed before: then
    /// that earlier vote is returned (and `vote` is not signed). The signed vote is durable before
    /// this returns. `None`: withheld, because the log lost writes at or above this point.
    pub fn sign_vote(&self, key: &SecretKey, vote: Vote) -> StoreResult<Option<SignedVote>> {
        let step = step_of(vote.kind);
        let k = vote_key(vote.height, vote.round, step);
        let earlier = match crate::planted::on(crate::planted::Bug::NoDoubleSignGuard) {
            true => None,
            false => self.kv.get(Column::Consensus, &k)?,
        };
        if let Some(bytes) = earlier {
            let prev: SignedVote = decode(&bytes)?;
            if prev.vote != vote {
                tracing::warn!(target: "consensus", height = vote.height.0, round = vote.round, kind = ?vote.kind,
                    "not signing a vote that conflicts with one signed earlier; re-sending the earlier vote");
            }
            return Ok(Some(prev));
        }
        if !self.may_sign(vote.height, vote.round, step)? {
            return Ok(None);
        }
        let signature = key.sign(VOTE_SIGN_TAG, &vote.sign_bytes());
        let signed = SignedVote { vote, validator: key.public_key(), signature };
        crate::crashpoint::hit("wal.vote.signed");
        let mut b = Batch::default();
        b.put(Column::Consensus, k, shulian_runtime::encode(&signed).map_err(|e| StoreError::Backend(e.to_string()))?);
        if !crate::planted::on(crate::planted::Bug::VoteNotLogged) {
            self.kv.write(b)?;
        }
        crate::crashpoint::hit("wal.vote.logged");
        Ok(Some(signed))
    }

    /// Signs a proposal of `block` for `round`, unless this validator already proposed in that
    /// height and round: then the earlier proposal is returned. Durable before it returns.
    /// `None`: withheld, because the log lost writes at or above this point.
    pub fn sign_proposal(
        &self,
        key: &SecretKey,
        chain_id: &str,
        round: u32,
        valid_round: Option<u32>,
        block: Block,
    ) -> StoreResult<Option<SignedProposal>> {
        let k = key_round(PROPOSAL, block.header.height, round);
        if let Some(bytes) = self.kv.get(Column::Consensus, &k)? {
            return decode(&bytes).map(Some);
        }
        if !self.may_sign(block.header.height, round, STEP_PROPOSAL)? {
            return Ok(None);
        }
        let p = SignedProposal::sign(key, chain_id, round, valid_round, block);
        let mut b = Batch::default();
        b.put(Column::Consensus, k, shulian_runtime::encode(&p).map_err(|e| StoreError::Backend(e.to_string()))?);
        self.kv.write(b)?;
        crate::crashpoint::hit("wal.proposal.logged");
        Ok(Some(p))
    }

    /// The proposal this validator signed at `height` and `round`, if any.
    pub fn proposal(&self, height: Height, round: u32) -> StoreResult<Option<SignedProposal>> {
        self.kv.get(Column::Consensus, &key_round(PROPOSAL, height, round))?.map(|b| decode(&b)).transpose()
    }

    /// Keeps `block` (which this validator is about to precommit) until its height is committed.
    pub fn save_block(&self, block: &Block) -> StoreResult<()> {
        let mut b = Batch::default();
        let k = key(BLOCK, block.header.height, &block.hash().0);
        b.put(Column::Consensus, k, shulian_runtime::encode(block).map_err(|e| StoreError::Backend(e.to_string()))?);
        self.kv.write(b)
    }

    /// Everything logged for `height`.
    pub fn recover(&self, height: Height) -> StoreResult<Recovered> {
        let mut r = Recovered::default();
        for (_, v) in self.kv.scan(Column::Consensus, &key(VOTE, height, &[]), None, usize::MAX)? {
            r.votes.push(decode(&v)?);
        }
        for (_, v) in self.kv.scan(Column::Consensus, &key(PROPOSAL, height, &[]), None, usize::MAX)? {
            r.proposals.push(decode(&v)?);
        }
        for (_, v) in self.kv.scan(Column::Consensus, &key(BLOCK, height, &[]), None, usize::MAX)? {
            r.blocks.push(decode(&v)?);
        }
        Ok(r)
    }

    /// Forgets everything below `height` (those heights are committed). Reads from the height the
    /// last prune stopped at, a few keys at a time: a block's value is megabytes, and what lies
    /// before is deletions already made.
    pub fn prune_below(&self, height: Height) -> StoreResult<()> {
        const PAGE: usize = 16;
        let from = self.pruned_below.load(Ordering::Relaxed);
        if height.0 <= from {
            return Ok(());
        }
        let mut b = Batch::default();
        for kind in [VOTE, PROPOSAL, BLOCK] {
            // Every logged key has bytes after its height, so this starts at height `from`.
            let mut after = key(kind, Height(from), &[]);
            'pages: loop {
                let page = self.kv.scan(Column::Consensus, &[kind], Some(&after), PAGE)?;
                let last_page = page.len() < PAGE;
                for (k, _) in page {
                    let h = k.get(1..9).and_then(|s| <[u8; 8]>::try_from(s).ok()).map(u64::from_be_bytes);
                    match h {
                        Some(h) if h < height.0 => {
                            after.clone_from(&k);
                            b.delete(Column::Consensus, k);
                        }
                        _ => break 'pages,
                    }
                }
                if last_page {
                    break;
                }
            }
        }
        if !b.ops.is_empty() {
            self.kv.write(b)?;
        }
        self.pruned_below.fetch_max(height.0, Ordering::Relaxed);
        Ok(())
    }
}

fn key_round(kind: u8, height: Height, round: u32) -> Vec<u8> {
    key(kind, height, &round.to_be_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::MemKv;
    use shulian_runtime::BlockHeader;

    fn vote(round: u32, kind: VoteKind, value: Option<Hash>) -> Vote {
        Vote { chain_id: "c".into(), height: Height(5), round, kind, block_hash: value }
    }

    #[test]
    fn planted_bugs_are_caught() {
        use crate::planted::{Bug, plant};
        let cases: [(Bug, &str, fn()); 3] = [
            (
                Bug::NoDoubleSignGuard,
                "never_signs_two_different_votes_for_one_step",
                never_signs_two_different_votes_for_one_step,
            ),
            (
                Bug::VoteNotLogged,
                "never_signs_two_different_votes_for_one_step",
                never_signs_two_different_votes_for_one_step,
            ),
            (
                Bug::IgnoreWatermark,
                "a_log_that_lost_writes_withholds_signatures_up_to_the_watermark",
                a_log_that_lost_writes_withholds_signatures_up_to_the_watermark,
            ),
        ];
        shulian_runtime::test_utils::assert_planted_bugs_caught(&cases, plant);
    }

    #[test]
    fn never_signs_two_different_votes_for_one_step() {
        let kv: Arc<dyn KvStore> = Arc::new(MemKv::default());
        let key = shulian_runtime::test_utils::key(1);
        let first = Wal::new(kv.clone())
            .sign_vote(&key, vote(2, VoteKind::Prevote, Some(Hash([9; 32]))))
            .expect("sign")
            .expect("signed");
        // A restarted validator (a new Wal on the same store) asked to prevote nil in that round.
        let again =
            Wal::new(kv.clone()).sign_vote(&key, vote(2, VoteKind::Prevote, None)).expect("sign").expect("signed");
        assert_eq!(again, first, "the earlier vote is returned, the conflicting one is never signed");
        let other_step =
            Wal::new(kv).sign_vote(&key, vote(2, VoteKind::Precommit, None)).expect("sign").expect("signed");
        assert_eq!(other_step.vote.kind, VoteKind::Precommit);
        assert!(key.public_key().verify(VOTE_SIGN_TAG, &other_step.vote.sign_bytes(), &other_step.signature).is_ok());
    }

    #[test]
    fn recovery_gives_round_and_lock_and_pruning_forgets_committed_heights() {
        let kv: Arc<dyn KvStore> = Arc::new(MemKv::default());
        let key = shulian_runtime::test_utils::key(1);
        let wal = Wal::new(kv);
        let b = Hash([7; 32]);
        wal.sign_vote(&key, vote(0, VoteKind::Prevote, Some(b))).expect("sign");
        wal.sign_vote(&key, vote(0, VoteKind::Precommit, Some(b))).expect("sign");
        wal.sign_vote(&key, vote(1, VoteKind::Prevote, None)).expect("sign");
        let block = Block {
            header: BlockHeader {
                protocol_version: 1,
                chain_id: "c".into(),
                height: Height(5),
                parent_hash: Hash([1; 32]),
                timestamp_ms: 1,
                proposer: key.public_key(),
                tx_root: Hash([0; 32]),
                outcomes_root: Hash([0; 32]),
                state_root: Hash([0; 32]),
                next_validators_hash: Hash([5; 32]),
            },
            txs: vec![],
        };
        wal.save_block(&block).expect("save");
        let p = wal.sign_proposal(&key, "c", 1, None, block.clone()).expect("propose");
        let mut other = block.clone();
        other.header.timestamp_ms = 2;
        assert_eq!(wal.sign_proposal(&key, "c", 1, None, other).expect("propose"), p, "one proposal per round");
        let r = wal.recover(Height(5)).expect("recover");
        assert_eq!(r.resume_point(), Some((1, Some((b, 0)))));
        assert_eq!(r.blocks, vec![block]);
        assert_eq!(r.proposals.len(), 1);
        assert!(wal.recover(Height(4)).expect("recover").resume_point().is_none());
        wal.prune_below(Height(6)).expect("prune");
        let r = wal.recover(Height(5)).expect("recover");
        assert!(r.votes.is_empty() && r.blocks.is_empty() && r.proposals.is_empty());
    }

    /// Prunes start where the last one stopped (so they never walk earlier deletions) and still
    /// forget every height below the committed one, however many heights and entries lie between,
    /// while the heights at and above it stay whole.
    #[test]
    fn successive_prunes_forget_every_height_below_and_keep_the_rest() {
        let kv: Arc<dyn KvStore> = Arc::new(MemKv::default());
        let key = shulian_runtime::test_utils::key(1);
        let wal = Wal::new(kv.clone());
        let at = |h: u64, round: u32, kind: VoteKind| Vote { height: Height(h), ..vote(round, kind, None) };
        // More entries per height than a prune reads at once (40 rounds of two votes).
        for h in 1..=12 {
            for round in 0..40 {
                wal.sign_vote(&key, at(h, round, VoteKind::Prevote)).expect("sign");
                wal.sign_vote(&key, at(h, round, VoteKind::Precommit)).expect("sign");
            }
        }
        let count = |h: u64| wal.recover(Height(h)).expect("recover").votes.len();
        wal.prune_below(Height(3)).expect("prune");
        assert_eq!((count(1), count(2), count(3)), (0, 0, 80));
        wal.prune_below(Height(2)).expect("a lower height prunes nothing");
        assert_eq!(count(3), 80);
        wal.prune_below(Height(11)).expect("prune");
        assert!((3..11).all(|h| count(h) == 0), "every height below 11 forgotten");
        assert_eq!((count(11), count(12)), (80, 80));
        // A new log on the same store (a restart) starts from the lowest height and prunes too.
        Wal::new(kv).prune_below(Height(12)).expect("prune");
        assert_eq!((count(11), count(12)), (0, 80));
    }

    /// A log that lost synced writes (here: a new store, as if `db/` were truncated or restored
    /// from an old copy) with the watermark left in place: the validator withholds every
    /// signature at or below the watermark's height and round, and signs again after it.
    #[test]
    fn a_log_that_lost_writes_withholds_signatures_up_to_the_watermark() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("consensus_watermark");
        let key = shulian_runtime::test_utils::key(1);
        let kv: Arc<dyn KvStore> = Arc::new(MemKv::default());
        let wal = Wal::with_watermark(kv.clone(), &path, Height(4)).expect("open");
        assert!(wal.sign_vote(&key, vote(1, VoteKind::Prevote, Some(Hash([9; 32])))).expect("sign").is_some());
        // Restarted on the same log: nothing was lost, nothing is withheld.
        drop(wal);
        let wal = Wal::with_watermark(kv, &path, Height(4)).expect("open");
        let v = wal.sign_vote(&key, vote(1, VoteKind::Precommit, None)).expect("sign");
        assert!(v.is_some(), "an intact log withholds nothing");
        drop(wal);
        // Restarted on a log that lost it all.
        let lost: Arc<dyn KvStore> = Arc::new(MemKv::default());
        let wal = Wal::with_watermark(lost.clone(), &path, Height(4)).expect("open");
        assert_eq!(wal.sign_vote(&key, vote(1, VoteKind::Prevote, None)).expect("sign"), None, "would equivocate");
        assert_eq!(wal.sign_vote(&key, vote(0, VoteKind::Precommit, None)).expect("sign"), None);
        assert!(wal.sign_vote(&key, vote(2, VoteKind::Prevote, None)).expect("sign").is_some(), "the next round");
        // The head already past the watermark's height: nothing left to withhold.
        let wal = Wal::with_watermark(Arc::new(MemKv::default()), &path, Height(5)).expect("open");
        assert!(
            wal.sign_vote(&key, Vote { height: Height(6), ..vote(0, VoteKind::Prevote, None) })
                .expect("sign")
                .is_some()
        );
        // Both copies of the watermark damaged: the node refuses to start, naming the file.
        let mut bytes = std::fs::read(&path).expect("read");
        bytes[5] ^= 0xff;
        bytes[super::super::watermark::SLOT_BYTES + 5] ^= 0xff;
        std::fs::write(&path, &bytes).expect("write");
        let e = Wal::with_watermark(lost, &path, Height(4)).err().expect("refused");
        assert!(e.to_string().contains("consensus_watermark"), "{e}");
    }
}
