//! `GET /metrics` through its router, on a RocksDB store: the body parses as the Prometheus text
//! format (a strict parser below), and its metric families are exactly the table of
//! docs/operations.md ("Metrics"), with the documented types.

use super::*;
use crate::chain::ChainLimits;
use crate::chain::tests::{enc, genesis, produce, transfer};
use crate::storage::{ChainStore, RocksKv};
use std::collections::BTreeMap;
use std::io::{Read, Write};

/// One metric family: its type and its samples (sample name, labels, value).
#[derive(Debug, Default)]
struct Fam {
    kind: String,
    samples: Vec<(String, BTreeMap<String, String>, f64)>,
}

fn valid_name(n: &str) -> bool {
    let mut c = n.chars();
    c.next().is_some_and(|f| f.is_ascii_alphabetic() || f == '_' || f == ':')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_' || x == ':')
}

/// Parses `{a="x",b="y"}` (after the metric name) into labels and the rest of the line.
fn parse_labels(s: &str) -> Result<(BTreeMap<String, String>, &str), String> {
    let mut labels = BTreeMap::new();
    let Some(mut rest) = s.strip_prefix('{') else { return Ok((labels, s)) };
    loop {
        if let Some(r) = rest.strip_prefix('}') {
            return Ok((labels, r));
        }
        let eq = rest.find('=').ok_or("label without '='")?;
        let key = &rest[..eq];
        if !valid_name(key) || key.contains(':') {
            return Err(format!("bad label name {key:?}"));
        }
        let mut chars = rest[eq + 1..].char_indices();
        if chars.next().map(|(_, c)| c) != Some('"') {
            return Err("label value not quoted".into());
        }
        let mut value = String::new();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next().map(|(_, c)| c) {
                    Some('\\') => value.push('\\'),
                    Some('"') => value.push('"'),
                    Some('n') => value.push('\n'),
                    other => return Err(format!("bad escape {other:?}")),
                },
                '"' => {
                    end = Some(eq + 1 + i + 1);
                    break;
                }
                '\n' => return Err("newline in a label value".into()),
                c => value.push(c),
            }
        }
        let end = end.ok_or("unterminated label value")?;
        if labels.insert(key.to_string(), value).is_some() {
            return Err(format!("label {key} twice"));
        }
        rest = &rest[end..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

fn parse_value(v: &str) -> Result<f64, String> {
    match v {
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ => v.parse().map_err(|e| format!("value {v:?}: {e}")),
    }
}

/// A strict reader of the Prometheus text format 0.0.4: every family has one `# HELP` and one
/// `# TYPE` before its samples, every sample belongs to the family declared last (histograms:
/// `_bucket` with `le`, `_sum`, `_count`), no series twice, every value a number.
fn parse(text: &str) -> Result<BTreeMap<String, Fam>, String> {
    let mut families: BTreeMap<String, Fam> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut seen = std::collections::BTreeSet::new();
    for (n, line) in text.lines().enumerate() {
        let err = |e: String| format!("line {}: {e}: {line:?}", n + 1);
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap_or_default();
            if !valid_name(name) || families.contains_key(name) {
                return Err(err("HELP of a bad or repeated family".into()));
            }
            current = Some(name.to_string());
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut w = rest.split(' ');
            let (name, kind) = (w.next().unwrap_or_default(), w.next().unwrap_or_default());
            if current.as_deref() != Some(name) || w.next().is_some() {
                return Err(err("TYPE not right after its HELP".into()));
            }
            if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind) {
                return Err(err(format!("unknown type {kind}")));
            }
            families.insert(name.to_string(), Fam { kind: kind.to_string(), samples: Vec::new() });
            continue;
        }
        if line.starts_with('#') {
            return Err(err("unexpected comment".into()));
        }
        let name_end = line.find(['{', ' ']).ok_or_else(|| err("no value".into()))?;
        let name = &line[..name_end];
        let (labels, rest) = parse_labels(&line[name_end..]).map_err(err)?;
        let mut w = rest.trim_start_matches(' ').split(' ');
        let value = parse_value(w.next().unwrap_or_default()).map_err(err)?;
        if let Some(ts) = w.next() {
            ts.parse::<i64>().map_err(|e| err(format!("timestamp: {e}")))?;
        }
        let fam_name = current.as_ref().ok_or_else(|| err("sample before any family".into()))?;
        let fam = families.get_mut(fam_name).ok_or_else(|| err("sample before its TYPE".into()))?;
        let belongs = match fam.kind.as_str() {
            "histogram" => {
                (name == format!("{fam_name}_bucket") && labels.contains_key("le"))
                    || name == format!("{fam_name}_sum")
                    || name == format!("{fam_name}_count")
            }
            _ => name == fam_name,
        };
        if !belongs {
            return Err(err(format!("sample outside its family {fam_name}")));
        }
        if !seen.insert(format!("{name}{labels:?}")) {
            return Err(err("series twice".into()));
        }
        fam.samples.push((name.to_string(), labels, value));
    }
    Ok(families)
}

/// The metrics table of docs/operations.md: name -> type.
fn documented() -> BTreeMap<String, String> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/operations.md")).expect("read doc");
    let section = doc.split("\n## Metrics").nth(1).expect("a Metrics section in docs/operations.md");
    let section = section.split("\n## ").next().unwrap_or_default();
    section
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let name = cells.get(1)?.strip_prefix("`shulian_")?.strip_suffix('`')?;
            Some((format!("shulian_{name}"), cells.get(2)?.to_string()))
        })
        .collect()
}

/// GET `path` from `addr`: (content type, body).
fn get(addr: std::net::SocketAddr, path: &str) -> (String, String) {
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(std::time::Duration::from_secs(30))).expect("timeout");
    write!(s, "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").expect("write");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("read");
    let (head, body) = raw.split_once("\r\n\r\n").expect("an HTTP answer");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let ctype = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-type: ").map(str::to_string))
        .unwrap_or_default();
    (ctype, body.to_string())
}

/// The value of sample `name` (with `label`, if given).
fn value(f: &BTreeMap<String, Fam>, name: &str, label: Option<(&str, &str)>) -> f64 {
    f.values()
        .flat_map(|fam| &fam.samples)
        .find(|(n, l, _)| n == name && label.is_none_or(|(k, v)| l.get(k).map(String::as_str) == Some(v)))
        .map(|s| s.2)
        .unwrap_or_else(|| panic!("no sample {name} with {label:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_parse_and_are_the_documented_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let kv: Arc<dyn KvStore> = Arc::new(RocksKv::open(dir.path()).expect("open rocksdb"));
    let chain = Arc::new(Chain::open(ChainStore::new(kv.clone()), genesis(), ChainLimits::default()).expect("open"));
    // One committed block with one transaction, and one refused submission (a reused nonce).
    chain.submit(&enc(&transfer(1, 0, "unit"))).expect("admitted");
    produce(&chain, 1_000);
    assert!(chain.submit(&enc(&transfer(1, 0, "unit"))).is_err());
    chain.submit(&enc(&transfer(2, 0, "unit"))).expect("admitted");
    // Relayed transactions: one a little ahead of the sender's next nonce (parked), one too far
    // ahead (refused).
    chain.submit_relayed_many(&[enc(&transfer(1, 5, "unit")), enc(&transfer(1, 5_000, "unit"))]);
    // Flushed to table files, so that they have index blocks in memory to count.
    kv.column_stats(true).expect("flush and compact");
    let disk = DiskWatch::new(1_000);
    disk.record(5_000_000);
    let scrape = Scrape { chain: chain.clone(), kv, disk: Some(disk), net: Some(Arc::new(NetStats::default())) };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router(scrape)).await });
    let (ctype, body) = tokio::task::spawn_blocking(move || get(addr, METRICS_PATH)).await.expect("join");
    assert_eq!(ctype, prometheus_text::CONTENT_TYPE);

    let families = parse(&body).unwrap_or_else(|e| panic!("{e}\n{body}"));
    let served: BTreeMap<String, String> = families.iter().map(|(n, f)| (n.clone(), f.kind.clone())).collect();
    let doc = documented();
    assert!(doc.len() >= 40, "the doc's table was not found or is short: {doc:?}");
    assert_eq!(served, doc, "/metrics (left) and docs/operations.md's table (right) differ");
    for name in served.keys() {
        assert!(name.starts_with("shulian_"), "{name}");
    }

    assert_eq!(value(&families, "shulian_chain_height", None), 1.0);
    assert_eq!(value(&families, "shulian_blocks_committed_total", None), 1.0);
    assert_eq!(value(&families, "shulian_transactions_committed_total", None), 1.0);
    assert_eq!(value(&families, "shulian_last_block_timestamp_seconds", None), 1.0);
    assert_eq!(value(&families, "shulian_block_write_seconds_count", None), 1.0);
    assert_eq!(value(&families, "shulian_submissions_refused_total", Some(("code", "stale_nonce"))), 1.0);
    assert_eq!(value(&families, "shulian_relayed_txs_refused_total", Some(("code", "future_nonce"))), 1.0);
    assert_eq!(value(&families, "shulian_relayed_txs_parked_total", None), 1.0);
    assert_eq!(value(&families, "shulian_mempool_transactions", None), 1.0);
    assert!(value(&families, "shulian_mempool_bytes", None) > 0.0);
    assert_eq!(value(&families, "shulian_disk_free_bytes", None), 5_000_000.0);
    assert_eq!(value(&families, "shulian_peers_connected", Some(("kind", "validator"))), 0.0);
    assert!(value(&families, "shulian_rocksdb_estimated_keys", Some(("cf", "blocks"))) > 0.0);
    assert!(value(&families, "shulian_rocksdb_table_readers_bytes", Some(("cf", "blocks"))) > 0.0);
    assert!(value(&families, "shulian_process_resident_memory_bytes", None) > 1e6);
}

#[test]
fn the_strict_parser_refuses_what_prometheus_would() {
    let ok = "# HELP a_total x\n# TYPE a_total counter\na_total{k=\"v \\\" \\\\\"} 1\n";
    assert!(parse(ok).is_ok(), "{:?}", parse(ok));
    for bad in [
        "a 1\n",
        "# HELP a x\n# TYPE a gauge\nb 1\n",
        "# HELP a x\n# TYPE a gauge\na{k=v} 1\n",
        "# HELP a x\n# TYPE a gauge\na one\n",
        "# HELP a x\n# TYPE a gauge\na 1\na 2\n",
        "# HELP h x\n# TYPE h histogram\nh_bucket 1\n",
        "# HELP a x\n# TYPE a weird\n",
    ] {
        assert!(parse(bad).is_err(), "accepted {bad:?}");
    }
}

#[test]
fn cpu_time_is_read_past_a_command_name_with_spaces() {
    let stat = "42 (my node) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 100 1000 200";
    assert_eq!(cpu_seconds(stat), Some(3.0));
    assert_eq!(status_kb("Name:\tx\nVmRSS:\t  1234 kB\n", "VmRSS:"), Some(1234));
}

#[test]
fn alerts_and_dashboard_use_only_documented_metrics() {
    let doc = documented();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    for file in ["packaging/prometheus/alerts.yml", "packaging/grafana/shulian-dashboard.json"] {
        let text = std::fs::read_to_string(format!("{root}/{file}")).expect("read");
        let mut used = 0;
        for (i, _) in text.match_indices("shulian_") {
            // Only metric names: `shulian_` at the start of a word.
            if text[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '/') {
                continue;
            }
            let name: String = text[i..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            let family = ["_bucket", "_count", "_sum"]
                .iter()
                .find_map(|s| name.strip_suffix(s).filter(|f| doc.get(*f).is_some_and(|t| t == "histogram")))
                .unwrap_or(&name);
            assert!(doc.contains_key(family), "{file} uses {name}, which docs/operations.md does not list");
            used += 1;
        }
        assert!(used > 5, "{file}: no metric found");
    }
}

#[test]
fn each_step_is_timed_once_when_consensus_leaves_it() {
    let m = Metrics::new();
    for (h, r, s) in [
        (1, 0, Step::Propose),
        (1, 0, Step::Propose),
        (1, 0, Step::Prevote),
        (1, 0, Step::Precommit),
        (1, 1, Step::Propose),
        (1, 1, Step::Prevote),
        (1, 1, Step::Precommit),
        (2, 0, Step::Propose),
    ] {
        m.consensus_at(h, r, s);
    }
    let mut out = String::new();
    prometheus_text::encode(&mut out, &m.registry).expect("encode");
    let families = parse(&out).unwrap_or_else(|e| panic!("{e}\n{out}"));
    let count = |step| value(&families, "shulian_consensus_step_time_seconds_count", Some(("step", step)));
    // The step being worked on now (height 2's propose) is not timed until it is left.
    assert_eq!((count("propose"), count("prevote"), count("precommit")), (2.0, 2.0, 2.0));
}
