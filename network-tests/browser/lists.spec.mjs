// The explorer's lists (issue 19) in headless Chromium, called by explorer.spec.mjs with its page
// and helpers: each list renders the scenario's rows, paging by cursor shows every item once, the
// date filters (China Standard Time) include and exclude by ledger time, and a regulator list's
// CSV and JSON exports equal the API's rows. Environment (set by explorer_browser.rs):
// SHULIAN_LIST_HEALTH, SHULIAN_LIST_TRADER (account ids), SHULIAN_LIST_DERIVED (the data set on the
// negative list), SHULIAN_LIST_PENDING (a request waiting for health), SHULIAN_LIST_AWAITING (a
// request waiting for co-approval), SHULIAN_LIST_OPEN_ORDER (an order waiting for delivery),
// SHULIAN_LIST_LISTING.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};

/** The calendar day (YYYY-MM-DD) in China Standard Time `days` from now. */
function cstDay(days) {
  return new Date(Date.now() + days * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
}

export async function listChecks({ page, url, check, shot, parseCsv, apiRows, ids }) {
  const health = env('SHULIAN_LIST_HEALTH');
  const trader = env('SHULIAN_LIST_TRADER');
  const derived = env('SHULIAN_LIST_DERIVED');
  const pending = env('SHULIAN_LIST_PENDING');
  const awaiting = env('SHULIAN_LIST_AWAITING');
  const openOrder = env('SHULIAN_LIST_OPEN_ORDER');
  const listing = env('SHULIAN_LIST_LISTING');
  const { dataset, grant, order, grantee } = ids;

  /** Waits until list `id` shows page `n`, loaded; fails with the page's error if it shows one. */
  async function ready(id, n = 1) {
    const loaded = page.locator(`[data-testid=list-${id}][data-page="${n}"][data-loading=false]`);
    const failed = page.locator(`[data-testid=${id}-error]`);
    await loaded.or(failed).first().waitFor();
    if (await failed.count()) throw new Error(`list ${id}: ${await failed.first().textContent()}`);
  }
  /** The item ids of the rows list `id` shows. */
  const keys = (id) => page.locator(`[data-testid=${id}-rows] tbody tr`).evaluateAll((trs) => trs.map((t) => t.dataset.key));
  /** Every page of list `id`, following 下一页 until it is disabled; then 上一页 shows the page before again. */
  async function allPages(id) {
    const pages = [];
    for (let n = 1; ; n++) {
      await ready(id, n);
      pages.push(await keys(id));
      if (await page.locator(`[data-testid=${id}-next]`).isDisabled()) break;
      await page.click(`[data-testid=${id}-next]`);
    }
    if (pages.length > 1) {
      await page.click(`[data-testid=${id}-prev]`);
      await ready(id, pages.length - 1);
      assert.deepEqual(await keys(id), pages[pages.length - 2], `${id}: the previous page again`);
    }
    return pages;
  }
  const run = async (id) => { await page.click(`[data-testid=${id}-run]`); await ready(id); };

  await check("the catalog pages one data set at a time, each exactly once, as the API lists them", async () => {
    await page.goto(`${url}/#/catalog?limit=1`);
    const pages = await allPages('catalog');
    const seen = pages.flat();
    assert.ok(pages.length >= 3, `three data sets on one-row pages: ${pages.length} pages`);
    assert.ok(pages.every((p) => p.length <= 1), 'no page holds more than the limit');
    assert.equal(new Set(seen).size, seen.length, 'no data set is shown twice');
    const api = await apiRows('/api/lists/catalog?');
    assert.deepEqual(seen, api.rows.map((r) => r.dataset));
    for (const d of [dataset, derived]) assert.ok(seen.includes(d), `the catalog lists ${d}`);
  });

  await check("the catalog filters by classification and by the negative list", async () => {
    await page.goto(`${url}/#/catalog`);
    await ready('catalog');
    await page.selectOption('[data-testid=catalog-classification]', 'core');
    await run('catalog');
    // The core data set and the set derived from it (core too: classification follows lineage).
    assert.deepEqual(await keys('catalog'), [dataset, derived]);
    assert.match(await page.locator('[data-testid=catalog-rows] tbody tr').first().textContent(), /核心/);
    await page.selectOption('[data-testid=catalog-classification]', '');
    await page.selectOption('[data-testid=catalog-negative_listed]', 'true');
    await run('catalog');
    assert.deepEqual(await keys('catalog'), [derived]);
    await shot('catalog');
  });

  await check("a department's inbox: picked by name, its three lists hold what waits for it", async () => {
    await page.goto(`${url}/#/inbox`);
    await page.fill('[data-testid=org-pick]', 'Municipal Health');
    await page.click(`[data-testid=org-pick-option][data-id="${health}"]`);
    await page.waitForURL(`**/#/inbox/${health}`);
    for (const id of ['inbox-requests', 'inbox-co-approval', 'inbox-deliveries']) await ready(id);
    assert.ok((await keys('inbox-requests')).includes(pending), 'the request waiting for health');
    assert.ok((await keys('inbox-co-approval')).includes(awaiting), 'the request waiting for the regulator');
    assert.ok(!(await keys('inbox-requests')).includes(awaiting), 'not the one health approved');
    assert.deepEqual(await keys('inbox-deliveries'), [openOrder], 'only the undelivered order');
    await shot('inbox');
  });

  await check("an organization's grants by state; a grant's receipts page two at a time", async () => {
    await page.goto(`${url}/#/grants/${grantee}`);
    await ready('grants-grantee');
    assert.ok((await keys('grants-grantee')).includes(grant));
    await page.selectOption('[data-testid=grants-grantee-state]', 'active');
    await run('grants-grantee');
    assert.ok((await keys('grants-grantee')).includes(grant), 'the grant is active');
    await page.selectOption('[data-testid=grants-grantee-state]', 'revoked');
    await run('grants-grantee');
    assert.ok(!(await keys('grants-grantee')).includes(grant), 'and not revoked');
    await shot('grants');
    await page.goto(`${url}/#/grant/${grant}?limit=2`);
    const pages = await allPages('receipts');
    assert.deepEqual(pages, [['1', '2'], ['3']], 'receipts in sequence, each once');
  });

  await check("the market: listings, a trader's orders, and its statement between two dates (UTC+8)", async () => {
    await page.goto(`${url}/#/market/${trader}`);
    for (const id of ['orders', 'statement', 'listings']) await ready(id);
    assert.ok((await keys('listings')).includes(listing));
    assert.deepEqual((await keys('orders')).sort(), [order, openOrder].sort());
    await page.selectOption('[data-testid=orders-state]', 'disputed');
    await run('orders');
    assert.deepEqual(await keys('orders'), [order]);
    const all = (await keys('statement')).length;
    assert.ok(all >= 2, 'two orders paid into escrow');
    await page.fill('[data-testid=statement-since]', cstDay(-1));
    await page.fill('[data-testid=statement-until]', cstDay(1));
    await run('statement');
    assert.equal((await keys('statement')).length, all, 'the movements of today are within yesterday to tomorrow');
    await shot('market');
    await page.fill('[data-testid=statement-since]', '2020-01-01');
    await page.fill('[data-testid=statement-until]', '2020-01-31');
    await run('statement');
    await page.locator('[data-testid=statement-empty]').waitFor();
  });

  await check("the regulator's lists hold the scenario, filter by date, and export CSV equal to the ledger", async () => {
    await page.goto(`${url}/#/regulator`);
    for (const id of ['negative', 'suspended', 'co-approvals', 'disputes']) await ready(id);
    assert.deepEqual(await keys('negative'), [derived]);
    assert.deepEqual(await keys('suspended'), [trader]);
    assert.ok((await keys('co-approvals')).includes(awaiting));
    assert.ok((await keys('disputes')).includes(order));
    await shot('regulator-lists');

    await page.fill('[data-testid=negative-since]', cstDay(-1));
    await page.fill('[data-testid=negative-until]', cstDay(1));
    await run('negative');
    assert.deepEqual(await keys('negative'), [derived]);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=negative-csv]')]);
    const csv = parseCsv(readFileSync(await download.path(), 'utf8'));
    const href = await page.locator('[data-testid=negative-csv]').getAttribute('href');
    assert.match(href, /since_ms=\d+&until_ms=\d+/);
    const api = await apiRows(href.replace(/[?&]format=csv/, ''));
    assert.deepEqual(csv[0], api.columns);
    assert.deepEqual(csv.slice(1), api.rows.map((r) => api.columns.map((c) => (r[c] === null ? '' : String(r[c])))));
    assert.deepEqual(api.rows.map((r) => r.dataset), [derived], 'the data set the regulator listed');
    const [jsonDownload] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=negative-json]')]);
    assert.deepEqual(JSON.parse(readFileSync(await jsonDownload.path(), 'utf8')).rows, api.rows);

    await page.fill('[data-testid=co-approvals-since]', '2020-01-01');
    await page.fill('[data-testid=co-approvals-until]', '2020-01-31');
    await run('co-approvals');
    await page.locator('[data-testid=co-approvals-empty]').waitFor();
  });
}
