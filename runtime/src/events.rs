//! Events: what a successful call changed, in a form the explorer and the wallet can index.

use crate::call::{Classification, ElementSource, ProposalAction, Ruling, SharingAttribute, WindowRules};
use crate::crypto::PublicKey;
use crate::genesis::Role;
use crate::hash::Hash;
use crate::ids::{AccountId, DatasetId, DemandId, Fen, GrantId, ListingId, OrderId, ProposalId, RequestId};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// Something an event can be indexed under: an organization, a data set, a grant, a market
/// listing or an order. Variants are only appended.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Subject {
    /// An organization.
    Account(AccountId),
    /// A data set.
    Dataset(DatasetId),
    /// A grant.
    Grant(GrantId),
    /// A market listing.
    Listing(ListingId),
    /// A market order.
    Order(OrderId),
    /// A demand of the demand list.
    Demand(DemandId),
}

/// One event emitted by a contract. New variants are only appended (borsh index is stable).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Settlement money moved between two accounts.
    Transferred {
        /// Paying account.
        from: AccountId,
        /// Receiving account.
        to: AccountId,
        /// Amount moved.
        amount: Fen,
    },
    /// A governance proposal was opened.
    ProposalCreated {
        /// The proposal.
        proposal: ProposalId,
        /// The validator operator that proposed it.
        proposer: AccountId,
        /// What it does.
        action: ProposalAction,
    },
    /// A validator operator voted.
    Voted {
        /// The proposal.
        proposal: ProposalId,
        /// The organization the proposal concerns.
        org: AccountId,
        /// The voter.
        voter: AccountId,
        /// For or against.
        approve: bool,
        /// Approvals so far.
        approvals: u32,
        /// Rejections so far.
        rejections: u32,
    },
    /// A proposal reached its majority and its action was carried out (the action's own event follows).
    ProposalExecuted {
        /// The proposal.
        proposal: ProposalId,
        /// The organization it concerns.
        org: AccountId,
    },
    /// A proposal can no longer reach its majority.
    ProposalRejected {
        /// The proposal.
        proposal: ProposalId,
        /// The organization it concerns.
        org: AccountId,
        /// Approvals.
        approvals: u32,
        /// Rejections.
        rejections: u32,
    },
    /// An organization was admitted by governance.
    OrgAdmitted {
        /// Its id.
        org: AccountId,
        /// Its name.
        name: String,
        /// Its roles.
        roles: Vec<Role>,
        /// Its first key.
        public_key: PublicKey,
        /// The proposal that admitted it.
        proposal: ProposalId,
    },
    /// An organization was suspended.
    OrgSuspended {
        /// The organization.
        org: AccountId,
        /// Why.
        reason: String,
        /// The proposal.
        proposal: ProposalId,
    },
    /// A suspension was lifted.
    OrgReinstated {
        /// The organization.
        org: AccountId,
        /// The proposal.
        proposal: ProposalId,
    },
    /// One of an organization's keys was replaced.
    KeyRotated {
        /// The organization.
        org: AccountId,
        /// The key that can sign nothing any more.
        old_key: PublicKey,
        /// The key that signs from now on.
        new_key: PublicKey,
        /// The proposal.
        proposal: ProposalId,
    },
    /// A data set was registered in the catalog.
    DatasetRegistered {
        /// The data set.
        dataset: DatasetId,
        /// Its owner.
        owner: AccountId,
        /// Its name.
        name: String,
        /// Classification level.
        classification: Classification,
        /// Sharing attribute.
        sharing: SharingAttribute,
    },
    /// A new version of a data set was published.
    DatasetVersioned {
        /// The data set.
        dataset: DatasetId,
        /// Its owner.
        owner: AccountId,
        /// The new version number.
        version: u32,
        /// The new metadata hash.
        metadata_hash: Hash,
        /// The new schema hash.
        schema_hash: Hash,
    },
    /// A data set was retired by its owner.
    DatasetRetired {
        /// The data set.
        dataset: DatasetId,
        /// Its owner.
        owner: AccountId,
    },
    /// A regulator put a data set on the negative list.
    NegativeListed {
        /// The data set.
        dataset: DatasetId,
        /// Its owner.
        owner: AccountId,
        /// The regulator.
        regulator: AccountId,
        /// Why.
        reason: String,
    },
    /// A regulator took a data set off the negative list.
    NegativeListRemoved {
        /// The data set.
        dataset: DatasetId,
        /// Its owner.
        owner: AccountId,
        /// The regulator.
        regulator: AccountId,
        /// Why.
        reason: String,
    },
    /// A request to use a data set was filed.
    RequestFiled {
        /// The request.
        request: RequestId,
        /// The data set.
        dataset: DatasetId,
        /// Who asks.
        requester: AccountId,
        /// The data set's owner.
        owner: AccountId,
        /// What for.
        purpose: String,
        /// Fields wanted.
        fields: Vec<String>,
    },
    /// The owner approved a request.
    RequestApproved {
        /// The request.
        request: RequestId,
        /// The data set.
        dataset: DatasetId,
        /// Who asked.
        requester: AccountId,
        /// The owner.
        owner: AccountId,
    },
    /// The owner rejected a request.
    RequestRejected {
        /// The request.
        request: RequestId,
        /// The data set.
        dataset: DatasetId,
        /// Who asked.
        requester: AccountId,
        /// The owner.
        owner: AccountId,
        /// Why.
        reason: String,
    },
    /// A regulator co-approved a request for core data.
    RequestCoApproved {
        /// The request.
        request: RequestId,
        /// The data set.
        dataset: DatasetId,
        /// Who asked.
        requester: AccountId,
        /// The owner.
        owner: AccountId,
        /// The regulator.
        regulator: AccountId,
    },
    /// A grant was issued.
    GrantIssued {
        /// The grant.
        grant: GrantId,
        /// The request it answers.
        request: RequestId,
        /// The data set.
        dataset: DatasetId,
        /// The data set's version at grant time.
        version: u32,
        /// The owner who grants.
        grantor: AccountId,
        /// Who may use the data.
        grantee: AccountId,
    },
    /// A grant was revoked by its grantor.
    GrantRevoked {
        /// The grant.
        grant: GrantId,
        /// The data set.
        dataset: DatasetId,
        /// The grantor.
        grantor: AccountId,
        /// The grantee.
        grantee: AccountId,
        /// Why.
        reason: String,
    },
    /// The grantee recorded one use of the data.
    ReceiptRecorded {
        /// The grant.
        grant: GrantId,
        /// The receipt's sequence number under the grant (1 = first use).
        seq: u64,
        /// The data set.
        dataset: DatasetId,
        /// The grantor.
        grantor: AccountId,
        /// The grantee.
        grantee: AccountId,
        /// blake3 of the query.
        query_hash: Hash,
        /// blake3 of the result.
        result_hash: Hash,
        /// Rows returned.
        row_count: u64,
        /// Fields the query read. With the fields above, this event is the receipt itself: it is
        /// kept in the block's outcomes, not in state (ADR 0004).
        fields_used: Vec<String>,
    },
    /// A derived data set was registered with its parents.
    DerivedRegistered {
        /// The new data set.
        dataset: DatasetId,
        /// Its owner.
        owner: AccountId,
        /// Its parent data sets.
        parents: Vec<DatasetId>,
        /// The grants the parents were used under.
        grants: Vec<GrantId>,
        /// The owners of the parents.
        parent_owners: Vec<AccountId>,
    },
    /// The exchange center credited a deposit; the total supply grew.
    Deposited {
        /// The organization credited.
        to: AccountId,
        /// Amount credited.
        amount: Fen,
        /// The off-chain bank reference.
        bank_ref: String,
        /// The exchange center that cleared it.
        clearing: AccountId,
        /// Total supply afterwards.
        supply: Fen,
    },
    /// The exchange center debited a withdrawal; the total supply shrank.
    Withdrawn {
        /// The organization debited.
        from: AccountId,
        /// Amount debited.
        amount: Fen,
        /// The off-chain bank reference.
        bank_ref: String,
        /// The exchange center that cleared it.
        clearing: AccountId,
        /// Total supply afterwards.
        supply: Fen,
    },
    /// A seller submitted a listing for review.
    ListingSubmitted {
        /// The listing.
        listing: ListingId,
        /// The seller.
        seller: AccountId,
        /// The catalog data set sold, if any.
        dataset: Option<DatasetId>,
        /// Price in fen (the fee comes on top).
        price: Fen,
        /// Uses the grant of a completed order allows.
        max_uses: u64,
    },
    /// The exchange center reviewed a listing.
    ListingReviewed {
        /// The listing.
        listing: ListingId,
        /// The seller.
        seller: AccountId,
        /// The catalog data set sold, if any.
        dataset: Option<DatasetId>,
        /// The exchange center.
        reviewer: AccountId,
        /// Approved or rejected.
        approved: bool,
        /// Why.
        reason: String,
    },
    /// A regulator froze a listing.
    ListingFrozen {
        /// The listing.
        listing: ListingId,
        /// The seller.
        seller: AccountId,
        /// The catalog data set sold, if any.
        dataset: Option<DatasetId>,
        /// The regulator.
        regulator: AccountId,
        /// Why.
        reason: String,
    },
    /// A regulator lifted a freeze.
    ListingUnfrozen {
        /// The listing.
        listing: ListingId,
        /// The seller.
        seller: AccountId,
        /// The catalog data set sold, if any.
        dataset: Option<DatasetId>,
        /// The regulator.
        regulator: AccountId,
        /// Why.
        reason: String,
    },
    /// The seller withdrew a listing.
    ListingWithdrawn {
        /// The listing.
        listing: ListingId,
        /// The seller.
        seller: AccountId,
        /// The catalog data set sold, if any.
        dataset: Option<DatasetId>,
    },
    /// A buyer placed an order; `price + fee` moved into escrow.
    OrderPlaced {
        /// The order.
        order: OrderId,
        /// The listing.
        listing: ListingId,
        /// The buyer.
        buyer: AccountId,
        /// The seller.
        seller: AccountId,
        /// The catalog data set sold, if any.
        dataset: Option<DatasetId>,
        /// Price.
        price: Fen,
        /// Exchange fee.
        fee: Fen,
    },
    /// The seller confirmed delivery.
    DeliveryConfirmed {
        /// The order.
        order: OrderId,
        /// The listing.
        listing: ListingId,
        /// The buyer.
        buyer: AccountId,
        /// The seller.
        seller: AccountId,
        /// The catalog data set sold, if any.
        dataset: Option<DatasetId>,
        /// blake3 of what was delivered.
        delivery_hash: Hash,
    },
    /// The buyer accepted delivery; escrow paid the seller and the exchange center.
    DeliveryAccepted {
        /// The order.
        order: OrderId,
        /// The listing.
        listing: ListingId,
        /// The buyer.
        buyer: AccountId,
        /// The seller.
        seller: AccountId,
        /// The catalog data set sold, if any.
        dataset: Option<DatasetId>,
        /// The exchange center paid the fee.
        exchange: AccountId,
        /// Paid to the seller.
        to_seller: Fen,
        /// Paid to the exchange center.
        fee: Fen,
    },
    /// The buyer disputed a delivery.
    DisputeOpened {
        /// The order.
        order: OrderId,
        /// The listing.
        listing: ListingId,
        /// The buyer.
        buyer: AccountId,
        /// The seller.
        seller: AccountId,
        /// The catalog data set sold, if any.
        dataset: Option<DatasetId>,
        /// Why.
        reason: String,
    },
    /// The exchange center ruled on a dispute; `to_buyer + to_seller + fee` is the whole escrow.
    DisputeArbitrated {
        /// The order.
        order: OrderId,
        /// The listing.
        listing: ListingId,
        /// The buyer.
        buyer: AccountId,
        /// The seller.
        seller: AccountId,
        /// The catalog data set sold, if any.
        dataset: Option<DatasetId>,
        /// The exchange center that ruled.
        arbiter: AccountId,
        /// The ruling.
        ruling: Ruling,
        /// Paid back to the buyer.
        to_buyer: Fen,
        /// Paid to the seller.
        to_seller: Fen,
        /// Paid to the exchange center that reviewed the listing.
        fee: Fen,
    },
    /// The buyer cancelled an undelivered order and got everything back.
    OrderCancelled {
        /// The order.
        order: OrderId,
        /// The listing.
        listing: ListingId,
        /// The buyer.
        buyer: AccountId,
        /// The seller.
        seller: AccountId,
        /// The catalog data set sold, if any.
        dataset: Option<DatasetId>,
        /// Refunded (price + fee).
        refund: Fen,
    },
    /// The seller collected payment after the acceptance window passed.
    SettlementClaimed {
        /// The order.
        order: OrderId,
        /// The listing.
        listing: ListingId,
        /// The buyer.
        buyer: AccountId,
        /// The seller.
        seller: AccountId,
        /// The catalog data set sold, if any.
        dataset: Option<DatasetId>,
        /// The exchange center paid the fee.
        exchange: AccountId,
        /// Paid to the seller.
        to_seller: Fen,
        /// Paid to the exchange center.
        fee: Fen,
    },
    /// The exchange center changed the fee rate for new orders.
    FeeRateSet {
        /// The exchange center.
        by: AccountId,
        /// Previous rate in basis points.
        old_bps: u16,
        /// New rate in basis points.
        new_bps: u16,
    },
    /// A validator was proven to have signed two conflicting votes.
    EquivocationRecorded {
        /// The validator's consensus key.
        validator: PublicKey,
        /// The validator's account (indexed, so the regulator finds it under the validator).
        validator_account: AccountId,
        /// Height of the conflicting votes.
        height: crate::ids::Height,
        /// Round of the conflicting votes.
        round: u32,
        /// Step of the conflicting votes.
        kind: crate::block::VoteKind,
        /// Block of the first vote (`None` = nil).
        first: Option<Hash>,
        /// Block of the second vote.
        second: Option<Hash>,
        /// The account that submitted the evidence.
        reporter: AccountId,
    },
    /// The exchange center changed the trade windows' bounds and defaults for new listings.
    WindowRulesSet {
        /// The exchange center.
        by: AccountId,
        /// Previous rules.
        old: WindowRules,
        /// New rules.
        new: WindowRules,
    },
    /// The validator set pending activation changed: by governance, or by an operator's key
    /// rotation. The change signs from `activates_at` on.
    ValidatorSetChanged {
        /// What changed.
        change: crate::valset::SetChange,
        /// The validator's operator, when the ledger knows it.
        operator: Option<AccountId>,
        /// The first block the changed set signs.
        activates_at: crate::ids::Height,
        /// Hash of the set that signs from `activates_at` (unless a later change in the same
        /// block changes it again).
        set_hash: Hash,
        /// The proposal, if governance made the change (`None` for an operator's rotation).
        proposal: Option<ProposalId>,
    },
    /// Governance scheduled a protocol upgrade.
    UpgradeScheduled {
        /// The version blocks carry from `height` on.
        version: u32,
        /// The first block of the new version.
        height: crate::ids::Height,
        /// The proposal.
        proposal: ProposalId,
    },
    /// A regulator re-graded a data set (its classification level and sharing attribute).
    DatasetRegraded {
        /// The data set.
        dataset: DatasetId,
        /// Its owner.
        owner: AccountId,
        /// The regulator.
        regulator: AccountId,
        /// The level before.
        from_classification: Classification,
        /// The level from now on.
        classification: Classification,
        /// The sharing attribute before.
        from_sharing: SharingAttribute,
        /// The sharing attribute from now on.
        sharing: SharingAttribute,
        /// Why.
        reason: String,
    },
    /// A grantor required its system's countersignature on every later use of a grant.
    CountersignatureRequired {
        /// The grant.
        grant: GrantId,
        /// Its data set.
        dataset: DatasetId,
        /// The grantor.
        grantor: AccountId,
        /// The grantee.
        grantee: AccountId,
        /// The provider system's key that countersigns.
        key: PublicKey,
    },
    /// A regulator (or governance) defined a data element and its responsible department.
    ElementDefined {
        /// The element's code.
        element: String,
        /// Its human name.
        name: String,
        /// The department responsible for it.
        responsible: AccountId,
        /// The regulator that decided, or the validator operator whose vote carried the proposal.
        by: AccountId,
        /// The governance proposal, when governance decided.
        proposal: Option<ProposalId>,
    },
    /// A regulator (or governance) moved a data element's responsibility to another department.
    ElementTransferred {
        /// The element's code.
        element: String,
        /// The department responsible before.
        from: AccountId,
        /// The department responsible from now on.
        to: AccountId,
        /// The regulator that decided, or the validator operator whose vote carried the proposal.
        by: AccountId,
        /// The governance proposal, when governance decided.
        proposal: Option<ProposalId>,
        /// Why.
        reason: String,
    },
    /// A data set registered with the elements it carries (after its `DatasetRegistered`).
    ElementsDeclared {
        /// The data set.
        dataset: DatasetId,
        /// Its owner.
        owner: AccountId,
        /// The element codes.
        elements: Vec<String>,
        /// Authoritative source or a copy.
        source: ElementSource,
    },
    /// A demand for data not yet in the catalog was filed.
    DemandFiled {
        /// The demand.
        demand: DemandId,
        /// Who demands.
        requester: AccountId,
        /// The element codes wanted.
        elements: Vec<String>,
        /// What for.
        purpose: String,
    },
    /// A regulator assigned a demand to a department with a deadline.
    DemandAssigned {
        /// The demand.
        demand: DemandId,
        /// Who demands.
        requester: AccountId,
        /// The department that must answer.
        department: AccountId,
        /// The regulator.
        regulator: AccountId,
        /// Ledger time, ms, by which it must answer.
        deadline_ms: u64,
    },
    /// The assigned department answered a demand with a grant.
    DemandAnswered {
        /// The demand.
        demand: DemandId,
        /// Who demanded.
        requester: AccountId,
        /// The department that answered.
        department: AccountId,
        /// The data set granted.
        dataset: DatasetId,
        /// The grant.
        grant: GrantId,
        /// Whether the answer came before the deadline.
        on_time: bool,
    },
    /// The assigned department refused a demand.
    DemandRefused {
        /// The demand.
        demand: DemandId,
        /// Who demanded.
        requester: AccountId,
        /// The department that refused.
        department: AccountId,
        /// The stated legal basis.
        legal_basis: String,
        /// Whether the answer came before the deadline.
        on_time: bool,
    },
    /// The demander withdrew a demand.
    DemandWithdrawn {
        /// The demand.
        demand: DemandId,
        /// Who demanded.
        requester: AccountId,
        /// The department it was assigned to, if any.
        department: Option<AccountId>,
    },
    /// A regulator froze a grant.
    GrantFrozen {
        /// The grant.
        grant: GrantId,
        /// Its data set.
        dataset: DatasetId,
        /// The grantor.
        grantor: AccountId,
        /// The grantee.
        grantee: AccountId,
        /// The regulator.
        regulator: AccountId,
        /// Why.
        reason: String,
    },
    /// A regulator lifted its freeze of a grant.
    GrantUnfrozen {
        /// The grant.
        grant: GrantId,
        /// Its data set.
        dataset: DatasetId,
        /// The grantor.
        grantor: AccountId,
        /// The grantee.
        grantee: AccountId,
        /// The regulator.
        regulator: AccountId,
        /// Why.
        reason: String,
    },
    /// A regulator suspended an organization directly.
    OrgSuspendedByRegulator {
        /// The organization.
        org: AccountId,
        /// The regulator.
        regulator: AccountId,
        /// Why.
        reason: String,
    },
    /// A regulator lifted an organization's suspension.
    OrgReinstatedByRegulator {
        /// The organization.
        org: AccountId,
        /// The regulator.
        regulator: AccountId,
        /// Why.
        reason: String,
    },
    /// An organization asked the clearing house to pay part of its balance out.
    WithdrawalRequested {
        /// The organization.
        org: AccountId,
        /// How much, in fen.
        amount: Fen,
    },
}

/// Declares [`EventKind`] and its tables from one list, so a kind's byte and name are written once.
macro_rules! event_kinds {
    ($($variant:ident = $byte:literal => $name:literal,)+) => {
        /// The type of an [`Event`] without its fields: its borsh variant index, which the node's
        /// event index uses as a key on disk (`docs/adr/0003-event-kind-index-key.md`). Kinds are
        /// only appended, in step with [`Event`]; a byte is never reused or renumbered.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u8)]
        pub enum EventKind {
            $(
                #[doc = concat!("[`Event::", stringify!($variant), "`].")]
                $variant = $byte,
            )+
        }

        impl EventKind {
            /// Every kind, in byte order.
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant,)+];

            /// The kind of an event: its borsh variant index (the first byte of its encoding).
            pub const fn as_u8(self) -> u8 {
                self as u8
            }

            /// The kind with this byte, if there is one.
            pub const fn from_u8(byte: u8) -> Option<EventKind> {
                match byte {
                    $($byte => Some(EventKind::$variant),)+
                    _ => None,
                }
            }

            /// The kind's stable snake_case name: the `type` of the event in the JSON API.
            pub const fn name(self) -> &'static str {
                match self {
                    $(EventKind::$variant => $name,)+
                }
            }
        }

        impl Event {
            /// This event's kind. The match has no wildcard, so an [`Event`] variant without a kind
            /// does not compile.
            pub const fn kind(&self) -> EventKind {
                match self {
                    $(Event::$variant { .. } => EventKind::$variant,)+
                }
            }
        }
    };
}

event_kinds! {
    Transferred = 0 => "transferred",
    ProposalCreated = 1 => "proposal_created",
    Voted = 2 => "voted",
    ProposalExecuted = 3 => "proposal_executed",
    ProposalRejected = 4 => "proposal_rejected",
    OrgAdmitted = 5 => "org_admitted",
    OrgSuspended = 6 => "org_suspended",
    OrgReinstated = 7 => "org_reinstated",
    KeyRotated = 8 => "key_rotated",
    DatasetRegistered = 9 => "dataset_registered",
    DatasetVersioned = 10 => "dataset_versioned",
    DatasetRetired = 11 => "dataset_retired",
    NegativeListed = 12 => "negative_listed",
    NegativeListRemoved = 13 => "negative_list_removed",
    RequestFiled = 14 => "request_filed",
    RequestApproved = 15 => "request_approved",
    RequestRejected = 16 => "request_rejected",
    RequestCoApproved = 17 => "request_co_approved",
    GrantIssued = 18 => "grant_issued",
    GrantRevoked = 19 => "grant_revoked",
    ReceiptRecorded = 20 => "receipt_recorded",
    DerivedRegistered = 21 => "derived_registered",
    Deposited = 22 => "deposited",
    Withdrawn = 23 => "withdrawn",
    ListingSubmitted = 24 => "listing_submitted",
    ListingReviewed = 25 => "listing_reviewed",
    ListingFrozen = 26 => "listing_frozen",
    ListingUnfrozen = 27 => "listing_unfrozen",
    ListingWithdrawn = 28 => "listing_withdrawn",
    OrderPlaced = 29 => "order_placed",
    DeliveryConfirmed = 30 => "delivery_confirmed",
    DeliveryAccepted = 31 => "delivery_accepted",
    DisputeOpened = 32 => "dispute_opened",
    DisputeArbitrated = 33 => "dispute_arbitrated",
    OrderCancelled = 34 => "order_cancelled",
    SettlementClaimed = 35 => "settlement_claimed",
    FeeRateSet = 36 => "fee_rate_set",
    EquivocationRecorded = 37 => "equivocation_recorded",
    WindowRulesSet = 38 => "window_rules_set",
    ValidatorSetChanged = 39 => "validator_set_changed",
    UpgradeScheduled = 40 => "upgrade_scheduled",
    DatasetRegraded = 41 => "dataset_regraded",
    CountersignatureRequired = 42 => "countersignature_required",
    ElementDefined = 43 => "element_defined",
    ElementTransferred = 44 => "element_transferred",
    ElementsDeclared = 45 => "elements_declared",
    DemandFiled = 46 => "demand_filed",
    DemandAssigned = 47 => "demand_assigned",
    DemandAnswered = 48 => "demand_answered",
    DemandRefused = 49 => "demand_refused",
    DemandWithdrawn = 50 => "demand_withdrawn",
    GrantFrozen = 51 => "grant_frozen",
    GrantUnfrozen = 52 => "grant_unfrozen",
    OrgSuspendedByRegulator = 53 => "org_suspended_by_regulator",
    OrgReinstatedByRegulator = 54 => "org_reinstated_by_regulator",
    WithdrawalRequested = 55 => "withdrawal_requested",
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The next head of a grant's receipt chain (ADR 0004): over `borsh((previous head, receipt))`
/// under [`crate::domain::RECEIPT_CHAIN`], where `receipt` is the grant's next
/// [`Event::ReceiptRecorded`]. A grant without receipts has head [`Hash::ZERO`]. The head in state
/// commits to every receipt of the grant in order, so a list of receipts read from blocks is
/// complete exactly when folding it gives the head.
pub fn next_receipt_head(previous: &Hash, receipt: &Event) -> Hash {
    Hash::of_borsh(crate::domain::RECEIPT_CHAIN, &(previous, receipt))
}

/// The head after folding `receipts` (in sequence order) from the empty chain.
pub fn receipt_chain_head<'a>(receipts: impl IntoIterator<Item = &'a Event>) -> Hash {
    receipts.into_iter().fold(Hash::ZERO, |head, r| next_receipt_head(&head, r))
}

impl Event {
    /// Every organization, data set and grant this event concerns, without repeats, for the
    /// node's indexes ("everything this org did", "all uses of my data", "all grants I hold").
    pub fn subjects(&self) -> Vec<Subject> {
        use Subject::{Account as A, Dataset as D, Demand as M, Grant as G, Listing as L, Order as O};
        // Market events name their listing (and order), both parties and the data set sold, so
        // an order's whole history is one scan of the index.
        let listing = |l: &ListingId, seller: &AccountId, d: &Option<DatasetId>, more: &[AccountId]| {
            let mut v = vec![L(*l), A(*seller)];
            v.extend(d.iter().map(|d| D(*d)));
            v.extend(more.iter().map(|a| A(*a)));
            v
        };
        let order =
            |o: &OrderId, l: &ListingId, b: &AccountId, s: &AccountId, d: &Option<DatasetId>, more: &[AccountId]| {
                let mut v = vec![O(*o), L(*l), A(*b), A(*s)];
                v.extend(d.iter().map(|d| D(*d)));
                v.extend(more.iter().map(|a| A(*a)));
                v
            };
        let all = match self {
            Event::Transferred { from, to, .. } => vec![A(*from), A(*to)],
            Event::ProposalCreated { proposer, action, .. } => vec![A(*proposer), A(action.org())],
            Event::Voted { org, voter, .. } => vec![A(*voter), A(*org)],
            Event::ProposalExecuted { org, .. }
            | Event::ProposalRejected { org, .. }
            | Event::OrgAdmitted { org, .. }
            | Event::OrgSuspended { org, .. }
            | Event::OrgReinstated { org, .. }
            | Event::KeyRotated { org, .. } => vec![A(*org)],
            Event::DatasetRegistered { dataset, owner, .. }
            | Event::DatasetVersioned { dataset, owner, .. }
            | Event::DatasetRetired { dataset, owner } => vec![D(*dataset), A(*owner)],
            Event::NegativeListed { dataset, owner, regulator, .. }
            | Event::NegativeListRemoved { dataset, owner, regulator, .. }
            | Event::DatasetRegraded { dataset, owner, regulator, .. } => {
                vec![D(*dataset), A(*owner), A(*regulator)]
            }
            Event::RequestFiled { dataset, requester, owner, .. }
            | Event::RequestApproved { dataset, requester, owner, .. }
            | Event::RequestRejected { dataset, requester, owner, .. } => vec![D(*dataset), A(*requester), A(*owner)],
            Event::RequestCoApproved { dataset, requester, owner, regulator, .. } => {
                vec![D(*dataset), A(*requester), A(*owner), A(*regulator)]
            }
            Event::GrantIssued { grant, dataset, grantor, grantee, .. }
            | Event::GrantRevoked { grant, dataset, grantor, grantee, .. }
            | Event::ReceiptRecorded { grant, dataset, grantor, grantee, .. }
            | Event::CountersignatureRequired { grant, dataset, grantor, grantee, .. } => {
                vec![G(*grant), D(*dataset), A(*grantor), A(*grantee)]
            }
            Event::DerivedRegistered { dataset, owner, parents, grants, parent_owners } => {
                let mut v = vec![D(*dataset), A(*owner)];
                v.extend(parents.iter().map(|d| D(*d)));
                v.extend(grants.iter().map(|g| G(*g)));
                v.extend(parent_owners.iter().map(|a| A(*a)));
                v
            }
            Event::Deposited { to, clearing, .. } => vec![A(*to), A(*clearing)],
            Event::Withdrawn { from, clearing, .. } => vec![A(*from), A(*clearing)],
            Event::ListingSubmitted { listing: l, seller, dataset, .. }
            | Event::ListingWithdrawn { listing: l, seller, dataset } => listing(l, seller, dataset, &[]),
            Event::ListingReviewed { listing: l, seller, dataset, reviewer: actor, .. }
            | Event::ListingFrozen { listing: l, seller, dataset, regulator: actor, .. }
            | Event::ListingUnfrozen { listing: l, seller, dataset, regulator: actor, .. } => {
                listing(l, seller, dataset, &[*actor])
            }
            Event::OrderPlaced { order: o, listing: l, buyer, seller, dataset, .. }
            | Event::DeliveryConfirmed { order: o, listing: l, buyer, seller, dataset, .. }
            | Event::DisputeOpened { order: o, listing: l, buyer, seller, dataset, .. }
            | Event::OrderCancelled { order: o, listing: l, buyer, seller, dataset, .. } => {
                order(o, l, buyer, seller, dataset, &[])
            }
            Event::DeliveryAccepted { order: o, listing: l, buyer, seller, dataset, exchange: x, .. }
            | Event::SettlementClaimed { order: o, listing: l, buyer, seller, dataset, exchange: x, .. }
            | Event::DisputeArbitrated { order: o, listing: l, buyer, seller, dataset, arbiter: x, .. } => {
                order(o, l, buyer, seller, dataset, &[*x])
            }
            Event::FeeRateSet { by, .. } | Event::WindowRulesSet { by, .. } => vec![A(*by)],
            Event::EquivocationRecorded { validator_account, reporter, .. } => {
                vec![A(*validator_account), A(*reporter)]
            }
            Event::ValidatorSetChanged { operator, .. } => operator.iter().map(|a| A(*a)).collect(),
            Event::UpgradeScheduled { .. } => Vec::new(),
            Event::ElementDefined { responsible, by, .. } => vec![A(*responsible), A(*by)],
            Event::ElementTransferred { from, to, by, .. } => vec![A(*from), A(*to), A(*by)],
            Event::ElementsDeclared { dataset, owner, source, .. } => {
                let mut v = vec![D(*dataset), A(*owner)];
                if let ElementSource::CopyOf(d) = source {
                    v.push(D(*d));
                }
                v
            }
            Event::DemandFiled { demand, requester, .. } => vec![M(*demand), A(*requester)],
            Event::DemandAssigned { demand, requester, department, regulator, .. } => {
                vec![M(*demand), A(*requester), A(*department), A(*regulator)]
            }
            Event::DemandAnswered { demand, requester, department, dataset, grant, .. } => {
                vec![M(*demand), A(*requester), A(*department), D(*dataset), G(*grant)]
            }
            Event::DemandRefused { demand, requester, department, .. } => {
                vec![M(*demand), A(*requester), A(*department)]
            }
            Event::DemandWithdrawn { demand, requester, department } => {
                let mut v = vec![M(*demand), A(*requester)];
                v.extend(department.iter().map(|a| A(*a)));
                v
            }
            Event::GrantFrozen { grant, dataset, grantor, grantee, regulator, .. }
            | Event::GrantUnfrozen { grant, dataset, grantor, grantee, regulator, .. } => {
                vec![G(*grant), D(*dataset), A(*grantor), A(*grantee), A(*regulator)]
            }
            Event::OrgSuspendedByRegulator { org, regulator, .. }
            | Event::OrgReinstatedByRegulator { org, regulator, .. } => vec![A(*org), A(*regulator)],
            Event::WithdrawalRequested { org, .. } => vec![A(*org)],
        };
        let mut out: Vec<Subject> = Vec::with_capacity(all.len());
        for s in all {
            if !out.contains(&s) {
                out.push(s);
            }
        }
        out
    }

    /// The accounts this event concerns, for the per-account index.
    pub fn accounts(&self) -> Vec<AccountId> {
        self.subjects()
            .into_iter()
            .filter_map(|s| match s {
                Subject::Account(a) => Some(a),
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The node's event index is keyed by these bytes on disk: they never change.
    const KIND_BYTES: [(EventKind, u8); 56] = [
        (EventKind::Transferred, 0u8),
        (EventKind::ProposalCreated, 1u8),
        (EventKind::Voted, 2u8),
        (EventKind::ProposalExecuted, 3u8),
        (EventKind::ProposalRejected, 4u8),
        (EventKind::OrgAdmitted, 5u8),
        (EventKind::OrgSuspended, 6u8),
        (EventKind::OrgReinstated, 7u8),
        (EventKind::KeyRotated, 8u8),
        (EventKind::DatasetRegistered, 9u8),
        (EventKind::DatasetVersioned, 10u8),
        (EventKind::DatasetRetired, 11u8),
        (EventKind::NegativeListed, 12u8),
        (EventKind::NegativeListRemoved, 13u8),
        (EventKind::RequestFiled, 14u8),
        (EventKind::RequestApproved, 15u8),
        (EventKind::RequestRejected, 16u8),
        (EventKind::RequestCoApproved, 17u8),
        (EventKind::GrantIssued, 18u8),
        (EventKind::GrantRevoked, 19u8),
        (EventKind::ReceiptRecorded, 20u8),
        (EventKind::DerivedRegistered, 21u8),
        (EventKind::Deposited, 22u8),
        (EventKind::Withdrawn, 23u8),
        (EventKind::ListingSubmitted, 24u8),
        (EventKind::ListingReviewed, 25u8),
        (EventKind::ListingFrozen, 26u8),
        (EventKind::ListingUnfrozen, 27u8),
        (EventKind::ListingWithdrawn, 28u8),
        (EventKind::OrderPlaced, 29u8),
        (EventKind::DeliveryConfirmed, 30u8),
        (EventKind::DeliveryAccepted, 31u8),
        (EventKind::DisputeOpened, 32u8),
        (EventKind::DisputeArbitrated, 33u8),
        (EventKind::OrderCancelled, 34u8),
        (EventKind::SettlementClaimed, 35u8),
        (EventKind::FeeRateSet, 36u8),
        (EventKind::EquivocationRecorded, 37u8),
        (EventKind::WindowRulesSet, 38u8),
        (EventKind::ValidatorSetChanged, 39u8),
        (EventKind::UpgradeScheduled, 40u8),
        (EventKind::DatasetRegraded, 41u8),
        (EventKind::CountersignatureRequired, 42u8),
        (EventKind::ElementDefined, 43u8),
        (EventKind::ElementTransferred, 44u8),
        (EventKind::ElementsDeclared, 45u8),
        (EventKind::DemandFiled, 46u8),
        (EventKind::DemandAssigned, 47u8),
        (EventKind::DemandAnswered, 48u8),
        (EventKind::DemandRefused, 49u8),
        (EventKind::DemandWithdrawn, 50u8),
        (EventKind::GrantFrozen, 51u8),
        (EventKind::GrantUnfrozen, 52u8),
        (EventKind::OrgSuspendedByRegulator, 53u8),
        (EventKind::OrgReinstatedByRegulator, 54u8),
        (EventKind::WithdrawalRequested, 55u8),
    ];

    #[test]
    fn every_event_kind_keeps_its_byte() {
        assert_eq!(EventKind::ALL.len(), KIND_BYTES.len(), "a new kind needs a row here");
        for (kind, byte) in KIND_BYTES {
            assert_eq!(kind.as_u8(), byte, "{kind}");
            assert_eq!(EventKind::from_u8(byte), Some(kind));
        }
        assert_eq!(EventKind::from_u8(KIND_BYTES.len() as u8), None);
        assert_eq!(EventKind::from_u8(u8::MAX), None);
    }

    #[test]
    fn an_events_kind_is_its_first_borsh_byte_and_its_json_type() {
        let events = crate::test_utils::one_event_of_each_kind();
        let kinds: Vec<EventKind> = events.iter().map(Event::kind).collect();
        assert_eq!(kinds, EventKind::ALL, "one sample per variant, in order");
        for e in &events {
            let bytes = borsh::to_vec(e).unwrap_or_default();
            assert_eq!(bytes.first().copied(), Some(e.kind().as_u8()), "{e:?}");
            let json = serde_json::to_value(e).unwrap_or_default();
            assert_eq!(json["type"].as_str(), Some(e.kind().name()), "{e:?}");
        }
    }

    #[test]
    fn transferred_stays_variant_zero_and_concerns_both_accounts() {
        let e = Event::Transferred { from: AccountId([1; 32]), to: AccountId([2; 32]), amount: Fen(3) };
        assert_eq!(borsh::to_vec(&e).unwrap_or_default()[0], 0);
        assert_eq!(e.accounts(), vec![AccountId([1; 32]), AccountId([2; 32])]);
        assert_eq!(e.subjects(), vec![Subject::Account(AccountId([1; 32])), Subject::Account(AccountId([2; 32]))]);
    }

    #[test]
    fn order_event_is_indexed_under_order_listing_both_parties_and_dataset() {
        let e = Event::DisputeArbitrated {
            order: OrderId([1; 32]),
            listing: ListingId([2; 32]),
            buyer: AccountId([3; 32]),
            seller: AccountId([4; 32]),
            dataset: Some(DatasetId([5; 32])),
            arbiter: AccountId([6; 32]),
            ruling: Ruling::Refund,
            to_buyer: Fen(7),
            to_seller: Fen(0),
            fee: Fen(0),
        };
        assert_eq!(
            e.subjects(),
            vec![
                Subject::Order(OrderId([1; 32])),
                Subject::Listing(ListingId([2; 32])),
                Subject::Account(AccountId([3; 32])),
                Subject::Account(AccountId([4; 32])),
                Subject::Dataset(DatasetId([5; 32])),
                Subject::Account(AccountId([6; 32])),
            ]
        );
        let bytes = borsh::to_vec(&Subject::Order(OrderId([1; 32]))).unwrap_or_default();
        assert_eq!(bytes[0], 4, "new subjects are appended after grant");
    }

    #[test]
    fn receipt_event_is_indexed_under_grant_dataset_and_both_orgs() {
        let e = Event::ReceiptRecorded {
            grant: GrantId([9; 32]),
            seq: 1,
            dataset: DatasetId([8; 32]),
            grantor: AccountId([1; 32]),
            grantee: AccountId([2; 32]),
            query_hash: Hash::ZERO,
            result_hash: Hash::ZERO,
            row_count: 4,
            fields_used: vec!["district".into()],
        };
        assert_eq!(
            e.subjects(),
            vec![
                Subject::Grant(GrantId([9; 32])),
                Subject::Dataset(DatasetId([8; 32])),
                Subject::Account(AccountId([1; 32])),
                Subject::Account(AccountId([2; 32])),
            ]
        );
    }
}
