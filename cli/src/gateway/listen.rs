//! Where the gateway listens: a TCP address (loopback only, unless the operator allows remote
//! callers) or a Unix socket (`unix:/path`, mode 0600).

use axum::Router;
use std::fmt;
use std::net::SocketAddr;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::PathBuf;
use std::str::FromStr;

/// A `--listen` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListenAddr {
    /// `IP:PORT` (port 0 picks a free one).
    Tcp(SocketAddr),
    /// `unix:/path/to/socket`.
    Unix(PathBuf),
}

impl FromStr for ListenAddr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(path) = s.strip_prefix("unix:") {
            if path.is_empty() {
                return Err("unix: needs a socket path, e.g. unix:/run/shulian/gateway.sock".into());
            }
            return Ok(ListenAddr::Unix(PathBuf::from(path)));
        }
        s.parse::<SocketAddr>()
            .map(ListenAddr::Tcp)
            .map_err(|_| format!("{s:?} is neither IP:PORT (e.g. 127.0.0.1:8655) nor unix:/path"))
    }
}

impl fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListenAddr::Tcp(a) => write!(f, "http://{a}"),
            ListenAddr::Unix(p) => write!(f, "unix:{}", p.display()),
        }
    }
}

impl ListenAddr {
    /// Refuses a non-loopback TCP address unless `allow_remote`.
    pub fn check_exposure(&self, allow_remote: bool) -> Result<(), String> {
        match self {
            ListenAddr::Tcp(a) if !a.ip().is_loopback() && !allow_remote => Err(format!(
                "{a} is reachable from other machines: the gateway signs for anyone holding its token; \
                 listen on 127.0.0.1 or a unix: socket, or give --allow-remote"
            )),
            _ => Ok(()),
        }
    }
}

/// A bound listener.
#[derive(Debug)]
pub enum Bound {
    /// TCP.
    Tcp(tokio::net::TcpListener),
    /// A Unix socket, removed again when the gateway stops.
    Unix(tokio::net::UnixListener, PathBuf),
}

impl Bound {
    /// Binds `addr`. A stale socket file at a `unix:` path is replaced; any other file is not.
    pub async fn bind(addr: &ListenAddr) -> std::io::Result<Bound> {
        match addr {
            ListenAddr::Tcp(a) => Ok(Bound::Tcp(tokio::net::TcpListener::bind(a).await?)),
            ListenAddr::Unix(path) => {
                if let Ok(meta) = std::fs::symlink_metadata(path)
                    && meta.file_type().is_socket()
                {
                    std::fs::remove_file(path)?;
                }
                let l = tokio::net::UnixListener::bind(path)?;
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
                Ok(Bound::Unix(l, path.clone()))
            }
        }
    }

    /// The address callers use: `http://IP:PORT` with the real port, or `unix:/path`.
    pub fn address(&self) -> String {
        match self {
            Bound::Tcp(l) => l.local_addr().map(|a| format!("http://{a}")).unwrap_or_else(|e| format!("tcp ({e})")),
            Bound::Unix(_, p) => format!("unix:{}", p.display()),
        }
    }

    /// Serves `app` until `shutdown` completes.
    pub async fn serve(
        self,
        app: Router,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        match self {
            Bound::Tcp(l) => axum::serve(l, app).with_graceful_shutdown(shutdown).await,
            Bound::Unix(l, path) => {
                let served = axum::serve(l, app).with_graceful_shutdown(shutdown).await;
                let _ = std::fs::remove_file(path);
                served
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_unix_need_no_permission_other_addresses_do() {
        let local: ListenAddr = "127.0.0.1:8655".parse().expect("parse");
        assert_eq!(local.check_exposure(false), Ok(()));
        let v6: ListenAddr = "[::1]:0".parse().expect("parse");
        assert_eq!(v6.check_exposure(false), Ok(()));
        let unix: ListenAddr = "unix:/tmp/gw.sock".parse().expect("parse");
        assert_eq!(unix, ListenAddr::Unix(PathBuf::from("/tmp/gw.sock")));
        assert_eq!(unix.check_exposure(false), Ok(()));
        let any: ListenAddr = "0.0.0.0:8655".parse().expect("parse");
        assert!(any.check_exposure(false).is_err_and(|e| e.contains("--allow-remote")));
        assert_eq!(any.check_exposure(true), Ok(()));
        for bad in ["localhost", "unix:", "8655", ""] {
            assert!(bad.parse::<ListenAddr>().is_err(), "{bad:?}");
        }
    }
}
