// Borsh decoders of a transaction, its call and its outcome with events, into the JSON shape the
// API prints (serde of the Rust types in runtime/src/call.rs, events.rs, evidence.rs, exec.rs).
// The transaction page shows what these decode from the bytes that hash to the certified roots,
// not the node's JSON. test/tx-vector.json (written by node/src/explorer/tx_vector.rs) holds one
// of every call and event with its bytes, so a field or variant added on the Rust side without
// this table fails `node --test node/src/explorer/test/`. Variants are only ever appended in Rust,
// so an unknown variant index here is a newer ledger: the decoder refuses it, it never guesses.

import { Reader, fromHex, toHex } from './borsh.js';

// A type is a primitive name ('u8', 'u16', 'u32', 'u64', 'bool', 'string', 'hash' (32 bytes),
// 'sig' (64 bytes)), or one of the constructors below.
const vec = (t) => ({ vec: t });
const opt = (t) => ({ opt: t });
const struct = (...fields) => ({ struct: fields });
/** An enum with serde's representation `repr`: {ext: true}, {tag}, or {tag, content}. Each variant
 * is [name] (unit), [name, type] (newtype) or [name, struct(...)] (struct variant). */
const enumOf = (repr, ...variants) => ({ enum: variants, repr });
const EXT = { ext: true };
const units = (...names) => enumOf(EXT, ...names.map((n) => [n]));

const ROLE = units('department', 'exchange_center', 'trader', 'regulator', 'validator_operator');
const CLASSIFICATION = units('general', 'important', 'core');
const SHARING = units('unconditional', 'conditional', 'not_shareable');
const VALIDITY = struct(['from_ms', 'u64'], ['until_ms', 'u64']);
const TRADE_WINDOWS = struct(['delivery_ms', opt('u64')], ['acceptance_ms', opt('u64')]);
const WINDOW_RULES = struct(['min_ms', 'u64'], ['max_ms', 'u64'], ['default_delivery_ms', 'u64'], ['default_acceptance_ms', 'u64']);
const DATASET_SPEC = struct(['name', 'string'], ['metadata_hash', 'hash'], ['schema_hash', 'hash'],
  ['fields', vec('string')], ['category', 'string'], ['classification', CLASSIFICATION], ['sharing', SHARING],
  ['update_frequency', 'string']);
const PROPOSAL_ACTION = enumOf({ tag: 'type' },
  ['admit', struct(['name', 'string'], ['roles', vec(ROLE)], ['public_key', 'hash'])],
  ['suspend', struct(['org', 'hash'], ['reason', 'string'])],
  ['reinstate', struct(['org', 'hash'])],
  ['rotate_key', struct(['org', 'hash'], ['old_key', 'hash'], ['new_key', 'hash'])],
  ['add_validator', struct(['name', 'string'], ['public_key', 'hash'], ['operator', 'hash'], ['power', 'u64'], ['possession', 'sig'])],
  ['remove_validator', struct(['public_key', 'hash'])],
  ['set_validator_power', struct(['public_key', 'hash'], ['power', 'u64'])],
  ['schedule_upgrade', struct(['version', 'u32'], ['height', 'u64'])],
  ['define_element', struct(['code', 'string'], ['name', 'string'], ['responsible', 'hash'])],
  ['transfer_element', struct(['code', 'string'], ['to', 'hash'], ['reason', 'string'])]);
const VALIDATOR = struct(['name', 'string'], ['public_key', 'hash'], ['power', 'u64']);
const SET_CHANGE = enumOf({ tag: 'type' },
  ['add', struct(['validator', VALIDATOR])],
  ['remove', struct(['public_key', 'hash'])],
  ['set_power', struct(['public_key', 'hash'], ['power', 'u64'])],
  ['rotate_key', struct(['old_key', 'hash'], ['new_key', 'hash'])]);
const RULING = enumOf({ tag: 'type' }, ['refund'], ['pay'], ['split', struct(['buyer_bps', 'u16'])]);
const PRODUCT = enumOf(EXT, ['dataset', 'hash'], ['off_catalog', struct(['name', 'string'], ['metadata_hash', 'hash'])]);
const VOTE_KIND = units('prevote', 'precommit');
const ELEMENT_SOURCE = enumOf({ tag: 'type', content: 'dataset' }, ['authoritative'], ['copy_of', 'hash']);
const VOTE = struct(['chain_id', 'string'], ['height', 'u64'], ['round', 'u32'], ['kind', VOTE_KIND], ['block_hash', opt('hash')]);
const SIGNED_VOTE = struct(['vote', VOTE], ['validator', 'hash'], ['signature', 'sig']);

const reason = (...f) => struct(...f, ['reason', 'string']);
// The fields of one use under a grant (a usage receipt's body).
const USE = [['query_hash', 'hash'], ['result_hash', 'hash'], ['row_count', 'u64'], ['fields_used', vec('string')]];

/** `Call`: {"contract": ..., "call": {...}}. */
export const CALL = enumOf({ tag: 'contract', content: 'call' },
  ['settlement', enumOf(EXT,
    ['transfer', struct(['to', 'hash'], ['amount', 'u64'])],
    ['deposit', struct(['to', 'hash'], ['amount', 'u64'], ['bank_ref', 'string'])],
    ['withdraw', struct(['from', 'hash'], ['amount', 'u64'], ['bank_ref', 'string'])],
    ['request_withdrawal', struct(['amount', 'u64'])])],
  ['orgs', enumOf(EXT,
    ['propose', struct(['action', PROPOSAL_ACTION])],
    ['vote', struct(['proposal', 'hash'], ['approve', 'bool'])],
    ['rotate_validator_key', struct(['old_key', 'hash'], ['new_key', 'hash'], ['possession', 'sig'])],
    ['regulator_suspend', reason(['org', 'hash'])],
    ['regulator_reinstate', reason(['org', 'hash'])])],
  ['catalog', enumOf(EXT,
    ['register', struct(['dataset', DATASET_SPEC])],
    ['publish_version', struct(['dataset', 'hash'], ['metadata_hash', 'hash'], ['schema_hash', 'hash'], ['fields', opt(vec('string'))])],
    ['retire', struct(['dataset', 'hash'])],
    ['negative_list', reason(['dataset', 'hash'])],
    ['remove_negative_list', reason(['dataset', 'hash'])],
    ['regrade', reason(['dataset', 'hash'], ['classification', CLASSIFICATION], ['sharing', SHARING])],
    ['register_with_elements', struct(['dataset', DATASET_SPEC], ['elements', vec('string')], ['source', ELEMENT_SOURCE])])],
  ['grants', enumOf(EXT,
    ['request', struct(['dataset', 'hash'], ['purpose', 'string'], ['fields', vec('string')], ['valid_from_ms', 'u64'],
      ['valid_until_ms', 'u64'], ['max_uses', 'u64'])],
    ['approve', struct(['request', 'hash'])],
    ['reject', reason(['request', 'hash'])],
    ['co_approve', struct(['request', 'hash'])],
    ['revoke', reason(['grant', 'hash'])],
    ['require_countersignature', struct(['grant', 'hash'], ['key', 'hash'])],
    ['freeze', reason(['grant', 'hash'])],
    ['unfreeze', reason(['grant', 'hash'])])],
  ['receipts', enumOf(EXT,
    ['record', struct(['grant', 'hash'], ...USE)],
    ['record_countersigned', struct(['grant', 'hash'], ...USE, ['countersignature', 'sig'])],
    ['record_batch', struct(['grant', 'hash'], ['uses', vec(struct(...USE, ['countersignature', opt('sig')]))])])],
  ['lineage', enumOf(EXT,
    ['register_derived', struct(['dataset', DATASET_SPEC], ['parents', vec(struct(['dataset', 'hash'], ['grant', opt('hash')]))])])],
  ['market', enumOf(EXT,
    ['submit_listing', struct(['product', PRODUCT], ['price', 'u64'], ['licence_terms_hash', 'hash'], ['delivery_method', 'string'],
      ['purpose', 'string'], ['validity', VALIDITY], ['fields', vec('string')], ['max_uses', 'u64'],
      ['windows', TRADE_WINDOWS])],
    ['review_listing', reason(['listing', 'hash'], ['approve', 'bool'])],
    ['freeze_listing', reason(['listing', 'hash'])],
    ['unfreeze_listing', reason(['listing', 'hash'])],
    ['withdraw_listing', struct(['listing', 'hash'])],
    ['place_order', struct(['listing', 'hash'])],
    ['confirm_delivery', struct(['order', 'hash'], ['delivery_hash', 'hash'])],
    ['accept_delivery', struct(['order', 'hash'])],
    ['open_dispute', reason(['order', 'hash'])],
    ['arbitrate', struct(['order', 'hash'], ['ruling', RULING])],
    ['cancel_order', struct(['order', 'hash'])],
    ['claim_settlement', struct(['order', 'hash'])],
    ['set_fee_rate', struct(['bps', 'u16'])],
    ['set_window_rules', struct(['rules', WINDOW_RULES])])],
  ['evidence', enumOf(EXT, ['equivocation', struct(['first', SIGNED_VOTE], ['second', SIGNED_VOTE])])],
  ['registry', enumOf(EXT,
    ['define_element', struct(['code', 'string'], ['name', 'string'], ['responsible', 'hash'])],
    ['transfer_element', reason(['code', 'string'], ['to', 'hash'])],
    ['file_demand', struct(['elements', vec('string')], ['purpose', 'string'])],
    ['assign_demand', struct(['demand', 'hash'], ['to', 'hash'], ['deadline_ms', 'u64'])],
    ['answer_demand', struct(['demand', 'hash'], ['grant', 'hash'])],
    ['refuse_demand', struct(['demand', 'hash'], ['legal_basis', 'string'])],
    ['withdraw_demand', struct(['demand', 'hash'])])]);

// The fields every order event and listing event starts with.
const ORDER = [['order', 'hash'], ['listing', 'hash'], ['buyer', 'hash'], ['seller', 'hash'], ['dataset', opt('hash')]];
const LISTING = [['listing', 'hash'], ['seller', 'hash'], ['dataset', opt('hash')]];
const REQUEST = [['request', 'hash'], ['dataset', 'hash'], ['requester', 'hash'], ['owner', 'hash']];

/** `Event`: {"type": ..., fields}. */
export const EVENT = enumOf({ tag: 'type' },
  ['transferred', struct(['from', 'hash'], ['to', 'hash'], ['amount', 'u64'])],
  ['proposal_created', struct(['proposal', 'hash'], ['proposer', 'hash'], ['action', PROPOSAL_ACTION])],
  ['voted', struct(['proposal', 'hash'], ['org', 'hash'], ['voter', 'hash'], ['approve', 'bool'], ['approvals', 'u32'], ['rejections', 'u32'])],
  ['proposal_executed', struct(['proposal', 'hash'], ['org', 'hash'])],
  ['proposal_rejected', struct(['proposal', 'hash'], ['org', 'hash'], ['approvals', 'u32'], ['rejections', 'u32'])],
  ['org_admitted', struct(['org', 'hash'], ['name', 'string'], ['roles', vec(ROLE)], ['public_key', 'hash'], ['proposal', 'hash'])],
  ['org_suspended', struct(['org', 'hash'], ['reason', 'string'], ['proposal', 'hash'])],
  ['org_reinstated', struct(['org', 'hash'], ['proposal', 'hash'])],
  ['key_rotated', struct(['org', 'hash'], ['old_key', 'hash'], ['new_key', 'hash'], ['proposal', 'hash'])],
  ['dataset_registered', struct(['dataset', 'hash'], ['owner', 'hash'], ['name', 'string'], ['classification', CLASSIFICATION], ['sharing', SHARING])],
  ['dataset_versioned', struct(['dataset', 'hash'], ['owner', 'hash'], ['version', 'u32'], ['metadata_hash', 'hash'], ['schema_hash', 'hash'])],
  ['dataset_retired', struct(['dataset', 'hash'], ['owner', 'hash'])],
  ['negative_listed', reason(['dataset', 'hash'], ['owner', 'hash'], ['regulator', 'hash'])],
  ['negative_list_removed', reason(['dataset', 'hash'], ['owner', 'hash'], ['regulator', 'hash'])],
  ['request_filed', struct(...REQUEST, ['purpose', 'string'], ['fields', vec('string')])],
  ['request_approved', struct(...REQUEST)],
  ['request_rejected', reason(...REQUEST)],
  ['request_co_approved', struct(...REQUEST, ['regulator', 'hash'])],
  ['grant_issued', struct(['grant', 'hash'], ['request', 'hash'], ['dataset', 'hash'], ['version', 'u32'], ['grantor', 'hash'], ['grantee', 'hash'])],
  ['grant_revoked', reason(['grant', 'hash'], ['dataset', 'hash'], ['grantor', 'hash'], ['grantee', 'hash'])],
  ['receipt_recorded', struct(['grant', 'hash'], ['seq', 'u64'], ['dataset', 'hash'], ['grantor', 'hash'], ['grantee', 'hash'],
    ['query_hash', 'hash'], ['result_hash', 'hash'], ['row_count', 'u64'], ['fields_used', vec('string')])],
  ['derived_registered', struct(['dataset', 'hash'], ['owner', 'hash'], ['parents', vec('hash')], ['grants', vec('hash')], ['parent_owners', vec('hash')])],
  ['deposited', struct(['to', 'hash'], ['amount', 'u64'], ['bank_ref', 'string'], ['clearing', 'hash'], ['supply', 'u64'])],
  ['withdrawn', struct(['from', 'hash'], ['amount', 'u64'], ['bank_ref', 'string'], ['clearing', 'hash'], ['supply', 'u64'])],
  ['listing_submitted', struct(...LISTING, ['price', 'u64'], ['max_uses', 'u64'])],
  ['listing_reviewed', reason(...LISTING, ['reviewer', 'hash'], ['approved', 'bool'])],
  ['listing_frozen', reason(...LISTING, ['regulator', 'hash'])],
  ['listing_unfrozen', reason(...LISTING, ['regulator', 'hash'])],
  ['listing_withdrawn', struct(...LISTING)],
  ['order_placed', struct(...ORDER, ['price', 'u64'], ['fee', 'u64'])],
  ['delivery_confirmed', struct(...ORDER, ['delivery_hash', 'hash'])],
  ['delivery_accepted', struct(...ORDER, ['exchange', 'hash'], ['to_seller', 'u64'], ['fee', 'u64'])],
  ['dispute_opened', reason(...ORDER)],
  ['dispute_arbitrated', struct(...ORDER, ['arbiter', 'hash'], ['ruling', RULING], ['to_buyer', 'u64'], ['to_seller', 'u64'], ['fee', 'u64'])],
  ['order_cancelled', struct(...ORDER, ['refund', 'u64'])],
  ['settlement_claimed', struct(...ORDER, ['exchange', 'hash'], ['to_seller', 'u64'], ['fee', 'u64'])],
  ['fee_rate_set', struct(['by', 'hash'], ['old_bps', 'u16'], ['new_bps', 'u16'])],
  ['equivocation_recorded', struct(['validator', 'hash'], ['validator_account', 'hash'], ['height', 'u64'], ['round', 'u32'],
    ['kind', VOTE_KIND], ['first', opt('hash')], ['second', opt('hash')], ['reporter', 'hash'])],
  ['window_rules_set', struct(['by', 'hash'], ['old', WINDOW_RULES], ['new', WINDOW_RULES])],
  ['validator_set_changed', struct(['change', SET_CHANGE], ['operator', opt('hash')], ['activates_at', 'u64'], ['set_hash', 'hash'],
    ['proposal', opt('hash')])],
  ['upgrade_scheduled', struct(['version', 'u32'], ['height', 'u64'], ['proposal', 'hash'])],
  ['dataset_regraded', reason(['dataset', 'hash'], ['owner', 'hash'], ['regulator', 'hash'], ['from_classification', CLASSIFICATION],
    ['classification', CLASSIFICATION], ['from_sharing', SHARING], ['sharing', SHARING])],
  ['countersignature_required', struct(['grant', 'hash'], ['dataset', 'hash'], ['grantor', 'hash'], ['grantee', 'hash'], ['key', 'hash'])],
  ['element_defined', struct(['element', 'string'], ['name', 'string'], ['responsible', 'hash'], ['by', 'hash'], ['proposal', opt('hash')])],
  ['element_transferred', reason(['element', 'string'], ['from', 'hash'], ['to', 'hash'], ['by', 'hash'], ['proposal', opt('hash')])],
  ['elements_declared', struct(['dataset', 'hash'], ['owner', 'hash'], ['elements', vec('string')], ['source', ELEMENT_SOURCE])],
  ['demand_filed', struct(['demand', 'hash'], ['requester', 'hash'], ['elements', vec('string')], ['purpose', 'string'])],
  ['demand_assigned', struct(['demand', 'hash'], ['requester', 'hash'], ['department', 'hash'], ['regulator', 'hash'], ['deadline_ms', 'u64'])],
  ['demand_answered', struct(['demand', 'hash'], ['requester', 'hash'], ['department', 'hash'], ['dataset', 'hash'], ['grant', 'hash'], ['on_time', 'bool'])],
  ['demand_refused', struct(['demand', 'hash'], ['requester', 'hash'], ['department', 'hash'], ['legal_basis', 'string'], ['on_time', 'bool'])],
  ['demand_withdrawn', struct(['demand', 'hash'], ['requester', 'hash'], ['department', opt('hash')])],
  ['grant_frozen', reason(['grant', 'hash'], ['dataset', 'hash'], ['grantor', 'hash'], ['grantee', 'hash'], ['regulator', 'hash'])],
  ['grant_unfrozen', reason(['grant', 'hash'], ['dataset', 'hash'], ['grantor', 'hash'], ['grantee', 'hash'], ['regulator', 'hash'])],
  ['org_suspended_by_regulator', reason(['org', 'hash'], ['regulator', 'hash'])],
  ['org_reinstated_by_regulator', reason(['org', 'hash'], ['regulator', 'hash'])],
  ['withdrawal_requested', struct(['org', 'hash'], ['amount', 'u64'])]);

/** `Transaction`. */
export const TRANSACTION = struct(['chain_id', 'string'], ['sender', 'hash'], ['nonce', 'u64'], ['call', CALL], ['signature', 'sig']);

const TX_STATUS = enumOf(EXT, ['success'], ['failed', struct(['error', struct(['code', 'string'], ['message', 'string'])])]);
/** `TxOutcome`, the leaves of `outcomes_root`. */
export const TX_OUTCOME = struct(['tx_hash', 'hash'], ['account', 'hash'], ['status', TX_STATUS], ['events', vec(EVENT)]);

/** Reads one value of type `t` from reader `r`, in serde's JSON shape. */
export function read(t, r) {
  if (typeof t === 'string') {
    switch (t) {
      case 'u8': return r.u8();
      case 'u16': return r.u16();
      case 'u32': return r.u32();
      case 'u64': return r.u64();
      case 'bool': return r.bool();
      case 'string': return r.string();
      case 'hash': return r.hash();
      case 'sig': return toHex(r.take(64));
      default: throw new Error(`schema: unknown type ${t}`);
    }
  }
  if (t.vec) return r.vec(() => read(t.vec, r));
  if (t.opt) return r.option(() => read(t.opt, r));
  if (t.struct) return Object.fromEntries(t.struct.map(([name, ft]) => [name, read(ft, r)]));
  if (t.enum) {
    const i = r.u8();
    if (i >= t.enum.length) throw new Error(`borsh: variant ${i} is not known to this explorer`);
    const [name, body] = t.enum[i];
    const value = body === undefined ? undefined : read(body, r);
    if (t.repr.ext) return value === undefined ? name : { [name]: value };
    if (t.repr.content) return value === undefined ? { [t.repr.tag]: name } : { [t.repr.tag]: name, [t.repr.content]: value };
    return { [t.repr.tag]: name, ...(value || {}) };
  }
  throw new Error('schema: bad type');
}

/** Decodes all of `bytes` (Uint8Array or hex) as type `t`; trailing bytes are an error. */
export function decodeAll(t, bytes) {
  const r = new Reader(typeof bytes === 'string' ? fromHex(bytes) : bytes);
  const v = read(t, r);
  r.end();
  return v;
}

/** A decoded `TxOutcome` in the API's `Outcome` shape ({status, account, error, events}). */
export function apiOutcome(o) {
  const failed = typeof o.status === 'object' && o.status.failed;
  return { status: failed ? 'failed' : 'success', account: o.account, error: failed ? o.status.failed.error : null, events: o.events };
}

/** A JSON value with object keys sorted, for comparing two values field by field. */
export function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}
