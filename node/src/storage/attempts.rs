//! The index of refused attempts (issue 22, "who tried to use what they may not"): every
//! transaction committed as failed, under its sender and the data set and grant its call names
//! (a grant's data set included), in the [`Column::Events`] column beside the event index. Keys:
//! `f` ++ subject prefix (33 bytes) ++ position, and `f*` ++ position for every attempt; the
//! position is the transaction's (height u64 BE, tx index u32 BE, event index `u16::MAX`). The
//! `f*` key's value is the borsh [`AttemptRecord`], so pruning finds every key to delete; the
//! refusal itself (code, message) is read from the transaction's outcome. Node-local: nothing the
//! nodes agree on. A node indexes the attempts of the blocks it writes from the release that has
//! this on; blocks written before are not re-indexed.

use super::chain_store::{ChainStore, corrupt_in, position, subject_prefix};
use super::{Batch, Column, StoreError, StoreResult};
use borsh::{BorshDeserialize, BorshSerialize};
use shulian_runtime::events::Subject;
use shulian_runtime::exec::TxOutcome;
use shulian_runtime::{Hash, Height};

/// First byte of every attempt key (no subject kind or the event-type prefix uses it).
const ATTEMPT: u8 = b'f';
/// Second byte of the key that lists every attempt.
const ALL: u8 = b'*';
/// The event index of an attempt's position: a failed transaction has no events.
const NO_EVENT: u16 = u16::MAX;

/// A transaction committed as failed, as the block writer indexes it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct AttemptRecord {
    /// Its call's name (`receipts.record`, ...).
    pub call: String,
    /// Its sender, and the data sets and grants its call names.
    pub subjects: Vec<Subject>,
}

/// One indexed attempt, as read back.
#[derive(Clone, Debug)]
pub struct Attempt {
    /// Height of its block.
    pub height: Height,
    /// Its index in the block.
    pub tx_index: u32,
    /// Its hash.
    pub tx_hash: Hash,
    /// What was indexed.
    pub record: AttemptRecord,
    /// Its outcome (failed, with the refusal's code and message).
    pub outcome: TxOutcome,
}

/// Which attempts to read: every one, or those of one subject.
pub fn attempt_prefix(subject: Option<&Subject>) -> Vec<u8> {
    match subject {
        Some(s) => [[ATTEMPT].as_slice(), &subject_prefix(s)].concat(),
        None => vec![ATTEMPT, ALL],
    }
}

/// Adds the index keys of the attempts `(tx index, record)` of the block at `height` to `b`.
pub(super) fn put(b: &mut Batch, height: Height, attempts: &[(u32, AttemptRecord)]) -> StoreResult<()> {
    for (i, record) in attempts {
        let pos = position(height, *i, NO_EVENT);
        let value =
            borsh::to_vec(record).map_err(|e| StoreError::Corrupt { column: "events", detail: e.to_string() })?;
        b.put(Column::Events, [attempt_prefix(None).as_slice(), &pos].concat(), value);
        for s in &record.subjects {
            b.put(Column::Events, [attempt_prefix(Some(s)).as_slice(), &pos].concat(), Vec::new());
        }
    }
    Ok(())
}

impl ChainStore {
    /// Adds to `b` the deletion of every attempt key of transaction `tx_index` at `height`.
    pub(super) fn delete_attempt(&self, b: &mut Batch, height: Height, tx_index: u32) -> StoreResult<()> {
        let pos = position(height, tx_index, NO_EVENT);
        let all = [attempt_prefix(None).as_slice(), &pos].concat();
        if let Some(v) = self.kv().get(Column::Events, &all)? {
            let record: AttemptRecord = borsh::from_slice(&v).map_err(|e| corrupt_in("events", e))?;
            for s in &record.subjects {
                b.delete(Column::Events, [attempt_prefix(Some(s)).as_slice(), &pos].concat());
            }
            b.delete(Column::Events, all);
        }
        Ok(())
    }

    /// Up to `limit` attempts (of `subject`, or all) in chain order after the cursor `after` (the
    /// 14-byte position of the last one read). Attempts whose block body was pruned are skipped.
    pub fn attempts(
        &self,
        subject: Option<&Subject>,
        after: Option<&[u8]>,
        limit: usize,
    ) -> StoreResult<Vec<(Vec<u8>, Attempt)>> {
        let prefix = attempt_prefix(subject);
        let after_key = after.map(|a| [prefix.as_slice(), a].concat());
        let mut out = Vec::new();
        for (k, _) in self.kv().scan(Column::Events, &prefix, after_key.as_deref(), limit)? {
            let cursor = k[prefix.len()..].to_vec();
            let (height, tx_index) = match (cursor.get(..8), cursor.get(8..12)) {
                (Some(h), Some(i)) => (
                    Height(u64::from_be_bytes(h.try_into().map_err(|e| corrupt_in("events", e))?)),
                    u32::from_be_bytes(i.try_into().map_err(|e| corrupt_in("events", e))?),
                ),
                _ => return Err(corrupt_in("events", "bad attempt position")),
            };
            let all = [attempt_prefix(None).as_slice(), &cursor].concat();
            let Some(v) = self.kv().get(Column::Events, &all)? else { continue };
            let record: AttemptRecord = borsh::from_slice(&v).map_err(|e| corrupt_in("events", e))?;
            let Some(outcome) = self.outcome(height, tx_index)? else { continue };
            out.push((cursor, Attempt { height, tx_index, tx_hash: outcome.tx_hash, record, outcome }));
        }
        Ok(out)
    }
}
