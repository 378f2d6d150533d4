//! Deliberately planted bugs in the node's crash safety (issue 24), each behind its own switch, on
//! only in this crate's tests and only for the thread that turns it on:
//! `consensus::wal::tests::planted_bugs_are_caught` shows that the suite fails with each one in
//! place. In any other build [`on`] is a constant `false`.

/// A planted bug.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Bug {
    /// The double-sign guard does not look for a message already signed at the same step.
    NoDoubleSignGuard,
    /// A signed vote leaves the node without being written to the consensus log first.
    VoteNotLogged,
    /// The signing watermark's floor is not applied after the log lost writes.
    IgnoreWatermark,
}

#[cfg(test)]
thread_local! {
    static ON: std::cell::Cell<Option<Bug>> = const { std::cell::Cell::new(None) };
}

/// Whether `bug` is switched on in this thread.
#[cfg(test)]
pub(crate) fn on(bug: Bug) -> bool {
    ON.with(|c| c.get() == Some(bug))
}

/// Switches `bug` on in this thread (`None`: all off).
#[cfg(test)]
pub(crate) fn plant(bug: Option<Bug>) {
    ON.with(|c| c.set(bug));
}

/// Never, outside this crate's tests.
#[cfg(not(test))]
#[inline(always)]
pub(crate) fn on(_bug: Bug) -> bool {
    false
}
