//! The paged lists of `docs/api.md` (catalog, requests, grants and a grant's receipts, listings,
//! orders, statement, negative list, suspended organizations, disputes): one typed method per
//! route taking a [`ViewQuery`] and answering a [`ViewPage`] of the route's row, a helper that
//! follows `next` over the pages up to a caller's cap ([`collect_pages`]), and exports
//! (`format=csv|json`) as the node's bytes ([`NodeClient::export`]).

use crate::client::{ClientError, NodeClient, route};
use serde::de::DeserializeOwned;
use serde_json::Value;
use shulian_api::lists::{
    CatalogRow, GrantRow, ListingRow, NegativeListRow, OrderRow, ReceiptRow, RegradedRow, RequestRow, StatementRow,
    SuspendedRow,
};
use shulian_api::regulator::{DisputeRow, ViewFormat, ViewPage, ViewQuery};
use shulian_api::routes;
use shulian_runtime::GrantId;

impl NodeClient {
    /// `GET /api/lists/catalog`: data sets by owner, classification, sharing attribute and
    /// negative list.
    pub fn list_catalog(&self, q: &ViewQuery) -> Result<ViewPage<CatalogRow>, ClientError> {
        self.list(routes::LIST_CATALOG, q)
    }

    /// `GET /api/lists/requests`: data-use requests by owner, requester and state.
    pub fn list_requests(&self, q: &ViewQuery) -> Result<ViewPage<RequestRow>, ClientError> {
        self.list(routes::LIST_REQUESTS, q)
    }

    /// `GET /api/lists/grants`: grants by grantee, grantor and state at the head's ledger time.
    pub fn list_grants(&self, q: &ViewQuery) -> Result<ViewPage<GrantRow>, ClientError> {
        self.list(routes::LIST_GRANTS, q)
    }

    /// `GET /api/grant/{id}/receipts`: a grant's usage receipts in sequence order.
    pub fn grant_receipts(&self, grant: &GrantId, q: &ViewQuery) -> Result<ViewPage<ReceiptRow>, ClientError> {
        self.list(&route(routes::GRANT_RECEIPTS, grant), q)
    }

    /// `GET /api/lists/listings`: market listings by seller and state.
    pub fn list_listings(&self, q: &ViewQuery) -> Result<ViewPage<ListingRow>, ClientError> {
        self.list(routes::LIST_LISTINGS, q)
    }

    /// `GET /api/lists/orders`: orders by organization, side and status.
    pub fn list_orders(&self, q: &ViewQuery) -> Result<ViewPage<OrderRow>, ClientError> {
        self.list(routes::LIST_ORDERS, q)
    }

    /// `GET /api/lists/statement`: an organization's (`org`, required) balance movements.
    pub fn list_statement(&self, q: &ViewQuery) -> Result<ViewPage<StatementRow>, ClientError> {
        self.list(routes::LIST_STATEMENT, q)
    }

    /// `GET /api/lists/negative-list`: the data sets on the negative list now.
    pub fn list_negative(&self, q: &ViewQuery) -> Result<ViewPage<NegativeListRow>, ClientError> {
        self.list(routes::LIST_NEGATIVE, q)
    }

    /// `GET /api/lists/suspended`: the organizations suspended now.
    pub fn list_suspended(&self, q: &ViewQuery) -> Result<ViewPage<SuspendedRow>, ClientError> {
        self.list(routes::LIST_SUSPENDED, q)
    }

    /// `GET /api/lists/regraded`: every re-grade of a data set by a regulator.
    pub fn list_regraded(&self, q: &ViewQuery) -> Result<ViewPage<RegradedRow>, ClientError> {
        self.list(routes::LIST_REGRADED, q)
    }

    /// `GET /api/lists/elements`: the responsibility list (data elements and their departments).
    pub fn list_elements(&self, q: &ViewQuery) -> Result<ViewPage<shulian_api::registry::ElementRow>, ClientError> {
        self.list(routes::LIST_ELEMENTS, q)
    }

    /// `GET /api/lists/demands`: the demand list by requester, department and state.
    pub fn list_demands(&self, q: &ViewQuery) -> Result<ViewPage<shulian_api::registry::DemandRow>, ClientError> {
        self.list(routes::LIST_DEMANDS, q)
    }

    /// `GET /api/lists/department-stats`: each department's statistics over a period.
    pub fn list_department_stats(
        &self,
        q: &ViewQuery,
    ) -> Result<ViewPage<shulian_api::registry::DepartmentStatsRow>, ClientError> {
        self.list(routes::LIST_DEPARTMENT_STATS, q)
    }

    /// `GET /api/lists/refused-attempts`: transactions committed as failed.
    pub fn list_refused_attempts(
        &self,
        q: &ViewQuery,
    ) -> Result<ViewPage<shulian_api::registry::AttemptRow>, ClientError> {
        self.list(routes::LIST_REFUSED_ATTEMPTS, q)
    }

    /// `GET /api/views/disputes`: orders in dispute (with `include_resolved`, also those ruled on).
    pub fn list_disputes(&self, q: &ViewQuery) -> Result<ViewPage<DisputeRow>, ClientError> {
        self.list(routes::VIEW_DISPUTES, q)
    }

    /// One page of the list at `path` (a [`routes`] path, its parameter filled in) as rows of `R`;
    /// the query's `format` is dropped (see [`NodeClient::export`]).
    pub fn list<R: DeserializeOwned>(&self, path: &str, q: &ViewQuery) -> Result<ViewPage<R>, ClientError> {
        let q = ViewQuery { format: None, ..q.clone() };
        self.get_as(&with_query(path, &q))
    }

    /// The export of the list at `path` in `format`, as the node's bytes (CSV with a header line,
    /// or one JSON document with every row up to [`routes::MAX_EXPORT`]).
    pub fn export(&self, path: &str, q: &ViewQuery, format: ViewFormat) -> Result<Vec<u8>, ClientError> {
        let q = ViewQuery { format: Some(format), ..q.clone() };
        self.get_bytes(&with_query(path, &q))
    }
}

/// Pages [`collect_pages`] fetches at most whatever the cap, so a node whose pages stay empty
/// while handing out cursors (each page reads a bounded number of events) cannot keep a caller
/// looping for ever.
pub const MAX_FOLLOWED_PAGES: usize = 10_000;

/// Follows `next` from `after`, calling `fetch` with each cursor, until the list ends or `cap`
/// rows are gathered (or [`MAX_FOLLOWED_PAGES`] pages are read). Answers one page holding every
/// row in order, with the `next` of the last page read (`None` when the list ended). A cursor that
/// does not move is [`ClientError::BadResponse`].
pub fn collect_pages<R>(
    after: Option<String>,
    cap: usize,
    mut fetch: impl FnMut(Option<&str>) -> Result<ViewPage<R>, ClientError>,
) -> Result<ViewPage<R>, ClientError> {
    let mut cursor = after;
    let mut all: Option<ViewPage<R>> = None;
    for _ in 0..MAX_FOLLOWED_PAGES {
        let page = fetch(cursor.as_deref())?;
        if page.next.is_some() && page.next == cursor {
            return Err(ClientError::BadResponse {
                url: page.view,
                reason: format!("the list's cursor {} did not advance", cursor.unwrap_or_default()),
            });
        }
        let next = page.next.clone();
        let gathered = match all.as_mut() {
            None => {
                all = Some(page);
                all.as_ref().map_or(0, |p| p.rows.len())
            }
            Some(acc) => {
                acc.rows.extend(page.rows);
                acc.next = page.next;
                acc.rows.len()
            }
        };
        match next {
            Some(n) if gathered < cap => cursor = Some(n),
            _ => break,
        }
    }
    all.ok_or_else(|| ClientError::BadResponse { url: String::new(), reason: "no page was read".into() })
}

/// `path` with the query's set fields as `?name=value&...` (in the struct's order; names and
/// values as the node reads them: enums by their snake_case names, booleans as `true`/`false`).
pub fn with_query(path: &str, q: &ViewQuery) -> String {
    let pairs = match serde_json::to_value(q) {
        Ok(Value::Object(fields)) => fields
            .into_iter()
            .filter_map(|(name, value)| {
                let text = match value {
                    Value::Null => return None,
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                Some(format!("{name}={}", percent_encode(&text)))
            })
            .collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    if pairs.is_empty() { path.to_string() } else { format!("{path}?{}", pairs.join("&")) }
}

/// `s` with every byte but RFC 3986's unreserved characters percent-encoded.
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shulian_api::lists::OrderRole;
    use shulian_runtime::call::Classification;

    fn page(rows: Vec<u32>, next: Option<&str>) -> ViewPage<u32> {
        ViewPage { view: "v".into(), columns: vec!["n".into()], rows, next: next.map(String::from), truncated: None }
    }

    #[test]
    fn the_query_names_only_what_is_set_as_the_node_reads_it() {
        assert_eq!(with_query("/api/lists/catalog", &ViewQuery::default()), "/api/lists/catalog");
        let q = ViewQuery {
            limit: Some(7),
            after: Some("00ff".into()),
            classification: Some(Classification::Core),
            negative_listed: Some(false),
            role: Some(OrderRole::Buyer),
            state: Some("a b&c".into()),
            since_ms: Some(5),
            ..ViewQuery::default()
        };
        let path = with_query("/p", &q);
        for part in
            ["after=00ff", "limit=7", "classification=core", "negative_listed=false", "role=buyer", "since_ms=5"]
        {
            assert!(path.contains(part), "{path} lacks {part}");
        }
        assert!(path.contains("state=a%20b%26c"), "{path}");
        assert!(path.starts_with("/p?"), "{path}");
    }

    #[test]
    fn pages_are_followed_in_order_up_to_the_cap() {
        let pages =
            [page(vec![1, 2], Some("a")), page(vec![], Some("b")), page(vec![3], Some("c")), page(vec![4], None)];
        let mut asked = Vec::new();
        let all = collect_pages(None, 100, |after| {
            asked.push(after.map(String::from));
            Ok(pages[asked.len() - 1].clone())
        })
        .expect("pages");
        assert_eq!(all.rows, vec![1, 2, 3, 4]);
        assert_eq!(all.next, None);
        assert_eq!(asked, vec![None, Some("a".into()), Some("b".into()), Some("c".into())]);

        let mut n = 0;
        let capped = collect_pages(Some("x".into()), 3, |_| {
            n += 1;
            Ok(pages[n - 1].clone())
        })
        .expect("pages");
        assert_eq!(capped.rows, vec![1, 2, 3]);
        assert_eq!(capped.next.as_deref(), Some("c"), "the cursor to go on from");
    }

    #[test]
    fn a_cursor_that_does_not_move_is_a_bad_response() {
        let e = collect_pages(Some("a".into()), 100, |_| Ok(page(vec![1], Some("a")))).expect_err("stuck");
        assert_eq!(e.code(), "bad_response");
    }
}
