// Objects without a page of their own (requests, proposals): the API's answer as it is.

import { get } from '../lib/api.js';
import { el, pre } from '../lib/ui.js';

export async function render(id, kind) {
  return el('div', {}, el('h1', {}, `${kind} ${id}`), pre(await get(`/api/${kind}/${id}`)));
}
