// Equivocation evidence recorded on chain: two conflicting votes by one validator at one height
// and round. Reads GET /api/evidence; an empty list or a node without it means none recorded.

import { getOrNull, withParam } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { el, link, pre, table } from '../lib/ui.js';

export async function render() {
  const items = [];
  let cursor = null;
  let missing = false;
  do {
    const page = await getOrNull(withParam('/api/evidence', 'cursor', cursor), 'EvidencePage');
    if (!page) { missing = true; break; }
    items.push(...(page.items || []));
    cursor = page.next;
  } while (cursor && items.length < 1000);
  if (items.length === 0) {
    return el('div', {}, el('h1', {}, t('evidence.title')),
      el('p', { 'data-testid': 'no-evidence' }, t('evidence.none')),
      missing ? el('p', { class: 'muted' }, t('evidence.no_route')) : null);
  }
  return el('div', {}, el('h1', {}, t('evidence.title_n', { n: items.length })),
    table([t('col.height'), t('block.round'), t('block.validator'), t('evidence.vote_a'), t('evidence.vote_b'), t('evidence.recorded_at'), t('col.tx_hash')], items.map((x) => [
      String(x.height), String(x.round), x.validator, pre(x.vote_a), pre(x.vote_b),
      link('block', x.recorded_at_height, String(x.recorded_at_height)), link('tx', x.tx_hash),
    ]), { 'data-testid': 'evidence' }));
}
