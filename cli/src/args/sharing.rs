//! `shulian request`, `shulian grant ...`, `shulian receipt` and `shulian events`: asking for
//! data, granting it, recording each use, and reading the ledger's history.

use super::common::{CallOpts, WindowArgs};
use clap::{ArgGroup, Args, Subcommand};
use shulian_runtime::{AccountId, DatasetId, GrantId, Hash, ListingId, OrderId, RequestId};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// `shulian request`.
#[derive(Debug, Args)]
pub struct RequestArgs {
    /// Signing key (the requester, who becomes the grantee) and waiting.
    #[command(flatten)]
    pub call: CallOpts,
    /// The data set wanted.
    #[arg(long, value_name = "ID")]
    pub dataset: DatasetId,
    /// What the data will be used for; recorded on the grant.
    #[arg(long, value_name = "TEXT")]
    pub purpose: String,
    /// A field wanted (repeat or separate with commas): the field scope of the grant, a subset of
    /// the data set's fields.
    #[arg(long = "field", value_name = "FIELD", required = true, value_delimiter = ',')]
    pub fields: Vec<String>,
    /// The validity window of the grant.
    #[command(flatten)]
    pub window: WindowArgs,
    /// How many uses (usage receipts) the grant allows; more than zero.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_uses: u64,
}

/// `shulian grant ...`.
#[derive(Debug, Subcommand)]
pub enum GrantCommand {
    /// As the data set's owner (the grantor), approve a pending request. The grant is issued at
    /// once unless the data is core data, which also needs a regulator's co-approval. Waits for
    /// the block and prints the grant id when one was issued.
    Approve {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The request.
        #[arg(long, value_name = "ID")]
        request: RequestId,
    },
    /// As the data set's owner, reject a pending request.
    Reject {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The request.
        #[arg(long, value_name = "ID")]
        request: RequestId,
        /// Why, for the requester.
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// As a regulator, co-approve a pending request for core data. Waits for the block and prints
    /// the grant id when one was issued.
    CoApprove {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The request.
        #[arg(long, value_name = "ID")]
        request: RequestId,
    },
    /// As the grantor, revoke a grant: the grantee can never record a use under it again.
    Revoke {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The grant.
        #[arg(long, value_name = "ID")]
        grant: GrantId,
        /// Why, for the record.
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// As a regulator, freeze a grant directly: no use is recorded under it until you unfreeze it.
    Freeze {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The grant.
        #[arg(long, value_name = "ID")]
        grant: GrantId,
        /// Why; not empty.
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// As a regulator, lift your freeze of a grant.
    Unfreeze {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The grant.
        #[arg(long, value_name = "ID")]
        grant: GrantId,
        /// Why; not empty.
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// As the grantor, require your data system's countersignature on every later use of a grant:
    /// from then on a usage receipt counts only when KEY (the system's public key, e.g. from
    /// `shulian keys show`) signed the same grant, sequence number, query hash, result hash and
    /// row count as the grantee (`grant countersign`, `receipt --countersignature`). It cannot be
    /// lifted.
    RequireCountersignature {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The grant.
        #[arg(long, value_name = "ID")]
        grant: GrantId,
        /// The provider system's public key, 64 hex characters.
        #[arg(long, value_name = "HEX")]
        key: shulian_runtime::PublicKey,
    },
    /// As the provider's data system, countersign one use under a grant: signs the grant, the
    /// use's sequence number (the grant's use count after it: `grant show` prints the uses so far),
    /// the query and result hashes and the row count with key FROM, offline, and prints the
    /// countersignature the grantee passes to `receipt --countersignature`.
    Countersign {
        /// Name of the provider system's key in the keystore.
        #[arg(long, value_name = "KEY")]
        from: String,
        /// What was served.
        #[command(flatten)]
        use_: UseArgs,
        /// The use's sequence number under the grant, from 1.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        seq: u64,
    },
    /// Show a grant: grantor, grantee, purpose, field scope, validity window, uses and revocation,
    /// whether it is usable now (and why not), and its first usage receipts.
    Show {
        /// Grant id.
        #[arg(value_name = "ID")]
        id: GrantId,
    },
    /// List a grant's usage receipts in order, page by page.
    Receipts(super::lists::ReceiptsArgs),
}

/// `shulian receipt`: one use of granted data.
#[derive(Debug, Args)]
pub struct ReceiptArgs {
    /// Signing key (the grantee) and waiting.
    #[command(flatten)]
    pub call: CallOpts,
    /// The use.
    #[command(flatten)]
    pub use_: UseArgs,
    /// A field the query read (repeat or separate with commas); all must be in the grant's
    /// field scope.
    #[arg(long = "field", value_name = "FIELD", required = true, value_delimiter = ',')]
    pub fields: Vec<String>,
    /// The provider system's countersignature of this use (`grant countersign`), required
    /// exactly when the grant requires one (`grant show`).
    #[arg(long, value_name = "HEX")]
    pub countersignature: Option<shulian_runtime::Signature>,
}

/// One use of granted data: the grant, the query and result (or their blake3 hashes) and the rows.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("query").required(true).args(["query_hash", "query_text"])))]
#[command(group(ArgGroup::new("result").required(true).args(["result_hash", "result_file"])))]
pub struct UseArgs {
    /// The grant the data was used under.
    #[arg(long, value_name = "ID")]
    pub grant: GrantId,
    /// blake3 of the query that was run, 64 hex characters.
    #[arg(long, value_name = "HEX")]
    pub query_hash: Option<Hash>,
    /// The query text itself; only its blake3 hash goes on the ledger.
    #[arg(long, value_name = "TEXT")]
    pub query_text: Option<String>,
    /// blake3 of the result returned, 64 hex characters.
    #[arg(long, value_name = "HEX")]
    pub result_hash: Option<Hash>,
    /// A file holding the result; only its blake3 hash goes on the ledger.
    #[arg(long, value_name = "PATH")]
    pub result_file: Option<PathBuf>,
    /// Number of rows the query returned.
    #[arg(long = "rows", value_name = "N")]
    pub rows: u64,
}

/// What `shulian events` lists: the history of an organization, a data set, a grant, a market
/// listing or an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventSubject {
    /// `account:ID` (or `org:ID`).
    Account(AccountId),
    /// `dataset:ID`.
    Dataset(DatasetId),
    /// `grant:ID`.
    Grant(GrantId),
    /// `listing:ID`.
    Listing(ListingId),
    /// `order:ID`.
    Order(OrderId),
    /// `demand:ID`.
    Demand(shulian_runtime::DemandId),
}

impl FromStr for EventSubject {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let usage = || {
            format!(
                "{s:?} is not account:ID, dataset:ID, grant:ID, listing:ID, order:ID or demand:ID (ID: 64 hex characters)"
            )
        };
        let (kind, id) = s.split_once(':').ok_or_else(usage)?;
        match kind {
            "account" | "org" => id.parse().map(EventSubject::Account).map_err(|_| usage()),
            "dataset" => id.parse().map(EventSubject::Dataset).map_err(|_| usage()),
            "grant" => id.parse().map(EventSubject::Grant).map_err(|_| usage()),
            "listing" => id.parse().map(EventSubject::Listing).map_err(|_| usage()),
            "order" => id.parse().map(EventSubject::Order).map_err(|_| usage()),
            "demand" => id.parse().map(EventSubject::Demand).map_err(|_| usage()),
            _ => Err(usage()),
        }
    }
}

impl fmt::Display for EventSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventSubject::Account(id) => write!(f, "account:{id}"),
            EventSubject::Dataset(id) => write!(f, "dataset:{id}"),
            EventSubject::Grant(id) => write!(f, "grant:{id}"),
            EventSubject::Listing(id) => write!(f, "listing:{id}"),
            EventSubject::Order(id) => write!(f, "order:{id}"),
            EventSubject::Demand(id) => write!(f, "demand:{id}"),
        }
    }
}

/// `shulian events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Whose history: account:ID (everything an organization did or was part of), dataset:ID
    /// (registration, requests, grants and every use of the data), grant:ID, listing:ID (review,
    /// freezes and every order) or order:ID (placed, delivered, accepted, disputed, ruled, ...).
    #[arg(long, value_name = "KIND:ID")]
    pub subject: EventSubject,
    /// Follow the pages to the end of the history instead of stopping after one page.
    #[arg(long)]
    pub all: bool,
    /// Events per page (the node allows at most 500).
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=500))]
    pub limit: u64,
    /// Start after this cursor (the `next` of an earlier page, or the `id` of a followed event).
    #[arg(long, value_name = "CURSOR", value_parser = cursor)]
    pub after: Option<String>,
    /// Only events of this type (e.g. grant_issued, receipt_recorded: the `type` of an event).
    #[arg(long = "type", value_name = "TYPE", value_parser = event_type)]
    pub kind: Option<String>,
    /// Keep printing events as blocks are committed (the node's event stream), reconnecting after
    /// a dropped connection without a gap or a repeat, until Ctrl-C. Starts after --after, or with
    /// the first event.
    #[arg(long, conflicts_with = "all")]
    pub follow: bool,
}

/// An event type as the node names it: snake_case letters (the node checks the name).
fn event_type(s: &str) -> Result<String, String> {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
        Ok(s.to_string())
    } else {
        Err(format!("{s:?} is not an event type (snake_case, e.g. grant_issued)"))
    }
}

/// A page cursor as the node hands it out: hex.
pub(super) fn cursor(s: &str) -> Result<String, String> {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(s.to_string())
    } else {
        Err(format!("{s:?} is not a cursor (the hex `next` of an earlier page)"))
    }
}
