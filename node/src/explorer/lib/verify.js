// In-browser verification: recompute a block's hash from its header, check its commit
// certificate's ed25519 signatures against the validator set, and walk a sparse-Merkle proof up
// to the header's state root. Nothing here trusts a flag from the node; see runtime/src/block.rs,
// runtime/src/smt.rs and runtime/src/hash.rs for the Rust side (test/vector.json keeps them equal).

import { blake3 } from '../vendor/noble-hashes/blake3.js';
import { sha512 } from '../vendor/noble-hashes/sha2.js';
import * as ed from '../vendor/noble-ed25519/index.js';
import { Writer, concat, fromHex, toHex } from './borsh.js';

ed.hashes.sha512 = sha512;

const utf8 = new TextEncoder();
export const BLOCK_HASH_TAG = 'shulian/block/v1';
export const VOTE_SIGN_TAG = 'shulian/vote/v1';

/** `blake3(tag || 0x00 || parts...)`, as in `Hash::tagged_parts`. */
export function tagged(tag, ...parts) {
  return blake3(concat(utf8.encode(tag), Uint8Array.of(0), ...parts));
}

/** Borsh bytes of a `BlockHeader` from its JSON. */
export function headerBytes(h) {
  return new Writer().string(h.chain_id).u64(h.height).hash(h.parent_hash).u64(h.timestamp_ms)
    .hash(h.proposer).hash(h.tx_root).hash(h.outcomes_root).hash(h.state_root).done();
}

/** The block hash a header commits to. */
export function blockHash(header) {
  return toHex(tagged(BLOCK_HASH_TAG, headerBytes(header)));
}

/** Borsh bytes of the precommit `Vote` for a block (kind 1 = Precommit, Some(block hash)). */
export function precommitBytes(chainId, height, round, blockHashHex) {
  return new Writer().string(chainId).u64(height).u32(round).u8(1).u8(1).hash(blockHashHex).done();
}

/**
 * Checks that `cert` finalizes `header` under `validators` ([{public_key, power}]): the header
 * hashes to the certified block, every signer is a distinct validator with a valid strict ed25519
 * signature, and the signers hold more than 2/3 of the power. Returns {ok, reason, hash, power}.
 */
export function verifyCertificate(header, cert, validators) {
  const hash = blockHash(header);
  if (!cert) return { ok: false, reason: 'no commit certificate', hash };
  if (cert.block_hash !== hash || Number(cert.height) !== Number(header.height)) {
    return { ok: false, reason: `certificate is for ${cert.block_hash} at ${cert.height}, header hashes to ${hash}`, hash };
  }
  const msg = concat(utf8.encode(VOTE_SIGN_TAG), Uint8Array.of(0), precommitBytes(header.chain_id, header.height, cert.round, hash));
  const total = validators.reduce((n, v) => n + BigInt(v.power), 0n);
  const quorum = (total * 2n) / 3n + 1n;
  const seen = new Set();
  let power = 0n;
  for (const s of cert.signatures) {
    const v = validators.find((x) => x.public_key === s.validator);
    if (!v) return { ok: false, reason: `signer ${s.validator} is not a validator`, hash };
    if (seen.has(s.validator)) return { ok: false, reason: `${s.validator} signed twice`, hash };
    seen.add(s.validator);
    let good = false;
    try { good = ed.verify(fromHex(s.signature), msg, fromHex(s.validator), { zip215: false }); } catch { good = false; }
    if (!good) return { ok: false, reason: `signature of ${s.validator} does not verify`, hash };
    power += BigInt(v.power);
  }
  if (power < quorum) return { ok: false, reason: `signed power ${power} is below the quorum ${quorum}`, hash };
  return { ok: true, reason: null, hash, power: Number(power) };
}

function bit(bytes, i) {
  return (bytes[i >> 3] >> (7 - (i & 7))) & 1;
}

/** The root a sparse-Merkle proof leads to for `key` holding `value` (hex in, hex out). */
export function proofRoot(keyHex, valueHex, siblings) {
  if (siblings.length > 256) throw new Error('proof is longer than 256 levels');
  const kh = tagged('shulian/state/key', fromHex(keyHex));
  let cur = tagged('shulian/smt/leaf', kh, tagged('shulian/state/value', fromHex(valueHex)));
  for (let d = siblings.length - 1; d >= 0; d--) {
    const sib = fromHex(siblings[d]);
    cur = bit(kh, d) ? tagged('shulian/smt/node', sib, cur) : tagged('shulian/smt/node', cur, sib);
  }
  return toHex(cur);
}

/**
 * The whole check behind the 'verified' badge: `proof` is the /api/proof answer, `block` the
 * /api/block answer at the proof's height, `validators` the trusted validator set, `keyHex` the
 * state key the page asked for: a valid proof of another key (another object) is refused.
 * Returns {ok, reason}.
 */
export function verifyObject(proof, block, validators, keyHex) {
  try {
    if (typeof keyHex !== 'string' || typeof proof.key !== 'string' || proof.key.toLowerCase() !== keyHex.toLowerCase()) {
      return { ok: false, reason: `proof is for key ${proof.key}, not the requested key ${keyHex}` };
    }
    if (!validators) return { ok: false, reason: 'no trusted validator set (pin a genesis hash in 设置 / settings)' };
    const cert = verifyCertificate(block.header, block.certificate, validators);
    if (!cert.ok) return { ok: false, reason: cert.reason };
    if (proof.block_hash !== cert.hash) return { ok: false, reason: `proof is for block ${proof.block_hash}, not ${cert.hash}` };
    const root = proofRoot(keyHex, proof.value, proof.proof.siblings);
    if (root !== block.header.state_root) {
      return { ok: false, reason: `proof leads to ${root}, the certified state root is ${block.header.state_root}` };
    }
    return { ok: true, reason: null };
  } catch (e) {
    return { ok: false, reason: String(e && e.message ? e.message : e) };
  }
}

/** The Merkle root of a block's transaction hashes (`runtime::merkle::list_root`). */
export function listRoot(hashesHex) {
  if (hashesHex.length === 0) return '00'.repeat(32);
  let level = hashesHex.map((h) => tagged('shulian/list/leaf', fromHex(h)));
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? tagged('shulian/list/node', level[i], level[i + 1]) : level[i]);
    }
    level = next;
  }
  return toHex(level[0]);
}
