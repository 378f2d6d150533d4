// The regulator's dashboard (issue 26) in headless Chromium, called by explorer.spec.mjs with its
// page and helpers, on the chain of explorer_browser.rs's scenario: the landing page draws its
// charts; a chart's CSV equals the ledger (the uses of the scenario's data set, read from the uses
// view, the grants issued, read from the event index, the refused transactions, read from the
// blocks); what waits for a regulator equals the
// lists; each chart says where it was computed and that it is not verifiable; and screenshots at
// 1280x800 and at a tablet's width, in Chinese and English.

import assert from 'node:assert/strict';

/** The rows of a chart's CSV (its link is a data: URL), header first. */
async function chartCsv(page, parseCsv, id) {
  const href = await page.locator(`[data-testid=chart-${id}-csv]`).getAttribute('href');
  assert.match(href, /^data:text\/csv;charset=utf-8,/);
  return parseCsv(decodeURIComponent(href.slice(href.indexOf(',') + 1)));
}

export async function dashboardChecks({ page, url, check, shot, parseCsv, ids }) {
  const { dataset } = ids;

  await check('the dashboard is the landing page and draws its charts from the chain', async () => {
    await page.goto(`${url}/`);
    await page.locator('[data-testid=chart-uses-by-dataset] svg rect').first().waitFor();
    assert.equal(await page.locator('main').getAttribute('data-page'), 'dashboard');
    for (const id of ['uses-by-dataset', 'uses-by-org', 'top-datasets', 'grants', 'refused', 'trades', 'blocks', 'finality']) {
      assert.ok(await page.locator(`[data-testid=chart-${id}] svg rect`).count() > 0, `chart ${id} has bars`);
      const computed = await page.locator(`[data-testid=chart-${id}-computed]`).textContent();
      assert.match(computed, /计算于高度 \d+/, `chart ${id} says where it was computed`);
      assert.match(await page.locator(`[data-testid=chart-${id}]`).textContent(), /无法核验/, `chart ${id} says it is not verifiable`);
    }
    await shot('dashboard');
  });

  await check("a chart's CSV equals the ledger: uses of the data set, grants issued, what waits", async () => {
    const uses = await chartCsv(page, parseCsv, 'uses-by-dataset');
    assert.deepEqual(uses[0], ['day', 'dataset', 'dataset_name', 'uses']);
    const mine = uses.slice(1).filter((r) => r[1] === dataset);
    const view = await (await fetch(`${url}/api/views/uses?dataset=${dataset}&limit=500`)).json();
    assert.equal(mine.reduce((a, r) => a + Number(r[3]), 0), view.rows.length, 'its uses are the receipts on the ledger');
    assert.ok(mine.every((r) => r[2] === 'clinic visits'), 'named by the data set\'s name');
    const grants = await chartCsv(page, parseCsv, 'grants');
    const issued = await (await fetch(`${url}/api/events?type=grant_issued&limit=500`)).json();
    assert.equal(grants.slice(1).reduce((a, r) => a + Number(r[1]), 0), issued.events.length, 'grants issued are the grant_issued events');
    const waiting = await (await fetch(`${url}/api/lists/requests?state=awaiting_co_approval&limit=500`)).json();
    assert.equal(Number(await page.locator('[data-testid=waiting-co-approvals]').getAttribute('data-count')), waiting.rows.length);
    const disputes = await (await fetch(`${url}/api/views/disputes?limit=500`)).json();
    assert.equal(Number(await page.locator('[data-testid=waiting-disputes]').getAttribute('data-count')), disputes.rows.length);
    // Refused transactions by reason: the failed outcomes of every block.
    const failed = {};
    const blocks = await (await fetch(`${url}/api/blocks?limit=100`)).json();
    for (const b of blocks.blocks.filter((x) => x.txs > 0)) {
      const block = await (await fetch(`${url}/api/block/${b.height}`)).json();
      for (const tx of block.txs) if (tx.outcome && tx.outcome.status === 'failed') failed[tx.outcome.error.code] = (failed[tx.outcome.error.code] || 0) + 1;
    }
    assert.ok(failed['settlement.insufficient_balance'] >= 1, 'the scenario has a refused transfer');
    const refused = await chartCsv(page, parseCsv, 'refused');
    assert.deepEqual(Object.fromEntries(refused.slice(1).map(([code, n]) => [code, Number(n)])), failed);
    // The top data set links to its page by name.
    const top = page.locator('[data-testid=top-datasets-list] a[data-named]').first();
    await top.waitFor();
    assert.doesNotMatch(await top.textContent(), /^[0-9a-f]{8}…$/);
  });

  await check('a period with nothing in it draws empty charts, a too long one is refused, and the layout holds on a tablet', async () => {
    await page.fill('[data-testid=dash-since]', '2020-01-01');
    await page.fill('[data-testid=dash-until]', '2020-01-07');
    await page.click('[data-testid=dash-run]');
    await page.locator('[data-testid=chart-uses-by-dataset-empty]').waitFor();
    // A period longer than the node counts is refused in the page's words, before asking.
    await page.goto(`${url}/#/?since=2020-01-01&until=2020-12-31`);
    assert.match(await page.locator('[data-testid=dash-bad-period]').textContent(), /最多涵盖 92 天/);
    await page.goto(`${url}/`);
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.locator('[data-testid=chart-uses-by-dataset] svg rect').first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no sideways scrolling at a tablet's width: ${overflow}px too wide`);
    await shot('dashboard-tablet');
    await page.setViewportSize({ width: 1280, height: 800 });
  });
}
