// 设置 (settings): the genesis hash this browser trusts. Every check in the explorer uses the
// validators of the genesis that hashes to it; the node's own word counts for nothing. Pinning the
// hash the node shows now is trust on first use, and the page says so: the safe way is to compare
// it with the hash the chain's operators published (docs/api.md, "The explorer: what each mark proves").

import { normalizePin, readPin, trust, writePin } from '../lib/genesis.js';
import { el, kv, section, table } from '../lib/ui.js';

const STATE_TEXT = {
  pinned: '已固定，节点创世哈希一致 (pinned; the node\'s genesis matches)',
  unpinned: '未固定 (unpinned): 尚未信任任何创世哈希，页面不显示“已验证” (nothing is marked verified until you pin one)',
  mismatch: '不一致 (MISMATCH): 节点的创世与固定的哈希不同，拒绝验证 (the node runs another genesis: every check refuses)',
  invalid: '无法读取节点创世 (cannot read the node\'s genesis)',
};

export async function render() {
  const t = await trust(true);
  const pin = readPin();
  const status = el('p', { class: `trust-state trust-${t.state}`, 'data-testid': 'settings-state' }, STATE_TEXT[t.state] || t.state);
  const message = el('p', { class: 'muted', 'data-testid': 'settings-message' });
  const input = el('input', { id: 'pin-input', name: 'pin', class: 'hash-input', value: pin || '', placeholder: '64 位十六进制 (64 hex digits)', autocomplete: 'off', 'data-testid': 'pin-input' });
  const form = el('form', { class: 'view', 'data-testid': 'pin-form' },
    el('label', { for: 'pin-input' }, '固定的创世哈希 (pinned genesis hash)', input),
    el('button', { type: 'submit', 'data-testid': 'pin-save' }, '保存 (save)'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const h = normalizePin(input.value);
    if (!h) { message.textContent = '不是 64 位十六进制哈希 (not a 64-hex-digit hash)'; return; }
    writePin(h);
    location.reload();
  });
  // Offered only on a first visit: after a mismatch, replacing the pin takes typing the hash.
  const tofu = t.hash && t.state === 'unpinned'
    ? el('button', { type: 'button', class: 'tofu', 'data-testid': 'pin-node-genesis', onclick: () => { writePin(t.hash); location.reload(); } },
      '固定节点当前的创世哈希（首次使用即信任）(pin the node\'s genesis hash: trust on first use)')
    : null;
  const clear = pin
    ? el('button', { type: 'button', 'data-testid': 'pin-clear', onclick: () => { writePin(null); location.reload(); } }, '清除固定 (clear the pin)')
    : null;
  const genesis = t.genesis;
  if (t.reason && t.state === 'invalid') message.textContent = t.reason;
  return el('div', {},
    el('h1', {}, '设置 (Settings)'),
    section('信任的创世哈希 (Trusted genesis)',
      status,
      kv([
        ['固定值 (pinned in this browser)', el('code', { 'data-testid': 'pinned-hash' }, pin || '未固定 (unpinned)')],
        ['节点创世哈希 (the node\'s genesis, hashed here)', el('code', { 'data-testid': 'node-genesis-hash' }, t.hash || '—')],
        ['链 (chain)', genesis ? genesis.chain_id : '—'],
      ]),
      el('p', { class: 'muted' }, '只在与链运营方公布的哈希核对之后再固定。首次使用即信任意味着：若此节点此刻已被篡改，您将信任它。 (Pin only after comparing with the hash the chain\'s operators published. Trust on first use means: if this node is already lying now, you trust the lie.)'),
      tofu, clear, form, message),
    genesis && t.state === 'pinned'
      ? section('验证所用的验证者 (Validators every certificate is checked against)',
        table(['name', 'public key', 'power'], genesis.validators.map((v) => [v.name, v.public_key, String(v.power)]), { 'data-testid': 'trusted-validators' }))
      : null);
}
