//! The checks the grants contract and the market share when terms are proposed: a validity window
//! that is not empty and not over, a field scope inside the data set, and a data set that may be
//! shared now (not retired, not negative-listed, shareable). They return a [`Refusal`]; each
//! contract turns it into its own error, so its `contract.reason` codes and messages stay its own.

use crate::catalog::Dataset;
use shulian_runtime::call::{SharingAttribute, Validity};
use shulian_runtime::ids::DatasetId;
use shulian_runtime::time::LedgerTime;
use std::collections::BTreeSet;

/// A validity window refused when terms are proposed. Grants and market both embed it in their
/// errors (same message), and each gives it its own `contract.reason` code (`grants.empty_window`,
/// `market.window_ended`, ...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowRefusal {
    /// The window closes before it opens.
    #[error("validity window is empty: from {from} is not before until {until}")]
    Empty {
        /// Start.
        from: LedgerTime,
        /// End.
        until: LedgerTime,
    },
    /// The window is already over.
    #[error("validity window already ended at {0}")]
    Ended(LedgerTime),
}

/// Why proposed terms or their data set were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The validity window is empty or over.
    Window(WindowRefusal),
    /// No fields asked for.
    NoFields,
    /// Fields the data set does not have.
    FieldsOutsideDataset {
        /// The data set.
        dataset: DatasetId,
        /// The unknown fields, sorted.
        fields: Vec<String>,
    },
    /// The data set is retired.
    Retired(DatasetId),
    /// The data set is on the negative list.
    NegativeListed {
        /// The data set.
        dataset: DatasetId,
        /// The regulator's reason.
        reason: String,
    },
    /// The data set is never shared.
    NotShareable(DatasetId),
}

/// Refuses a window that closes before it opens or whose end is reached at ledger time `time_ms`.
pub(crate) fn check_window(v: &Validity, time_ms: u64) -> Result<(), Refusal> {
    if v.from_ms >= v.until_ms {
        return Err(Refusal::Window(WindowRefusal::Empty {
            from: LedgerTime(v.from_ms),
            until: LedgerTime(v.until_ms),
        }));
    }
    if v.ended(time_ms) {
        return Err(Refusal::Window(WindowRefusal::Ended(LedgerTime(v.until_ms))));
    }
    Ok(())
}

/// The fields asked for, sorted and unique, if there is at least one and all are fields of `d`.
pub(crate) fn field_scope(d: &Dataset, fields: &[String]) -> Result<BTreeSet<String>, Refusal> {
    if fields.is_empty() {
        return Err(Refusal::NoFields);
    }
    let scope: BTreeSet<String> = fields.iter().cloned().collect();
    let outside: Vec<String> = scope.iter().filter(|f| !d.fields.contains(f)).cloned().collect();
    if !outside.is_empty() {
        return Err(Refusal::FieldsOutsideDataset { dataset: d.id, fields: outside });
    }
    Ok(scope)
}

/// Refuses a data set that may not be shared now: retired, negative-listed or not shareable,
/// checked in that order.
pub(crate) fn check_shareable(d: &Dataset) -> Result<(), Refusal> {
    if d.retired {
        return Err(Refusal::Retired(d.id));
    }
    if let Some(reason) = &d.negative_listed {
        return Err(Refusal::NegativeListed { dataset: d.id, reason: reason.clone() });
    }
    if d.sharing == SharingAttribute::NotShareable {
        return Err(Refusal::NotShareable(d.id));
    }
    Ok(())
}
