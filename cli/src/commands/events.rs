//! `shulian events`: the event history of an organization, a data set or a grant, page by page.

use super::Context;
use crate::args::EventsArgs;
use crate::client::ClientError;
use crate::error::{CliError, exit};
use crate::render::ledger;
use serde_json::{Value, json};

/// Pages fetched with `--all` before progress is shown on stderr.
const QUIET_PAGES: usize = 3;

/// Fetches one page (or, with `--all`, every page) and prints the events oldest first.
pub(super) fn run(ctx: &Context, a: &EventsArgs) -> Result<u8, CliError> {
    let client = ctx.client();
    let mut after = a.after.clone();
    let mut events: Vec<Value> = Vec::new();
    let mut pages = 0usize;
    let (subject, next) = loop {
        let mut path = format!("/api/events?subject={}&limit={}", a.subject, a.limit);
        if let Some(cursor) = &after {
            path += &format!("&after={cursor}");
        }
        let page = client.get(&path)?;
        pages += 1;
        let list = page.get("events").and_then(Value::as_array).ok_or_else(|| ClientError::BadResponse {
            url: client.url().to_string(),
            reason: "events page without an `events` list".into(),
        })?;
        events.extend(list.iter().cloned());
        let next = page.get("next").and_then(Value::as_str).map(str::to_string);
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
            next => break (page.get("subject").cloned().unwrap_or(Value::Null), next),
        }
    };
    if pages >= QUIET_PAGES && a.all {
        ctx.out.note("");
    }
    let v = json!({ "subject": subject, "events": events, "next": next });
    ctx.out.result(&v, || {
        if events.is_empty() {
            return format!("no events for {}\n", a.subject);
        }
        events.iter().map(ledger::event_entry).collect()
    })?;
    if let Some(cursor) = &next {
        ctx.out.note(&format!("more events: shulian events --subject {} --after {cursor} (or --all)", a.subject));
    }
    Ok(exit::SUCCESS)
}
