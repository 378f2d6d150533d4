// A listing or an order: the object, its whole history, and the money that moved because of it.

import { allEvents, get } from '../lib/api.js';
import { objectBadge } from '../lib/badge.js';
import { el, eventsTable, kv, ledgerTime, link, pre, section, span, table } from '../lib/ui.js';

/** Money movements implied by market events: [height, tx, from, to, amount, why]. */
function flows(events) {
  const rows = [];
  const add = (e, from, to, amount, why) => { if (Number(amount) > 0) rows.push([link('block', e.height, String(e.height)), link('tx', e.tx_hash), from, to, `${amount} fen`, why]); };
  for (const e of events) {
    const v = e.event;
    const org = (a) => link('org', a);
    switch (v.type) {
      case 'order_placed': add(e, org(v.buyer), 'escrow', Number(v.price) + Number(v.fee), 'price and fee into escrow'); break;
      case 'delivery_accepted':
      case 'settlement_claimed':
        add(e, 'escrow', org(v.seller), v.to_seller, 'price to the seller'); add(e, 'escrow', org(v.exchange), v.fee, 'fee to the exchange center'); break;
      case 'dispute_arbitrated':
        add(e, 'escrow', org(v.buyer), v.to_buyer, 'ruling: to the buyer'); add(e, 'escrow', org(v.seller), v.to_seller, 'ruling: to the seller');
        add(e, 'escrow', org(v.arbiter), v.fee, 'fee to the exchange center'); break;
      case 'order_cancelled': add(e, 'escrow', org(v.buyer), v.refund, 'refund'); break;
      default: break;
    }
  }
  return rows;
}

export async function render(id, kind) {
  const events = await allEvents(`${kind}:${id}`);
  const money = section('Money flows', table(['height', 'tx', 'from', 'to', 'amount', 'why'], flows(events), { 'data-testid': 'flows' }));
  const history = section('Whole history', eventsTable(events));
  if (kind === 'listing') {
    const { listing: l } = await get(`/api/listing/${id}`, 'ListingResponse');
    const orders = [...new Set(events.map((e) => e.event.order).filter(Boolean))];
    return el('div', {}, el('h1', {}, 'Listing ', objectBadge('listing', id, l)),
      kv([['id', l.id], ['seller', link('org', l.seller)], ['price', `${l.price} fen`], ['status', JSON.stringify(l.status)],
        ['交付期限 delivery window', span(l.delivery_window_ms)], ['验收期限 acceptance window', span(l.acceptance_window_ms)],
        ['frozen', l.frozen || 'no'], ['reviewed by', link('org', l.reviewed_by)], ['orders', el('div', {}, orders.map((o) => el('div', {}, link('order', o))))]]),
      section('Listing', pre(l)), money, history);
  }
  const { order: o } = await get(`/api/order/${id}`, 'OrderResponse');
  return el('div', {}, el('h1', {}, 'Order ', objectBadge('order', id, o)),
    kv([['id', o.id], ['listing', link('listing', o.listing)], ['buyer', link('org', o.buyer)], ['seller', link('org', o.seller)],
      ['data set', link('dataset', o.dataset)], ['price', `${o.price} fen`], ['fee', `${o.fee} fen`],
      ['status', el('span', { 'data-testid': 'order-status' }, o.status)],
      ['交付截止 deliver by', ledgerTime(o.delivery_deadline_ms)], ['验收截止 accept or dispute by', ledgerTime(o.acceptance_deadline_ms)],
      ['dispute', o.dispute], ['ruling', o.ruling ? JSON.stringify(o.ruling) : null],
      ['grant', link('grant', o.grant)]]),
    section('Status history', table(['height', 'status'], o.history.map(([h, s]) => [link('block', h, String(h)), s]))),
    money, history);
}
