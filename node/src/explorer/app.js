// The explorer's router: `#/kind/arg` in the address picks a page module (an optional `?a=b`
// after it gives the page its initial filters, e.g. `#/catalog?owner=ID&limit=20`); the search
// box goes to #/search/<query>. Every page only reads the API. Above every page, the trust bar says which
// genesis the checks trust (lib/genesis.js) and how old the verified head is (lib/head.js). The
// language buttons switch every text between Chinese and English (lib/i18n.js) and re-draw the page.

import { get } from './lib/api.js';
import { trust } from './lib/genesis.js';
import { verifiedHead } from './lib/head.js';
import { LOCALES, lang, setLang, t } from './lib/i18n.js';
import { el, error, short } from './lib/ui.js';

const PAGES = {
  '': () => import('./pages/dashboard.js'),
  dashboard: () => import('./pages/dashboard.js'),
  chain: () => import('./pages/overview.js'),
  block: () => import('./pages/block.js'),
  tx: () => import('./pages/tx.js'),
  org: () => import('./pages/org.js'),
  dataset: () => import('./pages/dataset.js'),
  grant: () => import('./pages/grant.js'),
  listing: () => import('./pages/market.js'),
  order: () => import('./pages/market.js'),
  evidence: () => import('./pages/evidence.js'),
  views: () => import('./pages/regulator.js'),
  search: () => import('./pages/search.js'),
  request: () => import('./pages/object.js'),
  proposal: () => import('./pages/object.js'),
  settings: () => import('./pages/settings.js'),
  catalog: () => import('./pages/catalog.js'),
  inbox: () => import('./pages/inbox.js'),
  grants: () => import('./pages/grants.js'),
  market: () => import('./pages/trade.js'),
  regulator: () => import('./pages/supervision.js'),
};

/** Writes the static page's texts (`data-i18n`, `data-i18n-placeholder`) in the current language. */
function translateStatic() {
  document.documentElement.lang = LOCALES[lang()];
  document.title = t('app.title');
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of document.querySelectorAll('[data-i18n-placeholder]')) e.placeholder = t(e.dataset.i18nPlaceholder);
  for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang()));
}

/** The genesis line of the trust bar: loud red on a mismatch, an offer to pin when unpinned. */
function genesisLine(tr) {
  const settings = el('a', { href: '#/settings' }, t('nav.settings'));
  switch (tr.state) {
    case 'pinned':
      return el('p', { class: 'trust trust-pinned', 'data-testid': 'trust-pinned' }, t('trust.pinned', { hash: short(tr.pin) }), ' ', settings);
    case 'unpinned':
      return el('p', { class: 'trust trust-unpinned', 'data-testid': 'trust-unpinned' },
        t('trust.unpinned'), ' ', el('code', {}, tr.hash), ' ',
        el('a', { href: '#/settings', 'data-testid': 'offer-pin' }, t('trust.offer_pin')));
    case 'mismatch':
      return el('p', { class: 'trust trust-mismatch', 'data-testid': 'trust-mismatch', role: 'alert' },
        t('trust.mismatch', { hash: tr.hash, pin: tr.pin }), ' ', settings);
    default:
      return el('p', { class: 'trust trust-mismatch', 'data-testid': 'trust-invalid', role: 'alert' },
        t('trust.invalid', { reason: tr.reason }), ' ', settings);
  }
}

/** The head line: the newest certified block's height and age, or why there is none. */
async function headLine(tr) {
  const line = el('p', { class: 'trust', 'data-testid': 'head-age' }, '…');
  if (tr.state !== 'pinned') { line.textContent = t('head.unverified'); return line; }
  let block;
  try { block = await get('/api/block/latest', 'BlockResponse'); } catch (e) {
    line.textContent = t('head.unreadable', { reason: e.message });
    return line;
  }
  const h = verifiedHead(block, tr.validators, Date.now());
  if (!h.ok) { line.className = 'trust trust-mismatch'; line.textContent = h.reason; return line; }
  line.textContent = h.text;
  if (h.stale) {
    line.className = 'trust trust-stale';
    line.append(' — ', t('head.stale'));
    line.dataset.stale = 'true';
  }
  return line;
}

/** Which call of route() owns the page: each one takes the next number, and an older call whose
 * requests finish after a newer one's (a language switch or a click while a page loads) writes
 * nothing, so a page never shows an older route's content or language. */
let generation = 0;

async function trustBar(mine) {
  const bar = document.getElementById('trust-bar');
  const tr = await trust(true);
  const head = await headLine(tr);
  if (mine === generation) bar.replaceChildren(genesisLine(tr), head);
}

async function route() {
  const mine = ++generation;
  const current = () => mine === generation;
  translateStatic();
  const main = document.getElementById('page');
  const [path, search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [kind = '', ...rest] = path.split('/');
  const arg = decodeURIComponent(rest.join('/'));
  const query = new URLSearchParams(search);
  const load = PAGES[kind];
  const bar = trustBar(mine).catch((e) => { if (current()) document.getElementById('trust-bar').replaceChildren(error(e.message || String(e))); });
  main.dataset.ready = 'false';
  main.replaceChildren(el('p', { class: 'muted' }, t('app.loading')));
  if (!load) { main.replaceChildren(error(t('app.no_page', { kind }))); return; }
  try {
    const mod = await load();
    const node = await mod.render(arg, kind, query);
    if (!current()) return;
    main.replaceChildren(node);
    main.dataset.page = kind || 'dashboard';
  } catch (e) {
    if (!current()) return;
    main.replaceChildren(error(e.message || String(e)));
  }
  // Ready means the whole page, the trust bar too, is this route's and in the chosen language.
  await bar;
  if (current()) main.dataset.ready = 'true';
}

document.getElementById('search-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const q = document.getElementById('search').value.trim();
  if (q) location.hash = `#/search/${encodeURIComponent(q)}`;
});
for (const b of document.querySelectorAll('[data-lang]')) {
  b.addEventListener('click', () => { setLang(b.dataset.lang); route(); });
}
window.addEventListener('hashchange', route);
route();
