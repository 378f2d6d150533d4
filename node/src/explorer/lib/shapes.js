// The fields of the node's API answers that the explorer reads, per answer type of the
// `shulian-api` crate (node/api-types/). `get(path, type)` checks an answer against its type here
// and fails with the missing fields named, instead of drawing `undefined`. test/shapes.test.mjs
// checks this table against test/api-samples.json, which the Rust test
// `explorer::api_samples` writes from the typed answers: a field renamed or dropped on the Rust
// side fails that test instead of quietly emptying a page.
//
// A path is dot-separated; `[]` reads into every element of an array (an empty array passes);
// a trailing `?` marks a field that must be present but may be null.

/** The fields of a ViewPage whose rows have `fields`. */
function page(fields) {
  return ['view', 'columns', 'rows', 'next?', ...fields.map((f) => `rows[].${f}`)];
}

export const SHAPES = {
  StatusResponse: ['chain_id', 'genesis_hash', 'height', 'last_block_hash', 'state_root', 'last_block_time_ms',
    'mempool_txs', 'validators[].name', 'validators[].public_key', 'validators[].power', 'earliest_block_height?', 'pruned'],
  BlocksPage: ['blocks[].height', 'blocks[].hash', 'blocks[].timestamp_ms', 'blocks[].txs', 'blocks[].signatures[].validator',
    'blocks[].signatures[].signature', 'next?'],
  ValidatorSetsPage: ['changes', 'next?', 'changes[].height', 'changes[].header.next_validators_hash',
    'changes[].header.protocol_version', 'changes[].certificate.signatures[].validator',
    'changes[].validators.validators[].public_key', 'changes[].validators.validators[].power',
    'changes[].validators.validators[].name'],
  BlockResponse: ['hash', 'header.protocol_version', 'header.next_validators_hash', 'header.height', 'header.chain_id', 'header.parent_hash', 'header.timestamp_ms', 'header.proposer',
    'header.tx_root', 'header.outcomes_root', 'header.state_root', 'certificate?', 'certificate.height', 'certificate.round',
    'certificate.block_hash', 'certificate.signatures[].validator', 'certificate.signatures[].signature', 'txs[].hash',
    'txs[].call_name', 'txs[].account', 'txs[].nonce', 'txs[].sender', 'txs[].call', 'txs[].outcome?', 'txs[].outcome.status'],
  TxStatusResponse: ['hash', 'status', 'height', 'index', 'outcome.status', 'outcome.account', 'outcome.error?', 'outcome.events'],
  AccountResponse: ['account', 'balance', 'nonce', 'organization?'],
  ProofResponse: ['key', 'value', 'height', 'state_root', 'block_hash', 'proof.siblings'],
  OrgResponse: ['organization.id', 'organization.name', 'organization.roles', 'organization.keys', 'organization.suspended'],
  DatasetResponse: ['dataset.id', 'dataset.name', 'dataset.owner', 'dataset.category', 'dataset.classification', 'dataset.sharing',
    'dataset.negative_listed?', 'dataset.retired', 'dataset.version', 'dataset.fields', 'dataset.update_frequency',
    'dataset.registered_at', 'versions[].version', 'versions[].height', 'versions[].tx_hash', 'versions[].fields',
    'versions[].metadata_hash', 'versions[].schema_hash', 'parents[].dataset', 'children', 'ancestors', 'descendants', 'truncated'],
  GrantResponse: ['grant.id', 'grant.dataset', 'grant.dataset_version', 'grant.grantor', 'grant.grantee', 'grant.purpose',
    'grant.fields', 'grant.validity.from_ms', 'grant.validity.until_ms', 'grant.uses', 'grant.max_uses', 'grant.revoked?',
    'grant.revoked.height', 'grant.revoked.reason', 'grant.issued_at', 'usable_now', 'unusable_reason?', 'countersigner?'],
  ListingResponse: ['listing.id', 'listing.seller', 'listing.price', 'listing.status', 'listing.frozen?', 'listing.reviewed_by?',
    'listing.delivery_window_ms', 'listing.acceptance_window_ms'],
  OrderResponse: ['order.id', 'order.listing', 'order.buyer', 'order.seller', 'order.dataset?', 'order.price', 'order.fee',
    'order.status', 'order.delivery_deadline_ms', 'order.acceptance_deadline_ms?', 'order.dispute?', 'order.ruling?', 'order.grant?', 'order.history'],
  EventsPage: ['events[].height', 'events[].tx_hash', 'events[].event_index', 'events[].event.type', 'next?'],
  EvidencePage: ['items[].height', 'items[].round', 'items[].validator', 'items[].vote_a?', 'items[].vote_b?',
    'items[].recorded_at_height', 'items[].tx_hash', 'next?'],
  SearchResponse: ['results[].kind', 'results[].id', 'results[].label'],
  ViewPage: ['view', 'columns', 'rows', 'next?'],
  // The lists of issue 19 (node/api-types/src/lists.rs): a ViewPage of one row type each; the
  // pages draw every column the answer names, so every field of the row is listed.
  CatalogPage: page(['height', 'tx_hash', 'time_ms', 'dataset', 'name', 'owner', 'category', 'classification', 'sharing',
    'version', 'negative_listed', 'retired']),
  RequestsPage: page(['height', 'tx_hash', 'time_ms', 'request', 'dataset', 'requester', 'owner', 'purpose', 'state',
    'needs_co_approval', 'owner_approved', 'co_approved_by?', 'valid_from_ms', 'valid_until_ms', 'max_uses']),
  GrantsPage: page(['height', 'tx_hash', 'time_ms', 'grant', 'dataset', 'grantor', 'grantee', 'purpose', 'state',
    'valid_from_ms', 'valid_until_ms', 'uses', 'max_uses', 'revoked_at?']),
  ReceiptsPage: page(['height', 'tx_hash', 'grant', 'seq', 'grantee', 'dataset', 'row_count', 'query_hash', 'result_hash',
    'fields_used']),
  ListingsPage: page(['height', 'tx_hash', 'time_ms', 'listing', 'seller', 'dataset?', 'price', 'max_uses', 'state',
    'delivery_window_ms', 'acceptance_window_ms']),
  OrdersPage: page(['height', 'tx_hash', 'time_ms', 'order', 'listing', 'buyer', 'seller', 'dataset?', 'price', 'fee', 'status',
    'delivery_deadline_ms', 'acceptance_deadline_ms?']),
  StatementPage: page(['height', 'tx_hash', 'time_ms', 'kind', 'counterparty?', 'order?', 'credit', 'debit']),
  NegativeListPage: page(['height', 'tx_hash', 'time_ms', 'dataset', 'name', 'owner', 'regulator', 'reason']),
  SuspendedPage: page(['height', 'tx_hash', 'time_ms', 'org', 'name', 'reason']),
  RegradedPage: page(['height', 'tx_hash', 'time_ms', 'dataset', 'name', 'owner', 'regulator', 'from_classification',
    'classification', 'from_sharing', 'sharing', 'reason']),
  ElementPage: page(['height', 'tx_hash', 'time_ms', 'element', 'name', 'responsible', 'authoritative?']),
  DemandPage: page(['height', 'tx_hash', 'time_ms', 'demand', 'requester', 'elements', 'purpose', 'state', 'department?',
    'deadline_ms?', 'answered_at_ms?', 'on_time?', 'dataset?', 'grant?', 'legal_basis?']),
  DepartmentStatsPage: page(['org', 'name', 'datasets_provided', 'demands_assigned', 'demands_answered_on_time',
    'demands_answered_late', 'demands_refused', 'demands_refused_late', 'demands_overdue', 'requests_approved',
    'requests_refused', 'uses_under_its_grants', 'refused_attempts', 'complete']),
  AttemptPage: page(['height', 'tx_hash', 'time_ms', 'org', 'call', 'code', 'message', 'datasets', 'grants']),
  DisputesPage: page(['height', 'tx_hash', 'time_ms', 'order', 'listing', 'buyer', 'seller', 'dataset?', 'price?', 'fee?',
    'reason', 'status?']),
  DashboardResponse: ['height', 'time_ms', 'since_ms', 'until_ms', 'from_height?', 'to_height?', 'days[].day', 'days[].blocks',
    'days[].uses', 'days[].grants_issued', 'days[].grants_revoked', 'days[].orders_placed', 'days[].disputes_opened',
    'days[].disputes_ruled', 'uses[].day', 'uses[].dataset', 'uses[].org', 'uses[].uses', 'top_datasets[].dataset',
    'top_datasets[].name', 'top_datasets[].owner', 'top_datasets[].owner_name', 'top_datasets[].uses', 'complete',
    'counted_until_height?', 'blocks.from_height?', 'blocks.to_height?', 'blocks.blocks', 'blocks.complete',
    'blocks.failures[].code', 'blocks.failures[].count', 'blocks.rounds[].round', 'blocks.rounds[].blocks',
    'blocks.mean_interval_ms?', 'waiting.co_approvals', 'waiting.open_disputes', 'waiting.complete', 'verified'],
  NamesResponse: ['names[].id', 'names[].kind', 'names[].name', 'names[].roles', 'names[].org?', 'names[].org_name?', 'names[].dataset?'],
  Genesis: ['chain_id', 'genesis_time_ms', 'validators[].name', 'validators[].public_key', 'validators[].power',
    'organizations[].name', 'organizations[].roles', 'organizations[].public_key', 'organizations[].balance'],
  RawBlockResponse: ['height', 'txs', 'outcomes'],
  OutcomeProofResponse: ['tx_hash', 'height', 'outcome_bytes', 'path.index', 'path.count', 'path.siblings', 'header.height',
    'header.chain_id', 'header.parent_hash', 'header.timestamp_ms', 'header.proposer', 'header.tx_root', 'header.outcomes_root',
    'header.state_root', 'certificate.height', 'certificate.round', 'certificate.block_hash', 'certificate.signatures[].validator',
    'certificate.signatures[].signature'],
};

/** The paths of `type` that `value` lacks (empty when it has them all). A null object hides the
 * fields below it only where the table marks that object `?`. */
export function missingFields(type, value) {
  const paths = SHAPES[type];
  if (!paths) return [`(unknown answer type ${type})`];
  const nullable = new Set(paths.filter((p) => p.endsWith('?')).map((p) => p.slice(0, -1)));
  return paths.filter((p) => !has(value, (p.endsWith('?') ? p.slice(0, -1) : p).split('.'), '', nullable));
}

function has(value, parts, prefix, nullable) {
  if (parts.length === 0) return true;
  const [head, ...rest] = parts;
  const each = head.endsWith('[]');
  const key = each ? head.slice(0, -2) : head;
  const path = prefix ? `${prefix}.${head}` : head;
  if (value === null || typeof value !== 'object' || !(key in value)) return false;
  const next = value[key];
  if (next === null) return nullable.has(path);
  if (each) return Array.isArray(next) && next.every((x) => has(x, rest, path, nullable));
  return has(next, rest, path, nullable);
}
