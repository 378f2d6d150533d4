// The chain's crypto suite in the browser (runtime/src/suite.rs, docs/adr/0005-sm2-sm3-crypto-suite.md):
// `ed25519-blake3` (blake3 hashes, strict ed25519 signatures) or `sm2-sm3` (SM3 hashes, SM2
// signatures per GM/T 0003 with the user id 1234567812345678). The page follows one chain: the
// suite comes from the pinned genesis (lib/genesis.js), whose hash, computed under the suite it
// names, must equal the pinned one, so a node cannot pass an ed25519 chain off as SM2 or the
// reverse. SM2/SM3 come from the vendored sm-crypto-v2 (vendor/README.md).

import { blake3 } from '../vendor/noble-hashes/blake3.js';
import { sha512 } from '../vendor/noble-hashes/sha2.js';
import * as ed from '../vendor/noble-ed25519/index.js';
import '../vendor/sm-crypto-v2/index.umd.mjs';
import { concat, fromHex, toHex } from './borsh.js';

ed.hashes.sha512 = sha512;
const SM = globalThis.SmCryptoV2;

export const ED25519_BLAKE3 = 'ed25519-blake3';
export const SM2_SM3 = 'sm2-sm3';
export const SUITES = [ED25519_BLAKE3, SM2_SM3];
/** GM/T 0003's default user id, in every Shulian SM2 signature's Z value. */
export const SM2_USER_ID = '1234567812345678';
/** The SM2 group order n. */
const SM2_N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;

let current = ED25519_BLAKE3;

/** Sets the page's suite; an unknown name is refused. */
export function setSuite(name) {
  if (!SUITES.includes(name)) throw new Error(`unknown crypto suite ${name}`);
  current = name;
}

/** The page's suite. */
export function suite() {
  return current;
}

/** The suite's hash of `bytes` (32 bytes): blake3 or SM3. */
export function digest(bytes, name = current) {
  if (name === SM2_SM3) return fromHex(SM.sm3(bytes));
  return blake3(bytes);
}

const utf8 = new TextEncoder();

/** `H(tag || 0x00 || parts...)` under suite `name`, as in `Hash::tagged_parts`. */
export function taggedWith(name, tag, ...parts) {
  return digest(concat(utf8.encode(tag), Uint8Array.of(0), ...parts), name);
}

function scalarInRange(bytes) {
  const x = BigInt(`0x${toHex(bytes) || '0'}`);
  return x >= 1n && x < SM2_N;
}

/** Whether `sig` (64 bytes) is `key`'s (32 bytes) signature over `msg` under the suite: strict
 * ed25519 (ADR 0001), or SM2 with `r` and `s` in [1, n-1] and the key the even-y point of x. */
export function verifySignature(sig, msg, key, name = current) {
  try {
    if (sig.length !== 64 || key.length !== 32) return false;
    if (name === SM2_SM3) {
      if (!scalarInRange(sig.slice(0, 32)) || !scalarInRange(sig.slice(32))) return false;
      return SM.sm2.doVerifySignature(msg, toHex(sig), `02${toHex(key)}`, { hash: true, userId: SM2_USER_ID }) === true;
    }
    return ed.verify(sig, msg, key, { zip215: false });
  } catch {
    return false;
  }
}
