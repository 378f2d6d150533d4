// 授权 (an organization's grants), `#/grants/ORG`: the grants it holds (or gives), by where they
// stand at the head's ledger time: active, expiring within N days, expired, revoked, exhausted,
// not yet valid. Each grant's page pages its receipts.

import { t } from '../lib/i18n.js';
import { GRANT_STATES, options } from '../lib/labels.js';
import { nodesWord, orgPicker, pagedList } from '../lib/lists.js';
import { el, link } from '../lib/ui.js';

export async function render(org, _kind, query) {
  if (!org) return orgPicker('grants', t('grants.pick'));
  const list = (side, title) => pagedList({
    id: `grants-${side}`, title, path: '/api/lists/grants', shape: 'GrantsPage', key: 'grant', query, states: GRANT_STATES, fixed: { [side]: org },
    fields: [
      { name: 'state', label: t('col.state'), type: 'select', options: options(GRANT_STATES) },
      { name: 'within_days', label: t('grants.within_days'), type: 'number', hint: '30' },
    ],
  });
  return el('div', {}, el('h1', {}, t('grants.title'), ' ', link('org', org)), nodesWord(),
    list('grantee', t('grants.held')),
    list('grantor', t('grants.given')));
}
