// The JavaScript half of the API samples (the Rust half is node/src/explorer/api_samples.rs): every
// answer type the explorer reads (lib/shapes.js) has a sample in test/api-samples.json, written
// from the typed answers of the `shulian-api` crate, and the sample has every field the explorer
// reads. Run: node --test node/src/explorer/test/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SHAPES, missingFields } from '../lib/shapes.js';

const samples = JSON.parse(readFileSync(new URL('./api-samples.json', import.meta.url), 'utf8'));

test('every answer the explorer reads has a typed sample with every field it reads', () => {
  for (const type of Object.keys(SHAPES)) {
    assert.ok(samples[type], `no sample of ${type} in api-samples.json`);
    assert.deepEqual(missingFields(type, samples[type]), [], `${type}: fields the explorer reads are missing`);
  }
});

test('a renamed field is caught and named', () => {
  const grant = JSON.parse(JSON.stringify(samples.GrantResponse));
  grant.grant.version = grant.grant.dataset_version;
  delete grant.grant.dataset_version;
  assert.deepEqual(missingFields('GrantResponse', grant), ['grant.dataset_version']);
  const blocks = JSON.parse(JSON.stringify(samples.BlocksPage));
  delete blocks.blocks[0].signatures[0].validator;
  assert.deepEqual(missingFields('BlocksPage', blocks), ['blocks[].signatures[].validator']);
  assert.deepEqual(missingFields('DatasetResponse', { ...samples.DatasetResponse, dataset: null }).length > 0, true);
});
