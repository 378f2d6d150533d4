// Small DOM helpers shared by the pages. Text is always set with textContent, never as HTML.

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

/** A link to an explorer page: link('dataset', id, text). */
export function link(kind, id, text) {
  if (id === null || id === undefined) return '—';
  return el('a', { href: `#/${kind}/${id}`, title: String(id) }, text ?? short(String(id)));
}

/** A table from column names and rows of cells (strings or nodes). */
export function table(columns, rows, attrs = {}) {
  return el('table', attrs,
    el('thead', {}, el('tr', {}, columns.map((c) => el('th', {}, c)))),
    el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c) => el('td', {}, c ?? ''))))));
}

/** A two-column table of label/value pairs. */
export function kv(pairs, attrs = {}) {
  return el('table', { class: 'kv', ...attrs }, pairs.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v ?? '—'))));
}

/** A titled section. */
export function section(title, ...children) {
  return el('section', {}, el('h2', {}, title), ...children);
}

/** A time in ms as an ISO string. */
export function time(ms) {
  return ms ? new Date(Number(ms)).toISOString().replace('T', ' ').replace('.000Z', 'Z') : '—';
}

/** A ledger time (ms) as a date and time in China Standard Time, e.g. `2027-01-01 08:00:00 (UTC+8)`. */
export function ledgerTime(ms) {
  if (ms === null || ms === undefined) return '—';
  const d = new Date(Number(ms) + 8 * 3_600_000).toISOString();
  return `${d.slice(0, 10)} ${d.slice(11, 19)} (UTC+8)`;
}

/** A span of ledger time (ms) in days, hours or minutes, in Chinese first: `7 天 (7 d)`. */
export function span(ms) {
  const n = Number(ms);
  if (n % 86_400_000 === 0) return `${n / 86_400_000} 天 (${n / 86_400_000} d)`;
  if (n % 3_600_000 === 0) return `${n / 3_600_000} 小时 (${n / 3_600_000} h)`;
  return `${Math.round(n / 60_000)} 分钟 (${Math.round(n / 60_000)} min)`;
}

/** JSON in a <pre>. */
export function pre(v) {
  return el('pre', {}, JSON.stringify(v, null, 2));
}

/** An error line. */
export function error(msg) {
  return el('p', { class: 'error' }, msg);
}

/** A table of indexed events: height, tx, type and the event's own fields. */
export function eventsTable(events, attrs = {}) {
  return table(['height', 'tx', 'event', 'details'], events.map((e) => {
    const { type, ...rest } = e.event;
    return [link('block', e.height, String(e.height)), link('tx', e.tx_hash), type, detail(rest)];
  }), attrs);
}

const LINKED = { dataset: 'dataset', grant: 'grant', listing: 'listing', order: 'order', owner: 'org', grantor: 'org', grantee: 'org', requester: 'org', buyer: 'org', seller: 'org', org: 'org', regulator: 'org', from: 'org', to: 'org', exchange: 'org', arbiter: 'org', voter: 'org', proposer: 'org' };

/** An event's fields as "name: value" with ids linked. */
export function detail(fields) {
  return el('span', { class: 'detail' }, Object.entries(fields).map(([k, v]) => el('span', { class: 'field' }, `${k}: `,
    LINKED[k] && typeof v === 'string' && v.length === 64 ? link(LINKED[k], v) : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v), ' ')));
}
