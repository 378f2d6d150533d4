//! Snapshots on disk: `HOME/snapshots/<height, 12 digits>/` holding `manifest.bin` (borsh
//! `SnapshotManifest`) and `chunk-<index, 6 digits>.bin` (each chunk's exact bytes, the bytes its
//! manifest hash is over). A snapshot is written into `HOME/snapshots/.tmp-<height>/`, synced, and
//! renamed into place, so only whole snapshots are ever listed and served; a leftover temporary
//! folder is removed by the next snapshot. Taking one reads a point-in-time view of the store on a
//! thread of its own (`Snapshotter`), so block writes go on meanwhile.

use super::SnapshotPolicy;
use crate::storage::{Column, Head, KvStore, KvView, head_in};
use anyhow::Context;
use shulian_runtime::Height;
use shulian_runtime::snapshot::{Chunker, SNAPSHOT_FORMAT, SnapshotChunk, SnapshotManifest, chunk_hash};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// State entries read from the view at a time.
const SCAN_PAGE: usize = 4096;
const MANIFEST_FILE: &str = "manifest.bin";

fn folder(root: &Path, height: Height) -> PathBuf {
    root.join(format!("{:012}", height.0))
}

fn chunk_file(dir: &Path, index: u32) -> PathBuf {
    dir.join(format!("chunk-{index:06}.bin"))
}

fn write_synced(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut f = fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

/// Writes a snapshot of the state in `view` (at the head it records) under `root`, then removes
/// all but the newest `keep`. Returns its manifest.
pub fn write_snapshot(
    view: &dyn KvView,
    chain_id: &str,
    root: &Path,
    policy: SnapshotPolicy,
) -> anyhow::Result<SnapshotManifest> {
    let keep = policy.keep;
    let head: Head = head_in(view)?.context("the store has no head")?;
    fs::create_dir_all(root).with_context(|| format!("cannot create {}", root.display()))?;
    let tmp = root.join(format!(".tmp-{}", head.height.0));
    if tmp.exists() {
        fs::remove_dir_all(&tmp)?;
    }
    fs::create_dir(&tmp)?;
    let mut chunker = Chunker::new(policy.chunk_bytes);
    let mut hashes = Vec::new();
    let (mut entries, mut total_bytes) = (0u64, 0u64);
    let mut put = |chunk: SnapshotChunk| -> anyhow::Result<()> {
        let bytes = borsh::to_vec(&chunk)?;
        write_synced(&chunk_file(&tmp, hashes.len() as u32), &bytes)?;
        hashes.push(chunk_hash(&bytes));
        total_bytes += bytes.len() as u64;
        Ok(())
    };
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = view.scan(Column::State, &[], after.as_deref(), SCAN_PAGE)?;
        let full = page.len() == SCAN_PAGE;
        for (k, v) in page {
            after = Some(k.clone());
            entries += 1;
            if let Some(c) = chunker.push(k, v) {
                put(c)?;
            }
        }
        if !full {
            break;
        }
    }
    if let Some(c) = chunker.finish() {
        put(c)?;
    }
    let manifest = SnapshotManifest {
        format: SNAPSHOT_FORMAT,
        chain_id: chain_id.to_string(),
        height: head.height,
        block_hash: head.block_hash,
        state_root: head.state_root,
        entries,
        total_bytes,
        chunk_hashes: hashes,
    };
    write_synced(&tmp.join(MANIFEST_FILE), &borsh::to_vec(&manifest)?)?;
    let dir = folder(root, head.height);
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    fs::rename(&tmp, &dir)?;
    fs::File::open(root).and_then(|d| d.sync_all()).with_context(|| format!("cannot sync {}", root.display()))?;
    for (_, old) in list(root).into_iter().skip(keep.max(1)) {
        let _ = fs::remove_dir_all(old);
    }
    Ok(manifest)
}

/// The snapshots under `root`, newest first (only whole ones: renamed into place).
pub fn list(root: &Path) -> Vec<(Height, PathBuf)> {
    let Ok(rd) = fs::read_dir(root) else { return Vec::new() };
    let mut out: Vec<(Height, PathBuf)> = rd
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            (name.len() == 12 && name.bytes().all(|b| b.is_ascii_digit()))
                .then(|| name.parse::<u64>().ok().map(|h| (Height(h), e.path())))
                .flatten()
        })
        .collect();
    out.sort_by_key(|e| std::cmp::Reverse(e.0));
    out
}

/// The manifest of the snapshot at `height`, if held.
pub fn manifest(root: &Path, height: Height) -> anyhow::Result<Option<SnapshotManifest>> {
    let path = folder(root, height).join(MANIFEST_FILE);
    match fs::read(&path) {
        Ok(bytes) => Ok(Some(borsh::from_slice(&bytes).with_context(|| format!("{} is corrupt", path.display()))?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The bytes of chunk `index` of the snapshot at `height`, if held (at most `max` bytes).
pub fn chunk(root: &Path, height: Height, index: u32, max: usize) -> anyhow::Result<Option<Vec<u8>>> {
    let path = chunk_file(&folder(root, height), index);
    match fs::metadata(&path) {
        Ok(m) if m.len() as usize > max => anyhow::bail!("{} is larger than {max} bytes", path.display()),
        Ok(_) => Ok(Some(fs::read(&path)?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Takes a snapshot after every `interval`-th block's write, one at a time: the writer thread
/// calls [`Snapshotter::after_write`] with the head it just wrote; a point-in-time view is taken
/// then (the next block's write waits the moment this takes), and the snapshot is written from it
/// on a thread of its own. A snapshot still being written when the next is due makes that one
/// skipped (logged).
pub struct Snapshotter {
    kv: Arc<dyn KvStore>,
    chain_id: String,
    root: PathBuf,
    policy: SnapshotPolicy,
    running: Arc<AtomicBool>,
}

impl Snapshotter {
    /// Snapshots of the store `kv` of chain `chain_id` under `root`.
    pub fn new(kv: Arc<dyn KvStore>, chain_id: &str, root: PathBuf, policy: SnapshotPolicy) -> Self {
        Snapshotter { kv, chain_id: chain_id.to_string(), root, policy, running: Arc::new(AtomicBool::new(false)) }
    }

    /// Called with each head just written: takes a snapshot if one is due.
    pub fn after_write(&self, head: &Head) {
        if self.policy.interval == 0 || head.height.0 == 0 || !head.height.0.is_multiple_of(self.policy.interval) {
            return;
        }
        if self.running.swap(true, Ordering::SeqCst) {
            tracing::warn!(target: "snapshot", height = head.height.0, "the previous snapshot is still being written; skipping this one");
            return;
        }
        let (kv, chain_id, root, policy, running) =
            (self.kv.clone(), self.chain_id.clone(), self.root.clone(), self.policy, self.running.clone());
        let (taken_tx, taken_rx) = std::sync::mpsc::channel::<()>();
        let height = head.height.0;
        let spawned = std::thread::Builder::new().name("snapshot".into()).spawn(move || {
            #[expect(clippy::disallowed_methods, reason = "the log says how long a snapshot took")]
            let started = std::time::Instant::now();
            let result = kv.view().map_err(anyhow::Error::from).and_then(|view| {
                let _ = taken_tx.send(());
                write_snapshot(view.as_ref(), &chain_id, &root, policy)
            });
            let _ = taken_tx.send(());
            match result {
                Ok(m) => tracing::info!(target: "snapshot", height = m.height.0, chunks = m.chunk_hashes.len(), entries = m.entries, bytes = m.total_bytes, ms = started.elapsed().as_millis() as u64, "snapshot taken"),
                Err(e) => tracing::warn!(target: "snapshot", height, error = %e, "cannot take a snapshot"),
            }
            running.store(false, Ordering::SeqCst);
        });
        match spawned {
            // The view is taken before the next block is written.
            Ok(_) => {
                let _ = taken_rx.recv_timeout(Duration::from_secs(10));
            }
            Err(e) => {
                self.running.store(false, Ordering::SeqCst);
                tracing::warn!(target: "snapshot", height, error = %e, "cannot start the snapshot thread");
            }
        }
    }
}
