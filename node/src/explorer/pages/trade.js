// 市场 (the market's lists), `#/market` or `#/market/ORG`: listings by state and seller (picked by
// name); with an organization, its orders by state and side, and its statement (balance
// movements) between two dates in China Standard Time.

import { t } from '../lib/i18n.js';
import { LISTING_STATES, ORDER_STATES, options } from '../lib/labels.js';
import { nodesWord, orgPicker, pagedList } from '../lib/lists.js';
import { el, link } from '../lib/ui.js';

export async function render(org, _kind, query) {
  const listings = pagedList({
    id: 'listings', title: t('trade.listings'), path: '/api/lists/listings', shape: 'ListingsPage', key: 'listing', query, states: LISTING_STATES,
    fields: [
      { name: 'state', label: t('col.state'), type: 'select', options: options(LISTING_STATES) },
      { name: 'seller', label: t('col.seller'), type: 'org' },
    ],
  });
  if (!org) {
    return el('div', {}, el('h1', {}, t('trade.title')), nodesWord(), listings, orgPicker('market', t('trade.pick')));
  }
  return el('div', {}, el('h1', {}, t('trade.title'), ' ', link('org', org)), nodesWord(),
    pagedList({
      id: 'orders', title: t('trade.orders'), path: '/api/lists/orders', shape: 'OrdersPage', key: 'order', query, fixed: { org },
      fields: [
        { name: 'state', label: t('col.state'), type: 'select', options: options(ORDER_STATES) },
        { name: 'role', label: t('trade.side'), type: 'select', options: [['', t('trade.both')], ['buyer', t('col.buyer')], ['seller', t('col.seller')]] },
      ],
    }),
    pagedList({
      id: 'statement', title: t('trade.statement'), path: '/api/lists/statement', shape: 'StatementPage',
      key: 'tx_hash', query, fixed: { org }, fields: [{ type: 'dates' }],
    }),
    listings);
}
