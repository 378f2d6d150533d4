//! Test-only Byzantine behaviour for the `n4f1` test (cargo feature `byzantine`, off by default).
//!
//! Compiled only with the feature, and even then inert: nothing in the library or in the
//! `shulian-node` binary turns it on. Only the `shulian-node-byzantine` binary calls [`enable`]
//! (reading `SHULIAN_BYZANTINE`), after which the driver also sends, next to each honest message,
//! what a faulty validator would: a second, conflicting vote for a block nobody has (bypassing the
//! double-sign guard), a second proposal for the same round with a different block, votes with
//! broken signatures, and a flood of junk votes with every head announcement.

use crate::network::wire::{SignedProposal, WireMsg};
use shulian_consensus::{SignedVote, proposer};
use shulian_runtime::block::{MAX_BLOCK_TX_BYTES, MAX_BLOCK_TXS, MAX_TX_BYTES, VOTE_SIGN_TAG};
use shulian_runtime::call::{Call, SettlementCall};
use shulian_runtime::{
    AccountId, Block, BlockExecution, Fen, Hash, Height, SecretKey, Transaction, UnsignedTransaction, ValidatorSet,
    Vote, VoteKind,
};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// Which faults to commit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Misbehaviour {
    /// Sign a conflicting vote (for a block that does not exist) next to every vote, and a second
    /// proposal with another block next to every proposal.
    pub equivocate: bool,
    /// Send a copy of every vote with a broken signature.
    pub bad_signatures: bool,
    /// Junk votes (bad signatures, random rounds) sent with every head announcement.
    pub flood: u32,
    /// Validly signed junk proposals for thousands of future rounds of the current height.
    pub future_rounds: bool,
    /// Proposals whose block breaks the size limits (too many, too large transactions).
    pub oversized_block: bool,
    /// Proposals whose block's timestamp breaks the timestamp rules, taking turns: an hour ahead,
    /// then equal to the parent's (not above it).
    pub future_timestamp: bool,
    /// Floods of relayed-transaction messages of up to 16 MiB each.
    pub tx_flood: bool,
    /// Answers block-sync requests with forged blocks and certificates.
    pub forged_sync: bool,
    /// Announces heads far above its own.
    pub lying_heads: bool,
    /// Serves state-snapshot chunks with a byte changed (their manifest's hash no longer holds).
    pub tampered_chunks: bool,
}

static MODE: OnceLock<Misbehaviour> = OnceLock::new();

/// Changes a byte of a snapshot chunk about to be served, in the `tampered-chunks` mode.
pub(crate) fn tamper_chunk(bytes: &mut [u8]) {
    if mode().is_some_and(|m| m.tampered_chunks)
        && let Some(b) = bytes.last_mut()
    {
        *b ^= 0x5a;
    }
}

/// Turns the faults on for this process (first call wins). Only `shulian-node-byzantine` calls it.
pub fn enable(m: Misbehaviour) {
    let _ = MODE.set(m);
}

pub(crate) fn mode() -> Option<Misbehaviour> {
    MODE.get().copied()
}

/// Whether this process is the test-only `shulian-node-byzantine` (with any faults, or `none`):
/// test-only settings such as a skewed clock on a multi-validator chain are accepted only then.
pub fn test_build() -> bool {
    MODE.get().is_some()
}

/// Parses a comma-separated list: `none` (no fault: the test build only), `equivocate`, `bad-signatures`, `flood` (or `flood=N`), `all`
/// (those three), and one attack each: `future-rounds`, `oversized-block`, `future-timestamp`,
/// `tx-flood`, `forged-sync`, `lying-heads`.
pub fn parse(spec: &str) -> Result<Misbehaviour, String> {
    let mut m = Misbehaviour::default();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part {
            // The test build with no fault: an honest node that accepts test-only settings.
            "none" => {}
            "all" => m = Misbehaviour { equivocate: true, bad_signatures: true, flood: 50, ..m },
            "equivocate" => m.equivocate = true,
            "bad-signatures" => m.bad_signatures = true,
            "flood" => m.flood = 50,
            "future-rounds" => m.future_rounds = true,
            "oversized-block" => m.oversized_block = true,
            "future-timestamp" => m.future_timestamp = true,
            "tx-flood" => m.tx_flood = true,
            "forged-sync" => m.forged_sync = true,
            "lying-heads" => m.lying_heads = true,
            "tampered-chunks" => m.tampered_chunks = true,
            other => match other.strip_prefix("flood=").map(str::parse::<u32>) {
                Some(Ok(n)) => m.flood = n,
                _ => {
                    return Err(format!(
                        "unknown misbehaviour {other:?}: use none, equivocate, bad-signatures, flood[=N], all, \
                         future-rounds, oversized-block, future-timestamp, tx-flood, forged-sync, lying-heads, tampered-chunks"
                    ));
                }
            },
        }
    }
    Ok(m)
}

fn sign(key: &SecretKey, vote: Vote) -> SignedVote {
    SignedVote { signature: key.sign(VOTE_SIGN_TAG, &vote.sign_bytes()), validator: key.public_key(), vote }
}

/// A hash no block has: the honest value's hash, hashed again.
fn unknown_block(v: &Vote) -> Hash {
    let seed = v.block_hash.map(|h| h.0).unwrap_or([0xbb; 32]);
    Hash::tagged(b"shulian/byzantine/v1", &seed)
}

/// What to send besides an honest signed vote.
pub(crate) fn extra_for_vote(m: &Misbehaviour, key: &SecretKey, honest: &SignedVote) -> Vec<WireMsg> {
    let mut out = Vec::new();
    if m.equivocate {
        let conflicting = Vote { block_hash: Some(unknown_block(&honest.vote)), ..honest.vote.clone() };
        out.push(WireMsg::Vote(sign(key, conflicting)));
    }
    if m.bad_signatures {
        let mut broken = honest.clone();
        broken.vote.block_hash = Some(unknown_block(&honest.vote));
        broken.signature.0[0] ^= 0xff;
        out.push(WireMsg::Vote(broken));
    }
    out
}

/// What to send besides an honest proposal: the same round proposed again with another block.
pub(crate) fn extra_for_proposal(
    m: &Misbehaviour,
    key: &SecretKey,
    chain_id: &str,
    p: &SignedProposal,
) -> Vec<WireMsg> {
    if !m.equivocate {
        return Vec::new();
    }
    let mut block = p.block.clone();
    block.header.timestamp_ms = block.header.timestamp_ms.saturating_add(1);
    let other = SignedProposal::sign(key, chain_id, p.header.round, p.header.valid_round, block);
    vec![WireMsg::Proposal(Box::new(other))]
}

/// Junk sent with each head announcement: votes at the current height with broken signatures.
pub(crate) fn flood(m: &Misbehaviour, key: &SecretKey, chain_id: &str, height: Height) -> Vec<WireMsg> {
    (0..m.flood)
        .map(|i| {
            let vote = Vote {
                chain_id: chain_id.to_string(),
                height,
                round: i % 7,
                kind: if i % 2 == 0 { VoteKind::Prevote } else { VoteKind::Precommit },
                block_hash: Some(Hash::tagged(b"shulian/byzantine/flood/v1", &i.to_le_bytes())),
            };
            let mut v = sign(key, vote);
            v.signature.0[63] ^= 1;
            WireMsg::Vote(v)
        })
        .collect()
}

/// How far (in this validator's turns as proposer) each announcement's junk in `future-rounds` mode
/// starts beyond the previous one's, so the junk names rounds up to hundreds of thousands ahead.
pub(crate) const FUTURE_ROUNDS_PER_TICK: u32 = 2_000;

/// The junk messages signed and sent per announcement: 100, each naming a round
/// [`FUTURE_ROUNDS_PER_TICK`] apart from the previous tick's, so the rounds they name spread as far
/// as ever. Each message is a stream of its own and a connection carries at most
/// `MAX_YAMUX_STREAMS` (160) at once: at 2 000 a tick the attacker's connections were reset by its
/// own flood and its junk rarely reached the honest nodes' consensus queue, so the test of that
/// queue's bounds passed or failed by chance; on an `sm2-sm3` chain, signing 2 000 SM2 messages a
/// tick also kept the attacker from ever catching up with the chain.
fn junk_per_tick() -> u32 {
    100
}

/// How far above its own round the junk starts: beyond the round any honest node would move to.
const FUTURE_ROUNDS_AHEAD: u32 = 2;
/// How far into the future `future-timestamp` dates its blocks: an hour, far beyond any drift
/// a validator allows.
pub(crate) const FUTURE_TIMESTAMP_MS: u64 = 60 * 60 * 1000;

static TICKS: AtomicU64 = AtomicU64::new(0);

/// `future-rounds`: validly signed junk for [`junk_per_tick`] rounds of `template`'s
/// height above `round`, spread further with every call (up to hundreds of thousands of rounds
/// ahead): in every other round this validator proposes, a proposal of `template` with its
/// timestamp moved by the round (so each names a distinct block, valid but for being junk: an
/// empty block's roots do not depend on its time), and in the others a prevote for such a block.
pub(crate) fn future_rounds(
    m: &Misbehaviour,
    key: &SecretKey,
    validators: &ValidatorSet,
    template: &Block,
    round: u32,
) -> Vec<WireMsg> {
    let me = key.public_key();
    let n = validators.validators.len() as u32;
    if !m.future_rounds || n == 0 {
        return Vec::new();
    }
    let (chain_id, height) = (template.header.chain_id.as_str(), template.header.height);
    let tick = TICKS.fetch_add(1, Ordering::Relaxed) % 64;
    let start = round.saturating_add(FUTURE_ROUNDS_AHEAD).saturating_add(tick as u32 * FUTURE_ROUNDS_PER_TICK * n);
    let Some(first) = (start..start.saturating_add(n)).find(|r| proposer(validators, height, *r) == Some(me)) else {
        return Vec::new();
    };
    (0..junk_per_tick())
        .map(|k| {
            let r = first.saturating_add(k.saturating_mul(n));
            let mut block = template.clone();
            block.header.timestamp_ms = block.header.timestamp_ms.saturating_add(u64::from(r));
            if k % 2 == 0 {
                WireMsg::Proposal(Box::new(SignedProposal::sign(key, chain_id, r, None, block)))
            } else {
                let vote = Vote {
                    chain_id: chain_id.to_string(),
                    height,
                    round: r,
                    kind: VoteKind::Prevote,
                    block_hash: Some(block.hash()),
                };
                WireMsg::Vote(sign(key, vote))
            }
        })
        .collect()
}

static PROPOSALS: AtomicU64 = AtomicU64::new(0);

/// `future-timestamp`'s turn for the next proposal: `Some(true)` to date it at its parent's time,
/// `Some(false)` an hour ahead, taking turns (by proposal, not height: a validator's turns as
/// proposer may all fall on heights of one parity); `None` without the fault.
pub(crate) fn stale_turn(m: &Misbehaviour) -> Option<bool> {
    m.future_timestamp.then(|| PROPOSALS.fetch_add(1, Ordering::Relaxed) % 2 == 1)
}

/// The time to build a proposal at: an hour after `now_ms` on a `future-timestamp` turn that is
/// not stale ([`stale_turn`]).
pub(crate) fn proposal_time(turn: Option<bool>, now_ms: u64) -> u64 {
    if turn == Some(false) { now_ms.saturating_add(FUTURE_TIMESTAMP_MS) } else { now_ms }
}

/// On a stale turn ([`stale_turn`]): the honest `block` rebuilt at its parent's timestamp (not
/// above it, which the timestamp rule refuses), executed so that every root is right: only that
/// rule can refuse it.
pub(crate) fn stale(
    turn: Option<bool>,
    chain: &crate::chain::Chain,
    block: Block,
    exec: BlockExecution,
) -> (Block, BlockExecution) {
    if turn != Some(true) {
        return (block, exec);
    }
    let parent_ms = chain.tip().timestamp_ms;
    chain.build_block(block.header.proposer, parent_ms, block.txs.clone()).unwrap_or((block, exec))
}

/// A deposit signed by `key` whose encoding is `size` bytes (at least the unpadded size), padded in
/// its bank reference. Unless `key` signs for the exchange center the call fails, which still uses
/// the nonce: the block stays valid to execute.
fn padding_tx(key: &SecretKey, chain_id: &str, nonce: u64, size: usize) -> Transaction {
    let make = |pad: usize| {
        UnsignedTransaction {
            chain_id: chain_id.to_string(),
            sender: key.public_key(),
            nonce,
            call: Call::Settlement(SettlementCall::Deposit {
                to: AccountId::from_public_key(&key.public_key()),
                amount: Fen(1),
                bank_ref: "x".repeat(pad),
            }),
        }
        .sign(key)
    };
    make(size.saturating_sub(make(0).encoded_len()))
}

/// The transactions of an `oversized-block` block at `height`, from nonce `nonce` on, taking turns
/// by height: one more than [`MAX_BLOCK_TXS`] small ones, one more 64 KiB one than
/// [`MAX_BLOCK_TX_BYTES`] holds, or one a byte over [`MAX_TX_BYTES`].
pub(crate) fn oversized_txs(key: &SecretKey, chain_id: &str, height: Height, nonce: u64) -> Vec<Transaction> {
    // On an `sm2-sm3` chain the 10 001 SM2 signatures of the count rule's block took a test build's
    // attacker longer than its turn as proposer lasts, so it never proposed at all: its turns go to
    // the byte rules there (the count rule does not depend on the suite; ed25519 runs test it).
    let sm2 = shulian_runtime::suite::active() == shulian_runtime::suite::CryptoSuite::Sm2Sm3;
    let turn = if sm2 && height.0.is_multiple_of(3) { 1 } else { height.0 % 3 };
    let (count, size) = match turn {
        0 => (MAX_BLOCK_TXS + 1, 0),
        1 => (MAX_BLOCK_TX_BYTES / MAX_TX_BYTES + 1, MAX_TX_BYTES),
        _ => (1, MAX_TX_BYTES + 1),
    };
    (0..count as u64).map(|i| padding_tx(key, chain_id, nonce + i, size)).collect()
}

/// `oversized-block`: instead of the honest `block`, one over a size rule ([`oversized_txs`]) but
/// otherwise exactly what an honest proposer builds: its transactions are signed by this
/// validator with its account's next nonces, and it is executed so that every root is right. Only
/// the size rules can refuse it. (If this validator's key signs for no account, the honest block
/// is padded with copies of one transaction instead: then execution would refuse it too.)
pub(crate) fn oversize(
    m: &Misbehaviour,
    key: &SecretKey,
    chain: &crate::chain::Chain,
    block: Block,
    exec: BlockExecution,
) -> (Block, BlockExecution) {
    if !m.oversized_block {
        return (block, exec);
    }
    let h = block.header.clone();
    let built = chain.signer_nonce(&key.public_key()).and_then(|nonce| {
        let txs = oversized_txs(key, &h.chain_id, h.height, nonce);
        chain.build_block(h.proposer, h.timestamp_ms, txs).ok()
    });
    if let Some(b) = built {
        return b;
    }
    let mut block = block;
    block.txs.extend(oversized_txs(key, &h.chain_id, h.height, 0));
    block.header.tx_root = Block::compute_tx_root(&block.txs);
    (block, exec)
}

/// How far above its real head a `lying-heads` node claims to be.
const LIE_AHEAD: u64 = 1_000_000;
/// Junk transactions in one `tx-flood` message and their size: 250 of 60 KiB, about 15 MiB,
/// just under the 16 MiB frame limit (far over the relayed-transaction cap).
const FLOOD_BIG: (usize, usize) = (250, 60 * 1024);
/// Junk transactions in one message that fits the relayed-transaction cap (about 900 KiB), so it
/// is decoded and reaches the receiver's admission queue, testing the per-peer share.
const FLOOD_FITTING: (usize, usize) = (14, 64 * 1024 - 1024);
/// Pause between two `tx-flood` rounds (one oversized and four fitting messages to every peer).
const FLOOD_EVERY: std::time::Duration = std::time::Duration::from_millis(50);

/// `lying-heads`: the head to announce instead of `status` (far above it, at a hash no block has).
pub(crate) fn lie_about_head(m: &Misbehaviour, status: crate::network::wire::Status) -> crate::network::wire::Status {
    if !m.lying_heads {
        return status;
    }
    crate::network::wire::Status {
        height: Height(status.height.0.saturating_add(LIE_AHEAD)),
        block_hash: Hash::tagged(b"shulian/byzantine/head/v1", &status.block_hash.0),
    }
}

/// `tx-flood`: relays junk transactions to every peer, continuously, until shutdown: oversized
/// messages (refused by the receiver's cap) and fitting ones (which take its admission queue's
/// share for this peer).
pub(crate) fn spawn_tx_flood(net: crate::network::NetHandle, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    if !mode().is_some_and(|m| m.tx_flood) {
        return;
    }
    let junk = |(n, size): (usize, usize), seed: u8| -> Vec<Vec<u8>> {
        (0..n).map(|i| vec![seed ^ (i as u8); size]).collect()
    };
    let big = WireMsg::Txs(junk(FLOOD_BIG, 0x5a));
    let fitting = WireMsg::Txs(junk(FLOOD_FITTING, 0xa5));
    tracing::warn!(target: "network", "BYZANTINE MODE: flooding every peer with junk transactions (test only)");
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(FLOOD_EVERY);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    net.broadcast(big.clone());
                    for _ in 0..4 {
                        net.broadcast(fitting.clone());
                    }
                }
                _ = shutdown.changed() => if *shutdown.borrow() { return },
            }
        }
    });
}

/// `forged-sync`: the answer to a block-sync request, instead of the stored blocks: a block at
/// the height asked, extending the asker's tip, that no quorum signed. Requests alternate between
/// a made-up block certified by this validator alone and the real block with a changed state
/// root under the real certificate (which then names another block).
pub(crate) fn forged_sync(
    chain: &crate::chain::Chain,
    key: &SecretKey,
    req: &crate::network::wire::SyncRequest,
) -> Option<crate::network::wire::SyncResponse> {
    if !mode().is_some_and(|m| m.forged_sync) {
        return None;
    }
    let store = chain.store();
    let parent = store.block(Height(req.from.0.checked_sub(1)?)).ok().flatten();
    let real = store.block(req.from).ok().flatten();
    let real_cert = store.certificate(req.from).ok().flatten();
    let (block, cert) = match (real, real_cert) {
        (Some(mut block), Some(cert)) if req.from.0.is_multiple_of(2) => {
            block.header.state_root = Hash::tagged(b"shulian/byzantine/root/v1", &block.header.state_root.0);
            (block, cert)
        }
        _ => {
            let mut header = match parent {
                Some(p) => shulian_runtime::BlockHeader {
                    height: req.from,
                    parent_hash: p.hash(),
                    timestamp_ms: p.header.timestamp_ms.saturating_add(1),
                    ..p.header
                },
                None => chain.store().block(chain.head().height).ok().flatten()?.header,
            };
            header.proposer = key.public_key();
            header.state_root = Hash::tagged(b"shulian/byzantine/root/v1", &header.parent_hash.0);
            let block = shulian_runtime::Block { header, txs: Vec::new() };
            let vote = Vote {
                chain_id: chain.chain_id().to_string(),
                height: req.from,
                round: 0,
                kind: VoteKind::Precommit,
                block_hash: Some(block.hash()),
            };
            let signed = sign(key, vote);
            let cert = shulian_runtime::CommitCertificate {
                height: req.from,
                round: 0,
                block_hash: block.hash(),
                signatures: vec![shulian_runtime::CommitSig {
                    validator: signed.validator,
                    signature: signed.signature,
                }],
            };
            (block, cert)
        }
    };
    tracing::warn!(target: "sync", height = req.from.0, "BYZANTINE MODE: serving a forged block (test only)");
    Some(crate::network::wire::SyncResponse { blocks: vec![(block, cert)] })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shulian_runtime::BlockHeader;
    use shulian_runtime::block::Validator;

    fn validators(n: u8) -> ValidatorSet {
        ValidatorSet {
            validators: (1..=n)
                .map(|i| Validator {
                    name: "v".into(),
                    public_key: shulian_runtime::test_utils::key(i).public_key(),
                    power: 1,
                })
                .collect(),
        }
    }

    #[test]
    fn future_rounds_are_validly_signed_by_the_rounds_proposer_and_far_ahead() {
        let key = shulian_runtime::test_utils::key(4);
        let set = validators(4);
        let m = Misbehaviour { future_rounds: true, ..Misbehaviour::default() };
        let template = Block {
            header: BlockHeader {
                protocol_version: 1,
                chain_id: "c".into(),
                height: Height(3),
                parent_hash: Hash::ZERO,
                timestamp_ms: 1,
                proposer: key.public_key(),
                tx_root: Hash::ZERO,
                outcomes_root: Hash::ZERO,
                state_root: Hash::ZERO,
                next_validators_hash: Hash([5; 32]),
            },
            txs: vec![],
        };
        let msgs = future_rounds(&m, &key, &set, &template, 5);
        assert_eq!(msgs.len(), junk_per_tick() as usize);
        let mut blocks = std::collections::BTreeSet::new();
        for msg in &msgs {
            match msg {
                WireMsg::Proposal(p) => {
                    assert!(p.verify().is_ok() && p.header.round > 5 + 1);
                    assert_eq!(proposer(&set, Height(3), p.header.round), Some(key.public_key()));
                    assert!(blocks.insert(p.header.block_hash), "each round names its own block");
                }
                WireMsg::Vote(v) => assert!(v.verify() && v.vote.round > 5 + 1),
                _ => panic!("unexpected message"),
            }
        }
        assert!(future_rounds(&Misbehaviour::default(), &key, &set, &template, 5).is_empty());
    }

    #[test]
    fn oversized_blocks_break_exactly_one_size_rule_each_and_future_time_is_an_hour_ahead() {
        let key = shulian_runtime::test_utils::key(4);
        for h in 0..3u64 {
            let txs = oversized_txs(&key, "c", Height(h), 7);
            assert_eq!(txs.iter().map(|t| t.nonce).collect::<Vec<_>>(), (7..7 + txs.len() as u64).collect::<Vec<_>>());
            let header = BlockHeader {
                protocol_version: 1,
                chain_id: "c".into(),
                height: Height(h),
                parent_hash: Hash::ZERO,
                timestamp_ms: 1,
                proposer: key.public_key(),
                tx_root: Hash::ZERO,
                outcomes_root: Hash::ZERO,
                state_root: Hash::ZERO,
                next_validators_hash: Hash([5; 32]),
            };
            assert!(Block { header, txs }.check_limits().is_err(), "height {h}");
        }
        let m = Misbehaviour { future_timestamp: true, ..Misbehaviour::default() };
        let turns: Vec<_> = (0..4).map(|_| stale_turn(&m)).collect();
        assert_eq!(turns.iter().filter(|t| **t == Some(true)).count(), 2, "the faults take turns: {turns:?}");
        assert_eq!(proposal_time(Some(false), 1_000), 1_000 + FUTURE_TIMESTAMP_MS);
        assert_eq!(proposal_time(Some(true), 1_000), 1_000, "a stale turn is restamped at the parent's time");
        assert_eq!(stale_turn(&Misbehaviour::default()), None);
    }

    #[test]
    fn spec_parses_and_unknown_faults_are_refused() {
        assert_eq!(parse("all").map(|m| m.equivocate && m.bad_signatures && m.flood > 0), Ok(true));
        assert_eq!(
            parse("equivocate, flood=3"),
            Ok(Misbehaviour { equivocate: true, flood: 3, ..Misbehaviour::default() })
        );
        assert!(parse("steal-money").is_err());
    }

    #[test]
    fn the_conflicting_vote_is_validly_signed_and_differs() {
        let key = shulian_runtime::test_utils::key(3);
        let honest = sign(
            &key,
            Vote { chain_id: "c".into(), height: Height(2), round: 0, kind: VoteKind::Prevote, block_hash: None },
        );
        let m = Misbehaviour { equivocate: true, bad_signatures: true, flood: 2, ..Misbehaviour::default() };
        let extra = extra_for_vote(&m, &key, &honest);
        let WireMsg::Vote(conflicting) = &extra[0] else { panic!("expected a vote") };
        assert!(conflicting.verify() && conflicting.vote != honest.vote);
        let WireMsg::Vote(broken) = &extra[1] else { panic!("expected a vote") };
        assert!(!broken.verify());
        assert_eq!(flood(&m, &key, "c", Height(2)).len(), 2);
    }
}
