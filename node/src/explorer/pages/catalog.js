// 数据目录 (the catalog): every data set as it is now, filtered by owner, classification, sharing
// attribute and whether it is on the negative list, a page at a time (GET /api/lists/catalog).

import { CLASSIFICATIONS, SHARING, options } from '../lib/labels.js';
import { nodesWord, pagedList } from '../lib/lists.js';
import { el } from '../lib/ui.js';

export async function render(_arg, _kind, query) {
  return el('div', {}, el('h1', {}, '数据目录 (catalog)'), nodesWord(),
    pagedList({
      id: 'catalog', title: '数据集 (data sets)', path: '/api/lists/catalog', shape: 'CatalogPage', key: 'dataset', query,
      fields: [
        { name: 'owner', label: '所有者 (owner, account id)', wide: true },
        { name: 'classification', label: '分级 (classification)', type: 'select', options: options(CLASSIFICATIONS) },
        { name: 'sharing', label: '共享属性 (sharing)', type: 'select', options: options(SHARING) },
        { name: 'negative_listed', label: '负面清单 (negative list)', type: 'select',
          options: [['', '全部 (any)'], ['true', '在清单上 (listed)'], ['false', '不在清单上 (not listed)']] },
      ],
    }));
}
