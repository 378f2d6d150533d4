// 监管 (the regulator's lists): overdue demands, the demand list, each department's statistics,
// the responsibility list of data elements, the negative list, suspended organizations, re-graded data sets, core-data requests
// waiting for co-approval, and open disputes; each filtered by a range of ledger time (days in
// China Standard Time) and exported as CSV or JSON. The older views are on #/views.

import { t } from '../lib/i18n.js';
import { alertsPanel } from '../lib/alerts.js';
import { DEMAND_STATES, GRANT_STATES, REQUEST_STATES } from '../lib/labels.js';
import { nodesWord, pagedList } from '../lib/lists.js';
import { el } from '../lib/ui.js';

export async function render(_arg, _kind, query) {
  const dates = [{ type: 'dates' }];
  return el('div', {}, el('h1', {}, t('supervision.title')), nodesWord(),
    el('p', {}, t('supervision.dates_note'), ' ', el('a', { href: '#/views' }, t('supervision.more_views'))),
    alertsPanel(),
    pagedList({
      id: 'overdue', title: t('supervision.overdue'), path: '/api/lists/demands', shape: 'DemandPage', key: 'demand', query,
      states: DEMAND_STATES, fixed: { state: 'overdue' }, fields: dates,
    }),
    pagedList({ id: 'demands', title: t('supervision.demands'), path: '/api/lists/demands', shape: 'DemandPage', key: 'demand', query, states: DEMAND_STATES, fields: dates }),
    pagedList({
      id: 'department-stats', title: t('supervision.department_stats'), intro: el('p', { class: 'muted' }, t('supervision.department_stats_note')),
      path: '/api/lists/department-stats', shape: 'DepartmentStatsPage', key: 'org', query, fields: dates,
    }),
    pagedList({
      id: 'attempts', title: t('supervision.attempts'), intro: el('p', { class: 'muted' }, t('supervision.attempts_note')),
      path: '/api/lists/refused-attempts', shape: 'AttemptPage', key: 'tx_hash', query, fields: [{ name: 'org', label: t('col.org'), type: 'org' }, { name: 'dataset', label: t('col.dataset'), type: 'dataset' }, ...dates],
    }),
    pagedList({
      id: 'near-limit', title: t('supervision.near_limit'), path: '/api/lists/grants', shape: 'GrantsPage', key: 'grant', query,
      states: GRANT_STATES, fixed: { state: 'near_limit' },
    }),
    pagedList({ id: 'elements', title: t('supervision.elements'), path: '/api/lists/elements', shape: 'ElementPage', key: 'element', query }),
    pagedList({ id: 'negative', title: t('supervision.negative'), path: '/api/lists/negative-list', shape: 'NegativeListPage', key: 'dataset', query, fields: dates }),
    pagedList({ id: 'suspended', title: t('supervision.suspended'), path: '/api/lists/suspended', shape: 'SuspendedPage', key: 'org', query, fields: dates }),
    pagedList({ id: 'regraded', title: t('supervision.regraded'), path: '/api/lists/regraded', shape: 'RegradedPage', key: 'dataset', query, fields: dates }),
    pagedList({
      id: 'co-approvals', title: t('supervision.co_approvals'), path: '/api/lists/requests',
      shape: 'RequestsPage', key: 'request', query, states: REQUEST_STATES, fixed: { state: 'awaiting_co_approval' }, fields: dates,
    }),
    pagedList({ id: 'disputes', title: t('supervision.disputes'), path: '/api/views/disputes', shape: 'DisputesPage', key: 'order', query, fields: dates }));
}
