// The regulator's views: uses of a data set (picked by name) by an organization (picked by name)
// within a period (dates, ledger time), every grant of core-level data, and orders in dispute
// (a checkbox adds the ones ruled on). Each row names the height and tx that prove it, with names
// where the API has ids; each view pages with the API's cursor and exports as CSV or JSON.

import { t } from '../lib/i18n.js';
import { nodesWord, pagedList } from '../lib/lists.js';
import { el } from '../lib/ui.js';

export async function render(_arg, _kind, query) {
  const dates = { type: 'dates' };
  return el('div', {}, el('h1', {}, t('views.title')), nodesWord(),
    el('p', { class: 'muted' }, t('supervision.dates_note')),
    pagedList({
      id: 'uses', title: t('views.uses'), path: '/api/views/uses', shape: 'ViewPage', key: 'tx_hash', query, manual: t('views.uses_choose'),
      fields: [{ name: 'dataset', label: t('col.dataset'), type: 'dataset' }, { name: 'org', label: t('views.uses_org'), type: 'org' }, dates],
    }),
    pagedList({ id: 'core-grants', title: t('views.core_grants'), path: '/api/views/core-grants', shape: 'ViewPage', key: 'grant', query, fields: [dates] }),
    pagedList({
      id: 'disputes', title: t('views.disputes'), path: '/api/views/disputes', shape: 'DisputesPage', key: 'order', query,
      fields: [{ name: 'include_resolved', label: t('views.include_resolved'), type: 'checkbox' }, dates],
    }));
}
