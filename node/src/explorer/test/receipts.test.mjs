// The explorer's receipt checks against test/outcome-proof-vector.json (written by the Rust test
// node/src/explorer/outcome_vector.rs from a real in-memory chain): list proofs as
// runtime::merkle::verify_list_proof, the outcome proof of a receipt as OutcomeProof::verify, the
// receipt chain fold as runtime::events::next_receipt_head, and the row check of the grant page.
// Run: node --test node/src/explorer/test/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fromHex, toHex } from '../lib/borsh.js';
import { genesisHash } from '../lib/genesis.js';
import { receiptChainHead, nextReceiptHead, verifyListProof, verifyOutcomeProof } from '../lib/verify.js';
import { matchReceipt } from '../lib/receipts.js';

const v = JSON.parse(readFileSync(new URL('./outcome-proof-vector.json', import.meta.url), 'utf8'));
const r = v.receipts;
const validators = r.genesis.json.validators;
const copy = (x) => JSON.parse(JSON.stringify(x));
/** `hex` with the bit 0x01 of byte `i` flipped. */
const flip = (hex, i) => { const b = fromHex(hex); b[i] ^= 1; return toHex(b); };

test('the vector\'s genesis is the one the explorer would pin', () => {
  assert.equal(genesisHash(r.genesis.json), r.genesis.hash);
});

test('verifyListProof accepts every index of every list length the runtime proves', () => {
  for (const c of v.list_proofs) assert.ok(verifyListProof(c.root, c.leaf, c.proof), `item ${c.proof.index} of ${c.proof.count}`);
});

test('verifyListProof refuses another leaf, another index, an extra or changed sibling', () => {
  const other = 'ab'.repeat(32);
  for (const c of v.list_proofs) {
    const at = `item ${c.proof.index} of ${c.proof.count}`;
    assert.ok(!verifyListProof(c.root, other, c.proof), `${at}: another leaf`);
    assert.ok(!verifyListProof(flip(c.root, 0), c.leaf, c.proof), `${at}: another root`);
    const n = c.proof.count;
    for (const index of [c.proof.index + 1, c.proof.index - 1, n, -1, 0.5]) {
      if (index === c.proof.index || (n === 1 && index === 0)) continue;
      assert.ok(!verifyListProof(c.root, c.leaf, { ...c.proof, index }), `${at}: index ${index}`);
    }
    assert.ok(!verifyListProof(c.root, c.leaf, { ...c.proof, siblings: [...c.proof.siblings, c.leaf] }), `${at}: an extra sibling`);
    c.proof.siblings.forEach((s, k) => {
      const siblings = [...c.proof.siblings];
      siblings[k] = flip(s, 31);
      assert.ok(!verifyListProof(c.root, c.leaf, { ...c.proof, siblings }), `${at}: sibling ${k} changed`);
    });
    if (c.proof.siblings.length) {
      assert.ok(!verifyListProof(c.root, c.leaf, { ...c.proof, siblings: c.proof.siblings.slice(1) }), `${at}: a sibling left out`);
    }
  }
  const c = v.list_proofs.find((x) => x.proof.count === 1);
  assert.ok(!verifyListProof(c.root, c.leaf, { ...c.proof, siblings: Array(65).fill(c.leaf) }), 'more than 64 siblings');
  assert.ok(!verifyListProof(c.root, c.leaf.slice(2), c.proof), 'a 31-byte leaf');
});

test('verifyOutcomeProof accepts the receipt\'s real outcome proof and decodes it from the bytes', () => {
  const got = verifyOutcomeProof(r.proof, validators, r.proof.tx_hash);
  assert.equal(got.reason, null);
  assert.ok(got.ok);
  assert.equal(got.height, r.proof.header.height);
  assert.deepEqual(got.outcome.events, r.proof.outcome.events, 'the decoded events are the node\'s');
  const seq2 = r.chain.find((s) => s.json.seq === 2);
  assert.equal(toHex(got.events[0].bytes), seq2.event, 'the event\'s own bytes are sliced from the outcome bytes');
});

test('verifyOutcomeProof refuses a changed outcome byte, a changed sibling, a forged root and another transaction', () => {
  const bad = (p, tx = r.proof.tx_hash) => verifyOutcomeProof(p, validators, tx);
  const bytes = fromHex(r.proof.outcome_bytes);
  for (const i of [0, 40, bytes.length - 1]) {
    const p = copy(r.proof);
    p.outcome_bytes = flip(p.outcome_bytes, i);
    const got = bad(p);
    assert.ok(!got.ok, `outcome byte ${i}`);
    assert.match(got.reason, /not in the block/);
  }
  const p = copy(r.proof);
  p.path.siblings[0] = flip(p.path.siblings[0], 0);
  assert.match(bad(p).reason, /not in the block/);
  const moved = copy(r.proof);
  moved.path.index += 1;
  assert.ok(!bad(moved).ok, 'another position');
  const forged = copy(r.proof);
  forged.header.outcomes_root = flip(forged.header.outcomes_root, 0);
  assert.match(bad(forged).reason, /not proven final/);
  assert.match(bad(r.proof, r.other_tx).reason, /is for transaction/);
  assert.ok(!verifyOutcomeProof(r.proof, null, r.proof.tx_hash).ok, 'no pinned validators');
  const strangers = [{ name: 'x', public_key: 'cd'.repeat(32), power: 1 }];
  assert.ok(!verifyOutcomeProof(r.proof, strangers, r.proof.tx_hash).ok, 'another validator set');
});

test('the JavaScript fold of the receipt chain gives the Rust heads, ending at the head in state', () => {
  let head = '00'.repeat(32);
  for (const s of r.chain) {
    head = nextReceiptHead(head, fromHex(s.event));
    assert.equal(head, s.head, `after receipt ${s.json.seq}`);
  }
  assert.equal(receiptChainHead(r.chain.map((s) => fromHex(s.event))), r.head_in_state);
  assert.notEqual(receiptChainHead(r.chain.slice(1).map((s) => fromHex(s.event))), r.head_in_state, 'one left out');
  assert.notEqual(receiptChainHead([...r.chain].reverse().map((s) => fromHex(s.event))), r.head_in_state, 'another order');
});

test('a receipt row is marked only when it equals the proven receipt', () => {
  const checked = verifyOutcomeProof(r.proof, validators, r.proof.tx_hash);
  const e = r.chain.find((s) => s.json.seq === 2).json;
  const row = {
    height: r.proof.height, tx_hash: r.proof.tx_hash, grant: e.grant, seq: e.seq, grantee: e.grantee, dataset: e.dataset,
    row_count: e.row_count, query_hash: e.query_hash, result_hash: e.result_hash, fields_used: e.fields_used.join(';'),
  };
  const m = matchReceipt(row, r.grant, checked);
  assert.ok(m.ok, m.reason);
  assert.equal(toHex(m.bytes), r.chain.find((s) => s.json.seq === 2).event);
  assert.match(matchReceipt({ ...row, row_count: e.row_count + 1 }, r.grant, checked).reason, /row_count/);
  assert.match(matchReceipt({ ...row, fields_used: 'district' }, r.grant, checked).reason, /fields_used/);
  assert.match(matchReceipt({ ...row, height: row.height + 1 }, r.grant, checked).reason, /height/);
  assert.match(matchReceipt({ ...row, seq: 3 }, r.grant, checked).reason, /no receipt 3/);
  assert.ok(!matchReceipt(row, 'ef'.repeat(32), checked).ok, 'another grant');
  assert.ok(!matchReceipt(row, r.grant, { ok: false, reason: 'x', events: [] }).ok, 'an unverified proof');
});
