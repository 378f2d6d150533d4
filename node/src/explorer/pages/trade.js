// 市场 (the market's lists), `#/market` or `#/market/ORG`: listings by state and seller; with an
// organization, its orders by state and side, and its statement (balance movements) between two
// dates in China Standard Time.

import { LISTING_STATES, ORDER_STATES, options } from '../lib/labels.js';
import { nodesWord, orgName, orgPicker, pagedList } from '../lib/lists.js';
import { el, link } from '../lib/ui.js';

export async function render(org, _kind, query) {
  const listings = pagedList({
    id: 'listings', title: '挂牌 (listings)', path: '/api/lists/listings', shape: 'ListingsPage', key: 'listing', query, states: LISTING_STATES,
    fields: [
      { name: 'state', label: '状态 (state)', type: 'select', options: options(LISTING_STATES) },
      { name: 'seller', label: '卖方 (seller, account id)', wide: true },
    ],
  });
  if (!org) {
    return el('div', {}, el('h1', {}, '市场 (market)'), nodesWord(), listings,
      orgPicker('market', '机构的订单与对账单 (an organization\'s orders and statement)'));
  }
  const name = await orgName(org);
  return el('div', {}, el('h1', {}, '市场 (market): ', link('org', org, name)), nodesWord(),
    pagedList({
      id: 'orders', title: '订单 (orders)', path: '/api/lists/orders', shape: 'OrdersPage', key: 'order', query, fixed: { org },
      fields: [
        { name: 'state', label: '状态 (state)', type: 'select', options: options(ORDER_STATES) },
        { name: 'role', label: '角色 (side)', type: 'select', options: [['', '买卖双方 (both)'], ['buyer', '买方 (buyer)'], ['seller', '卖方 (seller)']] },
      ],
    }),
    pagedList({
      id: 'statement', title: '对账单 (statement: balance movements)', path: '/api/lists/statement', shape: 'StatementPage',
      key: 'tx_hash', query, fixed: { org }, fields: [{ type: 'dates' }],
    }),
    listings);
}
