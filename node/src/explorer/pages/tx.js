// A transaction: decoded call, signer, outcome, events; its inclusion checked in the browser.

import { get } from '../lib/api.js';
import { missingFields } from '../lib/shapes.js';
import { blockBadge } from '../lib/badge.js';
import { el, eventsTable, kv, link, pre, section } from '../lib/ui.js';

export async function render(hash) {
  const t = await get(`/api/tx/${hash}`);
  if (t.status !== 'committed') {
    return el('div', {}, el('h1', {}, 'Transaction'), kv([['hash', t.hash], ['status', t.status],
      ['reason', t.reason ? `${t.reason.code}: ${t.reason.message}` : null]]));
  }
  const missing = missingFields('TxStatusResponse', t);
  if (missing.length) throw new Error(`/api/tx/${hash}: the node's answer is not a TxStatusResponse: it lacks ${missing.join(', ')}`);
  const b = await get(`/api/block/${t.height}`, 'BlockResponse');
  const tx = b.txs[t.index] || {};
  const o = t.outcome;
  const events = o.events.map((event, i) => ({ height: t.height, tx_hash: t.hash, event_index: i, event }));
  return el('div', {},
    el('h1', {}, 'Transaction ', blockBadge(b, t.hash)),
    kv([
      ['hash', t.hash], ['block', link('block', t.height, `${t.height} (position ${t.index})`)],
      ['signer key', tx.sender], ['acting organization', link('org', o.account)], ['nonce', String(tx.nonce)],
      ['call', tx.call_name], ['outcome', el('span', { 'data-testid': 'outcome' }, o.status)],
      ['error', o.error ? `${o.error.code}: ${o.error.message}` : null],
    ]),
    section('Decoded call', pre(tx.call)),
    section(`Events (${events.length})`, eventsTable(events)));
}
