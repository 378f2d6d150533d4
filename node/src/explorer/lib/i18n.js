// The explorer's two languages: Simplified Chinese (the default when the browser prefers `zh`)
// and English, switchable on every page and remembered in localStorage. Every text the explorer
// itself writes is a key of i18n/zh.js and i18n/en.js (test/i18n.test.mjs checks that both hold
// every key the code uses); ledger text (names, purposes, reasons) is shown as it is. Numbers,
// money (fen shown as yuan, exact fen on hover) and dates (the user's time zone, ISO on hover)
// are formatted for the language here.

import zh from '../i18n/zh.js';
import en from '../i18n/en.js';

/** The dictionaries, by language. */
export const DICTS = { zh, en };
/** localStorage key of the chosen language. */
export const LANG_KEY = 'shulian.lang';
/** BCP 47 locale of each language (for numbers and dates). */
export const LOCALES = { zh: 'zh-CN', en: 'en-GB' };

/** The language to use: a remembered choice, else `zh` when the browser's first preference is
 * Chinese, else English. */
export function pickLang(stored, languages) {
  if (stored === 'zh' || stored === 'en') return stored;
  const first = (languages && languages[0]) || '';
  return /^zh\b/i.test(first) ? 'zh' : 'en';
}

function initialLang() {
  let stored = null;
  try { stored = globalThis.localStorage ? globalThis.localStorage.getItem(LANG_KEY) : null; } catch { stored = null; }
  const nav = globalThis.navigator;
  return pickLang(stored, nav ? (nav.languages && nav.languages.length ? nav.languages : [nav.language]) : []);
}

let current = initialLang();
/** Keys asked for that a dictionary lacks (the browser test fails on any). */
export const missing = new Set();

/** The current language, `zh` or `en`. */
export function lang() { return current; }

/** Switches the language (and remembers it). */
export function setLang(l) {
  if (!DICTS[l]) return;
  current = l;
  try { globalThis.localStorage.setItem(LANG_KEY, l); } catch { /* private mode: not remembered */ }
}

/** The text of `key` in the current language with `{name}` placeholders filled from `params`;
 * a missing key shows as `⟦key⟧` and is recorded in `missing`. */
export function t(key, params = {}, l = current) {
  let s = DICTS[l][key];
  if (typeof s !== 'string') {
    missing.add(`${l}:${key}`);
    if (globalThis.document) globalThis.document.documentElement.dataset.missingKeys = [...missing].join(' ');
    return `⟦${key}⟧`;
  }
  for (const [k, v] of Object.entries(params)) s = s.split(`{${k}}`).join(String(v));
  return s;
}

/** Whether the dictionary has `key`. */
export function has(key, l = current) { return typeof DICTS[l][key] === 'string'; }

/** An integer with the locale's grouping. */
export function num(n, l = current) {
  if (n === null || n === undefined || n === '') return '—';
  try { return BigInt(n).toLocaleString(LOCALES[l]); } catch { return String(n); }
}

/** Fen as yuan with two decimals and a thousands separator: `¥1,234.50` (exact, for any u64). */
export function yuan(fen) {
  let v;
  try { v = BigInt(fen); } catch { return String(fen); }
  const neg = v < 0n;
  if (neg) v = -v;
  const whole = (v / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = (v % 100n).toString().padStart(2, '0');
  return `${neg ? '-' : ''}¥${whole}.${cents}`;
}

/** `ms` (ledger time) as a date and time in the user's time zone, in the current language. */
export function localTime(ms, l = current) {
  const d = new Date(Number(ms));
  return new Intl.DateTimeFormat(LOCALES[l], {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
  }).format(d);
}

/** `ms` as ISO 8601 (UTC), for hovers and exports. */
export function iso(ms) {
  return new Date(Number(ms)).toISOString();
}
