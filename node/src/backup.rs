//! Backup and restore of a node's data folder (`db/`), for disaster recovery.
//!
//! A running node holds the RocksDB lock, so another process cannot copy the database safely.
//! The node therefore listens on a Unix socket in its home folder (`admin.sock`, mode 0600, no
//! TCP port, reachable only by the OS user that can already read the validator key) for two
//! commands: `db-stats` ([`crate::dbstats`]) and `checkpoint`: it writes a consistent RocksDB checkpoint into `backups/` of its home
//! and answers where. `shulian-node backup` asks for that checkpoint (or makes it itself when the
//! node is stopped), packs it into one checksummed file ([`crate::storage::archive`]) and removes
//! the checkpoint. `shulian-node restore` checks a backup file end to end, authenticates its
//! head against the validators of the home's `genesis.json` (a checksum alone proves nothing
//! against an attacker, who recomputes it), and unpacks it as the `db/` of a home whose genesis,
//! config and key the operator provides. It never touches `genesis.json`, `config.toml` or
//! `validator_key.json`.

use crate::home::Home;
use crate::storage::archive::{self, BackupInfo};
use crate::storage::{ChainStore, KvStore, RocksKv};
use crate::verify::head::authenticate_head;
use anyhow::{Context, bail};
use shulian_runtime::genesis::Genesis;
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
                            if let Err(e) = serve_admin(stream, &home, kv) {
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
fn serve_admin(stream: std::os::unix::net::UnixStream, home: &Path, kv: Arc<dyn KvStore>) -> anyhow::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(5)))?;
    let mut line = String::new();
    // One short command line; anything longer is cut off and refused.
    BufReader::new((&stream).take(64)).read_line(&mut line)?;
    let answer = if let Some(compact) = crate::dbstats::parse_command(line.trim()) {
        crate::dbstats::answer(kv, compact)
    } else if line.trim() == CHECKPOINT_COMMAND {
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
        serde_json::json!({ "ok": false, "error": "unknown command; the commands are \"checkpoint\" and \"db-stats\"" })
    };
    (&stream).write_all(format!("{answer}\n").as_bytes())?;
    Ok(())
}

/// Sends one command line to the admin socket of the node running in `home` and reads its JSON
/// answer, waiting at most `timeout`; `Ok(None)` when no node answers there.
pub fn admin_request(
    home: &Path,
    command: &str,
    timeout: std::time::Duration,
) -> anyhow::Result<Option<serde_json::Value>> {
    let path = admin_socket(home);
    let mut stream = match std::os::unix::net::UnixStream::connect(&path) {
        Ok(s) => s,
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused) => {
            return Ok(None);
        }
        Err(e) => return Err(e).with_context(|| format!("cannot reach the node's admin socket {}", path.display())),
    };
    stream.set_read_timeout(Some(timeout))?;
    stream.write_all(format!("{command}\n").as_bytes())?;
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line)?;
    let answer = serde_json::from_str(&line).with_context(|| format!("unexpected answer from the node: {line:?}"))?;
    Ok(Some(answer))
}

/// Asks the running node of `home` for a checkpoint; `Ok(None)` when no node answers there.
fn checkpoint_online(home: &Path) -> anyhow::Result<Option<PathBuf>> {
    let Some(answer) = admin_request(home, CHECKPOINT_COMMAND, std::time::Duration::from_secs(600))? else {
        return Ok(None);
    };
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

/// `shulian-node restore`: checks the backup file end to end, authenticates what it holds
/// against the chain's validators, then makes it the `db/` of `home` (which must not have one).
///
/// The home's `genesis.json`, which the operator provides from a trusted source, is required:
/// the archive's checksum only catches damage, since whoever alters a backup on purpose
/// recomputes it. So the unpacked copy must prove itself against that genesis
/// ([`crate::verify::head::authenticate_head`]): its head block carries a commit certificate of
/// more than 2/3 of the genesis validators' power, every stored block links down to genesis,
/// and the stored state hashes to the certified state root. Anything else is refused and leaves
/// no `db/` behind. `shulian-node verify` goes further (a full replay of every block).
pub fn restore(from: &Path, home: &Home) -> anyhow::Result<BackupInfo> {
    if !home.genesis_path().exists() {
        bail!(
            "{} is missing: restore authenticates the backup against the chain's validators, so copy \
             the chain's genesis.json (from a source you trust, not from the backup) into {} first",
            home.genesis_path().display(),
            home.dir.display()
        );
    }
    let genesis = home.genesis()?;
    let info = archive::verify(from).with_context(|| format!("cannot restore {}", from.display()))?;
    if genesis.chain_id != info.chain_id || genesis.hash() != info.genesis_hash {
        bail!(
            "{} is a backup of chain {:?} (genesis {}), but {} has chain {:?} (genesis {})",
            from.display(),
            info.chain_id,
            info.genesis_hash,
            home.dir.display(),
            genesis.chain_id,
            genesis.hash()
        );
    }
    let db = home.db_path();
    if db.exists() && std::fs::read_dir(&db).map(|mut d| d.next().is_some()).unwrap_or(true) {
        bail!("{} already holds a database; move it away first (restore never overwrites data)", db.display());
    }
    let staging = home.dir.join("db.restoring");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).with_context(|| format!("cannot clear {}", staging.display()))?;
    }
    archive::unpack(from, &staging).with_context(|| format!("cannot restore {}", from.display()))?;
    if let Err(e) = check_restored(&staging, &info, &genesis) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e.context(format!("refusing to restore {}", from.display())));
    }
    if db.exists() {
        std::fs::remove_dir(&db).with_context(|| format!("cannot replace the empty {}", db.display()))?;
    }
    std::fs::rename(&staging, &db).with_context(|| format!("cannot move the restored database to {}", db.display()))?;
    Ok(info)
}

/// The unpacked database in `staging` is what the archive's description says, and authentic.
fn check_restored(staging: &Path, info: &BackupInfo, genesis: &Genesis) -> anyhow::Result<()> {
    let opened = describe(staging)?;
    if opened != *info {
        bail!("the restored database does not match the backup's description: {opened:?} vs {info:?}");
    }
    let kv =
        RocksKv::open(staging).with_context(|| format!("cannot open the database copy in {}", staging.display()))?;
    let head = authenticate_head(Arc::new(kv), genesis)
        .context("the backup is not authentic: it was altered, or is not of this chain's validators")?;
    tracing::info!(
        target: "backup",
        height = head.height.0,
        block = %head.block_hash,
        state_keys = head.state_keys,
        "backup authenticated by its head's commit certificate"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::tests::{enc, genesis, produce, transfer};
    use crate::chain::{Chain, ChainLimits};
    use crate::storage::{Batch, Column};
    use shulian_runtime::Height;

    /// A backup file of a two-block chain "unit", written the way an online backup is (a
    /// checkpoint of the open database, packed).
    fn backup_file(tmp: &Path) -> PathBuf {
        let kv = Arc::new(RocksKv::open(&tmp.join("live")).expect("open"));
        let chain = Chain::open(ChainStore::new(kv.clone()), genesis(), ChainLimits::default()).expect("chain");
        for (i, ts) in [100u64, 200].into_iter().enumerate() {
            chain.submit(&enc(&transfer(1, i as u64, "unit"))).expect("submit");
            produce(&chain, ts);
        }
        let checkpoint = tmp.join("checkpoint");
        kv.checkpoint(&checkpoint).expect("checkpoint");
        let file = tmp.join("good.backup");
        archive::pack(&checkpoint, &describe(&checkpoint).expect("describe"), &file).expect("pack");
        file
    }

    /// A home that holds only the chain's genesis.json, as an operator prepares it.
    fn fresh_home(dir: PathBuf) -> Home {
        std::fs::create_dir_all(&dir).expect("mkdir");
        let home = Home::new(dir);
        std::fs::write(home.genesis_path(), serde_json::to_vec(&genesis()).expect("json")).expect("write");
        home
    }

    /// Unpacks `file`, lets `edit` change the database, and packs it again with fresh checksums:
    /// what an attacker with the file can do.
    fn tampered(file: &Path, tmp: &Path, edit: impl FnOnce(&RocksKv)) -> PathBuf {
        let dir = tmp.join("tampering");
        archive::unpack(file, &dir).expect("unpack");
        {
            let kv = RocksKv::open(&dir).expect("open");
            edit(&kv);
        }
        let out = tmp.join("tampered.backup");
        archive::pack(&dir, &describe(&dir).expect("describe"), &out).expect("pack");
        assert!(archive::verify(&out).is_ok(), "the tampered file's checksum is consistent");
        out
    }

    #[test]
    fn an_untouched_backup_restores_and_a_tampered_consistent_one_is_refused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = backup_file(tmp.path());

        let key = shulian_contracts::settlement::balance_key(&shulian_runtime::test_utils::account(2));
        let forged = tampered(&file, tmp.path(), |kv| {
            let mut b = Batch::default();
            b.put(Column::State, key.clone(), borsh::to_vec(&shulian_runtime::Fen(1_000_000)).expect("enc"));
            kv.write(b).expect("write");
        });
        let home = fresh_home(tmp.path().join("victim"));
        let err = format!("{:#}", restore(&forged, &home).expect_err("a tampered backup is refused"));
        assert!(err.contains("not authentic") && err.contains("certified head's state root"), "{err}");
        assert!(!home.db_path().exists(), "a refused restore leaves no database");
        assert!(!home.dir.join("db.restoring").exists(), "nor its staging copy");

        let info = restore(&file, &home).expect("an untouched backup restores");
        assert_eq!(info.height, Height(2));
        let kv = Arc::new(RocksKv::open(&home.db_path()).expect("open restored"));
        let head = ChainStore::new(kv).head().expect("read").expect("head");
        assert_eq!((head.block_hash, head.state_root), (info.block_hash, info.state_root));
    }

    #[test]
    fn restore_needs_the_operators_genesis() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = backup_file(tmp.path());
        let home = Home::new(tmp.path().join("empty"));
        std::fs::create_dir_all(&home.dir).expect("mkdir");
        let err = format!("{:#}", restore(&file, &home).expect_err("no genesis.json"));
        assert!(err.contains("genesis.json"), "{err}");
        assert!(!home.db_path().exists());
    }
}
