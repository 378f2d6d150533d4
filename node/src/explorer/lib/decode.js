// Borsh decoders of the ledger objects the explorer shows, into the same JSON shape the API
// prints (serde of the Rust structs in contracts/). A page shows an object as verified only when
// the proven state value decodes to exactly the object on screen.

import { Reader, fromHex } from './borsh.js';

const CLASSIFICATION = ['general', 'important', 'core'];
const SHARING = ['unconditional', 'conditional', 'not_shareable'];
const ROLES = ['department', 'exchange_center', 'trader', 'regulator', 'validator_operator'];
const ORDER_STATUS = ['placed', 'delivered', 'accepted', 'disputed', 'claimed', 'arbitrated', 'cancelled'];

function product(r) {
  const t = r.u8();
  if (t === 0) return { dataset: r.hash() };
  if (t === 1) return { off_catalog: { name: r.string(), metadata_hash: r.hash() } };
  throw new Error('borsh: bad product tag');
}

function listingStatus(r) {
  const t = r.u8();
  if (t === 0) return { status: 'pending_review' };
  if (t === 1) return { status: 'approved' };
  if (t === 2) return { status: 'rejected', reason: r.string() };
  if (t === 3) return { status: 'withdrawn' };
  throw new Error('borsh: bad listing status tag');
}

function ruling(r) {
  const t = r.u8();
  if (t === 0) return { type: 'refund' };
  if (t === 1) return { type: 'pay' };
  if (t === 2) return { type: 'split', buyer_bps: r.u16() };
  throw new Error('borsh: bad ruling tag');
}

const DECODERS = {
  dataset: (r) => ({
    id: r.hash(), owner: r.hash(), name: r.string(), category: r.string(),
    classification: r.enumOf(CLASSIFICATION), sharing: r.enumOf(SHARING), update_frequency: r.string(),
    version: r.u32(), metadata_hash: r.hash(), schema_hash: r.hash(), fields: r.vec(() => r.string()),
    retired: r.bool(), negative_listed: r.option(() => r.string()), registered_at: r.u64(),
  }),
  grant: (r) => ({
    id: r.hash(), request: r.hash(), grantor: r.hash(), grantee: r.hash(), dataset: r.hash(),
    dataset_version: r.u32(), purpose: r.string(), fields: r.vec(() => r.string()),
    validity: { from_ms: r.u64(), until_ms: r.u64() }, max_uses: r.u64(), uses: r.u64(),
    revoked: r.option(() => ({ height: r.u64(), reason: r.string() })), issued_at: r.u64(),
  }),
  organization: (r) => ({
    id: r.hash(), name: r.string(), roles: r.vec(() => r.enumOf(ROLES)), keys: r.vec(() => r.hash()), suspended: r.bool(),
  }),
  listing: (r) => ({
    id: r.hash(), seller: r.hash(), product: product(r), price: r.u64(), licence_terms_hash: r.hash(),
    delivery_method: r.string(), purpose: r.string(), validity: { from_ms: r.u64(), until_ms: r.u64() },
    fields: r.vec(() => r.string()), max_uses: r.u64(), delivery_window_ms: r.u64(), acceptance_window_ms: r.u64(),
    status: listingStatus(r), frozen: r.option(() => r.string()),
    reviewed_by: r.option(() => r.hash()), submitted_at: r.u64(),
  }),
  order: (r) => ({
    id: r.hash(), listing: r.hash(), buyer: r.hash(), seller: r.hash(), dataset: r.option(() => r.hash()),
    price: r.u64(), fee: r.u64(), exchange: r.hash(), status: r.enumOf(ORDER_STATUS), placed_at: r.u64(),
    placed_at_ms: r.u64(), acceptance_window_ms: r.u64(), delivery_deadline_ms: r.u64(),
    delivery_hash: r.option(() => r.hash()), acceptance_deadline_ms: r.option(() => r.u64()),
    dispute: r.option(() => r.string()), ruling: r.option(() => ruling(r)), grant: r.option(() => r.hash()),
    history: r.vec(() => [r.u64(), r.enumOf(ORDER_STATUS)]),
  }),
};

/** State-key prefixes (contracts' `*_key` functions) of the objects a page can verify. */
export const KEY_PREFIX = {
  dataset: 'catalog/dataset/',
  grant: 'grants/grant/',
  organization: 'orgs/org/',
  order: 'market/order/',
  listing: 'market/listing/',
};

/** Hex of the state key of object `kind` with id `idHex`. */
export function stateKey(kind, idHex) {
  const p = Array.from(new TextEncoder().encode(KEY_PREFIX[kind]), (b) => b.toString(16).padStart(2, '0')).join('');
  return p + idHex;
}

/** Decodes a state value of `kind`, or null when the explorer has no decoder for it. */
export function decodeValue(kind, valueHex) {
  const f = DECODERS[kind];
  if (!f) return null;
  const r = new Reader(fromHex(valueHex));
  const v = f(r);
  r.end();
  return v;
}

function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** Whether the proven value of `kind` is exactly the object `shown`; {ok, reason}. */
export function matchesShown(kind, valueHex, shown) {
  let decoded;
  try { decoded = decodeValue(kind, valueHex); } catch (e) { return { ok: false, reason: `proven value does not decode: ${e.message}` }; }
  if (decoded === null) return { ok: true, reason: null, unbound: true };
  if (canonical(decoded) !== canonical(shown)) return { ok: false, reason: 'the object shown differs from the proven state value' };
  return { ok: true, reason: null };
}
