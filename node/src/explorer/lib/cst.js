// Dates a person types, in China Standard Time (UTC+8, no daylight saving), as the ledger-time
// bounds of the lists' date-range filters (`since_ms` inclusive, `until_ms` exclusive). Pure:
// no DOM, no clock; test/cst.test.mjs checks it.

/** China Standard Time's offset from UTC, ms. */
export const CST_OFFSET_MS = 8 * 3_600_000;
/** One calendar day, ms. */
export const DAY_MS = 86_400_000;

/** The first millisecond of calendar day `date` (`YYYY-MM-DD`) in China Standard Time, as ms since
 * the Unix epoch; null for an empty string; throws on anything that is not a real date. */
export function cstDayStart(date) {
  if (date === null || date === undefined || date === '') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(date).trim());
  if (!m) throw new Error(`not a date (YYYY-MM-DD): ${date}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const utc = Date.UTC(y, mo - 1, d);
  const back = new Date(utc);
  // Date.UTC rolls 2027-02-30 over to March: refuse instead of answering another day.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    throw new Error(`no such day: ${date}`);
  }
  return utc - CST_OFFSET_MS;
}

/** The ledger-time range of the days `from` to `to`, both included, in China Standard Time:
 * `{ since_ms, until_ms }` with `until_ms` the first millisecond after day `to`; either side is
 * absent when its date is empty. Throws when `to` is before `from`. */
export function cstDayRange(from, to) {
  const since = cstDayStart(from);
  const toStart = cstDayStart(to);
  const until = toStart === null ? null : toStart + DAY_MS;
  if (since !== null && until !== null && until <= since) throw new Error(`the range ends (${to}) before it starts (${from})`);
  const out = {};
  if (since !== null) out.since_ms = since;
  if (until !== null) out.until_ms = until;
  return out;
}

/** The calendar day (`YYYY-MM-DD`, China Standard Time) of ledger time `ms`. */
export function cstDate(ms) {
  return new Date(Number(ms) + CST_OFFSET_MS).toISOString().slice(0, 10);
}
