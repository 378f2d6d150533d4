// A grant: its terms, its receipts (paged from GET /api/grant/{id}/receipts), and its use count
// over time (SVG) as far as the receipts shown reach. Each receipt row is marked from its outcome
// proof, and the whole list from the receipt chain head in state (lib/receipts.js).

import { get, status } from '../lib/api.js';
import { objectBadge } from '../lib/badge.js';
import { usesSvg } from '../lib/svg.js';
import { nodesWord, pagedList } from '../lib/lists.js';
import { el, kv, ledgerTime, link, section } from '../lib/ui.js';
import { pagedHistory } from './org.js';
import { completenessMark, markRows } from '../lib/receipts.js';

export async function render(id, _kind, query) {
  const r = await get(`/api/grant/${id}`, 'GrantResponse');
  const g = r.grant;
  const head = (await status(true)).height;
  const chart = el('div', {});
  // onPage runs after a page's fetch, so `receipts` is set by then.
  const receipts = pagedList({
    id: 'receipts', title: `使用收据 (receipts): ${g.uses}`, path: `/api/grant/${id}/receipts`, shape: 'ReceiptsPage', key: 'seq', query, intro: nodesWord(),
    onPage: (rows) => {
      chart.replaceChildren(usesSvg(rows, g.max_uses, g.issued_at, head));
      markRows(receipts, rows, id);
    },
  });
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
    section('使用次数 (use count over time)', chart, el('p', { class: 'muted' }, '按所示收据 (as far as the receipts shown reach)')),
    receipts,
    section('收据完整性 (receipts complete?)', el('p', {}, completenessMark(id, g.uses)),
      el('p', { class: 'muted' }, '读取全部收据，逐一以结果证明核验，并与状态中已证明的收据链头比对 (reads every receipt, checks each by its outcome proof, and folds them into the receipt chain head proven from state)')),
    section('History', pagedHistory(`grant:${id}`)));
}
