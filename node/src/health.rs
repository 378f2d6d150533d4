//! What this node knows of its peers, for `GET /ready` and `/api/status`: which peers are
//! connected (and the validators' voting power among them), the heads they announced (the signed
//! head announcements of block sync), this node's role, and the rules that turn these into a sync
//! state and a readiness verdict (pure functions of injected numbers, unit-tested below).
//! It must never decide anything consensus or sync acts on: it only observes.

use libp2p::PeerId;
use shulian_api::chain::{NodeRole, NotReadyReason, SyncState};
use shulian_runtime::{Height, PublicKey, ValidatorSet};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How many blocks a node may be below the best head its peers announced and still be ready:
/// heads are announced every 500 ms while blocks come every 200 ms or more, so a node that
/// follows is often one or two blocks behind the freshest announcement without being late.
pub const READY_LAG_BLOCKS: u64 = 2;
/// A node is stalled when no block came for this many empty-block intervals: an idle chain makes
/// an empty block every interval, so several missed in a row mean consensus is not deciding.
pub const STALL_INTERVALS: u64 = 5;
/// How long an announced head counts: announcements come every 500 ms, so one not repeated for
/// this long is from a peer that left (the same bound as block sync's claims).
pub const HEAD_TTL: Duration = crate::consensus::sync::CLAIM_TTL;
/// The empty-block interval assumed until the node's configuration sets it (the default of
/// `config.toml`'s `empty_block_interval_ms`).
pub const DEFAULT_EMPTY_BLOCK_INTERVAL_MS: u64 = 3_000;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[expect(clippy::disallowed_methods, reason = "announced heads expire after HEAD_TTL")]
fn now() -> Instant {
    Instant::now()
}

/// The network's view of the peers, shared by the network task (connections), block sync
/// (announced heads) and the API (readers). Every method is a short lock, no I/O.
#[derive(Debug)]
pub struct PeerView {
    /// Voting power of each validator of the set in force, by its peer id (`ed25519-blake3`
    /// chains: a key names its peer id).
    powers: Mutex<HashMap<PeerId, u64>>,
    /// Voting power of each validator of the set in force, by its key (`sm2-sm3` chains, through
    /// the peers' bindings below).
    key_powers: Mutex<HashMap<PublicKey, u64>>,
    /// The key each connected peer bound itself to in a signed head (`sm2-sm3` chains: an SM2
    /// key names no peer id). Forgotten when the peer disconnects, so it holds connected peers
    /// only (the connection limit bounds it).
    bound: Mutex<HashMap<PeerId, PublicKey>>,
    total_power: AtomicU64,
    /// This node's own voting power (0 for an observer); set once the key is known, and again
    /// whenever the validator set changes.
    own_power: AtomicU64,
    own_key: Mutex<Option<PublicKey>>,
    empty_block_interval_ms: AtomicU64,
    connected: Mutex<BTreeMap<PeerId, ()>>,
    heads: Mutex<HashMap<PeerId, (Height, Instant)>>,
}

/// A copy of the view at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerSnapshot {
    /// Peers connected now.
    pub connected: u32,
    /// Genesis validators among them.
    pub validators_connected: u32,
    /// Voting power of the connected validators plus this node's own.
    pub power_reachable: u64,
    /// Total voting power of the validator set.
    pub total_power: u64,
    /// This node's own voting power (0: an observer).
    pub own_power: u64,
    /// The highest head a peer announced within [`HEAD_TTL`], if any.
    pub best_peer_height: Option<Height>,
    /// The empty-block interval, ms.
    pub empty_block_interval_ms: u64,
}

impl PeerView {
    /// A view for the validator set `validators`, nobody connected yet.
    pub fn new(validators: &ValidatorSet) -> Self {
        let view = PeerView {
            powers: Mutex::new(HashMap::new()),
            key_powers: Mutex::new(HashMap::new()),
            bound: Mutex::new(HashMap::new()),
            total_power: AtomicU64::new(0),
            own_power: AtomicU64::new(0),
            own_key: Mutex::new(None),
            empty_block_interval_ms: AtomicU64::new(DEFAULT_EMPTY_BLOCK_INTERVAL_MS),
            connected: Mutex::new(BTreeMap::new()),
            heads: Mutex::new(HashMap::new()),
        };
        view.set_validators(validators);
        view
    }

    /// The validator set in force changed (`Chain` calls it when a block activates a new set).
    pub fn set_validators(&self, validators: &ValidatorSet) {
        let powers = validators
            .validators
            .iter()
            .filter_map(|v| crate::network::peer_id_of(&v.public_key).ok().map(|p| (p, v.power)))
            .collect();
        *lock(&self.powers) = powers;
        *lock(&self.key_powers) = validators.validators.iter().map(|v| (v.public_key, v.power)).collect();
        self.total_power.store(validators.total_power(), Ordering::Relaxed);
        let own = lock(&self.own_key).map_or(0, |k| validators.get(&k).map_or(0, |v| v.power));
        self.own_power.store(own, Ordering::Relaxed);
    }

    /// Sets this node's key (its power counts towards the quorum if it is a validator) and the
    /// empty-block interval of its configuration.
    pub fn set_local(&self, validators: &ValidatorSet, key: &PublicKey, empty_block_interval_ms: u64) {
        *lock(&self.own_key) = Some(*key);
        let power = validators.validators.iter().filter(|v| v.public_key == *key).map(|v| v.power).sum();
        self.own_power.store(power, Ordering::Relaxed);
        self.empty_block_interval_ms.store(empty_block_interval_ms.max(1), Ordering::Relaxed);
    }

    /// This node's role: a validator if its key is in the validator set in force.
    pub fn role(&self) -> NodeRole {
        if self.own_power.load(Ordering::Relaxed) > 0 { NodeRole::Validator } else { NodeRole::Observer }
    }

    /// `peer` connected.
    pub fn connected(&self, peer: PeerId) {
        lock(&self.connected).insert(peer, ());
    }

    /// `peer`'s last connection closed; its announced head and its binding no longer count.
    pub fn disconnected(&self, peer: &PeerId) {
        lock(&self.connected).remove(peer);
        lock(&self.heads).remove(peer);
        lock(&self.bound).remove(peer);
    }

    /// `peer` proved it holds `key` (its signed head covers its peer id, `sm2-sm3` chains).
    pub fn bind(&self, peer: PeerId, key: PublicKey) {
        if lock(&self.connected).contains_key(&peer) {
            lock(&self.bound).insert(peer, key);
        }
    }

    /// The key `peer` bound itself to, if it did.
    pub fn bound_key(&self, peer: &PeerId) -> Option<PublicKey> {
        lock(&self.bound).get(peer).copied()
    }

    /// The peers connected now.
    pub fn connected_peers(&self) -> Vec<PeerId> {
        lock(&self.connected).keys().copied().collect()
    }

    /// `peer` announced `height` as its head (signed by its own key).
    pub fn announced(&self, peer: PeerId, height: Height) {
        lock(&self.heads).insert(peer, (height, now()));
    }

    /// The view now.
    pub fn snapshot(&self) -> PeerSnapshot {
        let connected = lock(&self.connected);
        let own_power = self.own_power.load(Ordering::Relaxed);
        let mut validators_connected = 0u32;
        let mut power_reachable = own_power;
        let powers = lock(&self.powers);
        let key_powers = lock(&self.key_powers);
        let bound = lock(&self.bound);
        for p in connected.keys() {
            let power = powers.get(p).or_else(|| bound.get(p).and_then(|k| key_powers.get(k)));
            if let Some(w) = power {
                validators_connected += 1;
                power_reachable = power_reachable.saturating_add(*w);
            }
        }
        let now = now();
        let best_peer_height =
            lock(&self.heads).values().filter(|(_, at)| now.duration_since(*at) < HEAD_TTL).map(|(h, _)| *h).max();
        PeerSnapshot {
            connected: connected.len() as u32,
            validators_connected,
            power_reachable,
            total_power: self.total_power.load(Ordering::Relaxed),
            own_power,
            best_peer_height,
            empty_block_interval_ms: self.empty_block_interval_ms.load(Ordering::Relaxed),
        }
    }
}

/// The sync state: `catching_up` when the best announced head is more than
/// [`READY_LAG_BLOCKS`] above this node's; otherwise `stalled` when the last block is older than
/// [`STALL_INTERVALS`] empty-block intervals (`since_last_block_ms`, from its ledger time);
/// otherwise `following`.
pub fn sync_state(
    own: Height,
    best_peer: Option<Height>,
    since_last_block_ms: u64,
    empty_interval_ms: u64,
) -> SyncState {
    if best_peer.is_some_and(|b| b.0 > own.0.saturating_add(READY_LAG_BLOCKS)) {
        SyncState::CatchingUp
    } else if since_last_block_ms > STALL_INTERVALS.saturating_mul(empty_interval_ms) {
        SyncState::Stalled
    } else {
        SyncState::Following
    }
}

/// Whether connected validators, with this node's own power, hold more than 2/3 of the voting
/// power (a one-validator chain's own validator always does).
pub fn has_quorum(power_reachable: u64, total_power: u64) -> bool {
    u128::from(power_reachable) * 3 > u128::from(total_power) * 2
}

/// Readiness: `Ok` when the node is not catching up and has a quorum of voting power connected;
/// otherwise the first reason it is not (catching up first: a node that may be behind says so,
/// whatever else it lacks). A node with other validators that has heard no peer's head yet (just
/// restarted, or cut off) counts as catching up: it cannot know it is caught up.
pub fn readiness(snap: &PeerSnapshot, own: Height) -> Result<(), NotReadyReason> {
    let behind = match snap.best_peer_height {
        Some(b) => b.0 > own.0.saturating_add(READY_LAG_BLOCKS),
        None => snap.total_power > snap.own_power,
    };
    if behind {
        return Err(NotReadyReason::CatchingUp);
    }
    if !has_quorum(snap.power_reachable, snap.total_power) {
        return Err(NotReadyReason::NoQuorum);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(power_reachable: u64, best: Option<u64>) -> PeerSnapshot {
        PeerSnapshot {
            connected: 3,
            validators_connected: 3,
            power_reachable,
            total_power: 4,
            own_power: 1,
            best_peer_height: best.map(Height),
            empty_block_interval_ms: 1_000,
        }
    }

    #[test]
    fn sync_state_is_catching_up_only_beyond_the_lag() {
        let own = Height(10);
        assert_eq!(sync_state(own, Some(Height(10 + READY_LAG_BLOCKS)), 0, 1_000), SyncState::Following);
        assert_eq!(sync_state(own, Some(Height(11 + READY_LAG_BLOCKS)), 0, 1_000), SyncState::CatchingUp);
        assert_eq!(sync_state(own, None, 0, 1_000), SyncState::Following);
        // Catching up wins over stalled: a node far behind has old blocks.
        assert_eq!(sync_state(own, Some(Height(100)), 1_000_000, 1_000), SyncState::CatchingUp);
    }

    #[test]
    fn sync_state_is_stalled_after_missed_empty_blocks() {
        let limit = STALL_INTERVALS * 1_000;
        assert_eq!(sync_state(Height(5), None, limit, 1_000), SyncState::Following);
        assert_eq!(sync_state(Height(5), None, limit + 1, 1_000), SyncState::Stalled);
        assert_eq!(sync_state(Height(5), Some(Height(5)), limit + 1, 1_000), SyncState::Stalled);
    }

    #[test]
    fn quorum_needs_more_than_two_thirds() {
        assert!(!has_quorum(2, 4));
        assert!(has_quorum(3, 4));
        assert!(has_quorum(1, 1), "a one-validator chain's own validator is a quorum");
        assert!(!has_quorum(2, 3));
        assert!(!has_quorum(0, 1), "an observer with no peer has no quorum");
    }

    #[test]
    fn readiness_reports_lag_then_quorum() {
        assert_eq!(readiness(&snap(2, Some(100)), Height(1)), Err(NotReadyReason::CatchingUp));
        assert_eq!(readiness(&snap(2, Some(100)), Height(99)), Err(NotReadyReason::NoQuorum));
        assert_eq!(readiness(&snap(3, Some(100)), Height(1)), Err(NotReadyReason::CatchingUp));
        assert_eq!(readiness(&snap(3, Some(100)), Height(100 - READY_LAG_BLOCKS)), Ok(()));
        assert_eq!(readiness(&snap(4, Some(0)), Height(0)), Ok(()));
    }

    #[test]
    fn readiness_waits_for_a_peer_head() {
        assert_eq!(readiness(&snap(4, None), Height(50)), Err(NotReadyReason::CatchingUp));
    }

    #[test]
    fn a_dev_chain_is_ready_with_no_peer() {
        let s = PeerSnapshot {
            connected: 0,
            validators_connected: 0,
            power_reachable: 1,
            total_power: 1,
            own_power: 1,
            best_peer_height: None,
            empty_block_interval_ms: 1_000,
        };
        assert_eq!(readiness(&s, Height(0)), Ok(()));
    }
}
