// Search: a block height, a tx hash, an id, or part of an organization's or data set's name.

import { get } from '../lib/api.js';
import { el, link, table } from '../lib/ui.js';

export async function render(q) {
  const r = await get(`/api/search?q=${encodeURIComponent(q)}`, 'SearchResponse');
  if (r.results.length === 1) {
    const [hit] = r.results;
    location.replace(`#/${hit.kind}/${hit.id}`);
    return el('p', {}, 'found: ', link(hit.kind, hit.id, hit.label));
  }
  return el('div', {}, el('h1', {}, `Search: ${q}`),
    r.results.length === 0 ? el('p', {}, 'nothing found')
      : table(['kind', 'what', 'id'], r.results.map((h) => [h.kind, link(h.kind, h.id, h.label), h.id]), { 'data-testid': 'search-results' }));
}
