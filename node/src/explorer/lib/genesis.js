// The trust anchor of every check in this browser: a genesis hash the user pinned (设置 page,
// kept in localStorage), never the node's word. The explorer fetches the node's genesis
// (GET /api/genesis), encodes it to borsh itself and hashes it as `Genesis::hash` does
// (H of "shulian/genesis/v1" 0x00 borsh(genesis), runtime/src/genesis.rs, H the hash of the
// crypto suite the genesis names). Only when that equals the pin do the genesis validators become
// the set commit certificates are checked against, and the genesis's suite the page's
// (lib/suite.js); otherwise nothing is marked verified.

import { get } from './api.js';
import { Writer, toHex } from './borsh.js';
import { ED25519_BLAKE3, SUITES, setSuite, taggedWith } from './suite.js';

/** Domain tag of a genesis hash (`domain::GENESIS_HASH`). */
export const GENESIS_HASH_TAG = 'shulian/genesis/v1';
/** localStorage key of the pinned genesis hash. */
export const PIN_KEY = 'shulian.genesis_pin';

let cached = null;
const ROLES = ['department', 'exchange_center', 'trader', 'regulator', 'validator_operator'];
const HEX32 = /^[0-9a-f]{64}$/;

/** Borsh bytes of a `Genesis` from its JSON. A u64 beyond 2^53 cannot come through JSON exactly;
 * its hash then differs from the pin, which refuses (never accepts) the genesis. */
export function genesisBytes(g) {
  const w = new Writer().string(g.chain_id).u64(g.genesis_time_ms).u32(g.validators.length);
  for (const v of g.validators) w.string(v.name).hash(v.public_key).u64(v.power);
  w.u32(g.organizations.length);
  for (const o of g.organizations) {
    w.string(o.name).u32(o.roles.length);
    for (const r of o.roles) {
      const i = ROLES.indexOf(r);
      if (i < 0) throw new Error(`unknown role ${r}`);
      w.u8(i);
    }
    w.hash(o.public_key).u64(o.balance ?? 0);
  }
  // The suite's code, only when it is not the default (docs/consensus.md, "Crypto suite").
  const code = SUITES.indexOf(suiteOf(g));
  if (code < 0) throw new Error(`unknown crypto suite ${g.crypto}`);
  if (code > 0) w.u8(code);
  return w.done();
}

/** The crypto suite a genesis names (absent: the default). */
export function suiteOf(g) {
  return g.crypto ?? ED25519_BLAKE3;
}

/** The genesis hash, hex, under the suite the genesis names. */
export function genesisHash(g) {
  return toHex(taggedWith(suiteOf(g), GENESIS_HASH_TAG, genesisBytes(g)));
}

/** Whether `s` is a well-formed hash to pin (64 lower-case hex digits, after trimming). */
export function normalizePin(s) {
  const h = String(s ?? '').trim().toLowerCase();
  return HEX32.test(h) ? h : null;
}

/**
 * The trust decision for a served genesis and the pinned hash (or null):
 * {state: 'pinned' | 'unpinned' | 'mismatch' | 'invalid', hash, pin, validators, genesis, reason}.
 * `validators` is set only for 'pinned': the genesis hashed to the pin.
 */
export function judgeGenesis(genesis, pin) {
  let hash;
  try { hash = genesisHash(genesis); } catch (e) {
    return { state: 'invalid', hash: null, pin, validators: null, genesis: null, reason: `genesis does not encode: ${e.message}` };
  }
  if (!pin) return { state: 'unpinned', hash, pin: null, validators: null, genesis, reason: 'no genesis hash pinned in this browser' };
  if (hash !== pin) {
    return { state: 'mismatch', hash, pin, validators: null, genesis, reason: `the node's genesis hashes to ${hash}, the pinned hash is ${pin}` };
  }
  // The pinned genesis decides the suite every later check uses.
  setSuite(suiteOf(genesis));
  return { state: 'pinned', hash, pin, validators: genesis.validators, genesis, reason: null };
}

/** The pinned hash in this browser, or null. */
export function readPin(storage = globalThis.localStorage) {
  try { return normalizePin(storage.getItem(PIN_KEY)); } catch { return null; }
}

/** Pins `hash` (or clears the pin with null); returns the pinned value or null. The next
 * [`trust`] re-judges the genesis. */
export function writePin(hash, storage = globalThis.localStorage) {
  const h = hash === null ? null : normalizePin(hash);
  if (h) storage.setItem(PIN_KEY, h); else storage.removeItem(PIN_KEY);
  cached = null;
  return h;
}

/** The trust decision for this page load: fetches /api/genesis once, and for a pinned genesis the
 * validator-set changes since it (lib/valsets.js), which ride on `validators.changes`. */
export async function trust(fresh = false) {
  if (!cached || fresh) {
    cached = get('/api/genesis', 'Genesis').then((g) => judgeGenesis(g, readPin()))
      .then(withSetChanges)
      .catch((e) => ({ state: 'invalid', hash: null, pin: readPin(), validators: null, genesis: null, reason: e.message }));
  }
  return cached;
}

/** Most pages of set changes read (100 changes each). */
const SET_CHANGE_PAGES = 50;

async function withSetChanges(t) {
  if (t.state !== 'pinned') return t;
  const changes = [];
  let after = null;
  try {
    for (let i = 0; i < SET_CHANGE_PAGES; i++) {
      const page = await get(after === null ? '/api/validator-sets' : `/api/validator-sets?after=${after}`, 'ValidatorSetsPage');
      changes.push(...page.changes);
      after = page.next;
      if (after === null || after === undefined) break;
    }
  } catch {
    // Without the changes, a certificate after one fails to verify: shown as not verified.
  }
  return { ...t, validators: Object.assign([...t.validators], { changes }) };
}
