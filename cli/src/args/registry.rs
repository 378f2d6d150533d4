//! `shulian element ...` and `shulian demand ...`: the responsibility list of data elements
//! (一数一源) and the demand list (需求清单) with deadlines in ledger time.

use super::common::CallOpts;
use super::list_states::DemandStateArg;
use super::lists::{PageArgs, RangeArgs};
use super::when::{parse_span, parse_time};
use clap::{ArgGroup, Args, Subcommand};
use shulian_runtime::{AccountId, DemandId, GrantId};

/// `shulian element ...`.
#[derive(Debug, Subcommand)]
pub enum ElementCommand {
    /// As a regulator, define a data element and name the one department responsible for it.
    Define {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// Its code: 1-64 characters of a-z, 0-9, `_`, `.` and `-`, e.g. `vehicle_plate`.
        #[arg(long, value_name = "CODE")]
        code: String,
        /// Its human name, e.g. "机动车号牌".
        #[arg(long, value_name = "TEXT")]
        name: String,
        /// The responsible department's account id.
        #[arg(long, value_name = "ORG")]
        responsible: AccountId,
    },
    /// As a regulator, move an element's responsibility to another department; the element has no
    /// authoritative data set until that department registers one.
    Transfer {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The element's code.
        #[arg(long, value_name = "CODE")]
        code: String,
        /// The department responsible from now on.
        #[arg(long, value_name = "ORG")]
        to: AccountId,
        /// Why; not empty.
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// The responsibility list: every element with its responsible department and its
    /// authoritative data set.
    List {
        /// Only the elements this department is responsible for.
        #[arg(long, value_name = "ORG")]
        org: Option<AccountId>,
        /// Paging.
        #[command(flatten)]
        page: PageArgs,
    },
}

/// `shulian demand ...`.
#[derive(Debug, Subcommand)]
pub enum DemandCommand {
    /// As a department, file a demand for data not yet in the catalog: the elements you need and
    /// what for. Waits for the block and prints the demand id.
    File {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// A data element you need (its code); repeat for several.
        #[arg(long = "element", value_name = "CODE", required = true)]
        elements: Vec<String>,
        /// What for.
        #[arg(long, value_name = "TEXT")]
        purpose: String,
    },
    /// As a regulator, assign a demand to the department that must answer it, with a deadline in
    /// ledger time.
    #[command(group(ArgGroup::new("due").required(true).args(["deadline", "due_in"])))]
    Assign {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The demand.
        #[arg(long, value_name = "ID")]
        demand: DemandId,
        /// The department that must answer.
        #[arg(long, value_name = "ORG")]
        to: AccountId,
        /// The deadline: a date (2027-01-31, China Standard Time), an RFC 3339 time, or ms since
        /// the Unix epoch.
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        deadline: Option<u64>,
        /// The deadline as a span from now (this machine's clock): 72h, 15d.
        #[arg(long, value_name = "SPAN", value_parser = parse_span)]
        due_in: Option<u64>,
    },
    /// As the assigned department, answer a demand with a grant you issued to the demander.
    Answer {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The demand.
        #[arg(long, value_name = "ID")]
        demand: DemandId,
        /// The grant (on your data set, to the demander).
        #[arg(long, value_name = "ID")]
        grant: GrantId,
    },
    /// As the assigned department, refuse a demand, stating the legal basis.
    Refuse {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The demand.
        #[arg(long, value_name = "ID")]
        demand: DemandId,
        /// The law or rule that forbids sharing.
        #[arg(long, value_name = "TEXT")]
        legal_basis: String,
    },
    /// As the demander, withdraw a demand that is not answered yet.
    Withdraw {
        /// Signing key and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The demand.
        #[arg(long, value_name = "ID")]
        demand: DemandId,
    },
    /// The demand list, as it stands at the head's ledger time.
    List {
        /// Only demands filed by this department.
        #[arg(long, value_name = "ORG")]
        requester: Option<AccountId>,
        /// Only demands assigned to this department.
        #[arg(long, value_name = "ORG")]
        org: Option<AccountId>,
        /// Only demands in this state (overdue: assigned, unanswered, past the deadline).
        #[arg(long, value_enum)]
        state: Option<DemandStateArg>,
        /// Filed within this ledger-time range.
        #[command(flatten)]
        range: RangeArgs,
        /// Paging.
        #[command(flatten)]
        page: PageArgs,
    },
}

/// `shulian regulator department-stats`: the period and the export.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// The period [default: the last 30 days].
    #[command(flatten)]
    pub range: RangeArgs,
    /// Export the rows as the node writes them (CSV for a spreadsheet) instead of text.
    #[arg(long, value_enum, value_name = "csv|json")]
    pub export: Option<super::list_states::ExportFormat>,
    /// Where the export goes [default: stdout].
    #[arg(long, value_name = "FILE", requires = "export")]
    pub out: Option<std::path::PathBuf>,
}
