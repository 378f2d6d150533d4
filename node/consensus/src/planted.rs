//! Deliberately planted bugs, compiled into test builds only, each behind its own switch: the
//! Twins sweep must catch every one of them (`twins::planted_bugs_are_caught`), which shows the
//! harness can see the kind of bug it exists for. Off unless a test turns one on, for its thread.

use std::cell::Cell;

/// A planted bug.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Bug {
    /// A quorum of two thirds of the power instead of more than two thirds.
    QuorumTwoThirds,
    /// A vote received again (gossip re-sends it) is counted again.
    CountDuplicateVotes,
    /// Decide on a quorum of prevotes, without waiting for precommits.
    DecideOnPrevotes,
    /// Prevote for a proposal whatever this validator is locked on (L22/L28 without the lock).
    IgnoreLock,
}

thread_local! {
    static ON: Cell<Option<Bug>> = const { Cell::new(None) };
}

/// Whether `bug` is switched on in this thread.
pub(crate) fn on(bug: Bug) -> bool {
    ON.with(|c| c.get() == Some(bug))
}

/// Switches `bug` on in this thread (`None`: all off).
pub(crate) fn plant(bug: Option<Bug>) {
    ON.with(|c| c.set(bug));
}
