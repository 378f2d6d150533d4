// The lists' date filters: a day typed in China Standard Time becomes the ledger-time bounds the
// API takes (lib/cst.js). Run: node --test node/src/explorer/test/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cstDate, cstDayRange, cstDayStart } from '../lib/cst.js';

test('a day in China Standard Time starts at 16:00 UTC the day before', () => {
  assert.equal(cstDayStart('2027-01-01'), Date.parse('2026-12-31T16:00:00Z'));
  assert.equal(cstDayStart('2026-12-01'), Date.parse('2026-11-30T16:00:00Z'));
  assert.equal(cstDayStart(''), null);
});

test('a range includes both days: until is the first millisecond after the last day', () => {
  assert.deepEqual(cstDayRange('2026-12-01', '2026-12-01'), {
    since_ms: Date.parse('2026-11-30T16:00:00Z'),
    until_ms: Date.parse('2026-12-01T16:00:00Z'),
  });
  assert.deepEqual(cstDayRange('', '2027-01-01'), { until_ms: Date.parse('2027-01-01T16:00:00Z') });
  assert.deepEqual(cstDayRange('2027-01-01', ''), { since_ms: Date.parse('2026-12-31T16:00:00Z') });
  assert.deepEqual(cstDayRange('', ''), {});
});

test('a ledger time just before and at midnight CST falls on the right side of the bound', () => {
  const { since_ms: since, until_ms: until } = cstDayRange('2026-12-01', '2026-12-01');
  assert.equal(cstDate(since), '2026-12-01');
  assert.equal(cstDate(since - 1), '2026-11-30');
  assert.equal(cstDate(until - 1), '2026-12-01');
  assert.equal(cstDate(until), '2026-12-02');
});

test('impossible or reversed dates are refused, not rolled over', () => {
  assert.throws(() => cstDayStart('2027-02-30'), /no such day/);
  assert.throws(() => cstDayStart('2027-1-5'), /not a date/);
  assert.throws(() => cstDayStart('yesterday'), /not a date/);
  assert.throws(() => cstDayRange('2027-01-02', '2027-01-01'), /ends/);
});
