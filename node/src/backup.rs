//! Backup and restore of a node's data folder (`db/`), for disaster recovery.
//!
//! A running node holds the RocksDB lock, so another process cannot copy the database safely.
//! The node therefore listens on a Unix socket in its home folder (`admin.sock`, mode 0600, no
//! TCP port, reachable only by the OS user that can already read the validator key) for one
//! command, `checkpoint`: it writes a consistent RocksDB checkpoint into `backups/` of its home
//! and answers where. `shulian-node backup` asks for that checkpoint (or makes it itself when the
//! node is stopped), packs it into one checksummed file ([`crate::storage::archive`]) and removes
//! the checkpoint. `shulian-node restore` checks a backup file end to end and unpacks it as the
//! `db/` of a home whose genesis, config and key the operator provides. It never touches
//! `genesis.json`, `config.toml` or `validator_key.json`.

use crate::home::Home;
use crate::storage::archive::{self, BackupInfo};
use crate::storage::{ChainStore, KvStore, RocksKv};
use anyhow::{Context, bail};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::watch;

/// The admin socket's file name in a node's home.
pub const ADMIN_SOCKET: &str = "admin.sock";
/// Where checkpoints are written, inside the home.
pub const BACKUPS_DIR: &str = "backups";
const CHECKPOINT_COMMAND: &str = "checkpoint";

/// The admin socket of the node whose home is `home`.
pub fn admin_socket(home: &Path) -> PathBuf {
    home.join(ADMIN_SOCKET)
}

fn new_checkpoint_dir(home: &Path) -> anyhow::Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = home.join(BACKUPS_DIR);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    set_mode(&dir, 0o700)?;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    Ok(dir.join(format!("checkpoint-{}-{}-{n}", crate::now_ms(), std::process::id())))
}

fn set_mode(p: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot set mode of {}", p.display()))
}

/// Starts the admin socket of a running node. A failure to listen is logged, not fatal: the node
/// runs, only online backups are unavailable (an offline backup still works).
pub fn spawn_admin(home: &Path, kv: Arc<dyn KvStore>, mut shutdown: watch::Receiver<bool>) {
    let path = admin_socket(home);
    // A socket file left by a crashed run: no other node can be using this home, since this
    // process holds the database lock.
    let _ = std::fs::remove_file(&path);
    let listener = match tokio::net::UnixListener::bind(&path).and_then(|l| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map(|_| l)
    }) {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(target: "backup", path = %path.display(), error = %e, "no admin socket: online backups are unavailable");
            return;
        }
    };
    tracing::info!(target: "backup", path = %path.display(), "admin socket listening (backups)");
    let home = home.to_path_buf();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                conn = listener.accept() => match conn.and_then(|(s, _)| s.into_std()) {
                    Ok(stream) => {
                        let (home, kv) = (home.clone(), kv.clone());
                        tokio::task::spawn_blocking(move || {
                            if let Err(e) = serve_admin(stream, &home, kv.as_ref()) {
                                tracing::warn!(target: "backup", error = %e, "admin request failed");
                            }
                        });
                    }
                    Err(e) => tracing::warn!(target: "backup", error = %e, "admin socket accept failed"),
                },
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        let _ = std::fs::remove_file(admin_socket(&home));
                        return;
                    }
                }
            }
        }
    });
}

/// Answers one admin connection (blocking: a checkpoint does disk I/O).
fn serve_admin(stream: std::os::unix::net::UnixStream, home: &Path, kv: &dyn KvStore) -> anyhow::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(5)))?;
    let mut line = String::new();
    // One short command line; anything longer is cut off and refused.
    BufReader::new((&stream).take(64)).read_line(&mut line)?;
    let answer = if line.trim() == CHECKPOINT_COMMAND {
        let result = new_checkpoint_dir(home).and_then(|dir| {
            kv.checkpoint(&dir)?;
            Ok(dir)
        });
        match result {
            Ok(dir) => {
                tracing::info!(target: "backup", dir = %dir.display(), "wrote a checkpoint");
                serde_json::json!({ "ok": true, "path": dir })
            }
            Err(e) => serde_json::json!({ "ok": false, "error": format!("{e:#}") }),
        }
    } else {
        serde_json::json!({ "ok": false, "error": "unknown command; the only one is \"checkpoint\"" })
    };
    (&stream).write_all(format!("{answer}\n").as_bytes())?;
    Ok(())
}

/// Asks the running node of `home` for a checkpoint; `Ok(None)` when no node answers there.
fn checkpoint_online(home: &Path) -> anyhow::Result<Option<PathBuf>> {
    let path = admin_socket(home);
    let mut stream = match std::os::unix::net::UnixStream::connect(&path) {
        Ok(s) => s,
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused) => {
            return Ok(None);
        }
        Err(e) => return Err(e).with_context(|| format!("cannot reach the node's admin socket {}", path.display())),
    };
    stream.set_read_timeout(Some(std::time::Duration::from_secs(600)))?;
    stream.write_all(format!("{CHECKPOINT_COMMAND}\n").as_bytes())?;
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line)?;
    let answer: serde_json::Value =
        serde_json::from_str(&line).with_context(|| format!("unexpected answer from the node: {line:?}"))?;
    if answer["ok"] != true {
        bail!("the node could not write a checkpoint: {}", answer["error"]);
    }
    let dir = answer["path"].as_str().context("the node's answer names no checkpoint")?;
    Ok(Some(PathBuf::from(dir)))
}

/// Reads what a checkpoint (or a restored `db/`) holds.
fn describe(db: &Path) -> anyhow::Result<BackupInfo> {
    let kv = RocksKv::open(db).with_context(|| format!("cannot open the database copy in {}", db.display()))?;
    let store = ChainStore::new(Arc::new(kv));
    let genesis = store.genesis()?.context("the database has no genesis: it is not a node's data folder")?;
    let head = store.head()?.context("the database has no head")?;
    Ok(BackupInfo {
        chain_id: genesis.chain_id.clone(),
        genesis_hash: genesis.hash(),
        height: head.height,
        block_hash: head.block_hash,
        state_root: head.state_root,
    })
}

/// `shulian-node backup`: a consistent copy of the node's database in one file at `out`
/// (never overwritten), whether the node is running or stopped.
pub fn backup(home: &Home, out: &Path) -> anyhow::Result<BackupInfo> {
    if out.exists() {
        bail!("{} already exists; choose a new file name", out.display());
    }
    let checkpoint = match checkpoint_online(&home.dir)? {
        Some(dir) => dir,
        None => {
            let db = home.db_path();
            if !db.exists() {
                bail!("{} has no database (db/): nothing to back up", home.dir.display());
            }
            let kv = RocksKv::open(&db).with_context(|| {
                format!(
                    "the node does not answer on {} and its database cannot be opened (is it running \
                     from an older version? stop it and retry)",
                    admin_socket(&home.dir).display()
                )
            })?;
            let dir = new_checkpoint_dir(&home.dir)?;
            kv.checkpoint(&dir)?;
            dir
        }
    };
    let result = (|| -> anyhow::Result<BackupInfo> {
        let info = describe(&checkpoint)?;
        let partial = out.with_extension("partial");
        let _ = std::fs::remove_file(&partial);
        archive::pack(&checkpoint, &info, &partial).with_context(|| format!("cannot write {}", partial.display()))?;
        std::fs::rename(&partial, out).with_context(|| format!("cannot write {}", out.display()))?;
        Ok(info)
    })();
    let _ = std::fs::remove_dir_all(&checkpoint);
    result
}

/// `shulian-node restore`: checks the backup file end to end, then makes it the `db/` of `home`
/// (which must not have one). If the home already has a `genesis.json`, the backup must be of
/// that chain.
pub fn restore(from: &Path, home: &Home) -> anyhow::Result<BackupInfo> {
    let info = archive::verify(from).with_context(|| format!("cannot restore {}", from.display()))?;
    if home.genesis_path().exists() {
        let g = home.genesis()?;
        if g.chain_id != info.chain_id || g.hash() != info.genesis_hash {
            bail!(
                "{} is a backup of chain {:?} (genesis {}), but {} has chain {:?} (genesis {})",
                from.display(),
                info.chain_id,
                info.genesis_hash,
                home.dir.display(),
                g.chain_id,
                g.hash()
            );
        }
    }
    let db = home.db_path();
    if db.exists() && std::fs::read_dir(&db).map(|mut d| d.next().is_some()).unwrap_or(true) {
        bail!("{} already holds a database; move it away first (restore never overwrites data)", db.display());
    }
    std::fs::create_dir_all(&home.dir).with_context(|| format!("cannot create {}", home.dir.display()))?;
    let staging = home.dir.join("db.restoring");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).with_context(|| format!("cannot clear {}", staging.display()))?;
    }
    archive::unpack(from, &staging).with_context(|| format!("cannot restore {}", from.display()))?;
    let opened = describe(&staging)?;
    if opened != info {
        bail!("the restored database does not match the backup's description: {opened:?} vs {info:?}");
    }
    if db.exists() {
        std::fs::remove_dir(&db).with_context(|| format!("cannot replace the empty {}", db.display()))?;
    }
    std::fs::rename(&staging, &db).with_context(|| format!("cannot move the restored database to {}", db.display()))?;
    Ok(info)
}
