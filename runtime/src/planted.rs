//! Deliberately planted bugs in the runtime's rules (issue 24), each behind its own switch, on
//! only in this crate's tests and only for the thread that turns it on: `planted_bugs_are_caught`
//! shows that the suite fails with each one in place, which is what makes its passing mean
//! something. In any other build [`on`] is a constant `false` and the rules are as written.

/// A planted bug.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Bug {
    /// `apply_block` does not compare the executed state root with the header's.
    SkipStateRootCheck,
    /// A block timestamp equal to its parent's is accepted (the rule is strictly above).
    TimestampEqualToParent,
    /// A transaction whose nonce was already used is executed again.
    AcceptStaleNonce,
    /// A commit certificate is accepted with two thirds of the power (the rule is more than 2/3).
    CertificateQuorumTwoThirds,
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

/// Never, outside this crate's tests.
#[cfg(not(test))]
#[inline(always)]
pub(crate) fn on(_bug: Bug) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each planted bug makes one of the runtime's tests fail: run with the bug switched on, the
    /// test that guards the rule must panic.
    #[test]
    fn planted_bugs_are_caught() {
        let cases: [(Bug, &str, fn()); 4] = [
            (
                Bug::SkipStateRootCheck,
                "exec::a_block_claiming_another_state_root_is_refused",
                crate::exec::tests::a_block_claiming_another_state_root_is_refused,
            ),
            (
                Bug::TimestampEqualToParent,
                "exec::a_timestamp_equal_to_the_parents_is_refused_and_one_above_is_not",
                crate::exec::tests::a_timestamp_equal_to_the_parents_is_refused_and_one_above_is_not,
            ),
            (
                Bug::AcceptStaleNonce,
                "exec::a_nonce_used_earlier_in_the_block_refuses_the_block",
                crate::exec::tests::a_nonce_used_earlier_in_the_block_refuses_the_block,
            ),
            (
                Bug::CertificateQuorumTwoThirds,
                "block::certificate_needs_quorum_of_valid_signatures",
                crate::block::tests::certificate_needs_quorum_of_valid_signatures,
            ),
        ];
        crate::test_utils::assert_planted_bugs_caught(&cases, |bug| ON.with(|c| c.set(bug)));
    }
}
