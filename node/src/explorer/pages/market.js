// A listing or an order: the object, its whole history, and the money that moved because of it.

import { allEvents, get } from '../lib/api.js';
import { objectBadge } from '../lib/badge.js';
import { t } from '../lib/i18n.js';
import { valueLabel } from '../lib/labels.js';
import { el, eventsTable, kv, link, money, pre, section, span, table, when } from '../lib/ui.js';

/** Money movements implied by market events: [height, tx, from, to, amount, why]. */
function flows(events) {
  const rows = [];
  const escrow = () => t('market.escrow');
  const add = (e, from, to, amount, why) => { if (Number(amount) > 0) rows.push([link('block', e.height, String(e.height)), link('tx', e.tx_hash), from, to, money(amount), t(why)]); };
  for (const e of events) {
    const v = e.event;
    const org = (a) => link('org', a);
    switch (v.type) {
      case 'order_placed': add(e, org(v.buyer), escrow(), Number(v.price) + Number(v.fee), 'market.into_escrow'); break;
      case 'delivery_accepted':
      case 'settlement_claimed':
        add(e, escrow(), org(v.seller), v.to_seller, 'market.to_seller'); add(e, escrow(), org(v.exchange), v.fee, 'market.fee_to_exchange'); break;
      case 'dispute_arbitrated':
        add(e, escrow(), org(v.buyer), v.to_buyer, 'market.ruling_buyer'); add(e, escrow(), org(v.seller), v.to_seller, 'market.ruling_seller');
        add(e, escrow(), org(v.arbiter), v.fee, 'market.fee_to_exchange'); break;
      case 'order_cancelled': add(e, escrow(), org(v.buyer), v.refund, 'market.refund'); break;
      default: break;
    }
  }
  return rows;
}

export async function render(id, kind) {
  const events = await allEvents(`${kind}:${id}`);
  const money_ = section(t('market.flows'), table([t('col.height'), t('col.tx_hash'), t('market.from'), t('market.to'), t('market.amount'), t('market.why')], flows(events), { 'data-testid': 'flows' }));
  const history = section(t('market.history'), eventsTable(events));
  if (kind === 'listing') {
    const { listing: l } = await get(`/api/listing/${id}`, 'ListingResponse');
    const orders = [...new Set(events.map((e) => e.event.order).filter(Boolean))];
    return el('div', {}, el('h1', {}, t('market.listing'), ' ', link('listing', id), ' ', objectBadge('listing', id, l)),
      kv([[t('ui.id'), el('code', {}, l.id)], [t('col.seller'), link('org', l.seller)], [t('col.price'), money(l.price)], [t('col.status'), JSON.stringify(l.status)],
        [t('col.delivery_window_ms'), span(l.delivery_window_ms)], [t('col.acceptance_window_ms'), span(l.acceptance_window_ms)],
        [t('market.frozen'), l.frozen ? el('span', { class: 'data' }, l.frozen) : t('ui.no')], [t('market.reviewed_by'), link('org', l.reviewed_by)],
        [t('market.orders'), el('div', {}, orders.map((o) => el('div', {}, link('order', o))))]]),
      section(t('market.listing_raw'), pre(l)), money_, history);
  }
  const { order: o } = await get(`/api/order/${id}`, 'OrderResponse');
  return el('div', {}, el('h1', {}, t('market.order'), ' ', link('order', id), ' ', objectBadge('order', id, o)),
    kv([[t('ui.id'), el('code', {}, o.id)], [t('col.listing'), link('listing', o.listing)], [t('col.buyer'), link('org', o.buyer)], [t('col.seller'), link('org', o.seller)],
      [t('col.dataset'), link('dataset', o.dataset)], [t('col.price'), money(o.price)], [t('col.fee'), money(o.fee)],
      [t('col.status'), el('span', { 'data-testid': 'order-status', 'data-value': o.status }, valueLabel('status', o.status))],
      [t('col.delivery_deadline_ms'), when(o.delivery_deadline_ms)], [t('col.acceptance_deadline_ms'), when(o.acceptance_deadline_ms)],
      [t('market.dispute'), o.dispute ? el('span', { class: 'data' }, o.dispute) : null], [t('market.ruling'), o.ruling ? JSON.stringify(o.ruling) : null],
      [t('col.grant'), link('grant', o.grant)]]),
    section(t('market.status_history'), table([t('col.height'), t('col.status')], o.history.map(([h, s]) => [link('block', h, String(h)), valueLabel('status', s)]))),
    money_, history);
}
