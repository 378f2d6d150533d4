// The receipt checks of a grant page (ADR 0004: a receipt is its `receipt_recorded` event, in its
// transaction's outcome; state keeps the grant's receipt chain head). Each receipt row is marked
// from its outcome proof (`/api/tx/{hash}/proof`, lib/verify.js verifyOutcomeProof) and the row
// must equal the proven event. The list is marked complete only when every receipt of the grant
// was read and proven, and their events' bytes (the proven bytes) fold to the receipt chain head
// proven from state (`/api/proof/{receipts/head/<grant>}` against a certified block).

import { get, withParam } from './api.js';
import { el } from './ui.js';
import { t } from './i18n.js';
import { fetchList } from './lists.js';
import { canonical } from './schema.js';
import { trustedValidators } from './badge.js';
import { receiptChainHead, verifyObject, verifyOutcomeProof } from './verify.js';

/** Most receipts the completeness check reads and proves (one proof request each, in turn): at
 * a few ms a proof this stays within seconds; a grant used more often says it was not checked. */
export const COMPLETENESS_CAP = 1000;
/** Receipts per list page the completeness check asks for (the node's `MAX_PAGE`). */
const PAGE = 500;
/** State key prefix of a grant's receipt chain head (`receipts::receipt_head_key`). */
const HEAD_PREFIX = 'receipts/head/';
/** Fields of a receipt row that must equal the proven event's (and `fields_used`, which a row
 * holds joined by `;`, `ReceiptRow`). */
const FIELDS = ['grant', 'grantee', 'dataset', 'row_count', 'query_hash', 'result_hash'];

const untrusted = () => t('verify.untrusted');

let queue = Promise.resolve();
/** Runs `f` after every proof request this page sent before it: requests stay sequential. */
function inTurn(f) {
  const run = queue.then(f, f);
  queue = run.catch(() => {});
  return run;
}

const proofs = new Map();
/** The checked outcome proof of transaction `txHash` under `validators` (fetched once per page
 * load; checked again if the trusted validators changed, e.g. a new pin). */
export function checkedProof(txHash, validators) {
  const seen = proofs.get(txHash);
  if (seen && seen.validators === validators) return seen.result;
  const result = inTurn(() => get(`/api/tx/${txHash}/proof`, 'OutcomeProofResponse'))
    .then((resp) => verifyOutcomeProof(resp, validators, txHash), (e) => ({ ok: false, reason: e.message, events: [] }));
  proofs.set(txHash, { validators, result });
  return result;
}

/** Whether receipt `row` (of `/api/grant/{id}/receipts`) is the receipt the checked proof
 * `checked` proves for grant `grantId`: {ok, reason, event, bytes}. */
export function matchReceipt(row, grantId, checked) {
  if (!checked.ok) return { ok: false, reason: checked.reason };
  const hit = checked.events.find(({ event }) => event.type === 'receipt_recorded' && event.grant === grantId
    && String(event.seq) === String(row.seq));
  if (!hit) return { ok: false, reason: `the proven transaction records no receipt ${row.seq} of this grant` };
  const differ = FIELDS.filter((f) => canonical(row[f]) !== canonical(hit.event[f]));
  if (row.fields_used !== hit.event.fields_used.join(';')) differ.push('fields_used');
  if (Number(row.height) !== checked.height) differ.push('height');
  if (differ.length) return { ok: false, reason: `the row's ${differ.join(', ')} differ from the proven receipt` };
  return { ok: true, reason: null, event: hit.event, bytes: hit.bytes };
}

function mark(slot, ok, text, testid, title = null) {
  slot.replaceChildren(el('span', { class: ok ? 'badge verified' : 'badge unverified', 'data-testid': testid, title }, text));
}

function pending(testid) {
  return el('span', { class: 'badge-slot', 'data-testid': testid }, el('span', { class: 'badge pending' }, t('verify.verifying')));
}

/** A slot that fills with the check of one receipt row. */
export function receiptMark(row, grantId) {
  const slot = pending('receipt-mark');
  (async () => {
    const validators = await trustedValidators();
    if (!validators) return mark(slot, false, untrusted(), 'receipt-not-verified');
    const m = matchReceipt(row, String(grantId).toLowerCase(), await checkedProof(row.tx_hash, validators));
    if (!m.ok) return mark(slot, false, t('verify.not_verified', { reason: m.reason }), 'receipt-not-verified');
    mark(slot, true, t('verify.ok'), 'receipt-verified', t('verify.receipt_ok_title'));
  })().catch((e) => mark(slot, false, t('verify.not_verified', { reason: e.message }), 'receipt-not-verified'));
  return slot;
}

/** Adds a check column to the receipts table inside `box` for `rows` (one page's). */
export function markRows(box, rows, grantId) {
  const table = box.querySelector('[data-testid="receipts-rows"]');
  if (!table) return;
  table.tHead.rows[0].append(el('th', {}, t('receipts.check')));
  rows.forEach((r, i) => { const tr = table.tBodies[0].rows[i]; if (tr) tr.append(el('td', {}, receiptMark(r, grantId))); });
}

function hexKey(grantId) {
  return Array.from(new TextEncoder().encode(HEAD_PREFIX), (b) => b.toString(16).padStart(2, '0')).join('') + grantId;
}

/** Every receipt of grant `grantId`, following `next`; null past `cap` rows. */
async function allReceipts(grantId, cap) {
  const rows = [];
  let after = null;
  do {
    const page = await fetchList(withParam(`/api/grant/${grantId}/receipts?limit=${PAGE}`, 'after', after), 'ReceiptsPage');
    rows.push(...page.rows);
    after = page.next;
    if (rows.length > cap) return null;
  } while (after);
  return rows;
}

/**
 * The completeness check of the receipts of grant `grantId` (the page's id; `uses` is the node's
 * GrantResponse.grant.uses, which only decides whether to read them): {ok, reason, n, height}. `ok` only when every listed receipt is proven and their proven events fold to the
 * receipt chain head proven from a certified state root.
 */
export async function checkCompleteness(grantId, uses, cap = COMPLETENESS_CAP) {
  const id = String(grantId).toLowerCase();
  const no = (reason) => ({ ok: false, reason });
  const validators = await trustedValidators();
  if (!validators) return no(untrusted());
  if (Number(uses) > cap) return no(t('receipts.too_many_uses', { uses, cap }));
  if (Number(uses) === 0) return no(t('receipts.none'));
  const rows = await allReceipts(id, cap);
  if (!rows) return no(t('receipts.too_many_rows', { cap }));
  rows.sort((a, b) => Number(a.seq) - Number(b.seq));
  const bytes = [];
  for (const r of rows) {
    const m = matchReceipt(r, id, await checkedProof(r.tx_hash, validators));
    if (!m.ok) return no(t('receipts.unproven', { seq: r.seq, reason: m.reason }));
    bytes.push(m.bytes);
  }
  const key = hexKey(id);
  const proof = await inTurn(() => get(`/api/proof/${key}`, 'ProofResponse'));
  const block = await inTurn(() => get(`/api/block/${proof.height}`, 'BlockResponse'));
  const chain = verifyObject(proof, block, validators, key);
  if (!chain.ok) return no(t('receipts.head_unproven', { reason: chain.reason }));
  const head = receiptChainHead(bytes);
  if (head !== String(proof.value).toLowerCase()) {
    return no(t('receipts.fold_differs', { n: rows.length, head, height: proof.height, proven: proof.value }));
  }
  return { ok: true, reason: null, n: rows.length, height: proof.height };
}

/** A slot that fills with the completeness check of grant `grantId`'s `uses` receipts. */
export function completenessMark(grantId, uses) {
  const slot = pending('receipts-completeness');
  checkCompleteness(grantId, uses).then((c) => {
    if (c.ok) {
      mark(slot, true, t('receipts.complete', { n: c.n, height: c.height }), 'receipts-complete');
    } else {
      mark(slot, false, c.reason, 'receipts-not-complete');
    }
  }).catch((e) => mark(slot, false, t('receipts.error', { reason: e.message }), 'receipts-not-complete'));
  return slot;
}
