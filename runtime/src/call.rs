//! The calls a transaction can make. These are pure data, shared by the wallet (which builds them)
//! and the contracts (which execute them). New variants are only ever appended, so that the borsh
//! variant index of an existing call never changes.

use crate::crypto::{PublicKey, Signature};
use crate::genesis::Role;
use crate::hash::Hash;
use crate::ids::{AccountId, DatasetId, DemandId, Fen, GrantId, Height, ListingId, OrderId, ProposalId, RequestId};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Every call, by contract.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "contract", content = "call", rename_all = "snake_case")]
pub enum Call {
    /// Settlement money: balances in fen.
    Settlement(SettlementCall),
    /// Organization governance: admission, suspension, key rotation.
    Orgs(OrgsCall),
    /// The data catalog.
    Catalog(CatalogCall),
    /// Data-use requests and the grants that answer them.
    Grants(GrantsCall),
    /// Usage receipts recorded under grants.
    Receipts(ReceiptsCall),
    /// Derived data sets and their parents.
    Lineage(LineageCall),
    /// The data exchange: listings, orders, escrow and disputes.
    Market(MarketCall),
    /// Proof that a validator misbehaved, recorded for the regulator.
    Evidence(EvidenceCall),
    /// Data elements with their one responsible department, and the demand list.
    Registry(RegistryCall),
}

/// Most data elements one data set may declare, and one demand may ask for.
pub const MAX_ELEMENTS_PER_CALL: usize = 32;

/// Calls of the registry contract: the data elements, each with the one department responsible
/// for it (一数一源, the responsibility list 责任清单), and the demand list (需求清单) of data not
/// yet in the catalog, with deadlines in ledger time.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RegistryCall {
    /// A regulator defines a data element and names the department responsible for it.
    DefineElement {
        /// Its code: 1-64 characters of `a-z`, `0-9`, `_`, `.` and `-`, e.g. `resident_id`.
        code: String,
        /// Its human name, e.g. "居民身份证号"; not empty.
        name: String,
        /// The one department responsible for it.
        responsible: AccountId,
    },
    /// A regulator moves an element's responsibility to another department. The element then has
    /// no authoritative data set until the new department registers one.
    TransferElement {
        /// The element.
        code: String,
        /// The department responsible from now on.
        to: AccountId,
        /// Why; not empty.
        reason: String,
    },
    /// A department files a demand for data that is not yet in the catalog.
    FileDemand {
        /// The data elements wanted (defined ones), 1 to [`MAX_ELEMENTS_PER_CALL`].
        elements: Vec<String>,
        /// What for; not empty.
        purpose: String,
    },
    /// A regulator assigns a filed demand to a department, which must answer it before the
    /// deadline (ledger time).
    AssignDemand {
        /// The demand.
        demand: DemandId,
        /// The department that must answer.
        to: AccountId,
        /// Ledger time, ms, by which it must answer; later than the block's.
        deadline_ms: u64,
    },
    /// The assigned department answers a demand with a grant to the demander on its own data set.
    AnswerDemand {
        /// The demand.
        demand: DemandId,
        /// A grant the sender issued to the demander, not revoked.
        grant: GrantId,
    },
    /// The assigned department refuses a demand, stating the legal basis.
    RefuseDemand {
        /// The demand.
        demand: DemandId,
        /// The law or rule that forbids sharing; not empty.
        legal_basis: String,
    },
    /// The demander withdraws a demand that has not been answered.
    WithdrawDemand {
        /// The demand.
        demand: DemandId,
    },
}

/// How a data set registered with elements relates to them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", content = "dataset", rename_all = "snake_case")]
pub enum ElementSource {
    /// The authoritative source of every element it carries: the sender must be each one's
    /// responsible department, and no other live data set may already be its source.
    Authoritative,
    /// A copy of an authoritative data set, which carries every element this one declares.
    CopyOf(DatasetId),
}

/// Calls of the evidence contract. Anyone may submit evidence; it proves itself.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EvidenceCall {
    /// Two conflicting votes signed by one validator.
    Equivocation(Box<crate::evidence::Equivocation>),
}

/// Calls of the settlement contract.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SettlementCall {
    /// Moves `amount` from the sender's settlement balance to `to`.
    Transfer {
        /// The receiving account.
        to: AccountId,
        /// How much, in fen; must be more than zero.
        amount: Fen,
    },
    /// The exchange center, as clearing house, credits money paid into its bank account; the total
    /// supply grows by `amount`.
    Deposit {
        /// The organization credited.
        to: AccountId,
        /// How much, in fen; must be more than zero.
        amount: Fen,
        /// The off-chain bank transfer's reference; not empty.
        bank_ref: String,
    },
    /// The exchange center, as clearing house, debits money paid out to an organization's bank
    /// account; the total supply shrinks by `amount`. Only the amount the organization itself
    /// asked for (`RequestWithdrawal`), which it consumes.
    Withdraw {
        /// The organization debited.
        from: AccountId,
        /// How much, in fen; must be more than zero.
        amount: Fen,
        /// The off-chain bank transfer's reference; not empty.
        bank_ref: String,
    },
    /// An organization asks the clearing house to pay `amount` of its balance out to its bank
    /// account. It replaces any request of its own not yet paid; the exchange center's
    /// `Withdraw` of exactly this amount pays it.
    RequestWithdrawal {
        /// How much, in fen; more than zero and at most the balance.
        amount: Fen,
    },
}

/// Calls of the organizations contract. Only validator-operator organizations may make them.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrgsCall {
    /// Opens a governance proposal; the proposer still has to vote for it.
    Propose {
        /// What the proposal does once more than 2/3 of the validator operators approve it.
        action: ProposalAction,
    },
    /// Votes on an open proposal; each organization once.
    Vote {
        /// The proposal.
        proposal: ProposalId,
        /// For (true) or against (false).
        approve: bool,
    },
    /// The operator of a validator replaces its consensus key; the new key signs from the block
    /// [`crate::valset::ACTIVATION_DELAY`] after this one's. No vote: the key is the operator's.
    RotateValidatorKey {
        /// The validator's current key (of the set pending activation).
        old_key: PublicKey,
        /// The key that replaces it; bound to nothing.
        new_key: PublicKey,
        /// `new_key`'s signature over `valset::PossessionClaim { public_key: new_key, operator }`.
        possession: Signature,
    },
    /// A regulator suspends an organization directly, without a vote: it can do nothing and its
    /// grants cannot be used until it is reinstated (by the regulator or by governance).
    RegulatorSuspend {
        /// The organization.
        org: AccountId,
        /// Why; not empty.
        reason: String,
    },
    /// A regulator lifts a suspension.
    RegulatorReinstate {
        /// The organization.
        org: AccountId,
        /// Why; not empty.
        reason: String,
    },
}

/// What a governance proposal does when it passes.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ProposalAction {
    /// Admits a new organization controlled by `public_key`; its id is derived from that key.
    Admit {
        /// Human name.
        name: String,
        /// Roles; at least one.
        roles: Vec<Role>,
        /// Its first key; must not be bound to any organization yet.
        public_key: PublicKey,
    },
    /// Suspends an organization: it can do nothing, and grants it gives or holds cannot be used.
    Suspend {
        /// The organization.
        org: AccountId,
        /// Why, for the record.
        reason: String,
    },
    /// Lifts a suspension.
    Reinstate {
        /// The organization.
        org: AccountId,
    },
    /// Replaces one of an organization's keys: the old key can sign nothing afterwards.
    RotateKey {
        /// The organization.
        org: AccountId,
        /// An active key of `org`.
        old_key: PublicKey,
        /// A key not bound to any organization.
        new_key: PublicKey,
    },
    /// Adds a validator; it signs from the block [`crate::valset::ACTIVATION_DELAY`] after the one
    /// that executes the proposal.
    AddValidator {
        /// Its name (its operator's, by convention).
        name: String,
        /// Its consensus key; in no set and bound to no organization.
        public_key: PublicKey,
        /// The organization that operates it (holds the validator-operator role, not suspended).
        operator: AccountId,
        /// Its voting power (> 0).
        power: u64,
        /// `public_key`'s signature over `valset::PossessionClaim { public_key, operator }`.
        possession: Signature,
    },
    /// Removes a validator (its node may keep following the chain as an observer).
    RemoveValidator {
        /// Its consensus key.
        public_key: PublicKey,
    },
    /// Changes a validator's voting power.
    SetValidatorPower {
        /// Its consensus key.
        public_key: PublicKey,
        /// The new power (> 0).
        power: u64,
    },
    /// Schedules a protocol upgrade: from block `height` on, blocks carry protocol `version`, and a
    /// node that does not know it stops at that height.
    ScheduleUpgrade {
        /// The new version, above the current one.
        version: u32,
        /// The first block of the new version; more than the activation delay ahead.
        height: Height,
    },
    /// Defines a data element and its responsible department, as a regulator can
    /// (`RegistryCall::DefineElement`).
    DefineElement {
        /// Its code.
        code: String,
        /// Its human name.
        name: String,
        /// The responsible department.
        responsible: AccountId,
    },
    /// Moves a data element's responsibility, as a regulator can (`RegistryCall::TransferElement`).
    TransferElement {
        /// The element's code.
        code: String,
        /// The department responsible from now on.
        to: AccountId,
        /// Why.
        reason: String,
    },
}

impl ProposalAction {
    /// The organization the action concerns (for `Admit`, the id the new organization will have;
    /// for a new validator, its operator; for the other validator-set changes and upgrades, which
    /// concern the whole network, the system account of all zeros).
    pub fn org(&self) -> AccountId {
        match self {
            ProposalAction::Admit { public_key, .. } => AccountId::from_public_key(public_key),
            ProposalAction::AddValidator { operator, .. } => *operator,
            ProposalAction::RemoveValidator { .. }
            | ProposalAction::SetValidatorPower { .. }
            | ProposalAction::ScheduleUpgrade { .. } => AccountId([0; 32]),
            ProposalAction::DefineElement { responsible: org, .. }
            | ProposalAction::TransferElement { to: org, .. } => *org,
            ProposalAction::Suspend { org, .. }
            | ProposalAction::Reinstate { org }
            | ProposalAction::RotateKey { org, .. } => *org,
        }
    }
}

/// How sensitive a data set is; `Core` data needs a regulator's co-approval to be shared.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// General data.
    General,
    /// Important data.
    Important,
    /// Core data: every grant needs a regulator's co-approval.
    Core,
}

/// Whether and how a data set may be shared.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SharingAttribute {
    /// Shared on request: the grant is issued at once (core data still needs a regulator).
    Unconditional,
    /// Shared when the owner approves each request.
    Conditional,
    /// Never shared; requests are refused.
    NotShareable,
}

/// The catalog entry a department registers (also used for a derived data set).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DatasetSpec {
    /// Human name; not empty.
    pub name: String,
    /// blake3 of the off-chain metadata document.
    pub metadata_hash: Hash,
    /// blake3 of the off-chain schema document.
    pub schema_hash: Hash,
    /// Field names; non-empty and unique.
    pub fields: Vec<String>,
    /// Subject category, e.g. "transport".
    pub category: String,
    /// Classification level.
    pub classification: Classification,
    /// Sharing attribute.
    pub sharing: SharingAttribute,
    /// How often it is updated, e.g. "daily".
    pub update_frequency: String,
}

/// Calls of the catalog contract.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CatalogCall {
    /// Registers a data set owned by the sender (a department), at version 1.
    Register {
        /// The catalog entry.
        dataset: DatasetSpec,
    },
    /// Publishes a new version of the sender's data set; the version number increments.
    PublishVersion {
        /// The data set.
        dataset: DatasetId,
        /// blake3 of the new metadata document.
        metadata_hash: Hash,
        /// blake3 of the new schema document.
        schema_hash: Hash,
        /// A new field list, or `None` to keep the current one.
        fields: Option<Vec<String>>,
    },
    /// Retires the sender's data set: it can no longer be requested or versioned.
    Retire {
        /// The data set.
        dataset: DatasetId,
    },
    /// A regulator puts a data set on the negative list: no new grants, no further use of old ones.
    NegativeList {
        /// The data set.
        dataset: DatasetId,
        /// Why; not empty.
        reason: String,
    },
    /// A regulator takes a data set off the negative list.
    RemoveNegativeList {
        /// The data set.
        dataset: DatasetId,
        /// Why; not empty.
        reason: String,
    },
    /// A regulator re-grades a data set: sets its classification level and sharing attribute,
    /// higher or lower (the only way a classification is ever lowered), with a reason recorded in
    /// the event. Grants already issued keep their terms; requests from now on follow the new
    /// grade, and data sets derived from it from now on must be at least as strict.
    Regrade {
        /// The data set.
        dataset: DatasetId,
        /// Its new classification level.
        classification: Classification,
        /// Its new sharing attribute.
        sharing: SharingAttribute,
        /// Why; not empty.
        reason: String,
    },
    /// Registers a data set, like `Register`, that declares the data elements it carries and
    /// whether it is their authoritative source or a copy (一数一源).
    RegisterWithElements {
        /// The catalog entry.
        dataset: DatasetSpec,
        /// The defined elements it carries, 1 to [`MAX_ELEMENTS_PER_CALL`], no repeats.
        elements: Vec<String>,
        /// Authoritative source, or the copy of which authoritative data set.
        source: ElementSource,
    },
}

/// When a grant may be used, in ledger time (block timestamps, ms since the Unix epoch): from
/// `from_ms` (inclusive) until `until_ms` (exclusive: a block stamped `until_ms` or later finds it
/// expired). Deadlines are never in block heights, whose pace depends on load (docs/consensus.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Validity {
    /// First usable ledger time, ms.
    pub from_ms: u64,
    /// First ledger time, ms, at which it is no longer usable.
    pub until_ms: u64,
}

impl Validity {
    /// Whether a block stamped `time_ms` lies in the window.
    pub fn contains(&self, time_ms: u64) -> bool {
        self.from_ms <= time_ms && time_ms < self.until_ms
    }

    /// Whether the window is over for a block stamped `time_ms`.
    pub fn ended(&self, time_ms: u64) -> bool {
        time_ms >= self.until_ms
    }
}

/// How long the seller of a listing gives itself to deliver and the buyer to accept or dispute,
/// in ledger time; `None` takes the market's default (`WindowRules`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TradeWindows {
    /// From placement: the seller confirms delivery before it ends; after, the buyer may cancel.
    pub delivery_ms: Option<u64>,
    /// From delivery: the buyer accepts or disputes before it ends; after, the seller may claim.
    pub acceptance_ms: Option<u64>,
}

/// The exchange center's rules for trade windows: every listing's windows lie in
/// `min_ms..=max_ms`, and a listing that names none gets the defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WindowRules {
    /// Shortest window a listing may set, ms.
    pub min_ms: u64,
    /// Longest window a listing may set, ms.
    pub max_ms: u64,
    /// Delivery window of a listing that sets none, ms.
    pub default_delivery_ms: u64,
    /// Acceptance window of a listing that sets none, ms.
    pub default_acceptance_ms: u64,
}

/// Calls of the grants contract.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GrantsCall {
    /// Files a request to use a data set (an entry of the demand list).
    Request {
        /// The data set.
        dataset: DatasetId,
        /// What the data will be used for.
        purpose: String,
        /// The fields wanted: a non-empty subset of the data set's fields.
        fields: Vec<String>,
        /// Start of the validity window in ledger time, ms (inclusive).
        valid_from_ms: u64,
        /// End of the validity window in ledger time, ms (exclusive).
        valid_until_ms: u64,
        /// How many uses (receipts) the grant allows; more than zero.
        max_uses: u64,
    },
    /// The data set's owner approves a pending request.
    Approve {
        /// The request.
        request: RequestId,
    },
    /// The data set's owner rejects a pending request.
    Reject {
        /// The request.
        request: RequestId,
        /// Why.
        reason: String,
    },
    /// A regulator co-approves a pending request for a core data set.
    CoApprove {
        /// The request.
        request: RequestId,
    },
    /// The grantor revokes a grant; it can never be used again.
    Revoke {
        /// The grant.
        grant: GrantId,
        /// Why.
        reason: String,
    },
    /// The grantor requires its data-serving system's countersignature on every later use of a
    /// grant: from now on a receipt counts only when `key` signed the same (grant, sequence
    /// number, query hash, result hash, row count) as the grantee. Set once; it cannot be lifted.
    RequireCountersignature {
        /// The grant.
        grant: GrantId,
        /// The provider system's public key.
        key: PublicKey,
    },
    /// A regulator freezes a grant directly: no use is recorded under it until it is unfrozen.
    Freeze {
        /// The grant.
        grant: GrantId,
        /// Why; not empty.
        reason: String,
    },
    /// A regulator lifts its freeze of a grant.
    Unfreeze {
        /// The grant.
        grant: GrantId,
        /// Why; not empty.
        reason: String,
    },
}

/// Calls of the receipts contract.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReceiptsCall {
    /// The grantee records one use of the data under a grant.
    Record {
        /// The grant.
        grant: GrantId,
        /// blake3 of the query run.
        query_hash: Hash,
        /// blake3 of the result returned.
        result_hash: Hash,
        /// Number of rows returned.
        row_count: u64,
        /// The fields the query read; all within the grant's scope.
        fields_used: Vec<String>,
    },
    /// The grantee records one use under a grant that requires the provider's countersignature:
    /// `countersignature` is the provider system's signature over the [`ReceiptAttestation`] of
    /// this use (the grant's next sequence number and the same hashes and row count).
    RecordCountersigned {
        /// The grant.
        grant: GrantId,
        /// blake3 of the query run.
        query_hash: Hash,
        /// blake3 of the result returned.
        result_hash: Hash,
        /// Number of rows returned.
        row_count: u64,
        /// The fields the query read; all within the grant's scope.
        fields_used: Vec<String>,
        /// The provider system's signature over the use's [`ReceiptAttestation`].
        countersignature: Signature,
    },
    /// The grantee records up to [`MAX_BATCH_RECEIPTS`] uses under one grant in one transaction,
    /// in order (sequence numbers follow one another); all are recorded or none.
    RecordBatch {
        /// The grant.
        grant: GrantId,
        /// The uses, in order.
        uses: Vec<ReceiptUse>,
    },
}

/// Most uses one [`ReceiptsCall::RecordBatch`] records.
pub const MAX_BATCH_RECEIPTS: usize = 100;

/// One use in a [`ReceiptsCall::RecordBatch`].
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceiptUse {
    /// blake3 of the query run.
    pub query_hash: Hash,
    /// blake3 of the result returned.
    pub result_hash: Hash,
    /// Number of rows returned.
    pub row_count: u64,
    /// The fields the query read; all within the grant's scope.
    pub fields_used: Vec<String>,
    /// The provider's countersignature: required exactly when the grant requires one.
    pub countersignature: Option<Signature>,
}

/// What a provider's system countersigns for one use under a grant that requires it: signed under
/// `domain::RECEIPT_COUNTERSIGN` over `borsh(ReceiptAttestation)`. The grant id (unique to its
/// chain: it derives from the hash of a transaction that names the chain) and the sequence number
/// make a countersignature good for one use only.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct ReceiptAttestation {
    /// The grant.
    pub grant: GrantId,
    /// The use's sequence number under the grant (its use count after it, from 1).
    pub seq: u64,
    /// blake3 of the query run.
    pub query_hash: Hash,
    /// blake3 of the result returned.
    pub result_hash: Hash,
    /// Number of rows returned.
    pub row_count: u64,
}

impl ReceiptAttestation {
    /// The signed bytes.
    pub fn sign_bytes(&self) -> Vec<u8> {
        borsh::to_vec(self).unwrap_or_default()
    }
}

/// A parent of a derived data set, and the grant under which the sender used it (`None` only when
/// the sender owns the parent).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParentRef {
    /// The parent data set.
    pub dataset: DatasetId,
    /// The grant the sender holds on it.
    pub grant: Option<GrantId>,
}

/// Calls of the lineage contract.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LineageCall {
    /// Registers a data set derived from `parents` in the catalog, owned by the sender.
    RegisterDerived {
        /// The new data set's catalog entry.
        dataset: DatasetSpec,
        /// Its parents; non-empty, no data set twice.
        parents: Vec<ParentRef>,
    },
}

/// What a listing sells.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Product {
    /// A data set of the catalog, owned by the seller; a completed order grants the buyer its use.
    Dataset(DatasetId),
    /// A product outside the catalog (e.g. a report), described off chain.
    OffCatalog {
        /// Human name; not empty.
        name: String,
        /// blake3 of the off-chain description.
        metadata_hash: Hash,
    },
}

impl Product {
    /// The catalog data set sold, if any.
    pub fn dataset(&self) -> Option<DatasetId> {
        match self {
            Product::Dataset(d) => Some(*d),
            Product::OffCatalog { .. } => None,
        }
    }
}

/// The exchange center's decision on a disputed order. The escrow holds `price + fee`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Ruling {
    /// The buyer gets `price + fee` back.
    Refund,
    /// The seller gets the price and the exchange center the fee, as if the buyer had accepted.
    Pay,
    /// The price is split: the buyer gets `floor(price * buyer_bps / 10000)`, the seller the rest
    /// (so no fen is lost); the exchange center gets the fee.
    Split {
        /// The buyer's share of the price in basis points, 0..=10000.
        buyer_bps: u16,
    },
}

/// Calls of the market contract.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MarketCall {
    /// A department or trader offers a data product; it waits for the exchange center's review.
    SubmitListing {
        /// What is sold.
        product: Product,
        /// Price in fen; more than zero. The buyer also pays the exchange fee on top.
        price: Fen,
        /// blake3 of the licence terms document.
        licence_terms_hash: Hash,
        /// How the data is delivered, e.g. "sftp"; not empty.
        delivery_method: String,
        /// What the buyer may use the data for; not empty.
        purpose: String,
        /// Validity window of the grant a completed order issues.
        validity: Validity,
        /// Fields sold; for a data set a non-empty subset of its fields.
        fields: Vec<String>,
        /// Uses (receipts) the issued grant allows; more than zero.
        max_uses: u64,
        /// Delivery and acceptance windows, within the market's `WindowRules`.
        windows: TradeWindows,
    },
    /// The exchange center's compliance review of a pending listing.
    ReviewListing {
        /// The listing.
        listing: ListingId,
        /// Approve (true) or reject (false).
        approve: bool,
        /// Why, for the record.
        reason: String,
    },
    /// A regulator freezes a listing: it takes no orders until unfrozen.
    FreezeListing {
        /// The listing.
        listing: ListingId,
        /// Why; not empty.
        reason: String,
    },
    /// A regulator lifts a freeze.
    UnfreezeListing {
        /// The listing.
        listing: ListingId,
        /// Why; not empty.
        reason: String,
    },
    /// The seller takes a listing off the market; orders already placed run their course.
    WithdrawListing {
        /// The listing.
        listing: ListingId,
    },
    /// A department or trader (not the seller) buys: price plus fee move into escrow.
    PlaceOrder {
        /// The listing.
        listing: ListingId,
    },
    /// The seller records delivery within the delivery window.
    ConfirmDelivery {
        /// The order.
        order: OrderId,
        /// blake3 of what was delivered off chain.
        delivery_hash: Hash,
    },
    /// The buyer accepts a delivery: the seller is paid and, for a data set, a grant is issued.
    AcceptDelivery {
        /// The order.
        order: OrderId,
    },
    /// The buyer disputes a delivery within the acceptance window.
    OpenDispute {
        /// The order.
        order: OrderId,
        /// Why; not empty.
        reason: String,
    },
    /// The exchange center rules on a disputed order.
    Arbitrate {
        /// The order.
        order: OrderId,
        /// The ruling.
        ruling: Ruling,
    },
    /// The buyer cancels an order not delivered within the delivery window: full refund.
    CancelOrder {
        /// The order.
        order: OrderId,
    },
    /// The seller collects payment after the buyer let the acceptance window pass.
    ClaimSettlement {
        /// The order.
        order: OrderId,
    },
    /// The exchange center sets the fee rate for new orders, in basis points (0..=2000).
    SetFeeRate {
        /// The rate.
        bps: u16,
    },
    /// The exchange center sets the bounds and defaults of trade windows for new listings.
    SetWindowRules {
        /// The rules.
        rules: WindowRules,
    },
}

impl Call {
    /// A short name for logs and listings, e.g. `settlement.transfer`.
    pub fn name(&self) -> &'static str {
        match self {
            Call::Settlement(SettlementCall::Transfer { .. }) => "settlement.transfer",
            Call::Settlement(SettlementCall::Deposit { .. }) => "settlement.deposit",
            Call::Settlement(SettlementCall::Withdraw { .. }) => "settlement.withdraw",
            Call::Settlement(SettlementCall::RequestWithdrawal { .. }) => "settlement.request_withdrawal",
            Call::Orgs(OrgsCall::Propose { .. }) => "orgs.propose",
            Call::Orgs(OrgsCall::Vote { .. }) => "orgs.vote",
            Call::Orgs(OrgsCall::RotateValidatorKey { .. }) => "orgs.rotate_validator_key",
            Call::Orgs(OrgsCall::RegulatorSuspend { .. }) => "orgs.regulator_suspend",
            Call::Orgs(OrgsCall::RegulatorReinstate { .. }) => "orgs.regulator_reinstate",
            Call::Catalog(CatalogCall::Register { .. }) => "catalog.register",
            Call::Catalog(CatalogCall::PublishVersion { .. }) => "catalog.publish_version",
            Call::Catalog(CatalogCall::Retire { .. }) => "catalog.retire",
            Call::Catalog(CatalogCall::NegativeList { .. }) => "catalog.negative_list",
            Call::Catalog(CatalogCall::RemoveNegativeList { .. }) => "catalog.remove_negative_list",
            Call::Catalog(CatalogCall::Regrade { .. }) => "catalog.regrade",
            Call::Catalog(CatalogCall::RegisterWithElements { .. }) => "catalog.register_with_elements",
            Call::Grants(GrantsCall::Request { .. }) => "grants.request",
            Call::Grants(GrantsCall::Approve { .. }) => "grants.approve",
            Call::Grants(GrantsCall::Reject { .. }) => "grants.reject",
            Call::Grants(GrantsCall::CoApprove { .. }) => "grants.co_approve",
            Call::Grants(GrantsCall::Revoke { .. }) => "grants.revoke",
            Call::Grants(GrantsCall::RequireCountersignature { .. }) => "grants.require_countersignature",
            Call::Grants(GrantsCall::Freeze { .. }) => "grants.freeze",
            Call::Grants(GrantsCall::Unfreeze { .. }) => "grants.unfreeze",
            Call::Receipts(ReceiptsCall::Record { .. }) => "receipts.record",
            Call::Receipts(ReceiptsCall::RecordCountersigned { .. }) => "receipts.record_countersigned",
            Call::Receipts(ReceiptsCall::RecordBatch { .. }) => "receipts.record_batch",
            Call::Lineage(LineageCall::RegisterDerived { .. }) => "lineage.register_derived",
            Call::Market(MarketCall::SubmitListing { .. }) => "market.submit_listing",
            Call::Market(MarketCall::ReviewListing { .. }) => "market.review_listing",
            Call::Market(MarketCall::FreezeListing { .. }) => "market.freeze_listing",
            Call::Market(MarketCall::UnfreezeListing { .. }) => "market.unfreeze_listing",
            Call::Market(MarketCall::WithdrawListing { .. }) => "market.withdraw_listing",
            Call::Market(MarketCall::PlaceOrder { .. }) => "market.place_order",
            Call::Market(MarketCall::ConfirmDelivery { .. }) => "market.confirm_delivery",
            Call::Market(MarketCall::AcceptDelivery { .. }) => "market.accept_delivery",
            Call::Market(MarketCall::OpenDispute { .. }) => "market.open_dispute",
            Call::Market(MarketCall::Arbitrate { .. }) => "market.arbitrate",
            Call::Market(MarketCall::CancelOrder { .. }) => "market.cancel_order",
            Call::Market(MarketCall::ClaimSettlement { .. }) => "market.claim_settlement",
            Call::Market(MarketCall::SetFeeRate { .. }) => "market.set_fee_rate",
            Call::Market(MarketCall::SetWindowRules { .. }) => "market.set_window_rules",
            Call::Evidence(EvidenceCall::Equivocation(_)) => "evidence.equivocation",
            Call::Registry(RegistryCall::DefineElement { .. }) => "registry.define_element",
            Call::Registry(RegistryCall::TransferElement { .. }) => "registry.transfer_element",
            Call::Registry(RegistryCall::FileDemand { .. }) => "registry.file_demand",
            Call::Registry(RegistryCall::AssignDemand { .. }) => "registry.assign_demand",
            Call::Registry(RegistryCall::AnswerDemand { .. }) => "registry.answer_demand",
            Call::Registry(RegistryCall::RefuseDemand { .. }) => "registry.refuse_demand",
            Call::Registry(RegistryCall::WithdrawDemand { .. }) => "registry.withdraw_demand",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn existing_variant_indices_never_move() {
        let t = Call::Settlement(SettlementCall::Transfer { to: AccountId([1; 32]), amount: Fen(5) });
        assert_eq!(borsh::to_vec(&t).unwrap_or_default()[0], 0, "settlement stays variant 0");
        let r = Call::Receipts(ReceiptsCall::Record {
            grant: GrantId([2; 32]),
            query_hash: Hash::ZERO,
            result_hash: Hash::ZERO,
            row_count: 1,
            fields_used: vec!["a".into()],
        });
        let bytes = borsh::to_vec(&r).unwrap_or_default();
        assert_eq!(bytes[0], 4);
        assert_eq!(borsh::from_slice::<Call>(&bytes).ok(), Some(r));
    }

    #[test]
    fn every_call_kind_round_trips_through_borsh() {
        let d = DatasetId([3; 32]);
        let spec = DatasetSpec {
            name: "n".into(),
            metadata_hash: Hash::ZERO,
            schema_hash: Hash::ZERO,
            fields: vec!["f".into()],
            category: "c".into(),
            classification: Classification::Core,
            sharing: SharingAttribute::Conditional,
            update_frequency: "daily".into(),
        };
        let calls = [
            Call::Orgs(OrgsCall::Propose {
                action: ProposalAction::RotateKey {
                    org: AccountId([1; 32]),
                    old_key: PublicKey([2; 32]),
                    new_key: PublicKey([3; 32]),
                },
            }),
            Call::Orgs(OrgsCall::Vote { proposal: ProposalId([4; 32]), approve: true }),
            Call::Catalog(CatalogCall::Register { dataset: spec.clone() }),
            Call::Grants(GrantsCall::Request {
                dataset: d,
                purpose: "p".into(),
                fields: vec!["f".into()],
                valid_from_ms: 1,
                valid_until_ms: 9,
                max_uses: 2,
            }),
            Call::Lineage(LineageCall::RegisterDerived {
                dataset: spec,
                parents: vec![ParentRef { dataset: d, grant: Some(GrantId([5; 32])) }],
            }),
        ];
        for (c, index) in calls.iter().zip([1u8, 1, 2, 3, 5]) {
            let bytes = borsh::to_vec(c).unwrap_or_default();
            assert_eq!(bytes[0], index, "{}", c.name());
            assert_eq!(borsh::from_slice::<Call>(&bytes).ok().as_ref(), Some(c));
        }
    }

    #[test]
    fn appended_settlement_and_market_calls_take_the_next_indices() {
        let d =
            Call::Settlement(SettlementCall::Deposit { to: AccountId([1; 32]), amount: Fen(5), bank_ref: "b".into() });
        let bytes = borsh::to_vec(&d).unwrap_or_default();
        assert_eq!(&bytes[..2], &[0, 1], "deposit comes right after transfer");
        assert_eq!(borsh::from_slice::<Call>(&bytes).ok().as_ref(), Some(&d));
        let calls = [
            Call::Market(MarketCall::SubmitListing {
                product: Product::OffCatalog { name: "n".into(), metadata_hash: Hash::ZERO },
                price: Fen(10),
                licence_terms_hash: Hash::ZERO,
                delivery_method: "sftp".into(),
                purpose: "p".into(),
                validity: Validity { from_ms: 0, until_ms: 9 },
                fields: vec![],
                max_uses: 1,
                windows: TradeWindows { delivery_ms: Some(3_600_000), acceptance_ms: None },
            }),
            Call::Market(MarketCall::Arbitrate { order: OrderId([2; 32]), ruling: Ruling::Split { buyer_bps: 5_000 } }),
            Call::Market(MarketCall::SetFeeRate { bps: 100 }),
            Call::Market(MarketCall::SetWindowRules {
                rules: WindowRules { min_ms: 1, max_ms: 2, default_delivery_ms: 1, default_acceptance_ms: 2 },
            }),
        ];
        for c in &calls {
            let bytes = borsh::to_vec(c).unwrap_or_default();
            assert_eq!(bytes[0], 6, "{}", c.name());
            assert_eq!(borsh::from_slice::<Call>(&bytes).ok().as_ref(), Some(c));
        }
    }

    #[test]
    fn registry_calls_and_the_issue_22_variants_take_appended_indices() {
        let pinned = [
            (Call::Registry(RegistryCall::WithdrawDemand { demand: DemandId([1; 32]) }), [8u8, 6]),
            (
                Call::Catalog(CatalogCall::RegisterWithElements {
                    dataset: DatasetSpec {
                        name: "n".into(),
                        metadata_hash: Hash::ZERO,
                        schema_hash: Hash::ZERO,
                        fields: vec!["f".into()],
                        category: "c".into(),
                        classification: Classification::General,
                        sharing: SharingAttribute::Conditional,
                        update_frequency: "daily".into(),
                    },
                    elements: vec!["plate".into()],
                    source: ElementSource::Authoritative,
                }),
                [2, 6],
            ),
            (Call::Grants(GrantsCall::Unfreeze { grant: GrantId([2; 32]), reason: "r".into() }), [3, 7]),
            (Call::Orgs(OrgsCall::RegulatorReinstate { org: AccountId([3; 32]), reason: "r".into() }), [1, 4]),
        ];
        for (c, index) in &pinned {
            let bytes = borsh::to_vec(c).unwrap_or_default();
            assert_eq!(&bytes[..2], index, "{}", c.name());
            assert_eq!(borsh::from_slice::<Call>(&bytes).ok().as_ref(), Some(c));
        }
    }

    #[test]
    fn validity_window_is_inclusive_then_exclusive_in_ledger_time() {
        let v = Validity { from_ms: 1_000, until_ms: 2_000 };
        assert!(!v.contains(999));
        assert!(v.contains(1_000) && v.contains(1_999));
        assert!(!v.contains(2_000) && v.ended(2_000) && !v.ended(1_999));
    }
}
