// Choosing an organization or a data set by name: a text box that searches the node by name
// (any part of it, in whatever language the name was registered in) and offers the hits as
// buttons; picking one keeps its id, which is what the API is asked with. A pasted 64-hex id is
// taken as it is. The id of the choice is shown on hover.

import { t } from './i18n.js';
import { fetchList } from './lists.js';
import { label, nameOf } from './names.js';
import { el } from './ui.js';

const HEX = /^[0-9a-f]{64}$/;

/**
 * A picker of one `kind` (`org` or `dataset`): `{ element, value(), set(id) }`. `testid` names
 * its parts (`${testid}` the text box, `${testid}-option` each hit), `initial` an id to start
 * with, `onPick` is called with the id picked.
 */
export function picker({ kind, testid, title, initial = '', onPick = null }) {
  let chosen = '';
  const input = el('input', { type: 'search', 'data-testid': testid, placeholder: t(kind === 'org' ? 'picker.org_hint' : 'picker.dataset_hint'), autocomplete: 'off', class: 'picker-input' });
  const results = el('div', { class: 'picker-results', 'data-testid': `${testid}-results`, role: 'listbox' });
  const shown = el('span', { class: 'picker-chosen muted', 'data-testid': `${testid}-chosen` });
  const set = (id, text) => {
    chosen = id;
    input.value = text ?? id;
    input.title = id ? `${t('ui.id')}: ${id}` : '';
    shown.textContent = id ? t('picker.chosen', { id: `${id.slice(0, 8)}…` }) : '';
    shown.title = id;
    results.replaceChildren();
    if (onPick) onPick(id);
  };
  let seq = 0;
  let timer = null;
  const search = async (q) => {
    const mine = ++seq;
    if (!q) { results.replaceChildren(); chosen = ''; return; }
    if (HEX.test(q)) { set(q, q); nameOf(q).then((n) => { if (n && chosen === q) input.value = n.name; }); return; }
    let r;
    try { r = await fetchList(`/api/search?q=${encodeURIComponent(q)}`, 'SearchResponse'); } catch (e) {
      results.replaceChildren(el('span', { class: 'error' }, e.message));
      return;
    }
    if (mine !== seq) return;
    const hits = r.results.filter((h) => h.kind === kind).slice(0, 12);
    results.replaceChildren(...(hits.length ? hits.map((h) => {
      const b = el('button', { type: 'button', class: 'picker-option', 'data-testid': `${testid}-option`, 'data-id': h.id, title: `${t('ui.id')}: ${h.id}` }, h.label);
      nameOf(h.id).then((n) => { if (n) b.textContent = label(n); });
      b.addEventListener('click', () => set(h.id, h.label));
      return b;
    }) : [el('span', { class: 'muted', 'data-testid': `${testid}-none` }, t('picker.none', { q }))]));
  };
  input.addEventListener('input', () => {
    chosen = '';
    shown.textContent = '';
    clearTimeout(timer);
    timer = setTimeout(() => { search(input.value.trim()); }, 250);
  });
  if (initial) {
    chosen = initial;
    input.value = initial;
    nameOf(initial).then((n) => { if (n && chosen === initial) { input.value = n.name; input.title = `${t('ui.id')}: ${initial}`; } });
  }
  const element = el('label', { class: 'picker' }, title, input, shown, results);
  return { element, value: () => chosen, set };
}
