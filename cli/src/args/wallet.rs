//! `shulian tx ...` (lookup and offline signing), `shulian config ...` and the key import and
//! export options.

use super::TransferArgs;
use super::catalog::{DatasetCommand, LineageCommand, OrgCommand};
use super::market::{ArbitrateArgs, DepositArgs, ListingCommand, OrderCommand, WithdrawArgs};
use super::sharing::{GrantCommand, ReceiptArgs, RequestArgs};
use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use shulian_runtime::Hash;
use std::path::PathBuf;

/// `shulian tx HASH` (kept for scripts) or `shulian tx show|build|sign|send ...`.
#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    override_usage = "shulian tx <HASH>\n       shulian tx <COMMAND>"
)]
pub struct TxArgs {
    /// Transaction hash to look up, 64 hex characters (the same as `tx show HASH`).
    #[arg(value_name = "HASH", required = true)]
    pub hash: Option<Hash>,
    /// What to do with a transaction.
    #[command(subcommand)]
    pub command: Option<TxCommand>,
}

/// `shulian tx ...`.
// Parsed once per process; boxing the big variant would only make the code harder to read.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum TxCommand {
    /// Look up a transaction by hash: pending, committed (with outcome and events) or rejected.
    Show {
        /// Transaction hash, 64 hex characters.
        #[arg(value_name = "HASH")]
        hash: Hash,
    },
    /// Build an unsigned transaction and write it to a file, for signing on another machine.
    ///
    /// Takes the same call subcommands and options as the online commands, e.g. `shulian tx
    /// build transfer --from trader --to ACCOUNT --amount 500 --out t.json`. Here --from is a
    /// key name in the keystore (only its public key is read: no passphrase) or the sender's
    /// public key as 64 hex characters. The chain id and the nonce are asked from the node
    /// unless --chain-id and --nonce are both given; then no network is used at all. The file
    /// holds the transaction bytes and a readable summary (chain id, sender, nonce, call).
    Build(BuildArgs),
    /// Sign a transaction file from `tx build` with a key from the keystore. Uses no network.
    ///
    /// Shows what the transaction does before asking for the passphrase, refuses a key that is
    /// not the transaction's sender and a file whose summary was edited, and writes the signed
    /// transaction for `tx send`.
    Sign(SignArgs),
    /// Submit a signed transaction file from `tx sign` to the node.
    ///
    /// Checks the signature locally first. Prints the hash; with --wait follows it until it is in
    /// a block (or rejected) and prints the outcome, like the online commands.
    Send(SendArgs),
}

/// `shulian tx build ...`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Write the unsigned transaction to FILE (never replacing a file) instead of stdout.
    #[arg(long, global = true, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The call to build.
    #[command(subcommand)]
    pub call: BuildCommand,
}

/// The calls `tx build` can build: the same subcommands as online.
// Parsed once per process; boxing the big variants would only make the code harder to read.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum BuildCommand {
    /// A settlement transfer, in fen (see `shulian transfer --help`).
    Transfer(TransferArgs),
    /// A governance proposal or vote (see `shulian org --help`).
    #[command(subcommand)]
    Org(OrgCommand),
    /// A catalog call: register, version, retire, negative-list, unlist (see `shulian dataset --help`).
    #[command(subcommand)]
    Dataset(DatasetCommand),
    /// A request to use a data set (see `shulian request --help`).
    Request(RequestArgs),
    /// An answer to a request or a revocation (see `shulian grant --help`).
    #[command(subcommand)]
    Grant(GrantCommand),
    /// A usage receipt (see `shulian receipt --help`).
    Receipt(ReceiptArgs),
    /// A derived data set with its lineage (see `shulian lineage --help`).
    #[command(subcommand)]
    Lineage(LineageCommand),
    /// A listing call: submit, approve, reject, freeze, unfreeze, withdraw (see `shulian listing --help`).
    #[command(subcommand)]
    Listing(ListingCommand),
    /// An order call: place, deliver, accept, dispute, cancel, claim (see `shulian order --help`).
    #[command(subcommand)]
    Order(OrderCommand),
    /// The exchange center's ruling on a disputed order (see `shulian arbitrate --help`); a split
    /// given in fen asks the node for the order's price.
    Arbitrate(ArbitrateArgs),
    /// A deposit credited by the exchange center (see `shulian deposit --help`).
    Deposit(DepositArgs),
    /// A withdrawal debited by the exchange center (see `shulian withdraw --help`).
    Withdraw(WithdrawArgs),
    /// A request to be paid out (see `shulian request-withdrawal --help`).
    RequestWithdrawal(super::market::RequestWithdrawalArgs),
    /// A data element's definition or transfer (see `shulian element --help`).
    #[command(subcommand)]
    Element(super::registry::ElementCommand),
    /// A demand-list call: file, assign, answer, refuse, withdraw (see `shulian demand --help`).
    #[command(subcommand)]
    Demand(super::registry::DemandCommand),
}

/// `shulian tx sign FILE`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The unsigned transaction file from `tx build` (`-` reads stdin).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Key that signs [default: the key in the keystore whose public key is the sender's].
    #[arg(long, value_name = "NAME")]
    pub key: Option<String>,
    /// Write the signed transaction to FILE (never replacing a file) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `shulian tx send FILE`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// The signed transaction file from `tx sign` (`-` reads stdin).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Wait until the transaction is committed or rejected, then print its outcome.
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits before giving up (the transaction may still be committed later).
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout_secs: u64,
}

/// `shulian keys import NAME`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["secret_file", "key_file"])))]
pub struct ImportArgs {
    /// Local name for the imported key: letters, digits, '-' and '_'.
    pub name: String,
    /// A file holding a 32-byte ed25519 secret key as 64 hex characters (`-` reads stdin). It is
    /// encrypted under a new passphrase; delete the clear file afterwards.
    #[arg(long, value_name = "FILE")]
    pub secret_file: Option<PathBuf>,
    /// An encrypted key file (from `keys export` or a dev node's `keys/` folder), stored as it is,
    /// under its own passphrase.
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
}

/// `shulian keys export NAME --out FILE`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Local name of the key.
    pub name: String,
    /// Where to write the encrypted copy (mode 0600; never replacing a file).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// `shulian config ...`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Show the settings file's path and each setting's value in effect and where it comes from
    /// (flag, environment variable, settings file or built-in default).
    Show,
    /// Set one setting in the settings file (created if missing).
    Set {
        /// The setting.
        #[arg(value_enum)]
        setting: SettingName,
        /// Its value: a node URL, a key name, a directory or a chain id.
        value: String,
    },
    /// Remove one setting from the settings file.
    Unset {
        /// The setting.
        #[arg(value_enum)]
        setting: SettingName,
    },
}

/// The settings of the settings file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SettingName {
    /// `node`: the node URL used without --node / SHULIAN_NODE.
    Node,
    /// `default_key`: the key used without --from / SHULIAN_KEY.
    #[value(name = "default_key", alias = "default-key")]
    DefaultKey,
    /// `keystore`: the keystore directory used without --keystore / SHULIAN_KEYSTORE.
    Keystore,
    /// `chain_id`: the only chain the wallet signs for without --chain-id / SHULIAN_CHAIN_ID.
    #[value(name = "chain_id", alias = "chain-id")]
    ChainId,
}

impl SettingName {
    /// The name in the settings file.
    pub fn key(self) -> &'static str {
        match self {
            SettingName::Node => "node",
            SettingName::DefaultKey => "default_key",
            SettingName::Keystore => "keystore",
            SettingName::ChainId => "chain_id",
        }
    }
}
