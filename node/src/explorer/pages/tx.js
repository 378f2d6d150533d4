// A transaction: signer, call, outcome and events, each marked verified only for what this
// browser checked (lib/txverify.js): the call is decoded from the transaction's bytes that hash
// to the certified tx_root, the outcome and events from the outcome's bytes that hash to the
// certified outcomes_root. What was not checked is shown as the node's word, marked unverified.

import { get } from '../lib/api.js';
import { missingFields } from '../lib/shapes.js';
import { show, trustedValidators } from '../lib/badge.js';
import { verifyTx } from '../lib/txverify.js';
import { t } from '../lib/i18n.js';
import { el, eventsTable, kv, link, pre, section } from '../lib/ui.js';

const pending = () => el('span', { class: 'badge-slot' }, el('span', { class: 'badge pending' }, t('verify.verifying')));

/** Fills `slot` with the verdict of one part. */
function mark(slot, part, what) {
  if (part.ok) show(slot, true, t('verify.ok_what', { what }));
  else show(slot, false, t('verify.not_verified', { reason: part.reason }));
}

export async function render(hash) {
  const x = await get(`/api/tx/${hash}`);
  if (x.status !== 'committed') {
    return el('div', {}, el('h1', {}, t('tx.title')), kv([[t('chain.hash'), x.hash], [t('col.status'), t(`tx.status_${x.status}`)],
      [t('col.reason'), x.reason ? `${x.reason.code}: ${x.reason.message}` : null]]));
  }
  const missing = missingFields('TxStatusResponse', x);
  if (missing.length) throw new Error(`/api/tx/${hash}: the node's answer is not a TxStatusResponse: it lacks ${missing.join(', ')}`);
  const b = await get(`/api/block/${x.height}`, 'BlockResponse');
  const tx = b.txs[x.index] || {};
  const slots = { tx: pending(), call: pending(), outcome: pending(), events: pending() };
  const callBox = el('div', {}, pre(tx.call));
  const outcomeText = el('span', { 'data-testid': 'outcome', 'data-value': x.outcome.status }, t(`outcome.${x.outcome.status}`));
  const errorText = el('span', {}, x.outcome.error ? `${x.outcome.error.code}: ${x.outcome.error.message}` : '—');
  const accountCell = el('span', {}, link('org', x.outcome.account));
  const signerCell = el('span', {}, tx.sender);
  const nonceCell = el('span', {}, String(tx.nonce));
  const eventsOf = (evs) => eventsTable(evs.map((event, i) => ({ height: x.height, tx_hash: x.hash, event_index: i, event })), { 'data-testid': 'events' });
  const eventsBox = el('div', {}, eventsOf(x.outcome.events));
  const eventsTitle = el('span', {}, `${x.outcome.events.length}`);

  (async () => {
    const validators = await trustedValidators();
    const raw = await get(`/api/block/${x.height}/raw`, 'RawBlockResponse');
    const v = verifyTx({ block: b, raw, index: x.index, txHash: x.hash, validators, shown: { call: tx.call, outcome: x.outcome } });
    mark(slots.tx, v.tx, t('tx.bytes_ok', { height: x.height }));
    // Whatever was decoded from certified bytes replaces the node's JSON on the page.
    if (v.call.value) callBox.replaceChildren(pre(v.call.value));
    if (v.tx.value) { signerCell.textContent = v.tx.value.sender; nonceCell.textContent = String(v.tx.value.nonce); }
    mark(slots.call, v.call, t('tx.call_ok'));
    const o = v.outcome.value;
    if (o) {
      outcomeText.textContent = t(`outcome.${o.status}`);
      outcomeText.dataset.value = o.status;
      errorText.textContent = o.error ? `${o.error.code}: ${o.error.message}` : '—';
      accountCell.replaceChildren(link('org', o.account));
    }
    mark(slots.outcome, v.outcome, t('tx.outcome_ok'));
    if (v.events.value) { eventsBox.replaceChildren(eventsOf(v.events.value)); eventsTitle.textContent = `${v.events.value.length}`; }
    mark(slots.events, v.events, t('tx.events_ok'));
  })().catch((e) => { for (const s of Object.values(slots)) show(s, false, t('verify.not_verified', { reason: e.message })); });

  return el('div', {},
    el('h1', {}, t('tx.title'), ' ', slots.tx),
    kv([
      [t('chain.hash'), x.hash], [t('tx.block'), link('block', x.height, t('tx.position', { height: x.height, index: x.index }))],
      [t('tx.signer'), signerCell], [t('tx.account'), accountCell], [t('block.nonce'), nonceCell],
      [t('block.call'), tx.call_name], [t('block.outcome'), el('span', {}, outcomeText, ' ', slots.outcome)],
      [t('tx.error'), errorText],
    ]),
    el('p', { class: 'muted' }, t('tx.note')),
    section(t('tx.decoded_call'), el('p', {}, slots.call), callBox),
    el('section', {}, el('h2', {}, t('tx.events'), ' (', eventsTitle, ') ', slots.events), eventsBox));
}
