//! `shulian catalog`, `requests`, `grants`, `grant receipts`, `listings`, `orders`,
//! `statement` and `regulator ...`: the node's paged lists (`docs/api.md`, "Lists"). One page, or
//! with `--all` every page up to `--max` rows; `--json` prints the page (or the pages joined) as
//! the node answers it; the cursor to go on from is printed on stderr with the command that uses
//! it.

use super::Context;
use crate::args::lists::{OrgArgs, PageArgs, RangeArgs, RegulatorListArgs, YesNo};
use crate::args::{CatalogArgs, GrantsArgs, ListingsArgs, OrdersArgs, RegulatorCommand, RequestsArgs, StatementArgs};
use crate::client::{ClientError, NodeClient};
use crate::config;
use crate::error::{CliError, exit};
use crate::render::lists::{self as text, RowText};
use serde::Serialize;
use shulian_api::lists::{OrderRole, RequestState};
use shulian_api::records::OrderStatus;
use shulian_api::regulator::{ViewFormat, ViewPage, ViewQuery};
use shulian_api::routes;
use shulian_client::lists::collect_pages;
use shulian_runtime::{AccountId, GrantId};
use std::io::Write;

/// Receipts `grant show` prints under the grant; `grant receipts` pages through the rest.
pub(super) const GRANT_SHOW_RECEIPTS: usize = 10;

/// A value's name as the API writes it (`awaiting_owner`, `core`).
pub(super) fn api_str<T: Serialize>(v: &T) -> Option<String> {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => Some(s),
        _ => None,
    }
}

/// The query of a list's range and page size (the cursor is set per page).
pub(super) fn base_query(range: &RangeArgs, limit: usize) -> ViewQuery {
    ViewQuery { since_ms: range.since, until_ms: range.until, limit: Some(limit), ..ViewQuery::default() }
}

/// One page from `--after`, or with `--all` the pages joined up to `--max` rows.
pub(super) fn fetch<R>(
    page: &PageArgs,
    q: ViewQuery,
    get: impl Fn(&ViewQuery) -> Result<ViewPage<R>, ClientError>,
) -> Result<ViewPage<R>, CliError> {
    let q = ViewQuery { limit: Some(page.limit), ..q };
    if page.all {
        Ok(collect_pages(page.after.clone(), page.max, |after| {
            get(&ViewQuery { after: after.map(String::from), ..q.clone() })
        })?)
    } else {
        Ok(get(&ViewQuery { after: page.after.clone(), ..q })?)
    }
}

/// Prints a list: the page as JSON, or a line per row (`empty` when none), then the command that
/// shows more when there is more.
pub(super) fn show<R: Serialize + RowText>(ctx: &Context, page: &ViewPage<R>, empty: &str) -> Result<u8, CliError> {
    ctx.out.result(page, || text::page(page, empty))?;
    if let Some(cursor) = &page.next {
        ctx.out.note(&format!("more: {} (or --all)", go_on_command(std::env::args().skip(1), cursor)));
    }
    Ok(exit::SUCCESS)
}

/// The command line `args` (without the program name) that shows the page after `cursor`: the
/// same command with `--after CURSOR` instead of its `--after`, `--all` and `--max`.
fn go_on_command(args: impl Iterator<Item = String>, cursor: &str) -> String {
    let mut out = vec!["shulian".to_string()];
    let mut skip_value = false;
    for arg in args {
        if skip_value {
            skip_value = false;
            continue;
        }
        match arg.as_str() {
            "--after" | "--max" => skip_value = true,
            "--all" => {}
            a if a.starts_with("--after=") || a.starts_with("--max=") => {}
            _ => out.push(shell_word(&arg)),
        }
    }
    out.push("--after".into());
    out.push(cursor.into());
    out.join(" ")
}

/// `s` as one shell word: as it is when it is plain, else single-quoted.
fn shell_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:=@,+".contains(c);
    if !s.is_empty() && s.chars().all(plain) { s.to_string() } else { format!("'{}'", s.replace('\'', r"'\''")) }
}

/// The organization a list is for: `--org`, or the organization of `--key`, or of the default
/// key (`SHULIAN_KEY`, `default_key` in the settings file).
pub(super) fn whose(ctx: &Context, a: &OrgArgs) -> Result<AccountId, CliError> {
    if let Some(org) = a.org {
        return Ok(org);
    }
    let name = match &a.key {
        Some(name) => name.clone(),
        None => default_key(ctx)?.ok_or_else(|| {
            CliError::Usage(
                "whose list? give --org ORG or --key NAME, or set a default key (`shulian config set default_key \
                 NAME` or SHULIAN_KEY)"
                    .into(),
            )
        })?,
    };
    let account = ctx.keystore()?.show(&name)?.account;
    match ctx.client().account(&account)?.organization {
        Some(org) => Ok(org.id),
        None => Err(CliError::Usage(format!(
            "the account {account} of key {name} is no organization on this chain; give --org ORG"
        ))),
    }
}

/// The default key's name: `SHULIAN_KEY`, else `default_key` in the settings file.
fn default_key(ctx: &Context) -> Result<Option<String>, CliError> {
    if let Ok(name) = std::env::var(config::KEY_ENV)
        && !name.is_empty()
    {
        return Ok(Some(name));
    }
    let (path, explicit) = super::settings::locate(ctx)?;
    Ok(config::load(&path, explicit)?.default_key)
}

/// `shulian catalog`.
pub(super) fn catalog(ctx: &Context, a: &CatalogArgs) -> Result<u8, CliError> {
    let q = ViewQuery {
        owner: a.owner.map(|o| o.to_string()),
        classification: a.classification.map(Into::into),
        sharing: a.sharing.map(Into::into),
        negative_listed: a.negative_listed.map(|n| n == YesNo::Yes),
        ..base_query(&a.range, a.page.limit)
    };
    let client = ctx.client();
    let page = fetch(&a.page, q, |q| client.list_catalog(q))?;
    show(ctx, &page, "no data sets")
}

/// `shulian requests`.
pub(super) fn requests(ctx: &Context, a: &RequestsArgs) -> Result<u8, CliError> {
    let q = ViewQuery {
        owner: a.owner.map(|o| o.to_string()),
        requester: a.requester.map(|o| o.to_string()),
        state: a.state.map(RequestState::from).as_ref().and_then(api_str),
        ..base_query(&a.range, a.page.limit)
    };
    let client = ctx.client();
    let page = fetch(&a.page, q, |q| client.list_requests(q))?;
    show(ctx, &page, "no requests")
}

/// `shulian grants`.
pub(super) fn grants(ctx: &Context, a: &GrantsArgs) -> Result<u8, CliError> {
    let (state, within_days) = a.state().map_err(CliError::Usage)?;
    let q = ViewQuery {
        grantee: a.grantee.map(|o| o.to_string()),
        grantor: a.grantor.map(|o| o.to_string()),
        state: state.as_ref().and_then(api_str),
        within_days,
        ..base_query(&a.range, a.page.limit)
    };
    let client = ctx.client();
    let page = fetch(&a.page, q, |q| client.list_grants(q))?;
    show(ctx, &page, "no grants")
}

/// `shulian grant receipts`.
pub(super) fn receipts(ctx: &Context, a: &crate::args::lists::ReceiptsArgs) -> Result<u8, CliError> {
    let client = ctx.client();
    let page = fetch(&a.page, ViewQuery::default(), |q| client.grant_receipts(&a.id, q))?;
    show(ctx, &page, "no receipts")
}

/// The text of `grant show` below the grant: its first [`GRANT_SHOW_RECEIPTS`] receipts and how
/// many more there are (every use is a receipt).
pub(super) fn grant_receipts_tail(client: &NodeClient, grant: &GrantId, uses: u64) -> Result<String, CliError> {
    let q = ViewQuery { limit: Some(GRANT_SHOW_RECEIPTS), ..ViewQuery::default() };
    let page = client.grant_receipts(grant, &q)?;
    let mut out = String::new();
    for r in &page.rows {
        out += &format!("  receipt {}\n", r.text());
    }
    let more = uses.saturating_sub(page.rows.len() as u64);
    match &page.next {
        Some(cursor) if more > 0 => {
            out += &format!("  {more} more receipts: shulian grant receipts {grant} --after {cursor} (or --all)\n");
        }
        _ if page.rows.is_empty() => out += "  no receipts\n",
        _ => {}
    }
    Ok(out)
}

/// `shulian listings`.
pub(super) fn listings(ctx: &Context, a: &ListingsArgs) -> Result<u8, CliError> {
    let q = ViewQuery {
        seller: a.seller.map(|o| o.to_string()),
        state: a.state.map(shulian_api::lists::ListingState::from).as_ref().and_then(api_str),
        ..base_query(&a.range, a.page.limit)
    };
    let client = ctx.client();
    let page = fetch(&a.page, q, |q| client.list_listings(q))?;
    show(ctx, &page, "no listings")
}

/// `shulian orders`.
pub(super) fn orders(ctx: &Context, a: &OrdersArgs) -> Result<u8, CliError> {
    let q = ViewQuery {
        org: a.org.map(|o| o.to_string()),
        role: a.role.map(OrderRole::from),
        state: a.state.map(|s| OrderStatus::from(s).as_str().to_string()),
        ..base_query(&a.range, a.page.limit)
    };
    let client = ctx.client();
    let page = fetch(&a.page, q, |q| client.list_orders(q))?;
    show(ctx, &page, "no orders")
}

/// `shulian statement`: the movements, then the page's totals.
pub(super) fn statement(ctx: &Context, a: &StatementArgs) -> Result<u8, CliError> {
    let org = whose(ctx, &a.whose)?;
    let q = ViewQuery { org: Some(org.to_string()), ..base_query(&a.range, a.page.limit) };
    let client = ctx.client();
    let page = fetch(&a.page, q, |q| client.list_statement(q))?;
    ctx.out.result(&page, || {
        let mut out = format!("statement of {org}\n");
        out += &text::page(&page, "no movements");
        if !page.rows.is_empty() {
            out += &text::statement_totals(&page.rows).unwrap_or_else(|| "totals overflow\n".to_string());
        }
        out
    })?;
    if let Some(cursor) = &page.next {
        ctx.out.note(&format!("more: {} (or --all)", go_on_command(std::env::args().skip(1), cursor)));
    }
    Ok(exit::SUCCESS)
}

/// `shulian regulator ...`.
pub(super) fn regulator(ctx: &Context, cmd: &RegulatorCommand) -> Result<u8, CliError> {
    let client = ctx.client();
    match cmd {
        RegulatorCommand::NegativeList(a) => regulator_list(
            ctx,
            a,
            routes::LIST_NEGATIVE,
            ViewQuery::default(),
            |q| client.list_negative(q),
            "the negative list is empty",
        ),
        RegulatorCommand::Suspended(a) => regulator_list(
            ctx,
            a,
            routes::LIST_SUSPENDED,
            ViewQuery::default(),
            |q| client.list_suspended(q),
            "no organization is suspended",
        ),
        RegulatorCommand::Regraded(a) => regulator_list(
            ctx,
            a,
            routes::LIST_REGRADED,
            ViewQuery::default(),
            |q| client.list_regraded(q),
            "no data set has been re-graded",
        ),
        RegulatorCommand::OverdueDemands(a) => regulator_list(
            ctx,
            a,
            routes::LIST_DEMANDS,
            ViewQuery { state: api_str(&shulian_api::registry::DemandState::Overdue), ..ViewQuery::default() },
            |q| client.list_demands(q),
            "no demand is overdue",
        ),
        RegulatorCommand::DepartmentStats(a) => super::registry::department_stats(ctx, a),
        RegulatorCommand::RefusedAttempts { list, org, dataset } => regulator_list(
            ctx,
            list,
            routes::LIST_REFUSED_ATTEMPTS,
            ViewQuery {
                org: org.map(|o| o.to_string()),
                dataset: dataset.map(|d| d.to_string()),
                ..ViewQuery::default()
            },
            |q| client.list_refused_attempts(q),
            "no refused attempt",
        ),
        RegulatorCommand::CoApprovals(a) => regulator_list(
            ctx,
            a,
            routes::LIST_REQUESTS,
            ViewQuery { state: api_str(&RequestState::AwaitingCoApproval), ..ViewQuery::default() },
            |q| client.list_requests(q),
            "no request awaits a co-approval",
        ),
        RegulatorCommand::Disputes { list, include_resolved } => regulator_list(
            ctx,
            list,
            routes::VIEW_DISPUTES,
            ViewQuery { include_resolved: include_resolved.then_some(true), ..ViewQuery::default() },
            |q| client.list_disputes(q),
            "no open disputes",
        ),
    }
}

/// A regulator's list: a page (or `--all`), or with `--export` every row as the node writes it,
/// to `--out` or stdout.
fn regulator_list<R: Serialize + RowText>(
    ctx: &Context,
    a: &RegulatorListArgs,
    path: &str,
    filters: ViewQuery,
    get: impl Fn(&ViewQuery) -> Result<ViewPage<R>, ClientError>,
    empty: &str,
) -> Result<u8, CliError> {
    let q = ViewQuery { since_ms: a.range.since, until_ms: a.range.until, ..filters };
    let Some(format) = a.export else {
        let page = fetch(&a.page, q, get)?;
        return show(ctx, &page, empty);
    };
    let q = ViewQuery { after: a.page.after.clone(), ..q };
    export(ctx, path, &q, format.into(), a.out.as_deref())
}

/// Writes the export of the list at `path` to `out` or stdout.
pub(super) fn export(
    ctx: &Context,
    path: &str,
    q: &ViewQuery,
    format: ViewFormat,
    out: Option<&std::path::Path>,
) -> Result<u8, CliError> {
    let bytes = ctx.client().export(path, q, format)?;
    match out {
        Some(file) => {
            std::fs::write(file, &bytes)
                .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", file.display())))?;
            ctx.out.note(&format!("wrote {} bytes to {}", bytes.len(), file.display()));
        }
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(&bytes).and_then(|()| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
                _ => {}
            }
        }
    }
    Ok(exit::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_to_go_on_replaces_the_paging_options() {
        let args = ["catalog", "--after", "aa", "--all", "--max", "9", "--name=a b", "--limit", "7"];
        assert_eq!(
            go_on_command(args.iter().map(|s| s.to_string()), "bb"),
            "shulian catalog '--name=a b' --limit 7 --after bb"
        );
        let args = ["regulator", "suspended", "--after=aa", "--max=3"];
        assert_eq!(go_on_command(args.iter().map(|s| s.to_string()), "cc"), "shulian regulator suspended --after cc");
    }
}
