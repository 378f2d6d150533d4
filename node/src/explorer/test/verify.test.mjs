// The JavaScript half of the shared test vector (the Rust half is node/src/explorer/tests.rs):
// the explorer's verifier must accept test/vector.json and refuse every tampered variant.
// Run: node --test node/src/explorer/test/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { blockHash, headerBytes, precommitBytes, proofRoot, verifyCertificate, verifyObject } from '../lib/verify.js';
import { KEY_PREFIX, decodeValue, matchesShown } from '../lib/decode.js';
import { toHex } from '../lib/borsh.js';

const v = JSON.parse(readFileSync(new URL('./vector.json', import.meta.url), 'utf8'));
const block = { hash: v.hash, header: v.header, certificate: v.certificate };
const clone = (x) => JSON.parse(JSON.stringify(x));
const proofOf = (o) => ({ key: o.key, value: o.value, proof: o.proof, block_hash: v.hash, state_root: v.header.state_root });

test('header and vote bytes are the ones Rust hashes and signs', () => {
  assert.equal(toHex(headerBytes(v.header)), v.header_borsh);
  assert.equal(blockHash(v.header), v.hash);
  const c = v.certificate;
  assert.equal(toHex(precommitBytes(v.header.chain_id, c.height, c.round, c.block_hash)), v.vote_sign_bytes);
});

test('the certificate verifies with a quorum and fails when tampered', () => {
  assert.deepEqual(verifyCertificate(v.header, v.certificate, v.validators).ok, true);
  const badSig = clone(v.certificate);
  badSig.signatures[0].signature = badSig.signatures[0].signature.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  assert.equal(verifyCertificate(v.header, badSig, v.validators).ok, false);
  const few = clone(v.certificate);
  few.signatures = few.signatures.slice(0, 1);
  assert.match(verifyCertificate(v.header, few, v.validators).reason, /quorum/);
  const dup = clone(v.certificate);
  dup.signatures[1] = dup.signatures[0];
  assert.match(verifyCertificate(v.header, dup, v.validators).reason, /twice/);
  const otherHeader = { ...v.header, state_root: '00'.repeat(32) };
  assert.equal(verifyCertificate(otherHeader, v.certificate, v.validators).ok, false);
  const stranger = v.validators.slice(0, 3); // validator 4 signed but is not in this set
  assert.equal(verifyCertificate(v.header, v.certificate, stranger).ok, false);
});

test('every object proof leads to the certified state root and decodes to the shown object', () => {
  for (const o of v.objects) {
    assert.equal(proofRoot(o.key, o.value, o.proof.siblings), v.header.state_root, o.kind);
    assert.deepEqual(verifyObject(proofOf(o), block, v.validators, o.key), { ok: true, reason: null }, o.kind);
    assert.deepEqual(decodeValue(o.kind, o.value), o.json, o.kind);
    assert.equal(matchesShown(o.kind, o.value, o.json).ok, true, o.kind);
  }
});

test('every kind a page verifies is decoded, so "verified" binds the object on screen', () => {
  const kinds = new Set(v.objects.map((o) => o.kind));
  for (const kind of Object.keys(KEY_PREFIX)) {
    assert.ok(kinds.has(kind), `the vector has no ${kind}`);
  }
  for (const o of v.objects) assert.notEqual(matchesShown(o.kind, o.value, o.json).unbound, true, o.kind);
});

test('a tampered proof, value or shown object is refused', () => {
  for (const o of v.objects) {
    const p = proofOf(o);
    const sib = clone(p);
    sib.proof.siblings[0] = sib.proof.siblings[0].replace(/^./, (c) => (c === 'f' ? 'e' : 'f'));
    assert.equal(verifyObject(sib, block, v.validators, o.key).ok, false);
    const val = clone(p);
    val.value = val.value.slice(0, -2) + (val.value.endsWith('00') ? '01' : '00');
    assert.equal(verifyObject(val, block, v.validators, o.key).ok, false);
    const shown = clone(o.json);
    shown.id = 'ff'.repeat(32);
    assert.equal(matchesShown(o.kind, o.value, shown).ok, false);
  }
});

test('a valid proof of another key than the one requested is refused', () => {
  const [a, b] = v.objects;
  assert.notEqual(a.key, b.key);
  // The proof of `b` is valid against the certified root...
  assert.equal(verifyObject(proofOf(b), block, v.validators, b.key).ok, true);
  // ...but the page asked for `a`: a node answering with another object's proof is refused.
  const r = verifyObject(proofOf(b), block, v.validators, a.key);
  assert.equal(r.ok, false);
  assert.match(r.reason, /not the requested key/);
  // Upper-case hex of the same key is the same key.
  assert.equal(verifyObject(proofOf(a), block, v.validators, a.key.toUpperCase()).ok, true);
  // No key asked for is no check passed.
  assert.equal(verifyObject(proofOf(a), block, v.validators).ok, false);
  // Without a trusted validator set (no pinned genesis) nothing verifies.
  assert.equal(verifyObject(proofOf(a), block, null, a.key).ok, false);
});
