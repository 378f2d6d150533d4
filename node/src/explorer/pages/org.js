// An organization: roles, keys, balance, and everything it did (its event history, paged).

import { get, withParam } from '../lib/api.js';
import { objectBadge } from '../lib/badge.js';
import { t } from '../lib/i18n.js';
import { rolesText } from '../lib/names.js';
import { el, eventsTable, kv, money, section, yesNo } from '../lib/ui.js';

/** A paged history of a subject with a "more" button that follows the cursor. */
export function pagedHistory(subject) {
  const box = el('div', { 'data-testid': 'history' });
  let after = null;
  const more = el('button', {}, t('ui.more'));
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
    el('h1', {}, t('org.title'), ' ', el('span', { class: 'data', 'data-testid': 'org-name' }, o.name), ' ', objectBadge('organization', id, o)),
    kv([[t('ui.id'), el('code', {}, o.id)], [t('org.roles'), rolesText(o.roles)], [t('org.keys'), el('div', {}, o.keys.map((k) => el('div', {}, k)))],
      [t('org.suspended'), yesNo(o.suspended)], [t('org.balance'), money(acct.balance)], [t('org.nonce'), String(acct.nonce)]]),
    el('p', { class: 'org-lists', 'data-testid': 'org-lists' },
      el('a', { href: `#/inbox/${id}` }, t('nav.inbox')), ' · ', el('a', { href: `#/grants/${id}` }, t('nav.grants')), ' · ',
      el('a', { href: `#/market/${id}` }, t('org.orders_statement')), ' · ',
      el('a', { href: `#/catalog?owner=${id}` }, t('org.its_datasets'))),
    section(t('org.everything'), pagedHistory(`account:${id}`)));
}
