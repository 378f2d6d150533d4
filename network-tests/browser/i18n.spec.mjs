// The explorer's two languages (issue 26) in headless Chromium, called by explorer.spec.mjs with
// its page and helpers: every page of the scenario, in Chinese and in English, shows no missing
// translation key, no text of the other language (an English phrase of the dictionary on a Chinese
// page, a heading, header, label, button or badge without Chinese; any Chinese on an English page),
// with ledger text (names, purposes, ids) left aside, and no page is wider than the window (in
// Chinese at 1280x800, in English at a tablet's width); the language buttons switch every visible
// string and the choice is remembered.

import assert from 'node:assert/strict';
import en from '../../node/src/explorer/i18n/en.js';
import zh from '../../node/src/explorer/i18n/zh.js';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};

/** English phrases of the dictionary (several words, not the same in Chinese): none may show on a
 * Chinese page. Placeholders cut a text into its fixed parts. */
const EN_PHRASES = [...new Set(Object.entries(en)
  .filter(([k, v]) => v !== zh[k])
  .flatMap(([, v]) => v.split(/\{[a-z]+\}/))
  .map((p) => p.trim())
  .filter((p) => /[a-z]+ [a-z]+ [a-z]+/i.test(p) && p.length >= 12))];

/** In the page: the visible texts of the explorer's own words (ledger text, ids, code and the
 * language buttons left aside), as [kind, text] with kind `ui` for headings, headers, labels,
 * buttons, options, badges, captions and links of the navigation. */
function visibleTexts() {
  const skip = '[data-lang-switch], .data, code, pre, a.named, [data-named], .picker-chosen, input, textarea, select option:not(:checked)';
  const ui = 'h1, h2, h3, th, label, button, legend, figcaption, .badge, nav a, .tile, .trust';
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const e = n.parentElement;
    const text = n.textContent.trim();
    if (!text || !e || e.closest(skip) || e.closest('script, style')) continue;
    if (!e.checkVisibility()) continue;
    out.push([e.closest(ui) ? 'ui' : 'text', text]);
  }
  return out;
}

const CJK = /[\u3400-\u9fff]/;
/** Latin words that are no language's: ids, hashes, codes, units, file formats. */
const NEUTRAL = /^(?:[0-9a-f]{8,}…?|[0-9a-f]{64}|CSV|JSON|SVG|UTC|ISO|nonce|[a-z]+(?:\.[a-z_]+)+|[A-Za-z_]+_[a-z_]+|#\/.*)$/;

/** Waits until the page, its lists, its names and its checks are done. */
async function settled(page) {
  await page.waitForFunction(() => {
    const main = document.querySelector('main');
    return main.dataset.ready === 'true'
      && !document.querySelector('[data-loading=true]')
      && !document.querySelector('a.named:not([data-named])')
      && !document.querySelector('.badge.pending');
  }, null, { timeout: 30_000 }).catch(() => {});
}

async function failures(page, lang) {
  const texts = await page.evaluate(visibleTexts);
  const missing = await page.evaluate(() => document.documentElement.dataset.missingKeys || '');
  const bad = [];
  if (missing) bad.push(`missing keys: ${missing}`);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  if (wide > 1) bad.push(`the page is ${wide}px wider than the window`);
  for (const [kind, text] of texts) {
    if (text.includes('⟦')) bad.push(`untranslated key: ${text}`);
    if (lang === 'en' && CJK.test(text)) bad.push(`Chinese on an English page: ${text}`);
    if (lang === 'zh') {
      const phrase = EN_PHRASES.find((p) => text.includes(p));
      if (phrase) bad.push(`English phrase on a Chinese page: "${phrase}" in "${text}"`);
      const words = text.split(/[\s:：,，()（）·—→/]+/).filter((w) => /[A-Za-z]{3,}/.test(w) && !NEUTRAL.test(w));
      if (kind === 'ui' && !CJK.test(text) && words.length) bad.push(`a heading, header, label, button or badge without Chinese: ${text}`);
    }
  }
  return bad;
}

export async function languageChecks({ page, url, check, shot, ids }) {
  const { dataset, grant, order, grantee } = ids;
  const health = env('SHULIAN_LIST_HEALTH');
  const trader = env('SHULIAN_LIST_TRADER');
  const listing = env('SHULIAN_LIST_LISTING');
  const uses = await (await fetch(`${url}/api/views/uses?dataset=${dataset}&limit=1`)).json();
  const tx = uses.rows[0].tx_hash;
  const pages = [
    '/', '/#/chain', '/#/catalog', `/#/inbox/${health}`, '/#/inbox', `/#/grants/${grantee}`, `/#/market/${trader}`,
    '/#/regulator', '/#/views', '/#/evidence', '/#/settings', `/#/dataset/${dataset}`, `/#/grant/${grant}`,
    `/#/order/${order}`, `/#/listing/${listing}`, `/#/org/${grantee}`, `/#/tx/${tx}`, '/#/block/1', '/#/search/Municipal',
  ];

  // Chinese at 1280x800, English at a tablet's 820x1180: every page fits its window's width too.
  for (const [lang, width, height] of [['zh', 1280, 800], ['en', 820, 1180]]) {
    await check(`every page in ${lang === 'zh' ? 'Chinese at 1280x800' : 'English at a tablet\'s width'}: no missing key, nothing in the other language, no sideways scrolling`, async () => {
      await page.setViewportSize({ width, height });
      await page.goto(`${url}/`);
      await page.click(`[data-testid=lang-${lang}]`);
      const bad = [];
      for (const p of pages) {
        await page.goto(`${url}${p}`);
        await settled(page);
        for (const b of await failures(page, lang)) bad.push(`${p}: ${b}`);
      }
      await page.setViewportSize({ width: 1280, height: 800 });
      assert.deepEqual(bad, [], `texts left in the other language or untranslated, or pages too wide:\n${bad.join('\n')}`);
    });
  }

  await check('a data set named in Chinese is chosen by its first characters, with the page in either language', async () => {
    const chinese = env('SHULIAN_CHINESE_DATASET');
    for (const lang of ['en', 'zh']) {
      await page.goto(`${url}/#/views`);
      await page.click(`[data-testid=lang-${lang}]`);
      await page.fill('[data-testid=uses-dataset]', '公交');
      const option = page.locator(`[data-testid=uses-dataset-option][data-id="${chinese}"]`);
      await option.waitFor();
      assert.match(await option.textContent(), /^公交客流 bus ridership/);
      await option.click();
      assert.equal(await page.inputValue('[data-testid=uses-dataset]'), '公交客流 bus ridership');
      await page.click('[data-testid=uses-run]');
      await page.locator('[data-testid=list-uses][data-page="1"][data-loading=false]').waitFor();
      assert.match(await page.locator('[data-testid=uses-csv]').getAttribute('href'), new RegExp(`dataset=${chinese}`));
    }
  });

  await check('the language buttons switch every visible string, and the choice is remembered', async () => {
    await page.goto(`${url}/`);
    await page.click('[data-testid=lang-zh]');
    await settled(page);
    const before = await page.evaluate(visibleTexts);
    assert.ok(before.filter(([, t]) => CJK.test(t)).length > 40, 'the dashboard is in Chinese');
    await page.click('[data-testid=lang-en]');
    await settled(page);
    const after = await page.evaluate(visibleTexts);
    const left = after.filter(([, t]) => CJK.test(t));
    assert.equal(left.length, 0, `no Chinese left after switching to English: ${JSON.stringify(left)}`);
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en-GB');
    await page.reload();
    await settled(page);
    assert.equal(await page.locator('h1').first().textContent(), en['dash.title'], 'English is remembered');
    await shot('dashboard-en');
    await page.click('[data-testid=lang-zh]');
    await settled(page);
    assert.equal(await page.locator('h1').first().textContent(), zh['dash.title']);
  });
}
