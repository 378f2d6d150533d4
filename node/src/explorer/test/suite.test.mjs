// The explorer's crypto suites (lib/suite.js): the national standards' examples through the
// vendored sm-crypto-v2 (SM3: GM/T 0004; SM2: the GM/T 0003.5 signature example, the same one
// runtime/src/sm2key/tests.rs checks through RustCrypto's crate), and the Rust-made SM2 vector
// (test/vector-sm2-sm3.json, node/src/explorer/tests.rs): an SM2 certificate, SM3 block hash and
// SM3 state proofs verified here, and every kind of bad signature refused.
// Run: node --test node/src/explorer/test/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ED25519_BLAKE3, SM2_SM3, digest, setSuite, suite, verifySignature } from '../lib/suite.js';
import { blockHash, proofRoot, verifyCertificate } from '../lib/verify.js';
import { genesisBytes, genesisHash, judgeGenesis } from '../lib/genesis.js';
import { concat, fromHex, toHex } from '../lib/borsh.js';
import * as ed from '../vendor/noble-ed25519/index.js';

const v = JSON.parse(readFileSync(new URL('./vector-sm2-sm3.json', import.meta.url), 'utf8'));
const clone = (x) => JSON.parse(JSON.stringify(x));
const utf8 = new TextEncoder();
const N = 'fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123';

test('SM3 gives GM/T 0004\'s examples', () => {
  assert.equal(toHex(digest(utf8.encode('abc'), SM2_SM3)), '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
  assert.equal(toHex(digest(utf8.encode('abcd'.repeat(16)), SM2_SM3)), 'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732');
});

test('the vendored SM2 verifies GM/T 0003.5\'s signature example and refuses it altered', () => {
  const SM = globalThis.SmCryptoV2;
  const pub = '04' + '09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020'
    + 'ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13';
  const sig = 'f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3'
    + 'b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa';
  const opts = { hash: true, userId: '1234567812345678' };
  assert.equal(SM.sm2.doVerifySignature(utf8.encode('message digest'), sig, pub, opts), true);
  assert.equal(SM.sm2.doVerifySignature(utf8.encode('message digesT'), sig, pub, opts), false);
});

test('an SM2 chain\'s block hash, certificate and state proofs from Rust verify here', () => {
  setSuite(SM2_SM3);
  assert.equal(suite(), SM2_SM3);
  assert.equal(v.suite, SM2_SM3);
  assert.equal(blockHash(v.header), v.hash);
  assert.equal(verifyCertificate(v.header, v.certificate, v.validators).ok, true);
  for (const o of v.objects) assert.equal(proofRoot(o.key, o.value, o.proof.siblings), v.header.state_root, o.kind);
  // Under the other suite nothing of it holds.
  setSuite(ED25519_BLAKE3);
  assert.notEqual(blockHash(v.header), v.hash);
  assert.equal(verifyCertificate(v.header, v.certificate, v.validators).ok, false);
  setSuite(SM2_SM3);
});

test('a flipped bit, a scalar out of range and an ed25519 signature are each refused on an SM2 chain', () => {
  setSuite(SM2_SM3);
  const s = v.certificate.signatures[0];
  const key = fromHex(s.validator);
  const msg = concat(utf8.encode(v.vote_sign_tag), Uint8Array.of(0), fromHex(v.vote_sign_bytes));
  const sig = fromHex(s.signature);
  assert.equal(verifySignature(sig, msg, key), true);
  const flipped = sig.slice();
  flipped[40] ^= 1;
  assert.equal(verifySignature(flipped, msg, key), false);
  for (const [at, value] of [[0, '00'.repeat(32)], [32, '00'.repeat(32)], [0, N], [32, N]]) {
    const bad = sig.slice();
    bad.set(fromHex(value), at);
    assert.equal(verifySignature(bad, msg, key), false, `scalar at ${at} = ${value}`);
  }
  // A valid ed25519 signature (its own key) is no SM2 signature.
  const secret = new Uint8Array(32).fill(7);
  const edKey = ed.getPublicKey(secret);
  const edSig = ed.sign(msg, secret);
  assert.equal(verifySignature(edSig, msg, edKey, ED25519_BLAKE3), true);
  assert.equal(verifySignature(edSig, msg, edKey), false);
  // Nor the reverse.
  assert.equal(verifySignature(sig, msg, key, ED25519_BLAKE3), false);
  const cert = clone(v.certificate);
  cert.signatures[0].signature = toHex(flipped);
  assert.match(verifyCertificate(v.header, cert, v.validators).reason, /does not verify/);
});

test('a genesis naming sm2-sm3 encodes its suite, hashes under SM3 and sets the page\'s suite when pinned', () => {
  setSuite(ED25519_BLAKE3);
  const g = v.genesis;
  assert.equal(toHex(genesisBytes(g.json)), g.borsh);
  assert.equal(genesisHash(g.json), g.hash);
  const verdict = judgeGenesis(g.json, g.hash);
  assert.equal(verdict.state, 'pinned');
  assert.equal(suite(), SM2_SM3);
  // The same genesis claiming the default suite hashes to something else: the pin refuses it.
  setSuite(ED25519_BLAKE3);
  const lying = { ...g.json };
  delete lying.crypto;
  assert.equal(judgeGenesis(lying, g.hash).state, 'mismatch');
  assert.equal(suite(), ED25519_BLAKE3);
  assert.throws(() => genesisBytes({ ...g.json, crypto: 'rsa-sha1' }), /unknown crypto suite/);
});
