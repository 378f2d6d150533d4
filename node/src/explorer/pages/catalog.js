// 数据目录 (the catalog): every data set as it is now, filtered by owner (picked by name),
// classification, sharing attribute and whether it is on the negative list, a page at a time
// (GET /api/lists/catalog).

import { t } from '../lib/i18n.js';
import { CLASSIFICATIONS, SHARING, options } from '../lib/labels.js';
import { nodesWord, pagedList } from '../lib/lists.js';
import { el } from '../lib/ui.js';

export async function render(_arg, _kind, query) {
  return el('div', {}, el('h1', {}, t('catalog.title')), nodesWord(),
    pagedList({
      id: 'catalog', title: t('catalog.datasets'), path: '/api/lists/catalog', shape: 'CatalogPage', key: 'dataset', query,
      fields: [
        { name: 'owner', label: t('col.owner'), type: 'org' },
        { name: 'classification', label: t('col.classification'), type: 'select', options: options(CLASSIFICATIONS) },
        { name: 'sharing', label: t('col.sharing'), type: 'select', options: options(SHARING) },
        { name: 'negative_listed', label: t('col.negative_listed'), type: 'select',
          options: [['', t('ui.any')], ['true', t('catalog.listed')], ['false', t('catalog.not_listed')]] },
      ],
    }));
}
