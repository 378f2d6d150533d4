// The 'verified' badge: fetches the object's Merkle proof and the block it is proven against,
// and shows 'verified' only when lib/verify.js accepts the certificate and the proof and the
// proven value decodes to exactly the object on the page.

import { get } from './api.js';
import { el } from './ui.js';
import { verifyCertificate, verifyObject, listRoot } from './verify.js';
import { matchesShown, stateKey } from './decode.js';
import { trust } from './genesis.js';

/** The validator set the checks trust: the genesis validators, only when the node's genesis
 * hashes to the hash pinned in this browser (lib/genesis.js); otherwise null, and nothing is
 * marked verified. */
export async function trustedValidators() {
  const t = await trust();
  return t.state === 'pinned' ? t.validators : null;
}

const UNTRUSTED = '未验证：未固定创世哈希或与固定值不符 (not verified: no matching pinned genesis, see 设置)';

/** Fills `slot` with a verified (green) or not-verified (red) mark. */
export function show(slot, ok, text, title) {
  slot.replaceChildren(el('span', { class: ok ? 'badge verified' : 'badge unverified', 'data-testid': ok ? 'verified' : 'not-verified', title }, text));
}

/** A slot that fills with the verification of state object `kind`/`id`, shown as `shown`. */
export function objectBadge(kind, id, shown) {
  const slot = el('span', { class: 'badge-slot', 'data-testid': 'badge' }, el('span', { class: 'badge pending' }, '验证中… (verifying)'));
  (async () => {
    const validators = await trustedValidators();
    if (!validators) return show(slot, false, UNTRUSTED);
    const key = stateKey(kind, id);
    const proof = await get(`/api/proof/${key}`, 'ProofResponse');
    const block = await get(`/api/block/${proof.height}`, 'BlockResponse');
    const chain = verifyObject(proof, block, validators, key);
    if (!chain.ok) return show(slot, false, `未验证 (not verified): ${chain.reason}`);
    const bound = matchesShown(kind, proof.value, shown);
    if (!bound.ok) return show(slot, false, `未验证 (not verified): ${bound.reason}`);
    if (bound.unbound) return show(slot, false, `状态已证明，字段未核对 (state proven at height ${proof.height}, shown fields not checked)`);
    show(slot, true, `已验证 (verified) 高度 ${proof.height}`, 'Merkle proof checked against the state root of a block whose commit certificate was checked against the validator set, in this browser');
  })().catch((e) => show(slot, false, `未验证 (not verified): ${e.message}`));
  return slot;
}

/** A slot that fills with the verification of a block's certificate (and a tx's inclusion). */
export function blockBadge(block, txHash = null) {
  const slot = el('span', { class: 'badge-slot', 'data-testid': 'badge' }, el('span', { class: 'badge pending' }, '验证中… (verifying)'));
  (async () => {
    const validators = await trustedValidators();
    if (!validators) return show(slot, false, UNTRUSTED);
    const c = verifyCertificate(block.header, block.certificate, validators);
    if (!c.ok) return show(slot, false, `未验证 (not verified): ${c.reason}`);
    if (c.hash !== block.hash) return show(slot, false, '未验证 (not verified): block hash differs from its header');
    const hashes = block.txs.map((t) => t.hash);
    if (listRoot(hashes) !== block.header.tx_root) return show(slot, false, '未验证 (not verified): transactions do not match tx_root');
    if (txHash && !hashes.includes(txHash)) return show(slot, false, '未验证 (not verified): transaction is not in the block');
    show(slot, true, txHash ? '已验证 (verified): in a certified block' : '已验证 (verified): certificate and tx root');
  })().catch((e) => show(slot, false, `未验证 (not verified): ${e.message}`));
  return slot;
}
