// 监管 (the regulator's lists): the negative list, suspended organizations, core-data requests
// waiting for co-approval, and open disputes; each filtered by a range of ledger time (days in
// China Standard Time) and exported as CSV or JSON. The older views are on #/views.

import { REQUEST_STATES } from '../lib/labels.js';
import { nodesWord, pagedList } from '../lib/lists.js';
import { el } from '../lib/ui.js';

export async function render(_arg, _kind, query) {
  const dates = [{ type: 'dates' }];
  return el('div', {}, el('h1', {}, '监管 (regulator)'), nodesWord(),
    el('p', {}, '按账本时间筛选（区块时间，东八区日期）(filtered by ledger time: the block\'s time, days in UTC+8). ',
      el('a', { href: '#/views' }, '更多视图 (more views: uses, core-data grants)')),
    pagedList({ id: 'negative', title: '负面清单 (negative list)', path: '/api/lists/negative-list', shape: 'NegativeListPage', key: 'dataset', query, fields: dates }),
    pagedList({ id: 'suspended', title: '已暂停的机构 (suspended organizations)', path: '/api/lists/suspended', shape: 'SuspendedPage', key: 'org', query, fields: dates }),
    pagedList({
      id: 'co-approvals', title: '待会签的核心数据申请 (core-data requests waiting for co-approval)', path: '/api/lists/requests',
      shape: 'RequestsPage', key: 'request', query, states: REQUEST_STATES, fixed: { state: 'awaiting_co_approval' }, fields: dates,
    }),
    pagedList({ id: 'disputes', title: '未决争议 (open disputes)', path: '/api/views/disputes', shape: 'DisputesPage', key: 'order', query, fields: dates }));
}
