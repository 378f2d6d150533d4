// What a transaction page may mark verified, part by part. From the block (`/api/block/{h}`),
// its raw bytes (`/api/block/{h}/raw`) and the validator set of the pinned genesis:
//   block:   the header hashes to a block whose commit certificate verifies;
//   tx:      the raw transactions hash to the header's tx_root, and the one at `index` hashes to
//            the transaction asked for, carries the header's chain id and its signature verifies;
//   call:    decoded from those bytes (shown from the bytes, and compared with the node's JSON);
//   outcome: the raw outcomes hash to the header's outcomes_root, and the one at `index` is for
//            this transaction; status, error and acting account decoded from it;
//   events:  decoded from that same outcome (each shown event is one of its events).
// A part is marked only when it and every part it rests on passed; each failure says why.

import { verifySignature } from './suite.js';
import { fromHex, toHex } from './borsh.js';
import { listRoot, tagged, verifyCertificate } from './verify.js';
import { TRANSACTION, TX_OUTCOME, apiOutcome, canonical, decodeAll } from './schema.js';

/** Domain tags (`runtime/src/domain.rs`). */
export const TX_HASH_TAG = 'shulian/txhash/v1';
export const TX_SIGN_TAG = 'shulian/tx/v1';
export const OUTCOME_HASH_TAG = 'shulian/outcome/v1';
/** Bytes of an ed25519 signature, the last field of a borsh `Transaction`. */
const SIGNATURE_BYTES = 64;

const pass = (value = null) => ({ ok: true, reason: null, value });
const fail = (reason, value = null) => ({ ok: false, reason, value });

/**
 * Checks transaction `txHash` at position `index` of `block` against `raw` and `validators` (null
 * when no genesis is pinned and matching). `shown` is the node's JSON for the transaction page:
 * {call, outcome} (a mismatch with the bytes is reported, the page shows the decoded bytes).
 * Returns {block, tx, call, outcome, events}, each {ok, reason, value}.
 */
export function verifyTx({ block, raw, index, txHash, validators, shown = null }) {
  const out = {};
  const rest = (why) => {
    for (const k of ['block', 'tx', 'call', 'outcome', 'events']) if (!out[k]) out[k] = fail(why);
    return out;
  };
  if (!validators) { out.block = fail('no trusted validator set: pin a genesis hash in 设置 (settings)'); return rest('the block is not verified'); }
  try {
    const cert = verifyCertificate(block.header, block.certificate, validators);
    if (!cert.ok) { out.block = fail(cert.reason); return rest('the block is not verified'); }
    if (cert.hash !== block.hash) { out.block = fail('block hash differs from its header'); return rest('the block is not verified'); }
    out.block = pass(cert.hash);
  } catch (e) { out.block = fail(e.message); return rest('the block is not verified'); }

  // The transaction's bytes.
  let txBytes;
  try {
    if (Number(raw.height) !== Number(block.header.height)) throw new Error(`raw bytes are of height ${raw.height}`);
    const all = raw.txs.map((h) => fromHex(h));
    const hashes = all.map((b) => toHex(tagged(TX_HASH_TAG, b)));
    if (listRoot(hashes) !== block.header.tx_root) throw new Error('the transactions\' bytes do not hash to tx_root');
    if (!(index >= 0 && index < all.length)) throw new Error(`no transaction at position ${index}`);
    if (hashes[index] !== txHash) throw new Error(`the transaction at position ${index} hashes to ${hashes[index]}, not ${txHash}`);
    txBytes = all[index];
  } catch (e) { out.tx = fail(e.message); return rest('the transaction\'s bytes are not verified'); }

  // The call, decoded from those bytes; the signature over the unsigned part.
  try {
    const tx = decodeAll(TRANSACTION, txBytes);
    if (tx.chain_id !== block.header.chain_id) throw new Error(`signed for chain ${tx.chain_id}`);
    const unsigned = txBytes.subarray(0, txBytes.length - SIGNATURE_BYTES);
    const msg = new Uint8Array([...new TextEncoder().encode(TX_SIGN_TAG), 0, ...unsigned]);
    if (!verifySignature(fromHex(tx.signature), msg, fromHex(tx.sender))) throw new Error('the sender\'s signature does not verify');
    out.tx = pass(tx);
    if (shown && canonical(shown.call) !== canonical(tx.call)) out.call = fail('the node\'s JSON of the call differs from its signed bytes; shown from the bytes', tx.call);
    else out.call = pass(tx.call);
  } catch (e) { out.tx = fail(`transaction bytes: ${e.message}`); return rest('the call is not verified'); }

  // The outcome and its events.
  try {
    const all = raw.outcomes.map((h) => fromHex(h));
    if (all.length !== raw.txs.length) throw new Error(`${all.length} outcomes for ${raw.txs.length} transactions`);
    if (listRoot(all.map((b) => toHex(tagged(OUTCOME_HASH_TAG, b)))) !== block.header.outcomes_root) {
      throw new Error('the outcomes\' bytes do not hash to outcomes_root');
    }
    const o = decodeAll(TX_OUTCOME, all[index]);
    if (o.tx_hash !== txHash) throw new Error(`outcome ${index} is for ${o.tx_hash}`);
    const api = apiOutcome(o);
    const { events, ...head } = api;
    if (shown && shown.outcome) {
      const { events: shownEvents, ...shownHead } = shown.outcome;
      out.outcome = canonical(shownHead) === canonical(head) ? pass(api) : fail('the node\'s JSON of the outcome differs from the certified outcome; shown from the bytes', api);
      out.events = canonical(shownEvents) === canonical(events) ? pass(events) : fail('the node\'s JSON of the events differs from the certified outcome; shown from the bytes', events);
    } else {
      out.outcome = pass(api);
      out.events = pass(events);
    }
  } catch (e) { out.outcome = fail(e.message); out.events = fail('the outcome is not verified'); }
  return out;
}
