//! `shulian listing ...`, `shulian order ...`, `shulian arbitrate`, `shulian deposit`, `shulian
//! withdraw` and `shulian balance`: the data exchange and the settlement money it moves.

use super::common::{CallOpts, WindowArgs};
use clap::{ArgGroup, Args, Subcommand};
use shulian_runtime::{AccountId, DatasetId, Hash, ListingId, OrderId};
use std::path::PathBuf;

/// `shulian listing ...`.
// Parsed once per process; boxing the big variant would only make the code harder to read.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum ListingCommand {
    /// As a department or trader, offer a data product for sale: a catalog data set you own (or a
    /// product outside the catalog), its price in fen, licence terms, delivery method, and the
    /// grant a completed order gives the buyer (purpose, fields, validity window, uses).
    ///
    /// The listing waits for the exchange center's compliance review (`listing approve`) before
    /// it takes orders. The buyer pays the exchange fee on top of the price. The listing id is
    /// derived by the contract, so this waits for the block and prints it.
    Submit(ListingSubmitArgs),
    /// As the exchange center, approve a listing after its compliance review: it goes on the
    /// market, and you clear its orders and earn their exchange fees.
    Approve {
        /// Signing key (the exchange center) and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The listing.
        #[arg(long, value_name = "ID")]
        listing: ListingId,
        /// A note for the record (optional when approving).
        #[arg(long, value_name = "TEXT", default_value = "")]
        reason: String,
    },
    /// As the exchange center, reject a listing in compliance review; it never takes orders.
    Reject {
        /// Signing key (the exchange center) and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The listing.
        #[arg(long, value_name = "ID")]
        listing: ListingId,
        /// Why, for the seller; not empty.
        #[arg(long, value_name = "TEXT", value_parser = not_blank)]
        reason: String,
    },
    /// As a regulator, freeze a listing: it takes no orders until unfrozen. Orders already
    /// placed run their course.
    Freeze {
        /// Signing key (a regulator) and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The listing.
        #[arg(long, value_name = "ID")]
        listing: ListingId,
        /// Why; not empty.
        #[arg(long, value_name = "TEXT", value_parser = not_blank)]
        reason: String,
    },
    /// As a regulator, lift the freeze of a listing: it takes orders again.
    Unfreeze {
        /// Signing key (a regulator) and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The listing.
        #[arg(long, value_name = "ID")]
        listing: ListingId,
        /// Why; not empty.
        #[arg(long, value_name = "TEXT", value_parser = not_blank)]
        reason: String,
    },
    /// As the seller, take your listing off the market; orders already placed run their course.
    Withdraw {
        /// Signing key (the seller) and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The listing.
        #[arg(long, value_name = "ID")]
        listing: ListingId,
    },
    /// Show a listing: seller, product, price, licence terms, the grant it sells, review status
    /// and any regulator's freeze.
    Show {
        /// Listing id.
        #[arg(value_name = "ID")]
        id: ListingId,
    },
}

/// `shulian listing submit`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("product").required(true).args(["dataset", "product_name"])))]
#[command(group(ArgGroup::new("licence").required(true).args(["licence_terms_hash", "licence_terms_file"])))]
pub struct ListingSubmitArgs {
    /// Signing key (the seller) and waiting.
    #[command(flatten)]
    pub call: CallOpts,
    /// Sell a catalog data set you own (not core data, not on the negative list, shareable);
    /// a completed order grants the buyer its use.
    #[arg(long, value_name = "ID")]
    pub dataset: Option<DatasetId>,
    /// Sell a product outside the catalog (e.g. a report) under this name instead.
    #[arg(long, value_name = "NAME", requires = "product_metadata_hash", value_parser = not_blank)]
    pub product_name: Option<String>,
    /// blake3 of the off-catalog product's description, 64 hex characters.
    #[arg(long, value_name = "HEX", requires = "product_name")]
    pub product_metadata_hash: Option<Hash>,
    /// Price in fen (1 yuan = 100 fen); more than zero. The buyer pays the exchange fee on top.
    #[arg(long, value_name = "FEN", value_parser = clap::value_parser!(u64).range(1..))]
    pub price: u64,
    /// blake3 of the licence terms document, 64 hex characters.
    #[arg(long, value_name = "HEX")]
    pub licence_terms_hash: Option<Hash>,
    /// The licence terms document itself; only its blake3 hash goes on the ledger.
    #[arg(long, value_name = "PATH")]
    pub licence_terms_file: Option<PathBuf>,
    /// How the data is delivered off chain, e.g. `sftp`.
    #[arg(long, value_name = "TEXT", value_parser = not_blank)]
    pub delivery_method: String,
    /// What the buyer may use the data for; recorded on the buyer's grant.
    #[arg(long, value_name = "TEXT", value_parser = not_blank)]
    pub purpose: String,
    /// A field sold (repeat or separate with commas): the field scope of the buyer's grant, a
    /// subset of the data set's fields. Required for a data set.
    #[arg(long = "field", value_name = "FIELD", value_delimiter = ',', required_unless_present = "product_name")]
    pub fields: Vec<String>,
    /// The validity window of the buyer's grant; the listing takes no orders once it has ended.
    #[command(flatten)]
    pub window: WindowArgs,
    /// How many uses (usage receipts) the buyer's grant allows; more than zero.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_uses: u64,
    /// How long after an order you have to confirm delivery, e.g. `7d`; after it the buyer may
    /// cancel for a refund [default: the exchange center's default, 7 days unless changed].
    #[arg(long, value_name = "SPAN", value_parser = super::when::parse_span)]
    pub delivery_window: Option<u64>,
    /// How long after delivery the buyer has to accept or dispute, e.g. `3d`; after it you may
    /// claim payment [default: the exchange center's default, 3 days unless changed].
    #[arg(long, value_name = "SPAN", value_parser = super::when::parse_span)]
    pub acceptance_window: Option<u64>,
}

/// `shulian order ...`.
#[derive(Debug, Subcommand)]
pub enum OrderCommand {
    /// As a department or trader, buy an approved listing: its price plus the exchange fee move
    /// from your balance into escrow until the order is settled.
    ///
    /// The order id is derived by the contract, so this waits for the block and prints it.
    Place {
        /// Signing key (the buyer) and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The listing.
        #[arg(long, value_name = "ID")]
        listing: ListingId,
    },
    /// As the seller, record that you delivered the data off chain, with the blake3 hash of what
    /// was delivered, within the delivery window. The buyer then accepts or disputes.
    Deliver(DeliverArgs),
    /// As the buyer, accept a delivery: escrow pays the seller the price and the exchange center
    /// the fee and, for a catalog data set, you are issued a grant. Waits for the block and
    /// prints the grant id when one was issued.
    Accept {
        /// Signing key (the buyer) and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The order.
        #[arg(long, value_name = "ID")]
        order: OrderId,
    },
    /// As the buyer, dispute a delivery within the acceptance window; the exchange center then
    /// arbitrates (`shulian arbitrate`).
    Dispute {
        /// Signing key (the buyer) and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The order.
        #[arg(long, value_name = "ID")]
        order: OrderId,
        /// What is wrong with the delivery; not empty.
        #[arg(long, value_name = "TEXT", value_parser = not_blank)]
        reason: String,
    },
    /// As the buyer, cancel an order the seller did not deliver within the delivery window:
    /// escrow refunds the price and the fee.
    Cancel {
        /// Signing key (the buyer) and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The order.
        #[arg(long, value_name = "ID")]
        order: OrderId,
    },
    /// As the seller, claim payment for a delivery the buyer neither accepted nor disputed within
    /// the acceptance window. Waits for the block and prints the buyer's grant id, if any.
    Claim {
        /// Signing key (the seller) and waiting.
        #[command(flatten)]
        call: CallOpts,
        /// The order.
        #[arg(long, value_name = "ID")]
        order: OrderId,
    },
    /// Show an order: buyer, seller, price, fee, status, delivery, dispute, ruling, the buyer's
    /// grant, and its whole history from the ledger's events, oldest first.
    Show {
        /// Order id.
        #[arg(value_name = "ID")]
        id: OrderId,
    },
}

/// `shulian order deliver`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("delivery").required(true).args(["delivery_hash", "delivery_file"])))]
pub struct DeliverArgs {
    /// Signing key (the seller) and waiting.
    #[command(flatten)]
    pub call: CallOpts,
    /// The order.
    #[arg(long, value_name = "ID")]
    pub order: OrderId,
    /// blake3 of what was delivered, 64 hex characters.
    #[arg(long, value_name = "HEX")]
    pub delivery_hash: Option<Hash>,
    /// A file holding what was delivered; only its blake3 hash goes on the ledger.
    #[arg(long, value_name = "PATH")]
    pub delivery_file: Option<PathBuf>,
}

/// `shulian arbitrate`: exactly one ruling.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("ruling").required(true).multiple(false)
    .args(["refund", "pay", "split_buyer_fen", "split_buyer_bps"])))]
pub struct ArbitrateArgs {
    /// Signing key (the exchange center, not a party to the order) and waiting.
    #[command(flatten)]
    pub call: CallOpts,
    /// The disputed order.
    #[arg(long, value_name = "ID")]
    pub order: OrderId,
    /// Rule for the buyer: the price and the fee go back to the buyer.
    #[arg(long)]
    pub refund: bool,
    /// Rule for the seller: the seller gets the price and the exchange center the fee, as if the
    /// buyer had accepted.
    #[arg(long)]
    pub pay: bool,
    /// Split the price: the buyer gets back exactly FEN of it, the seller the rest, and the
    /// exchange center the fee. The wallet reads the order's price and refuses an amount the
    /// ledger's basis-point split cannot give exactly.
    #[arg(long, value_name = "FEN")]
    pub split_buyer_fen: Option<u64>,
    /// Split the price by basis points: the buyer gets floor(price * BPS / 10000), the seller the
    /// rest (the odd fen goes to the seller), the exchange center the fee.
    #[arg(long, value_name = "BPS", value_parser = clap::value_parser!(u16).range(0..=10_000))]
    pub split_buyer_bps: Option<u16>,
}

/// `shulian deposit`.
#[derive(Debug, Args)]
pub struct DepositArgs {
    /// Signing key (the exchange center, as clearing house) and waiting.
    #[command(flatten)]
    pub call: CallOpts,
    /// The organization credited (account id, 64 hex characters).
    #[arg(long, value_name = "ACCOUNT_ID")]
    pub to: AccountId,
    /// Amount in fen (1 yuan = 100 fen); more than zero.
    #[arg(long, value_name = "FEN", value_parser = clap::value_parser!(u64).range(1..))]
    pub amount: u64,
    /// Reference of the off-chain bank transfer into the exchange center's account; not empty.
    #[arg(long, value_name = "TEXT", value_parser = not_blank)]
    pub bank_ref: String,
}

/// `shulian withdraw`.
#[derive(Debug, Args)]
pub struct WithdrawArgs {
    /// Signing key (the exchange center, as clearing house) and waiting.
    #[command(flatten)]
    pub call: CallOpts,
    /// The organization debited (account id, 64 hex characters).
    #[arg(long, value_name = "ACCOUNT_ID")]
    pub account: AccountId,
    /// Amount in fen (1 yuan = 100 fen); more than zero.
    #[arg(long, value_name = "FEN", value_parser = clap::value_parser!(u64).range(1..))]
    pub amount: u64,
    /// Reference of the off-chain bank transfer paying the organization out; not empty.
    #[arg(long, value_name = "TEXT", value_parser = not_blank)]
    pub bank_ref: String,
}

/// `shulian request-withdrawal`.
#[derive(Debug, Args)]
pub struct RequestWithdrawalArgs {
    /// Signing key (the organization paid out) and waiting.
    #[command(flatten)]
    pub call: CallOpts,
    /// Amount in fen (1 yuan = 100 fen); more than zero and at most the balance.
    #[arg(long, value_name = "FEN", value_parser = clap::value_parser!(u64).range(1..))]
    pub amount: u64,
}

/// A free-text value that must say something: refused on the command line rather than by the
/// contract after a block.
fn not_blank(s: &str) -> Result<String, String> {
    if s.trim().is_empty() { Err("must not be empty".to_string()) } else { Ok(s.to_string()) }
}
