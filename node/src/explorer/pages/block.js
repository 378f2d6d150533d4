// A block: header, commit certificate (checked in the browser), transactions.

import { get } from '../lib/api.js';
import { blockBadge } from '../lib/badge.js';
import { t } from '../lib/i18n.js';
import { el, kv, link, section, table, when } from '../lib/ui.js';

export async function render(arg) {
  const b = await get(`/api/block/${encodeURIComponent(arg)}`, 'BlockResponse');
  const h = b.header;
  const c = b.certificate;
  return el('div', {},
    el('h1', {}, t('block.title', { height: h.height }), ' ', blockBadge(b)),
    el('p', {}, h.height > 1 ? link('block', h.height - 1, t('block.previous')) : null, ' ', link('block', h.height + 1, t('block.next'))),
    kv([
      [t('chain.hash'), b.hash], [t('block.chain'), h.chain_id], [t('block.parent'), h.height > 1 ? link('block', h.height - 1, h.parent_hash) : h.parent_hash],
      [t('col.time_ms'), when(h.timestamp_ms)], [t('block.proposer'), h.proposer], [t('block.tx_root'), h.tx_root],
      [t('block.outcomes_root'), h.outcomes_root], [t('chain.state_root'), h.state_root],
    ]),
    section(t('block.certificate'), c
      ? el('div', {}, kv([[t('col.height'), String(c.height)], [t('block.round'), String(c.round)], [t('block.block_hash'), c.block_hash]]),
        table([t('block.validator'), t('block.precommit')], c.signatures.map((s) => [s.validator, s.signature])))
      : el('p', {}, t('block.no_certificate'))),
    section(t('block.txs', { n: b.txs.length }),
      el('p', { class: 'muted' }, t('block.txs_note')), table([t('chain.hash'), t('block.call'), t('block.account'), t('block.nonce'), t('block.outcome')], b.txs.map((x) => [
        link('tx', x.hash), x.call_name || '', link('org', x.account), String(x.nonce), x.outcome ? t(`outcome.${x.outcome.status}`) : '',
      ]))));
}
