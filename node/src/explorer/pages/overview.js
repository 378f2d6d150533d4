// The chain: height, block rate, validators with their last signatures, recent blocks.

import { get } from '../lib/api.js';
import { num, t } from '../lib/i18n.js';
import { el, kv, link, section, short, table, when } from '../lib/ui.js';
import { trust } from '../lib/genesis.js';

export async function render() {
  const s = await get('/api/status', 'StatusResponse');
  const recent = await get('/api/blocks?limit=20', 'BlocksPage');
  const blocks = recent.blocks;
  let rate = '—';
  if (blocks.length > 1) {
    const span = (blocks[0].timestamp_ms - blocks[blocks.length - 1].timestamp_ms) / 1000;
    if (span > 0) rate = t('chain.rate', { rate: ((blocks.length - 1) / span).toFixed(2), n: blocks.length });
  }
  const lastSig = (pk) => {
    for (const b of blocks) {
      const sig = b.signatures.find((x) => x.validator === pk);
      if (sig) return [link('block', b.height, String(b.height)), short(sig.signature)];
    }
    return [t('chain.not_recent'), ''];
  };
  const tr = await trust();
  return el('div', {},
    el('h1', {}, t('chain.title', { chain: s.chain_id })),
    kv([
      [t('col.height'), el('span', { 'data-testid': 'height' }, String(s.height))],
      [t('chain.block_rate'), rate],
      [t('chain.last_block'), link('block', s.height, s.last_block_hash)],
      [t('chain.state_root'), s.state_root],
      [t('chain.last_block_time'), when(s.last_block_time_ms)],
      [t('chain.genesis_hash'), s.genesis_hash],
      [t('chain.crypto'), el('span', { 'data-testid': 'crypto-suite' }, t(`chain.crypto_${s.crypto ?? 'ed25519-blake3'}`))],
      [t('chain.pending'), num(s.mempool_txs)],
      [t('chain.blocks_held'), el('span', { 'data-testid': 'blocks-held' }, s.pruned
        ? t('chain.blocks_held_from', { height: s.earliest_block_height })
        : t('chain.blocks_held_all'))],
    ]),
    section(t('chain.validators'),
      table([t('chain.validator_name'), t('chain.public_key'), t('chain.power'), t('chain.last_signed'), t('chain.signature')],
        s.validators.map((v) => [el('span', { class: 'data' }, v.name), v.public_key, String(v.power), ...lastSig(v.public_key)])),
      el('p', { class: 'muted' }, tr.state === 'pinned' ? t('chain.validators_pinned') : t('chain.validators_unpinned'), ' ',
        el('a', { href: '#/settings' }, t('nav.settings')))),
    section(t('chain.recent'),
      table([t('col.height'), t('chain.hash'), t('col.time_ms'), t('chain.txs'), t('chain.signatures')], blocks.map((b) => [
        link('block', b.height, String(b.height)), short(b.hash), when(b.timestamp_ms), String(b.txs), String(b.signatures.length),
      ]), { 'data-testid': 'recent-blocks' }),
      recent.next ? link('block', Number(recent.next) - 1, t('chain.older')) : null));
}
