// The explorer's two languages (lib/i18n.js, i18n/zh.js, i18n/en.js): both dictionaries hold the
// same keys; every key the code asks for (`t('…')`, `data-i18n="…"`) and every key a family of
// API values needs (event kinds and their fields, roles, search kinds, outcomes, list columns)
// exists in both; Chinese texts are Chinese and English texts hold no Chinese; money and
// language choice follow the rules of docs/api.md. Run: node --test node/src/explorer/test/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import zh from '../i18n/zh.js';
import en from '../i18n/en.js';
import { pickLang, t, yuan } from '../lib/i18n.js';

const root = new URL('../', import.meta.url);
const openapi = JSON.parse(readFileSync(new URL('../../../../docs/openapi.json', import.meta.url), 'utf8'));
const samples = JSON.parse(readFileSync(new URL('./api-samples.json', import.meta.url), 'utf8'));
const CJK = /[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]/;

/** Every source file of the explorer the browser loads. */
function sources() {
  const out = [];
  for (const dir of ['', 'lib/', 'pages/']) {
    for (const f of readdirSync(new URL(dir, root))) {
      if (/\.(js|html)$/.test(f)) out.push([`${dir}${f}`, readFileSync(new URL(`${dir}${f}`, root), 'utf8')]);
    }
  }
  return out;
}

test('both languages hold the same keys', () => {
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
  assert.ok(Object.keys(zh).length > 300);
});

test('every key the code asks for exists in both languages', () => {
  const used = new Set();
  for (const [, text] of sources()) {
    for (const m of text.matchAll(/\bt\(\s*'([a-z_]+\.[a-z_0-9]+)'/g)) used.add(m[1]);
    for (const m of text.matchAll(/data-i18n(?:-placeholder)?="([a-z_.]+)"/g)) used.add(m[1]);
    for (const m of text.matchAll(/'(market\.[a-z_]+)'/g)) used.add(m[1]);
  }
  assert.ok(used.size > 250, `found ${used.size} keys in the code`);
  for (const k of used) {
    assert.ok(k in zh, `zh lacks ${k}`);
    assert.ok(k in en, `en lacks ${k}`);
  }
});

test('every event kind, event field, role, search kind, outcome and list column has a label', () => {
  const s = openapi.components.schemas;
  const keys = [];
  for (const v of s.Event.oneOf) {
    keys.push(`event.${v.properties.type.enum[0]}`);
    for (const p of Object.keys(v.properties)) if (p !== 'type') keys.push(`field.${p}`);
  }
  for (const r of s.Role.enum) keys.push(`role.${r}`);
  for (const k of s.SearchKind.enum) keys.push(`kind.${k}`);
  for (const o of s.OutcomeStatus.enum) keys.push(`outcome.${o}`);
  for (const [name, page] of Object.entries(samples)) {
    if (name.endsWith('Page') && Array.isArray(page.columns)) for (const c of page.columns) keys.push(`col.${c}`);
  }
  for (const k of ['request', 'proposal']) keys.push(`object.${k}`);
  for (const st of ['pinned', 'unpinned', 'mismatch', 'invalid']) keys.push(`settings.state_${st}`);
  for (const k of keys) {
    assert.ok(k in zh, `zh lacks ${k}`);
    assert.ok(k in en, `en lacks ${k}`);
  }
});

test('Chinese texts are in Chinese and English texts hold no Chinese', () => {
  // Texts that are only placeholders and punctuation need no script of their own.
  const neutral = (v) => v.replace(/\{[a-z]+\}/g, '').replace(/[\s·:→()（）、,.\-'"]/g, '') === '';
  for (const [k, v] of Object.entries(zh)) if (!neutral(v)) assert.match(v, CJK, `zh ${k} is not Chinese: ${v}`);
  for (const [k, v] of Object.entries(en)) assert.doesNotMatch(v, CJK, `en ${k} holds Chinese: ${v}`);
  for (const [k, v] of Object.entries(zh)) {
    const ph = (x) => [...x.matchAll(/\{([a-z]+)\}/g)].map((m) => m[1]).sort();
    assert.deepEqual(ph(v), ph(en[k]), `${k}: the two languages take the same placeholders`);
  }
});

test('fen are shown as yuan with two decimals and a thousands separator, exactly', () => {
  assert.equal(yuan(123450), '¥1,234.50');
  assert.equal(yuan(5), '¥0.05');
  assert.equal(yuan(0), '¥0.00');
  assert.equal(yuan('18446744073709551615'), '¥184,467,440,737,095,516.15');
});

test('Chinese is the default for a browser that prefers zh, and a remembered choice wins', () => {
  assert.equal(pickLang(null, ['zh-CN', 'en']), 'zh');
  assert.equal(pickLang(null, ['zh-TW']), 'zh');
  assert.equal(pickLang(null, ['en-US', 'zh-CN']), 'en');
  assert.equal(pickLang('en', ['zh-CN']), 'en');
  assert.equal(pickLang('zh', ['en-GB']), 'zh');
  assert.equal(t('ui.yes', {}, 'zh'), '是');
  assert.equal(t('grant.uses_of', { uses: 3, max: 10 }, 'en'), '3 of 10 uses');
  assert.equal(t('no.such_key', {}, 'en'), '⟦no.such_key⟧');
});
