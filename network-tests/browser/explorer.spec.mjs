// Drives the explorer in headless Chromium against a dev node that network-tests/tests/it/
// explorer_browser.rs loaded with a scenario. Environment: SHULIAN_URL (node), SHULIAN_DATASET,
// SHULIAN_GRANT, SHULIAN_ORDER, SHULIAN_GRANTEE (the organization that used the data),
// SHULIAN_SCREENSHOTS (folder for the pictures), and for the lists (lists.spec.mjs) the
// SHULIAN_LIST_* ids. Exits non-zero on the first failed check.

import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listChecks } from './lists.spec.mjs';
import { dashboardChecks } from './dashboard.spec.mjs';
import { languageChecks } from './i18n.spec.mjs';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const url = env('SHULIAN_URL');
const dataset = env('SHULIAN_DATASET');
const grant = env('SHULIAN_GRANT');
const order = env('SHULIAN_ORDER');
const grantee = env('SHULIAN_GRANTEE');
const shots = env('SHULIAN_SCREENSHOTS');
mkdirSync(shots, { recursive: true });

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

let passed = 0;
let failed = 0;
async function check(name, f) {
  const start = Date.now();
  try {
    await f();
    passed += 1;
    console.log(`ok - ${name} (${((Date.now() - start) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failed += 1;
    console.log(`not ok - ${name}\n  ${String(e.stack || e).split('\n').join('\n  ')}`);
    // What the regulator would have seen: the address, the page's text, its script errors.
    const seen = await page.locator('main').innerText({ timeout: 2000 }).catch(() => '(no main element)');
    console.log(`  the page at ${page.url()} shows: ${seen.slice(0, 800).split('\n').join(' | ')}`);
    if (consoleErrors.length) console.log(`  page errors: ${consoleErrors.join(' | ')}`);
    throw e;
  }
}

/** RFC 4180 CSV (quoted fields, doubled quotes) into rows of strings. */
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n') { row.push(field.replace(/\r$/, '')); rows.push(row); row = []; field = ''; }
    else field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}

/** The calendar day (YYYY-MM-DD) in China Standard Time `days` from now. */
function cstDay(days) {
  return new Date(Date.now() + days * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
}

async function apiRows(path) {
  const rows = [];
  let after = null;
  let columns = null;
  do {
    const r = await fetch(`${url}${path}&limit=2${after ? `&after=${after}` : ''}`);
    assert.equal(r.status, 200, path);
    const page = await r.json();
    columns = page.columns;
    rows.push(...page.rows);
    after = page.next;
  } while (after);
  return { columns, rows };
}

const userDataDir = mkdtempSync(join(tmpdir(), 'shulian-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: CHROMIUM_ARGS,
  acceptDownloads: true,
  // A regulator's browser: Chinese first (the explorer's default for it), a 1280x800 screen.
  locale: 'zh-CN',
  viewport: { width: 1280, height: 800 },
});
const page = context.pages()[0] || (await context.newPage());
page.setDefaultTimeout(20_000);
const consoleErrors = [];
page.on('pageerror', (e) => consoleErrors.push(String(e)));
// A request the node refused for load (429, 503) is printed: a page that sends several list
// requests at once would show here before it shows as a missing row.
page.on('response', (r) => { if (r.status() === 429 || r.status() === 503) console.log(`refused for load: ${r.status()} ${r.url()}`); });
const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
const verified = page.locator('[data-testid=verified]');
const notVerified = page.locator('[data-testid=not-verified]');

try {
  await check('first visit: nothing is verified until the genesis hash is pinned (trust on first use)', async () => {
    await page.goto(`${url}/#/grant/${grant}`);
    await page.locator('[data-testid=trust-unpinned]').waitFor();
    await notVerified.first().waitFor();
    assert.equal(await verified.count(), 0, 'no verified mark without a pinned genesis');
    const status = await (await fetch(`${url}/api/status`)).json();
    await page.goto(`${url}/#/settings`);
    assert.equal(await page.locator('[data-testid=node-genesis-hash]').textContent(), status.genesis_hash);
    await shot('settings-unpinned');
    await page.click('[data-testid=pin-node-genesis]');
    await page.locator('[data-testid=trust-pinned]').waitFor();
    assert.equal(await page.locator('[data-testid=pinned-hash]').textContent(), status.genesis_hash);
    await page.locator('[data-testid=trusted-validators] tbody tr').first().waitFor();
    assert.match(await page.locator('[data-testid=head-age]').textContent(), /已验证高度 \d+，/);
    await shot('settings');
  });

  await check('the chain page shows the chain and recent blocks', async () => {
    await page.goto(`${url}/#/chain`);
    await page.locator('[data-testid=height]').waitFor();
    assert.ok(Number(await page.locator('[data-testid=height]').textContent()) > 0);
    assert.ok((await page.locator('[data-testid=recent-blocks] tbody tr').count()) > 0);
    await shot('overview');
  });

  await check('searching a data set by name opens its page, verified', async () => {
    await page.fill('#search', 'clinic visits');
    await page.press('#search', 'Enter');
    await page.waitForURL(`**/#/dataset/${dataset}`);
    await verified.first().waitFor();
    assert.equal(await page.locator('[data-testid=classification]').getAttribute('data-value'), 'core');
    assert.equal(await page.locator('[data-testid=classification]').textContent(), '核心');
    assert.ok((await page.locator('[data-testid=lineage] rect').count()) >= 2, 'lineage shows the derived data set');
    await shot('dataset');
  });

  await check('following the grant shows its receipts and use count, verified', async () => {
    await page.locator(`[data-testid=grants] a[href="#/grant/${grant}"]`).first().click();
    await page.waitForURL(`**/#/grant/${grant}`);
    await verified.first().waitFor();
    await page.locator('[data-testid=list-receipts][data-page="1"][data-loading=false]').waitFor();
    assert.equal(await page.locator('[data-testid=receipts-rows] tbody tr').count(), 3);
    assert.equal(await page.locator('[data-testid=uses]').getAttribute('data-uses'), '3/10');
    assert.equal(await page.locator('[data-testid=uses]').textContent(), '已用 3 次 / 上限 10 次');
    await page.locator('[data-testid=uses-chart] circle').first().waitFor();
    await shot('grant');
  });

  await check('each receipt is proven by its outcome proof in the browser, and the list is complete', async () => {
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=receipt-verified]').length === 3);
    assert.equal(await page.locator('[data-testid=receipt-not-verified]').count(), 0);
    await page.locator('[data-testid=receipts-complete]').waitFor();
    assert.match(await page.locator('[data-testid=receipts-complete]').textContent(), /完整：3 条回执均已证明/);
    // A node that bends one outcome byte of every proof: no receipt is verified, nor the list complete.
    await page.route('**/api/tx/*/proof', async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      const i = 2 * Math.floor(body.outcome_bytes.length / 4);
      body.outcome_bytes = body.outcome_bytes.slice(0, i) + (body.outcome_bytes[i] === 'f' ? 'e' : 'f') + body.outcome_bytes.slice(i + 1);
      await route.fulfill({ response: res, json: body });
    });
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=receipt-not-verified]').length === 3);
    assert.equal(await page.locator('[data-testid=receipt-verified]').count(), 0);
    assert.match(await page.locator('[data-testid=receipt-not-verified]').first().textContent(), /not in the block/);
    await page.locator('[data-testid=receipts-not-complete]').waitFor();
    assert.equal(await page.locator('[data-testid=receipts-complete]').count(), 0);
    await shot('grant-tampered-receipt');
    await page.unroute('**/api/tx/*/proof');
  });

  await check('a tampered Merkle proof is not verified', async () => {
    await page.route('**/api/proof/**', async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      const s = body.proof.siblings;
      assert.ok(s.length > 0, 'the proof has siblings to tamper with');
      s[0] = (s[0][0] === 'f' ? 'e' : 'f') + s[0].slice(1);
      await route.fulfill({ response: res, json: body });
    });
    await page.reload();
    await notVerified.first().waitFor();
    assert.equal(await verified.count(), 0, 'no verified badge with a tampered proof');
    assert.match(await notVerified.first().textContent(), /state root/);
    await shot('grant-tampered-proof');
    await page.unroute('**/api/proof/**');
  });

  await check('a tampered object with a true proof is not verified', async () => {
    await page.route(`**/api/grant/${grant}`, async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      body.grant.uses = 2;
      await route.fulfill({ response: res, json: body });
    });
    await page.reload();
    await notVerified.first().waitFor();
    assert.equal(await verified.count(), 0);
    await page.unroute(`**/api/grant/${grant}`);
    await page.reload();
    await verified.first().waitFor();
  });

  await check('a transaction page verifies its bytes, call, outcome and events', async () => {
    await page.locator('[data-testid=receipts-rows] a[href^="#/tx/"]').first().click();
    await page.waitForURL('**/#/tx/*');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=verified]').length === 4);
    assert.equal(await notVerified.count(), 0);
    assert.equal(await page.locator('[data-testid=outcome]').getAttribute('data-value'), 'success');
    assert.ok((await page.locator('[data-testid=events] tbody tr').count()) >= 1, 'the receipt event is shown');
    await shot('transaction');
    // A node that lies about the outcome in its JSON: the certified outcome is shown, marked refused.
    await page.route('**/api/tx/**', async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      body.outcome.status = 'failed';
      body.outcome.events = [];
      await route.fulfill({ response: res, json: body });
    });
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=not-verified]').length === 2);
    assert.equal(await page.locator('[data-testid=outcome]').getAttribute('data-value'), 'success', 'the certified outcome is shown');
    await shot('transaction-tampered-outcome');
    await page.unroute('**/api/tx/**');
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=verified]').length === 4);
    await page.locator('a[href^="#/block/"]').first().click();
    await page.waitForURL('**/#/block/*');
    await verified.first().waitFor();
    await shot('block');
  });

  await check('the uses view: a data set and an organization chosen by name and a period by date give the API\'s rows, by name', async () => {
    await page.goto(`${url}/#/views`);
    await page.fill('[data-testid=uses-dataset]', 'clinic');
    await page.click(`[data-testid=uses-dataset-option][data-id="${dataset}"]`);
    await page.fill('[data-testid=uses-org]', 'Transport');
    await page.click(`[data-testid=uses-org-option][data-id="${grantee}"]`);
    await page.fill('[data-testid=uses-since]', cstDay(-1));
    await page.fill('[data-testid=uses-until]', cstDay(1));
    await page.click('[data-testid=uses-run]');
    await page.locator('[data-testid=list-uses][data-page="1"][data-loading=false]').waitFor();
    const href = await page.locator('[data-testid=uses-csv]').getAttribute('href');
    assert.match(href, new RegExp(`dataset=${dataset}&org=${grantee}&since_ms=\\d+&until_ms=\\d+`), 'the ids and the ledger-time bounds of the choice');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=uses-csv]')]);
    const csv = parseCsv(readFileSync(await download.path(), 'utf8'));
    const api = await apiRows(href.replace(/[?&]format=csv/, ''));
    assert.deepEqual(csv[0], api.columns);
    assert.equal(api.rows.length, 3, 'three uses');
    assert.deepEqual(csv.slice(1), api.rows.map((r) => api.columns.map((c) => (r[c] === null ? '' : String(r[c])))));
    const shown = await page.locator('[data-testid=uses-rows] tbody tr').evaluateAll((trs) => trs.map((t) => t.dataset.key));
    assert.deepEqual(shown, api.rows.map((r) => r.tx_hash), 'the page shows the API\'s rows');
    for (const r of api.rows) {
      const tx = await (await fetch(`${url}/api/tx/${r.tx_hash}`)).json();
      assert.equal(tx.height, r.height, 'each row names the block and tx that prove it');
    }
    // Names where ids were: the data set by its name and owner, the grantee by its name and role.
    const ds = page.locator(`[data-testid=uses-rows] a[href="#/dataset/${dataset}"][data-named]`).first();
    await ds.waitFor();
    assert.equal(await ds.textContent(), 'clinic visits · Municipal Health Commission');
    assert.match(await ds.getAttribute('title'), new RegExp(dataset));
    const org = page.locator(`[data-testid=uses-rows] a[href="#/org/${grantee}"][data-named]`).first();
    await org.waitFor();
    assert.equal(await org.textContent(), 'Municipal Transport Bureau（政府部门）');
    const [jsonDownload] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=uses-json]')]);
    assert.deepEqual(JSON.parse(readFileSync(await jsonDownload.path(), 'utf8')).rows, api.rows);
    await page.fill('[data-testid=uses-since]', '2020-01-01');
    await page.fill('[data-testid=uses-until]', '2020-01-31');
    await page.click('[data-testid=uses-run]');
    await page.locator('[data-testid=uses-empty]').waitFor();
  });

  await check('the core-grants and disputes views list the scenario rows', async () => {
    await page.goto(`${url}/#/views`);
    await page.click('[data-testid=core-grants-run]');
    await page.locator(`[data-testid=core-grants-rows] a[href="#/grant/${grant}"]`).first().waitFor();
    await page.click('[data-testid=disputes-run]');
    await page.locator(`[data-testid=disputes-rows] a[href="#/order/${order}"]`).first().waitFor();
    await shot('regulator-views');
  });

  await listChecks({ page, url, check, shot, parseCsv, apiRows, ids: { dataset, grant, order, grantee } });
  await dashboardChecks({ page, url, check, shot, parseCsv, ids: { dataset, grant, order, grantee } });

  await check('an order in dispute shows its history and money flows, verified', async () => {
    await page.goto(`${url}/#/order/${order}`);
    await verified.first().waitFor();
    assert.equal(await page.locator('[data-testid=order-status]').getAttribute('data-value'), 'disputed');
    assert.ok((await page.locator('[data-testid=flows] tbody tr').count()) >= 1);
    await shot('order');
  });

  await check('the grantee organization page is verified and lists what it did', async () => {
    await page.goto(`${url}/#/org/${grantee}`);
    await verified.first().waitFor();
    await page.locator('[data-testid=history] tbody tr').first().waitFor();
    await shot('organization');
  });

  await check('the evidence page says when no equivocation is recorded', async () => {
    await page.goto(`${url}/#/evidence`);
    await page.locator('[data-testid=no-evidence], [data-testid=evidence]').first().waitFor();
    await shot('evidence');
  });

  await check('a genesis that does not match the pin is refused loudly on every page', async () => {
    const pinned = await page.evaluate(() => localStorage.getItem('shulian.genesis_pin'));
    await page.goto(`${url}/#/settings`);
    await page.fill('[data-testid=pin-input]', 'ab'.repeat(32));
    await page.click('[data-testid=pin-save]');
    await page.locator('[data-testid=trust-mismatch]').waitFor();
    await page.goto(`${url}/#/grant/${grant}`);
    await page.locator('[data-testid=trust-mismatch]').waitFor();
    await notVerified.first().waitFor();
    assert.equal(await verified.count(), 0, 'no verified mark under a mismatched pin');
    await shot('genesis-mismatch');
    await page.evaluate((h) => localStorage.setItem('shulian.genesis_pin', h), pinned);
    await page.reload();
    await verified.first().waitFor();
  });

  await languageChecks({ page, url, check, shot, ids: { dataset, grant, order, grantee } });

  await check('no script error on any page', async () => {
    assert.deepEqual(consoleErrors, []);
  });
} catch {
  // Reported by check(); fall through to the summary and a non-zero exit.
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
