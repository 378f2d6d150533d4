//! Ledger time: a block's timestamp in ms since the Unix epoch, the only clock the ledger's rules
//! read. [`LedgerTime`] prints one as a UTC date for error messages (with its milliseconds when
//! they are not zero, so a deadline is printed exactly), by pure arithmetic (no clock, no time-zone
//! database), so every node prints the same text.

use std::fmt;

/// A ledger time, printed as `2026-12-01 03:04:05 UTC` (or `2026-12-01 03:04:05.250 UTC`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LedgerTime(pub u64);

/// ms in a day.
pub const DAY_MS: u64 = 86_400_000;
/// ms in an hour.
pub const HOUR_MS: u64 = 3_600_000;

/// The civil (proleptic Gregorian) date of `days` since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

impl fmt::Display for LedgerTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0 / 1_000;
        let (y, m, d) = civil_from_days((secs / 86_400) as i64);
        let s = secs % 86_400;
        write!(f, "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", s / 3_600, s / 60 % 60, s % 60)?;
        match self.0 % 1_000 {
            0 => f.write_str(" UTC"),
            ms => write!(f, ".{ms:03} UTC"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ledger_times_print_as_utc_dates() {
        assert_eq!(LedgerTime(0).to_string(), "1970-01-01 00:00:00 UTC");
        assert_eq!(LedgerTime(951_782_400_000).to_string(), "2000-02-29 00:00:00 UTC");
        assert_eq!(LedgerTime(1_796_094_245_999).to_string(), "2026-12-01 03:04:05.999 UTC");
        assert_eq!(LedgerTime(1_004).to_string(), "1970-01-01 00:00:01.004 UTC");
        assert_eq!(LedgerTime(4_107_542_399_000).to_string(), "2100-02-28 23:59:59 UTC");
    }
}
