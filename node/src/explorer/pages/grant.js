// A grant: its terms, its receipts, and its use count over time (SVG).

import { get, status } from '../lib/api.js';
import { objectBadge } from '../lib/badge.js';
import { usesSvg } from '../lib/svg.js';
import { el, kv, ledgerTime, link, section, table } from '../lib/ui.js';
import { pagedHistory } from './org.js';


export async function render(id) {
  const r = await get(`/api/grant/${id}`, 'GrantResponse');
  const g = r.grant;
  const head = (await status(true)).height;
  return el('div', {},
    el('h1', {}, 'Grant ', objectBadge('grant', id, g)),
    kv([
      ['id', g.id], ['data set', link('dataset', g.dataset)], ['version', String(g.dataset_version)],
      ['grantor', link('org', g.grantor)], ['grantee', link('org', g.grantee)], ['purpose', g.purpose],
      ['fields', g.fields.join(', ')], ['valid', `${g.validity.from_ms === 0 ? '即时生效 (at once)' : ledgerTime(g.validity.from_ms)} — ${ledgerTime(g.validity.until_ms)}`],
      ['uses', el('span', { 'data-testid': 'uses' }, `${g.uses} of ${g.max_uses}`)],
      ['revoked', g.revoked ? `at height ${g.revoked.height}: ${g.revoked.reason}` : 'no'],
      ['usable now', r.usable_now ? 'yes' : `no: ${r.unusable_reason}`], ['issued at', link('block', g.issued_at, String(g.issued_at))],
    ]),
    section('Use count over time', usesSvg(r.receipts, g.max_uses, g.issued_at, head)),
    section(`Receipts (${r.receipts.length})`, table(['seq', 'height', 'tx', 'user', 'rows', 'fields', 'query hash', 'result hash'], r.receipts.map((x) => [
      String(x.seq), link('block', x.height, String(x.height)), link('tx', x.tx_hash), link('org', x.grantee), String(x.row_count),
      x.fields_used.join(', '), x.query_hash, x.result_hash,
    ]), { 'data-testid': 'receipts' })),
    section('History', pagedHistory(`grant:${id}`)));
}
