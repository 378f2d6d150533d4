//! Options shared by every call subcommand, and the catalog entry options shared by `dataset
//! register` and `lineage register`.

use clap::{ArgGroup, Args, ValueEnum};
use shulian_runtime::call::{Bound, Classification, DatasetSpec, SharingAttribute, Validity};
use shulian_runtime::genesis::Role;
use shulian_runtime::{Hash, Height};
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

/// The validity window of a grant (asked for in a request, or sold with a listing): where it
/// starts (inclusive) and ends (exclusive), each as a block height or a ledger time.
#[derive(Clone, Copy, Debug, Args)]
#[command(group(ArgGroup::new("from_bound").args(["from_height", "from_time"])))]
#[command(group(ArgGroup::new("until_bound").required(true).args(["until_height", "until_time"])))]
pub struct WindowArgs {
    /// Validity window start as a block height (inclusive) [default: usable at once].
    #[arg(long, value_name = "N")]
    pub from_height: Option<u64>,
    /// Validity window start as ledger time, ms since the Unix epoch (inclusive).
    #[arg(long, value_name = "MS")]
    pub from_time: Option<u64>,
    /// Validity window end as a block height (exclusive: expired from this height on).
    #[arg(long, value_name = "N")]
    pub until_height: Option<u64>,
    /// Validity window end as ledger time, ms since the Unix epoch (exclusive).
    #[arg(long, value_name = "MS")]
    pub until_time: Option<u64>,
}

impl WindowArgs {
    /// The window, or `None` without an end (clap's group makes one end required).
    pub fn validity(&self) -> Option<Validity> {
        let from = match (self.from_height, self.from_time) {
            (_, Some(ms)) => Bound::Time(ms),
            (h, None) => Bound::Height(Height(h.unwrap_or(0))),
        };
        let until = match (self.until_height, self.until_time) {
            (_, Some(ms)) => Bound::Time(ms),
            (Some(h), None) => Bound::Height(Height(h)),
            (None, None) => return None,
        };
        Some(Validity { from, until })
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
    fn a_window_needs_an_end_and_takes_heights_or_times() {
        let w = |fh, ft, uh, ut| WindowArgs { from_height: fh, from_time: ft, until_height: uh, until_time: ut };
        assert_eq!(w(None, None, None, None).validity(), None);
        let v = w(Some(5), None, None, Some(9)).validity().expect("window");
        assert_eq!((v.from, v.until), (Bound::Height(Height(5)), Bound::Time(9)));
        let v = w(None, None, Some(7), None).validity().expect("window");
        assert_eq!((v.from, v.until), (Bound::Height(Height(0)), Bound::Height(Height(7))));
    }
}
