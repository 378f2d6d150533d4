// The 'verified' badges of objects and blocks. An object's fetches its Merkle proof (for the key
// the page asked for) and the block it is proven against, and shows 'verified' only when
// lib/verify.js accepts the certificate and the proof and the proven value decodes to exactly the
// object on the page. Every check uses the validators of the pinned genesis (lib/genesis.js).

import { get } from './api.js';
import { el } from './ui.js';
import { verifyCertificate, verifyObject, listRoot, tagged } from './verify.js';
import { fromHex, toHex } from './borsh.js';
import { OUTCOME_HASH_TAG, TX_HASH_TAG } from './txverify.js';
import { matchesShown, stateKey } from './decode.js';
import { trust } from './genesis.js';
import { t } from './i18n.js';

/** The validator set the checks trust: the genesis validators, only when the node's genesis
 * hashes to the hash pinned in this browser (lib/genesis.js); otherwise null, and nothing is
 * marked verified. */
export async function trustedValidators() {
  const tr = await trust();
  return tr.state === 'pinned' ? tr.validators : null;
}

const untrusted = () => t('verify.untrusted');

/** Fills `slot` with a verified (green) or not-verified (red) mark. */
export function show(slot, ok, text, title) {
  slot.replaceChildren(el('span', { class: ok ? 'badge verified' : 'badge unverified', 'data-testid': ok ? 'verified' : 'not-verified', title }, text));
}

/** A slot that fills with the verification of state object `kind`/`id`, shown as `shown`. */
export function objectBadge(kind, id, shown) {
  const slot = el('span', { class: 'badge-slot', 'data-testid': 'badge' }, el('span', { class: 'badge pending' }, t('verify.verifying')));
  (async () => {
    const validators = await trustedValidators();
    if (!validators) return show(slot, false, untrusted());
    const key = stateKey(kind, id);
    const proof = await get(`/api/proof/${key}`, 'ProofResponse');
    const block = await get(`/api/block/${proof.height}`, 'BlockResponse');
    const chain = verifyObject(proof, block, validators, key);
    if (!chain.ok) return show(slot, false, t('verify.not_verified', { reason: chain.reason }));
    const bound = matchesShown(kind, proof.value, shown);
    if (!bound.ok) return show(slot, false, t('verify.not_verified', { reason: bound.reason }));
    if (bound.unbound) return show(slot, false, t('verify.unbound', { height: proof.height }));
    show(slot, true, t('verify.object_ok', { height: proof.height }), t('verify.object_ok_title'));
  })().catch((e) => show(slot, false, t('verify.not_verified', { reason: e.message })));
  return slot;
}

/** A slot that fills with the verification of a block: its certificate, and its transactions'
 * and outcomes' bytes (`/api/block/{h}/raw`) hashed to its `tx_root` and `outcomes_root`, with the
 * transaction hashes the page lists among them. The rows' calls and outcomes stay the node's word;
 * a transaction's own page checks those. */
export function blockBadge(block) {
  const slot = el('span', { class: 'badge-slot', 'data-testid': 'badge' }, el('span', { class: 'badge pending' }, t('verify.verifying')));
  (async () => {
    const validators = await trustedValidators();
    if (!validators) return show(slot, false, untrusted());
    const c = verifyCertificate(block.header, block.certificate, validators);
    if (!c.ok) return show(slot, false, t('verify.not_verified', { reason: c.reason }));
    if (c.hash !== block.hash) return show(slot, false, t('verify.not_verified', { reason: 'block hash differs from its header' }));
    const raw = await get(`/api/block/${block.header.height}/raw`, 'RawBlockResponse');
    const hashes = raw.txs.map((h) => toHex(tagged(TX_HASH_TAG, fromHex(h))));
    if (listRoot(hashes) !== block.header.tx_root) return show(slot, false, t('verify.not_verified', { reason: 'the transactions\' bytes do not hash to tx_root' }));
    if (listRoot(raw.outcomes.map((h) => toHex(tagged(OUTCOME_HASH_TAG, fromHex(h))))) !== block.header.outcomes_root) {
      return show(slot, false, t('verify.not_verified', { reason: 'the outcomes\' bytes do not hash to outcomes_root' }));
    }
    if (block.txs.length !== hashes.length || block.txs.some((t, i) => t.hash !== hashes[i])) {
      return show(slot, false, t('verify.not_verified', { reason: 'the listed transaction hashes differ from the certified ones' }));
    }
    show(slot, true, t('verify.block_ok'));
  })().catch((e) => show(slot, false, t('verify.not_verified', { reason: e.message })));
  return slot;
}
