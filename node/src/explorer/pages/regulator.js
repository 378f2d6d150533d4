// The regulator's views: uses of a data set by an organization between two heights, every grant
// of core-level data, and orders in dispute. Each row names the height and tx that prove it; each
// view pages with the API's cursor and exports as CSV or JSON.

import { get, withParam } from '../lib/api.js';
import { el, link, section, table } from '../lib/ui.js';

const LINKS = { tx_hash: 'tx', grant: 'grant', dataset: 'dataset', grantor: 'org', grantee: 'org', order: 'order', listing: 'listing', buyer: 'org', seller: 'org' };

function cell(col, v) {
  if (v === null || v === undefined) return '';
  if (col === 'height' || col === 'revoked_at') return link('block', v, String(v));
  if (LINKS[col]) return link(LINKS[col], v);
  return String(v);
}

/** One view: a form of its parameters, a paged table, export links. */
function view(name, title, fields) {
  const out = el('div', { 'data-testid': `view-${name}` });
  const inputs = fields.map((f) => el('label', {}, f.label, el('input', { name: f.name, 'data-testid': `${name}-${f.name}`, placeholder: f.hint || '' })));
  const form = el('form', { class: 'view' }, inputs, el('button', { type: 'submit', 'data-testid': `${name}-run` }, 'Show'));
  const results = el('div', {});
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const params = new URLSearchParams();
    for (const f of fields) { const v = form.elements[f.name].value.trim(); if (v) params.set(f.name, v); }
    const base = `/api/views/${name}${params.toString() ? `?${params}` : ''}`;
    run(base, results, name).catch((err) => results.replaceChildren(el('p', { class: 'error' }, err.message)));
  });
  out.append(section(title, form, results));
  return out;
}

async function run(base, results, name) {
  const exports = el('p', { class: 'exports' },
    el('a', { href: withParam(base, 'format', 'csv'), download: `${name}.csv`, 'data-testid': `${name}-csv` }, 'Export CSV'),
    el('a', { href: withParam(base, 'format', 'json'), download: `${name}.json`, 'data-testid': `${name}-json` }, 'Export JSON'));
  const more = el('button', {}, 'more');
  results.replaceChildren(exports, more);
  let after = null;
  let count = 0;
  const page = async () => {
    const p = await get(withParam(withParam(base, 'limit', 100), 'after', after), 'ViewPage');
    results.insertBefore(table(p.columns, p.rows.map((r) => p.columns.map((c) => cell(c, r[c]))), { 'data-testid': `${name}-rows` }), more);
    count += p.rows.length;
    after = p.next;
    more.hidden = !after;
    results.dataset.rows = String(count);
  };
  more.onclick = () => page().catch((e) => results.append(e.message));
  await page();
}

export async function render() {
  return el('div', {}, el('h1', {}, 'Regulator views'),
    view('uses', 'Uses of a data set (by an organization, between heights)', [
      { name: 'dataset', label: 'data set id' }, { name: 'org', label: 'organization id (optional)' },
      { name: 'from', label: 'from height', hint: '0' }, { name: 'to', label: 'to height', hint: 'head' },
    ]),
    view('core-grants', 'All grants of core-level data', []),
    view('disputes', 'Orders in dispute', [{ name: 'include_resolved', label: 'include resolved (true/false)', hint: 'false' }]));
}
