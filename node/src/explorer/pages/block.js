// A block: header, commit certificate (checked in the browser), transactions.

import { get } from '../lib/api.js';
import { blockBadge } from '../lib/badge.js';
import { el, kv, link, section, table, time } from '../lib/ui.js';

export async function render(arg) {
  const b = await get(`/api/block/${encodeURIComponent(arg)}`, 'BlockResponse');
  const h = b.header;
  const c = b.certificate;
  return el('div', {},
    el('h1', {}, `Block ${h.height} `, blockBadge(b)),
    el('p', {}, h.height > 1 ? link('block', h.height - 1, '← previous') : null, ' ', link('block', h.height + 1, 'next →')),
    kv([
      ['hash', b.hash], ['chain', h.chain_id], ['parent', h.height > 1 ? link('block', h.height - 1, h.parent_hash) : h.parent_hash],
      ['time', time(h.timestamp_ms)], ['proposer', h.proposer], ['tx root', h.tx_root],
      ['outcomes root', h.outcomes_root], ['state root', h.state_root],
    ]),
    section('Commit certificate', c
      ? el('div', {}, kv([['height', String(c.height)], ['round', String(c.round)], ['block hash', c.block_hash]]),
        table(['validator', 'precommit signature'], c.signatures.map((s) => [s.validator, s.signature])))
      : el('p', {}, 'no certificate stored')),
    section(`Transactions (${b.txs.length})`,
      el('p', { class: 'muted' }, '下表的调用与结果为节点所报；打开交易以验证 (calls and outcomes below are the node\'s word; open a transaction to verify them).'), table(['hash', 'call', 'account', 'nonce', 'outcome'], b.txs.map((t) => [
      link('tx', t.hash), t.call_name || '', link('org', t.account), String(t.nonce), t.outcome ? t.outcome.status : '',
    ]))));
}
