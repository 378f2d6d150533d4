//! The async shell around the pure [`Core`]: it turns network messages, timers and the chain into
//! core inputs, and core outputs into effects (sign via the WAL, broadcast, schedule, commit). A
//! head announcement goes to block sync ([`super::sync`]); once the tip passes the current height,
//! the driver joins consensus at the new one. It must never sign without the WAL's guard.

use super::admit::check_proposal;
use super::future::FutureBuffer;
use super::sync::BlockSync;
use super::wal::Wal;
use crate::chain::Chain;
use crate::network::wire::{SignedProposal, WireMsg};
use crate::network::{NetEvent, NetHandle};
use crate::now_ms;
use libp2p::PeerId;
use shulian_consensus::{Core, Input, Output, ROUND_WINDOW, Step, Timeouts};
use shulian_consensus::{Equivocation, SignedVote};
use shulian_runtime::block::VOTE_SIGN_TAG;
use shulian_runtime::{
    AccountId, Block, BlockExecution, CommitCertificate, CommitSig, Hash, Height, PublicKey, SecretKey,
};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// Most equivocations reported on chain per height: each report is a transaction from this
/// validator's account, and one per (validator, round, kind) is plenty; the set of what was
/// reported is cleared at every new height.
const MAX_REPORTED_PER_HEIGHT: usize = 64;

/// Timing of the BFT engine.
#[derive(Clone, Copy, Debug)]
pub struct BftConfig {
    /// Protocol timeouts (round 0, and growth per round).
    pub timeouts: Timeouts,
    /// With transactions pending, the proposer proposes once its clock is this far past the
    /// previous block's timestamp (at the latest this long into the height): busy blocks are at
    /// least this far apart in ledger time, and the time the previous block spent in consensus
    /// counts towards the wait.
    pub block_interval: Duration,
    /// With nothing pending, the proposer proposes an empty block after this long.
    pub empty_block_interval: Duration,
    /// How often the head is announced and this validator's votes are re-sent.
    pub status_interval: Duration,
    /// TEST ONLY, zero otherwise: ms added to the wall clock when dating and checking proposals
    /// (`config.toml`'s `test_clock_offset_ms`, allowed on a one-validator dev chain, or in the
    /// test-only `shulian-node-byzantine`; negative: the clock runs behind).
    pub clock_offset_ms: i64,
}

impl BftConfig {
    /// A configuration whose propose timeout leaves the proposer time to wait for transactions.
    pub fn new(block_interval: Duration, empty_block_interval: Duration) -> Self {
        let empty_ms = empty_block_interval.as_millis() as u64;
        BftConfig {
            timeouts: Timeouts { propose_ms: empty_ms + 2_000, vote_ms: 1_000, delta_ms: 500 },
            block_interval,
            empty_block_interval,
            status_interval: Duration::from_millis(500),
            clock_offset_ms: 0,
        }
    }
}

/// Tendermint over the network.
pub struct BftEngine {
    key: SecretKey,
    cfg: BftConfig,
    net: NetHandle,
    events: mpsc::Receiver<NetEvent>,
    wal: Wal,
}

impl BftEngine {
    /// An engine signing with `key` (a non-validator key makes an observer that only follows).
    pub fn new(key: SecretKey, cfg: BftConfig, net: NetHandle, events: mpsc::Receiver<NetEvent>, wal: Wal) -> Self {
        BftEngine { key, cfg, net, events, wal }
    }
}

impl BftEngine {
    /// Drives `chain` until `shutdown` turns true (what was decided is then stored) or a fatal
    /// error stops it.
    pub async fn run(self, chain: Arc<Chain>, shutdown: watch::Receiver<bool>) -> anyhow::Result<()> {
        let BftEngine { key, cfg, net, events, wal } = self;
        let mut d = Driver::new(chain, key, cfg, net, wal)?;
        d.run(events, shutdown).await
    }
}

enum Known {
    Valid(Box<Block>, Box<BlockExecution>),
    Invalid,
}

struct Timer {
    height: Height,
    round: u32,
    step: Step,
}

struct Driver {
    chain: Arc<Chain>,
    key: SecretKey,
    me: PublicKey,
    cfg: BftConfig,
    net: NetHandle,
    wal: Wal,
    height: Height,
    core: Core,
    started_at: Instant,
    blocks: HashMap<Hash, Known>,
    proposals: BTreeMap<u32, SignedProposal>,
    my_votes: Vec<SignedVote>,
    want_value: Option<u32>,
    /// Messages for the next height or for rounds beyond the next, bounded (`future.rs`).
    future: FutureBuffer,
    /// The round up to which buffered messages were taken (see [`Driver::take_buffered`]).
    taken_upto: u32,
    /// Buffered messages dropped over the bounds and discarded unused, as of the last height's start.
    unused_reported: (u64, u64),
    timer_tx: mpsc::UnboundedSender<Timer>,
    timer_rx: mpsc::UnboundedReceiver<Timer>,
    reported: BTreeSet<(PublicKey, u64, u32, u8)>,
    sync: BlockSync,
}

impl Driver {
    /// This validator's clock for dating and checking proposals: the wall clock, plus the
    /// test-only offset of a dev chain or a skewed test node.
    fn now_ms(&self) -> u64 {
        now_ms().saturating_add_signed(self.cfg.clock_offset_ms)
    }

    fn new(chain: Arc<Chain>, key: SecretKey, cfg: BftConfig, net: NetHandle, wal: Wal) -> anyhow::Result<Self> {
        let me = key.public_key();
        let height = chain.tip().height.next();
        let core = Core::new(chain.chain_id(), me, (*chain.validators()).clone(), height, cfg.timeouts);
        let (timer_tx, timer_rx) = mpsc::unbounded_channel();
        #[expect(
            clippy::disallowed_methods,
            reason = "when the height started: a proposer waits block_interval for transactions"
        )]
        let started_at = Instant::now();
        Ok(Driver {
            sync: BlockSync::new(chain.clone(), net.clone()),
            chain,
            key,
            me,
            cfg,
            net,
            wal,
            height,
            core,
            started_at,
            blocks: HashMap::new(),
            proposals: BTreeMap::new(),
            my_votes: Vec::new(),
            want_value: None,
            future: FutureBuffer::default(),
            taken_upto: 0,
            unused_reported: (0, 0),
            timer_tx,
            timer_rx,
            reported: BTreeSet::new(),
        })
    }

    async fn run(
        &mut self,
        mut events: mpsc::Receiver<NetEvent>,
        mut shutdown: watch::Receiver<bool>,
    ) -> anyhow::Result<()> {
        if self.chain.validators().get(&self.me).is_none() {
            tracing::info!(target: "consensus", key = %self.me, "not a validator: following the chain without voting");
        }
        #[cfg(feature = "byzantine")]
        if let Some(m) = super::byzantine::mode() {
            tracing::warn!(target: "consensus", ?m, "BYZANTINE MODE: this validator misbehaves on purpose (test only)");
        }
        self.start_height().await?;
        let mut status = tokio::time::interval(self.cfg.status_interval);
        let mut poll = tokio::time::interval(Duration::from_millis(20));
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut heads = self.chain.subscribe_head();
        loop {
            tokio::select! {
                Some(ev) = events.recv() => {
                    let NetEvent::Message { peer, msg } = ev;
                    self.on_message(peer, msg).await?;
                }
                Some(t) = self.timer_rx.recv() => {
                    if t.height == self.height {
                        if t.step == Step::Precommit {
                            // A precommit timeout ends the round without a decision: the next
                            // round starts (a missing proposer, lost votes or a partition).
                            tracing::warn!(target: "consensus", height = self.height.0, round = t.round, "round ended without a decision; starting the next round");
                            self.chain.metrics().rounds_failed.inc();
                        }
                        self.feed(Input::Timeout { round: t.round, step: t.step }).await?;
                    }
                }
                _ = poll.tick() => self.maybe_propose().await?,
                _ = status.tick() => self.announce(),
                _ = heads.changed() => {}
                _ = shutdown.changed() => {
                    if *shutdown.borrow() {
                        // What was decided is stored before the node stops.
                        let chain = self.chain.clone();
                        tokio::task::spawn_blocking(move || chain.wait_for_writes()).await??;
                        return Ok(());
                    }
                }
            }
            if self.chain.tip().height >= self.height {
                self.start_height().await?;
            }
            self.take_buffered().await?;
            self.chain.metrics().consensus_at(self.height.0, self.core.round(), self.core.step());
        }
    }

    /// Handles the buffered messages that the current round now lets in (after a round change),
    /// until the round stops moving.
    async fn take_buffered(&mut self) -> anyhow::Result<()> {
        while self.core.round() > self.taken_upto || self.taken_upto == u32::MAX {
            self.taken_upto = self.core.round();
            let ready = self.future.take_ready(self.height, self.core.round().saturating_add(ROUND_WINDOW));
            for (peer, msg) in ready {
                self.on_consensus_msg(peer, msg).await?;
            }
        }
        Ok(())
    }

    /// Moves to the height after the tip, restoring from the WAL whatever was signed there.
    async fn start_height(&mut self) -> anyhow::Result<()> {
        self.height = self.chain.tip().height.next();
        // A scheduled upgrade this node does not run: stop here, before signing anything for the
        // height (every node, proposer or not, stops at the same block).
        self.chain.check_protocol(self.height)?;
        // Only below the stored head: the tip's own block may still be on its way to disk, and
        // after a crash this validator must find what it signed for it.
        if let Err(e) = self.wal.prune_below(self.chain.head().height) {
            tracing::warn!(target: "consensus", error = %e, "cannot prune the consensus log");
        }
        self.core = Core::new(
            self.chain.chain_id(),
            self.me,
            (*self.chain.validators()).clone(),
            self.height,
            self.cfg.timeouts,
        );
        #[expect(
            clippy::disallowed_methods,
            reason = "when the height started: a proposer waits block_interval for transactions"
        )]
        let started_at = Instant::now();
        self.started_at = started_at;
        self.blocks.clear();
        self.proposals.clear();
        self.my_votes.clear();
        self.want_value = None;
        let height = self.height.0;
        self.reported.retain(|(_, h, _, _)| *h >= height);
        let recovered = self.wal.recover(self.height)?;
        let mut resume = recovered.resume_point();
        // The log lost writes up to a round of this height (watermark.rs): this validator would
        // sign nothing in those rounds, and alone (a dev chain) it would wait in them for ever.
        // It starts in the round after them instead, as if it had seen that round move on.
        if let Some(floor) = self.wal.floor()
            && floor.height == self.height
            && resume.is_none_or(|(round, _)| round <= floor.round)
        {
            tracing::warn!(target: "consensus", height = self.height.0, round = floor.round + 1, "starting the height past the rounds whose signatures the consensus log lost");
            resume = Some((floor.round + 1, resume.and_then(|(_, locked)| locked)));
        }
        if let Some((round, locked)) = resume {
            tracing::info!(target: "consensus", height = self.height.0, round, locked = ?locked.map(|l| l.0.short()), "resuming a height from the consensus log");
            self.core.restore(round, locked, locked);
        }
        for b in recovered.blocks {
            self.learn_block(b).await;
        }
        for p in recovered.proposals {
            self.proposals.insert(p.header.round, p);
        }
        tracing::debug!(target: "consensus", height = self.height.0, "starting height");
        self.feed(Input::StartHeight).await?;
        for v in recovered.votes {
            self.my_votes.push(v.clone());
            self.feed(Input::Vote(v)).await?;
        }
        let unused = (self.future.dropped(), self.future.discarded());
        if unused != self.unused_reported {
            let (dropped, discarded) = (unused.0 - self.unused_reported.0, unused.1 - self.unused_reported.1);
            let (held, bytes) = self.future.size();
            tracing::info!(target: "consensus", height = self.height.0, dropped, discarded, held, bytes, "future messages never used: dropped over the buffer's bounds, or discarded at a new height");
            self.unused_reported = unused;
        }
        // Forces `take_buffered` to look, from round 0 of the new height.
        self.taken_upto = u32::MAX;
        self.take_buffered().await
    }

    async fn learn_block(&mut self, block: Block) -> Hash {
        let hash = block.hash();
        if self.blocks.contains_key(&hash) {
            return hash;
        }
        let chain = self.chain.clone();
        #[expect(clippy::disallowed_methods, reason = "the log says how long this took")]
        let started = Instant::now();
        // A proposal's timestamp may be at most the configured drift above this validator's clock.
        let now = self.now_ms();
        let result = tokio::task::spawn_blocking(move || {
            let r = chain.validate_proposal(&block, now);
            (block, r)
        })
        .await;
        tracing::debug!(target: "consensus", height = self.height.0, block = %hash.short(), ms = started.elapsed().as_millis() as u64, "validated block");
        let known = match result {
            Ok((block, Ok(exec))) => Known::Valid(Box::new(block), Box::new(exec)),
            Ok((_, Err(e))) => {
                tracing::warn!(target: "consensus", height = self.height.0, block = %hash.short(), error = %e, "invalid proposed block");
                Known::Invalid
            }
            Err(e) => {
                tracing::error!(target: "consensus", error = %e, "block validation task failed");
                Known::Invalid
            }
        };
        self.blocks.insert(hash, known);
        hash
    }

    async fn on_message(&mut self, peer: PeerId, msg: WireMsg) -> anyhow::Result<()> {
        if let WireMsg::SignedStatus(s) = &msg {
            self.sync.on_signed_head(peer, s);
            return Ok(());
        }
        self.chain.metrics().received(&msg);
        self.on_consensus_msg(peer, msg).await
    }

    async fn on_consensus_msg(&mut self, peer: PeerId, msg: WireMsg) -> anyhow::Result<()> {
        match msg {
            WireMsg::Proposal(p) => self.on_proposal(peer, *p).await,
            WireMsg::Vote(v) => self.on_vote(peer, v).await,
            _ => Ok(()),
        }
    }

    async fn on_proposal(&mut self, peer: PeerId, p: SignedProposal) -> anyhow::Result<()> {
        let h = &p.header;
        if h.chain_id != self.chain.chain_id() || h.height < self.height || h.height > self.height.next() {
            self.chain.metrics().proposal_refused("stale_or_other_chain");
            return Ok(());
        }
        // The expected proposer of the round signed it, and names itself in the block's header.
        if let Err(error) = check_proposal(&self.chain.validators(), &p) {
            tracing::debug!(target: "consensus", round = h.round, signer = %p.proposer, %error, "dropping a proposal");
            self.chain.metrics().proposal_refused("bad_proposer");
            return Ok(());
        }
        // Executed only for this round and the next; later rounds wait (bounded) until the node
        // gets near them, so junk for thousands of future rounds costs no execution.
        if h.height > self.height || h.round > self.core.round().saturating_add(ROUND_WINDOW) {
            self.future.insert(peer, WireMsg::Proposal(Box::new(p)));
            return Ok(());
        }
        if self.proposals.contains_key(&h.round) {
            return Ok(());
        }
        let (round, valid_round) = (h.round, h.valid_round);
        let hash = self.learn_block(p.block.clone()).await;
        let valid = matches!(self.blocks.get(&hash), Some(Known::Valid(..)));
        if !valid {
            self.chain.metrics().proposal_refused("invalid_block");
        }
        self.proposals.insert(round, p);
        self.feed(Input::Proposal { round, value: hash, valid_round, valid }).await
    }

    async fn on_vote(&mut self, peer: PeerId, v: SignedVote) -> anyhow::Result<()> {
        if v.vote.chain_id != self.chain.chain_id() || v.vote.height < self.height || v.vote.height > self.height.next()
        {
            self.chain.metrics().vote_refused("stale_or_other_chain");
            return Ok(());
        }
        if self.chain.validators().get(&v.validator).is_none()
            || v.validator.verify(VOTE_SIGN_TAG, &v.vote.sign_bytes(), &v.signature).is_err()
        {
            tracing::debug!(target: "consensus", validator = %v.validator, "dropping a vote with a bad signer or signature");
            self.chain.metrics().vote_refused("bad_signer_or_signature");
            return Ok(());
        }
        // Votes of this height go to the core whatever their round: its vote keeper bounds them.
        if v.vote.height > self.height {
            self.future.insert(peer, WireMsg::Vote(v));
            return Ok(());
        }
        self.feed(Input::Vote(v)).await
    }

    /// Runs the core on `input` and on every input its outputs lead to.
    async fn feed(&mut self, input: Input) -> anyhow::Result<()> {
        let mut queue = VecDeque::from([input]);
        while let Some(input) = queue.pop_front() {
            for out in self.core.handle(input) {
                match out {
                    Output::GetValue { round } => self.want_value = Some(round),
                    Output::Propose { round, value, valid_round } => self.propose(round, value, valid_round)?,
                    Output::Vote(vote) => {
                        if let (Some(h), shulian_runtime::block::VoteKind::Precommit) = (vote.block_hash, vote.kind)
                            && let Some(Known::Valid(b, _)) = self.blocks.get(&h)
                        {
                            let started = crate::metrics::Metrics::start_timer();
                            self.wal.save_block(b)?;
                            self.chain.metrics().consensus_log_written("block", started);
                        }
                        let started = crate::metrics::Metrics::start_timer();
                        // Withheld: the consensus log lost writes here (watermark.rs).
                        let Some(signed) = self.wal.sign_vote(&self.key, vote)? else { continue };
                        self.chain.metrics().consensus_log_written("vote", started);
                        self.net.broadcast(WireMsg::Vote(signed.clone()));
                        #[cfg(feature = "byzantine")]
                        if let Some(m) = super::byzantine::mode() {
                            for msg in super::byzantine::extra_for_vote(&m, &self.key, &signed) {
                                self.net.broadcast(msg);
                            }
                        }
                        self.my_votes.push(signed.clone());
                        queue.push_back(Input::Vote(signed));
                    }
                    Output::ScheduleTimeout { round, step, after_ms } => {
                        let tx = self.timer_tx.clone();
                        let height = self.height;
                        tokio::spawn(async move {
                            tokio::time::sleep(Duration::from_millis(after_ms)).await;
                            let _ = tx.send(Timer { height, round, step });
                        });
                    }
                    Output::Decide { round, value, precommits } => self.commit(round, value, precommits).await?,
                    Output::Evidence(e) => self.report_evidence(*e),
                }
            }
        }
        Ok(())
    }

    fn propose(&mut self, round: u32, value: Hash, valid_round: Option<u32>) -> anyhow::Result<()> {
        let Some(Known::Valid(block, _)) = self.blocks.get(&value) else {
            tracing::warn!(target: "consensus", height = self.height.0, round, "cannot propose: block not at hand");
            return Ok(());
        };
        let started = crate::metrics::Metrics::start_timer();
        let Some(p) =
            self.wal.sign_proposal(&self.key, self.chain.chain_id(), round, valid_round, (**block).clone())?
        else {
            // Withheld: the consensus log lost writes here (watermark.rs).
            return Ok(());
        };
        self.chain.metrics().consensus_log_written("proposal", started);
        tracing::debug!(target: "consensus", height = self.height.0, round, block = %p.header.block_hash.short(), txs = p.block.txs.len(), "proposing");
        self.proposals.insert(round, p.clone());
        #[cfg(feature = "byzantine")]
        if let Some(m) = super::byzantine::mode() {
            for msg in super::byzantine::extra_for_proposal(&m, &self.key, self.chain.chain_id(), &p) {
                self.net.broadcast(msg);
            }
        }
        self.net.broadcast(WireMsg::Proposal(Box::new(p)));
        Ok(())
    }

    /// Answers the core's request for a value once transactions have gathered (or the chain has
    /// been idle long enough), re-proposing the logged block if this round was proposed before a
    /// crash.
    async fn maybe_propose(&mut self) -> anyhow::Result<()> {
        let Some(round) = self.want_value else { return Ok(()) };
        let value = if let Some(p) = self.wal.proposal(self.height, round)? {
            self.learn_block(p.block).await
        } else {
            // Pending transactions: `block_interval` after the previous block's timestamp (ledger
            // time, by this validator's clock), so the time that block spent in consensus counts
            // towards the wait; never later than `block_interval` into this height, so a parent
            // dated ahead (a proposer whose clock runs fast, within the allowed drift) delays
            // nothing. Idle: an empty block `empty_block_interval` into this height.
            let interval_ms = u64::try_from(self.cfg.block_interval.as_millis()).unwrap_or(u64::MAX);
            let due_ms = self.chain.tip().timestamp_ms.saturating_add(interval_ms);
            let busy_due = self.now_ms() >= due_ms || self.started_at.elapsed() >= self.cfg.block_interval;
            let ready =
                (self.chain.has_pending() && busy_due) || self.started_at.elapsed() >= self.cfg.empty_block_interval;
            if !ready {
                return Ok(());
            }
            let chain = self.chain.clone();
            let me = self.me;
            #[expect(clippy::disallowed_methods, reason = "the log says how long this took")]
            let started = Instant::now();
            let now = self.now_ms();
            #[cfg(feature = "byzantine")]
            let turn = super::byzantine::mode().and_then(|m| super::byzantine::stale_turn(&m));
            #[cfg(feature = "byzantine")]
            let now = super::byzantine::proposal_time(turn, now);
            let (block, exec) = tokio::task::spawn_blocking(move || chain.propose(me, now)).await??;
            #[cfg(feature = "byzantine")]
            let (block, exec) = match super::byzantine::mode() {
                Some(m) if m.oversized_block => {
                    let (chain, key) = (self.chain.clone(), self.key.clone());
                    tokio::task::spawn_blocking(move || super::byzantine::oversize(&m, &key, &chain, block, exec))
                        .await?
                }
                Some(m) if m.future_timestamp => {
                    let chain = self.chain.clone();
                    tokio::task::spawn_blocking(move || super::byzantine::stale(turn, &chain, block, exec)).await?
                }
                _ => (block, exec),
            };
            let hash = block.hash();
            tracing::debug!(target: "consensus", height = self.height.0, txs = block.txs.len(), ms = started.elapsed().as_millis() as u64, "built block");
            self.blocks.insert(hash, Known::Valid(Box::new(block), Box::new(exec)));
            hash
        };
        self.want_value = None;
        self.feed(Input::ProposeValue { round, value }).await
    }

    async fn commit(&mut self, round: u32, value: Hash, precommits: Vec<SignedVote>) -> anyhow::Result<()> {
        let Some(Known::Valid(block, exec)) = self.blocks.remove(&value) else {
            tracing::error!(target: "consensus", height = self.height.0, "decided a block that is not at hand; waiting for sync");
            return Ok(());
        };
        let cert = CommitCertificate {
            height: self.height,
            round,
            block_hash: value,
            signatures: precommits
                .into_iter()
                .map(|v| CommitSig { validator: v.validator, signature: v.signature })
                .collect(),
        };
        let chain = self.chain.clone();
        let height = self.height;
        let txs = block.txs.len();
        // Ledger time since the previous block (the block timestamps consensus agreed on).
        let since_prev_ms = block.header.timestamp_ms.saturating_sub(self.chain.tip().timestamp_ms);
        #[expect(clippy::disallowed_methods, reason = "the log says how long this took")]
        let started = Instant::now();
        // The block is written in the background while the next height runs on the tip.
        let result = tokio::task::spawn_blocking(move || chain.commit_in_background(*block, cert, *exec)).await?;
        match result {
            Ok(tip) => {
                let ms = started.elapsed().as_millis() as u64;
                self.chain.metrics().commit_latency.observe(self.started_at.elapsed().as_secs_f64());
                tracing::info!(target: "consensus", height = tip.height.0, round, txs, hash = %tip.block_hash.short(), time_ms = tip.timestamp_ms, ms, since_prev_ms, "committed block");
            }
            Err(_) if self.chain.tip().height >= height => {}
            Err(e) => return Err(anyhow::Error::new(e).context(format!("cannot commit block {height}"))),
        }
        Ok(())
    }

    /// Announces the head and re-sends this validator's votes of the current height, so that
    /// peers that missed them (a restart, a healed partition) can still make progress, and the
    /// prevotes behind its lock and valid value (`Core::pol_votes`: another validator's vote in
    /// them may have reached only some nodes, its signer silent since).
    fn announce(&mut self) {
        self.net.broadcast(super::sync::head_announcement(&self.chain, &self.key, &self.net.local_peer_id()));
        for v in self.my_votes.iter().rev().take(4) {
            self.net.broadcast(WireMsg::Vote(v.clone()));
        }
        for v in self.core.pol_votes() {
            self.net.broadcast(WireMsg::Vote(v));
        }
        #[cfg(feature = "byzantine")]
        if let Some(m) = super::byzantine::mode() {
            for msg in super::byzantine::flood(&m, &self.key, self.chain.chain_id(), self.height) {
                self.net.broadcast(msg);
            }
        }
        #[cfg(feature = "byzantine")]
        if let Some(m) = super::byzantine::mode().filter(|m| m.future_rounds)
            && let Ok((template, _)) = self.chain.build_block(self.me, self.now_ms(), Vec::new())
        {
            for msg in
                super::byzantine::future_rounds(&m, &self.key, &self.chain.validators(), &template, self.core.round())
            {
                self.net.broadcast(msg);
            }
        }
        if self.started_at.elapsed() > self.cfg.status_interval * 2
            && let Some(p) = self.proposals.get(&self.core.round()).filter(|p| p.proposer == self.me)
        {
            self.net.broadcast(WireMsg::Proposal(Box::new(p.clone())));
        }
    }

    /// Records two conflicting votes on chain, in a transaction signed by this validator's key.
    fn report_evidence(&mut self, e: Equivocation) {
        let v = &e.first.vote;
        let id = (e.first.validator, v.height.0, v.round, v.kind as u8);
        tracing::warn!(target: "consensus", validator = %e.first.validator, height = v.height.0, round = v.round, kind = ?v.kind, "equivocation detected");
        self.chain.metrics().equivocations.inc();
        if self.reported.len() >= MAX_REPORTED_PER_HEIGHT
            || !self.reported.insert(id)
            || self.chain.validators().get(&self.me).is_none()
        {
            return;
        }
        let account = AccountId::from_public_key(&self.me);
        let nonce = match self.chain.next_nonce(&account) {
            Ok(n) => n,
            Err(err) => {
                tracing::warn!(target: "consensus", error = %err, "cannot read the validator account's nonce");
                return;
            }
        };
        let tx = shulian_contracts::evidence::evidence_tx(self.chain.chain_id(), &self.key, nonce, e);
        match borsh::to_vec(&tx)
            .map_err(|e| e.to_string())
            .and_then(|b| self.chain.submit(&b).map_err(|e| e.to_string()))
        {
            Ok(hash) => tracing::info!(target: "consensus", tx = %hash.short(), "submitted equivocation evidence"),
            Err(err) => tracing::warn!(target: "consensus", error = %err, "cannot submit equivocation evidence"),
        }
    }
}
