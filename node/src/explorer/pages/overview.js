// Chain overview: height, block rate, validators with their last signatures, recent blocks.

import { get } from '../lib/api.js';
import { el, kv, link, section, short, table, time } from '../lib/ui.js';
import { trust } from '../lib/genesis.js';

export async function render() {
  const s = await get('/api/status', 'StatusResponse');
  const recent = await get('/api/blocks?limit=20', 'BlocksPage');
  const blocks = recent.blocks;
  let rate = '—';
  if (blocks.length > 1) {
    const span = (blocks[0].timestamp_ms - blocks[blocks.length - 1].timestamp_ms) / 1000;
    if (span > 0) rate = `${((blocks.length - 1) / span).toFixed(2)} blocks/s over the last ${blocks.length} blocks`;
  }
  const lastSig = (pk) => {
    for (const b of blocks) {
      const sig = b.signatures.find((x) => x.validator === pk);
      if (sig) return [link('block', b.height, String(b.height)), short(sig.signature)];
    }
    return ['not in the last blocks', ''];
  };
  const t = await trust();
  return el('div', {},
    el('h1', {}, `Chain ${s.chain_id}`),
    kv([
      ['height', el('span', { 'data-testid': 'height' }, String(s.height))],
      ['block rate', rate],
      ['last block', link('block', s.height, s.last_block_hash)],
      ['state root', s.state_root],
      ['last block time', time(s.last_block_time_ms)],
      ['genesis hash', s.genesis_hash],
      ['pending transactions', String(s.mempool_txs)],
    ]),
    section('Validators',
      table(['name', 'public key', 'power', 'last signed block', 'signature'],
        s.validators.map((v) => [v.name, v.public_key, String(v.power), ...lastSig(v.public_key)])),
      el('p', { class: 'muted' }, t.state === 'pinned'
        ? '此列表是节点所报；验证只使用固定创世中的验证者 (this list is the node\'s word; checks use only the validators of the pinned genesis, see 设置).'
        : '此列表是节点所报，尚未与固定的创世核对 (this list is the node\'s word, not checked against a pinned genesis). ',
      el('a', { href: '#/settings' }, '设置 (settings)'))),
    section('Recent blocks',
      table(['height', 'hash', 'time', 'txs', 'signatures'], blocks.map((b) => [
        link('block', b.height, String(b.height)), short(b.hash), time(b.timestamp_ms), String(b.txs), String(b.signatures.length),
      ]), { 'data-testid': 'recent-blocks' }),
      recent.next ? link('block', Number(recent.next) - 1, 'older blocks') : null));
}
