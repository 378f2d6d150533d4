//! The command line: global options, subcommands and their help text, in clap derive form.

use crate::client::{BlockRef, NodeUrl};
use clap::{Args, Parser, Subcommand, ValueEnum};
use shulian_runtime::AccountId;
use std::path::PathBuf;

pub mod catalog;
pub mod common;
pub mod gateway;
pub mod list_states;
pub mod lists;
pub mod market;
pub mod registry;
pub mod sharing;
pub mod wallet;
pub mod when;

pub use catalog::{DatasetCommand, LineageCommand, OrgCommand, ParentArg, VoteArgs};
pub use common::{CallOpts, ClassificationArg, DatasetSpecArgs, RoleArg, SharingArg};
pub use gateway::GatewayArgs;
pub use lists::{
    CatalogArgs, GrantsArgs, InboxArgs, ListingsArgs, OrdersArgs, RegulatorCommand, RequestsArgs, StatementArgs,
};
pub use market::{
    ArbitrateArgs, DeliverArgs, DepositArgs, ListingCommand, ListingSubmitArgs, OrderCommand, WithdrawArgs,
};
pub use registry::{DemandCommand, ElementCommand, StatsArgs};
pub use sharing::{EventSubject, EventsArgs, GrantCommand, ReceiptArgs, RequestArgs, UseArgs};
pub use wallet::{
    BuildArgs, BuildCommand, ConfigCommand, ExportArgs, ImportArgs, SendArgs, SettingName, SignArgs, TxArgs, TxCommand,
};

const LONG_ABOUT: &str = "\
Shulian wallet: manage the organization keys that sign transactions, move settlement money, share \
government data under grants, and look at the chain through a node's HTTP API.

Data sharing: a department registers a data set in the catalog (`dataset register`); another \
organization files a request for some of its fields, for a purpose and a validity window \
(`request`); the owner approves it (`grant approve`; core data also needs a regulator's \
`grant co-approve`) and a grant is issued; the grantee records a usage receipt for every use \
(`receipt`) until the grant is exhausted, expires or is revoked (`grant revoke`). Regulators keep \
a negative list (`dataset negative-list`). Derived data sets record their lineage (`lineage \
register`). `events` lists the history of an organization, a data set or a grant.

Data market: a department or trader lists a data product at a price in fen (`listing submit`); \
the exchange center reviews it (`listing approve` / `listing reject`) and a regulator may freeze \
it (`listing freeze`). A buyer's order (`order place`) moves the price plus the exchange fee into \
escrow; the seller delivers off chain and records the delivery's hash (`order deliver`); the \
buyer accepts (`order accept`: the seller is paid, the exchange center earns the fee and the buyer \
gets a grant) or disputes (`order dispute`), and the exchange center rules (`arbitrate`). The \
exchange center, as clearing house, credits bank deposits and debits withdrawals (`deposit`, \
`withdraw`); `balance` shows an account's settlement balance.

Lists, page by page (--limit, --after, --all): the catalog (`catalog`), what waits for an \
organization (`inbox`), `requests`, `grants`, a grant's receipts (`grant receipts`), `listings`, \
`orders`, an organization's `statement`, and a regulator's lists (`regulator negative-list`, \
`suspended`, `co-approvals`, `disputes`, exportable as CSV or JSON).

The same things in Chinese, as the explorer and the city's paperwork name them (docs/wallet.md): 数据目录 catalog, 数据集 data set, 数据使用申请 request, 授权 grant, 监管会签 co-approval, 使用回执 usage receipt, 负面清单 negative list, 挂牌 listing, 订单 order, 托管 escrow, 争议 dispute, 裁决 ruling, 数据交易中心 exchange center, 监管机构 regulator, 分 / 元 fen / yuan.

Keys are stored encrypted (argon2id + XChaCha20-Poly1305) in the keystore directory, one NAME.json \
per key, readable only by you. An account id is the blake3 hash of the organization's public key. \
Settlement balances and amounts are whole numbers of fen (1 yuan = 100 fen). Every transaction \
carries its sender account's next nonce; the wallet asks the node for it unless --nonce is given.

Passphrase, first found wins: --passphrase-file FILE, the SHULIAN_PASSPHRASE environment variable, \
a prompt on the terminal.

Settings, first found wins: the flag, its environment variable, the settings file \
($HOME/.shulian/config.toml, or --config FILE / SHULIAN_CONFIG: `node`, `default_key`, `keystore`), \
the built-in default. See `shulian config show`.

Offline signing: `tx build` writes an unsigned transaction, `tx sign` signs it with no network, \
`tx send` submits it.

Output: short text on stdout, or with --json exactly one JSON document on stdout (the node's own \
JSON where there is one; {\"error\":{\"code\",\"message\"}} on failure). Progress and error messages \
go to stderr.

Exit codes:
  0  success
  1  any other failure (the transaction was committed but its call failed, --wait timed out, ...)
  2  usage error: the command line or the settings file is wrong
  3  the node refused the request (HTTP 4xx: stale nonce, unknown transaction, ...) or rejected the
     transaction
  4  the node is unreachable or failed (HTTP 5xx)
  5  keystore or passphrase problem (no such key, wrong passphrase, unreadable, weak or costly key
     file, a key that is not the transaction's sender)
  6  the node serves (or a transaction file is for) another chain than the pinned chain id:
     nothing was signed";

/// `shulian`: the Shulian wallet command line.
#[derive(Debug, Parser)]
#[command(name = "shulian", version, about = "Shulian wallet: keys, settlement transfers, data-sharing grants and chain queries", long_about = LONG_ABOUT)]
pub struct Cli {
    /// Options every subcommand accepts.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand accepts.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// HTTP address of the node to talk to (its `/api` is used).
    #[arg(long, global = true, env = "SHULIAN_NODE", default_value = "http://127.0.0.1:8645", value_name = "URL")]
    pub node: NodeUrl,
    /// Print one machine-readable JSON document on stdout instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Directory of encrypted key files [default: $HOME/.shulian/keys].
    #[arg(long, global = true, env = "SHULIAN_KEYSTORE", value_name = "DIR")]
    pub keystore: Option<PathBuf>,
    /// Read the key passphrase from FILE (its final line break is dropped).
    ///
    /// Without it the SHULIAN_PASSPHRASE environment variable is used, and without that the
    /// wallet asks on the terminal.
    #[arg(long, global = true, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Settings file [default: $HOME/.shulian/config.toml]: `node`, `default_key`, `keystore`.
    #[arg(long, global = true, env = "SHULIAN_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The only chain this wallet signs for [default: `chain_id` in the settings file, pinned
    /// from the node at first use]. A node that reports another chain gets nothing signed (exit
    /// code 6); `tx build` uses it without asking the node.
    #[arg(long, global = true, env = "SHULIAN_CHAIN_ID", value_name = "ID")]
    pub chain_id: Option<String>,
    /// The crypto suite this wallet's keys and signatures use: `ed25519-blake3` (default) or
    /// `sm2-sm3` (national commercial cryptography: SM2 keys, SM4-encrypted key files). It must be
    /// the suite of the node's chain (`shulian status` shows it; exit code 6 otherwise).
    #[arg(long, global = true, env = "SHULIAN_CRYPTO", value_name = "SUITE")]
    pub crypto: Option<shulian_runtime::suite::CryptoSuite>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, list and show the signing keys in the local keystore.
    ///
    /// Each key is an ed25519 key pair; the account it controls is the blake3 hash of its public
    /// key. The secret part is stored only encrypted under your passphrase.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Show the chain head: chain id, height, state root and validators.
    ///
    /// The state root is the sparse Merkle root of the ledger state after the block at `height`
    /// (height 0 is the genesis state).
    Status,
    /// Move settlement money, in fen, from your key's account to another account.
    ///
    /// Decrypts key --from, asks the node for the chain id and the account's next nonce, signs a
    /// settlement transfer and submits it. Prints the transaction hash; with --wait, follows it
    /// until it is in a block (or rejected) and prints the outcome and events.
    Transfer(TransferArgs),
    /// Transactions: look one up by hash (`tx show HASH`, or just `tx HASH`), or sign offline:
    /// `tx build` writes an unsigned transaction, `tx sign` signs it without a node, `tx send`
    /// submits it.
    Tx(TxArgs),
    /// Show a block: header, commit certificate and its transactions with their outcomes.
    Block {
        /// Block height (the first block is 1) or `latest` for the chain head.
        #[arg(value_name = "HEIGHT|latest")]
        block: BlockRef,
    },
    /// Show an account: settlement balance in fen, next nonce and organization.
    ///
    /// Give an account id, or --key NAME for the account of one of your keys (no passphrase
    /// needed). An account that was never used shows balance 0 and nonce 0.
    Account(AccountArgs),
    /// Organization governance: propose admitting, suspending or reinstating an organization or
    /// rotating its key, vote on proposals, show organizations and proposals.
    #[command(subcommand)]
    Org(OrgCommand),
    /// The data catalog: register, version and retire data sets, keep the negative list, show a
    /// data set with its versions and lineage.
    #[command(subcommand)]
    Dataset(DatasetCommand),
    /// Request to use a data set: purpose, field scope, validity window (block heights or ledger
    /// time) and number of uses.
    ///
    /// Waits for the block and prints the request id and, when the data set is shared
    /// unconditionally and the grant is issued at once, the grant id.
    Request(RequestArgs),
    /// Answer requests (approve, reject, co-approve), revoke grants and show a grant with its
    /// usage receipts.
    #[command(subcommand)]
    Grant(GrantCommand),
    /// Record a usage receipt: one use of data under a grant, with the blake3 hashes of the query
    /// and of the result (kept off chain), the row count and the fields read.
    ///
    /// Refused when the grant is revoked, expired, exhausted, suspended or negative-listed, or
    /// when a field is outside its scope.
    Receipt(ReceiptArgs),
    /// Derived data sets: register one with its parents, show a data set's ancestors and
    /// descendants.
    #[command(subcommand)]
    Lineage(LineageCommand),
    /// List the events of an organization, a data set, a grant, a market listing or an order,
    /// oldest first: height, transaction, event type and its key fields.
    Events(EventsArgs),
    /// The data market's listings: submit a data product for sale, review it (exchange center),
    /// freeze or unfreeze it (regulator), withdraw it, show it.
    #[command(subcommand)]
    Listing(ListingCommand),
    /// Orders on the data market: place (price plus fee into escrow), deliver, accept, dispute,
    /// cancel an undelivered order, claim payment after the acceptance window, show an order
    /// with its history.
    #[command(subcommand)]
    Order(OrderCommand),
    /// As the exchange center, rule on a disputed order: refund the buyer, pay the seller, or
    /// split the price (in fen or basis points). Every ruling pays out exactly the escrow.
    Arbitrate(ArbitrateArgs),
    /// As the exchange center (clearing house), credit an organization with money paid into the
    /// exchange center's bank account; the total supply grows by the amount.
    Deposit(DepositArgs),
    /// As the exchange center (clearing house), debit an organization for money paid out to its
    /// bank account; the total supply shrinks by the amount. Only the amount the organization
    /// itself asked for with `request-withdrawal`, which this pays.
    Withdraw(WithdrawArgs),
    /// Ask the clearing house to pay an amount of your balance out to your bank account (it
    /// replaces a request of yours not yet paid); the exchange center then runs `withdraw`.
    RequestWithdrawal(market::RequestWithdrawalArgs),
    /// Show an account's settlement balance in fen (and yuan).
    ///
    /// Give an account id, or --key NAME for the account of one of your keys (no passphrase
    /// needed). Money escrowed for your open orders is not in your balance.
    Balance(AccountArgs),
    /// Run the signing gateway: a local HTTP JSON API through which a department's systems have
    /// calls signed with one key (receipts, grant requests, approvals, deliveries, any call).
    ///
    /// Callers need the bearer token from --token-file. Nonces are handed out consecutively to
    /// concurrent callers, submitted in order in batches, and resubmitted after a node restart.
    /// Every signature is logged (stderr and the log file beside the token). See docs/wallet.md,
    /// "Signing gateway".
    Gateway(GatewayArgs),
    /// Browse the data catalog: data sets by owner, classification, sharing attribute and whether
    /// they are on the negative list, oldest first.
    Catalog(CatalogArgs),
    /// What waits for an organization [default: the default key's]: requests awaiting its
    /// decision, its core-data requests awaiting a regulator's co-approval, and orders awaiting
    /// its delivery.
    Inbox(InboxArgs),
    /// Data-use requests by owner, requester and state.
    Requests(RequestsArgs),
    /// Grants by grantee or grantor and state at the head's ledger time (active, expiring within
    /// a span, expired, revoked, exhausted, not yet valid).
    Grants(GrantsArgs),
    /// Market listings by seller and state (pending review, active, frozen, ...).
    Listings(ListingsArgs),
    /// Market orders by organization, side (buyer or seller) and state.
    Orders(OrdersArgs),
    /// An organization's settlement balance movements between two dates, with the page's credits
    /// and debits [default: the default key's organization].
    Statement(StatementArgs),
    /// Data elements and the one department responsible for each (一数一源, the responsibility
    /// list): a regulator defines and transfers them; anyone lists them.
    #[command(subcommand)]
    Element(ElementCommand),
    /// The demand list (需求清单): a department files a demand for data not yet in the catalog,
    /// a regulator assigns it with a deadline, the department answers with a grant or refuses
    /// with a legal basis.
    #[command(subcommand)]
    Demand(DemandCommand),
    /// A regulator's lists: the negative list, suspended organizations, core-data requests
    /// waiting for co-approval and open disputes, by date range, exportable as CSV or JSON.
    #[command(subcommand)]
    Regulator(RegulatorCommand),
    /// Show or change the settings file: default node, default key, keystore directory.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print a shell completion script for bash, zsh or fish on stdout.
    ///
    /// For example: `shulian completions bash > ~/.local/share/bash-completion/completions/shulian`.
    Completions {
        /// The shell.
        shell: ShellKind,
    },
}

/// `shulian keys ...`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Generate a new ed25519 key and store it encrypted as NAME.
    ///
    /// Asks for a passphrase twice (or takes it from --passphrase-file / SHULIAN_PASSPHRASE).
    /// Refuses to overwrite an existing key. Prints the new account id and public key; give the
    /// account id to whoever sends you settlement money.
    New {
        /// Local name of the key: letters, digits, '-' and '_'.
        name: String,
    },
    /// List every key in the keystore: name, account id and public key.
    List,
    /// Show one key's account id and public key (never the secret; no passphrase needed).
    Show {
        /// Local name of the key.
        name: String,
    },
    /// Import a key: a clear secret key (encrypted now, under a new passphrase) or an encrypted
    /// key file (kept under its own passphrase).
    ///
    /// The clear secret is read from a file or stdin and never written anywhere; delete your
    /// clear copy afterwards. Refuses to overwrite an existing key.
    Import(ImportArgs),
    /// Export a key as an encrypted copy of its key file, for a backup or another machine.
    ///
    /// The copy stays encrypted under the key's passphrase; the wallet never writes a secret key
    /// in clear. Import it elsewhere with `keys import NAME --key-file FILE`.
    Export(ExportArgs),
}

/// `shulian transfer ...`.
#[derive(Debug, Args)]
pub struct TransferArgs {
    /// Name of the key (in the keystore) whose account pays.
    #[arg(long, value_name = "NAME")]
    pub from: String,
    /// Receiving account id: 64 hex characters (blake3 of the receiver's public key).
    #[arg(long, value_name = "ACCOUNT_ID")]
    pub to: AccountId,
    /// Amount in fen (1 yuan = 100 fen); more than zero.
    #[arg(long, value_name = "FEN", value_parser = clap::value_parser!(u64).range(1..))]
    pub amount: u64,
    /// Use this nonce instead of asking the node for the account's next one.
    ///
    /// Each nonce is usable exactly once and in order; the node refuses a used one (stale) or one
    /// that leaves a gap (future).
    #[arg(long, value_name = "N")]
    pub nonce: Option<u64>,
    /// Wait until the transaction is committed or rejected, then print its outcome.
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits before giving up (the transaction may still be committed later).
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout_secs: u64,
}

/// `shulian account ...`: exactly one of an account id or `--key`.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct AccountArgs {
    /// Account id, 64 hex characters.
    #[arg(value_name = "ACCOUNT_ID")]
    pub account: Option<AccountId>,
    /// Show the account of this key from the keystore instead.
    #[arg(long, value_name = "NAME")]
    pub key: Option<String>,
}

/// Shells with completion scripts.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ShellKind {
    /// GNU bash.
    Bash,
    /// Z shell.
    Zsh,
    /// fish.
    Fish,
}

impl From<ShellKind> for clap_complete::Shell {
    fn from(s: ShellKind) -> Self {
        match s {
            ShellKind::Bash => clap_complete::Shell::Bash,
            ShellKind::Zsh => clap_complete::Shell::Zsh,
            ShellKind::Fish => clap_complete::Shell::Fish,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_work_after_the_subcommand() {
        let cli = Cli::try_parse_from(["shulian", "status", "--json", "--node", "http://n:1/"]).expect("parse");
        assert!(cli.global.json);
        assert_eq!(cli.global.node.to_string(), "http://n:1");
    }

    #[test]
    fn account_needs_exactly_one_of_id_or_key() {
        let id = "ab".repeat(32);
        assert!(Cli::try_parse_from(["shulian", "account"]).is_err());
        assert!(Cli::try_parse_from(["shulian", "account", &id, "--key", "k"]).is_err());
        assert!(Cli::try_parse_from(["shulian", "account", "--key", "k"]).is_ok());
        assert!(Cli::try_parse_from(["shulian", "account", &id]).is_ok());
    }

    #[test]
    fn zero_amounts_and_bad_account_ids_are_usage_errors() {
        let to = "ab".repeat(32);
        assert!(Cli::try_parse_from(["shulian", "transfer", "--from", "a", "--to", &to, "--amount", "0"]).is_err());
        assert!(Cli::try_parse_from(["shulian", "transfer", "--from", "a", "--to", "xyz", "--amount", "1"]).is_err());
        assert!(Cli::try_parse_from(["shulian", "transfer", "--from", "a", "--to", &to, "--amount", "1"]).is_ok());
    }
}
