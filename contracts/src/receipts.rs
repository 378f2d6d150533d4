//! Usage receipts: the grantee records every use of data under a grant. A receipt is accepted only
//! under a grant that is usable at that block, within its field scope and its use limit; each one
//! increments the grant's use count.
//!
//! A receipt is history, not state (ADR 0004): it is the [`Event::ReceiptRecorded`] in its
//! block's outcomes (committed by the header's `outcomes_root`), and the state keeps per grant only
//! what later uses depend on (the use count, in the grant) and the head of the grant's receipt
//! chain ([`receipt_head_key`]), which commits to every receipt in order.

use crate::grants::{Grant, Unusable, countersigner_key, grant_key, load_grant, usability};
use crate::orgs::has_any_role;
use crate::store::{Store, View};
use shulian_runtime::call::{MAX_BATCH_RECEIPTS, ReceiptAttestation, ReceiptUse, ReceiptsCall};
use shulian_runtime::crypto::PublicKey;
use shulian_runtime::domain;
use shulian_runtime::events::{Event, next_receipt_head};
use shulian_runtime::exec::{ContractError, ExecError, TxContext};
use shulian_runtime::genesis::Role;
use shulian_runtime::hash::Hash;
use shulian_runtime::ids::{AccountId, DatasetId, GrantId, Height};
use shulian_runtime::state::{StateReader, StorageError};
use shulian_runtime::time::LedgerTime;

/// Refusals of the receipts contract.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptsError {
    /// Only departments and traders record uses.
    #[error("organization {0} is neither a department nor a trader; only they record receipts")]
    NotRecorderRole(AccountId),
    /// No such grant.
    #[error("grant {0} does not exist")]
    UnknownGrant(GrantId),
    /// Someone other than the grantee.
    #[error("grant {grant} is held by {grantee}; {sender} cannot record uses under it")]
    NotGrantee {
        /// Grant.
        grant: GrantId,
        /// Its grantee.
        grantee: AccountId,
        /// Sender.
        sender: AccountId,
    },
    /// Revoked by the grantor.
    #[error("grant {grant} was revoked at height {height}: {reason}")]
    Revoked {
        /// Grant.
        grant: GrantId,
        /// When.
        height: Height,
        /// Why.
        reason: String,
    },
    /// Before the window.
    #[error("grant {0} is not valid before {1}")]
    NotYetValid(GrantId, LedgerTime),
    /// After the window.
    #[error("grant {0} expired at {1}")]
    Expired(GrantId, LedgerTime),
    /// All uses spent.
    #[error("grant {grant} is exhausted: all {max_uses} uses are recorded")]
    Exhausted {
        /// Grant.
        grant: GrantId,
        /// Its limit.
        max_uses: u64,
    },
    /// No fields named.
    #[error("a receipt must name the fields the query used")]
    NoFields,
    /// Fields beyond the grant.
    #[error("fields {} are outside the scope of grant {grant}", fields.join(", "))]
    FieldsOutOfScope {
        /// Grant.
        grant: GrantId,
        /// The fields not granted.
        fields: Vec<String>,
    },
    /// The grantor is suspended.
    #[error("grant {grant} is suspended: its grantor {org} is suspended")]
    GrantorSuspended {
        /// Grant.
        grant: GrantId,
        /// Grantor.
        org: AccountId,
    },
    /// The grantee is suspended.
    #[error("grant {grant} is suspended: its grantee {org} is suspended")]
    GranteeSuspended {
        /// Grant.
        grant: GrantId,
        /// Grantee.
        org: AccountId,
    },
    /// The data set was put on the negative list.
    #[error("grant {grant} cannot be used: data set {dataset} is on the negative list ({reason})")]
    DatasetNegativeListed {
        /// Grant.
        grant: GrantId,
        /// Data set.
        dataset: DatasetId,
        /// The regulator's reason.
        reason: String,
    },
    /// A regulator froze the grant.
    #[error("grant {grant} cannot be used: frozen by regulator {regulator} ({reason})")]
    Frozen {
        /// Grant.
        grant: GrantId,
        /// The regulator.
        regulator: AccountId,
        /// The regulator's reason.
        reason: String,
    },
    /// The grant requires the provider's countersignature and the receipt has none.
    #[error("grant {grant} requires the countersignature of the provider's key {key}; this receipt has none")]
    CountersignatureMissing {
        /// Grant.
        grant: GrantId,
        /// The key that must countersign.
        key: PublicKey,
    },
    /// The countersignature is not the provider key's over this use.
    #[error(
        "the countersignature is not key {key}'s over use {seq} of grant {grant} with these query and result hashes and row count"
    )]
    BadCountersignature {
        /// Grant.
        grant: GrantId,
        /// The use's sequence number.
        seq: u64,
        /// The key that must countersign.
        key: PublicKey,
    },
    /// A countersignature under a grant that requires none.
    #[error("grant {0} does not require a countersignature; record the use without one")]
    CountersignatureNotRequired(GrantId),
    /// An empty batch.
    #[error("a batch of receipts needs at least one use")]
    EmptyBatch,
    /// Too many uses in one batch.
    #[error("a batch records at most {max} uses, not {got}")]
    BatchTooLarge {
        /// The limit.
        max: usize,
        /// The uses sent.
        got: usize,
    },
}

impl ContractError for ReceiptsError {
    fn code(&self) -> &'static str {
        match self {
            ReceiptsError::NotRecorderRole(_) => "receipts.not_recorder_role",
            ReceiptsError::UnknownGrant(_) => "receipts.unknown_grant",
            ReceiptsError::NotGrantee { .. } => "receipts.not_grantee",
            ReceiptsError::Revoked { .. } => "receipts.revoked",
            ReceiptsError::NotYetValid(..) => "receipts.not_yet_valid",
            ReceiptsError::Expired(..) => "receipts.expired",
            ReceiptsError::Exhausted { .. } => "receipts.exhausted",
            ReceiptsError::NoFields => "receipts.no_fields",
            ReceiptsError::FieldsOutOfScope { .. } => "receipts.fields_out_of_scope",
            ReceiptsError::GrantorSuspended { .. } => "receipts.grantor_suspended",
            ReceiptsError::GranteeSuspended { .. } => "receipts.grantee_suspended",
            ReceiptsError::DatasetNegativeListed { .. } => "receipts.dataset_negative_listed",
            ReceiptsError::Frozen { .. } => "receipts.grant_frozen",
            ReceiptsError::CountersignatureMissing { .. } => "receipts.countersignature_missing",
            ReceiptsError::BadCountersignature { .. } => "receipts.bad_countersignature",
            ReceiptsError::CountersignatureNotRequired(_) => "receipts.countersignature_not_required",
            ReceiptsError::EmptyBatch => "receipts.empty_batch",
            ReceiptsError::BatchTooLarge { .. } => "receipts.batch_too_large",
        }
    }
}

refusal!(ReceiptsError);

/// State key of a grant's receipt chain head (32 bytes; absent until its first receipt).
pub fn receipt_head_key(grant: &GrantId) -> Vec<u8> {
    [b"receipts/head/".as_slice(), &grant.0].concat()
}

/// The head of a grant's receipt chain in committed state ([`Hash::ZERO`] before its first
/// receipt); see [`shulian_runtime::events::next_receipt_head`].
pub fn receipt_head<S: StateReader + ?Sized>(state: &S, grant: &GrantId) -> Result<Hash, StorageError> {
    Ok(View(state).read::<Hash>(&receipt_head_key(grant))?.unwrap_or(Hash::ZERO))
}

/// Executes a receipts call.
pub(crate) fn execute(ctx: &mut TxContext<'_>, call: &ReceiptsCall) -> Result<(), ExecError> {
    if !has_any_role(ctx, &ctx.sender, &[Role::Department, Role::Trader])? {
        return Err(ReceiptsError::NotRecorderRole(ctx.sender).into());
    }
    match call {
        ReceiptsCall::Record { grant, query_hash, result_hash, row_count, fields_used } => {
            let u = ReceiptUse {
                query_hash: *query_hash,
                result_hash: *result_hash,
                row_count: *row_count,
                fields_used: fields_used.clone(),
                countersignature: None,
            };
            record(ctx, grant, std::slice::from_ref(&u))
        }
        ReceiptsCall::RecordCountersigned {
            grant,
            query_hash,
            result_hash,
            row_count,
            fields_used,
            countersignature,
        } => {
            let u = ReceiptUse {
                query_hash: *query_hash,
                result_hash: *result_hash,
                row_count: *row_count,
                fields_used: fields_used.clone(),
                countersignature: Some(*countersignature),
            };
            record(ctx, grant, std::slice::from_ref(&u))
        }
        ReceiptsCall::RecordBatch { grant, uses } => {
            if uses.is_empty() {
                return Err(ReceiptsError::EmptyBatch.into());
            }
            if uses.len() > MAX_BATCH_RECEIPTS {
                return Err(ReceiptsError::BatchTooLarge { max: MAX_BATCH_RECEIPTS, got: uses.len() }.into());
            }
            record(ctx, grant, uses)
        }
    }
}

/// Records `uses` under `grant` in order, each checked against the grant as the ones before it
/// left it (a failure anywhere fails the transaction, which records none).
fn record(ctx: &mut TxContext<'_>, grant: &GrantId, uses: &[ReceiptUse]) -> Result<(), ExecError> {
    let mut g = load_grant(ctx, grant)?.ok_or(ReceiptsError::UnknownGrant(*grant))?;
    let countersigner = ctx.get::<PublicKey>(&countersigner_key(grant))?;
    let mut head = ctx.get::<Hash>(&receipt_head_key(grant))?.unwrap_or(Hash::ZERO);
    for u in uses {
        check_use(ctx, &g, &u.fields_used)?;
        let seq = g.uses + 1;
        check_countersignature(&g, seq, countersigner.as_ref(), u)?;
        g.uses = seq;
        let receipt = Event::ReceiptRecorded {
            grant: *grant,
            seq,
            dataset: g.dataset,
            grantor: g.grantor,
            grantee: g.grantee,
            query_hash: u.query_hash,
            result_hash: u.result_hash,
            row_count: u.row_count,
            fields_used: u.fields_used.clone(),
        };
        head = next_receipt_head(&head, &receipt);
        ctx.emit(receipt);
    }
    ctx.put(receipt_head_key(grant), &head)?;
    ctx.put(grant_key(grant), &g)?;
    Ok(())
}

/// A use under a grant that requires a countersignature carries the provider key's signature over
/// its attestation; a use under one that does not carries none.
fn check_countersignature(
    g: &Grant,
    seq: u64,
    countersigner: Option<&PublicKey>,
    u: &ReceiptUse,
) -> Result<(), ReceiptsError> {
    match (countersigner, &u.countersignature) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(ReceiptsError::CountersignatureNotRequired(g.id)),
        (Some(key), None) => Err(ReceiptsError::CountersignatureMissing { grant: g.id, key: *key }),
        (Some(key), Some(sig)) => {
            let attestation = ReceiptAttestation {
                grant: g.id,
                seq,
                query_hash: u.query_hash,
                result_hash: u.result_hash,
                row_count: u.row_count,
            };
            key.verify(domain::RECEIPT_COUNTERSIGN, &attestation.sign_bytes(), sig)
                .map_err(|_| ReceiptsError::BadCountersignature { grant: g.id, seq, key: *key })
        }
    }
}

/// Every rule a use must meet, each refused with its own error.
fn check_use(ctx: &TxContext<'_>, g: &Grant, fields_used: &[String]) -> Result<(), ExecError> {
    let unusable = usability(ctx, g, ctx.timestamp_ms)?;
    match refusal(ctx.sender, g, unusable, fields_used) {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// The first rule the use breaks, in order: grantee, revoked, window, suspension, negative list,
/// uses left, field scope.
fn refusal(sender: AccountId, g: &Grant, unusable: Option<Unusable>, fields_used: &[String]) -> Option<ReceiptsError> {
    let grant = g.id;
    if g.grantee != sender {
        return Some(ReceiptsError::NotGrantee { grant, grantee: g.grantee, sender });
    }
    if let Some(u) = unusable {
        return Some(match u {
            Unusable::Revoked(r) => ReceiptsError::Revoked { grant, height: r.height, reason: r.reason },
            Unusable::NotYetValid(b) => ReceiptsError::NotYetValid(grant, b),
            Unusable::Expired(b) => ReceiptsError::Expired(grant, b),
            Unusable::GrantorSuspended(org) => ReceiptsError::GrantorSuspended { grant, org },
            Unusable::GranteeSuspended(org) => ReceiptsError::GranteeSuspended { grant, org },
            Unusable::NegativeListed(reason) => {
                ReceiptsError::DatasetNegativeListed { grant, dataset: g.dataset, reason }
            }
            Unusable::Frozen(z) => ReceiptsError::Frozen { grant, regulator: z.regulator, reason: z.reason },
        });
    }
    if g.uses >= g.max_uses {
        return Some(ReceiptsError::Exhausted { grant, max_uses: g.max_uses });
    }
    if fields_used.is_empty() {
        return Some(ReceiptsError::NoFields);
    }
    let mut outside: Vec<String> = fields_used.iter().filter(|f| !g.fields.contains(f)).cloned().collect();
    outside.sort();
    outside.dedup();
    if !outside.is_empty() {
        return Some(ReceiptsError::FieldsOutOfScope { grant, fields: outside });
    }
    None
}
