//! Reading Server-Sent Events (`text/event-stream`), as `GET /api/events/stream` sends them:
//! line by line, each line bounded, comments (keep-alives) skipped.

use std::io::{BufRead, BufReader, Read};

/// Longest line of the stream read (an event's JSON is far smaller).
pub const MAX_LINE_BYTES: u64 = 4 * 1024 * 1024;

/// One event of the stream as it arrived.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SseEvent {
    /// `id:`: for the node's event stream, the event's cursor.
    pub id: Option<String>,
    /// `event:`: for the node's event stream, the event's type (`error` for its last word).
    pub event: String,
    /// `data:` lines, joined by newlines.
    pub data: String,
}

/// Reads Server-Sent Events line by line.
pub struct SseReader<R> {
    lines: BufReader<R>,
    /// Whether anything (an event or a keep-alive comment) arrived.
    heard: bool,
}

impl<R: Read> SseReader<R> {
    /// Reads the stream from `r`.
    pub fn new(r: R) -> Self {
        Self::from_buffered(BufReader::new(r))
    }

    /// Reads the stream from an already buffered reader (e.g. one that has read the HTTP head).
    pub fn from_buffered(lines: BufReader<R>) -> Self {
        SseReader { lines, heard: false }
    }

    /// The underlying reader (what it buffered and did not yet read is lost).
    pub fn into_inner(self) -> R {
        self.lines.into_inner()
    }

    /// Whether anything (an event or a keep-alive comment) has arrived.
    pub fn heard(&self) -> bool {
        self.heard
    }

    /// The next event; `Ok(None)` when the stream ended (a half-received event is dropped: the
    /// next connection, resumed with the last id, sends it again).
    pub fn next_event(&mut self) -> std::io::Result<Option<SseEvent>> {
        let mut ev = SseEvent::default();
        let mut any = false;
        loop {
            let mut line = String::new();
            let n = (&mut self.lines).take(MAX_LINE_BYTES).read_line(&mut line)?;
            if n == 0 {
                return Ok(None);
            }
            if !line.ends_with('\n') {
                if n as u64 >= MAX_LINE_BYTES {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "an event stream line is too long",
                    ));
                }
                // The connection ended inside an event: drop it, the next connection resends it.
                return Ok(None);
            }
            self.heard = true;
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                if any {
                    return Ok(Some(ev));
                }
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            any = true;
            match field {
                "id" => ev.id = Some(value.to_string()),
                "event" => ev.event = value.to_string(),
                "data" => {
                    if !ev.data.is_empty() {
                        ev.data.push('\n');
                    }
                    ev.data.push_str(value);
                }
                _ => {}
            }
        }
    }
}
