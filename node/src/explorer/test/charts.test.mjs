// The dashboard's chart helpers (lib/charts.js) that need no DOM: a chart's CSV (RFC 4180, CRLF,
// formulas neutralized like the node's exports) and the axis bound (four whole steps).
// Run: node --test node/src/explorer/test/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvField, niceMax, toCsv } from '../lib/charts.js';

test('a chart\'s CSV quotes what needs it and neutralizes formulas', () => {
  assert.equal(toCsv(['day', 'name', 'uses'], [['2026-12-01', '门诊, "北区"', 3]]), 'day,name,uses\r\n2026-12-01,"门诊, ""北区""",3\r\n');
  assert.equal(csvField('=HYPERLINK("x")'), '"\'=HYPERLINK(""x"")"');
  assert.equal(csvField('-5'), '-5', 'a negative number stays a number');
  assert.equal(csvField(null), '');
});

test('an axis of counts ends on four whole steps just above the largest value', () => {
  assert.equal(niceMax(0), 4);
  assert.equal(niceMax(3), 4);
  assert.equal(niceMax(5), 8);
  assert.equal(niceMax(26), 40);
  assert.equal(niceMax(33), 40);
  assert.equal(niceMax(41), 80);
  assert.equal(niceMax(1234), 2000);
  for (const m of [1, 7, 19, 250, 9999]) assert.ok(niceMax(m) >= m && Number.isInteger(niceMax(m) / 4), `${m}`);
});
