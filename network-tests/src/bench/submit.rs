//! Submitting the load: one thread per node posts batches to `/api/txs` at a fixed offered rate
//! (or as fast as the node accepts), keeps each sender's nonces in order, and retries what the
//! mempool refused with back-pressure.

use super::workload::{PreTx, SenderQueue};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// What one submitter saw.
#[derive(Default, Debug)]
pub(crate) struct SubmitReport {
    /// Accepted transactions with the instants their batch was sent and answered (one in
    /// `latency_every`).
    pub(crate) accepted: Vec<(String, Instant, Instant)>,
    /// Accepted transactions, all of them.
    pub(crate) accepted_count: u64,
    /// Accepted transactions per kind of the mix.
    pub(crate) accepted_by_kind: BTreeMap<String, u64>,
    /// Accepted transactions per sender account (hex).
    pub(crate) accepted_by_account: BTreeMap<String, u64>,
    /// Transactions offered (each retry counts again).
    pub(crate) offered: u64,
    /// Refusals by error code (only the first refusal of a sender in a batch counts; its later
    /// transactions in that batch are refused as a consequence).
    pub(crate) refused: BTreeMap<String, u64>,
    /// One example message per refusal code.
    pub(crate) refusal_examples: BTreeMap<String, String>,
    /// HTTP requests that failed outright.
    pub(crate) request_errors: u64,
    /// Each answered request: when it was sent and how long the node took to answer it (ms),
    /// the part of a transaction's latency spent in admission.
    pub(crate) answers: Vec<(Instant, f64)>,
}

/// Settings of one submitter.
#[derive(Clone, Debug)]
pub(crate) struct SubmitConfig {
    /// The node's base URL.
    pub(crate) url: String,
    /// Offered transactions per second to this node; 0 = as fast as accepted.
    pub(crate) rate: f64,
    /// Most transactions per request.
    pub(crate) batch: usize,
    /// Stop after this long.
    pub(crate) duration: Duration,
    /// Keep the send instant of one accepted transaction in this many (1: all), for latencies:
    /// an hour's run accepts millions.
    pub(crate) latency_every: u64,
}

fn post(agent: &ureq::Agent, url: &str, txs: &[&PreTx]) -> anyhow::Result<Vec<Value>> {
    let mut body = String::with_capacity(txs.iter().map(|t| t.hex.len() + 3).sum::<usize>() + 16);
    body.push_str("{\"txs\":[");
    for (i, t) in txs.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push('"');
        body.push_str(&t.hex);
        body.push('"');
    }
    body.push_str("]}");
    let mut resp = agent.post(&format!("{url}/api/txs")).header("content-type", "application/json").send(body)?;
    let code = resp.status().as_u16();
    let text = resp.body_mut().read_to_string()?;
    if code != 200 {
        anyhow::bail!("POST /api/txs: {code} {text}");
    }
    let v: Value = serde_json::from_str(&text)?;
    match v.get("results").and_then(Value::as_array) {
        Some(r) if r.len() == txs.len() => Ok(r.clone()),
        _ => anyhow::bail!("POST /api/txs: unexpected answer {text}"),
    }
}

/// Sends every queue's transactions (all for this node) until they are all accepted or `stop`
/// is set or the duration passes.
pub(crate) fn run(cfg: SubmitConfig, mut queues: Vec<SenderQueue>, stop: Arc<AtomicBool>) -> SubmitReport {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let mut rep = SubmitReport::default();
    let start = Instant::now();
    let mut sent_budget_used = 0f64;
    let mut pause = Duration::ZERO;
    loop {
        if stop.load(Ordering::Relaxed) || start.elapsed() >= cfg.duration {
            break;
        }
        let mut room = cfg.batch;
        // Streamed queues sign what this batch may take (round-robin: about room / senders each).
        let depth = room.div_ceil(queues.len().max(1)) + 1;
        for q in &mut queues {
            q.top_up(depth);
        }
        if queues.iter().all(|q| q.txs.is_empty()) {
            break;
        }
        if !pause.is_zero() {
            std::thread::sleep(pause);
            pause = Duration::ZERO;
        }
        if cfg.rate > 0.0 {
            let allowed = cfg.rate * start.elapsed().as_secs_f64() - sent_budget_used;
            if allowed < (cfg.batch as f64).min(cfg.rate / 20.0).max(1.0) {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
            room = room.min(allowed as usize);
        }
        // Take transactions round-robin over the senders, each sender's in nonce order.
        let mut picks: Vec<(usize, usize)> = Vec::with_capacity(room);
        let mut depth = 0;
        while picks.len() < room {
            let mut any = false;
            for (s, q) in queues.iter().enumerate() {
                if picks.len() >= room {
                    break;
                }
                if q.txs.len() > depth {
                    picks.push((s, depth));
                    any = true;
                }
            }
            if !any {
                break;
            }
            depth += 1;
        }
        if picks.is_empty() {
            break;
        }
        let txs: Vec<&PreTx> = picks.iter().filter_map(|(s, d)| queues[*s].txs.get(*d)).collect();
        sent_budget_used += txs.len() as f64;
        rep.offered += txs.len() as u64;
        let sent_at = Instant::now();
        let results = match post(&agent, &cfg.url, &txs) {
            Ok(r) => {
                rep.answers.push((sent_at, sent_at.elapsed().as_secs_f64() * 1000.0));
                r
            }
            Err(e) => {
                rep.request_errors += 1;
                eprintln!("bench: {e:#}");
                pause = Duration::from_millis(200);
                continue;
            }
        };
        // Per sender: how many of its leading picks were accepted, and the first refusal.
        let mut outcome: BTreeMap<usize, (usize, bool)> = BTreeMap::new();
        let mut dead: Vec<usize> = Vec::new();
        for ((s, _), r) in picks.iter().zip(&results) {
            let entry = outcome.entry(*s).or_insert((0, false));
            if entry.1 {
                continue;
            }
            let code = r.pointer("/error/code").and_then(Value::as_str);
            match code {
                None | Some("duplicate") => entry.0 += 1,
                Some(code) => {
                    entry.1 = true;
                    *rep.refused.entry(code.to_string()).or_default() += 1;
                    if !rep.refusal_examples.contains_key(code) {
                        let msg = r.pointer("/error/message").and_then(Value::as_str).unwrap_or("").to_string();
                        rep.refusal_examples.insert(code.to_string(), msg);
                    }
                    if code == "mempool_full" {
                        pause = Duration::from_millis(50);
                    } else {
                        // A refusal for any other reason is final: this sender's later nonces
                        // can never be admitted, so stop sending them.
                        dead.push(*s);
                    }
                }
            }
        }
        let answered_at = Instant::now();
        for (s, (n, _)) in outcome {
            let q = &mut queues[s];
            for _ in 0..n {
                if let Some(t) = q.txs.pop_front() {
                    *rep.accepted_by_kind.entry(format!("{:?}", t.kind).to_lowercase()).or_default() += 1;
                    rep.accepted_count += 1;
                    if rep.accepted_count.is_multiple_of(cfg.latency_every.max(1)) {
                        rep.accepted.push((t.hash, sent_at, answered_at));
                    }
                    *rep.accepted_by_account.entry(q.account.clone()).or_default() += 1;
                }
            }
        }
        for s in dead {
            queues[s].txs.clear();
        }
    }
    rep
}
