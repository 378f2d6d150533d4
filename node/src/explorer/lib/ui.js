// Small DOM helpers shared by the pages. Text is always set with textContent, never as HTML.
// Every text the explorer writes goes through lib/i18n.js; ids shown as links are replaced by
// names (lib/names.js) with the id on hover.

import { has, iso, localTime, num, t, yuan } from './i18n.js';
import { nameInto } from './names.js';

/** Creates an element: el('td', {class: 'x'}, 'text', child...). */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'onclick') e.addEventListener('click', v);
    else if (k === 'onsubmit') e.addEventListener('submit', v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

/** First 8 characters of a hex string and an ellipsis. */
export function short(hex) {
  return typeof hex === 'string' && hex.length > 12 ? `${hex.slice(0, 8)}…` : String(hex ?? '');
}

/** Kinds whose ids the names lookup resolves. */
const NAMED = new Set(['org', 'dataset', 'grant', 'listing', 'order']);

/** A link to an explorer page: link('dataset', id, text). Without `text`, an organization, data
 * set, grant, listing or order shows its name (filled in when the node answers), the id on hover. */
export function link(kind, id, text) {
  if (id === null || id === undefined) return '—';
  const a = el('a', { href: `#/${kind}/${id}`, title: `${t('ui.id')}: ${id}`, 'data-id': String(id) }, text ?? short(String(id)));
  if (text === undefined && NAMED.has(kind) && /^[0-9a-f]{64}$/.test(String(id))) {
    a.classList.add('named');
    nameInto(a, String(id));
  }
  return a;
}

/** A table from column names and rows of cells (strings or nodes), in a box that scrolls sideways
 * on a narrow screen. */
export function table(columns, rows, attrs = {}) {
  return el('div', { class: 'scroll' }, el('table', attrs,
    el('thead', {}, el('tr', {}, columns.map((c) => el('th', {}, c)))),
    el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c) => el('td', {}, c ?? '')))))));
}

/** A two-column table of label/value pairs. */
export function kv(pairs, attrs = {}) {
  return el('table', { class: 'kv', ...attrs }, pairs.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v ?? '—'))));
}

/** A titled section. */
export function section(title, ...children) {
  return el('section', {}, el('h2', {}, title), ...children);
}

/** A ledger time (ms) as a date and time in the user's time zone, ISO 8601 on hover. */
export function when(ms) {
  if (ms === null || ms === undefined || ms === '') return '—';
  return el('time', { datetime: iso(ms), title: iso(ms), 'data-ms': String(ms) }, localTime(ms));
}

/** Both names of the old helpers: every time is shown in the user's zone now. */
export const time = when;
export const ledgerTime = when;

/** Fen as yuan (`¥1,234.50`), the exact fen on hover. */
export function money(fen) {
  if (fen === null || fen === undefined) return '—';
  return el('span', { class: 'money', title: t('ui.fen_exact', { n: num(fen) }), 'data-fen': String(fen) }, yuan(fen));
}

/** A span of ledger time (ms) in days, hours or minutes. */
export function span(ms) {
  const n = Number(ms);
  if (n % 86_400_000 === 0) return t('ui.days', { n: n / 86_400_000 });
  if (n % 3_600_000 === 0) return t('ui.hours', { n: n / 3_600_000 });
  return t('ui.minutes', { n: Math.round(n / 60_000) });
}

/** Yes or no. */
export function yesNo(b) {
  return b ? t('ui.yes') : t('ui.no');
}

/** JSON in a <pre>. */
export function pre(v) {
  return el('pre', {}, JSON.stringify(v, null, 2));
}

/** An error line. */
export function error(msg) {
  return el('p', { class: 'error' }, msg);
}

/** An event kind's name (`receipt_recorded`) in the current language. */
export function eventName(type) {
  return has(`event.${type}`) ? t(`event.${type}`) : type;
}

/** A column's or event field's label. */
export function fieldName(name) {
  return has(`field.${name}`) ? t(`field.${name}`) : has(`col.${name}`) ? t(`col.${name}`) : name;
}

/** A table of indexed events: height, tx, type and the event's own fields. */
export function eventsTable(events, attrs = {}) {
  return table([t('col.height'), t('col.tx_hash'), t('ui.event'), t('ui.details')], events.map((e) => {
    const { type, ...rest } = e.event;
    return [link('block', e.height, String(e.height)), link('tx', e.tx_hash), el('span', { title: type, class: 'event-name' }, eventName(type)), detail(rest)];
  }), attrs);
}

const LINKED = { request: 'request', dataset: 'dataset', grant: 'grant', listing: 'listing', order: 'order', owner: 'org', grantor: 'org', grantee: 'org', requester: 'org', buyer: 'org', seller: 'org', org: 'org', regulator: 'org', from: 'org', to: 'org', exchange: 'org', arbiter: 'org', voter: 'org', proposer: 'org', reviewer: 'org', reporter: 'org', by: 'org' };
const MONEY = new Set(['amount', 'price', 'fee', 'refund', 'to_buyer', 'to_seller']);
/** Enumerated event fields and their dictionary prefix. */
const ENUMS = { classification: 'classification', sharing: 'sharing' };

/** An event's fields as "name: value" with ids linked (by name), money as yuan, levels in the
 * page's language, and the rest as the ledger holds it (marked `data`). */
export function detail(fields) {
  return el('span', { class: 'detail' }, Object.entries(fields).map(([k, v]) => el('span', { class: 'field' }, `${fieldName(k)}: `,
    LINKED[k] && typeof v === 'string' && v.length === 64 ? link(LINKED[k], v)
      : MONEY.has(k) && (typeof v === 'number' || typeof v === 'string') ? money(v)
        : ENUMS[k] && has(`${ENUMS[k]}.${v}`) ? el('span', { title: String(v) }, t(`${ENUMS[k]}.${v}`))
        : el('span', { class: 'data' }, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)), ' ')));
}
