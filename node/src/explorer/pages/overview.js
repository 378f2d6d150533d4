// Chain overview: height, block rate, validators with their last signatures, recent blocks.

import { get } from '../lib/api.js';
import { el, kv, link, section, short, table, time } from '../lib/ui.js';
import { pinValidators, trustedValidators } from '../lib/badge.js';

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
  const trust = await trustedValidators();
  const pin = el('button', {
    onclick: () => { pinValidators(trust.pinned ? null : s.validators); location.reload(); },
  }, trust.pinned ? 'Unpin the validator set' : 'Pin this validator set in this browser');
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
      el('p', { class: 'muted' }, trust.pinned
        ? 'Checks in this browser use the validator set you pinned.'
        : 'Checks in this browser use the validator set this node reports; pin it to detect a node that later reports another.'),
      pin),
    section('Recent blocks',
      table(['height', 'hash', 'time', 'txs', 'signatures'], blocks.map((b) => [
        link('block', b.height, String(b.height)), short(b.hash), time(b.timestamp_ms), String(b.txs), String(b.signatures.length),
      ]), { 'data-testid': 'recent-blocks' }),
      recent.next ? link('block', Number(recent.next) - 1, 'older blocks') : null));
}
