// The regulator's dashboard, the explorer's landing page: over a period picked by date (days in
// China Standard Time, ledger time), charts of uses per day by data set and by organization,
// grants issued and revoked, refused transactions by reason, trades and disputes, blocks per day
// and the rounds that decided them; the data sets used most; and what waits for a regulator. The
// numbers come from GET /api/dashboard; each chart says the height and time they were computed
// at, that they are the node's count (not proven), and offers them as CSV.

import { get } from '../lib/api.js';
import { barChart, hbarChart, toCsv } from '../lib/charts.js';
import { cstDate, cstDayRange, DAY_MS } from '../lib/cst.js';
import { num, t } from '../lib/i18n.js';
import { label, nameOf } from '../lib/names.js';
import { fetchList } from '../lib/lists.js';
import { el, link, section, when } from '../lib/ui.js';

/** The longest period the node counts (`shulian_api::dashboard::MAX_DASHBOARD_DAYS`). */
const MAX_DAYS = 92;
/** Series a per-day chart draws by name before it folds the rest into "other". */
const SERIES = 6;

/** A chart with its title, what it was computed at, whether it is verifiable, and its CSV. */
function figure(id, title, d, chart, columns, rows, note = null, extra = null) {
  const csv = toCsv(columns, rows);
  return el('figure', { class: 'card', 'data-testid': `chart-${id}` },
    el('figcaption', {}, el('h3', {}, title),
      el('p', { class: 'muted computed', 'data-testid': `chart-${id}-computed` }, t('dash.computed', { height: d.height }), ' ', when(d.time_ms)),
      el('p', { class: 'muted unverified-note' }, t('dash.not_verifiable')),
      note ? el('p', { class: 'trust trust-stale' }, note) : null,
      extra ? el('p', { class: 'muted' }, extra) : null),
    rows.length ? chart : el('p', { class: 'muted', 'data-testid': `chart-${id}-empty` }, t('dash.no_data')),
    el('p', { class: 'exports' }, el('a', {
      href: `data:text/csv;charset=utf-8,${encodeURIComponent(csv)}`, download: `${id}.csv`, 'data-testid': `chart-${id}-csv`,
    }, t('dash.csv'))));
}

/** Names of `ids` (organizations or data sets), fetched together: id -> name. */
async function namesOf(ids) {
  const found = await Promise.all(ids.map((id) => nameOf(id)));
  return Object.fromEntries(ids.map((id, i) => [id, found[i] ? found[i].name : `${id.slice(0, 8)}…`]));
}

/** Uses per day by `key` (`dataset` or `org`): the biggest SERIES series, the rest as "other". */
function usesSeries(d, key, names) {
  const totals = new Map();
  for (const u of d.uses) totals.set(u[key], (totals.get(u[key]) || 0) + u.uses);
  const top = [...totals.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, SERIES).map(([k]) => k);
  const days = d.days.map((x) => x.day);
  const series = top.map((k) => ({ label: names[k], values: days.map((day) => d.uses.filter((u) => u[key] === k && u.day === day).reduce((a, u) => a + u.uses, 0)) }));
  if (totals.size > SERIES) {
    series.push({ label: t('dash.other'), values: days.map((day) => d.uses.filter((u) => !top.includes(u[key]) && u.day === day).reduce((a, u) => a + u.uses, 0)) });
  }
  return series;
}

/** A tile of something waiting for a regulator. */
function tile(testid, n, text, href) {
  return el('a', { class: 'tile', href, 'data-testid': testid, 'data-count': String(n) }, el('span', { class: 'tile-n' }, num(n)), el('span', {}, text));
}

export async function render(_arg, _kind, query) {
  const status = await get('/api/status', 'StatusResponse');
  const headDay = cstDate(status.last_block_time_ms || Date.now());
  const until = query.get('until') || headDay;
  const since = query.get('since') || cstDate(Date.parse(`${until}T00:00:00Z`) - 6 * DAY_MS);
  let range;
  try { range = cstDayRange(since, until); } catch { range = null; }
  if (!range || range.until_ms - range.since_ms > MAX_DAYS * DAY_MS) {
    const back = el('a', { href: '#/' }, t('dash.title'));
    return el('div', {}, el('h1', {}, t('dash.title')), el('p', { class: 'error', 'data-testid': 'dash-bad-period' }, t('dash.bad_period', { since, until, max: MAX_DAYS })), back);
  }
  // An expensive request: in turn with the page's other ones, asked again if refused for load.
  const d = await fetchList(`/api/dashboard?since_ms=${range.since_ms}&until_ms=${range.until_ms}`, 'DashboardResponse');

  const form = el('form', { class: 'view', 'data-testid': 'dash-form' },
    el('label', {}, t('lists.since'), el('input', { type: 'date', name: 'since', value: since, 'data-testid': 'dash-since' })),
    el('label', {}, t('lists.until'), el('input', { type: 'date', name: 'until', value: until, 'data-testid': 'dash-until' })),
    el('button', { type: 'submit', 'data-testid': 'dash-run' }, t('lists.show')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/?since=${form.elements.since.value}&until=${form.elements.until.value}`;
  });

  const datasetIds = [...new Set(d.uses.map((u) => u.dataset))];
  const orgIds = [...new Set(d.uses.map((u) => u.org))];
  const names = await namesOf([...datasetIds, ...orgIds].slice(0, 200));
  const days = d.days.map((x) => x.day);
  const incomplete = d.complete ? null : t('dash.incomplete', { height: d.counted_until_height });

  const usesBy = (key, id, title, nameCol) => figure(id, title, d,
    barChart({ categories: days, series: usesSeries(d, key, names), stacked: true, testid: `${id}-svg` }),
    ['day', key, nameCol, 'uses'], d.uses.map((u) => [u.day, u[key], names[u[key]], u.uses]), incomplete);

  const perDay = (id, title, cols) => figure(id, title, d,
    barChart({ categories: days, series: cols.map((c) => ({ label: t(`dash.${c}`), values: d.days.map((x) => x[c]) })), testid: `${id}-svg` }),
    ['day', ...cols], d.days.filter((x) => cols.some((c) => x[c] > 0)).map((x) => [x.day, ...cols.map((c) => x[c])]), incomplete);

  const b = d.blocks;
  const blocksNote = b.complete ? null : t('dash.blocks_partial', { n: b.blocks, from: b.from_height, to: b.to_height });
  const wait = d.waiting;
  return el('div', { class: 'dashboard' },
    el('h1', {}, t('dash.title')),
    el('p', { class: 'muted' }, t('dash.intro')),
    form,
    el('p', { class: 'muted', 'data-testid': 'dash-period' }, t('dash.period', {
      since, until, from: d.from_height ?? '—', to: d.to_height ?? '—',
    })),
    section(t('dash.waiting'),
      el('div', { class: 'tiles' },
        tile('waiting-co-approvals', wait.co_approvals, t('dash.co_approvals'), '#/regulator'),
        tile('waiting-disputes', wait.open_disputes, t('dash.open_disputes'), '#/regulator')),
      wait.complete ? null : el('p', { class: 'trust trust-stale' }, t('dash.waiting_partial'))),
    el('div', { class: 'charts' },
      usesBy('dataset', 'uses-by-dataset', t('dash.uses_by_dataset'), 'dataset_name'),
      usesBy('org', 'uses-by-org', t('dash.uses_by_org'), 'org_name'),
      figure('top-datasets', t('dash.top_datasets'), d,
        hbarChart({ items: d.top_datasets.map((x) => ({ label: `${x.name} · ${x.owner_name}`, value: x.uses })), testid: 'top-datasets-svg' }),
        ['dataset', 'name', 'owner', 'owner_name', 'uses'], d.top_datasets.map((x) => [x.dataset, x.name, x.owner, x.owner_name, x.uses]), incomplete),
      perDay('grants', t('dash.grants'), ['grants_issued', 'grants_revoked']),
      figure('refused', t('dash.refused'), d,
        hbarChart({ items: b.failures.map((x) => ({ label: x.code, value: x.count })), testid: 'refused-svg' }),
        ['code', 'count'], b.failures.map((x) => [x.code, x.count]), blocksNote),
      perDay('trades', t('dash.trades'), ['orders_placed', 'disputes_opened', 'disputes_ruled']),
      perDay('blocks', t('dash.blocks'), ['blocks']),
      figure('finality', t('dash.finality'), d,
        hbarChart({ items: b.rounds.map((x) => ({ label: t('dash.round', { round: x.round }), value: x.blocks })), testid: 'finality-svg' }),
        ['round', 'blocks'], b.rounds.map((x) => [x.round, x.blocks]), blocksNote,
        b.mean_interval_ms != null ? t('dash.interval', { ms: num(b.mean_interval_ms) }) : null)),
    section(t('dash.top_links'), el('ol', { 'data-testid': 'top-datasets-list' }, d.top_datasets.map((x) => el('li', {}, link('dataset', x.dataset), ` — ${num(x.uses)}`)))));
}

/** The label a link to a named item shows (re-exported for tests of the page). */
export { label };
