//! The background block writer: a decided block becomes the chain's tip at once and is written to
//! the store on a thread of its own while consensus runs the next height on the tip; at most one
//! block is in flight. It must never let a block be built on a failed write: after one, every
//! propose, validate and commit fails with its error.

use super::{Chain, ChainError, lock, write};
use crate::storage::{Head, StoreError};
use shulian_runtime::{Block, BlockExecution, CommitCertificate};
use std::sync::{Arc, MutexGuard};

/// One block write, run on the writer thread.
pub(super) type WriteJob = Box<dyn FnOnce() + Send>;

/// A decided block on its way to the store: the head after it and what it changes, which
/// execution on top of it reads before the store has them.
pub(super) struct Staged {
    pub(super) head: Head,
    pub(super) outcomes: Vec<shulian_runtime::exec::TxOutcome>,
    pub(super) changes: shulian_runtime::state::ChangeSet,
}

/// What runs after each block write, before the next can start (snapshots, pruning).
pub type AfterWrite = Arc<dyn Fn(&Head) + Send + Sync>;

/// Whether a block write is in flight, the error of one that failed, and what runs after each.
#[derive(Default)]
pub(super) struct WriteSlot {
    pub(super) busy: bool,
    failed: Option<String>,
    after_write: Option<AfterWrite>,
}

impl WriteSlot {
    /// The error of a block write that failed, if one did.
    fn check(&self) -> Result<(), ChainError> {
        match &self.failed {
            Some(e) => Err(ChainError::Store(StoreError::Backend(format!("an earlier block write failed: {e}")))),
            None => Ok(()),
        }
    }
}

impl Chain {
    /// Commits like [`Chain::commit`], but writes the block on a thread of its own and returns the
    /// new tip at once, so consensus can go on with the next height while the block is written.
    /// The next height executes on the tip (the store seen through this block's changes); at most
    /// one block is in flight, so the next commit waits for this write. If the write fails, every
    /// later propose, validate and commit fails with its error and the node stops.
    pub fn commit_in_background(
        self: &Arc<Self>,
        block: Block,
        cert: CommitCertificate,
        exec: BlockExecution,
    ) -> Result<Head, ChainError> {
        let staged = self.stage(&block, &cert, exec)?;
        crate::crashpoint::hit("chain.staged");
        let tip = staged.head.clone();
        let chain = self.clone();
        let job: WriteJob = Box::new(move || {
            #[expect(clippy::disallowed_methods, reason = "the log says how long a block write took")]
            let started = std::time::Instant::now();
            match chain.write_staged(&block, &cert, &staged) {
                Ok(head) => {
                    let ms = started.elapsed().as_millis() as u64;
                    tracing::debug!(target: "chain", height = head.height.0, ms, "block written");
                }
                Err(e) => {
                    tracing::error!(target: "chain", height = block.header.height.0, error = %e, "cannot write a decided block")
                }
            }
        });
        if let Err(e) = self.send_to_writer(job) {
            let msg = format!("cannot start the block writer: {e}");
            self.finish_write(Some(msg.clone()));
            return Err(ChainError::Store(StoreError::Backend(msg)));
        }
        Ok(tip)
    }

    /// Hands `job` to the writer thread, starting it if it is not running.
    fn send_to_writer(&self, job: WriteJob) -> std::io::Result<()> {
        let mut writer = lock(&self.writer);
        let job = match writer.as_ref() {
            Some(w) => match w.send(job) {
                Ok(()) => return Ok(()),
                // The thread is gone (a write panicked): start another.
                Err(std::sync::mpsc::SendError(job)) => job,
            },
            None => job,
        };
        let (tx, rx) = std::sync::mpsc::channel::<WriteJob>();
        std::thread::Builder::new().name("block-write".into()).spawn(move || {
            for job in rx {
                job();
            }
        })?;
        // The receiver is alive until this sender (kept below) is dropped with the chain.
        let _ = tx.send(job);
        *writer = Some(tx);
        Ok(())
    }

    /// Sets what runs after each block is written (on the writing thread, before the next block's
    /// write can start, so it sees the store exactly at that block): `snapshot::Maintenance`.
    pub fn set_after_write(&self, hook: AfterWrite) {
        lock(&self.writing).after_write = Some(hook);
    }

    /// Waits until no block write is in flight (what is decided is then stored).
    pub fn wait_for_writes(&self) -> Result<(), ChainError> {
        self.idle_writer().map(drop)
    }

    /// The write slot once no write is in flight, or the error of a write that failed.
    pub(super) fn idle_writer(&self) -> Result<MutexGuard<'_, WriteSlot>, ChainError> {
        let mut slot = lock(&self.writing);
        while slot.busy {
            slot = self.written.wait(slot).unwrap_or_else(|p| p.into_inner());
        }
        slot.check()?;
        Ok(slot)
    }

    pub(super) fn check_writes(&self) -> Result<(), ChainError> {
        lock(&self.writing).check()
    }

    /// Writes the staged block, publishes the new head and clears the stage.
    pub(super) fn write_staged(
        &self,
        block: &Block,
        cert: &CommitCertificate,
        staged: &Staged,
    ) -> Result<Head, ChainError> {
        let write_started = crate::metrics::Metrics::start_timer();
        // Read before the write: a named grant's data set as of the state the block was built on.
        let attempts = super::attempts::of_block(&self.store, block, &staged.outcomes);
        crate::crashpoint::hit("writer.before_commit");
        match self.store.commit_block(block, cert, &staged.outcomes, &staged.changes, &attempts) {
            Ok(head) => {
                crate::crashpoint::hit("writer.after_commit");
                self.metrics.block_stored(block, write_started);
                self.head_tx.send_replace(head.clone());
                // The store has the changes now: readers may stop looking at the stage.
                *write(&self.staged) = None;
                let after = lock(&self.writing).after_write.clone();
                if let Some(after) = after {
                    after(&head);
                }
                self.finish_write(None);
                Ok(head)
            }
            Err(e) => {
                // The stage stays: the tip's state is still what was decided, but nothing more
                // is built on it.
                self.finish_write(Some(e.to_string()));
                Err(e.into())
            }
        }
    }

    pub(super) fn finish_write(&self, failed: Option<String>) {
        let mut slot = lock(&self.writing);
        slot.busy = false;
        if failed.is_some() {
            slot.failed = failed;
        }
        self.written.notify_all();
    }
}
