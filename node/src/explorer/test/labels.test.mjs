// The lists' labels (lib/labels.js) cover every column of every list sample
// (test/api-samples.json, written from the Rust row types) and every value of the enumerations
// the pages filter and show, as docs/openapi.json (generated from the API types) names them, in
// both languages. Run: node --test node/src/explorer/test/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import zh from '../i18n/zh.js';
import en from '../i18n/en.js';
import {
  CLASSIFICATIONS, GRANT_STATES, LISTING_STATES, ORDER_STATES, REQUEST_STATES, SHARING, valueLabel,
} from '../lib/labels.js';

const samples = JSON.parse(readFileSync(new URL('./api-samples.json', import.meta.url), 'utf8'));
const openapi = JSON.parse(readFileSync(new URL('../../../../docs/openapi.json', import.meta.url), 'utf8'));

test('every column of every list has a label in both languages', () => {
  const pages = Object.entries(samples).filter(([name]) => name.endsWith('Page') && Array.isArray(samples[name].columns));
  assert.ok(pages.length >= 10, 'the list samples are in api-samples.json');
  for (const [name, page] of pages) {
    for (const c of page.columns) {
      assert.ok(zh[`col.${c}`], `${name}: column ${c} has no Chinese label`);
      assert.ok(en[`col.${c}`], `${name}: column ${c} has no English label`);
    }
  }
});

test('every value of the enumerations the lists filter by has a label, and no label is stale', () => {
  const enums = {
    Classification: CLASSIFICATIONS, SharingAttribute: SHARING, RequestState: REQUEST_STATES, GrantState: GRANT_STATES,
    ListingState: LISTING_STATES, OrderStatus: ORDER_STATES,
  };
  for (const [schema, e] of Object.entries(enums)) {
    const values = openapi.components.schemas[schema]?.enum;
    assert.ok(values, `docs/openapi.json has no enumeration ${schema}`);
    assert.deepEqual([...e.values].sort(), [...values].sort(), `${schema}: labels differ from the API's values`);
    for (const v of values) assert.ok(zh[`${e.prefix}.${v}`] && en[`${e.prefix}.${v}`], `${schema}.${v} has no label`);
  }
  assert.equal(valueLabel('status', 'nonsense'), 'nonsense');
});
