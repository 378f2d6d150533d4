// A transaction: signer, call, outcome and events, each marked verified only for what this
// browser checked (lib/txverify.js): the call is decoded from the transaction's bytes that hash
// to the certified tx_root, the outcome and events from the outcome's bytes that hash to the
// certified outcomes_root. What was not checked is shown as the node's word, marked unverified.

import { get } from '../lib/api.js';
import { missingFields } from '../lib/shapes.js';
import { show, trustedValidators } from '../lib/badge.js';
import { verifyTx } from '../lib/txverify.js';
import { el, eventsTable, kv, link, pre, section } from '../lib/ui.js';

const pending = () => el('span', { class: 'badge-slot' }, el('span', { class: 'badge pending' }, '验证中… (verifying)'));

/** Fills `slot` with the verdict of one part. */
function mark(slot, part, what) {
  if (part.ok) show(slot, true, `已验证 (verified): ${what}`);
  else show(slot, false, `未验证 (not verified): ${part.reason}`);
}

export async function render(hash) {
  const t = await get(`/api/tx/${hash}`);
  if (t.status !== 'committed') {
    return el('div', {}, el('h1', {}, '交易 (Transaction)'), kv([['hash', t.hash], ['status', t.status],
      ['reason', t.reason ? `${t.reason.code}: ${t.reason.message}` : null]]));
  }
  const missing = missingFields('TxStatusResponse', t);
  if (missing.length) throw new Error(`/api/tx/${hash}: the node's answer is not a TxStatusResponse: it lacks ${missing.join(', ')}`);
  const b = await get(`/api/block/${t.height}`, 'BlockResponse');
  const tx = b.txs[t.index] || {};
  const slots = { tx: pending(), call: pending(), outcome: pending(), events: pending() };
  const callBox = el('div', {}, pre(tx.call));
  const outcomeText = el('span', { 'data-testid': 'outcome' }, t.outcome.status);
  const errorText = el('span', {}, t.outcome.error ? `${t.outcome.error.code}: ${t.outcome.error.message}` : '—');
  const accountCell = el('span', {}, link('org', t.outcome.account));
  const signerCell = el('span', {}, tx.sender);
  const nonceCell = el('span', {}, String(tx.nonce));
  const eventsOf = (evs) => eventsTable(evs.map((event, i) => ({ height: t.height, tx_hash: t.hash, event_index: i, event })), { 'data-testid': 'events' });
  const eventsBox = el('div', {}, eventsOf(t.outcome.events));
  const eventsTitle = el('span', {}, `${t.outcome.events.length}`);

  (async () => {
    const validators = await trustedValidators();
    const raw = await get(`/api/block/${t.height}/raw`, 'RawBlockResponse');
    const v = verifyTx({ block: b, raw, index: t.index, txHash: t.hash, validators, shown: { call: tx.call, outcome: t.outcome } });
    mark(slots.tx, v.tx, `签名交易在已认证区块中 (signed bytes in the certified block ${t.height})`);
    // Whatever was decoded from certified bytes replaces the node's JSON on the page.
    if (v.call.value) callBox.replaceChildren(pre(v.call.value));
    if (v.tx.value) { signerCell.textContent = v.tx.value.sender; nonceCell.textContent = String(v.tx.value.nonce); }
    mark(slots.call, v.call, '由交易字节解码 (decoded from the signed bytes)');
    const o = v.outcome.value;
    if (o) {
      outcomeText.textContent = o.status;
      errorText.textContent = o.error ? `${o.error.code}: ${o.error.message}` : '—';
      accountCell.replaceChildren(link('org', o.account));
    }
    mark(slots.outcome, v.outcome, '结果在 outcomes_root 中 (outcome under the certified outcomes_root)');
    if (v.events.value) { eventsBox.replaceChildren(eventsOf(v.events.value)); eventsTitle.textContent = `${v.events.value.length}`; }
    mark(slots.events, v.events, '事件在 outcomes_root 中 (events under the certified outcomes_root)');
  })().catch((e) => { for (const s of Object.values(slots)) show(s, false, `未验证 (not verified): ${e.message}`); });

  return el('div', {},
    el('h1', {}, '交易 (Transaction) ', slots.tx),
    kv([
      ['hash', t.hash], ['block', link('block', t.height, `${t.height} (position ${t.index})`)],
      ['signer key', signerCell], ['acting organization', accountCell], ['nonce', nonceCell],
      ['call', tx.call_name], ['outcome', el('span', {}, outcomeText, ' ', slots.outcome)],
      ['error', errorText],
    ]),
    el('p', { class: 'muted' }, '调用名称取自节点 JSON；签名者、nonce、调用、结果与事件在验证后以已认证字节解码的内容显示。 (The call name is the node\'s JSON; signer, nonce, call, outcome and events are replaced by what the certified bytes decode to.)'),
    section('调用 (Decoded call)', el('p', {}, slots.call), callBox),
    el('section', {}, el('h2', {}, '事件 (Events) (', eventsTitle, ') ', slots.events), eventsBox));
}
