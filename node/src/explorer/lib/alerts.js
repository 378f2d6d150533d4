// 提醒 (the regulator's alerts): counts, over the last seven days of ledger time where it applies,
// of receipts refused under a grant, grants near their use limit, demands past their deadline and
// data sets re-graded, each linking to the list that shows them. Each count reads one page of at
// most ALERT_PAGE rows; "100+" says there are more.

import { get, status } from './api.js';
import { t } from './i18n.js';
import { el } from './ui.js';

/** Rows one alert reads at most. */
export const ALERT_PAGE = 100;
const WEEK_MS = 7 * 86_400_000;

/** The number a list page shows: its rows counted by `keep`, with "+" when there are more. */
export function countOf(page, keep = () => true) {
  const n = page.rows.filter(keep).length;
  return page.next ? `${n}+` : String(n);
}

/** The alerts section: one line per alert, each with its count and a link. */
export function alertsPanel() {
  const box = el('div', { class: 'alerts', 'data-testid': 'alerts' }, el('h2', {}, t('alerts.title')), el('p', { class: 'muted' }, t('alerts.loading')));
  (async () => {
    const s = await status();
    const since = Math.max(0, Number(s.last_block_time_ms) - WEEK_MS);
    const page = (path, shape) => get(`${path}${path.includes('?') ? '&' : '?'}limit=${ALERT_PAGE}`, shape);
    const alerts = [
      ['refused_receipts', '#/regulator', page(`/api/lists/refused-attempts?since_ms=${since}`, 'AttemptPage'), (r) => r.call.startsWith('receipts.')],
      ['near_limit', '#/regulator', page('/api/lists/grants?state=near_limit', 'GrantsPage')],
      ['overdue', '#/regulator', page('/api/lists/demands?state=overdue', 'DemandPage')],
      ['regraded', '#/regulator', page(`/api/lists/regraded?since_ms=${since}`, 'RegradedPage')],
    ];
    const lines = [];
    for (const [id, href, pending, keep] of alerts) {
      const n = countOf(await pending, keep);
      const warn = n !== '0';
      lines.push(el('li', { class: warn ? 'warn' : 'muted', 'data-testid': `alert-${id}`, 'data-count': n },
        el('a', { href }, t(`alerts.${id}`, { n }))));
    }
    box.replaceChildren(el('h2', {}, t('alerts.title')), el('ul', {}, lines));
  })().catch((e) => box.append(el('p', { class: 'error' }, e.message || String(e))));
  return box;
}
