// The explorer's router: `#/kind/arg` in the address picks a page module (an optional `?a=b`
// after it gives the page its initial filters, e.g. `#/catalog?owner=ID&limit=20`); the search
// box goes to #/search/<query>. Every page only reads the API. Above every page, the trust bar says which
// genesis the checks trust (lib/genesis.js) and how old the verified head is (lib/head.js).

import { get } from './lib/api.js';
import { trust } from './lib/genesis.js';
import { verifiedHead } from './lib/head.js';
import { el, error, short } from './lib/ui.js';

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
  settings: () => import('./pages/settings.js'),
  catalog: () => import('./pages/catalog.js'),
  inbox: () => import('./pages/inbox.js'),
  grants: () => import('./pages/grants.js'),
  market: () => import('./pages/trade.js'),
  regulator: () => import('./pages/supervision.js'),
};

/** The genesis line of the trust bar: loud red on a mismatch, an offer to pin when unpinned. */
function genesisLine(t) {
  const settings = el('a', { href: '#/settings' }, '设置 (settings)');
  switch (t.state) {
    case 'pinned':
      return el('p', { class: 'trust trust-pinned', 'data-testid': 'trust-pinned' }, `创世哈希已固定 (genesis pinned): ${short(t.pin)} `, settings);
    case 'unpinned':
      return el('p', { class: 'trust trust-unpinned', 'data-testid': 'trust-unpinned' },
        '未固定 (unpinned): 节点的创世哈希 (the node\'s genesis hash) ', el('code', {}, t.hash),
        ' 尚未固定，任何内容都不标记为已验证 (is not pinned: nothing is marked verified). ',
        el('a', { href: '#/settings', 'data-testid': 'offer-pin' }, '在设置中核对并固定（首次使用即信任）(check and pin it in settings: trust on first use)'));
    case 'mismatch':
      return el('p', { class: 'trust trust-mismatch', 'data-testid': 'trust-mismatch', role: 'alert' },
        '警告：节点的创世与您固定的哈希不一致，拒绝一切验证 (WARNING: this node runs a different genesis than the one you pinned; nothing is verified). ',
        `node ${t.hash}, pinned ${t.pin}. `, settings);
    default:
      return el('p', { class: 'trust trust-mismatch', 'data-testid': 'trust-invalid', role: 'alert' },
        `无法核对节点的创世 (cannot check the node's genesis): ${t.reason} `, settings);
  }
}

/** The head line: the newest certified block's height and age, or why there is none. */
async function headLine(t) {
  const line = el('p', { class: 'trust', 'data-testid': 'head-age' }, '…');
  if (t.state !== 'pinned') { line.textContent = '最新区块未验证 (head not verified)'; return line; }
  let block;
  try { block = await get('/api/block/latest', 'BlockResponse'); } catch (e) {
    line.textContent = `最新区块不可读 (no head block): ${e.message}`;
    return line;
  }
  const h = verifiedHead(block, t.validators, Date.now());
  if (!h.ok) { line.className = 'trust trust-mismatch'; line.textContent = h.reason; return line; }
  line.textContent = h.text;
  if (h.stale) {
    line.className = 'trust trust-stale';
    line.append(' — 已过时：节点可能落后或链已停止，所示内容可能不是最新 (stale: the node may be behind or the chain halted; what you see may be old)');
    line.dataset.stale = 'true';
  }
  return line;
}

async function trustBar() {
  const bar = document.getElementById('trust-bar');
  const t = await trust(true);
  bar.replaceChildren(genesisLine(t), await headLine(t));
}

async function route() {
  const main = document.getElementById('page');
  const [path, search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [kind = '', ...rest] = path.split('/');
  const arg = decodeURIComponent(rest.join('/'));
  const query = new URLSearchParams(search);
  const load = PAGES[kind];
  trustBar().catch((e) => document.getElementById('trust-bar').replaceChildren(error(e.message || String(e))));
  main.replaceChildren(el('p', { class: 'muted' }, '加载中… (loading)'));
  if (!load) { main.replaceChildren(error(`no page ${kind}`)); return; }
  try {
    const mod = await load();
    const node = await mod.render(arg, kind, query);
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
