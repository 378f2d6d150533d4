// The paged lists of the role pages (数据目录, 待办, 授权, 市场, 监管): a filter form, a table of
// one page of rows with 上一页/下一页 (previous/next page) following the API's `next` cursor, and
// CSV/JSON export links of the same filters. A list is the node's answer, never marked verified:
// each row links to the transaction that created its item, which the transaction page checks.

import { ApiError, get, withParam } from './api.js';
import { cstDayRange } from './cst.js';
import { columnLabel, valueLabel, VALUE_LABELS } from './labels.js';
import { el, ledgerTime, link, span } from './ui.js';

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
  counterparty: 'org', regulator: 'org', org: 'org', co_approved_by: 'org',
};
/** Columns holding a ledger time (ms). */
const TIMES = new Set(['time_ms', 'valid_from_ms', 'valid_until_ms', 'delivery_deadline_ms', 'acceptance_deadline_ms']);
/** Columns holding a span of ledger time (ms). */
const SPANS = new Set(['delivery_window_ms', 'acceptance_window_ms']);

/** One cell of a list row, by its column; `states` labels the `state` column. */
export function cell(col, v, states = null) {
  if (v === null || v === undefined) return '—';
  if (col === 'height' || col === 'revoked_at') return link('block', v, String(v));
  if (col === 'tx_hash') return link('tx', v);
  if (ID_LINKS[col]) return link(ID_LINKS[col], v);
  if (col === 'valid_from_ms' && Number(v) === 0) return '即时生效 (at once)';
  if (TIMES.has(col)) return ledgerTime(v);
  if (SPANS.has(col)) return span(v);
  if (typeof v === 'boolean') return v ? '是 (yes)' : '否 (no)';
  if (VALUE_LABELS[col]) return valueLabel(col, v, col === 'state' ? states : null);
  return String(v);
}

/** The note every list carries: whose word it is. */
export function nodesWord() {
  return el('p', { class: 'muted nodes-word', 'data-testid': 'nodes-word' },
    '列表为节点所报，未经验证 (a list is the node\'s answer, not verified): 节点可能遗漏条目；每行链接到产生它的交易，可在交易页核验 (a node can leave rows out; each row links to the transaction that made it, which its page checks).');
}

/** A form control of a filter: a text box, a select of [value, label] options, a number, or a
 * pair of CST date boxes (`dates`: 起 since, 止 until). */
function control(id, f, initial) {
  const testid = (n) => `${id}-${n}`;
  if (f.type === 'dates') {
    return [
      el('label', {}, '起 (from, UTC+8)', el('input', { type: 'date', name: 'since', 'data-testid': testid('since'), value: initial('since') })),
      el('label', {}, '止 (to, UTC+8, included)', el('input', { type: 'date', name: 'until', 'data-testid': testid('until'), value: initial('until') })),
    ];
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
function params(form, spec) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(spec.fixed || {})) if (v !== null && v !== undefined && v !== '') p.set(k, v);
  for (const f of spec.fields || []) {
    if (f.type === 'dates') {
      const r = cstDayRange(form.elements.since.value, form.elements.until.value);
      for (const [k, v] of Object.entries(r)) p.set(k, String(v));
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
 * values and `limit`), `states` (the labels of its `state` column), `intro` (a node shown under the title), `onPage` (called with each page's
 * rows). The first page loads at once.
 */
export function pagedList(spec) {
  const { id } = spec;
  const query = spec.query || new URLSearchParams();
  const initial = (n) => query.get(n) ?? '';
  const limit = Number(query.get('limit')) > 0 ? Number(query.get('limit')) : PAGE_SIZE;
  const fields = spec.fields || [];
  const form = el('form', { class: 'view', 'data-testid': `${id}-form` },
    fields.flatMap((f) => control(id, f, initial)),
    el('button', { type: 'submit', 'data-testid': `${id}-run` }, '显示 (show)'));
  const exports = el('p', { class: 'exports' });
  const status = el('p', { class: 'muted', 'data-testid': `${id}-page` });
  const holder = el('div', {});
  const prev = el('button', { type: 'button', 'data-testid': `${id}-prev` }, '上一页 (previous)');
  const next = el('button', { type: 'button', 'data-testid': `${id}-next` }, '下一页 (next page)');
  const box = el('div', { class: 'list', 'data-testid': `list-${id}` },
    el('h2', {}, spec.title), spec.intro || null, fields.length ? form : null, exports, holder, el('p', { class: 'pager' }, prev, ' ', next, ' ', status));

  let base = '';
  let cursors = [null];
  const load = async () => {
    box.dataset.loading = 'true';
    const after = cursors[cursors.length - 1];
    const p = await serially(() => fetchPage(withParam(withParam(base, 'limit', limit), 'after', after), spec.shape));
    const t = el('table', { 'data-testid': `${id}-rows` },
      el('thead', {}, el('tr', {}, p.columns.map((c) => el('th', {}, columnLabel(c))))),
      el('tbody', {}, p.rows.map((r) => rowElement(p.columns, r, spec))));
    holder.replaceChildren(p.rows.length ? t : el('p', { class: 'muted', 'data-testid': `${id}-empty` }, '无 (none)'));
    const n = cursors.length;
    prev.disabled = n === 1;
    next.disabled = !p.next;
    next.onclick = () => { cursors.push(p.next); load().catch(fail); };
    status.textContent = `第 ${n} 页，${p.rows.length} 条${p.next ? '' : '（最后一页）'} (page ${n}, ${p.rows.length} rows${p.next ? '' : ', last page'})`;
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
    try { p = params(form, spec); } catch (e) { fail(e); return; }
    base = `${spec.path}${p.toString() ? `?${p}` : ''}`;
    exports.replaceChildren(
      el('a', { href: withParam(base, 'format', 'csv'), download: `${id}.csv`, 'data-testid': `${id}-csv` }, '导出 CSV (export CSV)'),
      el('a', { href: withParam(base, 'format', 'json'), download: `${id}.json`, 'data-testid': `${id}-json` }, '导出 JSON (export JSON)'));
    cursors = [null];
    load().catch(fail);
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); run(); });
  run();
  return box;
}

/** A picker of an organization for pages about one (`#/KIND/ORG`): an account id, or a name that
 * the node's search resolves to its first organization. */
export function orgPicker(kind, title) {
  const input = el('input', { name: 'org', class: 'hash-input', 'data-testid': 'org-pick', placeholder: '机构账户 id 或名称 (organization account id or name)' });
  const out = el('p', {});
  const form = el('form', { class: 'view' }, el('label', {}, '机构 (organization)', input),
    el('button', { type: 'submit', 'data-testid': 'org-pick-run' }, '打开 (open)'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const q = input.value.trim();
    if (/^[0-9a-f]{64}$/.test(q)) { location.hash = `#/${kind}/${q}`; return; }
    try {
      const r = await get(`/api/search?q=${encodeURIComponent(q)}`, 'SearchResponse');
      const hit = r.results.find((h) => h.kind === 'org');
      if (hit) location.hash = `#/${kind}/${hit.id}`;
      else out.replaceChildren(el('span', { class: 'error' }, `没有名为 ${q} 的机构 (no organization named ${q})`));
    } catch (err) { out.replaceChildren(el('span', { class: 'error' }, err.message)); }
  });
  return el('div', {}, el('h1', {}, title), form, out);
}

/** The name of organization `id` for a page title (its id when the node does not know it). */
export async function orgName(id) {
  try { return (await get(`/api/org/${id}`, 'OrgResponse')).organization.name; } catch { return id; }
}
