// In-browser verification: recompute a block's hash from its header, check its commit
// certificate's signatures (ed25519 or SM2: the chain's suite, lib/suite.js) against the
// validator set, and walk a sparse-Merkle proof up
// to the header's state root. Nothing here trusts a flag from the node; see runtime/src/block.rs,
// runtime/src/smt.rs and runtime/src/hash.rs for the Rust side (test/vector.json keeps them equal).

import { Reader, Writer, concat, fromHex, toHex } from './borsh.js';
import { EVENT, TX_OUTCOME, decodeAll, read } from './schema.js';
import { signersAt } from './valsets.js';
import { suite, taggedWith, verifySignature } from './suite.js';

const utf8 = new TextEncoder();
export const BLOCK_HASH_TAG = 'shulian/block/v1';
export const VOTE_SIGN_TAG = 'shulian/vote/v1';

/** `H(tag || 0x00 || parts...)` under the page's suite, as in `Hash::tagged_parts`. */
export function tagged(tag, ...parts) {
  return taggedWith(suite(), tag, ...parts);
}

/** Borsh bytes of a `BlockHeader` from its JSON. */
export function headerBytes(h) {
  return new Writer().u32(h.protocol_version).string(h.chain_id).u64(h.height).hash(h.parent_hash).u64(h.timestamp_ms)
    .hash(h.proposer).hash(h.tx_root).hash(h.outcomes_root).hash(h.state_root).hash(h.next_validators_hash).done();
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
 * hashes to the certified block, every signer is a distinct validator with a valid signature of
 * the chain's suite (strict ed25519, or SM2), and the signers hold more than 2/3 of the power. Returns {ok, reason, hash, power}.
 */
export function verifyCertificate(header, cert, validators) {
  // The pinned genesis's validators carry the set changes the page loaded (lib/genesis.js): the
  // certificate is checked against the set in force at the header's height (lib/valsets.js).
  if (validators && validators.changes) {
    const s = signersAt(validators, validators.changes, header.height, checkCertificate);
    if (!s.ok) return { ok: false, reason: s.reason, hash: blockHash(header) };
    return checkCertificate(header, cert, s.validators);
  }
  return checkCertificate(header, cert, validators);
}

/** The certificate check against one given set. */
function checkCertificate(header, cert, validators) {
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
    if (!verifySignature(fromHex(s.signature), msg, fromHex(s.validator))) return { ok: false, reason: `signature of ${s.validator} does not verify`, hash };
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

/** Most siblings a list proof may carry (`runtime::merkle::MAX_PROOF_SIBLINGS`: lists of up to
 * 2^64 items); a longer proof is refused before any hashing. */
export const MAX_PROOF_SIBLINGS = 64;
/** Domain tag of an outcome's hash, the leaves of `outcomes_root` (`domain::OUTCOME_HASH`). */
export const OUTCOME_TAG = 'shulian/outcome/v1';
/** Domain tag of a grant's receipt chain (`domain::RECEIPT_CHAIN`). */
export const RECEIPT_CHAIN_TAG = 'shulian/receipt-chain/v1';
const U32_MAX = 0xffffffff;

/**
 * Whether `proof` ({index, count, siblings}) shows that `leafHex` (an item's hash) is at
 * `proof.index` of a list of `proof.count` items whose root is `rootHex`, as
 * `runtime::merkle::verify_list_proof`: index < count, at most 64 siblings, each sibling used
 * exactly once, bottom up (an odd last node is promoted without one).
 */
export function verifyListProof(rootHex, leafHex, proof) {
  try {
    const { index, count, siblings } = proof || {};
    if (!Number.isInteger(index) || !Number.isInteger(count) || index < 0 || count > U32_MAX || index >= count) return false;
    if (!Array.isArray(siblings) || siblings.length > MAX_PROOF_SIBLINGS) return false;
    let i = index;
    let len = count;
    let used = 0;
    const hash32 = (h) => { const b = fromHex(h); if (b.length !== 32) throw new Error('not a 32-byte hash'); return b; };
    let node = tagged('shulian/list/leaf', hash32(leafHex));
    while (len > 1) {
      if (i % 2 === 1) {
        if (used >= siblings.length) return false;
        node = tagged('shulian/list/node', hash32(siblings[used++]), node);
      } else if (i + 1 < len) {
        if (used >= siblings.length) return false;
        node = tagged('shulian/list/node', node, hash32(siblings[used++]));
      }
      i = Math.floor(i / 2);
      len = Math.ceil(len / 2);
    }
    return used === siblings.length && typeof rootHex === 'string' && toHex(node) === rootHex.toLowerCase();
  } catch {
    return false;
  }
}

/** The events of a `TxOutcome`'s borsh bytes, each decoded and with its own exact bytes (the
 * bytes a receipt chain folds): [{event, bytes}]. Throws on bytes that are not one outcome. */
export function outcomeEvents(bytes) {
  const r = new Reader(bytes);
  r.take(64); // tx_hash, account
  read(TX_OUTCOME.struct[2][1], r); // status
  const n = r.u32();
  const out = [];
  for (let k = 0; k < n; k++) {
    const start = r.o;
    const event = read(EVENT, r);
    out.push({ event, bytes: bytes.slice(start, r.o) });
  }
  r.end();
  return out;
}

/**
 * The whole check of an outcome proof (`/api/tx/{hash}/proof`, `OutcomeProof::verify`): the
 * commit certificate makes `resp.header` final under `validators` (the pinned genesis's), the
 * outcome's bytes hashed under `shulian/outcome/v1` are proven by `resp.path` to the header's
 * `outcomes_root`, and the outcome decoded from those bytes is transaction `txHash`'s. Returns
 * {ok, reason, outcome, events: [{event, bytes}], height}: everything from the bytes, never the
 * node's JSON.
 */
export function verifyOutcomeProof(resp, validators, txHash) {
  const fail = (reason) => ({ ok: false, reason, outcome: null, events: [], height: null });
  try {
    if (!validators) return fail('no trusted validator set (pin a genesis hash in 设置 / settings)');
    const cert = verifyCertificate(resp.header, resp.certificate, validators);
    if (!cert.ok) return fail(`the block is not proven final: ${cert.reason}`);
    if (Number(resp.height) !== Number(resp.header.height)) return fail(`the proof says height ${resp.height}, its header is of ${resp.header.height}`);
    const bytes = fromHex(resp.outcome_bytes);
    const leaf = toHex(tagged(OUTCOME_TAG, bytes));
    if (!verifyListProof(resp.header.outcomes_root, leaf, resp.path)) {
      return fail(`the outcome is not in the block: its path does not lead to outcomes_root ${resp.header.outcomes_root}`);
    }
    const outcome = decodeAll(TX_OUTCOME, bytes);
    if (typeof txHash !== 'string' || outcome.tx_hash !== txHash.toLowerCase()) {
      return fail(`the outcome is for transaction ${outcome.tx_hash}, not ${txHash}`);
    }
    return { ok: true, reason: null, outcome, events: outcomeEvents(bytes), height: Number(resp.header.height) };
  } catch (e) {
    return fail(String(e && e.message ? e.message : e));
  }
}

/** The receipt chain head after `prevHex` and one receipt event's borsh bytes
 * (`runtime::events::next_receipt_head`: blake3 of the tag, 0x00, borsh((head, event))). */
export function nextReceiptHead(prevHex, eventBytes) {
  return toHex(tagged(RECEIPT_CHAIN_TAG, fromHex(prevHex), eventBytes));
}

/** The head after folding receipt events' bytes, in sequence order, from the empty chain. */
export function receiptChainHead(eventsBytes) {
  return eventsBytes.reduce((head, b) => nextReceiptHead(head, b), '00'.repeat(32));
}
