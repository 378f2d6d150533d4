//! The API's connections: a client that stops reading is cut off. A write that makes no progress
//! for [`WRITE_STALL_TIMEOUT`] (the socket's buffers full, the client reading nothing) fails the
//! connection, which drops its response (an event stream's task then ends) and resets the socket
//! so the kernel frees what it still held for it. Without this an event stream whose client
//! stopped reading would hold its slot and its buffers for as long as the client lives.

use axum::serve::Listener;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// How long a write to a client may make no progress before the connection is closed.
pub const WRITE_STALL_TIMEOUT: Duration = Duration::from_secs(10);

/// A TCP listener whose connections close when a write stalls for [`WRITE_STALL_TIMEOUT`]; serve
/// the API with it (`axum::serve(StallGuardListener::new(listener), app)`).
pub struct StallGuardListener {
    inner: TcpListener,
}

impl StallGuardListener {
    /// Guards the connections accepted by `inner`.
    pub fn new(inner: TcpListener) -> Self {
        StallGuardListener { inner }
    }
}

impl Listener for StallGuardListener {
    type Io = StallGuard;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, peer) = Listener::accept(&mut self.inner).await;
        (StallGuard { io, peer, stalled: None }, peer)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// One guarded connection.
pub struct StallGuard {
    io: TcpStream,
    peer: SocketAddr,
    /// Armed when a write first could not progress; disarmed by any progress.
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl StallGuard {
    fn check<T>(&mut self, cx: &mut Context<'_>, r: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if r.is_ready() {
            self.stalled = None;
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
        Pin::new(&mut self.io).poll_read(cx, buf)
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
