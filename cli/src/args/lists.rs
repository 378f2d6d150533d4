//! The lists people work from (`docs/wallet.md`, "Lists"): `shulian catalog`, `inbox`,
//! `requests`, `grants`, `listings`, `orders`, `statement` and `regulator ...`. Every list pages
//! like the node (`--limit`, `--after`, `--all`), filters by the node's own filters and reads
//! dates as `args::when` does.

use super::common::{ClassificationArg, SharingArg};
pub use super::list_states::{
    ExportFormat, GrantStateArg, ListingStateArg, OrderRoleArg, OrderStateArg, RequestStateArg, YesNo,
};
use super::when;
use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use shulian_api::lists::{DEFAULT_WITHIN_DAYS, GrantState, MAX_WITHIN_DAYS};
use shulian_runtime::AccountId;
use std::path::PathBuf;

/// Rows `--all` gathers at most when `--max` is not given: a few thousand rows are what a
/// terminal or a script reads in one go; the next cursor is printed to go on.
pub const DEFAULT_MAX_ROWS: usize = 5_000;
/// Rows per page when `--limit` is not given: a screenful of text.
pub const DEFAULT_LIMIT: usize = 50;
/// ms in a day, for `--within`.
const DAY_MS: u64 = 86_400_000;

/// Paging, as every list takes it.
#[derive(Clone, Debug, Args)]
pub struct PageArgs {
    /// Rows per page (the node allows at most 500; a page may hold fewer and still have more).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_LIMIT, value_parser = page_limit)]
    pub limit: usize,
    /// Start after this cursor (the `next` of an earlier page).
    #[arg(long, value_name = "CURSOR", value_parser = super::sharing::cursor)]
    pub after: Option<String>,
    /// Follow the pages to the end of the list (at most --max rows) instead of one page.
    #[arg(long)]
    pub all: bool,
    /// With --all, stop after this many rows and print the cursor to go on from.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_ROWS, requires = "all", value_parser = max_rows)]
    pub max: usize,
}

/// A page size the node accepts: 1 to [`shulian_api::routes::MAX_PAGE`].
fn page_limit(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=shulian_api::routes::MAX_PAGE).contains(&n) => Ok(n),
        _ => Err(format!("{s:?} is not a page size from 1 to {}", shulian_api::routes::MAX_PAGE)),
    }
}

/// A row cap for `--all`: at least 1.
fn max_rows(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{s:?} is not a number of rows (1 or more)")),
    }
}

/// A ledger-time range: only rows whose block's time is at or after `--since` and before
/// `--until`.
#[derive(Clone, Debug, Args)]
pub struct RangeArgs {
    /// Only rows from this time on (a date is read in China Standard Time; RFC 3339 or ms).
    #[arg(long, value_name = "TIME", value_parser = when::parse_time)]
    pub since: Option<u64>,
    /// Only rows before this time (exclusive).
    #[arg(long, value_name = "TIME", value_parser = when::parse_time)]
    pub until: Option<u64>,
}

/// Whose list: an organization by id, or the organization of a key in the keystore (by default
/// the default key: `SHULIAN_KEY` or `default_key` in the settings file).
#[derive(Clone, Debug, Args)]
#[command(group(ArgGroup::new("whose").multiple(false).args(["org", "key"])))]
pub struct OrgArgs {
    /// The organization's account id.
    #[arg(long, value_name = "ORG")]
    pub org: Option<AccountId>,
    /// The organization of this key from the keystore (no passphrase needed).
    #[arg(long, value_name = "NAME")]
    pub key: Option<String>,
}

/// `shulian catalog`.
#[derive(Debug, Args)]
pub struct CatalogArgs {
    /// Only this owner's data sets.
    #[arg(long, value_name = "ORG")]
    pub owner: Option<AccountId>,
    /// Only data sets of this classification level.
    #[arg(long, value_enum)]
    pub classification: Option<ClassificationArg>,
    /// Only data sets with this sharing attribute.
    #[arg(long, value_enum)]
    pub sharing: Option<SharingArg>,
    /// Only data sets on (yes) or off (no) the negative list.
    #[arg(long, value_enum, value_name = "yes|no")]
    pub negative_listed: Option<YesNo>,
    /// Registration time range.
    #[command(flatten)]
    pub range: RangeArgs,
    /// Paging.
    #[command(flatten)]
    pub page: PageArgs,
}

/// `shulian inbox`.
#[derive(Debug, Args)]
pub struct InboxArgs {
    /// Whose inbox [default: the default key's organization].
    #[command(flatten)]
    pub whose: OrgArgs,
    /// Items per section (the node allows at most 500).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_LIMIT, value_parser = page_limit)]
    pub limit: usize,
    /// Follow each section's pages to its end (at most --max items each).
    #[arg(long)]
    pub all: bool,
    /// With --all, stop each section after this many items.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_ROWS, requires = "all", value_parser = max_rows)]
    pub max: usize,
}

/// `shulian requests`.
#[derive(Debug, Args)]
pub struct RequestsArgs {
    /// Only requests for this owner's data sets.
    #[arg(long, value_name = "ORG")]
    pub owner: Option<AccountId>,
    /// Only this requester's requests.
    #[arg(long, value_name = "ORG")]
    pub requester: Option<AccountId>,
    /// Only requests in this state.
    #[arg(long, value_enum)]
    pub state: Option<RequestStateArg>,
    /// Filing time range.
    #[command(flatten)]
    pub range: RangeArgs,
    /// Paging.
    #[command(flatten)]
    pub page: PageArgs,
}

/// `shulian grants`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("side").multiple(false).args(["grantee", "grantor"])))]
pub struct GrantsArgs {
    /// Only grants held by this organization.
    #[arg(long, value_name = "ORG")]
    pub grantee: Option<AccountId>,
    /// Only grants given by this organization.
    #[arg(long, value_name = "ORG")]
    pub grantor: Option<AccountId>,
    /// Only grants in this state (--within alone means `expiring`).
    #[arg(long, value_enum)]
    pub state: Option<GrantStateArg>,
    /// With `expiring`: closing within this span of the head's ledger time, in whole days
    /// (e.g. 7d) [default: 30d].
    #[arg(long, value_name = "SPAN", value_parser = within_days)]
    pub within: Option<u32>,
    /// Issue time range.
    #[command(flatten)]
    pub range: RangeArgs,
    /// Paging.
    #[command(flatten)]
    pub page: PageArgs,
}

impl GrantsArgs {
    /// The state and `within_days` to ask for: `--within` alone asks for `expiring`; with another
    /// state it is a usage error.
    pub fn state(&self) -> Result<(Option<GrantState>, Option<u32>), String> {
        match (self.state, self.within) {
            (None, Some(days)) | (Some(GrantStateArg::Expiring), Some(days)) => {
                Ok((Some(GrantState::Expiring), Some(days)))
            }
            (Some(GrantStateArg::Expiring), None) => Ok((Some(GrantState::Expiring), Some(DEFAULT_WITHIN_DAYS))),
            (Some(s), Some(_)) => Err(format!(
                "--within applies to --state expiring only, not {}",
                s.to_possible_value().map_or_else(String::new, |v| v.get_name().to_string())
            )),
            (state, None) => Ok((state.map(GrantState::from), None)),
        }
    }
}

/// `--within`: a span in whole days, up to [`MAX_WITHIN_DAYS`].
fn within_days(s: &str) -> Result<u32, String> {
    let ms = when::parse_span(s)?;
    if ms % DAY_MS != 0 {
        return Err(format!("{s:?} is not whole days: write e.g. 7d or 30d"));
    }
    match u32::try_from(ms / DAY_MS) {
        Ok(days) if days <= MAX_WITHIN_DAYS => Ok(days),
        _ => Err(format!("{s:?} is more than {MAX_WITHIN_DAYS} days")),
    }
}

/// `shulian listings`.
#[derive(Debug, Args)]
pub struct ListingsArgs {
    /// Only this seller's listings.
    #[arg(long, value_name = "ORG")]
    pub seller: Option<AccountId>,
    /// Only listings in this state.
    #[arg(long, value_enum)]
    pub state: Option<ListingStateArg>,
    /// Submission time range.
    #[command(flatten)]
    pub range: RangeArgs,
    /// Paging.
    #[command(flatten)]
    pub page: PageArgs,
}

/// `shulian orders`.
#[derive(Debug, Args)]
pub struct OrdersArgs {
    /// Only this organization's orders (as buyer or seller; see --role).
    #[arg(long, value_name = "ORG")]
    pub org: Option<AccountId>,
    /// Which side --org is [default: both].
    #[arg(long, value_enum, requires = "org")]
    pub role: Option<OrderRoleArg>,
    /// Only orders in this state.
    #[arg(long, value_enum)]
    pub state: Option<OrderStateArg>,
    /// Placement time range.
    #[command(flatten)]
    pub range: RangeArgs,
    /// Paging.
    #[command(flatten)]
    pub page: PageArgs,
}

/// `shulian statement`.
#[derive(Debug, Args)]
pub struct StatementArgs {
    /// Whose statement [default: the default key's organization].
    #[command(flatten)]
    pub whose: OrgArgs,
    /// Movements between these times.
    #[command(flatten)]
    pub range: RangeArgs,
    /// Paging.
    #[command(flatten)]
    pub page: PageArgs,
}

/// `shulian grant receipts`.
#[derive(Debug, Args)]
pub struct ReceiptsArgs {
    /// Grant id.
    #[arg(value_name = "ID")]
    pub id: shulian_runtime::GrantId,
    /// Paging.
    #[command(flatten)]
    pub page: PageArgs,
}

/// A regulator's list: date range, paging, or every row as a file.
#[derive(Debug, Args)]
pub struct RegulatorListArgs {
    /// Ledger-time range.
    #[command(flatten)]
    pub range: RangeArgs,
    /// Paging.
    #[command(flatten)]
    pub page: PageArgs,
    /// Export every row (up to 10 000) as the node writes it, instead of a page of text.
    #[arg(long, value_enum, value_name = "csv|json")]
    pub export: Option<ExportFormat>,
    /// Where the export goes [default: stdout].
    #[arg(long, value_name = "FILE", requires = "export")]
    pub out: Option<PathBuf>,
}

/// `shulian regulator ...`.
#[derive(Debug, Subcommand)]
pub enum RegulatorCommand {
    /// The data sets on the negative list now, with who listed them, when and why.
    NegativeList(RegulatorListArgs),
    /// The organizations suspended now, with when and why.
    Suspended(RegulatorListArgs),
    /// Core-data requests waiting for a regulator's co-approval (`grant co-approve`).
    CoApprovals(RegulatorListArgs),
    /// Every re-grade of a data set (`dataset regrade`): both grades, who, when and why.
    Regraded(RegulatorListArgs),
    /// Demands assigned and unanswered past their deadline (ledger time), oldest first.
    OverdueDemands(RegulatorListArgs),
    /// Each department's statistics over a period: data sets provided, demands answered on time
    /// and late, overdue, requests approved and refused, uses under its grants, refused attempts.
    DepartmentStats(super::registry::StatsArgs),
    /// Transactions committed as failed ("who tried to use what they may not"), with the call,
    /// the data sets and grants it named and the contract's refusal code, oldest first.
    RefusedAttempts {
        /// The list.
        #[command(flatten)]
        list: RegulatorListArgs,
        /// Only those sent by this organization.
        #[arg(long, value_name = "ORG", conflicts_with = "dataset")]
        org: Option<shulian_runtime::AccountId>,
        /// Only those that named this data set (or a grant or request on it).
        #[arg(long, value_name = "ID")]
        dataset: Option<shulian_runtime::DatasetId>,
    },
    /// Orders in dispute, waiting for the exchange center's ruling.
    Disputes {
        /// The list.
        #[command(flatten)]
        list: RegulatorListArgs,
        /// Also the disputes already ruled on.
        #[arg(long)]
        include_resolved: bool,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{Cli, Command};
    use clap::Parser;

    fn parse(args: &[&str]) -> Result<Command, clap::Error> {
        let mut full = vec!["shulian"];
        full.extend_from_slice(args);
        Cli::try_parse_from(full).map(|c| c.command)
    }

    #[test]
    fn paging_has_bounds_and_all_has_a_cap() {
        let Ok(Command::Catalog(a)) = parse(&["catalog"]) else { panic!("catalog") };
        assert_eq!((a.page.limit, a.page.all, a.page.max), (DEFAULT_LIMIT, false, DEFAULT_MAX_ROWS));
        assert!(parse(&["catalog", "--limit", "0"]).is_err());
        assert!(parse(&["catalog", "--limit", "501"]).is_err());
        assert!(parse(&["catalog", "--after", "xyz"]).is_err());
        assert!(parse(&["catalog", "--max", "3"]).is_err(), "--max needs --all");
        let Ok(Command::Catalog(a)) = parse(&["catalog", "--all", "--max", "3", "--after", "0a"]) else {
            panic!("catalog")
        };
        assert_eq!((a.page.all, a.page.max, a.page.after.as_deref()), (true, 3, Some("0a")));
    }

    #[test]
    fn filters_read_names_people_write() {
        let owner = "ab".repeat(32);
        let Ok(Command::Catalog(a)) = parse(&[
            "catalog",
            "--owner",
            &owner,
            "--classification",
            "core",
            "--sharing",
            "not-shareable",
            "--negative-listed",
            "no",
            "--since",
            "2027-01-01",
        ]) else {
            panic!("catalog")
        };
        assert_eq!(a.classification, Some(ClassificationArg::Core));
        assert_eq!(a.negative_listed, Some(YesNo::No));
        assert_eq!(a.range.since, Some(1_798_761_600_000 - 8 * 3_600_000));
        assert!(parse(&["catalog", "--negative-listed", "maybe"]).is_err());
        assert!(parse(&["catalog", "--since", "yesterday"]).is_err());
        assert!(parse(&["orders", "--role", "buyer"]).is_err(), "--role needs --org");
        assert!(parse(&["listings", "--state", "pending-review"]).is_ok());
        assert!(parse(&["orders", "--org", &owner, "--role", "seller", "--state", "placed"]).is_ok());
        assert!(parse(&["grants", "--grantee", &owner, "--grantor", &owner]).is_err());
        assert!(parse(&["inbox", "--org", &owner, "--key", "k"]).is_err());
    }

    #[test]
    fn within_is_whole_days_and_means_expiring() {
        let Ok(Command::Grants(a)) = parse(&["grants", "--within", "7d"]) else { panic!("grants") };
        assert_eq!(a.state(), Ok((Some(GrantState::Expiring), Some(7))));
        let Ok(Command::Grants(a)) = parse(&["grants", "--state", "expiring"]) else { panic!("grants") };
        assert_eq!(a.state(), Ok((Some(GrantState::Expiring), Some(DEFAULT_WITHIN_DAYS))));
        let Ok(Command::Grants(a)) = parse(&["grants", "--state", "revoked", "--within", "7d"]) else {
            panic!("grants")
        };
        assert!(a.state().is_err_and(|e| e.contains("revoked")));
        assert!(parse(&["grants", "--within", "36h"]).is_err());
        assert!(parse(&["grants", "--within", "4000d"]).is_err());
    }

    #[test]
    fn regulator_exports_need_a_format_for_a_file() {
        assert!(parse(&["regulator", "suspended", "--out", "x.csv"]).is_err());
        let Ok(Command::Regulator(RegulatorCommand::Disputes { list, include_resolved })) =
            parse(&["regulator", "disputes", "--export", "csv", "--out", "d.csv", "--include-resolved"])
        else {
            panic!("disputes")
        };
        assert_eq!((list.export, include_resolved), (Some(ExportFormat::Csv), true));
        assert!(parse(&["regulator", "co-approvals", "--export", "xml"]).is_err());
    }
}
