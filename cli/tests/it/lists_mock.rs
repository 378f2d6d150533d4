//! The wallet's lists against a scripted stand-in node: `grant show` prints the first receipts and
//! how many more there are, `--all` follows `next` up to `--max` and says how to go on, an export
//! is written as the node's bytes, and a node's refusal of a list exits 3.

use super::mock_node::{MockNode, answer, refusal, shulian};
use shulian_api::ledger::GrantResponse;
use shulian_api::lists::{CatalogRow, ReceiptRow};
use shulian_api::records::Grant;
use shulian_api::regulator::ViewPage;
use shulian_runtime::call::{Classification, SharingAttribute, Validity};
use shulian_runtime::{AccountId, DatasetId, GrantId, Hash, Height, RequestId};

fn page<R>(view: &str, rows: Vec<R>, next: Option<&str>) -> ViewPage<R> {
    ViewPage { view: view.into(), columns: vec![], rows, next: next.map(String::from), truncated: None }
}

fn receipt(grant: GrantId, seq: u64) -> ReceiptRow {
    ReceiptRow {
        height: Height(seq + 1),
        tx_hash: Hash([seq as u8; 32]),
        grant,
        seq,
        grantee: AccountId([0x33; 32]),
        dataset: DatasetId([0x22; 32]),
        row_count: 4,
        query_hash: Hash([1; 32]),
        result_hash: Hash([2; 32]),
        fields_used: "a;b".into(),
    }
}

fn catalog_row(n: u8) -> CatalogRow {
    CatalogRow {
        height: Height(u64::from(n)),
        tx_hash: Hash([n; 32]),
        time_ms: 1_798_761_600_000,
        dataset: DatasetId([n; 32]),
        name: format!("set {n}"),
        owner: AccountId([0x33; 32]),
        category: "health".into(),
        classification: Classification::General,
        sharing: SharingAttribute::Conditional,
        version: 1,
        negative_listed: false,
        retired: false,
    }
}

#[test]
fn grant_show_prints_the_first_receipts_and_how_many_more() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let g = GrantId([0x99; 32]);
    let node = MockNode::start(move |req| {
        if req.path.starts_with(&format!("/api/grant/{g}/receipts")) {
            answer(200, &page("receipts", (1..=10).map(|s| receipt(g, s)).collect(), Some("0a")))
        } else {
            let a = AccountId([0x33; 32]);
            let grant = Grant {
                id: g,
                request: RequestId([0x44; 32]),
                grantor: a,
                grantee: a,
                dataset: DatasetId([0x22; 32]),
                dataset_version: 1,
                purpose: "audit".into(),
                fields: vec!["a".into(), "b".into()],
                validity: Validity { from_ms: 0, until_ms: 1 },
                max_uses: 20,
                uses: 12,
                revoked: None,
                issued_at: Height(2),
            };
            answer(
                200,
                &GrantResponse {
                    grant,
                    usable_now: true,
                    unusable_reason: None,
                    receipts_head: Hash::ZERO,
                    countersigner: None,
                },
            )
        }
    });
    let out = shulian(tmp.path()).args(["grant", "show", &g.to_string(), "--node", &node.url]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert_eq!(text.matches("  receipt ").count(), 10, "{text}");
    assert!(text.contains("fields a, b"), "{text}");
    assert!(text.contains(&format!("2 more receipts: shulian grant receipts {g} --after 0a")), "{text}");
    assert!(node.requests()[1].path.contains("limit=10"), "{:?}", node.requests());
}

#[test]
fn all_follows_the_pages_up_to_max_and_says_how_to_go_on() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let node = MockNode::start(|req| {
        let (rows, next) = if req.path.contains("after=c2") {
            (vec![catalog_row(5)], None)
        } else if req.path.contains("after=c1") {
            (vec![catalog_row(3), catalog_row(4)], Some("c2"))
        } else {
            (vec![catalog_row(1), catalog_row(2)], Some("c1"))
        };
        answer(200, &page("catalog", rows, next))
    });
    let out = shulian(tmp.path())
        .args(["catalog", "--all", "--max", "3", "--limit", "2", "--json", "--node", &node.url])
        .assert()
        .success();
    let printed: ViewPage<CatalogRow> = serde_json::from_slice(&out.get_output().stdout).expect("a page");
    assert_eq!(printed.rows, (1..=4).map(catalog_row).collect::<Vec<_>>(), "two pages: 4 rows reach the cap of 3");
    assert_eq!(printed.next.as_deref(), Some("c2"));
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains(&format!("more: shulian catalog --limit 2 --json --node {} --after c2", node.url)), "{err}");
    let paths: Vec<String> = node.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/api/lists/catalog?limit=2", "/api/lists/catalog?after=c1&limit=2"]);

    // To the end without a cap in reach: every row once, no cursor.
    let out = shulian(tmp.path()).args(["catalog", "--all", "--limit", "2", "--node", &node.url]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert_eq!(text.lines().count(), 5, "{text}");
    assert!(!String::from_utf8_lossy(&out.get_output().stderr).contains("more:"));
}

#[test]
fn an_export_is_the_nodes_bytes_and_a_refused_list_exits_3() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let csv = "height,tx_hash\n3,ab\n";
    let node = MockNode::start(move |req| {
        if req.path.contains("format=csv") {
            (200, csv.to_string())
        } else {
            refusal(400, "bad_request", "state \"x\" is not a state")
        }
    });
    let out = shulian(tmp.path())
        .args(["regulator", "negative-list", "--export", "csv", "--since", "2027-01-01", "--node", &node.url])
        .assert()
        .success();
    assert_eq!(String::from_utf8_lossy(&out.get_output().stdout), csv);
    assert_eq!(node.requests()[0].path, "/api/lists/negative-list?format=csv&since_ms=1798732800000");
    let out = shulian(tmp.path()).args(["regulator", "suspended", "--node", &node.url]).assert().code(3);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("is not a state"));
}
