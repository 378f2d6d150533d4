// 设置 (settings): the genesis hash this browser trusts, and the language. Every check in the
// explorer uses the validators of the genesis that hashes to the pinned hash; the node's own word
// counts for nothing. Pinning the hash the node shows now is trust on first use, and the page says
// so: the safe way is to compare it with the hash the chain's operators published (docs/api.md,
// "The explorer: what each mark proves").

import { normalizePin, readPin, trust, writePin } from '../lib/genesis.js';
import { t } from '../lib/i18n.js';
import { el, kv, section, table } from '../lib/ui.js';

export async function render() {
  const tr = await trust(true);
  const pin = readPin();
  const status = el('p', { class: `trust-state trust-${tr.state}`, 'data-testid': 'settings-state' }, t(`settings.state_${tr.state}`));
  const message = el('p', { class: 'muted', 'data-testid': 'settings-message' });
  const input = el('input', { id: 'pin-input', name: 'pin', class: 'hash-input', value: pin || '', placeholder: t('settings.pin_hint'), autocomplete: 'off', 'data-testid': 'pin-input' });
  const form = el('form', { class: 'view', 'data-testid': 'pin-form' },
    el('label', { for: 'pin-input' }, t('settings.pin_label'), input),
    el('button', { type: 'submit', 'data-testid': 'pin-save' }, t('settings.save')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const h = normalizePin(input.value);
    if (!h) { message.textContent = t('settings.bad_pin'); return; }
    writePin(h);
    location.reload();
  });
  // Offered only on a first visit: after a mismatch, replacing the pin takes typing the hash.
  const tofu = tr.hash && tr.state === 'unpinned'
    ? el('button', { type: 'button', class: 'tofu', 'data-testid': 'pin-node-genesis', onclick: () => { writePin(tr.hash); location.reload(); } }, t('settings.tofu'))
    : null;
  const clear = pin
    ? el('button', { type: 'button', 'data-testid': 'pin-clear', onclick: () => { writePin(null); location.reload(); } }, t('settings.clear'))
    : null;
  const genesis = tr.genesis;
  if (tr.reason && tr.state === 'invalid') message.textContent = tr.reason;
  return el('div', {},
    el('h1', {}, t('settings.title')),
    section(t('settings.trusted'),
      status,
      kv([
        [t('settings.pinned_here'), el('code', { 'data-testid': 'pinned-hash' }, pin || t('settings.unpinned'))],
        [t('settings.node_genesis'), el('code', { 'data-testid': 'node-genesis-hash' }, tr.hash || '—')],
        [t('block.chain'), genesis ? genesis.chain_id : '—'],
        [t('chain.crypto'), genesis ? t(`chain.crypto_${genesis.crypto ?? 'ed25519-blake3'}`) : '—'],
      ]),
      el('p', { class: 'muted' }, t('settings.warning')),
      tofu, clear, form, message),
    genesis && tr.state === 'pinned'
      ? section(t('settings.validators'),
        table([t('chain.validator_name'), t('chain.public_key'), t('chain.power')], genesis.validators.map((v) => [el('span', { class: 'data' }, v.name), v.public_key, String(v.power)]), { 'data-testid': 'trusted-validators' }))
      : null);
}
