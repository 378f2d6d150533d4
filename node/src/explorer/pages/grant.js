// A grant: its terms, its receipts (paged from GET /api/grant/{id}/receipts), and its use count
// over time (SVG) as far as the receipts shown reach. Each receipt row is marked from its outcome
// proof, and the whole list from the receipt chain head in state (lib/receipts.js).

import { get, status } from '../lib/api.js';
import { objectBadge } from '../lib/badge.js';
import { usesSvg } from '../lib/svg.js';
import { nodesWord, pagedList } from '../lib/lists.js';
import { t } from '../lib/i18n.js';
import { el, kv, link, section, when } from '../lib/ui.js';
import { pagedHistory } from './org.js';
import { completenessMark, markRows } from '../lib/receipts.js';

export async function render(id, _kind, query) {
  const r = await get(`/api/grant/${id}`, 'GrantResponse');
  const g = r.grant;
  const head = (await status(true)).height;
  const chart = el('div', {});
  // onPage runs after a page's fetch, so `receipts` is set by then.
  const receipts = pagedList({
    id: 'receipts', title: t('grant.receipts', { n: g.uses }), path: `/api/grant/${id}/receipts`, shape: 'ReceiptsPage', key: 'seq', query, intro: nodesWord(),
    onPage: (rows) => {
      chart.replaceChildren(usesSvg(rows, g.max_uses, g.issued_at, head));
      markRows(receipts, rows, id);
    },
  });
  return el('div', {},
    el('h1', {}, t('grant.title'), ' ', link('grant', id), ' ', objectBadge('grant', id, g)),
    kv([
      [t('ui.id'), el('code', {}, g.id)], [t('col.dataset'), link('dataset', g.dataset)], [t('col.version'), String(g.dataset_version)],
      [t('col.grantor'), link('org', g.grantor)], [t('col.grantee'), link('org', g.grantee)], [t('col.purpose'), el('span', { class: 'data' }, g.purpose)],
      [t('dataset.fields'), g.fields.join(', ')],
      [t('grant.valid'), el('span', {}, g.validity.from_ms === 0 ? t('ui.at_once') : when(g.validity.from_ms), ' — ', when(g.validity.until_ms))],
      [t('col.uses'), el('span', { 'data-testid': 'uses', 'data-uses': `${g.uses}/${g.max_uses}` }, t('grant.uses_of', { uses: g.uses, max: g.max_uses }))],
      [t('grant.revoked'), g.revoked ? t('grant.revoked_at', { height: g.revoked.height, reason: g.revoked.reason }) : t('ui.no')],
      [t('grant.usable_now'), r.usable_now ? t('ui.yes') : t('grant.unusable', { reason: r.unusable_reason })], [t('grant.issued_at'), link('block', g.issued_at, String(g.issued_at))],
      [t('grant.countersign'), el('span', { 'data-testid': 'countersign' },
        r.countersigner ? t('grant.countersign_required', { key: r.countersigner }) : t('grant.countersign_not_required'))],
    ]),
    section(t('grant.use_count'), chart, el('p', { class: 'muted' }, t('grant.use_count_note'))),
    receipts,
    section(t('grant.complete_title'), el('p', {}, completenessMark(id, g.uses)),
      el('p', { class: 'muted' }, t('grant.complete_note'))),
    section(t('ui.history'), pagedHistory(`grant:${id}`)));
}
