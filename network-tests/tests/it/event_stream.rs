//! The live event stream (`GET /api/events/stream`, Server-Sent Events) against a dev node: a
//! client that keeps disconnecting and resuming with its last event id receives every event
//! exactly once and in ledger order while blocks are committed; clients that stop reading are cut
//! off by the node without its memory growing with the events committed meanwhile.

// The determinism rules of clippy.toml bind runtime/ and contracts/ only; a test's deadlines read
// the clock like an operator would.
#![allow(clippy::disallowed_methods)]

use serde_json::Value;
use shulian_client::sse::SseReader;
use shulian_network_tests::scenario::Scenario;
use shulian_network_tests::{DevNode, request_method};
use shulian_runtime::call::{CatalogCall, Classification, DatasetSpec, SharingAttribute};
use shulian_runtime::{Call, Hash};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// One event of a stream.
#[derive(Debug, Default)]
struct SseEvent {
    id: String,
    event: String,
    data: String,
}

/// Opens a stream with a plain HTTP/1.0 request (so the body is the SSE text itself, not chunked)
/// and returns the status code and the reader positioned at the body.
fn open(node: &DevNode, query: &str, last_id: Option<&str>) -> anyhow::Result<(u16, SseReader<TcpStream>)> {
    let addr = node.url.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(15)))?;
    let mut req = format!("GET /api/events/stream?{query} HTTP/1.0\r\nHost: {addr}\r\nAccept: text/event-stream\r\n");
    if let Some(id) = last_id {
        req += &format!("Last-Event-ID: {id}\r\n");
    }
    req += "\r\n";
    s.write_all(req.as_bytes())?;
    let mut r = BufReader::new(s);
    let mut status = String::new();
    r.read_line(&mut status)?;
    let code = status.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
    }
    Ok((code, SseReader::from_buffered(r)))
}

/// The next event of a stream (comments skipped; read by the one client's SSE reader); `None`
/// when the node ended it.
fn next_event(r: &mut SseReader<TcpStream>) -> anyhow::Result<Option<SseEvent>> {
    Ok(r.next_event()?.map(|e| SseEvent { id: e.id.unwrap_or_default(), event: e.event, data: e.data }))
}

/// Every event of `query` through `GET /api/events`, page by page.
fn paged(node: &DevNode, query: &str) -> anyhow::Result<Vec<Value>> {
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut path = format!("/api/events?{query}&limit=37");
        if let Some(a) = &after {
            path += &format!("&after={a}");
        }
        let page = node.get(&path)?;
        all.extend(page["events"].as_array().cloned().unwrap_or_default());
        match page["next"].as_str() {
            Some(n) => after = Some(n.to_string()),
            None => return Ok(all),
        }
    }
}

#[test]
fn a_client_resuming_with_its_last_event_id_gets_every_event_once_in_order() -> anyhow::Result<()> {
    let net = Scenario::dev().start()?;
    let node = net.node(0);
    let transport = net.account("transport")?;
    let query = format!("subject=account:{transport}");
    let mut transfers = net.transfers("transport", "health")?;

    // Bad requests are refused with the API's JSON error before any stream starts.
    let get = |path: &str| shulian_network_tests::request(&format!("{}{path}", node.url), None);
    for (what, path) in [
        ("no filter", "/api/events/stream".to_string()),
        ("a bad subject", "/api/events/stream?subject=dataset:zz".to_string()),
        ("a bad type", "/api/events/stream?type=GrantIssued".to_string()),
        ("a bad cursor", format!("/api/events/stream?{query}&after=abc")),
        ("a bad type on /api/events", "/api/events?type=nonsense".to_string()),
    ] {
        let (code, body) = get(&path)?;
        assert_eq!((code, body["error"]["code"].as_str()), (400, Some("bad_request")), "{what}: {body}");
    }
    let (code, _) = open(node, &query, Some("not-a-cursor"))?;
    assert_eq!(code, 400, "a bad Last-Event-ID is refused");
    assert_eq!(request_method("POST", &format!("{}/api/events/stream?{query}", node.url))?, 405);

    // Blocks keep coming while the client reads a few events, drops the connection and resumes
    // from its last event id, again and again.
    let mut got: Vec<SseEvent> = Vec::new();
    let mut sent = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    for round in 0..12usize {
        sent.extend(transfers.send(node, 10)?);
        let last = got.last().map(|e| e.id.clone());
        let (code, mut r) = open(node, &query, last.as_deref())?;
        assert_eq!(code, 200);
        for _ in 0..(1 + round * 5 % 9) {
            let ev = next_event(&mut r)?.ok_or_else(|| anyhow::anyhow!("the stream ended in round {round}"))?;
            got.push(ev);
        }
        anyhow::ensure!(Instant::now() < deadline, "too slow: {} events in {round} rounds", got.len());
    }
    // Then to the end, the last round resuming with `?after=` instead of the header.
    let last_hash = sent.last().cloned().unwrap_or_default();
    let after = got.last().map(|e| e.id.clone()).unwrap_or_default();
    let (_, mut r) = open(node, &format!("{query}&after={after}"), None)?;
    while !got.last().is_some_and(|e| e.data.contains(&last_hash)) {
        anyhow::ensure!(Instant::now() < deadline, "the last transfer did not arrive: {} events", got.len());
        got.push(next_event(&mut r)?.ok_or_else(|| anyhow::anyhow!("the stream ended"))?);
    }
    drop(r);

    // The same events as the paged list, in the same order, each once; ids strictly increase.
    let listed = paged(node, &query)?;
    let streamed: Vec<Value> = got.iter().map(|e| serde_json::from_str(&e.data)).collect::<Result<_, _>>()?;
    assert_eq!(streamed.len(), listed.len(), "as many events streamed as listed");
    assert_eq!(streamed, listed, "the stream is the list, in order, no gap, no duplicate");
    assert_eq!(listed.len(), 120, "one event per transfer");
    assert!(got.windows(2).all(|w| w[0].id < w[1].id), "ids increase");
    for e in &got {
        assert_eq!(e.id.len(), 28, "an id is a cursor: {}", e.id);
        assert_eq!(e.event, "transferred");
    }
    // An id is the cursor `/api/events` pages by: the event after the 50th is the 51st.
    let page = node.get(&format!("/api/events?{query}&after={}&limit=1", got[49].id))?;
    assert_eq!(page["events"][0], listed[50]);
    // The type filter: the same events by type alone (nothing else was transferred), and none of
    // another type for this subject.
    assert_eq!(paged(node, "type=transferred")?, listed);
    assert_eq!(paged(node, &format!("{query}&type=transferred"))?, listed);
    assert_eq!(paged(node, &format!("{query}&type=grant_issued"))?, Vec::<Value>::new());
    let (_, mut r) = open(node, "type=transferred", Some(&got[118].id))?;
    let ev = next_event(&mut r)?.ok_or_else(|| anyhow::anyhow!("no event after the 119th"))?;
    assert_eq!(serde_json::from_str::<Value>(&ev.data)?, listed[119]);
    Ok(())
}

/// A field of `/proc/PID/status` in kB.
fn proc_kb(pid: u32, field: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with(&format!("{field}:")))
        .ok_or_else(|| anyhow::anyhow!("no {field} in /proc/{pid}/status"))?;
    Ok(line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Clients that stop reading while a stream is busy.
const STUCK_CLIENTS: usize = 48;
/// Large events committed while they are stuck: each a data set registration with a long name.
const BIG_EVENTS: usize = 300;
const NAME_BYTES: usize = 48 * 1024;

#[test]
fn clients_that_stop_reading_are_cut_off_without_the_node_buffering_for_them() -> anyhow::Result<()> {
    let net = Scenario::dev().start()?;
    let node = net.node(0);
    let pid = node.pid().ok_or_else(|| anyhow::anyhow!("no pid"))?;
    let transport = net.account("transport")?;
    let key = net.demo_key("transport")?;
    let chain_id = net.chain_id()?;

    // Streams on the data sets `transport` registers; their clients never read a byte.
    let stuck: Vec<TcpStream> = (0..STUCK_CLIENTS)
        .map(|_| {
            let (code, r) = open(node, &format!("subject=account:{transport}"), None)?;
            anyhow::ensure!(code == 200, "stream refused: {code}");
            Ok(r.into_inner())
        })
        .collect::<anyhow::Result<_>>()?;
    let before_kb = proc_kb(pid, "VmHWM")?;

    // Many large events: each stream has BIG_EVENTS * NAME_BYTES (14 MB) to send, more than the
    // socket buffers hold, so every stream stalls.
    let name = "n".repeat(NAME_BYTES);
    let mut hashes = Vec::new();
    for nonce in 0..BIG_EVENTS as u64 {
        let spec = DatasetSpec {
            name: format!("{nonce} {name}"),
            metadata_hash: Hash([1; 32]),
            schema_hash: Hash([2; 32]),
            fields: vec!["f".into()],
            category: "transport".into(),
            classification: Classification::General,
            sharing: SharingAttribute::Conditional,
            update_frequency: "daily".into(),
        };
        let call = Call::Catalog(CatalogCall::Register { dataset: spec });
        let tx = shulian_runtime::test_utils::signed(&chain_id, &key, nonce, call);
        let (code, body) = node.submit(&tx)?;
        anyhow::ensure!(code == 202, "registration {nonce} refused: {body}");
        hashes.push(body["hash"].as_str().unwrap_or_default().to_string());
    }
    shulian_network_tests::checker::wait_committed(node, &hashes, Duration::from_secs(30))?;

    // The node cuts every stuck client (and says so in its log).
    let log = node.home.with_extension("log");
    node.wait_until(Duration::from_secs(30), |_| {
        let text = std::fs::read_to_string(&log)?;
        Ok(text.matches("client read nothing").count() >= STUCK_CLIENTS)
    })?;
    let after_kb = proc_kb(pid, "VmHWM")?;
    let committed_mb = BIG_EVENTS * NAME_BYTES / (1024 * 1024);
    let growth_mb = after_kb.saturating_sub(before_kb) / 1024;
    eprintln!(
        "peak memory {} MiB -> {} MiB (+{growth_mb} MiB) while {committed_mb} MiB of events were committed for \
         {STUCK_CLIENTS} stuck clients",
        before_kb / 1024,
        after_kb / 1024
    );
    // What committing the events costs by itself (mempool, blocks, outcomes, RocksDB's memtables)
    // grows with them: about 10 times their size (measured: +145 MiB for 14 MiB with one stuck
    // client). Each stuck client may cost a fixed amount on top (its queued events, one page and
    // the HTTP write buffer: measured about 2 MiB). Buffering every event for each stuck client
    // would add STUCK_CLIENTS times the events (48 x 14 MiB = 670 MiB), far over this bound.
    let bound_mb = (12 * committed_mb + 4 * STUCK_CLIENTS) as u64;
    assert!(growth_mb < bound_mb, "peak memory grew by {growth_mb} MiB (bound {bound_mb} MiB)");

    // Each client sees its connection end (reset, or EOF after the little its socket held).
    let total = BIG_EVENTS * NAME_BYTES;
    for (k, mut s) in stuck.into_iter().enumerate() {
        s.set_read_timeout(Some(Duration::from_secs(5)))?;
        let mut buf = vec![0u8; 1 << 16];
        let mut read = 0usize;
        loop {
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => read += n,
                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                    panic!("client {k}: the connection is still open after {read} bytes")
                }
                Err(_) => break,
            }
        }
        assert!(read < total, "client {k} received the whole stream ({read} bytes): it was not cut off");
    }
    // The node still serves new streams.
    let (code, _) = open(node, &format!("subject=account:{transport}"), None)?;
    assert_eq!(code, 200);
    Ok(())
}
