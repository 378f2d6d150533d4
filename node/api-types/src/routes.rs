//! Route paths of the API, under `/api`. Paths with `{name}` take one path parameter.

/// Liveness: the process answers and its store reads its head.
pub const HEALTH: &str = "/health";
/// Readiness: caught up with the peers' best head, a quorum connected.
pub const READY: &str = "/ready";
/// Chain status.
pub const STATUS: &str = "/api/status";
/// A transaction's status by hash.
pub const TX: &str = "/api/tx/{hash}";
/// A committed transaction's outcome proof (outcome -> `outcomes_root` -> certified header).
pub const TX_PROOF: &str = "/api/tx/{hash}/proof";
/// A block by height (or `latest`).
pub const BLOCK: &str = "/api/block/{height}";
/// Block summaries, newest first.
pub const BLOCKS: &str = "/api/blocks";
/// An account: nonce, balance, organization.
pub const ACCOUNT: &str = "/api/account/{id}";
/// A state entry with its Merkle proof.
pub const PROOF: &str = "/api/proof/{key}";
/// An organization.
pub const ORG: &str = "/api/org/{id}";
/// A data set with versions and lineage.
pub const DATASET: &str = "/api/dataset/{id}";
/// A data-use request.
pub const REQUEST: &str = "/api/request/{id}";
/// A grant with its receipts.
pub const GRANT: &str = "/api/grant/{id}";
/// A governance proposal.
pub const PROPOSAL: &str = "/api/proposal/{id}";
/// A market listing.
pub const LISTING: &str = "/api/listing/{id}";
/// A market order.
pub const ORDER: &str = "/api/order/{id}";
/// The market's fee rate and money totals.
pub const MARKET: &str = "/api/market";
/// One page of the event index.
pub const EVENTS: &str = "/api/events";
/// The event index as a live Server-Sent Events stream.
pub const EVENTS_STREAM: &str = "/api/events/stream";
/// Search by height, hash, id or name.
pub const SEARCH: &str = "/api/search";
/// View: the uses of a data set.
pub const VIEW_USES: &str = "/api/views/uses";
/// View: grants of core-level data.
pub const VIEW_CORE_GRANTS: &str = "/api/views/core-grants";
/// View: orders in dispute.
pub const VIEW_DISPUTES: &str = "/api/views/disputes";
/// Equivocation evidence recorded on chain.
pub const EVIDENCE: &str = "/api/evidence";
/// This API's OpenAPI document.
pub const OPENAPI: &str = "/api/openapi.json";
/// The genesis document the node runs (the explorer hashes it against a hash the user pinned).
pub const GENESIS: &str = "/api/genesis";
/// A block's transactions and outcomes as their borsh bytes (what `tx_root` and `outcomes_root`
/// commit to), for clients that check them.
pub const BLOCK_RAW: &str = "/api/block/{height}/raw";

/// A grant's receipts, paged by sequence number.
pub const GRANT_RECEIPTS: &str = "/api/grant/{id}/receipts";
/// List: the catalog, filtered by owner, classification, sharing attribute, negative list.
pub const LIST_CATALOG: &str = "/api/lists/catalog";
/// List: data-use requests by owner, requester and state (a department's inbox, pending
/// co-approvals).
pub const LIST_REQUESTS: &str = "/api/lists/requests";
/// List: grants by grantee, grantor and state at the head's ledger time.
pub const LIST_GRANTS: &str = "/api/lists/grants";
/// List: market listings by seller and state.
pub const LIST_LISTINGS: &str = "/api/lists/listings";
/// List: orders by organization, side and state.
pub const LIST_ORDERS: &str = "/api/lists/orders";
/// List: an organization's balance movements between two ledger times.
pub const LIST_STATEMENT: &str = "/api/lists/statement";
/// List: the data sets on the negative list now.
pub const LIST_NEGATIVE: &str = "/api/lists/negative-list";
/// List: the organizations suspended now.
pub const LIST_SUSPENDED: &str = "/api/lists/suspended";
/// List: every re-grade of a data set by a regulator, oldest first.
pub const LIST_REGRADED: &str = "/api/lists/regraded";
/// List: the responsibility list, data elements with their responsible department.
pub const LIST_ELEMENTS: &str = "/api/lists/elements";
/// List: the demand list, by requester, department and state (`overdue` at the head's time).
pub const LIST_DEMANDS: &str = "/api/lists/demands";
/// List: each department's statistics over a period of ledger time.
pub const LIST_DEPARTMENT_STATS: &str = "/api/lists/department-stats";
/// List: transactions committed as failed, by sender, data set or grant ("who tried to use what
/// they may not").
pub const LIST_REFUSED_ATTEMPTS: &str = "/api/lists/refused-attempts";

/// Names of organizations, data sets, grants, listings and orders, for a capped list of ids.
pub const NAMES: &str = "/api/names";
/// The regulator's dashboard: counts over a period of ledger time.
pub const DASHBOARD: &str = "/api/dashboard";

/// Every read route. Each answers GET (and HEAD) only: the query API changes nothing.
pub const READ_ROUTES: &[&str] = &[
    HEALTH,
    READY,
    STATUS,
    TX,
    TX_PROOF,
    BLOCK,
    BLOCKS,
    ACCOUNT,
    PROOF,
    ORG,
    DATASET,
    REQUEST,
    GRANT,
    PROPOSAL,
    LISTING,
    ORDER,
    MARKET,
    EVENTS,
    EVENTS_STREAM,
    SEARCH,
    VIEW_USES,
    VIEW_CORE_GRANTS,
    VIEW_DISPUTES,
    EVIDENCE,
    OPENAPI,
    GENESIS,
    BLOCK_RAW,
    GRANT_RECEIPTS,
    LIST_CATALOG,
    LIST_REQUESTS,
    LIST_GRANTS,
    LIST_LISTINGS,
    LIST_ORDERS,
    LIST_STATEMENT,
    LIST_NEGATIVE,
    LIST_SUSPENDED,
    LIST_REGRADED,
    LIST_ELEMENTS,
    LIST_DEMANDS,
    LIST_DEPARTMENT_STATS,
    LIST_REFUSED_ATTEMPTS,
    VALIDATOR_SETS,
    NAMES,
    DASHBOARD,
];

/// Every validator-set change since genesis, paged.
pub const VALIDATOR_SETS: &str = "/api/validator-sets";
/// Most set changes in one page of [`VALIDATOR_SETS`].
pub const MAX_SET_CHANGES: u64 = 100;

/// Submits one transaction; exists only on a node with submission enabled.
pub const SUBMIT: &str = "/api/tx";
/// Submits a batch of transactions; exists only on a node with submission enabled.
pub const SUBMIT_BATCH: &str = "/api/txs";

/// Largest request body of [`SUBMIT`] (a 64 KiB transaction is 128 KiB of hex).
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Most transactions in one [`SUBMIT_BATCH`].
pub const MAX_BATCH_TXS: usize = 2_000;
/// Largest request body of [`SUBMIT_BATCH`].
pub const MAX_BATCH_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Largest page of events, evidence and view rows.
pub const MAX_PAGE: usize = 500;
/// Rows an export (CSV or JSON) of a view holds at most.
pub const MAX_EXPORT: usize = 10_000;
/// Blocks one page of the block list holds at most.
pub const MAX_BLOCKS: u64 = 100;
/// Items each list of a detail answer holds at most (a data set's versions, parents, children,
/// ancestors and descendants), so no detail request reads without bound.
pub const MAX_DETAIL_ITEMS: usize = 200;
/// Results of one search at most.
pub const MAX_SEARCH_RESULTS: usize = 100;
