// 待办 (a department's inbox), `#/inbox/ORG`: the data-use requests waiting for its decision, its
// core-data requests waiting for a regulator's co-approval, and the orders waiting for it to
// deliver. Without an organization in the address, a picker.

import { REQUEST_STATES } from '../lib/labels.js';
import { nodesWord, orgName, orgPicker, pagedList } from '../lib/lists.js';
import { el, link } from '../lib/ui.js';

export async function render(org, _kind, query) {
  if (!org) return orgPicker('inbox', '待办 (inbox): 选择机构 (pick an organization)');
  const name = await orgName(org);
  return el('div', {}, el('h1', {}, '待办 (inbox): ', link('org', org, name)), nodesWord(),
    pagedList({
      id: 'inbox-requests', title: '待本机构决定的申请 (requests waiting for its decision)', path: '/api/lists/requests',
      shape: 'RequestsPage', key: 'request', query, states: REQUEST_STATES, fixed: { owner: org, state: 'awaiting_owner' },
    }),
    pagedList({
      id: 'inbox-co-approval', title: '待监管会签的核心数据申请 (its core-data requests waiting for a regulator\'s co-approval)',
      path: '/api/lists/requests', shape: 'RequestsPage', key: 'request', query, states: REQUEST_STATES,
      fixed: { owner: org, state: 'awaiting_co_approval' },
    }),
    pagedList({
      id: 'inbox-deliveries', title: '待本机构交付的订单 (orders waiting for its delivery)', path: '/api/lists/orders',
      shape: 'OrdersPage', key: 'order', query, fixed: { org, role: 'seller', state: 'placed' },
    }));
}
