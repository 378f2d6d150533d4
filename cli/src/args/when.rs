//! Ledger times and spans as a person writes them. Every deadline on the ledger is ledger time
//! (a block timestamp, ms since the Unix epoch); the wallet reads and prints it as a date.
//!
//! A time is RFC 3339 (`2027-01-01T09:30:00+08:00`, `2027-01-01T01:30:00Z`), or a date or date and
//! time without an offset (`2027-01-01`, `2027-01-01 09:30`), read as China Standard Time (UTC+8),
//! or a plain number of ms since the Unix epoch. A span is a number with a unit: `90m`, `12h`,
//! `30d`.

use time::format_description::well_known::Rfc3339;
use time::macros::{format_description, offset};
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// The zone of dates written without an offset, and of printed dates: China Standard Time.
pub const DISPLAY_OFFSET: UtcOffset = offset!(+8);

/// ms since the Unix epoch of the time `s` (see the module doc).
pub fn parse_time(s: &str) -> Result<u64, String> {
    let s = s.trim();
    if let Ok(ms) = s.parse::<u64>() {
        return Ok(ms);
    }
    let at = if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        t
    } else if let Ok(t) = PrimitiveDateTime::parse(s, format_description!("[year]-[month]-[day] [hour]:[minute]")) {
        t.assume_offset(DISPLAY_OFFSET)
    } else if let Ok(t) = PrimitiveDateTime::parse(s, format_description!("[year]-[month]-[day]T[hour]:[minute]")) {
        t.assume_offset(DISPLAY_OFFSET)
    } else if let Ok(d) = Date::parse(s, format_description!("[year]-[month]-[day]")) {
        d.midnight().assume_offset(DISPLAY_OFFSET)
    } else {
        return Err(format!(
            "{s:?} is not a time: write 2027-01-01, 2027-01-01 09:30 (China Standard Time), \
             an RFC 3339 time such as 2027-01-01T09:30:00+08:00, or ms since the Unix epoch"
        ));
    };
    let ms = at.unix_timestamp_nanos() / 1_000_000;
    u64::try_from(ms).map_err(|_| format!("{s:?} is before 1970"))
}

/// ms in the span `s` (see the module doc).
pub fn parse_span(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let bad = || format!("{s:?} is not a span: write a number with m, h or d, e.g. 90m, 12h, 30d");
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?);
    let n: u64 = n.parse().map_err(|_| bad())?;
    let per = match unit {
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(bad()),
    };
    let ms = n.checked_mul(per).ok_or_else(bad)?;
    if ms == 0 {
        return Err(format!("{s:?} is an empty span"));
    }
    Ok(ms)
}

/// This machine's clock, ms since the Unix epoch: the anchor of a span given without a start
/// (`--valid-for 30d`). Ledger time follows the validators' clocks within the allowed drift.
pub fn wall_clock_ms() -> u64 {
    #[expect(clippy::disallowed_methods, reason = "a span without a start runs from now")]
    let now = std::time::SystemTime::now();
    now.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// A ledger time printed in China Standard Time, e.g. `2027-01-01 09:30:00 +08:00`.
pub fn show_time(ms: u64) -> String {
    let Ok(t) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) else {
        return format!("{ms} ms");
    };
    let fmt = format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second] [offset_hour sign:mandatory]:[offset_minute]"
    );
    t.to_offset(DISPLAY_OFFSET).format(fmt).unwrap_or_else(|_| format!("{ms} ms"))
}

/// A span printed in the largest whole unit, e.g. `7d`, `36h`, `90m`.
pub fn show_span(ms: u64) -> String {
    match ms {
        m if m % 86_400_000 == 0 => format!("{}d", m / 86_400_000),
        m if m % 3_600_000 == 0 => format!("{}h", m / 3_600_000),
        m if m % 60_000 == 0 => format!("{}m", m / 60_000),
        m => format!("{m}ms"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_in_china_standard_time_unless_an_offset_is_given() {
        assert_eq!(parse_time("2027-01-01"), Ok(1_798_761_600_000 - 8 * 3_600_000));
        assert_eq!(parse_time("2027-01-01T00:00:00Z"), Ok(1_798_761_600_000));
        assert_eq!(parse_time("2027-01-01T08:00:00+08:00"), Ok(1_798_761_600_000));
        assert_eq!(parse_time("2027-01-01 08:00"), Ok(1_798_761_600_000));
        assert_eq!(parse_time("1798761600000"), Ok(1_798_761_600_000));
        assert!(parse_time("next tuesday").is_err());
        assert!(parse_time("1960-01-01").is_err());
        assert_eq!(show_time(1_798_761_600_000), "2027-01-01 08:00:00 +08:00");
    }

    #[test]
    fn spans_take_a_unit() {
        assert_eq!(parse_span("90m"), Ok(5_400_000));
        assert_eq!(parse_span("12h"), Ok(43_200_000));
        assert_eq!(parse_span("30d"), Ok(2_592_000_000));
        for bad in ["30", "d", "3w", "0d", "99999999999999999d"] {
            assert!(parse_span(bad).is_err(), "{bad}");
        }
        assert_eq!(
            (show_span(7 * 86_400_000), show_span(36 * 3_600_000), show_span(90 * 60_000)),
            ("7d".into(), "36h".into(), "90m".into())
        );
    }
}
