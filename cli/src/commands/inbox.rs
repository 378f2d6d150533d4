//! `shulian inbox`: what waits for an organization, in three sections (requests awaiting its
//! decision, its core-data requests awaiting a regulator's co-approval, orders awaiting its
//! delivery), each a page of the node's requests or orders list.

use super::Context;
use super::lists::{api_str, fetch, whose};
use crate::args::InboxArgs;
use crate::args::lists::PageArgs;
use crate::error::{CliError, exit};
use crate::render::lists::RowText;
use serde::Serialize;
use shulian_api::lists::{OrderRole, OrderRow, RequestRow, RequestState};
use shulian_api::records::OrderStatus;
use shulian_api::regulator::{ViewPage, ViewQuery};
use shulian_runtime::AccountId;

/// `inbox --json`: the three sections, each a page as the node answers it.
#[derive(Serialize)]
struct Inbox {
    org: AccountId,
    awaiting_decision: ViewPage<RequestRow>,
    awaiting_co_approval: ViewPage<RequestRow>,
    awaiting_delivery: ViewPage<OrderRow>,
}

/// `shulian inbox`: requests awaiting the organization's decision, its core-data requests
/// awaiting a regulator, orders awaiting its delivery.
pub(super) fn run(ctx: &Context, a: &InboxArgs) -> Result<u8, CliError> {
    let org = whose(ctx, &a.whose)?;
    let client = ctx.client();
    let paging = PageArgs { limit: a.limit, after: None, all: a.all, max: a.max };
    let requests = |state: RequestState, owner: bool| {
        let q = ViewQuery {
            owner: owner.then(|| org.to_string()),
            requester: (!owner).then(|| org.to_string()),
            state: api_str(&state),
            ..ViewQuery::default()
        };
        fetch(&paging, q, |q| client.list_requests(q))
    };
    let awaiting_decision = requests(RequestState::AwaitingOwner, true)?;
    let awaiting_co_approval = requests(RequestState::AwaitingCoApproval, false)?;
    let q = ViewQuery {
        org: Some(org.to_string()),
        role: Some(OrderRole::Seller),
        state: Some(OrderStatus::Placed.as_str().to_string()),
        ..ViewQuery::default()
    };
    let awaiting_delivery = fetch(&paging, q, |q| client.list_orders(q))?;
    let inbox = Inbox { org, awaiting_decision, awaiting_co_approval, awaiting_delivery };
    ctx.out.result(&inbox, || {
        let mut out = format!("inbox of {org}\n");
        out += &section(
            "requests awaiting your decision (grant approve / grant reject)",
            &inbox.awaiting_decision,
            &format!("shulian requests --owner {org} --state awaiting-owner"),
        );
        out += &section(
            "your core-data requests awaiting a regulator's co-approval",
            &inbox.awaiting_co_approval,
            &format!("shulian requests --requester {org} --state awaiting-co-approval"),
        );
        out + &section(
            "orders awaiting your delivery (order deliver)",
            &inbox.awaiting_delivery,
            &format!("shulian orders --org {org} --role seller --state placed"),
        )
    })?;
    Ok(exit::SUCCESS)
}

/// One section of the inbox: its title with the count on this page, its rows, and the command
/// that lists the section (from the next page when there is one).
fn section<R: RowText>(title: &str, page: &ViewPage<R>, command: &str) -> String {
    let mut out = format!("\n{title}: {} on this page\n", page.rows.len());
    for r in &page.rows {
        out += &format!("  {}\n", r.text());
    }
    match &page.next {
        Some(cursor) => out + &format!("  more: {command} --after {cursor}\n"),
        None => out + &format!("  all of them: {command}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inbox_section_counts_its_page_and_says_how_to_see_more() {
        let page = ViewPage::<shulian_api::lists::SuspendedRow> {
            view: "suspended".into(),
            columns: vec![],
            rows: vec![],
            next: Some("0a".into()),
            truncated: None,
        };
        let text = section("things", &page, "shulian x");
        assert_eq!(text, "\nthings: 0 on this page\n  more: shulian x --after 0a\n");
        let done = ViewPage { next: None, ..page };
        assert!(section("things", &done, "shulian x").ends_with("  all of them: shulian x\n"));
    }
}
