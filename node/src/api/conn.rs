//! The API's connections: a client that stops reading is cut off. A write that makes no progress
//! for [`WRITE_STALL_TIMEOUT`] (the socket's buffers full, the client reading nothing) fails the
//! connection, which drops its response (an event stream's task then ends) and resets the socket
//! so the kernel frees what it still held for it. Without this an event stream whose client
//! stopped reading would hold its slot and its buffers for as long as the client lives.
//!
//! Connections are bounded too, in total ([`MAX_CONNECTIONS`]) and per client address
//! ([`MAX_CONNECTIONS_PER_CLIENT`]), so a flood of sockets cannot take the file descriptors the
//! store and the validators' network need; and a connection that moves no byte either way for
//! [`IDLE_TIMEOUT`] is closed, so idle or trickling clients free their slots.

use super::limits::{ClientSlot, ClientSlots};
use axum::serve::Listener;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a write to a client may make no progress before the connection is closed.
pub const WRITE_STALL_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a connection may move no byte in either direction before it is closed: longer than
/// any request takes (`REQUEST_TIMEOUT`) and than the event stream's keep-alive interval, near
/// the keep-alive timeouts of common servers.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Open API connections at most; the next waits in the kernel's accept queue until one closes.
/// Far below the node's file-descriptor limit, so RocksDB and libp2p always have theirs, and
/// above [`super::MAX_REQUESTS`] plus `MAX_STREAMS` so that the request limits, not this, are
/// what a busy node's clients meet first.
pub const MAX_CONNECTIONS: usize = 1_024;

/// Open API connections from one client address at most; a further one is closed at once.
pub const MAX_CONNECTIONS_PER_CLIENT: usize = 128;

/// A TCP listener whose connections are bounded in number and close when a write stalls for
/// [`WRITE_STALL_TIMEOUT`] or nothing moves for [`IDLE_TIMEOUT`]; serve the API with it
/// (`axum::serve(StallGuardListener::new(listener), app)`).
pub struct StallGuardListener {
    inner: TcpListener,
    connections: Arc<Semaphore>,
    per_client: ClientSlots,
}

impl StallGuardListener {
    /// Guards the connections accepted by `inner`.
    pub fn new(inner: TcpListener) -> Self {
        StallGuardListener {
            inner,
            connections: Arc::new(Semaphore::new(MAX_CONNECTIONS)),
            per_client: ClientSlots::new(MAX_CONNECTIONS_PER_CLIENT),
        }
    }
}

impl Listener for StallGuardListener {
    type Io = StallGuard;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            // The semaphore is never closed, so this waits only for a connection to close.
            let permit = self.connections.clone().acquire_owned().await.ok();
            let (io, peer) = Listener::accept(&mut self.inner).await;
            let Some(slot) = self.per_client.try_acquire(peer.ip()) else {
                tracing::debug!(target: "api", peer = %peer, max = MAX_CONNECTIONS_PER_CLIENT, "connection refused: too many from one client");
                let _ = io.set_zero_linger();
                continue;
            };
            let guard = StallGuard { io, peer, stalled: None, idle: None, _held: (permit, slot) };
            return (guard, peer);
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// The remote address of an API connection, as the handlers' `ConnectInfo`: serve with
/// `app.into_make_service_with_connect_info::<PeerAddr>()` (the per-client limits key on it).
#[derive(Clone, Copy, Debug)]
pub struct PeerAddr(pub SocketAddr);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, StallGuardListener>> for PeerAddr {
    fn connect_info(stream: axum::serve::IncomingStream<'_, StallGuardListener>) -> Self {
        PeerAddr(*stream.remote_addr())
    }
}

/// One guarded connection.
pub struct StallGuard {
    io: TcpStream,
    peer: SocketAddr,
    /// Armed when a write first could not progress; disarmed by any progress.
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
    /// Armed when a read first waits; disarmed by any progress either way.
    idle: Option<Pin<Box<tokio::time::Sleep>>>,
    /// The connection's slots of [`MAX_CONNECTIONS`] and [`MAX_CONNECTIONS_PER_CLIENT`].
    _held: (Option<OwnedSemaphorePermit>, ClientSlot),
}

impl StallGuard {
    /// A read that waits: fails the connection once nothing moved for [`IDLE_TIMEOUT`].
    fn check_idle(&mut self, cx: &mut Context<'_>, r: Poll<io::Result<()>>) -> Poll<io::Result<()>> {
        if r.is_ready() {
            self.idle = None;
            return r;
        }
        let timer = self.idle.get_or_insert_with(|| Box::pin(tokio::time::sleep(IDLE_TIMEOUT)));
        if timer.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        tracing::debug!(target: "api", peer = %self.peer, timeout_s = IDLE_TIMEOUT.as_secs(), "idle connection closed");
        Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "the connection was idle; closed")))
    }

    fn check<T>(&mut self, cx: &mut Context<'_>, r: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if r.is_ready() {
            self.stalled = None;
            self.idle = None;
            return r;
        }
        let timer = self.stalled.get_or_insert_with(|| Box::pin(tokio::time::sleep(WRITE_STALL_TIMEOUT)));
        if timer.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        tracing::warn!(
            target: "api",
            peer = %self.peer,
            timeout_s = WRITE_STALL_TIMEOUT.as_secs(),
            "client read nothing: connection closed"
        );
        // A reset, not a close: the kernel drops the bytes the client never read at once.
        let _ = self.io.set_zero_linger();
        Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "the client read nothing; connection closed")))
    }
}

impl AsyncRead for StallGuard {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let r = Pin::new(&mut self.io).poll_read(cx, buf);
        self.check_idle(cx, r)
    }
}

impl AsyncWrite for StallGuard {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.io).poll_write(cx, buf);
        self.check(cx, r)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.check(cx, r)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Not progress: a TCP flush is a no-op that never waits, so only writes count.
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
