// Names instead of hashes: ids that links show are collected for a moment and resolved together
// by GET /api/names (at most 100 ids a request, each once per page load); each link then shows
// the organization's name and role, the data set's name and owner, or what a grant, listing or
// order is about, with the id on hover. An id the node does not name keeps its short form.

import { t } from './i18n.js';

/** Ids one request asks for at most (`shulian_api::names::MAX_NAMES`). */
export const NAMES_BATCH = 100;

const cache = new Map(); // id -> Promise<item|null>
let waiting = new Map(); // id -> resolve
let timer = null;

async function flush() {
  timer = null;
  const batch = waiting;
  waiting = new Map();
  const ids = [...batch.keys()];
  for (let i = 0; i < ids.length; i += NAMES_BATCH) {
    const part = ids.slice(i, i + NAMES_BATCH);
    let found = [];
    try {
      const r = await fetch(`/api/names?ids=${part.join(',')}`, { headers: { accept: 'application/json' } });
      if (r.ok) found = (await r.json()).names || [];
    } catch { found = []; }
    const byId = new Map(found.map((n) => [n.id, n]));
    for (const id of part) batch.get(id)(byId.get(id) || null);
  }
}

/** What `id` names (`NamedItem` of the API), or null. */
export function nameOf(id) {
  if (!cache.has(id)) {
    cache.set(id, new Promise((resolve) => { waiting.set(id, resolve); }));
    if (!timer) timer = setTimeout(flush, 20);
  }
  return cache.get(id);
}

/** The roles of an organization in the current language. */
export function rolesText(roles) {
  return (roles || []).map((r) => t(`role.${r}`)).join('、');
}

/** The text a link shows for a named item. */
export function label(n) {
  switch (n.kind) {
    case 'org': return n.roles && n.roles.length ? t('names.org', { name: n.name, roles: rolesText(n.roles) }) : n.name;
    case 'dataset': return n.org_name ? t('names.dataset', { name: n.name, owner: n.org_name }) : n.name;
    case 'grant': return t('names.grant', { name: n.name, org: n.org_name || '' });
    case 'listing': return t('names.listing', { name: n.name, org: n.org_name || '' });
    case 'order': return t('names.order', { name: n.name, org: n.org_name || '' });
    default: return n.name;
  }
}

/** Fills element `a` (showing a short id) with the name of `id` once known. */
export function nameInto(a, id) {
  nameOf(id).then((n) => {
    if (!n) return;
    a.textContent = label(n);
    a.dataset.named = n.kind;
  });
}
