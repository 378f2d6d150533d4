//! Options shared by every call subcommand, and the catalog entry options shared by `dataset
//! register` and `lineage register`.

use super::when;
use clap::{ArgGroup, Args, ValueEnum};
use shulian_runtime::Hash;
use shulian_runtime::call::{Classification, DatasetSpec, SharingAttribute, Validity};
use shulian_runtime::genesis::Role;
use std::time::Duration;

/// How a call is signed and followed: every subcommand that submits a transaction takes these.
#[derive(Debug, Args)]
pub struct CallOpts {
    /// Name of the key (in the keystore) that signs; its organization is the sender.
    #[arg(long, value_name = "KEY")]
    pub from: String,
    /// Use this nonce instead of asking the node for the account's next one.
    #[arg(long, value_name = "N")]
    pub nonce: Option<u64>,
    /// Wait until the transaction is committed or rejected, then print its outcome (and the
    /// contract's refusal, if any). Implied for commands that print a new id.
    #[arg(long)]
    pub wait: bool,
    /// How long waiting lasts before giving up (the transaction may still be committed later).
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout_secs: u64,
}

impl CallOpts {
    /// The wait asked for with `--wait`, or `None`.
    pub fn wait(&self) -> Option<Duration> {
        self.wait.then(|| self.timeout())
    }

    /// The `--timeout-secs` limit, for commands that always wait.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }
}

/// The validity window of a grant (asked for in a request, or sold with a listing), in ledger
/// time: where it starts (inclusive) and ends (exclusive). Times and spans as `args::when` reads
/// them (`2027-01-01`, `2027-01-01T09:30:00+08:00`, `30d`).
#[derive(Clone, Debug, Args)]
#[command(group(ArgGroup::new("window_end").required(true).args(["valid_until", "valid_for"])))]
pub struct WindowArgs {
    /// When the grant becomes usable [default: at once]. A date is read in China Standard Time.
    #[arg(long, value_name = "TIME", value_parser = when::parse_time)]
    pub valid_from: Option<u64>,
    /// When it expires (exclusive: expired from this time on).
    #[arg(long, value_name = "TIME", value_parser = when::parse_time)]
    pub valid_until: Option<u64>,
    /// How long it lasts from its start (or from now), e.g. `30d`.
    #[arg(long, value_name = "SPAN", value_parser = when::parse_span)]
    pub valid_for: Option<u64>,
}

impl WindowArgs {
    /// The window; `now_ms` anchors `--valid-for` without `--valid-from`. `None` without an end
    /// (clap's group makes one required).
    pub fn validity(&self, now_ms: u64) -> Option<Validity> {
        let from_ms = self.valid_from.unwrap_or(0);
        let until_ms = match (self.valid_until, self.valid_for) {
            (Some(t), _) => t,
            (None, Some(span)) => self.valid_from.unwrap_or(now_ms).saturating_add(span),
            (None, None) => return None,
        };
        Some(Validity { from_ms, until_ms })
    }
}

/// Classification level of a data set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ClassificationArg {
    /// General data.
    General,
    /// Important data.
    Important,
    /// Core data: every grant also needs a regulator's co-approval.
    Core,
}

impl From<ClassificationArg> for Classification {
    fn from(c: ClassificationArg) -> Self {
        match c {
            ClassificationArg::General => Classification::General,
            ClassificationArg::Important => Classification::Important,
            ClassificationArg::Core => Classification::Core,
        }
    }
}

/// Sharing attribute of a data set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SharingArg {
    /// Shared on request: the grant is issued at once (core data still needs a regulator).
    Unconditional,
    /// Shared when the owner approves each request.
    Conditional,
    /// Never shared: every request is refused.
    NotShareable,
}

impl From<SharingArg> for SharingAttribute {
    fn from(s: SharingArg) -> Self {
        match s {
            SharingArg::Unconditional => SharingAttribute::Unconditional,
            SharingArg::Conditional => SharingAttribute::Conditional,
            SharingArg::NotShareable => SharingAttribute::NotShareable,
        }
    }
}

/// A role an organization plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// A government department that holds and shares data.
    Department,
    /// The city's data exchange center.
    ExchangeCenter,
    /// A company that trades data products.
    Trader,
    /// A regulator: keeps the negative list and co-approves core data grants.
    Regulator,
    /// Operates a validator node and votes on governance.
    ValidatorOperator,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Department => Role::Department,
            RoleArg::ExchangeCenter => Role::ExchangeCenter,
            RoleArg::Trader => Role::Trader,
            RoleArg::Regulator => Role::Regulator,
            RoleArg::ValidatorOperator => Role::ValidatorOperator,
        }
    }
}

/// A catalog entry: what a department publishes about a data set (the data itself stays off chain).
#[derive(Debug, Args)]
pub struct DatasetSpecArgs {
    /// Human name of the data set; not empty.
    #[arg(long)]
    pub name: String,
    /// blake3 of the off-chain metadata document, 64 hex characters.
    #[arg(long, value_name = "HEX")]
    pub metadata_hash: Hash,
    /// blake3 of the off-chain schema document, 64 hex characters.
    #[arg(long, value_name = "HEX")]
    pub schema_hash: Hash,
    /// A field (column) of the data set; repeat it or separate with commas. Grants are scoped to
    /// a subset of these fields.
    #[arg(long = "field", value_name = "FIELD", required = true, value_delimiter = ',')]
    pub fields: Vec<String>,
    /// Subject category, e.g. `transport` or `health`.
    #[arg(long)]
    pub category: String,
    /// Classification level; core data needs a regulator's co-approval for every grant.
    #[arg(long, value_enum)]
    pub classification: ClassificationArg,
    /// Sharing attribute: unconditional (granted on request), conditional (the owner approves
    /// each request) or not-shareable.
    #[arg(long, value_enum)]
    pub sharing: SharingArg,
    /// How often the data is updated, e.g. `daily`.
    #[arg(long, value_name = "TEXT")]
    pub update_frequency: String,
}

impl DatasetSpecArgs {
    /// The catalog entry as the contracts take it.
    pub fn spec(&self) -> DatasetSpec {
        DatasetSpec {
            name: self.name.clone(),
            metadata_hash: self.metadata_hash,
            schema_hash: self.schema_hash,
            fields: self.fields.clone(),
            category: self.category.clone(),
            classification: self.classification.into(),
            sharing: self.sharing.into(),
            update_frequency: self.update_frequency.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_needs_an_end_and_takes_times_or_a_span() {
        let w = |valid_from, valid_until, valid_for| WindowArgs { valid_from, valid_until, valid_for };
        assert_eq!(w(None, None, None).validity(100), None);
        let v = w(Some(5), Some(9), None).validity(100).expect("window");
        assert_eq!((v.from_ms, v.until_ms), (5, 9));
        let v = w(None, None, Some(50)).validity(100).expect("window");
        assert_eq!((v.from_ms, v.until_ms), (0, 150), "usable at once, for 50 ms from now");
        let v = w(Some(1_000), None, Some(50)).validity(100).expect("window");
        assert_eq!((v.from_ms, v.until_ms), (1_000, 1_050), "a span runs from the start");
    }
}
