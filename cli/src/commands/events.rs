//! `shulian events`: the event history of an organization, a data set or a grant, page by page;
//! with `--follow`, the node's live event stream (`GET /api/events/stream`, Server-Sent Events).

use super::Context;
use crate::args::EventsArgs;
use crate::client::{ClientError, interpret};
use crate::error::{CliError, exit};
use crate::render::ledger;
use shulian_api::ApiErrorBody;
use shulian_api::ledger::{EventRecord, EventsPage};
use shulian_client::sse::SseReader;
use std::io::Write;
use std::time::Duration;

/// Pages fetched with `--all` before progress is shown on stderr.
const QUIET_PAGES: usize = 3;

/// Fetches one page (or, with `--all`, every page) and prints the events oldest first.
pub(super) fn run(ctx: &Context, a: &EventsArgs) -> Result<u8, CliError> {
    if a.follow {
        return follow(ctx, a);
    }
    let client = ctx.client();
    let mut after = a.after.clone();
    let mut events: Vec<EventRecord> = Vec::new();
    let mut pages = 0usize;
    let (subject, kind, next) = loop {
        let page = client.events_of(a.subject, a.kind.as_deref(), after.as_deref(), a.limit)?;
        pages += 1;
        events.extend(page.events);
        let next = page.next;
        if pages >= QUIET_PAGES && a.all {
            ctx.out.progress(&format!("\rfetched {pages} pages, {} events", events.len()));
        }
        match next {
            // A cursor that does not move would page forever.
            Some(cursor) if a.all && after.as_deref() == Some(cursor.as_str()) => {
                return Err(ClientError::BadResponse {
                    url: client.url().to_string(),
                    reason: format!("the events cursor {cursor} did not advance"),
                }
                .into());
            }
            Some(cursor) if a.all => after = Some(cursor),
            next => break (page.subject, page.kind, next),
        }
    };
    if pages >= QUIET_PAGES && a.all {
        ctx.out.note("");
    }
    let page = EventsPage { subject, kind, events, next };
    ctx.out.result(&page, || {
        if page.events.is_empty() {
            return format!("no events for {}\n", a.subject);
        }
        page.events.iter().map(ledger::event_entry).collect()
    })?;
    let next = page.next;
    if let Some(cursor) = &next {
        ctx.out.note(&format!("more events: shulian events --subject {} --after {cursor} (or --all)", a.subject));
    }
    Ok(exit::SUCCESS)
}

/// Connection attempts in a row that may fail before `--follow` gives up.
const FOLLOW_ATTEMPTS: u32 = 8;
/// Wait before the first reconnection; doubled after each failure up to [`FOLLOW_MAX_BACKOFF`].
const FOLLOW_BACKOFF: Duration = Duration::from_millis(500);
/// Longest wait between two reconnections.
const FOLLOW_MAX_BACKOFF: Duration = Duration::from_secs(8);
/// How one connection of `--follow` ended.
enum Ended {
    /// The connection dropped or the node ended the stream; reconnect.
    Dropped(String),
    /// The node refused the request itself, or sent something that is not the API; reconnecting
    /// would not help.
    Fatal(CliError),
    /// Nobody reads our output any more (a closed pipe).
    OutputClosed,
}

/// `shulian events --follow`: prints each event of the stream as `shulian events` prints one (with
/// `--json`, one JSON object per line), and reconnects after a dropped connection with the last
/// event's id, so nothing is missed or repeated. Gives up after [`FOLLOW_ATTEMPTS`] failed
/// connections in a row; stops on Ctrl-C.
fn follow(ctx: &Context, a: &EventsArgs) -> Result<u8, CliError> {
    let base = ctx.client().url().to_string();
    let mut url = format!("{base}/api/events/stream?subject={}", a.subject);
    if let Some(kind) = &a.kind {
        url += &format!("&type={kind}");
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(5)))
        .timeout_recv_response(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut last_id = a.after.clone();
    let mut failures = 0u32;
    let mut backoff = FOLLOW_BACKOFF;
    loop {
        match follow_once(ctx, &agent, &url, &mut last_id) {
            Ok(heard) => {
                if heard {
                    failures = 0;
                    backoff = FOLLOW_BACKOFF;
                }
                // A short pause even after a clean end, so a node that keeps closing at once is
                // not hammered.
                std::thread::sleep(FOLLOW_BACKOFF);
            }
            Err(Ended::Fatal(e)) => return Err(e),
            Err(Ended::OutputClosed) => return Ok(exit::SUCCESS),
            Err(Ended::Dropped(reason)) => {
                failures += 1;
                if failures >= FOLLOW_ATTEMPTS {
                    return Err(ClientError::Unreachable {
                        url: base,
                        reason: format!("the event stream failed {failures} times in a row, last: {reason}"),
                    }
                    .into());
                }
                ctx.out.note(&format!("event stream interrupted ({reason}); reconnecting in {backoff:?}"));
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(FOLLOW_MAX_BACKOFF);
            }
        }
    }
}

/// One connection: prints its events until it ends. `Ok(heard)` when the stream ended cleanly,
/// `heard` telling whether anything arrived.
fn follow_once(ctx: &Context, agent: &ureq::Agent, url: &str, last_id: &mut Option<String>) -> Result<bool, Ended> {
    let mut req = agent.get(url).header("Accept", "text/event-stream");
    if let Some(id) = last_id.as_deref() {
        req = req.header("Last-Event-ID", id);
    }
    let mut resp = req.call().map_err(|e| Ended::Dropped(e.to_string()))?;
    let status = resp.status().as_u16();
    if status != 200 {
        let body = resp.body_mut().with_config().limit(64 * 1024).read_to_string().unwrap_or_default();
        return match interpret(url, status, &body) {
            Err(e @ ClientError::Refused { .. }) => Err(Ended::Fatal(e.into())),
            Err(e) => Err(Ended::Dropped(e.to_string())),
            Ok(_) => Err(Ended::Dropped(format!("HTTP {status}"))),
        };
    }
    let mut sse = SseReader::new(resp.into_body().into_reader());
    loop {
        let ev = match sse.next_event() {
            Ok(Some(ev)) => ev,
            Ok(None) if sse.heard() => return Ok(true),
            Ok(None) => return Err(Ended::Dropped("the node closed the stream".into())),
            Err(e) if sse.heard() => {
                ctx.out.note(&format!("event stream interrupted ({e}); reconnecting"));
                return Ok(true);
            }
            Err(e) => return Err(Ended::Dropped(e.to_string())),
        };
        if ev.event == "error" {
            let message = serde_json::from_str::<ApiErrorBody>(&ev.data).map_or(ev.data.clone(), |b| b.error.message);
            return Err(Ended::Dropped(format!("the node ended the stream: {message}")));
        }
        let record: EventRecord = serde_json::from_str(&ev.data).map_err(|e| {
            Ended::Fatal(
                ClientError::BadResponse {
                    url: url.to_string(),
                    reason: format!("an event whose data is not an EventRecord: {e}"),
                }
                .into(),
            )
        })?;
        let text = if ctx.out.is_json() {
            format!("{}\n", serde_json::to_string(&record).unwrap_or_default())
        } else {
            ledger::event_entry(&record)
        };
        let mut out = std::io::stdout().lock();
        match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Ok(()) => {}
            // Whoever read our output is gone (`| head`): stop, as any command would.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Err(Ended::OutputClosed),
            Err(e) => return Err(Ended::Fatal(e.into())),
        }
        if let Some(id) = ev.id {
            *last_id = Some(id);
        }
    }
}
