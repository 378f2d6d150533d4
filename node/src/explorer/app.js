// The explorer's router: `#/kind/arg` in the address picks a page module; the search box goes
// to #/search/<query>. Every page only reads the API.

import { el, error } from './lib/ui.js';

const PAGES = {
  '': () => import('./pages/overview.js'),
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
};

async function route() {
  const main = document.getElementById('page');
  const [kind = '', ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  const arg = decodeURIComponent(rest.join('/'));
  const load = PAGES[kind];
  main.replaceChildren(el('p', { class: 'muted' }, 'loading…'));
  if (!load) { main.replaceChildren(error(`no page ${kind}`)); return; }
  try {
    const mod = await load();
    const node = await mod.render(arg, kind);
    main.replaceChildren(node);
    main.dataset.page = kind || 'overview';
  } catch (e) {
    main.replaceChildren(error(e.message || String(e)));
  }
}

document.getElementById('search-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const q = document.getElementById('search').value.trim();
  if (q) location.hash = `#/search/${encodeURIComponent(q)}`;
});
window.addEventListener('hashchange', route);
route();
