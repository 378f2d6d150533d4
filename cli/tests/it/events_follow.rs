//! `shulian events --follow` against a scripted event stream: it prints each event once, resumes
//! with `Last-Event-ID` after the connection drops, and stops with the node's refusal.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// A stand-in node: connection k gets `script[k]` (SSE text, then the connection closes); after
/// the script, a 404 refusal. Records each request's `Last-Event-ID`.
fn start(script: Vec<String>) -> (String, Arc<Mutex<Vec<Option<String>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    std::thread::spawn(move || {
        for (k, stream) in listener.incoming().flatten().enumerate() {
            let mut reader = BufReader::new(&stream);
            let mut last_id = None;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("last-event-id")
                {
                    last_id = Some(value.trim().to_string());
                }
            }
            seen2.lock().expect("log").push(last_id);
            let mut out = &stream;
            let _ = match script.get(k) {
                Some(text) => {
                    write!(out, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n{text}")
                }
                None => {
                    let body = json!({ "error": { "code": "not_found", "message": "no more" } }).to_string();
                    write!(out, "HTTP/1.1 404 X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())
                }
            };
        }
    });
    (url, seen)
}

fn event(id: &str, height: u64) -> String {
    let data = json!({ "height": height, "tx_index": 0, "tx_hash": "ff".repeat(32), "event_index": 0,
        "event": { "type": "dataset_retired", "dataset": "d2".repeat(32), "owner": "aa".repeat(32) } });
    format!("id: {id}\nevent: dataset_retired\ndata: {data}\n\n")
}

#[test]
fn follow_prints_each_event_once_and_resumes_with_the_last_event_id() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let script = vec![
        format!(":keep-alive\n\n{}{}", event("c1", 1), event("c2", 2)),
        event("c3", 3),
        // The node ending a stream itself: the wallet reconnects from c3.
        "event: error\ndata: {\"error\":{\"code\":\"shutting_down\",\"message\":\"bye\"}}\n\n".to_string(),
    ];
    let (url, seen) = start(script);
    let subject = format!("dataset:{}", "d2".repeat(32));
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("shulian");
    cmd.env_remove("SHULIAN_NODE").env("SHULIAN_KEYSTORE", tmp.path());
    cmd.args(["events", "--subject", &subject, "--follow", "--json", "--node", &url]);
    let out = cmd.assert().code(3).get_output().clone();
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<Value> = stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let heights: Vec<u64> = lines.iter().filter_map(|v| v["height"].as_u64()).collect();
    assert_eq!(heights, [1, 2, 3], "one JSON object per event, each once: {stdout}");
    let seen = seen.lock().expect("log").clone();
    let ids: Vec<Option<&str>> = seen.iter().map(Option::as_deref).collect();
    assert_eq!(ids, [None, Some("c2"), Some("c3"), Some("c3")], "resumed after the last event each time");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bye"), "the node's reason is shown: {stderr}");
    assert!(stderr.contains("no more"), "the final refusal is shown: {stderr}");
}
