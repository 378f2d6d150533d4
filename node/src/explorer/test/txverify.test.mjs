// The JavaScript half of test/tx-vector.json (the Rust half is node/src/explorer/tx_vector.rs):
// the genesis pin, the decoders of every call and event, and the transaction page's checks of a
// block the real contracts executed, with tampered variants that must be refused.
// Run: node --test node/src/explorer/test/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CALL, EVENT, TX_OUTCOME, decodeAll } from '../lib/schema.js';
import { genesisBytes, genesisHash, judgeGenesis, normalizePin, readPin, writePin } from '../lib/genesis.js';
import { verifyTx } from '../lib/txverify.js';
import { STALE_AFTER_MS, ageText, verifiedHead } from '../lib/head.js';
import { toHex } from '../lib/borsh.js';
import { setLang } from '../lib/i18n.js';

// The texts below are the Chinese ones (the default for a browser that prefers zh).
setLang('zh');

const v = JSON.parse(readFileSync(new URL('./tx-vector.json', import.meta.url), 'utf8'));
const clone = (x) => JSON.parse(JSON.stringify(x));
const flipLastByte = (hex) => hex.slice(0, -2) + (hex.endsWith('00') ? '01' : '00');
const { block, raw, txs } = v.chain;
const validators = v.genesis.json.validators;

test('the genesis is encoded and hashed as the node hashes it', () => {
  assert.equal(toHex(genesisBytes(v.genesis.json)), v.genesis.borsh);
  assert.equal(genesisHash(v.genesis.json), v.genesis.hash);
});

test('a matching pin trusts the genesis validators', () => {
  const t = judgeGenesis(v.genesis.json, v.genesis.hash);
  assert.equal(t.state, 'pinned');
  assert.deepEqual(t.validators, v.genesis.json.validators);
});

test('no pin: the hash is shown, nothing is trusted', () => {
  const t = judgeGenesis(v.genesis.json, null);
  assert.equal(t.state, 'unpinned');
  assert.equal(t.hash, v.genesis.hash);
  assert.equal(t.validators, null);
});

test('a node whose genesis differs from the pin is refused', () => {
  const other = judgeGenesis(v.genesis.json, 'ab'.repeat(32));
  assert.equal(other.state, 'mismatch');
  assert.equal(other.validators, null);
  // A node that swaps in its own validator set (or changes one power) no longer matches the pin.
  const forged = clone(v.genesis.json);
  forged.validators[0].public_key = forged.validators[1].public_key.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
  assert.equal(judgeGenesis(forged, v.genesis.hash).state, 'mismatch');
  const heavier = clone(v.genesis.json);
  heavier.validators[3].power += 100;
  assert.equal(judgeGenesis(heavier, v.genesis.hash).state, 'mismatch');
  const richer = clone(v.genesis.json);
  richer.organizations[0].balance += 1;
  assert.equal(judgeGenesis(richer, v.genesis.hash).state, 'mismatch');
  // A genesis the explorer cannot encode is never trusted.
  const odd = clone(v.genesis.json);
  odd.organizations[0].roles = ['emperor'];
  const t = judgeGenesis(odd, v.genesis.hash);
  assert.equal(t.state, 'invalid');
  assert.equal(t.validators, null);
});

test('the pin is kept in storage, normalized, and a malformed one counts as none', () => {
  const m = new Map();
  const storage = { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, x) => m.set(k, x), removeItem: (k) => m.delete(k) };
  assert.equal(readPin(storage), null);
  assert.equal(writePin(` ${v.genesis.hash.toUpperCase()} `, storage), v.genesis.hash);
  assert.equal(readPin(storage), v.genesis.hash);
  assert.equal(writePin('not a hash', storage), null);
  assert.equal(readPin(storage), null);
  assert.equal(normalizePin('ab'.repeat(31)), null);
  writePin(v.genesis.hash, storage);
  writePin(null, storage);
  assert.equal(readPin(storage), null);
});

test('every call decodes from its bytes to the JSON the node prints, and every variant is covered', () => {
  const seen = new Set();
  for (const c of v.calls) {
    const d = decodeAll(CALL, c.bytes);
    assert.deepEqual(d, c.json);
    seen.add(`${d.contract}.${Object.keys(d.call)[0]}`);
  }
  for (const [contract, inner] of CALL.enum) {
    for (const [name] of inner.enum) assert.ok(seen.has(`${contract}.${name}`), `the vector has no ${contract}.${name}`);
  }
});

test('every event decodes from its bytes to the JSON the node prints, and every variant is covered', () => {
  const seen = new Set();
  for (const e of v.events) {
    const d = decodeAll(EVENT, e.bytes);
    assert.deepEqual(d, e.json);
    seen.add(d.type);
  }
  for (const [name] of EVENT.enum) assert.ok(seen.has(name), `the vector has no ${name}`);
  assert.throws(() => decodeAll(EVENT, `${toHex(Uint8Array.of(EVENT.enum.length))}`), /not known/);
  assert.throws(() => decodeAll(CALL, `${v.calls[0].bytes}00`), /trailing/);
});

const check = (i, over = {}) => verifyTx({
  block, raw, index: i, txHash: txs[i].hash, validators,
  shown: { call: block.txs[i].call, outcome: txs[i].outcome }, ...over,
});
const parts = (r) => Object.fromEntries(Object.entries(r).map(([k, x]) => [k, x.ok]));
const ALL_OK = { block: true, tx: true, call: true, outcome: true, events: true };

test('every transaction of the block verifies: call, outcome and events', () => {
  assert.ok(txs.some((t) => t.outcome.events.length > 0), 'the vector has events');
  assert.ok(txs.some((t) => t.outcome.status === 'failed'), 'the vector has a failed call');
  for (let i = 0; i < txs.length; i++) {
    const r = check(i);
    assert.deepEqual(parts(r), ALL_OK, JSON.stringify(r));
    assert.deepEqual(r.call.value, block.txs[i].call);
    assert.deepEqual(r.outcome.value, txs[i].outcome);
    assert.equal(decodeAll(TX_OUTCOME, raw.outcomes[i]).tx_hash, txs[i].hash);
  }
});

const withEvents = txs.findIndex((t) => t.outcome.events.length > 0);
const failed = txs.findIndex((t) => t.outcome.status === 'failed');

test('a tampered outcome in the node\'s JSON is refused and the certified one is shown', () => {
  const shown = clone(txs[failed].outcome);
  shown.status = 'success';
  shown.error = null;
  const r = check(failed, { shown: { call: block.txs[failed].call, outcome: shown } });
  assert.equal(r.outcome.ok, false);
  assert.equal(r.outcome.value.status, 'failed', 'the page shows the certified outcome');
  assert.equal(r.call.ok, true, 'the call itself still verifies');
});

test('a tampered or hidden event in the node\'s JSON is refused', () => {
  const shown = clone(txs[withEvents].outcome);
  const first = shown.events[0];
  const k = Object.keys(first).find((x) => x !== 'type');
  first[k] = typeof first[k] === 'string' ? first[k].replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) : first[k];
  assert.equal(check(withEvents, { shown: { call: block.txs[withEvents].call, outcome: shown } }).events.ok, false);
  const hidden = clone(txs[withEvents].outcome);
  hidden.events = [];
  const r = check(withEvents, { shown: { call: block.txs[withEvents].call, outcome: hidden } });
  assert.equal(r.events.ok, false);
  assert.deepEqual(r.events.value, txs[withEvents].outcome.events, 'the certified events are shown');
});

test('a tampered call in the node\'s JSON is refused', () => {
  const call = clone(block.txs[withEvents].call);
  call.contract = call.contract === 'settlement' ? 'catalog' : 'settlement';
  assert.equal(check(withEvents, { shown: { call, outcome: txs[withEvents].outcome } }).call.ok, false);
});

test('tampered bytes (an outcome, a transaction) do not hash to the certified roots', () => {
  const badOutcome = clone(raw);
  badOutcome.outcomes[withEvents] = flipLastByte(badOutcome.outcomes[withEvents]);
  const r = check(withEvents, { raw: badOutcome });
  assert.equal(r.outcome.ok, false);
  assert.match(r.outcome.reason, /outcomes_root/);
  assert.equal(r.events.ok, false);
  const badTx = clone(raw);
  badTx.txs[0] = flipLastByte(badTx.txs[0]);
  const t = check(0, { raw: badTx });
  assert.equal(t.tx.ok, false);
  assert.equal(t.call.ok, false);
  assert.equal(t.outcome.ok, false);
  // The outcome of one transaction is not accepted for another.
  const swapped = clone(raw);
  [swapped.outcomes[0], swapped.outcomes[1]] = [swapped.outcomes[1], swapped.outcomes[0]];
  assert.equal(check(0, { raw: swapped }).outcome.ok, false);
});

test('without the pinned genesis validators nothing on the page is verified', () => {
  for (const vs of [null, validators.slice(0, 2)]) {
    const r = check(withEvents, { validators: vs });
    assert.deepEqual(parts(r), { block: false, tx: false, call: false, outcome: false, events: false });
  }
  const r = check(0, { txHash: txs[1].hash });
  assert.equal(r.tx.ok, false);
});

test('the verified head says its age and is stale past the bound', () => {
  const at = Number(block.header.timestamp_ms);
  const fresh = verifiedHead(block, validators, at + 5_000);
  assert.equal(fresh.ok, true);
  assert.equal(fresh.stale, false);
  assert.match(fresh.text, new RegExp(`已验证高度 ${block.header.height}，5 秒前`));
  const old = verifiedHead(block, validators, at + STALE_AFTER_MS + 1_000);
  assert.equal(old.stale, true);
  assert.match(old.text, /分钟前/);
  assert.equal(verifiedHead(block, null, at).ok, false);
  assert.equal(ageText(-5_000), '刚刚');
  assert.match(ageText(3 * 3600 * 1000), /3 小时前/);
});
