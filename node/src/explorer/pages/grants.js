// 授权 (an organization's grants), `#/grants/ORG`: the grants it holds (or gives), by where they
// stand at the head's ledger time: active, expiring within N days, expired, revoked, exhausted,
// not yet valid. Each grant's page pages its receipts.

import { GRANT_STATES, options } from '../lib/labels.js';
import { nodesWord, orgName, orgPicker, pagedList } from '../lib/lists.js';
import { el, link } from '../lib/ui.js';

export async function render(org, _kind, query) {
  if (!org) return orgPicker('grants', '授权 (grants): 选择机构 (pick an organization)');
  const name = await orgName(org);
  const list = (side, title) => pagedList({
    id: `grants-${side}`, title, path: '/api/lists/grants', shape: 'GrantsPage', key: 'grant', query, states: GRANT_STATES, fixed: { [side]: org },
    fields: [
      { name: 'state', label: '状态 (state)', type: 'select', options: options(GRANT_STATES) },
      { name: 'within_days', label: '天内到期 (expiring within days)', type: 'number', hint: '30' },
    ],
  });
  return el('div', {}, el('h1', {}, '授权 (grants): ', link('org', org, name)), nodesWord(),
    list('grantee', '本机构获得的授权 (grants it holds)'),
    list('grantor', '本机构给出的授权 (grants it gave)'));
}
