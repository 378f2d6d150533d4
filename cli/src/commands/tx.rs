//! `shulian tx show|build|sign|send`: look a transaction up, and sign one offline. `build` turns
//! the same call subcommands as online into an unsigned transaction file; `sign` needs only the
//! keystore; `send` submits the signed file.

use super::Context;
use super::submit::{CallPlan, submit_signed};
use crate::args::{BuildArgs, BuildCommand, SendArgs, SignArgs, TxArgs, TxCommand};
use crate::client::ClientError;
use crate::error::{CliError, exit};
use crate::keystore::Keystore;
use crate::txfile::{self, SignedTxFile, Summary, TxFileError, UnsignedTxFile};
use crate::txflow;
use serde::Serialize;
use serde_json::Value;
use shulian_runtime::{AccountId, PublicKey, UnsignedTransaction};
use std::path::Path;
use std::time::Duration;

/// Runs `shulian tx HASH` or one `tx` subcommand.
pub(super) fn run(ctx: &Context, args: TxArgs) -> Result<u8, CliError> {
    match (args.command, args.hash) {
        (Some(TxCommand::Show { hash }), _) | (None, Some(hash)) => super::chain::tx(ctx, &hash),
        (Some(TxCommand::Build(b)), _) => build(ctx, b),
        (Some(TxCommand::Sign(s)), _) => sign(ctx, &s),
        (Some(TxCommand::Send(s)), _) => send(ctx, &s),
        // clap requires the hash when no subcommand is given.
        (None, None) => {
            Err(CliError::Usage("give a transaction hash or a subcommand (see `shulian tx --help`)".into()))
        }
    }
}

/// The plan of the call subcommand given to `tx build`, built exactly as online.
fn plan(ctx: &Context, cmd: BuildCommand) -> Result<CallPlan, CliError> {
    Ok(match cmd {
        BuildCommand::Transfer(a) => super::transfer::plan(&a),
        BuildCommand::Org(c) => super::org::plan(c)?,
        BuildCommand::Dataset(c) => super::dataset::plan(c)?,
        BuildCommand::Request(a) => super::grant::request_plan(a)?,
        BuildCommand::Grant(c) => super::grant::plan(c)?,
        BuildCommand::Receipt(a) => super::grant::receipt_plan(a)?,
        BuildCommand::Lineage(c) => super::dataset::lineage_plan(c)?,
        BuildCommand::Listing(c) => super::market::listing_plan(c)?,
        BuildCommand::Order(c) => super::market::order_plan(c)?,
        BuildCommand::Arbitrate(a) => super::market::arbitrate_plan(ctx, a)?,
        BuildCommand::Deposit(a) => super::market::deposit_plan(a),
        BuildCommand::Withdraw(a) => super::market::withdraw_plan(a),
        BuildCommand::RequestWithdrawal(a) => super::market::request_withdrawal_plan(a),
        BuildCommand::Element(c) => super::registry::element_plan(c)?,
        BuildCommand::Demand(c) => super::registry::demand_plan(c)?,
    })
}

/// `tx build`: the unsigned transaction, with the chain id and nonce given or asked from the node.
fn build(ctx: &Context, b: BuildArgs) -> Result<u8, CliError> {
    let plan = plan(ctx, b.call)?;
    if plan.wait {
        let msg = "--wait has no meaning for `tx build`, which submits nothing; use `shulian tx send FILE --wait`";
        return Err(CliError::Usage(msg.into()));
    }
    let sender = sender_key(ctx, &plan.from)?;
    let (chain_id, nonce) = match (ctx.global.chain_id.clone(), plan.nonce) {
        // Both known (the chain id pinned or given): no network at all.
        (Some(chain_id), Some(nonce)) => (chain_id, nonce),
        (_, nonce) => {
            let client = ctx.client();
            let chain_id = ctx.pinned_chain_id(&client)?;
            let nonce = match nonce {
                Some(n) => n,
                None => txflow::next_nonce(&client, &AccountId::from_public_key(&sender))?,
            };
            (chain_id, nonce)
        }
    };
    let u = UnsignedTransaction { chain_id, sender, nonce, call: plan.call };
    let file = UnsignedTxFile::new(&u)?;
    let next = |out: &str| format!("sign it with `shulian tx sign {out} --out SIGNED.json`");
    deliver(ctx, b.out.as_deref(), &file, &file.summary, "unsigned transaction", next)
}

/// `--from` of `tx build`: a key in the keystore (public part only) or a public key in hex.
fn sender_key(ctx: &Context, from: &str) -> Result<PublicKey, CliError> {
    let shown = ctx.keystore().and_then(|ks| ks.show(from).map_err(CliError::from));
    match (shown, from.parse::<PublicKey>()) {
        (Ok(info), _) => Ok(info.public_key),
        (Err(_), Ok(public_key)) => Ok(public_key),
        (Err(e), Err(_)) => Err(e),
    }
}

/// `tx sign`: shows the summary, checks the key is the sender's, then asks for the passphrase.
fn sign(ctx: &Context, a: &SignArgs) -> Result<u8, CliError> {
    let (source, text) = txfile::read(&a.file)?;
    let u = txfile::parse_unsigned(&source, &text)?;
    // Offline there is no node to ask: a wallet with a pinned chain signs files for it only.
    if let Some(pinned) = &ctx.global.chain_id
        && *pinned != u.chain_id
    {
        let from = format!("the transaction file {source}");
        return Err(ClientError::WrongChain { from, pinned: pinned.clone(), reported: u.chain_id }.into());
    }
    let ks = ctx.keystore()?;
    let name = match &a.key {
        Some(name) => name.clone(),
        None => key_for(&ks, &u.sender)?,
    };
    // Refuse the wrong key before anyone types a passphrase for it.
    let info = ks.show(&name)?;
    if info.public_key != u.sender {
        return Err(TxFileError::WrongKey { key: name, key_public: info.public_key, sender: u.sender }.into());
    }
    ctx.out.note(&format!("signing with key {name}:\n{}", Summary::of(&u).text()));
    let key = ctx.unlock(&name)?;
    let tx = txfile::sign(u, &name, &key)?;
    let file = SignedTxFile::new(&tx)?;
    let next = |out: &str| format!("transaction {}; submit it with `shulian tx send {out} --wait`", file.hash);
    deliver(ctx, a.out.as_deref(), &file, &file.summary, "signed transaction", next)
}

/// The name of the only key in `ks` whose public key is `sender`.
fn key_for(ks: &Keystore, sender: &PublicKey) -> Result<String, CliError> {
    let (keys, _broken) = ks.list()?;
    match keys.into_iter().find(|k| k.public_key == *sender) {
        Some(k) => Ok(k.name),
        None => Err(TxFileError::NoKeyForSender { dir: ks.dir().to_path_buf(), sender: *sender }.into()),
    }
}

/// `tx send`: checks the signed file locally, then submits it like an online command.
fn send(ctx: &Context, a: &SendArgs) -> Result<u8, CliError> {
    let (source, text) = txfile::read(&a.file)?;
    let tx = txfile::parse_signed(&source, &text)?;
    submit_signed(ctx, tx, a.wait.then(|| Duration::from_secs(a.timeout_secs)))
}

/// Writes a tx file to `out` and reports it, or prints the file itself on stdout (then the
/// summary goes to stderr, so the file can be piped).
fn deliver<T: Serialize>(
    ctx: &Context,
    out: Option<&Path>,
    file: &T,
    summary: &Summary,
    what: &str,
    next: impl Fn(&str) -> String,
) -> Result<u8, CliError> {
    let text = txfile::to_text(file)?;
    let Some(path) = out else {
        ctx.out.note(&format!("{what}:\n{}", summary.text()));
        ctx.out.raw(&text)?;
        return Ok(exit::SUCCESS);
    };
    txfile::write_new(path, &text)?;
    let shown = path.display().to_string();
    ctx.out.note(&format!("{what} written to {shown}; {}", next(&shown)));
    let mut v = serde_json::to_value(file).map_err(|e| CliError::Internal(e.to_string()))?;
    if let Value::Object(map) = &mut v {
        map.insert("file".into(), Value::String(shown));
    }
    ctx.out.result(&v, || summary.text())?;
    Ok(exit::SUCCESS)
}
