//! The connection guard: a small `NetworkBehaviour` that refuses an inbound connection before its
//! handshake when its IP address already holds [`MAX_INBOUND_PER_IP`] connections, and refuses
//! any connection (either direction, after the handshake names the peer) to a peer that is banned
//! for serving invalid data. Totals and pending limits are libp2p's `connection_limits`.

use libp2p::core::Endpoint;
use libp2p::core::transport::PortUse;
use libp2p::multiaddr::Protocol;
use libp2p::swarm::{
    ConnectionDenied, ConnectionId, FromSwarm, NetworkBehaviour, THandler, THandlerInEvent, THandlerOutEvent, ToSwarm,
    dummy,
};
use libp2p::{Multiaddr, PeerId};
use std::collections::HashMap;
use std::net::IpAddr;
use std::task::{Context, Poll};
use std::time::Instant;

/// Most inbound connections (pending handshakes and established) from one IP address. A loopback
/// test network puts every peer on 127.0.0.1 (a validator, an observer and a few knocking tests:
/// about 10 connections), and a real deployment has one or two per peer host; 32 leaves room for
/// both while a single host can no longer hold hundreds of handshakes open.
pub const MAX_INBOUND_PER_IP: usize = 32;

/// Why the guard refused a connection.
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    /// The remote IP already holds its share of inbound connections.
    #[error("too many connections from {ip} (limit {limit})")]
    TooManyFromIp {
        /// The remote address.
        ip: IpAddr,
        /// [`MAX_INBOUND_PER_IP`].
        limit: usize,
    },
    /// The peer is banned.
    #[error("peer {0} is banned for serving invalid data")]
    Banned(PeerId),
}

/// Per-IP inbound limits and the ban list.
#[derive(Default)]
pub struct Guard {
    inbound: HashMap<ConnectionId, IpAddr>,
    per_ip: HashMap<IpAddr, usize>,
    bans: HashMap<PeerId, Instant>,
}

fn ip_of(addr: &Multiaddr) -> Option<IpAddr> {
    addr.iter().find_map(|p| match p {
        Protocol::Ip4(ip) => Some(IpAddr::V4(ip)),
        Protocol::Ip6(ip) => Some(IpAddr::V6(ip)),
        _ => None,
    })
}

impl Guard {
    /// Bans `peer` until `until` (a later ban extends an earlier one).
    pub fn ban(&mut self, peer: PeerId, until: Instant) {
        let entry = self.bans.entry(peer).or_insert(until);
        *entry = (*entry).max(until);
    }

    /// Whether `peer` is banned now (expired bans are forgotten).
    pub fn is_banned(&mut self, peer: &PeerId) -> bool {
        #[expect(clippy::disallowed_methods, reason = "bans expire")]
        let now = Instant::now();
        self.bans.retain(|_, until| *until > now);
        self.bans.contains_key(peer)
    }

    fn forget(&mut self, id: ConnectionId) {
        if let Some(ip) = self.inbound.remove(&id)
            && let Some(n) = self.per_ip.get_mut(&ip)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.per_ip.remove(&ip);
            }
        }
    }

    fn check_peer(&mut self, peer: PeerId) -> Result<dummy::ConnectionHandler, ConnectionDenied> {
        if self.is_banned(&peer) {
            return Err(ConnectionDenied::new(GuardError::Banned(peer)));
        }
        Ok(dummy::ConnectionHandler)
    }
}

impl NetworkBehaviour for Guard {
    type ConnectionHandler = dummy::ConnectionHandler;
    type ToSwarm = std::convert::Infallible;

    fn handle_pending_inbound_connection(
        &mut self,
        id: ConnectionId,
        _local: &Multiaddr,
        remote: &Multiaddr,
    ) -> Result<(), ConnectionDenied> {
        let Some(ip) = ip_of(remote) else { return Ok(()) };
        let n = self.per_ip.entry(ip).or_insert(0);
        if *n >= MAX_INBOUND_PER_IP {
            return Err(ConnectionDenied::new(GuardError::TooManyFromIp { ip, limit: MAX_INBOUND_PER_IP }));
        }
        *n += 1;
        self.inbound.insert(id, ip);
        Ok(())
    }

    fn handle_established_inbound_connection(
        &mut self,
        _id: ConnectionId,
        peer: PeerId,
        _local: &Multiaddr,
        _remote: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        self.check_peer(peer)
    }

    fn handle_established_outbound_connection(
        &mut self,
        _id: ConnectionId,
        peer: PeerId,
        _addr: &Multiaddr,
        _role: Endpoint,
        _port_use: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        self.check_peer(peer)
    }

    fn on_swarm_event(&mut self, event: FromSwarm) {
        match event {
            FromSwarm::ConnectionClosed(c) => self.forget(c.connection_id),
            FromSwarm::ListenFailure(f) => self.forget(f.connection_id),
            _ => {}
        }
    }

    fn on_connection_handler_event(&mut self, _peer: PeerId, _id: ConnectionId, event: THandlerOutEvent<Self>) {
        match event {}
    }

    fn poll(&mut self, _cx: &mut Context<'_>) -> Poll<ToSwarm<Self::ToSwarm, THandlerInEvent<Self>>> {
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_ip_gets_a_bounded_share_of_inbound_connections() {
        let mut g = Guard::default();
        let local: Multiaddr = "/ip4/127.0.0.1/tcp/1".parse().expect("addr");
        let a: Multiaddr = "/ip4/10.0.0.1/tcp/5000".parse().expect("addr");
        let b: Multiaddr = "/ip4/10.0.0.2/tcp/5000".parse().expect("addr");
        let ids: Vec<ConnectionId> = (0..=MAX_INBOUND_PER_IP).map(|_| ConnectionId::new_unchecked(rand_id())).collect();
        for id in &ids[..MAX_INBOUND_PER_IP] {
            assert!(g.handle_pending_inbound_connection(*id, &local, &a).is_ok());
        }
        assert!(g.handle_pending_inbound_connection(ids[MAX_INBOUND_PER_IP], &local, &a).is_err(), "over the share");
        assert!(g.handle_pending_inbound_connection(ConnectionId::new_unchecked(rand_id()), &local, &b).is_ok());
        g.forget(ids[0]);
        assert!(g.handle_pending_inbound_connection(ids[MAX_INBOUND_PER_IP], &local, &a).is_ok(), "room again");
    }

    #[test]
    fn a_banned_peer_is_refused_until_the_ban_expires() {
        let mut g = Guard::default();
        let peer = PeerId::random();
        #[expect(clippy::disallowed_methods, reason = "a ban's expiry")]
        let now = Instant::now();
        g.ban(peer, now + std::time::Duration::from_secs(60));
        assert!(g.check_peer(peer).is_err());
        assert!(g.check_peer(PeerId::random()).is_ok());
        g.bans.insert(peer, now);
        assert!(g.check_peer(peer).is_ok(), "expired");
    }

    fn rand_id() -> usize {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(1);
        NEXT.fetch_add(1, Ordering::Relaxed)
    }
}
