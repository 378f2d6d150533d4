//! `shulian listing ...`, `shulian order ...`, `shulian arbitrate`, `shulian deposit`, `shulian
//! withdraw` and `shulian balance`: the data exchange and its settlement money.

use super::Context;
use super::grant::hash_file;
use super::submit::{CallPlan, execute, not_a_call};
use crate::args::when::wall_clock_ms;
use crate::args::{
    AccountArgs, ArbitrateArgs, DeliverArgs, DepositArgs, ListingCommand, ListingSubmitArgs, OrderCommand, WithdrawArgs,
};
use crate::client::ClientError;
use crate::error::{CliError, exit};
use crate::render::market as text;
use serde::Serialize;
use shulian_api::ledger::EventRecord;
use shulian_api::records::Order;
use shulian_runtime::call::{MarketCall, Product, Ruling, SettlementCall, TradeWindows};
use shulian_runtime::{AccountId, Call, Fen, OrderId};

/// Events fetched per page when reading an order's whole history (the node's maximum).
const HISTORY_PAGE: u64 = 500;

/// `order show --json`: the order as stored and its events, oldest first.
#[derive(Serialize)]
struct OrderHistory {
    order: Order,
    events: Vec<EventRecord>,
}

/// `balance --json`: an account's settlement balance.
#[derive(Serialize)]
struct Balance {
    account: AccountId,
    balance: Fen,
}

/// Runs one `listing` subcommand.
pub(super) fn listing(ctx: &Context, cmd: ListingCommand) -> Result<u8, CliError> {
    match cmd {
        ListingCommand::Show { id } => {
            let v = ctx.client().listing(&id)?;
            ctx.out.result(&v, || text::listing(&v))?;
            Ok(exit::SUCCESS)
        }
        cmd => execute(ctx, listing_plan(cmd)?),
    }
}

/// The market call a `listing` subcommand asks for (no key, no network: `tx build` uses it too).
pub(super) fn listing_plan(cmd: ListingCommand) -> Result<CallPlan, CliError> {
    let (opts, call) = match cmd {
        ListingCommand::Submit(a) => return submit_listing_plan(a),
        ListingCommand::Approve { call, listing, reason } => {
            (call, MarketCall::ReviewListing { listing, approve: true, reason })
        }
        ListingCommand::Reject { call, listing, reason } => {
            (call, MarketCall::ReviewListing { listing, approve: false, reason })
        }
        ListingCommand::Freeze { call, listing, reason } => (call, MarketCall::FreezeListing { listing, reason }),
        ListingCommand::Unfreeze { call, listing, reason } => (call, MarketCall::UnfreezeListing { listing, reason }),
        ListingCommand::Withdraw { call, listing } => (call, MarketCall::WithdrawListing { listing }),
        ListingCommand::Show { .. } => return Err(not_a_call("listing show")),
    };
    Ok(CallPlan::new(&opts, Call::Market(call)))
}

/// `shulian listing submit`: hashes the licence terms file locally when given; the listing id is
/// derived by the contract, so running it waits for the block and prints the id.
fn submit_listing_plan(a: ListingSubmitArgs) -> Result<CallPlan, CliError> {
    let licence_terms_hash = match (a.licence_terms_hash, &a.licence_terms_file) {
        (Some(h), _) => h,
        (None, Some(path)) => hash_file(path)?,
        // clap's argument group makes one of them required.
        (None, None) => return Err(CliError::Usage("give --licence-terms-hash or --licence-terms-file".into())),
    };
    let product = match (a.dataset, a.product_name, a.product_metadata_hash) {
        (Some(d), _, _) => Product::Dataset(d),
        (None, Some(name), Some(metadata_hash)) => Product::OffCatalog { name, metadata_hash },
        // clap's argument groups make a data set or a named product with its hash required.
        _ => {
            return Err(CliError::Usage("give --dataset, or --product-name with --product-metadata-hash".into()));
        }
    };
    let Some(validity) = a.window.validity(wall_clock_ms()) else {
        return Err(CliError::Usage("give --valid-until or --valid-for".into()));
    };
    let call = Call::Market(MarketCall::SubmitListing {
        product,
        price: Fen(a.price),
        licence_terms_hash,
        delivery_method: a.delivery_method,
        purpose: a.purpose,
        validity,
        fields: a.fields,
        max_uses: a.max_uses,
        windows: TradeWindows { delivery_ms: a.delivery_window, acceptance_ms: a.acceptance_window },
    });
    Ok(CallPlan::new(&a.call, call))
}

/// Runs one `order` subcommand.
pub(super) fn order(ctx: &Context, cmd: OrderCommand) -> Result<u8, CliError> {
    match cmd {
        OrderCommand::Show { id } => show_order(ctx, &id),
        cmd => execute(ctx, order_plan(cmd)?),
    }
}

/// The market call an `order` subcommand asks for. Placing an order, accepting a delivery and
/// claiming settlement wait for the block when run, and print the order's (and grant's) id.
pub(super) fn order_plan(cmd: OrderCommand) -> Result<CallPlan, CliError> {
    let (opts, call) = match cmd {
        OrderCommand::Place { call, listing } => (call, MarketCall::PlaceOrder { listing }),
        OrderCommand::Deliver(a) => return deliver_plan(a),
        OrderCommand::Accept { call, order } => (call, MarketCall::AcceptDelivery { order }),
        OrderCommand::Dispute { call, order, reason } => (call, MarketCall::OpenDispute { order, reason }),
        OrderCommand::Cancel { call, order } => (call, MarketCall::CancelOrder { order }),
        OrderCommand::Claim { call, order } => (call, MarketCall::ClaimSettlement { order }),
        OrderCommand::Show { .. } => return Err(not_a_call("order show")),
    };
    Ok(CallPlan::new(&opts, Call::Market(call)))
}

/// `shulian order deliver`: hashes the delivered file locally when given, then records delivery.
fn deliver_plan(a: DeliverArgs) -> Result<CallPlan, CliError> {
    let delivery_hash = match (a.delivery_hash, &a.delivery_file) {
        (Some(h), _) => h,
        (None, Some(path)) => hash_file(path)?,
        // clap's argument group makes one of them required.
        (None, None) => return Err(CliError::Usage("give --delivery-hash or --delivery-file".into())),
    };
    Ok(CallPlan::new(&a.call, Call::Market(MarketCall::ConfirmDelivery { order: a.order, delivery_hash })))
}

/// `shulian order show ID`: the order as stored, and its history from the event index.
fn show_order(ctx: &Context, id: &OrderId) -> Result<u8, CliError> {
    let client = ctx.client();
    let order = client.order(id)?.order;
    let subject = format!("order:{id}");
    let mut events: Vec<EventRecord> = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = client.events(&subject, after.as_deref(), HISTORY_PAGE)?;
        events.extend(page.events);
        match page.next {
            // A cursor that does not move would page forever.
            Some(cursor) if after.as_deref() == Some(cursor.as_str()) => {
                let reason = format!("the events cursor {cursor} did not advance");
                return Err(ClientError::BadResponse { url: client.url().to_string(), reason }.into());
            }
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    let out = OrderHistory { order, events };
    ctx.out.result(&out, || text::order(&out.order, &out.events))?;
    Ok(exit::SUCCESS)
}

/// `shulian arbitrate`: the exchange center's ruling on a disputed order.
pub(super) fn arbitrate(ctx: &Context, a: ArbitrateArgs) -> Result<u8, CliError> {
    execute(ctx, arbitrate_plan(ctx, a)?)
}

/// The ruling the arguments ask for. A split given in fen needs the order's price, so only that
/// form asks the node; the others are built with no network.
pub(super) fn arbitrate_plan(ctx: &Context, a: ArbitrateArgs) -> Result<CallPlan, CliError> {
    let ruling = match (a.refund, a.pay, a.split_buyer_fen, a.split_buyer_bps) {
        (true, ..) => Ruling::Refund,
        (_, true, ..) => Ruling::Pay,
        (_, _, _, Some(buyer_bps)) => Ruling::Split { buyer_bps },
        (_, _, Some(fen), None) => {
            // The ledger splits by basis points; find the rate that gives the buyer exactly `fen`.
            let price = ctx.client().order(&a.order)?.order.price.0;
            let buyer_bps = split_bps(price, fen)
                .map_err(|reason| CliError::Usage(format!("--split-buyer-fen {fen}: {reason}")))?;
            Ruling::Split { buyer_bps }
        }
        // clap's argument group makes exactly one ruling required.
        (false, false, None, None) => {
            return Err(CliError::Usage(
                "give one ruling: --refund, --pay, --split-buyer-fen or --split-buyer-bps".into(),
            ));
        }
    };
    Ok(CallPlan::new(&a.call, Call::Market(MarketCall::Arbitrate { order: a.order, ruling })))
}

/// The basis points of the price that give the buyer exactly `buyer_fen` of `price` under the
/// ledger's rule `floor(price * bps / 10000)`, or why there are none (with the nearest amounts).
pub fn split_bps(price: u64, buyer_fen: u64) -> Result<u16, String> {
    if buyer_fen > price {
        return Err(format!("the buyer cannot get more than the price of {price} fen"));
    }
    let share = |bps: u128| u128::from(price) * bps / 10_000;
    // The smallest rate whose share reaches `buyer_fen`; shares only grow with the rate.
    let bps = (u128::from(buyer_fen) * 10_000).div_ceil(u128::from(price.max(1)));
    if share(bps) == u128::from(buyer_fen) {
        return u16::try_from(bps).map_err(|_| "split out of range".to_string());
    }
    let below = share(bps.saturating_sub(1));
    let above = share(bps);
    Err(format!(
        "a split of the price of {price} fen in basis points cannot give the buyer exactly {buyer_fen} fen; \
         the nearest are {below} and {above} fen"
    ))
}

/// `shulian deposit`: the exchange center credits money paid into its bank account.
pub(super) fn deposit_plan(a: DepositArgs) -> CallPlan {
    let call = SettlementCall::Deposit { to: a.to, amount: Fen(a.amount), bank_ref: a.bank_ref };
    CallPlan::new(&a.call, Call::Settlement(call))
}

/// `shulian withdraw`: the exchange center debits money it paid out to an organization's bank.
pub(super) fn withdraw_plan(a: WithdrawArgs) -> CallPlan {
    let call = SettlementCall::Withdraw { from: a.account, amount: Fen(a.amount), bank_ref: a.bank_ref };
    CallPlan::new(&a.call, Call::Settlement(call))
}

/// `shulian request-withdrawal`: an organization asks the clearing house to pay it out.
pub(super) fn request_withdrawal_plan(a: crate::args::market::RequestWithdrawalArgs) -> CallPlan {
    CallPlan::new(&a.call, Call::Settlement(SettlementCall::RequestWithdrawal { amount: Fen(a.amount) }))
}

/// `shulian balance ACCOUNT_ID` or `shulian balance --key NAME`.
pub(super) fn balance(ctx: &Context, a: &AccountArgs) -> Result<u8, CliError> {
    let account: AccountId = match (&a.account, &a.key) {
        (Some(id), _) => *id,
        (None, Some(name)) => ctx.keystore()?.show(name)?.account,
        // clap's argument group makes one of them required.
        (None, None) => return Ok(exit::USAGE),
    };
    let balance = ctx.client().account(&account)?.balance;
    let out = Balance { account, balance };
    ctx.out.result(&out, || text::balance(&account, balance.0))?;
    Ok(exit::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_in_fen_finds_the_exact_rate_or_names_the_nearest() {
        assert_eq!(split_bps(1_000, 250), Ok(2_500));
        assert_eq!(split_bps(1_001, 500), Ok(4_996), "floor(1001 * 4996 / 10000) = 500, the smallest such rate");
        assert_eq!(split_bps(7, 0), Ok(0));
        assert_eq!(split_bps(7, 7), Ok(10_000));
        // 30 000 fen moves in steps of 3 fen per basis point: 1 fen is not reachable.
        let e = split_bps(30_000, 1).expect_err("not exact");
        assert!(e.contains("nearest are 0 and 3 fen"), "{e}");
        assert!(split_bps(10, 11).is_err());
    }

    #[test]
    fn every_exact_rate_gives_the_asked_amount() {
        for price in [1u64, 3, 99, 100, 101, 9_999, 10_000, 10_001, 123_457] {
            for fen in (0..=price).step_by(usize::try_from(price / 97 + 1).unwrap_or(1)) {
                if let Ok(bps) = split_bps(price, fen) {
                    assert_eq!(u128::from(price) * u128::from(bps) / 10_000, u128::from(fen), "{price} {fen}");
                } else {
                    assert!(price > 10_000, "every amount of a price up to 10000 fen is reachable: {price} {fen}");
                }
            }
        }
    }
}
