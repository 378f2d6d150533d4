// 待办 (a department's inbox), `#/inbox/ORG`: the data-use requests waiting for its decision, its
// core-data requests waiting for a regulator's co-approval, and the orders waiting for it to
// deliver. Without an organization in the address, a picker by name.

import { t } from '../lib/i18n.js';
import { REQUEST_STATES } from '../lib/labels.js';
import { nodesWord, orgPicker, pagedList } from '../lib/lists.js';
import { el, link } from '../lib/ui.js';

export async function render(org, _kind, query) {
  if (!org) return orgPicker('inbox', t('inbox.pick'));
  return el('div', {}, el('h1', {}, t('inbox.title'), ' ', link('org', org)), nodesWord(),
    pagedList({
      id: 'inbox-requests', title: t('inbox.requests'), path: '/api/lists/requests',
      shape: 'RequestsPage', key: 'request', query, states: REQUEST_STATES, fixed: { owner: org, state: 'awaiting_owner' },
    }),
    pagedList({
      id: 'inbox-co-approval', title: t('inbox.co_approval'),
      path: '/api/lists/requests', shape: 'RequestsPage', key: 'request', query, states: REQUEST_STATES,
      fixed: { owner: org, state: 'awaiting_co_approval' },
    }),
    pagedList({
      id: 'inbox-deliveries', title: t('inbox.deliveries'), path: '/api/lists/orders',
      shape: 'OrdersPage', key: 'order', query, fixed: { org, role: 'seller', state: 'placed' },
    }));
}
