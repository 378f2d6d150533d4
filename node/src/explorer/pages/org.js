// An organization: roles, keys, balance, and everything it did (its event history, paged).

import { get, withParam } from '../lib/api.js';
import { objectBadge } from '../lib/badge.js';
import { el, eventsTable, kv, section } from '../lib/ui.js';

/** A paged history of a subject with a "more" button that follows the cursor. */
export function pagedHistory(subject) {
  const box = el('div', { 'data-testid': 'history' });
  let after = null;
  const more = el('button', {}, 'more');
  async function load() {
    const page = await get(withParam(`/api/events?subject=${subject}&limit=50`, 'after', after), 'EventsPage');
    box.insertBefore(eventsTable(page.events), more);
    after = page.next;
    more.hidden = !after;
  }
  more.addEventListener('click', () => load().catch((e) => box.append(e.message)));
  box.append(more);
  load().catch((e) => box.append(e.message));
  return box;
}

export async function render(id) {
  const { organization: o } = await get(`/api/org/${id}`, 'OrgResponse');
  const acct = await get(`/api/account/${id}`, 'AccountResponse');
  return el('div', {},
    el('h1', {}, `${o.name} `, objectBadge('organization', id, o)),
    kv([['id', o.id], ['roles', o.roles.join(', ')], ['keys', el('div', {}, o.keys.map((k) => el('div', {}, k)))],
      ['suspended', o.suspended ? 'yes' : 'no'], ['balance', `${acct.balance} fen`], ['next nonce', String(acct.nonce)]]),
    el('p', { class: 'org-lists', 'data-testid': 'org-lists' },
      el('a', { href: `#/inbox/${id}` }, '待办 (inbox)'), ' · ', el('a', { href: `#/grants/${id}` }, '授权 (grants)'), ' · ',
      el('a', { href: `#/market/${id}` }, '订单与对账单 (orders and statement)'), ' · ',
      el('a', { href: `#/catalog?owner=${id}` }, '其数据集 (its data sets)')),
    section('Everything it did', pagedHistory(`account:${id}`)));
}
