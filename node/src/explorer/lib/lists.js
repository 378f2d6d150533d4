// The paged lists of the role pages (数据目录, 待办, 授权, 市场, 监管): a filter form, a table of
// one page of rows with 上一页/下一页 (previous/next page) following the API's `next` cursor, and
// CSV/JSON export links of the same filters. A list is the node's answer, never marked verified:
// each row links to the transaction that created its item, which the transaction page checks.

import { ApiError, get, withParam } from './api.js';
import { cstDayRange } from './cst.js';
import { columnLabel, valueLabel, VALUE_LABELS } from './labels.js';
import { num, t } from './i18n.js';
import { picker } from './picker.js';
import { el, eventName, link, money, short, span, when, yesNo } from './ui.js';

/** Rows per page when the address does not say (`#/catalog?limit=N`); the node caps it. */
export const PAGE_SIZE = 50;

/** Times a list page refused for load (429 or 503: the node runs one list or export per client
 * at a time) is asked for again, a second apart as the node's `Retry-After` says: a page of four
 * lists loads them in turn, and one refusal does not empty a table. */
export const LOAD_RETRIES = 5;
/** Wait between two tries, ms (the node's `Retry-After: 1`). */
const RETRY_MS = 1000;

let queue = Promise.resolve();
/** Runs `f` after every list request this page sent before it: the node counts list pages as
 * expensive and refuses a client's second one at once. */
function serially(f) {
  const run = queue.then(f, f);
  queue = run.catch(() => {});
  return run;
}

/** GET one list page, retrying a refusal for load. */
async function fetchPage(path, shape) {
  for (let i = 0; ; i++) {
    try {
      return await get(path, shape);
    } catch (e) {
      if (!(e instanceof ApiError) || ![429, 503].includes(e.status) || i >= LOAD_RETRIES) throw e;
      await new Promise((resolve) => { setTimeout(resolve, RETRY_MS); });
    }
  }
}

/** GET one list page (an expensive request) after every list request this page sent before
 * it, retrying a refusal for load: for pages that read a whole list themselves. */
export function fetchList(path, shape) {
  return serially(() => fetchPage(path, shape));
}

/** Columns holding an id, and the explorer page each id opens. */
const ID_LINKS = {
  dataset: 'dataset', grant: 'grant', listing: 'listing', order: 'order', request: 'request',
  owner: 'org', requester: 'org', grantor: 'org', grantee: 'org', seller: 'org', buyer: 'org',
  counterparty: 'org', regulator: 'org', org: 'org', co_approved_by: 'org', department: 'org', responsible: 'org',
  authoritative: 'dataset',
};
/** Columns holding a ledger time (ms). */
const TIMES = new Set(['time_ms', 'valid_from_ms', 'valid_until_ms', 'delivery_deadline_ms', 'acceptance_deadline_ms',
  'deadline_ms', 'answered_at_ms']);
/** Columns holding a span of ledger time (ms). */
const SPANS = new Set(['delivery_window_ms', 'acceptance_window_ms']);
/** Columns holding money (fen). */
const MONEY = new Set(['price', 'fee', 'credit', 'debit']);
/** Columns holding a count (shown with the language's digit grouping). */
const COUNTS = new Set(['row_count', 'uses', 'max_uses', 'datasets_provided', 'demands_assigned', 'demands_answered_on_time',
  'demands_answered_late', 'demands_refused', 'demands_refused_late', 'demands_overdue', 'requests_approved',
  'requests_refused', 'uses_under_its_grants', 'refused_attempts']);
/** Columns holding an event kind's name. */
const KINDS = new Set(['kind']);

/** One cell of a list row, by its column; `states` labels the `state` column. */
export function cell(col, v, states = null) {
  if (v === null || v === undefined) return '—';
  if (col === 'height' || col === 'revoked_at') return link('block', v, String(v));
  if (col === 'tx_hash') return link('tx', v);
  if (ID_LINKS[col]) return link(ID_LINKS[col], v);
  if (col === 'valid_from_ms' && Number(v) === 0) return t('ui.at_once');
  if (TIMES.has(col)) return when(v);
  if (SPANS.has(col)) return span(v);
  if (MONEY.has(col)) return money(v);
  if (COUNTS.has(col)) return num(v);
  if (KINDS.has(col)) return el('span', { title: String(v) }, eventName(v));
  if (typeof v === 'boolean') return yesNo(v);
  if (col === 'state' && states) return valueLabel(col, v, states);
  if (VALUE_LABELS[col]) return valueLabel(col, v);
  if (Array.isArray(v)) return el('span', { class: 'data' }, v.join(', '));
  if (col === 'name' || col === 'purpose' || col === 'reason' || col === 'category' || col === 'legal_basis') return el('span', { class: 'data' }, String(v));
  if (typeof v === 'string' && /^[0-9a-f]{64}$/.test(v)) return el('code', { title: v }, short(v));
  return String(v);
}

/** The note every list carries: whose word it is. */
export function nodesWord() {
  return el('p', { class: 'muted nodes-word', 'data-testid': 'nodes-word' }, t('lists.nodes_word'));
}

/** A form control of a filter: a text box, a select of [value, label] options, a number, a
 * checkbox, a picker of an organization or data set by name (`org`, `dataset`), or a pair of
 * date boxes (`dates`: since, until; days in China Standard Time). */
function control(id, f, initial, pickers) {
  const testid = (n) => `${id}-${n}`;
  if (f.type === 'dates') {
    return [
      el('label', {}, t('lists.since'), el('input', { type: 'date', name: 'since', 'data-testid': testid('since'), value: initial('since') })),
      el('label', {}, t('lists.until'), el('input', { type: 'date', name: 'until', 'data-testid': testid('until'), value: initial('until') })),
    ];
  }
  if (f.type === 'org' || f.type === 'dataset') {
    const p = picker({ kind: f.type, testid: testid(f.name), title: f.label, initial: initial(f.name) });
    pickers[f.name] = p;
    return p.element;
  }
  if (f.type === 'checkbox') {
    return el('label', { class: 'check' }, el('input', { type: 'checkbox', name: f.name, 'data-testid': testid(f.name), checked: initial(f.name) === 'true' }), f.label);
  }
  if (f.type === 'select') {
    const sel = el('select', { name: f.name, 'data-testid': testid(f.name) },
      f.options.map(([v, label]) => el('option', { value: v }, label)));
    sel.value = initial(f.name) ?? f.options[0][0];
    return el('label', {}, f.label, sel);
  }
  return el('label', {}, f.label, el('input', {
    name: f.name, 'data-testid': testid(f.name), placeholder: f.hint || '', value: initial(f.name),
    type: f.type === 'number' ? 'number' : 'text', min: f.type === 'number' ? '1' : null, class: f.wide ? 'hash-input' : null,
  }));
}

/** The API query of the form's current values (and the list's fixed parameters). Throws on a
 * bad date. */
function params(form, spec, pickers) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(spec.fixed || {})) if (v !== null && v !== undefined && v !== '') p.set(k, v);
  for (const f of spec.fields || []) {
    if (f.type === 'dates') {
      const r = cstDayRange(form.elements.since.value, form.elements.until.value);
      for (const [k, v] of Object.entries(r)) p.set(k, String(v));
    } else if (pickers[f.name]) {
      const v = pickers[f.name].value();
      if (v) p.set(f.name, v);
    } else if (f.type === 'checkbox') {
      if (form.elements[f.name].checked) p.set(f.name, 'true');
    } else {
      const v = form.elements[f.name].value.trim();
      if (v) p.set(f.name, v);
    }
  }
  return p;
}

/** One row as a table row; `data-key` holds the row's item id (for tests and links). */
function rowElement(columns, r, spec) {
  return el('tr', { 'data-key': spec.key ? String(r[spec.key] ?? '') : null }, columns.map((c) => el('td', {}, cell(c, r[c], spec.states))));
}

/**
 * A paged list section. `spec`: `id` (test ids are `${id}-...`), `title`, `path` (API route),
 * `shape` (its answer type in lib/shapes.js), `key` (the column naming a row's item), `fields`
 * (filters), `fixed` (parameters always sent), `query` (the address's parameters: initial filter
 * values and `limit`), `states` (the labels of its `state` column), `manual` (a text shown instead of
 * loading at once, for lists that need a choice first), `intro` (a node shown under the title), `onPage` (called with each page's
 * rows). The first page loads at once.
 */
export function pagedList(spec) {
  const { id } = spec;
  const query = spec.query || new URLSearchParams();
  const initial = (n) => query.get(n) ?? '';
  const limit = Number(query.get('limit')) > 0 ? Number(query.get('limit')) : PAGE_SIZE;
  const fields = spec.fields || [];
  const pickers = {};
  const form = el('form', { class: 'view', 'data-testid': `${id}-form` },
    fields.flatMap((f) => control(id, f, initial, pickers)),
    el('button', { type: 'submit', 'data-testid': `${id}-run` }, t('lists.show')));
  const exports = el('p', { class: 'exports' });
  const status = el('p', { class: 'muted', 'data-testid': `${id}-page` });
  const holder = el('div', {});
  const prev = el('button', { type: 'button', 'data-testid': `${id}-prev` }, t('lists.prev'));
  const next = el('button', { type: 'button', 'data-testid': `${id}-next` }, t('lists.next'));
  const box = el('div', { class: 'list', 'data-testid': `list-${id}` },
    el('h2', {}, spec.title), spec.intro || null, fields.length ? form : null, exports, holder, el('p', { class: 'pager' }, prev, ' ', next, ' ', status));

  let base = '';
  let cursors = [null];
  const load = async () => {
    box.dataset.loading = 'true';
    const after = cursors[cursors.length - 1];
    const p = await serially(() => fetchPage(withParam(withParam(base, 'limit', limit), 'after', after), spec.shape));
    const tbl = el('table', { 'data-testid': `${id}-rows` },
      el('thead', {}, el('tr', {}, p.columns.map((c) => el('th', { title: c }, columnLabel(c))))),
      el('tbody', {}, p.rows.map((r) => rowElement(p.columns, r, spec))));
    holder.replaceChildren(p.rows.length ? el('div', { class: 'scroll' }, tbl) : el('p', { class: 'muted', 'data-testid': `${id}-empty` }, t('lists.none')));
    const n = cursors.length;
    prev.disabled = n === 1;
    next.disabled = !p.next;
    next.onclick = () => { cursors.push(p.next); load().catch(fail); };
    status.textContent = t(p.next ? 'lists.page' : 'lists.last_page', { n, rows: p.rows.length });
    box.dataset.page = String(n);
    box.dataset.rows = String(p.rows.length);
    box.dataset.loading = 'false';
    if (spec.onPage) spec.onPage(p.rows);
  };
  const fail = (e) => {
    box.dataset.loading = 'false';
    holder.replaceChildren(el('p', { class: 'error', 'data-testid': `${id}-error` }, e.message || String(e)));
  };
  prev.onclick = () => { if (cursors.length > 1) { cursors.pop(); load().catch(fail); } };
  const run = () => {
    let p;
    try { p = params(form, spec, pickers); } catch (e) { fail(e); return; }
    base = `${spec.path}${p.toString() ? `?${p}` : ''}`;
    exports.replaceChildren(
      el('a', { href: withParam(base, 'format', 'csv'), download: `${id}.csv`, 'data-testid': `${id}-csv` }, t('lists.export_csv')),
      el('a', { href: withParam(base, 'format', 'json'), download: `${id}.json`, 'data-testid': `${id}-json` }, t('lists.export_json')));
    cursors = [null];
    load().catch(fail);
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); run(); });
  if (spec.manual) holder.replaceChildren(el('p', { class: 'muted', 'data-testid': `${id}-choose` }, spec.manual));
  else run();
  return box;
}

/** A picker of an organization by name for pages about one (`#/KIND/ORG`): picking one opens
 * its page. */
export function orgPicker(kind, title) {
  const p = picker({ kind: 'org', testid: 'org-pick', title: t('picker.org'), onPick: (id) => { if (id) location.hash = `#/${kind}/${id}`; } });
  return el('div', {}, el('h1', {}, title), el('div', { class: 'view' }, p.element));
}

/** The name of organization `id` for a page title (its id when the node does not know it). */
export async function orgName(id) {
  try { return (await get(`/api/org/${id}`, 'OrgResponse')).organization.name; } catch { return id; }
}
