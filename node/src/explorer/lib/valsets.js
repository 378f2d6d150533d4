// The validator set in force at a height, followed from the pinned genesis through every header
// that names a new set (runtime/src/valset.rs `SetTracker`; docs/consensus.md, "Certificates
// across set changes"). Each change is accepted only if the set in force before it certifies the
// header, and the set's bytes hash to the header's `next_validators_hash`.
//
// The changes come from the node (`GET /api/validator-sets`). A node that hides a change can only
// make later certificates fail to verify (they are signed by a set this page does not know); it
// cannot make a certificate verify, unless the validators of a set that was replaced sign a
// forged history (the long-range limit every light client has; docs/consensus.md).

import { Writer, toHex } from './borsh.js';
import { suite, taggedWith } from './suite.js';

export const VALIDATOR_SET_TAG = 'shulian/validators/v1';

/** Borsh bytes of a `ValidatorSet` ({validators: [{name, public_key, power}]}). */
export function setBytes(set) {
  const w = new Writer().u32(set.validators.length);
  for (const v of set.validators) w.string(v.name).hash(v.public_key).u64(v.power);
  return w.done();
}

/** The hash a header's `next_validators_hash` commits a set by. */
export function setHash(set) {
  return toHex(taggedWith(suite(), VALIDATOR_SET_TAG, setBytes(set)));
}

/**
 * The set that signs block `height`: {ok, validators, reason}. `genesis` is the pinned genesis's
 * validator list, `changes` the ValidatorSetChange list (oldest first), `verify(header, cert,
 * validators)` the certificate check of lib/verify.js.
 */
export function signersAt(genesis, changes, height, verify) {
  let cur = genesis;
  let last = 0;
  for (const c of changes) {
    const h = Number(c.height);
    if (h >= Number(height)) break;
    if (h <= last) return { ok: false, validators: null, reason: `set changes out of order at height ${h}` };
    last = h;
    const r = verify(c.header, c.certificate, cur);
    if (!r.ok) return { ok: false, validators: null, reason: `the set change at height ${h} is not certified: ${r.reason}` };
    if (setHash(c.validators) !== c.header.next_validators_hash) {
      return { ok: false, validators: null, reason: `the set served for height ${h + 1} is not the one its header names` };
    }
    cur = c.validators.validators;
  }
  return { ok: true, validators: cur, reason: null };
}
