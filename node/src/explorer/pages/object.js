// Objects without a page of their own (requests, proposals): the API's answer as it is.

import { get } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { el, pre } from '../lib/ui.js';

export async function render(id, kind) {
  return el('div', {}, el('h1', {}, t(`object.${kind}`), ' ', el('code', {}, id)), pre(await get(`/api/${kind}/${id}`)));
}
