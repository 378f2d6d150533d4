// The 'verified' badge: fetches the object's Merkle proof and the block it is proven against,
// and shows 'verified' only when lib/verify.js accepts the certificate and the proof and the
// proven value decodes to exactly the object on the page.

import { get, status } from './api.js';
import { el } from './ui.js';
import { verifyCertificate, verifyObject, listRoot } from './verify.js';
import { matchesShown, stateKey } from './decode.js';

const PIN = 'shulian.validators';

/** The validator set the checks trust: one the user pinned in this browser, or the node's. */
export async function trustedValidators() {
  const s = await status();
  try {
    const pinned = JSON.parse(localStorage.getItem(PIN) || 'null');
    if (Array.isArray(pinned) && pinned.length) return { validators: pinned, pinned: true };
  } catch { /* a bad pin counts as none */ }
  return { validators: s.validators, pinned: false };
}

/** Pins the node's current validator set in this browser (or clears the pin). */
export function pinValidators(validators) {
  if (validators) localStorage.setItem(PIN, JSON.stringify(validators)); else localStorage.removeItem(PIN);
}

function show(slot, ok, text, title) {
  slot.replaceChildren(el('span', { class: ok ? 'badge verified' : 'badge unverified', 'data-testid': ok ? 'verified' : 'not-verified', title }, text));
}

/** A slot that fills with the verification of state object `kind`/`id`, shown as `shown`. */
export function objectBadge(kind, id, shown) {
  const slot = el('span', { class: 'badge-slot', 'data-testid': 'badge' }, el('span', { class: 'badge pending' }, 'verifying…'));
  (async () => {
    const { validators } = await trustedValidators();
    const proof = await get(`/api/proof/${stateKey(kind, id)}`, 'ProofResponse');
    const block = await get(`/api/block/${proof.height}`, 'BlockResponse');
    const chain = verifyObject(proof, block, validators);
    if (!chain.ok) return show(slot, false, `not verified: ${chain.reason}`);
    const bound = matchesShown(kind, proof.value, shown);
    if (!bound.ok) return show(slot, false, `not verified: ${bound.reason}`);
    if (bound.unbound) return show(slot, false, `state proven at height ${proof.height}, shown fields not checked`);
    show(slot, true, `verified at height ${proof.height}`, 'Merkle proof checked against the state root of a block whose commit certificate was checked against the validator set, in this browser');
  })().catch((e) => show(slot, false, `not verified: ${e.message}`));
  return slot;
}

/** A slot that fills with the verification of a block's certificate (and a tx's inclusion). */
export function blockBadge(block, txHash = null) {
  const slot = el('span', { class: 'badge-slot', 'data-testid': 'badge' }, el('span', { class: 'badge pending' }, 'verifying…'));
  (async () => {
    const { validators } = await trustedValidators();
    const c = verifyCertificate(block.header, block.certificate, validators);
    if (!c.ok) return show(slot, false, `not verified: ${c.reason}`);
    if (c.hash !== block.hash) return show(slot, false, 'not verified: block hash differs from its header');
    const hashes = block.txs.map((t) => t.hash);
    if (listRoot(hashes) !== block.header.tx_root) return show(slot, false, 'not verified: transactions do not match tx_root');
    if (txHash && !hashes.includes(txHash)) return show(slot, false, 'not verified: transaction is not in the block');
    show(slot, true, txHash ? 'verified: in a certified block' : 'verified: certificate and tx root');
  })().catch((e) => show(slot, false, `not verified: ${e.message}`));
  return slot;
}
