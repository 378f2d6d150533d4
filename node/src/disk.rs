//! The free space of the file system that holds the node's database, checked periodically: a
//! warning in the log (target `node`) and in `/api/status` (`disk_free_bytes`, `disk_low`) when it
//! falls below `min_free_disk_bytes` of `config.toml`, so an operator adds disk before RocksDB
//! stops writing and the node stops committing. It only reads and reports; it never deletes or
//! refuses anything.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// The default threshold, 10 GiB. A full disk stops the node (a block that cannot be written is
/// not committed), and RocksDB needs room to work: a compaction writes its new files before it
/// deletes the old ones, up to `max_compaction_bytes` (25 table files of 64 MiB, 1.6 GiB) per
/// job, and an online backup packs a copy of the database next to it. 10 GiB leaves that several
/// times over plus a day and a half of growth at 100 tx/s average (6.5 GB a day per node:
/// docs/benchmarks.md, "Disk per transaction"), time for an operator to react.
pub const DEFAULT_MIN_FREE_DISK_BYTES: u64 = 10 << 30;
/// How often the free space is read: a statvfs call is cheap, and at the highest load measured
/// (5 000 tx/s, about 3.6 MB/s per node) a disk fills by about 110 MB between two checks.
pub const DISK_CHECK_INTERVAL: Duration = Duration::from_secs(30);
/// While the space stays low, the warning is repeated every this many checks (5 minutes), so it
/// is in any recent stretch of the log without flooding it.
pub const WARN_EVERY_CHECKS: u32 = 10;

/// One reading of the free space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DiskReading {
    /// Bytes available to the node's user on the database's file system.
    pub free_bytes: u64,
    /// Below the configured threshold (never when the threshold is 0).
    pub low: bool,
}

/// What a new reading calls for in the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiskAlert {
    /// Nothing to say.
    Quiet,
    /// Low: the first low reading, or a repeat while it stays low.
    Low,
    /// It was low and is not any more.
    Recovered,
}

#[derive(Debug, Default)]
struct Inner {
    last: Option<DiskReading>,
    checks_since_warning: u32,
}

/// The node's knowledge of its free disk space, shared by the checking task and the API.
#[derive(Clone, Debug)]
pub struct DiskWatch {
    min_free_bytes: u64,
    inner: Arc<Mutex<Inner>>,
}

impl DiskWatch {
    /// A watch warning below `min_free_bytes` (0: never).
    pub fn new(min_free_bytes: u64) -> Self {
        DiskWatch { min_free_bytes, inner: Arc::default() }
    }

    /// The configured threshold in bytes.
    pub fn min_free_bytes(&self) -> u64 {
        self.min_free_bytes
    }

    /// The latest reading, if any was made.
    pub fn last(&self) -> Option<DiskReading> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).last
    }

    /// Records a reading of `free_bytes` and says what to log about it.
    pub fn record(&self, free_bytes: u64) -> (DiskReading, DiskAlert) {
        let reading = DiskReading { free_bytes, low: free_bytes < self.min_free_bytes };
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let was_low = inner.last.is_some_and(|r| r.low);
        inner.last = Some(reading);
        let alert = match (was_low, reading.low) {
            (false, true) => {
                inner.checks_since_warning = 0;
                DiskAlert::Low
            }
            (true, true) => {
                inner.checks_since_warning += 1;
                if inner.checks_since_warning >= WARN_EVERY_CHECKS {
                    inner.checks_since_warning = 0;
                    DiskAlert::Low
                } else {
                    DiskAlert::Quiet
                }
            }
            (true, false) => DiskAlert::Recovered,
            (false, false) => DiskAlert::Quiet,
        };
        (reading, alert)
    }

    /// Reads the free space of `path`'s file system now, records and logs it.
    pub fn check(&self, path: &Path) {
        match free_bytes(path) {
            Ok(free) => {
                let (reading, alert) = self.record(free);
                let (path, min) = (path.display(), self.min_free_bytes);
                match alert {
                    DiskAlert::Low => {
                        tracing::warn!(target: "node", path = %path, free_bytes = reading.free_bytes, min_free_disk_bytes = min,
                        "disk space low: add space before the database's file system fills up and the node stops committing")
                    }
                    DiskAlert::Recovered => {
                        tracing::info!(target: "node", path = %path, free_bytes = reading.free_bytes, min_free_disk_bytes = min,
                        "disk space back above the threshold")
                    }
                    DiskAlert::Quiet => {}
                }
            }
            Err(e) => {
                tracing::warn!(target: "node", path = %path.display(), error = %e, "cannot read the free disk space")
            }
        }
    }

    /// Checks `path` now and then every [`DISK_CHECK_INTERVAL`] until shutdown (on a blocking
    /// thread: a statvfs on a stuck network file system must not hold an async worker).
    pub fn spawn(self, path: PathBuf, mut shutdown: watch::Receiver<bool>) {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(DISK_CHECK_INTERVAL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => {
                        let (watch, path) = (self.clone(), path.clone());
                        let _ = tokio::task::spawn_blocking(move || watch.check(&path)).await;
                    }
                    changed = shutdown.changed() => {
                        if changed.is_err() || *shutdown.borrow() {
                            return;
                        }
                    }
                }
            }
        });
    }
}

/// Bytes available to an unprivileged user on the file system of `path`.
pub fn free_bytes(path: &Path) -> std::io::Result<u64> {
    let s = rustix::fs::statvfs(path)?;
    Ok(s.f_bavail.saturating_mul(s.f_frsize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_below_the_threshold_warned_once_then_repeated_and_recovery_said() {
        let w = DiskWatch::new(1_000);
        assert_eq!(w.last(), None);
        assert_eq!(w.record(5_000), (DiskReading { free_bytes: 5_000, low: false }, DiskAlert::Quiet));
        assert_eq!(w.record(1_000).1, DiskAlert::Quiet, "exactly the threshold is not low");
        assert_eq!(w.record(999), (DiskReading { free_bytes: 999, low: true }, DiskAlert::Low));
        for _ in 1..WARN_EVERY_CHECKS {
            assert_eq!(w.record(500).1, DiskAlert::Quiet, "not repeated at every check");
        }
        assert_eq!(w.record(500).1, DiskAlert::Low, "repeated after WARN_EVERY_CHECKS checks");
        assert_eq!(w.last(), Some(DiskReading { free_bytes: 500, low: true }));
        assert_eq!(w.record(2_000), (DiskReading { free_bytes: 2_000, low: false }, DiskAlert::Recovered));
        assert_eq!(w.record(2_000).1, DiskAlert::Quiet);
    }

    #[test]
    fn a_zero_threshold_never_warns() {
        let w = DiskWatch::new(0);
        assert_eq!(w.record(0), (DiskReading { free_bytes: 0, low: false }, DiskAlert::Quiet));
    }

    #[test]
    fn the_free_space_of_a_real_folder_is_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let w = DiskWatch::new(u64::MAX);
        w.check(dir.path());
        let r = w.last().expect("a reading");
        assert!(r.free_bytes > 0 && r.low, "{r:?}");
        let w = DiskWatch::new(1);
        w.check(&dir.path().join("missing"));
        assert_eq!(w.last(), None, "an unreadable path records nothing");
    }
}
