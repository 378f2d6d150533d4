// Search: a block height, a tx hash, an id, or part of an organization's or data set's name (in
// whatever language it was registered in).

import { get } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { el, link, table } from '../lib/ui.js';

export async function render(q) {
  const r = await get(`/api/search?q=${encodeURIComponent(q)}`, 'SearchResponse');
  if (r.results.length === 1) {
    const [hit] = r.results;
    location.replace(`#/${hit.kind}/${hit.id}`);
    return el('p', {}, t('search.found'), ' ', link(hit.kind, hit.id, hit.label));
  }
  return el('div', {}, el('h1', {}, t('search.title'), ' ', el('span', { class: 'data' }, q)),
    r.results.length === 0 ? el('p', {}, t('search.nothing'))
      : table([t('search.kind'), t('search.what'), t('ui.id')], r.results.map((h) => [t(`kind.${h.kind}`), link(h.kind, h.id), h.id]), { 'data-testid': 'search-results' }));
}
