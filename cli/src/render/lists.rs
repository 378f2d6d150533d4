//! Text for the paged lists (`shulian catalog`, `inbox`, `requests`, `grants`, `grant receipts`,
//! `listings`, `orders`, `statement`, `regulator ...`): one line per item, its full id first so
//! it can be pasted into the next command, then its key fields and its ledger time in China
//! Standard Time. Pure functions of their input.

use super::{api_name, window};
use crate::args::when::{show_span, show_time};
use shulian_api::lists::{
    CatalogRow, GrantRow, ListingRow, NegativeListRow, OrderRow, ReceiptRow, RegradedRow, RequestRow, StatementRow,
    SuspendedRow,
};
use shulian_api::regulator::{DisputeRow, ViewPage};
use shulian_runtime::Fen;
use shulian_runtime::call::Validity;

/// One item of a list as a line of text.
pub trait RowText {
    /// The item's line, without the line break.
    fn text(&self) -> String;
}

/// Every row of `page`, one line each, or `empty` when there is none.
pub fn page<R: RowText>(page: &ViewPage<R>, empty: &str) -> String {
    if page.rows.is_empty() {
        return format!("{empty}\n");
    }
    page.rows.iter().map(|r| format!("{}\n", r.text())).collect()
}

/// `yes`/`no` flags as words, only when set: `, negative-listed, retired`.
fn flags(set: &[(bool, &str)]) -> String {
    set.iter().filter(|(on, _)| *on).map(|(_, word)| format!(", {word}")).collect()
}

impl RowText for CatalogRow {
    fn text(&self) -> String {
        format!(
            "{}  {:?}  owner {}  {} {} {}  version {}{}  registered {}",
            self.dataset,
            self.name,
            self.owner,
            api_name(&self.classification),
            api_name(&self.sharing),
            self.category,
            self.version,
            flags(&[(self.negative_listed, "negative-listed"), (self.retired, "retired")]),
            show_time(self.time_ms)
        )
    }
}

impl RowText for RequestRow {
    fn text(&self) -> String {
        let co = match (&self.co_approved_by, self.needs_co_approval) {
            (Some(by), _) => format!(", co-approved by {by}"),
            (None, true) => ", needs a regulator's co-approval".to_string(),
            (None, false) => String::new(),
        };
        format!(
            "{}  {}  data set {}  requester {}  owner {}  {} uses  {}  purpose {:?}{}{}  filed {}",
            self.request,
            api_name(&self.state),
            self.dataset,
            self.requester,
            self.owner,
            self.max_uses,
            window(&Validity { from_ms: self.valid_from_ms, until_ms: self.valid_until_ms }),
            self.purpose,
            flags(&[(self.owner_approved, "owner approved")]),
            co,
            show_time(self.time_ms)
        )
    }
}

impl RowText for GrantRow {
    fn text(&self) -> String {
        let revoked = self.revoked_at.map(|h| format!(", revoked at height {h}")).unwrap_or_default();
        format!(
            "{}  {}  data set {}  grantor {}  grantee {}  uses {} of {}  valid {}{}  purpose {:?}  issued {}",
            self.grant,
            api_name(&self.state),
            self.dataset,
            self.grantor,
            self.grantee,
            self.uses,
            self.max_uses,
            window(&Validity { from_ms: self.valid_from_ms, until_ms: self.valid_until_ms }),
            revoked,
            self.purpose,
            show_time(self.time_ms)
        )
    }
}

impl RowText for ReceiptRow {
    fn text(&self) -> String {
        format!(
            "{:>6}  height {}  tx {}  {} rows  fields {}  query {}  result {}",
            self.seq,
            self.height,
            self.tx_hash,
            self.row_count,
            if self.fields_used.is_empty() { "none".to_string() } else { self.fields_used.replace(';', ", ") },
            self.query_hash,
            self.result_hash
        )
    }
}

impl RowText for ListingRow {
    fn text(&self) -> String {
        let product = self.dataset.map_or_else(|| "off-catalog product".to_string(), |d| format!("data set {d}"));
        format!(
            "{}  {}  seller {}  {}  price {}  {} uses  deliver within {}, accept within {}  submitted {}",
            self.listing,
            api_name(&self.state),
            self.seller,
            product,
            self.price,
            self.max_uses,
            show_span(self.delivery_window_ms),
            show_span(self.acceptance_window_ms),
            show_time(self.time_ms)
        )
    }
}

impl RowText for OrderRow {
    fn text(&self) -> String {
        let deadline = match self.acceptance_deadline_ms {
            Some(ms) => format!("accept or dispute by {}", show_time(ms)),
            None => format!("deliver by {}", show_time(self.delivery_deadline_ms)),
        };
        format!(
            "{}  {}  listing {}  buyer {}  seller {}  price {} + fee {}  {}  placed {}",
            self.order,
            self.status.as_str(),
            self.listing,
            self.buyer,
            self.seller,
            self.price,
            self.fee,
            deadline,
            show_time(self.time_ms)
        )
    }
}

impl RowText for StatementRow {
    fn text(&self) -> String {
        let amount = if self.credit.0 >= self.debit.0 {
            format!("+{}", Fen(self.credit.0 - self.debit.0))
        } else {
            format!("-{}", Fen(self.debit.0 - self.credit.0))
        };
        let with = self.counterparty.map(|c| format!("  with {c}")).unwrap_or_default();
        let order = self.order.map(|o| format!("  order {o}")).unwrap_or_default();
        format!("{}  {:>16}  {}{with}{order}  tx {}", show_time(self.time_ms), amount, self.kind, self.tx_hash)
    }
}

impl RowText for NegativeListRow {
    fn text(&self) -> String {
        format!(
            "{}  {:?}  owner {}  listed by {} on {}: {}",
            self.dataset,
            self.name,
            self.owner,
            self.regulator,
            show_time(self.time_ms),
            self.reason
        )
    }
}

impl RowText for RegradedRow {
    fn text(&self) -> String {
        let grade = |c: &dyn std::fmt::Debug, s: &dyn std::fmt::Debug| format!("{c:?}, {s:?}").to_lowercase();
        format!(
            "{}  {:?}  owner {}  re-graded by {} on {} from {} to {}: {}",
            self.dataset,
            self.name,
            self.owner,
            self.regulator,
            show_time(self.time_ms),
            grade(&self.from_classification, &self.from_sharing),
            grade(&self.classification, &self.sharing),
            self.reason
        )
    }
}

impl RowText for shulian_api::registry::ElementRow {
    fn text(&self) -> String {
        let source = self.authoritative.map_or("no authoritative data set yet".to_string(), |d| format!("source {d}"));
        format!("{}  {:?}  responsible {}  {source}", self.element, self.name, self.responsible)
    }
}

impl RowText for shulian_api::registry::DemandRow {
    fn text(&self) -> String {
        let state = api_name(&self.state);
        let to = self.department.map(|d| format!("  to {d}")).unwrap_or_default();
        let due = self.deadline_ms.map(|d| format!("  due {}", show_time(d))).unwrap_or_default();
        let answer = match (self.grant, &self.legal_basis) {
            (Some(g), _) => format!("  grant {g}"),
            (None, Some(basis)) => format!("  refused: {basis}"),
            _ => String::new(),
        };
        let late = if self.on_time == Some(false) { "  (late)" } else { "" };
        format!(
            "{}  {state}  by {}  elements {}  for {:?}{to}{due}{answer}{late}",
            self.demand,
            self.requester,
            self.elements.join(","),
            self.purpose
        )
    }
}

impl RowText for shulian_api::registry::DepartmentStatsRow {
    fn text(&self) -> String {
        format!(
            "{}  {:?}  data sets {}  demands: assigned {}, answered on time {}, late {}, refused {} ({} late), overdue {}  requests approved {}, refused {}  uses {}  refused attempts {}{}",
            self.org,
            self.name,
            self.datasets_provided,
            self.demands_assigned,
            self.demands_answered_on_time,
            self.demands_answered_late,
            self.demands_refused,
            self.demands_refused_late,
            self.demands_overdue,
            self.requests_approved,
            self.requests_refused,
            self.uses_under_its_grants,
            self.refused_attempts,
            if self.complete { "" } else { "  (incomplete: a scan budget ran out)" }
        )
    }
}

impl RowText for shulian_api::registry::AttemptRow {
    fn text(&self) -> String {
        let named: Vec<String> = self
            .datasets
            .iter()
            .map(|d| format!("data set {d}"))
            .chain(self.grants.iter().map(|g| format!("grant {g}")))
            .collect();
        let named = if named.is_empty() { String::new() } else { format!("  ({})", named.join(", ")) };
        format!(
            "{}  {}  {} by {}{named}  refused {}: {}",
            self.tx_hash,
            show_time(self.time_ms),
            self.call,
            self.org,
            self.code,
            self.message
        )
    }
}

impl RowText for SuspendedRow {
    fn text(&self) -> String {
        format!("{}  {:?}  suspended on {}: {}", self.org, self.name, show_time(self.time_ms), self.reason)
    }
}

impl RowText for DisputeRow {
    fn text(&self) -> String {
        let price = self.price.map(|p| format!("  price {p}")).unwrap_or_default();
        let status = self.status.map_or("unknown", |s| s.as_str());
        format!(
            "{}  {}  listing {}  buyer {}  seller {}{}  disputed {}: {}",
            self.order,
            status,
            self.listing,
            self.buyer,
            self.seller,
            price,
            show_time(self.time_ms),
            self.reason
        )
    }
}

/// The totals line of a statement page: credits, debits and their difference, in fen; `None`
/// when they overflow (more than 2^64 fen cannot be on one ledger).
pub fn statement_totals(rows: &[StatementRow]) -> Option<String> {
    let credit = rows.iter().try_fold(0u64, |sum, r| sum.checked_add(r.credit.0))?;
    let debit = rows.iter().try_fold(0u64, |sum, r| sum.checked_add(r.debit.0))?;
    let net = if credit >= debit { format!("+{}", Fen(credit - debit)) } else { format!("-{}", Fen(debit - credit)) };
    Some(format!("{} movements: credit {}, debit {}, net {net}\n", rows.len(), Fen(credit), Fen(debit)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use shulian_api::lists::{GrantState, ListingState};
    use shulian_api::records::OrderStatus;
    use shulian_runtime::call::{Classification, SharingAttribute};
    use shulian_runtime::{AccountId, DatasetId, GrantId, Hash, Height, ListingId, OrderId};

    const JAN_1_2027_MS: u64 = 1_798_761_600_000;

    fn catalog_row() -> CatalogRow {
        CatalogRow {
            height: Height(3),
            tx_hash: Hash([1; 32]),
            time_ms: JAN_1_2027_MS,
            dataset: DatasetId([0x22; 32]),
            name: "户籍人口".into(),
            owner: AccountId([0x33; 32]),
            category: "population".into(),
            classification: Classification::Core,
            sharing: SharingAttribute::NotShareable,
            version: 2,
            negative_listed: true,
            retired: false,
        }
    }

    #[test]
    fn a_catalog_line_names_the_full_id_and_the_filters_fields() {
        let text = catalog_row().text();
        assert!(text.starts_with(&DatasetId([0x22; 32]).to_string()), "{text}");
        for part in [
            "\"户籍人口\"",
            "core not_shareable population",
            "version 2, negative-listed",
            "registered 2027-01-01 08:00:00 +08:00",
        ] {
            assert!(text.contains(part), "{text} lacks {part}");
        }
        assert!(!text.contains("retired"), "{text}");
        let empty = ViewPage::<CatalogRow> {
            view: "catalog".into(),
            columns: vec![],
            rows: vec![],
            next: None,
            truncated: None,
        };
        assert_eq!(page(&empty, "no data sets"), "no data sets\n");
    }

    #[test]
    fn grants_listings_and_orders_show_their_state_and_deadlines_as_dates() {
        let grant = GrantRow {
            height: Height(4),
            tx_hash: Hash([1; 32]),
            time_ms: JAN_1_2027_MS,
            grant: GrantId([0x44; 32]),
            dataset: DatasetId([0x22; 32]),
            grantor: AccountId([0x33; 32]),
            grantee: AccountId([0x55; 32]),
            purpose: "audit".into(),
            state: GrantState::Expiring,
            valid_from_ms: 0,
            valid_until_ms: JAN_1_2027_MS + 86_400_000,
            uses: 1,
            max_uses: 5,
            revoked_at: None,
        };
        let text = grant.text();
        assert!(text.contains("expiring") && text.contains("uses 1 of 5"), "{text}");
        assert!(text.contains("valid at once until 2027-01-02 08:00:00 +08:00"), "{text}");
        let listing = ListingRow {
            height: Height(5),
            tx_hash: Hash([1; 32]),
            time_ms: JAN_1_2027_MS,
            listing: ListingId([0x66; 32]),
            seller: AccountId([0x33; 32]),
            dataset: None,
            price: Fen(1_000),
            max_uses: 3,
            state: ListingState::PendingReview,
            delivery_window_ms: 7 * 86_400_000,
            acceptance_window_ms: 72 * 3_600_000,
        };
        let text = listing.text();
        assert!(text.contains("pending_review") && text.contains("deliver within 7d, accept within 3d"), "{text}");
        let mut order = OrderRow {
            height: Height(6),
            tx_hash: Hash([1; 32]),
            time_ms: JAN_1_2027_MS,
            order: OrderId([0x77; 32]),
            listing: ListingId([0x66; 32]),
            buyer: AccountId([0x55; 32]),
            seller: AccountId([0x33; 32]),
            dataset: None,
            price: Fen(1_000),
            fee: Fen(10),
            status: OrderStatus::Placed,
            delivery_deadline_ms: JAN_1_2027_MS,
            acceptance_deadline_ms: None,
        };
        assert!(order.text().contains("placed") && order.text().contains("deliver by 2027-01-01"), "{}", order.text());
        order.acceptance_deadline_ms = Some(JAN_1_2027_MS + 3_600_000);
        assert!(order.text().contains("accept or dispute by 2027-01-01 09:00:00 +08:00"), "{}", order.text());
    }

    #[test]
    fn a_statement_signs_each_movement_and_totals_the_page() {
        let row = |kind: &str, credit: u64, debit: u64| StatementRow {
            height: Height(1),
            tx_hash: Hash([1; 32]),
            time_ms: JAN_1_2027_MS,
            kind: kind.into(),
            counterparty: None,
            order: None,
            credit: Fen(credit),
            debit: Fen(debit),
        };
        let rows = vec![row("deposited", 5_000, 0), row("order_placed", 0, 1_010)];
        assert!(rows[0].text().contains("+5000 fen  deposited"), "{}", rows[0].text());
        assert!(rows[1].text().contains("-1010 fen  order_placed"), "{}", rows[1].text());
        assert_eq!(
            statement_totals(&rows).as_deref(),
            Some("2 movements: credit 5000 fen, debit 1010 fen, net +3990 fen\n")
        );
        assert_eq!(statement_totals(&[row("x", u64::MAX, 0), row("y", 1, 0)]), None);
    }
}
