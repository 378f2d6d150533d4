// The explorer follows validator-set changes as the node's SetTracker does (lib/valsets.js,
// runtime/src/valset.rs): the set hash is the Rust one, and a change counts only if the set in
// force certifies its header and the served set hashes to what the header names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setHash, signersAt } from '../lib/valsets.js';

const K1 = '8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c';
const K2 = '8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394';

test('the set hash is the one runtime/src/valset.rs pins', () => {
  const set = { validators: [{ name: '交通局 transport', public_key: K1, power: 1 }, { name: 'v2', public_key: K2, power: 3 }] };
  assert.equal(setHash(set), '089ca582c098f66b6cb412bb481f170e88b440113bdab5f7adedd1e2f9b6e6d1');
});

// A stand-in for the certificate check: a header is "certified" by a set holding its `signer`.
const verify = (header, _cert, validators) => (validators.some((v) => v.public_key === header.signer)
  ? { ok: true } : { ok: false, reason: `${header.signer} is not in the set` });
const genesis = [{ name: 'g', public_key: K1, power: 1 }];
const next = { validators: [{ name: 'n', public_key: K2, power: 1 }] };
const change = (height, signer, set, named = setHash(set)) => ({ height, header: { signer, next_validators_hash: named }, certificate: {}, validators: set });

test('a block is checked against the set in force at its height', () => {
  const changes = [change(5, K1, next)];
  assert.deepEqual(signersAt(genesis, changes, 5, verify).validators, genesis, 'header 5 names the set of block 6');
  assert.deepEqual(signersAt(genesis, changes, 6, verify).validators, next.validators);
  assert.deepEqual(signersAt(genesis, changes, 1000, verify).validators, next.validators);
});

test('a change not certified by the set in force, or with another set than its header names, is refused', () => {
  const uncertified = signersAt(genesis, [change(5, K2, next)], 9, verify);
  assert.equal(uncertified.ok, false);
  assert.match(uncertified.reason, /not certified/);
  const swapped = signersAt(genesis, [change(5, K1, next, setHash({ validators: genesis }))], 9, verify);
  assert.equal(swapped.ok, false);
  assert.match(swapped.reason, /not the one its header names/);
  const unordered = signersAt(genesis, [change(5, K1, next), change(5, K2, { validators: genesis })], 9, verify);
  assert.equal(unordered.ok, false);
});
