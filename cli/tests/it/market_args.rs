//! Command lines of the data-market subcommands, parsed without a node: what each accepts, what
//! it refuses (exit code 2 through the real binary), and the help text each carries.

use crate::common::{id, parse};
use assert_cmd::Command as Bin;
use shulian_cli::args::{Command, EventSubject, ListingCommand, OrderCommand};

/// The real binary with no node and an empty keystore: only parsing can happen.
fn shulian() -> Bin {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("shulian");
    cmd.env_remove("SHULIAN_PASSPHRASE")
        .env("SHULIAN_NODE", "http://127.0.0.1:1")
        .env("SHULIAN_KEYSTORE", "/nonexistent");
    cmd
}

fn submit_args() -> Vec<String> {
    let (d, h) = (id("ab"), id("cd"));
    [
        "listing",
        "submit",
        "--from",
        "health",
        "--dataset",
        &d,
        "--price",
        "120000",
        "--licence-terms-hash",
        &h,
        "--delivery-method",
        "sftp",
        "--purpose",
        "insurance pricing",
        "--field",
        "district,visits",
        "--valid-for",
        "365d",
        "--max-uses",
        "5",
    ]
    .map(String::from)
    .to_vec()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// `args` without the option `name` and its value.
fn without(args: &[String], name: &str) -> Vec<String> {
    let i = args.iter().position(|a| a == name).expect("option present");
    [&args[..i], &args[i + 2..]].concat()
}

#[test]
fn listing_submit_builds_a_data_set_listing() {
    let args = submit_args();
    let cli = parse(&strs(&args)).expect("parse");
    let Command::Listing(ListingCommand::Submit(a)) = cli.command else { panic!("not submit") };
    assert_eq!(a.call.from, "health");
    assert_eq!(a.price, 120_000);
    assert_eq!(a.fields, ["district", "visits"]);
    assert_eq!(a.dataset.map(|d| d.to_string()), Some(id("ab")));
    assert_eq!((a.window.valid_for, a.window.valid_from, a.max_uses), (Some(365 * 86_400_000), None, 5));
    assert_eq!((a.delivery_window, a.acceptance_window), (None, None), "the exchange center's defaults");
    let mut windows = args.clone();
    windows.extend(["--delivery-window".into(), "2d".into(), "--acceptance-window".into(), "36h".into()]);
    let Command::Listing(ListingCommand::Submit(a)) = parse(&strs(&windows)).expect("parse").command else {
        panic!("not submit")
    };
    assert_eq!((a.delivery_window, a.acceptance_window), (Some(2 * 86_400_000), Some(36 * 3_600_000)));
    windows.extend(["--delivery-window".into(), "soon".into()]);
    assert!(parse(&strs(&windows)).is_err(), "a window is a span");
}

#[test]
fn listing_submit_needs_one_product_licence_terms_and_a_window_end() {
    let args = submit_args();
    assert!(parse(&strs(&without(&args, "--dataset"))).is_err(), "no product");
    assert!(parse(&strs(&without(&args, "--licence-terms-hash"))).is_err(), "no licence terms");
    assert!(parse(&strs(&without(&args, "--valid-for"))).is_err(), "no window end");
    assert!(parse(&strs(&without(&args, "--field"))).is_err(), "a data set listing needs fields");
    let mut both = args.clone();
    both.extend(["--product-name".into(), "report".into(), "--product-metadata-hash".into(), id("ee")]);
    assert!(parse(&strs(&both)).is_err(), "a data set and an off-catalog product");
    let mut off = without(&without(&args, "--dataset"), "--field");
    off.extend(["--product-name".into(), "traffic report".into()]);
    assert!(parse(&strs(&off)).is_err(), "an off-catalog product needs its description hash");
    off.extend(["--product-metadata-hash".into(), id("ee")]);
    assert!(parse(&strs(&off)).is_ok(), "off-catalog products need no fields");
    let mut file = without(&args, "--licence-terms-hash");
    file.extend(["--licence-terms-file".into(), "/tmp/terms.pdf".into()]);
    assert!(parse(&strs(&file)).is_ok());
}

#[test]
fn listing_submit_refuses_zero_prices_and_blank_text() {
    for (name, bad) in
        [("--price", "0"), ("--price", "-5"), ("--price", "1.50"), ("--max-uses", "0"), ("--purpose", " ")]
    {
        let mut args = submit_args();
        let i = args.iter().position(|a| a == name).expect("option") + 1;
        args[i] = bad.into();
        assert!(parse(&strs(&args)).is_err(), "{name} {bad:?} accepted");
    }
}

#[test]
fn listing_review_and_regulation_take_a_listing_and_reasons() {
    let l = id("12");
    let cli = parse(&["listing", "approve", "--from", "exchange", "--listing", &l]).expect("parse");
    let Command::Listing(ListingCommand::Approve { reason, .. }) = cli.command else { panic!("not approve") };
    assert_eq!(reason, "", "approval needs no reason");
    assert!(parse(&["listing", "reject", "--from", "exchange", "--listing", &l]).is_err(), "reject needs --reason");
    assert!(parse(&["listing", "reject", "--from", "exchange", "--listing", &l, "--reason", ""]).is_err());
    assert!(parse(&["listing", "reject", "--from", "exchange", "--listing", &l, "--reason", "no licence"]).is_ok());
    assert!(parse(&["listing", "freeze", "--from", "regulator", "--listing", &l]).is_err(), "freeze needs --reason");
    assert!(parse(&["listing", "freeze", "--from", "regulator", "--listing", &l, "--reason", "audit"]).is_ok());
    assert!(parse(&["listing", "unfreeze", "--from", "regulator", "--listing", &l, "--reason", "cleared"]).is_ok());
    assert!(parse(&["listing", "withdraw", "--from", "health", "--listing", &l, "--wait"]).is_ok());
    assert!(parse(&["listing", "show", &l, "--json"]).is_ok());
    assert!(parse(&["listing", "show", "xyz"]).is_err());
}

#[test]
fn order_subcommands_take_an_order_and_what_each_step_needs() {
    let (l, o, h) = (id("34"), id("56"), id("78"));
    let cli = parse(&["order", "place", "--from", "trader", "--listing", &l]).expect("parse");
    let Command::Order(OrderCommand::Place { call, listing }) = cli.command else { panic!("not place") };
    assert_eq!((call.from.as_str(), listing.to_string()), ("trader", l.clone()));
    assert!(parse(&["order", "deliver", "--from", "health", "--order", &o, "--delivery-hash", &h]).is_ok());
    assert!(parse(&["order", "deliver", "--from", "health", "--order", &o, "--delivery-file", "/tmp/d.csv"]).is_ok());
    assert!(parse(&["order", "deliver", "--from", "health", "--order", &o]).is_err(), "no delivery");
    assert!(
        parse(&["order", "deliver", "--from", "h", "--order", &o, "--delivery-hash", &h, "--delivery-file", "f"])
            .is_err()
    );
    assert!(parse(&["order", "accept", "--from", "trader", "--order", &o]).is_ok());
    assert!(parse(&["order", "dispute", "--from", "trader", "--order", &o]).is_err(), "dispute needs --reason");
    assert!(parse(&["order", "dispute", "--from", "trader", "--order", &o, "--reason", "rows missing"]).is_ok());
    assert!(parse(&["order", "cancel", "--from", "trader", "--order", &o]).is_ok());
    assert!(parse(&["order", "claim", "--from", "health", "--order", &o]).is_ok());
    assert!(parse(&["order", "show", &o]).is_ok());
    assert!(parse(&["order", "accept", "--from", "trader", "--order", "not-an-id"]).is_err());
}

#[test]
fn arbitrate_takes_exactly_one_ruling() {
    let o = id("9a");
    let base = ["arbitrate", "--from", "exchange", "--order", &o];
    let with = |extra: &[&str]| parse(&[&base[..], extra].concat());
    assert!(with(&[]).is_err(), "no ruling");
    assert!(with(&["--refund"]).is_ok());
    assert!(with(&["--pay"]).is_ok());
    assert!(with(&["--split-buyer-fen", "250"]).is_ok());
    assert!(with(&["--split-buyer-bps", "10000"]).is_ok());
    assert!(with(&["--split-buyer-bps", "10001"]).is_err(), "more than the whole price");
    assert!(with(&["--split-buyer-fen", "2.5"]).is_err(), "fen are whole numbers");
    assert!(with(&["--refund", "--pay"]).is_err());
    assert!(with(&["--pay", "--split-buyer-fen", "1"]).is_err());
    let Command::Arbitrate(a) = with(&["--split-buyer-fen", "250"]).expect("parse").command else {
        panic!("not arbitrate")
    };
    assert_eq!(a.split_buyer_fen, Some(250));
    assert_eq!(shulian_cli::commands::split_bps(1_000, 250), Ok(2_500));
}

#[test]
fn deposit_and_withdraw_need_an_account_a_positive_amount_and_a_bank_reference() {
    let a = id("bc");
    let dep = ["deposit", "--from", "exchange", "--to", &a, "--amount", "5000", "--bank-ref", "ICBC-2024-0001"];
    let cli = parse(&dep).expect("parse");
    let Command::Deposit(d) = cli.command else { panic!("not deposit") };
    assert_eq!((d.amount, d.bank_ref.as_str()), (5_000, "ICBC-2024-0001"));
    assert!(parse(&dep[..dep.len() - 2]).is_err(), "no bank reference");
    assert!(parse(&["deposit", "--from", "exchange", "--to", &a, "--amount", "0", "--bank-ref", "r"]).is_err());
    assert!(parse(&["deposit", "--from", "exchange", "--to", &a, "--amount", "1", "--bank-ref", ""]).is_err());
    assert!(parse(&["deposit", "--from", "exchange", "--to", "xyz", "--amount", "1", "--bank-ref", "r"]).is_err());
    let wd = ["withdraw", "--from", "exchange", "--account", &a, "--amount", "70", "--bank-ref", "BOC-7", "--wait"];
    let Command::Withdraw(w) = parse(&wd).expect("parse").command else { panic!("not withdraw") };
    assert!(w.call.wait);
    assert_eq!(w.account.to_string(), a);
}

#[test]
fn balance_needs_exactly_one_of_an_account_or_a_key() {
    let a = id("de");
    assert!(parse(&["balance", &a]).is_ok());
    assert!(parse(&["balance", "--key", "trader", "--json"]).is_ok());
    assert!(parse(&["balance"]).is_err());
    assert!(parse(&["balance", &a, "--key", "trader"]).is_err());
}

#[test]
fn events_accept_listing_and_order_subjects() {
    let x = id("ef");
    assert!(matches!(format!("listing:{x}").parse::<EventSubject>(), Ok(EventSubject::Listing(_))));
    assert!(matches!(format!("order:{x}").parse::<EventSubject>(), Ok(EventSubject::Order(_))));
    let cli = parse(&["events", "--subject", &format!("order:{x}")]).expect("parse");
    let Command::Events(a) = cli.command else { panic!("not events") };
    assert_eq!(a.subject.to_string(), format!("order:{x}"));
    assert!(parse(&["events", "--subject", "order:12"]).is_err());
}

#[test]
fn bad_market_command_lines_exit_2_before_any_network_call() {
    let o = id("01");
    for args in [
        vec!["order", "place", "--from", "trader"],
        vec!["arbitrate", "--from", "exchange", "--order", &o, "--refund", "--pay"],
        vec!["deposit", "--from", "exchange", "--to", &o, "--amount", "0", "--bank-ref", "r"],
        vec!["withdraw", "--from", "exchange", "--account", &o, "--amount", "5"],
        vec!["listing", "freeze", "--from", "regulator", "--listing", "nope", "--reason", "x"],
        vec!["balance"],
    ] {
        let out = shulian().args(&args).assert().code(2).get_output().clone();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("error:"), "{args:?}: {err}");
    }
    let out = shulian().args(["deposit", "--json", "--from", "e"]).assert().code(2).get_output().stdout.clone();
    let v: serde_json::Value = serde_json::from_slice(&out).expect("a JSON error document");
    assert_eq!(v["error"]["code"], "usage");
}

#[test]
fn every_market_subcommand_has_help_in_domain_words() {
    for (cmd, words) in [
        (vec!["--help"], vec!["Data market", "escrow", "clearing house"]),
        (vec!["listing", "--help"], vec!["exchange center", "regulator"]),
        (vec!["listing", "submit", "--help"], vec!["price", "exchange fee", "licence terms", "compliance review"]),
        (vec!["listing", "approve", "--help"], vec!["compliance review", "exchange fee"]),
        (vec!["listing", "freeze", "--help"], vec!["regulator", "takes no orders"]),
        (vec!["listing", "unfreeze", "--help"], vec!["regulator"]),
        (vec!["order", "--help"], vec!["escrow", "acceptance window"]),
        (vec!["order", "place", "--help"], vec!["escrow", "exchange fee"]),
        (vec!["order", "deliver", "--help"], vec!["delivery window", "blake3"]),
        (vec!["order", "accept", "--help"], vec!["grant", "seller"]),
        (vec!["order", "dispute", "--help"], vec!["acceptance window", "arbitrat"]),
        (vec!["order", "cancel", "--help"], vec!["delivery window", "refund"]),
        (vec!["order", "claim", "--help"], vec!["acceptance window"]),
        (vec!["order", "show", "--help"], vec!["history"]),
        (vec!["arbitrate", "--help"], vec!["--refund", "--pay", "--split-buyer-fen", "escrow"]),
        (vec!["deposit", "--help"], vec!["clearing house", "bank", "total supply"]),
        (vec!["withdraw", "--help"], vec!["clearing house", "bank", "total supply"]),
        (vec!["balance", "--help"], vec!["settlement balance", "--key"]),
        (vec!["events", "--help"], vec!["listing:ID", "order:ID"]),
    ] {
        let e = parse(&cmd).expect_err("help is an early exit");
        let text = e.render().to_string();
        for w in words {
            assert!(text.contains(w), "{cmd:?} help lacks {w:?}: {text}");
        }
    }
}
